//! Converting one text field into the bytes of one scalar, with NumPy's `loadtxt` rules:
//! integers strictly (no wrap-around, no `4.5`, no `0x10`), floats as Python's `float()`
//! reads them, complex numbers as NumPy writes them, byte strings truncated to their size.

use crate::dtype::{ByteOrder, Scalar, ScalarKind};

/// Why a field did not convert: the expected type is named by the caller.
pub(crate) type ConvResult = std::result::Result<(), ()>;

/// Python's whitespace for `str.strip()` (Unicode `White_Space`), with an ASCII fast path.
pub(crate) fn strip(s: &str) -> &str {
    let t = s.trim_ascii();
    if t.is_ascii() {
        t
    } else {
        t.trim_matches(char::is_whitespace)
    }
}

pub(crate) fn put_int(out: &mut [u8], v: i128, order: ByteOrder) {
    let le = v.to_le_bytes();
    let n = out.len();
    if order == ByteOrder::Big {
        for (k, b) in out.iter_mut().enumerate() {
            *b = le[n - 1 - k];
        }
    } else {
        out.copy_from_slice(&le[..n]);
    }
}

pub(crate) fn parse_int(text: &str) -> Option<i128> {
    let t = strip(text).as_bytes();
    let (neg, digits) = match t.first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || digits.len() > 38 {
        return None;
    }
    let mut v: i128 = 0;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + i128::from(d);
    }
    Some(if neg { -v } else { v })
}

/// A plain decimal (sign, digits, fraction, exponent) filling all of `b`, read by the
/// fused parser's scanner (exact: Clinger's fast path, else the correctly rounded
/// parser). Any other text (`inf`, spaces, a syntax error) returns `None` for the general
/// parser to decide.
fn fast_decimal(b: &[u8]) -> Option<f64> {
    let (v, end) = super::fused::scan_float(b, 0)?;
    (end == b.len()).then_some(v)
}

/// Python's `float()` grammar: decimal with optional exponent, `inf`, `infinity`, `nan`, any
/// case, an optional sign, surrounding whitespace; no `_`, no hex.
pub(crate) fn parse_float(text: &str) -> Option<f64> {
    let t = strip(text);
    if let Some(v) = fast_decimal(t.as_bytes()) {
        return Some(v);
    }
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let first = *body.as_bytes().first()?;
    if first.is_ascii_alphabetic() {
        let v = if body.eq_ignore_ascii_case("nan") {
            f64::NAN
        } else if body.eq_ignore_ascii_case("inf") || body.eq_ignore_ascii_case("infinity") {
            f64::INFINITY
        } else {
            return None;
        };
        return Some(if t.starts_with('-') { -v } else { v });
    }
    if !body
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    t.parse::<f64>().ok()
}

/// `a`, `bj`, `a+bj`, `a-bj`, `a+-bj`, optionally in parentheses.
pub(crate) fn parse_complex(text: &str) -> Option<(f64, f64)> {
    let mut t = strip(text);
    if let Some(inner) = t.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        t = inner;
    }
    if let Some(imag) = t.strip_suffix(['j', 'J']) {
        // Split at the last sign that is not an exponent's and not the first character.
        let bytes = imag.as_bytes();
        let mut split = None;
        for k in (1..bytes.len()).rev() {
            if matches!(bytes[k], b'+' | b'-') && !matches!(bytes[k - 1], b'e' | b'E') {
                // `a+-bj`: the split is before the first of the two signs.
                let k = if matches!(bytes[k - 1], b'+' | b'-') && k >= 2 {
                    k - 1
                } else {
                    k
                };
                split = Some(k);
                break;
            }
        }
        return match split {
            None => Some((0.0, parse_float_strict(imag)?)),
            Some(k) => {
                let re = parse_float_strict(&imag[..k])?;
                let im_text = imag[k..].replacen("+-", "-", 1);
                Some((re, parse_float_strict(&im_text)?))
            }
        };
    }
    Some((parse_float_strict(t)?, 0.0))
}

/// A float with no surrounding whitespace (inside a complex number).
fn parse_float_strict(t: &str) -> Option<f64> {
    if t.trim() != t {
        return None;
    }
    parse_float(t)
}

/// IEEE half precision from a double, rounding to nearest even.
pub(crate) fn f64_to_f16_bits(v: f64) -> u16 {
    let x = v as f32;
    let bits = x.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exp = ((bits >> 23) & 0xff) as i32;
    let mant = bits & 0x7f_ffff;
    if exp == 0xff {
        return sign | 0x7c00 | if mant != 0 { 0x200 } else { 0 };
    }
    let e = exp - 127 + 15;
    if e >= 0x1f {
        return sign | 0x7c00;
    }
    if e <= 0 {
        if e < -10 {
            return sign;
        }
        let m = mant | 0x80_0000;
        let shift = (14 - e) as u32;
        let half = 1u32 << (shift - 1);
        let mut r = m >> shift;
        let rem = m & ((1 << shift) - 1);
        if rem > half || (rem == half && r & 1 == 1) {
            r += 1;
        }
        return sign | r as u16;
    }
    let mut r = ((e as u32) << 10) | (mant >> 13);
    let rem = mant & 0x1fff;
    if rem > 0x1000 || (rem == 0x1000 && r & 1 == 1) {
        r += 1;
    }
    sign | r as u16
}

