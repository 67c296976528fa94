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
    let view = expand_subarray(view.clone())?;
    let flags = view.flags();
    let n = view.len() * view.dtype().itemsize();
    if n >= 16 << 20 && (flags.c_contiguous || flags.f_contiguous) {
        // The data as it lies in memory (a Fortran-ordered file holds the Fortran bytes),
        // written on every core after the header.
        let fortran = !flags.c_contiguous;
        let (header, _) = header_bytes(view.dtype(), view.shape(), fortran)?;
        let start = view.layout().offset();
        let data = &view.bytes()[start..start + n];
        return crate::atomic::write_file_seekable(path, |file| {
            Write::write_all(file, &header)?;
            crate::pread::write_at(file, header.len() as u64, data)?;
            Ok(())
        });
    }
    crate::atomic::write_file(path, |out| write(&view, out))
}

/// Write `view` as a C-ordered `.npy` stream whatever its memory order (`np.save` of
/// `np.ascontiguousarray(a)`): bands of rows copied in C order as they are written.
///
/// # Errors
/// As [`write()`].
pub fn write_c(view: &ArrayView<'_>, out: &mut dyn Write) -> Result<()> {
    let view = expand_subarray(view.clone())?;
    let (header, _) = header_bytes(view.dtype(), view.shape(), false)?;
    out.write_all(&header)?;
    view.write_to(out)
}

/// Save `view` to `path` as a C-ordered `.npy` whatever its memory order
/// (`np.save(path, np.ascontiguousarray(a))`), atomically, without a contiguous copy in
/// memory: bands of rows are copied and written on every core.
///
/// # Errors
/// As [`save`].
pub fn save_c(view: &ArrayView<'_>, path: &Path) -> Result<()> {
    let view = expand_subarray(view.clone())?;
    let (header, _) = header_bytes(view.dtype(), view.shape(), false)?;
    crate::atomic::write_file_seekable(path, |file| {
        Write::write_all(file, &header)?;
        crate::array::view::write_c_at(&view, file, header.len() as u64)
    })
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

/// Where [`save_streamed`]'s producer hands records.
pub type RecordSink<'a> = dyn FnMut(&[u8]) -> Result<()> + 'a;

/// Write an `.npy` file of `dtype` whose records arrive in blocks and whose shape is known
/// only at the end (text being parsed, a stream being decoded): `produce` hands whole
/// records (C order) to the sink it is given and returns the final shape. The file is
/// what [`save`] writes of the same array, and appears only when complete.
///
/// The header is written first for an empty array and rewritten at the end; NumPy's
/// headers leave room for the first dimension to grow, and when another shape needs a
/// header of another length the data is moved.
///
/// # Errors
/// The producer's errors (the file is then not created), a record count that does not
/// match the shape, and I/O errors.
pub fn save_streamed(
    path: &Path,
    dtype: &DType,
    produce: impl FnOnce(&mut RecordSink<'_>) -> Result<Vec<usize>>,
) -> Result<()> {
    use std::io::{Seek, SeekFrom};
    crate::atomic::write_file_seekable(path, |file| {
        let placeholder = header_for(dtype, &[0], Order::C)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, &mut *file);
        out.write_all(&placeholder)?;
        let mut written = 0u64;
        let shape = produce(&mut |bytes: &[u8]| {
            out.write_all(bytes)?;
            written += bytes.len() as u64;
            Ok(())
        })?;
        out.flush()?;
        drop(out);
        let want = shape
            .iter()
            .try_fold(dtype.itemsize() as u64, |a, &d| a.checked_mul(d as u64));
        if want != Some(written) {
            return Err(Error::new(
                ErrorKind::Argument,
                format!("{written} bytes of records do not make an array of shape {shape:?}"),
            ));
        }
        let header = header_for(dtype, &shape, Order::C)?;
        let (old_len, new_len) = (placeholder.len() as u64, header.len() as u64);
        if new_len != old_len {
            move_tail(file, old_len, new_len, written)?;
        }
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&header)?;
        file.flush()?;
        Ok(())
    })
}

