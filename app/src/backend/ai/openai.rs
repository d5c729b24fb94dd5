//! OpenAI-compatible Chat Completions with `stream: true` and tool calls: OpenAI, Ollama,
//! vLLM, llama.cpp server, LM Studio, OpenRouter — anything that speaks `/chat/completions`.

use std::collections::BTreeMap;

use futures_util::future::BoxFuture;
use serde_json::{json, Value};

use super::provider::{
    encode_with_tools, send_with_retries, CallRequest, ChatRequest, EventStream, HttpSettings,
    Provider, ProviderError, ProviderEvent, Role, ToolDef, Wire,
};
use super::wire::{decode, Decoder};

pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

pub struct OpenAi {
    pub base_url: String,
    pub model: String,
    pub api_key: Option<String>,
    pub http: HttpSettings,
    client: reqwest::Client,
}

impl OpenAi {
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

/// The request's JSON.
pub(crate) fn body(model: &str, req: &ChatRequest) -> Vec<u8> {
    let mut messages = vec![json!({"role": "system", "content": req.system})];
    for m in &req.messages {
        messages.push(match m.role {
            Role::User => json!({"role": "user", "content": m.content}),
            Role::Assistant if m.tool_calls.is_empty() => {
                json!({"role": "assistant", "content": m.content})
            }
            Role::Assistant => json!({
                "role": "assistant",
                "content": if m.content.is_empty() { Value::Null } else { Value::from(m.content.clone()) },
                "tool_calls": m.tool_calls.iter().map(|c| json!({
                    "id": c.id, "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments},
                })).collect::<Vec<_>>(),
            }),
            Role::Tool => json!({
                "role": "tool",
                "tool_call_id": m.tool_call_id,
                "content": m.content,
            }),
        });
    }
    let body = json!({
        "model": model,
        "stream": true,
        "stream_options": {"include_usage": true},
        "max_tokens": req.max_tokens,
        "messages": messages,
    });
    encode_with_tools(&body, req.tools, Wire::OpenAi, tool)
}

fn tool(t: &ToolDef) -> Value {
    json!({"type": "function", "function": {
        "name": t.name, "description": t.description, "parameters": t.parameters,
    }})
}

impl Provider for OpenAi {
    fn label(&self) -> String {
        format!("openai/{}", self.model)
    }

    fn stream<'a>(
        &'a self,
        request: &'a ChatRequest,
    ) -> BoxFuture<'a, Result<EventStream, ProviderError>> {
        Box::pin(async move {
            let url = format!("{}/chat/completions", self.base_url);
            // Bytes: each attempt sends the same body without copying it.
            let body = bytes::Bytes::from(body(&self.model, request));
            let response = send_with_retries(&self.http, &self.model, || {
                let mut b = self
                    .client
                    .post(&url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
                if let Some(key) = &self.api_key {
                    b = b.bearer_auth(key);
                }
                b
            })
            .await?;
            Ok(decode(response, OpenAiDecoder::default()))
        })
    }
}

#[derive(Default)]
pub(crate) struct OpenAiDecoder {
    /// Tool calls being streamed, by their index: (id, name, arguments so far).
    calls: BTreeMap<u64, (String, String, String)>,
    finish: Option<String>,
    done: bool,
}

impl OpenAiDecoder {
    fn flush_calls(&mut self) -> Vec<ProviderEvent> {
        std::mem::take(&mut self.calls)
            .into_iter()
            .map(|(i, (id, name, arguments))| {
                ProviderEvent::ToolCall(CallRequest {
                    id: if id.is_empty() {
                        format!("call_{i}")
                    } else {
                        id
                    },
                    name,
                    arguments,
                })
            })
            .collect()
    }
}

