//! The arithmetic behind the charts, free of any view code so it can be tested on its own:
//! axis ticks, value → pixel scales, category bands, label thinning and SVG path data.

/// Axis ticks: `values` run from `min` to `max` in steps of `step`, and the axis domain is
/// exactly `min..=max`, so the data always sits inside a labelled gridline.
#[derive(Clone, Debug, PartialEq)]
pub struct Ticks {
    pub min: f64,
    pub max: f64,
    pub step: f64,
    pub values: Vec<f64>,
}

/// The smallest and largest real numbers among `values`; NaN and ±∞ are skipped, and
/// `None` means there was nothing to measure.
pub fn finite_extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Pulls zero into the range when it is no farther from the data than the data's own
/// span: 100…1,000 starts at 0 (bars and totals read wrong otherwise) while 480…520 keeps
/// its detail instead of becoming a flat line at the top of an empty chart.
pub fn zero_if_near(lo: f64, hi: f64) -> (f64, f64) {
    let span = hi - lo;
    if lo > 0.0 && lo <= span {
        (0.0, hi)
    } else if hi < 0.0 && -hi <= span {
        (lo, 0.0)
    } else {
        (lo, hi)
    }
}

/// Round ticks covering `lo..=hi` with about `target` intervals, each step 1, 2, 2.5 or 5
/// times a power of ten: 0…1,234 gives 0, 250, …, 1,250 and −1…1 gives −1, −0.5, …, 1.
///
/// A range of one value grows to include zero (or to 0…1 when the value is zero), so a
/// single point or an all-zero series still gets a readable axis. Non-finite bounds are
/// ignored.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Ticks {
    let (mut lo, mut hi) = match (lo.is_finite(), hi.is_finite()) {
        (true, true) => (lo.min(hi), lo.max(hi)),
        (true, false) => (lo, lo),
        (false, true) => (hi, hi),
        (false, false) => (0.0, 0.0),
    };
    if lo == hi {
        if lo > 0.0 {
            lo = 0.0;
        } else if lo < 0.0 {
            hi = 0.0;
        } else {
            hi = 1.0;
        }
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let exp = raw.log10().floor();
    let magnitude = 10_f64.powf(exp);
    if !raw.is_finite() || !magnitude.is_finite() || magnitude <= 0.0 {
        return nice_ticks(0.0, 1.0, target);
    }
    let normalised = raw / magnitude;
    let nice = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .find(|&n| normalised <= n * (1.0 + 1e-9))
        .unwrap_or(10.0);
    // k × step is computed as k × nice ÷ 10ⁿ for negative exponents: 3 × 0.1 has float
    // noise (0.30000000000000004) that 3 ÷ 10 does not.
    let exp = exp as i32;
    let at = |k: f64| {
        let v = if exp < 0 {
            k * nice / 10_f64.powi(-exp)
        } else {
            k * nice * 10_f64.powi(exp)
        };
        if v == 0.0 {
            0.0
        } else {
            v
        }
    };
    let step = at(1.0);
    let first = (lo / step + 1e-9).floor();
    let last = (hi / step - 1e-9).ceil();
    // A bound so absurd input can never allocate without end; nice steps give ≤ 2·target+2.
    let count = ((last - first) as usize).min(1_000);
    let values: Vec<f64> = (0..=count).map(|i| at(first + i as f64)).collect();
    Ticks {
        min: values[0],
        max: values[values.len() - 1],
        step,
        values,
    }
}

/// Maps a value linearly from `domain` to `range` (pixels). A domain of one point maps to
/// the middle of the range rather than dividing by zero.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinearScale {
    domain: (f64, f64),
    range: (f64, f64),
}

impl LinearScale {
    pub fn new(domain: (f64, f64), range: (f64, f64)) -> Self {
        Self { domain, range }
    }

    pub fn map(&self, v: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        if d1 == d0 {
            (r0 + r1) / 2.0
        } else {
            r0 + (v - d0) / (d1 - d0) * (r1 - r0)
        }
    }
}

/// `n` equal slots across `start..end`; each holds a band narrower than the slot by
/// `padding` (a fraction of the slot), centred in it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bands {
    start: f64,
    slot: f64,
    padding: f64,
}

