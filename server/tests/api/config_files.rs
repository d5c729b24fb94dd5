//! Leptos.toml (read by the server at run time) and Cargo.toml's
//! `[[workspace.metadata.leptos]]` (read by cargo-leptos at build time) must agree on every
//! key they share, or a deployed binary would look for a bundle the build never made.

use std::path::Path;

fn table(path: &Path) -> toml::Table {
    let text = std::fs::read_to_string(path).unwrap();
    text.parse::<toml::Table>().unwrap()
}

#[test]
fn leptos_toml_agrees_with_cargo_metadata() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let cargo = table(&root.join("Cargo.toml"));
    let build = cargo["workspace"]["metadata"]["leptos"].as_array().unwrap()[0]
        .as_table()
        .unwrap()
        .clone();
    let leptos = table(&root.join("Leptos.toml"));
    let runtime = leptos["package"]["metadata"]["leptos"].as_table().unwrap();

    for key in [
        "output-name",
        "site-root",
        "site-pkg-dir",
        "site-addr",
        "reload-port",
    ] {
        assert_eq!(
            runtime.get(key),
            build.get(key),
            "`{key}` differs between Leptos.toml and Cargo.toml"
        );
    }
    // The one intended difference: a built binary serves the release bundle.
    assert_eq!(runtime["env"].as_str(), Some("PROD"));
}

#[test]
fn the_server_reads_leptos_toml() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let options = server::config::leptos_options(&root.join("Leptos.toml")).unwrap();
    assert_eq!(&*options.output_name, "hyperformant");
    assert_eq!(&*options.site_pkg_dir, "pkg");
}
