//! One record of the file to a checked row, exactly as the forms check their input; or the
//! problems that keep it out.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::csv::{self as engine, Mapping, Record};
use super::fields::fields;
use super::lookups::Lookups;
use crate::backend::repo::{
    companies as company_repo, contacts as contact_repo, deals as deal_repo,
};
use crate::types::{
    CompanyInput, ContactInput, Currency, Domain, Email, ImportEntity, ImportOptions, Money,
};

/// A row that passed validation, ready to write.
pub(super) enum ValidRow {
    Company {
        v: company_repo::ValidCompany,
        existing: Option<i64>,
    },
    Contact {
        v: contact_repo::ValidContact,
        existing: Option<i64>,
    },
    Deal(deal_repo::ValidDeal),
}

fn opt(map: &BTreeMap<&str, &str>, key: &str) -> Option<String> {
    map.get(key)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn parse_int(
    map: &BTreeMap<&str, &str>,
    key: &str,
    errors: &mut Vec<(Option<String>, String)>,
) -> Option<i32> {
    let raw = opt(map, key)?;
    let cleaned: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',' && *c != '.' && *c != '\'')
        .collect();
    match cleaned.parse::<i32>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push((Some(key.into()), format!("`{raw}` is not a whole number")));
            None
        }
    }
}

/// YYYY-MM-DD, YYYY/MM/DD or DD.MM.YYYY. Slashed day-month orders are ambiguous
/// (03/04/2026) and refused rather than guessed.
pub fn parse_date(raw: &str) -> std::result::Result<NaiveDate, String> {
    let s = raw.trim();
    for fmt in ["%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, fmt) {
            return Ok(d);
        }
    }
    // Spreadsheets often export "2026-01-31 00:00:00".
    if let Some(day) = s.split([' ', 'T']).next() {
        if let Ok(d) = NaiveDate::parse_from_str(day, "%Y-%m-%d") {
            return Ok(d);
        }
    }
    Err(format!(
        "`{s}` is not a date; use YYYY-MM-DD (e.g. 2026-03-31)"
    ))
}

/// (field label, raw value) pairs of a row, as the preview shows them.
type Shown = Vec<(String, String)>;
/// (field key, message) for each problem of a row.
type Problems = Vec<(Option<String>, String)>;

/// Per-file state while checking: keys already seen, to report duplicates within the file.
#[derive(Default)]
pub(super) struct Seen {
    keys: HashMap<String, u64>,
}

/// One record in the making: its mapped cells and the problems found so far.
struct Row<'a> {
    line: u64,
    map: BTreeMap<&'a str, &'a str>,
    errors: Problems,
}

impl Row<'_> {
    fn opt(&self, key: &str) -> Option<String> {
        opt(&self.map, key)
    }

    fn int(&mut self, key: &str) -> Option<i32> {
        parse_int(&self.map, key, &mut self.errors)
    }

    fn problem(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push((Some(field.to_owned()), message.into()));
    }

    fn field_errors(&mut self, fe: Vec<crate::types::FieldError>) {
        self.errors
            .extend(fe.into_iter().map(|e| (Some(e.field), e.message)));
    }

    /// Notes `key` as seen on this line, or the line it was seen on first.
    fn unique(&mut self, seen: &mut Seen, key: &str, what: &str) {
        if let Some(first) = seen.keys.get(key) {
            let message = format!("the same {what} is already on line {first} of this file");
            self.errors.push((None, message));
        } else {
            seen.keys.insert(key.to_owned(), self.line);
        }
    }

    /// The id of the workspace's company with the domain in column `key`, if the row names one.
    fn company(&mut self, lookups: &Lookups, key: &str) -> Option<i64> {
        let raw = self.opt(key)?;
        let found = Domain::parse(&raw)
            .ok()
            .and_then(|d| lookups.companies_by_domain.get(d.as_str()).copied());
        if found.is_none() {
            self.problem(
                key,
                format!(
                    "no company with domain `{raw}` in this workspace (import companies first)"
                ),
            );
        }
        found
    }
}

pub(super) fn convert(
    entity: ImportEntity,
    record: &Record,
    mapping: &Mapping,
    lookups: &Lookups,
    options: &ImportOptions,
    seen: &mut Seen,
) -> std::result::Result<(ValidRow, Shown), Problems> {
    let map = engine::mapped(record, mapping);
    let shown: Shown = fields(entity)
        .iter()
        .filter_map(|f| {
            map.get(f.key)
                .map(|v| (f.label.to_owned(), (*v).to_owned()))
        })
        .collect();
    let mut row = Row {
        line: record.line,
        map,
        errors: Vec::new(),
    };
    let valid = match entity {
        ImportEntity::Companies => company(&mut row, lookups, options, seen),
        ImportEntity::Contacts => contact(&mut row, lookups, options, seen),
        ImportEntity::Deals => deal(&mut row, lookups),
    };
    match valid {
        Some(v) if row.errors.is_empty() => Ok((v, shown)),
        _ if row.errors.is_empty() => Err(vec![(None, "this row could not be read".into())]),
        _ => Err(row.errors),
    }
}

