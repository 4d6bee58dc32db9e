//! The value types of an edition: whole-rupiah amounts (`Rupiah`), performance values with an
//! optional numeric part (`Nilai`), values printed by a source for computed cells (`Tercetak`),
//! percentages (`Persen`), and the parsers for the number formats authors paste.
//!
//! Boundary: the value types the parsed sources already hold (Rupiah, Nilai, Tercetak); may use
//! only `format`, so `source` can deserialise into them without depending on the rest of `model`.

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Sub};
use std::str::FromStr;

/// An amount in whole rupiah. Never negative at input; a selisih may be negative.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Rupiah(pub Decimal);

impl Rupiah {
    pub const ZERO: Rupiah = Rupiah(Decimal::ZERO);

    pub fn value(self) -> Decimal {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }
}

impl Add for Rupiah {
    type Output = Rupiah;
    fn add(self, rhs: Rupiah) -> Rupiah {
        Rupiah(self.0 + rhs.0)
    }
}

impl AddAssign for Rupiah {
    fn add_assign(&mut self, rhs: Rupiah) {
        self.0 += rhs.0;
    }
}

impl Sub for Rupiah {
    type Output = Rupiah;
    fn sub(self, rhs: Rupiah) -> Rupiah {
        Rupiah(self.0 - rhs.0)
    }
}

impl std::iter::Sum for Rupiah {
    fn sum<I: Iterator<Item = Rupiah>>(iter: I) -> Rupiah {
        iter.fold(Rupiah::ZERO, |a, b| a + b)
    }
}

/// A percentage (already multiplied by 100), exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Persen(pub Decimal);

impl Persen {
    pub fn value(self) -> Decimal {
        self.0
    }
}

/// Why an amount or a number as the author wrote it cannot be read. The messages are the author's
/// (Bahasa Indonesia) and name the value as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AngkaError {
    #[error("jumlah negatif '{0}' tidak diperbolehkan; yang diharapkan rupiah ≥ 0")]
    RupiahNegatif(String),
    #[error(
        "angka rupiah '{0}' tidak sah; yang diharapkan rupiah bulat seperti 9239089578 atau \
         9.239.089.578 (titik pemisah ribuan, koma desimal)"
    )]
    RupiahTidakSah(String),
    #[error("rupiah '{0}' memiliki sen; yang diharapkan rupiah bulat")]
    RupiahBersen(String),
    #[error(
        "angka rupiah '{teks}' ambigu: koma adalah pemisah desimal dalam format Indonesia; tulis \
         {int}.{frac} atau {int}{frac}"
    )]
    RupiahAmbigu { teks: String, int: String, frac: String },
    #[error(
        "angka '{0}' tidak sah; yang diharapkan format Indonesia seperti 62,5 atau 1.000 (koma \
         desimal, titik pemisah ribuan)"
    )]
    AngkaTidakSah(String),
    #[error("nilai tercetak '{0}' bukan angka")]
    BukanAngka(String),
}

/// Parses an amount written in Indonesian format: `9239089578`, `9.239.089.578`,
/// `Rp9.239.089.578`, `Rp 9.239.089.578,00`, `Rp. 9.239.089.578`, or with consistent comma
/// grouping as spreadsheets export it (`7,470,241,438`).
pub fn parse_rupiah(text: &str) -> Result<Decimal, AngkaError> {
    let original = text;
    let mut s = text.trim();
    for prefix in ["Rp.", "Rp", "rp.", "rp", "RP.", "RP"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.trim_start();
            break;
        }
    }
    if let Some(rest) = s.strip_prefix('-') {
        let _ = rest;
        return Err(AngkaError::RupiahNegatif(original.to_string()));
    }
    let bad = || AngkaError::RupiahTidakSah(original.to_string());
    if s.is_empty() {
        return Err(bad());
    }
    let has_dot = s.contains('.');
    let commas = s.matches(',').count();
    let digits: String;
    if has_dot && commas > 0 {
        // Indonesian: "9.239.089.578,00" — dots group, one comma before a zero fraction.
        let (int, frac) = s.rsplit_once(',').ok_or_else(bad)?;
        if commas != 1 || !int.contains('.') || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        if frac.bytes().any(|b| b != b'0') {
            return Err(AngkaError::RupiahBersen(original.to_string()));
        }
        digits = grouped(int, '.').ok_or_else(bad)?;
    } else if has_dot {
        digits = grouped(s, '.').ok_or_else(bad)?;
    } else if commas == 1 {
        // "1234,00" is a zero fraction; "1,500" is ambiguous and refused.
        let (int, frac) = s.split_once(',').ok_or_else(bad)?;
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        if frac.len() == 3 {
            return Err(AngkaError::RupiahAmbigu { teks: original.to_string(), int: int.to_string(), frac: frac.to_string() });
        }
        if frac.bytes().any(|b| b != b'0') {
            return Err(AngkaError::RupiahBersen(original.to_string()));
        }
        digits = int.to_string();
    } else if commas > 1 {
        digits = grouped(s, ',').ok_or_else(bad)?;
    } else {
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        digits = s.to_string();
    }
    Decimal::from_str(&digits).map_err(|_| bad())
}

