//! Report prose from a model, behind the reports' `TextGenerator` interface. The model gets
//! the section's facts and nothing else; an answer stating a figure the facts do not hold is
//! refused, and every failure is an error, so the report falls back to the template writer.
//! Answers are cached by (model, prompt hash).

use std::sync::Arc;

use futures_util::StreamExt;
use sea_orm::DatabaseConnection;

use super::provider::{ChatRequest, Message, Provider, ProviderEvent};
use crate::backend::repo;
use crate::backend::reports::narrative::{
    NarrativeError, SectionRequest, TextGenerator, WriteFuture, Written,
};

pub struct ModelNarrator {
    provider: Arc<dyn Provider>,
    db: DatabaseConnection,
}

impl ModelNarrator {
    pub fn new(provider: Arc<dyn Provider>, db: DatabaseConnection) -> Self {
        Self { provider, db }
    }
}

const SYSTEM: &str = "You write one section of a business report as Markdown paragraphs: no \
headings, no HTML, no lists unless asked. Use only the facts given; state no number that is \
not in them; if the facts are thin, write less.";

fn prompt(r: &SectionRequest) -> String {
    format!(
        "Report: {}\nSection: {} ({})\nAt most {} words.\nFacts (JSON):\n{}",
        r.report_kind, r.title, r.section, r.max_words, r.facts
    )
}

/// Asks `provider` for plain text (no tools) and collects it.
pub async fn complete(
    provider: &dyn Provider,
    system: &str,
    user: String,
    max_tokens: u32,
) -> Result<(String, u32), String> {
    let request = ChatRequest {
        system: system.to_owned(),
        messages: vec![Message::user(user)],
        tools: &super::provider::NO_TOOLS,
        max_tokens,
    };
    let mut stream = provider.stream(&request).await.map_err(|e| e.to_string())?;
    let mut text = String::new();
    let mut tokens = 0;
    while let Some(ev) = stream.next().await {
        match ev.map_err(|e| e.to_string())? {
            ProviderEvent::TextDelta(t) => text.push_str(&t),
            ProviderEvent::Usage { prompt, completion } => tokens = prompt + completion,
            _ => {}
        }
    }
    Ok((text.trim().to_owned(), tokens))
}

/// The numbers written in `text` ("12,500" → 12500, "$1.2" → 1.2, "-3%" → 3).
pub fn numbers_in(text: &str) -> Vec<f64> {
    let mut out = vec![];
    let mut cur = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next_digit = chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
        if c.is_ascii_digit() || (!cur.is_empty() && (c == '.' || c == ',') && next_digit) {
            if c != ',' {
                cur.push(c);
            }
        } else if !cur.is_empty() {
            out.extend(cur.parse::<f64>().ok());
            cur.clear();
        }
    }
    out.extend(cur.parse::<f64>().ok());
    out
}

/// Whether every number in `text` is one of `facts`' numbers (small counts up to 12 pass:
/// "two competitors", list numbering, months).
pub fn grounded(text: &str, facts: &str) -> Result<(), f64> {
    let known = numbers_in(facts);
    for n in numbers_in(text) {
        if n <= 12.0 && n.fract() == 0.0 {
            continue;
        }
        if !known.iter().any(|k| (k - n).abs() < 1e-9) {
            return Err(n);
        }
    }
    Ok(())
}

impl TextGenerator for ModelNarrator {
    fn name(&self) -> String {
        format!("model:{}", self.provider.label())
    }

    fn write<'a>(&'a self, request: &'a SectionRequest) -> WriteFuture<'a> {
        Box::pin(async move {
            let label = self.provider.label();
            let user = prompt(request);
            let hash = super::prompt_hash(&[SYSTEM, &user]);
            let source = self.name();
            if let Ok(Some(text)) = repo::ai::cached(&self.db, &label, &hash).await {
                return Ok(Written { text, source });
            }
            let max_tokens = (request.max_words * 2).clamp(64, 2048);
            let (text, _tokens) = complete(self.provider.as_ref(), SYSTEM, user, max_tokens)
                .await
                .map_err(NarrativeError::Failed)?;
            if text.is_empty() {
                return Err(NarrativeError::Failed("the model wrote nothing".into()));
            }
            grounded(&text, &request.facts.to_string()).map_err(|n| {
                NarrativeError::Failed(format!("the model stated {n}, which is not in the facts"))
            })?;
            if let Err(e) = repo::ai::cache_put(&self.db, &label, &hash, &text).await {
                tracing::warn!(error = %e, "caching a report section");
            }
            Ok(Written { text, source })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_as_people_write_them() {
        assert_eq!(
            numbers_in("Won $12,500 (3 deals), 0.25 sentiment, up 4.5%. Done."),
            vec![12500.0, 3.0, 0.25, 4.5]
        );
    }

    #[test]
    fn figures_outside_the_facts_are_caught() {
        let facts = r#"{"won":"$12,500","rate":41.7}"#;
        assert!(grounded("We won $12,500 at a 41.7% rate with 2 reps.", facts).is_ok());
        assert_eq!(grounded("We won $13,000.", facts), Err(13000.0));
    }
}
