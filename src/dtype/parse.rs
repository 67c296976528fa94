//! NumPy dtype *strings*: type codes (`'<i4'`, `'d'`, `'S5'`), type names (`'float64'`),
//! datetimes (`'M8[us/2]'`) and the tokenizer of comma strings (`'i4, (2,3)f8, S5'`).
//!
//! This follows `_convert_from_str` in NumPy's `descriptor.c` and `_commastring` in
//! `_internal.py` (NumPy 2.4), including their quirks (`'f08'` and `'i+4'` are valid, a
//! byte-order prefix is not allowed before a type *name*).
//!
//! Offsets in errors are byte offsets into the string being parsed; the caller maps them
//! onto the whole input.

use nom::bytes::complete::{take_while, take_while1};
use nom::character::complete::one_of;
use nom::combinator::{opt, recognize};
use nom::sequence::delimited;
use nom::{IResult, Parser};

use super::{ByteOrder, DateTimeUnit, Scalar, ScalarKind, TimeUnit, MAX_ITEMSIZE};
use crate::error::{Error, ErrorKind, Location, Result};

const TYPE_HINT: &str = "expected a type code such as 'f8' or '<i4', a one-letter code such as \
     'd', a type name such as 'float64', or a comma-separated list of them";

fn not_understood(s: &str) -> Error {
    let mut msg = format!("data type {:?} not understood", s);
    if s.contains(char::is_whitespace) {
        msg.push_str("; a single dtype string may not contain spaces");
    }
    msg.push_str(": ");
    msg.push_str(TYPE_HINT);
    Error::dtype(msg).at(Location::Spec(0))
}

/// C's `strtol(s, &end, 10)` as NumPy uses it: leading C whitespace, an optional sign, then
/// digits. Returns the value (saturated at `i64` bounds like `LONG_MAX`) and the number of
/// bytes consumed, or `None` when no digits were found.
fn strtol(b: &[u8]) -> Option<(i64, usize)> {
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        i += 1;
    }
    let mut neg = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        neg = b[i] == b'-';
        i += 1;
    }
    let start = i;
    let mut v: i64 = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        let d = i64::from(b[i] - b'0');
        v = v.saturating_mul(10).saturating_add(d);
        i += 1;
    }
    if i == start {
        return None;
    }
    Some((if neg { -v } else { v }, i))
}

/// NumPy's `_check_for_commastring`: a digit first (optionally after a byte-order char),
/// a leading `()`, or a comma outside square brackets.
pub(crate) fn is_commastring(s: &str) -> bool {
    let b = s.as_bytes();
    let is_order = |c: u8| matches!(c, b'<' | b'>' | b'|' | b'=');
    if b.first().is_some_and(u8::is_ascii_digit)
        || (b.len() > 1 && is_order(b[0]) && b[1].is_ascii_digit())
    {
        return true;
    }
    if (b.len() > 1 && b[0] == b'(' && b[1] == b')')
        || (b.len() > 3 && is_order(b[0]) && b[1] == b'(' && b[2] == b')')
    {
        return true;
    }
    let mut depth: i64 = 0;
    for &c in b {
        match c {
            b',' if depth == 0 => return true,
            b'[' => depth += 1,
            b']' => depth -= 1,
            _ => {}
        }
    }
    false
}

/// One item of a comma string: the dtype text (with its resolved byte-order prefix) and,
/// when present, the repeat count text (`2`, `(2,3)`, `3,2`, `()`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CommaItem {
    pub dtype: String,
    /// Offset of the dtype text (after any byte-order char) in the comma string.
    pub dtype_pos: usize,
    pub repeats: Option<(String, usize)>,
}

type PResult<'a, T> = IResult<&'a str, T, ()>;

