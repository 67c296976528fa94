//! NumPy's `loadtxt`: text rows into a structured or 2-D array.
//!
//! Rows fill the *leaf* scalars of a structured dtype in declaration order (nested records
//! flattened, subarrays in C order); a plain dtype gives a 2-D array whose column count is
//! that of the first row. Errors name the **physical line** (1-based, counting every line
//! of the input, skipped ones included) and the character column where the field starts;
//! NumPy names the 0-based *data row* instead, which skips blank, comment and skipped lines.

use std::io::Read;
use std::path::Path;

use super::convert::convert;
use super::fast::{Appended, Parsed, Target as Column};
use crate::array::{AlignedBuf, Array, Layout, Order};
use crate::dtype::{DType, LeafField, Scalar, ScalarKind};
use crate::error::{Error, ErrorKind, Location, Result};

/// Text encoding of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 (the default).
    #[default]
    Utf8,
    /// Latin-1: every byte is one character.
    Latin1,
}

/// A per-column converter: receives a field's text, returns the text to convert (or an
/// error message). NumPy's `converters` return any Python object; here they return text,
/// which the column's dtype then parses strictly.
pub type Converter =
    std::sync::Arc<dyn Fn(&str) -> std::result::Result<String, String> + Send + Sync>;

/// The options of NumPy's `loadtxt`, with its defaults.
#[derive(Clone)]
pub struct LoadTxtOptions {
    /// Element dtype (default `float64`).
    pub dtype: DType,
    /// Comment markers: text from a marker to the end of the line is ignored (default `#`).
    pub comments: Vec<String>,
    /// Field delimiter; `None` splits at runs of whitespace (the default).
    pub delimiter: Option<char>,
    /// Physical lines skipped first (comment and blank lines count).
    pub skiprows: usize,
    /// Columns to read (negative counts from the end of each row); `None` reads all.
    pub usecols: Option<Vec<isize>>,
    /// Most data rows to read (blank and comment lines do not count).
    pub max_rows: Option<usize>,
    /// Quote character: a field starting with it may contain delimiters, comment markers
    /// and newlines; a doubled quote is a literal quote. Off by default.
    pub quotechar: Option<char>,
    /// Fewest dimensions of the result (0, 1 or 2), as NumPy's `ndmin`.
    pub ndmin: u8,
    /// Input encoding.
    pub encoding: Encoding,
    /// Converters by column (after `usecols`; negative counts from the end), NumPy's
    /// `converters={col: fn}`; a converter for column `None` applies to every column.
    pub converters: Vec<(Option<isize>, Converter)>,
}

impl std::fmt::Debug for LoadTxtOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadTxtOptions")
            .field("dtype", &self.dtype)
            .field("comments", &self.comments)
            .field("delimiter", &self.delimiter)
            .field("skiprows", &self.skiprows)
            .field("usecols", &self.usecols)
            .field("max_rows", &self.max_rows)
            .field("quotechar", &self.quotechar)
            .field("ndmin", &self.ndmin)
            .field("encoding", &self.encoding)
            .field("converters", &self.converters.len())
            .finish()
    }
}

impl LoadTxtOptions {
    /// The converter for column `k` of a row of `n` columns, if any.
    pub(crate) fn converter(&self, k: usize, n: usize) -> Option<&Converter> {
        self.converters
            .iter()
            .find(|(c, _)| match c {
                Some(c) => (if *c < 0 { *c + n as isize } else { *c }) == k as isize,
                None => false,
            })
            .or_else(|| self.converters.iter().find(|(c, _)| c.is_none()))
            .map(|(_, f)| f)
    }
}

impl Default for LoadTxtOptions {
    fn default() -> Self {
        LoadTxtOptions {
            dtype: DType::parse("f8").expect("valid"),
            comments: vec!["#".to_owned()],
            delimiter: None,
            skiprows: 0,
            usecols: None,
            max_rows: None,
            quotechar: None,
            ndmin: 0,
            encoding: Encoding::Utf8,
            converters: Vec::new(),
        }
    }
}

fn arg(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Argument, msg)
}

impl LoadTxtOptions {
    /// Check the option combinations NumPy rejects.
    fn validate(&self) -> Result<()> {
        if self.comments.iter().any(String::is_empty) {
            return Err(arg(
                "comments cannot be an empty string: give no comment markers to disable comments",
            ));
        }
        if matches!(self.delimiter, Some('\n' | '\r'))
            || matches!(self.quotechar, Some('\n' | '\r'))
        {
            return Err(arg(
                "the delimiter and the quote character cannot be a newline",
            ));
        }
        let multi = self.comments.len() > 1 || self.comments.iter().any(|c| c.chars().count() > 1);
        if multi && self.quotechar.is_some() {
            return Err(arg(
                "quotes are not supported with several comment markers or a multi-character one",
            ));
        }
        if let Some(d) = self.delimiter {
            if self.comments.iter().any(|c| c.contains(d)) {
                return Err(arg(format!(
                    "comment markers cannot include the delimiter {d:?}"
                )));
            }
            if self.quotechar == Some(d) {
                return Err(arg("the quote character and the delimiter are the same"));
            }
        }
        if let Some(q) = self.quotechar {
            if self.comments.iter().any(|c| c.contains(q)) {
                return Err(arg("the quote character and a comment marker are the same"));
            }
            if self.delimiter.is_none() && q.is_whitespace() {
                return Err(arg(
                    "a whitespace quote character needs an explicit delimiter",
                ));
            }
        }
        if self.delimiter.is_none()
            && self
                .comments
                .iter()
                .any(|c| c.chars().all(char::is_whitespace))
        {
            return Err(arg(
                "a whitespace comment marker needs an explicit delimiter",
            ));
        }
        if self.ndmin > 2 {
            return Err(arg(format!(
                "illegal value of ndmin: {}, expected 0, 1 or 2",
                self.ndmin
            )));
        }
        if self.dtype.as_subarray().is_some() {
            return Err(arg(
                "the text reader does not support subarray dtypes: use a structured dtype",
            ));
        }
        let leaves: Vec<Scalar> = match self.dtype.as_scalar() {
            Some(s) => vec![*s],
            None => self
                .dtype
                .leaf_fields()
                .into_iter()
                .map(|l| l.dtype)
                .collect(),
        };
        if leaves.iter().any(|s| {
            matches!(s.kind(), ScalarKind::DateTime | ScalarKind::TimeDelta)
                && s.datetime_unit().unit.is_none()
        }) {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "datetime64 and timedelta64 columns need a unit (M8[s], M8[D], m8[ms]...): \
                 NumPy's unit inference from the text is not supported",
            ));
        }
        Ok(())
    }
}

/// One field: its text and where it starts.
#[derive(Debug, Clone, PartialEq)]
struct Field {
    text: String,
    line: u64,
    column: u64,
}

/// A record (one logical row) and the physical line it starts on.
#[derive(Debug)]
struct Record {
    line: u64,
    fields: Vec<Field>,
}

/// Splits the whole text into records: one per line, or more lines when a quoted field
/// holds a newline.
struct Tokenizer<'a> {
    /// The text not yet read.
    rest: &'a str,
    line: u64,
    column: u64,
    opts: &'a LoadTxtOptions,
    /// The single-character comment handled during tokenizing (NumPy's C path).
    comment: Option<char>,
    /// Field texts and a field list given back by [`Tokenizer::recycle`], reused: a string
    /// allocated per field and a vector per record were a fifth of a quoted CSV's time.
    spare_texts: Vec<String>,
    spare_fields: Vec<Field>,
    /// The text ended inside a quoted field.
    open_quote_at_end: bool,
}

impl<'a> Tokenizer<'a> {
    fn new(text: &'a str, opts: &'a LoadTxtOptions) -> Self {
        let single = opts.comments.len() == 1 && opts.comments[0].chars().count() == 1;
        Tokenizer {
            rest: text,
            line: 1,
            column: 1,
            opts,
            comment: if single {
                opts.comments[0].chars().next()
            } else {
                None
            },
            spare_texts: Vec::new(),
            spare_fields: Vec::new(),
            open_quote_at_end: false,
        }
    }

    /// Take back a record's storage for the next ones.
    fn recycle(&mut self, mut rec: Record) {
        for f in rec.fields.drain(..) {
            self.spare_texts.push(f.text);
        }
        self.spare_fields = rec.fields;
    }

