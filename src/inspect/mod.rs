//! Printers behind the command-line tools. They live in the library and write to any
//! [`Write`], so tests capture exactly what the binaries print.
//!
//! The JSON shapes are the contract of `shared/CLI.md`; the human forms are tables.

use std::io::{self, Write};

pub mod bytes;
pub mod jsonl;
pub mod npz;
pub mod plot;
pub mod raw;
pub mod shell;

use serde::Serialize;

use crate::dtype::{ByteOrder, DType, ParseOptions};
use crate::error::{Error, ErrorKind, Result};

/// A command-line failure with its exit code (shared/CLI.md: 2 for bad arguments or bad
/// input, 1 for anything else). A closed output pipe is not a failure.
#[derive(Debug)]
pub struct CliError {
    /// The process exit code.
    pub code: u8,
    /// What to print after `TOOL: error: `.
    pub message: String,
    broken_pipe: bool,
}

impl CliError {
    /// Bad arguments or bad input: exit code 2.
    pub fn input(message: impl Into<String>) -> CliError {
        CliError {
            code: 2,
            message: message.into(),
            broken_pipe: false,
        }
    }

    /// An I/O failure on `path`: exit code 2 when the file does not exist (a bad
    /// argument), 1 otherwise.
    pub fn io(what: &str, path: &std::path::Path, e: io::Error) -> CliError {
        CliError {
            code: if e.kind() == io::ErrorKind::NotFound {
                2
            } else {
                1
            },
            broken_pipe: e.kind() == io::ErrorKind::BrokenPipe,
            message: format!("{what} {}: {e}", path.display()),
        }
    }

    /// Prefix the message with where it happened (a file name).
    pub fn context(mut self, prefix: &str) -> CliError {
        self.message = format!("{prefix}: {}", self.message);
        self
    }

    /// Print the error as `TOOL: error: MESSAGE` and turn a result into the exit code.
    pub fn finish(tool: &str, result: std::result::Result<(), CliError>) -> std::process::ExitCode {
        match result {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) if e.broken_pipe => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{tool}: error: {}", e.message);
                std::process::ExitCode::from(e.code)
            }
        }
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        CliError {
            code: if e.kind() == ErrorKind::Io { 1 } else { 2 },
            message: e.snippet(),
            broken_pipe: false,
        }
    }
}

impl From<io::Error> for CliError {
    fn from(e: io::Error) -> Self {
        CliError {
            code: 1,
            broken_pipe: e.kind() == io::ErrorKind::BrokenPipe,
            message: e.to_string(),
        }
    }
}

/// One leaf field as `dtinspect dtype --json` prints it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldJson {
    /// Dotted path (`position.az`), `""` for a dtype without fields.
    pub path: String,
    /// Absolute byte offset in the element.
    pub offset: usize,
    /// The leaf's scalar type string (`<f4`).
    pub dtype: String,
    /// Subarray shape of the leaf (`[]` for a plain scalar).
    pub shape: Vec<usize>,
    /// Size in bytes of one scalar of the leaf (NumPy's field-view `itemsize`).
    pub itemsize: usize,
    /// Bytes the whole leaf spans: `itemsize` × the product of `shape`.
    pub nbytes: usize,
    /// Byte strides of `shape` (array strides, then the subarray's inside the element).
    pub strides: Vec<isize>,
    /// The field's title, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// What `dtinspect dtype --json` prints.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DTypeJson {
    /// NumPy's `dtype.itemsize`.
    pub itemsize: usize,
    /// NumPy's `dtype.alignment`.
    pub alignment: usize,
    /// NumPy's `dtype.str`.
    pub str: String,
    /// NumPy's `dtype.byteorder` (`=`, `<`, `>`, `|`).
    pub byteorder: String,
    /// `repr(dtype.descr)`; `null` when NumPy cannot describe the layout (overlapping or
    /// out-of-order fields).
    pub descr: Option<String>,
    /// NumPy's `dtype.name`.
    pub name: String,
    /// NumPy's `dtype.kind`.
    pub kind: String,
    /// A description that parses back to this dtype (a type string or a Python literal).
    pub spec: String,
    /// NumPy's `isalignedstruct`.
    pub aligned_struct: bool,
    /// Every leaf field in declaration order.
    pub fields: Vec<FieldJson>,
}

