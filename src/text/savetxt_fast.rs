//! The fast path of `savetxt`: rows formatted straight from the element bytes into a
//! byte buffer, on every core, for the formats that cover most files (`%.Ne`, `%.Nf`, `%d`,
//! `%s` of bytes, without width or flags) over plain number and byte-string columns.
//!
//! Floats are printed exactly as C's `printf` (and so Python's `%`) prints them: the
//! decimal digits of the binary value, rounded half to even, computed in 128-bit integer
//! arithmetic. A value whose digits need more than 128 bits (beyond about 1e±25 for
//! `%.18e`) takes the general formatter, as does every other format.

use std::io::Write;

use crate::array::element::{push_bytes_repr, Element};
use crate::array::ArrayView;
use crate::dtype::{ByteOrder, ScalarKind};
use crate::error::Result;

use super::savetxt::{Piece, Spec};

/// How one column is formatted.
#[derive(Debug, Clone, Copy)]
enum Conv {
    /// `%.Ne` / `%.NE` (N ≤ 18).
    Exp(u32, bool),
    /// `%.Nf` (N ≤ 18).
    Fixed(u32),
    /// `%d`, `%i`, `%u`, `%s` of an integer.
    Int,
    /// `%s` of bytes: Python's `repr` of `bytes`.
    Bytes,
}

/// How to read one column from an element.
#[derive(Debug, Clone, Copy)]
enum Source {
    Int(usize, ByteOrder),
    UInt(usize, ByteOrder),
    Float(usize, ByteOrder),
    Bytes(usize),
}

#[derive(Debug)]
struct Column {
    offset: usize,
    source: Source,
    conv: Conv,
}

/// The fast plan for `view` and its row format: the text before each column and after the
/// last, and each column. `None` when anything needs the general formatter.
pub(super) struct Plan {
    texts: Vec<Text>,
    columns: Vec<Column>,
}

/// Literal text of a row format, with a copy padded to 16 bytes when it fits.
struct Text {
    bytes: Vec<u8>,
    short: Option<[u8; 16]>,
}

impl Text {
    fn new(bytes: Vec<u8>) -> Text {
        let short = (bytes.len() <= 16).then(|| {
            let mut b = [0u8; 16];
            b[..bytes.len()].copy_from_slice(&bytes);
            b
        });
        Text { bytes, short }
    }

    #[inline(always)]
    fn push(&self, out: &mut Vec<u8>) {
        match &self.short {
            Some(b) => put(out, b, self.bytes.len()),
            None => out.extend_from_slice(&self.bytes),
        }
    }
}

/// `buf[..n]` appended to `out`, by a copy of the whole of `buf` (a size known at compile
/// time: a few vector moves) cut back to `n`. A copy of a run-time length is a call to
/// memmove: for the short pieces of a row that was 17% of savetxt's time.
#[inline(always)]
fn put<const N: usize>(out: &mut Vec<u8>, buf: &[u8; N], n: usize) {
    debug_assert!(n <= N, "{n} bytes composed in a buffer of {N}");
    let len = out.len();
    out.extend_from_slice(buf);
    out.truncate(len + n.min(N));
}

fn conv_of(spec: &Spec) -> Option<Conv> {
    if spec.minus || spec.plus || spec.space || spec.alt || spec.zero || spec.width.is_some() {
        return None;
    }
    let p = spec.precision.unwrap_or(6);
    match spec.conv {
        'e' | 'E' if p <= 18 => Some(Conv::Exp(p as u32, spec.conv == 'E')),
        // '%F' prints NAN and INF in capitals: the general formatter handles it.
        'f' if p <= 18 => Some(Conv::Fixed(p as u32)),
        'd' | 'i' | 'u' if spec.precision.is_none() => Some(Conv::Int),
        's' if spec.precision.is_none() => Some(Conv::Bytes),
        _ => None,
    }
}

