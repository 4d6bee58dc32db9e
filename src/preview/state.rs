//! The preview's shared state: the last good pages (SVG, text layer, hash), the current
//! diagnostics and the status line, plus the broadcast of changes to every connected tab.
//! The compiler thread writes it; the server reads a snapshot for each new or lagging tab.
//!
//! Messages (JSON over the WebSocket) have one shape:
//! `{type: "snapshot"|"update", version, page_count, pages: [{i, hash, w, h, svg, text}],
//!   errors: [{loc, message, hint?}], warnings: [...], updated_ms, render_ms, failed_ms}`.
//! A snapshot carries every page; an update only the pages that changed since `version - 1`.
//! `updated_ms`/`render_ms` describe the last good render, `failed_ms` the last failed one.

use crate::diag::{Diagnostic, Diagnostics, Severity};
use serde::Serialize;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// One rendered page. Its JSON (SVG and text escaped) is made once, when the page is rendered,
/// so snapshots for new tabs are a concatenation, not a 20 MB serialisation.
#[derive(Debug, Clone)]
pub struct PageView {
    pub hash: u128,
    pub text: Arc<str>,
    /// `"hash":…,"w":…,"h":…,"svg":…,"text":…` (an object without its braces and index).
    json: Arc<str>,
}

impl PageView {
    /// A page from its content hash, SVG, text layer and size in points.
    pub fn new(hash: u128, svg: &str, text: &str, width: f64, height: f64) -> PageView {
        #[derive(Serialize)]
        struct Body<'a> {
            hash: String,
            w: f64,
            h: f64,
            svg: &'a str,
            text: &'a str,
        }
        let body = serde_json::to_string(&Body { hash: format!("{hash:032x}"), w: width, h: height, svg, text })
            .expect("page serialises");
        let json = Arc::from(&body[1..body.len() - 1]);
        PageView { hash, text: Arc::from(text), json }
    }
}

/// A diagnostic as the page shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Message {
    /// `file:line:col`
    pub loc: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl From<&Diagnostic> for Message {
    fn from(d: &Diagnostic) -> Self {
        Message { loc: d.loc.to_string(), message: d.message.clone(), hint: d.hint.clone() }
    }
}

/// Splits diagnostics into (errors, warnings) for the overlay and the side panel.
pub fn split(diags: &Diagnostics) -> (Vec<Message>, Vec<Message>) {
    let errors = diags.iter().filter(|d| d.severity == Severity::Error).map(Message::from).collect();
    let warnings = diags.iter().filter(|d| d.severity == Severity::Warning).map(Message::from).collect();
    (errors, warnings)
}

/// The current view.
#[derive(Debug, Default)]
pub struct State {
    /// Incremented with every published change.
    pub version: u64,
    pub pages: Vec<PageView>,
    pub errors: Vec<Message>,
    pub warnings: Vec<Message>,
    /// Unix time (ms) of the last good render, and how long it took.
    pub updated_ms: u64,
    pub render_ms: u64,
    /// Unix time (ms) of the last failed render (0 if none since the last good one).
    pub failed_ms: u64,
    /// How many compiles ran (good or not).
    pub compiles: u64,
}

/// A published change: its version and the JSON text sent to every tab.
#[derive(Debug, Clone)]
pub struct Broadcast {
    pub version: u64,
    pub json: axum::extract::ws::Utf8Bytes,
}

/// The state and the broadcast channel, shared between the compiler and the server.
#[derive(Clone)]
pub struct Shared {
    inner: Arc<Mutex<State>>,
    tx: broadcast::Sender<Broadcast>,
}

#[derive(Serialize)]
struct MsgJson<'a> {
    r#type: &'a str,
    version: u64,
    page_count: usize,
    errors: &'a [Message],
    warnings: &'a [Message],
    updated_ms: u64,
    render_ms: u64,
    failed_ms: u64,
}

fn message(state: &State, kind: &str, indices: &[usize]) -> String {
    let m = MsgJson {
        r#type: kind,
        version: state.version,
        page_count: state.pages.len(),
        errors: &state.errors,
        warnings: &state.warnings,
        updated_ms: state.updated_ms,
        render_ms: state.render_ms,
        failed_ms: state.failed_ms,
    };
    let head = serde_json::to_string(&m).expect("preview message serialises");
    let pages: Vec<(usize, &PageView)> = indices.iter().filter_map(|&i| state.pages.get(i).map(|p| (i, p))).collect();
    let mut out = String::with_capacity(head.len() + 16 + pages.iter().map(|(_, p)| p.json.len() + 16).sum::<usize>());
    out.push_str(&head[..head.len() - 1]);
    out.push_str(",\"pages\":[");
    for (n, (i, p)) in pages.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(&format!("{{\"i\":{i},"));
        out.push_str(&p.json);
        out.push('}');
    }
    out.push_str("]}");
    out
}

