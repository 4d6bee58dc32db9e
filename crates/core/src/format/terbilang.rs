//! Terbilang: a whole number in Indonesian words, lowercase, as running text writes amounts.
//! "se-" only for sepuluh, sebelas, seratus and seribu; "miliar", never "milyar".

use rust_decimal::Decimal;

const SATUAN: [&str; 10] =
    ["", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"];

const SKALA: [&str; 10] = [
    "", "ribu", "juta", "miliar", "triliun", "kuadriliun", "kuintiliun", "sekstiliun", "septiliun",
    "oktiliun",
];

/// Words for 1..=999; empty for 0.
fn ratusan(n: u32, out: &mut Vec<&'static str>) {
    let (h, rest) = (n / 100, n % 100);
    match h {
        0 => {}
        1 => out.push("seratus"),
        _ => {
            out.push(SATUAN[h as usize]);
            out.push("ratus");
        }
    }
    match rest {
        0 => {}
        1..=9 => out.push(SATUAN[rest as usize]),
        10 => out.push("sepuluh"),
        11 => out.push("sebelas"),
        12..=19 => {
            out.push(SATUAN[(rest - 10) as usize]);
            out.push("belas");
        }
        _ => {
            out.push(SATUAN[(rest / 10) as usize]);
            out.push("puluh");
            if rest % 10 != 0 {
                out.push(SATUAN[(rest % 10) as usize]);
            }
        }
    }
}

/// The integer part of `value` in words: `terbilang(1001000)` is "satu juta seribu".
pub fn terbilang(value: Decimal) -> String {
    let int = value.trunc();
    if int.is_zero() {
        return "nol".to_string();
    }
    let negative = int.is_sign_negative();
    let digits = int.abs().to_string();
    // Split into groups of three digits, most significant first.
    let mut groups = Vec::new();
    let mut end = digits.len();
    while end > 0 {
        let start = end.saturating_sub(3);
        groups.push(digits[start..end].parse::<u32>().unwrap_or(0));
        end = start;
    }
    let mut words: Vec<&'static str> = Vec::new();
    if negative {
        words.push("minus");
    }
    for (scale, &group) in groups.iter().enumerate().rev() {
        if group == 0 {
            continue;
        }
        if scale == 1 && group == 1 {
            words.push("seribu");
            continue;
        }
        ratusan(group, &mut words);
        if scale > 0 {
            words.push(SKALA[scale]);
        }
    }
    words.join(" ")
}

/// The amount in words followed by "rupiah".
pub fn terbilang_rupiah(value: Decimal) -> String {
    format!("{} rupiah", terbilang(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(n: i64) -> String {
        terbilang(Decimal::from(n))
    }

    #[test]
    fn domain_checks() {
        assert_eq!(t(0), "nol");
        assert_eq!(t(1), "satu");
        assert_eq!(t(10), "sepuluh");
        assert_eq!(t(11), "sebelas");
        assert_eq!(t(12), "dua belas");
        assert_eq!(t(19), "sembilan belas");
        assert_eq!(t(20), "dua puluh");
        assert_eq!(t(21), "dua puluh satu");
        assert_eq!(t(100), "seratus");
        assert_eq!(t(111), "seratus sebelas");
        assert_eq!(t(200), "dua ratus");
        assert_eq!(t(1000), "seribu");
        assert_eq!(t(1001), "seribu satu");
        assert_eq!(t(1100), "seribu seratus");
        assert_eq!(t(1999), "seribu sembilan ratus sembilan puluh sembilan");
        assert_eq!(t(2000), "dua ribu");
        assert_eq!(t(10101), "sepuluh ribu seratus satu");
        assert_eq!(t(11000), "sebelas ribu");
        assert_eq!(t(111000), "seratus sebelas ribu");
        assert_eq!(t(1_000_000), "satu juta");
        assert_eq!(t(1_001_000), "satu juta seribu");
        assert_eq!(t(1_000_000_000), "satu miliar");
        assert_eq!(t(1_000_000_000_000), "satu triliun");
        assert_eq!(t(2_500_000_000_000), "dua triliun lima ratus miliar");
        assert_eq!(
            t(9_239_089_578),
            "sembilan miliar dua ratus tiga puluh sembilan juta delapan puluh sembilan ribu \
             lima ratus tujuh puluh delapan"
        );
        assert_eq!(
            terbilang_rupiah(Decimal::from(4_771_486_350_i64)),
            "empat miliar tujuh ratus tujuh puluh satu juta empat ratus delapan puluh enam ribu \
             tiga ratus lima puluh rupiah"
        );
        assert!(!t(3_000_000_000).contains("milyar"));
    }

    /// Reads the words back into a number: an independent inverse used by the property test.
    fn parse_back(words: &str) -> i64 {
        if words == "nol" {
            return 0;
        }
        let w: Vec<&str> = words.split(' ').collect();
        let (mut total, mut group, mut i) = (0i64, 0i64, 0usize);
        while i < w.len() {
            let next = w.get(i + 1).copied().unwrap_or("");
            match w[i] {
                "sepuluh" => group += 10,
                "sebelas" => group += 11,
                "seratus" => group += 100,
                "seribu" => total += 1000,
                scale @ ("ribu" | "juta" | "miliar" | "triliun") => {
                    let p = SKALA.iter().position(|s| *s == scale).unwrap() as u32;
                    total += group * 1000i64.pow(p);
                    group = 0;
                }
                unit => {
                    let u = SATUAN.iter().position(|s| *s == unit).expect("known word") as i64;
                    match next {
                        "ratus" => { group += u * 100; i += 1; }
                        "puluh" => { group += u * 10; i += 1; }
                        "belas" => { group += u + 10; i += 1; }
                        _ => group += u,
                    }
                }
            }
            i += 1;
        }
        total + group
    }

    proptest! {
        #[test]
        fn words_read_back_to_the_number(n in 0i64..999_999_999_999_999) {
            let words = t(n);
            prop_assert_eq!(parse_back(&words), n, "{}", words);
            // "seribu", never "satu ribu", when the thousands group is exactly 1.
            let tokens: Vec<&str> = words.split(' ').collect();
            for w in tokens.windows(2) {
                prop_assert!(w != ["satu", "ribu"] || tokens.starts_with(&["satu", "ribu"]) == false);
            }
            prop_assert!(!tokens.starts_with(&["satu", "ribu"]));
            for w in tokens.windows(3) {
                let scale = ["juta", "miliar", "triliun"].contains(&w[0]);
                prop_assert!(!(scale && w[1] == "satu" && w[2] == "ribu"), "{}", words);
            }
            prop_assert!(!words.contains("satu ratus"));
            prop_assert!(!words.contains("satu puluh"));
            prop_assert!(!words.contains("  "));
        }
    }
}
