//! Layout files: the dtype descriptions of whole binary formats (`formats/*.dtype`).
//!
//! A layout file is a NumPy dtype description with `#` comments. On its own that is the
//! record dtype of a headerless dump (records from byte 0 to the end of the file). A file
//! can also say where a header is and where its records come from, with directives at the
//! start of a line:
//!
//! ```text
//! # Binary STL: an 80-byte header, a triangle count, 50-byte packed triangles.
//! header:  [('header', 'S80'), ('count', '<u4')]
//! records: [('normal', '<f4', (3,)), ('v0', '<f4', (3,)), ('v1', '<f4', (3,)),
//!           ('v2', '<f4', (3,)), ('attr', '<u2')]
//! offset:  headersize          # where the first record starts (this is the default)
//! count:   header.count        # how many records (default: the rest of the file)
//! expect:  header.count < 100000000
//! ```
//!
//! - `header:` the dtype of a header at byte 0, decoded and shown beside the records;
//! - `records:` the record dtype (a value may continue over several lines);
//! - `offset:` and `count:` integer expressions: numbers, `header.FIELD` (dotted paths into
//!   the header), `filesize`, `headersize`, `itemsize` (of a record), `+ - * /` (integer
//!   division) and parentheses, `oct(header.FIELD)` / `dec(header.FIELD)` for numbers
//!   written as ASCII octal or decimal text (tar headers); the default count is every whole
//!   record between the offset and the end of the file;
//! - `expect:` a check made before any record is read, `EXPR == VALUE` (or `!=`, `<`,
//!   `<=`, `>`, `>=` between numbers) where the value is a number or a quoted Python
//!   bytes literal such as `b'RIFF'` or `b'\x7fELF'`: a file that fails it is not of this
//!   format, and the error says which check failed and what the file holds.
//!
//! The formats in the repository's `formats/` directory are built in ([`Format::builtin`]).

use std::path::Path;

use crate::array::element::{decode, py_bytes_repr};
use crate::dtype::DType;
use crate::error::{Error, ErrorKind, Location, Result};
use crate::raw::RawOptions;
use crate::Value;

/// The layout files of `formats/`, compiled in: `(name, text)`.
const BUILTIN: &[(&str, &str)] = &[
    ("elf64", include_str!("../formats/elf64.dtype")),
    ("input_event", include_str!("../formats/input_event.dtype")),
    (
        "kitti_velodyne",
        include_str!("../formats/kitti_velodyne.dtype"),
    ),
    (
        "medkit_radar",
        include_str!("../formats/medkit_radar.dtype"),
    ),
    (
        "mnist_idx_images",
        include_str!("../formats/mnist_idx_images.dtype"),
    ),
    (
        "mnist_idx_labels",
        include_str!("../formats/mnist_idx_labels.dtype"),
    ),
    ("stl", include_str!("../formats/stl.dtype")),
    ("tar", include_str!("../formats/tar.dtype")),
    ("utmp", include_str!("../formats/utmp.dtype")),
    ("wav_pcm16", include_str!("../formats/wav_pcm16.dtype")),
];

/// An integer expression of a layout file.
#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Num(i128),
    Header(String),
    Var(Var),
    Text(Radix, String),
    Bin(Box<Expr>, char, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Var {
    File,
    Header,
    Item,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Radix {
    Oct,
    Dec,
}

#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Num(i128),
    Bytes(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq)]
struct Expect {
    lhs: Expr,
    op: &'static str,
    rhs: Literal,
    text: String,
    line: u64,
}

/// A directive's expression with the line it came from (for error messages).
#[derive(Debug, Clone, PartialEq)]
struct Located {
    expr: Expr,
    text: String,
    line: u64,
}

/// A parsed layout file: an optional header dtype, the record dtype, and how to find the
/// records. See the [module documentation](self).
#[derive(Debug, Clone, PartialEq)]
pub struct Format {
    name: String,
    description: String,
    header: Option<DType>,
    records: DType,
    offset: Option<Located>,
    count: Option<Located>,
    expects: Vec<Expect>,
}

/// Where a format's records are in one file, and its decoded header.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// The header, decoded (a record value), when the format has one.
    pub header: Option<Value>,
    /// Size of the header in bytes (0 without one).
    pub header_size: u64,
    /// Byte offset of the first record.
    pub offset: u64,
    /// Number of records.
    pub count: u64,
    /// Bytes after the last record.
    pub trailing: u64,
}