    /// An empty string, reusing a recycled one.
    fn text(&mut self) -> String {
        let mut t = self.spare_texts.pop().unwrap_or_default();
        t.clear();
        t
    }

    fn peek(&self) -> Option<char> {
        self.rest.chars().next()
    }

    fn next_char(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.rest = &self.rest[c.len_utf8()..];
        Some(c)
    }

    /// Append the leading run of `rest` that needs no look (ASCII bytes for which `stop` is
    /// false) to `text`, on one line: a field is copied a run at a time instead of a
    /// character at a time.
    fn take_run(&mut self, text: &mut String, stop: impl Fn(u8) -> bool) {
        let n = self
            .rest
            .bytes()
            .position(|b| b >= 0x80 || b == b'\n' || b == b'\r' || stop(b))
            .unwrap_or(self.rest.len());
        if n > 0 {
            // The run is ASCII, so it ends at a character boundary.
            text.push_str(&self.rest[..n]);
            self.rest = &self.rest[n..];
            self.column += n as u64;
        }
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.next_char()?;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else if c == '\r' {
            // A lone CR is a newline (universal newlines); CRLF counts once.
            if self.peek() == Some('\n') {
                self.next_char();
            }
            self.line += 1;
            self.column = 1;
            return Some('\n');
        } else {
            self.column += 1;
        }
        Some(c)
    }

    /// Skip the rest of the physical line (a comment), leaving the newline.
    fn skip_to_eol(&mut self) {
        while let Some(c) = self.peek() {
            if c == '\n' || c == '\r' {
                break;
            }
            self.bump();
        }
    }

    /// The next record; `None` at the end of the input. Blank records are returned empty.
    fn next_record(&mut self) -> Option<Record> {
        self.peek()?;
        let start_line = self.line;
        let mut fields: Vec<Field> = std::mem::take(&mut self.spare_fields);
        fields.clear();
        let ws = self.opts.delimiter.is_none();
        loop {
            // Start of a field.
            if ws {
                while matches!(self.peek(), Some(c) if c != '\n' && c != '\r' && c.is_whitespace())
                {
                    self.bump();
                }
            }
            let (line, column) = (self.line, self.column);
            match self.peek() {
                None | Some('\n' | '\r') => {
                    // End of the record. With an explicit delimiter a trailing delimiter
                    // leaves an empty last field, which is already pushed.
                    self.bump();
                    return Some(Record {
                        line: start_line,
                        fields,
                    });
                }
                Some(c) if Some(c) == self.comment => {
                    self.skip_to_eol();
                    continue;
                }
                _ => {}
            }
            let mut text = self.text();
            if let (Some(q), Some(c)) = (self.opts.quotechar, self.peek()) {
                if c == q {
                    self.bump();
                    let quote_byte = u8::try_from(q).ok().filter(u8::is_ascii);
                    loop {
                        self.take_run(&mut text, |b| Some(b) == quote_byte);
                        match self.bump() {
                            None => {
                                self.open_quote_at_end = true;
                                break;
                            }
                            Some(c) if c == q => {
                                if self.peek() == Some(q) {
                                    self.bump();
                                    text.push(q);
                                } else {
                                    break;
                                }
                            }
                            Some(c) => text.push(c),
                        }
                    }
                }
            }
            // Unquoted text (or what follows a closing quote) up to the field's end.
            let mut ended_record = false;
            let ascii = |c: Option<char>| c.and_then(|c| u8::try_from(c).ok()).filter(u8::is_ascii);
            let (delim, comment) = (ascii(self.opts.delimiter), ascii(self.comment));
            loop {
                // Whitespace here is `char::is_whitespace` of an ASCII byte.
                self.take_run(&mut text, |b| {
                    Some(b) == delim
                        || Some(b) == comment
                        || (ws && matches!(b, b' ' | b'\t' | 0x0b | 0x0c))
                });
                match self.peek() {
                    None => break,
                    Some('\n' | '\r') => break,
                    Some(c) if Some(c) == self.comment => {
                        self.skip_to_eol();
                        break;
                    }
                    Some(c) if ws && c.is_whitespace() => break,
                    Some(c) if Some(c) == self.opts.delimiter => {
                        self.bump();
                        // A delimiter right before the end (or a comment) still makes an
                        // empty field, as in NumPy.
                        let next = self.peek();
                        let at_comment = next.is_some() && next == self.comment;
                        let (empty_line, empty_column) = (self.line, self.column);
                        if at_comment {
                            self.skip_to_eol();
                        }
                        if at_comment || matches!(next, None | Some('\n' | '\r')) {
                            fields.push(Field {
                                text: std::mem::take(&mut text),
                                line,
                                column,
                            });
                            fields.push(Field {
                                text: self.text(),
                                line: empty_line,
                                column: empty_column,
                            });
                            self.bump();
                            ended_record = true;
                        }
                        break;
                    }
                    Some(_) => {
                        let c = self.bump().expect("peeked");
                        text.push(c);
                    }
                }
            }
            if ended_record {
                return Some(Record {
                    line: start_line,
                    fields,
                });
            }
            fields.push(Field { text, line, column });
        }
    }
}

/// Where each input column goes in a record: the leaf scalars of `dtype`, subarrays in C
/// order.
fn columns_of(dtype: &DType) -> Vec<Column> {
    let mut out = Vec::new();
    for LeafField {
        offset,
        dtype: scalar,
        shape,
        strides,
        ..
    } in dtype.leaf_fields()
    {
        let n: usize = crate::array::layout::shape_size(&shape);
        let mut idx = vec![0usize; shape.len()];
        for _ in 0..n {
            let extra: usize = idx.iter().zip(&strides).map(|(i, s)| i * s).sum();
            out.push(Column {
                offset: offset + extra,
                scalar,
            });
            for ax in (0..idx.len()).rev() {
                idx[ax] += 1;
                if idx[ax] < shape[ax] {
                    break;
                }
                idx[ax] = 0;
            }
        }
    }
    out
}

/// Decode input bytes with the chosen encoding.
///
/// # Errors
/// Invalid UTF-8, at its line and column.
pub fn decode(bytes: &[u8], encoding: Encoding) -> Result<std::borrow::Cow<'_, str>> {
    match encoding {
        Encoding::Latin1 => Ok(std::borrow::Cow::Owned(
            bytes.iter().map(|&b| b as char).collect(),
        )),
        Encoding::Utf8 => match utf8(bytes) {
            Ok(s) => Ok(std::borrow::Cow::Borrowed(s)),
            Err(e) => {
                let (line, column) = utf8_error_at(bytes, &e);
                Err(Error::new(ErrorKind::Data, UTF8_ERROR).at(Location::Line { line, column }))
            }
        },
    }
}

/// `bytes` as UTF-8 text: checked with SIMD, and again by std for the error's position
/// when it is not.
pub(crate) fn utf8(bytes: &[u8]) -> std::result::Result<&str, std::str::Utf8Error> {
    simdutf8::basic::from_utf8(bytes).or_else(|_| std::str::from_utf8(bytes))
}

/// The message for input that is not UTF-8.
pub(crate) const UTF8_ERROR: &str = "the input is not valid UTF-8: give the encoding (latin-1?)";

/// The line and column (1-based, in characters) of a UTF-8 error in `bytes`.
pub(crate) fn utf8_error_at(bytes: &[u8], e: &std::str::Utf8Error) -> (u64, u64) {
    let before = &bytes[..e.valid_up_to()];
    let line = memchr::memchr_iter(b'\n', before).count() as u64 + 1;
    let column = std::str::from_utf8(before)
        .map_or(0, |s| s.rsplit('\n').next().unwrap_or("").chars().count()) as u64
        + 1;
    (line, column)
}

/// Where the columns go: the leaf columns of a structured dtype, or the scalar of a plain
/// one; and the item size.
fn targets(options: &LoadTxtOptions) -> Result<(Vec<Column>, Option<Scalar>, usize)> {
    let itemsize = options.dtype.itemsize();
    if options.dtype.has_fields() {
        return Ok((columns_of(&options.dtype), None, itemsize));
    }
    // A dtype without fields is a scalar here: subarray dtypes were refused by `validate`.
    let scalar = *options
        .dtype
        .as_scalar()
        .ok_or_else(|| arg("unsupported dtype for text"))?;
    Ok((Vec::new(), Some(scalar), itemsize))
}

