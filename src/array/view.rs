//! The array types: [`ArrayView`] (borrowed, read-only), [`ArrayViewMut`] (borrowed,
//! writable) and [`Array`] (owning an aligned buffer). All three pair bytes with a checked
//! [`Layout`]; every view operation returns a new view of the same bytes without copying.

use super::element::{decode, Element, Value};
use super::layout::{Flags, Layout, Order};
use crate::byteswap::ByteOrderPlan;
use crate::dtype::{ByteOrder, DType, Scalar};
use crate::error::{Error, ErrorKind, Result};

fn arg(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Argument, msg)
}

/// A buffer aligned to 16 bytes, enough for every NumPy scalar (`c32` and `f16` included),
/// so owned arrays are always `ALIGNED`.
///
/// Large buffers (4 MiB and more) are anonymous memory maps that ask the kernel for
/// transparent huge pages, as NumPy's allocator does: writing a fresh gigabyte then takes
/// hundreds of page faults instead of a quarter of a million.
#[derive(Default)]
pub struct AlignedBuf {
    storage: Storage,
    len: usize,
}

#[derive(Default)]
enum Storage {
    #[default]
    Empty,
    Heap(Vec<u128>),
    Anon(memmap2::MmapMut),
}

const ANON_THRESHOLD: usize = 4 << 20;

impl Clone for AlignedBuf {
    fn clone(&self) -> Self {
        AlignedBuf::from_bytes(self.as_bytes())
    }
}

impl AlignedBuf {
    /// `len` zero bytes.
    ///
    /// # Errors
    /// [`ErrorKind::Limit`] when `len` exceeds `isize::MAX`; [`ErrorKind::Io`] when the
    /// operating system refuses the memory.
    pub fn zeroed(len: usize) -> Result<AlignedBuf> {
        if len > isize::MAX as usize {
            return Err(Error::new(
                ErrorKind::Limit,
                "buffer larger than isize::MAX bytes",
            ));
        }
        let storage = if len == 0 {
            Storage::Empty
        } else if len >= ANON_THRESHOLD {
            let map = memmap2::MmapMut::map_anon(len)?;
            #[cfg(target_os = "linux")]
            let _ = map.advise(memmap2::Advice::HugePage);
            Storage::Anon(map)
        } else {
            Storage::Heap(vec![0u128; len.div_ceil(16)])
        };
        Ok(AlignedBuf { storage, len })
    }

    /// A copy of `bytes`, aligned.
    pub fn from_bytes(bytes: &[u8]) -> AlignedBuf {
        let mut buf = AlignedBuf::zeroed(bytes.len()).unwrap_or_else(|_| AlignedBuf {
            storage: Storage::Heap(vec![0u128; bytes.len().div_ceil(16)]),
            len: bytes.len(),
        });
        buf.as_bytes_mut().copy_from_slice(bytes);
        buf
    }

    /// Room for `additional` more bytes without moving what is there (a hint: on failure
    /// the buffer is left as it is and grows when written).
    pub(crate) fn reserve(&mut self, additional: usize) {
        let want = self.len.saturating_add(additional);
        if want <= self.capacity() {
            return;
        }
        // A buffer filled block by block (a streamed text of unknown size) grows
        // geometrically: growing by each block's room moved all its bytes every time.
        let want = if self.len > 0 {
            want.max(self.capacity().saturating_mul(2))
        } else {
            want
        };
        if want >= ANON_THRESHOLD {
            // Room in an anonymous map costs nothing until written; when the system
            // refuses the map, the reservation is dropped (the buffer grows when written).
            if let Ok(mut map) = memmap2::MmapMut::map_anon(want) {
                #[cfg(target_os = "linux")]
                let _ = map.advise(memmap2::Advice::HugePage);
                map[..self.len].copy_from_slice(self.as_bytes());
                self.storage = Storage::Anon(map);
            }
        } else {
            self.regrow(want);
        }
    }

    /// Shorten to `len` bytes (the storage stays).
    pub(crate) fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// The storage past the length (initialised: zeros or earlier contents), to be
    /// written and then taken in with [`AlignedBuf::set_len`].
    pub(crate) fn spare_mut(&mut self) -> &mut [u8] {
        let len = self.len;
        match &mut self.storage {
            Storage::Empty => &mut [],
            Storage::Heap(words) => &mut bytemuck::cast_slice_mut(words)[len..],
            Storage::Anon(map) => &mut map[len..],
        }
    }

    /// Take in `n` more bytes of the storage (written through [`AlignedBuf::spare_mut`]).
    pub(crate) fn grow_len(&mut self, n: usize) {
        self.len = (self.len + n).min(self.capacity());
    }

    /// The bytes the storage holds, written or not.
    pub(crate) fn capacity(&self) -> usize {
        match &self.storage {
            Storage::Empty => 0,
            Storage::Heap(words) => words.len() * 16,
            Storage::Anon(map) => map.len(),
        }
    }

