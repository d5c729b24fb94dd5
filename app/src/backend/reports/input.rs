//! A report's input checked and resolved against the workspace: the segment, the company or
//! pipeline it is about, the period and the recipients.

use super::*;

const MAX_RECIPIENTS: usize = 50;

/// A checked input: everything the generators need, resolved against the workspace.
#[derive(Clone, Debug)]
pub struct Valid {
    pub kind: ReportKind,
    pub title: String,
    pub period: Period,
    pub industry: Option<String>,
    pub country: Option<String>,
    /// (band name, min employees, max employees).
    pub size_band: Option<(String, i32, Option<i32>)>,
    /// Competitor reports: (id, name).
    pub company: Option<(i64, String)>,
    /// Pipeline reports: (id, name).
    pub pipeline: Option<(i64, String)>,
    pub deliver_to: Vec<String>,
    /// The input as it will be stored (trimmed, defaults filled in).
    pub input: ReportInput,
}

impl Valid {
    /// "Software · DE · 51-200 employees", or "all companies".
    pub fn segment(&self) -> String {
        let mut parts = Vec::new();
        if let Some(i) = &self.industry {
            parts.push(i.clone());
        }
        if let Some(c) = &self.country {
            parts.push(c.clone());
        }
        if let Some((b, ..)) = &self.size_band {
            parts.push(format!("{b} employees"));
        }
        if parts.is_empty() {
            "all companies".into()
        } else {
            parts.join(" · ")
        }
    }

    /// The "made from" lines of the first page.
    pub fn inputs(&self) -> Vec<(String, String)> {
        let mut lines = Vec::new();
        match self.kind {
            ReportKind::Market => {
                lines.push(("Segment".into(), self.segment()));
                lines.push((
                    "Filters".into(),
                    format!(
                        "industry: {}; country: {}; size band: {}",
                        self.industry.as_deref().unwrap_or("any"),
                        self.country.as_deref().unwrap_or("any"),
                        self.size_band.as_ref().map_or("any", |b| b.0.as_str())
                    ),
                ));
            }
            ReportKind::Competitor => {
                if let Some((id, name)) = &self.company {
                    lines.push(("Company".into(), format!("{name} (#{id})")));
                }
            }
            ReportKind::Pipeline => {
                if let Some((id, name)) = &self.pipeline {
                    lines.push(("Pipeline".into(), format!("{name} (#{id})")));
                }
            }
        }
        lines.push(("Period".into(), self.period.label()));
        lines
    }
}

fn trimmed(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Checks `input` against the workspace; every problem is a field error.
pub async fn validate(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
    input: &ReportInput,
) -> Result<Valid> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut err = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.into(),
            message,
        })
    };
    let kind = ReportKind::parse(&input.kind);
    if kind.is_none() {
        err(
            "kind",
            format!(
                "`{}` is not a report kind; use market, competitor or pipeline",
                input.kind.trim()
            ),
        );
    }
    let title = trimmed(&input.title);
    if title.as_ref().is_some_and(|t| t.chars().count() > 200) {
        err("title", "must be at most 200 characters".into());
    }
    let industry = trimmed(&input.industry);
    // Companies keep ISO codes upper case; "de" from a form or a script means the same.
    let country = trimmed(&input.country).map(|c| c.to_uppercase());
    if country
        .as_ref()
        .is_some_and(|c| c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_alphabetic()))
    {
        err("country", "must be a two-letter ISO code, e.g. DE".into());
    }
    let size_band = match trimmed(&input.size_band) {
        None => None,
        Some(b) => match SIZE_BANDS.iter().find(|(name, ..)| *name == b) {
            Some((name, min, max)) => Some(((*name).to_owned(), *min, *max)),
            None => {
                err(
                    "size_band",
                    format!(
                        "must be one of {}",
                        SIZE_BANDS
                            .iter()
                            .map(|b| b.0)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                None
            }
        },
    };
    let today = Utc::now().date_naive();
    let default_days = match kind {
        Some(ReportKind::Market) => 365,
        Some(ReportKind::Competitor) => 180,
        _ => 90,
    };
    let to = input.to.unwrap_or(today);
    let from = input.from.unwrap_or(to - Duration::days(default_days - 1));
    if from > to {
        err("from", "must not be after `to`".into());
    } else if (to - from).num_days() > 5 * 366 {
        err("to", "the period can be at most five years".into());
    }
    if from < NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default() {
        err("from", "must be after 1970".into());
    }
    let mut deliver_to = Vec::new();
    if input.deliver_to.len() > MAX_RECIPIENTS {
        err("deliver_to", format!("at most {MAX_RECIPIENTS} addresses"));
    }
    for r in &input.deliver_to {
        match Email::parse(r) {
            Ok(e) => deliver_to.push(e.as_str().to_owned()),
            Err(m) => err("deliver_to", format!("`{r}` {m}")),
        }
    }
    deliver_to.sort();
    deliver_to.dedup();

    let mut company = None;
    let mut pipeline = None;
    match kind {
        Some(ReportKind::Competitor) => match input.company_id {
            None => err("company_id", "is required for a competitor analysis".into()),
            Some(id) => match companies::Entity::find_by_id(id)
                .filter(companies::Column::WorkspaceId.eq(ws))
                .one(db)
                .await?
            {
                Some(c) => company = Some((c.id, c.name)),
                None => err("company_id", "no such company in this workspace".into()),
            },
        },
        Some(ReportKind::Pipeline) => {
            let mut q = pipelines::Entity::find().filter(pipelines::Column::WorkspaceId.eq(ws));
            q = match input.pipeline_id {
                Some(id) => q.filter(pipelines::Column::Id.eq(id)),
                None => q
                    .order_by_desc(pipelines::Column::IsDefault)
                    .order_by_asc(pipelines::Column::Position)
                    .order_by_asc(pipelines::Column::Id),
            };
            match q.one(db).await? {
                Some(p) => pipeline = Some((p.id, p.name)),
                None if input.pipeline_id.is_some() => {
                    err("pipeline_id", "no such pipeline in this workspace".into())
                }
                None => err("pipeline_id", "the workspace has no pipeline yet".into()),
            }
        }
        _ => {}
    }
    let Some(kind) = kind else {
        return Err(Error::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let period = Period { from, to };
    let mut valid = Valid {
        kind,
        title: String::new(),
        period,
        industry,
        country,
        size_band,
        company,
        pipeline,
        deliver_to,
        input: ReportInput::default(),
    };
    valid.title = title.unwrap_or_else(|| match kind {
        ReportKind::Market => format!("Market report: {}", valid.segment()),
        ReportKind::Competitor => format!(
            "Competitor analysis: {}",
            valid.company.as_ref().map_or("", |c| c.1.as_str())
        ),
        ReportKind::Pipeline => format!(
            "Pipeline review: {}",
            valid.pipeline.as_ref().map_or("", |p| p.1.as_str())
        ),
    });
    valid.input = ReportInput {
        kind: kind.as_str().into(),
        title: trimmed(&input.title),
        industry: valid.industry.clone(),
        country: valid.country.clone(),
        size_band: valid.size_band.as_ref().map(|b| b.0.clone()),
        company_id: valid.company.as_ref().map(|c| c.0),
        pipeline_id: valid.pipeline.as_ref().map(|p| p.0),
        from: Some(from),
        to: Some(to),
        deliver_to: valid.deliver_to.clone(),
    };
    Ok(valid)
}