/// `np.loadtxt` on text.
///
/// # Errors
/// Invalid option combinations ([`ErrorKind::Argument`]); a field that does not convert, or
/// a row with the wrong number of columns ([`ErrorKind::Data`], at the physical line and
/// column).
pub fn loadtxt_str(text: &str, options: &LoadTxtOptions) -> Result<Array> {
    options.validate()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // `skiprows` physical lines are skipped before tokenizing, as NumPy does: a quote in
    // them opens nothing.
    let (start, skipped) = skip_lines(text.as_bytes(), options.skiprows);
    let rest = LoadTxtOptions {
        skiprows: 0,
        ..options.clone()
    };
    let targets = targets(options)?;
    let mut data = AlignedBuf::default();
    let (rows, ncols) = parse_text(
        &text[start..],
        &rest,
        &targets,
        Before::default(),
        &mut data,
    )
    .0
    .map_err(|e| rebase(e, skipped))?;
    shape_result(options, data, rows, ncols.map(|(n, _)| n))
}

/// Where `count` physical lines of `bytes` end (`bytes.len()` when it has fewer), and how
/// many there were.
fn skip_lines(bytes: &[u8], count: usize) -> (usize, u64) {
    let mut start = 0usize;
    let mut skipped = 0u64;
    while (skipped as usize) < count && start < bytes.len() {
        start = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |n| start + n + 1);
        skipped += 1;
    }
    (start, skipped)
}

/// What the text before the one being parsed held: its data rows (for NumPy's row numbers
/// in messages) and, for a plain dtype, its column count.
#[derive(Clone, Copy, Debug, Default)]
struct Before {
    rows: usize,
    ncols: Option<usize>,
}

/// The records of `text` (which starts a record; `options.skiprows` is 0) appended to
/// `out`, by the fast path when it can, else the general tokenizer (on every core for
/// large texts): their count and a plain dtype's column count with its line; and whether
/// the text ended inside a quoted field.
fn parse_text(
    text: &str,
    options: &LoadTxtOptions,
    (struct_cols, plain, itemsize): &(Vec<Column>, Option<Scalar>, usize),
    before: Before,
    out: &mut AlignedBuf,
) -> (Result<Appended>, bool) {
    let (plain, itemsize) = (*plain, *itemsize);
    if let Some(r) = fast_path(text, options, struct_cols, plain, itemsize, before, out) {
        // The fast path takes only quoted fields closed on their line.
        return (r, false);
    }
    let mut append = |(data, rows, ncols): Parsed| {
        if out.is_empty() && out.capacity() < data.len() {
            *out = data;
        } else {
            out.extend_from_slice(data.as_bytes());
        }
        (rows, ncols)
    };
    let multi =
        options.comments.len() > 1 || options.comments.iter().any(|c| c.chars().count() > 1);
    // Several or multi-character comment markers: NumPy cuts each line at each marker
    // before tokenizing (no quotes are allowed then).
    let pre_cut: Option<String> = if multi {
        let mut out = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            let (body, nl) = match line.strip_suffix('\n') {
                Some(b) => (b, "\n"),
                None => (line, ""),
            };
            let mut cut = body;
            for c in &options.comments {
                if let Some(i) = cut.find(c.as_str()) {
                    cut = &cut[..i];
                }
            }
            out.push_str(cut);
            out.push_str(nl);
        }
        Some(out)
    } else {
        None
    };
    // From 1 MiB: a streamed block (just under 4 MiB) is parsed on every core too.
    if pre_cut.is_none() && text.len() >= 1 << 20 {
        let parts = crate::cores() * 4;
        let targets = (struct_cols.as_slice(), plain, itemsize);
        if let Some((parsed, open)) = general_in_pieces(text, options, targets, parts, before) {
            return (Ok(append(parsed)), open);
        }
    }
    let source = pre_cut.as_deref().unwrap_or(text);
    let mut tok = Tokenizer::new(source, options);
    let parsed = general(&mut tok, options, struct_cols, plain, itemsize, before);
    (parsed.map(append), tok.open_quote_at_end)
}

thread_local! {
    static FORCE_GENERAL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `loadtxt_str` through the general tokenizer only, so that tests can compare both paths.
#[doc(hidden)]
pub fn loadtxt_str_general(text: &str, options: &LoadTxtOptions) -> Result<Array> {
    FORCE_GENERAL.with(|f| f.set(true));
    let r = loadtxt_str(text, options);
    FORCE_GENERAL.with(|f| f.set(false));
    r
}

/// The fast path (see `fast.rs`) when the options and the text allow it.
fn fast_path(
    text: &str,
    options: &LoadTxtOptions,
    struct_cols: &[Column],
    plain: Option<Scalar>,
    itemsize: usize,
    before: Before,
    out: &mut AlignedBuf,
) -> Option<Result<Appended>> {
    let (comment, delimiter) = fast_args_but_quotes(options)?;
    // A quote character the text never holds quotes nothing (one `memchr` pass). One it
    // holds is split by the fast path with a delimiter, an ASCII punctuation quote and a
    // fused parser that takes it; a line it cannot split sends the whole text to the
    // general tokenizer.
    let quote = match options.quotechar {
        Some(q) if text.contains(q) => {
            let q = u8::try_from(q).ok().filter(|q| q.is_ascii_punctuation())?;
            delimiter?;
            Some(q)
        }
        _ => None,
    };
    // A lone carriage return is a line break the fast path does not split on.
    let bytes = text.as_bytes();
    if memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n')) {
        return None;
    }
    // Skip `skiprows` physical lines.
    let mut start = 0usize;
    for _ in 0..options.skiprows {
        match memchr::memchr(b'\n', &bytes[start..]) {
            Some(n) => start += n + 1,
            None => {
                start = bytes.len();
                break;
            }
        }
    }
    let plan = super::fast::Plan {
        comment,
        delimiter,
        quote,
        usecols: options.usecols.as_deref(),
        columns: struct_cols,
        plain,
        itemsize,
        max_rows: options.max_rows,
        ncols: before.ncols,
    };
    let first_line = options.skiprows as u64 + 1;
    let len = out.len();
    match super::fast::parse_all(&text[start..], &plan, first_line, before.rows, out) {
        Err(e) if super::fast::needs_general(&e) => {
            out.truncate(len);
            None
        }
        parsed => Some(parsed),
    }
}

/// The general tokenizer on pieces of `text` cut after newlines, on every core. Each piece
/// is parsed as if a record started there, which holds when the piece before ended outside
/// a quoted field: a piece that ends inside one (a quoted newline across the cut), any
/// error, or pieces that disagree on the column count give `None`, and the whole text is
/// parsed in one piece instead (which finds the same records, or the error at its row).
/// `None` too for one piece, `skiprows` or `max_rows` (counted from the whole text's start).
/// With the records, whether the last piece ended inside a quoted field.
fn general_in_pieces(
    text: &str,
    options: &LoadTxtOptions,
    (struct_cols, plain, itemsize): (&[Column], Option<Scalar>, usize),
    parts: usize,
    before: Before,
) -> Option<(Parsed, bool)> {
    if parts < 2 || options.skiprows > 0 || options.max_rows.is_some() {
        return None;
    }
    // Quoted text is cut where the quoting scan finds records start (a quoted newline at a
    // cut would send the whole text to one thread).
    let cuts = match Quoting::of(options) {
        Some(q) => record_cuts(text.as_bytes(), q, parts),
        None => super::fast::split_cuts(text.as_bytes(), parts),
    };
    if cuts.len() < 3 {
        return None;
    }
    let last = cuts.len() - 2;
    let pieces = super::fast::parallel_map(cuts.len() - 1, crate::cores(), |k| {
        // Cuts are after newlines, at character boundaries.
        let mut tok = Tokenizer::new(&text[cuts[k]..cuts[k + 1]], options);
        let parsed = general(&mut tok, options, struct_cols, plain, itemsize, before).ok()?;
        (k == last || !tok.open_quote_at_end).then_some((parsed, tok.open_quote_at_end))
    });
    let mut total = 0usize;
    let mut ncols: Option<(usize, u64)> = before.ncols.map(|n| (n, 0));
    let mut open = false;
    let mut parsed = Vec::with_capacity(pieces.len());
    for p in pieces {
        let ((data, rows, cols), ends_open) = p.flatten()?;
        open = ends_open;
        if rows > 0 {
            if ncols.is_some_and(|(n, _)| cols.is_some_and(|(c, _)| c != n)) {
                return None;
            }
            ncols = ncols.or(cols);
        }
        total += rows;
        parsed.push(data);
    }
    // Each piece's rows are freed once copied: the peak is the rows once, plus a piece.
    let mut out = AlignedBuf::default();
    out.reserve(parsed.iter().map(AlignedBuf::len).sum());
    for data in parsed {
        out.extend_from_slice(data.as_bytes());
    }
    Some(((out, total, ncols), open))
}

