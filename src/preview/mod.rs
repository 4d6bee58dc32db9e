//! The live preview (`renja preview`): watches the edition and `layouts/`, recompiles
//! incrementally with one long-lived typst World, and serves the pages to the browser.
