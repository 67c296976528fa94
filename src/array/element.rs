//! Reading and writing single elements: typed ([`Element`]) and dynamic ([`Value`]).
//!
//! Values stay in the buffer's byte order and are decoded on access; nothing is swapped in
//! place.

use std::fmt;

use crate::dtype::{ByteOrder, DType, DateTimeUnit, Scalar, ScalarKind};

/// A Rust number type that scalar dtypes of the same kind and size read as.
///
/// Implemented for `i8`–`i64`, `u8`–`u64`, `f32` and `f64`; `i64` also reads datetimes and
/// timedeltas (their raw tick counts).
pub trait Element: Copy + bytemuck::Pod + PartialEq + fmt::Debug {
    /// Whether elements of `scalar` are values of this type.
    fn accepts(scalar: &Scalar) -> bool;
    /// Decode from exactly `size_of::<Self>()` bytes in byte order `order`.
    fn decode(bytes: &[u8], order: ByteOrder) -> Self;
    /// Encode into exactly `size_of::<Self>()` bytes in byte order `order`.
    fn encode(self, out: &mut [u8], order: ByteOrder);
}

macro_rules! element {
    ($t:ty, $($kind:pat),+) => {
        impl Element for $t {
            fn accepts(scalar: &Scalar) -> bool {
                scalar.size() == std::mem::size_of::<$t>() && matches!(scalar.kind(), $($kind)|+)
            }
            fn decode(bytes: &[u8], order: ByteOrder) -> Self {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(bytes);
                match order {
                    ByteOrder::Big => <$t>::from_be_bytes(a),
                    _ => <$t>::from_le_bytes(a),
                }
            }
            fn encode(self, out: &mut [u8], order: ByteOrder) {
                let a = match order {
                    ByteOrder::Big => self.to_be_bytes(),
                    _ => self.to_le_bytes(),
                };
                out.copy_from_slice(&a);
            }
        }
    };
}

element!(i8, ScalarKind::Int);
element!(i16, ScalarKind::Int);
element!(i32, ScalarKind::Int);
element!(
    i64,
    ScalarKind::Int,
    ScalarKind::DateTime,
    ScalarKind::TimeDelta
);
element!(u8, ScalarKind::UInt, ScalarKind::Bool);
element!(u16, ScalarKind::UInt);
element!(u32, ScalarKind::UInt);
element!(u64, ScalarKind::UInt);
element!(f32, ScalarKind::Float);
element!(f64, ScalarKind::Float);

/// Any element, decoded: what `arr[i]` shows in NumPy.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `?`
    Bool(bool),
    /// Signed integers.
    Int(i64),
    /// Unsigned integers.
    UInt(u64),
    /// `f8`, and `f16` long doubles rounded to `f64`.
    Float(f64),
    /// `f4` and `f2`, kept in single precision so they print as NumPy prints them
    /// (`0.16666667`, not the widened `0.1666666716337204`).
    Float32(f32),
    /// Complex numbers (real, imaginary).
    Complex(f64, f64),
    /// `M8`: ticks since 1970-01-01 in the unit; `None` is NaT.
    DateTime(Option<i64>, DateTimeUnit),
    /// `m8`: ticks in the unit; `None` is NaT.
    TimeDelta(Option<i64>, DateTimeUnit),
    /// `S<n>`: the bytes with trailing NULs removed, as NumPy returns them.
    Bytes(Vec<u8>),
    /// `U<n>`: the text with trailing NULs removed. Invalid code points become U+FFFD.
    Str(String),
    /// `V<n>`: raw bytes.
    Void(Vec<u8>),
    /// `O`: a Python object pointer, never decoded.
    Object,
    /// A record: its fields in order.
    Record(Vec<(String, Value)>),
    /// A subarray, outermost axis first.
    Array(Vec<Value>),
}

fn half_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((bits >> 10) & 0x1f);
    let frac = f64::from(bits & 0x3ff);
    // Exact powers of two from their bits (`powi` need not be exact, and is not under
    // Miri).
    sign * match exp {
        0 => ldexp(frac, -24),
        31 if frac == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        e => ldexp(1.0 + frac / 1024.0, e - 15),
    }
}

/// x87 80-bit extended precision (stored in 16 bytes little-endian on x86-64), rounded to
/// `f64`.
fn extended_to_f64(b: &[u8; 10]) -> f64 {
    let mantissa = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
    let se = u16::from_le_bytes([b[8], b[9]]);
    let sign = if se & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from(se & 0x7fff);
    if exp == 0x7fff {
        return if mantissa << 1 == 0 {
            sign * f64::INFINITY
        } else {
            f64::NAN
        };
    }
    if mantissa == 0 {
        return sign * 0.0;
    }
    let e = if exp == 0 { -16382 } else { exp - 16383 };
    // The mantissa has an explicit integer bit at position 63.
    sign * ldexp(mantissa as f64, e - 63)
}

