//! The layering, checked on the sources: which folders of the app may use which, and which
//! top-level backend module may use which.
//! A unit test rather than a convention, so a new job kind or query cannot quietly tie the
//! modules into a knot again (docs/architecture.md explains the layers).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The composition root: `AppState` holds each service's settings and caches, and services
/// take it as their context, so edges into it are not part of the layering.
const ROOT: &str = "state";

/// What the queue may use: it knows no kind of work (see `job_kinds`).
const QUEUE_MAY_USE: &[&str] = &["db", "entity", "error", "events", "tenant", ROOT];

/// Items re-exported at `crate::backend`, by the module that defines them.
const REEXPORTS: &[(&str, &str)] = &[
    ("AppState", ROOT),
    ("AuthConfig", ROOT),
    ("Error", "error"),
    ("Result", "error"),
    ("WorkspaceId", "tenant"),
];

fn backend_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/backend")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the backend sources are readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without its `#[cfg(test)]` modules (tests may reach anywhere).
fn without_tests(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod tests {")
        .map_or(text, |i| &text[..i])
}

/// The first identifier of each path following `prefix` in `text`: `crate::backend::jobs`
/// gives `jobs`, and a group `crate::backend::{jobs::Jobs, Error}` gives `jobs` and `Error`.
fn names_after<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    let ident = |rest: &'a str| {
        let rest = rest.trim_start();
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        &rest[..end]
    };
    let mut names = Vec::new();
    for (i, _) in text.match_indices(prefix) {
        let rest = &text[i + prefix.len()..];
        let Some(group) = rest.strip_prefix('{') else {
            names.push(ident(rest));
            continue;
        };
        // Items of the group: split at the commas of its own level.
        let (mut depth, mut start) = (0usize, 0usize);
        for (j, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    names.push(ident(&group[start..j]));
                    break;
                }
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    names.push(ident(&group[start..j]));
                    start = j + 1;
                }
                _ => {}
            }
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

/// The top-level backend modules each one uses (through `crate::backend::…` or, from a
/// module's own top file, `super::…`).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let dir = backend_dir();
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    let module_of = |path: &Path| -> Option<String> {
        let rel = path.strip_prefix(&dir).ok()?;
        let first = rel.components().next()?.as_os_str().to_str()?;
        let name = first.trim_end_matches(".rs");
        (name != "mod").then(|| name.to_owned())
    };
    let modules: BTreeSet<String> = files.iter().filter_map(|f| module_of(f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let Some(module) = module_of(file) else {
            continue;
        };
        let text = std::fs::read_to_string(file).expect("a backend source is readable");
        let text = without_tests(&text);
        let top_file = file.parent() == Some(dir.as_path());
        let mut used: Vec<&str> = names_after(text, "crate::backend::");
        if top_file {
            used.extend(names_after(text, "super::"));
        }
        let deps = graph.entry(module.clone()).or_default();
        for name in used {
            let target = REEXPORTS
                .iter()
                .find(|(item, _)| *item == name)
                .map_or(name, |(_, m)| *m);
            if target != module && modules.contains(target) {
                deps.insert(target.to_owned());
            }
        }
    }
    graph
}

/// A cycle among the modules (the root's own edges left out), if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if node == ROOT || done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|start| visit(start, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_backend_modules_form_no_loop() {
    let graph = graph();
    assert!(graph.len() > 10, "the scan found the modules: {graph:?}");
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "backend modules use each other in a loop: {}",
            cycle.join(" → ")
        );
    }
}

#[test]
fn the_queue_knows_no_kind_of_work() {
    let graph = graph();
    let used = &graph["jobs"];
    let extra: Vec<&String> = used
        .iter()
        .filter(|m| !QUEUE_MAY_USE.contains(&m.as_str()))
        .collect();
    assert!(
        extra.is_empty(),
        "backend::jobs uses {extra:?}; register kinds in backend::job_kinds instead"
    );
}

