//! List pages share one pattern: the URL holds the whole view (search, filters, sort, page),
//! so a view can be shared and survives a reload; every control is a link or a GET form, so
//! it works before hydration and without JavaScript; once hydrated, search is debounced and
//! navigation is client-side, and `/`, `j`, `k` and Enter work.

use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_location, use_navigate},
    NavigateOptions,
};

use super::icons::{Icon, ARROW_RIGHT};
use crate::types::{group_thousands, ListQuery};

pub const PAGE_SIZE: u64 = 50;

/// The list query the URL describes. `filter_keys` are the query parameters that are filters.
pub fn use_list_query(
    filter_keys: &'static [&'static str],
    default_sort: &'static str,
) -> Memo<ListQuery> {
    let query = use_location().query;
    Memo::new(move |_| {
        let q = query.read();
        ListQuery {
            search: q.get("q").filter(|s| !s.trim().is_empty()),
            filters: filter_keys
                .iter()
                .filter_map(|k| {
                    q.get(k)
                        .filter(|v| !v.is_empty())
                        .map(|v| ((*k).to_owned(), v))
                })
                .collect(),
            sort: Some(
                q.get("sort")
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| default_sort.to_owned()),
            ),
            page: q.get("page").and_then(|p| p.parse().ok()),
            per_page: Some(PAGE_SIZE),
        }
    })
}

fn encode(s: &str) -> String {
    super::format::url_encode(s)
}

/// The current path with some query parameters changed (None removes one). Any change other
/// than the page itself goes back to page 1.
pub fn href_with(changes: &[(&str, Option<String>)]) -> String {
    let location = use_location();
    let path = location.pathname.get_untracked();
    let current = use_location().query.get_untracked();
    build_href(
        &path,
        current
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        changes,
    )
}

pub fn build_href(
    path: &str,
    mut params: Vec<(String, String)>,
    changes: &[(&str, Option<String>)],
) -> String {
    let touches_page = changes.iter().any(|(k, _)| *k == "page");
    if !touches_page {
        params.retain(|(k, _)| k != "page");
    }
    for (key, value) in changes {
        params.retain(|(k, _)| k != key);
        if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
            params.push(((*key).to_owned(), v.clone()));
        }
    }
    params.sort();
    if params.is_empty() {
        path.to_owned()
    } else {
        let qs: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        format!("{path}?{}", qs.join("&"))
    }
}

/// The search box: a GET form (Enter submits, also without JS); once hydrated it follows
/// typing after a short pause. `/` focuses it.
#[component]
pub fn SearchBox(#[prop(into)] placeholder: String) -> impl IntoView {
    let query = use_location().query;
    let initial = query.get_untracked().get("q").unwrap_or_default();
    let input = NodeRef::<leptos::html::Input>::new();
    let navigate = use_navigate();
    let pending: StoredValue<Option<leptos::prelude::TimeoutHandle>> = StoredValue::new(None);
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        if let Some(h) = pending.get_value() {
            h.clear();
        }
        let navigate = navigate.clone();
        let handle = set_timeout_with_handle(
            move || {
                let href = href_with(&[("q", Some(value.clone()))]);
                navigate(
                    &href,
                    NavigateOptions {
                        replace: true,
                        scroll: false,
                        ..Default::default()
                    },
                );
            },
            std::time::Duration::from_millis(300),
        )
        .ok();
        pending.set_value(handle);
    };
    // `/` anywhere (but in a text field) jumps to the search.
    Effect::new(move |_| {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() == "/" && !typing_in_a_field(&ev) {
                if let Some(el) = input.get_untracked() {
                    ev.prevent_default();
                    let _ = el.focus();
                }
            }
        });
        on_cleanup(move || handle.remove());
    });
    let hidden = move || {
        query
            .get()
            .into_iter()
            .filter(|(k, _)| k != "q" && k != "page")
            .map(|(k, v)| view! { <input type="hidden" name=k.to_string() value=v /> })
            .collect_view()
    };
    view! {
        <form method="get" role="search" class="relative w-full max-w-sm" on:submit=|ev| ev.prevent_default()>
            {hidden}
            <input
                node_ref=input
                type="search"
                name="q"
                value=initial
                placeholder=placeholder
                aria-label="Search"
                on:input=on_input
                data-testid="list-search"
                class="block w-full rounded-lg border-0 bg-white py-2 pl-3 pr-10 text-sm text-zinc-900 shadow-sm ring-1 ring-inset ring-zinc-300 placeholder:text-zinc-400 focus:ring-2 focus:ring-inset focus:ring-brand-600 dark:bg-zinc-900 dark:text-zinc-100 dark:ring-zinc-700"
            />
            <kbd class="pointer-events-none absolute right-2 top-1/2 -translate-y-1/2 rounded border border-zinc-200 px-1.5 text-xs text-zinc-400 dark:border-zinc-700">
                "/"
            </kbd>
        </form>
    }
}

