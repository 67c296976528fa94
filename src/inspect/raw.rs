//! The layout of a raw binary dump (NumPy's `fromfile`/`memmap` view of a file): how many
//! records, their shape and strides, and the flags, computed from the file size without
//! reading the data.

use serde::Serialize;

use super::{DTypeJson, FieldJson};
use crate::array::layout::{default_strides, is_contiguous};
pub use crate::array::{Flags, Order};
use crate::dtype::DType;
use crate::error::{Error, ErrorKind, Location, Result};

/// How a raw dump is laid out, as `dtinspect FILE --json` prints it (`kind: "raw"`).
#[derive(Debug, Clone, Serialize)]
pub struct RawLayout {
    /// Always `"raw"`.
    pub kind: &'static str,
    /// Bytes skipped before the first record.
    pub data_offset: u64,
    /// Array shape.
    pub shape: Vec<usize>,
    /// `"C"` or `"F"`.
    pub order: Order,
    /// Byte strides of the array axes.
    pub strides: Vec<isize>,
    /// Bytes per record.
    pub itemsize: usize,
    /// Bytes of data covered by the array.
    pub nbytes: u64,
    /// Bytes after the last whole record that the array does not cover.
    pub trailing_bytes: u64,
    /// The record dtype.
    pub dtype: DTypeJson,
    /// NumPy's flags.
    pub flags: Flags,
    /// Every leaf field as a view: array shape then subarray shape, array strides then the
    /// subarray's strides.
    pub fields: Vec<FieldJson>,
}

impl RawLayout {
    /// The layout of `file_len` bytes holding records of `dtype` after `offset` bytes.
    ///
    /// `count` (records) or `shape` (one dimension may be `-1`) fix how many records are
    /// used; without either, every whole record is, and a partial trailing record is an
    /// error unless `allow_trailing`.
    ///
    /// # Errors
    /// [`ErrorKind::Data`] with byte counts when the file is too short or ends in a partial
    /// record; [`ErrorKind::Argument`] for a bad shape or a zero-size dtype without a count.
    pub fn new(
        dtype: &DType,
        file_len: u64,
        offset: u64,
        count: Option<u64>,
        shape: Option<&[i64]>,
        order: Order,
        allow_trailing: bool,
    ) -> Result<RawLayout> {
        let itemsize = dtype.itemsize() as u64;
        if offset > file_len {
            return Err(Error::new(
                ErrorKind::Data,
                format!("offset {offset} is past the end of the {file_len}-byte file"),
            )
            .at(Location::Byte(file_len)));
        }
        let avail = file_len - offset;
        let whole = avail.checked_div(itemsize);
        let shape: Vec<usize> = match (shape, count) {
            (Some(dims), _) => resolve_shape(dims, whole, itemsize, avail)?,
            (None, Some(n)) => vec![usize::try_from(n).map_err(|_| too_big())?],
            (None, None) => {
                let Some(n) = whole else {
                    return Err(Error::new(
                        ErrorKind::Argument,
                        "the dtype has itemsize 0: give --count or --shape",
                    ));
                };
                if avail % itemsize != 0 && !allow_trailing {
                    return Err(Error::new(
                        ErrorKind::Data,
                        format!(
                            "{avail} bytes after the offset are not a whole number of {itemsize}-byte \
                             records: {n} records and {} bytes left over",
                            avail % itemsize
                        ),
                    )
                    .at(Location::Byte(offset + n * itemsize)));
                }
                vec![usize::try_from(n).map_err(|_| too_big())?]
            }
        };
        let records = shape
            .iter()
            .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64))
            .ok_or_else(too_big)?;
        let nbytes = records.checked_mul(itemsize).ok_or_else(too_big)?;
        if nbytes > avail {
            return Err(Error::new(
                ErrorKind::Data,
                format!(
                    "{records} records of {itemsize} bytes need {nbytes} bytes after offset {offset}, \
                     but the file has {avail}"
                ),
            )
            .at(Location::Byte(file_len)));
        }
        let isz = dtype.itemsize();
        let strides = default_strides(&shape, isz, order);
        let align = dtype.alignment() as u64;
        let aligned = offset % align == 0
            && shape
                .iter()
                .zip(&strides)
                .all(|(&d, &s)| d <= 1 || s.unsigned_abs() as u64 % align == 0);
        let flags = Flags {
            c_contiguous: is_contiguous(&shape, &strides, isz, Order::C),
            f_contiguous: is_contiguous(&shape, &strides, isz, Order::F),
            aligned,
            writeable: false,
            owndata: false,
        };
        let fields = dtype
            .leaf_fields()
            .into_iter()
            .map(|l| {
                let mut fshape = shape.clone();
                fshape.extend_from_slice(&l.shape);
                let mut fstrides = strides.clone();
                fstrides.extend(l.strides.iter().map(|&s| s as isize));
                FieldJson {
                    nbytes: l.count() * l.dtype.size(),
                    itemsize: l.dtype.size(),
                    dtype: l.dtype.typestr(),
                    path: l.path,
                    offset: l.offset,
                    shape: fshape,
                    strides: fstrides,
                    title: l.title,
                }
            })
            .collect();
        Ok(RawLayout {
            kind: "raw",
            data_offset: offset,
            order: if flags.c_contiguous || !flags.f_contiguous {
                Order::C
            } else {
                Order::F
            },
            shape,
            strides,
            itemsize: isz,
            nbytes,
            trailing_bytes: avail - nbytes,
            dtype: DTypeJson::new(dtype),
            flags,
            fields,
        })
    }
}

