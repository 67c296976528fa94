//! A matcher for the patterns `fromregex` is mostly given: a sequence of literal bytes,
//! character classes and greedy repetitions of a class, some of them in capture groups
//! (`(\d+) (\w+)\s+([-.\d]+)\n`). When each repetition's class cannot contain a byte the
//! pattern can continue with, a greedy repetition never gives anything back, so the match
//! at a position is found by one forward walk, as fast as the bytes can be classified.
//!
//! The matcher decides only ASCII text: it stops at the first byte above 0x7f it reads
//! (Unicode classes such as `\w` match more than the ASCII bytes), and on patterns whose
//! searches would take too long. Either way the caller goes on with the regex engine from
//! where the matcher stopped; what the two find is the same.

use regex_syntax::hir::{Class, Hir, HirKind};

use super::fused::{leading_digits, scan_float, scan_int, word, Col, Kind};

/// The bytes a class takes: [`TAKE`], [`STOP`], or [`UNSURE`] (the bytes above 0x7f).
type Set = [u8; 256];

const STOP: u8 = 0;
const TAKE: u8 = 1;
const UNSURE: u8 = 2;

/// A set that takes nothing yet.
fn empty_set() -> Box<Set> {
    let mut set = Box::new([STOP; 256]);
    set[0x80..].fill(UNSURE);
    set
}

/// One step of the walk.
#[derive(Clone, Debug)]
enum Step {
    /// Between `min` and `max` bytes of the set, as many as there are.
    Run {
        set: Box<Set>,
        min: usize,
        max: usize,
        scan: Scan,
    },
    /// One byte, this one.
    Byte(u8),
    /// Where capture group `g` (from 0) starts.
    Open(usize),
    /// Where capture group `g` ends.
    Close(usize),
}

/// How a run's bytes are found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scan {
    /// The set is the ten ASCII digits: eight bytes at a time.
    Digits,
    /// The set takes every byte from 0x21 to 0x7e (`\S`, `.`, `[^\n]`): eight bytes at a
    /// time up to a byte outside that range, which the table then decides.
    Wide,
    /// Byte by byte in the table.
    Table,
}

impl Scan {
    fn of(set: &Set) -> Scan {
        let takes =
            |r: std::ops::RangeInclusive<u8>| r.into_iter().all(|c| set[usize::from(c)] == TAKE);
        if takes(b'0'..=b'9') && set.iter().filter(|&&k| k == TAKE).count() == 10 {
            Scan::Digits
        } else if takes(0x21..=0x7e) {
            Scan::Wide
        } else {
            Scan::Table
        }
    }
}

/// A pattern compiled into a walk.
#[derive(Debug)]
pub(crate) struct Linear {
    steps: Vec<Step>,
    groups: usize,
    /// The bytes a match can start with.
    first: Box<Set>,
    /// Whether a failed attempt at a byte of the first step's run fails at every later
    /// byte of that run too (the first step is an unbounded run of at least one byte).
    skip_run: bool,
}

/// What a search found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Found {
    /// A match: its start and end, and the groups' bounds in `slots`.
    Match(usize, usize),
    /// No match from the position on.
    None,
    /// The matcher cannot decide (a byte above 0x7f, or the search budget is spent): the
    /// regex engine must search from the same position.
    Unsure,
}

