//! `.npy` files: reading them as NumPy does (with checked sizes) and writing them
//! byte-identical to `np.save`.
//!
//! The header is what NumPy's `_write_array_header` produces: the dict
//! `{'descr': ..., 'fortran_order': ..., 'shape': ..., }` with sorted keys and Python
//! reprs, spaces after it so that the growth axis can be rewritten in place (21 digits'
//! worth), then padding so that the data starts at a multiple of 64 bytes. The version is
//! the lowest that fits: 1.0 (2-byte length, Latin-1), 2.0 (4-byte length), or 3.0 (UTF-8
//! field names).

mod grow;
mod read;

pub use grow::{append, create, Writer};
pub use read::{load, parse_header, read_header, view, Header, MappedNpy, ReadOptions};

use std::io::Write;
use std::path::Path;

use crate::array::{ArrayView, Order};
use crate::dtype::{py_repr_shape, DType};
use crate::error::{Error, ErrorKind, Result};

/// The magic string that opens every `.npy` file.
pub const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// Data starts at a multiple of this many bytes (NumPy's `ARRAY_ALIGN`).
pub const ARRAY_ALIGN: usize = 64;

/// Digits reserved for the growth axis (NumPy's `GROWTH_AXIS_MAX_DIGITS`).
pub const GROWTH_AXIS_MAX_DIGITS: usize = 21;

/// A `.npy` format version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// 1.0: 2-byte header length, Latin-1 header.
    V1,
    /// 2.0: 4-byte header length, Latin-1 header.
    V2,
    /// 3.0: 4-byte header length, UTF-8 header.
    V3,
}

impl Version {
    /// `(major, minor)`.
    pub fn numbers(self) -> (u8, u8) {
        match self {
            Version::V1 => (1, 0),
            Version::V2 => (2, 0),
            Version::V3 => (3, 0),
        }
    }
}

/// The header dict text NumPy writes, growth spaces included, before padding.
///
/// # Errors
/// When NumPy cannot describe the dtype in a header (overlapping or out-of-order fields)
/// or the dtype holds Python objects.
pub fn header_text(dtype: &DType, shape: &[usize], fortran_order: bool) -> Result<String> {
    if dtype.has_object() {
        return Err(Error::new(
            ErrorKind::Unsupported,
            "arrays of Python objects are stored pickled in .npy files; dtkit does not write them",
        ));
    }
    let descr = dtype.npy_descr()?;
    let mut text = format!(
        "{{'descr': {descr}, 'fortran_order': {}, 'shape': {}, }}",
        if fortran_order { "True" } else { "False" },
        py_repr_shape(shape)
    );
    if !shape.is_empty() {
        let growth = if fortran_order {
            shape[shape.len() - 1]
        } else {
            shape[0]
        };
        let digits = growth.to_string().len();
        text.push_str(&" ".repeat(GROWTH_AXIS_MAX_DIGITS.saturating_sub(digits)));
    }
    Ok(text)
}

/// The complete header (magic, version, length, text, padding, newline) in the lowest
/// version that can hold it, as `np.save` chooses.
///
/// # Errors
/// As [`header_text`].
pub fn header_bytes(
    dtype: &DType,
    shape: &[usize],
    fortran_order: bool,
) -> Result<(Vec<u8>, Version)> {
    let text = header_text(dtype, shape, fortran_order)?;
    let latin1: Option<Vec<u8>> = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect();
    let candidates: Vec<(Version, Vec<u8>)> = match latin1 {
        Some(bytes) => vec![(Version::V1, bytes.clone()), (Version::V2, bytes)],
        None => vec![(Version::V3, text.into_bytes())],
    };
    for (version, body) in candidates {
        let len_size = if version == Version::V1 { 2 } else { 4 };
        let hlen = body.len() + 1;
        let padlen = ARRAY_ALIGN - ((8 + len_size + hlen) % ARRAY_ALIGN);
        let total = hlen + padlen;
        if version == Version::V1 && total > usize::from(u16::MAX) {
            continue;
        }
        let total32 = u32::try_from(total)
            .map_err(|_| Error::new(ErrorKind::Limit, "header longer than 4 GiB"))?;
        let mut out = Vec::with_capacity(8 + len_size + total);
        out.extend_from_slice(MAGIC);
        let (major, minor) = version.numbers();
        out.extend_from_slice(&[major, minor]);
        if version == Version::V1 {
            out.extend_from_slice(&(total as u16).to_le_bytes());
        } else {
            out.extend_from_slice(&total32.to_le_bytes());
        }
        out.extend_from_slice(&body);
        out.extend(std::iter::repeat_n(b' ', padlen));
        out.push(b'\n');
        return Ok((out, version));
    }
    unreachable!("version 2.0 holds any Latin-1 header")
}

/// `dtype` and `shape` with any subarray dtype absorbed into the shape, as NumPy stores
/// arrays: `('<f8', (3,))` with shape `[2]` becomes `<f8` with shape `[2, 3]`.
pub fn expanded(dtype: &DType, shape: &[usize]) -> (DType, Vec<usize>) {
    let mut shape = shape.to_vec();
    let mut base = dtype.clone();
    while let DType::Subarray(sub) = base {
        shape.extend_from_slice(sub.shape());
        base = sub.base().clone();
    }
    (base, shape)
}

