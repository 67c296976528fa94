//! NumPy's `fromregex`: every match of a regular expression is a record; its capture groups
//! fill the record's fields in order.
//!
//! Patterns use the `regex` crate's syntax, which is Python's `re` without lookaround and
//! backreferences.

use crate::array::{AlignedBuf, Array, Layout, Order};
use crate::dtype::DType;
use crate::error::{Error, ErrorKind, Location, Result};

use regex_automata::{meta, Anchored, Input};

use super::convert::convert;
use super::fused::Col;
use super::linear::{Direct, Found, Linear};
use super::loadtxt::Blocks;
use super::Encoding;

use std::sync::{Condvar, Mutex};

/// `np.fromregex` on a UTF-8 file (a `.gz` file decompressed on the fly): one record per
/// match of `pattern`. As NumPy opens the file in text mode, its line ends are read as
/// universal newlines: `"\r\n"` and a lone `'\r'` are both `'\n'` to the pattern.
///
/// When no match can hold a newline but as its last byte (`(\d+) (\S+)\n`, and most
/// patterns of one line), the file is streamed: read in blocks cut after newlines, which
/// one thread per core takes in turn, and memory stays near the size of the output. Other
/// patterns (matches that may span lines) scan the whole text. A streamed file reports the
/// first error in the text; NumPy, which decodes the whole file first, reports text that
/// is not UTF-8 before a value that does not convert on an earlier line.
///
/// # Errors
/// As [`fromregex_str`]; I/O errors with the path; text that is not UTF-8, at its line and
/// column.
pub fn fromregex_path(path: &std::path::Path, pattern: &str, dtype: &DType) -> Result<Array> {
    fromregex_path_encoded(path, pattern, dtype, Encoding::Utf8)
}

/// [`fromregex_path`] for a file in `encoding` (NumPy's `encoding` argument).
///
/// # Errors
/// As [`fromregex_path`].
pub fn fromregex_path_encoded(
    path: &std::path::Path,
    pattern: &str,
    dtype: &DType,
    encoding: Encoding,
) -> Result<Array> {
    let compiled = Compiled::new(pattern, dtype, true)?;
    if encoding == Encoding::Utf8 && compiled.line_local {
        let with_path = |e: Error| {
            if e.kind() == ErrorKind::Io {
                Error::new(
                    e.kind(),
                    format!("cannot read {}: {}", path.display(), e.message()),
                )
            } else {
                e
            }
        };
        let file = std::fs::File::open(path).map_err(|e| with_path(e.into()))?;
        if path.extension().is_some_and(|e| e == "gz") {
            let gz = flate2::read::MultiGzDecoder::new(file);
            return stream(gz, None, &compiled, BLOCK, crate::cores()).map_err(with_path);
        }
        let size = file
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        return stream(file, size, &compiled, BLOCK, crate::cores()).map_err(with_path);
    }
    let mut bytes = super::input::read_file(path)?;
    super::input::universal_newlines(&mut bytes);
    let text = super::decode(bytes.as_bytes(), encoding)?;
    compiled.run(&text)
}

/// [`fromregex_path`] on any reader, streamed in blocks of about `block` bytes on
/// `workers` threads when the pattern allows it: for tests and fuzzing to compare with
/// the whole text.
///
/// # Errors
/// As [`fromregex_path`].
#[doc(hidden)]
pub fn fromregex_reader_blocks(
    mut reader: impl std::io::Read + Send,
    pattern: &str,
    dtype: &DType,
    block: usize,
    workers: usize,
) -> Result<Array> {
    let compiled = Compiled::new(pattern, dtype, true)?;
    if compiled.line_local {
        return stream(reader, None, &compiled, block, workers);
    }
    let mut bytes = AlignedBuf::default();
    super::input::read_rest(&mut reader, &mut bytes)?;
    super::input::universal_newlines(&mut bytes);
    let text = super::decode(bytes.as_bytes(), Encoding::Utf8)?;
    compiled.run(&text)
}

/// `np.fromregex` on text: one record per match of `pattern`.
///
/// # Errors
/// A dtype without fields (as NumPy), nested or subarray fields, a pattern that does not
/// compile, a group count different from the field count, or a group that does not
/// convert (at its line and column).
pub fn fromregex_str(text: &str, pattern: &str, dtype: &DType) -> Result<Array> {
    Compiled::new(pattern, dtype, true)?.run(text)
}

/// [`fromregex_str`] with the regex engine alone (no forward walk, no fused conversions),
/// for tests and fuzzing to compare with.
#[doc(hidden)]
pub fn fromregex_str_engine(text: &str, pattern: &str, dtype: &DType) -> Result<Array> {
    Compiled::new(pattern, dtype, false)?.run(text)
}

/// The blocks a streamed file is read in.
const BLOCK: usize = 4 << 20;

