//! The AI analyst: model providers (OpenAI-compatible, Anthropic, the built-in offline
//! analyst), the typed tools through which a model reads workspace data, the chat runtime
//! that streams and persists answers, the report narrator, and the insights job.

pub mod anthropic;
pub mod chat;
pub mod insights;
pub mod narrator;
pub mod offline;
pub mod openai;
pub mod provider;
pub mod tools;
mod wire;

use crate::backend::WorkspaceId;
use std::{sync::Arc, time::Duration};

use provider::{HttpSettings, Provider};

use super::{repo, AppState, Error, Result};

/// The server's AI configuration: the provider a workspace uses until its admins choose
/// one, and the limits every workspace shares.
#[derive(Clone, Debug)]
pub struct AiConfig {
    /// `offline`, `openai` or `anthropic`.
    pub provider: String,
    pub base_url: String,
    pub model: String,
    pub api_key: Option<String>,
    /// Tokens per workspace and month when the workspace sets none (None: unlimited).
    pub monthly_token_budget: Option<i64>,
    /// Questions per person and minute.
    pub rate_per_minute: u32,
    pub http: HttpSettings,
    /// Model turns per answer (each tool round is one).
    pub max_steps: u32,
    /// Output tokens per model turn.
    pub max_tokens: u32,
    /// Tokens (in and out) one answer may use across its turns.
    pub answer_token_limit: u32,
    /// Longest an answer may take, tool calls included.
    pub answer_timeout: Duration,
}

impl Default for AiConfig {
    fn default() -> Self {
        Self {
            provider: "offline".into(),
            base_url: String::new(),
            model: String::new(),
            api_key: None,
            monthly_token_budget: None,
            rate_per_minute: 20,
            http: HttpSettings::default(),
            max_steps: 6,
            max_tokens: 1024,
            answer_token_limit: 60_000,
            answer_timeout: Duration::from_secs(180),
        }
    }
}

impl AiConfig {
    pub fn is_offline(&self) -> bool {
        self.provider == "offline"
    }
}

/// The provider a workspace uses now, with its budget.
pub struct Resolved {
    pub provider: Arc<dyn Provider>,
    pub budget: Option<i64>,
    pub offline: bool,
}

pub fn build_provider(
    kind: &str,
    base_url: &str,
    model: &str,
    api_key: Option<String>,
    http: &HttpSettings,
) -> Arc<dyn Provider> {
    match kind {
        "openai" => Arc::new(openai::OpenAi::new(base_url, model, api_key, http.clone())),
        "anthropic" => Arc::new(anthropic::Anthropic::new(
            base_url,
            model,
            api_key,
            http.clone(),
        )),
        _ => Arc::new(offline::OfflineAnalyst),
    }
}

/// The workspace's own settings when its admins set some, the server's otherwise (read
/// through the access cache: every question asks, and saving settings clears it).
pub async fn resolve(state: &AppState, workspace_id: WorkspaceId) -> Result<Resolved> {
    let config = state.ai();
    let stored = match state.access().ai_settings(workspace_id.get()) {
        Some(kept) => {
            if kept.renew {
                let state = state.clone();
                crate::backend::auth::access_cache::renew(async move {
                    read_settings(&state, workspace_id).await
                });
            }
            kept.value
        }
        None => read_settings(state, workspace_id).await?,
    };
    match stored {
        Some(s) => {
            let key = match &s.api_key_enc {
                Some(enc) => Some(state.auth().secrets.decrypt(enc).map_err(|_| {
                    Error::Unavailable(
                        "the stored AI provider key cannot be decrypted (was SECRET_KEY changed?); an admin can enter it again".into(),
                    )
                })?),
                None => None,
            };
            Ok(Resolved {
                offline: s.provider == "offline",
                provider: build_provider(&s.provider, &s.base_url, &s.model, key, &config.http),
                budget: s.monthly_token_budget.or(config.monthly_token_budget),
            })
        }
        None => Ok(Resolved {
            offline: config.is_offline(),
            provider: build_provider(
                &config.provider,
                &config.base_url,
                &config.model,
                config.api_key.clone(),
                &config.http,
            ),
            budget: config.monthly_token_budget,
        }),
    }
}

/// Refuses model work once the workspace used its monthly budget (the offline analyst uses
/// no tokens and is never refused).
pub async fn check_budget(
    state: &AppState,
    workspace_id: WorkspaceId,
    resolved: &Resolved,
) -> Result<()> {
    let Some(budget) = resolved.budget.filter(|_| !resolved.offline) else {
        return Ok(());
    };
    let used = repo::ai::tokens_this_month(&state.db, workspace_id).await?;
    if used >= budget {
        return Err(Error::Forbidden(format!(
            "this workspace has used its AI budget for the month ({used} of {budget} tokens); \
             it resets on the 1st, or an admin can raise it under Settings → AI"
        )));
    }
    Ok(())
}

/// The workspace's own AI settings from the database, kept in the access cache.
async fn read_settings(
    state: &AppState,
    workspace_id: WorkspaceId,
) -> Result<Option<super::entity::ai_settings::Model>> {
    let cache = state.access();
    let ticket = cache.ticket();
    let read = repo::ai::settings(&state.db, workspace_id).await?;
    cache.store_ai_settings(ticket, workspace_id.get(), read.clone());
    Ok(read)
}

/// SHA-256 of a prompt, hex: the response cache's key beside the model's name.
pub fn prompt_hash(parts: &[&str]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    hex::encode(h.finalize())
}

/// The settings as admins see them (never the key).
pub async fn settings_view(
    state: &AppState,
    workspace_id: WorkspaceId,
) -> Result<crate::types::AiSettings> {
    let config = state.ai();
    Ok(match repo::ai::settings(&state.db, workspace_id).await? {
        Some(s) => crate::types::AiSettings {
            provider: s.provider,
            base_url: s.base_url,
            model: s.model,
            has_api_key: s.api_key_enc.is_some(),
            monthly_token_budget: s.monthly_token_budget.or(config.monthly_token_budget),
            source: "workspace".into(),
        },
        None => crate::types::AiSettings {
            provider: config.provider.clone(),
            base_url: config.base_url.clone(),
            model: config.model.clone(),
            has_api_key: config.api_key.is_some(),
            monthly_token_budget: config.monthly_token_budget,
            source: "server".into(),
        },
    })
}

/// Starter questions naming the workspace's own companies and metrics (the offline
/// analyst answers every one of them).
pub async fn suggestions(
    db: &impl sea_orm::ConnectionTrait,
    scope: &super::auth::Scope,
) -> Result<Vec<String>> {
    let (rival, busiest, metric) = repo::ai::suggestion_subjects(db, scope).await?;
    let mut out = vec![
        "Summarise the pipeline".to_owned(),
        "What are the biggest open deals?".to_owned(),
    ];
    if let Some(c) = busiest {
        out.push(format!("Tell me about {c}"));
    }
    if let Some(c) = rival {
        out.push(format!("Who are the competitors of {c}?"));
    }
    if let Some(m) = metric {
        out.push(format!("How has {} changed?", m.replace('_', " ")));
    }
    out.push("What are the latest signals?".to_owned());
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn statuses_and_providers_match_the_schema() {
        assert_eq!(
            migrations::AI_MESSAGE_STATUSES,
            ["streaming", "complete", "stopped", "error"]
        );
        assert_eq!(migrations::AI_PROVIDERS, ["offline", "openai", "anthropic"]);
    }
}