const KEYWORDS: &[&str] = &["header", "records", "offset", "count", "expect"];

fn at_line(err: Error, line: u64, column: u64) -> Error {
    err.at(Location::Line { line, column })
}

fn syntax(msg: impl Into<String>, line: u64, column: u64) -> Error {
    at_line(Error::new(ErrorKind::DType, msg), line, column)
}

/// 1-based line and column (in characters) of byte `pos` of `text`.
fn line_col(text: &str, pos: usize) -> (u64, u64) {
    let before = &text[..pos.min(text.len())];
    let line = before.matches('\n').count() as u64 + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    (line, col)
}

/// `text` without its `#` comments (outside quotes): replaced by spaces when `blank`, so
/// that byte offsets into the result are offsets into `text`, else removed.
pub(crate) fn without_comments(text: &str, blank: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut quote, mut escaped, mut comment) = (None::<char>, false, false);
    for c in text.chars() {
        if comment {
            if c == '\n' {
                comment = false;
                out.push(c);
            } else if blank {
                out.extend(std::iter::repeat_n(' ', c.len_utf8()));
            }
            continue;
        }
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q || c == '\n' {
                    quote = None;
                }
                out.push(c);
            }
            None if c == '#' => {
                comment = true;
                if blank {
                    out.push(' ');
                }
            }
            None => {
                if c == '\'' || c == '"' {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    out
}

/// The directive a line of a layout file starts with (`records` for `records: ...`).
fn directive(line: &str) -> Option<&'static str> {
    KEYWORDS.iter().copied().find(|k| {
        line.strip_prefix(*k)
            .is_some_and(|rest| rest.trim_start_matches([' ', '\t']).starts_with(':'))
    })
}

/// True when comment-free `text` has a directive line: a layout file, not a dtype.
#[cfg(feature = "cli")]
pub(crate) fn has_directive_lines(text: &str) -> bool {
    text.lines().any(|l| directive(l).is_some())
}