fn company(
    row: &mut Row,
    lookups: &Lookups,
    options: &ImportOptions,
    seen: &mut Seen,
) -> Option<ValidRow> {
    let website = row.opt("website");
    let domain = row.opt("domain").or_else(|| {
        website
            .as_deref()
            .and_then(|w| Domain::parse(w).ok())
            .map(String::from)
    });
    let input = CompanyInput {
        name: row.opt("name").unwrap_or_default(),
        domain,
        industry: row.opt("industry"),
        employee_count: row.int("employee_count"),
        annual_revenue: row.opt("annual_revenue"),
        revenue_currency: row.opt("revenue_currency"),
        country: row.opt("country"),
        city: row.opt("city"),
        description: row.opt("description"),
        website,
        linkedin_url: row.opt("linkedin_url"),
        founded_year: row.int("founded_year"),
        tags: row
            .opt("tags")
            .map(|t| {
                t.split([';', '|', ','])
                    .map(|x| x.trim().to_owned())
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
    };
    let v = company_repo::validate(&input)
        .map_err(|fe| row.field_errors(fe))
        .ok()?;
    let existing = v
        .domain
        .as_ref()
        .and_then(|d| lookups.companies_by_domain.get(d.as_str()).copied());
    if let Some(d) = &v.domain {
        row.unique(seen, d.as_str(), "domain");
        if existing.is_some() && !options.upsert {
            row.problem(
                "domain",
                format!(
                    "a company with domain {} exists; choose “update existing” to overwrite it",
                    d.as_str()
                ),
            );
        }
    }
    Some(ValidRow::Company { v, existing })
}

fn contact(
    row: &mut Row,
    lookups: &Lookups,
    options: &ImportOptions,
    seen: &mut Seen,
) -> Option<ValidRow> {
    let company_id = row.company(lookups, "company_domain");
    let input = ContactInput {
        name: row.opt("name").unwrap_or_default(),
        company_id: None,
        email: row.opt("email"),
        title: row.opt("title"),
        phone: row.opt("phone"),
        linkedin_url: row.opt("linkedin_url"),
    };
    let mut v = contact_repo::validate_fields(&input)
        .map_err(|fe| row.field_errors(fe))
        .ok()?;
    v.company_id = company_id;
    let existing = v
        .email
        .as_ref()
        .and_then(|e| lookups.contacts_by_email.get(e.as_str()).copied());
    if let Some(e) = &v.email {
        row.unique(seen, e.as_str(), "e-mail");
        if existing.is_some() && !options.upsert {
            row.problem(
                "email",
                format!(
                    "a contact with e-mail {e} exists; choose “update existing” to overwrite it"
                ),
            );
        }
    }
    Some(ValidRow::Contact { v, existing })
}

fn deal(row: &mut Row, lookups: &Lookups) -> Option<ValidRow> {
    let stage = match row.opt("stage") {
        Some(name) => match lookups.stages.get(&name.to_lowercase()) {
            Some(s) => Some(s.clone()),
            None => {
                let names: Vec<&str> = lookups.stages.values().map(|s| s.name.as_str()).collect();
                let message = format!(
                    "`{name}` is not a stage of this pipeline ({})",
                    names.join(", ")
                );
                row.problem("stage", message);
                None
            }
        },
        None => lookups.first_stage.clone(),
    };
    let name = crate::types::parse_name(&row.opt("name").unwrap_or_default(), 200)
        .map_err(|m| row.problem("name", m))
        .ok();
    let currency = match row.opt("currency") {
        Some(c) => Currency::parse(&c)
            .map_err(|m| row.problem("currency", m))
            .unwrap_or(Currency::USD),
        None => Currency::USD,
    };
    let amount = Money::parse_amount(&row.opt("amount").unwrap_or_default(), currency)
        .map_err(|m| row.problem("amount", m))
        .ok();
    let probability = row.int("probability");
    if probability.is_some_and(|p| !(0..=100).contains(&p)) {
        row.problem("probability", "must be between 0 and 100");
    }
    let expected_close = row.opt("expected_close").and_then(|d| {
        parse_date(&d)
            .map_err(|m| row.problem("expected_close", m))
            .ok()
    });
    let company_id = row.company(lookups, "company_domain");
    let owner_id = row.opt("owner_email").and_then(|e| {
        let found = Email::parse(&e)
            .ok()
            .and_then(|e| lookups.members.get(e.as_str()).copied());
        if found.is_none() {
            row.problem(
                "owner_email",
                format!("`{e}` is not a member of this workspace"),
            );
        }
        found
    });
    let (name, amount, stage, pipeline_id) = (name?, amount?, stage?, lookups.pipeline_id?);
    Some(ValidRow::Deal(deal_repo::ValidDeal {
        probability: probability.unwrap_or(stage.default_probability),
        name,
        pipeline_id,
        stage,
        company_id,
        amount,
        expected_close,
        owner_id,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::import::COMPANY_FIELDS;

    #[test]
    fn dates() {
        assert_eq!(parse_date("2026-03-31").unwrap().to_string(), "2026-03-31");
        assert_eq!(parse_date("31.03.2026").unwrap().to_string(), "2026-03-31");
        assert_eq!(parse_date("2026/03/31").unwrap().to_string(), "2026-03-31");
        assert_eq!(
            parse_date("2026-03-31 00:00:00").unwrap().to_string(),
            "2026-03-31"
        );
        assert!(parse_date("03/04/2026").is_err(), "ambiguous");
        assert!(parse_date("yesterday").is_err());
    }

    #[test]
    fn realistic_headers_map() {
        let headers: Vec<String> = [
            "Company",
            "Website",
            "Employees",
            "Annual Revenue",
            "HQ Country",
            "Tags",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let m = engine::suggest_mapping(&headers, COMPANY_FIELDS);
        assert_eq!(
            m,
            vec![
                Some("name"),
                Some("website"),
                Some("employee_count"),
                Some("annual_revenue"),
                Some("country"),
                Some("tags")
            ]
        );
    }
}