    /// Move into storage of at least `cap` bytes (an anonymous map for large buffers, so
    /// that it is faulted in huge pages); the length stays.
    fn regrow(&mut self, cap: usize) {
        if cap >= ANON_THRESHOLD {
            if let Ok(mut map) = memmap2::MmapMut::map_anon(cap) {
                #[cfg(target_os = "linux")]
                let _ = map.advise(memmap2::Advice::HugePage);
                map[..self.len].copy_from_slice(self.as_bytes());
                self.storage = Storage::Anon(map);
                return;
            }
        }
        let mut words = vec![0u128; cap.div_ceil(16)];
        bytemuck::cast_slice_mut::<u128, u8>(&mut words)[..self.len]
            .copy_from_slice(self.as_bytes());
        self.storage = Storage::Heap(words);
    }

    /// Append `bytes`, growing geometrically (for buffers filled piece by piece, such as
    /// the records of a streamed text file).
    pub(crate) fn extend_from_slice(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let new_len = self.len + bytes.len();
        if new_len > self.capacity() {
            self.regrow(new_len.max(self.capacity().saturating_mul(2)));
        }
        let at = self.len;
        self.len = new_len;
        self.as_bytes_mut()[at..].copy_from_slice(bytes);
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match &self.storage {
            Storage::Empty => &[],
            Storage::Heap(words) => &bytemuck::cast_slice(words)[..self.len],
            Storage::Anon(map) => &map[..self.len],
        }
    }

    /// The bytes, writable.
    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        match &mut self.storage {
            Storage::Empty => &mut [],
            Storage::Heap(words) => &mut bytemuck::cast_slice_mut(words)[..self.len],
            Storage::Anon(map) => &mut map[..self.len],
        }
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl std::fmt::Debug for AlignedBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AlignedBuf({} bytes)", self.len)
    }
}

/// A read-only view: borrowed bytes and a layout checked against them.
#[derive(Debug, Clone)]
pub struct ArrayView<'a> {
    bytes: &'a [u8],
    layout: Layout,
    writeable: bool,
    owndata: bool,
}

/// A writable view of borrowed bytes.
#[derive(Debug)]
pub struct ArrayViewMut<'a> {
    bytes: &'a mut [u8],
    layout: Layout,
}

/// An array owning a 16-byte-aligned buffer.
#[derive(Debug, Clone)]
pub struct Array {
    buf: AlignedBuf,
    layout: Layout,
}

