//! The AI features' settings over the API: which model provider the workspace uses (admins;
//! the key is write-only) and how many tokens it used this month.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{AiSettings, AiSettingsInput, AiUsageReport, ApiError};

#[server(prefix = "/api", endpoint = "get_ai_settings", input = Json)]
pub async fn get_ai_settings(workspace: String) -> Result<AiSettings, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    scope.authorize::<can::ManageWorkspace>()?;
    let state = super::state()?;
    Ok(crate::backend::ai::settings_view(&state, scope.workspace()).await?)
}

crate::endpoint_doc! {
    /// The workspace's model provider (admins). The API key is never shown, only whether one is set.
    GetAiSettings(workspace: String) -> AiSettings,
    example = {"workspace": "demo"}
}

#[server(prefix = "/api", endpoint = "update_ai_settings", input = Json)]
pub async fn update_ai_settings(
    workspace: String,
    input: AiSettingsInput,
) -> Result<AiSettings, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::ManageWorkspace>()?;
    let state = super::state()?;
    crate::backend::repo::ai::save_settings(&state.db, &auth, &state.auth().secrets, &input)
        .await?;
    // Every process answers questions with the new provider from now on.
    state.access_changed().await;
    Ok(crate::backend::ai::settings_view(&state, scope.workspace()).await?)
}

crate::endpoint_doc! {
    /// Sets the workspace's model provider (admins): `offline` (the built-in analyst),
    /// `openai` (any OpenAI-compatible endpoint: OpenAI, Ollama, vLLM, llama.cpp, LM Studio,
    /// OpenRouter) or `anthropic`, with base URL, model, API key (stored encrypted; left out
    /// keeps the stored one) and a monthly token budget.
    UpdateAiSettings(workspace: String, input: AiSettingsInput) -> AiSettings,
    example = {"workspace": "demo", "input": {"provider": "openai", "base_url": "http://localhost:11434/v1", "model": "llama3.1", "monthly_token_budget": 2000000}}
}

#[server(prefix = "/api", endpoint = "get_ai_usage", input = Json)]
pub async fn get_ai_usage(workspace: String) -> Result<AiUsageReport, ApiError> {
    let scope = super::scope(&workspace).await?;
    let state = super::state()?;
    let resolved = crate::backend::ai::resolve(&state, scope.workspace()).await?;
    Ok(crate::backend::repo::ai::usage(&state.db, &scope, resolved.budget).await?)
}

crate::endpoint_doc! {
    /// Tokens the workspace used this month (and the caller's share) against its budget.
    GetAiUsage(workspace: String) -> AiUsageReport,
    example = {"workspace": "demo"}
}
