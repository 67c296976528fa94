//! The fused row parser of `loadtxt`'s fast path: one pass over a line that finds each
//! field's end while it converts the field (numbers digit by digit, eight digits at a time
//! where it can), instead of splitting the line into fields and converting each afterwards.
//!
//! It handles only the plain shape of a row: every field present, well formed, separated
//! as the options say, and written without surrounding spaces. Anything else (a field that
//! does not convert, a missing or extra column, `inf`, a quote, non-ASCII text, a digit
//! string too long for the exact fast path...) makes it decline the row, and the
//! line-by-line parser does the row again and decides: the fused parser never produces an
//! error, or a value the line-by-line parser would not produce.

use super::convert::{int_range, put_float};
use crate::dtype::{ByteOrder, DateTimeUnit, Scalar, ScalarKind};

/// How one column is converted by the fused parser.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    /// Little-endian `f8`: stored directly.
    F64Le,
    /// Any other float: size and byte order by `put_float`.
    Float(ByteOrder),
    /// An integer with its range (clamped to `i64`: the fused parser reads at most 18
    /// digits).
    Int { lo: i64, hi: i64, order: ByteOrder },
    /// `S<n>`: ASCII bytes, truncated, zero-padded.
    Bytes,
    /// `U<n>`: ASCII characters as UCS-4 code units.
    Unicode(ByteOrder),
    /// `M8[unit]` (ISO 8601 text) or, with `false`, `m8[unit]` (an integer count).
    Time(DateTimeUnit, bool, ByteOrder),
}

/// One column of a row: where it goes in the record, its size and its conversion.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Col {
    pub offset: usize,
    pub size: usize,
    pub kind: Kind,
}

impl Col {
    /// The fused conversion of `scalar` at `offset`, if it has one.
    pub fn of(offset: usize, scalar: &Scalar) -> Option<Col> {
        let order = scalar.byte_order();
        let size = scalar.size();
        let kind = match scalar.kind() {
            ScalarKind::Float if size == 8 && order == ByteOrder::Little => Kind::F64Le,
            ScalarKind::Float => Kind::Float(order),
            ScalarKind::Int | ScalarKind::UInt => {
                let (lo, hi) = int_range(scalar);
                let clamp = |v: i128| v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
                Kind::Int {
                    lo: clamp(lo),
                    hi: clamp(hi),
                    order,
                }
            }
            ScalarKind::Bytes => Kind::Bytes,
            ScalarKind::Unicode => Kind::Unicode(order),
            ScalarKind::DateTime | ScalarKind::TimeDelta
                if scalar.datetime_unit().unit.is_some() =>
            {
                Kind::Time(
                    scalar.datetime_unit(),
                    scalar.kind() == ScalarKind::DateTime,
                    order,
                )
            }
            _ => return None,
        };
        Some(Col { offset, size, kind })
    }
}

impl Col {
    /// Whether [`Col::convert_exact`] converts the column's fields (numbers and `S<n>`).
    pub fn converts_exactly(&self) -> bool {
        matches!(
            self.kind,
            Kind::Int { .. } | Kind::F64Le | Kind::Float(_) | Kind::Bytes
        )
    }

    /// Convert the field `b[start..end]`, all of it, into the column's place in `record`
    /// when it is a plain decimal number (sign, digits, point, exponent) the column holds,
    /// or ASCII text for `S<n>`; `false` otherwise, with nothing decided: the general
    /// converter then decides (spaces, `inf`, `0x10`, out of range, other text...). A
    /// number is read in the whole of `b`, whole words at a time, and must end exactly at
    /// `end`.
    #[inline]
    pub fn convert_exact(&self, b: &[u8], (start, end): (usize, usize), record: &mut [u8]) -> bool {
        match self.kind {
            Kind::Int { .. } => match scan_int(b, start) {
                Some((v, e)) if e == end => self.put_int(v, record),
                _ => false,
            },
            Kind::F64Le | Kind::Float(_) => match scan_float(b, start) {
                Some((v, e)) if e == end => self.put_float(v, record),
                _ => false,
            },
            Kind::Bytes => match b.get(start..end) {
                Some(text) if text.is_ascii() => self.put_ascii(b, (start, end), record),
                _ => false,
            },
            _ => false,
        }
    }