/// Read-side operations shared by every array type.
macro_rules! read_ops {
    () => {
        /// The layout (dtype, shape, strides, offset).
        pub fn layout(&self) -> &Layout {
            &self.layout
        }

        /// The element dtype.
        pub fn dtype(&self) -> &DType {
            self.layout.dtype()
        }

        /// The shape.
        pub fn shape(&self) -> &[usize] {
            self.layout.shape()
        }

        /// Byte strides.
        pub fn strides(&self) -> &[isize] {
            self.layout.strides()
        }

        /// Number of dimensions.
        pub fn ndim(&self) -> usize {
            self.layout.ndim()
        }

        /// Number of elements.
        pub fn len(&self) -> usize {
            self.layout.len()
        }

        /// Bytes of the elements (NumPy's `nbytes`: elements × item size).
        pub fn nbytes(&self) -> usize {
            self.layout.len() * self.dtype().itemsize()
        }

        /// True when there are no elements.
        pub fn is_empty(&self) -> bool {
            self.layout.is_empty()
        }

        /// The raw bytes of the element at `index`.
        ///
        /// # Errors
        /// A wrong number of indices or an index out of range.
        pub fn element_bytes(&self, index: &[usize]) -> Result<&[u8]> {
            let off = self.layout.byte_offset(index)?;
            Ok(&self.bytes()[off..off + self.dtype().itemsize()])
        }

        /// The element at `index` as `T`, decoded from its byte order.
        ///
        /// # Errors
        /// When `T` does not match the dtype (`f32` for `'<f4'`, `i64` for `'>i8'` or
        /// `'M8'`), or the index is wrong.
        pub fn get<T: Element>(&self, index: &[usize]) -> Result<T> {
            let s = scalar_for::<T>(self.dtype())?;
            Ok(T::decode(self.element_bytes(index)?, s.byte_order()))
        }

        /// The element at `index` as a dynamic [`Value`] (records, subarrays, strings...).
        ///
        /// # Errors
        /// A wrong number of indices or an index out of range.
        pub fn value(&self, index: &[usize]) -> Result<Value> {
            Ok(decode(self.dtype(), self.element_bytes(index)?))
        }

        /// Every element as a [`Value`], in C order.
        pub fn values(&self) -> impl Iterator<Item = Value> + '_ {
            let size = self.dtype().itemsize();
            self.layout
                .offsets()
                .map(move |o| decode(self.layout.dtype(), &self.bytes()[o..o + size]))
        }

        /// Every element as `T`, in C order, in a new `Vec` (native byte order).
        ///
        /// # Errors
        /// When `T` does not match the dtype.
        pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
            Ok(self.iter::<T>()?.collect())
        }

        /// Every element as `T`, in C order, decoded lazily from its byte order.
        ///
        /// # Errors
        /// When `T` does not match the dtype.
        pub fn iter<T: Element>(&self) -> Result<impl Iterator<Item = T> + '_> {
            let order = scalar_for::<T>(self.dtype())?.byte_order();
            let size = std::mem::size_of::<T>();
            let bytes = self.bytes();
            Ok(self
                .layout
                .offsets()
                .map(move |o| T::decode(&bytes[o..o + size], order)))
        }

        /// The elements as a `&[T]` without copying: possible when the array is
        /// C-contiguous, in native byte order and aligned for `T`.
        ///
        /// # Errors
        /// When `T` does not match the dtype, or the layout does not allow a slice (the
        /// message says which condition fails; use [`Self::to_vec`] instead).
        pub fn as_slice<T: Element>(&self) -> Result<&[T]> {
            let s = scalar_for::<T>(self.dtype())?;
            if !s.byte_order().is_native() {
                return Err(arg(format!(
                    "the data is {}, not in native byte order: use to_vec, or convert the byte order first",
                    s.typestr()
                )));
            }
            if !self.layout.is_c_contiguous() {
                return Err(arg(format!(
                    "the view is not C-contiguous (shape {:?}, strides {:?}): use to_vec or a contiguous copy",
                    self.shape(),
                    self.strides()
                )));
            }
            let n = self.len();
            let start = if n == 0 { 0 } else { self.layout.offset() };
            let bytes = &self.bytes()[start..start + n * std::mem::size_of::<T>()];
            bytemuck::try_cast_slice(bytes).map_err(|e| {
                arg(format!(
                    "the data is not aligned for {} ({e}): use to_vec",
                    std::any::type_name::<T>()
                ))
            })
        }

        /// NumPy's flags.
        pub fn flags(&self) -> Flags {
            Flags {
                c_contiguous: self.layout.is_c_contiguous(),
                f_contiguous: self.layout.is_f_contiguous(),
                aligned: self.layout.is_aligned(self.bytes().as_ptr() as usize),
                writeable: self.is_writeable(),
                owndata: self.owns_data(),
            }
        }

        /// A contiguous copy in `order` (`np.ascontiguousarray` / `np.asfortranarray`).
        ///
        /// # Errors
        /// Only on sizes that overflow.
        pub fn to_contiguous(&self, order: Order) -> Result<Array> {
            copy_to(self.bytes(), &self.layout, self.dtype().clone(), order)
        }

        /// A C-contiguous copy with every scalar in byte order `order`
        /// (`arr.astype(arr.dtype.newbyteorder(...))`).
        ///
        /// # Errors
        /// When the dtype has overlapping fields.
        pub fn to_byte_order(&self, order: ByteOrder) -> Result<Array> {
            let plan = ByteOrderPlan::new(self.dtype(), order)?;
            if self.layout.is_c_contiguous() && !plan.is_noop() {
                // One pass: read the source, write converted records.
                let layout = Layout::contiguous(plan.target().clone(), self.shape(), Order::C)?;
                let mut buf = AlignedBuf::zeroed(self.len() * self.dtype().itemsize())?;
                let start = if self.is_empty() { 0 } else { self.layout.offset() };
                let src = &self.bytes()[start..start + buf.len()];
                plan.apply_copy(src, buf.as_bytes_mut())?;
                return Ok(Array { buf, layout });
            }
            let mut out = copy_to(self.bytes(), &self.layout, plan.target().clone(), Order::C)?;
            plan.apply(out.buf.as_bytes_mut())?;
            Ok(out)
        }

        /// A new array of the named fields (names or dotted paths) packed together, without
        /// padding, in C order: the copy NumPy's `repack_fields(arr[names])` makes. A field
        /// reached by a dotted path is named by its last component.
        ///
        /// # Errors
        /// When a field is missing.
        pub fn extract_fields(&self, names: &[&str]) -> Result<Array> {
            let mut fields = Vec::with_capacity(names.len());
            let mut sources = Vec::with_capacity(names.len());
            for &n in names {
                let f = self.dtype().field_path(n)?;
                if !f.outer_shape.is_empty() {
                    return Err(arg(format!(
                        "{n:?} lies inside a subarray of records: extract its parent instead"
                    )));
                }
                sources.push((f.offset, f.dtype.itemsize()));
                let leaf = n.rsplit('.').next().unwrap_or(n);
                let name = if self.dtype().field(n).is_ok() { n } else { leaf };
                fields.push((name.to_owned(), f.dtype.clone()));
            }
            let packed = DType::packed(fields)?;
            let layout = Layout::contiguous(packed, self.shape(), Order::C)?;
            let mut buf = AlignedBuf::zeroed(layout.len() * layout.dtype().itemsize())?;
            let size = layout.dtype().itemsize();
            let src = self.bytes();
            for (k, o) in self.layout.offsets().enumerate() {
                let mut at = k * size;
                for &(off, len) in &sources {
                    buf.as_bytes_mut()[at..at + len].copy_from_slice(&src[o + off..o + off + len]);
                    at += len;
                }
            }
            Ok(Array { buf, layout })
        }

        /// The bytes of every element in C order, as `tofile` writes them.
        ///
        /// # Errors
        /// Only I/O errors of `out`.
        pub fn write_to(&self, out: &mut dyn std::io::Write) -> Result<()> {
            let size = self.dtype().itemsize();
            let bytes = self.bytes();
            if self.layout.is_c_contiguous() {
                let start = if self.is_empty() { 0 } else { self.layout.offset() };
                out.write_all(&bytes[start..start + self.len() * size])?;
                return Ok(());
            }
            if self.is_empty() {
                return Ok(());
            }
            // Bands of whole rows along the first axes, each copied by the blocked (and,
            // when large, parallel) strided copy into one reused buffer, then written:
            // memory stays at the buffer whatever the size.
            let mut buf = Vec::new();
            write_bands(
                bytes,
                self.layout.offset() as isize,
                self.layout.shape(),
                self.layout.strides(),
                size,
                &mut buf,
                out,
            )
        }
    };
}