/// The `format_re` of `_commastring`:
/// `([<>|=]?)( *[(]?[ ,0-9]*[)]? *)([<>|=]?)([A-Za-z0-9.?]*(?:\[[a-zA-Z0-9,.]+\])?)`.
/// Every part is optional and greedy, so this always matches (possibly nothing).
fn format_item(i: &str) -> PResult<'_, (Option<char>, &str, Option<char>, &str)> {
    let order = |i| opt(one_of("<>|=")).parse(i);
    let (i, order1) = order(i)?;
    let (i, repeats) = recognize((
        take_while(|c| c == ' '),
        opt(one_of("(")),
        take_while(|c: char| c == ' ' || c == ',' || c.is_ascii_digit()),
        opt(one_of(")")),
        take_while(|c| c == ' '),
    ))
    .parse(i)?;
    let (i, order2) = order(i)?;
    let (i, dtype) = recognize((
        take_while(|c: char| c.is_ascii_alphanumeric() || c == '.' || c == '?'),
        opt(delimited(
            one_of("["),
            take_while1(|c: char| c.is_ascii_alphanumeric() || c == ',' || c == '.'),
            one_of("]"),
        )),
    ))
    .parse(i)?;
    Ok((i, (order1, repeats, order2, dtype)))
}

/// Split a comma string into items, as `numpy._core._internal._commastring` does.
/// Returns the items and whether the string was a list (a top-level comma was seen).
pub(crate) fn commastring(s: &str) -> Result<(Vec<CommaItem>, bool)> {
    let mut pos = 0;
    let mut items = Vec::new();
    let mut is_list = false;
    while pos < s.len() {
        let rest = &s[pos..];
        let Ok((after, (order1, repeats, order2, dtype))) = format_item(rest) else {
            return Err(Error::dtype("unrecognised comma string").at(Location::Spec(pos)));
        };
        let item_start = pos;
        let dtype_pos = pos + (rest.len() - after.len()) - dtype.len();
        let repeats_pos = pos + order1.map_or(0, char::len_utf8);
        pos += rest.len() - after.len();
        if pos < s.len() {
            let tail = &s[pos..];
            if tail.chars().all(char::is_whitespace) {
                pos = s.len();
            } else {
                let t = tail.trim_start();
                match t.strip_prefix(',') {
                    Some(t2) => {
                        let t3 = t2.trim_start();
                        pos = s.len() - t3.len();
                        is_list = true;
                    }
                    None => {
                        return Err(Error::dtype(format!(
                            "format number {} of {:?} is not recognized: expected ',' \
                             between the fields of a comma string",
                            items.len() + 1,
                            s
                        ))
                        .at(Location::Spec(pos)));
                    }
                }
            }
        }
        let native = ByteOrder::NATIVE.as_char();
        let resolve = |c: char| if c == '=' { native } else { c };
        let order = match (order1, order2) {
            (o, None) | (None, o) => o,
            (Some(a), Some(b)) => {
                if resolve(a) != resolve(b) {
                    return Err(Error::dtype(format!(
                        "inconsistent byte-order specification {a} and {b}"
                    ))
                    .at(Location::Spec(item_start)));
                }
                Some(a)
            }
        };
        let prefix = match order {
            Some(c) if c != '|' && c != '=' && c != native => c.to_string(),
            _ => String::new(),
        };
        let repeats = if repeats.is_empty() {
            None
        } else {
            Some((repeats.to_owned(), repeats_pos))
        };
        items.push(CommaItem {
            dtype: prefix + dtype,
            dtype_pos,
            repeats,
        });
    }
    Ok((items, is_list))
}

/// The scalar a NumPy type number or type character names (`PyArray_DescrFromType`).
fn from_type_char(c: u8) -> Option<Scalar> {
    use ScalarKind::*;
    let (kind, size) = match c {
        0 | b'?' => (Bool, 1),
        1 | b'b' => (Int, 1),
        2 | b'B' => (UInt, 1),
        3 | b'h' => (Int, 2),
        4 | b'H' => (UInt, 2),
        5 | b'i' => (Int, 4),
        6 | b'I' => (UInt, 4),
        7 | 9 | b'l' | b'q' | b'p' | b'n' => (Int, 8),
        8 | 10 | b'L' | b'Q' | b'P' | b'N' => (UInt, 8),
        11 | b'f' => (Float, 4),
        12 | b'd' => (Float, 8),
        13 | b'g' => (Float, 16),
        14 | b'F' => (Complex, 8),
        15 | b'D' => (Complex, 16),
        16 | b'G' => (Complex, 32),
        17 | b'O' => (Object, 8),
        18 | b'S' => (Bytes, 0),
        19 | b'U' => (Unicode, 0),
        20 | b'V' => (Void, 0),
        21 | b'M' => (DateTime, 8),
        22 | b'm' => (TimeDelta, 8),
        23 | b'e' => (Float, 2),
        b'c' => (Bytes, 1),
        _ => return None,
    };
    Some(Scalar::new_unchecked(kind, size, ByteOrder::NATIVE))
}