/// (folder under app/src, paths it must not use, why).
const ARROWS_DOWN: &[(&str, &[&str], &str)] = &[
    (
        "components",
        &["crate::pages"],
        "pages compose components, not the other way round",
    ),
    (
        "types",
        &[
            "crate::components",
            "crate::pages",
            "crate::api",
            "crate::backend",
        ],
        "types are plain data shared by every layer",
    ),
    (
        "backend",
        &["crate::pages", "crate::api::"],
        "the backend serves the API, never the reverse",
    ),
    (
        "api",
        &[
            "Entity::find",
            "Entity::update",
            "Entity::delete",
            "Entity::insert",
        ],
        "server functions call the backend; queries live in repositories",
    ),
];

#[test]
fn arrows_point_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    for (folder, forbidden, why) in ARROWS_DOWN {
        let mut files = Vec::new();
        rust_files(&src.join(folder), &mut files);
        assert!(!files.is_empty(), "app/src/{folder} has sources");
        for file in files {
            let rel = file
                .strip_prefix(&src)
                .unwrap_or(&file)
                .display()
                .to_string();
            if rel == "backend/layering.rs" {
                continue; // this checker names the paths it looks for
            }
            let text = std::fs::read_to_string(&file).expect("a source is readable");
            for path in forbidden
                .iter()
                .filter(|p| without_tests(&text).contains(*p))
            {
                wrong.push(format!("{rel} uses {path} ({why})"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The files that may turn a number into a `WorkspaceId`, and why they may.
const MAY_VOUCH: &[(&str, &str)] = &[
    (
        "backend/auth/scope.rs",
        "a Scope's workspace passed the membership check",
    ),
    (
        "backend/jobs/mod.rs",
        "a job was enqueued in its workspace by code holding one",
    ),
    (
        "backend/workspaces.rs",
        "creates workspaces and reads its own table",
    ),
    ("backend/demo/mod.rs", "creates the demo workspace"),
    (
        "backend/schedules.rs",
        "the scheduler reads every workspace's due schedules",
    ),
    (
        "backend/connectors/hubspot/webhook.rs",
        "a signed webhook names its account, whose connectors name their workspace",
    ),
];

#[test]
fn only_checked_code_makes_a_workspace_id() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    for file in files {
        let rel = file
            .strip_prefix(&src)
            .unwrap_or(&file)
            .display()
            .to_string();
        if ["backend/tenant.rs", "backend/layering.rs"].contains(&rel.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("a source is readable");
        let text = without_tests(&text);
        if text.contains("WorkspaceId::vouched") && !MAY_VOUCH.iter().any(|(f, _)| *f == rel) {
            wrong.push(format!("{rel} makes a WorkspaceId from a number"));
        }
        if text.contains("workspaces::by_id") {
            wrong.push(format!(
                "{rel} uses workspaces::by_id (operator commands and tests only)"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn grouped_imports_count() {
    let text = "use crate::backend::{\n    jobs::{Jobs, NewJob},\n    AppState, Result,\n};\nuse crate::backend::events::Bus;";
    assert_eq!(
        names_after(text, "crate::backend::"),
        ["jobs", "AppState", "Result", "events"]
    );
}

#[test]
fn the_check_sees_a_loop_when_there_is_one() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let edge = |g: &mut BTreeMap<String, BTreeSet<String>>, a: &str, b: &str| {
        g.entry(a.into()).or_default().insert(b.into());
    };
    edge(&mut graph, "reports", "delivery");
    edge(&mut graph, "delivery", ROOT);
    edge(&mut graph, ROOT, "reports");
    assert_eq!(
        find_cycle(&graph),
        None,
        "edges out of the root do not count"
    );
    edge(&mut graph, "delivery", "reports");
    assert_eq!(
        find_cycle(&graph).map(|c| c.join(" → ")),
        Some("delivery → reports → delivery".to_owned())
    );
}