/// A pattern and a dtype made ready to scan texts with.
struct Compiled {
    dtype: DType,
    re: meta::Regex,
    /// The pattern as a forward walk, when it is one.
    linear: Option<Linear>,
    /// The walk converting as it goes, when the groups and fields allow it.
    direct: Option<Direct>,
    groups: usize,
    leaves: Vec<crate::dtype::LeafField>,
    cols: Vec<Option<Col>>,
    /// Whether no match can hold a newline before its last byte: then no match spans a
    /// cut made after a newline, and a text can be scanned in blocks cut there.
    line_local: bool,
}

impl Compiled {
    /// `pattern` for records of `dtype`, with the walk and the fused conversions when
    /// `fast`.
    fn new(pattern: &str, dtype: &DType, fast: bool) -> Result<Compiled> {
        let Some(record) = dtype.as_record() else {
            return Err(Error::new(
                ErrorKind::Argument,
                "dtype must be a structured datatype",
            ));
        };
        let leaves = dtype.leaf_fields();
        if leaves.len() != record.fields().len() || leaves.iter().any(|l| !l.shape.is_empty()) {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "fromregex fills flat records: nested records and subarray fields are not supported",
            ));
        }
        let re = meta::Regex::new(pattern).map_err(|e| {
            Error::new(
                ErrorKind::Argument,
                format!("invalid regular expression: {e}"),
            )
        })?;
        let groups = re.group_info().group_len(regex_automata::PatternID::ZERO) - 1;
        // No group: the whole match is the one value, as re.findall returns it.
        let wanted = groups.max(1);
        if wanted != leaves.len() && wanted != 1 {
            return Err(Error::new(
                ErrorKind::Argument,
                format!(
                    "the pattern has {groups} capture groups for a dtype of {} fields",
                    leaves.len()
                ),
            ));
        }
        if wanted != leaves.len() {
            return Err(Error::new(
                ErrorKind::Argument,
                format!(
                    "one value per match for a dtype of {} fields: use one group per field",
                    leaves.len()
                ),
            ));
        }
        let walk = Linear::new(pattern).filter(|l| l.groups() == groups);
        let line_local = walk.as_ref().is_some_and(Linear::line_local);
        let linear = walk.filter(|_| fast);
        let cols: Vec<Option<Col>> = leaves
            .iter()
            .map(|l| Col::of(l.offset, &l.dtype).filter(|c| fast && c.converts_exactly()))
            .collect();
        let direct = linear
            .as_ref()
            .and_then(|l| Direct::new(l, &cols, dtype.itemsize()));
        Ok(Compiled {
            dtype: dtype.clone(),
            re,
            linear,
            direct,
            groups,
            leaves,
            cols,
            line_local,
        })
    }

    /// The scanner of `text`.
    fn scanner<'a>(&'a self, text: &'a str) -> Scanner<'a> {
        Scanner {
            re: &self.re,
            linear: self.linear.as_ref(),
            direct: self.direct.as_ref(),
            text,
            groups: self.groups,
            leaves: &self.leaves,
            cols: &self.cols,
            itemsize: self.dtype.itemsize(),
            // The engine's matches may be empty: a text of n bytes holds up to n + 1 of
            // them.
            min_len: self.linear.as_ref().map_or(1, Linear::min_len),
        }
    }

    /// Every match of `text` as records.
    fn run(&self, text: &str) -> Result<Array> {
        let data = self
            .scanner(text)
            .run(AlignedBuf::default(), &mut Vec::new())?;
        self.array(data)
    }

    fn array(&self, data: AlignedBuf) -> Result<Array> {
        let rows = data.len() / self.dtype.itemsize().max(1);
        let layout = Layout::contiguous(self.dtype.clone(), &[rows], Order::C)?;
        Array::from_parts(data, layout)
    }
}

/// The matches of a reader's text, for a line-local pattern, on `workers` threads. Each
/// worker takes the next block of the reader (cut after a newline: no match spans a cut),
/// turns its line ends into `'\n'`, checks it and scans it into its own buffer; then, in
/// block order, appends the records to the output while the other workers read and scan
/// the next blocks. No stitching is needed: a block's matches are those the whole text's
/// scan finds in it. Errors are reported in block order, so the first one in the text
/// wins, as in the sequential scan.
fn stream(
    reader: impl std::io::Read + Send,
    size: Option<u64>,
    compiled: &Compiled,
    block: usize,
    workers: usize,
) -> Result<Array> {
    let input = Mutex::new(Source {
        blocks: Blocks::new(reader, block),
        next: 0,
    });
    let output = Mutex::new(Output {
        out: AlignedBuf::default(),
        turn: 0,
        line_base: 0,
        failed: None,
    });
    let turn = Condvar::new();
    std::thread::scope(|scope| {
        for _ in 0..workers.max(1) {
            scope.spawn(|| work(&input, &output, &turn, compiled, size));
        }
    });
    let output = output
        .into_inner()
        .map_err(|_| Error::new(ErrorKind::Io, "a scanning thread failed"))?;
    match output.failed {
        Some(e) => Err(e),
        None => compiled.array(output.out),
    }
}

/// The reader of a stream, shared by its workers.
struct Source<R> {
    blocks: Blocks<R>,
    /// The index of the next block.
    next: usize,
}

