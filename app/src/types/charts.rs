//! The data the charts draw, as plain serde values so server functions can return them
//! and report generators can build them without touching the UI.

use serde::{Deserialize, Serialize};

use crate::types::{group_thousands, Currency, Money};

/// How the numbers of a chart are written on its axis, in tooltips and in its data table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(tag = "kind", content = "currency", rename_all = "snake_case")]
pub enum ValueFormat {
    /// `1,234.5`: grouped thousands, at most two decimals.
    #[default]
    Number,
    /// `1.2K`, `3.4M`, `5B`.
    Compact,
    /// Values are fractions: `0.25` is written `25%`. Rates come out of queries as
    /// fractions, so no caller has to remember to multiply before charting.
    Percent,
    /// Values are minor units (cents) of the currency, as f64, written like
    /// [`Money::format_compact`]: `$1.2M`.
    Money(Currency),
    /// Two decimals with an explicit sign, for sentiment (−1…1): `+0.42`, `-0.10`, `0.00`.
    Signed2,
}

/// What a value that is missing or not a number reads as.
pub const MISSING: &str = "—";

impl ValueFormat {
    /// The value as a reader sees it in a tooltip, a label or the data table.
    pub fn format(&self, v: f64) -> String {
        if !v.is_finite() {
            return MISSING.to_owned();
        }
        match *self {
            ValueFormat::Number => fixed(v, 2, true),
            ValueFormat::Compact => compact(v),
            ValueFormat::Percent => format!("{}%", fixed(v * 100.0, 1, true)),
            ValueFormat::Money(currency) => {
                let minor = v.abs().round() as i64;
                let text = Money::new(minor, currency).format_compact();
                if v < 0.0 && minor != 0 {
                    format!("-{text}")
                } else {
                    text
                }
            }
            ValueFormat::Signed2 => {
                let text = format!("{v:+.2}");
                // "+0.00" and "-0.00" would suggest a direction that rounding erased.
                if text[1..] == *"0.00" {
                    "0.00".to_owned()
                } else {
                    text
                }
            }
        }
    }

    /// An axis tick. Ticks are multiples of `step`, and every label needs as many decimals as
    /// the step has, or neighbouring ticks read the same (`format` would write 1.25M and 1.2M
    /// alike as "1.2M").
    pub fn format_tick(&self, v: f64, step: f64) -> String {
        if !v.is_finite() {
            return MISSING.to_owned();
        }
        match *self {
            ValueFormat::Number => fixed(v, decimals_for(step), true),
            ValueFormat::Compact => compact_tick(v, step),
            ValueFormat::Percent => {
                format!("{}%", fixed(v * 100.0, decimals_for(step * 100.0), true))
            }
            ValueFormat::Money(currency) => {
                let unit = 10_f64.powi(currency.exponent() as i32);
                // The symbol and its side come from `format_compact` itself ("$0", "0 CHF"),
                // so axis and tooltips always agree on how the currency is written.
                let zero = Money::new(0, currency).format_compact();
                let (prefix, suffix) = zero.split_once('0').unwrap_or(("", ""));
                let number = compact_tick((v / unit).abs(), step / unit);
                let nonzero = number.chars().any(|c| matches!(c, '1'..='9'));
                let sign = if v < 0.0 && nonzero { "-" } else { "" };
                format!("{sign}{prefix}{number}{suffix}")
            }
            ValueFormat::Signed2 => self.format(v),
        }
    }
}

/// `v` with `decimals` places, thousands grouped, trailing zeros dropped when `trim`.
pub(crate) fn fixed(v: f64, decimals: usize, trim: bool) -> String {
    let text = format!("{:.*}", decimals, v.abs());
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let frac = if trim {
        frac.trim_end_matches('0')
    } else {
        frac
    };
    // Beyond u64 grouping is moot: nobody reads a 20-digit axis label.
    let mut out = match whole.parse::<u64>() {
        Ok(n) => group_thousands(n),
        Err(_) => whole.to_owned(),
    };
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    let is_zero = out.chars().all(|c| matches!(c, '0' | '.' | ','));
    if v < 0.0 && !is_zero {
        out.insert(0, '-');
    }
    out
}

