//! PAdES signing and verification of the final PDF. `renja build --final` leaves an empty
//! signature field in the signature block ([`add_signature_field`]); [`sign`] fills it in an
//! incremental update — visible appearance, `/Sig` dictionary, CMS SignedData over the whole
//! file but the signature value — and [`signatures`] checks every signature of a file.
//!
//! Boundary: PAdES signing and verification of finished PDFs; may use `diag`, `format` and `pdf`
//! (its typst World lays out the visible signature); never `document`, `compute`, `archive` or the
//! façade. `pdf` never uses `sign`: the façade adds the empty signature field.

pub mod appearance;
pub mod bsre;
pub mod cms;
pub mod credentials;
pub mod pdfobj;
pub mod time;
pub mod trust;
pub mod tsa;

use lopdf::{Dictionary, Document, Object, ObjectId};
use pdfobj::{Update, name, text};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

/// Bytes reserved for the CMS signature (hex-encoded in `/Contents`, so the slot is twice
/// this, under 16 KB): room for a certificate chain and a timestamp token.
const CONTENTS_BYTES: usize = 7680;
/// Name of the field `renja build --final` prepares.
pub const FIELD_NAME: &str = "TTE";

/// The signature slot on the page, in PDF user space (points, origin bottom-left).
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    /// 1-based page number.
    pub page: usize,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// Who signs, as the edition states it (shown in the appearance).
#[derive(Debug, Clone)]
pub struct FieldInfo {
    pub nama: String,
    pub nip: String,
    pub jabatan: String,
    pub edisi: String,
    /// The document's title (for the default signing reason).
    pub judul: String,
    /// Where the document is signed (the default signing location).
    pub tempat: String,
    /// The region's time zone, for the signing time shown.
    pub zona: time::Zona,
    /// The sources' fingerprint ([`renja_core::source::fingerprint`]).
    pub sumber: String,
}

