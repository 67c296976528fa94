//! NumPy's `savetxt`: rows of a 1-D or 2-D array as text, each value formatted with a
//! Python `%` format (`%.18e` by default), exactly as `fmt % tuple(row)` prints it.

use std::io::Write;
use std::path::Path;

use crate::array::{ArrayView, Value};
use crate::error::{Error, ErrorKind, Result};

/// The `fmt` argument of `np.savetxt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fmt {
    /// One format for every column (`'%.18e'`), or a whole row's format with one `%` per
    /// column (`'%d %s %.3f'`).
    Str(String),
    /// One format per column, joined by the delimiter.
    List(Vec<String>),
}

/// The options of `np.savetxt`, with its defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveTxtOptions {
    /// Value formats.
    pub fmt: Fmt,
    /// Between columns (default `' '`).
    pub delimiter: String,
    /// After each row (default `'\n'`).
    pub newline: String,
    /// Written first, each line prefixed with `comments` (nothing when empty).
    pub header: String,
    /// Written last, like the header.
    pub footer: String,
    /// Prefix of header and footer lines (default `'# '`).
    pub comments: String,
}

impl Default for SaveTxtOptions {
    fn default() -> Self {
        SaveTxtOptions {
            fmt: Fmt::Str("%.18e".to_owned()),
            delimiter: " ".to_owned(),
            newline: "\n".to_owned(),
            header: String::new(),
            footer: String::new(),
            comments: "# ".to_owned(),
        }
    }
}

fn arg(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Argument, msg)
}

/// One conversion of a Python `%` format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Spec {
    pub(super) minus: bool,
    pub(super) plus: bool,
    pub(super) space: bool,
    pub(super) alt: bool,
    pub(super) zero: bool,
    pub(super) width: Option<usize>,
    pub(super) precision: Option<usize>,
    pub(super) conv: char,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece {
    Text(String),
    Spec(Spec),
}

fn parse_format(fmt: &str) -> Result<Vec<Piece>> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            text.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            text.push('%');
            continue;
        }
        if !text.is_empty() {
            out.push(Piece::Text(std::mem::take(&mut text)));
        }
        let mut spec = Spec {
            minus: false,
            plus: false,
            space: false,
            alt: false,
            zero: false,
            width: None,
            precision: None,
            conv: 's',
        };
        while let Some(&f) = chars.peek() {
            match f {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                ' ' => spec.space = true,
                '#' => spec.alt = true,
                '0' => spec.zero = true,
                _ => break,
            }
            chars.next();
        }
        let mut digits = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            digits.push(d);
            chars.next();
        }
        spec.width = digits.parse().ok();
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                p.push(d);
                chars.next();
            }
            spec.precision = Some(p.parse().unwrap_or(0));
        }
        // Length modifiers (h, l, L) are accepted and ignored, as Python does.
        while matches!(chars.peek(), Some('h' | 'l' | 'L')) {
            chars.next();
        }
        match chars.next() {
            Some(c @ ('d' | 'i' | 'u' | 'o' | 'x' | 'X' | 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 's')) => spec.conv = c,
            other => {
                return Err(arg(format!(
                    "unsupported format character {other:?} in {fmt:?}: expected one of d i u o x X e E f F g G s"
                )))
            }
        }
        out.push(Piece::Spec(spec));
    }
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    Ok(out)
}

fn count_specs(pieces: &[Piece]) -> usize {
    pieces
        .iter()
        .filter(|p| matches!(p, Piece::Spec(_)))
        .count()
}

/// Python's exponent form: `1.5e+00`.
fn python_exp(s: &str, upper: bool) -> String {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let (sign, digits) = match exp.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exp),
    };
    let e = if upper { 'E' } else { 'e' };
    format!("{mant}{e}{sign}{digits:0>2}")
}

fn special(v: f64, upper: bool) -> Option<String> {
    let s = if v.is_nan() {
        "nan"
    } else if v.is_infinite() {
        if v > 0.0 {
            "inf"
        } else {
            "-inf"
        }
    } else {
        return None;
    };
    Some(if upper {
        s.to_uppercase()
    } else {
        s.to_owned()
    })
}

