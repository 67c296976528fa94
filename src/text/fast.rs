//! The fast path of `loadtxt`, for the common case: no quote character, at most one
//! single-character comment marker, a whitespace or ASCII delimiter. Fields are slices of
//! the input (no allocation per field), values are converted straight into the output
//! records, and large inputs are split at line boundaries and parsed on every core.
//!
//! It produces exactly what the general tokenizer produces; `loadtxt_str` falls back to
//! that tokenizer for anything this path does not handle (quotes, several or long comment
//! markers, a lone carriage return inside the text).

use memchr::memchr;

use super::convert::convert;
use crate::array::AlignedBuf;
use crate::dtype::Scalar;
use crate::error::{Error, ErrorKind, Location, Result};

/// Parsed records, their count, and the column count of a plain dtype.
/// The records (in their final, aligned buffer: each chunk's bytes are copied once), their
/// count, and the column count of a plain dtype with the line of the row that set it.
pub(crate) type Parsed = (AlignedBuf, usize, Option<(usize, u64)>);

/// Where each input column goes in a record.
pub(crate) struct Target {
    pub offset: usize,
    pub scalar: Scalar,
}

/// What the fast path needs to know.
pub(crate) struct Plan<'a> {
    pub comment: Option<u8>,
    pub delimiter: Option<u8>,
    pub usecols: Option<&'a [isize]>,
    /// Structured: the leaf columns. Plain: empty, and `plain` is the scalar.
    pub columns: &'a [Target],
    pub plain: Option<Scalar>,
    pub itemsize: usize,
    pub max_rows: Option<usize>,
    /// Plain dtypes: the column count set by an earlier block of the same input.
    pub ncols: Option<usize>,
}

/// The parsed rows of one chunk.
pub(crate) struct Chunk {
    pub data: Vec<u8>,
    pub rows: usize,
    /// Columns of the first row (plain dtypes) and the line of that row.
    pub first_cols: Option<(usize, u64)>,
}

/// An error found in a chunk, with the line relative to the chunk's first line (0-based).
pub(crate) struct ChunkError {
    pub rel_line: u64,
    pub column: u64,
    pub kind: ErrorKind,
    pub message: String,
    /// For conversion errors: the data row within the chunk, for NumPy's row number.
    pub row: Option<usize>,
}

impl ChunkError {
    fn plain(rel_line: u64, kind: ErrorKind, message: String) -> Self {
        ChunkError {
            rel_line,
            column: 1,
            kind,
            message,
            row: None,
        }
    }

    pub fn into_error(self, first_line: u64, rows_before: usize) -> Error {
        let message = match self.row {
            Some(r) => format!(
                "{}; NumPy counts this as data row {})",
                self.message,
                rows_before + r
            ),
            None => self.message,
        };
        Error::new(self.kind, message).at(Location::Line {
            line: first_line + self.rel_line,
            column: self.column,
        })
    }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\x0b' | b'\x0c' | b'\r')
}

/// Parse the lines of `text` (which starts at a line start). `row_base` is the number of
/// data rows before this chunk (for messages only).
pub(crate) fn parse_chunk(
    text: &str,
    plan: &Plan<'_>,
    row_base: usize,
) -> std::result::Result<Chunk, ChunkError> {
    let bytes = text.as_bytes();
    let mut data = Vec::new();
    let mut rows = 0usize;
    let mut first_cols: Option<(usize, u64)> = plan.ncols.map(|n| (n, 0));
    let mut fields: Vec<(usize, usize)> = Vec::with_capacity(16);
    let mut selected: Vec<(usize, usize)> = Vec::with_capacity(16);
    let mut pos = 0usize;
    let mut line = 0u64;
    while pos < bytes.len() {
        if plan.max_rows.is_some_and(|m| row_base + rows >= m) {
            break;
        }
        let end = memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |n| pos + n);
        let mut stop = end;
        if stop > pos && bytes[stop - 1] == b'\r' {
            stop -= 1;
        }
        if let Some(c) = plan.comment {
            if let Some(n) = memchr(c, &bytes[pos..stop]) {
                stop = pos + n;
            }
        }
        // Split into fields (byte ranges of the line).
        fields.clear();
        match plan.delimiter {
            None if !bytes[pos..stop].is_ascii() => {
                // Non-ASCII text: Python's whitespace is Unicode's.
                let mut start: Option<usize> = None;
                for (k, ch) in text[pos..stop].char_indices() {
                    let at = pos + k;
                    match (ch.is_whitespace(), start) {
                        (true, Some(s)) => {
                            fields.push((s, at));
                            start = None;
                        }
                        (false, None) => start = Some(at),
                        _ => {}
                    }
                }
                if let Some(s) = start {
                    fields.push((s, stop));
                }
            }
            None => {
                let mut i = pos;
                while i < stop {
                    while i < stop && is_ws(bytes[i]) {
                        i += 1;
                    }
                    if i >= stop {
                        break;
                    }
                    let s = i;
                    while i < stop && !is_ws(bytes[i]) {
                        i += 1;
                    }
                    fields.push((s, i));
                }
            }
            Some(d) => {
                if stop > pos {
                    let mut s = pos;
                    loop {
                        match memchr(d, &bytes[s..stop]) {
                            Some(n) => {
                                fields.push((s, s + n));
                                s += n + 1;
                            }
                            None => {
                                fields.push((s, stop));
                                break;
                            }
                        }
                    }
                }
            }
        }
        let this_line = line;
        pos = end + 1;
        line += 1;
        if fields.is_empty() {
            continue;
        }
        let use_fields: &[(usize, usize)] = match plan.usecols {
            None => &fields,
            Some(cols) => {
                selected.clear();
                let n = fields.len() as isize;
                for &c in cols {
                    let k = if c < 0 { c + n } else { c };
                    if k < 0 || k >= n {
                        return Err(ChunkError::plain(
                            this_line,
                            ErrorKind::Data,
                            format!("invalid column index {c} for a row with {n} columns"),
                        ));
                    }
                    selected.push(fields[k as usize]);
                }
                &selected
            }
        };
        let expected = match plan.plain {
            None => plan.columns.len(),
            Some(_) => first_cols.get_or_insert((use_fields.len(), this_line)).0,
        };
        if use_fields.len() != expected {
            let message = if plan.plain.is_none() {
                format!(
                    "the dtype needs {expected} columns but the row has {}; use usecols to select a subset",
                    use_fields.len()
                )
            } else {
                format!(
                    "the number of columns changed from {expected} to {}; use usecols to select a subset",
                    use_fields.len()
                )
            };
            return Err(ChunkError::plain(this_line, ErrorKind::Data, message));
        }
        let record = match plan.plain {
            None => plan.itemsize,
            Some(_) => plan.itemsize * expected,
        };
        let start = data.len();
        data.resize(start + record, 0);
        let out = &mut data[start..];
        for (k, &(s, e)) in use_fields.iter().enumerate() {
            let (offset, sc) = match plan.plain {
                None => (plan.columns[k].offset, plan.columns[k].scalar),
                Some(sc) => (k * plan.itemsize, sc),
            };
            let field = &text[s..e];
            if convert(&sc, field, &mut out[offset..offset + sc.size()]).is_err() {
                let shown: String = field.chars().take(60).collect();
                let column = text[..s]
                    .rsplit('\n')
                    .next()
                    .map_or(0, |l| l.chars().count()) as u64
                    + 1;
                return Err(ChunkError {
                    rel_line: this_line,
                    column,
                    kind: ErrorKind::Data,
                    message: format!(
                        "could not convert {shown:?} to {} (field {} of the row",
                        sc.name(),
                        k + 1
                    ),
                    row: Some(row_base + rows),
                });
            }
        }
        rows += 1;
    }
    Ok(Chunk {
        data,
        rows,
        first_cols,
    })
}