/// Why a signature field could not be added, found or signed, or why a file's signatures could
/// not be listed. The Display text is the Indonesian message shown to users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("PDF tidak dapat dibaca: {0}")]
    Unreadable(String),
    #[error("berkas bukan PDF")]
    NotPdf,
    #[error("PDF tanpa startxref")]
    NoStartxref,
    #[error("PDF tanpa katalog")]
    NoCatalog,
    #[error("halaman {0} tidak ada")]
    NoPage(usize),
    #[error("PDF ini tidak memiliki kolom tanda tangan kosong; susun dokumen final dengan `renja build --final` lalu tandatangani")]
    NoEmptyField,
    #[error("PDF ini sudah ditandatangani; tanda tangan tidak ditambahkan")]
    AlreadySigned,
    #[error("kolom tanda tangan tanpa /Rect yang sah")]
    BadRect,
    #[error("objek tanda tangan hilang")]
    SignatureObjectMissing,
    #[error("berkas terlalu besar untuk ByteRange")]
    TooLargeForByteRange,
    #[error("tanda tangan ({size} bita) melebihi ruang yang disediakan ({max} bita); rantai sertifikat terlalu panjang")]
    SignatureTooLarge { size: usize, max: usize },
    #[error(transparent)]
    Appearance(#[from] appearance::AppearanceError),
    #[error(transparent)]
    Cms(#[from] cms::CmsError),
}

impl From<PdfError> for String {
    fn from(e: PdfError) -> String {
        e.to_string()
    }
}

fn pdf_err(e: impl std::fmt::Display) -> PdfError {
    PdfError::Unreadable(e.to_string())
}

fn reference(d: &Dictionary, key: &[u8]) -> Option<ObjectId> {
    match d.get(key) {
        Ok(Object::Reference(id)) => Some(*id),
        _ => None,
    }
}

fn string_of(d: &Dictionary, key: &[u8]) -> Option<String> {
    match d.get(key) {
        Ok(Object::String(bytes, _)) => Some(decode_text(bytes)),
        _ => None,
    }
}

/// Decodes a PDF text string (UTF-16BE with BOM, or PDFDocEncoding/ASCII).
pub fn decode_text(bytes: &[u8]) -> String {
    if bytes.starts_with(&[0xfe, 0xff]) {
        let units: Vec<u16> = bytes[2..].chunks(2).filter(|c| c.len() == 2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
        String::from_utf16_lossy(&units)
    } else {
        bytes.iter().map(|&b| b as char).collect()
    }
}

/// Appends an incremental update with an empty signature field (and its empty appearance) at
/// `slot`, so the document can be signed there later, by renja or any PAdES signer.
pub fn add_signature_field(mut pdf: Vec<u8>, slot: &Slot, info: &FieldInfo) -> Result<Vec<u8>, PdfError> {
    let doc = Document::load_mem(&pdf).map_err(pdf_err)?;
    let prev_xref = pdfobj::last_startxref(&pdf).ok_or(PdfError::NoStartxref)?;
    let pages = doc.get_pages();
    let page_id = *pages.get(&(slot.page as u32)).ok_or(PdfError::NoPage(slot.page))?;
    let root_id = reference(&doc.trailer, b"Root").ok_or(PdfError::NoCatalog)?;
    let mut update = Update::new(doc.max_id);

    let mut ap = Dictionary::new();
    ap.set("Type", name("XObject"));
    ap.set("Subtype", name("Form"));
    ap.set("BBox", Object::Array(vec![0.into(), 0.into(), Object::Real(slot.width as f32), Object::Real(slot.height as f32)]));
    let ap_id = update.add(&Object::Stream(lopdf::Stream::new(ap, Vec::new())));

    let mut field = Dictionary::new();
    field.set("Type", name("Annot"));
    field.set("Subtype", name("Widget"));
    field.set("FT", name("Sig"));
    field.set("T", text(FIELD_NAME));
    field.set("TU", text(&format!("Tanda tangan elektronik {}", info.jabatan)));
    field.set(
        "Rect",
        Object::Array(
            [slot.x, slot.y, slot.x + slot.width, slot.y + slot.height].iter().map(|v| Object::Real(*v as f32)).collect(),
        ),
    );
    field.set("F", Object::Integer(4));
    field.set("P", Object::Reference(page_id));
    let mut apd = Dictionary::new();
    apd.set("N", Object::Reference(ap_id));
    field.set("AP", Object::Dictionary(apd));
    // Who signs, for the appearance renja draws when signing.
    field.set("RenjaNama", text(&info.nama));
    field.set("RenjaNIP", text(&info.nip));
    field.set("RenjaEdisi", text(&info.edisi));
    field.set("RenjaJudul", text(&info.judul));
    field.set("RenjaTempat", text(&info.tempat));
    field.set("RenjaZona", text(info.zona.label()));
    field.set("RenjaSumber", text(&info.sumber));
    let field_id = update.add(&Object::Dictionary(field));

    // The page lists the widget among its annotations.
    let mut page = doc.get_dictionary(page_id).map_err(pdf_err)?.clone();
    match page.get(b"Annots") {
        Ok(Object::Reference(arr_id)) => {
            let arr_id = *arr_id;
            let mut arr = doc.get_object(arr_id).map_err(pdf_err)?.as_array().map_err(pdf_err)?.clone();
            arr.push(Object::Reference(field_id));
            update.set(arr_id, &Object::Array(arr));
        }
        Ok(Object::Array(a)) => {
            let mut a = a.clone();
            a.push(Object::Reference(field_id));
            page.set("Annots", Object::Array(a));
            update.set(page_id, &Object::Dictionary(page));
        }
        _ => {
            page.set("Annots", Object::Array(vec![Object::Reference(field_id)]));
            update.set(page_id, &Object::Dictionary(page));
        }
    }
    let mut catalog = doc.get_dictionary(root_id).map_err(pdf_err)?.clone();
    let mut form = Dictionary::new();
    form.set("Fields", Object::Array(vec![Object::Reference(field_id)]));
    catalog.set("AcroForm", Object::Dictionary(form));
    update.set(root_id, &Object::Dictionary(catalog));
    update.append(&mut pdf, &doc.trailer, prev_xref);
    Ok(pdf)
}

/// How to sign.
pub struct Options {
    pub reason: Option<String>,
    pub location: Option<String>,
    pub contact: Option<String>,
    pub tsa: Option<String>,
    /// Time zone shown; by default the one the edition's province uses.
    pub zona: Option<time::Zona>,
    /// `layouts/` (for `tte.typ`) and the fonts for the appearance.
    pub layouts: PathBuf,
    pub fonts: Arc<renja_pdf::Fonts>,
}

/// The payload of the QR code: the edition, the signer and the SHA-256 of the document as it
/// was signed (the file before the signature's incremental update).
pub fn qr_payload(edisi: &str, nip: &str, waktu: &str, sha256_hex: &str) -> String {
    format!("RENJA-TTE;v=1;edisi={edisi};nip={nip};waktu={waktu};sha256={sha256_hex}")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The empty signature field of a final renja PDF: where it is and what the edition recorded in
/// it (shown in the visible signature and used for the signing defaults).
#[derive(Debug, Clone)]
pub struct EmptyField {
    pub id: ObjectId,
    pub dict: Dictionary,
    /// Page (1-based, 0 when the widget names no page) and rectangle of the widget.
    pub slot: Slot,
    pub nama: Option<String>,
    pub nip: String,
    pub edisi: String,
    pub judul: Option<String>,
    pub tempat: Option<String>,
    pub zona: Option<time::Zona>,
}

impl EmptyField {
    /// The signing reason: the one given, else "Pengesahan <judul>".
    pub fn reason(&self, opts: &Options) -> String {
        opts.reason.clone().unwrap_or_else(|| match &self.judul {
            Some(j) => format!("Pengesahan {j}"),
            None => "Pengesahan dokumen".to_string(),
        })
    }
    /// The signing location: the one given, else the edition's place of pengesahan.
    pub fn location(&self, opts: &Options) -> Option<String> {
        opts.location.clone().or_else(|| self.tempat.clone())
    }
    /// What the visible signature shows, signed at `now` by `nama` (the edition's signer when
    /// the field names one), over a document whose SHA-256 is `doc_hash`.
    pub fn tampilan(&self, fallback_nama: &str, opts: &Options, now: SystemTime, doc_hash: &str) -> Result<appearance::Tampilan, PdfError> {
        let zona = opts.zona.or(self.zona).unwrap_or(time::Zona::Wib);
        let qr_svg = appearance::qr_svg(&qr_payload(&self.edisi, self.nip.trim_start_matches("NIP ").replace(' ', "").as_str(), &time::iso(now), doc_hash))?;
        Ok(appearance::Tampilan {
            lebar: self.slot.width,
            tinggi: self.slot.height,
            nama: self.nama.clone().unwrap_or_else(|| fallback_nama.to_string()),
            nip: self.nip.clone(),
            waktu: time::display_local(now, zona),
            kalimat: appearance::KALIMAT_TTE,
            qr_svg,
        })
    }
}

/// The AcroForm of a document: where it lives (its own object, or inside the catalog).
struct Form {
    root_id: ObjectId,
    catalog: Dictionary,
    acroform_id: Option<ObjectId>,
    acroform: Dictionary,
}

/// Finds the first empty signature field of `doc`, with the document's AcroForm.
fn find_empty_field(doc: &Document) -> Result<(Form, EmptyField), PdfError> {
    let root_id = reference(&doc.trailer, b"Root").ok_or(PdfError::NoCatalog)?;
    let catalog = doc.get_dictionary(root_id).map_err(pdf_err)?;
    let (acroform_id, acroform) = match catalog.get(b"AcroForm") {
        Ok(Object::Reference(id)) => (Some(*id), doc.get_dictionary(*id).map_err(pdf_err)?.clone()),
        Ok(Object::Dictionary(d)) => (None, d.clone()),
        _ => return Err(PdfError::NoEmptyField),
    };
    let fields = match acroform.get(b"Fields") {
        Ok(Object::Array(a)) => a.clone(),
        Ok(Object::Reference(id)) => doc.get_object(*id).and_then(|o| o.as_array().cloned()).map_err(pdf_err)?,
        _ => Vec::new(),
    };
    let mut target = None;
    let mut signed_already = false;
    for f in &fields {
        let Object::Reference(id) = f else { continue };
        let Ok(d) = doc.get_dictionary(*id) else { continue };
        if d.get(b"FT").ok().and_then(|o| o.as_name().ok()) != Some(b"Sig".as_slice()) {
            continue;
        }
        if d.has(b"V") {
            signed_already = true;
        } else if target.is_none() {
            target = Some((*id, d.clone()));
        }
    }
    let Some((field_id, field)) = target else {
        return Err(if signed_already { PdfError::AlreadySigned } else { PdfError::NoEmptyField });
    };
    let rect: Vec<f64> = field
        .get(b"Rect")
        .and_then(|r| r.as_array())
        .map(|a| a.iter().filter_map(number).collect())
        .unwrap_or_default();
    if rect.len() != 4 {
        return Err(PdfError::BadRect);
    }
    let page = match reference(&field, b"P") {
        Some(p) => doc.get_pages().into_iter().find(|(_, id)| *id == p).map(|(n, _)| n as usize).unwrap_or(0),
        None => 0,
    };
    let slot = Slot {
        page,
        x: rect[0].min(rect[2]),
        y: rect[1].min(rect[3]),
        width: (rect[2] - rect[0]).abs(),
        height: (rect[3] - rect[1]).abs(),
    };
    let empty = EmptyField {
        id: field_id,
        slot,
        nama: string_of(&field, b"RenjaNama"),
        nip: string_of(&field, b"RenjaNIP").unwrap_or_default(),
        edisi: string_of(&field, b"RenjaEdisi").unwrap_or_default(),
        judul: string_of(&field, b"RenjaJudul"),
        tempat: string_of(&field, b"RenjaTempat"),
        zona: string_of(&field, b"RenjaZona").and_then(|z| time::Zona::from_label(&z)),
        dict: field,
    };
    Ok((Form { root_id, catalog: catalog.clone(), acroform_id, acroform }, empty))
}

/// A PDF number (integer or real) as f64.
fn number(o: &Object) -> Option<f64> {
    o.as_float().ok().map(f64::from).or_else(|| o.as_i64().ok().map(|i| i as f64))
}

/// The empty signature field of a final renja PDF (see [`EmptyField`]).
pub fn empty_field(pdf: &[u8]) -> Result<EmptyField, PdfError> {
    let doc = Document::load_mem(pdf).map_err(pdf_err)?;
    find_empty_field(&doc).map(|(_, f)| f)
}

/// Why a signing backend did not sign.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// renja refused the PDF: no empty field, not a PDF, the visible signature's layout failed
    /// (exit 1).
    #[error(transparent)]
    Pdf(#[from] PdfError),
    /// The empty field does not say where it is drawn (exit 1).
    #[error("kolom tanda tangan tidak menyebut halaman atau ukurannya; susun ulang dengan `renja build --final`")]
    FieldWithoutPlace,
    /// The signed PDF a service returned fails renja's checks (exit 1).
    #[error("PDF bertanda tangan dari layanan BSrE ({api}) ditolak: {source}")]
    Returned { api: &'static str, source: bsre::ReturnedError },
    /// The BSrE service said no, or could not be asked (exit codes per [`bsre::ErrorKind`]).
    #[error(transparent)]
    Bsre(bsre::Error),
}

impl SignError {
    /// The process exit code `renja sign` uses for this failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            SignError::Pdf(_) | SignError::FieldWithoutPlace | SignError::Returned { .. } => 1,
            SignError::Bsre(e) => e.kind.exit_code(),
        }
    }
}

/// A way to sign a final renja PDF: renja's own signer with a local key ([`LocalKey`]) or the
/// BSrE Esign Client Service ([`bsre::Signer`]). Either returns the input bytes unchanged
/// followed by one incremental update holding the signature.
pub trait Backend {
    fn sign_pdf(&self, pdf: &[u8], opts: &Options, now: SystemTime) -> Result<Vec<u8>, SignError>;
}

/// Signing with a local key and certificate ([`sign`]).
pub struct LocalKey<'a>(pub &'a credentials::Credentials);

impl Backend for LocalKey<'_> {
    fn sign_pdf(&self, pdf: &[u8], opts: &Options, now: SystemTime) -> Result<Vec<u8>, SignError> {
        Ok(sign(pdf, self.0, opts, now)?)
    }
}

