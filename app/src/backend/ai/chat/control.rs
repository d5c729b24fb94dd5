//! The person's hand on an answer: stopping it, and confirming or declining a tool call
//! that waits for them.

use std::time::Duration;

use crate::backend::auth::Scope;
use crate::backend::{repo, AppState, Error, Result};
use crate::types::{ChatEvent, ChatMessage};

/// Stops an answer being written. One not running here (another process, or a process that
/// died) is marked stopped as it stands.
pub async fn stop(state: &AppState, scope: &Scope, message_id: i64) -> Result<ChatMessage> {
    let msg = repo::chat::find_message(&state.db, scope, message_id).await?;
    if !state.chat_runs().stop(msg.id) && msg.status == "streaming" {
        let mut m = repo::chat::to_message(msg.clone());
        m.status = "stopped".into();
        repo::chat::save_answer(&state.db, &m).await?;
    }
    // The task saves and unregisters itself; wait briefly so the caller reads the final state.
    for _ in 0..50 {
        if !state.chat_runs().is_live(msg.id) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(repo::chat::to_message(
        repo::chat::find_message(&state.db, scope, message_id).await?,
    ))
}

/// The person's answer to a tool call that waits for confirmation (`start_report`): starts
/// the report as them (members and above) or records that they declined.
pub async fn confirm(
    state: &AppState,
    scope: &Scope,
    message_id: i64,
    call_id: &str,
    yes: bool,
) -> Result<ChatMessage> {
    use crate::backend::auth::can;
    let row = repo::chat::find_message(&state.db, scope, message_id).await?;
    let live = state.chat_runs().get(row.id);
    let message = live
        .as_ref()
        .and_then(|r| r.snapshot())
        .unwrap_or_else(|| repo::chat::to_message(row));
    let mut call = message
        .tool_calls
        .iter()
        .find(|c| c.id == call_id)
        .cloned()
        .ok_or(Error::NotFound("tool call"))?;
    if call.status != "needs_confirmation" {
        return Err(Error::Conflict(format!(
            "this call is {}, not waiting",
            call.status
        )));
    }
    if yes {
        let auth = scope.authorize::<can::RunReports>()?;
        let input: crate::types::ReportInput = serde_json::from_value(call.arguments.clone())
            .map_err(|e| Error::BadRequest(format!("the prepared report is not valid: {e}")))?;
        let started = crate::backend::reports::start(state, &auth, &input).await?;
        call.status = "confirmed".into();
        call.summary = format!("started report #{}", started.report_id);
        call.result = Some(serde_json::json!({
            "report_id": started.report_id,
            "job_id": started.job_id,
            "link": format!("/w/{}/reports/{}", scope.workspace_slug(), started.report_id),
        }));
    } else {
        call.status = "declined".into();
        call.summary = "declined: no report started".into();
    }
    match live {
        // The answer is still being written: its task saves the call with the rest, and
        // the stored row may not show it yet — the live answer does.
        Some(run) => {
            run.apply(ChatEvent::Tool {
                call: Box::new(call),
            });
            run.snapshot().ok_or(Error::NotFound("message"))
        }
        None => {
            let mut m = message;
            if let Some(c) = m.tool_calls.iter_mut().find(|c| c.id == call_id) {
                *c = call;
            }
            repo::chat::save_answer(&state.db, &m).await?;
            Ok(repo::chat::to_message(
                repo::chat::find_message(&state.db, scope, message_id).await?,
            ))
        }
    }
}