impl Linear {
    /// The walk of `pattern`, or `None` when it is not such a pattern (alternations,
    /// anchors, nested or repeated groups, a repetition that could give bytes back, a
    /// pattern that can match nothing...).
    pub fn new(pattern: &str) -> Option<Linear> {
        let hir = regex_syntax::ParserBuilder::new()
            .build()
            .parse(pattern)
            .ok()?;
        let mut steps = Vec::new();
        let mut groups = 0;
        flatten(&hir, &mut steps, &mut groups, false)?;
        for step in &mut steps {
            if let Step::Run { set, scan, .. } = step {
                *scan = Scan::of(set);
            }
        }
        // Each run that can stop at more than one length must be followed by bytes it
        // cannot take: then stopping earlier can never let the rest match.
        for (k, step) in steps.iter().enumerate() {
            if let Step::Run { set, min, max, .. } = step {
                if max > min {
                    let next = first_set(&steps[k + 1..]);
                    if set
                        .iter()
                        .zip(next.iter())
                        .any(|(a, b)| *a == TAKE && *b == TAKE)
                    {
                        return None;
                    }
                }
            }
        }
        // No empty matches: the walk must take at least one byte.
        if !steps
            .iter()
            .any(|s| matches!(s, Step::Run { min, .. } if *min > 0) || matches!(s, Step::Byte(_)))
        {
            return None;
        }
        let first = first_set(&steps);
        let skip_run = matches!(
            steps
                .iter()
                .find(|s| matches!(s, Step::Run { .. } | Step::Byte(_))),
            Some(Step::Run { min, max, .. }) if *min >= 1 && *max == usize::MAX
        );
        Some(Linear {
            steps,
            groups,
            first,
            skip_run,
        })
    }

    /// The number of capture groups.
    pub fn groups(&self) -> usize {
        self.groups
    }

    /// Whether no match can hold a `'\n'` but as its last byte: only the last step that
    /// takes bytes may take a newline, and then only one byte. A text cut after newlines
    /// then has no match across a cut, and (with no anchors or look-arounds in a walk)
    /// each part's matches are those the whole text's scan finds there.
    pub fn line_local(&self) -> bool {
        let last = self
            .steps
            .iter()
            .rposition(|s| matches!(s, Step::Byte(_) | Step::Run { .. }));
        self.steps.iter().enumerate().all(|(k, step)| match step {
            Step::Byte(c) => *c != b'\n' || Some(k) == last,
            Step::Run { set, max, .. } => {
                set[usize::from(b'\n')] != TAKE || (Some(k) == last && *max <= 1)
            }
            Step::Open(_) | Step::Close(_) => true,
        })
    }

    /// The fewest bytes a match takes (at least one).
    pub fn min_len(&self) -> usize {
        self.steps
            .iter()
            .map(|s| match s {
                Step::Byte(_) => 1,
                Step::Run { min, .. } => *min,
                Step::Open(_) | Step::Close(_) => 0,
            })
            .fold(0usize, usize::saturating_add)
            .max(1)
    }

    /// The leftmost match in `b` starting at `pos` or later, with the groups' bounds in
    /// `slots` (two per group); `budget` counts down the bytes examined.
    pub fn search(&self, b: &[u8], pos: usize, slots: &mut [usize], budget: &mut usize) -> Found {
        let mut s = pos;
        while s < b.len() {
            // The next byte a match can start with.
            match b[s..]
                .iter()
                .position(|&c| self.first[usize::from(c)] != STOP)
            {
                None => return Found::None,
                Some(k) => s += k,
            }
            if self.first[usize::from(b[s])] == UNSURE {
                return Found::Unsure;
            }
            match self.walk(b, s, slots, budget) {
                Walk::Matched(end) => return Found::Match(s, end),
                Walk::Unsure => return Found::Unsure,
                Walk::Failed(run_end) => {
                    s = if self.skip_run {
                        run_end.max(s + 1)
                    } else {
                        s + 1
                    };
                }
            }
        }
        Found::None
    }

