//! Values placed into text: each chapter body is a minijinja template evaluated against the
//! computed edition, with our Indonesian filters (`rupiah`, `persen`, `terbilang`, …) and the
//! block placements (`tabel("…")`, `landasan_hukum()`, …), which leave a marker that the Markdown
//! stage replaces by the block. Inserted values are escaped so they stay literal text.

use crate::format::{self, RupiahStyle};
use crate::model::predikat::Predikat;
use minijinja::value::{Object, Value};
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};
use rust_decimal::Decimal;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

/// A computed number carried into templates: prints its formatted text, filters use its value.
#[derive(Debug)]
pub struct Angka {
    pub nilai: Option<Decimal>,
    pub teks: String,
}

impl Object for Angka {
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.teks)
    }
}

/// Stands for the values of a data file that failed to read or compute (its errors are reported
/// there): every attribute is again this value, it prints nothing, iterates as empty and every
/// filter accepts it, so the chapters using it stay silent instead of blaming themselves.
#[derive(Debug)]
pub struct Gagal;

impl Object for Gagal {
    fn get_value(self: &Arc<Self>, _key: &Value) -> Option<Value> {
        Some(Value::from_object(Gagal))
    }

    fn enumerate(self: &Arc<Self>) -> minijinja::value::Enumerator {
        minijinja::value::Enumerator::Empty
    }

    fn render(self: &Arc<Self>, _f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Ok(())
    }
}

fn is_gagal(v: &Value) -> bool {
    v.downcast_object_ref::<Gagal>().is_some()
}

/// Prefix of the messages our own filters and functions raise (Bahasa Indonesia); any other
/// detail is the template engine's own (English) and goes to the secondary line.
const OWN: &str = "\u{2063}";

fn own_error(msg: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::InvalidOperation, format!("{OWN}{msg}"))
}

/// Marker delimiting a placed block in rendered text.
pub const MARK: char = '\u{FFFC}';

/// A block placed by a template call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    Tabel(String),
    LandasanHukum,
    FungsiDinas,
    TugasFungsi,
}

/// Converts the serialised model's JSON into template values: `{nilai, teks}` and `{teks,
/// angka}` objects become [`Angka`]; arrays of rows with `kode` also get a `kode` map. The
/// reference the tests hold `serialize::value_of` (which makes the values without the JSON)
/// against.
#[cfg(test)]
pub(super) fn to_value(v: &serde_json::Value) -> Value {
    convert(v, &mut Keys::default())
}

/// The keys of the objects converted so far, each string once: a table's rows repeat the same
/// keys, and a map keyed by `Arc<str>` is the same template value as one keyed by `String`
/// (minijinja turns `&str` keys into `Arc<str>` keys itself).
#[derive(Default)]
pub(super) struct Keys(std::collections::HashSet<Arc<str>>);

impl Keys {
    pub(super) fn get(&mut self, k: &str) -> Arc<str> {
        if let Some(a) = self.0.get(k) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(k);
        self.0.insert(a.clone());
        a
    }
}

/// An [`Angka`] of `teks` and the number written `nilai`.
pub(super) fn angka(nilai: Option<String>, teks: String) -> Value {
    Value::from_object(Angka { nilai: nilai.and_then(|s| Decimal::from_str(&s).ok()), teks })
}

#[cfg(test)]
fn convert(v: &serde_json::Value, keys: &mut Keys) -> Value {
    match v {
        serde_json::Value::Object(map) => {
            let num = map.get("nilai").or_else(|| map.get("angka"));
            if let (Some(teks), true) = (map.get("teks").and_then(|t| t.as_str()), map.len() <= 2) {
                let nilai = num.and_then(|n| n.as_str().map(str::to_string).or_else(|| n.as_number().map(|x| x.to_string())));
                return angka(nilai, teks.to_string());
            }
            let mut out: std::collections::BTreeMap<Arc<str>, Value> = map.iter().map(|(k, v)| (keys.get(k), convert(v, keys))).collect();
            if let Some(serde_json::Value::Array(rows)) = map.get("baris") {
                // The rows by code are the values of `baris` again (shared: minijinja values are
                // reference-counted), not a second conversion of every row.
                let converted: Vec<Value> = out.get("baris").and_then(|b| b.try_iter().ok()).map(|it| it.collect()).unwrap_or_default();
                let by_code: std::collections::BTreeMap<String, Value> = rows
                    .iter()
                    .zip(converted)
                    .filter_map(|(r, v)| r.get("kode").and_then(|k| k.as_str()).map(|k| (k.to_string(), v)))
                    .collect();
                if !by_code.is_empty() {
                    out.insert(keys.get("kode"), Value::from(by_code));
                }
            }
            Value::from(out)
        }
        serde_json::Value::Array(a) => Value::from(a.iter().map(|x| convert(x, keys)).collect::<Vec<_>>()),
        serde_json::Value::String(s) => Value::from(s.clone()),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else {
                Value::from(n.as_f64().unwrap_or(0.0))
            }
        }
        serde_json::Value::Bool(b) => Value::from(*b),
        serde_json::Value::Null => Value::from(()),
    }
}