/// One streamed chunk, read in place: a token's text is borrowed from the frame unless it
/// has escapes, and nothing else of the chunk (id, model, timestamps) is kept — this runs for
/// every token of every answer. Fields absent or `null` read as empty, as the many
/// OpenAI-compatible servers differ in what they send.
#[derive(serde::Deserialize)]
struct Chunk<'a> {
    #[serde(default)]
    error: Option<Value>,
    #[serde(default, borrow)]
    choices: Vec<Choice<'a>>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(serde::Deserialize)]
struct Choice<'a> {
    #[serde(default, borrow, deserialize_with = "null_as_default")]
    delta: Delta<'a>,
    #[serde(default, borrow)]
    finish_reason: Option<std::borrow::Cow<'a, str>>,
}

#[derive(serde::Deserialize, Default)]
struct Delta<'a> {
    #[serde(default, borrow)]
    content: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "null_as_default")]
    tool_calls: Vec<CallDelta<'a>>,
}

#[derive(serde::Deserialize)]
struct CallDelta<'a> {
    #[serde(default)]
    index: Option<u64>,
    #[serde(default, borrow)]
    id: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "null_as_default")]
    function: FunctionDelta<'a>,
}

#[derive(serde::Deserialize, Default)]
struct FunctionDelta<'a> {
    #[serde(default, borrow)]
    name: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    arguments: Option<std::borrow::Cow<'a, str>>,
}

