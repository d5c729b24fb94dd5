//! CSV exports of any list, with the list's own search, filters and sort, written page by
//! page into a channel so the response streams and memory stays flat. The column names are
//! the import's field keys, so an export can be imported again as it is.

use sea_orm::ConnectionTrait;
use tokio::sync::mpsc::Sender;

use super::auth::Scope;
use super::repo;
use super::{Error, Result};
use crate::types::{ListQuery, Money};

type Chunk = std::result::Result<bytes::Bytes, std::io::Error>;

#[derive(Clone, Copy, Debug)]
pub enum Exporter {
    Companies,
    Contacts,
    Deals,
    Activities,
    Signals,
    Metrics,
}

/// Spreadsheet programs run cells that start with `=`, `+`, `-` or `@` as formulas; text
/// from users is written with a leading apostrophe there so a shared export cannot run
/// anything when opened (OWASP "CSV injection").
pub fn safe(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

fn opt(v: &Option<String>) -> String {
    v.as_deref().map(safe).unwrap_or_default()
}

/// Decimal units ("12500.50"), the form imports read.
fn amount(m: &Money) -> String {
    let exp = m.currency.exponent();
    let unit = 10_i64.pow(exp);
    if exp == 0 {
        m.minor.to_string()
    } else {
        format!(
            "{}.{:0w$}",
            m.minor / unit,
            (m.minor % unit).abs(),
            w = exp as usize
        )
    }
}

impl Exporter {
    pub fn new(entity: &str) -> Option<Self> {
        Some(match entity {
            "companies" => Exporter::Companies,
            "contacts" => Exporter::Contacts,
            "deals" => Exporter::Deals,
            "activities" => Exporter::Activities,
            "signals" => Exporter::Signals,
            "metrics" => Exporter::Metrics,
            _ => return None,
        })
    }

    fn header(self) -> &'static [&'static str] {
        match self {
            Exporter::Companies => &[
                "id",
                "name",
                "domain",
                "industry",
                "employee_count",
                "annual_revenue",
                "revenue_currency",
                "country",
                "city",
                "website",
                "linkedin_url",
                "founded_year",
                "tags",
                "source",
                "description",
                "created_at",
                "updated_at",
            ],
            Exporter::Contacts => &[
                "id",
                "name",
                "email",
                "title",
                "phone",
                "linkedin_url",
                "company",
                "created_at",
            ],
            Exporter::Deals => &[
                "id",
                "name",
                "stage",
                "status",
                "amount",
                "currency",
                "probability",
                "expected_close",
                "closed_at",
                "company",
                "owner",
                "pipeline_id",
                "created_at",
                "updated_at",
            ],
            Exporter::Activities => &[
                "id",
                "kind",
                "subject",
                "body",
                "occurred_at",
                "author",
                "company_id",
                "deal_id",
                "contact_id",
                "due_at",
                "done_at",
            ],
            Exporter::Signals => &[
                "id",
                "company",
                "source",
                "title",
                "url",
                "sentiment",
                "published_at",
            ],
            Exporter::Metrics => &[
                "id",
                "company_id",
                "segment",
                "metric",
                "value",
                "unit",
                "observed_at",
                "source",
            ],
        }
    }

    /// One page of rows as CSV records, and whether there are more.
    async fn page(
        self,
        db: &impl ConnectionTrait,
        scope: &Scope,
        q: &ListQuery,
    ) -> Result<(Vec<Vec<String>>, bool)> {
        macro_rules! rows {
            ($page:expr, |$x:ident| $row:expr) => {{
                let p = $page;
                let more = p.has_next();
                (p.items.into_iter().map(|$x| $row).collect(), more)
            }};
        }
        Ok(match self {
            Exporter::Companies => {
                rows!(repo::companies::list(db, scope, q, None).await?, |c| vec![
                    c.id.to_string(),
                    safe(&c.name),
                    c.domain.unwrap_or_default(),
                    opt(&c.industry),
                    c.employee_count.map(|n| n.to_string()).unwrap_or_default(),
                    c.annual_revenue.as_ref().map(amount).unwrap_or_default(),
                    c.annual_revenue
                        .map(|m| m.currency.as_str().to_owned())
                        .unwrap_or_default(),
                    c.country.unwrap_or_default(),
                    opt(&c.city),
                    opt(&c.website),
                    opt(&c.linkedin_url),
                    c.founded_year.map(|y| y.to_string()).unwrap_or_default(),
                    safe(&c.tags.join("; ")),
                    c.source.as_str().to_owned(),
                    opt(&c.description),
                    c.created_at.to_rfc3339(),
                    c.updated_at.to_rfc3339(),
                ])
            }
            Exporter::Contacts => rows!(repo::contacts::list(db, scope, q, None).await?, |c| vec![
                c.id.to_string(),
                safe(&c.name),
                c.email.unwrap_or_default(),
                opt(&c.title),
                opt(&c.phone),
                opt(&c.linkedin_url),
                opt(&c.company_name),
                c.created_at.to_rfc3339(),
            ]),
            Exporter::Deals => rows!(repo::deals::list(db, scope, q, None).await?, |d| vec![
                d.id.to_string(),
                safe(&d.name),
                safe(&d.stage_name),
                d.stage_kind.as_str().to_owned(),
                amount(&d.amount),
                d.amount.currency.as_str().to_owned(),
                d.probability.to_string(),
                d.expected_close.map(|x| x.to_string()).unwrap_or_default(),
                d.closed_at.map(|x| x.to_rfc3339()).unwrap_or_default(),
                opt(&d.company_name),
                opt(&d.owner_name),
                d.pipeline_id.to_string(),
                d.created_at.to_rfc3339(),
                d.updated_at.to_rfc3339(),
            ]),
            Exporter::Activities => {
                rows!(repo::activities::list(db, scope, q, None).await?, |a| vec![
                    a.id.to_string(),
                    a.kind.as_str().to_owned(),
                    safe(&a.subject),
                    opt(&a.body),
                    a.occurred_at.to_rfc3339(),
                    opt(&a.author_name),
                    a.company_id.map(|x| x.to_string()).unwrap_or_default(),
                    a.deal_id.map(|x| x.to_string()).unwrap_or_default(),
                    a.contact_id.map(|x| x.to_string()).unwrap_or_default(),
                    a.due_at.map(|x| x.to_rfc3339()).unwrap_or_default(),
                    a.done_at.map(|x| x.to_rfc3339()).unwrap_or_default(),
                ])
            }
            Exporter::Signals => rows!(repo::signals::list(db, scope, q, None).await?, |s| vec![
                s.id.to_string(),
                opt(&s.company_name),
                s.source_kind.as_str().to_owned(),
                safe(&s.title),
                opt(&s.url),
                format!("{:.3}", s.sentiment),
                s.published_at.to_rfc3339(),
            ]),
            Exporter::Metrics => rows!(repo::metrics::list(db, scope, q, None).await?, |m| vec![
                m.id.to_string(),
                m.company_id.map(|x| x.to_string()).unwrap_or_default(),
                opt(&m.segment),
                m.metric,
                m.value.to_string(),
                opt(&m.unit),
                m.observed_at.to_rfc3339(),
                opt(&m.source),
            ]),
        })
    }

    /// Runs the first page, so a bad filter is refused before any byte is sent.
    pub async fn first_page(
        self,
        db: &impl ConnectionTrait,
        scope: &Scope,
        q: &ListQuery,
    ) -> Result<()> {
        let mut probe = q.clone();
        probe.per_page = Some(1);
        self.page(db, scope, &probe).await.map(|_| ())
    }

    pub async fn stream(
        self,
        db: &impl ConnectionTrait,
        scope: &Scope,
        mut q: ListQuery,
        tx: Sender<Chunk>,
    ) -> Result<()> {
        // UTF-8 with a BOM, so Excel reads accents right.
        let mut head = b"\xEF\xBB\xBF".to_vec();
        head.extend(encode(&[self
            .header()
            .iter()
            .map(|s| (*s).to_owned())
            .collect()])?);
        if tx.send(Ok(head.into())).await.is_err() {
            return Ok(());
        }
        let mut page = 1;
        loop {
            q.page = Some(page);
            let (rows, more) = self.page(db, scope, &q).await?;
            if !rows.is_empty() && tx.send(Ok(encode(&rows)?.into())).await.is_err() {
                // The client went away.
                return Ok(());
            }
            if !more {
                return Ok(());
            }
            page += 1;
        }
    }
}

fn encode(rows: &[Vec<String>]) -> Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for r in rows {
        w.write_record(r).map_err(|e| Error::Other(e.into()))?;
    }
    w.into_inner()
        .map_err(|e| Error::Other(anyhow::anyhow!("csv: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe("Acme"), "Acme");
        assert_eq!(safe(""), "");
    }

    #[test]
    fn amounts_are_decimal_units() {
        use crate::types::Currency;
        assert_eq!(amount(&Money::new(1_250_050, Currency::USD)), "12500.50");
        assert_eq!(
            amount(&Money::new(1200, Currency::parse("JPY").unwrap())),
            "1200"
        );
    }
}
