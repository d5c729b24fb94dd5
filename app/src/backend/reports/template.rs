//! The deterministic template writer: prose from the section's facts by fixed sentences.
//! It states only numbers that are in the facts (already formatted by the report), so it
//! can never disagree with the tables beside it. Unknown sections get a plain listing.

use serde_json::Value;

use super::narrative::{SectionRequest, TextGenerator, WriteFuture, Written};

pub struct TemplateWriter;

pub const NAME: &str = "template";

impl TextGenerator for TemplateWriter {
    fn name(&self) -> String {
        NAME.into()
    }

    fn write<'a>(&'a self, request: &'a SectionRequest) -> WriteFuture<'a> {
        Box::pin(async move {
            Ok(Written {
                text: write(request),
                source: NAME.into(),
            })
        })
    }
}

fn s<'a>(f: &'a Value, key: &str) -> Option<&'a str> {
    f.get(key).and_then(Value::as_str)
}

fn n(f: &Value, key: &str) -> Option<f64> {
    f.get(key).and_then(Value::as_f64)
}

/// "up 12.5%", "down 3%", "unchanged".
fn change(pct: f64) -> String {
    if pct.abs() < 0.05 {
        "unchanged".into()
    } else if pct > 0.0 {
        format!("up {:.1}%", pct)
    } else {
        format!("down {:.1}%", -pct)
    }
}

fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {}", rest.join(", "), last),
    }
}

pub fn write(r: &SectionRequest) -> String {
    let f = &r.facts;
    if f.get("empty").and_then(Value::as_bool) == Some(true) {
        return s(f, "reason")
            .map(str::to_owned)
            .unwrap_or_else(|| "There is no data for this section in the period.".into());
    }
    let text = match (r.report_kind.as_str(), r.section.as_str()) {
        ("market", "summary") => market_summary(f),
        ("market", "metrics") => metrics(f),
        ("market", "movers") | ("competitor", "movers") => movers(f),
        ("market", "deals") => market_deals(f),
        ("market", "sentiment") | ("competitor", "sentiment") => sentiment(f),
        ("competitor", "summary") => competitor_summary(f),
        ("pipeline", "summary") => pipeline_summary(f),
        ("pipeline", "funnel") => funnel(f),
        ("market", "segment") => segment(f),
        ("pipeline", "won") => s(f, "won_value").map(|v| format!("Won revenue in the period totals {v}; the chart shows it month by month.")),
        ("pipeline", "deals") => pipeline_deals(f),
        ("competitor", "head_to_head") => Some("The table sets the company beside each competitor: size, headcount change over the period, how often and how favourably they were covered, and the deals with each.".into()),
        _ => None,
    };
    text.unwrap_or_else(|| listing(f))
}

