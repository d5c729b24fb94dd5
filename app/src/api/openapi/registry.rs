//! The endpoint registry `endpoint_doc!` entries add themselves to.

use schemars::{Schema, SchemaGenerator};

/// Whether calling the endpoint needs a caller (session cookie or bearer token).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// A session or an API token (the usual case).
    Required,
    /// Anyone; a caller, if any, is used (e.g. `current_session` answers `null` without one).
    None,
    /// A browser session only: API tokens are refused (`403`), because a token belongs to
    /// one workspace (creating workspaces, accepting invitations).
    Session,
}

/// One documented server function, as `endpoint_doc!` registers it.
pub struct Endpoint {
    /// `/api/<name>` (the server function's `ServerFn::PATH`).
    pub path: &'static str,
    /// The module the entry sits in (`app::api::companies`): its last segment is the area.
    pub module: &'static str,
    /// The doc comment: the first line is the summary, the rest the description.
    pub doc: &'static str,
    pub auth: Auth,
    pub input: fn(&mut SchemaGenerator) -> Schema,
    pub output: fn(&mut SchemaGenerator) -> Schema,
    pub example: fn() -> serde_json::Value,
}

inventory::collect!(Endpoint);

impl Endpoint {
    /// `list_companies` for `/api/list_companies`.
    pub fn name(&self) -> &'static str {
        self.path.rsplit('/').next().unwrap_or(self.path)
    }

    /// `companies` for `app::api::companies`.
    pub fn area(&self) -> &'static str {
        self.module.rsplit("::").next().unwrap_or(self.module)
    }

    /// (summary, description): the doc comment's first paragraph and the rest, each with
    /// the doc-comment indentation removed.
    pub fn summary_and_description(&self) -> (String, String) {
        let lines: Vec<&str> = self
            .doc
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect();
        let split = lines
            .iter()
            .position(|l| l.trim().is_empty())
            .unwrap_or(lines.len());
        let summary = lines[..split].join(" ").trim().to_owned();
        let description = lines[split..].join("\n").trim().to_owned();
        (summary, description)
    }
}

/// Every documented server function, sorted by path.
pub fn endpoints() -> Vec<&'static Endpoint> {
    let mut all: Vec<&'static Endpoint> = inventory::iter::<Endpoint>.into_iter().collect();
    all.sort_by_key(|e| e.path);
    all
}
