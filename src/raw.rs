//! Raw binary dumps: NumPy's `frombuffer`, `fromfile`, `memmap` and `tofile`.
//!
//! A dump is described by [`RawOptions`]: the record dtype, the bytes to skip (a file
//! header), how many records or what shape (one dimension may be `-1`), and the memory
//! order. From a file's length the options resolve to a checked [`Layout`]; a partial
//! record at the end is an error stating the byte counts, unless allowed.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::array::layout::{checked_size, resolve_shape};
use crate::array::{AlignedBuf, Array, ArrayView, ArrayViewMut, Layout, Order};
use crate::dtype::DType;
use crate::error::{Error, ErrorKind, Location, Result};
use crate::storage::Mapping;

/// How records are laid out in a dump.
#[derive(Debug, Clone, PartialEq)]
pub struct RawOptions {
    /// The record dtype.
    pub dtype: DType,
    /// Bytes before the first record (a file header).
    pub offset: u64,
    /// Number of records; `None`: every whole record (or what `shape` says).
    pub count: Option<u64>,
    /// Array shape; one dimension may be `-1`. Overrides `count`.
    pub shape: Option<Vec<isize>>,
    /// Memory order of a multi-dimensional dump.
    pub order: Order,
    /// Accept bytes after the last whole record (NumPy's `fromfile` drops them silently).
    pub allow_trailing: bool,
}

impl RawOptions {
    /// Records of `dtype` from the start of the file, all of them, C order.
    pub fn new(dtype: DType) -> RawOptions {
        RawOptions {
            dtype,
            offset: 0,
            count: None,
            shape: None,
            order: Order::C,
            allow_trailing: false,
        }
    }

    /// The same options skipping `offset` header bytes.
    pub fn offset(mut self, offset: u64) -> RawOptions {
        self.offset = offset;
        self
    }

    /// The same options reading `count` records.
    pub fn count(mut self, count: u64) -> RawOptions {
        self.count = Some(count);
        self
    }

    /// The same options with a shape (one dimension may be `-1`).
    pub fn shape(mut self, shape: &[isize]) -> RawOptions {
        self.shape = Some(shape.to_vec());
        self
    }

    /// The same options in memory order `order`.
    pub fn order(mut self, order: Order) -> RawOptions {
        self.order = order;
        self
    }

    /// The same options accepting a partial record at the end.
    pub fn allow_trailing(mut self, allow: bool) -> RawOptions {
        self.allow_trailing = allow;
        self
    }

    /// The shape of the array the options describe in a file of `file_len` bytes.
    ///
    /// # Errors
    /// [`ErrorKind::Data`] with byte counts when the file is too short, ends in a partial
    /// record (unless allowed) or cannot fill the shape; [`ErrorKind::Argument`] for a bad
    /// shape or a zero-size dtype without a count.
    pub fn resolve_shape(&self, file_len: u64) -> Result<Vec<usize>> {
        let itemsize = self.dtype.itemsize() as u64;
        let offset = self.offset;
        if offset > file_len {
            return Err(Error::new(
                ErrorKind::Data,
                format!("offset {offset} is past the end of the {file_len}-byte file"),
            )
            .at(Location::Byte(file_len)));
        }
        let avail = file_len - offset;
        let whole = avail.checked_div(itemsize);
        let to_usize = |n: u64| usize::try_from(n).map_err(|_| too_large());
        let shape = match (&self.shape, self.count) {
            (Some(dims), _) if dims.contains(&-1) => {
                let Some(n) = whole else {
                    return Err(Error::new(
                        ErrorKind::Argument,
                        "cannot infer a -1 dimension for a zero-size dtype",
                    ));
                };
                resolve_shape(dims, to_usize(n)?).map_err(|_| {
                    let known: i128 = dims
                        .iter()
                        .filter(|&&d| d != -1)
                        .fold(1i128, |a, &d| a.saturating_mul(d as i128));
                    Error::new(
                        ErrorKind::Data,
                        format!(
                            "{avail} bytes after offset {offset} hold {n} records of {itemsize} \
                             bytes, not a whole number of rows of {known} for shape {dims:?}"
                        ),
                    )
                })?
            }
            (Some(dims), _) => {
                if let Some(d) = dims.iter().find(|&&d| d < 0) {
                    return Err(Error::new(
                        ErrorKind::Argument,
                        format!("negative dimension {d} in the shape"),
                    ));
                }
                dims.iter().map(|&d| d as usize).collect()
            }
            (None, Some(n)) => vec![to_usize(n)?],
            (None, None) => {
                let Some(n) = whole else {
                    return Err(Error::new(
                        ErrorKind::Argument,
                        "the dtype has itemsize 0: give a count or a shape",
                    ));
                };
                if avail % itemsize != 0 && !self.allow_trailing {
                    return Err(Error::new(
                        ErrorKind::Data,
                        format!(
                            "{avail} bytes after offset {offset} are not a whole number of \
                             {itemsize}-byte records: {n} records and {} bytes left over",
                            avail % itemsize
                        ),
                    )
                    .at(Location::Byte(offset + n * itemsize)));
                }
                vec![to_usize(n)?]
            }
        };
        let records = checked_size(&shape)? as u64;
        let nbytes = records.checked_mul(itemsize).ok_or_else(too_large)?;
        if nbytes > avail {
            return Err(Error::new(
                ErrorKind::Data,
                format!(
                    "{records} records of {itemsize} bytes need {nbytes} bytes after offset \
                     {offset}, but the file has {avail}"
                ),
            )
            .at(Location::Byte(file_len)));
        }
        Ok(shape)
    }