impl Format {
    /// Parse a layout file's text; `name` is used in messages and listings.
    ///
    /// # Errors
    /// A bad directive, dtype or expression, with its line and column.
    pub fn parse(name: &str, text: &str) -> Result<Format> {
        let clean = without_comments(text, true);
        let description = text
            .lines()
            .take_while(|l| l.trim_start().starts_with('#'))
            .map(|l| l.trim_start().trim_start_matches('#').trim())
            .collect::<Vec<_>>()
            .join(" ");
        // Split into directives: (keyword, value start, value end).
        let mut directives: Vec<(&str, usize, usize)> = Vec::new();
        let mut pos = 0;
        for line in clean.split_inclusive('\n') {
            if let Some(k) = directive(line) {
                if let Some(last) = directives.last_mut() {
                    last.2 = pos;
                }
                let colon = line.find(':').unwrap_or(k.len());
                directives.push((k, pos + colon + 1, clean.len()));
            } else if directives.is_empty() && !line.trim().is_empty() {
                // Text before any directive: a plain dtype file.
                break;
            }
            pos += line.len();
        }
        let parse_dtype = |start: usize, end: usize, what: &str| -> Result<DType> {
            let value = &clean[start..end];
            let lead = value.len() - value.trim_start().len();
            DType::parse(value.trim()).map_err(|e| {
                let off = match e.location() {
                    Some(Location::Spec(o)) => o,
                    _ => 0,
                };
                let (line, col) = line_col(text, start + lead + off);
                let msg = format!("{what}: {}", e.message());
                e.with_message(msg)
                    .at_exact(Location::Line { line, column: col })
            })
        };
        if directives.is_empty() {
            let records = parse_dtype(0, clean.len(), "record dtype")?;
            return Ok(Format {
                name: name.to_owned(),
                description,
                header: None,
                records,
                offset: None,
                count: None,
                expects: Vec::new(),
            });
        }
        let mut format = Format {
            name: name.to_owned(),
            description,
            header: None,
            records: DType::parse("u1")?,
            offset: None,
            count: None,
            expects: Vec::new(),
        };
        let mut have_records = false;
        for &(key, start, end) in &directives {
            let (line, _) = line_col(text, start);
            let once = |seen: bool| {
                if seen {
                    Err(syntax(format!("a second `{key}:` directive"), line, 1))
                } else {
                    Ok(())
                }
            };
            match key {
                "header" => {
                    once(format.header.is_some())?;
                    format.header = Some(parse_dtype(start, end, "header dtype")?);
                }
                "records" => {
                    once(have_records)?;
                    format.records = parse_dtype(start, end, "record dtype")?;
                    have_records = true;
                }
                "offset" | "count" => {
                    let seen = if key == "offset" {
                        format.offset.is_some()
                    } else {
                        format.count.is_some()
                    };
                    once(seen)?;
                    let mut p = ExprParser::new(text, &clean, start, end);
                    let expr = p.expr()?;
                    p.finish()?;
                    let located = Located {
                        expr,
                        text: clean[start..end].trim().to_owned(),
                        line,
                    };
                    if key == "offset" {
                        format.offset = Some(located);
                    } else {
                        format.count = Some(located);
                    }
                }
                _ => {
                    let mut p = ExprParser::new(text, &clean, start, end);
                    let lhs = p.expr()?;
                    let op = p.comparison()?;
                    let rhs = p.literal()?;
                    p.finish()?;
                    if matches!(rhs, Literal::Bytes(_)) && !matches!(op, "==" | "!=") {
                        let (l, c) = line_col(text, start);
                        return Err(syntax("bytes compare only with == and !=", l, c));
                    }
                    format.expects.push(Expect {
                        lhs,
                        op,
                        rhs,
                        text: clean[start..end].trim().to_owned(),
                        line,
                    });
                }
            }
        }
        if !have_records {
            let (line, col) = line_col(text, directives[0].1);
            return Err(syntax(
                "a layout file with directives needs a `records:` dtype",
                line,
                col,
            ));
        }
        // Header references need a header with that field.
        let refs = format
            .offset
            .iter()
            .chain(&format.count)
            .map(|l| (&l.expr, l.line))
            .chain(format.expects.iter().map(|e| (&e.lhs, e.line)));
        for (expr, line) in refs {
            for path in expr.header_paths() {
                let ok = format
                    .header
                    .as_ref()
                    .is_some_and(|h| h.field_path(path).is_ok());
                if !ok {
                    return Err(syntax(
                        match &format.header {
                            None => format!("header.{path} used, but there is no `header:`"),
                            Some(_) => format!("the header has no field {path:?}"),
                        },
                        line,
                        1,
                    ));
                }
            }
        }
        Ok(format)
    }