/// View operations returning a new view of the same bytes.
macro_rules! view_ops {
    ($view:ident, $lt:lifetime, $bytes:expr, $mk:expr) => {
        /// The view of one field (name, title or dotted path `"position.az"`). A subarray
        /// field adds its shape as trailing axes.
        ///
        /// # Errors
        /// When there is no such field.
        pub fn field(self, path: &str) -> Result<$view<$lt>> {
            let layout = self.layout.field(path)?;
            Ok($mk(self, layout))
        }

        /// A view of several fields that keeps their offsets (NumPy's `arr[['a', 'c']]`).
        ///
        /// # Errors
        /// When the dtype is not a record or a name is missing.
        pub fn fields(self, names: &[&str]) -> Result<$view<$lt>> {
            let layout = self.layout.fields(names)?;
            Ok($mk(self, layout))
        }

        /// `a[i]` along `axis`; negative `i` counts from the end.
        ///
        /// # Errors
        /// An axis or index out of range.
        pub fn index_axis(self, axis: usize, i: isize) -> Result<$view<$lt>> {
            let layout = self.layout.index_axis(axis, i)?;
            Ok($mk(self, layout))
        }

        /// `a[start:stop:step]` along `axis`, with Python's semantics.
        ///
        /// # Errors
        /// An axis out of range or a zero step.
        pub fn slice_axis(
            self,
            axis: usize,
            start: Option<isize>,
            stop: Option<isize>,
            step: isize,
        ) -> Result<$view<$lt>> {
            let layout = self.layout.slice_axis(axis, start, stop, step)?;
            Ok($mk(self, layout))
        }

        /// A new axis of length 1 at `axis`.
        ///
        /// # Errors
        /// An axis out of range.
        pub fn insert_axis(self, axis: usize) -> Result<$view<$lt>> {
            let layout = self.layout.insert_axis(axis)?;
            Ok($mk(self, layout))
        }

        /// Axes reversed (NumPy's `.T`).
        pub fn t(self) -> $view<$lt> {
            let layout = self.layout.transpose();
            $mk(self, layout)
        }

        /// Axes permuted.
        ///
        /// # Errors
        /// When `axes` is not a permutation.
        pub fn permute(self, axes: &[usize]) -> Result<$view<$lt>> {
            let layout = self.layout.permute(axes)?;
            Ok($mk(self, layout))
        }

        /// Reshape without copying (one dimension may be `-1`).
        ///
        /// # Errors
        /// When sizes differ or the strides do not allow a view.
        pub fn reshape(self, shape: &[isize]) -> Result<$view<$lt>> {
            let layout = self.layout.reshape(shape)?;
            Ok($mk(self, layout))
        }

        /// NumPy's `as_strided` from the first element, checked against the bytes.
        ///
        /// # Errors
        /// When any element would lie outside the bytes.
        pub fn as_strided(self, shape: &[usize], strides: &[isize]) -> Result<$view<$lt>> {
            let len = $bytes(&self);
            let layout = self.layout.as_strided(shape, strides, len)?;
            Ok($mk(self, layout))
        }

        /// NumPy's `sliding_window_view` along one axis.
        ///
        /// # Errors
        /// An axis out of range or a window longer than the axis.
        pub fn sliding_window(self, axis: usize, window: usize) -> Result<$view<$lt>> {
            let layout = self.layout.sliding_window(axis, window)?;
            Ok($mk(self, layout))
        }

        /// Reinterpret the elements as another dtype of the same itemsize.
        ///
        /// # Errors
        /// When the itemsizes differ.
        pub fn with_dtype(self, dtype: DType) -> Result<$view<$lt>> {
            let layout = self.layout.with_dtype(dtype)?;
            Ok($mk(self, layout))
        }
    };
}

pub(crate) fn scalar_for<T: Element>(dtype: &DType) -> Result<&Scalar> {
    match dtype {
        DType::Scalar(s) if T::accepts(s) => Ok(s),
        _ => Err(arg(format!(
            "cannot read elements of dtype {} as {}",
            dtype.typestr(),
            std::any::type_name::<T>()
        ))),
    }
}

/// Bytes of a band written at a time by `write_to`.
const BAND: usize = 16 << 20;

/// A writer at a position of a file, by positioned writes.
struct At<'f> {
    file: &'f std::fs::File,
    pos: u64,
}

impl std::io::Write for At<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        crate::pread::write_all_at(self.file, self.pos, buf)?;
        self.pos += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The elements of `view` in C order written to `file` at `at`: the bytes `write_to`