    /// The match starting at `s`. A failure reports where the first run ended.
    #[inline]
    fn walk(&self, b: &[u8], s: usize, slots: &mut [usize], budget: &mut usize) -> Walk {
        let mut i = s;
        let mut first_run_end = None;
        for step in &self.steps {
            match step {
                Step::Byte(c) => {
                    if b.get(i) != Some(c) {
                        return Walk::Failed(first_run_end.unwrap_or(i));
                    }
                    i += 1;
                }
                Step::Open(g) => slots[2 * g] = i,
                Step::Close(g) => slots[2 * g + 1] = i,
                Step::Run {
                    set,
                    min,
                    max,
                    scan,
                } => {
                    let limit = if *max == usize::MAX {
                        b.len()
                    } else {
                        b.len().min(i.saturating_add(*max))
                    };
                    let start = i;
                    match run_end(set, *scan, b, i, limit) {
                        Some(e) => i = e,
                        None => return Walk::Unsure,
                    }
                    let taken = i - start;
                    if *budget < taken + 1 {
                        return Walk::Unsure;
                    }
                    *budget -= taken + 1;
                    first_run_end.get_or_insert(i);
                    if taken < *min {
                        return Walk::Failed(first_run_end.unwrap_or(i));
                    }
                }
            }
        }
        Walk::Matched(i)
    }
}

/// A walk that converts its groups as it reads them, for the patterns whose groups each
/// hold one run and whose fields have fused conversions (numbers, `S<n>`): it writes a
/// whole record per match, in one pass over the match's bytes.
///
/// It tries the match at one position only, and decides only what it is sure of: `None`
/// leaves the position to [`Linear::search`] and the general converters, which then find
/// the same match and record, or the error.
#[derive(Debug)]
pub(crate) struct Direct {
    ops: Vec<Op>,
    /// Whether the fields leave bytes of the record unwritten, to be zeroed.
    gaps: bool,
}

/// One step of a [`Direct`] walk.
#[derive(Debug)]
enum Op {
    Byte(u8),
    /// A run outside any group.
    Skip {
        set: Box<Set>,
        min: usize,
        max: usize,
        scan: Scan,
    },
    /// A group of one run, converted into its field.
    Field {
        set: Box<Set>,
        min: usize,
        max: usize,
        scan: Scan,
        col: Col,
        /// Whether the number is read first and the run checked to end where it does
        /// (the set takes every byte the number can hold); otherwise the run is found,
        /// then converted.
        number_first: bool,
    },
}

impl Direct {
    /// The direct walk of `linear` for fields converted by `cols` (one per group) in
    /// records of `itemsize` bytes, or `None` when a group holds anything but one run or
    /// its field has no exact fused conversion.
    pub fn new(linear: &Linear, cols: &[Option<Col>], itemsize: usize) -> Option<Direct> {
        if linear.groups == 0 || cols.len() != linear.groups {
            return None;
        }
        let takes = |set: &Set, bytes: &[u8]| bytes.iter().all(|&c| set[usize::from(c)] == TAKE);
        let mut ops = Vec::new();
        let mut steps = linear.steps.iter();
        while let Some(step) = steps.next() {
            match step {
                Step::Byte(c) => ops.push(Op::Byte(*c)),
                Step::Run {
                    set,
                    min,
                    max,
                    scan,
                } => ops.push(Op::Skip {
                    set: set.clone(),
                    min: *min,
                    max: *max,
                    scan: *scan,
                }),
                Step::Open(g) => {
                    let (
                        Some(Step::Run {
                            set,
                            min,
                            max,
                            scan,
                        }),
                        Some(Step::Close(h)),
                    ) = (steps.next(), steps.next())
                    else {
                        return None;
                    };
                    if g != h {
                        return None;
                    }
                    let col = (*cols.get(*g)?)?;
                    let number_first = match col.kind {
                        Kind::Int { .. } => takes(set, b"0123456789"),
                        Kind::F64Le | Kind::Float(_) => takes(set, b"0123456789+-.eE"),
                        Kind::Bytes => false,
                        _ => return None,
                    };
                    ops.push(Op::Field {
                        set: set.clone(),
                        min: *min,
                        max: *max,
                        scan: *scan,
                        col,
                        number_first,
                    });
                }
                Step::Close(_) => return None,
            }
        }
        // The bytes the fields write; any other byte of the record is zeroed first.
        let mut written = vec![false; itemsize];
        for op in &ops {
            if let Op::Field { col, .. } = op {
                written
                    .get_mut(col.offset..col.offset + col.size)?
                    .fill(true);
            }
        }
        let gaps = written.contains(&false);
        Some(Direct { ops, gaps })
    }

