//! What every list query shares: paging, free-text search patterns, sort direction, and the
//! checks that keep an unknown filter or sort from being silently ignored.

use sea_orm::{
    sea_query::{Alias, Expr, ExprTrait, LikeExpr, NullOrdering, Query, SimpleExpr},
    ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, Order, QueryOrder,
    QueryResult, QuerySelect, QueryTrait, Select, Statement,
};

use super::counts::CountCache;

use crate::backend::{Error, Result};
use crate::types::{ListQuery, PageRequest};

pub fn page_request(q: &ListQuery) -> PageRequest {
    PageRequest {
        page: q.page.unwrap_or(1),
        per_page: q.per_page.unwrap_or(50),
    }
    .normalised()
}

/// Lists count matching rows up to this many beyond the current page, then stop and say
/// "at least": an exact `COUNT(*)` over a million deals costs tens of milliseconds on every
/// page view (and ten thousand rows still 2–20 ms, measured), while nobody pages through a
/// thousand rows to check the figure.
pub const COUNT_CAP: u64 = 1_000;

/// Counts the rows `select` matches, stopping at `limit`: `(n, true)` when there are `n`,
/// `(limit, false)` when there are more.
pub async fn count_up_to<E: EntityTrait>(
    db: &impl ConnectionTrait,
    select: &Select<E>,
    limit: u64,
) -> Result<(u64, bool)> {
    let count = count_expr(db.get_database_backend(), select, limit);
    Ok(capped(count_rows(db, count).await?, limit))
}

/// Runs a `count_expr` on its own.
async fn count_rows(db: &impl ConnectionTrait, count: SimpleExpr) -> Result<i64> {
    let query = Query::select().expr_as(count, Alias::new("n")).to_owned();
    Ok(match db.query_one(&query).await? {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    })
}

/// `(SELECT COUNT(*) …)` over at most `limit + 1` of the rows `select` matches, as a scalar
/// subquery.
///
/// Its LIMIT (like the page's) is written into the SQL, not bound: PostgreSQL cannot cost a
/// plan whose LIMIT is a parameter, so it planned every list statement afresh on every
/// execution (EXPLAIN ANALYZE of the deals page on 1M deals: 2–3 ms of planning for 1.5 of
/// execution); with the numbers in the text the cached generic plan is as cheap as a custom
/// one and is reused. The numbers come from a normalised `PageRequest`, never from text.
fn count_expr<E: EntityTrait>(backend: DbBackend, select: &Select<E>, limit: u64) -> SimpleExpr {
    let mut inner = select.clone().into_query();
    inner.clear_selects().expr(Expr::cust("1")).clear_order_by();
    let built = backend.build(&inner);
    Expr::cust_with_values(
        format!(
            "(SELECT COUNT(*) FROM ({} LIMIT {}) AS matching)",
            built.sql,
            limit + 1
        ),
        built.values.map(|v| v.0).unwrap_or_default(),
    )
}

fn capped(n: i64, limit: u64) -> (u64, bool) {
    let n = u64::try_from(n).unwrap_or(0);
    if n > limit {
        (limit, false)
    } else {
        (n, true)
    }
}

/// A row of a list page with the capped count of all matching rows riding along.
struct Counted<M> {
    row: M,
    total: i64,
}

impl<M: FromQueryResult> FromQueryResult for Counted<M> {
    fn from_query_result(res: &QueryResult, pre: &str) -> std::result::Result<Self, DbErr> {
        Ok(Self {
            row: M::from_query_result(res, pre)?,
            total: res.try_get(pre, LIST_TOTAL)?,
        })
    }
}

const LIST_TOTAL: &str = "list_total";

/// The page `req` of `page` (an ordered `filtered`, perhaps with joined columns) read as `M`,
/// with the capped count of everything `filtered` matches.
///
/// With `totals` (the workspace's remembered counts, see `counts`), a total counted before and
/// still true is taken from there and only the page is read. Otherwise the count rides along
/// the page as a scalar subquery (evaluated once by both databases): a round trip per list
/// request saved — on PostgreSQL each one is a good part of a 50-row page's cost. Only an
/// empty page past the first needs a second statement for its count. LIMIT and OFFSET are
/// written into the SQL (see `count_expr`).
pub async fn page_and_count<E: EntityTrait, M: FromQueryResult + Send + Sync>(
    db: &impl ConnectionTrait,
    totals: Option<(&CountCache, i64)>,
    filtered: &Select<E>,
    page: Select<E>,
    req: &PageRequest,
) -> Result<(Vec<M>, u64, bool)> {
    let backend = db.get_database_backend();
    let limit = req.offset() + req.per_page + COUNT_CAP;
    let count = count_expr(backend, filtered, limit);
    let page_sql = |mut stmt: Statement| {
        stmt.sql
            .push_str(&format!(" LIMIT {} OFFSET {}", req.per_page, req.offset()));
        stmt
    };
    let Some((cache, workspace_id)) = totals else {
        let (rows, n) = page_with_count(db, count, page, req, page_sql).await?;
        let (total, exact) = capped(n, limit);
        return Ok((rows, total, exact));
    };
    let key = {
        let built = backend.build(&Query::select().expr(count.clone()).to_owned());
        format!("{}|{:?}", built.sql, built.values)
    };
    if let Some(n) = cache.get(workspace_id, &key) {
        let rows = M::find_by_statement(page_sql(page.build(backend)))
            .all(db)
            .await?;
        let (total, exact) = capped(n, limit);
        return Ok((rows, total, exact));
    }
    let generation = cache.generation(workspace_id);
    let (rows, n) = page_with_count(db, count, page, req, page_sql).await?;
    if let Some(g) = generation {
        cache.store(workspace_id, key, g, n);
    }
    let (total, exact) = capped(n, limit);
    Ok((rows, total, exact))
}

