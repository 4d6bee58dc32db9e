//! The compiler thread: owns the one long-lived typst World (library and fonts stay alive, so
//! typst's caches carry over), and for each batch of changes runs the pipeline: read and check
//! the edition ([`renja_edition::Edition::load`], then the base-edition check against the archive opened
//! once at start-up, when one is configured), put the new model JSON into the World, re-read edited layout
//! files in place, lay out, render only the pages whose frames changed to SVG, publish, and
//! evict old cache entries ([`CachePolicy`]). The preview's layout draws tables row by row
//! (`pdf::Drawing::Preview`: the same pages, re-laid out much faster after a data edit). With
//! `--write` it then renders through the one render function, [`renja_edition::Edition::render`], in the
//! same warm World, as `renja build` does, and writes the PDF and DOCX atomically.

use super::drawn::DrawnHashes;
use super::state::{self, Message, Outcome, PageView, Shared};
use renja_archive::Store;
use renja_core::diag::Diagnostics;
use renja_edition::{Edition, EditionCache, Formats, RenderOptions, Renderer};
use renja_pdf::{Assets, Drawing, Fonts};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use typst_layout::PagedDocument;
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::Instant;

pub struct Compiler {
    dir: PathBuf,
    write: Option<PathBuf>,
    /// The long-lived typst World (inside the façade's renderer, which `--write` renders with).
    renderer: Renderer,
    /// The archive for the base-edition check, opened once (`Err`: why there is none).
    base: Result<Box<dyn Store + Send>, renja_archive::Error>,
    /// The last good pages (reused when a page's hash as drawn, [`DrawnHashes`], is unchanged).
    pages: Vec<PageView>,
    /// Print each compile's phase timings on stderr (`RENJA_PREVIEW_TIMING=1`).
    timing: bool,
    cache: CachePolicy,
    /// The parsed sources and computed tables of the last compile ([`Edition::load_cached`]).
    sources: EditionCache,
    /// `RENJA_PREVIEW_COLD=1`: read and check from scratch every time ([`Edition::load`]), for
    /// measuring what the incremental load saves.
    cold: bool,
    /// The introspector of the last good layout, where the next layout starts
    /// ([`renja_pdf::layout_seeded`]); `RENJA_PREVIEW_UNSEEDED=1` starts every layout from
    /// nothing, as `typst::compile` does, for measuring what the seed saves.
    seed: Option<renja_pdf::Seed>,
    unseeded: bool,
    /// The tables' layout files of the last compile, made again only when the tables changed.
    input: renja_pdf::InputCache,
    /// Pages' identities as drawn (without typst's introspection tags), kept between compiles.
    drawn: DrawnHashes,
}

/// When to evict typst's memoisation cache (comemo). `typst watch` calls `comemo::evict(10)`
/// after every compile: a result not used in the last 10 compiles is dropped. In the preview
/// that made a cliff: after 10 edits of the narrative only, the cached rows of every table were
/// gone and the next pagu edit laid out every table again (about 700 ms on the sample, 3–4 s at
/// ×16, against 40–60 ms otherwise).
///
/// Now a result stays while it was used in the last [`CachePolicy::KEEP_AGE`] compiles, so a
/// long stretch of writing keeps the tables warm, and memory is bounded by a budget measured
/// from the process's resident size: above [`CachePolicy::BUDGET`] times the size after the
/// first good compile (at least [`CachePolicy::MIN_HEADROOM_KIB`] more), results unused in the
/// last [`CachePolicy::TIGHT_AGE`] compiles are dropped too and the freed memory returned to
/// the system (glibc's `malloc_trim`), so the size measured next time is the real one.
///
/// For measurements, `RENJA_PREVIEW_EVICT=N` replaces the policy by a plain `comemo::evict(N)`
/// after every compile (`N = 10` is the old behaviour).
#[derive(Debug, Default)]
pub struct CachePolicy {
    /// Resident size (KiB) after the first good compile.
    base_kib: Option<u64>,
    /// `RENJA_PREVIEW_EVICT`: a fixed age instead of the policy.
    fixed_age: Option<usize>,
    /// How many tight evictions ran (for the timing line and tests).
    pub tight: u64,
}