/// The fewest decimals (up to 6) that write `step` exactly, so 0.25 needs 2 and 500 needs 0.
pub(crate) fn decimals_for(step: f64) -> usize {
    let step = step.abs();
    if !step.is_finite() || step == 0.0 {
        return 0;
    }
    (0..6)
        .find(|&d| {
            let x = step * 10_f64.powi(d as i32);
            (x - x.round()).abs() < 1e-6 * x.max(1.0)
        })
        .unwrap_or(6)
}

const SUFFIXES: [(f64, &str); 3] = [(1e9, "B"), (1e6, "M"), (1e3, "K")];

fn compact(v: f64) -> String {
    let abs = v.abs();
    if abs < 999.995 {
        return fixed(v, 2, true);
    }
    // Walk from the smallest suffix up, so 999,950 becomes "1M" rather than "1000K".
    for (i, &(div, suffix)) in SUFFIXES.iter().enumerate().rev() {
        let m = abs / div;
        let decimals = if m >= 100.0 { 0 } else { 1 };
        let rounded = format!("{m:.decimals$}").parse::<f64>().unwrap_or(m);
        if rounded >= 1000.0 && i > 0 {
            continue;
        }
        return format!("{}{suffix}", fixed(v.signum() * m, decimals, true));
    }
    unreachable!("the largest suffix always returns")
}

fn compact_tick(v: f64, step: f64) -> String {
    let abs = v.abs();
    let (div, suffix) = SUFFIXES
        .iter()
        .copied()
        .find(|&(div, _)| abs >= div)
        .unwrap_or((1.0, ""));
    let number = fixed(v / div, decimals_for(step / div), true);
    format!("{number}{suffix}")
}

/// One named line or set of bars. `None` is a gap: no data for that category, which is not
/// the same as zero.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

impl Series {
    pub fn new(name: impl Into<String>, values: impl IntoIterator<Item = Option<f64>>) -> Self {
        Self {
            name: name.into(),
            values: values.into_iter().collect(),
        }
    }

    /// A series without gaps.
    pub fn dense(name: impl Into<String>, values: impl IntoIterator<Item = f64>) -> Self {
        Self::new(name, values.into_iter().map(Some))
    }

    /// The value at category `i`, if it is there and a real number.
    pub fn get(&self, i: usize) -> Option<f64> {
        self.values
            .get(i)
            .copied()
            .flatten()
            .filter(|v| v.is_finite())
    }
}

/// Series over shared categories: the x axis is `labels` (months such as "2026-01", stage
/// names …). A series shorter than `labels` has gaps at the end; values past the last label
/// are not drawn.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct CategoryChart {
    pub labels: Vec<String>,
    pub series: Vec<Series>,
    pub format: ValueFormat,
}

impl CategoryChart {
    pub fn new(labels: Vec<String>, series: Vec<Series>, format: ValueFormat) -> Self {
        Self {
            labels,
            series,
            format,
        }
    }