/// Signs `pdf` (a final renja PDF with an empty signature field) and returns the signed file:
/// the input bytes unchanged, followed by one incremental update.
pub fn sign(pdf: &[u8], creds: &credentials::Credentials, opts: &Options, now: SystemTime) -> Result<Vec<u8>, PdfError> {
    let doc = Document::load_mem(pdf).map_err(pdf_err)?;
    let prev_xref = pdfobj::last_startxref(pdf).ok_or(PdfError::NoStartxref)?;
    let (Form { root_id, catalog, acroform_id, acroform }, empty) = find_empty_field(&doc)?;
    let (field_id, mut field) = (empty.id, empty.dict.clone());
    let (width, height) = (empty.slot.width, empty.slot.height);
    let cn = credentials::common_name(&creds.cert);
    let reason = empty.reason(opts);
    let location = empty.location(opts);

    let doc_hash = hex(&Sha256::digest(pdf));
    let mut update = Update::new(doc.max_id);
    if width > 0.0 && height > 0.0 {
        let tampilan = empty.tampilan(&cn, opts, now, &doc_hash)?;
        let ap_pdf = appearance::render(&tampilan, &opts.layouts, opts.fonts.clone(), now)?;
        let ap_id = appearance::import(&ap_pdf, width, height, &mut update)?;
        let mut apd = Dictionary::new();
        apd.set("N", Object::Reference(ap_id));
        field.set("AP", Object::Dictionary(apd));
    }

    // The signature dictionary, written by hand: fixed-width /ByteRange and a zero-filled
    // /Contents placeholder, patched once the offsets are known.
    let sig_id = update.reserve();
    let mut sig = Vec::new();
    sig.extend_from_slice(b"<</Type /Sig/Filter /Adobe.PPKLite/SubFilter /ETSI.CAdES.detached/ByteRange ");
    let byte_range_at = sig.len();
    sig.extend_from_slice(BYTE_RANGE_PLACEHOLDER.as_bytes());
    sig.extend_from_slice(b"/Contents");
    let contents_at = sig.len();
    sig.push(b'<');
    sig.extend(std::iter::repeat_n(b'0', CONTENTS_BYTES * 2));
    sig.push(b'>');
    let mut rest = Dictionary::new();
    rest.set("M", Object::String(time::pdf_date(now).into_bytes(), lopdf::StringFormat::Literal));
    rest.set("Name", text(&cn));
    rest.set("Reason", text(&reason));
    if let Some(l) = &location {
        rest.set("Location", text(l));
    }
    if let Some(c) = &opts.contact {
        rest.set("ContactInfo", text(c));
    }
    let mut tail = Vec::new();
    pdfobj::write_object(&mut tail, &Object::Dictionary(rest));
    // Splice the remaining entries into our dictionary (drop their "<<" and keep ">>").
    sig.extend_from_slice(&tail[2..]);
    update.set_raw(sig_id, sig);

    field.set("V", Object::Reference(sig_id));
    update.set(field_id, &Object::Dictionary(field));
    let mut form = acroform.clone();
    form.set("SigFlags", Object::Integer(3));
    match acroform_id {
        Some(id) => update.set(id, &Object::Dictionary(form)),
        None => {
            let mut cat = catalog.clone();
            cat.set("AcroForm", Object::Dictionary(form));
            update.set(root_id, &Object::Dictionary(cat));
        }
    }

    let mut out = pdf.to_vec();
    let bodies = update.append(&mut out, &doc.trailer, prev_xref);
    let body = bodies.iter().find(|(id, _)| *id == sig_id).map(|(_, off)| *off).ok_or(PdfError::SignatureObjectMissing)?;
    let (br, start) = (body + byte_range_at, body + contents_at);
    let end = start + CONTENTS_BYTES * 2 + 2;
    let ranges = [0, start, end, out.len() - end];
    let patched = format!("[{} {} {} {}]", ranges[0], ranges[1], ranges[2], ranges[3]);
    if patched.len() > BYTE_RANGE_PLACEHOLDER.len() {
        return Err(PdfError::TooLargeForByteRange);
    }
    let padded = format!("{patched:<width$}", width = BYTE_RANGE_PLACEHOLDER.len());
    out[br..br + padded.len()].copy_from_slice(padded.as_bytes());

    let mut hasher = Sha256::new();
    hasher.update(&out[..start]);
    hasher.update(&out[end..]);
    let digest = hasher.finalize();
    let mut cms_der = cms::sign(creds, &digest)?;
    if let Some(url) = &opts.tsa {
        cms_der = cms::add_timestamp(&cms_der, url)?;
    }
    if cms_der.len() > CONTENTS_BYTES {
        return Err(PdfError::SignatureTooLarge { size: cms_der.len(), max: CONTENTS_BYTES });
    }
    let hex_sig = hex(&cms_der).to_uppercase();
    out[start + 1..start + 1 + hex_sig.len()].copy_from_slice(hex_sig.as_bytes());
    Ok(out)
}