impl Bands {
    pub fn new(n: usize, start: f64, end: f64, padding: f64) -> Self {
        Self {
            start,
            slot: (end - start) / n.max(1) as f64,
            padding: padding.clamp(0.0, 0.95),
        }
    }

    /// The full width given to one category, padding included (for hit areas).
    pub fn slot(&self) -> f64 {
        self.slot
    }

    pub fn slot_start(&self, i: usize) -> f64 {
        self.start + self.slot * i as f64
    }

    pub fn width(&self) -> f64 {
        self.slot * (1.0 - self.padding)
    }

    pub fn band_start(&self, i: usize) -> f64 {
        self.slot_start(i) + self.slot * self.padding / 2.0
    }

    pub fn center(&self, i: usize) -> f64 {
        self.slot_start(i) + self.slot / 2.0
    }
}

/// Every how many categories an x label can be written without overlapping its
/// neighbours: `n` categories share `width` units and a label needs `label_width`.
pub fn label_stride(n: usize, width: f64, label_width: f64) -> usize {
    if n == 0 || width <= 0.0 {
        return 1;
    }
    let slot = width / n as f64;
    let stride = (label_width / slot).ceil();
    if stride.is_finite() && stride >= 1.0 {
        (stride as usize).min(n)
    } else {
        1
    }
}

/// Whether category `i` of `n` gets a label at `stride`. Counting from the last one keeps
/// the latest period labelled, which is the one readers look for.
pub fn shows_label(i: usize, n: usize, stride: usize) -> bool {
    i < n && (n - 1 - i).is_multiple_of(stride.max(1))
}

