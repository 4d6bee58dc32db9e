// The external tools the real-client tests use, in groups, and how to tell whether a group is
// installed. Shared, by `include!`, between build.rs (which turns each installed group into
// `cfg(renja_tools = "GROUP")`, so a test whose tools are missing is reported as *ignored*, not
// as passed) and tests/common/mod.rs (whose `require` re-checks at run time). Under CI=true every
// group counts as installed: the tests run, and a missing tool fails them.
//
// A tool is a command on PATH, `py:MODULE` (a Python 3 module), or `path:FILE` (absolute, or
// relative to the crate root); `chromium` is `$CHROMIUM`, else /usr/bin/chromium.

/// (group, tools).
pub const TOOL_GROUPS: &[(&str, &[&str])] = &[
    ("poppler", &["pdftotext", "pdfinfo", "pdftoppm", "pdfimages", "pdffonts", "pdftohtml"]),
    ("sign", &["openssl", "pdfsig", "certutil", "bash"]),
    ("pyhanko", &["pyhanko"]),
    ("qpdf", &["qpdf"]),
    ("python", &["python3"]),
    ("python-docx", &["python3", "py:docx"]),
    // Workbooks made and read by the Excel tests (openpyxl), a password-protected one (msoffcrypto).
    ("openpyxl", &["python3", "py:openpyxl", "py:msoffcrypto"]),
    ("libreoffice", &["soffice"]),
    ("zbar", &["zbarimg"]),
    ("browser", &["chromium", "node", "path:tests/e2e/node_modules/playwright-core"]),
    ("schemathesis", &["st"]),
    // The web interface's asset script (web/build.sh: npm ci + esbuild).
    ("web", &["node", "npm"]),
    // The service suite's PostgreSQL run (tests/service.rs): psql makes each test's database in
    // the throwaway cluster tests/run.sh starts (Debian's postgresql: initdb, pg_ctl).
    ("postgres", &["psql"]),
];

/// The tools of `group` that are not installed (all of them for an unknown group).
pub fn missing_tools(group: &str, root: &std::path::Path) -> Vec<&'static str> {
    let Some((_, tools)) = TOOL_GROUPS.iter().find(|(g, _)| *g == group) else {
        return vec!["(unknown tool group)"];
    };
    tools.iter().copied().filter(|t| !tool_installed(t, root)).collect()
}

fn tool_installed(tool: &str, root: &std::path::Path) -> bool {
    if let Some(module) = tool.strip_prefix("py:") {
        return std::process::Command::new("python3")
            .args(["-c", &format!("import {module}")])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    }
    if let Some(path) = tool.strip_prefix("path:") {
        return root.join(path).exists();
    }
    if tool == "chromium" {
        let p = std::env::var_os("CHROMIUM").map(std::path::PathBuf::from).unwrap_or_else(|| "/usr/bin/chromium".into());
        return p.is_file();
    }
    std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(tool).is_file()))
}
