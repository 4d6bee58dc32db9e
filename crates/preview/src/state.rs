//! The preview's shared state: the last good pages (SVG, text layer, hash), the current
//! diagnostics and the status line, plus the broadcast of changes to every connected tab.
//! The compiler thread writes it; the server reads a snapshot for each new or lagging tab.
//!
//! Messages (JSON over the WebSocket) have one shape:
//! `{type: "snapshot"|"update", version, part, parts, page_count, pages: [{i, hash, w, h, svg, text}],
//!   errors: [{loc, message, hint?}], warnings: [...], updated_ms, render_ms, failed_ms}`.
//! A snapshot carries every page; an update only the pages that changed since `version - 1`.
//! `updated_ms`/`render_ms` describe the last good render, `failed_ms` the last failed one.
//! One change may be sent as several messages ("parts") of the same type and version, each
//! with the header and some of the pages (at most [`PART_BYTES`] of pages, or one page; the
//! `warnings` only in the first and the last part, empty in the others; an update whose
//! warnings are those of the version before carries none and `warnings_unchanged: true`):
//! no WebSocket message is larger than a page, so a connection's send buffer never has to
//! hold a whole 20 MB snapshot. The page applies each part as it comes.
//!
//! Each change's parts are made once and shared (reference-counted) by every tab; the
//! snapshot of a version is made once, by the first tab that asks for it, and shared too.

use renja_core::diag::{Diagnostic, Diagnostics, Severity};
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
    /// Whether the last change changed the warnings (an update whose warnings are those of the
    /// version before says so instead of repeating them).
    pub warnings_changed: bool,
    /// Unix time (ms) of the last good render, and how long it took.
    pub updated_ms: u64,
    pub render_ms: u64,
    /// Unix time (ms) of the last failed render (0 if none since the last good one).
    pub failed_ms: u64,
    /// How many compiles ran (good or not).
    pub compiles: u64,
}

/// A published change (or a snapshot): its version and the messages sent to every tab, made
/// once and shared by all of them (cloning a `Broadcast` copies no text).
#[derive(Debug, Clone)]
pub struct Broadcast {
    pub version: u64,
    pub parts: Arc<[axum::extract::ws::Utf8Bytes]>,
}

/// The largest amount of page JSON put into one message (a larger page goes alone).
pub const PART_BYTES: usize = 1 << 20;

/// The state and the broadcast channel, shared between the compiler and the server.
#[derive(Clone)]
pub struct Shared {
    inner: Arc<Mutex<Inner>>,
    tx: broadcast::Sender<Broadcast>,
}

struct Inner {
    state: State,
    /// The snapshot of `state.version`, once a tab asked for it.
    snapshot: Option<Broadcast>,
}

#[derive(Serialize)]
struct MsgJson<'a> {
    r#type: &'a str,
    version: u64,
    /// This message's place among the messages of its change (0-based), and their number.
    part: usize,
    parts: usize,
    page_count: usize,
    errors: &'a [Message],
    warnings: &'a [Message],
    /// The warnings are those of the version before (an update only; `warnings` is then empty).
    warnings_unchanged: bool,
    updated_ms: u64,
    render_ms: u64,
    failed_ms: u64,
}

/// The messages of one change: the header, then the pages of `indices` split into parts of at
/// most [`PART_BYTES`] (a page larger than that alone). Always at least one message.
fn message(state: &State, kind: &str, indices: &[usize]) -> Vec<String> {
    let pages: Vec<(usize, &PageView)> = indices.iter().filter_map(|&i| state.pages.get(i).map(|p| (i, p))).collect();
    let mut groups: Vec<&[(usize, &PageView)]> = Vec::new();
    let mut start = 0;
    let mut size = 0;
    for (n, (_, p)) in pages.iter().enumerate() {
        if n > start && size + p.json.len() > PART_BYTES {
            groups.push(&pages[start..n]);
            start = n;
            size = 0;
        }
        size += p.json.len();
    }
    groups.push(&pages[start..]);
    let parts = groups.len();
    // The warnings go in the first and the last part only (the preview page reads the first,
    // the workspace's the last): a large edition has a thousand warnings (≈ 200 KB of JSON),
    // and repeating them in every part of an 80-page change was a fifth of its bytes. The
    // errors (a few, and only while the sources are invalid) stay in every part: the pages
    // show the overlay from any part.
    // An update whose warnings are those of the version before carries none and says so
    // (`warnings_unchanged`): every tab has seen that version (a tab that fell behind gets a
    // snapshot, which always carries them), and at ×16 they were 190 KB of every update.
    let unchanged = kind == "update" && !state.warnings_changed;
    let with_warnings = |part: usize| !unchanged && (part == 0 || part + 1 == parts);
    groups
        .into_iter()
        .enumerate()
        .map(|(part, group)| {
            let m = MsgJson {
                r#type: kind,
                version: state.version,
                part,
                parts,
                page_count: state.pages.len(),
                errors: &state.errors,
                warnings: if with_warnings(part) { &state.warnings } else { &[] },
                warnings_unchanged: unchanged,
                updated_ms: state.updated_ms,
                render_ms: state.render_ms,
                failed_ms: state.failed_ms,
            };
            let head = serde_json::to_string(&m).expect("preview message serialises");
            let head = &head[..head.len() - 1];
            let mut out = String::with_capacity(head.len() + 16 + group.iter().map(|(_, p)| p.json.len() + 16).sum::<usize>());
            out.push_str(head);
            out.push_str(",\"pages\":[");
            for (n, (i, p)) in group.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                out.push_str(&format!("{{\"i\":{i},"));
                out.push_str(&p.json);
                out.push('}');
            }
            out.push_str("]}");
            out
        })
        .collect()
}

