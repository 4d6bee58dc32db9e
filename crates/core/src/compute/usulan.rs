//! T-C.32: proposals of the stakeholders (usulan program dan kegiatan dari para pemangku
//! kepentingan). Nothing is computed; the rows are carried to the document with their number.

use crate::diag::Diagnostics;
use crate::model::Edition;
use crate::source::schema::Usulan;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct UsulanTabel {
    pub nomor: String,
    pub judul: String,
    pub baris: Vec<Usulan>,
}

pub fn compute(ed: &Edition, diags: &mut Diagnostics) -> Option<UsulanTabel> {
    let (file, src) = ed.sources.usulan.as_deref()?;
    for u in &src.usulan {
        if u.get_ref().program.trim().is_empty() {
            diags.error(file.loc_of(&u.span()), "usulan tanpa program/kegiatan; tulis program = \"…\"");
        }
    }
    Some(UsulanTabel { nomor: src.tabel.nomor.clone(), judul: src.tabel.judul.clone(), baris: src.usulan.iter().map(|u| u.get_ref().clone()).collect() })
}
