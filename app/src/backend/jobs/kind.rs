//! What a kind of background work implements to run on the queue. The queue knows kinds only
//! through this trait: each kind lives in the module that owns its domain (reports, delivery,
//! import …) and is registered once, in `backend::job_kinds`.

use std::{future::Future, sync::Arc};

use serde::{de::DeserializeOwned, Serialize};

use super::{JobContext, JobError, NewJob};
use crate::backend::{Error, Result};

/// One kind of job: its stored name, its typed input and its handler.
pub trait JobKind: Send + Sync + 'static {
    /// The name stored in `jobs.kind`. Never rename one: queued jobs carry it.
    const NAME: &'static str;
    /// Attempts a failing job of this kind gets before it fails for good.
    const MAX_ATTEMPTS: i32 = 5;
    /// The job's input, stored as JSON in `jobs.payload`.
    type Payload: Serialize + DeserializeOwned + Send + 'static;

    /// Runs one attempt. Errors of the backend convert by variant (see `JobError`'s
    /// `From<Error>`): a cancel or a shutdown passes through as such, a database or
    /// transient failure is retried, anything about the input fails the job at once.
    fn run(
        &self,
        ctx: Arc<JobContext>,
        payload: Self::Payload,
    ) -> impl Future<Output = Result<serde_json::Value, JobError>> + Send;

    /// A job of this kind with `payload`, to enqueue.
    fn job(payload: &Self::Payload) -> Result<NewJob> {
        let payload = serde_json::to_value(payload).map_err(anyhow::Error::from)?;
        Ok(NewJob {
            max_attempts: Self::MAX_ATTEMPTS,
            ..NewJob::new(Self::NAME, payload)
        })
    }
}

/// How a backend error ends a job's attempt: by its variant, in one place.
impl From<Error> for JobError {
    fn from(e: Error) -> Self {
        match e {
            Error::Cancelled => JobError::Cancelled,
            Error::Interrupted => JobError::Interrupted,
            // Worth another attempt: the database, a dependency, a limit, the unexpected.
            Error::Db(_) | Error::Unavailable(_) | Error::RateLimited(_) | Error::Other(_) => {
                JobError::Failed(e.to_string())
            }
            // About the job's input or its records: the same input fails the same way again.
            Error::Validation(fields) => JobError::Permanent(
                fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            Error::NotFound(_)
            | Error::Conflict(_)
            | Error::BadRequest(_)
            | Error::Unauthorized(_)
            | Error::Forbidden(_)
            | Error::PayloadTooLarge(_) => JobError::Permanent(e.to_string()),
        }
    }
}

/// A job's own end, met inside backend code that returns the backend's `Result`: the
/// variant survives the round trip back to the worker.
impl From<JobError> for Error {
    fn from(e: JobError) -> Self {
        match e {
            JobError::Cancelled => Error::Cancelled,
            JobError::Interrupted => Error::Interrupted,
            JobError::Failed(why) => Error::Other(anyhow::anyhow!(why)),
            JobError::Permanent(why) => Error::BadRequest(why),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(e: Error) -> JobError {
        JobError::from(Error::from(JobError::from(e)))
    }

    #[test]
    fn each_error_ends_a_job_by_its_variant() {
        assert!(matches!(
            JobError::from(Error::Cancelled),
            JobError::Cancelled
        ));
        assert!(matches!(
            JobError::from(Error::Interrupted),
            JobError::Interrupted
        ));
        assert!(matches!(
            JobError::from(Error::Unavailable("smtp".into())),
            JobError::Failed(_)
        ));
        assert!(matches!(
            JobError::from(Error::Db(sea_orm::DbErr::Custom("locked".into()))),
            JobError::Failed(_)
        ));
        assert!(matches!(
            JobError::from(Error::NotFound("report")),
            JobError::Permanent(_)
        ));
        match JobError::from(Error::field("cron", "never fires")) {
            JobError::Permanent(why) => assert_eq!(why, "cron: never fires"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_jobs_end_survives_the_round_trip_through_the_backend_error() {
        assert!(matches!(round_trip(Error::Cancelled), JobError::Cancelled));
        assert!(matches!(
            round_trip(Error::Interrupted),
            JobError::Interrupted
        ));
        assert!(matches!(
            round_trip(Error::Other(anyhow::anyhow!("io"))),
            JobError::Failed(_)
        ));
        assert!(matches!(
            round_trip(Error::Conflict("deleted".into())),
            JobError::Permanent(_)
        ));
    }
}
