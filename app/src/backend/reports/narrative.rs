//! The narrative interface of reports: the numbers come from SQL; the prose around them
//! comes from a `TextGenerator`. The deterministic template writer is the default; a model
//! (backend::ai) plugs in behind the same trait, and the report falls back to the template
//! writer when the model is not configured or fails — the report says which wrote it.

use std::{future::Future, pin::Pin};

/// One section to write.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SectionRequest {
    /// `market`, `competitor` or `pipeline`.
    pub report_kind: String,
    /// A stable key for the section (e.g. `summary`, `funnel`, `competitors`).
    pub section: String,
    /// The section's heading as the reader sees it.
    pub title: String,
    /// The facts the text may use — and the only numbers it may state.
    pub facts: serde_json::Value,
    /// A soft length limit.
    pub max_words: u32,
}

/// Text for one section: Markdown paragraphs (no headings, no raw HTML).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Written {
    pub text: String,
    /// Who wrote it: `template`, or `model:<provider>/<model>`.
    pub source: String,
}

#[derive(Debug, thiserror::Error)]
pub enum NarrativeError {
    /// No generator of this kind is set up (no provider configured, budget used up).
    #[error("{0}")]
    Unavailable(String),
    /// The generator was asked and failed.
    #[error("{0}")]
    Failed(String),
}

pub type WriteFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Written, NarrativeError>> + Send + 'a>>;

pub trait TextGenerator: Send + Sync {
    /// Names the generator in the report ("template", "model:openai/gpt-4o-mini").
    fn name(&self) -> String;
    fn write<'a>(&'a self, request: &'a SectionRequest) -> WriteFuture<'a>;
}
