//! The OpenAPI document arranged for reading: areas with their endpoints (inputs as field
//! tables, outputs as type expressions, a curl example each) and the schemas they name.
//! Built from the document itself, so the page shows exactly what `/api/openapi.json` says.

use serde_json::Value;

use super::document::document_for;
use crate::types::{ApiArea, ApiReference, EndpointDoc, FieldDoc, SchemaDoc, TypeToken};

const SCHEMA_PREFIX: &str = "#/components/schemas/";

/// The reference for an instance reached at `base_url`.
pub fn reference(base_url: &str) -> ApiReference {
    let doc = document_for(base_url);
    let info = &doc["info"];
    let mut areas: Vec<ApiArea> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            let name = text(&t["name"]);
            ApiArea {
                id: format!("area-{}", slug(&name)),
                name,
                description: text(&t["description"]),
                endpoints: Vec::new(),
            }
        })
        .collect();

    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let endpoint = endpoint(base_url, path, method, op);
            let tag = op["tags"][0].as_str().unwrap_or_default();
            if let Some(area) = areas.iter_mut().find(|a| a.name == tag) {
                area.endpoints.push(endpoint);
            }
        }
    }
    for area in &mut areas {
        // Reads before writes within an area, then by name: `list_`/`get_` first.
        area.endpoints
            .sort_by_key(|e| (verb_rank(&e.id), e.id.clone()));
    }

    let schemas = doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, schema)| schema_doc(name, schema))
        .collect();

    ApiReference {
        title: text(&info["title"]),
        version: text(&info["version"]),
        base_url: base_url.to_owned(),
        intro: text(&info["description"])
            .split("\n\n")
            .map(|p| p.replace('\n', " "))
            .collect(),
        areas,
        schemas,
    }
}

fn verb_rank(id: &str) -> u8 {
    let verb = id.split('_').next().unwrap_or(id);
    match verb {
        "list" => 0,
        "get" => 1,
        "create" | "save" | "start" | "upload" => 2,
        "update" | "move" | "change" => 3,
        "delete" | "remove" | "revoke" => 5,
        _ => 4,
    }
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

fn endpoint(base_url: &str, path: &str, method: &str, op: &Value) -> EndpointDoc {
    let public = op["security"] == serde_json::json!([{}]);
    let session_only = op["security"] == serde_json::json!([{"sessionCookie": []}]);
    let mut inputs = Vec::new();
    let mut raw_body = None;
    let mut body_example = None;
    if let Some((media, content)) = op["requestBody"]["content"]
        .as_object()
        .and_then(|c| c.iter().next())
    {
        body_example = Some(content["example"].clone());
        if media == "application/json" {
            inputs.extend(fields(&content["schema"], "body"));
        } else {
            raw_body = Some(media.clone());
        }
    }
    for p in op["parameters"].as_array().into_iter().flatten() {
        inputs.push(FieldDoc {
            name: text(&p["name"]),
            location: text(&p["in"]),
            ty: type_expr(&p["schema"]),
            required: p["required"].as_bool().unwrap_or(false),
            description: text(&p["description"]),
        });
    }
    let (output_media, output) = match op["responses"]["200"]["content"]
        .as_object()
        .and_then(|c| c.iter().next())
    {
        Some((media, content)) if media == "application/json" => {
            (media.clone(), type_expr(&content["schema"]))
        }
        Some((media, _)) => (
            media.clone(),
            vec![plain(&text(&op["responses"]["200"]["description"]))],
        ),
        None => (String::new(), vec![plain("nothing")]),
    };
    let credentials = if public {
        None
    } else if session_only {
        // The session cookie a browser sign-in (or `curl -c cookies.txt …/auth/login`) saved;
        // cookie-authenticated writes must name the app's origin.
        Some(format!(
            "-b cookies.txt -H {}",
            shell_quote(&format!("origin: {base_url}"))
        ))
    } else {
        Some("-H \"authorization: Bearer $TOKEN\"".to_owned())
    };
    let curl = curl(
        base_url,
        path,
        method,
        op,
        credentials,
        &raw_body,
        body_example,
    );
    EndpointDoc {
        id: text(&op["operationId"]),
        method: method.to_uppercase(),
        path: path.to_owned(),
        summary: text(&op["summary"]),
        description: text(&op["description"]),
        public,
        session_only,
        inputs,
        raw_body,
        output_media,
        output,
        curl,
    }
}

/// Single-quoted for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn curl(
    base_url: &str,
    path: &str,
    method: &str,
    op: &Value,
    credentials: Option<String>,
    raw_body: &Option<String>,
    body_example: Option<Value>,
) -> String {
    let mut target = path.to_owned();
    let mut query = Vec::new();
    for p in op["parameters"].as_array().into_iter().flatten() {
        let Some(ex) = p["example"].as_str() else {
            continue;
        };
        match p["in"].as_str() {
            Some("path") => target = target.replace(&format!("{{{}}}", text(&p["name"])), ex),
            Some("query") => query.push(format!("{}={}", text(&p["name"]), ex)),
            _ => {}
        }
    }
    if !query.is_empty() {
        target = format!("{target}?{}", query.join("&"));
    }
    let url = shell_quote(&format!("{base_url}{target}"));
    let mut lines = Vec::new();
    let streaming = op["responses"]["200"]["content"]
        .get("text/event-stream")
        .is_some();
    let first = match (method, streaming) {
        ("get", true) => format!("curl -sN {url}"),
        ("get", false) => format!("curl -s {url}"),
        (m, _) => format!("curl -s -X {} {url}", m.to_uppercase()),
    };
    lines.push(first);
    lines.extend(credentials);
    match (raw_body, body_example) {
        (Some(media), Some(_)) => {
            let file = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["name"] == "filename")
                .and_then(|p| p["example"].as_str())
                .unwrap_or("upload.csv")
                .to_owned();
            lines.push(format!("-H 'content-type: {media}' --data-binary @{file}"));
        }
        (None, Some(example)) => {
            lines.push("-H 'content-type: application/json'".to_owned());
            let body = serde_json::to_string(&example).unwrap_or_else(|_| "{}".into());
            lines.push(format!("-d {}", shell_quote(&body)));
        }
        _ => {}
    }
    lines.join(" \\\n  ")
}

