//! Reusable UI: layout, icons, theme, cards and other building blocks. No SQL, no fetching
//! of data of their own except where a component is a whole feature (e.g. the status card).

pub mod charts;
pub mod error_page;
pub mod form;
pub mod format;
pub mod icons;
pub mod layout;
pub mod list;
pub mod live;
pub mod markdown;
pub mod provenance;
pub mod session;
pub mod system_status;
pub mod theme;
pub mod ui;
