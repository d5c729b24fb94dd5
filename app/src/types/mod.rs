//! Serde types shared by the browser and the server. Nothing here touches the database:
//! SeaORM models stay in `backend::entity`; server functions return these.

mod api_docs;
mod auth;
pub mod charts;
mod chat;
mod connectors;
mod dashboard;
mod data;
mod delivery;
mod error;
mod import;
mod jobs;
mod money;
mod page;
mod reports;
mod system;
pub mod timestamps;
mod values;

pub use api_docs::{ApiArea, ApiReference, EndpointDoc, FieldDoc, SchemaDoc, TypeToken};
pub use auth::{
    ApiTokenInfo, AuditEntry, CreatedApiToken, CreatedInvitation, CurrentUser, Invitation,
    InvitationPreview, InvitationStatus, Member, ProviderButton, Role, SessionInfo, SignInOptions,
    WorkspaceSummary,
};
pub use chat::{
    AiSettings, AiSettingsInput, AiUsageReport, AskQuestion, ChatEvent, ChatMessage, Conversation,
    Insight, SentMessage, ToolCall,
};
pub use connectors::{
    ConnectInput, Connector, ConnectorKind, ConnectorState, FieldSource, RecordLink,
};
pub use dashboard::{Dashboard, DashboardQuery, Kpi, KpiValue};
pub use data::{
    group_thousands, Activity, ActivityInput, ActivityKind, BoardColumn, Company, CompanyInput,
    CompanySource, CompanySummary, Competitor, CompetitorInput, Contact, ContactInput, Currency,
    Deal, DealInput, DemoDataReport, Facets, ListQuery, MetricInput, MetricPoint, MetricSeries,
    Money, Pipeline, Signal, SignalInput, SignalSource, Stage, StageInput, StageKind, ThreatLevel,
};
pub use delivery::{
    CreatedWebhookEndpoint, Schedule, ScheduleInput, WebhookDelivery, WebhookEndpoint,
    WebhookEndpointInput,
};
pub use error::{ApiError, ErrorCode, FieldError};
pub use import::{
    ImportCheck, ImportEntity, ImportField, ImportOptions, ImportOutcome, ImportPreview,
    PreviewRow, RowProblem,
};
pub use jobs::{Job, JobDetail, JobEvent};
pub use page::{has_next, Page, PageRequest};
pub use reports::{Report, ReportFormat, ReportInput, ReportKind, ReportStatus, StartedReport};
pub use system::{DatabaseBackend, MigrationInfo, SystemStatus};
pub use values::{
    parse_country, parse_name, parse_optional_text, parse_web_url, Domain, Email, Slug,
};
