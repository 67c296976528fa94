//! NumPy's `genfromtxt`: text with missing values, a header of names, per-column type
//! inference, footers and invalid rows.
//!
//! The rules are NumPy's, including its lenient ones: a field that does not convert
//! becomes the column's filling value unless [`GenFromTxtOptions::loose`] is off; integer
//! columns narrower than 64 bits read their text as a float and truncate (`"1.5"` is 1,
//! `"1e3"` is 1000) while 64-bit ones do not; booleans are `true`/`false` in any case.
//! Errors name the physical line (1-based, every line counted).

use crate::array::{AlignedBuf, Array, Layout, Order};
use crate::dtype::{ByteOrder, DType, Scalar, ScalarKind};
use crate::error::{Error, ErrorKind, Location, Result};

use super::convert::{
    convert, int_range, parse_complex, parse_float, parse_int, put_float, put_int, strip,
};
use super::fused::{Col, Fused};

/// Where field names come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Names {
    /// No names: a plain dtype gives a 2-D array (NumPy's `names=None`).
    #[default]
    None,
    /// The first line after `skip_header` (text after a comment marker, if it has one).
    Header,
    /// These names, one per column (after `usecols`).
    List(Vec<String>),
}

/// The options of NumPy's `genfromtxt`, with its defaults.
#[derive(Debug, Clone)]
pub struct GenFromTxtOptions {
    /// Column type; `None` infers each column (bool, int64, float64, complex128, then
    /// text), as NumPy's `dtype=None`. Default `float64`.
    pub dtype: Option<DType>,
    /// Comment marker (default `#`); `None` turns comments off.
    pub comments: Option<String>,
    /// Field delimiter; `None` splits at runs of whitespace.
    pub delimiter: Option<String>,
    /// Physical lines skipped at the start.
    pub skip_header: usize,
    /// Data rows dropped at the end.
    pub skip_footer: usize,
    /// Field names.
    pub names: Names,
    /// Columns to read (negative counts from the end).
    pub usecols: Option<Vec<isize>>,
    /// Texts that mark a missing value in every column, besides the empty field (NumPy's
    /// `missing_values` as a string or under the `None` key of a dict).
    pub missing_values: Vec<String>,
    /// Texts that mark a missing value in one column (NumPy's dict by index or name).
    pub missing_by_column: Vec<(ColumnKey, Vec<String>)>,
    /// Text of the value that replaces missing and (when loose) unconvertible fields;
    /// `None` uses the type's default: NaN, -1, `false`, empty text.
    pub filling_values: Option<String>,
    /// The filling value of one column, over `filling_values` (NumPy's dict, or its
    /// sequence with `Index` keys).
    pub filling_by_column: Vec<(ColumnKey, String)>,
    /// Strip whitespace around every field.
    pub autostrip: bool,
    /// Fail on a row with the wrong number of columns (otherwise it is dropped).
    pub invalid_raise: bool,
    /// Most data rows to read.
    pub max_rows: Option<usize>,
    /// Unconvertible fields become the filling value instead of an error.
    pub loose: bool,
    /// Fewest dimensions of the result (0, 1 or 2), as NumPy's `ndmin`: dimensions of
    /// length 1 are squeezed only down to it.
    pub ndmin: u8,
}

impl Default for GenFromTxtOptions {
    fn default() -> Self {
        GenFromTxtOptions {
            dtype: Some(DType::from(
                Scalar::new(ScalarKind::Float, 8, ByteOrder::NATIVE).expect("f8"),
            )),
            comments: Some("#".to_owned()),
            delimiter: None,
            skip_header: 0,
            skip_footer: 0,
            names: Names::None,
            usecols: None,
            missing_values: Vec::new(),
            missing_by_column: Vec::new(),
            filling_values: None,
            filling_by_column: Vec::new(),
            autostrip: false,
            invalid_raise: true,
            max_rows: None,
            loose: true,
            ndmin: 0,
        }
    }
}

/// A column named in a per-column option, as NumPy's dict keys: a name, or an index.
/// An index that is one of `usecols` means that input column; any other index counts the
/// loaded columns (negative from the end).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnKey {
    /// A column index.
    Index(isize),
    /// A column name (from `names` or the dtype).
    Name(String),
}

/// The result of [`genfromtxt_str`]: the data, and which values were missing (a boolean
/// array of the same shape, with one boolean field per field for structured data).
#[derive(Debug)]
pub struct GenFromTxt {
    /// The values.
    pub data: Array,
    /// `true` where the text was empty or one of the missing values (NumPy's `usemask`).
    pub mask: Array,
    /// Rows dropped for their column count when `invalid_raise` is off: the physical line
    /// and the number of columns found (NumPy warns with the same list).
    pub skipped: Vec<(u64, usize)>,
}

fn arg(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Argument, msg)
}

/// One field's text and where it starts.
#[derive(Clone, Copy)]
struct Value<'a> {
    text: &'a str,
    column: u64,
}

/// NumPy's `LineSplitter`: cut at the comment, strip spaces and line ends, split.
fn split_line<'a>(line: &'a str, opts: &GenFromTxtOptions) -> Vec<Value<'a>> {
    let mut line = line;
    if let Some(c) = &opts.comments {
        if let Some(k) = line.find(c.as_str()) {
            line = &line[..k];
        }
    }
    let base = line.as_ptr() as usize;
    let col = |s: &str| line[..s.as_ptr() as usize - base].chars().count() as u64 + 1;
    let trimmed = line.trim_matches([' ', '\r', '\n']);
    if trimmed.is_empty() {
        return Vec::new();
    }
    let pieces: Vec<&str> = match &opts.delimiter {
        None => trimmed.split_whitespace().collect(),
        Some(d) => trimmed.split(d.as_str()).collect(),
    };
    pieces
        .into_iter()
        .map(|p| {
            let text = if opts.autostrip { p.trim() } else { p };
            Value {
                text,
                column: col(text),
            }
        })
        .collect()
}

/// NumPy's `NameValidator` with `genfromtxt`'s defaults.
fn validate_names(raw: &[String]) -> Vec<String> {
    const DELETE: &str = "~!@#$%^&*()-=+~\\|]}[{';: /?.>,<";
    let mut out: Vec<String> = Vec::new();
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut nbempty = 0;
    for name in raw {
        let mut item: String = name
            .trim()
            .replace(' ', "_")
            .chars()
            .filter(|c| !DELETE.contains(*c))
            .collect();
        if item.is_empty() {
            item = format!("f{nbempty}");
            while raw.iter().any(|r| r == &item) {
                nbempty += 1;
                item = format!("f{nbempty}");
            }
            nbempty += 1;
        } else if ["return", "file", "print"].contains(&item.as_str()) {
            item.push('_');
        }
        let count = seen.entry(item.clone()).or_insert(0);
        if *count > 0 {
            item = format!("{item}_{count}");
        }
        *count += 1;
        out.push(item);
    }
    out
}

/// A column's converter: NumPy's `StringConverter` for one scalar type.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Conv {
    Bool,
    /// 64-bit integers parse their text as an integer.
    Int64(Scalar),
    /// Narrower integers parse a float and truncate.
    IntViaFloat(Scalar),
    Float(Scalar),
    Complex(Scalar),
    Text(Scalar),
    /// `datetime64` and `timedelta64` (with a unit).
    Time(Scalar),
}

/// A converted value, before it is written.
#[derive(Clone, Copy, Debug)]
enum Parsed {
    Bool(bool),
    Int(i128),
    Float(f64),
    Complex(f64, f64),
    Text,
}