    /// Store the integer `v` in the column's place in `record`, when the column is an
    /// integer column whose range holds it.
    #[inline(always)]
    pub fn put_int(&self, v: i64, record: &mut [u8]) -> bool {
        let Kind::Int { lo, hi, order } = self.kind else {
            return false;
        };
        match record.get_mut(self.offset..self.offset + self.size) {
            Some(slot) if (lo..=hi).contains(&v) => {
                store_int(slot, v, order);
                true
            }
            _ => false,
        }
    }

    /// Store `v` in the column's place in `record`, when it is a float column.
    #[inline(always)]
    pub fn put_float(&self, v: f64, record: &mut [u8]) -> bool {
        let Some(slot) = record.get_mut(self.offset..self.offset + self.size) else {
            return false;
        };
        match self.kind {
            Kind::F64Le => slot.copy_from_slice(&v.to_le_bytes()),
            Kind::Float(order) => put_float(slot, v, order),
            _ => return false,
        }
        true
    }

    /// Store the ASCII text `b[start..end]` in the column's place in `record`, truncated
    /// and zero-padded, when it is an `S<n>` column.
    #[inline(always)]
    pub fn put_ascii(&self, b: &[u8], (start, end): (usize, usize), record: &mut [u8]) -> bool {
        let Some(slot) = record.get_mut(self.offset..self.offset + self.size) else {
            return false;
        };
        if !matches!(self.kind, Kind::Bytes) || start > end || end > b.len() {
            return false;
        }
        store_ascii(slot, b, start, end);
        true
    }
}

/// The text `b[start..end]` stored in `slot`, truncated and zero-padded (by one word when
/// both fit in one: a copy of a run-time length is a call to memcpy).
#[inline(always)]
fn store_ascii(slot: &mut [u8], b: &[u8], start: usize, end: usize) {
    let n = end - start;
    if slot.len() <= 8 && n <= 8 && start + 8 <= b.len() {
        let v = word(b, start);
        let w = if n == 8 {
            v
        } else {
            v & ((1u64 << (8 * n)) - 1)
        };
        let le = w.to_le_bytes();
        if slot.len() == 8 {
            slot.copy_from_slice(&le);
        } else {
            for (o, &c) in slot.iter_mut().zip(&le) {
                *o = c;
            }
        }
    } else {
        let text = &b[start..end];
        for (k, o) in slot.iter_mut().enumerate() {
            *o = text.get(k).copied().unwrap_or(0);
        }
    }
}

/// The fused parser for one set of options: the columns and the byte classes.
pub(crate) struct Fused {
    cols: Vec<Col>,
    delimiter: Option<u8>,
    comment: Option<u8>,
    /// For text fields: 0 a field byte, 1 a byte that ends the field, 2 a byte the fused
    /// parser does not decide (non-ASCII, control characters).
    class: [u8; 256],
    /// Bytes below this one are never field bytes (0x21 without a delimiter: the space
    /// separates; 0x20 with one).
    below: u8,
    /// The quote character (with a delimiter only): a text field that starts with it and
    /// closes it on the same line, printable ASCII inside, is the text between.
    quote: Option<u8>,
}

/// Whitespace between fields when there is no delimiter (the line-by-line parser's).
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\x0b' | b'\x0c' | b'\r')
}

/// Bytes a number can contain: a delimiter or comment marker among them would be ambiguous.
fn numeric_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-')
}

