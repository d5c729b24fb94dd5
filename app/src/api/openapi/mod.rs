//! The scripting surface described: an OpenAPI 3.1 document of every endpoint under `/api/`
//! (served at `GET /api/openapi.json`) and the reference the `/docs/api` page renders from it.
//!
//! ## How an endpoint gets into the document
//!
//! Next to each `#[server]` function sits one `endpoint_doc!` entry:
//!
//! ```ignore
//! #[server(prefix = "/api", endpoint = "list_companies", input = Json)]
//! pub async fn list_companies(workspace: String, query: ListQuery) -> Result<Page<Company>, ApiError> { … }
//!
//! crate::endpoint_doc! {
//!     /// Companies matching a list query.
//!     ListCompanies(workspace: String, query: ListQuery) -> Page<Company>,
//!     example = {"workspace": "demo", "query": {"search": "tech", "per_page": 5}}
//! }
//! ```
//!
//! `ListCompanies` is the argument struct `#[server]` generates; its path (`ServerFn::PATH`)
//! is the endpoint's path. The entry registers itself (with `inventory`, the same mechanism
//! server_fn uses for its own registry), so no central list needs editing, and
//! `server/tests/api/contract.rs` fails for any registered server function without an entry.
//!
//! ## Why a declarative macro, not a derive on the generated struct
//!
//! `#[server]` builds the argument struct itself. Its only hook for more derives is
//! `input_derive = (…)`, which *replaces* the derive list and applies it in every build — the
//! browser's too — so a `schemars::JsonSchema` derive there would pull schema generation (and
//! `JsonSchema` impls of every argument type) into the WASM bundle. Instead the entry repeats
//! the argument list, the macro derives the schema on a private mirror struct (server build
//! only), and two compile-time checks keep the copy honest:
//! - a function that builds the real argument struct from the mirror's fields — a missing,
//!   extra, renamed or retyped argument does not compile;
//! - a bound that `ServerFn::Output` is exactly the documented output type.
//!
//! The `example` is a real request body: the contract test sends it (or a variant with ids
//! of its own records) and validates the answer against the output schema, the docs page and
//! the README show it as the curl example, and it is validated against the input schema.
//!
//! Schemas come from the Rust types (`#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]`
//! on everything in `crate::types`), in the *deserialize* contract: they describe what the
//! server accepts, so a field with `#[serde(default)]` is optional. Responses validate
//! against the same schemas (a serialized value always has every field, which these allow).
//!
//! Plain-HTTP endpoints (file upload and downloads, event streams, health) are described by
//! hand in [`http`].
//!
//! This lives in `app`, not `server`: the entries must sit beside the server functions (which
//! are in `app`), and the `/docs/api` page (also in `app`) renders from the same document.
//! The server only serves it (`server/src/router.rs`).

#[cfg(feature = "ssr")]
mod document;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
mod reference;
#[cfg(feature = "ssr")]
mod registry;

#[cfg(feature = "ssr")]
pub use document::{document, document_for};
#[cfg(feature = "ssr")]
pub use reference::reference;
#[cfg(feature = "ssr")]
pub use registry::{endpoints, Auth, Endpoint};

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, ApiReference};

/// The API reference as the `/docs/api` page shows it: every endpoint by area with its
/// input and output, a curl example for each, and every schema. Needs no sign-in: it
/// describes a public surface, not anyone's data.
#[server(name = ApiReferenceCall, prefix = "/api", endpoint = "api_reference", input = Json)]
pub async fn api_reference() -> Result<ApiReference, ApiError> {
    let state = super::state()?;
    Ok(reference(&state.auth().public_url))
}

crate::endpoint_doc! {
    /// The API reference the `/docs/api` page renders (the same content as
    /// `/api/openapi.json`, arranged for reading).
    ApiReferenceCall() -> ApiReference,
    auth = none,
    example = {}
}

/// Documents one server function; see the module docs. Forms:
///
/// ```ignore
/// crate::endpoint_doc! {
///     /// Summary line.
///     ///
///     /// More description.
///     ArgStruct(arg: Type, /// documented
///               other: Option<Type>) -> Output,
///     auth = none,          // optional: callable without a session or token;
///                           // `auth = session`: a browser session only, no token
///     example = { …json… }  // a request body that works against the demo workspace
/// }
/// ```
#[macro_export]
macro_rules! endpoint_doc {
    (
        $(#[doc = $doc:literal])*
        $args:ident ( $( $(#[doc = $fdoc:literal])* $field:ident : $ty:ty ),* $(,)? ) -> $out:ty,
        $(auth = $auth:ident,)?
        example = $example:tt $(,)?
    ) => {
        #[cfg(feature = "ssr")]
        const _: () = {
            // The documented arguments: the request body's schema. (No doc comment: it
            // would become the schema's description.)
            #[derive(::schemars::JsonSchema)]
            #[allow(dead_code)]
            struct Input {
                $( $(#[doc = $fdoc])* $field: $ty, )*
            }

            // The documented arguments are exactly the server function's: this only compiles
            // when both structs have the same fields with the same types.
            #[allow(dead_code, unused_variables)]
            fn same_arguments(i: Input) -> $args {
                $args { $( $field: i.$field, )* }
            }

            // The documented output is exactly the server function's.
            #[allow(dead_code)]
            fn same_output() {
                fn is<F: ::server_fn::ServerFn<Output = O>, O>() {}
                is::<$args, $out>();
            }

            fn input(g: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                <Input as ::schemars::JsonSchema>::json_schema(g)
            }

            fn output(g: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                g.subschema_for::<$out>()
            }

            fn example() -> ::serde_json::Value {
                ::serde_json::json!($example)
            }

            ::inventory::submit! {
                $crate::api::openapi::Endpoint {
                    path: <$args as ::server_fn::ServerFn>::PATH,
                    module: ::core::module_path!(),
                    doc: ::core::concat!($($doc, "\n",)*),
                    auth: $crate::endpoint_doc!(@auth $($auth)?),
                    input,
                    output,
                    example,
                }
            }
        };
    };
    (@auth) => { $crate::api::openapi::Auth::Required };
    (@auth none) => { $crate::api::openapi::Auth::None };
    (@auth session) => { $crate::api::openapi::Auth::Session };
}