/// Why a value was not written: it does not parse (a `ValueError`, which loose conversion
/// replaces), or it overflows the type (NumPy raises whatever `loose` says).
enum Fail {
    Parse,
    Overflow,
}

impl Conv {
    fn of(scalar: Scalar) -> Result<Conv> {
        Ok(match scalar.kind() {
            ScalarKind::Bool => Conv::Bool,
            ScalarKind::Int | ScalarKind::UInt if scalar.size() == 8 => Conv::Int64(scalar),
            ScalarKind::Int | ScalarKind::UInt => Conv::IntViaFloat(scalar),
            ScalarKind::Float => Conv::Float(scalar),
            ScalarKind::Complex => Conv::Complex(scalar),
            ScalarKind::Bytes | ScalarKind::Unicode => Conv::Text(scalar),
            ScalarKind::DateTime | ScalarKind::TimeDelta
                if scalar.datetime_unit().unit.is_some() =>
            {
                Conv::Time(scalar)
            }
            ScalarKind::DateTime | ScalarKind::TimeDelta => {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    "datetime64 and timedelta64 columns need a unit (M8[s], M8[D], m8[ms]...)",
                ))
            }
            _ => {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!("genfromtxt cannot read {} columns", scalar.name()),
                ))
            }
        })
    }

    fn parse(self, text: &str) -> std::result::Result<Parsed, Fail> {
        match self {
            Conv::Bool => {
                if text.eq_ignore_ascii_case("true") {
                    Ok(Parsed::Bool(true))
                } else if text.eq_ignore_ascii_case("false") {
                    Ok(Parsed::Bool(false))
                } else {
                    Err(Fail::Parse)
                }
            }
            Conv::Int64(_) => python_int(text).map(Parsed::Int).ok_or(Fail::Parse),
            Conv::IntViaFloat(_) => {
                let v = parse_float(text).ok_or(Fail::Parse)?;
                if v.is_nan() {
                    Err(Fail::Parse)
                } else if v.is_infinite() {
                    Err(Fail::Overflow)
                } else {
                    Ok(Parsed::Int(v.trunc() as i128))
                }
            }
            Conv::Float(_) => parse_float(text).map(Parsed::Float).ok_or(Fail::Parse),
            Conv::Complex(_) => parse_complex(text)
                .map(|(re, im)| Parsed::Complex(re, im))
                .ok_or(Fail::Parse),
            Conv::Text(_) => Ok(Parsed::Text),
            Conv::Time(s) if s.kind() == ScalarKind::DateTime => {
                crate::datetime::parse_datetime(text, s.datetime_unit())
                    .map(|v| Parsed::Int(i128::from(v)))
                    .ok_or(Fail::Parse)
            }
            Conv::Time(_) => crate::datetime::parse_timedelta(text)
                .map(|v| Parsed::Int(i128::from(v)))
                .ok_or(Fail::Parse),
        }
    }

    /// The value that fills a missing field when no filling value is given.
    fn default_value(self) -> Parsed {
        match self {
            Conv::Bool => Parsed::Bool(false),
            Conv::Int64(_) | Conv::IntViaFloat(_) => Parsed::Int(-1),
            Conv::Float(_) => Parsed::Float(f64::NAN),
            Conv::Complex(_) => Parsed::Complex(f64::NAN, 0.0),
            Conv::Text(_) => Parsed::Text,
            Conv::Time(_) => Parsed::Int(i128::from(crate::datetime::NAT)),
        }
    }

    /// Zero of the column's type (NumPy's `False` converted to it).
    fn zero(self) -> Parsed {
        match self {
            Conv::Bool => Parsed::Bool(false),
            Conv::Int64(_) | Conv::IntViaFloat(_) => Parsed::Int(0),
            Conv::Float(_) => Parsed::Float(0.0),
            Conv::Complex(_) => Parsed::Complex(0.0, 0.0),
            Conv::Text(_) => Parsed::Text,
            Conv::Time(_) => Parsed::Int(0),
        }
    }

    /// Write `value` (with `text` for text columns) into `out`.
    fn write(self, value: Parsed, text: &str, out: &mut [u8]) -> std::result::Result<(), Fail> {
        match (self, value) {
            (Conv::Bool, Parsed::Bool(b)) => out[0] = u8::from(b),
            (Conv::Int64(s) | Conv::IntViaFloat(s), Parsed::Int(v)) => {
                let (lo, hi) = int_range(&s);
                if v < lo || v > hi {
                    return Err(Fail::Overflow);
                }
                put_int(out, v, s.byte_order());
            }
            (Conv::Float(s), Parsed::Float(v)) => put_float(out, v, s.byte_order()),
            (Conv::Complex(s), Parsed::Complex(re, im)) => {
                let h = out.len() / 2;
                put_float(&mut out[..h], re, s.byte_order());
                put_float(&mut out[h..], im, s.byte_order());
            }
            (Conv::Text(s), Parsed::Text) => convert(&s, text, out).map_err(|()| Fail::Parse)?,
            (Conv::Time(s), Parsed::Int(v)) => put_int(out, v, s.byte_order()),
            _ => return Err(Fail::Parse),
        }
        Ok(())
    }
}

/// Python's `int()` on text: a sign, decimal digits with single underscores between them,
/// surrounding whitespace.
fn python_int(text: &str) -> Option<i128> {
    let t = strip(text);
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let b = body.as_bytes();
    let valid = !b.is_empty()
        && b[0].is_ascii_digit()
        && b[b.len() - 1].is_ascii_digit()
        && b.windows(2).all(|w| w[0] != b'_' || w[1] != b'_')
        && b.iter().all(|&c| c.is_ascii_digit() || c == b'_');
    if !valid {
        return None;
    }
    if body.contains('_') {
        parse_int(&t.replace('_', ""))
    } else {
        parse_int(t)
    }
}

/// `dtype=None`: the first type of bool, int64, float64, complex128 and text that reads
/// every non-missing value of the column.
fn infer(values: &[&str], missing: &dyn Fn(&str) -> bool) -> Conv {
    let n = ByteOrder::NATIVE;
    let sc = |k, s| Scalar::new(k, s, n).expect("valid scalar");
    let candidates = [
        Conv::Bool,
        Conv::Int64(sc(ScalarKind::Int, 8)),
        Conv::Float(sc(ScalarKind::Float, 8)),
        Conv::Complex(sc(ScalarKind::Complex, 16)),
    ];
    for c in candidates {
        let ok = values.iter().all(|v| {
            missing(v)
                || match c.parse(v) {
                    Ok(Parsed::Int(i)) => i64::try_from(i).is_ok(),
                    Ok(_) => true,
                    Err(_) => false,
                }
        });
        if ok {
            return c;
        }
    }
    let len = values.iter().map(|v| v.chars().count()).max().unwrap_or(0);
    Conv::Text(sc(ScalarKind::Unicode, 4 * len.max(1)))
}

