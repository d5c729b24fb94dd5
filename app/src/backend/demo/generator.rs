//! The generator every kind of demo row is made by (one seeded random stream, so the same
//! seed gives the same rows), and what the kinds share: weighted picks, slugs, batched inserts.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::types::DemoDataReport;

pub(super) const BATCH: usize = crate::backend::db::INSERT_BATCH;

pub(super) struct Generator {
    pub(super) rng: ChaCha8Rng,
    pub(super) ws: i64,
    pub(super) anchor: DateTime<Utc>,
    pub(super) owners: Vec<i64>,
    pub(super) report: DemoDataReport,
}

impl Generator {
    pub(super) fn owner(&mut self) -> Option<i64> {
        (!self.owners.is_empty()).then(|| self.owners[self.rng.random_range(0..self.owners.len())])
    }

    /// A random time some (fractional) days before the anchor.
    pub(super) fn random_ago(&mut self, days: std::ops::Range<f64>) -> DateTime<Utc> {
        let days = self.rng.random_range(days);
        self.anchor - Duration::seconds((days * 86_400.0) as i64)
    }
}

pub(super) fn weighted<T>(rng: &mut ChaCha8Rng, items: &[T], weight: impl Fn(&T) -> u32) -> usize {
    let total: u32 = items.iter().map(&weight).sum();
    let mut pick = rng.random_range(0..total.max(1));
    for (i, item) in items.iter().enumerate() {
        let w = weight(item);
        if pick < w {
            return i;
        }
        pick -= w;
    }
    items.len() - 1
}

pub(super) fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

pub(super) fn slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' => Some(c),
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            'ä' | 'á' | 'à' => Some('a'),
            'ö' | 'ó' => Some('o'),
            'ü' | 'ú' => Some('u'),
            'é' | 'è' => Some('e'),
            'ç' => Some('c'),
            'ã' => Some('a'),
            ' ' | '-' => Some('-'),
            _ => None,
        })
        .collect::<String>()
        .trim_matches('-')
        .to_owned()
}

pub(super) use crate::backend::db::{insert_batched, insert_only};

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn slugs_are_ascii_domain_labels() {
        assert_eq!(slug("Northwind Labs"), "northwind-labs");
        assert_eq!(slug("Malmö Grüße"), "malmo-grue");
        assert_eq!(slug("O'Brien"), "obrien");
    }

    #[test]
    fn weighted_picks_follow_weights() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let items = [1u32, 0, 3];
        let mut counts = [0; 3];
        for _ in 0..4000 {
            counts[weighted(&mut rng, &items, |w| *w)] += 1;
        }
        assert_eq!(counts[1], 0, "a zero weight is never picked");
        assert!(counts[2] > counts[0] * 2, "{counts:?}");
    }
}