/// Joins digit groups separated by `sep` when the first has 1–3 digits and the rest exactly 3.
fn grouped(s: &str, sep: char) -> Option<String> {
    let groups: Vec<&str> = s.split(sep).collect();
    let ok = groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3);
    ok.then(|| groups.concat())
}

/// Reads the leading number of a performance value: `62,5` → 62.5, `30 C` → 30, `1.000 orang`
/// → 1000, `Tersedia` → None. Errors on a malformed leading number such as `62.5` or `1,2,3`.
pub fn leading_number(text: &str) -> Result<Option<Decimal>, AngkaError> {
    let s = text.trim();
    let (sign, body) = match s.strip_prefix('-') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => (-1, rest),
        _ => (1, s),
    };
    let end = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(body.len());
    let token = body[..end].trim_end_matches(['.', ',']);
    if token.is_empty() || !token.starts_with(|c: char| c.is_ascii_digit()) {
        return Ok(None);
    }
    let bad = || AngkaError::AngkaTidakSah(text.to_string());
    let (int, frac) = match token.split_once(',') {
        Some((i, f)) => {
            if f.contains(',') || f.contains('.') || f.is_empty() {
                return Err(bad());
            }
            (i, Some(f))
        }
        None => (token, None),
    };
    let int_digits = if int.contains('.') { grouped(int, '.').ok_or_else(bad)? } else { int.to_string() };
    let literal = match frac {
        Some(f) => format!("{int_digits}.{f}"),
        None => int_digits,
    };
    let value = Decimal::from_str(&literal).map_err(|_| bad())?;
    Ok(Some(if sign < 0 { -value } else { value }))
}

/// A performance (K) value: text as written, with its numeric part if it has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Nilai {
    pub teks: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub angka: Option<Decimal>,
}

impl Nilai {
    pub fn kosong() -> Self {
        Nilai { teks: String::new(), angka: None }
    }

    pub fn is_empty(&self) -> bool {
        self.teks.trim().is_empty()
    }
}

/// Converts a TOML float to an exact decimal through its shortest round-trip representation.
fn float_to_decimal(v: f64) -> Option<Decimal> {
    if !v.is_finite() {
        return None;
    }
    Decimal::from_str(&v.to_string()).ok().or_else(|| Decimal::from_scientific(&format!("{v:e}")).ok())
}

