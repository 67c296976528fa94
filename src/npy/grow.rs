//! `.npy` files that grow: created at full size for mapping (`open_memmap(mode='w+')`),
//! appended to in place, or written as a stream of records of unknown count.
//!
//! All three rely on the growth padding `np.save` writes after the header dict: changing
//! the length of the growth axis (the first axis, or the last for Fortran order) rewrites
//! the header in place without moving the data. Data is written and synced before the
//! header that announces it, so after every flush the file is a valid `.npy` file: a crash
//! loses at most the records written since the last flush.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::header_bytes;
use super::read::{read_header, Header, ReadOptions};
use crate::array::{ArrayView, Order};
use crate::dtype::DType;
use crate::error::{Error, ErrorKind, Result};

fn io_err(what: &str, path: &Path, e: std::io::Error) -> Error {
    let err = Error::from(e);
    Error::new(
        err.kind(),
        format!("{what} {}: {}", path.display(), err.message()),
    )
}

/// Create an `.npy` file for `shape` elements of `dtype` in `order`, filled with zeros,
/// ready to be mapped with [`MapMode::ReadWrite`](crate::storage::MapMode) (NumPy's
/// `open_memmap(mode='w+')`). The file is created atomically.
///
/// # Errors
/// When the dtype cannot be described in a header, and I/O errors.
pub fn create(path: &Path, dtype: &DType, shape: &[usize], order: Order) -> Result<Header> {
    let fortran = order == Order::F && shape.len() > 1;
    let (header, version) = header_bytes(dtype, shape, fortran)?;
    let data_len = shape
        .iter()
        .try_fold(dtype.itemsize(), |a, &d| a.checked_mul(d))
        .ok_or_else(|| Error::new(ErrorKind::Limit, "array size overflows"))?;
    crate::atomic::write_file(path, |out| {
        out.write_all(&header)?;
        // Zeros in bounded chunks; the file system may keep them sparse.
        let zeros = vec![0u8; (1 << 20).min(data_len.max(1))];
        let mut left = data_len;
        while left > 0 {
            let n = left.min(zeros.len());
            out.write_all(&zeros[..n])?;
            left -= n;
        }
        Ok(())
    })?;
    let prefix = if version == super::Version::V1 {
        10
    } else {
        12
    };
    Ok(Header {
        version,
        header_len: header.len() - prefix,
        data_offset: header.len(),
        dtype: dtype.clone(),
        fortran_order: fortran,
        shape: shape.to_vec(),
    })
}

/// The header for a new growth-axis length, checked to be exactly as long as the old one.
fn regrown_header(old: &Header, shape: &[usize], path: &Path) -> Result<Vec<u8>> {
    let (bytes, _) = header_bytes(&old.dtype, shape, old.fortran_order)?;
    if bytes.len() != old.data_offset {
        return Err(Error::new(
            ErrorKind::Data,
            format!(
                "{}: the header has no room to grow (it was written without NumPy's growth \
                 padding); rewrite the file with dtkit or NumPy >= 1.24 first",
                path.display()
            ),
        ));
    }
    Ok(bytes)
}