    /// Read and parse a layout file.
    ///
    /// # Errors
    /// I/O errors, and as [`Format::parse`] (the message names the file).
    pub fn read(path: &Path) -> Result<Format> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::new(
                ErrorKind::Io,
                format!("cannot read layout file {}: {e}", path.display()),
            )
        })?;
        let name = path.file_stem().map_or_else(
            || path.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        Format::parse(&name, &text).map_err(|e| {
            let msg = format!("{}: {}", path.display(), e.message());
            e.with_message(msg)
        })
    }

    /// A format of the repository's `formats/` directory by name (`stl`, `wav_pcm16`...).
    ///
    /// # Panics
    /// Never in a released build: every built-in file is parsed by a test.
    pub fn builtin(name: &str) -> Option<Format> {
        let name = name.strip_suffix(".dtype").unwrap_or(name);
        BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, text)| Format::parse(n, text).expect("built-in formats parse"))
    }

    /// The names of the built-in formats.
    pub fn builtin_names() -> impl Iterator<Item = &'static str> {
        BUILTIN.iter().map(|(n, _)| *n)
    }

    /// What a command line's `--format ARG` means: a layout file when `ARG` is a path
    /// that exists, else a built-in format by name.
    ///
    /// # Errors
    /// When it is neither (the message lists the built-in names), or as [`Format::read`].
    pub fn find(arg: &str) -> Result<Format> {
        let path = Path::new(arg);
        if path.exists() {
            return Format::read(path);
        }
        let base = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Format::builtin(&base).ok_or_else(|| {
            Error::new(
                ErrorKind::Argument,
                format!(
                    "no layout file {arg:?} and no built-in format of that name (built in: {})",
                    Format::builtin_names().collect::<Vec<_>>().join(", ")
                ),
            )
        })
    }

    /// The format's name (the file name without `.dtype`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The comment lines at the top of the file, joined.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The header dtype, if the format has a header.
    pub fn header(&self) -> Option<&DType> {
        self.header.as_ref()
    }

    /// The record dtype.
    pub fn records(&self) -> &DType {
        &self.records
    }

    /// Bytes of the start of a file that [`Format::place`] needs to see: the header.
    pub fn header_size(&self) -> usize {
        self.header.as_ref().map_or(0, DType::itemsize)
    }

    /// Find the records in a file of `file_len` bytes whose first bytes are `start` (at
    /// least [`Format::header_size`] of them): decode the header, run the `expect:` checks,
    /// evaluate the offset and the count, and check that the records fit in the file.
    ///
    /// # Errors
    /// A file shorter than the header, a failed check, an expression that fails (division
    /// by zero, a negative result, a header field that is not a number), records that run
    /// past the end of the file. Each message names the directive and its line.
    pub fn place(&self, start: &[u8], file_len: u64) -> Result<Placement> {
        let hsize = self.header_size();
        let header = match &self.header {
            None => None,
            Some(h) => {
                if start.len() < hsize || file_len < hsize as u64 {
                    return Err(Error::new(
                        ErrorKind::Data,
                        format!(
                            "the file has {file_len} bytes, fewer than the {hsize}-byte {} header",
                            self.name
                        ),
                    )
                    .at(Location::Byte(file_len)));
                }
                Some((h, &start[..hsize]))
            }
        };
        let ctx = Context {
            header,
            file_len,
            header_size: hsize as u64,
            itemsize: self.records.itemsize() as u64,
        };
        for e in &self.expects {
            let value = ctx
                .eval_literal(&e.lhs)
                .map_err(|err| e.fail(&self.name, err))?;
            let ok = match (&value, &e.rhs) {
                (Literal::Num(a), Literal::Num(b)) => match e.op {
                    "==" => a == b,
                    "!=" => a != b,
                    "<" => a < b,
                    "<=" => a <= b,
                    ">" => a > b,
                    _ => a >= b,
                },
                (Literal::Bytes(a), Literal::Bytes(b)) => (a == b) == (e.op == "=="),
                _ => false,
            };
            if !ok {
                let shown = match &value {
                    Literal::Num(n) => n.to_string(),
                    Literal::Bytes(b) => py_bytes_repr(b),
                };
                return Err(Error::new(
                    ErrorKind::Data,
                    format!(
                        "not a file of format {}: `expect: {}` (line {}) fails, the file has {shown}",
                        self.name, e.text, e.line
                    ),
                )
                .at(Location::Byte(ctx.byte_of(&e.lhs))));
            }
        }
        let eval = |l: &Located, what: &str| -> Result<u64> {
            let v = ctx.eval(&l.expr).map_err(|err| {
                let msg = format!("{what} `{}` (line {}): {}", l.text, l.line, err.message());
                err.with_message(msg)
            })?;
            u64::try_from(v).map_err(|_| {
                Error::new(
                    ErrorKind::Data,
                    format!("{what} `{}` (line {}) is {v}, not a size", l.text, l.line),
                )
            })
        };
        let offset = match &self.offset {
            Some(l) => eval(l, "offset")?,
            None => hsize as u64,
        };
        if offset > file_len {
            return Err(Error::new(
                ErrorKind::Data,
                format!("the records would start at byte {offset}, past the end of the {file_len}-byte file"),
            )
            .at(Location::Byte(file_len)));
        }
        let itemsize = self.records.itemsize() as u64;
        let count = match &self.count {
            Some(l) => eval(l, "count")?,
            None if itemsize == 0 => 0,
            None => (file_len - offset) / itemsize,
        };
        let need = count
            .checked_mul(itemsize)
            .and_then(|n| n.checked_add(offset))
            .filter(|&n| n <= file_len)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Data,
                    format!(
                        "{count} records of {itemsize} bytes from byte {offset} run past the end \
                         of the {file_len}-byte file{}",
                        self.count
                            .as_ref()
                            .map(|l| format!(" (count `{}`, line {})", l.text, l.line))
                            .unwrap_or_default()
                    ),
                )
                .at(Location::Byte(file_len))
            })?;
        Ok(Placement {
            header: ctx.header.map(|(dt, b)| decode(dt, b)),
            header_size: hsize as u64,
            offset,
            count,
            trailing: file_len - need,
        })
    }

    /// Raw-dump options reading the placed records (a 1-D array of `count` records).
    pub fn raw_options(&self, placement: &Placement) -> RawOptions {
        RawOptions::new(self.records.clone())
            .offset(placement.offset)
            .count(placement.count)
            .allow_trailing(true)
    }
}