/// Move the `len` bytes at `from` in `file` to `to`, and end the file after them.
fn move_tail(file: &mut std::fs::File, from: u64, to: u64, len: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut buf = vec![0u8; (4 << 20).min(len as usize).max(1)];
    let step = buf.len() as u64;
    let mut copy = |at: u64, file: &mut std::fs::File| -> std::io::Result<()> {
        let n = (len - at).min(step) as usize;
        file.seek(SeekFrom::Start(from + at))?;
        file.read_exact(&mut buf[..n])?;
        file.seek(SeekFrom::Start(to + at))?;
        file.write_all(&buf[..n])
    };
    if to > from {
        // Right: from the end, so that nothing is overwritten before it is read.
        let mut at = len - len % step;
        if at == len && len > 0 {
            at -= step;
        }
        loop {
            copy(at, file)?;
            if at == 0 {
                break;
            }
            at -= step;
        }
    } else {
        let mut at = 0;
        while at < len {
            copy(at, file)?;
            at += step;
        }
    }
    file.set_len(to + len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::array::Array;

    /// Large contiguous arrays are written on every core: the file holds the same bytes
    /// as the one-writer path, for C and Fortran order.
    #[test]
    fn large_saves_match_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let dt = DType::parse("<f8").unwrap();
        let bytes: Vec<u8> = (0..1500usize * 1500 * 8)
            .map(|k| (k * 131 % 251) as u8)
            .collect();
        let layout = crate::array::Layout::contiguous(dt, &[1500, 1500], Order::C).unwrap();
        let a = Array::from_parts(crate::array::AlignedBuf::from_bytes(&bytes), layout).unwrap();
        for (name, view) in [("c", a.view()), ("f", a.view().t())] {
            assert!(view.len() * 8 >= 16 << 20);
            let path = dir.path().join(format!("{name}.npy"));
            save(&view, &path).unwrap();
            let mut want = Vec::new();
            write(&view, &mut want).unwrap();
            assert!(
                std::fs::read(&path).unwrap() == want,
                "{name}: the files differ"
            );
        }
    }

    /// Streamed files equal saved ones, when the final header is as long as the
    /// placeholder, longer, or shorter (the data moves either way).
    #[test]
    fn streamed_saves_equal_saves() {
        let dir = tempfile::tempdir().unwrap();
        for (spec, shape) in [
            ("<f8", vec![5000, 3]),
            ("<f8", vec![]),
            (&*format!("[('{}','<f8')]", "x".repeat(32)), vec![]),
            ("<i2", vec![2, 3, 4]),
        ] {
            let dt = DType::parse(spec).unwrap();
            let n: usize = crate::array::layout::shape_size(&shape) * dt.itemsize();
            let bytes: Vec<u8> = (0..n).map(|k| (k * 7 % 251) as u8).collect();
            let a = Array::from_parts(
                crate::array::AlignedBuf::from_bytes(&bytes),
                crate::array::Layout::contiguous(dt.clone(), &shape, Order::C).unwrap(),
            )
            .unwrap();
            let (p1, p2) = (dir.path().join("a.npy"), dir.path().join("b.npy"));
            save(&a.view(), &p1).unwrap();
            save_streamed(&p2, &dt, |sink| {
                for chunk in bytes.chunks(dt.itemsize().max(1) * 7) {
                    sink(chunk)?;
                }
                Ok(shape.clone())
            })
            .unwrap();
            assert_eq!(
                std::fs::read(&p1).unwrap(),
                std::fs::read(&p2).unwrap(),
                "{spec} {shape:?}"
            );
        }
        // A producer's error leaves nothing; so does a wrong shape.
        let p = dir.path().join("c.npy");
        let dt = DType::parse("<f8").unwrap();
        assert!(save_streamed(&p, &dt, |_| Err(Error::new(ErrorKind::Data, "no"))).is_err());
        assert!(save_streamed(&p, &dt, |sink| {
            sink(&[0; 8])?;
            Ok(vec![2])
        })
        .is_err());
        assert!(!p.exists());
    }

    #[test]
    fn tails_move_both_ways() {
        use std::io::{Read, Seek, SeekFrom};
        for (from, to, len) in [
            (64u64, 192u64, 10_000_000u64),
            (192, 64, 10_000_000),
            (64, 128, 5),
        ] {
            let mut f = tempfile::tempfile().unwrap();
            let data: Vec<u8> = (0..len).map(|k| (k % 253) as u8).collect();
            f.write_all(&vec![9u8; from as usize]).unwrap();
            f.write_all(&data).unwrap();
            move_tail(&mut f, from, to, len).unwrap();
            let mut all = Vec::new();
            f.seek(SeekFrom::Start(0)).unwrap();
            f.read_to_end(&mut all).unwrap();
            assert_eq!(all.len() as u64, to + len);
            assert!(all[to as usize..] == data[..], "{from} -> {to}");
        }
    }

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