impl Fused {
    /// The fused parser for these columns, or `None` when the options are outside what it
    /// handles exactly.
    pub fn new(cols: Vec<Col>, delimiter: Option<u8>, comment: Option<u8>) -> Option<Fused> {
        if cols.is_empty() {
            return None;
        }
        if let Some(d) = delimiter {
            if numeric_byte(d) || matches!(d, b'\n' | b'\r') || Some(d) == comment {
                return None;
            }
        }
        if let Some(c) = comment {
            if numeric_byte(c) || is_ws(c) || c == b'\n' || !c.is_ascii() {
                return None;
            }
        }
        let mut class = [0u8; 256];
        for (b, slot) in class.iter_mut().enumerate() {
            let b = b as u8;
            *slot = if b >= 0x80
                || (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
                || b == 0x7f
            {
                2
            } else if b == b'\n'
                || b == b'\r'
                || Some(b) == comment
                || Some(b) == delimiter
                || (delimiter.is_none() && is_ws(b))
            {
                1
            } else if b < 0x20 {
                // Tab and form feeds inside a delimited field: leave them to the line parser.
                2
            } else {
                0
            };
        }
        let below = if delimiter.is_none() { 0x21 } else { 0x20 };
        debug_assert!((0..=255u8).all(|b| {
            let stop = b < below || b >= 0x7f || Some(b) == comment || Some(b) == delimiter;
            stop == (class[usize::from(b)] != 0)
        }));
        Some(Fused {
            cols,
            delimiter,
            comment,
            class,
            below,
            quote: None,
        })
    }

    /// This parser with `quote` as the quote character: `None` when it cannot take one
    /// (without a delimiter, or a quote a number or a separator could hold).
    pub fn with_quote(mut self, quote: Option<u8>) -> Option<Fused> {
        if let Some(q) = quote {
            if self.delimiter.is_none()
                || !q.is_ascii_punctuation()
                || numeric_byte(q)
                || Some(q) == self.delimiter
                || Some(q) == self.comment
            {
                return None;
            }
        }
        self.quote = quote;
        Some(self)
    }

    /// The quoted text field at `i` (`b[i]` is the quote) into `out`: where the field ends
    /// (after the closing quote), or `None` when it is not the plain case (no closing
    /// quote, a newline or a byte outside printable ASCII inside, not an `S<n>` column).
    fn quoted(&self, col: &Col, b: &[u8], i: usize, out: &mut [u8]) -> Option<usize> {
        let q = self.quote?;
        // The closing quote on this line: the search stops at the newline.
        let close = i + 1 + memchr::memchr2(q, b'\n', b.get(i + 1..)?)?;
        if b[close] != q
            || !matches!(col.kind, Kind::Bytes)
            || !b[i + 1..close].iter().all(|&c| (0x20..0x7f).contains(&c))
        {
            return None;
        }
        store_ascii(&mut out[col.offset..col.offset + col.size], b, i + 1, close);
        Some(close + 1)
    }

    /// The position in the word `v` (eight bytes of input) of the first byte that ends a
    /// text field or is not one the fused parser decides (class 1 or 2), or 8.
    #[inline(always)]
    fn first_stop(&self, v: u64) -> usize {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        // Bytes below the limit (controls; and the space without a delimiter), and bytes
        // from 0x7f up. Each test can only mark wrongly bytes above a rightly marked one,
        // so the lowest mark is exact.
        let below = v.wrapping_sub(ONES * u64::from(self.below)) & !v & HIGH;
        let high = (v | v.wrapping_add(ONES)) & HIGH;
        let mut m = below | high;
        for c in [self.comment, self.delimiter].into_iter().flatten() {
            let x = v ^ (ONES * u64::from(c));
            m |= x.wrapping_sub(ONES) & !x & HIGH;
        }
        (m.trailing_zeros() / 8) as usize
    }

    /// Parse rows from `pos` into the records of `len` bytes that `out` holds (zeroing each
    /// first when `zero`), until a row is declined, the text ends or `out` is full: where
    /// the next row starts and the rows parsed.
    pub fn rows(
        &self,
        b: &[u8],
        mut pos: usize,
        out: &mut [u8],
        len: usize,
        zero: bool,
    ) -> (usize, usize) {
        let mut n = 0;
        if len == 0 {
            return (pos, 0);
        }
        for rec in out.chunks_exact_mut(len) {
            if pos >= b.len() {
                break;
            }
            if zero {
                rec.fill(0);
            }
            match self.row(b, pos, rec) {
                Some(next) => {
                    pos = next;
                    n += 1;
                }
                None => break,
            }
        }
        (pos, n)
    }

    /// Parse the row starting at `pos` into `out` (the record, zeroed); returns where the
    /// next line starts, or `None` to let the line-by-line parser do this line.
    #[inline(always)]
    pub fn row(&self, b: &[u8], pos: usize, out: &mut [u8]) -> Option<usize> {
        let mut i = pos;
        let last = self.cols.len() - 1;
        match self.delimiter {
            Some(d) => {
                for (k, col) in self.cols.iter().enumerate() {
                    i = self.field(col, b, i, out)?;
                    if k < last {
                        if b.get(i) != Some(&d) {
                            return None;
                        }
                        i += 1;
                    }
                }
            }
            None => {
                while i < b.len() && is_ws(b[i]) {
                    i += 1;
                }
                for (k, col) in self.cols.iter().enumerate() {
                    i = self.field(col, b, i, out)?;
                    let c = b.get(i).copied();
                    if k < last {
                        // Usually one space, then the next field. A newline, a comment or
                        // the end here leave the next field missing: the row is declined.
                        if c == Some(b' ') && b.get(i + 1).is_some_and(|&n| n > b' ') {
                            i += 1;
                            continue;
                        }
                        if !c.is_some_and(is_ws) {
                            return None;
                        }
                        while i < b.len() && is_ws(b[i]) {
                            i += 1;
                        }
                    } else {
                        if c == Some(b'\n') {
                            return Some(i + 1);
                        }
                        match c {
                            None => {}
                            Some(c) if is_ws(c) || Some(c) == self.comment => {}
                            _ => return None,
                        }
                        while i < b.len() && is_ws(b[i]) {
                            i += 1;
                        }
                    }
                }
            }
        }
        match b.get(i) {
            None => Some(b.len()),
            Some(b'\n') => Some(i + 1),
            Some(b'\r') if b.get(i + 1) == Some(&b'\n') => Some(i + 2),
            Some(&c) if Some(c) == self.comment => {
                Some(memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n + 1))
            }
            _ => None,
        }
    }