thread_local! {
    static FORCE_GENERAL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// [`genfromtxt_str`] without the fused row parser (for tests that compare the paths).
#[doc(hidden)]
pub fn genfromtxt_str_general(text: &str, opts: &GenFromTxtOptions) -> Result<GenFromTxt> {
    FORCE_GENERAL.with(|f| f.set(true));
    let r = genfromtxt_str(text, opts);
    FORCE_GENERAL.with(|f| f.set(false));
    r
}

/// `np.genfromtxt` on text, with the mask of missing values.
///
/// # Errors
/// Invalid options ([`ErrorKind::Argument`]); rows with the wrong number of columns when
/// `invalid_raise` (all of them listed, at the first one's line); a value that does not
/// convert when not `loose`, or that overflows its integer type ([`ErrorKind::Data`], at
/// its line and column).
pub fn genfromtxt_str(text: &str, opts: &GenFromTxtOptions) -> Result<GenFromTxt> {
    check_options(opts)?;
    // Universal newlines, as NumPy's files: a lone carriage return ends a line too.
    let unified;
    let lines = match split_lines(text) {
        Some(lines) => lines,
        None => {
            unified = text.replace("\r\n", "\n").replace('\r', "\n");
            split_lines(&unified).unwrap_or_default()
        }
    };
    match head(&lines, opts) {
        Head::Empty => empty_result(opts),
        Head::At {
            start,
            first_width,
            names,
        } => finish(&lines, start, first_width, names, opts),
    }
}

/// The options' own errors, before any text is read.
fn check_options(opts: &GenFromTxtOptions) -> Result<()> {
    if opts.skip_footer > 0 && opts.max_rows.is_some() {
        return Err(arg("skip_footer and max_rows cannot be given together"));
    }
    if opts.ndmin > 2 {
        return Err(arg(format!(
            "illegal value of ndmin: {}, expected 0, 1 or 2",
            opts.ndmin
        )));
    }
    if opts.comments.as_deref() == Some("") || opts.delimiter.as_deref() == Some("") {
        return Err(arg("comments and delimiter cannot be empty strings"));
    }
    Ok(())
}

/// Where the data lines begin, found from the first lines.
enum Head {
    /// No line with values (after `skip_header`).
    Empty,
    /// The data lines begin at line index `start`.
    At {
        start: usize,
        /// The column count of the first line with values, when it is a data line.
        first_width: Option<usize>,
        /// The names, from the header line or the options.
        names: Option<Vec<String>>,
    },
}

/// The first line with values (after `skip_header`) sets the column count, and may hold
/// the names.
fn head(lines: &[&str], opts: &GenFromTxtOptions) -> Head {
    let mut next = opts.skip_header.min(lines.len());
    while next < lines.len() {
        let line = lines[next];
        next += 1;
        let values = if opts.names == Names::Header {
            match &opts.comments {
                Some(c) if line.contains(c.as_str()) => {
                    let after: String = line.split(c.as_str()).skip(1).collect();
                    let owned = split_line(&after, opts)
                        .iter()
                        .map(|v| v.text.to_owned())
                        .collect::<Vec<_>>();
                    if owned.is_empty() {
                        continue;
                    }
                    return Head::At {
                        start: next,
                        first_width: None,
                        names: Some(validate_names(&owned)),
                    };
                }
                _ => split_line(line, opts),
            }
        } else {
            split_line(line, opts)
        };
        if values.is_empty() {
            continue;
        }
        if opts.names == Names::Header {
            let raw: Vec<String> = values.iter().map(|v| v.text.to_owned()).collect();
            return Head::At {
                start: next,
                first_width: None,
                names: Some(validate_names(&raw)),
            };
        }
        return Head::At {
            start: next - 1,
            first_width: Some(values.len()),
            names: match &opts.names {
                Names::List(n) => Some(n.clone()),
                _ => None,
            },
        };
    }
    Head::Empty
}

/// Empty input: NumPy warns and returns an empty array of the dtype (float64 when
/// inferred), of shape (0, 1) with ndmin=2.
fn empty_result(opts: &GenFromTxtOptions) -> Result<GenFromTxt> {
    let dtype = match &opts.dtype {
        Some(d) => d.clone(),
        None => DType::from(Scalar::new(ScalarKind::Float, 8, ByteOrder::NATIVE)?),
    };
    let shape: &[usize] = if opts.ndmin == 2 { &[0, 1] } else { &[0] };
    let mask = Layout::contiguous(mask_dtype(&dtype, !dtype.has_fields())?, shape, Order::C)?;
    let layout = Layout::contiguous(dtype, shape, Order::C)?;
    Ok(GenFromTxt {
        data: Array::from_parts(AlignedBuf::from_bytes(&[]), layout)?,
        mask: Array::from_parts(AlignedBuf::from_bytes(&[]), mask)?,
        skipped: Vec::new(),
    })
}

/// The lines of `text` without their '\n' (or "\r\n"), a last line without a newline
/// too; `None` when a lone carriage return (an old Mac line end) must be turned into a
/// newline first. A large text is split on every core (about 10% of a float CSV's time
/// went to one thread finding its lines).
fn split_lines(text: &str) -> Option<Vec<&str>> {
    let parts = if text.len() >= 4 << 20 {
        crate::cores()
    } else {
        1
    };
    split_lines_in(text, parts)
}

/// [`split_lines`] in about `parts` pieces.
fn split_lines_in(text: &str, parts: usize) -> Option<Vec<&str>> {
    let bytes = text.as_bytes();
    // The cuts are after newlines, so at character boundaries.
    lines_of_pieces(bytes, parts, |from, to| Ok(&text[from..to])).unwrap_or(None)
}

/// [`split_lines`] of bytes, each piece checked as UTF-8 by the thread that splits it.
///
/// # Errors
/// Bytes that are not UTF-8, at their line (counted from 1 at the start of `bytes`) and
/// column.
fn split_utf8_lines(bytes: &[u8]) -> Result<Option<Vec<&str>>> {
    let parts = if bytes.len() >= 1 << 20 {
        crate::cores()
    } else {
        1
    };
    lines_of_pieces(bytes, parts, |from, to| {
        let piece = &bytes[from..to];
        super::loadtxt::utf8(piece).map_err(|e| {
            let (line, column) = super::loadtxt::utf8_error_at(piece, &e);
            let before = memchr::memchr_iter(b'\n', &bytes[..from]).count() as u64;
            Error::new(ErrorKind::Data, super::loadtxt::UTF8_ERROR).at(Location::Line {
                line: line + before,
                column,
            })
        })
    })
}

/// The lines of `bytes` cut in about `parts` pieces after newlines, each piece's text
/// given by `text_of(from, to)` (and its lines found) on a thread of its own.
fn lines_of_pieces<'a>(
    bytes: &'a [u8],
    parts: usize,
    text_of: impl Fn(usize, usize) -> Result<&'a str> + Sync,
) -> Result<Option<Vec<&'a str>>> {
    let cuts = super::fast::split_cuts(bytes, parts.max(1));
    let last = cuts.len() - 2;
    let pieces = super::fast::parallel_map(cuts.len() - 1, crate::cores(), |k| {
        let text = text_of(cuts[k], cuts[k + 1])?;
        let piece = text.as_bytes();
        let mut lines: Vec<&str> = Vec::with_capacity(piece.len() / 64 + 1);
        let mut start = 0;
        for i in memchr::memchr2_iter(b'\n', b'\r', piece) {
            if piece[i] == b'\r' {
                if piece.get(i + 1) != Some(&b'\n') {
                    return Ok(None);
                }
                continue;
            }
            let end = if i > start && piece[i - 1] == b'\r' {
                i - 1
            } else {
                i
            };
            // The ends are at ASCII bytes, so these are whole characters.
            lines.push(&text[start..end]);
            start = i + 1;
        }
        if k == last && (start < piece.len() || bytes.is_empty()) {
            lines.push(&text[start..]);
        }
        Ok(Some(lines))
    });
    let mut parts = Vec::with_capacity(pieces.len());
    for p in pieces {
        match p
            .unwrap_or_else(|| Err(Error::new(ErrorKind::Io, "a line-splitting thread failed")))?
        {
            Some(lines) => parts.push(lines),
            None => return Ok(None),
        }
    }
    let mut all: Vec<&str> = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for part in parts {
        all.extend_from_slice(&part);
    }
    Ok(Some(all))
}

