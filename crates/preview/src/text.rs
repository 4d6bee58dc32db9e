//! The plain text of a laid-out page, read from typst's frame (typst-svg draws glyphs as
//! paths, so the page's words are sent alongside the SVG as a text layer: for screen readers,
//! for searching, and for the end-to-end test).

use typst::layout::{Frame, FrameItem};
use typst_layout::Page;

/// The page's text runs in frame order, separated by single spaces.
pub fn page_text(page: &Page) -> String {
    let mut out = String::new();
    collect(&page.frame, &mut out);
    out.truncate(out.trim_end().len());
    out
}

fn collect(frame: &Frame, out: &mut String) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(group) => collect(&group.frame, out),
            FrameItem::Text(text) => {
                let t = text.text.trim();
                if !t.is_empty() {
                    out.push_str(t);
                    out.push(' ');
                }
            }
            _ => {}
        }
    }
}