fn fmt_e(v: f64, prec: usize, upper: bool, alt: bool) -> String {
    if let Some(s) = special(v, upper) {
        return s;
    }
    let mut s = python_exp(&format!("{:.*e}", prec, v.abs()), upper);
    if alt && prec == 0 {
        s = s.replacen('e', ".e", 1).replacen('E', ".E", 1);
    }
    if v.is_sign_negative() {
        format!("-{s}")
    } else {
        s
    }
}

fn fmt_f(v: f64, prec: usize, upper: bool, alt: bool) -> String {
    if let Some(s) = special(v, upper) {
        return s;
    }
    let mut s = format!("{:.*}", prec, v.abs());
    if alt && prec == 0 {
        s.push('.');
    }
    if v.is_sign_negative() {
        format!("-{s}")
    } else {
        s
    }
}

fn fmt_g(v: f64, prec: usize, upper: bool, alt: bool) -> String {
    if let Some(s) = special(v, upper) {
        return s;
    }
    let p = prec.max(1);
    let sci = format!("{:.*e}", p - 1, v.abs());
    let exp: i32 = sci
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    let mut s = if -4 <= exp && exp < p as i32 {
        format!("{:.*}", (p as i32 - 1 - exp).max(0) as usize, v.abs())
    } else {
        python_exp(&sci, upper)
    };
    if !alt {
        // Remove trailing zeros of the fraction, and a bare point.
        let (body, tail) = match s.find(['e', 'E']) {
            Some(i) => (s[..i].to_owned(), s[i..].to_owned()),
            None => (s.clone(), String::new()),
        };
        let body = if body.contains('.') {
            body.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            body
        };
        s = body + &tail;
    }
    if v.is_sign_negative() {
        format!("-{s}")
    } else {
        s
    }
}

