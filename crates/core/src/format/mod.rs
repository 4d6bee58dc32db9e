//! Indonesian writing conventions for everything the document prints: numbers with "." thousands
//! and "," decimals, percentages, rupiah in the configured style, dates, NIP, roman numerals and
//! terbilang (amounts in words). Pure functions; renderers never format numbers themselves.
//!
//! Boundary: pure formatting of Indonesian numbers, rupiah, percentages, dates, NIP, roman numerals
//! and terbilang; depends on no other module of renja.

mod terbilang;

pub use terbilang::{terbilang, terbilang_rupiah};

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// How rupiah amounts are written (`format.rupiah` in `edisi.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RupiahStyle {
    /// PUEBI: `Rp9.239.089.578`.
    #[default]
    Puebi,
    /// `Rp 9.239.089.578,00`.
    Spasi,
    /// `Rp. 9.239.089.578`.
    Titik,
}

/// Rounds half away from zero to `dp` decimals, the rounding every printed value uses.
pub fn round(value: Decimal, dp: u32) -> Decimal {
    value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// Groups the digits of a non-negative integer string with ".".
fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    let first = digits.len() % 3;
    for (i, ch) in digits.chars().enumerate() {
        if i != 0 && (i + 3 - first) % 3 == 0 {
            out.push('.');
        }
        out.push(ch);
    }
    out
}

/// A number in Indonesian format with exactly `dp` decimals (rounded half away from zero):
/// `angka_dp(57.142857, 2)` is `57,14`; `angka_dp(9239089578, 0)` is `9.239.089.578`.
pub fn angka_dp(value: Decimal, dp: u32) -> String {
    let rounded = round(value, dp);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let text = format!("{:.*}", dp as usize, rounded.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&group_thousands(int));
    if let Some(f) = frac {
        out.push(',');
        out.push_str(f);
    }
    out
}

/// A number in Indonesian format with as many decimals as it has (trailing zeros dropped):
/// `62,5`, `1.000`, `16,9`.
pub fn angka(value: Decimal) -> String {
    let n = value.normalize();
    angka_dp(n, n.scale())
}

/// A percentage value (already × 100) with two decimals: `57,14`.
pub fn persen_angka(value: Decimal) -> String {
    angka_dp(value, 2)
}

/// A percentage with its sign, as running text writes it: `57,14 %`.
pub fn persen(value: Decimal) -> String {
    format!("{} %", persen_angka(value))
}

/// An amount in rupiah in the given style.
pub fn rupiah(value: Decimal, style: RupiahStyle) -> String {
    match style {
        RupiahStyle::Puebi => format!("Rp{}", angka_dp(value, 0)),
        RupiahStyle::Spasi => format!("Rp {}", angka_dp(value, 2)),
        RupiahStyle::Titik => format!("Rp. {}", angka_dp(value, 0)),
    }
}

/// Indonesian month names, January first.
pub const BULAN: [&str; 12] = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
    "Oktober", "November", "Desember",
];

/// A date as `25 Agustus 2022`. `month` is 1-based.
pub fn tanggal(year: i32, month: u8, day: u8) -> String {
    let name = BULAN.get(usize::from(month.max(1)) - 1).copied().unwrap_or("?");
    format!("{day} {name} {year}")
}

/// Roman numeral (1..=3999) in capitals; other values are printed as digits.
pub fn romawi(n: u32) -> String {
    if n == 0 || n > 3999 {
        return n.to_string();
    }
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
        (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ];
    let mut n = n;
    let mut out = String::new();
    for (value, sym) in TABLE {
        while n >= value {
            out.push_str(sym);
            n -= value;
        }
    }
    out
}

/// The NIP printed in groups 8-6-1-3 (`19640731 199003 1 007`). The input must be 18 digits
/// (validated by [`crate::model::nip`]); anything else is returned unchanged.
pub fn nip(digits: &str) -> String {
    let d: String = digits.chars().filter(|c| !c.is_whitespace()).collect();
    if d.len() != 18 || !d.bytes().all(|b| b.is_ascii_digit()) {
        return digits.to_string();
    }
    format!("{} {} {} {}", &d[0..8], &d[8..14], &d[14..15], &d[15..18])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn numbers() {
        assert_eq!(angka_dp(d("9239089578"), 0), "9.239.089.578");
        assert_eq!(angka_dp(d("0"), 0), "0");
        assert_eq!(angka_dp(d("999"), 0), "999");
        assert_eq!(angka_dp(d("1000"), 0), "1.000");
        assert_eq!(angka_dp(d("100000"), 0), "100.000");
        assert_eq!(angka_dp(d("57.142857"), 2), "57,14");
        assert_eq!(angka_dp(d("1234.5"), 2), "1.234,50");
        assert_eq!(angka_dp(d("-1234"), 0), "-1.234");
        assert_eq!(angka(d("62.50")), "62,5");
        assert_eq!(angka(d("16.9")), "16,9");
        assert_eq!(angka(d("1000")), "1.000");
        assert_eq!(angka(d("0.000")), "0");
    }

    #[test]
    fn percent_rounds_half_away_from_zero() {
        assert_eq!(persen_angka(d("57.142857")), "57,14");
        assert_eq!(persen_angka(d("0.125")), "0,13");
        assert_eq!(persen_angka(d("0.135")), "0,14");
        assert_eq!(persen_angka(d("99.995")), "100,00");
        assert_eq!(persen_angka(d("50.5249")), "50,52");
        assert_eq!(persen(d("57.142857")), "57,14 %");
    }

    #[test]
    fn rupiah_styles() {
        let v = d("9239089578");
        assert_eq!(rupiah(v, RupiahStyle::Puebi), "Rp9.239.089.578");
        assert_eq!(rupiah(v, RupiahStyle::Spasi), "Rp 9.239.089.578,00");
        assert_eq!(rupiah(v, RupiahStyle::Titik), "Rp. 9.239.089.578");
    }

    #[test]
    fn dates_nip_roman() {
        assert_eq!(tanggal(2022, 8, 25), "25 Agustus 2022");
        assert_eq!(tanggal(2022, 1, 5), "5 Januari 2022");
        assert_eq!(nip("196407311990031007"), "19640731 199003 1 007");
        assert_eq!(romawi(2), "II");
        assert_eq!(romawi(4), "IV");
        assert_eq!(romawi(14), "XIV");
        assert_eq!(romawi(2022), "MMXXII");
    }
}
