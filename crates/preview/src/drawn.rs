//! A page's identity as drawn: a hash of what its SVG shows (shapes, text, images, links, group
//! transforms, clips and labels, and the page's fill and bleed), leaving out the introspection
//! tags typst puts in frames.
//!
//! The preview renders again only the pages whose identity changed. typst's own hash of a page
//! includes its tags, and a tag of a table cell carries the cell's whole content: the preview
//! draws each piece of a long table's rows as one breakable cell (layouts/table.typ), so an edit
//! in a piece changed the tags on every page the piece spans, and those pages were rendered and
//! sent again though they looked the same.
//!
//! Frames are shared between compiles (typst's memoised layout returns the same frames for what
//! did not change), so the hash of a frame as drawn is kept by its typst hash, which typst caches
//! in the frame: an unchanged page costs one lookup, a changed one a walk of its frames that
//! stops at every frame seen before.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use typst::layout::{Frame, FrameItem};
use typst_layout::Page;

/// How many frames' hashes are kept before the memo starts again (about 40 bytes each).
const MEMO_LIMIT: usize = 200_000;

/// Hashes of frames as drawn, by their typst hash.
#[derive(Default)]
pub struct DrawnHashes {
    memo: RefCell<HashMap<u128, u128>>,
}

impl DrawnHashes {
    /// The page's identity as drawn.
    pub fn page(&self, page: &Page) -> u128 {
        typst::utils::hash128(&(self.frame(&page.frame), &page.fill, &page.bleed))
    }

    fn frame(&self, frame: &Frame) -> u128 {
        let key = typst::utils::hash128(frame);
        let known = self.memo.borrow().get(&key).copied();
        if let Some(h) = known {
            return h;
        }
        let h = typst::utils::hash128(&Drawn(self, frame));
        let mut memo = self.memo.borrow_mut();
        if memo.len() >= MEMO_LIMIT {
            memo.clear();
        }
        memo.insert(key, h);
        h
    }
}

/// A frame hashed as drawn: its items but tags, each subframe by its own hash as drawn.
struct Drawn<'a>(&'a DrawnHashes, &'a Frame);

impl Hash for Drawn<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let (hashes, frame) = (self.0, self.1);
        frame.size().hash(state);
        frame.baseline().hash(state);
        frame.kind().hash(state);
        for (pos, item) in frame.items() {
            match item {
                FrameItem::Tag(_) => continue,
                FrameItem::Group(group) => {
                    0u8.hash(state);
                    pos.hash(state);
                    hashes.frame(&group.frame).hash(state);
                    group.transform.hash(state);
                    group.clip.hash(state);
                    group.label.hash(state);
                }
                other => {
                    1u8.hash(state);
                    pos.hash(state);
                    other.hash(state);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use typst::foundations::{Content, Smart};
    use typst::introspection::{Location, Tag, TagFlags};
    use typst::layout::{Abs, GroupItem, Point, Sides, Size};
    use typst::syntax::Span;
    use typst::visualize::{Color, Geometry};

    /// A page with one group (a row) holding a tag and a filled rectangle.
    fn page(tag: u128, fill: Color) -> Page {
        let size = Size::new(Abs::pt(100.0), Abs::pt(10.0));
        let mut row = Frame::hard(size);
        let flags = TagFlags { introspectable: true, tagged: false };
        row.push(Point::zero(), FrameItem::Tag(Tag::End(Location::new(tag), tag, flags)));
        row.push(Point::zero(), FrameItem::Shape(Geometry::Rect(size).filled(fill), Span::detached()));
        let mut frame = Frame::hard(Size::new(Abs::pt(200.0), Abs::pt(300.0)));
        frame.push(Point::with_y(Abs::pt(20.0)), FrameItem::Group(GroupItem::new(row)));
        Page { frame, bleed: Sides::splat(Abs::zero()), fill: Smart::Auto, numbering: None, supplement: Content::empty(), number: 1 }
    }

    #[test]
    fn a_page_is_known_by_what_it_draws_not_by_its_tags() {
        let hashes = DrawnHashes::default();
        let (a, other_tag, other_fill) = (page(1, Color::BLACK), page(2, Color::BLACK), page(1, Color::WHITE));
        // typst's hash tells the first two apart; as drawn they are the same page.
        assert_ne!(typst::utils::hash128(&a), typst::utils::hash128(&other_tag));
        assert_eq!(hashes.page(&a), hashes.page(&other_tag));
        assert_ne!(hashes.page(&a), hashes.page(&other_fill));
        // Known frames come from the memo with the same answer, and a fresh memo agrees.
        assert_eq!(hashes.page(&other_fill), DrawnHashes::default().page(&other_fill));
        assert_eq!(hashes.page(&a), DrawnHashes::default().page(&a));
    }
}