fn typing_in_a_field(ev: &web_sys::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .map(|el| {
            matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || el.has_attribute("contenteditable")
        })
        .unwrap_or(false)
}

/// A column header that sorts by `key` (click again to reverse).
#[component]
pub fn SortHeader(
    #[prop(into)] label: String,
    key: &'static str,
    #[prop(optional, into)] class: String,
) -> impl IntoView {
    let query = use_location().query;
    let current = move || query.read().get("sort").unwrap_or_default();
    let href = move || {
        let next = if current() == key {
            format!("-{key}")
        } else {
            key.to_owned()
        };
        href_with(&[("sort", Some(next))])
    };
    let arrow = move || match current() {
        c if c == key => "↑",
        c if c.strip_prefix('-') == Some(key) => "↓",
        _ => "",
    };
    let sorted = move || match current() {
        c if c == key => "ascending",
        c if c.strip_prefix('-') == Some(key) => "descending",
        _ => "none",
    };
    view! {
        <th scope="col" aria-sort=sorted class=format!("px-4 py-3 font-medium {class}")>
            <A href=href attr:class="inline-flex items-center gap-1 hover:text-zinc-900 dark:hover:text-white">
                {label}
                <span class="text-brand-600 dark:text-brand-400">{arrow}</span>
            </A>
        </th>
    }
}

/// "1–50 of 1,234" with previous/next links; "of 10,050+" when the count stopped early.
#[component]
pub fn Pager(
    page: u64,
    per_page: u64,
    total: u64,
    #[prop(default = true)] exact: bool,
) -> impl IntoView {
    let first = if total == 0 {
        0
    } else {
        (page - 1) * per_page + 1
    };
    let last = (page * per_page).min(total);
    let more = crate::types::has_next(page, per_page, total, exact);
    let link = |p: u64| href_with(&[("page", (p > 1).then(|| p.to_string()))]);
    let cls = "rounded-lg px-3 py-1.5 text-sm font-medium text-zinc-700 ring-1 ring-inset ring-zinc-300 hover:bg-zinc-50 dark:text-zinc-200 dark:ring-zinc-700 dark:hover:bg-zinc-800";
    view! {
        <div class="flex items-center justify-between gap-4 px-1 py-3 text-sm text-zinc-500 dark:text-zinc-400" data-testid="pager">
            <span>{range_label(first, last, total, exact)}</span>
            <div class="flex gap-2">
                {(page > 1).then(|| view! { <A href=link(page - 1) attr:class=cls attr:rel="prev">"Previous"</A> })}
                {more.then(|| view! { <A href=link(page + 1) attr:class=cls attr:rel="next">"Next"</A> })}
            </div>
        </div>
    }
}

fn range_label(first: u64, last: u64, total: u64, exact: bool) -> String {
    if total == 0 {
        "No results".to_owned()
    } else {
        format!(
            "{}–{} of {}{}",
            group_thousands(first),
            group_thousands(last),
            group_thousands(total),
            if exact { "" } else { "+" }
        )
    }
}

/// A filter as a select inside the list's filter form (GET; applies on change once hydrated).
#[component]
pub fn FilterSelect(
    #[prop(into)] label: String,
    name: &'static str,
    options: Vec<(String, String)>,
) -> impl IntoView {
    let query = use_location().query;
    let navigate = use_navigate();
    let current = query.get_untracked().get(name).unwrap_or_default();
    let on_change = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        navigate(&href_with(&[(name, Some(value))]), Default::default());
    };
    view! {
        <label class="flex items-center gap-2 text-sm text-zinc-600 dark:text-zinc-300">
            <span class="sr-only">{label.clone()}</span>
            <select
                name=name
                on:change=on_change
                data-testid=format!("filter-{name}")
                class="rounded-lg border-0 bg-white py-1.5 pl-3 pr-8 text-sm text-zinc-700 shadow-sm ring-1 ring-inset ring-zinc-300 focus:ring-2 focus:ring-brand-600 dark:bg-zinc-900 dark:text-zinc-200 dark:ring-zinc-700"
                inner_html=options_html(
                    std::iter::once((String::new(), format!("All {}", label.to_lowercase()))).chain(options),
                    &current,
                )
            ></select>
        </label>
    }
}

