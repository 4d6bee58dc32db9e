//! The compiler thread: owns the one long-lived typst World (library and fonts stay alive, so
//! typst's caches carry over), and for each batch of changes runs the pipeline: read and check
//! the edition ([`crate::Edition::load`], then the base-edition check against the archive opened
//! once at start-up, when one is configured), put the new model JSON into the World, re-read edited layout
//! files in place, lay out, render only the pages whose frames changed to SVG, publish, and
//! evict old cache entries (as `typst watch` does). The preview's layout draws tables row by row
//! (`pdf::Drawing::Preview`: the same pages, re-laid out much faster after a data edit). With
//! `--write` it then renders through the one render function, [`crate::Edition::render`], in the
//! same warm World, as `renja build` does, and writes the PDF and DOCX atomically.

use super::state::{self, Message, Outcome, PageView, Shared};
use crate::archive::Store;
use crate::diag::Diagnostics;
use crate::facade::{Edition, Formats, RenderOptions, Renderer};
use crate::pdf::{Assets, Drawing, Fonts};
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
    base: Result<Box<dyn Store + Send>, crate::archive::Error>,
    /// The last good pages (reused when a page's frame hash is unchanged).
    pages: Vec<PageView>,
    /// Print each compile's phase timings on stderr (`RENJA_PREVIEW_TIMING=1`).
    timing: bool,
}

impl Compiler {
    pub fn new(dir: PathBuf, assets: Assets, fonts: Arc<Fonts>, write: Option<PathBuf>, base: Result<Box<dyn Store + Send>, crate::archive::Error>) -> Self {
        let renderer = Renderer::with_fonts(&dir, assets, fonts);
        Compiler { dir, write, renderer, base, pages: Vec::new(), timing: std::env::var_os("RENJA_PREVIEW_TIMING").is_some() }
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
            shared.publish(outcome);
            if self.timing {
                let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
                eprintln!("pratinjau: perubahan → terbit {:.1} ms (menunggu {:.1} ms)", ms(first.elapsed()), ms(woke - first));
            }
            // Write the files after publishing, so writing never delays the view.
            if let Some((paged, edition)) = good {
                drop(paged);
                if let Some(out) = &self.write {
                    write_outputs(out, &mut self.renderer, &edition);
                }
            }
            comemo::evict(10);
        }
    }

    /// One compile: the outcome to publish and, when good, the laid-out document (the caller
    /// drops it after publishing) and its model (for `--write`).
    pub fn compile(&mut self) -> (Outcome, Option<(PagedDocument, Edition)>) {
        let start = Instant::now();
        let mut edition = Edition::load(&self.dir);
        let base = self.base.as_ref().map(|s| s.as_ref() as &dyn Store).map_err(Clone::clone);
        edition.check_base(|model, diags| crate::archive::dasar::check(model, base, diags));
        let mut diags = edition.check().clone();
        let t_process = start.elapsed();
        let doc = match edition.document() {
            Some(doc) if !diags.has_errors() => doc,
            _ => {
                if !diags.has_errors() {
                    diags.error(
                        crate::diag::Loc { file: Arc::from("edisi.toml"), line: 1, col: 1 },
                        "edisi tidak dapat dibaca",
                    );
                }
                let (errors, warnings) = state::split(&diags);
                return (Outcome::Failed { errors, warnings }, None);
            }
        };
        // A loaded edition's model is a draft (`sampul.draf`), as the preview shows it.
        let json = crate::pdf::layout_json(doc, Drawing::Preview);
        let world = match self.renderer.world(json, doc.edisi.tanggal) {
            Ok(w) => w,
            Err(msg) => {
                diags.error(crate::diag::Loc { file: Arc::from("fonts"), line: 1, col: 1 }, msg.to_string());
                let (errors, warnings) = state::split(&diags);
                return (Outcome::Failed { errors, warnings }, None);
            }
        };
        let mut layout_diags = Diagnostics::new();
        let t_layout0 = start.elapsed();
        let paged = crate::pdf::layout(world, &mut layout_diags);
        let t_layout = start.elapsed();
        diags.extend(layout_diags);
        diags.sort();
        let Some(paged) = paged else {
            let (errors, warnings) = state::split(&diags);
            return (Outcome::Failed { errors, warnings }, None);
        };

        // Reuse the SVG of every page whose content hash is already known (pages often move
        // by one position when text grows, so look hashes up, not positions).
        let known: HashMap<u128, &PageView> = self.pages.iter().map(|p| (p.hash, p)).collect();
        let opts = typst_svg::SvgOptions::default();
        // New pages are rendered to SVG (and serialised) on all cores; usually one to three.
        let all = paged.pages();
        let hashes: Vec<u128> = all.iter().map(typst::utils::hash128).collect();
        let fresh: Vec<usize> = (0..all.len()).filter(|&i| !known.contains_key(&hashes[i])).collect();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(fresh.len()).max(1);
        let render = |i: usize| {
            let page = &all[i];
            PageView::new(hashes[i], &typst_svg::svg(page, &opts), &super::text::page_text(page), page.frame.width().to_pt(), page.frame.height().to_pt())
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
                "pratinjau: baca+periksa {:.1} ms, model {:.1} ms, tata letak {:.1} ms, SVG {} halaman {:.1} ms, total {render_ms} ms",
                t_process.as_secs_f64() * 1e3,
                (t_layout0 - t_process).as_secs_f64() * 1e3,
                (t_layout - t_layout0).as_secs_f64() * 1e3,
                changed.len(),
                (start.elapsed() - t_layout).as_secs_f64() * 1e3,
            );
        }

        let (_, warnings) = state::split(&diags);
        // Returned even without --write: dropping a laid-out document takes a few milliseconds,
        // which the caller spends after publishing.
        let good = Some((paged, edition));
        (Outcome::Good { pages, changed, warnings, render_ms }, good)
    }
}

/// `--write`: the PDF and the DOCX, rendered by [`Edition::render`] in the preview's warm World
/// with tables drawn for print (the preview's drawing gives the same pages but not the tagged
/// table structure), each written atomically, as `renja build` writes them. Problems are reported
/// on stderr; the preview goes on.
fn write_outputs(out: &Path, renderer: &mut Renderer, edition: &Edition) {
    let Some(slug) = edition.document().map(|d| d.metadata.slug.clone()) else { return };
    let formats = Formats { pdf: true, docx: true, json: false };
    let rendered = edition.render(renderer, &RenderOptions::draft(formats));
    for d in rendered.diagnostics.iter() {
        eprintln!("{d}");
    }
    // The DOCX first: a new PDF is the sign that both files are written.
    for (ext, bytes) in [("docx", rendered.docx), ("pdf", rendered.pdf)] {
        match bytes {
            Some(bytes) => {
                let path = out.join(format!("{slug}.{ext}"));
                if let Err(e) = crate::output::write_atomic(&path, &bytes) {
                    eprintln!("error: {} tidak dapat ditulis: {e}", path.display());
                }
            }
            None => eprintln!("{} gagal disusun; berkas lama tidak diubah", ext.to_uppercase()),
        }
    }
}
