//! Anthropic Messages API with streaming and tool use.

use std::collections::BTreeMap;

use futures_util::future::BoxFuture;
use serde_json::{json, Value};

use super::provider::{
    encode_with_tools, send_with_retries, CallRequest, ChatRequest, EventStream, HttpSettings,
    Provider, ProviderError, ProviderEvent, Role, ToolDef, Wire,
};
use super::wire::{decode, Decoder};

pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
const API_VERSION: &str = "2023-06-01";

pub struct Anthropic {
    pub base_url: String,
    pub model: String,
    pub api_key: Option<String>,
    pub http: HttpSettings,
    client: reqwest::Client,
}

impl Anthropic {
    pub fn new(base_url: &str, model: &str, api_key: Option<String>, http: HttpSettings) -> Self {
        let base = if base_url.trim().is_empty() {
            DEFAULT_BASE_URL
        } else {
            base_url.trim()
        };
        Self {
            base_url: base.trim_end_matches('/').to_owned(),
            model: model.to_owned(),
            api_key,
            client: http.client(),
            http,
        }
    }
}

/// Anthropic wants tool results as `tool_result` blocks of a user turn (consecutive results
/// in one turn) and tool calls as `tool_use` blocks of the assistant turn.
pub(crate) fn body(model: &str, req: &ChatRequest) -> Vec<u8> {
    let mut messages: Vec<Value> = vec![];
    for m in &req.messages {
        match m.role {
            Role::User => messages.push(json!({"role": "user", "content": m.content})),
            Role::Assistant => {
                let mut blocks = vec![];
                if !m.content.is_empty() {
                    blocks.push(json!({"type": "text", "text": m.content}));
                }
                for c in &m.tool_calls {
                    let input: Value = serde_json::from_str(&c.arguments)
                        .ok()
                        .filter(Value::is_object)
                        .unwrap_or_else(|| json!({}));
                    blocks.push(
                        json!({"type": "tool_use", "id": c.id, "name": c.name, "input": input}),
                    );
                }
                messages.push(json!({"role": "assistant", "content": blocks}));
            }
            Role::Tool => {
                let block = json!({
                    "type": "tool_result",
                    "tool_use_id": m.tool_call_id,
                    "content": m.content,
                });
                match messages.last_mut() {
                    Some(last)
                        if last["role"] == "user"
                            && last["content"]
                                .as_array()
                                .is_some_and(|b| b.iter().all(|x| x["type"] == "tool_result")) =>
                    {
                        if let Some(blocks) = last["content"].as_array_mut() {
                            blocks.push(block);
                        }
                    }
                    _ => messages.push(json!({"role": "user", "content": [block]})),
                }
            }
        }
    }
    let body = json!({
        "model": model,
        "max_tokens": req.max_tokens,
        "stream": true,
        "system": req.system,
        "messages": messages,
    });
    encode_with_tools(&body, req.tools, Wire::Anthropic, tool)
}

fn tool(t: &ToolDef) -> Value {
    json!({"name": t.name, "description": t.description, "input_schema": t.parameters})
}

impl Provider for Anthropic {
    fn label(&self) -> String {
        format!("anthropic/{}", self.model)
    }

    fn stream<'a>(
        &'a self,
        request: &'a ChatRequest,
    ) -> BoxFuture<'a, Result<EventStream, ProviderError>> {
        Box::pin(async move {
            let url = format!("{}/v1/messages", self.base_url);
            let body = bytes::Bytes::from(body(&self.model, request));
            let response = send_with_retries(&self.http, &self.model, || {
                let mut b = self
                    .client
                    .post(&url)
                    .header("anthropic-version", API_VERSION)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
                if let Some(key) = &self.api_key {
                    b = b.header("x-api-key", key);
                }
                b
            })
            .await?;
            Ok(decode(response, AnthropicDecoder::default()))
        })
    }
}

#[derive(Default)]
pub(crate) struct AnthropicDecoder {
    /// tool_use blocks being streamed, by block index: (id, name, input JSON so far).
    tools: BTreeMap<u64, (String, String, String)>,
    input_tokens: u32,
    stop_reason: Option<String>,
    done: bool,
}

