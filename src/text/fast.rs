//! The fast path of `loadtxt`, for the common case: at most one single-character comment
//! marker, a whitespace or ASCII delimiter, and quoting only of whole fields on one line
//! (with a delimiter). Fields are slices of the input (no allocation per field), values
//! are converted straight into the output records, and large inputs are split at line
//! boundaries and parsed on every core.
//!
//! It produces exactly what the general tokenizer produces; `loadtxt_str` falls back to
//! that tokenizer for anything this path does not handle (quoting beyond the plain shape,
//! which stops it midway; several or long comment markers; a lone carriage return inside
//! the text).

use memchr::memchr;

use super::convert::convert;
use super::fused::{Col, Fused};
use crate::array::AlignedBuf;
use crate::dtype::Scalar;
use crate::error::{Error, ErrorKind, Location, Result};

/// Parsed records, their count, and the column count of a plain dtype.
/// The records (in their final, aligned buffer: each chunk's bytes are copied once), their
/// count, and the column count of a plain dtype with the line of the row that set it.
pub(crate) type Parsed = (AlignedBuf, usize, Option<(usize, u64)>);

/// Records appended to a caller's buffer: their count, and a plain dtype's column count
/// with the physical line that set it.
pub(crate) type Appended = (usize, Option<(usize, u64)>);

/// Where each input column goes in a record.
pub(crate) struct Target {
    pub offset: usize,
    pub scalar: Scalar,
}

/// What the fast path needs to know.
pub(crate) struct Plan<'a> {
    pub comment: Option<u8>,
    pub delimiter: Option<u8>,
    /// The quote character, with a delimiter only. A line holding it is split quote by
    /// quote; one that needs more than a field closed on its own line, followed by the
    /// delimiter or the line's end (an open quote at the line's end, `""`, text after the
    /// closing quote), stops the fast path with [`ChunkError::needs_general`].
    pub quote: Option<u8>,
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
    /// Not an error of the input: the fast path declines it (see [`needs_general`]).
    pub declined: bool,
}

/// The message of [`ChunkError::needs_general`].
const NEEDS_GENERAL: &str = "a quoted field the fast path does not split";

impl ChunkError {
    /// A line with quoting that only the general tokenizer reads (a quoted newline may
    /// start there): the whole text goes to it.
    fn needs_general(rel_line: u64) -> Self {
        ChunkError {
            declined: true,
            ..ChunkError::plain(rel_line, ErrorKind::Unsupported, NEEDS_GENERAL.into())
        }
    }

    fn plain(rel_line: u64, kind: ErrorKind, message: String) -> Self {
        ChunkError {
            rel_line,
            column: 1,
            kind,
            message,
            row: None,
            declined: false,
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
        let e = Error::new(self.kind, message).at(Location::Line {
            line: first_line + self.rel_line,
            column: self.column,
        });
        if self.declined {
            e.declined()
        } else {
            e
        }
    }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\x0b' | b'\x0c' | b'\r')
}

/// Where parsed records go: a growing vector, or a window of the final buffer that has
/// room for every line of its piece of text.
pub(crate) trait Records {
    /// A new record of `len` bytes at the end, zeroed where no field will be written;
    /// `None` when there is no room.
    fn push(&mut self, len: usize) -> Option<&mut [u8]>;
    /// Rows from `pos` parsed by `fused` into records of `len` bytes, at most `max` of them,
    /// until it declines a row or the text ends: where it stopped and the rows parsed.
    fn fused_rows(
        &mut self,
        fused: &Fused,
        text: &[u8],
        pos: usize,
        len: usize,
        max: usize,
    ) -> (usize, usize);
}

impl Records for Vec<u8> {
    #[inline]
    fn push(&mut self, len: usize) -> Option<&mut [u8]> {
        let start = self.len();
        self.resize(start + len, 0);
        Some(&mut self[start..])
    }