    /// True when there is nothing to draw: no categories, no series, or no real value.
    pub fn is_empty(&self) -> bool {
        !self
            .series
            .iter()
            .any(|s| (0..self.labels.len()).any(|i| s.get(i).is_some()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_groups_and_trims() {
        let f = ValueFormat::Number;
        assert_eq!(f.format(1234.0), "1,234");
        assert_eq!(f.format(1234.5), "1,234.5");
        assert_eq!(f.format(0.126), "0.13");
        assert_eq!(f.format(-9876543.21), "-9,876,543.21");
        assert_eq!(f.format(-0.001), "0");
        assert_eq!(f.format(f64::NAN), MISSING);
        assert_eq!(f.format(f64::INFINITY), MISSING);
    }

    #[test]
    fn compact_uses_suffixes_and_rolls_over() {
        let f = ValueFormat::Compact;
        assert_eq!(f.format(999.0), "999");
        assert_eq!(f.format(1234.0), "1.2K");
        assert_eq!(f.format(3_400_000.0), "3.4M");
        assert_eq!(f.format(5_000_000_000.0), "5B");
        assert_eq!(f.format(250_000.0), "250K");
        assert_eq!(f.format(999_950.0), "1M");
        assert_eq!(f.format(-1500.0), "-1.5K");
        assert_eq!(f.format(0.5), "0.5");
    }

    #[test]
    fn percent_takes_fractions() {
        let f = ValueFormat::Percent;
        assert_eq!(f.format(0.25), "25%");
        assert_eq!(f.format(0.125), "12.5%");
        assert_eq!(f.format(1.0), "100%");
        assert_eq!(f.format(-0.031), "-3.1%");
    }

    #[test]
    fn money_matches_format_compact_and_puts_the_sign_first() {
        let usd = ValueFormat::Money(Currency::USD);
        assert_eq!(usd.format(125_000_000.0), "$1.2M");
        assert_eq!(usd.format(98_000.0), "$980");
        assert_eq!(usd.format(-125_000_000.0), "-$1.2M");
        assert_eq!(usd.format(0.4), "$0");
        let chf = ValueFormat::Money(Currency::parse("CHF").unwrap());
        assert_eq!(chf.format(4_500_000.0), "45K CHF");
    }

    #[test]
    fn signed_two_decimals() {
        let f = ValueFormat::Signed2;
        assert_eq!(f.format(0.5), "+0.50");
        assert_eq!(f.format(-0.126), "-0.13");
        assert_eq!(f.format(0.0), "0.00");
        assert_eq!(f.format(-0.001), "0.00");
    }

    #[test]
    fn ticks_carry_the_precision_of_the_step() {
        let usd = ValueFormat::Money(Currency::USD);
        let step = 25_000_000.0; // $250K
        let labels: Vec<_> = [0.0, 75_000_000.0, 100_000_000.0, 125_000_000.0]
            .iter()
            .map(|&v| usd.format_tick(v, step))
            .collect();
        assert_eq!(labels, ["$0", "$750K", "$1M", "$1.25M"]);
        assert_eq!(usd.format_tick(-50_000_000.0, step), "-$500K");
        let eur = ValueFormat::Money(Currency::EUR);
        assert_eq!(eur.format_tick(4_500_000.0, 500_000.0), "€45K");
        let chf = ValueFormat::Money(Currency::parse("CHF").unwrap());
        assert_eq!(chf.format_tick(4_500_000.0, 500_000.0), "45K CHF");

        assert_eq!(ValueFormat::Number.format_tick(0.5, 0.25), "0.5");
        assert_eq!(ValueFormat::Number.format_tick(1250.0, 250.0), "1,250");
        assert_eq!(ValueFormat::Compact.format_tick(1_250.0, 250.0), "1.25K");
        assert_eq!(ValueFormat::Compact.format_tick(750.0, 250.0), "750");
        assert_eq!(ValueFormat::Percent.format_tick(0.025, 0.025), "2.5%");
        assert_eq!(ValueFormat::Signed2.format_tick(-0.5, 0.5), "-0.50");
    }

    #[test]
    fn decimals_for_steps() {
        assert_eq!(decimals_for(250.0), 0);
        assert_eq!(decimals_for(0.25), 2);
        assert_eq!(decimals_for(0.5), 1);
        assert_eq!(decimals_for(0.1 + 0.2), 1);
        assert_eq!(decimals_for(0.0), 0);
    }

    #[test]
    fn serde_round_trip() {
        let chart = CategoryChart::new(
            vec!["2026-01".into(), "2026-02".into()],
            vec![Series::new("Won", [Some(1.0), None])],
            ValueFormat::Money(Currency::EUR),
        );
        let json = serde_json::to_string(&chart).unwrap();
        assert!(
            json.contains(r#""format":{"kind":"money","currency":"EUR"}"#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<CategoryChart>(&json).unwrap(), chart);
        let plain: ValueFormat = serde_json::from_str(r#"{"kind":"signed2"}"#).unwrap();
        assert_eq!(plain, ValueFormat::Signed2);
    }

    #[test]
    fn empty_means_no_real_value() {
        let labels = vec!["a".to_owned(), "b".to_owned()];
        let gaps = Series::new("s", [None, Some(f64::NAN)]);
        assert!(CategoryChart::new(labels.clone(), vec![gaps], ValueFormat::Number).is_empty());
        assert!(
            CategoryChart::new(vec![], vec![Series::dense("s", [1.0])], ValueFormat::Number)
                .is_empty()
        );
        let zero = Series::dense("s", [0.0]);
        assert!(!CategoryChart::new(labels, vec![zero], ValueFormat::Number).is_empty());
    }
}