    /// Consecutive matches from `pos`, while each starts before `stop`, converted into
    /// consecutive records of `out` (`itemsize` bytes each): how many, and where the last
    /// ended. The ends of the first `keep` matches are pushed to `ends`.
    pub fn records(
        &self,
        b: &[u8],
        mut pos: usize,
        stop: usize,
        out: &mut [u8],
        itemsize: usize,
        (ends, keep): (&mut Vec<usize>, usize),
    ) -> (usize, usize) {
        let mut n = 0;
        for record in out.chunks_exact_mut(itemsize.max(1)) {
            if pos >= stop {
                break;
            }
            let Some(end) = self.record_at(b, pos, record) else {
                break;
            };
            if n < keep {
                ends.push(end);
            }
            n += 1;
            pos = end;
        }
        (n, pos)
    }

    /// The match starting at `pos`, converted into `record`: its end, or `None` when there
    /// is no match at `pos` or this walk cannot decide it (the record is then garbage).
    #[inline(always)]
    fn record_at(&self, b: &[u8], pos: usize, record: &mut [u8]) -> Option<usize> {
        if self.gaps {
            record.fill(0);
        }
        let class = |set: &Set, i: usize| b.get(i).map_or(STOP, |&c| set[usize::from(c)]);
        let mut i = pos;
        for op in &self.ops {
            match op {
                Op::Byte(c) => {
                    if b.get(i) != Some(c) {
                        return None;
                    }
                    i += 1;
                }
                Op::Skip {
                    set,
                    min,
                    max,
                    scan,
                } => {
                    let limit = b.len().min(i.saturating_add(*max));
                    let e = run_end(set, *scan, b, i, limit)?;
                    if e - i < *min {
                        return None;
                    }
                    i = e;
                }
                Op::Field {
                    set,
                    min,
                    max,
                    scan,
                    col,
                    number_first,
                } => {
                    let e = if *number_first {
                        // The number's first byte must be the run's (a sign `\d` does not
                        // take), and the run must stop where the number does.
                        if class(set, i) != TAKE {
                            return None;
                        }
                        let (e, stored) = match col.kind {
                            Kind::Int { .. } => {
                                let (v, e) = scan_int(b, i)?;
                                (e, col.put_int(v, record))
                            }
                            _ => {
                                let (v, e) = scan_float(b, i)?;
                                (e, col.put_float(v, record))
                            }
                        };
                        if !stored || class(set, e) != STOP {
                            return None;
                        }
                        e
                    } else {
                        let limit = b.len().min(i.saturating_add(*max));
                        let e = run_end(set, *scan, b, i, limit)?;
                        // The run read ASCII only: any byte above 0x7f stopped it.
                        let done = match col.kind {
                            Kind::Bytes => col.put_ascii(b, (i, e), record),
                            _ => col.convert_exact(b, (i, e), record),
                        };
                        if !done {
                            return None;
                        }
                        e
                    };
                    if e - i < *min || e - i > *max {
                        return None;
                    }
                    i = e;
                }
            }
        }
        Some(i)
    }
}

/// Where a run of `set` from `i` ends, at `limit` at the latest; `None` when it stops at a
/// byte the set is unsure of.
#[inline(always)]
fn run_end(set: &Set, scan: Scan, b: &[u8], mut i: usize, limit: usize) -> Option<usize> {
    // Whole words first, where the run's kind allows.
    if scan != Scan::Table {
        while i + 8 <= limit {
            let v = word(b, i);
            let n = if scan == Scan::Digits {
                leading_digits(v)
            } else {
                // The lowest byte below 0x21 or from 0x7f up (each test's lowest mark is
                // exact).
                let low = v.wrapping_sub(0x2121_2121_2121_2121) & !v;
                let high = v.wrapping_add(0x0101_0101_0101_0101) | v;
                ((low | high) & 0x8080_8080_8080_8080).trailing_zeros() as usize / 8
            };
            i += n;
            if n < 8 {
                if set[usize::from(b[i])] != TAKE {
                    break;
                }
                // A byte outside 0x21..=0x7e that the set takes (a space in `.`).
                i += 1;
            }
        }
    }
    let run = &b[i..limit];
    let rest = run
        .iter()
        .position(|&c| set[usize::from(c)] != TAKE)
        .unwrap_or(run.len());
    if rest < run.len() && set[usize::from(run[rest])] == UNSURE {
        return None;
    }
    Some(i + rest)
}

