//! Form building blocks: labelled inputs with their error beside them, alerts, and reading a
//! submitted form's values (so one markup serves plain HTML posts and hydrated handlers).

use std::collections::HashMap;

use leptos::prelude::*;

use crate::types::ApiError;

pub const INPUT: &str = "block w-full rounded-lg border-0 bg-white px-3 py-2 text-sm text-zinc-900 shadow-sm ring-1 ring-inset ring-zinc-300 placeholder:text-zinc-400 focus:ring-2 focus:ring-inset focus:ring-brand-600 aria-[invalid=true]:ring-rose-500 dark:bg-zinc-950 dark:text-zinc-100 dark:ring-zinc-700";

/// A labelled input. `error`, when present, is shown under it and marks it invalid.
#[component]
pub fn Field(
    #[prop(into)] label: String,
    #[prop(into)] name: String,
    #[prop(optional, into)] kind: Option<String>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional, into)] error: Signal<Option<String>>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional, into)] placeholder: Option<String>,
    #[prop(optional, into)] autocomplete: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional)] autofocus: bool,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    view! {
        <div>
            <label for=id.clone() class="mb-1.5 block text-sm font-medium text-zinc-700 dark:text-zinc-300">
                {label}
            </label>
            <input
                id=id
                name=name
                type=kind.unwrap_or_else(|| "text".into())
                value=value
                placeholder=placeholder
                autocomplete=autocomplete
                required=required
                autofocus=autofocus
                class=INPUT
                aria-invalid=move || error.get().is_some().to_string()
                aria-describedby=error_id.clone()
            />
            {hint.map(|h| view! { <p class="mt-1 text-xs text-zinc-500">{h}</p> })}
            <p id=error_id class="mt-1 text-xs text-rose-600 empty:hidden dark:text-rose-400" role="alert">
                {move || error.get()}
            </p>
        </div>
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertKind {
    Error,
    Success,
    Info,
}

#[component]
pub fn Alert(kind: AlertKind, children: Children) -> impl IntoView {
    let class = match kind {
        AlertKind::Error => "border-rose-200 bg-rose-50 text-rose-800 dark:border-rose-500/30 dark:bg-rose-500/10 dark:text-rose-200",
        AlertKind::Success => "border-emerald-200 bg-emerald-50 text-emerald-800 dark:border-emerald-500/30 dark:bg-emerald-500/10 dark:text-emerald-200",
        AlertKind::Info => "border-brand-200 bg-brand-50 text-brand-800 dark:border-brand-500/30 dark:bg-brand-500/10 dark:text-brand-200",
    };
    view! {
        <div role=if kind == AlertKind::Error { "alert" } else { "status" } class=format!("rounded-lg border px-3.5 py-2.5 text-sm {class}")>
            {children()}
        </div>
    }
}

/// The message of a failed call, or the message for `field` when the error names it.
pub fn field_error(result: Option<Result<impl Clone, ApiError>>, field: &str) -> Option<String> {
    match result {
        Some(Err(e)) => e.field(field).map(str::to_owned),
        _ => None,
    }
}

/// A failed call's general message (when it is not about one field).
pub fn general_error<T>(result: &Option<Result<T, ApiError>>) -> Option<String> {
    match result {
        Some(Err(e)) if e.fields.is_empty() => Some(e.message.clone()),
        _ => None,
    }
}

/// The submitted form's fields, for handlers that take over a form's submit once hydrated.
pub fn form_values(ev: &leptos::ev::SubmitEvent) -> HashMap<String, String> {
    use wasm_bindgen::JsCast;
    let mut out = HashMap::new();
    let Some(form) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
    else {
        return out;
    };
    let Ok(data) = web_sys::FormData::new_with_form(&form) else {
        return out;
    };
    let Ok(Some(iter)) = js_sys::try_iter(&data.entries()) else {
        return out;
    };
    for entry in iter.flatten() {
        let pair: js_sys::Array = entry.unchecked_into();
        if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
            out.insert(k, v);
        }
    }
    out
}

/// Copies `text` to the clipboard (used by "copy link" / "copy token" buttons).
pub fn copy_to_clipboard(text: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}