/// The general tokenizer: quotes, several comment markers, any newline convention.
fn general(
    tok: &mut Tokenizer<'_>,
    options: &LoadTxtOptions,
    struct_cols: &[Column],
    plain: Option<Scalar>,
    itemsize: usize,
    before: Before,
) -> Result<Parsed> {
    let structured = plain.is_none();
    // Straight into the result's buffer (geometric growth, huge pages when large).
    let mut data = AlignedBuf::default();
    let mut rows = 0usize;
    let mut ncols: Option<usize> = before.ncols;
    let mut selected: Vec<usize> = Vec::new();
    while let Some(rec) = tok.next_record() {
        if rec.line <= options.skiprows as u64 || rec.fields.is_empty() {
            // Skipped physical lines (a quoted field cannot start there), blank lines.
            tok.recycle(rec);
            continue;
        }
        if options.max_rows.is_some_and(|m| rows >= m) {
            break;
        }
        // Select columns.
        let fields: &[usize] = match &options.usecols {
            None => {
                selected.clear();
                selected.extend(0..rec.fields.len());
                &selected
            }
            Some(cols) => {
                let n = rec.fields.len() as isize;
                selected.clear();
                for &c in cols {
                    let k = if c < 0 { c + n } else { c };
                    if k < 0 || k >= n {
                        return Err(Error::new(
                            ErrorKind::Data,
                            format!("invalid column index {c} for a row with {n} columns"),
                        )
                        .at(Location::Line {
                            line: rec.line,
                            column: 1,
                        }));
                    }
                    selected.push(k as usize);
                }
                &selected
            }
        };
        let expected = if structured {
            struct_cols.len()
        } else {
            *ncols.get_or_insert(fields.len())
        };
        if fields.len() != expected {
            let msg = if structured {
                format!(
                    "the dtype needs {expected} columns but the row has {}; use usecols to select a subset",
                    fields.len()
                )
            } else {
                format!(
                    "the number of columns changed from {expected} to {}; use usecols to select a subset",
                    fields.len()
                )
            };
            return Err(Error::new(ErrorKind::Data, msg).at(Location::Line {
                line: rec.line,
                column: 1,
            }));
        }
        let record_size = if structured {
            itemsize
        } else {
            itemsize * expected
        };
        let start = data.len();
        data.reserve(record_size);
        if data.spare_mut().len() < record_size {
            return Err(Error::new(
                ErrorKind::Limit,
                "cannot allocate the parsed rows",
            ));
        }
        data.grow_len(record_size);
        let out = &mut data.as_bytes_mut()[start..];
        out.fill(0);
        for (k, f) in fields.iter().map(|&i| &rec.fields[i]).enumerate() {
            let (offset, sc) = match plain {
                None => (struct_cols[k].offset, struct_cols[k].scalar),
                Some(s) => (k * itemsize, s),
            };
            let converted;
            let text: &str = match options.converter(k, fields.len()) {
                None => &f.text,
                Some(conv) => {
                    converted = conv(&f.text).map_err(|m| {
                        Error::new(
                            ErrorKind::Data,
                            format!("converter for field {} failed: {m}", k + 1),
                        )
                        .at(Location::Line {
                            line: f.line,
                            column: f.column,
                        })
                    })?;
                    &converted
                }
            };
            if convert(&sc, text, &mut out[offset..offset + sc.size()]).is_err() {
                let shown: String = text.chars().take(60).collect();
                return Err(Error::new(
                    ErrorKind::Data,
                    format!(
                        "could not convert {shown:?} to {} (field {} of the row; NumPy counts this \
                         as data row {})",
                        sc.name(),
                        k + 1,
                        before.rows + rows
                    ),
                )
                .at(Location::Line {
                    line: f.line,
                    column: f.column,
                }));
            }
        }
        rows += 1;
        tok.recycle(rec);
    }
    Ok((data, rows, ncols.map(|n| (n, 0))))
}

/// The shape NumPy's reader gives, then `ndmin`.
fn shape_result(
    options: &LoadTxtOptions,
    buf: AlignedBuf,
    rows: usize,
    ncols: Option<usize>,
) -> Result<Array> {
    let shape = result_shape(options, rows, ncols);
    let layout = Layout::contiguous(options.dtype.clone(), &shape, Order::C)?;
    Array::from_parts(buf, layout)
}

/// The shape of `rows` rows (of `ncols` columns for a plain dtype), as NumPy's reader
/// makes it, then `ndmin`.
fn result_shape(options: &LoadTxtOptions, rows: usize, ncols: Option<usize>) -> Vec<usize> {
    let structured = options.dtype.has_fields();
    // Shape as NumPy's reader, then ndmin.
    let mut shape: Vec<usize> = if structured {
        vec![rows]
    } else {
        vec![rows, ncols.unwrap_or(if rows == 0 { 0 } else { 1 })]
    };
    if rows == 0 && !structured {
        shape = vec![0];
    }
    let ndmin = usize::from(options.ndmin);
    if shape.len() > ndmin {
        shape.retain(|&d| d != 1);
    }
    if shape.len() < ndmin {
        if ndmin == 1 {
            shape = vec![1];
        } else if ndmin == 2 {
            // atleast_2d(a).T
            shape = match shape.as_slice() {
                [] => vec![1, 1],
                [n] => vec![*n, 1],
                _ => shape,
            };
        }
    }
    shape
}

/// `np.loadtxt` on bytes, decoded with [`LoadTxtOptions::encoding`].
///
/// # Errors
/// As [`loadtxt_str`], and invalid UTF-8.
pub fn loadtxt_bytes(bytes: &[u8], options: &LoadTxtOptions) -> Result<Array> {
    let text = decode(bytes, options.encoding)?;
    loadtxt_str(&text, options)
}

/// `np.loadtxt` on any reader.
///
/// # Errors
/// As [`loadtxt_bytes`], and I/O errors.
pub fn loadtxt_reader(reader: impl Read, options: &LoadTxtOptions) -> Result<Array> {
    reader_blocks(reader, options, BLOCK, None)
}

/// `np.loadtxt` on a reader, handing the records to `sink` block by block instead of
/// keeping them: memory stays at a few blocks however large the input and the result.
/// Each call gets whole records in `options.dtype` and C order (for a plain dtype, whole
/// rows). Returns the shape of the whole result, as [`loadtxt_reader`] would give it.
///
/// Inputs with quotes, converters or several or long comment markers are streamed too,
/// each block parsed as a whole text (see `stream_text`).
///
/// # Errors
/// As [`loadtxt_reader`], and the sink's errors (which stop the reading).
pub fn loadtxt_each(
    reader: impl Read,
    options: &LoadTxtOptions,
    size_hint: Option<u64>,
    sink: &mut dyn FnMut(&[u8]) -> Result<()>,
) -> Result<Vec<usize>> {
    options.validate()?;
    match fast_stream_args(options) {
        Some((comment, delimiter)) => {
            let (_, rows, ncols) = stream(
                reader,
                options,
                (comment, delimiter),
                BLOCK,
                size_hint,
                Some(sink),
            )?;
            Ok(result_shape(options, rows, ncols))
        }
        None => {
            let (_, rows, ncols) = stream_text(reader, options, BLOCK, None, Some(sink))?;
            Ok(result_shape(options, rows, ncols))
        }
    }
}

/// [`loadtxt_reader`] for an input of a known size (a file's), which lets the output be
/// allocated once.
///
/// # Errors
/// As [`loadtxt_reader`].
pub fn loadtxt_reader_sized(
    reader: impl Read,
    options: &LoadTxtOptions,
    size: u64,
) -> Result<Array> {
    reader_blocks(reader, options, BLOCK, Some(size))
}

/// [`loadtxt_reader`] reading `block` bytes at a time, so that tests can cut the input
/// anywhere.
#[doc(hidden)]
pub fn loadtxt_reader_blocks(
    reader: impl Read,
    options: &LoadTxtOptions,
    block: usize,
) -> Result<Array> {
    reader_blocks(reader, options, block, None)
}