/// `PyArray_TypestrConvert`: a kind letter and a size in bytes.
fn from_kind_size(kind: u8, size: i64) -> Option<Scalar> {
    use ScalarKind::*;
    let k = match (kind, size) {
        (b'b', 1) => Bool,
        (b'i', 1 | 2 | 4 | 8) => Int,
        (b'u', 1 | 2 | 4 | 8) => UInt,
        (b'f', 2 | 4 | 8 | 16) => Float,
        (b'c', 8 | 16 | 32) => Complex,
        (b'M', 8) => DateTime,
        (b'm', 8) => TimeDelta,
        (b'O', 4 | 8) => return Some(Scalar::new_unchecked(Object, 8, ByteOrder::NATIVE)),
        _ => return None,
    };
    Some(Scalar::new_unchecked(k, size as u32, ByteOrder::NATIVE))
}

/// The sizes NumPy accepts for a kind letter, for error messages.
fn valid_sizes(kind: u8) -> Option<&'static str> {
    Some(match kind {
        b'b' => "b1",
        b'i' => "i1, i2, i4 or i8",
        b'u' => "u1, u2, u4 or u8",
        b'f' => "f2, f4, f8 or f16",
        b'c' => "c8, c16 or c32",
        _ => return None,
    })
}

/// `np.sctypeDict` names (NumPy 2.4, 64-bit Linux).
fn from_name(name: &str) -> Option<Scalar> {
    use ScalarKind::*;
    let (kind, size) = match name {
        "bool" | "bool_" => (Bool, 1),
        "int8" | "byte" => (Int, 1),
        "uint8" | "ubyte" => (UInt, 1),
        "int16" | "short" => (Int, 2),
        "uint16" | "ushort" => (UInt, 2),
        "int32" | "intc" => (Int, 4),
        "uint32" | "uintc" => (UInt, 4),
        "int64" | "long" | "longlong" | "intp" | "int_" | "int" => (Int, 8),
        "uint64" | "ulong" | "ulonglong" | "uintp" | "uint" => (UInt, 8),
        "float16" | "half" => (Float, 2),
        "float32" | "single" => (Float, 4),
        "float64" | "double" | "float" => (Float, 8),
        "float128" | "longdouble" => (Float, 16),
        "complex64" | "csingle" => (Complex, 8),
        "complex128" | "cdouble" | "complex" => (Complex, 16),
        "complex256" | "clongdouble" => (Complex, 32),
        "bytes_" | "bytes" | "a" => (Bytes, 0),
        "str_" | "str" | "unicode" => (Unicode, 0),
        "void" => (Void, 0),
        "object_" | "object" => (Object, 8),
        "datetime64" => (DateTime, 8),
        "timedelta64" => (TimeDelta, 8),
        _ => return None,
    };
    Some(Scalar::new_unchecked(kind, size, ByteOrder::NATIVE))
}

const REMOVED_ALIASES: [&str; 7] = [
    "int0", "uint0", "void0", "object0", "str0", "bytes0", "bool8",
];

fn is_datetime_typestr(t: &str) -> bool {
    let b = t.as_bytes();
    (b.len() >= 2 && b[1] == b'8' && (b[0] == b'M' || b[0] == b'm'))
        || t.starts_with("datetime64")
        || t.starts_with("timedelta64")
}