impl Plan {
    pub(super) fn new(view: &ArrayView<'_>, pieces: &[Piece]) -> Option<Plan> {
        // The columns' scalars and offsets within an element.
        let dt = view.dtype();
        let cols: Vec<(usize, crate::dtype::Scalar)> = if dt.has_fields() {
            dt.fields()
                .iter()
                .map(|f| f.dtype().as_scalar().map(|s| (f.offset(), *s)))
                .collect::<Option<_>>()?
        } else {
            let s = *dt.as_scalar()?;
            let n = if view.ndim() == 2 { view.shape()[1] } else { 1 };
            let step = if view.ndim() == 2 {
                usize::try_from(view.strides()[1]).ok()?
            } else {
                0
            };
            (0..n).map(|c| (c * step, s)).collect()
        };
        let mut texts = vec![Vec::new()];
        let mut columns = Vec::with_capacity(cols.len());
        let mut it = cols.iter();
        for piece in pieces {
            match piece {
                Piece::Text(t) => texts.last_mut()?.extend_from_slice(t.as_bytes()),
                Piece::Spec(spec) => {
                    let &(offset, s) = it.next()?;
                    let conv = conv_of(spec)?;
                    let source = match (s.kind(), s.size()) {
                        (ScalarKind::Int, n @ (1 | 2 | 4 | 8)) => Source::Int(n, s.byte_order()),
                        (ScalarKind::UInt, n @ (1 | 2 | 4 | 8)) => Source::UInt(n, s.byte_order()),
                        (ScalarKind::Float, n @ (4 | 8)) => Source::Float(n, s.byte_order()),
                        (ScalarKind::Bytes, n) => Source::Bytes(n),
                        _ => return None,
                    };
                    // Each format with the values it prints the same way as Python does.
                    let fits = matches!(
                        (conv, source),
                        (Conv::Exp(..) | Conv::Fixed(_), Source::Float(..))
                            | (Conv::Int, Source::Int(..) | Source::UInt(..))
                            | (
                                Conv::Bytes,
                                Source::Bytes(_) | Source::Int(..) | Source::UInt(..)
                            )
                    );
                    if !fits {
                        return None;
                    }
                    let conv = if matches!(conv, Conv::Bytes) && !matches!(source, Source::Bytes(_))
                    {
                        Conv::Int
                    } else {
                        conv
                    };
                    columns.push(Column {
                        offset,
                        source,
                        conv,
                    });
                    texts.push(Vec::new());
                }
            }
        }
        if it.next().is_some() {
            return None;
        }
        Some(Plan {
            texts: texts.into_iter().map(Text::new).collect(),
            columns,
        })
    }

    /// Format the rows whose elements start at `offsets` in `bytes` into `out`.
    fn format_rows(
        &self,
        bytes: &[u8],
        offsets: impl Iterator<Item = usize>,
        nl: &Text,
        out: &mut Vec<u8>,
    ) {
        for base in offsets {
            self.texts[0].push(out);
            for (c, col) in self.columns.iter().enumerate() {
                let at = base + col.offset;
                match (col.source, col.conv) {
                    (Source::Bytes(n), _) => {
                        let b = &bytes[at..at + n];
                        let end = b.iter().rposition(|&x| x != 0).map_or(0, |p| p + 1);
                        push_bytes_repr(out, &b[..end]);
                    }
                    (Source::Int(n, o), _) => {
                        let v: i64 = match n {
                            1 => i64::from(bytes[at] as i8),
                            2 => i16::decode(&bytes[at..at + 2], o).into(),
                            4 => i32::decode(&bytes[at..at + 4], o).into(),
                            _ => i64::decode(&bytes[at..at + 8], o),
                        };
                        push_int(out, v.unsigned_abs(), v < 0);
                    }
                    (Source::UInt(n, o), _) => {
                        let v: u64 = match n {
                            1 => bytes[at].into(),
                            2 => u16::decode(&bytes[at..at + 2], o).into(),
                            4 => u32::decode(&bytes[at..at + 4], o).into(),
                            _ => u64::decode(&bytes[at..at + 8], o),
                        };
                        push_int(out, v, false);
                    }
                    (Source::Float(n, o), conv) => {
                        let v = if n == 4 {
                            f64::from(f32::decode(&bytes[at..at + 4], o))
                        } else {
                            f64::decode(&bytes[at..at + 8], o)
                        };
                        match conv {
                            Conv::Exp(p, upper) => push_exp(out, v, p, upper),
                            Conv::Fixed(p) => push_fixed(out, v, p),
                            _ => unreachable!("float columns print with %e or %f"),
                        }
                    }
                }
                self.texts[c + 1].push(out);
            }
            nl.push(out);
        }
    }

