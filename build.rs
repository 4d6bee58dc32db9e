//! Build script: which external tools the real-client tests can use. Each installed tool group
//! (tests/common/tools.rs) becomes `cfg(renja_tools = "GROUP")`; a test needing a group that is
//! missing carries `#[cfg_attr(not(renja_tools = "GROUP"), ignore = "…")]` and is reported as
//! ignored. Under CI=true every group is set, so those tests run (and fail if a tool is missing).
//! The check re-runs when PATH, CI, CHROMIUM or RENJA_TOOLS_SEEN (set by tests/run.sh to what is
//! installed) change; after installing a tool by hand, `touch build.rs`.

use std::path::Path;

include!("tests/common/tools.rs");

fn main() {
    for f in ["build.rs", "tests/common/tools.rs"] {
        println!("cargo::rerun-if-changed={f}");
    }
    for v in ["PATH", "CI", "CHROMIUM", "RENJA_TOOLS_SEEN"] {
        println!("cargo::rerun-if-env-changed={v}");
    }
    let groups: Vec<String> = TOOL_GROUPS.iter().map(|(g, _)| format!("\"{g}\"")).collect();
    println!("cargo::rustc-check-cfg=cfg(renja_tools, values({}))", groups.join(", "));
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let root = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    for (g, _) in TOOL_GROUPS {
        if ci || missing_tools(g, Path::new(&root)).is_empty() {
            println!("cargo::rustc-cfg=renja_tools=\"{g}\"");
        }
    }
}