/// What the policy does after one compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evict {
    /// `comemo::evict(KEEP_AGE)`.
    Keep,
    /// Over budget: also `comemo::evict(TIGHT_AGE)` and return freed memory.
    Tight,
}

impl CachePolicy {
    pub const KEEP_AGE: usize = 100;
    pub const TIGHT_AGE: usize = 25;
    pub const BUDGET: f64 = 1.3;
    pub const MIN_HEADROOM_KIB: u64 = 96 * 1024;

    /// The decision for a compile after which the process holds `rss_kib` (None: unknown).
    pub fn decide(&mut self, rss_kib: Option<u64>, good: bool) -> Evict {
        let Some(rss) = rss_kib else { return Evict::Keep };
        let Some(base) = self.base_kib else {
            if good {
                self.base_kib = Some(rss);
            }
            return Evict::Keep;
        };
        let budget = ((base as f64 * Self::BUDGET) as u64).max(base + Self::MIN_HEADROOM_KIB);
        if rss > budget {
            self.tight += 1;
            Evict::Tight
        } else {
            Evict::Keep
        }
    }

    /// The policy, or the fixed age given in `RENJA_PREVIEW_EVICT`.
    pub fn from_env() -> CachePolicy {
        let fixed_age = std::env::var("RENJA_PREVIEW_EVICT").ok().and_then(|v| v.trim().parse().ok());
        CachePolicy { fixed_age, ..Default::default() }
    }

    /// Runs the eviction after a compile.
    pub fn after_compile(&mut self, good: bool) -> Evict {
        if let Some(age) = self.fixed_age {
            comemo::evict(age);
            return Evict::Keep;
        }
        comemo::evict(Self::KEEP_AGE);
        let action = self.decide(resident_kib(), good);
        if action == Evict::Tight {
            comemo::evict(Self::TIGHT_AGE);
            trim_heap();
        }
        action
    }
}

/// The process's resident set size in KiB (Linux: `VmRSS` of /proc/self/status).
pub fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Returns freed heap memory to the system, so the resident size reflects what is in use.
pub fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: glibc's malloc_trim only releases free memory; it takes no pointers.
        unsafe {
            malloc_trim(0);
        }
    }
}

impl Compiler {
    pub fn new(dir: PathBuf, assets: Assets, fonts: Arc<Fonts>, write: Option<PathBuf>, base: Result<Box<dyn Store + Send>, renja_archive::Error>) -> Self {
        let renderer = Renderer::with_fonts(&dir, assets, fonts);
        Compiler {
            dir,
            write,
            renderer,
            base,
            pages: Vec::new(),
            drawn: DrawnHashes::default(),
            timing: std::env::var_os("RENJA_PREVIEW_TIMING").is_some(),
            cache: CachePolicy::from_env(),
            sources: EditionCache::new(),
            cold: std::env::var_os("RENJA_PREVIEW_COLD").is_some(),
            seed: None,
            input: Default::default(),
            unseeded: std::env::var_os("RENJA_PREVIEW_UNSEEDED").is_some(),
        }
    }