/// The columns of the data lines: the column count of a line, the selected columns, their
/// number, and their names.
struct Columns {
    width: usize,
    usecols: Option<Vec<usize>>,
    ncols: usize,
    names: Option<Vec<String>>,
}

impl Columns {
    fn of(
        first_width: Option<usize>,
        names: Option<Vec<String>>,
        opts: &GenFromTxtOptions,
    ) -> Result<Columns> {
        let width = match (&names, first_width) {
            (Some(n), _) if opts.usecols.is_none() || first_width.is_none() => {
                first_width.unwrap_or(n.len())
            }
            (_, Some(w)) => w,
            (None, None) => 0,
            (Some(n), None) => n.len(),
        };
        let usecols: Option<Vec<usize>> = match &opts.usecols {
            None => None,
            Some(cols) => Some(
                cols.iter()
                    .map(|&c| {
                        let k = if c < 0 { c + width as isize } else { c };
                        usize::try_from(k).map_err(|_| {
                            arg(format!("usecols {c} is out of range for {width} columns"))
                        })
                    })
                    .collect::<Result<_>>()?,
            ),
        };
        let ncols = usecols.as_ref().map_or(width, Vec::len);
        // Names of the selected columns: a header's are picked by usecols.
        let names = names.map(|n| match (&usecols, n.len() == width && width != ncols) {
            (Some(u), true) => u
                .iter()
                .map(|&k| n.get(k).cloned().unwrap_or_default())
                .collect(),
            _ => n,
        });
        Ok(Columns {
            width,
            usecols,
            ncols,
            names,
        })
    }
}

