//! Who is calling: resolved once per request by the server's auth middleware from the
//! session cookie or the bearer token, and put in the request's extensions.

/// How the caller proved who they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    Session {
        session_id: i64,
    },
    /// A personal API token; it only ever opens its own workspace.
    Token {
        token_id: i64,
        workspace_id: i64,
    },
}

#[derive(Clone, Debug)]
pub struct Principal {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub via: Via,
}

/// Facts about the request that the audit log records.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}