/// The output of a stream, shared by its workers.
struct Output {
    out: AlignedBuf,
    /// The index of the block whose records go next.
    turn: usize,
    /// The lines of the blocks appended so far.
    line_base: u64,
    /// The first error in the text; the workers stop.
    failed: Option<Error>,
}

/// Marks the stream failed when its worker unwinds.
struct StopOnPanic<'a> {
    output: &'a Mutex<Output>,
    turn: &'a Condvar,
}

impl Drop for StopOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut out = self
                .output
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            out.failed
                .get_or_insert_with(|| Error::new(ErrorKind::Io, "a scanning thread failed"));
            self.turn.notify_all();
        }
    }
}

/// One worker of [`stream`]: blocks taken in turn, scanned, and appended in order.
fn work<R: std::io::Read>(
    input: &Mutex<Source<R>>,
    output: &Mutex<Output>,
    turn: &Condvar,
    compiled: &Compiled,
    size: Option<u64>,
) {
    // A worker that panics stops the others, which would wait for its turn forever.
    let _stop = StopOnPanic { output, turn };
    let mut records = AlignedBuf::default();
    loop {
        let (index, read) = {
            let Ok(mut input) = input.lock() else { return };
            let index = input.next;
            match input.blocks.next_block() {
                Ok(None) => return,
                Ok(Some(b)) => {
                    input.next += 1;
                    (index, Ok(b))
                }
                Err(e) => {
                    input.next += 1;
                    (index, Err(e))
                }
            }
        };
        // A failed read is reported in its turn, like any error of its block.
        let mut block = None;
        let scanned = read.and_then(|mut b| {
            super::input::universal_newlines(&mut b);
            let bytes = b.as_bytes();
            let lines = memchr::memchr_iter(b'\n', bytes).count() as u64;
            let text = super::loadtxt::utf8(bytes).map_err(|e| {
                let (line, column) = super::loadtxt::utf8_error_at(bytes, &e);
                Error::new(ErrorKind::Data, super::loadtxt::UTF8_ERROR)
                    .at(Location::Line { line, column })
            })?;
            records.truncate(0);
            let data =
                compiled
                    .scanner(text)
                    .run_in(1, std::mem::take(&mut records), &mut Vec::new())?;
            let len = bytes.len();
            block = Some(b);
            Ok((data, lines, len))
        });
        let Ok(mut out) = output.lock() else { return };
        while out.turn != index && out.failed.is_none() {
            out = match turn.wait(out) {
                Ok(out) => out,
                Err(_) => return,
            };
        }
        if out.failed.is_some() {
            return;
        }
        match scanned {
            Err(e) => {
                let base = out.line_base;
                out.failed = Some(super::loadtxt::rebase(e, base));
                turn.notify_all();
                return;
            }
            Ok((data, lines, len)) => {
                if index == 0 {
                    if let Some(total) = size {
                        // Room for the whole input's records, estimated from the first block
                        // (room never touched costs no memory).
                        let estimate = data.len() as f64 * total as f64 / len.max(1) as f64;
                        let room = (estimate * 1.1) as usize + (compiled.dtype.itemsize() << 10);
                        out.out.reserve(room);
                    }
                }
                out.out.extend_from_slice(data.as_bytes());
                out.line_base += lines;
                out.turn += 1;
                records = data;
            }
        }
        drop(out);
        turn.notify_all();
        if let (Some(b), Ok(mut input)) = (block, input.lock()) {
            input.blocks.recycle(b);
        }
    }
}

/// Where a scan is: the next search position, and where the last match ended (an empty
/// match right there is skipped, as `re.finditer` does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    pos: usize,
    last_end: Option<usize>,
}

/// Why a scan stopped.
#[derive(Debug)]
enum End {
    /// No match after this point: the whole text is done.
    Done,
    /// The next search would start at or after the scan's stop position.
    At(State),
    /// A match did not convert.
    Failed(Error),
}

/// The matches of one scan, converted into records.
#[derive(Debug)]
struct Chunk {
    data: AlignedBuf,
    /// The state after each of the first [`SYNC`] matches.
    states: Vec<State>,
    /// Whether the first match is an empty match at the scan's start.
    empty_first: bool,
    end: End,
}

/// Matches whose states a chunk keeps for stitching.
const SYNC: usize = 64;

struct Scanner<'a> {
    re: &'a meta::Regex,
    /// The pattern as a forward walk, when it is one.
    linear: Option<&'a Linear>,
    /// The walk converting as it goes, when the groups and fields allow it.
    direct: Option<&'a Direct>,
    text: &'a str,
    groups: usize,
    leaves: &'a [crate::dtype::LeafField],
    /// The fused conversion of each field that has one (numbers, `S<n>`).
    cols: &'a [Option<Col>],
    itemsize: usize,
    /// The fewest bytes a match takes (a bound on the records a text can hold).
    min_len: usize,
}