/// Reads the exact number behind a template value.
fn number(v: &Value) -> Result<Decimal, Error> {
    if is_gagal(v) {
        return Ok(Decimal::ZERO);
    }
    if let Some(a) = v.downcast_object_ref::<Angka>() {
        return a.nilai.ok_or_else(|| own_error(format!("nilai '{}' tidak berupa angka", a.teks)));
    }
    if let Some(s) = v.as_str() {
        return crate::model::value::leading_number(s)
            .ok()
            .flatten()
            .or_else(|| Decimal::from_str(s).ok())
            .ok_or_else(|| own_error(format!("'{s}' bukan angka")));
    }
    if let Ok(i) = i64::try_from(v.clone()) {
        return Ok(Decimal::from(i));
    }
    if let Ok(f) = f64::try_from(v.clone()) {
        return Decimal::from_str(&f.to_string()).map_err(|_| own_error("angka tidak sah"));
    }
    if v.is_undefined() || v.is_none() {
        return Err(own_error("nilai kosong (tidak terdefinisi) tidak dapat diformat"));
    }
    Err(own_error(format!("nilai '{v}' bukan angka")))
}

/// Escapes characters Markdown would interpret, so inserted values stay literal.
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '!' | '|' | '~' | '&' | '{' | '}') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Our filters and block functions (registered in [`Templates::new`]), for editors' completion;
/// a test checks each is registered.
pub const FILTERS: [&str; 9] = ["rupiah", "angka", "persen", "terbilang", "terbilang_angka", "romawi", "predikat_nama", "nip", "tanggal"];
pub const FUNCTIONS: [&str; 4] = ["tabel", "landasan_hukum", "fungsi_dinas", "tugas_fungsi"];

/// Every variable a template can reach in `ctx` (`edisi.tahun`, `evaluasi.total.pagu`), with a
/// short description of its value (its text, or "daftar (N)" for a list), for editors'
/// completion. Keys that are not identifiers (the `kode` maps' codes) are not descended into.
pub fn variables(ctx: &Value) -> Vec<(String, String)> {
    fn walk(v: &Value, path: &str, depth: usize, out: &mut Vec<(String, String)>) {
        if let Some(a) = v.downcast_object_ref::<Angka>() {
            out.push((path.to_string(), a.teks.clone()));
            return;
        }
        match v.kind() {
            minijinja::value::ValueKind::Map if depth < 5 => {
                if !path.is_empty() {
                    out.push((path.to_string(), "…".into()));
                }
                let Ok(keys) = v.try_iter() else { return };
                for k in keys {
                    let Some(name) = k.as_str() else { continue };
                    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || name.starts_with(|c: char| c.is_ascii_digit()) {
                        continue;
                    }
                    if let Ok(child) = v.get_item(&k) {
                        let p = if path.is_empty() { name.to_string() } else { format!("{path}.{name}") };
                        walk(&child, &p, depth + 1, out);
                    }
                }
            }
            minijinja::value::ValueKind::Seq => out.push((path.to_string(), format!("daftar ({})", v.len().unwrap_or(0)))),
            _ => {
                let mut t: String = v.to_string().chars().take(60).collect();
                if v.is_none() || v.is_undefined() {
                    t = "(kosong)".into();
                }
                out.push((path.to_string(), t));
            }
        }
    }
    let mut out = Vec::new();
    walk(ctx, "", 0, &mut out);
    out
}

/// The template environment of one edition.
pub struct Templates {
    env: Environment<'static>,
    pub placements: Arc<Mutex<Vec<Placement>>>,
}