/// [`loadtxt_reader_blocks`] knowing the input's size, if it is known (to allocate the
/// output once).
fn reader_blocks(
    reader: impl Read,
    options: &LoadTxtOptions,
    block: usize,
    size_hint: Option<u64>,
) -> Result<Array> {
    options.validate()?;
    match fast_stream_args(options) {
        Some(args) => {
            let (out, rows, ncols) = stream(reader, options, args, block.max(1), size_hint, None)?;
            shape_result(options, out, rows, ncols)
        }
        None => {
            let (out, rows, ncols) = stream_text(reader, options, block.max(1), size_hint, None)?;
            shape_result(options, out, rows, ncols)
        }
    }
}

/// The comment byte and delimiter byte of the streaming fast path, or `None` when the
/// options need each block parsed as a whole text (quotes, converters, long comments).
fn fast_stream_args(options: &LoadTxtOptions) -> Option<(Option<u8>, Option<u8>)> {
    if options.quotechar.is_some() {
        return None;
    }
    fast_args_but_quotes(options)
}

/// [`fast_stream_args`] whatever the quote character: for a text that does not hold it,
/// where quoting changes nothing.
fn fast_args_but_quotes(options: &LoadTxtOptions) -> Option<(Option<u8>, Option<u8>)> {
    let comment = match options.comments.as_slice() {
        [] => None,
        [c] if c.len() == 1 && c.is_ascii() => Some(c.as_bytes()[0]),
        _ => return None,
    };
    let delimiter = match options.delimiter {
        None => None,
        Some(d) if d.is_ascii() => Some(d as u8),
        Some(_) => return None,
    };
    (options.converters.is_empty() && !FORCE_GENERAL.with(std::cell::Cell::get))
        .then_some((comment, delimiter))
}

/// Bytes read and parsed at a time by [`loadtxt_reader`].
pub(crate) const BLOCK: usize = 4 << 20;

/// A parsed block: its rows, the column count of a plain dtype with its line, and its
/// newlines.
type BlockParsed = (usize, Option<(usize, u64)>, u64);

/// Blocks of a reader, each cut after its last newline (the last one at the end of input).
/// The buffers are large anonymous maps, faulted in huge pages, and reused: a fresh 16 MiB
/// heap buffer per block would cost four thousand page faults.
pub(crate) struct Blocks<R> {
    reader: R,
    carry: AlignedBuf,
    eof: bool,
    size: usize,
    /// Buffers of parsed blocks, for reuse.
    spare: Vec<AlignedBuf>,
}

impl<R: Read> Blocks<R> {
    /// The blocks of `reader`, about `size` bytes each.
    pub(crate) fn new(reader: R, size: usize) -> Blocks<R> {
        Blocks {
            reader,
            carry: AlignedBuf::default(),
            eof: false,
            size: size.max(1),
            spare: Vec::new(),
        }
    }

    /// `block` (read from here), then everything not yet handed out: the whole input from
    /// `block` on, for a loader that turns out to need all of it.
    pub(crate) fn whole(mut self, mut block: AlignedBuf) -> Result<AlignedBuf> {
        block.extend_from_slice(self.carry.as_bytes());
        if !self.eof {
            super::input::read_rest(&mut self.reader, &mut block)?;
        }
        Ok(block)
    }

    pub(crate) fn recycle(&mut self, block: AlignedBuf) {
        if self.spare.len() < 2 {
            self.spare.push(block);
        }
    }

    pub(crate) fn next_block(&mut self) -> Result<Option<AlignedBuf>> {
        let mut want = self.size;
        loop {
            if self.carry.capacity() < want {
                self.carry.reserve(want - self.carry.len());
            }
            while !self.eof && self.carry.len() < want {
                let room = want - self.carry.len();
                match self.reader.read(&mut self.carry.spare_mut()[..room]) {
                    Ok(0) => self.eof = true,
                    Ok(n) => self.carry.grow_len(n),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e.into()),
                }
            }
            if self.carry.is_empty() {
                return Ok(None);
            }
            let cut = if self.eof {
                self.carry.len()
            } else {
                match memchr::memrchr(b'\n', self.carry.as_bytes()) {
                    Some(i) => i + 1,
                    None => {
                        // One line longer than a block: read on.
                        want = self.carry.len() + self.size;
                        continue;
                    }
                }
            };
            let mut rest = self.spare.pop().unwrap_or_default();
            rest.truncate(0);
            rest.reserve(self.size);
            rest.extend_from_slice(&self.carry.as_bytes()[cut..]);
            self.carry.truncate(cut);
            let mut block = std::mem::replace(&mut self.carry, rest);
            // Universal newlines: a lone carriage return ends a line (the block ends with
            // '\n' unless it is the last, so a CRLF is never split).
            let bytes = block.as_bytes_mut();
            let mut from = 0;
            while let Some(n) = memchr::memchr(b'\r', &bytes[from..]) {
                let k = from + n;
                if bytes.get(k + 1) != Some(&b'\n') {
                    bytes[k] = b'\n';
                }
                from = k + 1;
            }
            return Ok(Some(block));
        }
    }
}

/// Where [`loadtxt_each`] hands the records of each block.
type Sink<'a> = dyn FnMut(&[u8]) -> Result<()> + 'a;

/// A block read and made ready for parsing by the reading thread.
struct Prepared {
    block: AlignedBuf,
    /// Where the text to parse starts (after a byte-order mark and skipped rows).
    start: usize,
    /// Physical lines skipped (`skiprows`).
    skipped: u64,
    /// For UTF-8 input: the pieces the parsing threads take, with their newlines.
    layout: Option<super::fast::Layout>,
}

/// Read the next block, skip what is skipped, and lay it out for the parsing threads.
fn prepare<R: Read>(
    blocks: &mut Blocks<R>,
    first_block: &mut bool,
    to_skip: &mut usize,
    encoding: Encoding,
    split: bool,
) -> Result<Option<Prepared>> {
    let Some(block) = blocks.next_block()? else {
        return Ok(None);
    };
    let bytes = block.as_bytes();
    let mut start = 0;
    if *first_block {
        if encoding == Encoding::Utf8 && bytes.starts_with(b"\xef\xbb\xbf") {
            start = 3;
        }
        *first_block = false;
    }
    let mut skipped = 0;
    while *to_skip > 0 && start < bytes.len() {
        start = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i + 1);
        *to_skip -= 1;
        skipped += 1;
    }
    let layout =
        (encoding == Encoding::Utf8).then(|| super::fast::Layout::of(&bytes[start..], split));
    Ok(Some(Prepared {
        block,
        start,
        skipped,
        layout,
    }))
}

