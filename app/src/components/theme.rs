//! Light, dark, or whatever the system prefers. The choice lives in a cookie so the server
//! renders the right class on `<html>` — no flash on load, and it works without JavaScript
//! (with no choice made, CSS follows `prefers-color-scheme`; see style/main.css).

use leptos::prelude::*;
use leptos_meta::Html;

use super::icons::{Icon, DESKTOP, MOON, SUN};

pub const THEME_COOKIE: &str = "hf_theme";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ThemePref {
    #[default]
    System,
    Light,
    Dark,
}

impl ThemePref {
    pub fn parse(value: &str) -> Self {
        match value {
            "light" => ThemePref::Light,
            "dark" => ThemePref::Dark,
            _ => ThemePref::System,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ThemePref::System => "system",
            ThemePref::Light => "light",
            ThemePref::Dark => "dark",
        }
    }

    /// The class on `<html>`; empty means "follow the system".
    pub fn html_class(self) -> &'static str {
        match self {
            ThemePref::System => "",
            ThemePref::Light => "light",
            ThemePref::Dark => "dark",
        }
    }

    /// The order the toggle walks through.
    pub fn next(self) -> Self {
        match self {
            ThemePref::System => ThemePref::Light,
            ThemePref::Light => ThemePref::Dark,
            ThemePref::Dark => ThemePref::System,
        }
    }

    fn label(self) -> &'static str {
        match self {
            ThemePref::System => "System theme",
            ThemePref::Light => "Light theme",
            ThemePref::Dark => "Dark theme",
        }
    }
}

/// The value of cookie `name` in a `Cookie:` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

#[derive(Clone, Copy)]
pub struct Theme(pub RwSignal<ThemePref>);

fn initial_theme() -> ThemePref {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| {
                parts
                    .headers
                    .get_all(http::header::COOKIE)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .find_map(|h| cookie_value(h, THEME_COOKIE).map(ThemePref::parse))
            })
            .unwrap_or_default()
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        use wasm_bindgen::JsCast;
        document()
            .dyn_into::<web_sys::HtmlDocument>()
            .ok()
            .and_then(|d| d.cookie().ok())
            .and_then(|c| cookie_value(&c, THEME_COOKIE).map(ThemePref::parse))
            .unwrap_or_default()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        ThemePref::System
    }
}

/// Reads the saved choice and keeps `<html class>` in step with it.
pub fn provide_theme() -> Theme {
    let theme = Theme(RwSignal::new(initial_theme()));
    provide_context(theme);
    theme
}

/// Renders the `<html class>` for the current theme (place once, inside the app).
#[component]
pub fn ThemeClass() -> impl IntoView {
    let Theme(theme) = expect_context::<Theme>();
    view! { <Html {..} class=move || theme.get().html_class() /> }
}

fn save(pref: ThemePref) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Ok(doc) = document().dyn_into::<web_sys::HtmlDocument>() {
            let _ = doc.set_cookie(&format!(
                "{THEME_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                pref.as_str()
            ));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = pref;
}

/// Cycles system → light → dark. Only does anything once the page has hydrated.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let Theme(theme) = expect_context::<Theme>();
    let on_click = move |_| {
        let next = theme.get_untracked().next();
        theme.set(next);
        save(next);
    };
    view! {
        <button
            type="button"
            on:click=on_click
            data-testid="theme-toggle"
            data-theme=move || theme.get().as_str()
            title=move || format!("{} — click to switch", theme.get().label())
            aria-label=move || format!("{} — click to switch", theme.get().label())
            class="inline-flex size-9 items-center justify-center rounded-lg text-zinc-500 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-brand-500 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100"
        >
            {move || match theme.get() {
                ThemePref::System => view! { <Icon d=DESKTOP class="size-5" /> },
                ThemePref::Light => view! { <Icon d=SUN class="size-5" /> },
                ThemePref::Dark => view! { <Icon d=MOON class="size-5" /> },
            }}
        </button>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_theme_cookie_among_others() {
        assert_eq!(
            cookie_value("a=1; hf_theme=dark; b=2", THEME_COOKIE),
            Some("dark")
        );
        assert_eq!(cookie_value("hf_theme=light", THEME_COOKIE), Some("light"));
        assert_eq!(cookie_value("other=1", THEME_COOKIE), None);
        assert_eq!(ThemePref::parse("nonsense"), ThemePref::System);
    }

    #[test]
    fn toggle_walks_all_three() {
        let start = ThemePref::System;
        assert_eq!(start.next().next().next(), start);
        assert_ne!(start.next(), start);
    }
}
