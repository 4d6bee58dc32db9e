//! The visible signature: signer, NIP, signing time, the TTE sentence and a QR code, laid out
//! by `layouts/tte.typ` through typst (so the fonts are embedded subsets, as PDF/A requires) and
//! imported into the signed PDF as the widget's appearance (a Form XObject).

use super::pdfobj::{Update, name};
use renja_pdf::{Fonts, RenjaWorld};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

/// The sentence regional governments print with an electronic signature (domain guide §4).
pub const KALIMAT_TTE: &str = "Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat elektronik yang diterbitkan oleh Balai Sertifikasi Elektronik (BSrE), Badan Siber dan Sandi Negara.";

/// What the appearance shows.
#[derive(Serialize)]
pub struct Tampilan {
    /// Width and height in points.
    pub lebar: f64,
    pub tinggi: f64,
    pub nama: String,
    pub nip: String,
    pub waktu: String,
    pub kalimat: &'static str,
    /// The QR code as an SVG image (one path of dark modules, quiet zone excluded).
    pub qr_svg: String,
}

/// Why the visible signature could not be drawn or imported. The Display text is the
/// Indonesian message shown to users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppearanceError {
    #[error("kode QR tidak dapat dibuat: {0}")]
    Qr(String),
    /// The appearance's data could not be serialised for the layout.
    #[error("{0}")]
    Data(String),
    /// The layout failed (the typst diagnostics, joined).
    #[error("tampilan tanda tangan gagal disusun: {0}")]
    Layout(String),
    #[error("tampilan tanda tangan tanpa halaman")]
    NoPage,
    #[error("gambar tampilan tanda tangan gagal disusun: {0}")]
    Png(String),
    /// The PDF export failed (the first diagnostic, as `Some("…")`).
    #[error("tampilan tanda tangan gagal diekspor: {0}")]
    Export(String),
    #[error("tampilan tanda tangan tidak dapat dibaca: {0}")]
    Unreadable(String),
    #[error("tampilan tanpa Resources")]
    NoResources,
    /// An object of the appearance PDF that lopdf could not read.
    #[error("{0}")]
    Pdf(String),
}

impl From<AppearanceError> for String {
    fn from(e: AppearanceError) -> String {
        e.to_string()
    }
}

/// Encodes `payload` as a QR code (error correction M) and returns (size, dark runs).
pub fn qr_runs(payload: &str) -> Result<(usize, Vec<(usize, usize, usize)>), AppearanceError> {
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppearanceError::Qr(e.to_string()))?;
    let w = code.width();
    let colors = code.to_colors();
    let mut runs = Vec::new();
    for r in 0..w {
        let mut c = 0;
        while c < w {
            if colors[r * w + c] == qrcode::Color::Dark {
                let start = c;
                while c < w && colors[r * w + c] == qrcode::Color::Dark {
                    c += 1;
                }
                runs.push((r, start, c - start));
            } else {
                c += 1;
            }
        }
    }
    Ok((w, runs))
}

/// The QR code of `payload` as a compact SVG: one path, one unit per module.
pub fn qr_svg(payload: &str) -> Result<String, AppearanceError> {
    let (w, runs) = qr_runs(payload)?;
    let mut d = String::new();
    for (r, c, len) in runs {
        d.push_str(&format!("M{c} {r}h{len}v1h-{len}z"));
    }
    Ok(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {w}" width="{w}" height="{w}" shape-rendering="crispEdges"><path fill="#000" d="{d}"/></svg>"##
    ))
}

/// Lays out the appearance with typst (`layouts/tte.typ`).
fn layout(t: &Tampilan, layouts: &Path, fonts: Arc<Fonts>) -> Result<(RenjaWorld, typst_layout::PagedDocument), AppearanceError> {
    let json = serde_json::to_vec(t).map_err(|e| AppearanceError::Data(e.to_string()))?;
    let mut world = RenjaWorld::new(fonts, layouts, layouts, json, (2000, 1, 1));
    world.set_main("/layouts/tte.typ");
    let mut diags = renja_core::diag::Diagnostics::new();
    let paged = renja_pdf::layout(&world, &mut diags).ok_or_else(|| {
        let msgs: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
        AppearanceError::Layout(msgs.join("; "))
    })?;
    Ok((world, paged))
}

/// Lays out the appearance and draws it as a PNG image, `pixel_per_pt` pixels per point (for a
/// signing service that takes the visible signature as an image, as BSrE's does).
pub fn render_png(t: &Tampilan, layouts: &Path, fonts: Arc<Fonts>, pixel_per_pt: f32) -> Result<Vec<u8>, AppearanceError> {
    let (_, paged) = layout(t, layouts, fonts)?;
    let page = paged.pages().first().ok_or(AppearanceError::NoPage)?;
    let opts = typst_render::RenderOptions { pixel_per_pt: f64::from(pixel_per_pt).into(), ..Default::default() };
    let mut pixmap = typst_render::render(page, &opts);
    // On opaque white (premultiplied RGBA: colour + (255 - alpha)), as it shows on paper: a
    // service or a QR reader that drops the alpha channel still sees dark modules on white.
    for px in pixmap.data_mut().chunks_exact_mut(4) {
        let rest = 255 - px[3];
        px[0] = px[0].saturating_add(rest);
        px[1] = px[1].saturating_add(rest);
        px[2] = px[2].saturating_add(rest);
        px[3] = 255;
    }
    pixmap.encode_png().map_err(|e| AppearanceError::Png(e.to_string()))
}