/// writes, but on every core, each thread copying bands of rows into a buffer of its own
/// and writing them at their place (the kernel's page allocation of the output is then
/// shared too).
pub(crate) fn write_c_at(view: &ArrayView<'_>, file: &std::fs::File, at: u64) -> Result<()> {
    let size = view.dtype().itemsize();
    let layout = &view.layout;
    if layout.is_c_contiguous() {
        let start = if view.is_empty() { 0 } else { layout.offset() };
        crate::pread::write_at(file, at, &view.bytes()[start..start + view.len() * size])?;
        return Ok(());
    }
    let shape = layout.shape();
    let threads = crate::cores();
    let row_bytes = shape.iter().skip(1).product::<usize>() * size;
    let rows = shape.first().copied().unwrap_or(0);
    if view.is_empty() || threads < 2 || row_bytes > BAND || rows * row_bytes < 2 * BAND {
        return view.write_to(&mut At { file, pos: at });
    }
    let per = (BAND / row_bytes.max(1)).max(1);
    let bands = rows.div_ceil(per);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let src = view.bytes();
    let results: Vec<Result<()>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.min(bands))
            .map(|_| {
                scope.spawn(|| -> Result<()> {
                    let mut buf = Vec::new();
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if k >= bands {
                            return Ok(());
                        }
                        let r = k * per;
                        let rows_here = (r, per.min(rows - r));
                        let at_offset = layout.offset() as isize;
                        copy_band(
                            src,
                            at_offset,
                            shape,
                            layout.strides(),
                            size,
                            rows_here,
                            &mut buf,
                            false,
                        );
                        crate::pread::write_all_at(file, at + (r * row_bytes) as u64, &buf)?;
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::new(ErrorKind::Io, "a writing thread failed")))
            })
            .collect()
    });
    results.into_iter().collect()
}

/// The elements of `shape` at `offset` with `strides` in `src`, written to `out` in C
/// order, bands of rows of the first axis (or, for rows over [`BAND`], row by row) copied
/// into `buf` first.
fn write_bands(
    src: &[u8],
    offset: isize,
    shape: &[usize],
    strides: &[isize],
    itemsize: usize,
    buf: &mut Vec<u8>,
    out: &mut dyn std::io::Write,
) -> Result<()> {
    let Some((&rows, rest)) = shape.split_first() else {
        out.write_all(&src[offset as usize..offset as usize + itemsize])?;
        return Ok(());
    };
    let row_bytes = rest.iter().product::<usize>() * itemsize;
    if row_bytes > BAND && !rest.is_empty() {
        for r in 0..rows {
            let at = offset + r as isize * strides[0];
            write_bands(src, at, rest, &strides[1..], itemsize, buf, out)?;
        }
        return Ok(());
    }
    let per = (BAND / row_bytes.max(1)).clamp(1, rows);
    let mut r = 0;
    while r < rows {
        let n = per.min(rows - r);
        copy_band(src, offset, shape, strides, itemsize, (r, n), buf, true);
        out.write_all(buf)?;
        r += n;
    }
    Ok(())
}

/// Rows `r..r + n` of the first axis of the elements at `offset` (`shape`, `strides`) in
/// `src`, copied in C order into `buf`, resized to hold them: by the blocked copy, on
/// every core when `parallel` and the band is large.
#[allow(clippy::too_many_arguments)]
fn copy_band(
    src: &[u8],
    offset: isize,
    shape: &[usize],
    strides: &[isize],
    itemsize: usize,
    (r, n): (usize, usize),
    buf: &mut Vec<u8>,
    parallel: bool,
) {
    let mut band = shape.to_vec();
    band[0] = n;
    buf.resize(band.iter().product::<usize>() * itemsize, 0);
    let dst_strides: Vec<isize> = crate::dtype::c_strides(&band, itemsize)
        .into_iter()
        .map(|s| s as isize)
        .collect();
    let from = offset + r as isize * strides[0];
    if parallel {
        super::copy::copy_strided(
            src,
            from as usize,
            strides,
            buf,
            0,
            &dst_strides,
            &band,
            itemsize,
        );
    } else {
        super::copy::copy_serial(src, from, strides, buf, 0, &dst_strides, &band, itemsize);
    }
}

/// Copy the elements of `layout` over `src` into a new contiguous array of `dtype` (same
/// itemsize) in `order`.
fn copy_to(src: &[u8], layout: &Layout, dtype: DType, order: Order) -> Result<Array> {
    let out_layout = Layout::contiguous(dtype, layout.shape(), order)?;
    let size = layout.dtype().itemsize();
    let mut buf = AlignedBuf::zeroed(layout.len() * size)?;
    {
        let dst = buf.as_bytes_mut();
        let same_order = (order == Order::C && layout.is_c_contiguous())
            || (order == Order::F && layout.is_f_contiguous());
        if same_order {
            let start = if layout.is_empty() {
                0
            } else {
                layout.offset()
            };
            dst.copy_from_slice(&src[start..start + dst.len()]);
        } else {
            super::copy::copy_strided(
                src,
                layout.offset(),
                layout.strides(),
                dst,
                0,
                out_layout.strides(),
                layout.shape(),
                size,
            );
        }
    }
    Ok(Array {
        buf,
        layout: out_layout,
    })
}

impl<'a> ArrayView<'a> {
    /// A C-ordered view of `shape` elements of `dtype` starting `offset` bytes into
    /// `bytes` (NumPy's `frombuffer(..., offset=...).reshape(shape)`).
    ///
    /// # Errors
    /// When the elements do not fit in `bytes`.
    pub fn from_bytes(
        bytes: &'a [u8],
        dtype: DType,
        shape: &[usize],
        offset: usize,
    ) -> Result<Self> {
        Self::from_bytes_order(bytes, dtype, shape, offset, Order::C)
    }