    /// Compiles once per batch of change notifications until the sender is gone. Changes that
    /// arrive while compiling are coalesced into one more compile with the latest state.
    pub fn run(mut self, rx: Receiver<Instant>, shared: Shared) {
        while let Ok(mut first) = rx.recv() {
            while let Ok(t) = rx.try_recv() {
                first = first.min(t);
            }
            let woke = Instant::now();
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.compile()));
            let (outcome, good) = match result {
                Ok(r) => r,
                Err(_) => {
                    // Never let one bad compile end the preview: start with a fresh World next time.
                    self.renderer.reset_world();
                    self.seed = None;
                    self.input = Default::default();
                    let failed = Outcome::Failed {
                        errors: vec![Message {
                            loc: self.dir.display().to_string(),
                            message: "kesalahan internal saat menyusun pratinjau; simpan ulang berkas untuk mencoba lagi".into(),
                            hint: None,
                        }],
                        warnings: Vec::new(),
                    };
                    (failed, None)
                }
            };
            let ok = matches!(outcome, Outcome::Good { .. });
            let t_publish = Instant::now();
            shared.publish(outcome);
            if self.timing {
                let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
                eprintln!("pratinjau: perubahan → terbit {:.1} ms (menunggu {:.1} ms, pesan {:.1} ms)", ms(first.elapsed()), ms(woke - first), ms(t_publish.elapsed()));
            }
            // Write the files after publishing, so writing never delays the view.
            if let Some((paged, edition)) = good {
                drop(paged);
                if let Some(out) = &self.write {
                    write_outputs(out, &mut self.renderer, &edition);
                }
            }
            let action = self.cache.after_compile(ok);
            if self.timing {
                eprintln!("pratinjau: cache {action:?}, VmRSS {} MiB, pengusiran ketat {}", resident_kib().unwrap_or(0) / 1024, self.cache.tight);
            }
        }
    }

    /// One compile: the outcome to publish and, when good, the laid-out document (the caller
    /// drops it after publishing) and its model (for `--write`).
    pub fn compile(&mut self) -> (Outcome, Option<(PagedDocument, Edition)>) {
        let start = Instant::now();
        let parsed_before = self.sources.stats().1;
        let edition = if self.cold {
            let mut e = Edition::load(&self.dir);
            e.check_base(|model, diags| renja_archive::dasar::check(model, base_store(&self.base), diags));
            e
        } else {
            Edition::load_cached_with_base(&self.dir, &mut self.sources, |model, diags| renja_archive::dasar::check(model, base_store(&self.base), diags))
        };
        let (stage, stats, made) = (self.sources.times(), self.sources.stats(), self.sources.made());
        let mut diags = edition.check().clone();
        let t_process = start.elapsed();
        let doc = match edition.document() {
            Some(doc) if !diags.has_errors() => doc,
            _ => {
                if !diags.has_errors() {
                    diags.error(
                        renja_core::diag::Loc { file: Arc::from("edisi.toml"), line: 1, col: 1 },
                        "edisi tidak dapat dibaca",
                    );
                }
                let (errors, warnings) = state::split(&diags);
                return (Outcome::Failed { errors, warnings }, None);
            }
        };
        // A loaded edition's model is a draft (`sampul.draf`), as the preview shows it.
        let input = renja_pdf::layout_input_reusing(doc, Drawing::Preview, &mut self.input);
        let world = match self.renderer.world(input, doc.edisi.tanggal) {
            Ok(w) => w,
            Err(msg) => {
                diags.error(renja_core::diag::Loc { file: Arc::from("fonts"), line: 1, col: 1 }, msg.to_string());
                let (errors, warnings) = state::split(&diags);
                return (Outcome::Failed { errors, warnings }, None);
            }
        };
        let mut layout_diags = Diagnostics::new();
        let t_layout0 = start.elapsed();
        let seed = if self.unseeded { None } else { self.seed.as_ref() };
        let (paged, passes) = renja_pdf::layout_seeded(world, seed, &mut layout_diags);
        let t_layout = start.elapsed();
        if let Some(p) = &paged {
            self.seed = Some(p.introspector().clone());
        }
        diags.extend(layout_diags);
        diags.sort();
        let Some(paged) = paged else {
            let (errors, warnings) = state::split(&diags);
            return (Outcome::Failed { errors, warnings }, None);
        };

        // Reuse the SVG of every page whose drawing is already known (pages often move by one
        // position when text grows, so look hashes up, not positions). A page is known by what
        // it draws, not by typst's hash, which also covers its introspection tags (drawn.rs).
        let known: HashMap<u128, &PageView> = self.pages.iter().map(|p| (p.hash, p)).collect();
        let opts = typst_svg::SvgOptions::default();
        // New pages are rendered to SVG (and serialised) on all cores; usually one to three.
        let all = paged.pages();
        let t_hash0 = start.elapsed();
        let hashes: Vec<u128> = all.iter().map(|p| self.drawn.page(p)).collect();
        let t_hash = start.elapsed() - t_hash0;
        let fresh: Vec<usize> = (0..all.len()).filter(|&i| !known.contains_key(&hashes[i])).collect();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(fresh.len()).max(1);
        let render = |i: usize| {
            let page = &all[i];
            PageView::new(hashes[i], &slim_svg(&typst_svg::svg(page, &opts)), &super::text::page_text(page), page.frame.width().to_pt(), page.frame.height().to_pt())
        };
        let mut rendered: HashMap<usize, PageView> = HashMap::new();
        if threads <= 1 {
            rendered.extend(fresh.iter().map(|&i| (i, render(i))));
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..threads)
                    .map(|t| {
                        let mine: Vec<usize> = fresh.iter().copied().skip(t).step_by(threads).collect();
                        let render = &render;
                        scope.spawn(move || mine.into_iter().map(|i| (i, render(i))).collect::<Vec<_>>())
                    })
                    .collect();
                for h in handles {
                    rendered.extend(h.join().expect("SVG thread"));
                }
            });
        }
        let mut pages = Vec::with_capacity(all.len());
        let mut changed = Vec::new();
        for (i, &hash) in hashes.iter().enumerate() {
            let view = match rendered.remove(&i) {
                Some(v) => v,
                None => (*known[&hash]).clone(),
            };
            if self.pages.get(i).is_none_or(|old| old.hash != hash) {
                changed.push(i);
            }
            pages.push(view);
        }
        drop(known);
        self.pages = pages.clone();
        let render_ms = start.elapsed().as_millis() as u64;
        if self.timing {
            eprintln!(
                "pratinjau: baca+periksa {:.1} ms (baca {:.1}, validasi {:.1}, hitung {:.1}, dokumen {:.1}; urai ulang {}) [tabel {:.1}, konteks {:.1}], model {:.1} ms, tata letak {:.1} ms ({}), SVG {} halaman {:.1} ms (hash {} halaman {:.1} ms), total {render_ms} ms",
                t_process.as_secs_f64() * 1e3,
                stage[0].as_secs_f64() * 1e3,
                stage[1].as_secs_f64() * 1e3,
                stage[2].as_secs_f64() * 1e3,
                stage[3].as_secs_f64() * 1e3,
                stats.1 - parsed_before,
                made[0].as_secs_f64() * 1e3,
                made[1].as_secs_f64() * 1e3,
                (t_layout0 - t_process).as_secs_f64() * 1e3,
                (t_layout - t_layout0).as_secs_f64() * 1e3,
                passes.map_or("dari awal".to_string(), |n| format!("{n} lintasan dari tata letak sebelumnya")),
                changed.len(),
                (start.elapsed() - t_layout).as_secs_f64() * 1e3,
                hashes.len(),
                t_hash.as_secs_f64() * 1e3,
            );
        }

        let (_, warnings) = state::split(&diags);
        // Returned even without --write: dropping a laid-out document takes a few milliseconds,
        // which the caller spends after publishing.
        let good = Some((paged, edition));
        (Outcome::Good { pages, changed, warnings, render_ms }, good)
    }
}

