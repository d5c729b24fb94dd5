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

    /// (summary, description): the doc comment's first paragraph and the rest, with the
    /// lines of each paragraph joined (doc comments wrap at 100 columns, readers do not).
    pub fn summary_and_description(&self) -> (String, String) {
        let mut paragraphs: Vec<String> = Vec::new();
        let mut current: Vec<&str> = Vec::new();
        for line in self.doc.lines().map(str::trim) {
            if line.is_empty() {
                if !current.is_empty() {
                    paragraphs.push(current.join(" "));
                    current.clear();
                }
            } else {
                current.push(line);
            }
        }
        if !current.is_empty() {
            paragraphs.push(current.join(" "));
        }
        let mut rest = paragraphs.into_iter();
        let summary = rest.next().unwrap_or_default();
        (summary, rest.collect::<Vec<_>>().join("\n\n"))
    }
}

/// Every documented server function, sorted by path.
pub fn endpoints() -> Vec<&'static Endpoint> {
    let mut all: Vec<&'static Endpoint> = inventory::iter::<Endpoint>.into_iter().collect();
    all.sort_by_key(|e| e.path);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(doc: &'static str) -> Endpoint {
        fn schema(_: &mut SchemaGenerator) -> Schema {
            Schema::default()
        }
        Endpoint {
            path: "/api/list_things",
            module: "app::api::things",
            doc,
            auth: Auth::Required,
            input: schema,
            output: schema,
            example: || serde_json::json!({}),
        }
    }

    #[test]
    fn the_first_paragraph_is_the_summary_and_wrapped_lines_are_joined() {
        let e =
            entry(" Things, newest\n first.\n\n Filters: `kind`;\n sorts: `created`.\n\n More.\n");
        let (summary, description) = e.summary_and_description();
        assert_eq!(summary, "Things, newest first.");
        assert_eq!(description, "Filters: `kind`; sorts: `created`.\n\nMore.");
        assert_eq!(e.name(), "list_things");
        assert_eq!(e.area(), "things");
    }

    #[test]
    fn every_entry_registers_itself() {
        let all = endpoints();
        assert!(all.iter().any(|e| e.path == "/api/list_companies"));
        assert!(
            all.windows(2).all(|w| w[0].path < w[1].path),
            "sorted, no duplicates"
        );
    }
}