/// A view with a subarray dtype seen as NumPy sees such an array: the subarray's shape
/// becomes trailing axes of a plain dtype (`np.fromfile(f, '(2,3)f8')` has shape
/// `(n, 2, 3)`).
///
/// # Errors
/// Only on too many dimensions.
pub fn expand_subarray<'a>(view: ArrayView<'a>) -> Result<ArrayView<'a>> {
    let DType::Subarray(sub) = view.dtype() else {
        return Ok(view);
    };
    let mut shape = view.shape().to_vec();
    shape.extend_from_slice(sub.shape());
    let mut strides = view.strides().to_vec();
    strides.extend(
        crate::dtype::c_strides(sub.shape(), sub.base().itemsize())
            .into_iter()
            .map(|s| s as isize),
    );
    let layout = crate::array::Layout::new(
        sub.base().clone(),
        &shape,
        &strides,
        view.layout().offset(),
        view.bytes().len(),
    )?;
    expand_subarray(ArrayView::with_layout(view.bytes(), layout)?)
}

/// Write `view` as a `.npy` stream: C order unless the view is only Fortran-contiguous,
/// as `np.save` decides.
///
/// # Errors
/// As [`header_text`], and I/O errors of `out`.
pub fn write(view: &ArrayView<'_>, out: &mut dyn Write) -> Result<()> {
    let view = expand_subarray(view.clone())?;
    let flags = view.flags();
    let fortran = !flags.c_contiguous && flags.f_contiguous;
    let (header, _) = header_bytes(view.dtype(), view.shape(), fortran)?;
    out.write_all(&header)?;
    if fortran {
        // The Fortran-contiguous bytes are the bytes of the transpose in C order.
        view.clone().t().write_to(out)
    } else {
        view.write_to(out)
    }
}

/// Save `view` to `path` as `np.save` would, atomically.
///
/// # Errors
/// As [`write()`]; on error `path` is untouched.
pub fn save(view: &ArrayView<'_>, path: &Path) -> Result<()> {
    crate::atomic::write_file(path, |out| write(view, out))
}

/// The header of `shape` records of `dtype` in `order`, for streaming writers that write
/// the data themselves.
///
/// # Errors
/// As [`header_text`].
pub fn header_for(dtype: &DType, shape: &[usize], order: Order) -> Result<Vec<u8>> {
    let (dtype, shape) = expanded(dtype, shape);
    header_bytes(&dtype, &shape, order == Order::F && shape.len() > 1).map(|(h, _)| h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::array::Array;

    #[test]
    fn header_of_a_small_array_matches_np_save() {
        let (h, v) = header_bytes(&DType::parse("<f8").unwrap(), &[3], false).unwrap();
        assert_eq!(v, Version::V1);
        let mut want =
            b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }"
                .to_vec();
        want.extend(std::iter::repeat_n(b' ', 60));
        want.push(b'\n');
        assert_eq!(h, want);
        assert_eq!(h.len(), 128);
    }

    #[test]
    fn versions_follow_the_header() {
        let cjk = DType::parse("[('\u{4e2d}','<i4')]").unwrap();
        assert_eq!(header_bytes(&cjk, &[1], false).unwrap().1, Version::V3);
        let latin = DType::parse("[('\u{e9}','<i4')]").unwrap();
        assert_eq!(header_bytes(&latin, &[1], false).unwrap().1, Version::V1);
        let wide = DType::parse(&vec!["i4"; 10_001].join(",")).unwrap();
        let (h, v) = header_bytes(&wide, &[2], false).unwrap();
        assert_eq!(v, Version::V2);
        assert_eq!(h.len() % 64, 0);
        let overlap =
            DType::parse("{'names':['a','b'],'formats':['i4','i4'],'offsets':[0,2]}").unwrap();
        assert!(header_bytes(&overlap, &[1], false).is_err());
    }

    #[test]
    fn fortran_arrays_are_written_in_fortran_order() {
        let a = Array::from_bytes(
            &(0u8..6).collect::<Vec<_>>(),
            DType::parse("u1").unwrap(),
            &[2, 3],
            Order::F,
        )
        .unwrap();
        let mut out = Vec::new();
        write(&a.view(), &mut out).unwrap();
        let text = String::from_utf8_lossy(&out[10..out.len() - 6]).into_owned();
        assert!(
            text.contains("'fortran_order': True, 'shape': (2, 3), }"),
            "{text}"
        );
        assert_eq!(&out[out.len() - 6..], &[0, 1, 2, 3, 4, 5]);
        // A non-contiguous view is written in C order.
        let mut out = Vec::new();
        write(&a.view().slice_axis(1, None, None, 2).unwrap(), &mut out).unwrap();
        assert_eq!(&out[out.len() - 4..], &[0, 4, 1, 5]);
    }
}