/// The page with the raw `count` of its list, in one statement where the page has rows.
async fn page_with_count<E: EntityTrait, M: FromQueryResult + Send + Sync>(
    db: &impl ConnectionTrait,
    count: SimpleExpr,
    page: Select<E>,
    req: &PageRequest,
    page_sql: impl Fn(Statement) -> Statement,
) -> Result<(Vec<M>, i64)> {
    let backend = db.get_database_backend();
    let stmt = page_sql(page.expr_as(count.clone(), LIST_TOTAL).build(backend));
    let rows: Vec<Counted<M>> = Counted::<M>::find_by_statement(stmt).all(db).await?;
    let n = match rows.first() {
        Some(first) => first.total,
        None if req.offset() == 0 => 0,
        None => count_rows(db, count).await?,
    };
    Ok((rows.into_iter().map(|c| c.row).collect(), n))
}

/// Column `i` of a row, decoded by the driver itself.
///
/// For the rows of a hot list page, instead of sea-orm's reads by name: those hash the
/// column's name for every value and, for every NULL (even one read into an `Option`),
/// format an error message that the `Option` then drops. Row decoding was a fifth of the
/// server's CPU on a 50-row deals page (`perf record` under wrk, 1M deals); read by
/// position, and with `types::timestamps`, the deals list served 7 % more requests.
pub fn column<T>(res: &QueryResult, i: usize) -> std::result::Result<T, DbErr>
where
    T: for<'r> sea_orm::sqlx::Decode<'r, sea_orm::sqlx::Postgres>
        + sea_orm::sqlx::Type<sea_orm::sqlx::Postgres>
        + for<'r> sea_orm::sqlx::Decode<'r, sea_orm::sqlx::Sqlite>
        + sea_orm::sqlx::Type<sea_orm::sqlx::Sqlite>,
{
    use sea_orm::sqlx::Row;
    let read = if let Some(row) = res.try_as_pg_row() {
        row.try_get::<T, _>(i)
    } else if let Some(row) = res.try_as_sqlite_row() {
        row.try_get::<T, _>(i)
    } else {
        return Err(DbErr::Type(format!("column {i}: not a database row")));
    };
    read.map_err(|e| DbErr::Type(format!("column {i}: {e}")))
}

/// The search text, lower-cased and trimmed, if any (at most 200 characters).
pub fn search_term(q: &ListQuery) -> Option<String> {
    q.search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.to_lowercase().chars().take(200).collect())
}

/// `LIKE '%term%'` with the term's own `%`, `_` and `\` taken literally.
pub fn contains(col: impl sea_orm::sea_query::IntoColumnRef, term: &str) -> SimpleExpr {
    let escaped: String = term
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    Expr::col(col).like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}

/// Refuses filters the endpoint does not know, so a typo in a script is an error rather
/// than an unfiltered (and misleading) answer.
pub fn check_filters(q: &ListQuery, allowed: &[&str]) -> Result<()> {
    let unknown: Vec<&str> = q
        .filters
        .keys()
        .map(String::as_str)
        .filter(|k| !allowed.contains(k))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(Error::field(
            "filters",
            format!(
                "unknown filter {}; available: {}",
                unknown.join(", "),
                allowed.join(", ")
            ),
        ))
    }
}

pub fn unknown_sort(field: &str, allowed: &[&str]) -> Error {
    Error::field(
        "sort",
        format!(
            "cannot sort by `{field}`; available: {}",
            allowed.join(", ")
        ),
    )
}

/// Orders by `col` then by id (so pages never overlap), NULLs last in both directions and on
/// both databases. A NOT NULL column is ordered plainly: `NULLS LAST` keeps SQLite (and
/// PostgreSQL for descending order) from walking the column's index, and every list would
/// sort the whole workspace to show fifty rows.
pub fn order<E: EntityTrait>(
    select: Select<E>,
    col: impl sea_orm::ColumnTrait,
    id: impl sea_orm::ColumnTrait,
    desc: bool,
) -> Select<E> {
    let dir = if desc { Order::Desc } else { Order::Asc };
    let select = if col.def().is_null() {
        select.order_by_with_nulls(col, dir.clone(), NullOrdering::Last)
    } else {
        select.order_by(col, dir.clone())
    };
    select.order_by(id, dir)
}

pub fn parse_i64(q: &ListQuery, key: &str) -> Result<Option<i64>> {
    match q.filter(key) {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| Error::field("filters", format!("`{key}` must be a number"))),
    }
}

pub fn parse_date(q: &ListQuery, key: &str) -> Result<Option<chrono::NaiveDate>> {
    match q.filter(key) {
        None => Ok(None),
        Some(v) => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                Error::field("filters", format!("`{key}` must be a date like 2026-01-31"))
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_filters_are_named() {
        let mut q = ListQuery::default();
        q.filters.insert("industy".into(), "x".into());
        let Err(Error::Validation(f)) = check_filters(&q, &["industry"]) else {
            panic!()
        };
        assert!(f[0].message.contains("industy") && f[0].message.contains("industry"));
    }

    #[test]
    fn paging_is_clamped() {
        let q = ListQuery {
            page: Some(0),
            per_page: Some(10_000),
            ..Default::default()
        };
        let p = page_request(&q);
        assert_eq!((p.page, p.per_page), (1, 200));
    }
}