impl Decoder for AnthropicDecoder {
    fn event(&mut self, name: &str, data: &str) -> Result<Vec<ProviderEvent>, ProviderError> {
        if data.trim().is_empty() {
            return Ok(vec![]);
        }
        let v: Value =
            serde_json::from_str(data).map_err(|e| ProviderError::Malformed(e.to_string()))?;
        let kind = v.get("type").and_then(Value::as_str).unwrap_or(name);
        let index = v.get("index").and_then(Value::as_u64).unwrap_or(0);
        let mut out = vec![];
        match kind {
            "message_start" => {
                self.input_tokens = v
                    .pointer("/message/usage/input_tokens")
                    .and_then(Value::as_u64)
                    .unwrap_or(0) as u32;
            }
            "content_block_start" => {
                let block = &v["content_block"];
                if block["type"] == "tool_use" {
                    self.tools.insert(
                        index,
                        (
                            block["id"].as_str().unwrap_or_default().to_owned(),
                            block["name"].as_str().unwrap_or_default().to_owned(),
                            String::new(),
                        ),
                    );
                } else if let Some(text) = block.get("text").and_then(Value::as_str) {
                    if !text.is_empty() {
                        out.push(ProviderEvent::TextDelta(text.to_owned()));
                    }
                }
            }
            "content_block_delta" => {
                let delta = &v["delta"];
                match delta["type"].as_str() {
                    Some("text_delta") => {
                        if let Some(t) = delta["text"].as_str() {
                            out.push(ProviderEvent::TextDelta(t.to_owned()));
                        }
                    }
                    Some("input_json_delta") => {
                        if let (Some(t), Some(entry)) =
                            (delta["partial_json"].as_str(), self.tools.get_mut(&index))
                        {
                            entry.2.push_str(t);
                        }
                    }
                    _ => {}
                }
            }
            "content_block_stop" => {
                if let Some((id, name, json)) = self.tools.remove(&index) {
                    out.push(ProviderEvent::ToolCall(CallRequest {
                        id,
                        name,
                        arguments: if json.trim().is_empty() {
                            "{}".into()
                        } else {
                            json
                        },
                    }));
                }
            }
            "message_delta" => {
                if let Some(r) = v.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    self.stop_reason = Some(r.to_owned());
                }
                if let Some(n) = v.pointer("/usage/output_tokens").and_then(Value::as_u64) {
                    out.push(ProviderEvent::Usage {
                        prompt: self.input_tokens,
                        completion: n as u32,
                    });
                }
            }
            "message_stop" => {
                self.done = true;
                let reason = match self.stop_reason.as_deref() {
                    Some("tool_use") => "tool_calls",
                    Some("max_tokens") => "length",
                    _ => "stop",
                };
                out.push(ProviderEvent::Finish(reason.into()));
            }
            "error" => {
                let kind = v.pointer("/error/type").and_then(Value::as_str);
                let message = v
                    .pointer("/error/message")
                    .and_then(Value::as_str)
                    .unwrap_or("error in the stream");
                return Err(if kind == Some("overloaded_error") {
                    ProviderError::Upstream {
                        status: 529,
                        message: message.to_owned(),
                    }
                } else {
                    ProviderError::Upstream {
                        status: 200,
                        message: super::provider::truncate(message, 300),
                    }
                });
            }
            _ => {} // ping and future event types
        }
        Ok(out)
    }

    fn done(&self) -> bool {
        self.done
    }

    fn end(&mut self) -> Result<Vec<ProviderEvent>, ProviderError> {
        if self.done {
            Ok(vec![])
        } else {
            Err(ProviderError::Interrupted)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::ai::provider::Message;

    #[test]
    fn decodes_text_and_tool_use() {
        let mut d = AnthropicDecoder::default();
        let script = [
            (
                "message_start",
                r#"{"type":"message_start","message":{"id":"m","usage":{"input_tokens":25,"output_tokens":1}}}"#,
            ),
            (
                "content_block_start",
                r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
            ),
            ("ping", r#"{"type":"ping"}"#),
            (
                "content_block_delta",
                r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me look."}}"#,
            ),
            (
                "content_block_stop",
                r#"{"type":"content_block_stop","index":0}"#,
            ),
            (
                "content_block_start",
                r#"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"company_overview","input":{}}}"#,
            ),
            (
                "content_block_delta",
                r#"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"company_id\":"}}"#,
            ),
            (
                "content_block_delta",
                r#"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" 7}"}}"#,
            ),
            (
                "content_block_stop",
                r#"{"type":"content_block_stop","index":1}"#,
            ),
            (
                "message_delta",
                r#"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":30}}"#,
            ),
            ("message_stop", r#"{"type":"message_stop"}"#),
        ];
        let events: Vec<_> = script
            .iter()
            .flat_map(|(n, d2)| d.event(n, d2).unwrap())
            .collect();
        assert_eq!(
            events,
            vec![
                ProviderEvent::TextDelta("Let me look.".into()),
                ProviderEvent::ToolCall(CallRequest {
                    id: "toolu_1".into(),
                    name: "company_overview".into(),
                    arguments: r#"{"company_id": 7}"#.into()
                }),
                ProviderEvent::Usage {
                    prompt: 25,
                    completion: 30
                },
                ProviderEvent::Finish("tool_calls".into()),
            ]
        );
        assert!(d.done());
    }

    #[test]
    fn tool_results_share_one_user_turn() {
        let req = ChatRequest {
            system: "s".into(),
            messages: vec![
                Message::user("q"),
                Message::assistant(
                    "",
                    vec![
                        CallRequest {
                            id: "a".into(),
                            name: "x".into(),
                            arguments: "{}".into(),
                        },
                        CallRequest {
                            id: "b".into(),
                            name: "y".into(),
                            arguments: "not json".into(),
                        },
                    ],
                ),
                Message::tool("a", "1"),
                Message::tool("b", "2"),
            ],
            tools: &super::super::provider::NO_TOOLS,
            max_tokens: 100,
        };
        let b: Value = serde_json::from_slice(&body("m", &req)).unwrap();
        let msgs = b["messages"].as_array().unwrap();
        assert_eq!(msgs.len(), 3);
        assert_eq!(msgs[1]["content"][1]["input"], json!({}));
        assert_eq!(msgs[2]["content"].as_array().unwrap().len(), 2);
    }
}
