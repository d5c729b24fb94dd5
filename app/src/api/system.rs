use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, SystemStatus};

/// The database backend and version, and every migration with whether it is applied.
/// Any signed-in caller may read it.
///
/// `POST /api/system_status` with body `{}`.
#[server(name = SystemStatusCall, prefix = "/api", endpoint = "system_status", input = Json)]
pub async fn system_status() -> Result<SystemStatus, ApiError> {
    super::principal()?;
    let state = super::state()?;
    Ok(crate::backend::system::status(&state).await?)
}

crate::endpoint_doc! {
    /// The database backend and version, and every migration with whether it is applied.
    SystemStatusCall() -> SystemStatus,
    example = {}
}