/// NumPy's `convert_datetime_divisor_to_multiple`: `[us/2]` → `[500ns]`.
fn apply_divisor(unit: TimeUnit, count: u32, den: i64, meta: &str) -> Result<DateTimeUnit> {
    use TimeUnit::*;
    // Candidate (factor, finer unit) pairs, tried in order.
    let tries: Vec<(i64, TimeUnit)> = match unit {
        Year => vec![(12, Month), (52, Week), (365, Day)],
        Month => vec![(4, Week), (30, Day), (720, Hour)],
        // NumPy reads a fourth, zero entry for weeks (its table row has three): a divisor
        // that divides none of them yields a zero multiple of years. Kept for fidelity.
        Week => vec![(7, Day), (168, Hour), (10080, Minute), (0, Year)],
        Day => vec![(24, Hour), (1440, Minute), (86400, Second)],
        Hour => vec![(60, Minute), (3600, Second)],
        Minute => vec![(60, Second), (60_000, Millisecond)],
        _ => {
            let idx = TimeUnit::ALL.iter().position(|&u| u == unit).unwrap_or(0);
            let next = |k: usize| TimeUnit::ALL.get(idx + k).copied();
            let mut v = Vec::new();
            if let Some(u) = next(1) {
                v.push((1000, u));
            }
            if let Some(u) = next(2) {
                v.push((1_000_000, u));
            }
            v
        }
    };
    for (factor, finer) in tries {
        if factor % den == 0 {
            let q = factor / den;
            let count = i64::from(count)
                .checked_mul(q)
                .filter(|&c| c <= i64::from(i32::MAX))
                .ok_or_else(|| Error::dtype("datetime multiplier too large"))?;
            return Ok(DateTimeUnit::new(finer, count as u32));
        }
    }
    Err(Error::dtype(format!(
        "divisor ({den}) is not a multiple of a lower-unit in datetime metadata {meta:?}"
    )))
}

/// Parse the `[...]` metadata of a datetime type (`meta` is everything after `M8`).
/// Offsets in errors are relative to `meta`.
fn datetime_meta(meta: &str) -> Result<DateTimeUnit> {
    if meta.is_empty() {
        return Ok(DateTimeUnit::GENERIC);
    }
    let bad = |at: usize, what: &str| {
        Error::dtype(format!(
            "invalid datetime metadata {meta:?}: expected {what}, like [ns], [25s] or [us/2]"
        ))
        .at(Location::Spec(at))
    };
    let Some(inner) = meta.strip_prefix('[') else {
        return Err(bad(0, "'['"));
    };
    let Some(close) = inner.find(']') else {
        return Err(bad(meta.len(), "']'"));
    };
    if close == 0 {
        return Err(bad(1, "a unit"));
    }
    if close + 2 != meta.len() {
        return Err(bad(close + 2, "the end after ']'"));
    }
    let body = &inner[..close];
    let (num, used) = match strtol(body.as_bytes()) {
        Some((v, used)) => {
            if !(0..=i64::from(i32::MAX)).contains(&v) {
                return Err(bad(1, "a multiplier from 0 to 2147483647"));
            }
            (v as u32, used)
        }
        None => (1, 0),
    };
    let rest = &body[used..];
    let (unit_text, den_text) = match rest.find('/') {
        Some(n) => (&rest[..n], Some(&rest[n + 1..])),
        None => (rest, None),
    };
    if unit_text.is_empty() {
        return Err(bad(1 + used, "a unit"));
    }
    if unit_text == "generic" {
        // NumPy keeps the multiplier of generic units (`M8[2generic]` != `M8`) although
        // `.str` does not show it.
        return Ok(DateTimeUnit {
            unit: None,
            count: num,
        });
    }
    let Some(unit) = TimeUnit::from_symbol(unit_text) else {
        return Err(Error::dtype(format!(
            "invalid datetime unit {unit_text:?} in {meta:?}: expected one of Y, M, W, D, h, \
             m, s, ms, us, ns, ps, fs, as"
        ))
        .at(Location::Spec(1 + used)));
    };
    let mut out = DateTimeUnit::new(unit, num);
    if let Some(den_text) = den_text {
        let den_at = 1 + used + unit_text.len() + 1;
        match strtol(den_text.as_bytes()) {
            Some((den, n)) if n == den_text.len() && den > 0 && den <= i64::from(i32::MAX) => {
                if den != 1 {
                    out = apply_divisor(unit, num, den, meta)
                        .map_err(|e| e.at(Location::Spec(den_at)))?;
                }
            }
            _ => return Err(bad(den_at, "a positive divisor after '/'")),
        }
    }
    Ok(out)
}

