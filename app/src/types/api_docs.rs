//! The API reference as the `/docs/api` page shows it: built on the server from the OpenAPI
//! document (`api::openapi`), so the page and `/api/openapi.json` always agree.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ApiReference {
    pub title: String,
    pub version: String,
    /// Where this instance is reached (`PUBLIC_URL`); the curl examples use it.
    pub base_url: String,
    /// The conventions (authentication, errors, lists, rate limits), one paragraph each,
    /// with `code` in backticks.
    pub intro: Vec<String>,
    pub areas: Vec<ApiArea>,
    /// Every named schema the endpoints refer to, by name.
    pub schemas: Vec<SchemaDoc>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ApiArea {
    /// The anchor on the page.
    pub id: String,
    pub name: String,
    pub description: String,
    pub endpoints: Vec<EndpointDoc>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct EndpointDoc {
    /// The operation id, also the anchor on the page.
    pub id: String,
    /// `POST`, `GET`.
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    /// Callable without a session or token.
    pub public: bool,
    /// Needs a browser session; API tokens are refused.
    pub session_only: bool,
    /// The JSON body's fields, or the path, query and header parameters.
    pub inputs: Vec<FieldDoc>,
    /// The media type of a request body that is not JSON (`text/csv` for uploads).
    pub raw_body: Option<String>,
    /// The media type of a successful answer.
    pub output_media: String,
    /// The answer's type (for JSON answers) or its description.
    pub output: Vec<TypeToken>,
    pub curl: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct FieldDoc {
    pub name: String,
    /// `body`, `path`, `query` or `header`.
    pub location: String,
    pub ty: Vec<TypeToken>,
    pub required: bool,
    pub description: String,
}

/// A piece of a type expression: text, or a schema name that links to its definition.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct TypeToken {
    pub text: String,
    /// The schema this token names, if it names one.
    pub schema: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct SchemaDoc {
    pub name: String,
    pub description: String,
    /// An object's fields (empty for other schemas).
    pub fields: Vec<FieldDoc>,
    /// What a non-object schema is (`"low" | "medium" | "high"`, `string`); empty for objects.
    pub shape: Vec<TypeToken>,
}