impl DTypeJson {
    /// The JSON description of `dt`.
    pub fn new(dt: &DType) -> DTypeJson {
        DTypeJson {
            itemsize: dt.itemsize(),
            alignment: dt.alignment(),
            str: dt.typestr(),
            byteorder: dt.byteorder_char().to_string(),
            descr: dt.descr().ok(),
            name: dt.name(),
            kind: dt.kind_char().to_string(),
            spec: dt.to_string(),
            aligned_struct: dt.as_record().is_some_and(|r| r.is_aligned_struct()),
            fields: dt
                .leaf_fields()
                .into_iter()
                .map(|l| FieldJson {
                    nbytes: l.count() * l.dtype.size(),
                    itemsize: l.dtype.size(),
                    dtype: l.dtype.typestr(),
                    path: l.path,
                    offset: l.offset,
                    shape: l.shape,
                    strides: l.strides.iter().map(|&s| s as isize).collect(),
                    title: l.title,
                })
                .collect(),
        }
    }
}

/// Find the records of `--format ARG` in the file at `path`: the layout file (a path, or
/// a built-in name), its decoded header and where its records are.
///
/// # Errors
/// An unknown format, an unreadable file, or a file the format does not fit (the message
/// names the file).
pub fn place_format(
    path: &std::path::Path,
    arg: &str,
) -> Result<(crate::format::Format, crate::format::Placement)> {
    use std::io::Read;
    let format = crate::format::Format::find(arg)?;
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut start = Vec::new();
    Read::by_ref(&mut file)
        .take(format.header_size() as u64)
        .read_to_end(&mut start)?;
    let placement = format.place(&start, len).map_err(|e| {
        let msg = format!("{}: {}", path.display(), e.message());
        e.with_message(msg)
    })?;
    Ok((format, placement))
}

/// Resolve a command-line dtype `SPEC`: `@PATH` reads the description from a file, where
/// `#` comments (outside quotes) and surrounding whitespace are removed.
///
/// # Errors
/// When the file cannot be read ([`ErrorKind::Io`]).
pub fn resolve_spec(spec: &str) -> Result<String> {
    match spec.strip_prefix('@') {
        None => Ok(spec.to_owned()),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Error::new(
                    ErrorKind::Io,
                    format!("cannot read dtype file {path:?}: {e}"),
                )
            })?;
            Ok(strip_comments(&text).trim().to_owned())
        }
    }
}

/// Remove `#` comments that are outside quotes, line by line.
pub fn strip_comments(text: &str) -> String {
    crate::format::without_comments(text, false)
}

/// Parse a command-line dtype `SPEC` (including `@PATH`).
///
/// # Errors
/// As [`DType::parse`], and when an `@PATH` file cannot be read.
pub fn parse_cli_spec(spec: &str, align: bool) -> Result<DType> {
    let text = resolve_spec(spec)?;
    DType::parse_with(&text, &ParseOptions::aligned(align)).map_err(|e| {
        // A layout file with directives given as a dtype: say what to do instead.
        match spec.strip_prefix('@') {
            Some(path) if crate::format::has_directive_lines(&text) => Error::new(
                ErrorKind::Argument,
                format!(
                    "{path} is a layout file (header:, records:, offset:, count: \
                     directives): give it with --format {path}"
                ),
            ),
            _ => e,
        }
    })
}

/// Terminal styling: plain, or ANSI colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    color: bool,
}

impl Style {
    /// No escape codes at all.
    pub const PLAIN: Style = Style { color: false };

    /// Colour when `color` is true.
    pub fn new(color: bool) -> Style {
        Style { color }
    }

    /// Colour for a stream that is a terminal, unless `NO_COLOR` is set (to anything
    /// non-empty), as <https://no-color.org> asks.
    pub fn for_terminal(is_terminal: bool) -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            color: is_terminal && !no_color,
        }
    }

    /// Whether escape codes are written.
    pub fn is_color(&self) -> bool {
        self.color
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// Bold text (table headers).
    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    /// Label colour (the keys of info blocks).
    pub fn label(&self, text: &str) -> String {
        self.paint("36", text)
    }
}

fn byte_order_summary(dt: &DType) -> String {
    let mut little = false;
    let mut big = false;
    for leaf in dt.leaf_fields() {
        match leaf.dtype.byte_order() {
            ByteOrder::Little => little = true,
            ByteOrder::Big => big = true,
            ByteOrder::NotApplicable => {}
        }
    }
    let native = |o: ByteOrder| {
        if o == ByteOrder::NATIVE {
            " (native)"
        } else {
            " (swapped on this machine)"
        }
    };
    match (little, big) {
        (true, true) => "mixed: little- and big-endian fields".to_owned(),
        (true, false) => format!("little-endian{}", native(ByteOrder::Little)),
        (false, true) => format!("big-endian{}", native(ByteOrder::Big)),
        (false, false) => "not applicable (single bytes)".to_owned(),
    }
}

