//! The built-in offline analyst: the provider when none is configured. It recognises the
//! questions the tools can answer, calls them like a model would (so the chat shows the same
//! tool activity), and writes the answer from their results alone — every figure it states is
//! copied from a tool result. Anything else it declines, saying how to configure a provider.

use futures_util::{future::BoxFuture, StreamExt};
use serde_json::{json, Value};

use super::provider::{
    CallRequest, ChatRequest, EventStream, Message, Provider, ProviderError, ProviderEvent, Role,
};

pub const LABEL: &str = "offline";

pub struct OfflineAnalyst;

/// What the question is about, as far as the analyst understands it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Intent {
    Pipeline,
    Deals {
        status: &'static str,
    },
    Company(String),
    Competitors(String),
    Metric(String),
    Signals,
    /// Start a report of this kind (competitor: for the named company).
    Report(&'static str, Option<String>),
    Unknown,
}

/// The questions the analyst knows, for its decline message and the suggestions.
pub const KNOWN: &[&str] = &[
    "Summarise the pipeline",
    "What are the biggest open deals?",
    "Which deals did we win?",
    "Tell me about <company>",
    "Who are the competitors of <company>?",
    "How has <metric> changed?",
    "What are the latest signals?",
    "Start a pipeline report",
];

fn after<'a>(original: &'a str, lower: &str, markers: &[&str]) -> Option<&'a str> {
    markers.iter().find_map(|m| {
        lower.find(m).map(|i| {
            original[i + m.len()..]
                .trim()
                .trim_end_matches(['?', '.', '!'])
                .trim()
        })
    })
}

fn clean_name(s: &str) -> Option<String> {
    let s = s.trim();
    let s = s
        .strip_prefix("the ")
        .or_else(|| s.strip_prefix("The "))
        .unwrap_or(s);
    let s = s.trim_end_matches("'s").trim_end_matches(" doing").trim();
    (!s.is_empty() && s.len() <= 120).then(|| s.to_owned())
}

pub(crate) fn intent(question: &str) -> Intent {
    let q = question.trim();
    // Byte offsets must match between `q` and its lower-case form: ASCII folding keeps them.
    let lower = q.to_ascii_lowercase();
    let has = |w: &str| lower.contains(w);
    if has("report") && (has("start") || has("run") || has("create") || has("generate")) {
        if has("competitor") {
            let name = after(q, &lower, &["report for ", "report on ", "report about "])
                .and_then(clean_name);
            return Intent::Report("competitor", name);
        }
        return Intent::Report(if has("market") { "market" } else { "pipeline" }, None);
    }
    if let Some(name) = after(
        q,
        &lower,
        &[
            "competitors of ",
            "competitors for ",
            "competes with ",
            "compete with ",
            "compare ",
        ],
    )
    .and_then(clean_name)
    {
        return Intent::Competitors(name);
    }
    if let Some(name) = q
        .find("'s competitors")
        .and_then(|i| clean_name(&q[..i]))
        .map(|n| n.rsplit(' ').next().map(str::to_owned).unwrap_or(n))
    {
        return Intent::Competitors(name);
    }
    if let Some(m) = after(
        q,
        &lower,
        &["trend of ", "trend for ", "how has ", "how did "],
    ) {
        let m = m
            .trim_end_matches(" changed")
            .trim_end_matches(" developed")
            .trim_end_matches(" moved")
            .trim();
        let m = m.strip_prefix("the ").unwrap_or(m);
        if !m.is_empty() {
            return Intent::Metric(m.to_lowercase().replace([' ', '-'], "_"));
        }
    }
    if has("pipeline") || has("forecast") || has("win rate") {
        return Intent::Pipeline;
    }
    if has("deal") {
        let status = if has("won") || has("win") {
            "won"
        } else if has("lost") || has("lose") {
            "lost"
        } else {
            "open"
        };
        return Intent::Deals { status };
    }
    if has("signal") || has("news") || has("sentiment") {
        return Intent::Signals;
    }
    if let Some(name) = after(
        q,
        &lower,
        &[
            "tell me about ",
            "overview of ",
            "how is ",
            "what about ",
            "who is ",
        ],
    )
    .and_then(clean_name)
    {
        return Intent::Company(name);
    }
    Intent::Unknown
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => "n/a".into(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(text).collect::<Vec<_>>().join(" + "),
        other => other.to_string(),
    }
}

fn cell(v: &Value) -> String {
    text(v).replace('|', "\\|")
}

fn link(name: &Value, href: &Value) -> String {
    match href.as_str() {
        Some(h) => format!("[{}]({h})", cell(name).replace(['[', ']'], "")),
        None => cell(name),
    }
}