fn broadcast_of(state: &State, kind: &str, indices: &[usize]) -> Broadcast {
    Broadcast { version: state.version, parts: message(state, kind, indices).into_iter().map(Into::into).collect() }
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
        Shared { inner: Arc::new(Mutex::new(Inner { state: State::default(), snapshot: None })), tx }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves consistent data (every write is a
        // whole-field replacement), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies a compile's outcome and broadcasts the change. Sending happens under the lock,
    /// so a tab that takes a snapshot and subscribes under the same lock misses nothing and
    /// sees nothing twice.
    pub fn publish(&self, outcome: Outcome) {
        let mut inner = self.lock();
        inner.snapshot = None;
        let st = &mut inner.state;
        st.compiles += 1;
        let changed = match outcome {
            Outcome::Good { pages, changed, warnings, render_ms } => {
                st.pages = pages;
                st.errors.clear();
                st.warnings_changed = st.warnings != warnings;
                st.warnings = warnings;
                st.updated_ms = now_ms();
                st.render_ms = render_ms;
                st.failed_ms = 0;
                changed
            }
            Outcome::Failed { errors, warnings } => {
                st.errors = errors;
                st.warnings_changed = st.warnings != warnings;
                st.warnings = warnings;
                st.failed_ms = now_ms();
                Vec::new()
            }
        };
        st.version += 1;
        let update = broadcast_of(st, "update", &changed);
        let _ = self.tx.send(update);
    }

    /// The snapshot of the current version: made by the first tab that asks, then shared.
    fn snapshot_locked(inner: &mut Inner) -> Broadcast {
        if let Some(s) = inner.snapshot.as_ref().filter(|s| s.version == inner.state.version) {
            return s.clone();
        }
        let all: Vec<usize> = (0..inner.state.pages.len()).collect();
        let snap = broadcast_of(&inner.state, "snapshot", &all);
        inner.snapshot = Some(snap.clone());
        snap
    }

    /// A full snapshot for a new tab, and a receiver for every later change.
    pub fn subscribe(&self) -> (Broadcast, broadcast::Receiver<Broadcast>) {
        let mut inner = self.lock();
        let snap = Self::snapshot_locked(&mut inner);
        (snap, self.tx.subscribe())
    }

    /// A snapshot only (for a tab that lagged behind).
    pub fn snapshot(&self) -> Broadcast {
        Self::snapshot_locked(&mut self.lock())
    }

    /// A small summary without the pages, for `/status` (tests and benchmarks).
    pub fn status_json(&self) -> String {
        let inner = self.lock();
        let st = &inner.state;
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
        let m: serde_json::Value = serde_json::from_str(rx.try_recv().unwrap().parts[0].as_str()).unwrap();
        assert_eq!(m["pages"].as_array().unwrap().len(), 2);
        s.publish(Outcome::Good { pages: vec![page(1), page(3)], changed: vec![1], warnings: vec![], render_ms: 5 });
        let m: serde_json::Value = serde_json::from_str(rx.try_recv().unwrap().parts[0].as_str()).unwrap();
        assert_eq!(m["version"], 2);
        assert_eq!(m["pages"].as_array().unwrap().len(), 1);
        assert_eq!(m["pages"][0]["i"], 1);
        assert_eq!(m["pages"][0]["text"], "halaman 3");
        assert_eq!(m["pages"][0]["svg"], "<svg/>");
        assert_eq!(m["pages"][0]["w"], 10.0);
        assert_eq!(m["pages"][0]["hash"], format!("{:032x}", 3));
        let err = Message { loc: "bab/01.md:3:1".into(), message: "rusak".into(), hint: None };
        s.publish(Outcome::Failed { errors: vec![err.clone()], warnings: vec![] });
        let m: serde_json::Value = serde_json::from_str(rx.try_recv().unwrap().parts[0].as_str()).unwrap();
        assert_eq!(m["errors"][0]["loc"], "bab/01.md:3:1");
        assert_eq!(m["page_count"], 2, "the last good pages stay");
        assert!(m["pages"].as_array().unwrap().is_empty());
        // A tab connecting now gets every page and the error.
        let (snap, _) = s.subscribe();
        let m: serde_json::Value = serde_json::from_str(snap.parts[0].as_str()).unwrap();
        assert_eq!(m["type"], "snapshot");
        assert_eq!(m["version"], 3);
        assert_eq!(m["pages"].as_array().unwrap().len(), 2);
        assert_eq!(m["errors"].as_array().unwrap().len(), 1);
    }

    /// An update repeats no warnings that the version before had; a snapshot always has them.
    #[test]
    fn unchanged_warnings_are_not_sent_again() {
        let s = Shared::new();
        let page = |h: u128| PageView::new(h, "<svg/>", "t", 10.0, 20.0);
        let w = |m: &str| Message { loc: "data/rencana.toml:1:1".into(), message: m.into(), hint: None };
        let (_, mut rx) = s.subscribe();
        let mut next = || serde_json::from_str::<serde_json::Value>(rx.try_recv().unwrap().parts[0].as_str()).unwrap();
        s.publish(Outcome::Good { pages: vec![page(1)], changed: vec![0], warnings: vec![w("awas")], render_ms: 5 });
        let m = next();
        assert_eq!((m["warnings"].as_array().unwrap().len(), m["warnings_unchanged"].as_bool()), (1, Some(false)));
        // The same warnings: none sent, and said so.
        s.publish(Outcome::Good { pages: vec![page(2)], changed: vec![0], warnings: vec![w("awas")], render_ms: 5 });
        let m = next();
        assert_eq!((m["warnings"].as_array().unwrap().len(), m["warnings_unchanged"].as_bool()), (0, Some(true)));
        let snap: serde_json::Value = serde_json::from_str(s.snapshot().parts[0].as_str()).unwrap();
        assert_eq!((snap["warnings"].as_array().unwrap().len(), snap["warnings_unchanged"].as_bool()), (1, Some(false)));
        // Other warnings, then none at all (a change too), and a failed compile with the same.
        s.publish(Outcome::Good { pages: vec![page(2)], changed: vec![], warnings: vec![w("lain")], render_ms: 5 });
        let m = next();
        assert_eq!((m["warnings"][0]["message"].as_str(), m["warnings_unchanged"].as_bool()), (Some("lain"), Some(false)));
        s.publish(Outcome::Good { pages: vec![page(2)], changed: vec![], warnings: vec![], render_ms: 5 });
        assert_eq!(next()["warnings_unchanged"].as_bool(), Some(false));
        s.publish(Outcome::Failed { errors: vec![w("salah")], warnings: vec![] });
        let m = next();
        assert_eq!((m["errors"].as_array().unwrap().len(), m["warnings_unchanged"].as_bool()), (1, Some(true)));
    }

    #[test]
    fn large_changes_are_split_into_parts_and_snapshots_are_shared() {
        let s = Shared::new();
        let big = |h: u128| PageView::new(h, &"x".repeat(PART_BYTES * 2 / 5), "t", 10.0, 20.0);
        // Five pages of 0.4 MiB: parts of two, two and one page, each with the whole header.
        s.publish(Outcome::Good { pages: (1..=5).map(big).collect(), changed: (0..5).collect(), warnings: vec![], render_ms: 5 });
        let (snap, _rx) = s.subscribe();
        assert_eq!(snap.parts.len(), 3);
        let mut seen = Vec::new();
        for part in snap.parts.iter() {
            assert!(part.len() <= PART_BYTES + 4096, "a part holds at most PART_BYTES of pages");
            let m: serde_json::Value = serde_json::from_str(part.as_str()).unwrap();
            assert_eq!((m["type"].as_str(), m["version"].as_u64(), m["page_count"].as_u64()), (Some("snapshot"), Some(1), Some(5)));
            assert_eq!((m["part"].as_u64(), m["parts"].as_u64()), (Some(seen.len() as u64 / 2), Some(3)));
            seen.extend(m["pages"].as_array().unwrap().iter().map(|p| p["i"].as_u64().unwrap()));
        }
        assert_eq!(seen, vec![0, 1, 2, 3, 4], "every page once, in order");
        // The warnings in the first and the last part only.
        s.publish(Outcome::Good {
            pages: (1..=5).map(big).collect(),
            changed: (0..5).collect(),
            warnings: vec![Message { loc: "data/rencana.toml:1:1".into(), message: "awas".into(), hint: None }],
            render_ms: 5,
        });
        let warned: Vec<usize> = s
            .snapshot()
            .parts
            .iter()
            .map(|p| serde_json::from_str::<serde_json::Value>(p.as_str()).unwrap()["warnings"].as_array().unwrap().len())
            .collect();
        assert_eq!(warned, vec![1, 0, 1]);
        // A page larger than PART_BYTES goes alone.
        let huge = PageView::new(9, &"y".repeat(PART_BYTES + 10), "t", 10.0, 20.0);
        s.publish(Outcome::Good { pages: vec![big(1), huge, big(3)], changed: vec![0, 1, 2], warnings: vec![], render_ms: 5 });
        let snap = s.snapshot();
        assert_eq!(snap.parts.len(), 3);
        // The next tab gets the very same snapshot (shared, not made again) until a change.
        let again = s.snapshot();
        assert!(Arc::ptr_eq(&snap.parts, &again.parts));
        s.publish(Outcome::Failed { errors: vec![], warnings: vec![] });
        assert!(!Arc::ptr_eq(&snap.parts, &s.snapshot().parts));
    }
}