    /// The layout of the dump inside a buffer holding the whole file (`file_len` bytes):
    /// the data starts at `offset`.
    ///
    /// # Errors
    /// As [`RawOptions::resolve_shape`].
    pub fn layout(&self, file_len: u64) -> Result<Layout> {
        let shape = self.resolve_shape(file_len)?;
        let offset = usize::try_from(self.offset).map_err(|_| too_large())?;
        let len = usize::try_from(file_len).map_err(|_| too_large())?;
        Layout::contiguous_in(self.dtype.clone(), &shape, self.order, offset, len)
    }

    /// The file length the records need when the shape is fully known (a count, or a
    /// shape without `-1`): what a `w+` map is created with and an `r+` map extended to.
    ///
    /// # Errors
    /// When the length overflows.
    pub fn required_len(&self) -> Result<Option<u64>> {
        let records = match (&self.shape, self.count) {
            (Some(dims), _) if dims.iter().all(|&d| d >= 0) => dims
                .iter()
                .try_fold(1u64, |a, &d| a.checked_mul(d as u64))
                .ok_or_else(too_large)?,
            (None, Some(n)) => n,
            _ => return Ok(None),
        };
        records
            .checked_mul(self.dtype.itemsize() as u64)
            .and_then(|b| b.checked_add(self.offset))
            .map(Some)
            .ok_or_else(too_large)
    }

    /// Bytes of record data the options cover in a file of `file_len` bytes.
    ///
    /// # Errors
    /// As [`RawOptions::resolve_shape`].
    pub fn nbytes(&self, file_len: u64) -> Result<u64> {
        let shape = self.resolve_shape(file_len)?;
        Ok(checked_size(&shape)? as u64 * self.dtype.itemsize() as u64)
    }
}

fn too_large() -> Error {
    Error::new(ErrorKind::Limit, "dump larger than the address space")
}

/// A zero-copy view of a dump held in memory (`np.frombuffer` with an offset).
///
/// # Errors
/// As [`RawOptions::resolve_shape`].
pub fn from_bytes<'a>(bytes: &'a [u8], options: &RawOptions) -> Result<ArrayView<'a>> {
    let layout = options.layout(bytes.len() as u64)?;
    ArrayView::with_layout(bytes, layout)
}

/// Read a dump into an owned, aligned array (`np.fromfile`): only the record bytes are
/// read, not the header or trailing bytes.
///
/// # Errors
/// I/O errors, and as [`RawOptions::resolve_shape`].
pub fn read(path: &Path, options: &RawOptions) -> Result<Array> {
    let file = File::open(path).map_err(|e| with_path(e, "cannot open", path))?;
    let len = file
        .metadata()
        .map_err(|e| with_path(e, "cannot stat", path))?
        .len();
    let shape = options.resolve_shape(len)?;
    let layout = Layout::contiguous(options.dtype.clone(), &shape, options.order)?;
    let nbytes = layout.len() * layout.dtype().itemsize();
    let mut buf = AlignedBuf::zeroed(nbytes)?;
    // Read on every core, each thread taking its share of the fresh pages.
    let got = crate::pread::read_at(&file, options.offset, buf.as_bytes_mut())
        .map_err(|e| with_path(e, "cannot read", path))?;
    if got < nbytes {
        let e = std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("the file ended after {got} of {nbytes} bytes"),
        );
        return Err(with_path(e, "cannot read", path));
    }
    Array::from_parts(buf, layout)
}