/// The fast path over a reader, block by block (each cut after its last newline, decoded
/// and parsed on every core while the next block is read): memory stays at the output plus
/// about three blocks, whatever the input size.
fn stream(
    reader: impl Read,
    options: &LoadTxtOptions,
    (comment, delimiter): (Option<u8>, Option<u8>),
    block_size: usize,
    size_hint: Option<u64>,
    mut sink: Option<&mut Sink<'_>>,
) -> Result<(AlignedBuf, usize, Option<usize>)> {
    // Handing blocks to a sink, the output never holds more than a block.
    let size_hint = if sink.is_some() { None } else { size_hint };
    let (struct_cols, plain, itemsize) = targets(options)?;
    let mut out = AlignedBuf::default();
    let mut rows = 0usize;
    let mut ncols: Option<(usize, u64)> = None;
    let mut line_base = 1u64; // physical line of the next block's first byte
    let mut to_skip = options.skiprows;
    let mut first_block = true;
    let mut blocks = Blocks::new(reader, block_size);
    let mut consumed = 0u64;
    let zero = super::fast::has_gaps(&super::fast::Plan {
        comment,
        delimiter,
        quote: None,
        usecols: None,
        columns: &struct_cols,
        plain,
        itemsize,
        max_rows: None,
        ncols: None,
    });
    let split = options.max_rows.is_none();
    let mut next = prepare(
        &mut blocks,
        &mut first_block,
        &mut to_skip,
        options.encoding,
        split,
    )?;
    while let Some(p) = next.take() {
        line_base += p.skipped;
        let remaining = options.max_rows.map(|m| m.saturating_sub(rows));
        if remaining == Some(0) {
            break;
        }
        if p.start == p.block.len() {
            next = prepare(
                &mut blocks,
                &mut first_block,
                &mut to_skip,
                options.encoding,
                split,
            )?;
            continue;
        }
        let plan = super::fast::Plan {
            comment,
            delimiter,
            quote: None,
            usecols: options.usecols.as_deref(),
            columns: &struct_cols,
            plain,
            itemsize,
            max_rows: remaining,
            ncols: ncols.map(|(n, _)| n),
        };
        let text = &p.block.as_bytes()[p.start..];
        let layout = p.layout.as_ref();
        consumed += p.block.len() as u64;
        let known = ncols;
        let out_ref = &mut out;
        let (parsed, read) = std::thread::scope(|s| {
            let job = s.spawn(move || -> Result<BlockParsed> {
                // Records of a known size go straight into the output.
                let record = match plain {
                    None => Some(itemsize),
                    Some(_) => known.map(|(n, _)| n * itemsize),
                };
                if let Some(record) = record {
                    if let (Some(total), true) = (size_hint, out_ref.is_empty()) {
                        // Room for the whole input's records, estimated from the lines of
                        // this first block (untouched room costs no memory).
                        let lines = memchr::memchr_iter(b'\n', text).count() + 1;
                        let estimate = lines as f64 * total as f64 / text.len().max(1) as f64;
                        out_ref.reserve(((estimate * 1.1) as usize + 1024).saturating_mul(record));
                    }
                    let d = match layout {
                        // UTF-8: checked piece by piece by the parsing threads.
                        Some(layout) => super::fast::parse_direct(
                            text,
                            layout,
                            &plan,
                            (line_base, rows),
                            out_ref,
                            (record, zero),
                        )?,
                        None => {
                            let text = decode(text, options.encoding)
                                .map_err(|e| rebase(e, line_base - 1))?;
                            let bytes = text.as_bytes();
                            super::fast::parse_direct(
                                bytes,
                                &super::fast::Layout::of(bytes, split),
                                &plan,
                                (line_base, rows),
                                out_ref,
                                (record, zero),
                            )?
                        }
                    };
                    return Ok((d.rows, d.ncols, d.newlines));
                }
                let text = decode(text, options.encoding).map_err(|e| rebase(e, line_base - 1))?;
                let pieces = super::fast::parse_pieces(&text, &plan, line_base, rows)?;
                if let (Some(total), true) = (size_hint, out_ref.is_empty()) {
                    // The output of the whole input, estimated from this first block (with
                    // room to spare: untouched room costs no memory).
                    let produced: usize = pieces.chunks.iter().map(|c| c.data.len()).sum();
                    let estimate = produced as f64 * total as f64 / consumed.max(1) as f64;
                    out_ref.reserve((estimate * 1.25) as usize + (1 << 20));
                }
                super::fast::append_chunks(out_ref, &pieces.chunks);
                Ok((pieces.rows, pieces.ncols, pieces.newlines))
            });
            // The next block is read and laid out while this one is parsed (unless this
            // one may be the last needed).
            let read = if remaining.is_none() {
                Some(prepare(
                    &mut blocks,
                    &mut first_block,
                    &mut to_skip,
                    options.encoding,
                    split,
                ))
            } else {
                None
            };
            (job.join(), read)
        });
        let (n, cols, newlines) =
            parsed.map_err(|_| Error::new(ErrorKind::Io, "a parsing thread failed"))??;
        if let (Some((first, _)), Some((now, line))) = (ncols, cols) {
            if first != now {
                return Err(Error::new(
                    ErrorKind::Data,
                    format!(
                        "the number of columns changed from {first} to {now}; use usecols to select a subset"
                    ),
                )
                .at(Location::Line { line, column: 1 }));
            }
        }
        ncols = ncols.or(cols);
        rows += n;
        line_base += newlines;
        if let Some(sink) = sink.as_mut() {
            // Hand the block's records over and keep only the storage.
            sink(out.as_bytes())?;
            out.truncate(0);
        }
        blocks.recycle(p.block);
        next = match read {
            Some(r) => r?,
            None => prepare(
                &mut blocks,
                &mut first_block,
                &mut to_skip,
                options.encoding,
                split,
            )?,
        };
    }
    Ok((out, rows, ncols.map(|(n, _)| n)))
}

/// The inputs [`stream`] does not take (quotes, converters, several or long comment
/// markers), block by block all the same: each block is parsed as a whole text (by the
/// fast path when it can, on every core) and its records appended, so memory stays at the
/// output plus a few blocks. A block starts a record: blocks are cut after newlines, and a
/// block that ends inside a quoted field (a quoted newline across the cut) is parsed again
/// with the next one appended.
fn stream_text(
    reader: impl Read,
    options: &LoadTxtOptions,
    block_size: usize,
    size_hint: Option<u64>,
    mut sink: Option<&mut Sink<'_>>,
) -> Result<(AlignedBuf, usize, Option<usize>)> {
    let size_hint = if sink.is_some() { None } else { size_hint };
    let targets = targets(options)?;
    let mut blocks = Blocks::new(reader, block_size);
    let mut out = AlignedBuf::default();
    let mut before = Before::default();
    let mut line_base = 1u64; // physical line of `text`'s first byte
    let mut to_skip = options.skiprows;
    let mut first_block = true;
    let mut consumed = 0u64;
    // The text to parse: whole blocks from a record's start (after `skiprows`), then what
    // follows it (`carry`: the tail of a block cut at its last record, see below).
    let mut text = AlignedBuf::default();
    let mut carry = AlignedBuf::default();
    let mut next = blocks.next_block()?;
    // Once a block has ended inside a quoted field, each text is cut at the start of its
    // last record as a scan of the quoting finds it, before it is parsed: parsing it again
    // with the next block would double the (general tokenizer's) work. The parse still
    // checks the cut: a text that ends inside a quoted field takes the carry back.
    let mut scan = None;
    // Where the scan of `text` stopped without finding a record's start, and its state.
    let mut resume: Option<(usize, ScanState)> = None;
    loop {
        let block = next.take();
        if block.is_none() && carry.is_empty() && text.is_empty() {
            break;
        }
        if !carry.is_empty() {
            text.extend_from_slice(carry.as_bytes());
            carry.truncate(0);
        }
        if let Some(block) = block {
            let bytes = block.as_bytes();
            consumed += bytes.len() as u64;
            let mut start = 0;
            if first_block {
                if options.encoding == Encoding::Utf8 && bytes.starts_with(b"\xef\xbb\xbf") {
                    start = 3;
                }
                first_block = false;
            }
            if to_skip > 0 {
                let (end, skipped) = skip_lines(&bytes[start..], to_skip);
                start += end;
                to_skip -= skipped as usize;
                line_base += skipped;
            }
            if text.is_empty() && start == 0 {
                text = block;
            } else {
                text.extend_from_slice(&bytes[start..]);
                blocks.recycle(block);
            }
        }
        if text.is_empty() {
            next = blocks.next_block()?;
            continue;
        }
        if let Some(quoting) = scan {
            // The scan goes on from where it stopped when the text only grew since.
            let (from, state) = resume.take().unwrap_or((0, ScanState::FieldStart));
            let mut last = None;
            let state = record_starts(&text.as_bytes()[from..], quoting, state, |p| {
                last = Some(from + p);
            });
            match last {
                Some(cut) if cut < text.len() => {
                    carry.extend_from_slice(&text.as_bytes()[cut..]);
                    text.truncate(cut);
                }
                Some(_) => {}
                None => {
                    // No record ends in the text (an unclosed quote, a huge field): parsing
                    // it now would be done again with every block that follows.
                    next = blocks.next_block()?;
                    if next.is_some() {
                        resume = Some((text.len(), state));
                        continue;
                    }
                }
            }
        }
        let remaining = options.max_rows.map(|m| m.saturating_sub(before.rows));
        if remaining == Some(0) {
            break;
        }
        let block_options = LoadTxtOptions {
            skiprows: 0,
            max_rows: remaining,
            ..options.clone()
        };
        if let (Some(total), true, true) = (size_hint, out.is_empty(), targets.1.is_none()) {
            // Room for the whole input's records, estimated from the lines of this first
            // text (untouched room costs no memory).
            let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
            let estimate = lines as f64 * total as f64 / consumed.max(1) as f64;
            out.reserve(((estimate * 1.1) as usize + 1024).saturating_mul(targets.2));
        }
        // The text is parsed (on every core, into the output) while the next block is read,
        // unless it may hold the last rows wanted.
        let len = out.len();
        let parse = |out: &mut AlignedBuf| -> Result<(Result<Appended>, bool)> {
            let decoded = decode(text.as_bytes(), options.encoding)?;
            Ok(parse_text(&decoded, &block_options, &targets, before, out))
        };
        let (parsed, read) = if text.len() < 1 << 20 {
            // A small text (a short input, or a test's tiny blocks): no thread.
            (parse(&mut out), None)
        } else {
            std::thread::scope(|s| {
                let out = &mut out;
                let job = s.spawn(move || parse(out));
                let read = remaining.is_none().then(|| blocks.next_block());
                let parsed = job
                    .join()
                    .unwrap_or_else(|_| Err(Error::new(ErrorKind::Io, "a parsing thread failed")));
                (parsed, read)
            })
        };
        let (parsed, open) = parsed.map_err(|e| rebase(e, line_base - 1))?;
        next = match read {
            Some(r) => r?,
            None => blocks.next_block()?,
        };
        if open && (next.is_some() || !carry.is_empty()) {
            // The last record goes on in the next block: parsed again with it.
            out.truncate(len);
            text.extend_from_slice(carry.as_bytes());
            carry.truncate(0);
            scan = scan.or_else(|| Quoting::of(options));
            continue;
        }
        let (rows, ncols) = parsed.map_err(|e| rebase(e, line_base - 1))?;
        before.rows += rows;
        before.ncols = before.ncols.or(ncols.map(|(n, _)| n));
        line_base += memchr::memchr_iter(b'\n', text.as_bytes()).count() as u64;
        if let Some(sink) = sink.as_mut() {
            sink(out.as_bytes())?;
            out.truncate(0);
        }
        blocks.recycle(std::mem::take(&mut text));
    }
    Ok((out, before.rows, before.ncols))
}

