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
    for caps in re.captures_iter(text) {
        let start = data.len();
        data.resize(start + itemsize, 0);
        let values: Vec<(usize, &str)> = if groups == 0 {
            // Group 0, the whole match, is always present.
            caps.get(0)
                .map(|m| (m.start(), m.as_str()))
                .into_iter()
                .collect()
        } else {
            (1..=groups)
                .map(|g| {
                    caps.get(g)
                        .map_or((caps.get(0).map_or(0, |m| m.start()), ""), |m| {
                            (m.start(), m.as_str())
                        })
                })
                .collect()
        };
        if values.len() != leaves.len() {
            return Err(Error::new(
                ErrorKind::Argument,
                format!(
                    "one value per match for a dtype of {} fields: use one group per field",
                    leaves.len()
                ),
            ));
        }
        for (leaf, (at, value)) in leaves.iter().zip(values) {
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