fn with_path(e: std::io::Error, what: &str, path: &Path) -> Error {
    let err = Error::from(e);
    Error::new(
        err.kind(),
        format!("{what} {}: {}", path.display(), err.message()),
    )
}

/// A dump mapped into memory (`np.memmap`): views of it read the file lazily, without
/// copying.
#[derive(Debug)]
pub struct MappedArray {
    map: Mapping,
    layout: Layout,
}

impl MappedArray {
    /// The records of a mapped file (`np.memmap`). Open the map with [`Mapping::open`]
    /// (the one `unsafe` step, with its contract), passing
    /// [`RawOptions::required_len`] so that `w+`/`r+` maps are large enough.
    ///
    /// # Errors
    /// As [`RawOptions::resolve_shape`] for the mapped length.
    pub fn new(map: Mapping, options: &RawOptions) -> Result<MappedArray> {
        let layout = options.layout(map.as_bytes().len() as u64)?;
        Ok(MappedArray { map, layout })
    }

    /// The elements `layout` describes in a mapped file (an `.npy` file's data, say).
    ///
    /// # Errors
    /// When the layout reaches outside the mapped bytes.
    pub fn with_layout(map: Mapping, layout: Layout) -> Result<MappedArray> {
        layout.check(map.as_bytes().len())?;
        Ok(MappedArray { map, layout })
    }

    /// A read-only view of the mapped records.
    pub fn view(&self) -> ArrayView<'_> {
        // The layout was checked against the map's length in `new`.
        ArrayView::from_checked(
            self.map.as_bytes(),
            self.layout.clone(),
            self.map.mode().is_writeable(),
        )
    }

    /// A writable view (`r+`, `c`, `w+` maps).
    ///
    /// # Errors
    /// [`ErrorKind::Argument`] for a read-only map.
    pub fn view_mut(&mut self) -> Result<ArrayViewMut<'_>> {
        let layout = self.layout.clone();
        let bytes = self
            .map
            .as_bytes_mut()
            .ok_or_else(|| Error::new(ErrorKind::Argument, "the map is read-only (mode 'r')"))?;
        ArrayViewMut::with_layout(bytes, layout)
    }

    /// The layout of the records in the mapped file.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Write changes to the file (`r+`, `w+`).
    ///
    /// # Errors
    /// I/O errors.
    pub fn flush(&self) -> Result<()> {
        self.map.flush()
    }
}

/// Read a dump larger than memory in chunks of whole records (NumPy's `Arrayterator` over
/// a memmap): each item is an owned array of at most `records` records, in file order.
#[derive(Debug)]
pub struct Chunks<R> {
    reader: R,
    dtype: DType,
    left: u64,
    records: usize,
}

