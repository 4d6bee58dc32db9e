//! The completion vocabulary of one revision for the workspace's editor
//! (`GET /api/v1/edisi/{id}/revisi/{rev}/kosakata`): what a chapter's template can use (the
//! template context's variables, our filters and functions, the tables `tabel("…")` can place —
//! [`renja_edition::Edition::template_names`] of the revision's document) and, for the data files, the
//! codes (the edition's `data/nomenklatur.toml`, then every other `kode` in its data files) and the
//! field names of each file's rows (the schema's row type, plus any key the file already uses).
//! Everything is computed from the revision's sources by the library; the browser only filters.

use super::tabel;
use renja_core::source::schema;
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// A deserializer that records the field names a struct asks for and fails: the top-level keys
/// a row type of the schema accepts.
struct Fields<'a>(&'a mut Vec<&'static str>);

#[derive(Debug)]
struct Stop;
impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stop")
    }
}
impl std::error::Error for Stop {}
impl de::Error for Stop {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Stop
    }
}

impl<'de> Deserializer<'de> for Fields<'_> {
    type Error = Stop;
    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        Err(Stop)
    }
    fn deserialize_struct<V: Visitor<'de>>(self, _: &'static str, fields: &'static [&'static str], _: V) -> Result<V::Value, Stop> {
        self.0.extend_from_slice(fields);
        Err(Stop)
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit unit_struct
        newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

fn fields<'de, T: Deserialize<'de>>() -> Vec<&'static str> {
    let mut out = Vec::new();
    let _ = T::deserialize(Fields(&mut out));
    out
}

/// The schema's row type of a data file (by its array's key), as field names.
fn schema_fields(larik: &str) -> Vec<&'static str> {
    match larik {
        "baris" => {
            // Several files' rows are `[[baris]]`: the union of their row types.
            let mut f = fields::<schema::RencanaBaris>();
            for x in fields::<schema::RkpdBaris>().into_iter().chain(fields::<schema::EvaluasiBaris>()) {
                if !f.contains(&x) {
                    f.push(x);
                }
            }
            f
        }
        "usulan" => fields::<schema::Usulan>(),
        "peraturan" => fields::<schema::Peraturan>(),
        "unit" => fields::<schema::Unit>(),
        "nomenklatur" => fields::<schema::NomenklaturEntry>(),
        _ => Vec::new(),
    }
}

/// The field names for a file's rows: the schema's row type for the file (by its name where
/// several files share an array key), then keys the file uses that the schema does not name.
fn file_fields(path: &str, grid: &tabel::Grid) -> Vec<String> {
    let mut out: Vec<String> = match (path, grid.larik.as_str()) {
        ("data/rencana.toml", _) => fields::<schema::RencanaBaris>(),
        ("data/rkpd.toml", _) => fields::<schema::RkpdBaris>(),
        ("data/evaluasi.toml", _) => fields::<schema::EvaluasiBaris>(),
        (_, larik) => schema_fields(larik),
    }
    .into_iter()
    .map(str::to_string)
    .collect();
    for k in &grid.kolom {
        let top = k.nama.split('.').next().unwrap_or("").to_string();
        if !top.is_empty() && !out.contains(&top) {
            out.push(top);
        }
    }
    out
}

/// The vocabulary of the sources `files`, laid out under `scratch`.
pub fn vocabulary(scratch: &Path, files: &[(String, Vec<u8>)]) -> Result<Value, String> {
    let wd = crate::engine::Workdir::new(scratch, files).map_err(|e| e.to_string())?;
    let edition = renja_edition::Edition::load(wd.path());
    let names = edition.template_names();
    let mut kode: BTreeMap<String, String> = BTreeMap::new();
    let mut berkas = serde_json::Map::new();
    let mut data: Vec<&(String, Vec<u8>)> = files.iter().filter(|(p, _)| p.starts_with("data/") && p.ends_with(".toml")).collect();
    // The nomenclature first: its names describe the codes.
    data.sort_by_key(|(p, _)| (p != "data/nomenklatur.toml", p.clone()));
    for (path, bytes) in data {
        let Ok(text) = std::str::from_utf8(bytes) else { continue };
        let Ok(grid) = tabel::read(text) else { continue };
        for row in &grid.baris {
            if let Some(k) = row.sel.get("kode").filter(|k| !k.is_empty()) {
                let nama = row.sel.get("nama").or_else(|| row.sel.get("uraian")).cloned().unwrap_or_default();
                let e = kode.entry(k.clone()).or_default();
                if e.is_empty() {
                    *e = nama;
                }
            }
        }
        berkas.insert(path.clone(), json!({ "larik": grid.larik, "kolom": file_fields(path, &grid) }));
    }
    Ok(json!({
        "variabel": names.as_ref().map(|n| n.variables.clone()).unwrap_or_default(),
        "filter": names.as_ref().map(|n| n.filters.clone()).unwrap_or_default(),
        "fungsi": names.as_ref().map(|n| n.functions.clone()).unwrap_or_default(),
        "tabel": names.as_ref().map(|n| n.tables.clone()).unwrap_or_default(),
        "kode": kode.into_iter().collect::<Vec<_>>(),
        "berkas": berkas,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_row_fields_are_read_from_the_types() {
        let f = fields::<schema::RencanaBaris>();
        assert!(f.contains(&"pagu_sesudah") && f.contains(&"kode") && f.contains(&"dinyatakan"), "{f:?}");
        assert!(fields::<schema::Peraturan>().contains(&"tentang"));
    }

    #[test]
    fn the_sample_gives_variables_tables_codes_and_fields() {
        let mut files = Vec::new();
        for dir in ["", "bab/", "data/"] {
            for e in std::fs::read_dir(renja_core::checkout_dir().join(format!("content/{dir}"))).unwrap() {
                let e = e.unwrap();
                if e.file_type().unwrap().is_file() {
                    files.push((format!("{dir}{}", e.file_name().to_string_lossy()), std::fs::read(e.path()).unwrap()));
                }
            }
        }
        let tmp = tempfile::tempdir().unwrap();
        let v = vocabulary(tmp.path(), &files).unwrap();
        let vars: Vec<&str> = v["variabel"].as_array().unwrap().iter().map(|x| x[0].as_str().unwrap()).collect();
        for want in ["edisi.tahun", "opd.nama", "evaluasi.total.pagu", "evaluasi.statistik.predikat_k"] {
            assert!(vars.contains(&want), "{want} in {vars:?}");
        }
        let tahun = v["variabel"].as_array().unwrap().iter().find(|x| x[0] == "edisi.tahun").unwrap();
        assert_eq!(tahun[1], "2022");
        assert!(v["tabel"].as_array().unwrap().iter().any(|t| t == "rencana"));
        assert!(v["filter"].as_array().unwrap().iter().any(|t| t == "rupiah"));
        let kode = v["kode"].as_array().unwrap();
        assert!(kode.iter().any(|k| k[0] == "2.07.01" && k[1].as_str().unwrap().contains("PENUNJANG")), "{kode:?}");
        let rencana = v["berkas"]["data/rencana.toml"]["kolom"].as_array().unwrap();
        assert!(rencana.iter().any(|k| k == "pagu_sesudah") && rencana.iter().any(|k| k == "maju"), "{rencana:?}");
    }
}