/// x87 80-bit extended precision (16 bytes little-endian, as NumPy's `f16` on x86-64).
fn f64_to_extended(v: f64) -> [u8; 16] {
    let mut out = [0u8; 16];
    let bits = v.to_bits();
    let sign = ((bits >> 63) as u16) << 15;
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let mant = bits & ((1u64 << 52) - 1);
    let (e, m): (u16, u64) = if exp == 0x7ff {
        (0x7fff, (1 << 63) | (mant << 11))
    } else if exp == 0 && mant == 0 {
        (0, 0)
    } else if exp == 0 {
        // Subnormal double: normalise.
        let shift = mant.leading_zeros() - 11;
        (
            (1 - 1023 + 16383 - shift as i32) as u16,
            (mant << 11) << shift,
        )
    } else {
        ((exp - 1023 + 16383) as u16, (1 << 63) | (mant << 11))
    };
    out[..8].copy_from_slice(&m.to_le_bytes());
    out[8..10].copy_from_slice(&(sign | e).to_le_bytes());
    out
}

pub(crate) fn put_float(out: &mut [u8], v: f64, order: ByteOrder) {
    fn put<const N: usize>(out: &mut [u8], le: [u8; N], order: ByteOrder) {
        out.copy_from_slice(&le);
        if order == ByteOrder::Big {
            out.reverse();
        }
    }
    match out.len() {
        2 => put(out, f64_to_f16_bits(v).to_le_bytes(), order),
        4 => put(out, (v as f32).to_le_bytes(), order),
        8 => put(out, v.to_le_bytes(), order),
        _ => put(out, f64_to_extended(v), order),
    }
}

/// The smallest and largest value of an integer scalar.
pub(crate) fn int_range(scalar: &Scalar) -> (i128, i128) {
    let bits = scalar.size() as u32 * 8;
    if scalar.kind() == ScalarKind::Int {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    } else {
        (0, (1i128 << bits) - 1)
    }
}

