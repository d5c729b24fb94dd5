//! The chat runtime: one background task per answer. It runs the bounded tool loop (steps,
//! tokens, time), publishes every delta to the answer's live subscribers and saves the answer
//! as it goes, so an interrupted stream leaves a stored partial answer marked `stopped`.
//!
//! Live answers are registered per process: a subscriber gets the answer as it is now plus
//! everything after, atomically; `stop` cancels the task, which drops the upstream request.
//!
//! Here: `ask` (questions, retries, edits), `control` (stop, confirm a tool call), `task`
//! (an answer's task from start to finish), `answer` (the tool loop), `live` (the registry
//! readers follow answers through), `persist` (the answer's writes), `sweep` (answers a
//! stopped process left `streaming`).

mod answer;
mod ask;
mod control;
mod live;
mod persist;
mod sweep;
mod task;

pub use ask::{ask, edit, retry, send, Asking};
pub use control::{confirm, stop};
pub use live::{Following, Runs, Subscription};
pub use sweep::{interrupted_after, spawn_sweeper, sweep_interrupted};