/// A page's SVG made smaller for the wire, drawing exactly the same (one quick-xml pass; every
/// other tag, text and attribute is copied as it is; a page quick-xml cannot read is returned
/// unchanged). Each page is its own SVG document (the browser shows it as an image), so:
/// - **Glyph names.** typst names each glyph `g` and its hash in up to 32 uppercase hexadecimal
///   digits (leading zeros dropped: `id="g9329E1A1…"`, `xlink:href="#g9329E1A1…"`), and a table
///   page uses a hundred glyphs five thousand times, so the names were a fifth of its 0.5–0.7
///   MB. They are numbered `g0`, `g1`, … in order of appearance: only an `id` or
///   `xlink:href`/`href` attribute whose value is such a name (after a `#` for a reference) is
///   rewritten, every occurrence of one name to the same new name.
/// - **Initial values on glyph uses.** typst writes `fill="#000000" fill-rule="nonzero" x="0"
///   y="0"` on many of the 5,000 `<use>` of a table page (a third of its bytes). These are the
///   properties' initial values, and a glyph's `<symbol>` path sets no fill of its own, so a
///   `<use>` without them draws the same, as long as no enclosing element sets `fill` or
///   `fill-rule` (then they are kept: the use would inherit the other value).
pub fn slim_svg(svg: &str) -> String {
    use quick_xml::events::attributes::Attribute;
    use quick_xml::events::{BytesStart, Event};
    /// The digits of a typst glyph name (`g` + 1 to 32 uppercase hexadecimal digits).
    fn glyph(v: &str) -> Option<&str> {
        let digits = v.strip_prefix('g')?;
        (!digits.is_empty() && digits.len() <= 32 && digits.bytes().all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(&c))).then_some(digits)
    }
    /// The glyph name an attribute holds ("" or "#" before it, and its digits), if it holds one.
    fn named<'a>(a: &'a Attribute) -> Option<(&'static str, &'a str)> {
        match a.key.as_ref() {
            "id" => glyph(&a.value).map(|d| ("", d)),
            "xlink:href" | "href" => a.value.strip_prefix('#').and_then(glyph).map(|d| ("#", d)),
            _ => None,
        }
    }
    /// Whether an attribute of a `<use>` holds its property's initial value (dropped when no
    /// enclosing element sets a fill).
    fn initial(a: &Attribute) -> bool {
        matches!((a.key.as_ref(), a.value.as_ref()), ("fill", "#000000") | ("fill-rule", "nonzero") | ("x", "0") | ("y", "0"))
    }
    /// Whether a tag sets a fill its content inherits.
    fn sets_fill(tag: &BytesStart) -> bool {
        tag.attributes().with_checks(false).flatten().any(|a| matches!(a.key.as_ref(), "fill" | "fill-rule"))
    }
    /// The tag with its glyph names renamed and (`plain`: a `<use>` under no fill) its initial
    /// values dropped, or `None` when there is nothing to change (then it is copied as it is).
    fn slimmed(tag: &BytesStart, plain: bool, names: &mut HashMap<String, usize>) -> Option<BytesStart<'static>> {
        let drop = plain && tag.name().as_ref() == "use";
        if !tag.attributes().with_checks(false).flatten().any(|a| named(&a).is_some() || (drop && initial(&a))) {
            return None;
        }
        let mut out = BytesStart::new(tag.name().as_ref().to_string());
        for a in tag.attributes().with_checks(false) {
            let a = a.ok()?;
            if drop && initial(&a) {
                continue;
            }
            match named(&a) {
                Some((hash, d)) => {
                    let n = match names.get(d) {
                        Some(&n) => n,
                        None => {
                            let n = names.len();
                            names.insert(d.to_string(), n);
                            n
                        }
                    };
                    out.push_attribute(Attribute { key: a.key, value: format!("{hash}g{n:x}").into() });
                }
                None => out.push_attribute(a),
            }
        }
        Some(out)
    }
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut writer = quick_xml::Writer::new(Vec::with_capacity(svg.len()));
    let mut names = HashMap::new();
    // For each open element, whether it sets a fill; and how many of them do.
    let mut open: Vec<bool> = Vec::new();
    let mut filled = 0usize;
    loop {
        let event = match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Start(tag)) => {
                let fill = sets_fill(&tag);
                let ev = slimmed(&tag, filled == 0, &mut names).map_or(Event::Start(tag), Event::Start);
                open.push(fill);
                filled += fill as usize;
                ev
            }
            Ok(Event::End(tag)) => {
                filled -= open.pop().unwrap_or(false) as usize;
                Event::End(tag)
            }
            Ok(Event::Empty(tag)) => slimmed(&tag, filled == 0, &mut names).map_or(Event::Empty(tag), Event::Empty),
            Ok(other) => other,
            Err(_) => return svg.to_string(),
        };
        if writer.write_event(event).is_err() {
            return svg.to_string();
        }
    }
    String::from_utf8(writer.into_inner()).unwrap_or_else(|_| svg.to_string())
}

