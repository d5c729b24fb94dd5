//! The chat runtime: one background task per answer. It runs the bounded tool loop (steps,
//! tokens, time), publishes every delta to the answer's live subscribers and saves the answer
//! as it goes, so an interrupted stream leaves a stored partial answer marked `stopped`.
//!
//! Live answers are registered per process: a subscriber gets the answer as it is now plus
//! everything after, atomically; `stop` cancels the task, which drops the upstream request.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use futures_util::StreamExt;
use tokio::sync::{broadcast, oneshot};
use tokio_util::sync::CancellationToken;

use super::provider::{ChatRequest, Message, Provider, ProviderError, ProviderEvent};
use super::{tools, Resolved};
use crate::backend::auth::{rate_limit::KeyedLimiter, Scope};
use crate::backend::entity::{ai_conversations, ai_messages};
use crate::backend::{repo, AppState, Error, Result};
use crate::types::{ChatEvent, ChatMessage, SentMessage, ToolCall};

/// How often a streaming answer is written to the database.
const SAVE_EVERY: Duration = Duration::from_millis(400);
/// Longest a single tool call may take.
const TOOL_TIMEOUT: Duration = Duration::from_secs(20);
/// Tool results beyond this many characters are cut before the model sees them.
const TOOL_RESULT_MAX: usize = 16_000;
/// Events an answer keeps for readers that have not read them yet. A reader merges the
/// deltas waiting for it into one frame, so it falls this far behind only when its
/// connection stops taking data; it then starts over from a snapshot. Every answer
/// allocates the ring up front: at 1024 slots of the unboxed events (~230 KB) that was a
/// good part of what a question cost at 64 concurrent chats.
const EVENTS_KEPT: usize = 256;

struct Run {
    /// The conversation's workspace and person: only they may follow the answer.
    owner: (i64, i64),
    cancel: CancellationToken,
    state: Mutex<Live>,
    /// Bumped by every event, so the saver writes only when something changed.
    revision: AtomicU64,
}

/// An answer as it stands, and the channel of its later events.
struct Live {
    message: ChatMessage,
    events: broadcast::Sender<ChatEvent>,
    /// The stored ids, once the question is stored.
    sent: Option<SentMessage>,
}

/// A reader's start on an answer being written: the answer as it is now and every event
/// after it, exactly once.
pub struct Subscription {
    pub snapshot: ChatMessage,
    /// The question's and the answer's stored ids, when they are stored.
    pub sent: Option<SentMessage>,
    pub events: broadcast::Receiver<ChatEvent>,
}

/// A hold on one answer being written, for a reader that must start over on it (it fell
/// behind) before the answer has an id to be found by.
pub struct Following(Arc<Run>);

impl Following {
    pub fn subscribe(&self) -> Option<Subscription> {
        self.0.subscribe()
    }
}

impl Run {
    fn subscribe(&self) -> Option<Subscription> {
        let live = self.state.lock().ok()?;
        Some(Subscription {
            snapshot: live.message.clone(),
            sent: live.sent.clone(),
            events: live.events.subscribe(),
        })
    }

    /// Applies `ev` to the snapshot and sends it, under one lock, so a subscriber that takes
    /// the snapshot sees every later event exactly once.
    fn apply(&self, ev: ChatEvent) {
        let Ok(mut guard) = self.state.lock() else {
            return;
        };
        let Live {
            message: msg,
            events: tx,
            sent: stored,
        } = &mut *guard;
        match &ev {
            ChatEvent::Delta { text } => msg.content.push_str(text),
            ChatEvent::Tool { call } => match msg.tool_calls.iter_mut().find(|c| c.id == call.id) {
                Some(c) => *c = (**call).clone(),
                None => msg.tool_calls.push((**call).clone()),
            },
            ChatEvent::Usage {
                prompt_tokens,
                completion_tokens,
            } => {
                msg.prompt_tokens = *prompt_tokens;
                msg.completion_tokens = *completion_tokens;
            }
            ChatEvent::Done { status, error } => {
                msg.status = status.clone();
                msg.error = error.clone();
            }
            ChatEvent::Snapshot { message } => *msg = (**message).clone(),
            ChatEvent::Sent { sent } => {
                msg.id = sent.assistant_message_id;
                msg.conversation_id = sent.conversation_id;
                *stored = Some(sent.clone());
            }
        }
        let _ = tx.send(ev);
        self.revision.fetch_add(1, Ordering::Relaxed);
    }