impl Scanner<'_> {
    /// Every match of the text, in order, as records. Large texts are scanned in pieces on
    /// every core: each piece starts at a line start and its matches are kept from the
    /// first point where its scan agrees with the scan of everything before it (the same
    /// search position and the same last match end: from there on both find the same
    /// matches), so the result is exactly the sequential scan's.
    ///
    /// The records are appended to `out` (which the caller has made room in, unless it is
    /// empty); `spare` holds buffers for the later pieces' records, kept for the next
    /// texts.
    fn run(&self, out: AlignedBuf, spare: &mut Vec<AlignedBuf>) -> Result<AlignedBuf> {
        let threads = crate::cores().min(self.text.len() / (1 << 20)).max(1);
        self.run_in(threads, out, spare)
    }

    /// [`Scanner::run`] in `pieces` pieces (at most; pieces start at line starts).
    fn run_in(
        &self,
        pieces: usize,
        out: AlignedBuf,
        spare: &mut Vec<AlignedBuf>,
    ) -> Result<AlignedBuf> {
        let text = self.text;
        let threads = pieces.max(1);
        let mut starts = vec![0usize];
        for k in 1..threads {
            let at = k * text.len() / threads;
            let s =
                memchr::memchr(b'\n', &text.as_bytes()[at..]).map_or(text.len(), |i| at + i + 1);
            if s > *starts.last().unwrap_or(&0) && s < text.len() {
                starts.push(s);
            }
        }
        let stops: Vec<usize> = starts[1..].iter().copied().chain([usize::MAX]).collect();
        // The first piece's records go straight into `out`, the others' into spare buffers.
        let mut bufs = vec![out];
        bufs.extend((1..starts.len()).map(|_| spare.pop().unwrap_or_default()));
        let chunks: Vec<Chunk> = if starts.len() == 1 {
            let out = bufs.pop().unwrap_or_default();
            vec![self.scan(
                State {
                    pos: 0,
                    last_end: None,
                },
                usize::MAX,
                out,
            )]
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = starts
                    .iter()
                    .zip(&stops)
                    .zip(bufs)
                    .map(|((&s, &stop), buf)| {
                        scope.spawn(move || {
                            self.scan(
                                State {
                                    pos: s,
                                    last_end: None,
                                },
                                stop,
                                buf,
                            )
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            })
        };
        // Stitch: chunk 0 is the true scan of its piece; each next chunk is kept from where
        // it agrees with the true state, or its piece is scanned again from that state.
        // The first chunk's buffer, which has room reserved for the rest, becomes the
        // output: its records are not copied, and only the later chunks' are.
        let mut out = AlignedBuf::default();
        let mut later: Vec<(AlignedBuf, usize)> = Vec::new();
        let mut state: Option<State> = None;
        let mut failed = None;
        for (k, chunk) in chunks.into_iter().enumerate() {
            let taken = match state {
                None if k == 0 => Some((chunk, 0)),
                None => None,
                Some(st) => {
                    let agree = if st
                        == (State {
                            pos: starts[k],
                            last_end: None,
                        })
                        || (st.pos == starts[k] && !chunk.empty_first)
                    {
                        Some(0)
                    } else {
                        chunk.states.iter().position(|&c| c == st).map(|j| j + 1)
                    };
                    match agree {
                        Some(skip) => Some((chunk, skip)),
                        None => {
                            let mut buf = chunk.data;
                            buf.truncate(0);
                            Some((self.scan(st, stops[k], buf), 0))
                        }
                    }
                }
            };
            let Some((chunk, skip)) = taken else {
                break;
            };
            let end = chunk.end;
            if k == 0 {
                out = chunk.data;
            } else {
                let skip = (skip * self.itemsize).min(chunk.data.len());
                later.push((chunk.data, skip));
            }
            match end {
                End::Done => break,
                End::At(st) => state = Some(st),
                End::Failed(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        if let Some(e) = failed {
            return Err(e);
        }
        let parts: Vec<&[u8]> = later
            .iter()
            .map(|(d, skip)| &d.as_bytes()[*skip..])
            .collect();
        append_parallel(&mut out, &parts);
        for (mut buf, _) in later {
            buf.truncate(0);
            spare.push(buf);
        }
        Ok(out)
    }

    /// Scan from `from` until no match is left or the next search would begin at or after
    /// `stop`, appending the records to `data`.
    fn scan(&self, from: State, stop: usize, mut data: AlignedBuf) -> Chunk {
        let (re, text) = (self.re, self.text);
        if data.is_empty() {
            // Room for every record the rest of the text can hold (address space only:
            // pages are faulted in as records are written), so that the buffer never
            // moves. A buffer with records already has the room its caller made.
            let most = (text.len().saturating_sub(from.pos) / self.min_len).saturating_add(1);
            data.reserve(most.saturating_mul(self.itemsize));
        }
        let mut states = Vec::new();
        let mut empty_first = false;
        let mut cache = re.create_cache();
        let mut slots = vec![None; re.group_info().slot_len()];
        let slot = |slots: &[Option<regex_automata::util::primitives::NonMaxUsize>], i: usize| {
            slots.get(i).copied().flatten().map(|v| v.get())
        };
        let mut state = from;
        let mut n = 0usize;
        // The walk's group bounds, and its budget: a constant number of looks per byte
        // (beyond it, the regex engine takes over).
        let mut walk_slots = vec![0usize; 2 * self.groups];
        let mut budget = 16usize
            .saturating_mul(text.len().saturating_sub(from.pos))
            .saturating_add(1 << 16);
        let mut linear = self.linear;
        let mut ends = Vec::new();
        let end = 'scan: loop {
            if state.pos > text.len() {
                break End::Done;
            }
            if state.pos >= stop {
                break End::At(state);
            }
            // Records that follow each other, each written as it is read.
            if let Some(direct) = self.direct {
                if data.spare_mut().len() < self.itemsize {
                    data.reserve(data.len().max(self.itemsize << 10));
                }
                let keep = SYNC - states.len();
                let (count, end) = direct.records(
                    text.as_bytes(),
                    state.pos,
                    stop,
                    data.spare_mut(),
                    self.itemsize,
                    (&mut ends, keep),
                );
                if count > 0 {
                    data.grow_len(count * self.itemsize);
                    states.extend(ends.drain(..).map(|e| State {
                        pos: e,
                        last_end: Some(e),
                    }));
                    state = State {
                        pos: end,
                        last_end: Some(end),
                    };
                    n += count;
                    if state.pos >= stop {
                        continue;
                    }
                }
            }
            let walked = match linear {
                Some(lin) => lin.search(text.as_bytes(), state.pos, &mut walk_slots, &mut budget),
                None => Found::Unsure,
            };
            let (start, end) = match walked {
                Found::Match(start, end) => (start, end),
                Found::None => break End::Done,
                Found::Unsure => {
                    if budget < 1 << 10 {
                        linear = None;
                    }
                    // Records usually follow each other: an anchored search at the current
                    // position (forward only) finds the same match the leftmost search
                    // would, and the general search runs only when the next match starts
                    // later.
                    let span = Input::new(text).span(state.pos..text.len());
                    let found = re
                        .search_slots_with(
                            &mut cache,
                            &span.clone().anchored(Anchored::Yes),
                            &mut slots,
                        )
                        .or_else(|| re.search_slots_with(&mut cache, &span, &mut slots));
                    if found.is_none() {
                        break End::Done;
                    }
                    let (Some(start), Some(end)) = (slot(&slots, 0), slot(&slots, 1)) else {
                        break End::Done;
                    };
                    for g in 0..self.groups {
                        // Every group of a walkable pattern takes part in every match.
                        walk_slots[2 * g] = slot(&slots, 2 * (g + 1)).unwrap_or(usize::MAX);
                        walk_slots[2 * g + 1] = slot(&slots, 2 * (g + 1) + 1).unwrap_or(usize::MAX);
                    }
                    (start, end)
                }
            };
            // An empty match right where the previous one ended is skipped, as re.finditer.
            if start == end && state.last_end == Some(end) {
                state.pos = next_char(text, state.pos);
                continue;
            }
            if n == 0 && start == end && start == from.pos {
                empty_first = true;
            }
            state = State {
                pos: if start == end {
                    next_char(text, end)
                } else {
                    end
                },
                last_end: Some(end),
            };
            if data.spare_mut().len() < self.itemsize {
                data.reserve(data.len().max(self.itemsize << 10));
            }
            let at = data.len();
            data.grow_len(self.itemsize);
            let record = &mut data.as_bytes_mut()[at..];
            record.fill(0);
            for (i, leaf) in self.leaves.iter().enumerate() {
                let (pos, value) = if self.groups == 0 {
                    (start, &text[start..end])
                } else {
                    match (walk_slots[2 * i], walk_slots[2 * i + 1]) {
                        (s, e) if s != usize::MAX && e != usize::MAX => (s, &text[s..e]),
                        _ => (start, ""),
                    }
                };
                if let Some(col) = &self.cols[i] {
                    if self.groups > 0
                        && col.convert_exact(text.as_bytes(), (pos, pos + value.len()), record)
                    {
                        continue;
                    }
                }
                let slot = &mut record[leaf.offset..leaf.offset + leaf.dtype.size()];
                if convert(&leaf.dtype, value, slot).is_err() {
                    let before = &text[..pos];
                    let line = memchr::memchr_iter(b'\n', before.as_bytes()).count() as u64 + 1;
                    let column =
                        before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
                    let err = Error::new(
                        ErrorKind::Data,
                        format!(
                            "could not convert {value:?} to {} for field {:?}",
                            leaf.dtype.name(),
                            leaf.path
                        ),
                    )
                    .at(Location::Line { line, column });
                    break 'scan End::Failed(err);
                }
            }
            n += 1;
            if states.len() < SYNC {
                states.push(state);
            }
        };
        Chunk {
            data,
            states,
            empty_first,
            end,
        }
    }
}

/// Append `parts` to `out`, copied on every core: the pages of `out` they fill are fresh,
/// and a fresh page costs more than its copy.
fn append_parallel(out: &mut AlignedBuf, parts: &[&[u8]]) {
    let total: usize = parts.iter().map(|p| p.len()).sum();
    let threads = crate::cores().min(total / (1 << 20)).max(1);
    if threads == 1 {
        for p in parts {
            out.extend_from_slice(p);
        }
        return;
    }
    if out.spare_mut().len() < total {
        out.reserve(total);
    }
    let Some(spare) = out.spare_mut().get_mut(..total) else {
        for p in parts {
            out.extend_from_slice(p);
        }
        return;
    };
    // Each thread copies its share of every part.
    let mut jobs: Vec<Vec<(&mut [u8], &[u8])>> = (0..threads).map(|_| Vec::new()).collect();
    let mut rest = spare;
    for p in parts {
        let (mut dst, tail) = rest.split_at_mut(p.len());
        rest = tail;
        let mut src = *p;
        for (t, job) in jobs.iter_mut().enumerate() {
            let n = src.len() / (threads - t);
            let (d, dt) = dst.split_at_mut(n);
            let (s, st) = src.split_at(n);
            job.push((d, s));
            dst = dt;
            src = st;
        }
    }
    std::thread::scope(|scope| {
        for job in jobs {
            scope.spawn(move || {
                for (d, s) in job {
                    d.copy_from_slice(s);
                }
            });
        }
    });
    out.grow_len(total);
}

/// The byte index after the character at `pos` (or past the end).
fn next_char(text: &str, pos: usize) -> usize {
    text[pos..]
        .chars()
        .next()
        .map_or(pos + 1, |c| pos + c.len_utf8())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanned(text: &str, pattern: &str, spec: &str, pieces: usize) -> Result<Vec<u8>> {
        let walked = scanned_with(text, pattern, spec, pieces, true);
        let engine = scanned_with(text, pattern, spec, pieces, false);
        match (&walked, &engine) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{pattern}: the walk and the engine differ"),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{pattern}"),
            _ => panic!("{pattern}: the walk gave {walked:?}, the engine {engine:?}"),
        }
        walked
    }

    /// The records of a scan in `pieces`, with the pattern's walk when `walk` (and it has
    /// one), else with the regex engine alone; numbers converted by the fused converters.
    fn scanned_with(
        text: &str,
        pattern: &str,
        spec: &str,
        pieces: usize,
        walk: bool,
    ) -> Result<Vec<u8>> {
        let dtype = DType::parse(spec).unwrap();
        let re = meta::Regex::new(pattern).unwrap();
        let leaves = dtype.leaf_fields();
        let groups = re.group_info().group_len(regex_automata::PatternID::ZERO) - 1;
        let linear = Linear::new(pattern).filter(|l| walk && l.groups() == groups);
        let cols: Vec<Option<Col>> = leaves
            .iter()
            .map(|l| Col::of(l.offset, &l.dtype).filter(Col::converts_exactly))
            .collect();
        let direct = linear
            .as_ref()
            .and_then(|l| Direct::new(l, &cols, dtype.itemsize()));
        Scanner {
            re: &re,
            linear: linear.as_ref(),
            direct: direct.as_ref(),
            text,
            groups,
            leaves: &leaves,
            cols: &cols,
            itemsize: dtype.itemsize(),
            min_len: linear.as_ref().map_or(1, Linear::min_len),
        }
        .run_in(pieces, AlignedBuf::default(), &mut Vec::new())
        .map(|b| b.as_bytes().to_vec())
    }

    /// Scanning in pieces gives the sequential scan's records and errors, whatever the
    /// pattern does at the piece boundaries: matches spanning lines, matches that skip
    /// many lines, empty matches, a bad value in a later piece.
    #[test]
    fn pieces_agree_with_the_sequential_scan() {
        let mut lines = String::new();
        for i in 0..400 {
            lines.push_str(&format!("{i} w{} {} {}.5\n", i % 7, i * 3, i));
            if i % 13 == 0 {
                lines.push_str("# comment line\n\n");
            }
        }
        let cases: &[(&str, &str)] = &[
            (r"(\d+) (\w+) (\d+) (\S+)\n", "i8, S4, i8, f8"),
            (r"(\d+) \w+ \d+ \S+\n\d+ (\w+)", "i8, S4"),
            (r"(\d*)", "[('a','S4')]"),
            (r"(w\d)[^#]*#", "[('a','S4')]"),
            (r"(\d+)\.5\n(?:#[^\n]*\n\n)?", "[('a','f8')]"),
            (r"(x?)", "[('a','S1')]"),
        ];
        for (pattern, spec) in cases {
            let one = scanned(&lines, pattern, spec, 1).unwrap();
            assert!(!one.is_empty(), "{pattern}");
            for pieces in [2, 3, 5, 16, 64] {
                assert_eq!(
                    scanned(&lines, pattern, spec, pieces).unwrap(),
                    one,
                    "{pattern} in {pieces}"
                );
            }
        }
        // A value that does not convert, late in the text: the same error, line and column.
        let bad = lines.replacen("350 w0", "350 wXYZ 0 zz", 1);
        let want = scanned(&bad, r"(\d+) (\w+) (\d+) (\S+)\n", "i8, S4, i8, i8", 1).unwrap_err();
        assert!(
            matches!(want.location(), Some(Location::Line { .. })),
            "{want}"
        );
        for pieces in [2, 3, 7] {
            let got =
                scanned(&bad, r"(\d+) (\w+) (\d+) (\S+)\n", "i8, S4, i8, i8", pieces).unwrap_err();
            assert_eq!(got.to_string(), want.to_string());
        }
    }

    /// The walk that converts as it reads (a group of one run per field) gives the
    /// engine's records and errors wherever it has to leave a match to the general path:
    /// signs a `\d` run does not take, numbers out of the field's range, `inf`, text
    /// longer than `S<n>`, bounded runs, non-ASCII bytes, padding between fields.
    #[test]
    fn direct_walk_agrees_with_the_engine() {
        let text = "1 ab 2 0.5\n-3 cd -4 -1e3\n+5 ef +6 +7\n300 gh 7 inf\n8 ijklmnopq 9 nan\n\
                    10 é 11 1.5\n12 kl 13 1e400\n14 mn 15 12345678901234567890\n\
                    16 op 17 .5\n18 qr 19 5.\n20 st 21 -.5e-3\n# 22 uv 23 1\n";
        let cases: &[(&str, &str)] = &[
            (r"(\d+) (\w+) (\d+) (\S+)\n", "i8, S4, i8, f8"),
            (r"(\S+) (\w+) (\S+) (\S+)\n", "i8, S4, i2, f8"),
            (r"(\S+) (\w+) (\S+) (\S+)\n", "u1, S2, >i4, >f4"),
            (r"([-+\d]+) (\S+) ([-\d]+) ([-.\d]+)\n", "i8, S8, i8, f8"),
            (r"(\d{1,2}) (\w{2}) (\d+) (\S{1,4})\n", "i8, S2, i8, f8"),
            (r"(\d+) (\w+) (\d+) (\S+)\n", "{'names':['a','b','c','d'], 'formats':['i1','S3','i8','f4'], 'offsets':[0,2,8,20], 'itemsize':32}"),
        ];
        for (pattern, spec) in cases {
            let dtype = DType::parse(spec).unwrap();
            let leaves = dtype.leaf_fields();
            let cols: Vec<Option<Col>> = leaves
                .iter()
                .map(|l| Col::of(l.offset, &l.dtype).filter(Col::converts_exactly))
                .collect();
            let lin = Linear::new(pattern).unwrap();
            let direct = Direct::new(&lin, &cols, dtype.itemsize())
                .unwrap_or_else(|| panic!("{pattern} {spec}: no direct walk"));
            // The plain first line is the direct walk's to convert, all of it.
            let first = b"1 ab 2 0.5\n";
            let mut out = vec![0xff; dtype.itemsize()];
            let mut ends = Vec::new();
            let (n, end) = direct.records(
                first,
                0,
                usize::MAX,
                &mut out,
                dtype.itemsize(),
                (&mut ends, 1),
            );
            assert_eq!(
                (n, end, ends),
                (1, first.len(), vec![first.len()]),
                "{pattern} {spec}"
            );
            let engine = scanned_with("1 ab 2 0.5\n", pattern, spec, 1, false).unwrap();
            assert_eq!(out, engine, "{pattern} {spec}");
            for pieces in [1, 3] {
                // `scanned` asserts that the walk and the engine agree.
                let _ = scanned(text, pattern, spec, pieces);
            }
            // Only lines that convert: the direct walk must agree there too.
            let good: String = text
                .lines()
                .filter(|l| {
                    let one = format!("{l}\n");
                    scanned_with(&one, pattern, spec, 1, false).is_ok_and(|r| !r.is_empty())
                })
                .map(|l| format!("{l}\n"))
                .collect();
            let records = scanned(&good, pattern, spec, 1).unwrap();
            assert!(!records.is_empty(), "{pattern} {spec}");
        }
    }

    /// Python's text-mode reading of `text`.
    fn universal(text: &[u8]) -> Vec<u8> {
        let mut buf = AlignedBuf::default();
        buf.extend_from_slice(text);
        crate::text::input::universal_newlines(&mut buf);
        buf.as_bytes().to_vec()
    }

    /// A streamed text, in blocks of any size on one to three workers, gives the records
    /// and the error of the whole text read with universal newlines: CRLF and lone CR line
    /// ends, non-ASCII lines (where the walk hands over to the engine), lines that do not
    /// match, a value that does not convert late in the text, a byte that is not UTF-8.
    /// Patterns whose matches may span lines read the whole text instead.
    #[test]
    fn streamed_blocks_agree_with_the_whole_text() {
        let mut text = String::new();
        for i in 0..300 {
            match i % 11 {
                0 => text.push_str(&format!("{i} w{} {} {}.5\r\n", i % 7, i * 3, i)),
                1 => text.push_str("# comment\r"),
                2 => text.push_str("\u{e9}t\u{e9} 3 4 x\n"),
                3 => text.push('\n'),
                4 => text.push_str(&format!("{i} \u{fc}{} {} 1e{}\n", i % 5, i, i % 30)),
                _ => text.push_str(&format!("{i} w{} {} {}.25\n", i % 7, i * 3, i)),
            }
        }
        let cases: &[(&str, &str, bool)] = &[
            (r"(\d+) (\w+) (\d+) (\S+)\n", "i8, S4, i8, f8", true),
            (r"(\d+) (\w+) (\d+) (\S+)\s", "i8, S4, i8, f8", true),
            (r"(\w+) (\d+)", "[('a','S8'),('b','i8')]", true),
            (r"(\d+)\s+(\w+)", "[('a','i8'),('b','S8')]", false),
            (r"(\d+) \w+ \d+ \S+\n\d+ (\w+)", "i8, S4", false),
        ];
        let stream = |bytes: &[u8], pattern: &str, dtype: &DType, block, workers| {
            fromregex_reader_blocks(bytes, pattern, dtype, block, workers)
        };
        let mut errors = 0;
        for (pattern, spec, local) in cases {
            assert_eq!(
                Linear::new(pattern).is_some_and(|l| l.line_local()),
                *local,
                "{pattern}"
            );
            let dtype = DType::parse(spec).unwrap();
            let whole = universal(text.as_bytes());
            let want =
                fromregex_str(std::str::from_utf8(&whole).unwrap(), pattern, &dtype).unwrap();
            assert!(want.len() > 100, "{pattern}: {}", want.len());
            // A bad value on a late line, then (alone) a byte that is not UTF-8.
            let bad_value = text.replacen("280 w0 840", "280 w0 99999999999999999999", 1);
            let mut bad_utf8 = text.clone().into_bytes();
            let at = text.find("250 w").unwrap();
            bad_utf8[at + 4] = 0xff;
            for block in [1, 5, 64, 4096, 1 << 20] {
                for workers in [1, 2, 3] {
                    let got = stream(text.as_bytes(), pattern, &dtype, block, workers).unwrap();
                    assert_eq!(got.shape(), want.shape(), "{pattern} {block} {workers}");
                    assert!(
                        got.buffer().as_bytes() == want.buffer().as_bytes(),
                        "{pattern} in blocks of {block} on {workers}"
                    );
                    for bad in [bad_value.as_bytes(), &bad_utf8] {
                        let whole = universal(bad);
                        let want = std::str::from_utf8(&whole)
                            .map_err(|_| ())
                            .and_then(|t| fromregex_str(t, pattern, &dtype).map_err(|_| ()));
                        let got = stream(bad, pattern, &dtype, block, workers);
                        match (want, got) {
                            (Ok(a), Ok(b)) => {
                                assert!(a.buffer().as_bytes() == b.buffer().as_bytes());
                            }
                            (Err(()), Err(e)) => {
                                // The same error as the whole text's, at the same place.
                                let whole_err = match std::str::from_utf8(&whole) {
                                    Ok(t) => fromregex_str(t, pattern, &dtype).unwrap_err(),
                                    Err(_) => {
                                        crate::text::decode(&whole, Encoding::Utf8).unwrap_err()
                                    }
                                };
                                assert_eq!(e.to_string(), whole_err.to_string(), "{pattern}");
                                assert!(matches!(e.location(), Some(Location::Line { .. })));
                                errors += 1;
                            }
                            (a, b) => panic!("{pattern} {block} {workers}: {a:?} against {b:?}"),
                        }
                    }
                }
            }
        }
        // Every pattern meets the bad byte; the bad value fails all but `(\d+)\s+(\w+)`.
        assert_eq!(errors, 9 * 15, "errors seen");
    }

    /// One value per match for a record of several fields is an error, whether the
    /// pattern has no group or one.
    #[test]
    fn one_group_for_several_fields_is_an_error() {
        let dt = DType::parse("i8, i8").unwrap();
        for pattern in [r"\d+", r"(\d+)"] {
            let err = fromregex_str("1 2\n3 4\n", pattern, &dt).unwrap_err();
            assert!(
                err.message().contains("one value per match"),
                "{pattern}: {err}"
            );
        }
        let err = fromregex_str("1 2\n", r"(\d) (\d) (\d)?", &dt).unwrap_err();
        assert!(err.message().contains("3 capture groups"), "{err}");
    }

    /// The match loop visits the matches `Regex::captures_iter` yields, empty ones included.
    #[test]
    fn matches_are_those_of_captures_iter() {
        let dtype = DType::parse("[('s','S4')]").unwrap();
        for (pattern, text) in [
            ("(x*)", "axbxxc"),
            ("(a|)", "baab"),
            (r"(\d*)", "12 3\n\n45é"),
            (r"(é?)", "éaé"),
            ("(b)", ""),
        ] {
            let re = regex::Regex::new(pattern).unwrap();
            let want: Vec<u8> = re
                .captures_iter(text)
                .flat_map(|c| {
                    // S4 holds Latin-1 characters.
                    let mut v: Vec<u8> = c
                        .get(1)
                        .map_or("", |m| m.as_str())
                        .chars()
                        .map(|ch| u8::try_from(u32::from(ch)).unwrap())
                        .collect();
                    v.resize(4, 0);
                    v
                })
                .collect();
            let got = fromregex_str(text, pattern, &dtype).unwrap();
            assert_eq!(got.buffer().as_bytes(), want, "{pattern} on {text:?}");
        }
    }
}