impl<'de> Deserialize<'de> for Nilai {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Nilai;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("angka atau teks (mis. 70, \"62,5\", \"30 C\")")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Nilai, E> {
                let d = Decimal::from(v);
                Ok(Nilai { teks: crate::format::angka(d), angka: Some(d) })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Nilai, E> {
                let d = Decimal::from(v);
                Ok(Nilai { teks: crate::format::angka(d), angka: Some(d) })
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Nilai, E> {
                let d = float_to_decimal(v).ok_or_else(|| E::custom(format!("angka {v} tidak sah")))?;
                Ok(Nilai { teks: crate::format::angka(d), angka: Some(d) })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Nilai, E> {
                let angka = leading_number(v).map_err(E::custom)?;
                Ok(Nilai { teks: v.trim().to_string(), angka })
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Rupiah {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Rupiah;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("rupiah bulat (mis. 9239089578 atau \"9.239.089.578\")")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Rupiah, E> {
                if v < 0 {
                    return Err(E::custom(format!(
                        "jumlah negatif {v} tidak diperbolehkan; yang diharapkan rupiah ≥ 0"
                    )));
                }
                Ok(Rupiah(Decimal::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Rupiah, E> {
                Ok(Rupiah(Decimal::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Rupiah, E> {
                Err(E::custom(format!(
                    "rupiah {v} ditulis sebagai pecahan; yang diharapkan rupiah bulat tanpa titik \
                     desimal (mis. 9239089578 atau \"9.239.089.578\")"
                )))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Rupiah, E> {
                parse_rupiah(v).map(Rupiah).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// A value a source printed for a computed cell (`dinyatakan`), kept as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Tercetak {
    Angka(Decimal),
    Teks(String),
}

impl Tercetak {
    /// The text as printed (numbers in Indonesian format).
    pub fn teks(&self) -> String {
        match self {
            Tercetak::Angka(d) => crate::format::angka(*d),
            Tercetak::Teks(s) => s.clone(),
        }
    }

    /// Reads the value as an amount.
    pub fn as_rupiah(&self) -> Result<Decimal, AngkaError> {
        match self {
            Tercetak::Angka(d) => Ok(*d),
            Tercetak::Teks(s) => parse_rupiah(s),
        }
    }

    /// Reads the value as a number with the number of decimals it was printed with.
    pub fn as_number(&self) -> Result<(Decimal, u32), AngkaError> {
        match self {
            Tercetak::Angka(d) => Ok((*d, d.scale())),
            Tercetak::Teks(s) => match leading_number(s)? {
                Some(d) => Ok((d, d.scale())),
                None => Err(AngkaError::BukanAngka(s.clone())),
            },
        }
    }
}

impl<'de> Deserialize<'de> for Tercetak {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Tercetak;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("nilai tercetak: angka atau teks")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Tercetak, E> {
                Ok(Tercetak::Angka(Decimal::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Tercetak, E> {
                Ok(Tercetak::Angka(Decimal::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Tercetak, E> {
                float_to_decimal(v).map(Tercetak::Angka).ok_or_else(|| E::custom(format!("angka {v} tidak sah")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Tercetak, E> {
                Ok(Tercetak::Teks(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn rupiah_formats() {
        assert_eq!(parse_rupiah("9239089578"), Ok(d("9239089578")));
        assert_eq!(parse_rupiah("9.239.089.578"), Ok(d("9239089578")));
        assert_eq!(parse_rupiah("Rp9.239.089.578"), Ok(d("9239089578")));
        assert_eq!(parse_rupiah("Rp 9.239.089.578,00"), Ok(d("9239089578")));
        assert_eq!(parse_rupiah("Rp. 9.239.089.578"), Ok(d("9239089578")));
        assert_eq!(parse_rupiah("7,470,241,438"), Ok(d("7470241438")));
        assert_eq!(parse_rupiah("1234,00"), Ok(d("1234")));
    }

    #[test]
    fn errors_say_what_was_written_and_what_is_expected() {
        assert_eq!(parse_rupiah("1,500"), Err(AngkaError::RupiahAmbigu { teks: "1,500".into(), int: "1".into(), frac: "500".into() }));
        assert_eq!(
            parse_rupiah("1,500").unwrap_err().to_string(),
            "angka rupiah '1,500' ambigu: koma adalah pemisah desimal dalam format Indonesia; tulis 1.500 atau 1500"
        );
        assert_eq!(parse_rupiah("Rp 1.000,50"), Err(AngkaError::RupiahBersen("Rp 1.000,50".into())));
        assert_eq!(parse_rupiah("-5"), Err(AngkaError::RupiahNegatif("-5".into())));
        assert_eq!(
            parse_rupiah("abc").unwrap_err().to_string(),
            "angka rupiah 'abc' tidak sah; yang diharapkan rupiah bulat seperti 9239089578 atau 9.239.089.578 (titik pemisah ribuan, koma desimal)"
        );
        assert_eq!(
            leading_number("62.5").unwrap_err().to_string(),
            "angka '62.5' tidak sah; yang diharapkan format Indonesia seperti 62,5 atau 1.000 (koma desimal, titik pemisah ribuan)"
        );
        assert_eq!(Tercetak::Teks("Tersedia".into()).as_number(), Err(AngkaError::BukanAngka("Tersedia".into())));
    }

    #[test]
    fn rupiah_malformed() {
        for bad in ["248,898.050", "314,522,83", "1.23", "12.3456", "abc", "", "1,500", "Rp 1.000,50", "-5", "1.000.00"] {
            assert!(parse_rupiah(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn leading_numbers() {
        assert_eq!(leading_number("62,5"), Ok(Some(d("62.5"))));
        assert_eq!(leading_number("30 C"), Ok(Some(d("30"))));
        assert_eq!(leading_number("100 %"), Ok(Some(d("100"))));
        assert_eq!(leading_number("30%"), Ok(Some(d("30"))));
        assert_eq!(leading_number("1.000 orang"), Ok(Some(d("1000"))));
        assert_eq!(leading_number("12 Bulan/semesteran /Tahun"), Ok(Some(d("12"))));
        assert_eq!(leading_number("Tersedia"), Ok(None));
        assert_eq!(leading_number(""), Ok(None));
        assert_eq!(leading_number("33,333333"), Ok(Some(d("33.333333"))));
        assert!(leading_number("62.5").is_err());
        assert!(leading_number("1,2,3").is_err());
    }
}