    fn fused_rows(
        &mut self,
        fused: &Fused,
        text: &[u8],
        mut pos: usize,
        len: usize,
        max: usize,
    ) -> (usize, usize) {
        // In batches of zeroed records, the unused ones cut off again.
        const BATCH: usize = 1024;
        let mut rows = 0;
        loop {
            let want = (max - rows).min(BATCH);
            let start = self.len();
            self.resize(start + want * len, 0);
            let (next, n) = fused.rows(text, pos, &mut self[start..], len, false);
            self.truncate(start + n * len);
            pos = next;
            rows += n;
            if n < want || rows == max {
                return (pos, rows);
            }
        }
    }
}

/// A window of the final buffer, filled from its start.
pub(crate) struct Window<'a> {
    buf: &'a mut [u8],
    used: usize,
    /// Whether records have bytes no field writes (which must be zero; the window may
    /// hold older bytes).
    zero: bool,
}

impl Records for Window<'_> {
    #[inline]
    fn push(&mut self, len: usize) -> Option<&mut [u8]> {
        let start = self.used;
        let rec = self.buf.get_mut(start..start + len)?;
        if self.zero {
            rec.fill(0);
        }
        self.used += len;
        Some(rec)
    }

    fn fused_rows(
        &mut self,
        fused: &Fused,
        text: &[u8],
        pos: usize,
        len: usize,
        max: usize,
    ) -> (usize, usize) {
        let room = &mut self.buf[self.used..];
        let room_len = (room.len() / len.max(1)).min(max).saturating_mul(len);
        let (next, n) = fused.rows(text, pos, &mut room[..room_len], len, self.zero);
        self.used += n * len;
        (next, n)
    }
}

/// Whether `e` is [`ChunkError::needs_general`]'s error.
pub(crate) fn needs_general(e: &Error) -> bool {
    e.is_declined()
}

/// The fields of the line `bytes[pos..stop]` (its newline and carriage return cut off) when
/// it holds the quote character `q`: byte ranges, a quoted field's without its quotes. A
/// comment marker outside quotes ends the line; `None` when a quoted field is not closed
/// on the line and followed by the delimiter or the line's end.
fn split_quoted(
    bytes: &[u8],
    (pos, stop): (usize, usize),
    (d, q, comment): (u8, u8, Option<u8>),
    fields: &mut Vec<(usize, usize)>,
) -> Option<()> {
    if stop == pos || Some(bytes[pos]) == comment {
        return Some(());
    }
    let mut s = pos;
    loop {
        if s < stop && bytes[s] == q {
            let close = s + 1 + memchr(q, &bytes[s + 1..stop])?;
            fields.push((s + 1, close));
            match bytes.get(close + 1) {
                _ if close + 1 == stop => return Some(()),
                Some(&c) if c == d => s = close + 2,
                _ => return None,
            }
            continue;
        }
        let found = match comment {
            Some(c) => memchr::memchr2(d, c, &bytes[s..stop]),
            None => memchr(d, &bytes[s..stop]),
        };
        match found {
            Some(n) if bytes[s + n] == d => {
                fields.push((s, s + n));
                s += n + 1;
            }
            Some(n) => {
                fields.push((s, s + n));
                return Some(());
            }
            None => {
                fields.push((s, stop));
                return Some(());
            }
        }
    }
}