/// The bytes that shape records in [`record_starts`]' scan: the quote, the
/// delimiter (`None`: whitespace) and the comment marker, all ASCII.
#[derive(Clone, Copy, Debug)]
struct Quoting {
    quote: u8,
    delimiter: Option<u8>,
    comment: Option<u8>,
}

impl Quoting {
    /// The quoting of `options`, when it is ASCII (the scan reads bytes).
    fn of(options: &LoadTxtOptions) -> Option<Quoting> {
        let ascii = |c: char| u8::try_from(c).ok().filter(u8::is_ascii);
        let comment = match options.comments.as_slice() {
            [] => None,
            [c] if c.len() == 1 => Some(ascii(c.chars().next()?)?),
            _ => return None,
        };
        Some(Quoting {
            quote: ascii(options.quotechar?)?,
            delimiter: match options.delimiter {
                None => None,
                Some(d) => Some(ascii(d)?),
            },
            comment,
        })
    }
}

/// Where [`record_starts`] is in the text: at a field's start, in an unquoted field, in a
/// quoted one (just after a quote inside it), or in a comment.
#[derive(Clone, Copy, Debug, PartialEq)]
enum ScanState {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
    Comment,
}

/// Each position of `bytes` after a newline that ends a record, to `at`, as the
/// tokenizer's quoting rules place records (a quote opens a field only at its start;
/// inside, a doubled quote is literal and newlines belong to the field; a comment marker
/// outside quotes runs to the end of the line), from `state` at the first byte; returns
/// the state after the last, to go on with the bytes that follow. Only a guess for the
/// caller to check (non-ASCII whitespace is not skipped): a text cut at one that is wrong
/// ends inside a quoted field.
fn record_starts(
    bytes: &[u8],
    q: Quoting,
    mut state: ScanState,
    mut at: impl FnMut(usize),
) -> ScanState {
    use ScanState::*;
    let ws = |b: u8| q.delimiter.is_none() && matches!(b, b' ' | b'\t' | 0x0b | 0x0c);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match state {
            Quoted => {
                // To the next quote at once.
                match memchr::memchr(q.quote, &bytes[i..]) {
                    Some(n) => {
                        i += n + 1;
                        state = QuoteInQuoted;
                    }
                    None => break,
                }
                continue;
            }
            Comment => {
                // The rest of the line is a comment.
                match memchr::memchr(b'\n', &bytes[i..]) {
                    Some(n) => {
                        i += n + 1;
                        state = FieldStart;
                        at(i);
                    }
                    None => break,
                }
                continue;
            }
            QuoteInQuoted if b == q.quote => state = Quoted,
            _ if b == b'\n' => {
                state = FieldStart;
                at(i + 1);
            }
            // A lone carriage return ends a record too (never a cut: cuts follow '\n').
            _ if b == b'\r' && bytes.get(i + 1) != Some(&b'\n') => state = FieldStart,
            _ if Some(b) == q.comment => state = Comment,
            FieldStart if b == q.quote => state = Quoted,
            FieldStart if ws(b) || Some(b) == q.delimiter => {}
            FieldStart => state = Unquoted,
            _ if Some(b) == q.delimiter || ws(b) => state = FieldStart,
            _ => state = Unquoted,
        }
        i += 1;
    }
    state
}

/// [`super::fast::split_cuts`] for quoted text: cuts at the record starts (see
/// [`record_starts`]) nearest after `parts` equal shares.
fn record_cuts(bytes: &[u8], q: Quoting, parts: usize) -> Vec<usize> {
    let mut cuts = vec![0];
    let share = bytes.len() / parts.max(1) + 1;
    record_starts(bytes, q, ScanState::FieldStart, |p| {
        if p < bytes.len() && p >= cuts[cuts.len() - 1] + share {
            cuts.push(p);
        }
    });
    cuts.push(bytes.len());
    cuts
}

/// An error found in a block, moved down by the lines before the block.
pub(crate) fn rebase(e: Error, lines_before: u64) -> Error {
    match e.location() {
        Some(Location::Line { line, column }) => {
            let message = e.message().to_owned();
            Error::new(e.kind(), message).at(Location::Line {
                line: line + lines_before,
                column,
            })
        }
        _ => e,
    }
}