/// `s` cut to `max` characters with an ellipsis.
pub fn truncate_label(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Splits a line at its gaps: each run of consecutive points becomes one segment.
pub fn segments(points: impl IntoIterator<Item = Option<(f64, f64)>>) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current = Vec::new();
    for p in points {
        match p {
            Some(p) => current.push(p),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// SVG path data for a polyline through `points`.
pub fn path_data(points: &[(f64, f64)]) -> String {
    let mut d = String::with_capacity(points.len() * 14);
    for (i, &(x, y)) in points.iter().enumerate() {
        d.push(if i == 0 { 'M' } else { 'L' });
        d.push_str(&num(x));
        d.push(',');
        d.push_str(&num(y));
    }
    d
}

/// A coordinate for SVG markup: one decimal is finer than a device pixel at any size the
/// charts are drawn, and keeps server and browser output byte-identical for hydration.
pub fn num(v: f64) -> String {
    let s = format!("{v:.1}");
    if s == "-0.0" {
        "0.0".to_owned()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticks(lo: f64, hi: f64) -> Vec<f64> {
        nice_ticks(lo, hi, 5).values
    }

    #[test]
    fn nice_ticks_cover_the_range_with_round_steps() {
        assert_eq!(
            ticks(0.0, 1234.0),
            [0.0, 250.0, 500.0, 750.0, 1000.0, 1250.0]
        );
        assert_eq!(ticks(0.0, 100.0), [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(ticks(0.0, 9.0), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(ticks(3.0, 97.0), [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        let t = nice_ticks(0.0, 1234.0, 5);
        assert_eq!((t.min, t.max, t.step), (0.0, 1250.0, 250.0));
    }

    #[test]
    fn nice_ticks_for_negative_and_fractional_ranges() {
        assert_eq!(ticks(-1.0, 1.0), [-1.0, -0.5, 0.0, 0.5, 1.0]);
        assert_eq!(ticks(-0.3, 0.7), [-0.4, -0.2, 0.0, 0.2, 0.4, 0.6, 0.8]);
        assert_eq!(
            ticks(-500.0, -20.0),
            [-500.0, -400.0, -300.0, -200.0, -100.0, 0.0]
        );
        // No float noise: 0.1 × 3 must read 0.3.
        assert_eq!(ticks(0.0, 0.5), [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]);
        assert_eq!(ticks(0.3, 0.5), [0.3, 0.35, 0.4, 0.45, 0.5]);
    }

    #[test]
    fn nice_ticks_for_degenerate_ranges() {
        assert_eq!(ticks(0.0, 0.0), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(ticks(7.0, 7.0), [0.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(ticks(-3.0, -3.0), [-3.0, -2.0, -1.0, 0.0]);
        assert_eq!(ticks(f64::NAN, f64::INFINITY), ticks(0.0, 0.0));
        assert_eq!(ticks(f64::NAN, 40.0), ticks(0.0, 40.0));
        assert_eq!(ticks(100.0, 0.0), ticks(0.0, 100.0));
        // Huge and tiny magnitudes stay finite and ordered.
        for (lo, hi) in [(0.0, 1e300), (0.0, 1e-300), (1e15, 1e15 + 1.0)] {
            let t = ticks(lo, hi);
            assert!(
                t.len() >= 2 && t.iter().all(|v| v.is_finite()),
                "{lo}..{hi}: {t:?}"
            );
            assert!(t.windows(2).all(|w| w[0] < w[1]));
            let covers = t[0] <= lo && *t.last().unwrap() >= hi * (1.0 - 1e-12);
            assert!(covers, "{lo}..{hi}: {t:?}");
        }
    }

    #[test]
    fn extent_skips_non_finite_values() {
        assert_eq!(
            finite_extent([3.0, f64::NAN, -1.0, f64::INFINITY]),
            Some((-1.0, 3.0))
        );
        assert_eq!(finite_extent([f64::NAN]), None);
        assert_eq!(finite_extent(Vec::<f64>::new()), None);
        assert_eq!(finite_extent([2.0]), Some((2.0, 2.0)));
    }

    #[test]
    fn zero_joins_only_when_near() {
        assert_eq!(zero_if_near(100.0, 1000.0), (0.0, 1000.0));
        assert_eq!(zero_if_near(480.0, 520.0), (480.0, 520.0));
        assert_eq!(zero_if_near(-900.0, -100.0), (-900.0, 0.0));
        assert_eq!(zero_if_near(-1.0, 1.0), (-1.0, 1.0));
    }

    #[test]
    fn linear_scale_maps_and_inverts_direction() {
        let y = LinearScale::new((0.0, 100.0), (200.0, 0.0));
        assert_eq!(y.map(0.0), 200.0);
        assert_eq!(y.map(100.0), 0.0);
        assert_eq!(y.map(25.0), 150.0);
        let flat = LinearScale::new((5.0, 5.0), (0.0, 10.0));
        assert_eq!(flat.map(5.0), 5.0);
    }

    #[test]
    fn bands_split_the_width() {
        let b = Bands::new(4, 0.0, 400.0, 0.2);
        assert_eq!(b.slot(), 100.0);
        assert_eq!(b.width(), 80.0);
        assert_eq!(b.band_start(1), 110.0);
        assert_eq!(b.center(3), 350.0);
    }

    #[test]
    fn labels_thin_out_from_the_last_one() {
        assert_eq!(label_stride(6, 600.0, 60.0), 1);
        assert_eq!(label_stride(24, 480.0, 60.0), 3);
        assert_eq!(label_stride(0, 480.0, 60.0), 1);
        let shown: Vec<_> = (0..7).filter(|&i| shows_label(i, 7, 3)).collect();
        assert_eq!(shown, [0, 3, 6]);
        let shown: Vec<_> = (0..6).filter(|&i| shows_label(i, 6, 4)).collect();
        assert_eq!(shown, [1, 5]);
        assert_eq!(truncate_label("Qualification", 6), "Quali…");
        assert_eq!(truncate_label("Won", 6), "Won");
    }

    #[test]
    fn gaps_split_lines() {
        let pts = [
            Some((0.0, 1.0)),
            Some((1.0, 2.0)),
            None,
            Some((3.0, 4.0)),
            None,
            None,
        ];
        let segs = segments(pts);
        assert_eq!(segs, vec![vec![(0.0, 1.0), (1.0, 2.0)], vec![(3.0, 4.0)]]);
        assert_eq!(path_data(&segs[0]), "M0.0,1.0L1.0,2.0");
        assert_eq!(num(-0.04), "0.0");
    }
}