/// Read the data lines from `start` on.
fn finish(
    lines: &[&str],
    start: usize,
    first_width: Option<usize>,
    names: Option<Vec<String>>,
    opts: &GenFromTxtOptions,
) -> Result<GenFromTxt> {
    let Columns {
        width,
        usecols,
        ncols,
        names,
    } = Columns::of(first_width, names, opts)?;

    let data_lines = &lines[start.min(lines.len())..];
    if !FORCE_GENERAL.with(std::cell::Cell::get) {
        if let Some(r) = fast_finish(data_lines, start, width, ncols, names.as_deref(), opts) {
            return r;
        }
    }
    // Collect the rows of text (in parallel chunks of lines); rows with the wrong width
    // are invalid.
    let pieces = parallel_chunks(data_lines.len(), 20_000, |from, to| {
        collect_rows(
            &data_lines[from..to],
            start + from,
            width,
            usecols.as_deref(),
            opts,
        )
    });
    let mut rows: Vec<(u64, Vec<Value<'_>>)> = Vec::new();
    let mut invalid: Vec<(u64, usize)> = Vec::new();
    let mut order: Vec<bool> = Vec::new(); // true = valid, in input order
    for piece in pieces {
        rows.extend(piece.rows);
        invalid.extend(piece.invalid);
        order.extend(piece.order);
    }
    if let Some(m) = opts.max_rows {
        // Stop at the m-th valid row: later rows and invalid lines never count.
        if rows.len() >= m {
            let cut = order
                .iter()
                .scan(0usize, |valid, &v| {
                    *valid += usize::from(v);
                    Some(*valid)
                })
                .position(|v| v == m)
                .map_or(order.len(), |p| p + 1);
            let bad_kept = order[..cut].iter().filter(|v| !**v).count();
            order.truncate(cut);
            rows.truncate(m);
            invalid.truncate(bad_kept);
        }
    }
    // skip_footer drops the last data lines, valid or not.
    let mut footer = opts.skip_footer.min(order.len());
    while footer > 0 {
        footer -= 1;
        if order.pop() == Some(true) {
            rows.pop();
        } else {
            invalid.pop();
        }
    }
    if opts.invalid_raise && !invalid.is_empty() {
        return Err(invalid_rows(&invalid, usecols.as_deref(), width));
    }

    // Per-column options: which loaded column each key means.
    let key_names: Option<Vec<String>> = names.clone().or_else(|| {
        opts.dtype
            .as_ref()
            .filter(|d| d.has_fields())
            .map(|d| d.leaf_fields().into_iter().map(|l| l.path).collect())
    });
    let column_of = |key: &ColumnKey| -> Result<usize> {
        match key {
            ColumnKey::Name(n) => key_names
                .as_ref()
                .and_then(|names| names.iter().position(|x| x == n))
                .filter(|&k| k < ncols)
                .ok_or_else(|| arg(format!("no column is named {n:?}"))),
            ColumnKey::Index(i) => {
                if let (Some(u), Ok(raw)) = (&usecols, usize::try_from(*i)) {
                    if let Some(k) = u.iter().position(|&c| c == raw) {
                        return Ok(k);
                    }
                }
                let k = if *i < 0 { *i + ncols as isize } else { *i };
                usize::try_from(k)
                    .ok()
                    .filter(|&k| k < ncols)
                    .ok_or_else(|| arg(format!("column {i} is out of range for {ncols} columns")))
            }
        }
    };
    let mut missing_sets: Vec<Vec<&str>> =
        vec![opts.missing_values.iter().map(String::as_str).collect(); ncols];
    for (key, values) in &opts.missing_by_column {
        let k = column_of(key)?;
        missing_sets[k].extend(values.iter().map(String::as_str));
    }
    let missing = |k: usize, v: &str| {
        let s = strip(v);
        s.is_empty() || missing_sets[k].contains(&s)
    };
    let mut fill_texts: Vec<Option<&str>> = vec![opts.filling_values.as_deref(); ncols];
    for (key, value) in &opts.filling_by_column {
        fill_texts[column_of(key)?] = Some(value);
    }

    // Column converters and the output dtype; columns whose missing values become zero
    // (columns of missing values only, in an inferred plain array).
    let mut unchecked_zero: Vec<bool> = Vec::new();
    let (convs, dtype, plain): (Vec<Conv>, DType, bool) = match &opts.dtype {
        Some(dt) => explicit_layout(dt, width, ncols, usecols.as_deref(), names.as_deref())?,
        None => {
            let mut convs: Vec<Conv> = Vec::with_capacity(ncols);
            let mut checked: Vec<bool> = Vec::with_capacity(ncols);
            for k in 0..ncols {
                let col: Vec<&str> = rows.iter().map(|r| r.1[k].text).collect();
                convs.push(infer(&col, &|v| missing(k, v)));
                // A column of missing values only does not vote for the array's type.
                checked.push(col.iter().any(|v| !missing(k, v)));
            }
            let mut voted = convs
                .iter()
                .zip(&checked)
                .filter(|(_, &c)| c)
                .map(|(c, _)| *c);
            let uniform = voted
                .next()
                .filter(|first| voted.all(|c| scalar_of(c).kind() == scalar_of(*first).kind()));
            match (uniform, &names) {
                (Some(first), None) => {
                    // One type for every column: a plain 2-D array, text as wide as the
                    // widest column, columns of missing values only filled with zero.
                    let widest = convs
                        .iter()
                        .filter(|c| scalar_of(**c).kind() == scalar_of(first).kind())
                        .max_by_key(|c| scalar_of(**c).size())
                        .copied()
                        .unwrap_or(first);
                    for (c, &chk) in convs.iter_mut().zip(&checked) {
                        unchecked_zero.push(!chk);
                        *c = widest;
                    }
                    (convs, DType::from(scalar_of(widest)), true)
                }
                _ => {
                    let n = names.clone().unwrap_or_default();
                    let fields = field_list(&n, ncols, |k| DType::from(scalar_of(convs[k])));
                    (convs, DType::packed(fields)?, false)
                }
            }
        }
    };
    // Text columns that were inferred take the longest text's width (already in Conv).
    let (offsets, record) = column_offsets(&dtype, plain, ncols);
    let mut data = vec![0u8; record * rows.len()];
    let mut mask = vec![0u8; ncols * rows.len()];
    let mut fill: Vec<Option<Parsed>> = Vec::with_capacity(ncols);
    for (k, text) in fill_texts.iter().enumerate() {
        let Some(f) = text else {
            fill.push(None);
            continue;
        };
        let parsed = convs[k].parse(f).ok();
        // With a given dtype a fill that is not a value of it is a mistake; inferred
        // columns keep their own default, as a column of missing values stays bool.
        if parsed.is_none() && opts.dtype.is_some() {
            return Err(arg(format!(
                "the filling value {f:?} is not a value of {}",
                scalar_of(convs[k]).name()
            )));
        }
        fill.push(parsed);
    }
    let row_conv = RowConv {
        convs: &convs,
        offsets: &offsets,
        fill: &fill,
        unchecked_zero: &unchecked_zero,
        missing: &missing,
        loose: opts.loose,
    };
    let convert_rows = |rows: &[(u64, Vec<Value<'_>>)], data: &mut [u8], mask: &mut [u8]| {
        for (r, (line, values)) in rows.iter().enumerate() {
            row_conv.row(
                *line,
                values,
                &mut data[r * record..(r + 1) * record],
                &mut mask[r * ncols..(r + 1) * ncols],
            )?;
        }
        Ok(())
    };
    // Convert in parallel: each chunk of rows owns its slices of the data and the mask.
    {
        let threads = threads_for(rows.len(), 20_000);
        let per = rows.len().div_ceil(threads.max(1)).max(1);
        let results: Vec<Result<()>> = std::thread::scope(|scope| {
            let handles: Vec<_> = rows
                .chunks(per)
                .zip(data.chunks_mut((per * record).max(1)))
                .zip(mask.chunks_mut((per * ncols).max(1)))
                .map(|((rows, data), mask)| scope.spawn(|| convert_rows(rows, data, mask)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("conversion does not panic"))
                .collect()
        });
        // The first error in input order.
        results.into_iter().collect::<Result<()>>()?;
    }

    let shape = result_shape(plain, rows.len(), ncols, opts.ndmin);
    let layout = Layout::contiguous(dtype.clone(), &shape, Order::C)?;
    let mask_layout = Layout::contiguous(mask_dtype(&dtype, plain)?, &shape, Order::C)?;
    Ok(GenFromTxt {
        data: Array::from_parts(AlignedBuf::from_bytes(&data), layout)?,
        mask: Array::from_parts(AlignedBuf::from_bytes(&mask), mask_layout)?,
        skipped: invalid,
    })
}

/// The error for rows with the wrong number of columns (all listed, at the first one).
fn invalid_rows(invalid: &[(u64, usize)], usecols: Option<&[usize]>, width: usize) -> Error {
    let list: Vec<String> = invalid
        .iter()
        .map(|(l, n)| match usecols {
            Some(u) => format!(
                "line {l} (got {n} columns, usecols needs {})",
                u.iter().max().map_or(0, |m| m + 1)
            ),
            None => format!("line {l} (got {n} columns instead of {width})"),
        })
        .collect();
    Error::new(
        ErrorKind::Data,
        format!("rows with the wrong number of columns: {}", list.join(", ")),
    )
    .at(Location::Line {
        line: invalid.first().map_or(1, |i| i.0),
        column: 1,
    })
}

/// Shape of the result: rows (records) or rows x columns, then NumPy's squeeze down to
/// `ndmin` and its atleast_1d, or atleast_2d(a).T.
fn result_shape(plain: bool, rows: usize, ncols: usize, ndmin: u8) -> Vec<usize> {
    let mut shape = if plain { vec![rows, ncols] } else { vec![rows] };
    let ndmin = usize::from(ndmin);
    if shape.len() > ndmin {
        shape.retain(|&d| d != 1);
    }
    match (ndmin, shape.as_slice()) {
        (1, []) => vec![1],
        (2, []) => vec![1, 1],
        (2, [n]) => vec![*n, 1],
        _ => shape,
    }
}

/// The fused row parser of `loadtxt` where it reads rows exactly as `genfromtxt` does: a
/// given dtype of numbers, text and dates, one-byte delimiter and comment marker, no
/// missing values but the empty field (which the fused parser declines), and nothing that
/// needs all rows first (`usecols`, `skip_footer`, `max_rows`, per-column filling values).
struct FastRows {
    fused: Fused,
    /// Delimited lines with text columns: lines with a comment or a space are left to the
    /// line parser (which strips lines, and takes a blank field for a missing one).
    guard: Option<u8>,
}

impl FastRows {
    fn plan(opts: &GenFromTxtOptions, convs: &[Conv], offsets: &[usize]) -> Option<FastRows> {
        if opts.usecols.is_some()
            || opts.skip_footer > 0
            || opts.max_rows.is_some()
            || !opts.missing_values.is_empty()
            || !opts.missing_by_column.is_empty()
            || !opts.filling_by_column.is_empty()
        {
            return None;
        }
        let one_byte = |s: &Option<String>| match s.as_deref() {
            None => Some(None),
            Some(t) if t.len() == 1 && t.is_ascii() => Some(Some(t.as_bytes()[0])),
            Some(_) => None,
        };
        let delimiter = one_byte(&opts.delimiter)?;
        let comment = one_byte(&opts.comments)?;
        let text = convs.iter().any(|c| matches!(c, Conv::Text(_)));
        if text && delimiter.is_some() && opts.autostrip {
            return None;
        }
        let cols = convs
            .iter()
            .zip(offsets)
            .map(|(c, &off)| match c {
                Conv::Bool | Conv::Complex(_) => None,
                // Narrow integers read floats and truncate in genfromtxt: the fused parser
                // declines "4.5", and reads plain integers as genfromtxt does.
                c => Col::of(off, &scalar_of(*c)),
            })
            .collect::<Option<Vec<_>>>()?;
        Some(FastRows {
            fused: Fused::new(cols, delimiter, comment)?,
            guard: if text && delimiter.is_some() {
                Some(comment.unwrap_or(b'\n'))
            } else {
                None
            },
        })
    }

    /// Convert `line` into `out`, or `None`.
    fn row(&self, line: &str, out: &mut [u8]) -> Option<()> {
        let b = line.as_bytes();
        if let Some(c) = self.guard {
            if memchr::memchr3(c, b' ', b'\t', b).is_some() {
                return None;
            }
        }
        (self.fused.row(b, 0, out)? == b.len()).then_some(())
    }
}

/// What one chunk of data lines gave on the fast path.
struct FastChunk {
    rows: usize,
    invalid: Vec<(u64, usize)>,
    /// The first conversion error (later lines are still checked for their width).
    error: Option<Error>,
}

/// Converts the values of one row into its record and its row of the mask.
struct RowConv<'a> {
    convs: &'a [Conv],
    offsets: &'a [usize],
    fill: &'a [Option<Parsed>],
    /// Columns whose missing values become zero (all-missing columns of an inferred array).
    unchecked_zero: &'a [bool],
    missing: &'a (dyn Fn(usize, &str) -> bool + Sync),
    loose: bool,
}

impl RowConv<'_> {
    fn row(&self, line: u64, values: &[Value<'_>], out: &mut [u8], mask: &mut [u8]) -> Result<()> {
        for (k, v) in values.iter().enumerate() {
            let c = self.convs[k];
            let is_missing = (self.missing)(k, v.text);
            mask[k] = u8::from(is_missing);
            let at = Location::Line {
                line,
                column: v.column,
            };
            let value = match c.parse(v.text) {
                Ok(p) => p,
                Err(Fail::Parse) if self.loose || is_missing => self.fill[k].unwrap_or_else(|| {
                    if self.unchecked_zero.get(k) == Some(&true) {
                        c.zero()
                    } else {
                        c.default_value()
                    }
                }),
                Err(fail) => return Err(bad_value(fail, v.text, c, at)),
            };
            let size = scalar_of(c).size();
            let slot = &mut out[self.offsets[k]..self.offsets[k] + size];
            if let Err(fail) = c.write(value, v.text, slot) {
                return Err(bad_value(fail, v.text, c, at));
            }
        }
        Ok(())
    }
}

/// Converters, output dtype and plainness for a given dtype (`names` and `usecols` as
/// resolved by `finish`).
fn explicit_layout(
    dt: &DType,
    width: usize,
    ncols: usize,
    usecols: Option<&[usize]>,
    names: Option<&[String]>,
) -> Result<(Vec<Conv>, DType, bool)> {
    Ok(match dt {
        dt if dt.has_fields() => {
            let leaves = dt.leaf_fields();
            let nested = dt
                .as_record()
                .is_none_or(|r| r.fields().iter().any(|f| f.dtype().as_scalar().is_none()));
            if nested || leaves.iter().any(|l| !l.shape.is_empty()) {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    "genfromtxt reads flat records: nested and subarray fields are not supported",
                ));
            }
            let mut fields: Vec<(String, DType)> = leaves
                .iter()
                .map(|l| (l.path.clone(), DType::from(l.dtype)))
                .collect();
            if let Some(u) = usecols {
                if fields.len() == width && width != ncols {
                    fields = u.iter().filter_map(|&k| fields.get(k).cloned()).collect();
                }
            }
            if fields.len() != ncols {
                return Err(arg(format!(
                    "the dtype has {} fields for {ncols} columns",
                    fields.len()
                )));
            }
            if let Some(n) = names {
                for (f, n) in fields.iter_mut().zip(n) {
                    f.0.clone_from(n);
                }
            }
            let convs = leaves_convs(&fields)?;
            (convs, DType::packed(fields)?, false)
        }
        dt => {
            let Some(sc) = dt.as_scalar() else {
                return Err(arg("genfromtxt does not read subarray dtypes"));
            };
            let c = Conv::of(*sc)?;
            match names {
                None => (vec![c; ncols], dt.clone(), true),
                Some(n) => {
                    let fields = field_list(n, ncols, |_| dt.clone());
                    (vec![c; ncols], DType::packed(fields)?, false)
                }
            }
        }
    })
}