fn too_big() -> Error {
    Error::new(ErrorKind::Limit, "array size overflows 64 bits")
}

fn resolve_shape(
    dims: &[i64],
    whole: Option<u64>,
    itemsize: u64,
    avail: u64,
) -> Result<Vec<usize>> {
    let unknown: Vec<usize> = (0..dims.len()).filter(|&i| dims[i] == -1).collect();
    if unknown.len() > 1 {
        return Err(Error::new(
            ErrorKind::Argument,
            "only one dimension of --shape may be -1",
        ));
    }
    if let Some(d) = dims.iter().find(|&&d| d < -1) {
        return Err(Error::new(
            ErrorKind::Argument,
            format!("negative dimension {d} in --shape"),
        ));
    }
    let known = dims
        .iter()
        .filter(|&&d| d != -1)
        .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64))
        .ok_or_else(too_big)?;
    let mut out: Vec<usize> = Vec::with_capacity(dims.len());
    for &d in dims {
        if d == -1 {
            let Some(n) = whole else {
                return Err(Error::new(
                    ErrorKind::Argument,
                    "cannot infer -1 with a zero-size dtype",
                ));
            };
            if known == 0 || n % known != 0 {
                return Err(Error::new(
                    ErrorKind::Data,
                    format!(
                        "{avail} bytes hold {n} records of {itemsize} bytes, which do not fill a \
                         whole number of rows of {known}"
                    ),
                ));
            }
            out.push(usize::try_from(n / known).map_err(|_| too_big())?);
        } else {
            out.push(usize::try_from(d).map_err(|_| too_big())?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strides_and_flags_follow_numpy() {
        let dt = DType::parse("[('a','i8'),('b','S8'),('c','i8'),('d','f8')]").unwrap();
        assert_eq!(
            default_strides(&[2, 3, 4], 32, Order::C),
            vec![384, 128, 32]
        );
        assert_eq!(default_strides(&[2, 3, 4], 32, Order::F), vec![32, 64, 192]);
        assert_eq!(default_strides(&[0, 3], 8, Order::C), vec![0, 0]);
        assert!(is_contiguous(&[1, 3], &[24, 8], 8, Order::F));
        let l = RawLayout::new(&dt, 32 * 6, 0, None, Some(&[2, -1]), Order::F, false).unwrap();
        assert_eq!(l.shape, vec![2, 3]);
        assert_eq!(l.strides, vec![32, 64]);
        assert!(l.flags.f_contiguous && !l.flags.c_contiguous);
        assert_eq!(l.fields[1].strides, vec![32, 64]);
    }

    #[test]
    fn partial_records_name_the_byte_counts() {
        let dt = DType::parse("<f8").unwrap();
        let e = RawLayout::new(&dt, 20, 0, None, None, Order::C, false).unwrap_err();
        assert!(
            e.message().contains("2 records and 4 bytes left over"),
            "{e}"
        );
        assert_eq!(e.location(), Some(Location::Byte(16)));
        let l = RawLayout::new(&dt, 20, 0, None, None, Order::C, true).unwrap();
        assert_eq!((l.shape.clone(), l.trailing_bytes), (vec![2], 4));
        let e = RawLayout::new(&dt, 20, 4, Some(3), None, Order::C, false).unwrap_err();
        assert!(e.message().contains("need 24 bytes"), "{e}");
    }
}