impl Templates {
    pub fn new(style: RupiahStyle, tables: Vec<String>) -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_formatter(|out, _state, value| {
            if value.is_none() || value.is_undefined() {
                return Err(Error::new(ErrorKind::UndefinedError, format!("{OWN}nilai kosong")));
            }
            let text = value.to_string();
            // Markers from placements pass through; everything else is escaped.
            if text.starts_with(MARK) && text.ends_with(MARK) {
                out.write_str(&text)?;
            } else {
                out.write_str(&escape_markdown(&text))?;
            }
            Ok(())
        });
        env.add_filter("rupiah", move |v: Value| -> Result<String, Error> { Ok(format::rupiah(number(&v)?, style)) });
        env.add_filter("angka", |v: Value, dp: Option<u32>| -> Result<String, Error> {
            match (dp, v.downcast_object_ref::<Angka>()) {
                (None, Some(a)) => Ok(a.teks.clone()),
                (Some(dp), _) => Ok(format::angka_dp(number(&v)?, dp)),
                (None, None) => Ok(format::angka(number(&v)?)),
            }
        });
        env.add_filter("persen", |v: Value| -> Result<String, Error> { Ok(format::persen(number(&v)?)) });
        env.add_filter("terbilang", |v: Value| -> Result<String, Error> { Ok(format::terbilang_rupiah(number(&v)?)) });
        env.add_filter("terbilang_angka", |v: Value| -> Result<String, Error> { Ok(format::terbilang(number(&v)?)) });
        env.add_filter("romawi", |v: Value| -> Result<String, Error> {
            let n = number(&v)?;
            Ok(format::romawi(u32::try_from(n.trunc().mantissa()).unwrap_or(0)))
        });
        env.add_filter("predikat_nama", |v: Value| -> Result<String, Error> {
            if is_gagal(&v) {
                return Ok(String::new());
            }
            let s = v.to_string();
            Predikat::from_kode(&s).map(|p| p.nama().to_string()).ok_or_else(|| own_error(format!("'{s}' bukan predikat (ST, T, S, R, SR)")))
        });
        env.add_filter("nip", |v: Value| -> String { format::nip(&v.to_string()) });
        env.add_filter("tanggal", |v: Value| -> Result<String, Error> {
            if is_gagal(&v) {
                return Ok(String::new());
            }
            let s = v.to_string();
            let parts: Vec<&str> = s.split('-').collect();
            match parts.as_slice() {
                [y, m, d] => match (y.parse(), m.parse(), d.get(..2).unwrap_or(d).parse()) {
                    (Ok(y), Ok(m), Ok(d)) if (1..=12).contains(&m) => Ok(format::tanggal(y, m, d)),
                    _ => Err(own_error(format!("'{s}' bukan tanggal YYYY-MM-DD"))),
                },
                _ => Err(own_error(format!("'{s}' bukan tanggal YYYY-MM-DD"))),
            }
        });
        let placements: Arc<Mutex<Vec<Placement>>> = Arc::default();
        let place = |p: Arc<Mutex<Vec<Placement>>>, what: Placement| -> String {
            let mut v = p.lock().expect("placement list");
            v.push(what);
            format!("{MARK}{}{MARK}", v.len() - 1)
        };
        {
            let p = placements.clone();
            env.add_function("tabel", move |id: String| -> Result<Value, Error> {
                if !tables.contains(&id) {
                    let known = crate::document::tables::IdTabel::ALL.map(|t| t.as_str()).join(", ");
                    return Err(own_error(format!("tabel '{id}' tidak dikenal atau datanya tidak ada; tabel yang dikenal: {known}")));
                }
                Ok(Value::from_safe_string(place(p.clone(), Placement::Tabel(id))))
            });
        }
        for (name, what) in [("landasan_hukum", Placement::LandasanHukum), ("fungsi_dinas", Placement::FungsiDinas), ("tugas_fungsi", Placement::TugasFungsi)] {
            let p = placements.clone();
            env.add_function(name, move || -> Value { Value::from_safe_string(place(p.clone(), what.clone())) });
        }
        Templates { env, placements }
    }

    /// Renders one chapter body. On error returns the 1-based line within `body`, a message and
    /// the template engine's own detail.
    pub fn render(&self, name: &str, body: &str, ctx: &Value) -> Result<String, (usize, String, Option<String>)> {
        // Keep the body's trailing newline (minijinja drops one).
        let mut out = self.env.render_named_str(name, body, ctx).map_err(|e| describe(&e, body))?;
        if body.ends_with('\n') && !out.ends_with('\n') {
            out.push('\n');
        }
        Ok(out)
    }
}