    /// Write every row of `view` (1-D or 2-D, rows along axis 0), formatting blocks of
    /// rows on every core and writing them in order.
    pub(super) fn write(&self, view: &ArrayView<'_>, nl: &[u8], out: &mut dyn Write) -> Result<()> {
        let nl = &Text::new(nl.to_vec());
        let rows = view.shape()[0];
        let stride = view.strides()[0];
        let start = view.layout().offset() as isize;
        let bytes = view.bytes();
        let row_at = move |r: usize| (start + r as isize * stride) as usize;
        const BLOCK: usize = 16_384;
        let threads = crate::cores();
        let mut bufs: Vec<Vec<u8>> = (0..threads).map(|_| Vec::new()).collect();
        let mut r = 0;
        while r < rows {
            let jobs: Vec<(usize, usize)> = (0..threads)
                .map(|k| {
                    let a = (r + k * BLOCK).min(rows);
                    (a, (a + BLOCK).min(rows))
                })
                .filter(|(a, b)| a < b)
                .collect();
            if jobs.len() == 1 {
                bufs[0].clear();
                self.format_rows(bytes, (jobs[0].0..jobs[0].1).map(row_at), nl, &mut bufs[0]);
            } else {
                std::thread::scope(|s| {
                    for (buf, &(a, b)) in bufs.iter_mut().zip(&jobs) {
                        s.spawn(move || {
                            // Formatted into a vector owned by the thread: the headers
                            // in `bufs` share a cache line, and updating its length at
                            // every piece made the two cores fight over that line (60%
                            // of the time, on a Xeon).
                            let mut local = std::mem::take(buf);
                            local.clear();
                            self.format_rows(bytes, (a..b).map(row_at), nl, &mut local);
                            *buf = local;
                        });
                    }
                });
            }
            for buf in bufs.iter().take(jobs.len()) {
                out.write_all(buf)?;
            }
            r = jobs.last().map_or(rows, |j| j.1);
        }
        Ok(())
    }
}

/// The last digits of `v` written two at a time backwards into `buf`, ending before `i`,
/// while `more(i, v)`: where the digits start and what is left of `v`.
#[inline(always)]
fn pairs_back(
    buf: &mut [u8],
    mut i: usize,
    mut v: u64,
    more: impl Fn(usize, u64) -> bool,
) -> (usize, u64) {
    while more(i, v) {
        let pair = (v % 100) as usize * 2;
        v /= 100;
        buf[i - 1] = PAIRS[pair + 1];
        buf[i - 2] = PAIRS[pair];
        i -= 2;
    }
    (i, v)
}

fn push_int(out: &mut Vec<u8>, v: u64, negative: bool) {
    // The digits written back from their last place, then appended by one fixed copy.
    let mut buf = [0u8; 24];
    let digits = v.checked_ilog10().map_or(1, |l| l as usize + 1);
    let n = digits + usize::from(negative);
    buf[0] = b'-';
    let (i, v) = pairs_back(&mut buf, n, v, |_, v| v >= 100);
    if v >= 10 {
        buf[i - 1] = PAIRS[v as usize * 2 + 1];
        buf[i - 2] = PAIRS[v as usize * 2];
    } else {
        buf[i - 1] = b'0' + v as u8;
    }
    put(out, &buf, n);
}

const POW10: [u128; 20] = {
    let mut t = [1u128; 20];
    let mut i = 1;
    while i < 20 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// `5^n` when it fits in 128 bits.
fn pow5(n: u32) -> Option<u128> {
    5u128.checked_pow(n)
}

/// `m × 2^k × 10^d` exactly, when 128 bits suffice: its integer part, and whether
/// rounding it half to even goes up.
fn scaled(m: u64, k: i32, d: i32) -> Option<(u128, bool)> {
    let m = u128::from(m);
    let (num, den, shift) = if d >= 0 {
        // m × 5^d × 2^(k + d)
        let num = m.checked_mul(pow5(d as u32)?)?;
        let s = k + d;
        if s >= 0 {
            if num.leading_zeros() <= s as u32 {
                return None;
            }
            return Some((num << s, false));
        }
        (num, 1u128, (-s) as u32)
    } else {
        // m × 2^(k + d) / 5^(-d)
        let den = pow5((-d) as u32)?;
        let s = k + d;
        if s >= 0 {
            if m.leading_zeros() <= s as u32 {
                return None;
            }
            (m << s, den, 0)
        } else {
            let ns = (-s) as u32;
            if den.leading_zeros() <= ns {
                return None;
            }
            (m, den << ns, 0)
        }
    };
    if shift >= 128 {
        // Smaller than half a unit of the last digit... but exactly how much matters only
        // when it is exactly half, which a value this small never is: fall back.
        return None;
    }
    let (q, r, d2) = if den == 1 {
        let q = num >> shift;
        let r = num & ((1u128 << shift) - 1);
        (q, r, if shift == 0 { 0 } else { 1u128 << shift })
    } else {
        (num / den, num % den, den)
    };
    if d2 == 0 {
        return Some((q, false));
    }
    // Round half to even: compare 2r with the divisor without overflowing.
    let half = d2 / 2;
    let up = r > half || (r == half && d2 % 2 == 0 && q % 2 == 1);
    Some((q, up))
}

fn decompose(v: f64) -> (u64, i32) {
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1 << 52) - 1);
    if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1 << 52), exp - 1075)
    }
}

