use serde::{Deserialize, Serialize};

/// One page of a list, with the total across all pages. Every list endpoint answers with this.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "ssr",
    derive(schemars::JsonSchema),
    schemars(rename = "{T}Page")
)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Matching rows across all pages; a lower bound when `total_exact` is false.
    pub total: u64,
    /// False when counting stopped early (lists count at most a thousand rows past the
    /// page asked for): there are at least `total` rows.
    #[serde(default = "yes")]
    pub total_exact: bool,
    /// 1-based.
    pub page: u64,
    pub per_page: u64,
}

fn yes() -> bool {
    true
}

impl<T> Page<T> {
    pub fn pages(&self) -> u64 {
        if self.per_page == 0 {
            0
        } else {
            self.total.div_ceil(self.per_page)
        }
    }

    pub fn has_next(&self) -> bool {
        has_next(self.page, self.per_page, self.total, self.total_exact)
    }
}

/// Whether a page follows `page` (1-based) of `total` rows; when the count stopped early
/// (`exact` false) there are more than `total` rows, so there is one whenever `total` reaches
/// the end of this page.
pub fn has_next(page: u64, per_page: u64, total: u64, exact: bool) -> bool {
    let pages = total.div_ceil(per_page.max(1));
    page < pages || (!exact && page * per_page <= total)
}

/// Page request parameters shared by list endpoints: `page` is 1-based; `per_page` is
/// clamped to 1..=200 by the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct PageRequest {
    #[serde(default = "one")]
    pub page: u64,
    #[serde(default = "fifty")]
    pub per_page: u64,
}

fn one() -> u64 {
    1
}
fn fifty() -> u64 {
    50
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: 50,
        }
    }
}

impl PageRequest {
    pub const MAX_PER_PAGE: u64 = 200;

    pub fn normalised(self) -> Self {
        Self {
            page: self.page.max(1),
            per_page: self.per_page.clamp(1, Self::MAX_PER_PAGE),
        }
    }

    pub fn offset(self) -> u64 {
        let n = self.normalised();
        (n.page - 1) * n.per_page
    }
}

#[cfg(test)]
mod tests {
    use super::has_next;

    #[test]
    fn a_stopped_count_always_has_a_next_page() {
        assert!(has_next(1, 50, 75, true));
        assert!(!has_next(2, 50, 75, true));
        // 1,050 counted and stopped: page 21 ends at 1,050, and there are more.
        assert!(has_next(21, 50, 1_050, false));
        assert!(!has_next(21, 50, 1_050, true));
    }
}