    /// Convert the field at `i` into its place in `out`; returns the field's end.
    #[inline(always)]
    fn field(&self, col: &Col, b: &[u8], i: usize, out: &mut [u8]) -> Option<usize> {
        let slot = &mut out[col.offset..col.offset + col.size];
        // The common kinds as plain branches first: a jump table on the kind is an
        // indirect jump per field.
        if let Kind::F64Le = col.kind {
            let (v, end) = scan_float(b, i)?;
            slot.copy_from_slice(&v.to_le_bytes());
            return Some(end);
        }
        if let Kind::Int { lo, hi, order } = col.kind {
            let (v, end) = scan_int(b, i)?;
            if v < lo || v > hi {
                return None;
            }
            store_int(slot, v, order);
            return Some(end);
        }
        match col.kind {
            Kind::Float(order) => {
                let (v, end) = scan_float(b, i)?;
                put_float(slot, v, order);
                Some(end)
            }
            Kind::Int { .. } | Kind::F64Le => unreachable!("handled above"),
            Kind::Bytes | Kind::Unicode(_) | Kind::Time(..) => {
                if self.quote.is_some() && b.get(i).copied() == self.quote {
                    return self.quoted(col, b, i, out);
                }
                // The field's end, eight bytes at a time: no branch per byte to mispredict.
                let mut end = i;
                loop {
                    if end + 8 <= b.len() {
                        let n = self.first_stop(word(b, end));
                        end += n;
                        if n < 8 {
                            break;
                        }
                    } else {
                        while end < b.len() && self.class[usize::from(b[end])] == 0 {
                            end += 1;
                        }
                        break;
                    }
                }
                if end == i || (end < b.len() && self.class[usize::from(b[end])] == 2) {
                    return None;
                }
                let text = &b[i..end];
                match col.kind {
                    Kind::Bytes => store_ascii(slot, b, i, end),
                    Kind::Unicode(order) => {
                        slot.fill(0);
                        for (unit, &c) in slot.chunks_exact_mut(4).zip(text) {
                            let c = u32::from(c);
                            unit.copy_from_slice(&if order == ByteOrder::Big {
                                c.to_be_bytes()
                            } else {
                                c.to_le_bytes()
                            });
                        }
                    }
                    Kind::Time(unit, is_datetime, order) => {
                        let t = std::str::from_utf8(text).ok()?;
                        let v = if is_datetime {
                            crate::datetime::parse_datetime(t, unit)?
                        } else {
                            crate::datetime::parse_timedelta(t)?
                        };
                        let le = v.to_le_bytes();
                        slot.copy_from_slice(&le);
                        if order == ByteOrder::Big {
                            slot.reverse();
                        }
                    }
                    _ => unreachable!("text kinds only"),
                }
                Some(end)
            }
        }
    }
}

/// `v` stored in `slot` (1, 2, 4 or 8 bytes) in `order`, by fixed-size copies: a copy of
/// a run-time length is a call to memcpy per field.
#[inline(always)]
fn store_int(slot: &mut [u8], v: i64, order: ByteOrder) {
    let big = order == ByteOrder::Big;
    match slot.len() {
        8 => slot.copy_from_slice(&if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }),
        4 => {
            let v = v as u32;
            slot.copy_from_slice(&if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            });
        }
        2 => {
            let v = v as u16;
            slot.copy_from_slice(&if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            });
        }
        _ => slot[0] = v as u8,
    }
}