/// The next step: a tool call to make, or the answer's Markdown.
pub(crate) enum Step {
    Call(&'static str, Value),
    Answer(String),
}

/// Decides from the question and the tool results so far (in order).
pub(crate) fn next_step(question: &str, results: &[(String, Value)]) -> Step {
    let last = results.last().map(|r| &r.1);
    match intent(question) {
        Intent::Pipeline => match last {
            None => Step::Call("pipeline_summary", json!({})),
            Some(r) => Step::Answer(pipeline_answer(r)),
        },
        Intent::Deals { status } => match last {
            None => Step::Call(
                "list_deals",
                json!({"status": status, "sort": "amount", "limit": 5}),
            ),
            Some(r) => Step::Answer(deals_answer(status, r)),
        },
        Intent::Signals => match last {
            None => Step::Call("recent_signals", json!({"limit": 8})),
            Some(r) => Step::Answer(signals_answer(r)),
        },
        Intent::Metric(metric) => match last {
            None => Step::Call("metric_trend", json!({"metric": metric})),
            Some(r) => Step::Answer(metric_answer(r)),
        },
        Intent::Company(name) | Intent::Competitors(name) if results.is_empty() => {
            Step::Call("search_companies", json!({"query": name, "limit": 3}))
        }
        intent @ (Intent::Company(_) | Intent::Competitors(_)) => {
            let (Intent::Company(name) | Intent::Competitors(name)) = &intent else {
                unreachable!()
            };
            if results.len() == 1 {
                let first = &results[0].1["companies"][0];
                match first["id"].as_i64() {
                    None => Step::Answer(format!(
                        "I found no company matching “{name}” in this workspace."
                    )),
                    Some(id) if matches!(intent, Intent::Company(_)) => {
                        Step::Call("company_overview", json!({"company_id": id}))
                    }
                    Some(id) => Step::Call("competitor_comparison", json!({"company_id": id})),
                }
            } else {
                let r = &results[results.len() - 1].1;
                Step::Answer(if matches!(intent, Intent::Company(_)) {
                    company_answer(r)
                } else {
                    competitors_answer(r)
                })
            }
        }
        Intent::Report(kind, name) => report_step(kind, name, results),
        Intent::Unknown => Step::Answer(decline()),
    }
}

fn report_step(kind: &'static str, name: Option<String>, results: &[(String, Value)]) -> Step {
    let prepared = |r: &Value| {
        Step::Answer(match r.get("error") {
            Some(e) => format!("I could not prepare the report: {}", text(e)),
            None => format!(
                "I have prepared {}. **Confirm it above** to start it; it will appear under Reports.",
                text(&r["message"]).trim_end_matches(" is ready to start; the person must confirm it in the chat")
            ),
        })
    };
    match (kind, name, results) {
        ("competitor", Some(n), []) => Step::Call("search_companies", json!({"query": n, "limit": 1})),
        ("competitor", None, []) => Step::Answer(
            "Which company should the competitor report be about? Ask e.g. “Start a competitor report for Acme”."
                .into(),
        ),
        ("competitor", Some(n), [(_, found)]) => match found["companies"][0]["id"].as_i64() {
            Some(id) => Step::Call("start_report", json!({"kind": "competitor", "company_id": id})),
            None => Step::Answer(format!("I found no company matching “{n}” in this workspace.")),
        },
        (_, _, []) => Step::Call("start_report", json!({"kind": kind})),
        (_, _, [.., (_, r)]) => prepared(r),
    }
}

pub(crate) fn decline() -> String {
    let mut s = String::from(
        "I'm the built-in offline analyst: no AI model provider is configured for this \
         workspace, so I can only answer questions I recognise, from your data:\n\n",
    );
    for k in KNOWN {
        s.push_str(&format!("- {k}\n"));
    }
    s.push_str(
        "\nTo ask anything else, an admin can configure a provider (any OpenAI-compatible \
         endpoint such as OpenAI, Ollama or vLLM, or Anthropic) under **Settings → AI**, or \
         the server can set `AI_PROVIDER`, `AI_BASE_URL`, `AI_MODEL` and `AI_API_KEY`.",
    );
    s
}

fn pipeline_answer(r: &Value) -> String {
    if let Some(e) = r.get("error") {
        return format!("I could not read the pipeline: {}", text(e));
    }
    let mut s = format!(
        "**{} pipeline**: {} open deals worth {} ({} weighted). Won: {} deals, {}. Lost: {} deals.",
        text(&r["pipeline"]),
        text(&r["open_deals"]),
        text(&r["open_total"]),
        text(&r["open_weighted"]),
        text(&r["won_deals"]),
        text(&r["won_total"]),
        text(&r["lost_deals"]),
    );
    if !r["win_rate_percent"].is_null() {
        s.push_str(&format!(" Win rate: {}%.", text(&r["win_rate_percent"])));
    }
    s.push_str("\n\n| Stage | Deals | Total | Weighted |\n| --- | ---: | ---: | ---: |\n");
    for st in r["stages"].as_array().into_iter().flatten() {
        s.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell(&st["stage"]),
            cell(&st["deals"]),
            cell(&st["total"]),
            cell(&st["weighted"])
        ));
    }
    s
}

