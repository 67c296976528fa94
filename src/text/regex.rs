//! NumPy's `fromregex`: every match of a regular expression is a record; its capture groups
//! fill the record's fields in order.
//!
//! Patterns use the `regex` crate's syntax, which is Python's `re` without lookaround and
//! backreferences.

use crate::array::{AlignedBuf, Array, Layout, Order};
use crate::dtype::DType;
use crate::error::{Error, ErrorKind, Location, Result};

use super::convert::convert;

/// `np.fromregex` on text: one record per match of `pattern`.
///
/// # Errors
/// A dtype without fields (as NumPy), nested or subarray fields, a pattern that does not
/// compile, a group count different from the field count, or a group that does not
/// convert (at its line and column).
pub fn fromregex_str(text: &str, pattern: &str, dtype: &DType) -> Result<Array> {
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
    let re = regex::Regex::new(pattern).map_err(|e| {
        Error::new(
            ErrorKind::Argument,
            format!("invalid regular expression: {e}"),
        )
    })?;
    let groups = re.captures_len() - 1;
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
    let itemsize = dtype.itemsize();
    let mut data = Vec::new();
    let mut rows = 0usize;
    let mut locs = re.capture_locations();
    let mut values: Vec<(usize, &str)> = Vec::with_capacity(wanted);
    let mut pos = 0usize;
    let mut last_empty_end: Option<usize> = None;
    while pos <= text.len() {
        let Some(m) = re.captures_read_at(&mut locs, text, pos) else {
            break;
        };
        // An empty match right where the previous one ended is skipped, as re.finditer.
        if m.start() == m.end() && last_empty_end == Some(m.end()) {
            pos = next_char(text, pos);
            continue;
        }
        if m.start() == m.end() {
            last_empty_end = Some(m.end());
            pos = next_char(text, m.end());
        } else {
            last_empty_end = Some(m.end());
            pos = m.end();
        }
        let start = data.len();
        data.resize(start + itemsize, 0);
        values.clear();
        if groups == 0 {
            values.push((m.start(), m.as_str()));
        } else {
            for g in 1..=groups {
                values.push(match locs.get(g) {
                    Some((s, e)) => (s, &text[s..e]),
                    None => (m.start(), ""),
                });
            }
        }
        if values.len() != leaves.len() {
            return Err(Error::new(
                ErrorKind::Argument,
                format!(
                    "one value per match for a dtype of {} fields: use one group per field",
                    leaves.len()
                ),
            ));
        }
        for (leaf, &(at, value)) in leaves.iter().zip(&values) {
            let out = &mut data[start + leaf.offset..start + leaf.offset + leaf.dtype.size()];
            if convert(&leaf.dtype, value, out).is_err() {
                let before = &text[..at];
                let line = before.matches('\n').count() as u64 + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
                return Err(Error::new(
                    ErrorKind::Data,
                    format!(
                        "could not convert {value:?} to {} for field {:?}",
                        leaf.dtype.name(),
                        leaf.path
                    ),
                )
                .at(Location::Line { line, column }));
            }
        }
        rows += 1;
    }
    let layout = Layout::contiguous(dtype.clone(), &[rows], Order::C)?;
    Array::from_parts(AlignedBuf::from_bytes(&data), layout)
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