    /// As [`ArrayView::from_bytes`], in C or Fortran order.
    ///
    /// # Errors
    /// When the elements do not fit in `bytes`.
    pub fn from_bytes_order(
        bytes: &'a [u8],
        dtype: DType,
        shape: &[usize],
        offset: usize,
        order: Order,
    ) -> Result<Self> {
        let layout = Layout::contiguous_in(dtype, shape, order, offset, bytes.len())?;
        Ok(ArrayView {
            bytes,
            layout,
            writeable: false,
            owndata: false,
        })
    }

    /// A view with an explicit layout.
    ///
    /// # Errors
    /// When the layout addresses bytes outside `bytes`.
    pub fn with_layout(bytes: &'a [u8], layout: Layout) -> Result<Self> {
        layout.check(bytes.len())?;
        Ok(ArrayView {
            bytes,
            layout,
            writeable: false,
            owndata: false,
        })
    }

    /// A view whose layout the caller has already checked against `bytes`.
    pub(crate) fn from_checked(bytes: &'a [u8], layout: Layout, writeable: bool) -> Self {
        debug_assert!(layout.check(bytes.len()).is_ok());
        ArrayView {
            bytes,
            layout,
            writeable,
            owndata: false,
        }
    }

    /// The whole underlying buffer (not only the elements of the view).
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    fn is_writeable(&self) -> bool {
        self.writeable
    }

    fn owns_data(&self) -> bool {
        self.owndata
    }

    read_ops!();
    view_ops!(ArrayView, 'a, |v: &ArrayView<'a>| v.bytes.len(), |v: ArrayView<'a>, layout| ArrayView {
        layout,
        owndata: false,
        ..v
    });
}

impl<'a> ArrayViewMut<'a> {
    /// A writable C-ordered view of `shape` elements of `dtype` from `offset`.
    ///
    /// # Errors
    /// When the elements do not fit in `bytes`.
    pub fn from_bytes(
        bytes: &'a mut [u8],
        dtype: DType,
        shape: &[usize],
        offset: usize,
    ) -> Result<Self> {
        let layout = Layout::contiguous_in(dtype, shape, Order::C, offset, bytes.len())?;
        Ok(ArrayViewMut { bytes, layout })
    }

    /// A writable view with an explicit layout.
    ///
    /// # Errors
    /// When the layout addresses bytes outside `bytes`.
    pub fn with_layout(bytes: &'a mut [u8], layout: Layout) -> Result<Self> {
        layout.check(bytes.len())?;
        Ok(ArrayViewMut { bytes, layout })
    }

    fn bytes(&self) -> &[u8] {
        self.bytes
    }

    fn is_writeable(&self) -> bool {
        true
    }

    fn owns_data(&self) -> bool {
        false
    }

    /// A read-only view of the same elements.
    pub fn view(&self) -> ArrayView<'_> {
        ArrayView {
            bytes: self.bytes,
            layout: self.layout.clone(),
            writeable: true,
            owndata: false,
        }
    }

    /// The raw bytes of the element at `index`, writable (a whole record at once).
    ///
    /// # Errors
    /// A wrong number of indices or an index out of range.
    pub fn element_bytes_mut(&mut self, index: &[usize]) -> Result<&mut [u8]> {
        let off = self.layout.byte_offset(index)?;
        let size = self.dtype().itemsize();
        Ok(&mut self.bytes[off..off + size])
    }

    /// Write `value` at `index`, encoded in the dtype's byte order.
    ///
    /// # Errors
    /// When `T` does not match the dtype, or the index is wrong.
    pub fn set<T: Element>(&mut self, index: &[usize], value: T) -> Result<()> {
        let order = scalar_for::<T>(self.dtype())?.byte_order();
        let off = self.layout.byte_offset(index)?;
        value.encode(&mut self.bytes[off..off + std::mem::size_of::<T>()], order);
        Ok(())
    }

    /// Set every element to `value`.
    ///
    /// # Errors
    /// When `T` does not match the dtype.
    pub fn fill<T: Element>(&mut self, value: T) -> Result<()> {
        let order = scalar_for::<T>(self.dtype())?.byte_order();
        let size = std::mem::size_of::<T>();
        let mut enc = vec![0u8; size];
        value.encode(&mut enc, order);
        let offsets: Vec<usize> = self.layout.offsets().collect();
        for o in offsets {
            self.bytes[o..o + size].copy_from_slice(&enc);
        }
        Ok(())
    }

    /// The elements as `&mut [T]`, under the conditions of [`ArrayView::as_slice`].
    ///
    /// # Errors
    /// As [`ArrayView::as_slice`].
    pub fn as_slice_mut<T: Element>(&mut self) -> Result<&mut [T]> {
        self.view().as_slice::<T>()?;
        let n = self.len();
        let start = if n == 0 { 0 } else { self.layout.offset() };
        let bytes = &mut self.bytes[start..start + n * std::mem::size_of::<T>()];
        bytemuck::try_cast_slice_mut(bytes).map_err(|e| arg(e.to_string()))
    }

    read_ops!();
    view_ops!(ArrayViewMut, 'a, |v: &ArrayViewMut<'a>| v.bytes.len(), |v: ArrayViewMut<'a>, layout| ArrayViewMut {
        bytes: v.bytes,
        layout
    });
}