/// Parse the lines of `text` (which starts at a line start) into `out`. `row_base` is the
/// number of data rows before this chunk (for messages only). Returns the rows and, for
/// plain dtypes, the column count of the first row and its line.
pub(crate) fn parse_chunk<R: Records>(
    text: &str,
    plan: &Plan<'_>,
    row_base: usize,
    out: &mut R,
) -> std::result::Result<(usize, Option<(usize, u64)>), ChunkError> {
    let bytes = text.as_bytes();
    let mut rows = 0usize;
    let mut first_cols: Option<(usize, u64)> = plan.ncols.map(|n| (n, 0));
    let mut fields: Vec<(usize, usize)> = Vec::with_capacity(16);
    let mut selected: Vec<(usize, usize)> = Vec::with_capacity(16);
    let mut pos = 0usize;
    let mut line = 0u64;
    // The fused row parser, once the columns are known (for plain dtypes, after the first
    // row has set their count).
    let fused_for = |ncols: usize| -> Option<Fused> {
        if plan.usecols.is_some() {
            return None;
        }
        let cols = match plan.plain {
            None => plan
                .columns
                .iter()
                .map(|c| Col::of(c.offset, &c.scalar))
                .collect::<Option<Vec<_>>>()?,
            Some(sc) => (0..ncols)
                .map(|k| Col::of(k * plan.itemsize, &sc))
                .collect::<Option<Vec<_>>>()?,
        };
        Fused::new(cols, plan.delimiter, plan.comment)?.with_quote(plan.quote)
    };
    let mut fused = match plan.plain {
        None => fused_for(0),
        Some(_) => first_cols.and_then(|(n, _)| fused_for(n)),
    };
    let mut fused_tried = fused.is_some() || plan.plain.is_none();
    let mut fused_record = match plan.plain {
        None => plan.itemsize,
        Some(_) => first_cols.map_or(0, |(n, _)| n * plan.itemsize),
    };
    while pos < bytes.len() {
        if plan.max_rows.is_some_and(|m| row_base + rows >= m) {
            break;
        }
        if !fused_tried {
            if let Some((n, _)) = first_cols {
                fused = fused_for(n);
                fused_record = n * plan.itemsize;
                fused_tried = true;
            }
        }
        if let Some(f) = &fused {
            let max = plan
                .max_rows
                .map_or(usize::MAX, |m| m.saturating_sub(row_base + rows));
            let (next, n) = out.fused_rows(f, bytes, pos, fused_record, max);
            pos = next;
            line += n as u64;
            rows += n;
            if pos >= bytes.len() || n == max {
                continue;
            }
            // The fused parser declined this line: the line-by-line parser decides.
        }
        let end = memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |n| pos + n);
        let mut stop = end;
        if stop > pos && bytes[stop - 1] == b'\r' {
            stop -= 1;
        }
        fields.clear();
        let quoted = match (plan.quote, plan.delimiter) {
            (Some(q), Some(d)) if memchr(q, &bytes[pos..stop]).is_some() => {
                if split_quoted(bytes, (pos, stop), (d, q, plan.comment), &mut fields).is_none() {
                    return Err(ChunkError::needs_general(line));
                }
                true
            }
            _ => false,
        };
        if quoted {
            // Split above.
        } else if let Some(c) = plan.comment {
            if let Some(n) = memchr(c, &bytes[pos..stop]) {
                stop = pos + n;
            }
        }
        // Split into fields (byte ranges of the line).
        match plan.delimiter {
            _ if quoted => {}
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
        let rec = out.push(record).ok_or_else(no_room)?;
        for (k, &(s, e)) in use_fields.iter().enumerate() {
            let (offset, sc) = match plan.plain {
                None => (plan.columns[k].offset, plan.columns[k].scalar),
                Some(sc) => (k * plan.itemsize, sc),
            };
            let field = &text[s..e];
            if convert(&sc, field, &mut rec[offset..offset + sc.size()]).is_err() {
                let shown: String = field.chars().take(60).collect();
                // A quoted field's column is its opening quote's, as the tokenizer counts.
                let start = if plan.quote.is_some_and(|q| s > 0 && bytes[s - 1] == q) {
                    s - 1
                } else {
                    s
                };
                let column = text[..start]
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
                    declined: false,
                });
            }
        }
        rows += 1;
    }
    Ok((rows, first_cols))
}

/// A window too small for its rows: cannot happen (a window has room for every line).
fn no_room() -> ChunkError {
    ChunkError::plain(
        0,
        ErrorKind::Limit,
        "internal error: no room for a parsed row".into(),
    )
}

/// [`parse_chunk`] into a vector.
fn parse_chunk_vec(
    text: &str,
    plan: &Plan<'_>,
    row_base: usize,
) -> std::result::Result<Chunk, ChunkError> {
    let mut data = Vec::new();
    let (rows, first_cols) = parse_chunk(text, plan, row_base, &mut data)?;
    Ok(Chunk {
        data,
        rows,
        first_cols,
    })
}

/// Split `text` into about `parts` pieces at line boundaries.
pub(crate) fn split_lines(text: &str, parts: usize) -> Vec<&str> {
    let cuts = split_cuts(text.as_bytes(), parts);
    cuts.windows(2).map(|w| &text[w[0]..w[1]]).collect()
}