fn deals_answer(status: &str, r: &Value) -> String {
    if let Some(e) = r.get("error") {
        return format!("I could not list the deals: {}", text(e));
    }
    let deals = r["deals"].as_array().cloned().unwrap_or_default();
    if deals.is_empty() {
        return format!("There are no {status} deals in this workspace.");
    }
    let mut s = format!(
        "The {} largest {status} deals (of {}):\n\n| Deal | Company | Stage | Amount | Expected close |\n| --- | --- | --- | ---: | --- |\n",
        text(&r["shown"]),
        text(&r["total"])
    );
    for d in &deals {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            link(&d["name"], &d["link"]),
            link(&d["company"], &d["company_link"]),
            cell(&d["stage"]),
            cell(&d["amount"]),
            cell(&d["expected_close"]),
        ));
    }
    s
}

fn signals_answer(r: &Value) -> String {
    if let Some(e) = r.get("error") {
        return format!("I could not read the signals: {}", text(e));
    }
    let list = r["signals"].as_array().cloned().unwrap_or_default();
    if list.is_empty() {
        return "There are no market signals in this workspace yet.".into();
    }
    let mut s = format!(
        "The {} latest signals (average sentiment {}):\n\n",
        text(&r["shown"]),
        text(&r["average_sentiment"])
    );
    for x in &list {
        s.push_str(&format!(
            "- {} · {} — {} (sentiment {})\n",
            text(&x["published"]),
            link(&x["company"], &x["company_link"]),
            cell(&x["title"]),
            text(&x["sentiment"]),
        ));
    }
    s
}

fn metric_answer(r: &Value) -> String {
    if let Some(e) = r.get("error") {
        return format!("I could not read that metric: {}", text(e));
    }
    let points = r["points"].as_array().cloned().unwrap_or_default();
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return format!(
            "There are no data points for the metric `{}` in this workspace.",
            text(&r["metric"])
        );
    };
    let unit = r["unit"]
        .as_str()
        .map(|u| format!(" {u}"))
        .unwrap_or_default();
    let mut s = format!(
        "**{}** went from {}{unit} ({}) to {}{unit} ({}) over {} data points",
        text(&r["metric"]),
        text(&first[1]),
        text(&first[0]),
        text(&last[1]),
        text(&last[0]),
        text(&r["count"]),
    );
    if !r["change_percent"].is_null() {
        s.push_str(&format!(", a change of {}%", text(&r["change_percent"])));
    }
    s.push_str(&format!(
        ". Lowest {}{unit}, highest {}{unit}.",
        text(&r["min"]),
        text(&r["max"])
    ));
    s
}