/// `finish` for a given dtype with the fused row parser (see [`FastRows`]); `None` when
/// the options need the general path.
fn fast_finish(
    data_lines: &[&str],
    start: usize,
    width: usize,
    ncols: usize,
    names: Option<&[String]>,
    opts: &GenFromTxtOptions,
) -> Option<Result<GenFromTxt>> {
    let setup = FastSetup::new(width, ncols, names, opts)?;
    let mut out = FastOut::default();
    Some(
        setup
            .lines(data_lines, start, opts, &mut out)
            .and_then(|()| setup.finish(out, opts)),
    )
}

/// The fused conversion of data lines, set up once for all the blocks of lines of a text.
struct FastSetup {
    convs: Vec<Conv>,
    dtype: DType,
    plain: bool,
    offsets: Vec<usize>,
    record: usize,
    width: usize,
    ncols: usize,
    fill: Vec<Option<Parsed>>,
    fast: FastRows,
}

/// What the blocks of lines gave so far.
#[derive(Default)]
struct FastOut {
    data: AlignedBuf,
    mask: AlignedBuf,
    /// Lines with the wrong column count: their line and count.
    invalid: Vec<(u64, usize)>,
    /// The first conversion error (later lines are still checked for their width).
    error: Option<Error>,
}

impl FastSetup {
    fn new(
        width: usize,
        ncols: usize,
        names: Option<&[String]>,
        opts: &GenFromTxtOptions,
    ) -> Option<FastSetup> {
        let dt = opts.dtype.as_ref()?;
        let (convs, dtype, plain) = explicit_layout(dt, width, ncols, None, names).ok()?;
        let (offsets, record) = column_offsets(&dtype, plain, ncols);
        let fill: Vec<Option<Parsed>> = match &opts.filling_values {
            None => vec![None; ncols],
            Some(f) => convs
                .iter()
                .map(|c| c.parse(f).ok().map(Some))
                .collect::<Option<Vec<_>>>()?,
        };
        let fast = FastRows::plan(opts, &convs, &offsets)?;
        Some(FastSetup {
            convs,
            dtype,
            plain,
            offsets,
            record,
            width,
            ncols,
            fill,
            fast,
        })
    }

    /// Convert `lines` (line index `first` and on) and append their rows to `out`. Each
    /// thread gets windows of the output with room for all its lines, and the windows are
    /// closed up afterwards: rows are written once, where they stay.
    ///
    /// # Errors
    /// Only when the rows cannot be allocated; the lines' own errors go to `out`.
    fn lines(
        &self,
        lines: &[&str],
        first: usize,
        opts: &GenFromTxtOptions,
        out: &mut FastOut,
    ) -> Result<()> {
        let (record, ncols) = (self.record, self.ncols);
        let missing = |_: usize, v: &str| strip(v).is_empty();
        let row_conv = RowConv {
            convs: &self.convs,
            offsets: &self.offsets,
            fill: &self.fill,
            unchecked_zero: &[],
            missing: &missing,
            loose: opts.loose,
        };
        let n = lines.len();
        let threads = threads_for(n, 5_000);
        // Several windows a thread, taken in turn: a thread slowed down (by the one
        // reading the next block) leaves the others its windows instead of idling them.
        let parts = if threads > 1 { threads * 4 } else { 1 };
        let per = n.div_ceil(parts).max(1);
        let ranges: Vec<(usize, usize)> = (0..parts)
            .map(|t| ((t * per).min(n), ((t + 1) * per).min(n)))
            .collect();
        let (data, mask) = (&mut out.data, &mut out.mask);
        data.reserve(n.saturating_mul(record));
        mask.reserve(n.saturating_mul(ncols));
        if data.spare_mut().len() < n * record || mask.spare_mut().len() < n * ncols {
            return Err(Error::new(
                ErrorKind::Limit,
                "cannot allocate the parsed rows",
            ));
        }
        let chunks: Vec<FastChunk> = {
            let (mut dr, mut mr) = (
                &mut data.spare_mut()[..n * record],
                &mut mask.spare_mut()[..n * ncols],
            );
            let mut windows = Vec::with_capacity(parts);
            for &(from, to) in &ranges {
                let (dw, d2) = dr.split_at_mut((to - from) * record);
                let (mw, m2) = mr.split_at_mut((to - from) * ncols);
                windows.push(std::sync::Mutex::new(Some((from, to, dw, mw))));
                dr = d2;
                mr = m2;
            }
            let work = |(from, to, dw, mw): (usize, usize, &mut [u8], &mut [u8])| {
                let mut c = FastChunk {
                    rows: 0,
                    invalid: Vec::new(),
                    error: None,
                };
                for (k, line) in lines[from..to].iter().enumerate() {
                    let (at, m) = (c.rows * record, c.rows * ncols);
                    let (row, mrow) = (&mut dw[at..at + record], &mut mw[m..m + ncols]);
                    if c.error.is_none() && self.fast.row(line, row).is_some() {
                        mrow.fill(0);
                        c.rows += 1;
                        continue;
                    }
                    let values = split_line(line, opts);
                    if values.is_empty() {
                        continue;
                    }
                    let lineno = (first + from + k) as u64 + 1;
                    if values.len() != self.width {
                        c.invalid.push((lineno, values.len()));
                        continue;
                    }
                    if c.error.is_some() {
                        continue;
                    }
                    match row_conv.row(lineno, &values, row, mrow) {
                        Ok(()) => c.rows += 1,
                        Err(e) => c.error = Some(e),
                    }
                }
                c
            };
            super::fast::parallel_map(windows.len(), threads, |k| {
                let w = windows[k].lock().ok().and_then(|mut w| w.take())?;
                Some(work(w))
            })
            .into_iter()
            .map(|c| {
                c.flatten()
                    .ok_or_else(|| Error::new(ErrorKind::Io, "a conversion thread failed"))
            })
            .collect::<Result<_>>()?
        };
        // Close up the windows, in input order (the first error in input order wins; the
        // rows after it do not matter).
        let (mut d, mut m) = (0, 0);
        for (c, &(from, _)) in chunks.into_iter().zip(&ranges) {
            out.invalid.extend(c.invalid);
            if out.error.is_some() {
                continue;
            }
            if let Some(e) = c.error {
                out.error = Some(e);
                continue;
            }
            let (dn, mn) = (c.rows * record, c.rows * ncols);
            // Windows already in place (no blank or skipped line before them) stay put.
            if from * record != d {
                data.spare_mut()
                    .copy_within(from * record..from * record + dn, d);
            }
            if from * ncols != m {
                mask.spare_mut()
                    .copy_within(from * ncols..from * ncols + mn, m);
            }
            d += dn;
            m += mn;
        }
        data.grow_len(d);
        mask.grow_len(m);
        Ok(())
    }