/// An Indonesian message for a template error, with the line and the offending expression, and
/// the template engine's own words (English) as a detail.
fn describe(e: &Error, body: &str) -> (usize, String, Option<String>) {
    let line = e.line().unwrap_or(1);
    // The whole `{{ … }}` around the error, which names the value better than minijinja's range.
    let expr = e.range().and_then(|r| {
        let start = body[..r.start.min(body.len())].rfind("{{").map(|p| p + 2)?;
        let end = body[r.start.min(body.len())..].find("}}").map(|p| p + r.start)?;
        body.get(start..end).map(|s| s.trim().to_string())
    });
    let what = match e.kind() {
        ErrorKind::UndefinedError => "nilai tidak dikenal".to_string(),
        ErrorKind::UnknownFilter => "filter tidak dikenal".to_string(),
        ErrorKind::UnknownFunction => "fungsi tidak dikenal".to_string(),
        ErrorKind::SyntaxError => "sintaks templat salah".to_string(),
        ErrorKind::MissingArgument | ErrorKind::TooManyArguments => "jumlah argumen salah".to_string(),
        _ => "templat tidak dapat dievaluasi".to_string(),
    };
    let mut msg = what;
    if let Some(expr) = expr.filter(|s| !s.is_empty()) {
        msg.push_str(&format!(" di '{expr}'"));
    }
    let mut english = None;
    match e.detail() {
        Some(d) if d.starts_with(OWN) => msg.push_str(&format!(": {}", d.trim_start_matches(OWN))),
        Some(d) => english = Some(d.to_string()),
        None => {}
    }
    if e.kind() == ErrorKind::UndefinedError {
        msg.push_str(" (lihat docs/model.md untuk nama nilai yang tersedia)");
    }
    (line, msg, english)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Value {
        to_value(&serde_json::json!({
            "evaluasi": {"total": {"pagu": {"nilai": "9239089578", "teks": "9.239.089.578"}},
                         "statistik": {"predikat_k": "SR", "rata": {"nilai": "57.142857", "teks": "57,14"}}},
            "opd": {"nama": "Dinas *Tenaga* Kerja"},
        }))
    }

    #[test]
    fn the_listed_filters_and_functions_exist() {
        let t = Templates::new(RupiahStyle::default(), vec!["rencana".into()]);
        for f in FILTERS {
            if let Err(e) = t.render("x", &format!("{{{{ 1 | {f} }}}}"), &ctx()) {
                assert!(!e.1.starts_with("filter tidak dikenal"), "{f}: {e:?}");
            }
        }
        for f in FUNCTIONS {
            let call = if f == "tabel" { "tabel(\"rencana\")".to_string() } else { format!("{f}()") };
            assert!(t.render("x", &format!("{{{{ {call} }}}}"), &ctx()).is_ok(), "{f}");
        }
        // Not listed, not registered.
        assert!(t.render("x", "{{ 1 | tidak_ada }}", &ctx()).unwrap_err().1.starts_with("filter tidak dikenal"));
        let vars = variables(&ctx());
        assert!(!vars.is_empty() && vars.iter().all(|(p, _)| !p.is_empty()), "{vars:?}");
    }

    #[test]
    fn filters_and_escaping() {
        let t = Templates::new(RupiahStyle::Puebi, vec!["evaluasi".into()]);
        let out = t
            .render("x", "{{ evaluasi.total.pagu | rupiah }} ({{ evaluasi.total.pagu | terbilang }}) {{ evaluasi.statistik.rata | persen }} {{ evaluasi.statistik.predikat_k | predikat_nama }} {{ opd.nama }} {{ evaluasi.total.pagu }}", &ctx())
            .unwrap();
        assert_eq!(
            out,
            "Rp9.239.089.578 (sembilan miliar dua ratus tiga puluh sembilan juta delapan puluh sembilan ribu lima ratus tujuh puluh delapan rupiah) 57,14 % sangat rendah Dinas \\*Tenaga\\* Kerja 9.239.089.578"
        );
    }

    #[test]
    fn unknown_value_is_located() {
        let t = Templates::new(RupiahStyle::Puebi, vec![]);
        let (line, msg, _) = t.render("x", "a\nb {{ evaluasi.totl.pagu }}\n", &ctx()).unwrap_err();
        assert_eq!(line, 2);
        assert!(msg.contains("nilai tidak dikenal"), "{msg}");
        assert!(msg.contains("evaluasi.totl"), "{msg}");
    }

    #[test]
    fn unknown_table() {
        let t = Templates::new(RupiahStyle::Puebi, vec!["evaluasi".into()]);
        let (_, msg, _) = t.render("x", "{{ tabel(\"tabel9\") }}", &ctx()).unwrap_err();
        assert!(msg.contains("tabel9"), "{msg}");
    }
}