/// `x` × 2^`n`, by exact powers of two within the normal range (so that no intermediate
/// power overflows or underflows before the product does).
fn ldexp(mut x: f64, mut n: i32) -> f64 {
    let pow2 = |e: i32| f64::from_bits(((e + 1023) as u64) << 52);
    while n > 1023 {
        x *= pow2(1023);
        n -= 1023;
    }
    while n < -1022 {
        x *= pow2(-1022);
        n += 1022;
        if x == 0.0 {
            return x;
        }
    }
    x * pow2(n)
}

fn float(bytes: &[u8], order: ByteOrder) -> f64 {
    match bytes.len() {
        2 => half_to_f64(u16::decode(bytes, order)),
        4 => f64::from(f32::decode(bytes, order)),
        8 => f64::decode(bytes, order),
        _ => {
            let mut b = [0u8; 16];
            b.copy_from_slice(&bytes[..16]);
            if order == ByteOrder::Big {
                b.reverse();
            }
            let mut ext = [0u8; 10];
            ext.copy_from_slice(&b[..10]);
            extended_to_f64(&ext)
        }
    }
}

const NAT: i64 = i64::MIN;

/// Decode one scalar from its bytes.
pub fn decode_scalar(s: &Scalar, bytes: &[u8]) -> Value {
    let o = s.byte_order();
    match s.kind() {
        ScalarKind::Bool => Value::Bool(bytes[0] != 0),
        ScalarKind::Int => Value::Int(match s.size() {
            1 => i64::from(bytes[0] as i8),
            2 => i64::from(i16::decode(bytes, o)),
            4 => i64::from(i32::decode(bytes, o)),
            _ => i64::decode(bytes, o),
        }),
        ScalarKind::UInt => Value::UInt(match s.size() {
            1 => u64::from(bytes[0]),
            2 => u64::from(u16::decode(bytes, o)),
            4 => u64::from(u32::decode(bytes, o)),
            _ => u64::decode(bytes, o),
        }),
        ScalarKind::Float if s.size() <= 4 => Value::Float32(float(bytes, o) as f32),
        ScalarKind::Float => Value::Float(float(bytes, o)),
        ScalarKind::Complex => {
            let h = s.size() / 2;
            Value::Complex(float(&bytes[..h], o), float(&bytes[h..], o))
        }
        ScalarKind::DateTime | ScalarKind::TimeDelta => {
            let v = i64::decode(bytes, o);
            let v = (v != NAT).then_some(v);
            if s.kind() == ScalarKind::DateTime {
                Value::DateTime(v, s.datetime_unit())
            } else {
                Value::TimeDelta(v, s.datetime_unit())
            }
        }
        ScalarKind::Bytes => {
            let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
            Value::Bytes(bytes[..end].to_vec())
        }
        ScalarKind::Unicode => {
            let mut text: String = bytes
                .chunks_exact(4)
                .map(|c| char::from_u32(u32::decode(c, o)).unwrap_or('\u{fffd}'))
                .collect();
            let trimmed = text.trim_end_matches('\0').len();
            text.truncate(trimmed);
            Value::Str(text)
        }
        ScalarKind::Void => Value::Void(bytes.to_vec()),
        ScalarKind::Object => Value::Object,
    }
}

/// Decode one element of `dtype` from exactly `dtype.itemsize()` bytes.
pub fn decode(dtype: &DType, bytes: &[u8]) -> Value {
    match dtype {
        DType::Scalar(s) => decode_scalar(s, bytes),
        DType::Subarray(sub) => {
            let base = sub.base();
            let size = base.itemsize();
            let flat: Vec<Value> = (0..sub.len())
                .map(|i| decode(base, &bytes[i * size..(i + 1) * size]))
                .collect();
            nest(flat, sub.shape())
        }
        DType::Record(r) => Value::Record(
            r.fields()
                .iter()
                .map(|f| {
                    let b = &bytes[f.offset()..f.end()];
                    (f.name().to_owned(), decode(f.dtype(), b))
                })
                .collect(),
        ),
    }
}

