//! Changing the byte order of whole records in place.
//!
//! A [`ByteOrderPlan`] is computed once from a dtype: the byte spans that must be reversed,
//! unit by unit (an `f8` is one 8-byte unit, a `c16` two 8-byte units, a `U3` three 4-byte
//! units), merged where adjacent. Applying it to a buffer of records touches nothing else:
//! padding, strings and one-byte fields are left as they are.

use crate::dtype::{c_strides, ByteOrder, DType};
use crate::error::{Error, ErrorKind, Result};

/// A run of `count` units of `unit` bytes, starting at `offset` within a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    offset: usize,
    count: usize,
    unit: usize,
}

/// Which bytes of a record to reverse to move it from one byte order to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByteOrderPlan {
    itemsize: usize,
    spans: Vec<Span>,
    target: DType,
}

impl ByteOrderPlan {
    /// The plan that turns records of `from` into records of `from` with every scalar in
    /// byte order `to` ([`ByteOrder::NotApplicable`] means: keep every order).
    ///
    /// # Errors
    /// [`ErrorKind::Unsupported`] when fields overlap and would be swapped differently.
    pub fn new(from: &DType, to: ByteOrder) -> Result<ByteOrderPlan> {
        let target = if to == ByteOrder::NotApplicable {
            from.clone()
        } else {
            from.with_byte_order(to)
        };
        let mut spans = Vec::new();
        for leaf in from.leaf_fields() {
            let unit = leaf.dtype.swap_unit();
            let order = leaf.dtype.byte_order();
            if unit <= 1
                || order == ByteOrder::NotApplicable
                || to == ByteOrder::NotApplicable
                || order == to
            {
                continue;
            }
            let per = leaf.dtype.size() / unit;
            let n = leaf.count();
            // A C-contiguous block of scalars (every plain subarray) is a single span.
            if leaf.strides == c_strides(&leaf.shape, leaf.dtype.size()) {
                push_span(
                    &mut spans,
                    Span {
                        offset: leaf.offset,
                        count: n * per,
                        unit,
                    },
                );
                continue;
            }
            // Otherwise (subarrays of records) visit every element, C order.
            let mut index = vec![0usize; leaf.shape.len()];
            for _ in 0..n {
                let offset = leaf.offset
                    + index
                        .iter()
                        .zip(&leaf.strides)
                        .map(|(i, s)| i * s)
                        .sum::<usize>();
                push_span(
                    &mut spans,
                    Span {
                        offset,
                        count: per,
                        unit,
                    },
                );
                for ax in (0..index.len()).rev() {
                    index[ax] += 1;
                    if index[ax] < leaf.shape[ax] {
                        break;
                    }
                    index[ax] = 0;
                }
            }
        }
        spans.sort_by_key(|s| s.offset);
        for pair in spans.windows(2) {
            if pair[0].offset + pair[0].count * pair[0].unit > pair[1].offset {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    "cannot change the byte order of a dtype whose fields overlap",
                ));
            }
        }
        Ok(ByteOrderPlan {
            itemsize: from.itemsize(),
            spans,
            target,
        })
    }

    /// The dtype of the converted records.
    pub fn target(&self) -> &DType {
        &self.target
    }

    /// True when nothing needs swapping.
    pub fn is_noop(&self) -> bool {
        self.spans.is_empty()
    }

    /// Convert whole records in place.
    ///
    /// # Errors
    /// [`ErrorKind::Argument`] when `records` is not a whole number of records.
    pub fn apply(&self, records: &mut [u8]) -> Result<()> {
        if self.spans.is_empty() {
            return Ok(());
        }
        if self.itemsize == 0 || records.len() % self.itemsize != 0 {
            return Err(Error::new(
                ErrorKind::Argument,
                format!(
                    "{} bytes are not a whole number of {}-byte records",
                    records.len(),
                    self.itemsize
                ),
            ));
        }
        // A plan that swaps every byte of the record in one unit size (any plain numeric
        // dtype, or records of one numeric type) swaps the whole buffer in one pass.
        if let Some(unit) = self.whole_record_unit() {
            swap_units(records, unit);
            return Ok(());
        }
        for record in records.chunks_exact_mut(self.itemsize) {
            for span in &self.spans {
                let bytes = &mut record[span.offset..span.offset + span.count * span.unit];
                swap_units(bytes, span.unit);
            }
        }
        Ok(())
    }

    /// Copy whole records from `src` to `dst`, converted on the way (one pass over memory
    /// instead of a copy and a swap).
    ///
    /// # Errors
    /// [`ErrorKind::Argument`] when the lengths differ or are not whole records.
    pub fn apply_copy(&self, src: &[u8], dst: &mut [u8]) -> Result<()> {
        if src.len() != dst.len() {
            return Err(Error::new(
                ErrorKind::Argument,
                "source and destination lengths differ",
            ));
        }
        match self.whole_record_unit() {
            Some(unit) if !self.spans.is_empty() => {
                if self.itemsize == 0 || src.len() % self.itemsize != 0 {
                    return self.apply(dst);
                }
                parallel_pairs(src, dst, unit, |s, d| swap_copy_units(s, d, unit));
                Ok(())
            }
            _ => {
                dst.copy_from_slice(src);
                self.apply(dst)
            }
        }
    }

    /// The unit size when the spans cover every byte of the record with one unit.
    fn whole_record_unit(&self) -> Option<usize> {
        match self.spans.as_slice() {
            [s] if s.offset == 0 && s.count * s.unit == self.itemsize => Some(s.unit),
            _ => None,
        }
    }
}