/// Parse a non-comma dtype string, as NumPy's `_convert_from_str` after its comma check.
pub(crate) fn typestr(s: &str) -> Result<Scalar> {
    if s.is_empty() {
        return Err(
            Error::dtype(format!("empty data type string: {TYPE_HINT}")).at(Location::Spec(0))
        );
    }
    let (order, t, t_at) = match s.as_bytes()[0] {
        b'<' => (Some(ByteOrder::Little), &s[1..], 1),
        b'>' => (Some(ByteOrder::Big), &s[1..], 1),
        b'=' | b'|' => (None, &s[1..], 1),
        _ => (None, s, 0),
    };
    if t.is_empty() {
        return Err(Error::dtype(format!(
            "data type {s:?} is only a byte-order character: expected a type after it"
        ))
        .at(Location::Spec(1)));
    }
    let with_order = |sc: Scalar| match order {
        Some(o) => sc.with_byte_order(o),
        None => sc,
    };
    if is_datetime_typestr(t) {
        let (timedelta, meta) = if let Some(m) = t.strip_prefix("datetime64") {
            (false, m)
        } else if let Some(m) = t.strip_prefix("timedelta64") {
            (true, m)
        } else {
            (t.starts_with('m'), &t[2..])
        };
        let meta_at = t_at + (t.len() - meta.len());
        let unit = datetime_meta(meta).map_err(|e| match e.location() {
            Some(Location::Spec(n)) => e.at_exact(Location::Spec(meta_at + n)),
            _ => e,
        })?;
        return Ok(with_order(Scalar::datetime(
            timedelta,
            unit,
            ByteOrder::NATIVE,
        )));
    }
    if t == "T" {
        return Err(Error::new(
            ErrorKind::Unsupported,
            "StringDType ('T') is a variable-length type that has no fixed binary layout; \
             dtkit supports NumPy's legacy fixed-size types",
        )
        .at(Location::Spec(t_at)));
    }
    let tb = t.as_bytes();
    if tb.len() == 1 {
        if let Some(sc) = from_type_char(tb[0]) {
            return Ok(with_order(sc));
        }
    } else if let Some((size, used)) = strtol(&tb[1..]) {
        if used + 1 == t.len() {
            if size < 0 {
                return Err(Error::dtype(format!(
                    "data type {s:?} not understood: the size cannot be negative"
                ))
                .at(Location::Spec(t_at + 1)));
            }
            if size > i64::from(i32::MAX) {
                return Err(Error::new(
                    ErrorKind::Limit,
                    format!("size {size} in {s:?} is out of range: at most 2147483647 bytes"),
                )
                .at(Location::Spec(t_at + 1)));
            }
            let kind = tb[0];
            let sized = match kind {
                b'S' | b'a' => Some(Scalar::new_unchecked(
                    ScalarKind::Bytes,
                    size as u32,
                    ByteOrder::NATIVE,
                )),
                b'U' => {
                    if size > (MAX_ITEMSIZE / 4) as i64 {
                        return Err(Error::new(
                            ErrorKind::Limit,
                            format!("{s:?} is too large: at most U536870911 (2147483647 bytes)"),
                        )
                        .at(Location::Spec(t_at + 1)));
                    }
                    Some(Scalar::new_unchecked(
                        ScalarKind::Unicode,
                        (size * 4) as u32,
                        ByteOrder::NATIVE,
                    ))
                }
                b'V' => Some(Scalar::new_unchecked(
                    ScalarKind::Void,
                    size as u32,
                    ByteOrder::NATIVE,
                )),
                _ if size == 0 => None,
                _ => {
                    let found = from_kind_size(kind, size);
                    if found.is_none() {
                        if let Some(valid) = valid_sizes(kind) {
                            return Err(Error::dtype(format!(
                                "data type {s:?} not understood: no {size}-byte '{}' type, \
                                 expected {valid}",
                                kind as char
                            ))
                            .at(Location::Spec(t_at + 1)));
                        }
                    }
                    found
                }
            };
            if let Some(sc) = sized {
                return Ok(with_order(sc));
            }
        }
    }
    // Name lookup uses the whole string, byte-order prefix included, as NumPy does: so
    // '<float64' is not a dtype.
    if let Some(sc) = from_name(s) {
        return Ok(sc);
    }
    if REMOVED_ALIASES.contains(&t) {
        return Err(Error::dtype(format!(
            "alias {s:?} was removed in NumPy 2.0: use a name without a digit at the end"
        ))
        .at(Location::Spec(0)));
    }
    if (order.is_some() || s.starts_with(['=', '|'])) && from_name(t).is_some() {
        return Err(Error::dtype(format!(
            "data type {s:?} not understood: a byte-order character cannot precede a type \
             name; use a type code such as '>f8'"
        ))
        .at(Location::Spec(0)));
    }
    Err(not_understood(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> String {
        let sc = typestr(s).unwrap();
        format!(
            "{}{}{}{}",
            sc.byte_order().as_char(),
            sc.kind().kind_char(),
            sc.size(),
            sc.datetime_unit()
        )
    }

    #[test]
    fn codes_names_and_quirks() {
        assert_eq!(ts("f8"), "<f8");
        assert_eq!(ts(">f8"), ">f8");
        assert_eq!(ts("|f8"), "<f8");
        assert_eq!(ts("f08"), "<f8");
        assert_eq!(ts("i+4"), "<i4");
        assert_eq!(ts("S 5"), "|S5");
        assert_eq!(ts(">u1"), "|u1");
        assert_eq!(ts("U3"), "<U12");
        assert_eq!(ts("O4"), "|O8");
        assert_eq!(ts("float64"), "<f8");
        assert_eq!(ts("\t"), "<i8");
        assert_eq!(ts("M08"), "<M8");
        assert_eq!(ts("M8[us/2]"), "<M8[500ns]");
        assert_eq!(ts("M8[W/5]"), "<M8[2016m]");
        assert_eq!(ts("M8[W/11]"), "<M8[0Y]");
        assert_eq!(ts(">datetime64[ns]"), ">M8[ns]");
        assert_eq!(ts("M8[ 5s]"), "<M8[5s]");
        assert_eq!(ts("M8[2generic]"), "<M8");
        assert_eq!(typestr("M8[2generic]").unwrap().datetime_unit().count, 2);
        assert_eq!(ts("M8[\u{3bc}s]"), "<M8[us]");
    }

    #[test]
    fn rejections() {
        for bad in [
            "",
            "<",
            "i3",
            "f12",
            "u16",
            "i0",
            "S-1",
            "Float64",
            "<float64",
            " f8",
            "f8 ",
            "int0",
            "M8[xx]",
            "M8[s/3]",
            "M8[B]",
            "M8[5 s]",
            "S2147483648",
            "U536870912",
            "\x18",
            "\u{bc}",
            "<\u{bc}",
            "i\u{bc}",
            "M8[\u{bc}]",
        ] {
            assert!(typestr(bad).is_err(), "{bad:?} should fail");
        }
        assert_eq!(typestr("T").unwrap_err().kind(), ErrorKind::Unsupported);
        let e = typestr("i3").unwrap_err();
        assert_eq!(e.location(), Some(Location::Spec(1)));
        assert!(e.message().contains("i1, i2, i4 or i8"), "{e}");
        let e = typestr("<M8[xx]").unwrap_err();
        assert_eq!(e.location(), Some(Location::Spec(4)), "{e}");
    }

    #[test]
    fn comma_detection() {
        for yes in ["i4,f8", "2i4", ">2i4", "()f8", "<()f8", "i4,", "M8[ns],i4"] {
            assert!(is_commastring(yes), "{yes}");
        }
        for no in ["i4", "(2)i4", "M8[1,2]", "<()"] {
            assert!(!is_commastring(no), "{no}");
        }
    }

    #[test]
    fn comma_items() {
        let (items, list) = commastring("i4, (2,3)f8, S5").unwrap();
        assert!(list);
        assert_eq!(items.len(), 3);
        assert_eq!(items[1].dtype, "f8");
        assert_eq!(items[1].repeats.as_ref().unwrap().0, "(2,3)");
        assert_eq!(items[2].dtype_pos, 13);
        let (items, list) = commastring("3,2i4").unwrap();
        assert!(!list);
        assert_eq!(items[0].repeats.as_ref().unwrap().0, "3,2");
        let (items, _) = commastring(">i4,<f8").unwrap();
        assert_eq!(
            items[0].dtype,
            if cfg!(target_endian = "little") {
                ">i4"
            } else {
                "i4"
            }
        );
        assert!(commastring("<(2,)>i4").is_err());
        let e = commastring("(2,2)(3,)i4").unwrap_err();
        assert_eq!(e.location(), Some(Location::Spec(5)));
    }
}