const BYTE_RANGE_PLACEHOLDER: &str = "[0 0000000000 0000000000 0000000000]";

/// One signature found in a file, with the result of checking it.
#[derive(Debug, Clone)]
pub struct SignatureInfo {
    pub byte_range: [usize; 4],
    /// The file's length; the signature covers the whole file when `covered_end == file_len`.
    pub covered_end: usize,
    pub file_len: usize,
    /// The `/M` signing time, as "28 November 2026 11:45:07 UTC" when it could be read.
    pub waktu: Option<String>,
    pub reason: Option<String>,
    pub location: Option<String>,
    pub sub_filter: Option<String>,
    /// SHA-256 of the revision the signature was applied to (the QR code carries it).
    pub sha256_sebelum: Option<String>,
    pub result: Result<cms::Checked, cms::CmsError>,
}

impl SignatureInfo {
    pub fn covers_whole_file(&self) -> bool {
        self.covered_end == self.file_len
    }
    /// Valid: the CMS checks out and the byte range is well formed.
    pub fn valid(&self) -> bool {
        matches!(&self.result, Ok(c) if c.problems.is_empty())
    }
}

/// Every signature in `pdf` (found by their `/ByteRange`), checked.
pub fn signatures(pdf: &[u8]) -> Result<Vec<SignatureInfo>, PdfError> {
    if !pdf.starts_with(b"%PDF-") {
        return Err(PdfError::NotPdf);
    }
    let doc = Document::load_mem(pdf).ok();
    let mut out = Vec::new();
    let key = b"/ByteRange";
    let mut pos = 0;
    while let Some(i) = find(pdf, key, pos) {
        pos = i + key.len();
        let Some(ranges) = parse_ranges(&pdf[pos..]) else { continue };
        let [a, b, c, d] = ranges;
        if a != 0 || b >= c || c > pdf.len() || c + d > pdf.len() || pdf.get(b) != Some(&b'<') || pdf.get(c - 1) != Some(&b'>') {
            continue;
        }
        let hex_text = &pdf[b + 1..c - 1];
        let Some(raw) = unhex(hex_text) else { continue };
        let cms_der = &raw[..der_len(&raw).unwrap_or(raw.len()).min(raw.len())];
        let mut hasher = Sha256::new();
        hasher.update(&pdf[..b]);
        hasher.update(&pdf[c..c + d]);
        let digest = hasher.finalize();
        let result = cms::verify(cms_der, &digest);
        // Details from the /Sig dictionary itself, when lopdf can find it.
        let dict = doc.as_ref().and_then(|doc| {
            doc.objects.values().find_map(|o| match o {
                Object::Dictionary(dct) if sig_matches(dct, &ranges) => Some(dct.clone()),
                _ => None,
            })
        });
        let waktu = dict.as_ref().and_then(|d| string_of(d, b"M")).map(|m| pdf_date_display(&m));
        let prev_eof = revision_end(pdf, b);
        out.push(SignatureInfo {
            byte_range: ranges,
            covered_end: c + d,
            file_len: pdf.len(),
            waktu,
            reason: dict.as_ref().and_then(|d| string_of(d, b"Reason")),
            location: dict.as_ref().and_then(|d| string_of(d, b"Location")),
            sub_filter: dict.as_ref().and_then(|d| d.get(b"SubFilter").ok()).and_then(|o| o.as_name().ok()).map(|n| String::from_utf8_lossy(n).into_owned()),
            sha256_sebelum: prev_eof.map(|e| hex(&Sha256::digest(&pdf[..e]))),
            result,
        });
    }
    Ok(out)
}