/// `<option>` markup for a `<select>` whose options come from data. Set as the select's
/// `inner_html` rather than rendered as child views: hydrating a list of `<option>` views
/// failed intermittently in Chromium ("expected a marker node" inside the `<select>`), and
/// static markup has no markers to mismatch.
pub fn options_html(options: impl IntoIterator<Item = (String, String)>, selected: &str) -> String {
    use crate::escape_html;
    options
        .into_iter()
        .map(|(value, text)| {
            format!(
                r#"<option value="{}"{}>{}</option>"#,
                escape_html(&value),
                if value == selected { " selected" } else { "" },
                escape_html(&text)
            )
        })
        .collect()
}

/// Active filters as removable chips.
#[component]
pub fn FilterChips(labels: Vec<(&'static str, String)>) -> impl IntoView {
    let query = use_location().query;
    let chips = move || {
        labels
            .iter()
            .filter_map(|(key, label)| {
                let value = query.read().get(key).filter(|v| !v.is_empty())?;
                let href = href_with(&[(key, None)]);
                let text = format!("{label}: {value}");
                let testid = format!("chip-{key}");
                Some(view! {
                    <A href=href attr:class="inline-flex items-center gap-1 rounded-full bg-brand-50 px-2.5 py-1 text-xs font-medium text-brand-700 hover:bg-brand-100 dark:bg-brand-500/10 dark:text-brand-300" attr:data-testid=testid>
                        {text}
                        <span aria-label="Remove filter">"×"</span>
                    </A>
                })
            })
            .collect_view()
    };
    view! { <div class="flex flex-wrap gap-2 empty:hidden">{chips}</div> }
}

/// `j`/`k` move a highlight through the rows of a list, Enter opens the highlighted one.
/// `hrefs` are the rows' links, in order.
pub fn use_row_keys(hrefs: Signal<Vec<String>>) -> RwSignal<Option<usize>> {
    let selected = RwSignal::new(None::<usize>);
    let navigate = use_navigate();
    Effect::new(move |_| {
        let navigate = navigate.clone();
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if typing_in_a_field(&ev) || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
                return;
            }
            let n = hrefs.with_untracked(Vec::len);
            if n == 0 {
                return;
            }
            match ev.key().as_str() {
                "j" => selected.update(|s| *s = Some(s.map_or(0, |i| (i + 1).min(n - 1)))),
                "k" => selected.update(|s| *s = Some(s.map_or(0, |i| i.saturating_sub(1)))),
                "Enter" => {
                    if let Some(i) = selected.get_untracked() {
                        if let Some(href) = hrefs.with_untracked(|h| h.get(i).cloned()) {
                            navigate(&href, Default::default());
                        }
                    }
                }
                _ => return,
            }
            ev.prevent_default();
        });
        on_cleanup(move || handle.remove());
    });
    selected
}

/// The arrow shown at the end of clickable rows.
#[component]
pub fn RowArrow() -> impl IntoView {
    view! { <Icon d=ARROW_RIGHT class="size-4 text-zinc-300 group-hover:text-zinc-500 dark:text-zinc-600" /> }
}

#[cfg(test)]
mod tests {
    use super::{build_href, range_label};

    #[test]
    fn a_stopped_count_reads_as_at_least() {
        assert_eq!(range_label(1, 50, 10_050, false), "1–50 of 10,050+");
        assert_eq!(range_label(51, 75, 75, true), "51–75 of 75");
        assert_eq!(range_label(0, 0, 0, true), "No results");
    }

    #[test]
    fn hrefs_keep_other_parameters_and_reset_the_page() {
        let params = vec![
            ("q".to_owned(), "acme".to_owned()),
            ("page".to_owned(), "3".to_owned()),
        ];
        assert_eq!(
            build_href(
                "/w/x/companies",
                params.clone(),
                &[("sort", Some("-name".into()))]
            ),
            "/w/x/companies?q=acme&sort=-name"
        );
        assert_eq!(
            build_href(
                "/w/x/companies",
                params.clone(),
                &[("page", Some("4".into()))]
            ),
            "/w/x/companies?page=4&q=acme"
        );
        assert_eq!(
            build_href("/w/x/companies", params, &[("q", None)]),
            "/w/x/companies"
        );
        assert_eq!(
            build_href("/p", vec![], &[("q", Some("a b&c".into()))]),
            "/p?q=a%20b%26c"
        );
    }
}

#[cfg(test)]
mod options_tests {
    use super::options_html;

    #[test]
    fn options_are_escaped_and_one_is_selected() {
        let html = options_html(
            [
                ("".to_owned(), "All".to_owned()),
                ("a\"b".to_owned(), "<script>x</script>".to_owned()),
            ],
            "a\"b",
        );
        assert_eq!(
            html,
            r#"<option value="">All</option><option value="a&quot;b" selected>&lt;script&gt;x&lt;/script&gt;</option>"#
        );
    }
}