/// Write the human description of a dtype: a summary block, then the layout table.
///
/// # Errors
/// Only I/O errors of `out`.
pub fn write_dtype_human(out: &mut dyn Write, dt: &DType, style: Style) -> io::Result<()> {
    let leaves = dt.leaf_fields();
    let alignment = match dt.as_record() {
        Some(r) if r.is_aligned_struct() => {
            format!("{} (align=True, C struct layout)", dt.alignment())
        }
        Some(_) if dt.alignment() == 1 => "1 (packed)".to_owned(),
        _ => dt.alignment().to_string(),
    };
    let descr = match dt.descr() {
        Ok(d) if dt.has_fields() => d,
        Ok(_) => dt.to_string(),
        Err(_) => format!("{dt}  (overlapping or out-of-order fields: no descr)"),
    };
    let rows: Vec<(&str, String)> = vec![
        ("dtype", descr),
        ("str", format!("{}  ({})", dt.typestr(), dt.name())),
        ("itemsize", format!("{} bytes", dt.itemsize())),
        ("alignment", alignment),
        ("byte order", byte_order_summary(dt)),
        (
            "fields",
            if dt.has_fields() {
                format!("{} top-level, {} leaves", dt.fields().len(), leaves.len())
            } else {
                "none".to_owned()
            },
        ),
    ];
    for (k, v) in rows {
        writeln!(out, "{} {}", style.label(&format!("{k:<10}")), v)?;
    }
    writeln!(out)?;
    let table = dt.layout_table();
    for (i, line) in table.lines().enumerate() {
        if i == 0 {
            writeln!(out, "{}", style.bold(line))?;
        } else if line.contains("(padding)") {
            writeln!(out, "{}", style.dim(line))?;
        } else {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// Write the human description of an array: an info block like NumPy users' `info()`
/// helper, the leaf fields as views (shape and strides), and with `head` the first records
/// as a table.
///
/// # Errors
/// Only I/O errors of `out`.
pub fn write_array_human(
    out: &mut dyn Write,
    title: &str,
    info: &raw::ArrayJson,
    view: &crate::array::ArrayView<'_>,
    head: Option<usize>,
    style: Style,
) -> io::Result<()> {
    use crate::dtype::py_repr_shape as shape;
    let dt = view.dtype();
    let yes = |b: bool| if b { "yes" } else { "no" };
    let f = &info.flags;
    let mut rows: Vec<(&str, String)> = vec![
        ("file", title.to_owned()),
        ("shape", shape(&info.shape)),
        ("dtype", dt.to_string()),
        (
            "length",
            info.shape.first().copied().unwrap_or(1).to_string(),
        ),
        ("size", view.len().to_string()),
        ("byte order", byte_order_summary(dt)),
        ("order", format!("{:?}", info.order)),
        ("itemsize", format!("{} bytes", info.itemsize)),
        (
            "nbytes",
            format!("{} bytes from offset {}", info.nbytes, info.data_offset),
        ),
    ];
    if let Some(t) = info.trailing_bytes {
        rows.push(("trailing", format!("{t} bytes after the last record")));
    }
    if let Some(fm) = &info.format {
        rows.insert(1, ("format", fm.name.clone()));
        if let Some(crate::array::Value::Record(fields)) = &fm.header {
            for (i, (name, v)) in fields.iter().enumerate() {
                let label = if i == 0 { "header" } else { "" };
                rows.insert(2 + i, (label, format!("{name} = {}", raw::cell(v, 60))));
            }
        }
    }
    rows.push(("strides", shape(&info.strides)));
    rows.push((
        "flags",
        format!(
            "own data: {}, writeable: {}, C-contiguous: {}, F-contiguous: {}, aligned: {}",
            yes(f.owndata),
            yes(f.writeable),
            yes(f.c_contiguous),
            yes(f.f_contiguous),
            yes(f.aligned)
        ),
    ));
    for (k, v) in rows {
        writeln!(out, "{} {}", style.label(&format!("{k:<10}")), v)?;
    }
    writeln!(out)?;
    let cells: Vec<Vec<String>> = info
        .fields
        .iter()
        .map(|fj| {
            vec![
                if fj.path.is_empty() {
                    "(element)".to_owned()
                } else {
                    fj.path.clone()
                },
                fj.dtype.clone(),
                fj.offset.to_string(),
                shape(&fj.shape),
                shape(&fj.strides),
            ]
        })
        .collect();
    write_table(
        out,
        &["field", "dtype", "offset", "shape", "strides"],
        &[2],
        &cells,
        style,
    )?;
    if let Some(n) = head {
        writeln!(out)?;
        let names: Vec<String> = match dt.as_record() {
            Some(r) => r.fields().iter().map(|f| f.name().to_owned()).collect(),
            None => vec!["value".to_owned()],
        };
        let mut header = vec!["index".to_owned()];
        header.extend(names);
        let mut index = vec![0usize; view.ndim()];
        let mut rows = Vec::new();
        for v in view.values().take(n) {
            let mut row = vec![if index.is_empty() {
                "()".to_owned()
            } else {
                index
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            }];
            match v {
                crate::array::Value::Record(fields) if dt.has_fields() => {
                    row.extend(fields.iter().map(|(_, fv)| raw::cell(fv, 40)));
                }
                other => row.push(raw::cell(&other, 60)),
            }
            rows.push(row);
            for ax in (0..index.len()).rev() {
                index[ax] += 1;
                if index[ax] < view.shape()[ax] {
                    break;
                }
                index[ax] = 0;
            }
        }
        let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
        write_table(out, &header_refs, &[0], &rows, style)?;
        if view.len() > n {
            writeln!(
                out,
                "{}",
                style.dim(&format!("... {} more", view.len() - n))
            )?;
        }
    }
    Ok(())
}

/// An aligned table: `right` lists the columns aligned to the right.
fn write_table(
    out: &mut dyn Write,
    header: &[&str],
    right: &[usize],
    rows: &[Vec<String>],
    style: Style,
) -> io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let fmt_row = |row: &[String]| {
        let mut l = String::new();
        for (i, (c, w)) in row.iter().zip(&widths).enumerate() {
            let pad = " ".repeat(w.saturating_sub(c.chars().count()));
            if right.contains(&i) {
                l.push_str(&pad);
                l.push_str(c);
            } else {
                l.push_str(c);
                l.push_str(&pad);
            }
            l.push_str("  ");
        }
        l.trim_end().to_owned()
    };
    let head: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    writeln!(out, "{}", style.bold(&fmt_row(&head)))?;
    for row in rows {
        writeln!(out, "{}", fmt_row(row))?;
    }
    Ok(())
}

/// Write `dtinspect dtype --json` output: one JSON object and a newline.
///
/// # Errors
/// Only I/O errors of `out`.
pub fn write_dtype_json(out: &mut dyn Write, dt: &DType) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &DTypeJson::new(dt))?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_outside_quotes_are_removed() {
        let text = "# radar record\n[('a', '<i4'),  # the count\n ('b#c', 'f8')]\n";
        let stripped = strip_comments(text);
        assert_eq!(stripped, "\n[('a', '<i4'),  \n ('b#c', 'f8')]\n");
        let dt = DType::parse(stripped.trim()).unwrap();
        assert_eq!(dt.fields()[1].name(), "b#c");
    }

    #[test]
    fn json_follows_the_contract_example() {
        let dt = DType::parse_with(
            "[('a','<i4'),('b','<f8'),('c','<i2',(2,))]",
            &ParseOptions::aligned(true),
        )
        .unwrap();
        let v = serde_json::to_value(DTypeJson::new(&dt)).unwrap();
        assert_eq!(v["itemsize"], 24);
        assert_eq!(v["alignment"], 8);
        assert_eq!(v["str"], "|V24");
        assert_eq!(v["byteorder"], "|");
        assert_eq!(
            v["descr"],
            "[('a', '<i4'), ('', '|V4'), ('b', '<f8'), ('c', '<i2', (2,)), ('', '|V4')]"
        );
        assert_eq!(v["fields"][0]["path"], "a");
        assert_eq!(v["fields"][2]["shape"], serde_json::json!([2]));
        assert_eq!(v["fields"][2]["offset"], 16);
        assert_eq!(v["fields"][2]["itemsize"], 2);
    }

    #[test]
    fn human_output_has_no_escapes_when_plain() {
        let dt = DType::parse("[('a','<u2'),('s',[('x','u1'),('y','>f8')])]").unwrap();
        let mut out = Vec::new();
        write_dtype_human(&mut out, &dt, Style::PLAIN).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('\x1b'));
        assert!(text.contains("mixed"), "{text}");
        assert!(text.contains("\n     3     8    y    >f8"), "{text}");
        let mut out = Vec::new();
        write_dtype_human(&mut out, &dt, Style::new(true)).unwrap();
        assert!(String::from_utf8(out).unwrap().contains("\x1b[1m"));
    }
}