/// Split `text` into about `parts` pieces at line boundaries.
pub(crate) fn split_lines(text: &str, parts: usize) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(parts);
    let mut start = 0;
    for k in 1..parts {
        let target = (bytes.len() * k / parts).max(start);
        if target >= bytes.len() {
            break;
        }
        let cut = match memchr(b'\n', &bytes[target..]) {
            Some(n) => target + n + 1,
            None => break,
        };
        out.push(&text[start..cut]);
        start = cut;
    }
    out.push(&text[start..]);
    out
}

/// Parse `text` on every core when it is large and `max_rows` is not set; returns the
/// records, the row count and the column count of plain dtypes.
///
/// # Errors
/// The first error in text order, at its physical line (`first_line` is the line of the
/// first byte of `text`).
pub(crate) fn parse_all(
    text: &str,
    plan: &Plan<'_>,
    first_line: u64,
    rows_before: usize,
) -> Result<Parsed> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pieces = if threads > 1 && plan.max_rows.is_none() && text.len() >= 4 << 20 {
        split_lines(text, threads * 4)
    } else {
        vec![text]
    };
    let results: Vec<std::result::Result<Chunk, ChunkError>> = if pieces.len() == 1 {
        vec![parse_chunk(pieces[0], plan, 0)]
    } else {
        let next = std::sync::atomic::AtomicUsize::new(0);
        let slots: Vec<std::sync::Mutex<Option<std::result::Result<Chunk, ChunkError>>>> =
            pieces.iter().map(|_| std::sync::Mutex::new(None)).collect();
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if k >= pieces.len() {
                        break;
                    }
                    let r = parse_chunk(pieces[k], plan, 0);
                    if let Ok(mut slot) = slots[k].lock() {
                        *slot = Some(r);
                    }
                });
            }
        });
        slots
            .into_iter()
            .map(|m| {
                m.into_inner().ok().flatten().unwrap_or_else(|| {
                    Err(ChunkError::plain(
                        0,
                        ErrorKind::Io,
                        "a parsing thread failed".into(),
                    ))
                })
            })
            .collect()
    };
    // Lines before each piece, for absolute line numbers.
    let mut line = first_line;
    let mut total = 0usize;
    let mut ncols: Option<(usize, u64)> = None;
    let mut chunks = Vec::with_capacity(results.len());
    for (piece, r) in pieces.iter().zip(results) {
        match r {
            Err(e) => return Err(e.into_error(line, rows_before + total)),
            Ok(c) => {
                if let (Some((n, l)), Some((first, _))) = (c.first_cols, ncols) {
                    if n != first {
                        return Err(Error::new(
                            ErrorKind::Data,
                            format!("the number of columns changed from {first} to {n}; use usecols to select a subset"),
                        )
                        .at(Location::Line { line: line + l, column: 1 }));
                    }
                }
                if ncols.is_none() {
                    ncols = c.first_cols.map(|(n, l)| (n, line + l));
                }
                total += c.rows;
                chunks.push(c);
            }
        }
        line += memchr::memchr_iter(b'\n', piece.as_bytes()).count() as u64;
    }
    let data = if chunks.len() == 1 {
        AlignedBuf::from_bytes(&chunks[0].data)
    } else {
        let mut data = AlignedBuf::zeroed(chunks.iter().map(|c| c.data.len()).sum())?;
        let mut at = 0;
        for c in chunks {
            data.as_bytes_mut()[at..at + c.data.len()].copy_from_slice(&c.data);
            at += c.data.len();
        }
        data
    };
    Ok((data, total, ncols))
}