/// Nest a flat C-order list into `shape`. A shape with no elements is one empty list:
/// nesting `(1000000000, 0)` would build a billion empty lists from an empty value.
fn nest(flat: Vec<Value>, shape: &[usize]) -> Value {
    if shape.contains(&0) {
        return Value::Array(Vec::new());
    }
    match shape {
        [] => flat.into_iter().next().unwrap_or(Value::Array(Vec::new())),
        [_] => Value::Array(flat),
        [n, rest @ ..] => {
            let inner: usize = crate::array::layout::shape_size(rest);
            let mut it = flat.into_iter();
            Value::Array(
                (0..*n)
                    .map(|_| nest(it.by_ref().take(inner).collect(), rest))
                    .collect(),
            )
        }
    }
}

/// A single-precision float the way NumPy prints it (shortest digits that round-trip in
/// `f32`).
pub fn fmt_float32(v: f32) -> String {
    if v.is_finite() && v != v.trunc() {
        let s = format!("{v}");
        if s.len() <= 17 {
            return s;
        }
        return format!("{v:e}");
    }
    fmt_float(f64::from(v))
}

/// A float the way NumPy prints it: shortest round-trip digits, `1.0` not `1`, `nan`,
/// `inf`.
pub fn fmt_float(v: f64) -> String {
    if v.is_nan() {
        "nan".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 {
            "inf".to_owned()
        } else {
            "-inf".to_owned()
        }
    } else if v == v.trunc() && v.abs() < 1e16 {
        format!("{v:.1}")
    } else {
        let s = format!("{v}");
        if s.len() > 17 && (v.abs() >= 1e16 || v.abs() < 1e-4) {
            format!("{v:e}")
        } else {
            s
        }
    }
}

/// Python's `repr()` of a `bytes` value: `b'ab\\x00'`.
pub fn py_bytes_repr(b: &[u8]) -> String {
    let mut out = Vec::with_capacity(b.len() + 3);
    push_bytes_repr(&mut out, b);
    // The repr is ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// Append Python's `repr` of `b` (see [`py_bytes_repr`]) to `out`, without allocating
/// when `out` has room (savetxt's `%s` of a bytes field, once a row).
pub(crate) fn push_bytes_repr(out: &mut Vec<u8>, b: &[u8]) {
    // Python quotes with '"' when the bytes hold a single quote and no double quote.
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    out.push(b'b');
    out.push(quote);
    if b.iter()
        .all(|&c| matches!(c, 0x20..=0x7e) && c != b'\\' && c != quote)
    {
        out.extend_from_slice(b);
    } else {
        for &c in b {
            match c {
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                c if c == quote => out.extend_from_slice(&[b'\\', c]),
                0x20..=0x7e => out.push(c),
                _ => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    out.extend_from_slice(&[
                        b'\\',
                        b'x',
                        HEX[usize::from(c >> 4)],
                        HEX[usize::from(c & 15)],
                    ]);
                }
            }
        }
    }
    out.push(quote);
}

