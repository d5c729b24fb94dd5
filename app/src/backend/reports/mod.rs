//! Report generators and renderers: market, competitor and pipeline reports computed from
//! the workspace's data, written as HTML (with SVG charts), Markdown and PDF.

pub mod narrative;