/// The `sig` significant digits of `v` (finite, positive) rounded half to even, and the
/// decimal exponent of the first: `(digits, e)` with `10^(sig-1) <= digits < 10^sig`.
fn exp_digits(v: f64, sig: u32) -> Option<(u128, i32)> {
    let (m, k) = decompose(v);
    // floor(log10(v)) from the binary exponent (log10(2) ≈ 78913 / 2^18), off by at most
    // one; the loop below corrects it.
    let bits = 64 - m.leading_zeros() as i32 + k - 1;
    let mut e = (bits * 78913) >> 18;
    // The exponent is right when the integer part has exactly `sig` digits; rounding up
    // may then carry into one more (9.99… → 1.00…e+1).
    for _ in 0..3 {
        let (q, up) = scaled(m, k, sig as i32 - 1 - e)?;
        if q < POW10[sig as usize - 1] {
            e -= 1;
        } else if q >= POW10[sig as usize] {
            e += 1;
        } else {
            let n = q + u128::from(up);
            return Some(if n == POW10[sig as usize] {
                (POW10[sig as usize - 1], e + 1)
            } else {
                (n, e)
            });
        }
    }
    None
}

const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// `n` as exactly `count` digits (leading zeros kept), two digits at a time in 64-bit
/// arithmetic when `n` fits (128-bit division is a slow library call).
fn push_digits(out: &mut Vec<u8>, n: u128, count: usize) {
    let start = out.len();
    out.resize(start + count, b'0');
    let buf = &mut out[start..];
    let mut i = count;
    let mut n = n;
    while n > u128::from(u64::MAX) && i > 0 {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let mut n = n as u64;
    while i >= 2 && n > 0 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        buf[i] = PAIRS[pair];
        buf[i + 1] = PAIRS[pair + 1];
    }
    while i > 0 && n > 0 {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

fn push_special(out: &mut Vec<u8>, v: f64, upper: bool) -> bool {
    let s: &[u8] = if v.is_nan() {
        if upper {
            b"NAN"
        } else {
            b"nan"
        }
    } else if v.is_infinite() {
        match (v > 0.0, upper) {
            (true, false) => b"inf",
            (true, true) => b"INF",
            (false, false) => b"-inf",
            (false, true) => b"-INF",
        }
    } else {
        return false;
    };
    out.extend_from_slice(s);
    true
}

/// `%.{p}e` as C prints it.
fn push_exp(out: &mut Vec<u8>, v: f64, p: u32, upper: bool) {
    if push_special(out, v, upper) {
        return;
    }
    if v.is_sign_negative() {
        out.push(b'-');
    }
    let a = v.abs();
    let (digits, e) = if a == 0.0 {
        (0, 0)
    } else {
        match exp_digits(a, p + 1) {
            Some(x) => x,
            None => {
                let s = format!("{:.*e}", p as usize, a);
                let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
                out.extend_from_slice(mant.as_bytes());
                let e: i32 = exp.parse().unwrap_or(0);
                push_exponent(out, e, upper);
                return;
            }
        }
    };
    // Composed on the stack and appended once (a push per byte costs a capacity check
    // each): the first digit, the point, the other `p` digits, the exponent. Fewer than
    // 10^19 digits: 64-bit arithmetic from here.
    let mut buf = [0u8; 32];
    let p = p as usize;
    let (i, mut digits) = pairs_back(&mut buf, p + 1, digits as u64, |i, _| i >= 3);
    if i == 2 {
        buf[1] = b'0' + (digits % 10) as u8;
        digits /= 10;
    }
    buf[0] = b'0' + digits as u8;
    let mut n = p + 1;
    if p > 0 {
        buf.copy_within(1..=p, 2);
        buf[1] = b'.';
        n += 1;
    }
    buf[n] = if upper { b'E' } else { b'e' };
    buf[n + 1] = if e < 0 { b'-' } else { b'+' };
    let a = e.unsigned_abs() as usize;
    if a < 100 {
        buf[n + 2] = PAIRS[a * 2];
        buf[n + 3] = PAIRS[a * 2 + 1];
        n += 4;
    } else {
        buf[n + 2] = b'0' + (a / 100) as u8;
        buf[n + 3] = PAIRS[(a % 100) * 2];
        buf[n + 4] = PAIRS[(a % 100) * 2 + 1];
        n += 5;
    }
    put(out, &buf, n);
}

fn push_exponent(out: &mut Vec<u8>, e: i32, upper: bool) {
    out.push(if upper { b'E' } else { b'e' });
    out.push(if e < 0 { b'-' } else { b'+' });
    let a = e.unsigned_abs();
    if a < 10 {
        out.push(b'0');
    }
    push_int(out, u64::from(a), false);
}

/// `%.{p}f` as C prints it.
fn push_fixed(out: &mut Vec<u8>, v: f64, p: u32) {
    if push_special(out, v, false) {
        return;
    }
    if v.is_sign_negative() {
        out.push(b'-');
    }
    let a = v.abs();
    let n = if a == 0.0 {
        Some(0)
    } else {
        let (m, k) = decompose(a);
        scaled(m, k, p as i32).map(|(q, up)| q + u128::from(up))
    };
    let Some(n) = n else {
        out.extend_from_slice(format!("{:.*}", p as usize, a).as_bytes());
        return;
    };
    let scale = POW10[p as usize];
    let (int, frac) = (n / scale, n % scale);
    if int <= u128::from(u64::MAX) {
        push_int(out, int as u64, false);
    } else {
        out.extend_from_slice(int.to_string().as_bytes());
    }
    if p > 0 {
        out.push(b'.');
        push_digits(out, frac, p as usize);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exp(v: f64, p: u32) -> String {
        let mut out = Vec::new();
        push_exp(&mut out, v, p, false);
        String::from_utf8(out).unwrap()
    }

    fn fixed(v: f64, p: u32) -> String {
        let mut out = Vec::new();
        push_fixed(&mut out, v, p);
        String::from_utf8(out).unwrap()
    }

    /// The reference: Rust's exact formatting (which rounds half to even on the exact
    /// binary value, as C does) with Python's exponent.
    fn exp_ref(v: f64, p: u32) -> String {
        if v.is_nan() {
            return "nan".into();
        }
        if v.is_infinite() {
            return if v > 0.0 { "inf" } else { "-inf" }.into();
        }
        let s = format!("{:.*e}", p as usize, v);
        let (mant, e) = s.split_once('e').unwrap();
        let e: i32 = e.parse().unwrap();
        format!(
            "{mant}e{}{:02}",
            if e < 0 { '-' } else { '+' },
            e.unsigned_abs()
        )
    }

    #[test]
    fn exact_digits_match_the_reference() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            0.1,
            0.2,
            0.3,
            1e-5,
            9.5,
            0.125,
            2.5,
            1e22,
            1e23,
            123456789012345678.0,
            9.999999999999999e-5,
            5e-324,
            1.7976931348623157e308,
            2.2250738585072014e-308,
            1e300,
            1e-300,
            f64::NAN,
            f64::INFINITY,
            -f64::INFINITY,
            0.000123456,
            99999.99999,
            0.95,
            0.05,
            1.5,
            2.675,
        ];
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(f64::from_bits(x));
            let y = (x >> 11) as f64 / (1u64 << 53) as f64;
            values.push((y - 0.5) * 10f64.powi((x % 40) as i32 - 20));
        }
        for &v in &values {
            if !v.is_finite() && !v.is_nan() && !v.is_infinite() {
                continue;
            }
            for p in [0, 1, 3, 6, 15, 17, 18] {
                assert_eq!(exp(v, p), exp_ref(v, p), "{v:e} %.{p}e");
            }
            for p in [0, 1, 2, 4, 6, 10] {
                let want = if v.is_nan() {
                    "nan".to_owned()
                } else if v.is_infinite() {
                    if v > 0.0 { "inf" } else { "-inf" }.to_owned()
                } else {
                    format!("{:.*}", p as usize, v)
                };
                assert_eq!(fixed(v, p), want, "{v:e} %.{p}f");
            }
        }
    }

    /// The fast plan writes what the general formatter writes: the same formats with a
    /// width of 1 (which changes nothing here) take the general path.
    #[test]
    fn fast_and_general_paths_agree() {
        use crate::text::{savetxt, Fmt, SaveTxtOptions};
        let dt = crate::DType::parse(
            "[('a','<i8'),('b','>u2'),('c','>f4'),('d','S5'),('e','<f8'),('f','i1')]",
        )
        .unwrap();
        let mut bytes = Vec::new();
        let mut x = 88172645463325252u64;
        for i in 0..40_000i64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            bytes.extend((i * 7919 - 100_000).to_le_bytes());
            bytes.extend(((x >> 7) as u16).to_be_bytes());
            bytes.extend((f32::from_bits(x as u32)).to_be_bytes());
            bytes.extend(&[b'a' + (i % 26) as u8, b'\'', 0, (x >> 50) as u8 & 0x7f, 0][..5]);
            bytes.extend(((x >> 11) as f64 / 9e15 - 0.5).to_le_bytes());
            bytes.push(x as u8);
        }
        let view = crate::raw::from_bytes(&bytes, &crate::raw::RawOptions::new(dt)).unwrap();
        let run = |fmt: &[&str], delimiter: &str, newline: &str| {
            let mut out = Vec::new();
            let o = SaveTxtOptions {
                fmt: Fmt::List(fmt.iter().map(|s| s.to_string()).collect()),
                delimiter: delimiter.into(),
                newline: newline.into(),
                ..Default::default()
            };
            savetxt(&view, &mut out, &o).unwrap();
            out
        };
        // Short pieces (appended by fixed-size copies) and pieces over 16 bytes.
        for (delimiter, newline) in [
            (",", "\n"),
            (" <-- a long delimiter --> ", "\r\n;;end of the row;;\n"),
        ] {
            let fast = run(
                &["%d", "%d", "%.9e", "%s", "%.4f", "%s"],
                delimiter,
                newline,
            );
            let general = run(
                &["%1d", "%1d", "%1.9e", "%1s", "%1.4f", "%1s"],
                delimiter,
                newline,
            );
            assert_eq!(fast.len(), general.len());
            assert!(fast == general, "{}", String::from_utf8_lossy(&fast[..200]));
            assert!(fast
                .windows(delimiter.len())
                .any(|w| w == delimiter.as_bytes()));
        }
        // A 2-D float array in both layouts.
        let floats: Vec<u8> = (0..3000)
            .flat_map(|i| (f64::from(i) * 1.37e-3 - 1.0).to_le_bytes())
            .collect();
        for order in [crate::Order::C, crate::Order::F] {
            let m = ArrayView::from_bytes_order(
                &floats,
                crate::DType::parse("<f8").unwrap(),
                &[1000, 3],
                0,
                order,
            )
            .unwrap();
            let mut a = Vec::new();
            let mut b = Vec::new();
            savetxt(&m, &mut a, &SaveTxtOptions::default()).unwrap();
            let o = SaveTxtOptions {
                fmt: Fmt::Str("%1.18e".into()),
                ..Default::default()
            };
            savetxt(&m, &mut b, &o).unwrap();
            assert!(a == b, "{order:?}");
        }
    }

    #[test]
    fn integers() {
        let mut values = vec![0i64, 7, -7, 10, 99, -100, 101, i64::MIN, i64::MAX, -1000];
        for k in 0..19 {
            let p = 10i64.pow(k);
            values.extend([p - 1, p, p + 1, -p, 3 * p + 7]);
        }
        // Appended after text already there, several to a buffer.
        let mut out = b"x".to_vec();
        let mut want = "x".to_string();
        for v in values {
            push_int(&mut out, v.unsigned_abs(), v < 0);
            out.push(b',');
            want += &format!("{v},");
        }
        assert_eq!(String::from_utf8(out).unwrap(), want);
        let mut out = Vec::new();
        push_int(&mut out, u64::MAX, false);
        assert_eq!(out, u64::MAX.to_string().as_bytes());
    }
}