/// The boundaries of about `parts` pieces of `bytes` cut after newlines: piece `k` is
/// `cuts[k]..cuts[k + 1]`.
pub(crate) fn split_cuts(bytes: &[u8], parts: usize) -> Vec<usize> {
    let mut cuts = Vec::with_capacity(parts + 1);
    cuts.push(0);
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
        cuts.push(cut);
        start = cut;
    }
    cuts.push(bytes.len());
    cuts
}

/// A text cut into pieces at line starts, with the newlines of each piece: made by the
/// thread that reads a block while the previous block is parsed.
pub(crate) struct Layout {
    cuts: Vec<usize>,
    newlines: Vec<u64>,
}

impl Layout {
    /// The layout of `bytes`: several pieces when `split` (no `max_rows`) and it is large.
    pub fn of(bytes: &[u8], split: bool) -> Layout {
        let threads = crate::cores();
        let cuts = if threads > 1 && split && bytes.len() >= 1 << 20 {
            split_cuts(bytes, threads * 4)
        } else {
            vec![0, bytes.len()]
        };
        let newlines = cuts
            .windows(2)
            .map(|w| memchr::memchr_iter(b'\n', &bytes[w[0]..w[1]]).count() as u64)
            .collect();
        Layout { cuts, newlines }
    }
}

/// The parsed chunks of a text, in order, with their totals.
pub(crate) struct Pieces {
    pub chunks: Vec<Chunk>,
    pub rows: usize,
    /// The column count of a plain dtype and the physical line of the row that set it.
    pub ncols: Option<(usize, u64)>,
    /// The newlines in the text.
    pub newlines: u64,
}

impl Pieces {
    /// The records in one aligned buffer.
    ///
    /// # Errors
    /// When the buffer cannot be allocated.
    pub fn into_parsed(self) -> Result<Parsed> {
        let data = if self.chunks.len() == 1 {
            AlignedBuf::from_bytes(&self.chunks[0].data)
        } else {
            let mut data = AlignedBuf::zeroed(self.chunks.iter().map(|c| c.data.len()).sum())?;
            let mut at = 0;
            for c in self.chunks {
                data.as_bytes_mut()[at..at + c.data.len()].copy_from_slice(&c.data);
                at += c.data.len();
            }
            data
        };
        Ok((data, self.rows, self.ncols))
    }
}

/// Append the records of `chunks` to `out`, copying on every core when they are large.
pub(crate) fn append_chunks(out: &mut AlignedBuf, chunks: &[Chunk]) {
    let total: usize = chunks.iter().map(|c| c.data.len()).sum();
    out.reserve(total);
    let threads = crate::cores();
    let spare = &mut out.spare_mut()[..total];
    if threads == 1 || total < 1 << 20 {
        let mut at = 0;
        for c in chunks {
            spare[at..at + c.data.len()].copy_from_slice(&c.data);
            at += c.data.len();
        }
    } else {
        // Each thread takes a run of chunks of about the same number of bytes.
        let mut groups: Vec<(&mut [u8], &[Chunk])> = Vec::with_capacity(threads);
        let (mut rest, mut left) = (spare, chunks);
        for k in 0..threads {
            let share = total * (k + 1) / threads;
            let done = total - rest.len();
            let mut n = 0;
            let mut bytes = 0;
            while n < left.len() && (done + bytes < share || k + 1 == threads) {
                bytes += left[n].data.len();
                n += 1;
            }
            let (dst, r) = rest.split_at_mut(bytes);
            groups.push((dst, &left[..n]));
            rest = r;
            left = &left[n..];
        }
        std::thread::scope(|s| {
            for (dst, group) in groups {
                s.spawn(move || {
                    let mut at = 0;
                    for c in group {
                        dst[at..at + c.data.len()].copy_from_slice(&c.data);
                        at += c.data.len();
                    }
                });
            }
        });
    }
    out.grow_len(total);
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
    out: &mut AlignedBuf,
) -> Result<Appended> {
    if plan.plain.is_none() {
        let d = parse_direct(
            text.as_bytes(),
            &Layout::of(text.as_bytes(), plan.max_rows.is_none()),
            plan,
            (first_line, rows_before),
            out,
            (plan.itemsize, has_gaps(plan)),
        )?;
        return Ok((d.rows, d.ncols));
    }
    let pieces = parse_pieces(text, plan, first_line, rows_before)?;
    if out.is_empty() && out.capacity() == 0 {
        let (data, rows, ncols) = pieces.into_parsed()?;
        *out = data;
        return Ok((rows, ncols));
    }
    append_chunks(out, &pieces.chunks);
    Ok((pieces.rows, pieces.ncols))
}