    /// The result of all the lines given to [`FastSetup::lines`].
    fn finish(&self, out: FastOut, opts: &GenFromTxtOptions) -> Result<GenFromTxt> {
        if opts.invalid_raise && !out.invalid.is_empty() {
            return Err(invalid_rows(&out.invalid, None, self.width));
        }
        if let Some(e) = out.error {
            return Err(e);
        }
        let rows = out.data.len() / self.record.max(1);
        let shape = result_shape(self.plain, rows, self.ncols, opts.ndmin);
        let layout = Layout::contiguous(self.dtype.clone(), &shape, Order::C)?;
        let mask_layout =
            Layout::contiguous(mask_dtype(&self.dtype, self.plain)?, &shape, Order::C)?;
        Ok(GenFromTxt {
            data: Array::from_parts(out.data, layout)?,
            mask: Array::from_parts(out.mask, mask_layout)?,
            skipped: out.invalid,
        })
    }
}

/// Where each column goes in a row of the output, and the row's size: the columns of a
/// plain dtype side by side, or the fields of a record.
fn column_offsets(dtype: &DType, plain: bool, ncols: usize) -> (Vec<usize>, usize) {
    if plain {
        let size = dtype.itemsize();
        ((0..ncols).map(|k| k * size).collect(), size * ncols)
    } else {
        (
            dtype.fields().iter().map(|f| f.offset()).collect(),
            dtype.itemsize(),
        )
    }
}

/// The mask's dtype: `bool`, or a record of one `bool` per field.
fn mask_dtype(dtype: &DType, plain: bool) -> Result<DType> {
    let b = DType::parse("?")?;
    if plain {
        return Ok(b);
    }
    DType::packed(
        dtype
            .fields()
            .iter()
            .map(|f| (f.name().to_owned(), b.clone()))
            .collect(),
    )
}

/// Threads for `n` items of work, one per `min_per_thread` items at most.
fn threads_for(n: usize, min_per_thread: usize) -> usize {
    let cores = crate::cores();
    cores.min(n / min_per_thread.max(1)).max(1)
}

/// Run `work(from, to)` on consecutive ranges of `0..n` on several threads, results in
/// order.
fn parallel_chunks<T: Send>(
    n: usize,
    min_per_thread: usize,
    work: impl Fn(usize, usize) -> T + Sync,
) -> Vec<T> {
    let threads = threads_for(n, min_per_thread);
    if threads == 1 {
        return vec![work(0, n)];
    }
    let per = n.div_ceil(threads);
    std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = (0..threads)
            .map(|t| scope.spawn(move || work((t * per).min(n), ((t + 1) * per).min(n))))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("row collection does not panic"))
            .collect()
    })
}

/// The rows of one chunk of data lines (`first` is the index of its first line).
struct RowsChunk<'a> {
    rows: Vec<(u64, Vec<Value<'a>>)>,
    invalid: Vec<(u64, usize)>,
    order: Vec<bool>,
}

fn collect_rows<'a>(
    lines: &[&'a str],
    first: usize,
    width: usize,
    usecols: Option<&[usize]>,
    opts: &GenFromTxtOptions,
) -> RowsChunk<'a> {
    let mut out = RowsChunk {
        rows: Vec::new(),
        invalid: Vec::new(),
        order: Vec::new(),
    };
    for (k, line) in lines.iter().enumerate() {
        let values = split_line(line, opts);
        if values.is_empty() {
            continue;
        }
        let lineno = (first + k) as u64 + 1;
        let got = values.len();
        let selected = match usecols {
            Some(u) if u.iter().all(|&c| c < got) => Some(u.iter().map(|&c| values[c]).collect()),
            Some(_) => None,
            None if got == width => Some(values),
            None => None,
        };
        match selected {
            Some(v) => {
                out.rows.push((lineno, v));
                out.order.push(true);
                if opts.max_rows.is_some_and(|m| out.rows.len() >= m) {
                    break;
                }
            }
            None => {
                out.invalid.push((lineno, got));
                out.order.push(false);
            }
        }
    }
    out
}

fn scalar_of(c: Conv) -> Scalar {
    match c {
        Conv::Bool => Scalar::new(ScalarKind::Bool, 1, ByteOrder::NotApplicable).expect("bool"),
        Conv::Int64(s)
        | Conv::IntViaFloat(s)
        | Conv::Float(s)
        | Conv::Complex(s)
        | Conv::Text(s)
        | Conv::Time(s) => s,
    }
}

fn leaves_convs(fields: &[(String, DType)]) -> Result<Vec<Conv>> {
    fields
        .iter()
        .map(|(_, d)| Conv::of(*d.as_scalar().expect("leaf fields are scalars")))
        .collect()
}

/// Names for `n` columns: the given ones, then NumPy's `f0`, `f1`, ... for the rest.
fn field_list(names: &[String], n: usize, dtype: impl Fn(usize) -> DType) -> Vec<(String, DType)> {
    (0..n)
        .map(|k| {
            let name = names.get(k).cloned().unwrap_or_else(|| format!("f{k}"));
            (name, dtype(k))
        })
        .collect()
}

fn bad_value(fail: Fail, text: &str, c: Conv, at: Location) -> Error {
    let shown: String = text.chars().take(60).collect();
    let what = match fail {
        Fail::Parse => "could not convert",
        Fail::Overflow => "out of range:",
    };
    Error::new(
        ErrorKind::Data,
        format!("{what} {shown:?} to {}", scalar_of(c).name()),
    )
    .at(at)
}