impl Array {
    /// A zero-filled array (`np.zeros(shape, dtype, order)`).
    ///
    /// # Errors
    /// When the size overflows.
    pub fn zeros(dtype: DType, shape: &[usize], order: Order) -> Result<Array> {
        let layout = Layout::contiguous(dtype, shape, order)?;
        let buf = AlignedBuf::zeroed(layout.len() * layout.dtype().itemsize())?;
        Ok(Array { buf, layout })
    }

    /// Take ownership of bytes laid out in `order` (copied into an aligned buffer).
    ///
    /// # Errors
    /// When `bytes` is not exactly `shape` elements of `dtype`.
    pub fn from_bytes(bytes: &[u8], dtype: DType, shape: &[usize], order: Order) -> Result<Array> {
        let layout = Layout::contiguous(dtype, shape, order)?;
        let need = layout.len() * layout.dtype().itemsize();
        if bytes.len() != need {
            return Err(Error::new(
                ErrorKind::Data,
                format!(
                    "{} bytes given for {} elements of {} bytes ({need} bytes)",
                    bytes.len(),
                    layout.len(),
                    layout.dtype().itemsize()
                ),
            ));
        }
        Ok(Array {
            buf: AlignedBuf::from_bytes(bytes),
            layout,
        })
    }

    /// Build from an owned buffer and a layout checked against it.
    ///
    /// # Errors
    /// When the layout addresses bytes outside the buffer.
    pub fn from_parts(buf: AlignedBuf, layout: Layout) -> Result<Array> {
        layout.check(buf.len())?;
        Ok(Array { buf, layout })
    }