/// Convert `text` into the bytes of `scalar` in `out` (exactly `scalar.size()` bytes).
pub(crate) fn convert(scalar: &Scalar, text: &str, out: &mut [u8]) -> ConvResult {
    let order = scalar.byte_order();
    match scalar.kind() {
        ScalarKind::Int | ScalarKind::UInt => {
            let v = parse_int(text).ok_or(())?;
            let (lo, hi) = int_range(scalar);
            if v < lo || v > hi {
                return Err(());
            }
            put_int(out, v, order);
        }
        ScalarKind::Bool => {
            let v = parse_int(text).ok_or(())?;
            if v < i128::from(i64::MIN) || v > i128::from(i64::MAX) {
                return Err(());
            }
            out[0] = u8::from(v != 0);
        }
        ScalarKind::Float => put_float(out, parse_float(text).ok_or(())?, order),
        ScalarKind::Complex => {
            let (re, im) = parse_complex(text).ok_or(())?;
            let h = out.len() / 2;
            put_float(&mut out[..h], re, order);
            put_float(&mut out[h..], im, order);
        }
        ScalarKind::Bytes => {
            out.fill(0);
            for (slot, c) in out.iter_mut().zip(text.chars()) {
                *slot = u8::try_from(u32::from(c)).map_err(|_| ())?;
            }
            // Characters past the size are dropped, but must still be Latin-1.
            if text.chars().skip(out.len()).any(|c| u32::from(c) > 255) {
                return Err(());
            }
        }
        ScalarKind::Unicode => {
            out.fill(0);
            for (slot, c) in out.chunks_exact_mut(4).zip(text.chars()) {
                let b = if order == ByteOrder::Big {
                    u32::from(c).to_be_bytes()
                } else {
                    u32::from(c).to_le_bytes()
                };
                slot.copy_from_slice(&b);
            }
        }
        ScalarKind::DateTime => {
            let v = crate::datetime::parse_datetime(text, scalar.datetime_unit()).ok_or(())?;
            put_int(out, i128::from(v), order);
        }
        ScalarKind::TimeDelta => {
            if scalar.datetime_unit().unit.is_none() {
                return Err(());
            }
            put_int(
                out,
                i128::from(crate::datetime::parse_timedelta(text).ok_or(())?),
                order,
            );
        }
        ScalarKind::Void | ScalarKind::Object => return Err(()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::DType;

    fn conv(spec: &str, text: &str) -> Option<Vec<u8>> {
        let dt = DType::parse(spec).unwrap();
        let s = *dt.as_scalar().unwrap();
        let mut out = vec![0u8; s.size()];
        convert(&s, text, &mut out).ok().map(|()| out)
    }

    #[test]
    fn integers_are_strict() {
        assert_eq!(conv("<i2", " -12 "), Some((-12i16).to_le_bytes().to_vec()));
        assert_eq!(conv(">i2", "+258"), Some(258i16.to_be_bytes().to_vec()));
        assert_eq!(conv("i1", "127"), Some(vec![127]));
        for bad in ["128", "4.5", "1e3", "0x10", "1_0", "", " ", "--1"] {
            assert_eq!(conv("i1", bad), None, "{bad:?}");
        }
        assert_eq!(conv("u1", "-1"), None);
        assert_eq!(conv("?", "2"), Some(vec![1]));
        assert_eq!(conv("?", "True"), None);
    }

    /// The fast path agrees bit for bit with the general parser, and declines what it
    /// cannot do exactly.
    #[test]
    fn fast_decimal_is_exact() {
        let mut next = crate::xorshift(0x9e37_79b9_7f4a_7c15u64);
        let mut fast = 0;
        for _ in 0..200_000 {
            let r = next();
            let v = f64::from_bits(r);
            if !v.is_finite() {
                continue;
            }
            let text = match r % 5 {
                0 => format!("{v}"),
                1 => format!("{v:e}"),
                2 => format!("{:.*}", (r % 17) as usize, (r % 100_000) as f64 / 7.0),
                3 => format!("{:.*e}", (r % 20) as usize, v),
                _ => format!(
                    "{}{}.{}e{}",
                    if r & 1 == 0 { "-" } else { "" },
                    r % 1000,
                    r % 10_000_000,
                    (r % 50) as i64 - 25
                ),
            };
            let want: f64 = text.parse().unwrap();
            if let Some(got) = fast_decimal(text.as_bytes()) {
                fast += 1;
                assert_eq!(got.to_bits(), want.to_bits(), "{text}");
            }
            assert_eq!(
                parse_float(&text).map(f64::to_bits),
                Some(want.to_bits()),
                "{text}"
            );
        }
        assert!(fast > 50_000, "the fast path took only {fast}");
        for declined in [
            "", ".", "-", "1e", "1e+", "e5", "1.5.2", "1_0", "0x10", "inf", " 1",
        ] {
            assert_eq!(fast_decimal(declined.as_bytes()), None, "{declined}");
        }
        // Long digit strings and huge exponents go through the correctly rounded parser.
        for long in [
            "12345678901234567",
            "1e400",
            "-1e-400",
            "0.1000000000000000055511151231257827",
        ] {
            assert_eq!(fast_decimal(long.as_bytes()), long.parse().ok(), "{long}");
        }
        assert_eq!(
            fast_decimal(b"-0").map(f64::to_bits),
            Some((-0.0f64).to_bits())
        );
        assert_eq!(fast_decimal(b"0e999"), Some(0.0));
    }

    #[test]
    fn floats_and_complex_like_python() {
        for (t, v) in [
            (" 1.5 ", 1.5),
            ("-inf", f64::NEG_INFINITY),
            ("Infinity", f64::INFINITY),
            (".5", 0.5),
            ("5.", 5.0),
            ("1e-3", 1e-3),
        ] {
            assert_eq!(parse_float(t), Some(v), "{t}");
        }
        assert!(parse_float("NaN").unwrap().is_nan());
        for bad in ["", "0x1p3", "1_0", "abc", "1.5.2", "١"] {
            assert_eq!(parse_float(bad), None, "{bad}");
        }
        assert_eq!(parse_complex("1+2j"), Some((1.0, 2.0)));
        assert_eq!(parse_complex("(1-2j)"), Some((1.0, -2.0)));
        assert_eq!(parse_complex("1+-2j"), Some((1.0, -2.0)));
        assert_eq!(parse_complex("3j"), Some((0.0, 3.0)));
        assert_eq!(parse_complex("1e-3+1e3j"), Some((1e-3, 1e3)));
        assert_eq!(parse_complex("1 + 2j"), None);
    }

    #[test]
    fn strings_truncate_like_numpy() {
        assert_eq!(conv("S3", "abcdef"), Some(b"abc".to_vec()));
        assert_eq!(conv("S4", "ab"), Some(b"ab\0\0".to_vec()));
        assert_eq!(conv("S4", "\u{e9}t\u{e9}"), Some(vec![0xe9, b't', 0xe9, 0]));
        assert_eq!(conv("S4", "\u{4e2d}"), None);
        assert_eq!(
            conv("<U1", "xy"),
            Some(u32::from('x').to_le_bytes().to_vec())
        );
    }

    #[test]
    fn half_and_extended_encodings() {
        assert_eq!(f64_to_f16_bits(1.0), 0x3c00);
        assert_eq!(f64_to_f16_bits(-2.0), 0xc000);
        assert_eq!(f64_to_f16_bits(65520.0), 0x7c00, "rounds to infinity");
        assert_eq!(f64_to_f16_bits(2f64.powi(-24)), 0x0001);
        let e = f64_to_extended(1.5);
        assert_eq!(&e[..10], &[0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0x3f]);
    }
}