/// What one walk found.
enum Walk {
    Matched(usize),
    /// No match here; where the first run ended.
    Failed(usize),
    Unsure,
}

/// The steps of `hir` appended to `steps`; `None` for anything but literals, classes,
/// runs of a class and (unless `in_group`) capture groups of those.
fn flatten(hir: &Hir, steps: &mut Vec<Step>, groups: &mut usize, in_group: bool) -> Option<()> {
    match hir.kind() {
        HirKind::Literal(lit) => {
            for &c in lit.0.iter() {
                if c >= 0x80 {
                    return None;
                }
                steps.push(Step::Byte(c));
            }
        }
        HirKind::Class(class) => steps.push(Step::Run {
            set: class_set(class),
            min: 1,
            max: 1,
            scan: Scan::Table,
        }),
        HirKind::Repetition(rep) => {
            if !rep.greedy {
                return None;
            }
            let set = match rep.sub.kind() {
                HirKind::Class(class) => class_set(class),
                HirKind::Literal(lit) if lit.0.len() == 1 => byte_set(lit.0[0])?,
                _ => return None,
            };
            steps.push(Step::Run {
                set,
                min: usize::try_from(rep.min).ok()?,
                max: rep
                    .max
                    .map_or(Some(usize::MAX), |m| usize::try_from(m).ok())?,
                scan: Scan::Table,
            });
        }
        HirKind::Capture(cap) => {
            if in_group {
                return None;
            }
            // Groups are numbered in the order they open; a flat sequence opens them in
            // order, so the capture's index tells its place.
            let g = usize::try_from(cap.index).ok()?.checked_sub(1)?;
            if g != *groups {
                return None;
            }
            *groups += 1;
            steps.push(Step::Open(g));
            flatten(&cap.sub, steps, groups, true)?;
            steps.push(Step::Close(g));
        }
        HirKind::Concat(items) => {
            for item in items {
                flatten(item, steps, groups, in_group)?;
            }
        }
        HirKind::Empty => {}
        HirKind::Look(_) | HirKind::Alternation(_) => return None,
    }
    Some(())
}

/// The set of one ASCII byte (`None` above 0x7f: the walk reads ASCII only).
fn byte_set(c: u8) -> Option<Box<Set>> {
    if c >= 0x80 {
        return None;
    }
    let mut set = empty_set();
    set[usize::from(c)] = TAKE;
    Some(set)
}

/// The ASCII bytes of a class.
fn class_set(class: &Class) -> Box<Set> {
    let mut set = empty_set();
    match class {
        Class::Unicode(u) => {
            for r in u.ranges() {
                for c in u32::from(r.start())..=u32::from(r.end()).min(127) {
                    set[c as usize] = TAKE;
                }
            }
        }
        Class::Bytes(b) => {
            for r in b.ranges() {
                for c in r.start()..=r.end().min(127) {
                    set[usize::from(c)] = TAKE;
                }
            }
        }
    }
    set
}