/// Merge with the previous span when adjacent and of the same unit.
fn push_span(spans: &mut Vec<Span>, span: Span) {
    if let Some(last) = spans.last_mut() {
        if last.unit == span.unit && last.offset + last.count * last.unit == span.offset {
            last.count += span.count;
            return;
        }
    }
    spans.push(span);
}

/// Below this many bytes a second thread costs more than it saves.
const PARALLEL_MIN: usize = 8 << 20;

/// Run `f` over matching pieces of `src` and `dst`, on every core for large buffers. Pieces
/// are whole multiples of `unit` bytes (and of 64 bytes, so that threads never share a
/// cache line of `dst`).
fn parallel_pairs(src: &[u8], dst: &mut [u8], unit: usize, f: impl Fn(&[u8], &mut [u8]) + Sync) {
    let threads = crate::cores();
    if threads < 2 || src.len() < PARALLEL_MIN {
        return f(src, dst);
    }
    let grain = unit * 64;
    let per = src.len().div_ceil(threads).div_ceil(grain) * grain;
    std::thread::scope(|scope| {
        for (s, d) in src.chunks(per).zip(dst.chunks_mut(per)) {
            let f = &f;
            scope.spawn(move || f(s, d));
        }
    });
}

fn swap_copy_units(src: &[u8], dst: &mut [u8], unit: usize) {
    macro_rules! typed {
        ($t:ty, $n:expr) => {{
            // Aligned on both sides (the usual case: owned buffers and page-aligned maps):
            // a plain loop over integers, which the compiler vectorises.
            if let (Ok(s), Ok(d)) = (
                bytemuck::try_cast_slice::<u8, $t>(src),
                bytemuck::try_cast_slice_mut::<u8, $t>(dst),
            ) {
                for (d, s) in d.iter_mut().zip(s) {
                    *d = s.swap_bytes();
                }
                return;
            }
            for (d, s) in dst.chunks_exact_mut($n).zip(src.chunks_exact($n)) {
                let mut a = [0u8; $n];
                a.copy_from_slice(s);
                d.copy_from_slice(&<$t>::from_ne_bytes(a).swap_bytes().to_ne_bytes());
            }
        }};
    }
    match unit {
        2 => typed!(u16, 2),
        4 => typed!(u32, 4),
        8 => typed!(u64, 8),
        16 => typed!(u128, 16),
        _ => {
            dst.copy_from_slice(src);
            swap_units(dst, unit);
        }
    }
}