fn plain(s: &str) -> TypeToken {
    TypeToken {
        text: s.to_owned(),
        schema: None,
    }
}

/// The fields of an object schema: required ones first, each group by name.
fn fields(schema: &Value, location: &str) -> Vec<FieldDoc> {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut out: Vec<FieldDoc> = schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, s)| FieldDoc {
            name: name.clone(),
            location: location.to_owned(),
            ty: type_expr(s),
            required: required.contains(&name.as_str()),
            description: text(&s["description"]),
        })
        .collect();
    out.sort_by_key(|f| (!f.required, f.name.clone()));
    out
}

fn schema_doc(name: &str, schema: &Value) -> SchemaDoc {
    let is_object = schema["type"] == "object" && schema.get("properties").is_some();
    SchemaDoc {
        name: name.to_owned(),
        description: text(&schema["description"]),
        fields: if is_object {
            fields(schema, "body")
        } else {
            Vec::new()
        },
        shape: if is_object {
            Vec::new()
        } else {
            type_expr(schema)
        },
    }
}

/// A type expression for a schema: `string | null`, `Company[]`, `"low" | "high"`.
pub fn type_expr(schema: &Value) -> Vec<TypeToken> {
    let mut out = Vec::new();
    push_type(schema, &mut out);
    merge_text(out)
}

fn merge_text(tokens: Vec<TypeToken>) -> Vec<TypeToken> {
    let mut out: Vec<TypeToken> = Vec::new();
    for t in tokens {
        match out.last_mut() {
            Some(last) if last.schema.is_none() && t.schema.is_none() => {
                last.text.push_str(&t.text)
            }
            _ => out.push(t),
        }
    }
    out
}

fn push_union(parts: &[Value], out: &mut Vec<TypeToken>) {
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push(plain(" | "));
        }
        push_type(p, out);
    }
}

fn push_type(schema: &Value, out: &mut Vec<TypeToken>) {
    if schema == &Value::Bool(true) || schema.as_object().is_some_and(|o| o.is_empty()) {
        out.push(plain("any"));
        return;
    }
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.strip_prefix(SCHEMA_PREFIX).unwrap_or(r);
        let name = name.replace("~1", "/").replace("~0", "~");
        out.push(TypeToken {
            text: name.clone(),
            schema: Some(name),
        });
        return;
    }
    if let Some(c) = schema.get("const") {
        out.push(plain(&c.to_string()));
        return;
    }
    if let Some(values) = schema["enum"].as_array() {
        let text: Vec<String> = values.iter().map(Value::to_string).collect();
        out.push(plain(&text.join(" | ")));
        return;
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(parts) = schema[key].as_array() {
            push_union(parts, out);
            return;
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if types.is_empty() {
        out.push(plain("any"));
        return;
    }
    for (i, t) in types.iter().enumerate() {
        if i > 0 {
            out.push(plain(" | "));
        }
        match *t {
            "array" => {
                let items = &schema["items"];
                let union = items.get("anyOf").is_some()
                    || items.get("oneOf").is_some()
                    || items["type"].is_array();
                if union {
                    out.push(plain("("));
                }
                push_type(items, out);
                out.push(plain(if union { ")[]" } else { "[]" }));
            }
            "object" => match schema.get("additionalProperties") {
                Some(v) if v.is_object() => {
                    out.push(plain("map<string, "));
                    push_type(v, out);
                    out.push(plain(">"));
                }
                _ => out.push(plain("object")),
            },
            "string" => match schema["format"].as_str() {
                Some(f) => out.push(plain(&format!("string ({f})"))),
                None => out.push(plain("string")),
            },
            other => out.push(plain(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(v: Value) -> String {
        type_expr(&v).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn renders_types_readably() {
        assert_eq!(render(json!({"type": ["string", "null"]})), "string | null");
        assert_eq!(
            render(json!({"type": "array", "items": {"$ref": "#/components/schemas/Company"}})),
            "Company[]"
        );
        assert_eq!(
            render(json!({"anyOf": [{"$ref": "#/components/schemas/Money"}, {"type": "null"}]})),
            "Money | null"
        );
        assert_eq!(
            render(json!({"type": "string", "enum": ["low", "high"]})),
            "\"low\" | \"high\""
        );
        assert_eq!(
            render(json!({"type": "object", "additionalProperties": {"type": "string"}})),
            "map<string, string>"
        );
        assert_eq!(render(json!(true)), "any");
    }

    #[test]
    fn schema_names_are_links() {
        let t = type_expr(&json!({"$ref": "#/components/schemas/CompanyPage"}));
        assert_eq!(t[0].schema.as_deref(), Some("CompanyPage"));
    }

    #[test]
    fn curl_quotes_the_body_for_the_shell() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