impl Expect {
    fn fail(&self, format: &str, err: Error) -> Error {
        let msg = format!(
            "{format}: `expect: {}` (line {}): {}",
            self.text,
            self.line,
            err.message()
        );
        err.with_message(msg)
    }
}

impl Expr {
    fn header_paths(&self) -> Vec<&str> {
        match self {
            Expr::Header(p) | Expr::Text(_, p) => vec![p.as_str()],
            Expr::Bin(a, _, b) => {
                let mut v = a.header_paths();
                v.extend(b.header_paths());
                v
            }
            _ => Vec::new(),
        }
    }
}

struct Context<'a> {
    header: Option<(&'a DType, &'a [u8])>,
    file_len: u64,
    header_size: u64,
    itemsize: u64,
}

impl Context<'_> {
    fn field(&self, path: &str) -> Result<(Value, u64)> {
        let (dt, bytes) = self
            .header
            .ok_or_else(|| Error::new(ErrorKind::Argument, "the format has no header"))?;
        let f = dt.field_path(path)?;
        let size = f.dtype.itemsize();
        Ok((
            decode(f.dtype, &bytes[f.offset..f.offset + size]),
            f.offset as u64,
        ))
    }

    /// Byte offset in the file of the header field an expression reads first (for error
    /// locations).
    fn byte_of(&self, e: &Expr) -> u64 {
        e.header_paths()
            .first()
            .and_then(|p| self.field(p).ok())
            .map_or(0, |(_, off)| off)
    }

    fn eval_literal(&self, e: &Expr) -> Result<Literal> {
        if let Expr::Header(path) = e {
            match self.field(path)?.0 {
                Value::Bytes(b) | Value::Void(b) => return Ok(Literal::Bytes(b)),
                Value::Array(items) if items.iter().all(|v| matches!(v, Value::UInt(_))) => {
                    return Ok(Literal::Bytes(
                        items
                            .iter()
                            .map(|v| match v {
                                Value::UInt(x) => *x as u8,
                                _ => 0,
                            })
                            .collect(),
                    ))
                }
                _ => {}
            }
        }
        self.eval(e).map(Literal::Num)
    }

    fn eval(&self, e: &Expr) -> Result<i128> {
        let data = |m: String| Error::new(ErrorKind::Data, m);
        match e {
            Expr::Num(n) => Ok(*n),
            Expr::Var(Var::File) => Ok(self.file_len.into()),
            Expr::Var(Var::Header) => Ok(self.header_size.into()),
            Expr::Var(Var::Item) => Ok(self.itemsize.into()),
            Expr::Header(path) => {
                let (v, off) = self.field(path)?;
                match v {
                    Value::Int(n) => Ok(n.into()),
                    Value::UInt(n) => Ok(n.into()),
                    Value::Bool(b) => Ok(b.into()),
                    other => Err(data(format!(
                        "header.{path} is {other}, not an integer (use oct() or dec() for numbers \
                         written as text)"
                    ))
                    .at(Location::Byte(off))),
                }
            }
            Expr::Text(radix, path) => {
                let (v, off) = self.field(path)?;
                let Value::Bytes(b) = v else {
                    return Err(data(format!("header.{path} is not a bytes field")));
                };
                let text = String::from_utf8_lossy(&b);
                let digits = text.trim_matches(|c: char| c == ' ' || c == '\0');
                let base = if *radix == Radix::Oct { 8 } else { 10 };
                i128::from_str_radix(digits, base).map_err(|_| {
                    data(format!(
                        "header.{path} is {}, not a {} number",
                        py_bytes_repr(&b),
                        if base == 8 { "octal" } else { "decimal" }
                    ))
                    .at(Location::Byte(off))
                })
            }
            Expr::Bin(a, op, b) => {
                let (x, y) = (self.eval(a)?, self.eval(b)?);
                let r = match op {
                    '+' => x.checked_add(y),
                    '-' => x.checked_sub(y),
                    '*' => x.checked_mul(y),
                    _ if y == 0 => return Err(data("division by zero".into())),
                    _ => x.checked_div(y),
                };
                r.ok_or_else(|| data("integer overflow".into()))
            }
        }
    }
}