fn company_answer(r: &Value) -> String {
    if let Some(e) = r.get("error") {
        return format!("I could not look the company up: {}", text(e));
    }
    let mut s = format!("**{}**", link(&r["name"], &r["link"]));
    let facts: Vec<String> = [
        ("industry", ""),
        ("country", ""),
        ("employees", " employees"),
    ]
    .iter()
    .filter(|(k, _)| !r[*k].is_null())
    .map(|(k, suffix)| format!("{}{suffix}", text(&r[*k])))
    .collect();
    if !facts.is_empty() {
        s.push_str(&format!(" — {}", facts.join(", ")));
    }
    s.push_str(&format!(
        ".\n\n- Open pipeline: {} across {} open deals\n- Won: {}\n",
        text(&r["open_pipeline"]),
        text(&r["open_deals"]),
        text(&r["won_total"]),
    ));
    if !r["average_sentiment"].is_null() {
        s.push_str(&format!(
            "- Average sentiment of recent signals: {}\n",
            text(&r["average_sentiment"])
        ));
    }
    let comps: Vec<String> = r["competitors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| format!("{} ({})", link(&c["name"], &c["link"]), text(&c["threat"])))
        .collect();
    if !comps.is_empty() {
        s.push_str(&format!("- Competitors: {}\n", comps.join(", ")));
    }
    for m in r["metrics"].as_array().into_iter().flatten().take(5) {
        s.push_str(&format!(
            "- {}: {}{} ({})\n",
            text(&m["metric"]),
            text(&m["latest"]),
            m["unit"]
                .as_str()
                .map(|u| format!(" {u}"))
                .unwrap_or_default(),
            text(&m["observed"]),
        ));
    }
    s
}

fn competitors_answer(r: &Value) -> String {
    if let Some(e) = r.get("error") {
        return format!("I could not compare competitors: {}", text(e));
    }
    let me = &r["company"];
    let list = r["competitors"].as_array().cloned().unwrap_or_default();
    if list.is_empty() {
        return format!(
            "{} has no competitors recorded in this workspace.",
            link(&me["name"], &me["link"])
        );
    }
    let mut s = format!(
        "{} has {} competitors:\n\n| Company | Threat | Open deals | Open pipeline | Avg. sentiment |\n| --- | --- | ---: | ---: | ---: |\n",
        link(&me["name"], &me["link"]),
        text(&r["count"])
    );
    let row = |c: &Value, threat: &str| {
        format!(
            "| {} | {threat} | {} | {} | {} |\n",
            link(&c["name"], &c["link"]),
            cell(&c["open_deals"]),
            cell(&c["open_pipeline"]),
            cell(&c["average_sentiment"]),
        )
    };
    s.push_str(&row(me, "—"));
    for c in &list {
        s.push_str(&row(c, &text(&c["threat"])));
    }
    s
}

/// The last user question and the tool results after it, in order.
fn turn(messages: &[Message]) -> (String, Vec<(String, Value)>) {
    let start = messages
        .iter()
        .rposition(|m| m.role == Role::User)
        .unwrap_or(0);
    let question = messages
        .get(start)
        .map(|m| m.content.clone())
        .unwrap_or_default();
    let mut names = std::collections::HashMap::new();
    let mut results = vec![];
    for m in &messages[start..] {
        for c in &m.tool_calls {
            names.insert(c.id.clone(), c.name.clone());
        }
        if m.role == Role::Tool {
            let id = m.tool_call_id.clone().unwrap_or_default();
            let value = serde_json::from_str(&m.content).unwrap_or(Value::Null);
            results.push((names.get(&id).cloned().unwrap_or_default(), value));
        }
    }
    (question, results)
}

impl Provider for OfflineAnalyst {
    fn label(&self) -> String {
        LABEL.into()
    }

    fn stream<'a>(
        &'a self,
        request: &'a ChatRequest,
    ) -> BoxFuture<'a, Result<EventStream, ProviderError>> {
        let (question, results) = turn(&request.messages);
        let events: Vec<ProviderEvent> = match next_step(&question, &results) {
            Step::Call(name, args) => vec![
                ProviderEvent::ToolCall(CallRequest {
                    id: format!("offline_{}", results.len() + 1),
                    name: name.into(),
                    arguments: args.to_string(),
                }),
                ProviderEvent::Finish("tool_calls".into()),
            ],
            Step::Answer(text) => {
                // Word by word, so the answer streams like a model's.
                let mut out: Vec<ProviderEvent> = text
                    .split_inclusive(' ')
                    .map(|w| ProviderEvent::TextDelta(w.to_owned()))
                    .collect();
                out.push(ProviderEvent::Finish("stop".into()));
                out
            }
        };
        Box::pin(async move { Ok(futures_util::stream::iter(events.into_iter().map(Ok)).boxed()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_its_questions() {
        assert_eq!(intent("Summarise the pipeline"), Intent::Pipeline);
        assert_eq!(
            intent("What are the biggest open deals?"),
            Intent::Deals { status: "open" }
        );
        assert_eq!(
            intent("Which deals did we win?"),
            Intent::Deals { status: "won" }
        );
        assert_eq!(
            intent("Tell me about Acme Corp?"),
            Intent::Company("Acme Corp".into())
        );
        assert_eq!(
            intent("Who are the competitors of Globex?"),
            Intent::Competitors("Globex".into())
        );
        assert_eq!(
            intent("How has market share changed?"),
            Intent::Metric("market_share".into())
        );
        assert_eq!(intent("What are the latest signals?"), Intent::Signals);
        assert_eq!(
            intent("Start a pipeline report"),
            Intent::Report("pipeline", None)
        );
        assert_eq!(
            intent("Run a competitor report for Globex"),
            Intent::Report("competitor", Some("Globex".into()))
        );
        assert_eq!(intent("Write me a poem about spring"), Intent::Unknown);
    }

    #[test]
    fn company_questions_search_first_then_look_up() {
        let q = "Tell me about Acme";
        assert!(matches!(
            next_step(q, &[]),
            Step::Call("search_companies", _)
        ));
        let found = vec![("search_companies".into(), json!({"companies": [{"id": 7}]}))];
        assert!(
            matches!(next_step(q, &found), Step::Call("company_overview", a) if a["company_id"] == 7)
        );
        let none = vec![("search_companies".into(), json!({"companies": []}))];
        assert!(matches!(next_step(q, &none), Step::Answer(t) if t.contains("no company")));
    }

    #[test]
    fn declines_with_how_to_configure() {
        let Step::Answer(t) = next_step("What is the meaning of life?", &[]) else {
            panic!("should answer");
        };
        assert!(t.contains("not configured") || t.contains("no AI model provider"));
        assert!(t.contains("AI_PROVIDER"));
    }
}