/// NumPy's `str()` of a float: shortest digits, positional for 1e-4 <= |v| < 1e16.
fn numpy_float_str(v: f64, single: bool) -> String {
    if let Some(s) = special(v, false) {
        return s;
    }
    let a = v.abs();
    let positional = a == 0.0 || (1e-4..1e16).contains(&a);
    let s = if single {
        let f = v as f32;
        if positional {
            format!("{f}")
        } else {
            format!("{f:e}")
        }
    } else if positional {
        format!("{v}")
    } else {
        format!("{v:e}")
    };
    if positional {
        if s.contains('.') || s.contains("inf") || s.contains("NaN") {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        python_exp(&s, false)
    }
}

fn py_bytes(b: &[u8]) -> String {
    crate::array::element::py_bytes_repr(b)
}

/// Format one value with one spec, as Python's `spec % value` for NumPy scalars.
fn format_value(spec: &Spec, v: &Value) -> Result<String> {
    let as_f64 = |v: &Value| -> Option<f64> {
        match v {
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            Value::Int(i) => Some(*i as f64),
            Value::UInt(u) => Some(*u as f64),
            Value::Float(f) => Some(*f),
            Value::Float32(f) => Some(f64::from(*f)),
            _ => None,
        }
    };
    let mismatch = || {
        Error::new(
            ErrorKind::Data,
            format!(
                "mismatch between the array dtype and the format specifier %{}: {v}",
                spec.conv
            ),
        )
    };
    let upper = spec.conv.is_ascii_uppercase();
    let (sign_neg, body): (bool, String) = match spec.conv {
        'd' | 'i' | 'u' | 'o' | 'x' | 'X' => {
            let i: i128 = match v {
                Value::Int(i) => i128::from(*i),
                Value::UInt(u) => i128::from(*u),
                Value::Bool(b) => i128::from(*b),
                Value::Float(_) | Value::Float32(_) => {
                    let f = as_f64(v).unwrap_or(0.0);
                    if !f.is_finite() {
                        return Err(Error::new(
                            ErrorKind::Data,
                            format!("cannot convert float {f} to integer for %{}", spec.conv),
                        ));
                    }
                    f.trunc() as i128
                }
                _ => return Err(mismatch()),
            };
            let digits = match spec.conv {
                'o' => format!("{}{:o}", if spec.alt { "0o" } else { "" }, i.unsigned_abs()),
                'x' => format!("{}{:x}", if spec.alt { "0x" } else { "" }, i.unsigned_abs()),
                'X' => format!("{}{:X}", if spec.alt { "0X" } else { "" }, i.unsigned_abs()),
                _ => i.unsigned_abs().to_string(),
            };
            (i < 0, digits)
        }
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
            let f = as_f64(v).ok_or_else(mismatch)?;
            let p = spec.precision.unwrap_or(6);
            let s = match spec.conv.to_ascii_lowercase() {
                'e' => fmt_e(f, p, upper, spec.alt),
                'f' => fmt_f(f, p, upper, spec.alt),
                _ => fmt_g(f, p, upper, spec.alt),
            };
            match s.strip_prefix('-') {
                Some(rest) => (true, rest.to_owned()),
                None => (false, s),
            }
        }
        _ => {
            let s = match v {
                Value::Bool(b) => (if *b { "True" } else { "False" }).to_owned(),
                Value::Int(i) => i.to_string(),
                Value::UInt(u) => u.to_string(),
                Value::Float(f) => numpy_float_str(*f, false),
                Value::Float32(f) => numpy_float_str(f64::from(*f), true),
                Value::Bytes(b) => py_bytes(b),
                Value::Str(s) => s.clone(),
                other => other.to_string(),
            };
            let s = match spec.precision {
                Some(p) => s.chars().take(p).collect(),
                None => s,
            };
            return Ok(pad(spec, "", &s, false));
        }
    };
    let sign = if sign_neg {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    let numeric_special = body.starts_with("inf")
        || body.starts_with("nan")
        || body.starts_with("INF")
        || body.starts_with("NAN");
    Ok(pad(spec, sign, &body, spec.zero && !numeric_special))
}

fn pad(spec: &Spec, sign: &str, body: &str, zero: bool) -> String {
    let len = sign.chars().count() + body.chars().count();
    let width = spec.width.unwrap_or(0);
    if len >= width {
        return format!("{sign}{body}");
    }
    let fill = width - len;
    if spec.minus {
        format!("{sign}{body}{}", " ".repeat(fill))
    } else if zero {
        format!("{sign}{}{body}", "0".repeat(fill))
    } else {
        format!("{}{sign}{body}", " ".repeat(fill))
    }
}

/// Write `view` as text, as `np.savetxt` does.
///
/// # Errors
/// Arrays that are not 1-D or 2-D; a format with the wrong number of conversions; values a
/// conversion cannot print (`%d` of a byte string); I/O errors.
pub fn savetxt(view: &ArrayView<'_>, out: &mut dyn Write, options: &SaveTxtOptions) -> Result<()> {
    if !(1..=2).contains(&view.ndim()) {
        return Err(arg(format!(
            "expected a 1-D or 2-D array, got {}-D",
            view.ndim()
        )));
    }
    let structured = view.dtype().has_fields();
    if structured && view.ndim() != 1 {
        return Err(Error::new(
            ErrorKind::Unsupported,
            "structured arrays must be 1-D for savetxt",
        ));
    }
    let ncol = if structured {
        view.dtype().fields().len()
    } else if view.ndim() == 1 {
        1
    } else {
        view.shape()[1]
    };
    let complex = view.dtype().kind_char() == 'c';
    // The row format, as NumPy builds it.
    let row_format: Vec<Piece> = match &options.fmt {
        Fmt::List(list) => {
            if list.len() != ncol {
                return Err(arg(format!(
                    "fmt has wrong shape: {} formats for {ncol} columns",
                    list.len()
                )));
            }
            parse_format(&list.join(&options.delimiter))?
        }
        Fmt::Str(f) => {
            let pieces = parse_format(f)?;
            let n = count_specs(&pieces);
            if complex && n == 1 {
                let one = format!(" ({f}+{f}j)");
                parse_format(&vec![one; ncol].join(&options.delimiter))?
            } else if n == 1 {
                parse_format(&vec![f.clone(); ncol].join(&options.delimiter))?
            } else if n != ncol {
                return Err(arg(format!(
                    "fmt has wrong number of % formats: {f:?} has {n} for {ncol} columns"
                )));
            } else {
                pieces
            }
        }
    };
    let nl = &options.newline;
    if !options.header.is_empty() {
        let h = options
            .header
            .replace('\n', &format!("\n{}", options.comments));
        write!(out, "{}{h}{nl}", options.comments)?;
    }
    let rows = view.shape()[0];
    let fast = if complex {
        None
    } else {
        super::savetxt_fast::Plan::new(view, &row_format)
    };
    // The general formatter, for the rows the fast plan did not write.
    let general_rows = match fast {
        Some(plan) => {
            plan.write(view, nl.as_bytes(), out)?;
            0
        }
        None => rows,
    };
    for r in 0..general_rows {
        let values: Vec<Value> = if structured {
            match view.value(&[r])? {
                Value::Record(fields) => fields.into_iter().map(|(_, v)| v).collect(),
                other => vec![other],
            }
        } else if view.ndim() == 1 {
            vec![view.value(&[r])?]
        } else {
            (0..ncol)
                .map(|c| view.value(&[r, c]))
                .collect::<Result<_>>()?
        };
        let flat: Vec<Value> = if complex {
            values
                .into_iter()
                .flat_map(|v| match v {
                    Value::Complex(re, im) => vec![Value::Float(re), Value::Float(im)],
                    other => vec![other],
                })
                .collect()
        } else {
            values
        };
        let mut line = String::new();
        let mut it = flat.iter();
        for piece in &row_format {
            match piece {
                Piece::Text(t) => line.push_str(t),
                Piece::Spec(s) => {
                    let v = it
                        .next()
                        .ok_or_else(|| arg("not enough values for the format"))?;
                    if matches!(v, Value::Record(_) | Value::Array(_)) {
                        return Err(Error::new(
                            ErrorKind::Unsupported,
                            "savetxt cannot format nested records or subarray fields",
                        ));
                    }
                    line.push_str(&format_value(s, v)?);
                }
            }
        }
        if complex {
            line = line.replace("+-", "-");
        }
        out.write_all(line.as_bytes())?;
        out.write_all(nl.as_bytes())?;
    }
    if !options.footer.is_empty() {
        let f = options
            .footer
            .replace('\n', &format!("\n{}", options.comments));
        write!(out, "{}{f}{nl}", options.comments)?;
    }
    Ok(())
}

/// `np.savetxt` to a file, written atomically.
///
/// # Errors
/// As [`savetxt`]; on error `path` is untouched.
pub fn savetxt_path(view: &ArrayView<'_>, path: &Path, options: &SaveTxtOptions) -> Result<()> {
    crate::atomic::write_file(path, |out| savetxt(view, out, options))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(fmt: &str, v: Value) -> String {
        let pieces = parse_format(fmt).unwrap();
        let Piece::Spec(s) = &pieces[0] else { panic!() };
        format_value(s, &v).unwrap()
    }

    #[test]
    fn python_percent_formats() {
        assert_eq!(f("%.18e", Value::Float(1.0)), "1.000000000000000000e+00");
        assert_eq!(f("%.3e", Value::Float(-12345.678)), "-1.235e+04");
        assert_eq!(f("%e", Value::Float(1e-300)), "1.000000e-300");
        assert_eq!(f("%10.3f", Value::Float(12.34567)), "    12.346");
        assert_eq!(f("%-8.2f|", Value::Float(2.5)), "2.50    ");
        assert_eq!(f("%+d", Value::Int(5)), "+5");
        assert_eq!(f("%05d", Value::Int(-42)), "-0042");
        assert_eq!(f("%d", Value::Float(3.9)), "3");
        assert_eq!(f("%g", Value::Float(0.0001)), "0.0001");
        assert_eq!(f("%g", Value::Float(0.00001)), "1e-05");
        assert_eq!(f("%g", Value::Float(123456789.0)), "1.23457e+08");
        assert_eq!(f("%.3g", Value::Float(2.5)), "2.5");
        assert_eq!(f("%G", Value::Float(f64::NAN)), "NAN");
        assert_eq!(f("%f", Value::Float(f64::NEG_INFINITY)), "-inf");
        assert_eq!(f("%s", Value::Float(0.1)), "0.1");
        assert_eq!(f("%s", Value::Float(1e16)), "1e+16");
        assert_eq!(f("%s", Value::Float32(0.1)), "0.1");
        assert_eq!(f("%s", Value::Float(3.0)), "3.0");
        assert_eq!(f("%s", Value::Bytes(b"the".to_vec())), "b'the'");
        assert_eq!(f("%5s", Value::Str("ab".into())), "   ab");
        assert_eq!(f("%x", Value::Int(255)), "ff");
        assert!(parse_format("%q").is_err());
    }
}