/// Append the records of `records` to the `.npy` file at `path` along its growth axis, in
/// place: the first axis for C order (the file's trailing shape and dtype must match
/// `records`' shape without its first axis), the last axis for Fortran order.
///
/// # Errors
/// When the dtype or shapes differ, the file has bytes after its data, or its header has
/// no growth padding; I/O errors. The file stays valid on every error.
pub fn append(path: &Path, records: &ArrayView<'_>) -> Result<Header> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| io_err("cannot open", path, e))?;
    let header = read_header(&mut file, &ReadOptions::default())?;
    let records = super::expand_subarray(records.clone())?;
    if records.dtype() != &header.dtype {
        return Err(Error::new(
            ErrorKind::Argument,
            format!(
                "cannot append {} records to a file of {}",
                records.dtype(),
                header.dtype
            ),
        ));
    }
    let (grow_axis, rest_file, rest_new) = if header.fortran_order {
        let n = header.shape.len();
        (
            n - 1,
            &header.shape[..n - 1],
            &records.shape()[..records.ndim().saturating_sub(1)],
        )
    } else {
        (
            0,
            header.shape.get(1..).unwrap_or(&[]),
            records.shape().get(1..).unwrap_or(&[]),
        )
    };
    if header.shape.is_empty() || records.ndim() != header.shape.len() || rest_file != rest_new {
        return Err(Error::new(
            ErrorKind::Argument,
            format!(
                "cannot append shape {:?} to a file of shape {:?} along axis {grow_axis}",
                records.shape(),
                header.shape
            ),
        ));
    }
    let len = file
        .metadata()
        .map_err(|e| io_err("cannot stat", path, e))?
        .len() as usize;
    if len != header.data_offset + header.data_len() {
        return Err(Error::new(
            ErrorKind::Data,
            format!(
                "{}: {} bytes follow the data; refusing to append after them",
                path.display(),
                len as i128 - (header.data_offset + header.data_len()) as i128
            ),
        ));
    }
    let mut shape = header.shape.clone();
    shape[grow_axis] += records.shape()[grow_axis];
    let new_header = regrown_header(&header, &shape, path)?;
    // Data first, synced; then the header that announces it.
    file.seek(SeekFrom::End(0))
        .map_err(|e| io_err("cannot seek in", path, e))?;
    {
        let mut out = std::io::BufWriter::new(&mut file);
        let view = if header.fortran_order {
            records.clone().t()
        } else {
            records.clone()
        };
        view.write_to(&mut out)?;
        out.flush().map_err(|e| io_err("cannot write", path, e))?;
    }
    file.sync_data()
        .map_err(|e| io_err("cannot sync", path, e))?;
    file.seek(SeekFrom::Start(0))
        .map_err(|e| io_err("cannot seek in", path, e))?;
    file.write_all(&new_header)
        .map_err(|e| io_err("cannot write", path, e))?;
    file.sync_data()
        .map_err(|e| io_err("cannot sync", path, e))?;
    Ok(Header { shape, ..header })
}

/// Writes an `.npy` file record by record when the count is not known in advance (a sensor
/// log that grows). The file is valid after [`Writer::flush`] and after every error.
#[derive(Debug)]
pub struct Writer {
    file: File,
    path: PathBuf,
    dtype: DType,
    record_shape: Vec<usize>,
    record_len: usize,
    count: usize,
    flushed: usize,
    header_len: usize,
    pending: Vec<u8>,
}

impl Writer {
    /// Start `path` (truncating it) for records of `dtype` with trailing shape
    /// `record_shape` (`[]` for a 1-D array of records).
    ///
    /// # Errors
    /// When the dtype cannot be described in a header, and I/O errors.
    pub fn create(path: &Path, dtype: &DType, record_shape: &[usize]) -> Result<Writer> {
        let mut shape = vec![0];
        shape.extend_from_slice(record_shape);
        let (header, _) = header_bytes(dtype, &shape, false)?;
        let mut file = File::create(path).map_err(|e| io_err("cannot create", path, e))?;
        file.write_all(&header)
            .map_err(|e| io_err("cannot write", path, e))?;
        let record_len = record_shape
            .iter()
            .try_fold(dtype.itemsize(), |a, &d| a.checked_mul(d))
            .ok_or_else(|| Error::new(ErrorKind::Limit, "record size overflows"))?;
        Ok(Writer {
            file,
            path: path.to_path_buf(),
            dtype: dtype.clone(),
            record_shape: record_shape.to_vec(),
            record_len,
            count: 0,
            flushed: 0,
            header_len: header.len(),
            pending: Vec::new(),
        })
    }

    /// Queue whole records, given as their bytes in the file's dtype and C order.
    ///
    /// # Errors
    /// When `bytes` is not a whole number of records; I/O errors of an automatic flush.
    pub fn write_records(&mut self, bytes: &[u8]) -> Result<()> {
        if self.record_len == 0 || bytes.len() % self.record_len != 0 {
            return Err(Error::new(
                ErrorKind::Argument,
                format!(
                    "{} bytes are not whole records of {} bytes",
                    bytes.len(),
                    self.record_len
                ),
            ));
        }
        self.pending.extend_from_slice(bytes);
        self.count += bytes.len() / self.record_len;
        if self.pending.len() >= 4 << 20 {
            self.flush()?;
        }
        Ok(())
    }

