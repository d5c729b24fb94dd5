//! Kinds of job that exercise the queue itself; nothing in the product enqueues them.

use std::{sync::Arc, time::Duration};

use serde::{Deserialize, Serialize};

use super::{JobContext, JobError, JobKind};

/// `noop`: does nothing. The queue's benchmark and checks use it.
pub struct Noop;

impl JobKind for Noop {
    const NAME: &'static str = "noop";
    type Payload = serde_json::Value;

    async fn run(
        &self,
        _ctx: Arc<JobContext>,
        _payload: serde_json::Value,
    ) -> Result<serde_json::Value, JobError> {
        Ok(serde_json::Value::Null)
    }
}

/// `pause`: `steps` steps of `ms` each. The crash test kills a worker in the middle of one,
/// and operators can use it to see that workers and live progress work end to end.
pub struct Pause;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PauseInput {
    pub steps: u32,
    pub ms: u64,
}

impl JobKind for Pause {
    const NAME: &'static str = "pause";
    type Payload = PauseInput;

    async fn run(
        &self,
        ctx: Arc<JobContext>,
        input: PauseInput,
    ) -> Result<serde_json::Value, JobError> {
        let steps = input.steps.clamp(1, 100);
        for i in 1..=steps {
            ctx.step(
                &format!("step {i} of {steps}"),
                (i * 100 / steps) as i32 - 1,
            )
            .await?;
            tokio::time::sleep(Duration::from_millis(input.ms.min(60_000))).await;
        }
        Ok(serde_json::json!({ "attempt": ctx.job.attempts, "steps": steps }))
    }
}
