//! The `report` job: its steps (gather, compute, charts, prose, render, deliver), with the
//! report's row kept in step with the job.

use super::*;

/// The job that makes a report: its steps, and the report's status kept in step with them.
pub struct MakeReport {
    pub state: AppState,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct MakeInput {
    pub report_id: i64,
}

impl JobKind for MakeReport {
    const NAME: &'static str = "report";
    type Payload = MakeInput;

    async fn run(
        &self,
        ctx: Arc<JobContext>,
        input: MakeInput,
    ) -> std::result::Result<serde_json::Value, JobError> {
        run_job(&self.state, ctx, input).await
    }
}

async fn set_status(
    db: &DatabaseConnection,
    id: i64,
    status: ReportStatus,
    error: Option<String>,
) -> std::result::Result<(), JobError> {
    let mut update = reports::Entity::update_many()
        .col_expr(reports::Column::Status, Expr::value(status.as_str()))
        .col_expr(reports::Column::Error, Expr::value(error));
    if status.is_finished() {
        update = update.col_expr(reports::Column::FinishedAt, Expr::value(Utc::now()));
    }
    update
        .filter(reports::Column::Id.eq(id))
        .exec(db)
        .await
        .map_err(|e| JobError::Failed(e.to_string()))?;
    Ok(())
}

async fn run_job(
    state: &AppState,
    ctx: Arc<JobContext>,
    input: MakeInput,
) -> std::result::Result<serde_json::Value, JobError> {
    let ws = ctx
        .workspace()
        .ok_or_else(|| JobError::Permanent("a report job needs a workspace".into()))?;
    let Some(row) = reports::Entity::find_by_id(input.report_id)
        .filter(reports::Column::WorkspaceId.eq(ws))
        .one(&state.db)
        .await?
    else {
        return Err(JobError::Permanent("the report was deleted".into()));
    };
    set_status(&state.db, row.id, ReportStatus::Running, None).await?;
    announce(ctx.bus(), ws, row.id).await;
    let outcome = make(state, &ctx, ws, &row).await;
    let status = match &outcome {
        Ok(_) => None,
        Err(JobError::Cancelled) => Some((ReportStatus::Cancelled, None)),
        // Handed back to the queue (shutdown): another worker picks it up.
        Err(JobError::Interrupted) => Some((ReportStatus::Queued, None)),
        Err(e) => Some((ReportStatus::Failed, Some(e.to_string()))),
    };
    if let Some((status, error)) = status {
        set_status(&state.db, row.id, status, error).await?;
        announce(ctx.bus(), ws, row.id).await;
    }
    outcome
}

/// The steps. Outputs are stored (and the report marked succeeded) before delivery, so the
/// e-mail job finds the PDF, and a failed delivery never loses the report.
async fn make(
    state: &AppState,
    ctx: &JobContext,
    ws: WorkspaceId,
    row: &reports::Model,
) -> std::result::Result<serde_json::Value, JobError> {
    ctx.step("gather data", 5).await?;
    let input: ReportInput = serde_json::from_str(&row.input)
        .map_err(|e| JobError::Permanent(format!("the stored input is not valid: {e}")))?;
    let valid = validate(&state.db, ws, &input).await?;
    let data_as_of = Utc::now();
    ctx.log(&format!("{} — {}", valid.title, valid.period.label()))
        .await?;

    ctx.step("compute metrics", 15).await?;
    let mut doc = compute(&state.db, ws, &valid, &row.title, data_as_of).await?;

    ctx.step("build charts", 45).await?;
    let charts = draw_charts(&mut doc);
    ctx.log(&format!("{charts} charts")).await?;

    ctx.step("write narrative", 60).await?;
    doc.writer = write_narrative(state.narrator(), &mut doc).await;
    ctx.log(&format!("prose by {}", doc.writer)).await?;

    ctx.step("render", 75).await?;
    let html = doc.to_html();
    let markdown = doc.to_markdown();
    let for_pdf = doc.clone();
    let pdf = tokio::task::spawn_blocking(move || pdf::render(&for_pdf))
        .await
        .map_err(|e| JobError::Failed(format!("the PDF renderer stopped: {e}")))?
        .map_err(|e| JobError::Permanent(e.to_string()))?;
    let summary = doc.summary();
    let pdf_bytes = pdf.len();
    reports::Entity::update_many()
        .col_expr(reports::Column::Html, Expr::value(html))
        .col_expr(reports::Column::Markdown, Expr::value(markdown))
        .col_expr(reports::Column::Pdf, Expr::value(pdf))
        .col_expr(reports::Column::Summary, Expr::value(summary.clone()))
        .col_expr(reports::Column::Writer, Expr::value(doc.writer.clone()))
        .col_expr(reports::Column::DataAsOf, Expr::value(data_as_of))
        .col_expr(
            reports::Column::Status,
            Expr::value(ReportStatus::Succeeded.as_str()),
        )
        .col_expr(reports::Column::Error, Expr::value(Option::<String>::None))
        .col_expr(reports::Column::FinishedAt, Expr::value(Utc::now()))
        .filter(reports::Column::Id.eq(row.id))
        .exec(&state.db)
        .await?;
    announce(ctx.bus(), ws, row.id).await;
    ctx.log(&format!("PDF: {pdf_bytes} bytes")).await?;

    ctx.step("deliver", 95).await?;
    let queued = delivery::report_ready(
        state,
        &ReportReady {
            workspace_id: ws,
            report_id: row.id,
            kind: valid.kind.as_str().into(),
            title: row.title.clone(),
            recipients: valid.deliver_to.clone(),
            summary,
        },
    )
    .await?;
    ctx.log(&format!(
        "delivery queued: {} e-mail, {} webhooks",
        queued.emails, queued.webhooks
    ))
    .await?;
    Ok(json!({ "report_id": row.id }))
}