    /// Write queued records, sync them, then rewrite the header with the new count: the
    /// file is a valid `.npy` of every record written so far.
    ///
    /// # Errors
    /// I/O errors, or a count that no longer fits the header's growth padding.
    pub fn flush(&mut self) -> Result<()> {
        if self.count == self.flushed {
            return Ok(());
        }
        let mut shape = vec![self.count];
        shape.extend_from_slice(&self.record_shape);
        let (header, _) = header_bytes(&self.dtype, &shape, false)?;
        if header.len() != self.header_len {
            return Err(Error::new(
                ErrorKind::Limit,
                "record count too large for the header",
            ));
        }
        let path = self.path.clone();
        self.file
            .seek(SeekFrom::End(0))
            .map_err(|e| io_err("cannot seek in", &path, e))?;
        self.file
            .write_all(&self.pending)
            .map_err(|e| io_err("cannot write", &path, e))?;
        self.file
            .sync_data()
            .map_err(|e| io_err("cannot sync", &path, e))?;
        self.file
            .seek(SeekFrom::Start(0))
            .map_err(|e| io_err("cannot seek in", &path, e))?;
        self.file
            .write_all(&header)
            .map_err(|e| io_err("cannot write", &path, e))?;
        self.file
            .sync_data()
            .map_err(|e| io_err("cannot sync", &path, e))?;
        self.pending.clear();
        self.flushed = self.count;
        Ok(())
    }

    /// Records written so far (flushed or not).
    pub fn count(&self) -> usize {
        self.count
    }

    /// Flush and close.
    ///
    /// # Errors
    /// As [`Writer::flush`].
    pub fn finish(mut self) -> Result<()> {
        self.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::array::Array;
    use crate::npy::{load, ReadOptions};

    #[test]
    fn create_map_append_and_stream() {
        let dir = tempfile::tempdir().unwrap();
        let dt = DType::parse("[('t','<u8'),('v','>f4',(2,))]").unwrap();
        // w+: a zero-filled file of the right size.
        let path = dir.path().join("log.npy");
        let h = create(&path, &dt, &[3], Order::C).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().len() as usize,
            h.data_offset + 3 * 16
        );
        let (_, a) = load(&path, &ReadOptions::default()).unwrap();
        assert_eq!(a.len(), 3);
        // Append two records: the header keeps its length; the data follows.
        let more = Array::from_bytes(&[7u8; 32], dt.clone(), &[2], Order::C).unwrap();
        let h2 = append(&path, &more.view()).unwrap();
        assert_eq!((h2.shape.clone(), h2.data_offset), (vec![5], h.data_offset));
        let (h3, a) = load(&path, &ReadOptions::default()).unwrap();
        assert_eq!(h3.shape, vec![5]);
        assert_eq!(&a.buffer().as_bytes()[48..], &[7u8; 32][..]);
        // A wrong dtype or shape is refused and the file stays valid.
        let other = Array::zeros(DType::parse("<f8").unwrap(), &[2], Order::C).unwrap();
        assert!(append(&path, &other.view()).is_err());
        assert_eq!(
            load(&path, &ReadOptions::default()).unwrap().0.shape,
            vec![5]
        );
        // Streaming: valid after every flush.
        let spath = dir.path().join("stream.npy");
        let mut w = Writer::create(&spath, &dt, &[]).unwrap();
        assert_eq!(
            load(&spath, &ReadOptions::default()).unwrap().0.shape,
            vec![0]
        );
        for i in 0..3u8 {
            w.write_records(&[i; 16]).unwrap();
            w.flush().unwrap();
            let (h, a) = load(&spath, &ReadOptions::default()).unwrap();
            assert_eq!(h.shape, vec![usize::from(i) + 1]);
            assert_eq!(a.buffer().as_bytes()[usize::from(i) * 16], i);
        }
        assert!(w.write_records(&[0u8; 15]).is_err());
        w.finish().unwrap();
        // Fortran arrays grow along their last axis.
        let fpath = dir.path().join("f.npy");
        let f = Array::from_bytes(
            &(0u8..6).collect::<Vec<_>>(),
            DType::parse("u1").unwrap(),
            &[2, 3],
            Order::F,
        )
        .unwrap();
        crate::npy::save(&f.view(), &fpath).unwrap();
        let g = Array::from_bytes(&[6, 7], DType::parse("u1").unwrap(), &[2, 1], Order::F).unwrap();
        let h = append(&fpath, &g.view()).unwrap();
        assert_eq!(h.shape, vec![2, 4]);
        let (_, a) = load(&fpath, &ReadOptions::default()).unwrap();
        assert_eq!(
            a.view().to_vec::<u8>().unwrap(),
            vec![0, 2, 4, 6, 1, 3, 5, 7]
        );
    }
}