/// Whether a structured record has bytes that no column writes (padding, or bytes of no
/// field), which must be zero in the output.
pub(crate) fn has_gaps(plan: &Plan<'_>) -> bool {
    if plan.plain.is_some() {
        return false;
    }
    let mut covered = vec![false; plan.itemsize];
    for c in plan.columns {
        let end = (c.offset + c.scalar.size()).min(plan.itemsize);
        if let Some(s) = covered.get_mut(c.offset..end) {
            s.fill(true);
        }
    }
    covered.contains(&false)
}

/// `f` of every index below `n`, computed on up to `threads` threads taking indices in
/// turn; `None` where a thread failed.
pub(crate) fn parallel_map<T: Send>(
    n: usize,
    threads: usize,
    f: impl Fn(usize) -> T + Sync,
) -> Vec<Option<T>> {
    if n <= 1 || threads <= 1 {
        return (0..n).map(|k| Some(f(k))).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<T>>> =
        (0..n).map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads.min(n) {
            s.spawn(|| loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if k >= n {
                    break;
                }
                let r = f(k);
                if let Ok(mut slot) = slots[k].lock() {
                    *slot = Some(r);
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|m| m.into_inner().ok().flatten())
        .collect()
}

fn thread_failed() -> ChunkError {
    ChunkError::plain(0, ErrorKind::Io, "a parsing thread failed".into())
}

/// The pieces `text` is parsed in: several when it is large and `max_rows` is not set.
fn pieces_of<'t>(text: &'t str, plan: &Plan<'_>, threads: usize) -> Vec<&'t str> {
    if threads > 1 && plan.max_rows.is_none() && text.len() >= 1 << 20 {
        split_lines(text, threads * 4)
    } else {
        vec![text]
    }
}

/// What [`parse_direct`] found.
pub(crate) struct Direct {
    pub rows: usize,
    /// The column count of a plain dtype and the physical line of the row that set it.
    pub ncols: Option<(usize, u64)>,
    /// The newlines in the text.
    pub newlines: u64,
}

/// Parse `text` (laid out in `layout`; its first line is `first_line`, after `rows_before`
/// data rows) on every core, appending its records of `record` bytes (`zero`: with bytes
/// no field writes) straight to `out`: each piece of the text gets a window of `out` with
/// room for all its lines, and the windows are closed up afterwards.
///
/// # Errors
/// As [`parse_all`].
pub(crate) fn parse_direct(
    text: &[u8],
    layout: &Layout,
    plan: &Plan<'_>,
    (first_line, rows_before): (u64, usize),
    out: &mut AlignedBuf,
    (record, zero): (usize, bool),
) -> Result<Direct> {
    let threads = crate::cores();
    let pieces: Vec<&[u8]> = layout.cuts.windows(2).map(|w| &text[w[0]..w[1]]).collect();
    let newlines = &layout.newlines;
    // A piece has at most one row per newline, plus one for a last line without its
    // newline: with the room exact, full windows need no closing up.
    let room: Vec<usize> = pieces
        .iter()
        .zip(newlines)
        .map(|(p, &n)| (n as usize + usize::from(p.last() != Some(&b'\n'))).saturating_mul(record))
        .collect();
    let total = room.iter().fold(0usize, |a, &r| a.saturating_add(r));
    out.reserve(total);
    if out.spare_mut().len() < total {
        return Err(Error::new(
            ErrorKind::Limit,
            "cannot allocate the parsed rows",
        ));
    }
    let base = out.len();
    let mut windows: Vec<std::sync::Mutex<Option<Window<'_>>>> = Vec::with_capacity(pieces.len());
    let mut rest = &mut out.spare_mut()[..total];
    for &r in &room {
        let (w, tail) = rest.split_at_mut(r);
        windows.push(std::sync::Mutex::new(Some(Window {
            buf: w,
            used: 0,
            zero,
        })));
        rest = tail;
    }
    let results = parallel_map(pieces.len(), threads, |k| {
        let mut w = windows[k].lock().ok().and_then(|mut w| w.take())?;
        // Each piece is checked as UTF-8 by its own worker.
        let r = match super::loadtxt::utf8(pieces[k]) {
            Ok(piece) => parse_chunk(piece, plan, 0, &mut w),
            Err(e) => {
                let (line, column) = super::loadtxt::utf8_error_at(pieces[k], &e);
                Err(ChunkError {
                    rel_line: line - 1,
                    column,
                    kind: ErrorKind::Data,
                    message: super::loadtxt::UTF8_ERROR.into(),
                    row: None,
                    declined: false,
                })
            }
        };
        Some(r.map(|(rows, cols)| (rows, cols, w.used)))
    });
    drop(windows);
    let mut line = first_line;
    let mut total_rows = 0usize;
    let mut ncols: Option<(usize, u64)> = None;
    let mut used = Vec::with_capacity(pieces.len());
    for (r, n) in results.into_iter().zip(newlines) {
        match r.flatten().unwrap_or_else(|| Err(thread_failed())) {
            Err(e) => return Err(e.into_error(line, rows_before + total_rows)),
            Ok((rows, cols, bytes)) => {
                check_cols(&mut ncols, cols, line)?;
                total_rows += rows;
                used.push(bytes);
            }
        }
        line += n;
    }
    // Close up the windows.
    let spare = out.spare_mut();
    let (mut at, mut from) = (0usize, 0usize);
    for (u, r) in used.iter().zip(&room) {
        if at != from {
            spare.copy_within(from..from + u, at);
        }
        at += u;
        from += r;
    }
    out.grow_len(at);
    debug_assert_eq!(out.len(), base + at);
    Ok(Direct {
        rows: total_rows,
        ncols,
        newlines: line - first_line,
    })
}

/// Check a piece's column count (plain dtypes) against the first one seen.
fn check_cols(
    ncols: &mut Option<(usize, u64)>,
    cols: Option<(usize, u64)>,
    line: u64,
) -> Result<()> {
    if let (Some((n, l)), Some((first, _))) = (cols, *ncols) {
        if n != first {
            return Err(Error::new(
                ErrorKind::Data,
                format!("the number of columns changed from {first} to {n}; use usecols to select a subset"),
            )
            .at(Location::Line { line: line + l, column: 1 }));
        }
    }
    if ncols.is_none() {
        *ncols = cols.map(|(n, l)| (n, line + l));
    }
    Ok(())
}

/// [`parse_all`], leaving the records in their chunks.
pub(crate) fn parse_pieces(
    text: &str,
    plan: &Plan<'_>,
    first_line: u64,
    rows_before: usize,
) -> Result<Pieces> {
    let threads = crate::cores();
    let pieces = pieces_of(text, plan, threads);
    // Each piece is parsed and its newlines counted by the same worker.
    let results = parallel_map(pieces.len(), threads, |k| {
        let r = parse_chunk_vec(pieces[k], plan, 0);
        let newlines = memchr::memchr_iter(b'\n', pieces[k].as_bytes()).count() as u64;
        (r, newlines)
    });
    // Lines before each piece, for absolute line numbers.
    let mut line = first_line;
    let mut total = 0usize;
    let mut ncols: Option<(usize, u64)> = None;
    let mut chunks = Vec::with_capacity(results.len());
    for r in results {
        let (r, newlines) = r.unwrap_or_else(|| (Err(thread_failed()), 0));
        match r {
            Err(e) => return Err(e.into_error(line, rows_before + total)),
            Ok(c) => {
                check_cols(&mut ncols, c.first_cols, line)?;
                total += c.rows;
                chunks.push(c);
            }
        }
        line += newlines;
    }
    Ok(Pieces {
        chunks,
        rows: total,
        ncols,
        newlines: line - first_line,
    })
}
