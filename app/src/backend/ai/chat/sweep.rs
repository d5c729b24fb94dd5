//! The sweep of interrupted answers: answers left `streaming` by a process that stopped
//! writing them are marked stopped, at start-up and every minute after.

use std::time::Duration;

use crate::backend::ai::AiConfig;
use crate::backend::{repo, AppState, Result};

/// How often each serving process looks for answers that no process is writing any more.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// An answer stored as `streaming` but untouched this long is written by no process: a live
/// answer is saved whenever it changed (at least every `SAVE_EVERY` while tokens come) and
/// ends within the answer timeout, a model that stays silent included. The minute on top
/// covers the final save and processes whose clocks differ a little.
pub fn interrupted_after(config: &AiConfig) -> Duration {
    config.answer_timeout + Duration::from_secs(60)
}

/// Marks as stopped the answers whose process stopped writing them (it crashed or was
/// killed): what was written stays, and their readers get `done`. Answers how many.
pub async fn sweep_interrupted(state: &AppState) -> Result<u64> {
    let _turn = state.writes().enter().await;
    repo::chat::mark_interrupted(&state.db, interrupted_after(state.ai())).await
}

/// Runs `sweep_interrupted` at once (what this process left when it last stopped) and then
/// every `SWEEP_EVERY`. With several processes on one PostgreSQL, the answers of one that died
/// are closed by the others within minutes instead of staying `streaming` (their readers
/// polling) until it comes back.
pub fn spawn_sweeper(state: &AppState) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            match sweep_interrupted(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(answers = n, "unfinished AI answers marked stopped"),
                Err(e) => tracing::warn!(error = %e, "marking unfinished AI answers"),
            }
            tokio::time::sleep(SWEEP_EVERY).await;
        }
    })
}
