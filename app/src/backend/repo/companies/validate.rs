//! A company's input checked and normalised, field by field, as the form and imports check it.

use super::*;

/// A company input that passed validation.
#[derive(Clone, Debug)]
pub struct ValidCompany {
    pub name: String,
    pub domain: Option<Domain>,
    pub industry: Option<String>,
    pub employee_count: Option<i32>,
    pub revenue: Option<Money>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub description: Option<String>,
    pub website: Option<String>,
    pub linkedin_url: Option<String>,
    pub founded_year: Option<i32>,
    pub tags: Vec<String>,
}

/// Checks every field and reports every problem at once, each next to its field.
pub fn validate(input: &CompanyInput) -> std::result::Result<ValidCompany, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            message,
        })
    };
    let name = parse_name(&input.name, 200)
        .map_err(|m| err("name", m))
        .ok();
    let domain = match input
        .domain
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(d) => Domain::parse(d)
            .map(Some)
            .map_err(|m| err("domain", m.into()))
            .ok()
            .flatten(),
        None => None,
    };
    let industry = parse_optional_text(input.industry.as_deref(), 100)
        .map_err(|m| err("industry", m))
        .ok()
        .flatten();
    let employee_count = match input.employee_count {
        Some(n) if n < 0 => {
            err("employee_count", "must not be negative".into());
            None
        }
        n => n,
    };
    let currency = match input
        .revenue_currency
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(c) => Currency::parse(c)
            .map_err(|m| err("revenue_currency", m.into()))
            .unwrap_or(Currency::USD),
        None => Currency::USD,
    };
    let revenue = match input
        .annual_revenue
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        Some(r) => Money::parse_amount(r, currency)
            .map(Some)
            .map_err(|m| err("annual_revenue", m.into()))
            .ok()
            .flatten(),
        None => None,
    };
    let country = match input
        .country
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(c) => parse_country(c)
            .map(Some)
            .map_err(|m| err("country", m.into()))
            .ok()
            .flatten(),
        None => None,
    };
    let city = parse_optional_text(input.city.as_deref(), 100)
        .map_err(|m| err("city", m))
        .ok()
        .flatten();
    let description = parse_optional_text(input.description.as_deref(), 10_000)
        .map_err(|m| err("description", m))
        .ok()
        .flatten();
    let url = |field: &str, v: Option<&str>, err: &mut dyn FnMut(&str, String)| match v
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(u) => parse_web_url(u)
            .map(Some)
            .map_err(|m| err(field, m.into()))
            .ok()
            .flatten(),
        None => None,
    };
    let website = url("website", input.website.as_deref(), &mut err);
    let linkedin_url = url("linkedin_url", input.linkedin_url.as_deref(), &mut err);
    let this_year = chrono::Datelike::year(&Utc::now());
    let founded_year = match input.founded_year {
        Some(y) if !(1600..=this_year).contains(&y) => {
            err(
                "founded_year",
                format!("must be between 1600 and {this_year}"),
            );
            None
        }
        y => y,
    };
    let mut tags: Vec<String> = Vec::new();
    for t in &input.tags {
        let t = t.trim();
        if t.is_empty() || tags.iter().any(|x| x.eq_ignore_ascii_case(t)) {
            continue;
        }
        if t.chars().count() > 50 || t.contains(',') {
            err(
                "tags",
                format!(
                    "`{}` must be at most 50 characters, without commas",
                    t.chars().take(60).collect::<String>()
                ),
            );
            continue;
        }
        tags.push(t.to_owned());
    }
    if tags.len() > MAX_TAGS {
        err("tags", format!("at most {MAX_TAGS} tags"));
    }
    match (errors.is_empty(), name) {
        (true, Some(name)) => Ok(ValidCompany {
            name,
            domain,
            industry,
            employee_count,
            revenue,
            country,
            city,
            description,
            website,
            linkedin_url,
            founded_year,
            tags,
        }),
        _ => Err(errors),
    }
}