/// The bytes the steps can start with: those of each run up to and including the first
/// one that must take a byte.
fn first_set(steps: &[Step]) -> Box<Set> {
    let mut first = empty_set();
    for step in steps {
        match step {
            Step::Run { set, min, .. } => {
                for (f, s) in first.iter_mut().zip(set.iter()) {
                    if *s == TAKE {
                        *f = TAKE;
                    }
                }
                if *min > 0 {
                    break;
                }
            }
            Step::Byte(c) => {
                first[usize::from(*c)] = TAKE;
                break;
            }
            Step::Open(_) | Step::Close(_) => {}
        }
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;
    use regex_automata::{meta, Input};

    /// Every match the walk finds is the one the regex engine finds, with the same groups.
    fn same_as_engine(pattern: &str, text: &str) {
        let lin = Linear::new(pattern).unwrap_or_else(|| panic!("{pattern:?} not linear"));
        let re = meta::Regex::new(pattern).unwrap();
        let mut caps = re.create_captures();
        let mut slots = vec![0usize; 2 * lin.groups()];
        let mut pos = 0;
        let mut budget = usize::MAX;
        loop {
            let found = lin.search(text.as_bytes(), pos, &mut slots, &mut budget);
            re.search_captures(&Input::new(text).span(pos..text.len()), &mut caps);
            match (found, caps.get_match()) {
                (Found::None, None) => break,
                (Found::Match(s, e), Some(m)) => {
                    assert_eq!(
                        (s, e),
                        (m.start(), m.end()),
                        "{pattern:?} on {text:?} at {pos}"
                    );
                    for g in 0..lin.groups() {
                        let span = caps.get_group(g + 1).map(|sp| (sp.start, sp.end));
                        assert_eq!(Some((slots[2 * g], slots[2 * g + 1])), span, "group {g}");
                    }
                    pos = e;
                }
                (f, m) => panic!("{pattern:?} on {text:?} at {pos}: walk {f:?}, engine {m:?}"),
            }
        }
    }

    #[test]
    fn walks_match_the_engine() {
        let text = "1 alpha 2 0.5\n22 be 7 1e3\nx 3 y\n\n44 gamma 9 -2\n  5 d 6 7\n";
        for pattern in [
            r"(\d+) (\w+) (\d+) (\S+)\n",
            r"(\d+)\s+(\w+)",
            r"(\d+)",
            r"([a-z]+) (\d)",
            r"(\d{1,2}) ",
            r"(\w+)\n",
            r"(?i)(A+)",
            r"(-?\d+)",
            r"([^ \n]+) ",
            r"\n(\d+)",
            r"x? ?(\d+)",
        ] {
            same_as_engine(pattern, text);
        }
        // Runs longer than a word, in each way a run is scanned.
        let long = "abcdefghijklmnop qrstuvwxyz0123456789 a.b,c;d efg,hij\n12345678901234567 x\n";
        for pattern in [
            r"(\S+) ",
            r"(.+)\n",
            r"([^,]+),",
            r"(\d+) ",
            r"(\w+)",
            r"(.{3,20})\n",
        ] {
            same_as_engine(pattern, long);
            same_as_engine(pattern, &long.repeat(3));
        }
        same_as_engine(r"(\d+)x", &"1".repeat(5000));
        same_as_engine(r"a(\d+)b", "a123a456ba7b");
    }

    #[test]
    fn refuses_what_it_cannot_decide() {
        for pattern in [
            r"(\d+)(\d+)",
            r"(\w+)\s*(\d+)",
            r"(ab|cd)",
            r"^(\d+)",
            r"((\d+))",
            r"(\d+)*",
            r"(\d+?) ",
            r"\d*",
            r"(é+)",
            r"(\d+)\b",
        ] {
            assert!(Linear::new(pattern).is_none(), "{pattern:?}");
        }
    }

    #[test]
    fn unsure_on_non_ascii_and_spent_budget() {
        let lin = Linear::new(r"(\w+) ").unwrap();
        let mut slots = [0; 2];
        let mut budget = usize::MAX;
        assert_eq!(
            lin.search("ab é ".as_bytes(), 0, &mut slots, &mut budget),
            Found::Match(0, 3)
        );
        assert_eq!(
            lin.search("ab é ".as_bytes(), 3, &mut slots, &mut budget),
            Found::Unsure
        );
        let mut small = 3;
        assert_eq!(
            lin.search(b"abcdef ", 0, &mut slots, &mut small),
            Found::Unsure
        );
    }
}