/// What the compiler publishes after one compile.
pub enum Outcome {
    /// A good render: the full new page list (unchanged pages reuse their old `PageView`),
    /// the indices of pages that changed, and the warnings.
    Good { pages: Vec<PageView>, changed: Vec<usize>, warnings: Vec<Message>, render_ms: u64 },
    /// The sources (or the layout) are invalid: the pages stay.
    Failed { errors: Vec<Message>, warnings: Vec<Message> },
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

impl Shared {
    pub fn new() -> Self {
        // A tab that falls this many messages behind gets a fresh snapshot instead. Kept small:
        // the channel holds on to its last messages, and one message can carry every page.
        let (tx, _) = broadcast::channel(8);
        Shared { inner: Arc::new(Mutex::new(State::default())), tx }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves consistent data (every write is a
        // whole-field replacement), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies a compile's outcome and broadcasts the change. Sending happens under the lock,
    /// so a tab that takes a snapshot and subscribes under the same lock misses nothing and
    /// sees nothing twice.
    pub fn publish(&self, outcome: Outcome) {
        let mut st = self.lock();
        st.compiles += 1;
        let changed = match outcome {
            Outcome::Good { pages, changed, warnings, render_ms } => {
                st.pages = pages;
                st.errors.clear();
                st.warnings = warnings;
                st.updated_ms = now_ms();
                st.render_ms = render_ms;
                st.failed_ms = 0;
                changed
            }
            Outcome::Failed { errors, warnings } => {
                st.errors = errors;
                st.warnings = warnings;
                st.failed_ms = now_ms();
                Vec::new()
            }
        };
        st.version += 1;
        let json = message(&st, "update", &changed);
        let _ = self.tx.send(Broadcast { version: st.version, json: json.into() });
    }

    /// A full snapshot for a new tab, and a receiver for every later change.
    pub fn subscribe(&self) -> (Broadcast, broadcast::Receiver<Broadcast>) {
        let st = self.lock();
        let all: Vec<usize> = (0..st.pages.len()).collect();
        let snap = Broadcast { version: st.version, json: message(&st, "snapshot", &all).into() };
        (snap, self.tx.subscribe())
    }

    /// A snapshot only (for a tab that lagged behind).
    pub fn snapshot(&self) -> Broadcast {
        let st = self.lock();
        let all: Vec<usize> = (0..st.pages.len()).collect();
        Broadcast { version: st.version, json: message(&st, "snapshot", &all).into() }
    }

    /// A small summary without the pages, for `/status` (tests and benchmarks).
    pub fn status_json(&self) -> String {
        let st = self.lock();
        serde_json::json!({
            "version": st.version,
            "compiles": st.compiles,
            "page_count": st.pages.len(),
            "page_hashes": st.pages.iter().map(|p| format!("{:032x}", p.hash)).collect::<Vec<_>>(),
            "errors": st.errors,
            "warnings": st.warnings.len(),
            "updated_ms": st.updated_ms,
            "render_ms": st.render_ms,
            "failed_ms": st.failed_ms,
            "clients": self.tx.receiver_count(),
        })
        .to_string()
    }
}

impl Default for Shared {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(h: u128) -> PageView {
        PageView::new(h, "<svg/>", &format!("halaman {h}"), 10.0, 20.0)
    }

    #[test]
    fn updates_carry_only_changed_pages_and_failures_keep_pages() {
        let s = Shared::new();
        let (snap, mut rx) = s.subscribe();
        assert_eq!(snap.version, 0);
        s.publish(Outcome::Good { pages: vec![page(1), page(2)], changed: vec![0, 1], warnings: vec![], render_ms: 5 });
        let m: serde_json::Value = serde_json::from_str(rx.try_recv().unwrap().json.as_str()).unwrap();
        assert_eq!(m["pages"].as_array().unwrap().len(), 2);
        s.publish(Outcome::Good { pages: vec![page(1), page(3)], changed: vec![1], warnings: vec![], render_ms: 5 });
        let m: serde_json::Value = serde_json::from_str(rx.try_recv().unwrap().json.as_str()).unwrap();
        assert_eq!(m["version"], 2);
        assert_eq!(m["pages"].as_array().unwrap().len(), 1);
        assert_eq!(m["pages"][0]["i"], 1);
        assert_eq!(m["pages"][0]["text"], "halaman 3");
        assert_eq!(m["pages"][0]["svg"], "<svg/>");
        assert_eq!(m["pages"][0]["w"], 10.0);
        assert_eq!(m["pages"][0]["hash"], format!("{:032x}", 3));
        let err = Message { loc: "bab/01.md:3:1".into(), message: "rusak".into(), hint: None };
        s.publish(Outcome::Failed { errors: vec![err.clone()], warnings: vec![] });
        let m: serde_json::Value = serde_json::from_str(rx.try_recv().unwrap().json.as_str()).unwrap();
        assert_eq!(m["errors"][0]["loc"], "bab/01.md:3:1");
        assert_eq!(m["page_count"], 2, "the last good pages stay");
        assert!(m["pages"].as_array().unwrap().is_empty());
        // A tab connecting now gets every page and the error.
        let (snap, _) = s.subscribe();
        let m: serde_json::Value = serde_json::from_str(snap.json.as_str()).unwrap();
        assert_eq!(m["type"], "snapshot");
        assert_eq!(m["version"], 3);
        assert_eq!(m["pages"].as_array().unwrap().len(), 2);
        assert_eq!(m["errors"].as_array().unwrap().len(), 1);
    }
}