/// The archive for the base-edition check, as `archive::dasar::check` takes it.
fn base_store(base: &Result<Box<dyn Store + Send>, renja_archive::Error>) -> Result<&dyn Store, renja_archive::Error> {
    base.as_ref().map(|s| s.as_ref() as &dyn Store).map_err(Clone::clone)
}

/// `--write`: the PDF and the DOCX, rendered by [`Edition::render`] in the preview's warm World
/// with tables drawn for print (the preview's drawing gives the same pages but not the tagged
/// table structure), each written atomically, as `renja build` writes them. Problems are reported
/// on stderr; the preview goes on.
fn write_outputs(out: &Path, renderer: &mut Renderer, edition: &Edition) {
    let Some(slug) = edition.document().map(|d| d.metadata.slug.clone()) else { return };
    let formats = Formats { pdf: true, docx: true, ..Formats::NONE };
    let rendered = edition.render(renderer, &RenderOptions::draft(formats));
    for d in rendered.diagnostics.iter() {
        eprintln!("{d}");
    }
    // The DOCX first: a new PDF is the sign that both files are written.
    for (ext, bytes) in [("docx", rendered.docx), ("pdf", rendered.pdf)] {
        match bytes {
            Some(bytes) => {
                let path = out.join(format!("{slug}.{ext}"));
                if let Err(e) = renja_core::output::write_atomic(&path, &bytes) {
                    eprintln!("error: {} tidak dapat ditulis: {e}", path.display());
                }
            }
            None => eprintln!("{} gagal disusun; berkas lama tidak diubah", ext.to_uppercase()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page's SVG drawn to pixels (resvg) at 1 px per point.
    fn pixels(svg: &str) -> Vec<u8> {
        let tree = resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default()).expect("the SVG parses");
        let size = tree.size().to_int_size();
        let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
        resvg::render(&tree, resvg::tiny_skia::Transform::identity(), &mut pixmap.as_mut());
        pixmap.take()
    }

    #[test]
    fn a_real_page_slimmed_draws_the_same() {
        // The sample's pages as typst-svg draws them: after slimming no long glyph name and no
        // black fill on a glyph use is left, every reference names a glyph defined on its page,
        // no element is added or lost, and the page draws exactly the same pixels.
        let dir = renja_core::checkout_dir().join("content");
        let (doc, _) = renja_edition::process(&dir);
        let doc = doc.expect("the sample builds");
        let assets = Assets::locate(&dir);
        let fonts = Arc::new(Fonts::load(&assets.fonts).unwrap());
        let world = renja_pdf::RenjaWorld::new(fonts, &assets.layouts, &dir, renja_pdf::layout_input(&doc, Drawing::Preview), doc.edisi.tanggal);
        let paged = renja_pdf::layout(&world, &mut Diagnostics::new()).expect("the sample lays out");
        let long = |s: &str| s.match_indices("id=\"g").filter(|(i, _)| s[i + 5..].split('"').next().is_some_and(|n| n.len() > 8)).count();
        let black = |s: &str| s.match_indices("<use ").filter(|(i, _)| s[*i..].split('>').next().is_some_and(|t| t.contains("fill=\"#000000\""))).count();
        // The cover, the daftar isi, narrative pages and the first pages of Tabel 3.4 (with rules,
        // fills, bold text and the watermark).
        let mut checked = 0;
        for page in paged.pages().iter().take(12).chain(paged.pages().iter().skip(40).take(4)) {
            let svg = typst_svg::svg(page, &typst_svg::SvgOptions::default());
            let slim = slim_svg(&svg);
            assert!(long(&svg) > 0 && long(&slim) == 0);
            assert!(black(&svg) > 0 && black(&slim) == 0);
            assert!(slim.len() * 10 < svg.len() * 8, "{} → {} bytes", svg.len(), slim.len());
            let ids: std::collections::HashSet<&str> = slim.split("id=\"").skip(1).filter_map(|s| s.split('"').next()).collect();
            for r in slim.split("href=\"#").skip(1).filter_map(|s| s.split('"').next()) {
                assert!(ids.contains(r), "a reference to {r}, which the page does not define");
            }
            assert_eq!(svg.matches("<use").count(), slim.matches("<use").count());
            assert_eq!(svg.matches('<').count(), slim.matches('<').count());
            assert!(pixels(&svg) == pixels(&slim), "page {} draws differently after slimming", checked + 1);
            checked += 1;
        }
        assert_eq!(checked, 16);
    }

    #[test]
    fn a_use_under_a_fill_keeps_its_own() {
        // A `<use>` inside an element that sets a fill or fill-rule keeps its initial values (it
        // would inherit the other value without them); outside, they go. Pixels prove both.
        let sym = r##"<defs><symbol id="gA1" overflow="visible"><path d="M 0 0 h 40 v 40 h -40 Z M 10 10 h 20 v 20 h -20 Z"/></symbol></defs>"##;
        let svg = format!(
            r##"<svg viewBox="0 0 100 50" width="100pt" height="50pt" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">{sym}<g fill="#ff0000" fill-rule="evenodd"><use xlink:href="#gA1" x="0" y="0" fill="#000000" fill-rule="nonzero"/></g><g transform="translate(50 0)"><use xlink:href="#gA1" x="0" y="0" fill="#000000" fill-rule="nonzero"/></g></svg>"##
        );
        let slim = slim_svg(&svg);
        assert!(slim.contains(r##"<g fill="#ff0000" fill-rule="evenodd"><use xlink:href="#g0" x="0" y="0" fill="#000000" fill-rule="nonzero"/></g>"##), "{slim}");
        assert!(slim.contains(r##"<g transform="translate(50 0)"><use xlink:href="#g0"/></g>"##), "{slim}");
        assert!(pixels(&svg) == pixels(&slim));
        // Without the guard, the first use would be drawn red with a hole.
        let unguarded = slim.replacen(r##" x="0" y="0" fill="#000000" fill-rule="nonzero""##, "", 1);
        assert!(pixels(&svg) != pixels(&unguarded));
    }

    /// Copies the sample edition (files only, two levels) into `to`.
    fn copy_sample(to: &Path) -> PathBuf {
        let from = renja_core::checkout_dir().join("content");
        for entry in walk(&from) {
            let dest = to.join(entry.strip_prefix(&from).unwrap());
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(&entry, dest).unwrap();
        }
        to.to_path_buf()
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
        }
        out
    }

    #[test]
    fn a_seeded_layout_equals_a_layout_from_scratch() {
        // After each edit, the layout seeded with the previous one's introspector has the same
        // pages (frames, hashed) as typst's own compile from nothing, and a small edit takes one
        // pass. The edits: a word (no page moves), a pagu (tables and roll-ups change), a long
        // paragraph (every following page and the daftar isi's page numbers move), and its removal.
        let tmp = tempfile::tempdir().unwrap();
        let dir = copy_sample(tmp.path());
        let bab = dir.join("bab/02-evaluasi.md");
        let rencana = dir.join("data/rencana.toml");
        let (bab0, rencana0) = (std::fs::read_to_string(&bab).unwrap(), std::fs::read_to_string(&rencana).unwrap());
        let long = "\n\nParagraf tambahan. ".to_string() + &"Kalimat yang cukup panjang untuk memenuhi halaman. ".repeat(200);
        let edits: Vec<(&str, String, String, bool)> = vec![
            ("kata", bab0.replacen("Pengukuran Kinerja", "Pengukuran Capaian Kinerja", 1), rencana0.clone(), true),
            ("pagu", bab0.clone(), rencana0.replacen("pagu_sebelum = 97020000", "pagu_sebelum = 97021000", 1), true),
            ("paragraf panjang", bab0.clone() + &long, rencana0.clone(), false),
            ("paragraf dihapus", bab0.clone(), rencana0.clone(), false),
        ];
        let assets = Assets::locate(&dir);
        let fonts = Arc::new(Fonts::load(&assets.fonts).unwrap());
        let world_for = |dir: &Path| {
            let (doc, _) = renja_edition::process(dir);
            let doc = doc.expect("the edited sample builds");
            renja_pdf::RenjaWorld::new(fonts.clone(), &assets.layouts, dir, renja_pdf::layout_input(&doc, Drawing::Preview), doc.edisi.tanggal)
        };
        let pages = |p: &PagedDocument| p.pages().iter().map(typst::utils::hash128).collect::<Vec<u128>>();
        let mut diags = Diagnostics::new();
        let first = renja_pdf::layout(&world_for(&dir), &mut diags).unwrap_or_else(|| panic!("the sample lays out: {diags:?}"));
        let mut seed = first.introspector().clone();
        let mut count = first.pages().len();
        for (name, b, r, one_pass) in edits {
            std::fs::write(&bab, b).unwrap();
            std::fs::write(&rencana, r).unwrap();
            let world = world_for(&dir);
            let (seeded, passes) = renja_pdf::layout_seeded(&world, Some(&seed), &mut Diagnostics::new());
            let seeded = seeded.expect("the seeded layout");
            let fresh = renja_pdf::layout(&world, &mut Diagnostics::new()).expect("the layout from scratch");
            assert_eq!(pages(&seeded), pages(&fresh), "{name}: the seeded layout differs from one from scratch");
            let passes = passes.unwrap_or_else(|| panic!("{name}: the seeded layout fell back"));
            if one_pass {
                assert_eq!(passes, 1, "{name}");
            }
            if name == "paragraf panjang" {
                assert!(seeded.pages().len() > count, "the long paragraph adds pages");
            }
            count = seeded.pages().len();
            seed = seeded.introspector().clone();
        }
    }

    #[test]
    fn glyph_ids_are_shortened_consistently() {
        let a = "A".repeat(32);
        let b = format!("{}0", "9".repeat(31));
        // typst drops a hash's leading zeros: a name may have fewer than 32 digits.
        let c = "F".repeat(31);
        let svg = format!(
            r##"<svg><defs><symbol id="g{a}"/><symbol id="g{b}"/><symbol id="g{c}"/></defs><use xlink:href="#g{b}" x="1"/><use xlink:href="#g{a}"/><use xlink:href="#g{c}"/><use xlink:href="#g{b}"/><g class="typst-text"/><path d="g{a}x"/><x id="g{}"/></svg>"##,
            "a".repeat(32)
        );
        let short = slim_svg(&svg);
        assert_eq!(
            short,
            format!(
                r##"<svg><defs><symbol id="g0"/><symbol id="g1"/><symbol id="g2"/></defs><use xlink:href="#g1" x="1"/><use xlink:href="#g0"/><use xlink:href="#g2"/><use xlink:href="#g1"/><g class="typst-text"/><path d="g{a}x"/><x id="g{}"/></svg>"##,
                "a".repeat(32)
            )
        );
        assert_eq!(slim_svg("<svg/>"), "<svg/>");
        assert_eq!(slim_svg(""), "");
    }

    #[test]
    fn cache_policy_keeps_until_the_budget() {
        let mut p = CachePolicy::default();
        // Unknown size: keep. A failed first compile does not set the base.
        assert_eq!(p.decide(None, true), Evict::Keep);
        assert_eq!(p.decide(Some(100_000), false), Evict::Keep);
        assert_eq!(p.decide(Some(1_000_000), true), Evict::Keep);
        // Budget: 1.3 x 1 000 000 = 1 300 000 KiB (more than the minimum headroom).
        assert_eq!(p.decide(Some(1_299_000), true), Evict::Keep);
        assert_eq!(p.decide(Some(1_301_000), true), Evict::Tight);
        assert_eq!(p.tight, 1);
        // A small process gets at least MIN_HEADROOM_KIB.
        let mut q = CachePolicy::default();
        q.decide(Some(50_000), true);
        assert_eq!(q.decide(Some(50_000 + CachePolicy::MIN_HEADROOM_KIB - 1), true), Evict::Keep);
        assert_eq!(q.decide(Some(50_000 + CachePolicy::MIN_HEADROOM_KIB + 1), true), Evict::Tight);
        assert!(resident_kib().is_some_and(|k| k > 0), "VmRSS is readable here");
    }
}
