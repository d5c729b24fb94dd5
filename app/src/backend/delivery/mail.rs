//! E-mail: over SMTP with `lettre` when a host is configured, otherwise (the embedded
//! default) as `.eml` files in an outbox folder, so a fresh install "sends" mail that anyone
//! can open without an account anywhere. Every message is sent by an `email_delivery` job:
//! an unreachable server is retried with the queue's backoff and the failure is kept on the
//! job.

use std::{path::PathBuf, time::Duration};

use lettre::{
    message::{header::ContentType, Attachment, Mailbox, MultiPart, SinglePart},
    transport::smtp::{authentication::Credentials, client::Tls, client::TlsParameters},
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use serde::{Deserialize, Serialize};

/// How SMTP connections are secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text (a local relay or a test sink only).
    None,
    /// Plain connection upgraded with STARTTLS (port 587); refuses servers without it.
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl SmtpTls {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "none" => Some(Self::None),
            "starttls" => Some(Self::Starttls),
            "tls" => Some(Self::Tls),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub enum MailTransport {
    Smtp {
        host: String,
        port: u16,
        tls: SmtpTls,
        username: Option<String>,
        password: Option<String>,
        timeout: Duration,
    },
    /// Writes each message as `<id>.eml` into this folder.
    Outbox(PathBuf),
}

#[derive(Clone, Debug)]
pub struct MailSettings {
    pub transport: MailTransport,
    /// The From of every message, e.g. `Hyperformant <reports@example.com>`.
    pub from: String,
}

impl MailSettings {
    pub fn outbox(dir: PathBuf) -> Self {
        Self {
            transport: MailTransport::Outbox(dir),
            from: "Hyperformant <hyperformant@localhost>".into(),
        }
    }

    /// Where mail goes, for the system page and logs (no credentials).
    pub fn describe(&self) -> String {
        match &self.transport {
            MailTransport::Smtp {
                host, port, tls, ..
            } => {
                format!("SMTP {host}:{port} ({tls:?})")
            }
            MailTransport::Outbox(dir) => format!("outbox folder {}", dir.display()),
        }
    }
}

/// Whether `s` is a usable From: `name@example.com` or `Name <name@example.com>`.
pub fn is_mailbox(s: &str) -> bool {
    s.parse::<Mailbox>().is_ok()
}

/// A file to attach.
#[derive(Clone, Debug)]
pub struct MailAttachment {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// One message, ready to send.
#[derive(Clone, Debug)]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub attachments: Vec<MailAttachment>,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The message itself is wrong (an address, a header): retrying cannot help.
    #[error("the message cannot be built: {0}")]
    Invalid(String),
    /// The server could not be reached or refused it; worth retrying.
    #[error("sending failed: {0}")]
    Transport(String),
}

fn build(settings: &MailSettings, mail: &Mail) -> Result<Message, MailError> {
    let invalid = |e: &dyn std::fmt::Display| MailError::Invalid(e.to_string());
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|e| MailError::Invalid(format!("MAIL_FROM `{}`: {e}", settings.from)))?;
    if mail.to.is_empty() {
        return Err(MailError::Invalid("no recipients".into()));
    }
    let mut builder = Message::builder().from(from).subject(mail.subject.clone());
    for to in &mail.to {
        let mailbox: Mailbox = to
            .parse()
            .map_err(|e| MailError::Invalid(format!("recipient `{to}`: {e}")))?;
        builder = builder.to(mailbox);
    }
    let text = SinglePart::plain(mail.text.clone());
    let message = if mail.attachments.is_empty() {
        builder.singlepart(text)
    } else {
        let mut parts = MultiPart::mixed().singlepart(text);
        for a in &mail.attachments {
            let ct = ContentType::parse(&a.content_type).map_err(|e| invalid(&e))?;
            parts = parts.singlepart(Attachment::new(a.filename.clone()).body(a.bytes.clone(), ct));
        }
        builder.multipart(parts)
    };
    message.map_err(|e| invalid(&e))
}

/// Sends `mail`; answers an id for the log (the outbox file's name, or the server's reply).
pub async fn send(settings: &MailSettings, mail: &Mail) -> Result<String, MailError> {
    let message = build(settings, mail)?;
    let transport = |e: &dyn std::fmt::Display| MailError::Transport(e.to_string());
    match &settings.transport {
        MailTransport::Outbox(dir) => {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| transport(&e))?;
            let id = AsyncFileTransport::<Tokio1Executor>::new(dir)
                .send(message)
                .await
                .map_err(|e| transport(&e))?;
            Ok(format!("{id}.eml"))
        }
        MailTransport::Smtp {
            host,
            port,
            tls,
            username,
            password,
            timeout,
        } => {
            let params = || TlsParameters::new(host.clone()).map_err(|e| transport(&e));
            let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                .port(*port)
                .timeout(Some(*timeout));
            builder = match tls {
                SmtpTls::None => builder.tls(Tls::None),
                SmtpTls::Starttls => builder.tls(Tls::Required(params()?)),
                SmtpTls::Tls => builder.tls(Tls::Wrapper(params()?)),
            };
            if let (Some(user), Some(pass)) = (username, password) {
                builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
            }
            let reply = builder
                .build()
                .send(message)
                .await
                .map_err(|e| transport(&e))?;
            Ok(reply.message().collect::<Vec<_>>().join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> Mail {
        Mail {
            to: vec!["ana@example.com".into()],
            subject: "Weekly pipeline review".into(),
            text: "Attached.".into(),
            attachments: vec![MailAttachment {
                filename: "report.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: b"%PDF-1.7 fake".to_vec(),
            }],
        }
    }

    #[tokio::test]
    async fn the_outbox_receives_a_complete_message() {
        let dir = tempfile::tempdir().unwrap();
        let settings = MailSettings::outbox(dir.path().to_path_buf());
        let id = send(&settings, &mail()).await.unwrap();
        let eml = std::fs::read_to_string(dir.path().join(&id)).unwrap();
        assert!(eml.contains("Subject: Weekly pipeline review"));
        assert!(eml.contains("To: ana@example.com"));
        assert!(eml.contains("Content-Type: application/pdf"));
        assert!(eml.contains("filename=\"report.pdf\""));
    }

    #[test]
    fn bad_addresses_are_invalid_not_retried() {
        let settings = MailSettings::outbox("unused".into());
        let mut m = mail();
        m.to = vec!["not an address".into()];
        assert!(matches!(build(&settings, &m), Err(MailError::Invalid(_))));
        m.to.clear();
        assert!(matches!(build(&settings, &m), Err(MailError::Invalid(_))));
    }
}