/// A recursive-descent parser over one directive's value (`start..end` of the
/// comment-blanked text).
struct ExprParser<'t> {
    original: &'t str,
    text: &'t str,
    pos: usize,
    end: usize,
    depth: usize,
}

impl<'t> ExprParser<'t> {
    fn new(original: &'t str, text: &'t str, start: usize, end: usize) -> Self {
        ExprParser {
            original,
            text,
            pos: start,
            end,
            depth: 0,
        }
    }

    fn err(&self, msg: impl Into<String>) -> Error {
        let (line, col) = line_col(self.original, self.pos);
        syntax(msg, line, col)
    }

    fn skip_ws(&mut self) {
        while self.pos < self.end && self.text.as_bytes()[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn rest(&self) -> &'t str {
        &self.text[self.pos..self.end]
    }

    fn eat(&mut self, s: &str) -> bool {
        self.skip_ws();
        if self.rest().starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    fn finish(&mut self) -> Result<()> {
        self.skip_ws();
        if self.pos < self.end {
            return Err(self.err(format!("unexpected {:?}", self.rest().trim_end())));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr> {
        self.depth += 1;
        if self.depth > 64 {
            return Err(self.err("expression nested too deeply"));
        }
        let mut lhs = self.term()?;
        loop {
            self.skip_ws();
            let op = match self.rest().chars().next() {
                Some(c @ ('+' | '-')) => c,
                _ => break,
            };
            self.pos += 1;
            lhs = Expr::Bin(Box::new(lhs), op, Box::new(self.term()?));
        }
        self.depth -= 1;
        Ok(lhs)
    }

    fn term(&mut self) -> Result<Expr> {
        let mut lhs = self.atom()?;
        loop {
            self.skip_ws();
            let op = match self.rest().chars().next() {
                Some(c @ ('*' | '/')) => c,
                _ => break,
            };
            self.pos += 1;
            // Python's `//` is accepted for integer division too.
            if op == '/' && self.rest().starts_with('/') {
                self.pos += 1;
            }
            lhs = Expr::Bin(Box::new(lhs), op, Box::new(self.atom()?));
        }
        Ok(lhs)
    }

    fn ident(&mut self) -> &'t str {
        let rest = self.rest();
        let n = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len());
        self.pos += n;
        &rest[..n]
    }

    fn atom(&mut self) -> Result<Expr> {
        self.skip_ws();
        if self.eat("(") {
            let e = self.expr()?;
            if !self.eat(")") {
                return Err(self.err("expected `)`"));
            }
            return Ok(e);
        }
        let start = self.pos;
        let word = self.ident();
        if word.is_empty() {
            return Err(self.err(
                "expected a number, header.FIELD, filesize, headersize, itemsize, oct(...), \
                 dec(...) or `(`",
            ));
        }
        if word.as_bytes()[0].is_ascii_digit() {
            let (digits, radix) = match word.strip_prefix("0x") {
                Some(hex) => (hex, 16),
                None => (word, 10),
            };
            let digits = digits.replace('_', "");
            return i128::from_str_radix(&digits, radix)
                .map(Expr::Num)
                .map_err(|_| {
                    self.pos = start;
                    self.err(format!("{word:?} is not an integer"))
                });
        }
        match word {
            "filesize" => Ok(Expr::Var(Var::File)),
            "headersize" => Ok(Expr::Var(Var::Header)),
            "itemsize" => Ok(Expr::Var(Var::Item)),
            "oct" | "dec" => {
                if !self.eat("(") {
                    return Err(self.err(format!("expected `(` after {word}")));
                }
                self.skip_ws();
                let at = self.pos;
                let inner = self.ident();
                let Some(path) = inner.strip_prefix("header.") else {
                    self.pos = at;
                    return Err(self.err(format!("{word}() takes a header field: header.NAME")));
                };
                if !self.eat(")") {
                    return Err(self.err("expected `)`"));
                }
                let radix = if word == "oct" {
                    Radix::Oct
                } else {
                    Radix::Dec
                };
                Ok(Expr::Text(radix, path.to_owned()))
            }
            w => match w.strip_prefix("header.") {
                Some(path) if !path.is_empty() => Ok(Expr::Header(path.to_owned())),
                _ => {
                    self.pos = start;
                    Err(self.err(format!(
                        "unknown name {w:?}: expected header.FIELD, filesize, headersize or itemsize"
                    )))
                }
            },
        }
    }

    fn comparison(&mut self) -> Result<&'static str> {
        for op in ["==", "!=", "<=", ">=", "<", ">"] {
            if self.eat(op) {
                return Ok(op);
            }
        }
        self.skip_ws();
        Err(self.err("expected a comparison: ==, !=, <, <=, > or >="))
    }

    fn literal(&mut self) -> Result<Literal> {
        self.skip_ws();
        let rest = self.rest();
        let quoted = rest.strip_prefix('b').unwrap_or(rest);
        let Some(q) = quoted.chars().next().filter(|c| *c == '\'' || *c == '"') else {
            let e = self.expr()?;
            return match e {
                Expr::Num(n) => Ok(Literal::Num(n)),
                _ => Err(self.err("expected a number or a bytes literal such as b'RIFF'")),
            };
        };
        self.pos += rest.len() - quoted.len() + 1;
        let mut out = Vec::new();
        let bytes = self.text.as_bytes();
        loop {
            if self.pos >= self.end {
                return Err(self.err("unterminated bytes literal"));
            }
            let c = bytes[self.pos];
            self.pos += 1;
            match c {
                _ if c == q as u8 => return Ok(Literal::Bytes(out)),
                b'\\' => {
                    let Some(&e) = bytes.get(self.pos).filter(|_| self.pos < self.end) else {
                        return Err(self.err("unterminated escape"));
                    };
                    self.pos += 1;
                    match e {
                        b'x' => {
                            let hex = self.text.get(self.pos..self.pos + 2).unwrap_or("");
                            let v = u8::from_str_radix(hex, 16)
                                .map_err(|_| self.err("\\x needs two hex digits"))?;
                            self.pos += 2;
                            out.push(v);
                        }
                        b'0' => out.push(0),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'\\' | b'\'' | b'"' => out.push(e),
                        _ => return Err(self.err(format!("unknown escape \\{}", e as char))),
                    }
                }
                _ => out.push(c),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STL: &str = "# Binary STL\n\
        header: [('header', 'S80'), ('count', '<u4')]  # 84 bytes\n\
        records: [('normal', '<f4', (3,)), ('v', '<f4', (3, 3)),\n\
        \x20         ('attr', '<u2')]\n\
        count: header.count\n\
        expect: header.count < 1000\n";

    fn stl_file(count: u32, triangles: usize) -> Vec<u8> {
        let mut b = vec![b' '; 80];
        b[..5].copy_from_slice(b"solid");
        b.extend(count.to_le_bytes());
        b.extend(vec![0u8; 50 * triangles]);
        b
    }

    #[test]
    fn directives_place_the_records() {
        let f = Format::parse("stl", STL).unwrap();
        assert_eq!(f.description(), "Binary STL");
        assert_eq!(f.records().itemsize(), 50);
        assert_eq!(f.header_size(), 84);
        let file = stl_file(2, 2);
        let p = f.place(&file, file.len() as u64).unwrap();
        assert_eq!((p.offset, p.count, p.trailing), (84, 2, 0));
        let Some(Value::Record(h)) = p.header else {
            panic!("a record header")
        };
        assert_eq!(h[1], ("count".into(), Value::UInt(2)));
        // More records claimed than the file holds.
        let file = stl_file(3, 2);
        let err = f.place(&file, file.len() as u64).unwrap_err();
        assert_eq!(
            err.to_string(),
            "3 records of 50 bytes from byte 84 run past the end of the 184-byte file \
             (count `header.count`, line 5) (at byte offset 184)"
        );
        // A failed check.
        let file = stl_file(5000, 0);
        let err = f.place(&file, file.len() as u64).unwrap_err();
        assert_eq!(
            err.to_string(),
            "not a file of format stl: `expect: header.count < 1000` (line 6) fails, the file has 5000 \
             (at byte offset 80)"
        );
        // Shorter than the header.
        let err = f.place(&file[..10], 10).unwrap_err();
        assert!(
            err.message().contains("fewer than the 84-byte stl header"),
            "{err}"
        );
    }

    #[test]
    fn a_plain_dtype_file_is_a_headerless_dump() {
        let f = Format::parse("x", "# xyz points\n[('x','<f4'),('y','<f4')]  # 8 bytes\n").unwrap();
        assert!(f.header().is_none());
        let p = f.place(&[], 20).unwrap();
        assert_eq!((p.offset, p.count, p.trailing), (0, 2, 4));
    }

    #[test]
    fn expressions_and_literals() {
        let text = "header: [('magic','S4'),('n','>u2'),('size','S12'),('raw','u1',(2,))]\n\
                    records: u1\n\
                    offset: (headersize + 2) * 2 - 2 // 2 + 0x10 - 16\n\
                    count: oct(header.size) - header.n / 2\n\
                    expect: header.magic == b'\\x7fEL'\n\
                    expect: header.raw == b'\\x01\\x02'\n\
                    expect: header.n >= 4\n";
        let f = Format::parse("t", text).unwrap();
        let mut file = b"\x7fEL\x00\x00\x04".to_vec();
        file.extend(b"00000000017\0");
        file.extend([1, 2]);
        file.extend([0u8; 100]);
        let p = f.place(&file, file.len() as u64).unwrap();
        assert_eq!(p.offset, (20 + 2) * 2 - 1);
        assert_eq!(p.count, 15 - 4 / 2);
    }

    #[test]
    fn errors_name_line_and_column() {
        let cases: &[(&str, &str)] = &[
            (
                "records: [('a', '<i4'),\n  ('b', '<q9')]\n",
                "record dtype: ",
            ),
            (
                "records: u1\ncount: header.n\n",
                "header.n used, but there is no `header:`",
            ),
            ("header: u1\nrecords: u1\n", "header.x"),
            ("records: u1\noffset: 3 +\n", "expected a number"),
            ("records: u1\noffset: bogus\n", "unknown name \"bogus\""),
            (
                "records: u1\nexpect: filesize = 3\n",
                "expected a comparison",
            ),
            (
                "records: u1\nexpect: filesize == b'ab\n",
                "unterminated bytes literal",
            ),
            (
                "records: u1\nrecords: u2\n",
                "a second `records:` directive",
            ),
            ("offset: 4\n", "needs a `records:` dtype"),
            ("records: u1\noffset: 4 4\n", "unexpected \"4\""),
        ];
        for (text, want) in cases {
            match Format::parse("t", text) {
                Ok(_) if *want == "header.x" => {}
                Ok(f) => panic!("{text:?} parsed: {f:?}"),
                Err(e) => {
                    assert!(e.message().contains(want), "{text:?}: {e}");
                    assert!(
                        matches!(e.location(), Some(Location::Line { .. })),
                        "{text:?}: {e}"
                    );
                }
            }
        }
        let e = Format::parse("t", "records: [('a', '<i4'),\n  ('b', '<q9')]\n").unwrap_err();
        assert_eq!(
            e.location(),
            Some(Location::Line {
                line: 2,
                column: 10
            }),
            "{e}"
        );
        let e = Format::parse("t", "records: u1\noffset: 3 + x\n").unwrap_err();
        assert_eq!(
            e.location(),
            Some(Location::Line {
                line: 2,
                column: 13
            }),
            "{e}"
        );
    }

    #[test]
    fn every_builtin_format_parses() {
        for name in Format::builtin_names() {
            let f = Format::builtin(name).unwrap();
            assert!(!f.description().is_empty(), "{name} has no description");
            assert!(f.records().itemsize() > 0, "{name}");
        }
        assert!(Format::find("no-such-format")
            .unwrap_err()
            .message()
            .contains("stl"));
    }
}