#[derive(serde::Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de> + Default,
{
    use serde::Deserialize;
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl Decoder for OpenAiDecoder {
    fn event(&mut self, _name: &str, data: &str) -> Result<Vec<ProviderEvent>, ProviderError> {
        let data = data.trim();
        if data.is_empty() {
            return Ok(vec![]);
        }
        if data == "[DONE]" {
            self.done = true;
            let mut out = self.flush_calls();
            out.push(ProviderEvent::Finish(
                self.finish.take().unwrap_or_else(|| "stop".into()),
            ));
            return Ok(out);
        }
        let chunk: Chunk<'_> =
            serde_json::from_str(data).map_err(|e| ProviderError::Malformed(e.to_string()))?;
        if let Some(err) = chunk.error {
            let message = err
                .get("message")
                .and_then(Value::as_str)
                .or(err.as_str())
                .unwrap_or("error in the stream");
            return Err(ProviderError::Upstream {
                status: 200,
                message: super::provider::truncate(message, 300),
            });
        }
        let mut out = vec![];
        if let Some(choice) = chunk.choices.into_iter().next() {
            if let Some(text) = choice.delta.content.filter(|t| !t.is_empty()) {
                out.push(ProviderEvent::TextDelta(text.into_owned()));
            }
            for (n, c) in choice.delta.tool_calls.into_iter().enumerate() {
                let entry = self.calls.entry(c.index.unwrap_or(n as u64)).or_default();
                if let Some(id) = c.id {
                    entry.0 = id.into_owned();
                }
                if let Some(name) = c.function.name {
                    entry.1.push_str(&name);
                }
                if let Some(args) = c.function.arguments {
                    entry.2.push_str(&args);
                }
            }
            if let Some(reason) = choice.finish_reason {
                self.finish = Some(reason.into_owned());
                out.extend(self.flush_calls());
            }
        }
        if let Some(usage) = chunk.usage {
            out.push(ProviderEvent::Usage {
                prompt: usage.prompt_tokens.unwrap_or(0) as u32,
                completion: usage.completion_tokens.unwrap_or(0) as u32,
            });
        }
        Ok(out)
    }

    fn done(&self) -> bool {
        self.done
    }

    fn end(&mut self) -> Result<Vec<ProviderEvent>, ProviderError> {
        if self.done {
            return Ok(vec![]);
        }
        // Some servers close after the finish reason without `[DONE]`: that is a whole answer.
        match self.finish.take() {
            Some(reason) => {
                self.done = true;
                let mut out = self.flush_calls();
                out.push(ProviderEvent::Finish(reason));
                Ok(out)
            }
            None => Err(ProviderError::Interrupted),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_carries_every_tool_once_encoded_and_none_when_offered_none() {
        let defs = super::super::tools::definitions();
        let mut req = ChatRequest {
            system: "sys".into(),
            messages: vec![super::super::provider::Message::user("q")],
            tools: defs,
            max_tokens: 7,
        };
        // Twice: the second request reuses the list encoded for the first.
        for _ in 0..2 {
            let b: Value = serde_json::from_slice(&body("m", &req)).unwrap();
            let tools = b["tools"].as_array().unwrap();
            assert_eq!(tools.len(), defs.defs.len());
            for (t, d) in tools.iter().zip(&defs.defs) {
                assert_eq!(t, &tool(d));
            }
            assert_eq!(b["model"], "m");
            assert_eq!(b["max_tokens"], 7);
            assert_eq!(b["messages"][1]["content"], "q");
        }
        req.tools = &super::super::provider::NO_TOOLS;
        let b: Value = serde_json::from_slice(&body("m", &req)).unwrap();
        assert!(b.get("tools").is_none());
        assert_eq!(b["stream"], true);
    }

    fn feed(d: &mut OpenAiDecoder, lines: &[&str]) -> Vec<ProviderEvent> {
        lines.iter().flat_map(|l| d.event("", l).unwrap()).collect()
    }

    #[test]
    fn text_tool_calls_usage_and_done() {
        let mut d = OpenAiDecoder::default();
        let events = feed(
            &mut d,
            &[
                r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}]}"#,
                r#"{"choices":[{"index":0,"delta":{"content":"lo"}}]}"#,
                r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"pipeline_summary","arguments":""}},{"index":1,"id":"call_b","type":"function","function":{"name":"search_companies","arguments":"{\"que"}}]}}]}"#,
                r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"ry\":\"acme\"}"}}]}}]}"#,
                r#"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
                r#"{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}}"#,
                "[DONE]",
            ],
        );
        assert_eq!(
            events,
            vec![
                ProviderEvent::TextDelta("Hel".into()),
                ProviderEvent::TextDelta("lo".into()),
                ProviderEvent::ToolCall(CallRequest {
                    id: "call_a".into(),
                    name: "pipeline_summary".into(),
                    arguments: "".into()
                }),
                ProviderEvent::ToolCall(CallRequest {
                    id: "call_b".into(),
                    name: "search_companies".into(),
                    arguments: r#"{"query":"acme"}"#.into()
                }),
                ProviderEvent::Usage {
                    prompt: 12,
                    completion: 7
                },
                ProviderEvent::Finish("tool_calls".into()),
            ]
        );
        assert!(d.done());
    }

    #[test]
    fn a_cut_off_stream_is_interrupted() {
        let mut d = OpenAiDecoder::default();
        feed(
            &mut d,
            &[r#"{"choices":[{"index":0,"delta":{"content":"Hel"}}]}"#],
        );
        assert_eq!(d.end(), Err(ProviderError::Interrupted));
    }

    #[test]
    fn nulls_escapes_and_errors_in_chunks() {
        let mut d = OpenAiDecoder::default();
        let events = feed(
            &mut d,
            &[
                r#"{"id":"x","choices":[{"index":0,"delta":null,"finish_reason":null}],"usage":null,"error":null}"#,
                r#"{"choices":[{"delta":{"content":"a \"b\"\n\u00e9","tool_calls":null}}]}"#,
                r#"{"choices":[{"delta":{"content":""}}]}"#,
            ],
        );
        assert_eq!(events, vec![ProviderEvent::TextDelta("a \"b\"\né".into())]);
        for (chunk, message) in [
            (
                r#"{"error":{"message":"model overloaded"}}"#,
                "model overloaded",
            ),
            (r#"{"error":"quota"}"#, "quota"),
        ] {
            assert_eq!(
                d.event("", chunk),
                Err(ProviderError::Upstream {
                    status: 200,
                    message: message.into()
                })
            );
        }
        assert!(matches!(
            d.event("", r#"{"choices":[{"delta":{"content":7}}]}"#),
            Err(ProviderError::Malformed(_))
        ));
    }
}