/// The eight bytes of `b` from `i` as a little-endian word.
#[inline(always)]
pub(crate) fn word(b: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(w)
}

/// The value of eight ASCII digits (the first byte the most significant).
#[inline(always)]
fn eight_value(v: u64) -> u64 {
    const MASK: u64 = 0x0000_00FF_0000_00FF;
    const MUL1: u64 = 0x000F_4240_0000_0064; // 100 + (1000000 << 32)
    const MUL2: u64 = 0x0000_2710_0000_0001; // 1 + (10000 << 32)
    let mut v = v.wrapping_sub(0x3030_3030_3030_3030);
    v = v.wrapping_mul(10).wrapping_add(v >> 8);
    let v1 = (v & MASK).wrapping_mul(MUL1);
    let v2 = ((v >> 16) & MASK).wrapping_mul(MUL2);
    u64::from((v1.wrapping_add(v2) >> 32) as u32)
}

/// The number of ASCII digits at the start (low bytes) of `v`, 0 to 8.
#[inline(always)]
pub(crate) fn leading_digits(v: u64) -> usize {
    let x = v ^ 0x3030_3030_3030_3030;
    // A byte is not a digit when it is above 9 after the xor (its high bit is set by the
    // addition, or was set already). Carries only leave bytes already marked.
    let mask = (x.wrapping_add(0x7676_7676_7676_7676) | x) & 0x8080_8080_8080_8080;
    (mask.trailing_zeros() / 8) as usize
}

/// Powers of ten as integers, up to 10^8.
const POW10_INT: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// Digits from `i`, accumulated into `m` while at most 19 have been taken (`nd` counts all
/// of them). Returns the position after the digits.
#[inline(always)]
fn digits(b: &[u8], mut i: usize, m: &mut u64, nd: &mut usize) -> usize {
    // Runs of up to 16 digits in two words, without a loop (room for 16 more digits: the
    // 19-digit limit cannot be reached).
    if *nd <= 3 && i + 16 <= b.len() {
        let v = word(b, i);
        let n = leading_digits(v);
        if n < 8 {
            if n > 0 {
                *m = *m * POW10_INT[n] + eight_value(pad_digits(v, n));
                *nd += n;
            }
            return i + n;
        }
        let w = word(b, i + 8);
        let n2 = leading_digits(w);
        let acc = *m * 100_000_000 + eight_value(v);
        if n2 < 8 {
            *m = if n2 > 0 {
                acc * POW10_INT[n2] + eight_value(pad_digits(w, n2))
            } else {
                acc
            };
            *nd += 8 + n2;
            return i + 8 + n2;
        }
        *m = acc;
        *nd += 8;
        i += 8;
    }
    // Eight bytes at a time: the run of digits at their start, shifted up and padded with
    // zeros to read as one eight-digit number.
    while i + 8 <= b.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&b[i..i + 8]);
        let v = u64::from_le_bytes(word);
        let n = leading_digits(v);
        if *nd + n > 19 {
            break;
        }
        if n == 8 {
            *m = *m * 100_000_000 + eight_value(v);
            *nd += 8;
            i += 8;
            continue;
        }
        if n > 0 {
            let shift = 8 * (8 - n) as u32;
            let padded = (v << shift) | (0x3030_3030_3030_3030u64 >> (64 - shift));
            *m = *m * POW10_INT[n] + eight_value(padded);
            *nd += n;
            i += n;
        }
        return i;
    }
    while i < b.len() && b[i].is_ascii_digit() {
        if *nd < 19 {
            *m = *m * 10 + u64::from(b[i] - b'0');
        }
        *nd += 1;
        i += 1;
    }
    i
}

/// The word `v` with its first `n` bytes (1 to 7) moved to the top and zeros ('0') below
/// them: an eight-digit number of the same value.
#[inline(always)]
fn pad_digits(v: u64, n: usize) -> u64 {
    let shift = 8 * (8 - n) as u32;
    (v << shift) | (0x3030_3030_3030_3030u64 >> (64 - shift))
}