/// `np.loadtxt` on a file; a `.gz` file is decompressed on the fly.
///
/// # Errors
/// As [`loadtxt_bytes`], and I/O errors with the path.
pub fn loadtxt_path(path: &Path, options: &LoadTxtOptions) -> Result<Array> {
    let file = std::fs::File::open(path).map_err(|e| {
        let err = Error::from(e);
        Error::new(
            err.kind(),
            format!("cannot open {}: {}", path.display(), err.message()),
        )
    })?;
    if path.extension().is_some_and(|e| e == "gz") {
        loadtxt_reader(flate2::read::MultiGzDecoder::new(file), options)
    } else {
        let size = file
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        reader_blocks(std::io::BufReader::new(file), options, BLOCK, size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The general tokenizer over the whole text, and in `parts` pieces.
    fn both(text: &str, o: &LoadTxtOptions, parts: usize) -> (Result<Parsed>, Option<Parsed>) {
        let (cols, plain, itemsize) = targets(o).unwrap();
        let whole = general(
            &mut Tokenizer::new(text, o),
            o,
            &cols,
            plain,
            itemsize,
            Before::default(),
        );
        let pieces = general_in_pieces(text, o, (&cols, plain, itemsize), parts, Before::default())
            .map(|(p, _)| p);
        (whole, pieces)
    }

    #[test]
    fn a_quote_character_the_text_lacks_takes_the_fast_path() {
        let o = LoadTxtOptions {
            dtype: DType::parse("[('i','<i8'),('s','S4'),('x','<f8')]").unwrap(),
            delimiter: Some(','),
            quotechar: Some('"'),
            ..LoadTxtOptions::default()
        };
        let (cols, plain, itemsize) = targets(&o).unwrap();
        let text = "1,ab,1.5\n# note\n2,cdefg,2.5\n";
        let mut fast = AlignedBuf::default();
        fast_path(
            text,
            &o,
            &cols,
            plain,
            itemsize,
            Before::default(),
            &mut fast,
        )
        .expect("no quote in the text")
        .unwrap();
        let (whole, _, _) = general(
            &mut Tokenizer::new(text, &o),
            &o,
            &cols,
            plain,
            itemsize,
            Before::default(),
        )
        .unwrap();
        assert_eq!(fast.as_bytes(), whole.as_bytes());
    }

    /// Random lines of every quoting shape: the fast path gives the general tokenizer's
    /// records, or its error at the same line and column, or declines.
    #[test]
    fn quoted_lines_split_as_the_general_tokenizer_does_or_decline() {
        let shapes: [&dyn Fn(u64) -> String; 16] = [
            &|i| format!("{i},\"w{}\",{}.5", i % 13, i % 7),
            &|i| format!("{i},\"a,b#c\",-{i}e-3"),
            &|i| format!("{i},plain{i},{i}"),
            &|i| format!("{i},\"\",0"),
            &|i| format!("{i},,1"),
            &|i| format!("\"{i}\",\"q\",\" 2.5\""),
            &|i| format!("{i},mid\"quote,3 # \"in a comment"),
            &|i| format!("{i},\"say \"\"hi\"\"\",4"),
            &|i| format!("{i},\"x\"tail,5"),
            &|i| format!("{i},\"multi\nline\",6"),
            &|_| "# a comment, \"quoted\"".to_string(),
            &|_| String::new(),
            &|i| format!("{i},\"w\",7\r"),
            &|i| format!("{i},\"bad\",\"x{i}\""),
            &|i| format!("{i},\"w\""),
            &|i| format!("{i},\"w\",8,9"),
        ];
        let mut next = crate::xorshift(0x9e37_79b9_7f4a_7c15u64);
        let structured = LoadTxtOptions {
            dtype: DType::parse("[('i','<i8'),('s','S3'),('x','<f8')]").unwrap(),
            delimiter: Some(','),
            quotechar: Some('"'),
            ..LoadTxtOptions::default()
        };
        let plain_bytes = LoadTxtOptions {
            dtype: DType::parse("S4").unwrap(),
            ..structured.clone()
        };
        let (mut handled, mut declined, mut errors) = (0, 0, 0);
        for round in 0..400 {
            // Mostly the common shapes, with a rarer one now and then; some texts over
            // 1 MiB, which are parsed in pieces on every core.
            let lines = if round % 50 == 0 {
                60_000
            } else {
                1 + (next() % 40) as usize
            };
            let rare = next() % 4 == 0;
            let mut text = String::new();
            for i in 0..lines as u64 {
                let k = if rare && next() % 10 == 0 {
                    (next() % 16) as usize
                } else {
                    [0, 1, 2, 3, 5, 6, 10, 11][(next() % 8) as usize]
                };
                text.push_str(&shapes[k](i));
                text.push('\n');
            }
            for o in [&structured, &plain_bytes] {
                let (cols, plain, itemsize) = targets(o).unwrap();
                let general = general(
                    &mut Tokenizer::new(&text, o),
                    o,
                    &cols,
                    plain,
                    itemsize,
                    Before::default(),
                );
                let mut f = AlignedBuf::default();
                match fast_path(&text, o, &cols, plain, itemsize, Before::default(), &mut f) {
                    None => declined += 1,
                    Some(fast) => {
                        handled += 1;
                        match (fast, general) {
                            (Ok((fr, fc)), Ok((g, gr, gc))) => assert_eq!(
                                (f.as_bytes(), fr, fc.map(|c| c.0)),
                                (g.as_bytes(), gr, gc.map(|c| c.0)),
                                "{text}"
                            ),
                            (Err(f), Err(g)) => {
                                errors += 1;
                                assert_eq!(
                                    (f.location(), f.kind(), f.to_string()),
                                    (g.location(), g.kind(), g.to_string()),
                                    "{f} / {g}\n{text}"
                                );
                            }
                            (f, g) => panic!("{:?} / {:?}\n{text}", f.err(), g.err()),
                        }
                    }
                }
            }
        }
        assert!(
            handled > 300 && declined > 30 && errors > 10,
            "{handled} handled ({errors} errors), {declined} declined"
        );
    }

    #[test]
    fn pieces_parse_as_the_whole_text_or_decline() {
        let mut text = String::new();
        for i in 0..400 {
            match i % 9 {
                0 => text.push_str(&format!("{i},\"a,b\",1.5\n")),
                1 => text.push_str(&format!("{i},\"multi\nline\",2.5\n")), // a quoted newline
                2 => text.push_str("# comment, with \"quote\n"),
                3 => text.push_str(&format!("{i},\"say \"\"hi\"\"\",3\r\n")),
                4 => text.push('\n'),
                5 => text.push_str(&format!("{i},\"x\"tail,4\r")), // lone CR
                _ => text.push_str(&format!("{i},w{i},{i}.25\n")),
            }
        }
        let o = LoadTxtOptions {
            dtype: DType::parse("[('i','<i8'),('s','S9'),('x','<f8')]").unwrap(),
            delimiter: Some(','),
            quotechar: Some('"'),
            ..LoadTxtOptions::default()
        };
        let (mut agreed, mut declined) = (0, 0);
        for parts in [2, 3, 5, 8, 13, 40, 97, 300] {
            let (whole, pieces) = both(&text, &o, parts);
            let (data, rows, _) = whole.as_ref().unwrap();
            match pieces {
                Some((d, r, _)) => {
                    assert_eq!(
                        (d.as_bytes(), r),
                        (data.as_bytes(), *rows),
                        "{parts} pieces"
                    );
                    agreed += 1;
                }
                // A cut inside a quoted newline.
                None => declined += 1,
            }
        }
        // The pieces are cut where the quoting scan finds records start, so none declines;
        // cuts after any newline would have fallen inside quoted fields.
        assert!(
            agreed == 8 && declined == 0,
            "{agreed} agreed, {declined} declined"
        );
        let mut starts = std::collections::HashSet::from([0, text.len()]);
        record_starts(
            text.as_bytes(),
            Quoting::of(&o).unwrap(),
            ScanState::FieldStart,
            |p| {
                starts.insert(p);
            },
        );
        let inside = [2, 3, 5, 8, 13, 40, 97, 300]
            .iter()
            .flat_map(|&parts| super::super::fast::split_cuts(text.as_bytes(), parts))
            .filter(|c| !starts.contains(c))
            .count();
        assert!(inside > 0);
        for parts in [2, 5, 40] {
            let cuts = record_cuts(text.as_bytes(), Quoting::of(&o).unwrap(), parts);
            assert!(cuts.iter().all(|c| starts.contains(c)), "{cuts:?}");
            assert!(cuts.len() > parts / 2, "{parts}: {cuts:?}");
        }
        // Without quoted newlines every cut is a record start.
        let plain_text = text.replace("\"multi\nline\"", "\"multi line\"");
        for parts in [2, 7, 64] {
            let (whole, pieces) = both(&plain_text, &o, parts);
            let (data, rows, _) = whole.unwrap();
            let (d, r, _) = pieces.expect("no quoted newline");
            assert_eq!((d.as_bytes(), r), (data.as_bytes(), rows));
        }
        // A plain dtype: the column count is checked across pieces.
        let o2 = LoadTxtOptions {
            dtype: DType::parse("<f8").unwrap(),
            delimiter: Some(','),
            quotechar: Some('"'),
            ..LoadTxtOptions::default()
        };
        let grid = "1,\"2\",3\n".repeat(50) + &"4,5\n".repeat(50);
        let (whole, pieces) = both(&grid, &o2, 4);
        assert!(whole.is_err() && pieces.is_none());
        let grid = "1,\"2\",3\n".repeat(100);
        let (whole, pieces) = both(&grid, &o2, 4);
        let (d, r, n) = pieces.unwrap();
        let (wd, wr, wn) = whole.unwrap();
        assert_eq!(
            (d.as_bytes(), r, n.map(|c| c.0)),
            (wd.as_bytes(), wr, wn.map(|c| c.0))
        );
        // A bad value: the pieces decline, and the whole text gives the error at its line.
        let bad = plain_text.replacen("w7", "w7\",oops,\"", 1);
        let (whole, pieces) = both(&bad, &o, 8);
        assert!(whole.is_err() && pieces.is_none());
        // skiprows and max_rows count from the start: not split.
        for o3 in [
            LoadTxtOptions {
                skiprows: 1,
                ..o.clone()
            },
            LoadTxtOptions {
                max_rows: Some(5),
                ..o.clone()
            },
        ] {
            assert!(both(&plain_text, &o3, 8).1.is_none());
        }
    }
}
