//! Markdown of AI answers as HTML that is safe to put in the page: raw HTML the model wrote
//! is shown as text, links go only to this app (`/…`) or to http(s) and mail addresses, and
//! images become links (no request leaves the page by itself). Tables and code blocks render.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};

fn safe_url(url: &str) -> bool {
    let u = url.trim();
    (u.starts_with('/') && !u.starts_with("//"))
        || u.starts_with("https://")
        || u.starts_with("http://")
        || u.starts_with("mailto:")
        || u.starts_with('#')
}

pub fn to_safe_html(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    // Whether each open link was kept (its end tag is dropped with it otherwise).
    let mut links: Vec<bool> = vec![];
    let events = Parser::new_ext(markdown, options).filter_map(|ev| match ev {
        Event::Html(h) | Event::InlineHtml(h) => Some(Event::Text(h)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let keep = safe_url(&dest_url);
            links.push(keep);
            keep.then_some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        Event::End(TagEnd::Link) => links
            .pop()
            .unwrap_or(false)
            .then_some(Event::End(TagEnd::Link)),
        Event::Start(Tag::Image { dest_url, .. }) => {
            links.push(safe_url(&dest_url));
            safe_url(&dest_url).then_some(Event::Start(Tag::Link {
                link_type: pulldown_cmark::LinkType::Inline,
                dest_url,
                title: CowStr::Borrowed(""),
                id: CowStr::Borrowed(""),
            }))
        }
        Event::End(TagEnd::Image) => links
            .pop()
            .unwrap_or(false)
            .then_some(Event::End(TagEnd::Link)),
        other => Some(other),
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_text() {
        let h = to_safe_html("Hi <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n<div onclick=\"x\">block</div>");
        assert!(!h.contains("<script"), "{h}");
        assert!(!h.contains("<img"), "{h}");
        assert!(!h.contains("<div"), "{h}");
        assert!(h.contains("&lt;script&gt;"), "{h}");
    }

    #[test]
    fn only_safe_links_survive() {
        let h = to_safe_html("[Acme](/w/demo/companies/7) [x](javascript:alert(1)) [y](https://example.com) ![pic](https://t.example/p.png)");
        assert!(
            h.contains(r#"<a href="/w/demo/companies/7">Acme</a>"#),
            "{h}"
        );
        assert!(!h.contains("javascript"), "{h}");
        assert!(h.contains(r#"<a href="https://example.com">y</a>"#), "{h}");
        assert!(!h.contains("<img"), "{h}");
    }

    #[test]
    fn tables_and_code_render() {
        let h = to_safe_html("| a | b |\n| --- | --- |\n| 1 | 2 |\n\n```\nlet x = 1;\n```");
        assert!(h.contains("<table>") && h.contains("<td>1</td>"), "{h}");
        assert!(h.contains("<pre><code>let x = 1;"), "{h}");
    }
}