/// `np.genfromtxt` on bytes, decoded with `encoding`.
///
/// # Errors
/// As [`genfromtxt_str`], and text that is not valid in `encoding` (at its line and column).
pub fn genfromtxt_bytes(
    bytes: &[u8],
    encoding: super::Encoding,
    opts: &GenFromTxtOptions,
) -> Result<GenFromTxt> {
    genfromtxt_str(&super::decode(bytes, encoding)?, opts)
}

/// `np.genfromtxt` on a UTF-8 file; a `.gz` file is decompressed on the fly.
///
/// A given dtype read by the fused row parser (no `usecols`, `skip_footer`, `max_rows` or
/// missing values but the empty field) is read and converted block by block: memory stays
/// at the output, its mask and a few blocks. Other options read the whole text first.
///
/// # Errors
/// As [`genfromtxt_bytes`], and I/O errors with the path.
pub fn genfromtxt_path(path: &std::path::Path, opts: &GenFromTxtOptions) -> Result<GenFromTxt> {
    let with_path = |err: Error| {
        if err.kind() == ErrorKind::Io {
            Error::new(
                err.kind(),
                format!("cannot read {}: {}", path.display(), err.message()),
            )
        } else {
            err
        }
    };
    let file = std::fs::File::open(path).map_err(|e| with_path(Error::from(e)))?;
    if path.extension().is_some_and(|e| e == "gz") {
        let gz = flate2::read::MultiGzDecoder::new(file);
        return stream(gz, None, opts, super::loadtxt::BLOCK).map_err(with_path);
    }
    let size = file
        .metadata()
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len());
    if size.is_some_and(|s| s >= 2 * super::loadtxt::BLOCK as u64) {
        return stream(file, size, opts, super::loadtxt::BLOCK).map_err(with_path);
    }
    drop(file);
    let bytes = super::input::read_file(path)?;
    genfromtxt_bytes(bytes.as_bytes(), super::Encoding::Utf8, opts)
}

/// `np.genfromtxt` of UTF-8 text from `reader`, read `block` bytes at a time (as
/// [`genfromtxt_path`] reads files), so that tests can cut the input anywhere.
///
/// # Errors
/// As [`genfromtxt_bytes`], and I/O errors.
#[doc(hidden)]
pub fn genfromtxt_reader_blocks(
    reader: impl std::io::Read + Send,
    opts: &GenFromTxtOptions,
    block: usize,
) -> Result<GenFromTxt> {
    stream(reader, None, opts, block)
}

/// `np.genfromtxt` of UTF-8 text from `reader`, block by block when the first block's lines
/// set up the fused conversion (see [`genfromtxt_path`]), or else the whole text. `size`,
/// when known, lets the output be allocated once.
fn stream(
    reader: impl std::io::Read + Send,
    size: Option<u64>,
    opts: &GenFromTxtOptions,
    block: usize,
) -> Result<GenFromTxt> {
    let mut blocks = super::loadtxt::Blocks::new(reader, block);
    if opts.dtype.is_none()
        || opts.skip_footer > 0
        || opts.max_rows.is_some()
        || opts.usecols.is_some()
        || FORCE_GENERAL.with(std::cell::Cell::get)
    {
        // Options that need all the rows (or the general path) first.
        let mut buf = AlignedBuf::default();
        buf.reserve(
            size.and_then(|s| usize::try_from(s).ok())
                .unwrap_or(0)
                .saturating_add(1),
        );
        let all = blocks.whole(buf)?;
        return genfromtxt_bytes(all.as_bytes(), super::Encoding::Utf8, opts);
    }
    check_options(opts)?;
    let Some(first) = blocks.next_block()? else {
        return genfromtxt_str("", opts);
    };
    let whole = |blocks: super::loadtxt::Blocks<_>, first| -> Result<GenFromTxt> {
        let all = blocks.whole(first)?;
        genfromtxt_bytes(all.as_bytes(), super::Encoding::Utf8, opts)
    };
    // The head (skipped lines, names, column count) must be in the first block.
    let (setup, start) = {
        let Some(lines) = split_utf8_lines(first.as_bytes())? else {
            return whole(blocks, first);
        };
        let Head::At {
            start,
            first_width,
            names,
        } = head(&lines, opts)
        else {
            return whole(blocks, first);
        };
        let cols = Columns::of(first_width, names, opts)?;
        match FastSetup::new(cols.width, cols.ncols, cols.names.as_deref(), opts) {
            Some(setup) => (setup, start),
            None => return whole(blocks, first),
        }
    };
    let mut out = FastOut::default();
    let mut block = first;
    let mut line_base = 0usize; // index of the block's first line among the text's lines
    let mut first_block = true;
    loop {
        let text = block.as_bytes();
        let lines = split_utf8_lines(text)
            .map_err(|e| super::loadtxt::rebase(e, line_base as u64))?
            .ok_or_else(|| Error::new(ErrorKind::Io, "a carriage return was left in a block"))?;
        if first_block {
            if let Some(total) = size {
                // Room for the whole input's rows, estimated from the first block (room
                // never touched costs no memory).
                let estimate = lines.len() as f64 * total as f64 / text.len().max(1) as f64;
                let rows = (estimate * 1.1) as usize + 1024;
                out.data.reserve(rows.saturating_mul(setup.record));
                out.mask.reserve(rows.saturating_mul(setup.ncols));
            }
        }
        let from = if first_block {
            start.min(lines.len())
        } else {
            0
        };
        first_block = false;
        // The next block is read while this one is converted.
        let (done, next) = std::thread::scope(|scope| {
            let read = scope.spawn(|| blocks.next_block());
            let done = setup.lines(&lines[from..], line_base + from, opts, &mut out);
            (done, read.join())
        });
        done?;
        let next = next.map_err(|_| Error::new(ErrorKind::Io, "a reading thread failed"))??;
        line_base += lines.len();
        drop(lines);
        blocks.recycle(block);
        match next {
            Some(b) => block = b,
            None => break,
        }
    }
    setup.finish(out, opts)
}

#[cfg(test)]
mod tests {
    use super::split_lines_in;

    /// The lines as the sequential definition gives them: split at '\n', a "\r\n" taken
    /// as one line end, a last line without a newline kept (and the empty text's one line).
    fn naive(text: &str) -> Vec<&str> {
        let mut lines: Vec<&str> = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .collect();
        if text.ends_with('\n') {
            lines.pop();
        }
        lines
    }

    #[test]
    fn lines_split_in_pieces_are_the_sequential_lines() {
        let mut text = String::new();
        for k in 0..500 {
            match k % 5 {
                0 => text.push_str("1,2,3\r\n"),
                1 => text.push('\n'),
                2 => text.push_str("é,ü\n"),
                3 => text.push_str("\r\n"),
                _ => text.push_str(&format!("{k},{}\n", k * 7)),
            }
        }
        for tail in ["", "last", "last\r"] {
            let t = format!("{text}{tail}");
            for parts in [1, 2, 3, 7, 64, 1000] {
                let got = split_lines_in(&t, parts);
                if tail == "last\r" {
                    // A lone carriage return at the end: the caller unifies line ends.
                    assert_eq!(got, None, "{parts} pieces");
                } else {
                    assert_eq!(got, Some(naive(&t)), "{parts} pieces, tail {tail:?}");
                }
            }
        }
        assert_eq!(split_lines_in("", 4), Some(vec![""]));
        assert_eq!(split_lines_in("a\n", 4), Some(vec!["a"]));
    }

    #[test]
    fn a_lone_carriage_return_in_any_piece_is_reported() {
        let mut text = "1,2\n".repeat(300);
        text.insert_str(900, "3\r4");
        for parts in [1, 2, 5, 50] {
            assert_eq!(split_lines_in(&text, parts), None, "{parts} pieces");
        }
    }
}