fn swap_units(bytes: &mut [u8], unit: usize) {
    match unit {
        2 => bytes.chunks_exact_mut(2).for_each(|c| c.swap(0, 1)),
        4 => bytes.chunks_exact_mut(4).for_each(|c| {
            let v = u32::from_ne_bytes([c[0], c[1], c[2], c[3]]).swap_bytes();
            c.copy_from_slice(&v.to_ne_bytes());
        }),
        8 => bytes.chunks_exact_mut(8).for_each(|c| {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            c.copy_from_slice(&u64::from_ne_bytes(a).swap_bytes().to_ne_bytes());
        }),
        16 => bytes.chunks_exact_mut(16).for_each(|c| {
            let mut a = [0u8; 16];
            a.copy_from_slice(c);
            c.copy_from_slice(&u128::from_ne_bytes(a).swap_bytes().to_ne_bytes());
        }),
        _ => bytes.chunks_exact_mut(unit).for_each(<[u8]>::reverse),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swaps_each_scalar_and_leaves_the_rest() {
        let dt = DType::parse("[('a','>i2'),('s','S3'),('c','>c8'),('u','>U1',(2,)),('x','u1')]")
            .unwrap();
        let plan = ByteOrderPlan::new(&dt, ByteOrder::Little).unwrap();
        assert_eq!(
            plan.target().to_string(),
            "[('a', '<i2'), ('s', '|S3'), ('c', '<c8'), ('u', '<U1', (2,)), ('x', '|u1')]"
        );
        let mut rec: Vec<u8> = (0u8..22).collect();
        plan.apply(&mut rec).unwrap();
        assert_eq!(
            rec,
            vec![1, 0, 2, 3, 4, 8, 7, 6, 5, 12, 11, 10, 9, 16, 15, 14, 13, 20, 19, 18, 17, 21]
        );
        // Adjacent same-unit spans merge: c (two f4 units) and u (two 4-byte code points).
        assert_eq!(plan.spans.len(), 2);
        let back = ByteOrderPlan::new(plan.target(), ByteOrder::Big).unwrap();
        back.apply(&mut rec).unwrap();
        assert_eq!(rec, (0u8..22).collect::<Vec<_>>());
    }

    #[test]
    fn big_subarrays_are_one_span_and_records_in_subarrays_are_visited() {
        let dt = DType::parse("[('a','>i2',(1000000000,))]").unwrap();
        let plan = ByteOrderPlan::new(&dt, ByteOrder::Little).unwrap();
        assert_eq!(
            plan.spans,
            vec![Span {
                offset: 0,
                count: 1_000_000_000,
                unit: 2
            }]
        );
        let dt = DType::parse("[('r',[('x','>i2'),('s','S2')],(3,))]").unwrap();
        let plan = ByteOrderPlan::new(&dt, ByteOrder::Little).unwrap();
        assert_eq!(plan.spans.len(), 3);
        let mut rec = *b"ab..cd..ef..";
        plan.apply(&mut rec).unwrap();
        assert_eq!(&rec, b"ba..dc..fe..");
    }

    #[test]
    fn fused_copy_equals_copy_then_swap() {
        for spec in [
            ">f8",
            "<i2",
            ">c16",
            "[('a','>u4'),('b','>f4')]",
            "[('a','>u4'),('s','S4')]",
        ] {
            let dt = DType::parse(spec).unwrap();
            let plan = ByteOrderPlan::new(&dt, ByteOrder::Little).unwrap();
            let src: Vec<u8> = (0..dt.itemsize() * 5).map(|i| (i * 13) as u8).collect();
            let mut a = src.clone();
            plan.apply(&mut a).unwrap();
            let mut b = vec![0u8; src.len()];
            plan.apply_copy(&src, &mut b).unwrap();
            assert_eq!(a, b, "{spec}");
        }
    }

    #[test]
    fn the_parallel_path_matches_the_sequential_one() {
        let dt = DType::parse(">u4").unwrap();
        let plan = ByteOrderPlan::new(&dt, ByteOrder::Little).unwrap();
        let n = (PARALLEL_MIN + 4096) / 4 + 3; // not a multiple of the split
        let src: Vec<u8> = (0..n * 4).map(|i| (i % 253) as u8).collect();
        let mut seq = src.clone();
        plan.apply(&mut seq).unwrap();
        let mut par = vec![0u8; src.len()];
        plan.apply_copy(&src, &mut par).unwrap();
        assert!(seq == par);
    }

    #[test]
    fn nothing_to_do_and_bad_lengths() {
        let dt = DType::parse("<f8").unwrap();
        assert!(ByteOrderPlan::new(&dt, ByteOrder::Little)
            .unwrap()
            .is_noop());
        let plan = ByteOrderPlan::new(&dt, ByteOrder::Big).unwrap();
        assert!(plan.apply(&mut [0u8; 12]).is_err());
        let overlap =
            DType::parse("{'names':['a','b'],'formats':['>i4','>i2'],'offsets':[0,2]}").unwrap();
        assert_eq!(
            ByteOrderPlan::new(&overlap, ByteOrder::Little)
                .unwrap_err()
                .kind(),
            ErrorKind::Unsupported
        );
    }
}
