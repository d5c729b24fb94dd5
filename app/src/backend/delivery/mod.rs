//! Delivering finished work to people and systems: e-mail (SMTP, or `.eml` files in an
//! outbox folder in the embedded default) and outgoing webhooks. Each delivery is its own
//! job, so a failed one is retried with backoff and recorded, and never fails the report
//! that asked for it.

pub mod endpoints;
pub mod mail;
pub mod webhooks;

use crate::backend::WorkspaceId;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::backend::jobs::{JobContext, JobError, JobKind};
use crate::backend::{AppState, Result};
use mail::{Mail, MailAttachment, MailError, MailSettings};
use webhooks::WebhookSettings;

/// Everything about delivery that comes from configuration.
#[derive(Clone, Debug)]
pub struct DeliverySettings {
    pub mail: MailSettings,
    pub webhooks: WebhookSettings,
}

impl DeliverySettings {
    /// The embedded default: mail into `outbox`, webhooks to any address.
    pub fn development(outbox: std::path::PathBuf) -> Self {
        Self {
            mail: MailSettings::outbox(outbox),
            webhooks: WebhookSettings {
                allow_private: true,
            },
        }
    }
}

/// A finished report to hand out.
#[derive(Clone, Debug)]
pub struct ReportReady {
    pub workspace_id: WorkspaceId,
    pub report_id: i64,
    /// `market`, `competitor` or `pipeline`.
    pub kind: String,
    pub title: String,
    /// E-mail addresses to send the PDF to (may be empty).
    pub recipients: Vec<String>,
    /// A few lines (Markdown) for the e-mail body and the webhook payload.
    pub summary: String,
}

/// What was queued for delivery.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Queued {
    pub emails: usize,
    pub webhooks: usize,
}

/// The `email_delivery` job's input. Attachments are referenced, not embedded: the job
/// loads them when it runs, so the queue never carries megabytes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EmailJob {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_pdf: Option<i64>,
}

/// Queues the e-mail (one message to all recipients, the PDF attached) and the
/// `report.completed` webhooks announcing `report`.
pub async fn report_ready(state: &AppState, report: &ReportReady) -> Result<Queued> {
    let mut queued = Queued::default();
    if !report.recipients.is_empty() {
        let link = format!(
            "{}/w/{}/reports/{}",
            state.auth().public_url,
            workspace_slug(state, report.workspace_id).await?,
            report.report_id
        );
        let email = EmailJob {
            to: report.recipients.clone(),
            subject: report.title.clone(),
            text: format!(
                "{}\n\n{}\n\nThe full report is attached as a PDF, and online at {link}\n\n— Hyperformant",
                report.title, report.summary
            ),
            report_pdf: Some(report.report_id),
        };
        state
            .jobs()
            .enqueue(&SendEmail::job(&email)?.in_workspace(report.workspace_id))
            .await?;
        queued.emails = 1;
    }
    queued.webhooks = webhooks::emit(
        state,
        report.workspace_id,
        "report.completed",
        json!({
            "report_id": report.report_id,
            "kind": report.kind,
            "title": report.title,
            "summary": report.summary,
        }),
        None,
    )
    .await?;
    Ok(queued)
}

async fn workspace_slug(state: &AppState, workspace_id: WorkspaceId) -> Result<String> {
    use sea_orm::EntityTrait;
    Ok(
        crate::backend::entity::workspaces::Entity::find_by_id(workspace_id)
            .one(&state.db)
            .await?
            .map(|w| w.slug)
            .unwrap_or_default(),
    )
}

/// The `email_delivery` job: one message, sent by SMTP or written to the outbox.
pub struct SendEmail {
    pub state: AppState,
}

impl JobKind for SendEmail {
    const NAME: &'static str = "email_delivery";
    type Payload = EmailJob;

    async fn run(
        &self,
        ctx: Arc<JobContext>,
        job: EmailJob,
    ) -> std::result::Result<serde_json::Value, JobError> {
        let state = &self.state;
        let settings = state.delivery();
        let mut attachments = Vec::new();
        if let (Some(report_id), Some(workspace_id)) = (job.report_pdf, ctx.workspace()) {
            attachments.push(report_attachment(state, workspace_id, report_id).await?);
        }
        let mail = Mail {
            to: job.to.clone(),
            subject: job.subject,
            text: job.text,
            attachments,
        };
        match mail::send(&settings.mail, &mail).await {
            Ok(id) => {
                ctx.log(&format!(
                    "sent to {} via {} ({id})",
                    job.to.join(", "),
                    settings.mail.describe()
                ))
                .await?;
                Ok(json!({ "sent_to": job.to, "id": id }))
            }
            Err(MailError::Invalid(why)) => Err(JobError::Permanent(why)),
            Err(MailError::Transport(why)) => {
                ctx.log(&format!("{} ({})", why, settings.mail.describe()))
                    .await?;
                Err(JobError::Failed(why))
            }
        }
    }
}

/// The report's PDF as an attachment. A report deleted or not finished fails the job for
/// good (see `JobError`'s `From<Error>`).
async fn report_attachment(
    state: &AppState,
    workspace_id: WorkspaceId,
    report_id: i64,
) -> std::result::Result<MailAttachment, JobError> {
    let (bytes, content_type, filename) = crate::backend::repo::reports::output(
        &state.db,
        workspace_id,
        report_id,
        crate::types::ReportFormat::Pdf,
    )
    .await?;
    Ok(MailAttachment {
        filename,
        content_type: content_type.to_owned(),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn statuses_match_the_migration() {
        assert_eq!(
            migrations::DELIVERY_STATUSES,
            ["pending", "succeeded", "failed"]
        );
    }
}