/// Lays out the appearance as a one-page PDF with typst.
pub fn render(t: &Tampilan, layouts: &Path, fonts: Arc<Fonts>, now: std::time::SystemTime) -> Result<Vec<u8>, AppearanceError> {
    let (_world, paged) = layout(t, layouts, fonts)?;
    let options = typst_pdf::PdfOptions {
        ident: typst::foundations::Smart::Custom("renja-tte".into()),
        creator: typst::foundations::Smart::Custom(None),
        timestamp: renja_pdf::timestamp(&super::time::iso(now)),
        page_ranges: None,
        standards: typst_pdf::PdfStandards::new(&[typst_pdf::PdfStandard::A_2b]).expect("PDF/A-2b is supported"),
        tagged: false,
        pretty: false,
    };
    typst_pdf::pdf(&paged, &options).map_err(|e| AppearanceError::Export(format!("{:?}", e.first().map(|d| d.message.clone()))))
}

/// Copies the first page of `pdf` into the update as a Form XObject of `width` × `height`
/// points and returns its id.
pub fn import(pdf: &[u8], width: f64, height: f64, update: &mut Update) -> Result<ObjectId, AppearanceError> {
    let doc = Document::load_mem(pdf).map_err(|e| AppearanceError::Unreadable(e.to_string()))?;
    let page_id = *doc.get_pages().get(&1).ok_or(AppearanceError::NoPage)?;
    let page = doc.get_dictionary(page_id).map_err(|e| AppearanceError::Pdf(e.to_string()))?;
    let content = doc.get_page_content(page_id);
    let resources = page.get(b"Resources").map_err(|_| AppearanceError::NoResources)?.clone();
    // Every object reachable from the resources, renumbered into the update.
    let mut map: BTreeMap<ObjectId, ObjectId> = BTreeMap::new();
    let mut stack = Vec::new();
    collect_refs(&resources, &mut stack);
    while let Some(id) = stack.pop() {
        if map.contains_key(&id) {
            continue;
        }
        map.insert(id, update.reserve());
        if let Ok(obj) = doc.get_object(id) {
            collect_refs(obj, &mut stack);
        }
    }
    let map: HashMap<ObjectId, ObjectId> = map.into_iter().collect();
    for (old, new) in &map {
        let obj = doc.get_object(*old).map_err(|e| AppearanceError::Pdf(e.to_string()))?;
        update.set(*new, &renumber(obj, &map));
    }
    let mut dict = Dictionary::new();
    dict.set("Type", name("XObject"));
    dict.set("Subtype", name("Form"));
    dict.set("BBox", Object::Array(vec![0.into(), 0.into(), Object::Real(width as f32), Object::Real(height as f32)]));
    dict.set("Resources", renumber(&resources, &map));
    let mut stream = Stream::new(dict, content);
    let _ = stream.compress();
    Ok(update.add(&Object::Stream(stream)))
}

fn collect_refs(obj: &Object, out: &mut Vec<ObjectId>) {
    match obj {
        Object::Reference(id) => out.push(*id),
        Object::Array(a) => a.iter().for_each(|o| collect_refs(o, out)),
        Object::Dictionary(d) => d.iter().for_each(|(_, o)| collect_refs(o, out)),
        Object::Stream(s) => s.dict.iter().for_each(|(_, o)| collect_refs(o, out)),
        _ => {}
    }
}

fn renumber(obj: &Object, map: &HashMap<ObjectId, ObjectId>) -> Object {
    match obj {
        Object::Reference(id) => Object::Reference(*map.get(id).unwrap_or(id)),
        Object::Array(a) => Object::Array(a.iter().map(|o| renumber(o, map)).collect()),
        Object::Dictionary(d) => {
            let mut n = Dictionary::new();
            for (k, v) in d.iter() {
                n.set(k.clone(), renumber(v, map));
            }
            Object::Dictionary(n)
        }
        Object::Stream(s) => {
            let Object::Dictionary(dict) = renumber(&Object::Dictionary(s.dict.clone()), map) else { unreachable!() };
            let mut n = Stream::new(dict, s.content.clone());
            n.allows_compression = s.allows_compression;
            Object::Stream(n)
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn qr_runs_cover_the_finder_patterns() {
        let (w, runs) = super::qr_runs("RENJA-TTE;sha256=00").unwrap();
        assert!(w >= 21);
        // The top-left finder pattern's first row is 7 dark modules.
        assert!(runs.contains(&(0, 0, 7)));
        let svg = super::qr_svg("RENJA-TTE;sha256=00").unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("M0 0h7v1h-7z"));
    }
}