/// Any facts as one sentence per scalar: the fallback for sections without a template.
fn listing(f: &Value) -> String {
    let Some(map) = f.as_object() else {
        return String::new();
    };
    let parts: Vec<String> = map
        .iter()
        .filter_map(|(k, v)| {
            let v = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            Some(format!("{}: {}", k.replace('_', " "), v))
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("{}.", parts.join("; "))
    }
}

fn market_summary(f: &Value) -> Option<String> {
    let segment = s(f, "segment")?;
    let companies = s(f, "companies")?;
    let mut text = format!("The segment {segment} holds {companies} companies.");
    if let (Some(new), Some(period)) = (s(f, "new_companies"), s(f, "period")) {
        text.push_str(&format!(" {new} of them were added in {period}"));
        match n(f, "growth_pct") {
            Some(g) => text.push_str(&format!(
                ", {} on the period before ({} added then).",
                change(g),
                s(f, "new_before").unwrap_or("none")
            )),
            None => text.push('.'),
        }
    }
    if let Some(top) = s(f, "largest_group") {
        text.push_str(&format!(" The largest group is {top}."));
    }
    if let Some(sent) = s(f, "avg_sentiment") {
        text.push_str(&format!(" Average signal sentiment was {sent}."));
    }
    Some(text)
}

fn metrics(f: &Value) -> Option<String> {
    let rows = f.get("metrics")?.as_array()?;
    if rows.is_empty() {
        return Some("No metric observations fall in this period.".into());
    }
    let parts: Vec<String> = rows
        .iter()
        .filter_map(|m| {
            Some(format!(
                "{} went from {} to {} ({})",
                s(m, "metric")?,
                s(m, "first")?,
                s(m, "last")?,
                n(m, "change_pct").map_or_else(|| "no comparison".into(), change)
            ))
        })
        .collect();
    Some(format!("Over the period, {}.", list(&parts)))
}

fn movers(f: &Value) -> Option<String> {
    let up = f.get("up")?.as_array()?;
    let down = f.get("down").and_then(Value::as_array);
    if up.is_empty() && down.is_none_or(|d| d.is_empty()) {
        return Some("No company has enough observations in the period to compare.".into());
    }
    let name = |m: &Value| -> Option<String> {
        Some(format!(
            "{} ({})",
            s(m, "name")?,
            change(n(m, "change_pct")?)
        ))
    };
    let ups: Vec<String> = up.iter().filter_map(name).collect();
    let mut text = String::new();
    if !ups.is_empty() {
        text.push_str(&format!("Headcount grew fastest at {}.", list(&ups)));
    }
    if let Some(down) = down {
        let downs: Vec<String> = down.iter().filter_map(name).collect();
        if !downs.is_empty() {
            text.push_str(&format!(" It shrank most at {}.", list(&downs)));
        }
    }
    Some(text.trim().to_owned())
}

fn market_deals(f: &Value) -> Option<String> {
    let open = s(f, "open_deals")?;
    let value = s(f, "open_value")?;
    let mut text = format!("{open} deals with companies in this segment are open, worth {value}.");
    if let (Some(won), Some(rate)) = (s(f, "won_deals"), s(f, "win_rate")) {
        text.push_str(&format!(
            " {won} were won in the period, a win rate of {rate}."
        ));
    }
    Some(text)
}

fn sentiment(f: &Value) -> Option<String> {
    let signals = s(f, "signals")?;
    let avg = s(f, "avg_sentiment")?;
    let mut text = format!("{signals} signals were published in the period, with an average sentiment of {avg} (on a scale from −1 to +1).");
    if let (Some(first), Some(last)) = (s(f, "first_month"), s(f, "last_month")) {
        text.push_str(&format!(
            " The monthly average moved from {first} to {last}."
        ));
    }
    if let Some(best) = s(f, "most_positive") {
        text.push_str(&format!(" The most positive coverage was of {best}."));
    }
    if let Some(worst) = s(f, "most_negative") {
        text.push_str(&format!(" The most negative was of {worst}."));
    }
    Some(text)
}

fn segment(f: &Value) -> Option<String> {
    let dimension = s(f, "dimension")?.to_lowercase();
    let groups: Vec<String> = f
        .get("groups")?
        .as_array()?
        .iter()
        .take(3)
        .filter_map(|g| Some(format!("{} ({})", s(g, "name")?, s(g, "companies")?)))
        .collect();
    (!groups.is_empty())
        .then(|| format!("By {dimension}, the largest groups are {}.", list(&groups)))
}

fn pipeline_deals(f: &Value) -> Option<String> {
    let mut text = String::new();
    if let Some(w) = s(f, "largest_win") {
        text.push_str(&format!("The largest win of the period was {w}."));
    }
    if let Some(o) = s(f, "largest_open") {
        text.push_str(&format!(" The largest open deal is {o}."));
    }
    (!text.is_empty()).then(|| text.trim().to_owned())
}

fn competitor_summary(f: &Value) -> Option<String> {
    let company = s(f, "company")?;
    let count = n(f, "competitors")?;
    if count == 0.0 {
        return Some(format!(
            "{company} has no competitors recorded in this workspace, so there is nothing to compare it with. Add competitors on the company's page."
        ));
    }
    let names = f
        .get("names")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let mut text = format!(
        "{company} is compared with {} competitor{}: {}.",
        count,
        if count == 1.0 { "" } else { "s" },
        list(&names)
    );
    if let Some(high) = s(f, "highest_threat") {
        text.push_str(&format!(" The highest recorded threat is {high}."));
    }
    if let Some(sent) = s(f, "company_sentiment") {
        text.push_str(&format!(
            " {company}'s own signal sentiment averaged {sent} in {}.",
            s(f, "period").unwrap_or("the period")
        ));
    }
    Some(text)
}

fn pipeline_summary(f: &Value) -> Option<String> {
    let pipeline = s(f, "pipeline")?;
    let period = s(f, "period")?;
    let created = s(f, "created")?;
    let mut text = format!("In {period}, {created} deals entered the {pipeline} pipeline.");
    if let (Some(won), Some(lost)) = (s(f, "won"), s(f, "lost")) {
        text.push_str(&format!(" {won} were won and {lost} lost"));
        match s(f, "win_rate") {
            Some(rate) => text.push_str(&format!(", a win rate of {rate}.")),
            None => text.push('.'),
        }
    }
    if let Some(value) = s(f, "won_value") {
        text.push_str(&format!(" Won revenue came to {value}."));
    }
    if let Some(days) = s(f, "avg_cycle_days") {
        text.push_str(&format!(
            " A won deal took {days} days on average from creation to close."
        ));
    }
    if let Some(open) = s(f, "open_value") {
        text.push_str(&format!(" Open pipeline now stands at {open}."));
    }
    Some(text)
}

fn funnel(f: &Value) -> Option<String> {
    let stages = f.get("stages")?.as_array()?;
    if stages.is_empty() {
        return None;
    }
    let mut text = String::new();
    if let Some(drop) = s(f, "largest_drop") {
        text.push_str(&format!("The largest drop-off is {drop}."));
    }
    if let Some(overall) = s(f, "overall_conversion") {
        text.push_str(&format!(
            " Of the deals that entered the first stage, {overall} have been won so far."
        ));
    }
    if text.is_empty() {
        return None;
    }
    Some(text.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn req(kind: &str, section: &str, facts: Value) -> SectionRequest {
        SectionRequest {
            report_kind: kind.into(),
            section: section.into(),
            title: section.into(),
            facts,
            max_words: 120,
        }
    }

    #[test]
    fn states_only_the_facts_it_was_given() {
        let text = write(&req(
            "pipeline",
            "summary",
            json!({"pipeline": "Sales", "period": "Sep 1 – Nov 29, 2026", "created": "41", "won": "7", "lost": "3", "win_rate": "70.0%"}),
        ));
        assert_eq!(
            text,
            "In Sep 1 – Nov 29, 2026, 41 deals entered the Sales pipeline. 7 were won and 3 lost, a win rate of 70.0%."
        );
    }

    #[test]
    fn an_empty_section_says_so() {
        let text = write(&req(
            "market",
            "summary",
            json!({"empty": true, "reason": "No companies match the segment Mining."}),
        ));
        assert_eq!(text, "No companies match the segment Mining.");
    }

    #[test]
    fn unknown_sections_get_a_listing() {
        let text = write(&req("market", "other", json!({"a_b": "1", "c": 2})));
        assert_eq!(text, "a b: 1; c: 2.");
    }
}