    fn snapshot(&self) -> Option<ChatMessage> {
        self.state.lock().ok().map(|g| g.message.clone())
    }
}

/// The answers being written in this process, and the per-person question limit.
pub struct Runs {
    live: Mutex<HashMap<i64, Arc<Run>>>,
    limiter: KeyedLimiter,
}

impl Runs {
    pub fn new(per_minute: u32) -> Self {
        Self {
            live: Mutex::default(),
            limiter: KeyedLimiter::per_minute(per_minute),
        }
    }

    fn get(&self, id: i64) -> Option<Arc<Run>> {
        self.live.lock().ok()?.get(&id).cloned()
    }

    /// The answer as it is now and its later events, if it is being written here.
    pub fn subscribe(&self, id: i64) -> Option<Subscription> {
        self.get(id)?.subscribe()
    }

    /// The answer as it is now, if it is being written here.
    pub fn snapshot(&self, id: i64) -> Option<ChatMessage> {
        self.get(id)?.snapshot()
    }

    /// Asks the answer's task to stop; false when it is not running here.
    pub fn stop(&self, id: i64) -> bool {
        match self.get(id) {
            Some(run) => {
                run.cancel.cancel();
                true
            }
            None => false,
        }
    }

    pub fn is_live(&self, id: i64) -> bool {
        self.get(id).is_some()
    }

    /// True when the answer is being written here, in a conversation of `scope`'s person in
    /// `scope`'s workspace: what `repo::chat::find_message` would establish, known without
    /// asking the database (a stream opened right after the question skips two reads).
    pub fn belongs_to(&self, id: i64, scope: &Scope) -> bool {
        self.get(id)
            .is_some_and(|run| run.owner == (scope.workspace_id(), scope.user_id()))
    }