/// Powers of ten that are exact doubles.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A decimal float at `start` (sign, digits, fraction, exponent; no spaces, no `inf`/`nan`):
/// its value, correctly rounded, and its end.
#[inline(always)]
pub(crate) fn scan_float(b: &[u8], start: usize) -> Option<(f64, usize)> {
    let mut i = start;
    // The signs are read inline here and in `scan_int`: a shared helper taking `&mut i`
    // made loadtxt 30% slower (the position left its register).
    // Without branches: the sign of random data is a misprediction in two.
    let c = b.get(i).copied().unwrap_or(0);
    let neg = c == b'-';
    i += usize::from(neg | (c == b'+'));
    let mut m = 0u64;
    let mut nd = 0usize;
    let int_start = i;
    i = digits(b, i, &mut m, &mut nd);
    let mut any = i > int_start;
    let mut frac = 0i64;
    if b.get(i) == Some(&b'.') {
        let f = i + 1;
        i = digits(b, f, &mut m, &mut nd);
        frac = (i - f) as i64;
        any |= i > f;
    }
    if !any {
        return None;
    }
    let mut exp = 0i64;
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        let eneg = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if exp < 1_000_000 {
                exp = exp * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == e {
            return None;
        }
        if eneg {
            exp = -exp;
        }
    }
    let e10 = exp - frac;
    let v = if nd <= 19 && m == 0 {
        0.0
    } else if nd <= 19 && m <= 1 << 53 && (-22..=22).contains(&e10) {
        // Clinger: an exact mantissa times or over an exact power of ten rounds once.
        let x = m as f64;
        if e10 >= 0 {
            x * POW10[e10 as usize]
        } else {
            x / POW10[(-e10) as usize]
        }
    } else {
        // The token is plain decimal syntax, which Rust reads as Python does.
        let text = std::str::from_utf8(&b[start..i]).ok()?;
        return text.parse::<f64>().ok().map(|v| (v, i));
    };
    Some((f64::from_bits(v.to_bits() | (u64::from(neg) << 63)), i))
}