/// Copy `records` records from the dump `input` at byte `from` to `output` at byte `to`,
/// changing their byte order by `plan` on the way (`dtconvert`'s streamed conversion).
/// Every core takes part: each thread converts every n-th block of about 4 MiB in its own
/// reused buffer, reading and writing at offsets (the files' cursors do not move), so
/// memory stays at a block per core. `done` is told the bytes of each block written.
///
/// # Errors
/// I/O errors, and an input that ends before its records do (what was written is then
/// incomplete: write into a temporary file, as [`atomic`](crate::atomic) does).
pub fn convert_records(
    input: &File,
    from: u64,
    output: &File,
    to: u64,
    records: u64,
    plan: &crate::ByteOrderPlan,
    done: &(dyn Fn(u64) + Sync),
) -> Result<()> {
    let itemsize = plan.target().itemsize().max(1) as u64;
    let per_block = ((4u64 << 20) / itemsize).max(1);
    let blocks = records.div_ceil(per_block);
    let threads = (crate::cores() as u64).min(blocks).max(1);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let work = |t: u64| -> Result<()> {
        let mut buf = AlignedBuf::zeroed(checked_size(&[
            per_block.min(records) as usize,
            itemsize as usize,
        ])?)?;
        let mut k = t;
        while k < blocks && !stop.load(std::sync::atomic::Ordering::Relaxed) {
            let first = k * per_block;
            let n = per_block.min(records - first);
            let bytes = &mut buf.as_bytes_mut()[..(n * itemsize) as usize];
            let at = from + first * itemsize;
            let got = crate::pread::read_part(input, at, bytes)?;
            if got < bytes.len() {
                return Err(Error::new(
                    ErrorKind::Io,
                    format!(
                        "the input ends at byte {}, inside the records ({} bytes expected)",
                        at + got as u64,
                        from + records * itemsize
                    ),
                ));
            }
            plan.apply(bytes)?;
            crate::pread::write_all_at(output, to + first * itemsize, bytes)?;
            done(bytes.len() as u64);
            k += threads;
        }
        Ok(())
    };
    let results = crate::on_threads(threads as usize, "converting", |t| {
        let r = work(t as u64);
        if r.is_err() {
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        r
    });
    results.into_iter().collect()
}

/// Iterate over the records of a dump read from `reader` (positioned at the first record),
/// `records` records at a time, `total` records in all.
pub fn chunks<R: Read>(reader: R, dtype: DType, total: u64, records: usize) -> Chunks<R> {
    Chunks {
        reader,
        dtype,
        left: total,
        records: records.max(1),
    }
}

impl<R: Read> Iterator for Chunks<R> {
    type Item = Result<Array>;

    fn next(&mut self) -> Option<Result<Array>> {
        if self.left == 0 {
            return None;
        }
        let n = (self.records as u64).min(self.left) as usize;
        self.left -= n as u64;
        let result = (|| {
            let layout = Layout::contiguous(self.dtype.clone(), &[n], Order::C)?;
            let mut buf = AlignedBuf::zeroed(n * self.dtype.itemsize())?;
            self.reader.read_exact(buf.as_bytes_mut())?;
            Array::from_parts(buf, layout)
        })();
        if result.is_err() {
            self.left = 0;
        }
        Some(result)
    }
}

/// Write the elements of `view` in C order to `path` (`arr.tofile(path)`), atomically: the
/// bytes go to a temporary file beside `path`, renamed over it only when complete.
///
/// # Errors
/// I/O errors; on error `path` is untouched.
pub fn write(view: &ArrayView<'_>, path: &Path) -> Result<()> {
    crate::atomic::write_file(path, |out| view.write_to(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records converted by blocks on every core land where the sequential conversion
    /// puts them, after the output's header; an input that ends early is an error naming
    /// the byte.
    #[test]
    fn convert_records_by_blocks() {
        use std::io::Write;
        let dt = DType::parse("[('a','>u4'),('b','>f8')]").unwrap();
        let plan = crate::ByteOrderPlan::new(&dt, crate::ByteOrder::Little).unwrap();
        // Three blocks and a part, after a 7-byte header.
        let records = 3 * (4u64 << 20) / 12 + 1000;
        let data: Vec<u8> = (0..records * 12).map(|i| (i * 31 % 253) as u8).collect();
        let mut input = tempfile::tempfile().unwrap();
        input.write_all(b"header!").unwrap();
        input.write_all(&data).unwrap();
        let output = tempfile::tempfile().unwrap();
        let done = std::sync::atomic::AtomicU64::new(0);
        convert_records(&input, 7, &output, 3, records, &plan, &|n| {
            done.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        })
        .unwrap();
        assert_eq!(done.into_inner(), records * 12);
        let mut want = data.clone();
        plan.apply(&mut want).unwrap();
        let mut got = Vec::new();
        std::io::Read::read_to_end(&mut &output, &mut got).unwrap();
        assert_eq!(got.len(), 3 + want.len());
        assert!(got[..3].iter().all(|&b| b == 0));
        assert!(got[3..] == want[..], "the converted records differ");
        // One record more than the input holds.
        let err = convert_records(&input, 7, &output, 3, records + 1, &plan, &|_| {}).unwrap_err();
        assert!(
            err.message()
                .contains(&format!("ends at byte {}", 7 + records * 12)),
            "{err}"
        );
    }
    use crate::storage::MapMode;

    #[test]
    fn memmap_modes_read_write_and_create() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cube.bin");
        let opts = RawOptions::new(DType::parse(">i8").unwrap())
            .offset(8)
            .shape(&[2, 2, 2])
            .order(Order::F);
        // w+: created with the header gap and the records, zero-filled.
        #[allow(unsafe_code)]
        // SAFETY: the file is private to this test and not touched while mapped.
        let map = unsafe {
            Mapping::open(
                &path,
                MapMode::Create,
                opts.required_len().unwrap().unwrap(),
            )
        }
        .unwrap();
        let mut m = MappedArray::new(map, &opts).unwrap();
        m.view_mut().unwrap().set::<i64>(&[1, 0, 0], 100).unwrap();
        m.flush().unwrap();
        drop(m);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 72);
        assert_eq!(&bytes[16..24], &100i64.to_be_bytes());
        // r: read-only views, no writes.
        #[allow(unsafe_code)]
        // SAFETY: as above.
        let map = unsafe { Mapping::open(&path, MapMode::ReadOnly, 0) }.unwrap();
        let mut m = MappedArray::new(map, &opts).unwrap();
        assert_eq!(m.view().get::<i64>(&[1, 0, 0]).unwrap(), 100);
        assert!(m.view_mut().is_err());
        assert!(!m.view().flags().owndata);
        // c: writable in memory, the file unchanged.
        #[allow(unsafe_code)]
        // SAFETY: as above.
        let map = unsafe { Mapping::open(&path, MapMode::CopyOnWrite, 0) }.unwrap();
        let mut m = MappedArray::new(map, &opts).unwrap();
        m.view_mut().unwrap().set::<i64>(&[0, 0, 0], 7).unwrap();
        assert_eq!(m.view().get::<i64>(&[0, 0, 0]).unwrap(), 7);
        drop(m);
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
        // fromfile reads the same values into an owned, aligned array.
        let a = read(&path, &opts).unwrap();
        assert_eq!(a.view().get::<i64>(&[1, 0, 0]).unwrap(), 100);
        assert!(a.flags().aligned && a.flags().owndata);
    }

    #[test]
    fn chunks_and_atomic_tofile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.bin");
        let a = Array::from_bytes(
            &(0u8..10).collect::<Vec<_>>(),
            DType::parse("u1").unwrap(),
            &[10],
            Order::C,
        )
        .unwrap();
        write(&a.view().slice_axis(0, None, None, -1).unwrap(), &path).unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            (0u8..10).rev().collect::<Vec<_>>()
        );
        let file = std::fs::File::open(&path).unwrap();
        let sizes: Vec<usize> = chunks(file, DType::parse("u1").unwrap(), 10, 4)
            .map(|c| c.unwrap().len())
            .collect();
        assert_eq!(sizes, vec![4, 4, 2]);
        let file = std::fs::File::open(&path).unwrap();
        let last = chunks(file, DType::parse("u1").unwrap(), 11, 4)
            .last()
            .unwrap();
        assert!(
            last.is_err(),
            "a short file ends the iteration with an error"
        );
    }

    #[test]
    fn trailing_and_short_dumps_name_the_byte_counts() {
        let dt = DType::parse("<f8").unwrap();
        let e = RawOptions::new(dt.clone()).resolve_shape(20).unwrap_err();
        assert!(
            e.message().contains("2 records and 4 bytes left over"),
            "{e}"
        );
        assert_eq!(e.location(), Some(Location::Byte(16)));
        assert_eq!(
            RawOptions::new(dt.clone())
                .allow_trailing(true)
                .resolve_shape(20)
                .unwrap(),
            vec![2]
        );
        let e = RawOptions::new(dt.clone())
            .offset(4)
            .count(3)
            .resolve_shape(20)
            .unwrap_err();
        assert!(e.message().contains("need 24 bytes"), "{e}");
        let e = RawOptions::new(dt.clone())
            .shape(&[3, -1])
            .resolve_shape(64)
            .unwrap_err();
        assert!(
            e.message().contains("not a whole number of rows of 3"),
            "{e}"
        );
        assert_eq!(
            RawOptions::new(dt)
                .shape(&[2, -1])
                .resolve_shape(64)
                .unwrap(),
            vec![2, 4]
        );
    }

    #[test]
    fn from_bytes_is_zero_copy_with_a_header() {
        let mut bytes = b"HDR!".to_vec();
        for v in [1.5f32, -2.0, 4.25] {
            bytes.extend(v.to_be_bytes());
        }
        let view = from_bytes(
            &bytes,
            &RawOptions::new(DType::parse(">f4").unwrap()).offset(4),
        )
        .unwrap();
        assert_eq!(view.to_vec::<f32>().unwrap(), vec![1.5, -2.0, 4.25]);
        assert_eq!(view.layout().offset(), 4);
        assert!(std::ptr::eq(view.bytes(), &bytes[..]));
    }
}