fn sig_matches(d: &Dictionary, ranges: &[usize; 4]) -> bool {
    let Ok(Object::Array(a)) = d.get(b"ByteRange") else { return false };
    let vals: Vec<usize> = a.iter().filter_map(|o| o.as_i64().ok().map(|v| v as usize)).collect();
    vals == ranges
}

/// "D:20261128114507+00'00'" → "28 November 2026 11:45:07 UTC" (other offsets shown as given).
fn pdf_date_display(m: &str) -> String {
    let s = m.trim_start_matches("D:");
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    match (num(0..4), num(4..6), num(6..8), num(8..10), num(10..12), num(12..14)) {
        (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(se)) => {
            let zone = &s[14.min(s.len())..];
            let zone = if zone.is_empty() || zone.starts_with('Z') || zone.starts_with("+00") { "UTC".to_string() } else { zone.replace('\'', "") };
            format!("{} {h:02}:{mi:02}:{se:02} {zone}", renja_core::format::tanggal(y as i32, mo as u8, d as u8))
        }
        _ => m.to_string(),
    }
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn parse_ranges(s: &[u8]) -> Option<[usize; 4]> {
    let s = &s[..s.len().min(120)];
    let open = s.iter().position(|&c| c == b'[')?;
    if !s[..open].iter().all(|c| c.is_ascii_whitespace()) {
        return None;
    }
    let close = s.iter().position(|&c| c == b']')?;
    let nums: Vec<usize> = std::str::from_utf8(&s[open + 1..close]).ok()?.split_whitespace().map(|x| x.parse().ok()).collect::<Option<_>>()?;
    nums.try_into().ok()
}

fn unhex(s: &[u8]) -> Option<Vec<u8>> {
    let digits: Vec<u8> = s.iter().copied().filter(|c| !c.is_ascii_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return None;
    }
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect()
}

/// Total length of the DER element at the start of `b` (tag, length, contents).
fn der_len(b: &[u8]) -> Option<usize> {
    let first = *b.get(1)?;
    if first < 0x80 {
        return Some(2 + first as usize);
    }
    let n = (first & 0x7f) as usize;
    if n == 0 || n > 4 {
        return None;
    }
    let mut len = 0usize;
    for i in 0..n {
        len = (len << 8) | *b.get(2 + i)? as usize;
    }
    Some(2 + n + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse() {
        assert_eq!(parse_ranges(b" [0 10 20 30   ]/Contents"), Some([0, 10, 20, 30]));
        assert_eq!(parse_ranges(b"x[0 10 20 30]"), None);
        assert_eq!(der_len(&[0x30, 0x82, 0x01, 0x00]), Some(260));
        assert_eq!(der_len(&[0x30, 0x03, 1, 2, 3, 0, 0]), Some(5));
        assert_eq!(pdf_date_display("D:20261128114507+00'00'"), "28 November 2026 11:45:07 UTC");
    }
}

/// The sources' fingerprint recorded in a final renja PDF (see [`FieldInfo::sumber`]).
pub fn recorded_fingerprint(pdf: &[u8]) -> Option<String> {
    let key = b"/RenjaSumber (";
    let at = pdf.windows(key.len()).rposition(|w| w == key)? + key.len();
    let end = at + pdf[at..].iter().take(80).position(|&c| c == b')')?;
    std::str::from_utf8(&pdf[at..end]).ok().map(str::to_string)
}

/// The file as it was before its first signature (the unsigned final PDF), when `pdf` is signed.
pub fn before_first_signature(pdf: &[u8]) -> Option<&[u8]> {
    let first = find(pdf, b"/ByteRange", 0)?;
    Some(&pdf[..revision_end(pdf, first)?])
}

/// Where the revision that precedes byte `at` ends: after its last `%%EOF` and end-of-line.
fn revision_end(pdf: &[u8], at: usize) -> Option<usize> {
    let mut end = rfind(&pdf[..at], b"%%EOF")? + 5;
    while end < pdf.len() && (pdf[end] == b'\r' || pdf[end] == b'\n') {
        end += 1;
    }
    Some(end)
}