/// A decimal integer at `start` with at most 18 digits, and its end.
#[inline(always)]
pub(crate) fn scan_int(b: &[u8], start: usize) -> Option<(i64, usize)> {
    let mut i = start;
    // Without branches: the sign of random data is a misprediction in two.
    let c = b.get(i).copied().unwrap_or(0);
    let neg = c == b'-';
    i += usize::from(neg | (c == b'+'));
    let mut m = 0u64;
    let mut nd = 0usize;
    let s = i;
    i = digits(b, i, &mut m, &mut nd);
    if i == s || nd > 18 {
        return None;
    }
    let v = m as i64;
    // Negated without a branch.
    let mask = -i64::from(neg);
    Some(((v ^ mask) - mask, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_digit_words() {
        let w = |s: &[u8; 8]| u64::from_le_bytes(*s);
        assert_eq!(eight_value(w(b"01234567")), 1_234_567);
        assert_eq!(eight_value(w(b"98765432")), 98_765_432);
        for bad in [
            b"0123456/",
            b"0123456:",
            b"a1234567",
            b"1234 567",
            b"\xb0\x31\x32\x33\x34\x35\x36\x37",
        ] {
            assert!(leading_digits(w(bad)) < 8, "{bad:?}");
        }
        assert_eq!(leading_digits(w(b"12345678")), 8);
        assert_eq!(leading_digits(w(b"1234567,")), 7);
        assert_eq!(leading_digits(w(b"9/:00000")), 1);
        assert_eq!(leading_digits(w(b"\xff1234567")), 0);
        assert_eq!(leading_digits(w(b"12\xba45678")), 2);
        for n in 0..=8 {
            let mut s = *b"........";
            for (k, c) in s.iter_mut().take(n).enumerate() {
                *c = b'1' + k as u8;
            }
            let (mut m, mut nd) = (0u64, 0usize);
            let text = [&s[..], b"xxxxxxxx"].concat();
            assert_eq!(digits(&text, 0, &mut m, &mut nd), n);
            assert_eq!(
                (m, nd),
                (
                    if n == 0 {
                        0
                    } else {
                        "12345678"[..n].parse().unwrap()
                    },
                    n
                )
            );
        }
    }

    /// Every float the fused scanner reads is the value Rust's correctly rounded parser
    /// gives for the same text, and it declines what is not a plain decimal.
    #[test]
    fn floats_agree_with_the_standard_parser() {
        let mut next = crate::xorshift(0x2545_f491_4f6c_dd1du64);
        for _ in 0..300_000 {
            let r = next();
            let v = f64::from_bits(r);
            if !v.is_finite() {
                continue;
            }
            let text = match r % 6 {
                0 => format!("{v}"),
                1 => format!("{v:e}"),
                2 => format!("{:.15}", (r % 100_000) as f64 / 997.0),
                3 => format!(
                    "{}e{}",
                    (r >> 20) % 100_000_000_000_000_000,
                    (r % 60) as i64 - 30
                ),
                4 => format!("-0.{:019}", r % 10_000_000_000_000_000_000),
                _ => format!("{:.6e}", v),
            };
            let want: f64 = text.parse().unwrap();
            let got = scan_float(text.as_bytes(), 0);
            assert_eq!(
                got.map(|(g, e)| (g.to_bits(), e)),
                Some((want.to_bits(), text.len())),
                "{text}"
            );
        }
        for (text, end) in [
            ("1.5,2", 3),
            ("-0", 2),
            ("+.5e1 ", 5),
            ("1.e5\n", 4),
            ("00000000000000000000001", 23),
        ] {
            let want: f64 = text[..end].parse().unwrap();
            assert_eq!(scan_float(text.as_bytes(), 0), Some((want, end)), "{text}");
        }
        assert_eq!(
            scan_float(b"-0.0", 0).map(|(v, _)| v.to_bits()),
            Some((-0.0f64).to_bits())
        );
        for bad in ["", "-", ".", "e5", ".e1", "1e", "1e+", "inf", "nan", " 1"] {
            assert_eq!(scan_float(bad.as_bytes(), 0), None, "{bad:?}");
        }
    }

    /// The fused parser takes the plain rows of every kind, and declines the others.
    #[test]
    fn rows() {
        use crate::dtype::DType;
        let dt = DType::parse(
            "[('a','u1'),('b','>i4'),('c','<f4'),('d','S3'),('e','<U2'),('f','>f8'),('g','<f8')]",
        )
        .unwrap();
        let cols: Vec<Col> = dt
            .leaf_fields()
            .into_iter()
            .map(|f| Col::of(f.offset, &f.dtype).unwrap())
            .collect();
        let ws = Fused::new(cols.clone(), None, Some(b'#')).unwrap();
        let mut out = vec![0u8; dt.itemsize()];
        let row = b"  7\t-70000 2.5 abcd xy -1e3 0.25 # note\r\nnext";
        assert_eq!(ws.row(row, 0, &mut out), Some(row.len() - 4));
        assert_eq!(out[0], 7);
        assert_eq!(&out[1..5], &(-70000i32).to_be_bytes());
        assert_eq!(&out[5..9], &2.5f32.to_le_bytes());
        assert_eq!(&out[9..12], b"abc");
        assert_eq!(&out[12..20], &[b'x', 0, 0, 0, b'y', 0, 0, 0]);
        assert_eq!(&out[20..28], &(-1000f64).to_be_bytes());
        assert_eq!(&out[28..36], &0.25f64.to_le_bytes());
        for declined in [
            &b"256 1 2 abc xy 1 2\n"[..], // out of range
            b"1 1 2 abc xy 1\n",          // a column missing
            b"1 1 2 abc xy 1 2 3\n",      // a column too many
            b"1 1 inf abc xy 1 2\n",      // not a plain decimal
            b"1 1 2 ab\xc3\xa9 xy 1 2\n", // non-ASCII text
            b"1 1.0 2 abc xy 1 2\n",      // a float for an integer
            b"\n",                        // a blank line
        ] {
            assert_eq!(
                ws.row(declined, 0, &mut out),
                None,
                "{:?}",
                String::from_utf8_lossy(declined)
            );
        }
        let csv = Fused::new(cols, Some(b','), None).unwrap();
        assert_eq!(csv.row(b"1,2,3,s,u,4,5", 0, &mut out), Some(13));
        assert_eq!(csv.row(b"1,2,3,s t,u,4,5\r\n", 0, &mut out), Some(17));
        assert_eq!(&out[9..12], b"s t");
        for declined in [
            &b"1,2,3,s,u,4,5,\n"[..],
            b"1,2, 3,s,u,4,5\n",
            b"1,2,,s,u,4,5\n",
            b"1,2,3,s,u,4,5\r",
        ] {
            assert_eq!(
                csv.row(declined, 0, &mut out),
                None,
                "{:?}",
                String::from_utf8_lossy(declined)
            );
        }
        // Delimiters and comment markers a number could contain are refused up front.
        assert!(Fused::new(vec![cols_f8()], Some(b'e'), None).is_none());
        assert!(Fused::new(vec![cols_f8()], None, Some(b'-')).is_none());
    }

    fn cols_f8() -> Col {
        Col {
            offset: 0,
            size: 8,
            kind: Kind::F64Le,
        }
    }

    #[test]
    fn integers() {
        assert_eq!(
            scan_int(b"-123456789012345678,", 0),
            Some((-123_456_789_012_345_678, 19))
        );
        assert_eq!(scan_int(b"+7 ", 0), Some((7, 2)));
        assert_eq!(scan_int(b"1234567890123456789", 0), None);
        assert_eq!(scan_int(b"-", 0), None);
    }
}

#[cfg(test)]
mod speed {
    use super::*;

    #[test]
    #[ignore]
    fn speed() {
        let text = std::fs::read("/tmp/dtkit-bench/floats_102.csv").unwrap();
        let t = std::time::Instant::now();
        let mut i = 0;
        let mut acc = 0.0;
        let mut n = 0;
        while i < text.len() {
            let (v, e) = scan_float(&text, i).unwrap();
            acc += v;
            n += 1;
            i = e + 1;
        }
        println!(
            "scan_float: {n} in {:?} ({:.1} ns each) {acc}",
            t.elapsed(),
            t.elapsed().as_nanos() as f64 / n as f64
        );
        let t = std::time::Instant::now();
        let mut i = 0;
        let mut n = 0;
        while i < text.len() {
            let e = i + text[i..]
                .iter()
                .position(|&b| b == b',' || b == b'\n')
                .unwrap_or(text.len() - i);
            let v: f64 = std::str::from_utf8(&text[i..e]).unwrap().parse().unwrap();
            acc += v;
            n += 1;
            i = e + 1;
        }
        println!(
            "std parse: {n} in {:?} ({:.1} ns each) {acc}",
            t.elapsed(),
            t.elapsed().as_nanos() as f64 / n as f64
        );
        let cols: Vec<Col> = (0..10)
            .map(|k| Col {
                offset: 8 * k,
                size: 8,
                kind: Kind::F64Le,
            })
            .collect();
        let f = Fused::new(cols, Some(b','), None).unwrap();
        let mut out = vec![1u8; 80 * 600_000];
        let t = std::time::Instant::now();
        let (i, n) = f.rows(&text, 0, &mut out, 80, false);
        assert_eq!(i, text.len());
        println!(
            "rows: {n} in {:?} ({:.1} ns each)",
            t.elapsed(),
            t.elapsed().as_nanos() as f64 / n as f64
        );
        let text = std::fs::read("/tmp/dtkit-bench/mixed_102.txt").unwrap();
        let start = text.iter().position(|&b| b == b'\n').unwrap() + 1;
        use crate::dtype::DType;
        for spec in [
            "[('rank','<i8'),('lemma','S8'),('frequency','<i8'),('dispersion','<f8')]",
            "[('rank','<i8'),('lemma','S8'),('frequency','<i8'),('dispersion','S8')]",
            "[('rank','S8'),('lemma','S8'),('frequency','S8'),('dispersion','S8')]",
        ] {
            let dt = DType::parse(spec).unwrap();
            let cols: Vec<Col> = dt
                .leaf_fields()
                .into_iter()
                .map(|f| Col::of(f.offset, &f.dtype).unwrap())
                .collect();
            let f = Fused::new(cols, None, Some(b'#')).unwrap();
            // Touched before the clock starts: page faults are not the parser's time.
            let mut out = vec![1u8; 32 * 3_000_000];
            // The best of nine (`SPEED_RUNS` to change; 1 under callgrind): the timings of a
            // shared VM vary by half from run to run.
            let mut best = std::time::Duration::MAX;
            let mut n = 0;
            for _ in 0..std::env::var("SPEED_RUNS").map_or(9, |v| v.parse().unwrap()) {
                let t = std::time::Instant::now();
                let (i, rows) = f.rows(&text, start, &mut out, 32, false);
                best = best.min(t.elapsed());
                assert_eq!(i, text.len());
                n = rows;
            }
            println!(
                "mixed rows {spec}: {n} in {best:?} ({:.1} ns each)",
                best.as_nanos() as f64 / n as f64
            );
        }
    }
}
