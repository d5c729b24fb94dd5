//! Writing the answer: the model asked step by step, its text streamed to the readers, and
//! the tools it calls run (bounded in time, their results cut to size) and shown in the chat.

use std::time::Duration;

use futures_util::StreamExt;

use super::task::{End, Task};
use crate::backend::ai::provider::{
    CallRequest, ChatRequest, Message, ProviderError, ProviderEvent,
};
use crate::backend::ai::tools;
use crate::backend::auth::Scope;
use crate::types::{ChatEvent, ToolCall};

/// Longest a single tool call may take.
const TOOL_TIMEOUT: Duration = Duration::from_secs(20);
/// Tool results beyond this many characters are cut before the model sees them.
const TOOL_RESULT_MAX: usize = 16_000;

/// One step's reply as it streams in: its text, the tool calls it asks for, its tokens.
#[derive(Default)]
struct Step {
    text: String,
    calls: Vec<CallRequest>,
    prompt: u32,
    completion: u32,
}

impl Task {
    /// Runs the bounded tool loop (steps, tokens, time) and streams its text to the readers.
    pub(super) async fn answer(&self) -> End {
        let config = self.state.ai();
        let deadline = tokio::time::Instant::now() + config.answer_timeout;
        let cancel = self.run.cancel.clone();
        // Made once for the whole answer: a fresh timer and cancellation waiter in every
        // select below registered and dropped one per token.
        let timeout = tokio::time::sleep_until(deadline);
        let cancelled = cancel.cancelled();
        tokio::pin!(timeout, cancelled);
        let mut turn = self.history.clone();
        let (mut prompt_total, mut completion_total) = (0u32, 0u32);
        // Whether this answer has text yet (a later turn's text starts a new paragraph).
        let mut has_text = false;
        for _step in 0..config.max_steps.max(1) {
            let request = ChatRequest {
                system: system_prompt(&self.scope),
                messages: turn.clone(),
                tools: tools::definitions(),
                max_tokens: config.max_tokens,
            };
            let started = tokio::select! {
                _ = &mut cancelled => return End::Stopped(None),
                _ = &mut timeout => return End::Failed(timeout_message(config.answer_timeout)),
                r = self.provider.stream(&request) => r,
            };
            let mut stream = match started {
                Ok(s) => s,
                Err(e) => return End::Failed(e.to_string()),
            };
            let mut step = Step::default();
            loop {
                let next = tokio::select! {
                    biased;
                    _ = &mut cancelled => return End::Stopped(None),
                    _ = &mut timeout => return End::Failed(timeout_message(config.answer_timeout)),
                    n = stream.next() => n,
                };
                match next {
                    None => break,
                    Some(Ok(ev)) => self.take(
                        ev,
                        &mut step,
                        &mut has_text,
                        (prompt_total, completion_total),
                    ),
                    Some(Err(ProviderError::Interrupted)) => {
                        return End::Stopped(Some(ProviderError::Interrupted.to_string()))
                    }
                    Some(Err(e)) => return End::Failed(e.to_string()),
                }
            }
            drop(stream);
            prompt_total += step.prompt;
            completion_total += step.completion;
            if step.calls.is_empty() {
                return End::Complete;
            }
            turn.push(Message::assistant(step.text, step.calls.clone()));
            for c in step.calls {
                let result = self.call_tool(&c).await;
                turn.push(Message::tool(c.id.clone(), result));
            }
            if prompt_total + completion_total >= config.answer_token_limit {
                return End::Stopped(Some(format!(
                    "the answer reached its limit of {} tokens",
                    config.answer_token_limit
                )));
            }
        }
        End::Stopped(Some(format!(
            "the answer needed more than {} steps; ask a narrower question",
            config.max_steps
        )))
    }

    /// Takes one event of a step's stream into `step` and passes it on to the readers:
    /// text (a later step's text starts a new paragraph), tool calls, the tokens so far
    /// (`totals`: those of the steps before).
    fn take(&self, ev: ProviderEvent, step: &mut Step, has_text: &mut bool, totals: (u32, u32)) {
        let (prompt_total, completion_total) = totals;
        match ev {
            ProviderEvent::TextDelta(t) => {
                let sep = if step.text.is_empty() && *has_text {
                    "\n\n"
                } else {
                    ""
                };
                *has_text = true;
                step.text.push_str(&t);
                let text = if sep.is_empty() {
                    t
                } else {
                    sep.to_owned() + &t
                };
                self.run.apply(ChatEvent::Delta { text });
            }
            ProviderEvent::ToolCall(c) => step.calls.push(c),
            ProviderEvent::Usage { prompt, completion } => {
                step.prompt = prompt;
                step.completion = completion;
                self.run.apply(ChatEvent::Usage {
                    prompt_tokens: (prompt_total + prompt) as i32,
                    completion_tokens: (completion_total + completion) as i32,
                });
            }
            ProviderEvent::Finish(_) => {}
        }
    }

    /// Runs one tool call, shows it in the chat, and answers what the model reads back.
    async fn call_tool(&self, c: &CallRequest) -> String {
        let mut call = ToolCall {
            id: c.id.clone(),
            name: c.name.clone(),
            arguments: serde_json::from_str(&c.arguments)
                .unwrap_or_else(|_| serde_json::Value::String(c.arguments.clone())),
            status: "running".into(),
            summary: format!("calling {}", c.name),
            result: None,
        };
        self.run.apply(ChatEvent::Tool {
            call: Box::new(call.clone()),
        });
        let outcome = tokio::time::timeout(
            TOOL_TIMEOUT,
            tools::call(&self.state.db, &self.scope, &c.name, &c.arguments),
        )
        .await
        .unwrap_or_else(|_| Err(tools::ToolError::Failed("the lookup took too long".into())));
        match outcome {
            Ok(o) => {
                call.status = if o.needs_confirmation {
                    "needs_confirmation".into()
                } else {
                    "ok".into()
                };
                call.summary = o.summary;
                call.result = Some(o.result);
            }
            Err(e) => {
                call.status = "error".into();
                call.summary = format!("{} failed: {e}", c.name);
                call.result = Some(serde_json::json!({"error": e.to_string()}));
            }
        }
        self.run.apply(ChatEvent::Tool {
            call: Box::new(call.clone()),
        });
        let text = call
            .result
            .as_ref()
            .map(|r| r.to_string())
            .unwrap_or_default();
        if text.len() > TOOL_RESULT_MAX {
            let cut: String = text.chars().take(TOOL_RESULT_MAX).collect();
            format!("{cut}… (cut)")
        } else {
            text
        }
    }
}

fn system_prompt(scope: &Scope) -> String {
    format!(
        "You are the analyst of Hyperformant, a market and sales intelligence workspace named \
         “{name}”. Answer from the workspace's data, which you reach only through the tools. \
         Every figure you state must come from a tool result in this conversation — never \
         estimate or invent numbers; if the tools do not have it, say so. Link records you \
         mention with the `link` the tools give, as Markdown: [Name](/w/{slug}/companies/ID). \
         Be concise; use Markdown tables for lists of records. Today is {today}.",
        name = scope.workspace_name(),
        slug = scope.workspace_slug(),
        today = chrono::Utc::now().date_naive(),
    )
}

fn timeout_message(limit: Duration) -> String {
    format!(
        "the answer took longer than {} s and was stopped",
        limit.as_secs()
    )
}