    /// A read-only view of the whole array.
    pub fn view(&self) -> ArrayView<'_> {
        ArrayView {
            bytes: self.buf.as_bytes(),
            layout: self.layout.clone(),
            writeable: true,
            owndata: true,
        }
    }

    /// A writable view of the whole array.
    pub fn view_mut(&mut self) -> ArrayViewMut<'_> {
        ArrayViewMut {
            bytes: self.buf.as_bytes_mut(),
            layout: self.layout.clone(),
        }
    }

    /// The owned buffer.
    pub fn buffer(&self) -> &AlignedBuf {
        &self.buf
    }

    /// Split into buffer and layout.
    pub fn into_parts(self) -> (AlignedBuf, Layout) {
        (self.buf, self.layout)
    }

    fn bytes(&self) -> &[u8] {
        self.buf.as_bytes()
    }

    fn is_writeable(&self) -> bool {
        true
    }

    fn owns_data(&self) -> bool {
        true
    }

    read_ops!();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes of every element in C order, one element at a time.
    fn by_offsets(v: &ArrayView<'_>) -> Vec<u8> {
        let size = v.dtype().itemsize();
        let mut out = Vec::new();
        for o in v.layout.offsets() {
            out.extend_from_slice(&v.bytes()[o..o + size]);
        }
        out
    }

    #[test]
    fn write_to_writes_strided_views_in_bands_as_element_by_element() {
        let bytes: Vec<u8> = (0..(6 * 50 * 70 * 8))
            .map(|i| (i * 7 + i / 251) as u8)
            .collect();
        let base = ArrayView::from_bytes_order(
            &bytes,
            DType::parse("<f8").unwrap(),
            &[6, 50, 70],
            0,
            Order::F,
        )
        .unwrap();
        let views = [
            base.clone(),
            base.clone().t(),
            base.clone().permute(&[1, 0, 2]).unwrap(),
            base.clone().slice_axis(1, None, None, -3).unwrap(),
            base.clone()
                .slice_axis(2, Some(5), Some(60), 7)
                .unwrap()
                .t(),
            base.clone().index_axis(0, 4).unwrap(),
            base.clone()
                .index_axis(1, -1)
                .unwrap()
                .slice_axis(0, None, None, -1)
                .unwrap(),
        ];
        for v in &views {
            let mut got = Vec::new();
            v.write_to(&mut got).unwrap();
            assert!(
                got == by_offsets(v),
                "shape {:?} strides {:?}",
                v.shape(),
                v.strides()
            );
        }
        // Rows of more than a band (one 17 MB row a line), written row by row, and many
        // bands of small rows.
        let big: Vec<u8> = (0..(2 * 2200 * 1000 * 8))
            .map(|i| (i % 253) as u8)
            .collect();
        let dt = DType::parse("<u8").unwrap();
        let cube =
            ArrayView::from_bytes_order(&big, dt.clone(), &[2, 2200, 1000], 0, Order::F).unwrap();
        let long = ArrayView::from_bytes_order(&big, dt, &[4400, 1000], 0, Order::F).unwrap();
        for v in [
            cube,
            long.clone(),
            long.slice_axis(0, None, None, -2).unwrap(),
        ] {
            let mut got = Vec::new();
            v.write_to(&mut got).unwrap();
            assert!(got == by_offsets(&v), "shape {:?}", v.shape());
        }
    }

    #[test]
    fn seed_fortran_big_endian_cube() {
        // The 64-byte dump of a 2x2x2 Fortran-ordered big-endian i8 array: element [1,0,0]
        // through the API and by hand from strides.
        let values: Vec<i64> = (0..8).collect();
        // F order: index (i,j,k) at i + 2j + 4k.
        let mut bytes = Vec::new();
        for k in 0..2i64 {
            for j in 0..2i64 {
                for i in 0..2i64 {
                    bytes.extend((100 * i + 10 * j + k).to_be_bytes());
                }
            }
        }
        assert_eq!(values.len() * 8, bytes.len());
        let a = ArrayView::from_bytes_order(
            &bytes,
            DType::parse(">i8").unwrap(),
            &[2, 2, 2],
            0,
            Order::F,
        )
        .unwrap();
        assert_eq!(a.strides(), &[8, 16, 32]);
        assert_eq!(a.get::<i64>(&[1, 0, 0]).unwrap(), 100);
        let off: isize = [1isize, 0, 0]
            .iter()
            .zip(a.strides())
            .map(|(i, s)| i * s)
            .sum();
        let by_hand = i64::from_be_bytes(bytes[off as usize..off as usize + 8].try_into().unwrap());
        assert_eq!(by_hand, 100);
        assert_eq!(a.get::<i64>(&[0, 1, 1]).unwrap(), 11);
        assert!(
            a.as_slice::<i64>().is_err(),
            "big-endian data is no native slice"
        );
        let c = a.to_byte_order(ByteOrder::NATIVE).unwrap();
        assert_eq!(
            c.view().as_slice::<i64>().unwrap(),
            &[0, 1, 10, 11, 100, 101, 110, 111]
        );
        assert!(c.flags().c_contiguous && c.flags().owndata && c.flags().aligned);
    }

    #[test]
    fn radar_field_views_without_copy() {
        let dt = DType::parse(
            "[('time','<u8'),('size','<u4'),('position',[('az','<f4'),('el','<f4'),('region_type','u1'),('region_ID','<u2')]),('gain','u1'),('samples','<i2',(4,))]",
        )
        .unwrap();
        let mut a = Array::zeros(dt, &[3], Order::C).unwrap();
        {
            let v = a.view_mut();
            for i in 0..3 {
                let az = v.layout().field("position.az").unwrap();
                let mut azv = ArrayViewMut::with_layout(&mut v.bytes[..], az).unwrap();
                azv.set::<f32>(&[i], 0.25 * i as f32).unwrap();
            }
        }
        let v = a.view();
        let az = v.clone().field("position").unwrap().field("az").unwrap();
        assert_eq!(az.to_vec::<f32>().unwrap(), vec![0.0, 0.25, 0.5]);
        assert_eq!(az.strides(), &[32]);
        assert!(az.flags().aligned, "offset 12, stride 32: aligned for f4");
        let e = az.as_slice::<f32>().unwrap_err();
        assert!(e.message().contains("not C-contiguous"), "{e}");
        let id = v.clone().field("position.region_ID").unwrap();
        assert!(
            !id.flags().aligned,
            "region_ID sits at odd offset 21 of a packed record"
        );
        assert_eq!(id.to_vec::<u16>().unwrap(), vec![0, 0, 0]);
        let samples = v.clone().field("samples").unwrap();
        assert_eq!(
            (samples.shape(), samples.strides()),
            (&[3usize, 4][..], &[32isize, 2][..])
        );
        let packed = v.extract_fields(&["position.az", "gain"]).unwrap();
        assert_eq!(
            packed.dtype().to_string(),
            "[('az', '<f4'), ('gain', '|u1')]"
        );
        assert_eq!(packed.view().value(&[2]).unwrap().to_string(), "(0.5, 0)");
    }

    #[test]
    fn views_chain_and_copies_reorder() {
        let a = Array::from_bytes(
            &(0u8..24).collect::<Vec<_>>(),
            DType::parse("u1").unwrap(),
            &[2, 3, 4],
            Order::C,
        )
        .unwrap();
        let v = a
            .view()
            .slice_axis(2, None, None, -2)
            .unwrap()
            .index_axis(0, -1)
            .unwrap();
        assert_eq!(v.to_vec::<u8>().unwrap(), vec![15, 13, 19, 17, 23, 21]);
        let t = a.view().t();
        assert!(t.flags().f_contiguous && !t.flags().c_contiguous);
        let f = a.view().to_contiguous(Order::F).unwrap();
        assert_eq!(f.strides(), &[1, 2, 6]);
        assert_eq!(
            f.view().to_vec::<u8>().unwrap(),
            a.view().to_vec::<u8>().unwrap()
        );
        assert_eq!(f.buffer().as_bytes()[..4], [0, 12, 4, 16]);
        let mut out = Vec::new();
        a.view().t().write_to(&mut out).unwrap();
        assert_eq!(out[..4], [0, 12, 4, 16]);
        let win = a
            .view()
            .reshape(&[24])
            .unwrap()
            .sliding_window(0, 3)
            .unwrap();
        assert_eq!(win.value(&[5, 2]).unwrap(), Value::UInt(7));
        assert!(a.view().as_strided(&[2], &[24]).is_err());
    }
}