    fn remove(&self, id: i64) {
        if let Ok(mut live) = self.live.lock() {
            live.remove(&id);
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

/// Previous turns as the model sees them: questions and the text of finished answers.
fn history(rows: &[ai_messages::Model], before: i64) -> Vec<Message> {
    rows.iter()
        .filter(|m| m.id < before)
        .filter_map(|m| match m.role.as_str() {
            "user" => Some(Message::user(m.content.clone())),
            "assistant" if !m.content.trim().is_empty() && m.status != "streaming" => {
                Some(Message::assistant(m.content.clone(), vec![]))
            }
            _ => None,
        })
        .collect()
}

/// Checks the person's rate and the workspace's budget, and picks the provider.
async fn admit(state: &AppState, scope: &Scope) -> Result<Resolved> {
    state
        .chat_runs()
        .limiter
        .check(&format!("{}:{}", scope.workspace_id(), scope.user_id()))
        .map_err(Error::RateLimited)?;
    let resolved = super::resolve(state, scope.workspace_id()).await?;
    super::check_budget(state, scope.workspace_id(), &resolved).await?;
    Ok(resolved)
}

fn busy(rows: &[ai_messages::Model], runs: &Runs) -> Result<()> {
    if rows
        .iter()
        .any(|m| m.status == "streaming" && runs.is_live(m.id))
    {
        return Err(Error::Conflict(
            "an answer is still being written in this conversation; stop it first".into(),
        ));
    }
    Ok(())
}

/// A question whose answer is already under way while the question is being stored.
pub struct Asking {
    /// Every event of the answer from its start: `sent` once the question is stored (or
    /// `done` with the error when it could not be), deltas possibly before it.
    pub events: broadcast::Receiver<ChatEvent>,
    /// To start over on the answer, should the reader of `events` fall behind.
    pub following: Following,
    stored: oneshot::Receiver<Result<SentMessage>>,
}

impl Asking {
    /// Waits until the question and the empty answer are stored: their ids.
    pub async fn stored(self) -> Result<SentMessage> {
        self.stored.await.unwrap_or_else(|_| {
            Err(Error::Unavailable(
                "the answer ended before its question was stored".into(),
            ))
        })
    }
}

/// Asks `question` in `conversation_id` (a new conversation when None); the answer starts at
/// once.
///
/// The question is stored while the model is already being asked, not before: on SQLite
/// that write queues for the one writer behind every other answer's saves, and the first
/// token waited for it. What can refuse the question (its text, the conversation, a running
/// answer, the rate and the budget) is checked before anything starts; a write that fails
/// anyway stops the answer and ends it with the error (`done`), so nothing is shown as
/// asked that was not stored.
pub async fn ask(
    state: &AppState,
    scope: &Scope,
    conversation_id: Option<i64>,
    question: &str,
) -> Result<Asking> {
    let question = repo::chat::parse_question(question)?;
    let mut history = match conversation_id {
        Some(id) => {
            let conversation = repo::chat::find(&state.db, scope, id).await?;
            let rows = repo::chat::rows(&state.db, conversation.id).await?;
            busy(&rows, state.chat_runs())?;
            history(&rows, i64::MAX)
        }
        None => Vec::new(),
    };
    let resolved = admit(state, scope).await?;
    history.push(Message::user(question.clone()));
    let (reply, stored) = oneshot::channel();
    let label = resolved.provider.label();
    let pending = Pending {
        conversation_id,
        question,
        label: label.clone(),
        reply,
    };
    let answer = ChatMessage {
        id: 0,
        conversation_id: conversation_id.unwrap_or(0),
        role: "assistant".into(),
        content: String::new(),
        status: "streaming".into(),
        error: None,
        tool_calls: vec![],
        prompt_tokens: 0,
        completion_tokens: 0,
        model: Some(label),
        created_at: chrono::Utc::now(),
    };
    let task = prepare(state, scope, answer, history, resolved, Some(pending));
    let events = task.events();
    let following = Following(task.run.clone());
    tokio::spawn(task.run());
    Ok(Asking {
        events,
        following,
        stored,
    })
}

/// Asks `question` and answers once it is stored: the ids to follow the answer by.
pub async fn send(
    state: &AppState,
    scope: &Scope,
    conversation_id: Option<i64>,
    question: &str,
) -> Result<SentMessage> {
    ask(state, scope, conversation_id, question)
        .await?
        .stored()
        .await
}

/// A question to store beside the answer already being written.
struct Pending {
    conversation_id: Option<i64>,
    question: String,
    label: String,
    reply: oneshot::Sender<Result<SentMessage>>,
}

/// Writes the question and its empty answer in one transaction, with as few statements as
/// the case needs (on SQLite every answer's saves and every other question queue for the one
/// writer), and hands the transaction back uncommitted: the caller makes the answer known to
/// this process before the commit lets the next question in. The caller holds the write gate
/// (SQLite); on PostgreSQL the conversation's row is locked until the commit, so two questions
/// at once in one conversation take turns there too and the second finds the first running.
async fn store_turn(
    state: &AppState,
    scope: &Scope,
    p: &Pending,
) -> Result<(sea_orm::DatabaseTransaction, SentMessage)> {
    let txn = crate::backend::db::begin_write(&state.db).await?;
    let conversation = match p.conversation_id {
        Some(id) => {
            // Read again under the lock: another answer may have started meanwhile.
            let conversation = repo::chat::find_for_update(&txn, scope, id).await?;
            let rows = repo::chat::rows(&txn, conversation.id).await?;
            busy(&rows, state.chat_runs())?;
            if rows.is_empty() && conversation.title == "New conversation" {
                repo::chat::rename(&txn, scope, id, &repo::chat::title_from(&p.question)).await?;
            } else {
                repo::chat::touch(&txn, id).await?;
            }
            conversation
        }
        // Just created: titled by the question, touched now.
        None => repo::chat::create(&txn, scope, &repo::chat::title_from(&p.question)).await?,
    };
    let (user, answer) =
        repo::chat::insert_turn(&txn, &conversation, &p.question, p.label.clone()).await?;
    let sent = SentMessage {
        conversation_id: conversation.id,
        user_message_id: user.id,
        assistant_message_id: answer.id,
    };
    Ok((txn, sent))
}

/// The turns before `question_id` and the question itself, as they stand in `db`.
async fn history_to(
    db: &impl sea_orm::ConnectionTrait,
    conversation_id: i64,
    question_id: i64,
) -> Result<Vec<Message>> {
    let rows = repo::chat::rows(db, conversation_id).await?;
    Ok(history(&rows, question_id + 1))
}

/// Writes the answer to the last question again.
pub async fn retry(state: &AppState, scope: &Scope, message_id: i64) -> Result<SentMessage> {
    let db = &state.db;
    let msg = repo::chat::find_message(db, scope, message_id).await?;
    let conversation = repo::chat::find(db, scope, msg.conversation_id).await?;
    let rows = repo::chat::rows(db, conversation.id).await?;
    busy(&rows, state.chat_runs())?;
    // The question this answer (or this question itself) belongs to.
    let question = rows
        .iter()
        .rfind(|m| m.role == "user" && m.id <= msg.id)
        .ok_or_else(|| Error::BadRequest("there is no question to answer again".into()))?;
    if rows.iter().any(|m| m.role == "user" && m.id > question.id) {
        return Err(Error::BadRequest(
            "only the last answer can be retried; edit a question to branch from it".into(),
        ));
    }
    let resolved = admit(state, scope).await?;
    let _turn = state.writes().enter().await;
    let txn = crate::backend::db::begin_write(db).await?;
    repo::chat::delete_after(&txn, conversation.id, question.id).await?;
    repo::chat::touch(&txn, conversation.id).await?;
    let history = history_to(&txn, conversation.id, question.id).await?;
    let answer = insert_answer(&txn, &conversation, &resolved).await?;
    txn.commit().await?;
    Ok(launch(state, scope, question.id, answer, history, resolved))
}

/// Replaces a question's text, drops what followed it, and answers it again.
pub async fn edit(
    state: &AppState,
    scope: &Scope,
    message_id: i64,
    content: &str,
) -> Result<SentMessage> {
    let content = repo::chat::parse_question(content)?;
    let db = &state.db;
    let msg = repo::chat::find_message(db, scope, message_id).await?;
    if msg.role != "user" {
        return Err(Error::BadRequest("only questions can be edited".into()));
    }
    let conversation = repo::chat::find(db, scope, msg.conversation_id).await?;
    let rows = repo::chat::rows(db, conversation.id).await?;
    busy(&rows, state.chat_runs())?;
    let resolved = admit(state, scope).await?;
    let _turn = state.writes().enter().await;
    let txn = crate::backend::db::begin_write(db).await?;
    repo::chat::set_content(&txn, msg.id, &content).await?;
    repo::chat::delete_after(&txn, conversation.id, msg.id).await?;
    repo::chat::touch(&txn, conversation.id).await?;
    let history = history_to(&txn, conversation.id, msg.id).await?;
    let answer = insert_answer(&txn, &conversation, &resolved).await?;
    txn.commit().await?;
    Ok(launch(state, scope, msg.id, answer, history, resolved))
}

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
    use crate::backend::auth::Action;
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
        let auth = scope.authorize(Action::RunReports)?;
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

/// Writes the empty answer (inside the caller's transaction) for `prepare`.
async fn insert_answer(
    db: &impl sea_orm::ConnectionTrait,
    conversation: &ai_conversations::Model,
    resolved: &Resolved,
) -> Result<ai_messages::Model> {
    let label = resolved.provider.label();
    repo::chat::insert_message(db, conversation, "assistant", "", "streaming", Some(label)).await
}

/// Makes the task that writes `answer`, answering `history` (ending with the question);
/// with `pending`, the question is still to be stored.
fn prepare(
    state: &AppState,
    scope: &Scope,
    answer: ChatMessage,
    history: Vec<Message>,
    resolved: Resolved,
    pending: Option<Pending>,
) -> Task {
    let (events, _) = broadcast::channel(EVENTS_KEPT);
    let run = Arc::new(Run {
        owner: (scope.workspace_id(), scope.user_id()),
        cancel: CancellationToken::new(),
        state: Mutex::new(Live {
            message: answer,
            events,
            sent: None,
        }),
        revision: AtomicU64::new(0),
    });
    Task {
        state: state.clone(),
        scope: scope.clone(),
        run,
        provider: resolved.provider,
        pending,
        history,
    }
}

/// Starts the answer whose row (`answer`) was just committed, registered first so streams
/// can follow it.
fn launch(
    state: &AppState,
    scope: &Scope,
    question_id: i64,
    answer: ai_messages::Model,
    history: Vec<Message>,
    resolved: Resolved,
) -> SentMessage {
    let sent = SentMessage {
        conversation_id: answer.conversation_id,
        user_message_id: question_id,
        assistant_message_id: answer.id,
    };
    let task = prepare(
        state,
        scope,
        repo::chat::to_message(answer),
        history,
        resolved,
        None,
    );
    task.register(sent.assistant_message_id);
    tokio::spawn(task.run());
    sent
}

struct Task {
    state: AppState,
    scope: Scope,
    run: Arc<Run>,
    provider: Arc<dyn Provider>,
    pending: Option<Pending>,
    history: Vec<Message>,
}

/// How one answer ended.
enum End {
    Complete,
    Stopped(Option<String>),
    Failed(String),
}

impl Task {
    /// The answer's events from now on (taken before the task starts: none is missed).
    fn events(&self) -> broadcast::Receiver<ChatEvent> {
        match self.run.state.lock() {
            Ok(g) => g.events.subscribe(),
            Err(poisoned) => poisoned.into_inner().events.subscribe(),
        }
    }

    /// Makes the answer `id` known to this process's streams, stop and confirmations.
    fn register(&self, id: i64) {
        if let Ok(mut live) = self.state.chat_runs().live.lock() {
            live.insert(id, self.run.clone());
        }
    }

    /// The answer's row id once stored (stored now if the question is pending), registered;
    /// the error's text when the question could not be stored.
    async fn stored(&self, pending: Option<Pending>) -> std::result::Result<i64, String> {
        let Some(p) = pending else {
            return self
                .run
                .snapshot()
                .map(|m| m.id)
                .ok_or_else(|| "the answer's state was lost".to_owned());
        };
        // Held until the answer is registered: the next question in this conversation, next
        // through the gate (or the conversation's row lock), must find it running.
        let _turn = self.state.writes().enter().await;
        let stored = async {
            let (txn, sent) = store_turn(&self.state, &self.scope, &p).await?;
            self.register(sent.assistant_message_id);
            if let Err(e) = txn.commit().await {
                self.state.chat_runs().remove(sent.assistant_message_id);
                return Err(e.into());
            }
            Ok(sent)
        };
        match stored.await {
            Ok(sent) => {
                let id = sent.assistant_message_id;
                self.run.apply(ChatEvent::Sent { sent: sent.clone() });
                let _ = p.reply.send(Ok(sent));
                Ok(id)
            }
            Err(e) => {
                let text = format!("the question could not be saved: {e}");
                tracing::warn!(error = %e, "storing a question");
                self.run.cancel.cancel();
                let _ = p.reply.send(Err(e));
                Err(text)
            }
        }
    }

    async fn run(mut self) {
        let pending = self.pending.take();
        let stop_saving = CancellationToken::new();
        // The answer and the question's write go on together; the periodic saves start once
        // the answer's row exists.
        let stored = async {
            let id = self.stored(pending).await?;
            let saver = tokio::spawn(keep_saved(
                self.state.clone(),
                self.run.clone(),
                id,
                stop_saving.clone(),
            ));
            Ok::<_, String>((id, saver))
        };
        let (end, stored) = tokio::join!(self.answer(), stored);
        let (id, saver) = match stored {
            Ok(s) => s,
            Err(error) => {
                self.run.apply(ChatEvent::Done {
                    status: "error".into(),
                    error: Some(error),
                });
                return;
            }
        };
        // The saver finishes any write it started before the final one below, so an older
        // snapshot never lands over the finished answer.
        stop_saving.cancel();
        let _ = saver.await;
        let (status, error) = match end {
            End::Complete => ("complete", None),
            End::Stopped(e) => ("stopped", e),
            End::Failed(e) => ("error", Some(e)),
        };
        // Stored before readers hear `done`: a script that reads the message after the
        // stream's end must find it finished (it found the last periodic save, still
        // "streaming", when `done` went out first). The answer's tokens are counted in the
        // same transaction: a write of its own after `done` was still going on when the
        // next question came, and took the CPU from it.
        let revision = self.run.revision.load(Ordering::Relaxed);
        let finished = self.run.snapshot().map(|mut m| {
            m.status = status.into();
            m.error = error.clone();
            m
        });
        if let Some(m) = &finished {
            if let Err(e) = finish_in_turn(&self.state, &self.scope, m).await {
                tracing::error!(error = %e, message = id, "saving the final answer");
            }
        }
        self.run.apply(ChatEvent::Done {
            status: status.into(),
            error,
        });
        // A confirmation of a tool call that came in meanwhile changed the answer again.
        if self.run.revision.load(Ordering::Relaxed) != revision + 1 {
            if let Some(m) = self.run.snapshot() {
                if let Err(e) = save_in_turn(&self.state, &m).await {
                    tracing::error!(error = %e, message = id, "saving the final answer");
                }
            }
        }
        self.state.chat_runs().remove(id);
    }

    async fn answer(&self) -> End {
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
            let mut text = String::new();
            let mut calls = vec![];
            let (mut step_prompt, mut step_completion) = (0u32, 0u32);
            loop {
                let next = tokio::select! {
                    biased;
                    _ = &mut cancelled => return End::Stopped(None),
                    _ = &mut timeout => return End::Failed(timeout_message(config.answer_timeout)),
                    n = stream.next() => n,
                };
                match next {
                    None => break,
                    Some(Ok(ProviderEvent::TextDelta(t))) => {
                        let sep = if text.is_empty() && has_text {
                            "\n\n"
                        } else {
                            ""
                        };
                        has_text = true;
                        text.push_str(&t);
                        let text = if sep.is_empty() {
                            t
                        } else {
                            sep.to_owned() + &t
                        };
                        self.run.apply(ChatEvent::Delta { text });
                    }
                    Some(Ok(ProviderEvent::ToolCall(c))) => calls.push(c),
                    Some(Ok(ProviderEvent::Usage { prompt, completion })) => {
                        step_prompt = prompt;
                        step_completion = completion;
                        self.run.apply(ChatEvent::Usage {
                            prompt_tokens: (prompt_total + prompt) as i32,
                            completion_tokens: (completion_total + completion) as i32,
                        });
                    }
                    Some(Ok(ProviderEvent::Finish(_))) => {}
                    Some(Err(ProviderError::Interrupted)) => {
                        return End::Stopped(Some(ProviderError::Interrupted.to_string()))
                    }
                    Some(Err(e)) => return End::Failed(e.to_string()),
                }
            }
            drop(stream);
            prompt_total += step_prompt;
            completion_total += step_completion;
            if calls.is_empty() {
                return End::Complete;
            }
            turn.push(Message::assistant(text, calls.clone()));
            for c in calls {
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

    /// Runs one tool call, shows it in the chat, and answers what the model reads back.
    async fn call_tool(&self, c: &super::provider::CallRequest) -> String {
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

/// Writes the answer to the database every `SAVE_EVERY` while it changes, until `stop`.
///
/// Its own task, not a step of the token loop: a write waits for the database (on SQLite for
/// the one writer, behind every other answer's save), and the tokens that arrived meanwhile
/// would wait with it — at 64 concurrent answers that put milliseconds on the stream.
async fn keep_saved(state: AppState, run: Arc<Run>, id: i64, stop: CancellationToken) {
    let mut saved = run.revision.load(Ordering::Relaxed);
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(SAVE_EVERY) => {}
        }
        let now = run.revision.load(Ordering::Relaxed);
        if now == saved {
            continue;
        }
        if let Some(m) = run.snapshot() {
            if let Err(e) = save_in_turn(&state, &m).await {
                tracing::warn!(error = %e, message = id, "saving a streaming answer");
            }
        }
        saved = now;
    }
}

/// How often each serving process looks for answers that no process is writing any more.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// An answer stored as `streaming` but untouched this long is written by no process: a live
/// answer is saved whenever it changed (at least every `SAVE_EVERY` while tokens come) and
/// ends within the answer timeout, a model that stays silent included. The minute on top
/// covers the final save and processes whose clocks differ a little.
pub fn interrupted_after(config: &super::AiConfig) -> Duration {
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

/// `repo::chat::save_answer` in turn with this process's other busy writers (see
/// `db::WriteGate`): 64 answers save several times a second each.
async fn save_in_turn(state: &AppState, m: &ChatMessage) -> Result<()> {
    let _turn = state.writes().enter().await;
    repo::chat::save_answer(&state.db, m).await
}

/// Saves the finished answer and adds its tokens to the month's usage, in one transaction.
async fn finish_in_turn(state: &AppState, scope: &Scope, m: &ChatMessage) -> Result<()> {
    let _turn = state.writes().enter().await;
    let txn = crate::backend::db::begin_write(&state.db).await?;
    repo::chat::save_answer(&txn, m).await?;
    let tokens = i64::from(m.prompt_tokens) + i64::from(m.completion_tokens);
    repo::ai::record_usage(&txn, scope.workspace_id(), scope.user_id(), tokens).await?;
    txn.commit().await?;
    Ok(())
}

fn timeout_message(limit: Duration) -> String {
    format!(
        "the answer took longer than {} s and was stopped",
        limit.as_secs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every answer allocates `EVENTS_KEPT` slots of the largest event: a variant that grows
    /// past a few words (an unboxed message or tool call) multiplies that by four or more.
    #[test]
    fn an_event_is_a_few_words() {
        assert!(std::mem::size_of::<ChatEvent>() <= 64);
    }
}