impl fmt::Display for Value {
    /// Like NumPy's element repr: `(1, [0.5, 1.5], b'ab')` for a record.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bool(b) => f.write_str(if *b { "True" } else { "False" }),
            Value::Int(v) => write!(f, "{v}"),
            Value::UInt(v) => write!(f, "{v}"),
            Value::Float(v) => f.write_str(&fmt_float(*v)),
            Value::Float32(v) => f.write_str(&fmt_float32(*v)),
            Value::Complex(re, im) => {
                let sign = if *im < 0.0 || (*im == 0.0 && im.is_sign_negative()) {
                    '-'
                } else {
                    '+'
                };
                write!(f, "({}{}{}j)", fmt_float(*re), sign, fmt_float(im.abs()))
            }
            // NumPy's str(): ISO 8601 dates and times, counts with unit names.
            Value::DateTime(v, u) => match v {
                None => f.write_str("NaT"),
                Some(v) => f.write_str(&crate::datetime::format_datetime(*v, *u)),
            },
            Value::TimeDelta(v, u) => match v {
                None => f.write_str("NaT"),
                Some(v) => f.write_str(&crate::datetime::format_timedelta(*v, *u)),
            },
            Value::Bytes(b) => f.write_str(&py_bytes_repr(b)),
            Value::Str(s) => f.write_str(&crate::dtype::py_repr_str(s)),
            Value::Void(b) => {
                f.write_str("b'")?;
                for c in b {
                    write!(f, "\\x{c:02x}")?;
                }
                f.write_str("'")
            }
            Value::Object => f.write_str("<object>"),
            Value::Record(fields) => {
                f.write_str("(")?;
                for (i, (_, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                if fields.len() == 1 {
                    f.write_str(",")?;
                }
                f.write_str(")")
            }
            Value::Array(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_repr_is_pythons() {
        // Python 3.11: repr() of each.
        for (b, want) in [
            (&b"ab"[..], r#"b'ab'"#),
            (b"it's", r#"b"it's""#),
            (b"a\"b", r#"b'a"b'"#),
            (b"a\"b'c", r#"b'a"b\'c'"#),
            (b"\x00\x7f\x80\\", r#"b'\x00\x7f\x80\\'"#),
            (b"\t\n\r ~", r#"b'\t\n\r ~'"#),
            (b"", "b''"),
        ] {
            assert_eq!(py_bytes_repr(b), want, "{b:?}");
        }
    }

    /// Empty subarrays decode to one empty list, whatever the dimensions before the zero.
    #[test]
    fn empty_subarrays_stay_small() {
        let dt = DType::parse("[('a','<i2'),('b','u1',(1000000000,0))]").unwrap();
        assert_eq!(dt.itemsize(), 2);
        let t = std::time::Instant::now();
        let v = decode(&dt, &[1, 0]);
        assert!(t.elapsed().as_secs() < 1);
        assert_eq!(
            v,
            Value::Record(vec![
                ("a".to_owned(), Value::Int(1)),
                ("b".to_owned(), Value::Array(Vec::new()))
            ])
        );
    }

    #[test]
    fn scalars_decode_in_their_byte_order() {
        let be = DType::parse(">i4").unwrap();
        assert_eq!(decode(&be, &[0, 0, 1, 2]), Value::Int(258));
        let le = DType::parse("<u2").unwrap();
        assert_eq!(decode(&le, &[1, 2]), Value::UInt(513));
        let h = DType::parse("<f2").unwrap();
        assert_eq!(decode(&h, &0x3c00u16.to_le_bytes()), Value::Float32(1.0));
        assert_eq!(decode(&h, &0xc000u16.to_le_bytes()), Value::Float32(-2.0));
        assert_eq!(
            decode(&h, &0x0001u16.to_le_bytes()),
            Value::Float32(1.0 / 16_777_216.0)
        );
        let f4 = DType::parse("<f4").unwrap();
        assert_eq!(
            decode(&f4, &(1.0f32 / 6.0).to_le_bytes()).to_string(),
            "0.16666667"
        );
        // 1.5 as x87 extended: mantissa 0xC000..., exponent 16383.
        let mut ld = [0u8; 16];
        ld[..8].copy_from_slice(&0xC000_0000_0000_0000u64.to_le_bytes());
        ld[8..10].copy_from_slice(&16383u16.to_le_bytes());
        assert_eq!(
            decode(&DType::parse("<f16").unwrap(), &ld),
            Value::Float(1.5)
        );
        let u = DType::parse(">U2").unwrap();
        assert_eq!(
            decode(&u, &[0, 0, 0, 0x41, 0, 0, 0, 0]),
            Value::Str("A".into())
        );
        let s = DType::parse("S4").unwrap();
        assert_eq!(decode(&s, b"a\0b\0"), Value::Bytes(b"a\0b".to_vec()));
        let m = DType::parse("<M8[ns]").unwrap();
        assert_eq!(decode(&m, &i64::MIN.to_le_bytes()).to_string(), "NaT");
    }

    #[test]
    fn records_and_subarrays_display_like_numpy() {
        let dt = DType::parse("[('a','<i2'),('b','<f4',(2,2)),('c','S2'),('d','<c8')]").unwrap();
        let mut bytes = Vec::new();
        bytes.extend(7i16.to_le_bytes());
        for v in [0.5f32, 1.0, 1.5, 2.0] {
            bytes.extend(v.to_le_bytes());
        }
        bytes.extend(b"hi");
        bytes.extend(1.0f32.to_le_bytes());
        bytes.extend((-2.5f32).to_le_bytes());
        assert_eq!(
            decode(&dt, &bytes).to_string(),
            "(7, [[0.5, 1.0], [1.5, 2.0]], b'hi', (1.0-2.5j))"
        );
    }

    #[test]
    fn typed_elements_check_kind_and_size() {
        let f4 = DType::parse(">f4").unwrap();
        let s = f4.as_scalar().unwrap();
        assert!(f32::accepts(s) && !f64::accepts(s) && !i32::accepts(s));
        let mut out = [0u8; 4];
        2.5f32.encode(&mut out, ByteOrder::Big);
        assert_eq!(f32::decode(&out, ByteOrder::Big), 2.5);
        assert_eq!(out, 2.5f32.to_be_bytes());
        assert!(i64::accepts(
            DType::parse("M8[s]").unwrap().as_scalar().unwrap()
        ));
    }
}
