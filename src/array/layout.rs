//! Array metadata without data: dtype, shape, byte strides and the byte offset of the
//! first element. Every view operation is a pure function from one layout to another,
//! checked against the length of the buffer it will address.
//!
//! # Invariants
//!
//! A `Layout` checked against a buffer of `len` bytes (which every constructor does)
//! guarantees that every byte of every element it can address lies in `0..len`: for each
//! element index `i` (all `i[k] < shape[k]`), `offset + Σ i[k]·strides[k]` is at least 0 and
//! that plus the itemsize is at most `len`. An array with a zero-length axis addresses no
//! bytes. Strides count **bytes** (as NumPy's do; ndarray's count elements) and may be
//! negative or zero.

use crate::dtype::{c_strides, DType, MAX_DIMS};
use crate::error::{Error, ErrorKind, Result};

/// Memory order of a new array or of a dump on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Order {
    /// Row-major: the last index varies fastest (NumPy's default).
    C,
    /// Column-major: the first index varies fastest (Fortran).
    F,
}

/// NumPy's array flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Flags {
    /// `C_CONTIGUOUS`, by NumPy's rule (axes of length 1 ignored; empty arrays are).
    pub c_contiguous: bool,
    /// `F_CONTIGUOUS`, by the same rule.
    pub f_contiguous: bool,
    /// `ALIGNED`: the first element's address and every stride of an axis longer than 1
    /// are multiples of the dtype's alignment.
    pub aligned: bool,
    /// `WRITEABLE`.
    pub writeable: bool,
    /// `OWNDATA`: the array allocated its own buffer.
    pub owndata: bool,
}

/// Shape, byte strides and offset of an array of a dtype. See the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    dtype: DType,
    shape: Vec<usize>,
    strides: Vec<isize>,
    offset: usize,
}

fn arg(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Argument, msg)
}

fn too_large() -> Error {
    Error::new(ErrorKind::Limit, "array size overflows the address space")
}

/// The number of elements of `shape`: 0 when any axis is empty — without multiplying
/// the other axes first, which for `(3, 2**31, 2**31, 0)` would overflow — else their
/// product (saturating; the shapes of checked layouts never get there).
pub fn shape_size(shape: &[usize]) -> usize {
    if shape.contains(&0) {
        return 0;
    }
    shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .unwrap_or(usize::MAX)
}

/// Strides NumPy gives a new array: C or Fortran order; all zero when it is empty.
pub fn default_strides(shape: &[usize], itemsize: usize, order: Order) -> Vec<isize> {
    if shape.contains(&0) {
        return vec![0; shape.len()];
    }
    let mut strides = vec![0isize; shape.len()];
    let mut acc = itemsize as isize;
    let axes: Box<dyn Iterator<Item = usize>> = match order {
        Order::C => Box::new((0..shape.len()).rev()),
        Order::F => Box::new(0..shape.len()),
    };
    for ax in axes {
        strides[ax] = acc;
        acc = acc.saturating_mul(shape[ax] as isize);
    }
    strides
}

/// NumPy's contiguity test: walking axes from the last (C) or first (F), each stride of an
/// axis longer than 1 must equal the product of the itemsize and the lengths passed.
pub fn is_contiguous(shape: &[usize], strides: &[isize], itemsize: usize, order: Order) -> bool {
    if shape.contains(&0) {
        return true;
    }
    let mut expected = itemsize as isize;
    let check = |ax: usize, expected: &mut isize| {
        if shape[ax] == 1 {
            return true;
        }
        if strides[ax] != *expected {
            return false;
        }
        *expected = expected.saturating_mul(shape[ax] as isize);
        true
    };
    match order {
        Order::C => (0..shape.len()).rev().all(|ax| check(ax, &mut expected)),
        Order::F => (0..shape.len()).all(|ax| check(ax, &mut expected)),
    }
}

/// Product of `shape`.
///
/// # Errors
/// [`ErrorKind::Limit`] when the product overflows.
pub fn checked_size(shape: &[usize]) -> Result<usize> {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(too_large)
}

impl Layout {
    /// A new array's layout: C or Fortran order from offset 0, as `np.empty` makes it.
    ///
    /// # Errors
    /// More than [`MAX_DIMS`] dimensions, or a size that overflows.
    pub fn contiguous(dtype: DType, shape: &[usize], order: Order) -> Result<Layout> {
        if shape.len() > MAX_DIMS {
            return Err(arg(format!(
                "{} dimensions: at most {MAX_DIMS}",
                shape.len()
            )));
        }
        let n = checked_size(shape)?;
        n.checked_mul(dtype.itemsize())
            .filter(|&b| b <= isize::MAX as usize)
            .ok_or_else(too_large)?;
        let strides = default_strides(shape, dtype.itemsize(), order);
        Ok(Layout {
            dtype,
            shape: shape.to_vec(),
            strides,
            offset: 0,
        })
    }

    /// A new array's layout placed `offset` bytes into a buffer of `len` bytes (a file's
    /// data after its header, say), checked against the buffer.
    ///
    /// # Errors
    /// As [`Layout::contiguous`], and when the elements do not fit in the buffer.
    pub fn contiguous_in(
        dtype: DType,
        shape: &[usize],
        order: Order,
        offset: usize,
        len: usize,
    ) -> Result<Layout> {
        let mut layout = Layout::contiguous(dtype, shape, order)?;
        layout.offset = offset;
        layout.check(len)?;
        Ok(layout)
    }

    /// A layout with explicit strides and offset, checked against a buffer of `len` bytes.
    ///
    /// # Errors
    /// When some element would lie outside `0..len` (NumPy's `as_strided` does not check
    /// this and reads out of bounds; dtkit refuses), or the shape and strides differ in
    /// length.
    pub fn new(
        dtype: DType,
        shape: &[usize],
        strides: &[isize],
        offset: usize,
        len: usize,
    ) -> Result<Layout> {
        if shape.len() != strides.len() {
            return Err(arg(format!(
                "{} dimensions but {} strides",
                shape.len(),
                strides.len()
            )));
        }
        if shape.len() > MAX_DIMS {
            return Err(arg(format!(
                "{} dimensions: at most {MAX_DIMS}",
                shape.len()
            )));
        }
        let layout = Layout {
            dtype,
            shape: shape.to_vec(),
            strides: strides.to_vec(),
            offset,
        };
        layout.check(len)?;
        Ok(layout)
    }

    /// The byte range `lo..hi` the layout addresses, or `None` when it has no elements.
    pub fn extent(&self) -> Option<(i128, i128)> {
        if self.shape.contains(&0) {
            return None;
        }
        let mut lo = self.offset as i128;
        let mut hi = self.offset as i128;
        for (&d, &s) in self.shape.iter().zip(&self.strides) {
            let span = (d as i128 - 1) * s as i128;
            if span < 0 {
                lo += span;
            } else {
                hi += span;
            }
        }
        Some((lo, hi + self.dtype.itemsize() as i128))
    }

    /// Check that every addressed byte lies in `0..len`.
    ///
    /// # Errors
    /// [`ErrorKind::Argument`] naming the first and last byte the layout would touch.
    pub fn check(&self, len: usize) -> Result<()> {
        checked_size(&self.shape)?;
        match self.extent() {
            None if self.offset <= len => Ok(()),
            None => Err(arg(format!(
                "offset {} is past the end of the {len}-byte buffer",
                self.offset
            ))),
            Some((lo, hi)) if lo >= 0 && hi <= len as i128 => Ok(()),
            Some((lo, hi)) => Err(arg(format!(
                "the view would reach bytes {lo}..{hi} of a {len}-byte buffer (shape {:?}, \
                 strides {:?}, offset {}): every element must lie inside the buffer",
                self.shape, self.strides, self.offset
            ))),
        }
    }

    /// The element dtype.
    pub fn dtype(&self) -> &DType {
        &self.dtype
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Byte strides, one per axis.
    pub fn strides(&self) -> &[isize] {
        &self.strides
    }

    /// Byte offset of the first element (index `[0, 0, ...]`) in the buffer.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        shape_size(&self.shape)
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.shape.contains(&0)
    }

    /// NumPy's `C_CONTIGUOUS` flag.
    pub fn is_c_contiguous(&self) -> bool {
        is_contiguous(&self.shape, &self.strides, self.dtype.itemsize(), Order::C)
    }

    /// NumPy's `F_CONTIGUOUS` flag.
    pub fn is_f_contiguous(&self) -> bool {
        is_contiguous(&self.shape, &self.strides, self.dtype.itemsize(), Order::F)
    }

    /// NumPy's `ALIGNED` flag for a buffer whose first byte is at address `base`.
    pub fn is_aligned(&self, base: usize) -> bool {
        let a = self.dtype.alignment();
        if a <= 1 || self.is_empty() {
            return true;
        }
        (base.wrapping_add(self.offset)) % a == 0
            && self
                .shape
                .iter()
                .zip(&self.strides)
                .all(|(&d, &s)| d <= 1 || s.unsigned_abs() % a == 0)
    }

    /// The byte offset of the element at `index` (one index per axis, each in range).
    ///
    /// # Errors
    /// A wrong number of indices, or an index out of range.
    pub fn byte_offset(&self, index: &[usize]) -> Result<usize> {
        if index.len() != self.shape.len() {
            return Err(arg(format!(
                "{} indices for a {}-dimensional array",
                index.len(),
                self.shape.len()
            )));
        }
        let mut off = self.offset as isize;
        for (axis, ((&i, &d), &s)) in index.iter().zip(&self.shape).zip(&self.strides).enumerate() {
            if i >= d {
                return Err(arg(format!(
                    "index {i} is out of bounds for axis {axis} with size {d}"
                )));
            }
            // Cannot overflow: the layout was checked against a real buffer.
            off += i as isize * s;
        }
        Ok(off as usize)
    }

    /// Byte offsets of every element in C (row-major) order.
    pub fn offsets(&self) -> Offsets<'_> {
        Offsets {
            layout: self,
            index: vec![0; self.shape.len()],
            next: if self.is_empty() {
                None
            } else {
                Some(self.offset as isize)
            },
        }
    }

    // --- View operations: pure metadata transforms. -------------------------------------

    /// The view of one field (by name, title or dotted path): the field's dtype, at the
    /// field's offset; a subarray field appends its shape (C strides) as trailing axes, as
    /// NumPy's `arr['samples']` does.
    ///
    /// # Errors
    /// When the dtype has no such field.
    pub fn field(&self, path: &str) -> Result<Layout> {
        let f = self.dtype.field_path(path)?;
        let mut shape = self.shape.clone();
        let mut strides = self.strides.clone();
        shape.extend_from_slice(&f.outer_shape);
        strides.extend(f.outer_strides.iter().map(|&s| s as isize));
        let dtype = match f.dtype {
            DType::Subarray(sub) => {
                shape.extend_from_slice(sub.shape());
                strides.extend(
                    c_strides(sub.shape(), sub.base().itemsize())
                        .into_iter()
                        .map(|s| s as isize),
                );
                sub.base().clone()
            }
            other => other.clone(),
        };
        if shape.len() > MAX_DIMS {
            return Err(arg(format!(
                "the field view would have {} dimensions",
                shape.len()
            )));
        }
        Ok(Layout {
            dtype,
            shape,
            strides,
            offset: self.offset + f.offset,
        })
    }

    /// Select several fields, keeping their offsets and the record's itemsize (NumPy ≥ 1.16
    /// multi-field indexing: a view, not a packed copy).
    ///
    /// # Errors
    /// When the dtype is not a record, a name is missing or repeated.
    pub fn fields(&self, names: &[&str]) -> Result<Layout> {
        let DType::Record(rec) = &self.dtype else {
            return Err(arg("multi-field selection needs a record dtype"));
        };
        let mut picked = Vec::with_capacity(names.len());
        for &n in names {
            let f = rec
                .field(n)
                .ok_or_else(|| self.dtype.field(n).err().unwrap_or_else(|| arg(n)))?;
            if picked
                .iter()
                .any(|p: &crate::dtype::Field| p.name() == f.name())
            {
                return Err(arg(format!("field {:?} selected twice", f.name())));
            }
            picked.push(f.clone());
        }
        let dtype = DType::record(picked, Some(rec.itemsize()))?;
        Ok(Layout {
            dtype,
            ..self.clone()
        })
    }

    /// `a[i]` along `axis` (negative `i` counts from the end): the axis disappears.
    ///
    /// # Errors
    /// An axis or index out of range.
    pub fn index_axis(&self, axis: usize, i: isize) -> Result<Layout> {
        let d = *self.shape.get(axis).ok_or_else(|| {
            arg(format!(
                "axis {axis} is out of range for {} dimensions",
                self.ndim()
            ))
        })?;
        let ii = if i < 0 { i + d as isize } else { i };
        if ii < 0 || ii >= d as isize {
            return Err(arg(format!(
                "index {i} is out of bounds for axis {axis} with size {d}"
            )));
        }
        let mut out = self.clone();
        out.offset = (self.offset as isize + ii * self.strides[axis]) as usize;
        out.shape.remove(axis);
        out.strides.remove(axis);
        Ok(out)
    }

    /// `a[start:stop:step]` along `axis`, with Python's slice semantics (negative values
    /// count from the end, out-of-range bounds are clipped, negative steps go backwards).
    ///
    /// # Errors
    /// An axis out of range or a zero step.
    pub fn slice_axis(
        &self,
        axis: usize,
        start: Option<isize>,
        stop: Option<isize>,
        step: isize,
    ) -> Result<Layout> {
        let d = *self.shape.get(axis).ok_or_else(|| {
            arg(format!(
                "axis {axis} is out of range for {} dimensions",
                self.ndim()
            ))
        })?;
        if step == 0 {
            return Err(arg("slice step cannot be zero"));
        }
        let (first, len) = slice_indices(d as isize, start, stop, step);
        let mut out = self.clone();
        out.shape[axis] = len as usize;
        // An empty slice keeps the stride and the offset, as NumPy's indexing does.
        if len > 0 {
            out.offset = (self.offset as isize + first * self.strides[axis]) as usize;
            out.strides[axis] = self.strides[axis] * step;
        }
        Ok(out)
    }

    /// Insert a new axis of length 1 at `axis` (NumPy's `np.newaxis`).
    ///
    /// # Errors
    /// `axis` greater than the number of dimensions, or too many dimensions.
    pub fn insert_axis(&self, axis: usize) -> Result<Layout> {
        if axis > self.ndim() || self.ndim() >= MAX_DIMS {
            return Err(arg(format!(
                "cannot insert axis {axis} into {} dimensions",
                self.ndim()
            )));
        }
        let mut out = self.clone();
        out.shape.insert(axis, 1);
        out.strides.insert(axis, 0);
        Ok(out)
    }

    /// Reverse the axes (NumPy's `.T`).
    pub fn transpose(&self) -> Layout {
        let mut out = self.clone();
        out.shape.reverse();
        out.strides.reverse();
        out
    }

    /// Permute the axes: axis `k` of the result is axis `axes[k]` of `self`.
    ///
    /// # Errors
    /// When `axes` is not a permutation of `0..ndim`.
    pub fn permute(&self, axes: &[usize]) -> Result<Layout> {
        let n = self.ndim();
        let mut seen = vec![false; n];
        if axes.len() != n
            || axes
                .iter()
                .any(|&a| a >= n || std::mem::replace(&mut seen[a], true))
        {
            return Err(arg(format!(
                "{axes:?} is not a permutation of the {n} axes"
            )));
        }
        Ok(Layout {
            shape: axes.iter().map(|&a| self.shape[a]).collect(),
            strides: axes.iter().map(|&a| self.strides[a]).collect(),
            ..self.clone()
        })
    }

    /// A new shape for the same elements in C order, without copying: possible when the
    /// axes being merged or split are laid out compatibly (NumPy's `_attempt_nocopy_reshape`).
    /// One dimension may be `-1`.
    ///
    /// # Errors
    /// When the sizes differ, or the strides do not allow a view (copy first).
    pub fn reshape(&self, new_shape: &[isize]) -> Result<Layout> {
        let size = self.len();
        let shape = resolve_shape(new_shape, size)?;
        if shape.len() > MAX_DIMS {
            return Err(arg(format!(
                "{} dimensions: at most {MAX_DIMS}",
                shape.len()
            )));
        }
        if self.is_c_contiguous() {
            // NumPy fills C strides for a contiguous source, skipping zero dimensions in
            // the running product (so empty views keep non-zero strides).
            let mut strides = vec![0isize; shape.len()];
            let mut acc = self.dtype.itemsize() as isize;
            for (s, &d) in strides.iter_mut().zip(&shape).rev() {
                *s = acc;
                if d != 0 {
                    acc = acc.saturating_mul(d as isize);
                }
            }
            return Ok(Layout {
                shape,
                strides,
                ..self.clone()
            });
        }
        // Drop length-1 axes of the old shape; they do not constrain anything.
        let (old_dims, old_strides): (Vec<usize>, Vec<isize>) = self
            .shape
            .iter()
            .zip(&self.strides)
            .filter(|(&d, _)| d != 1)
            .map(|(&d, &s)| (d, s))
            .unzip();
        let new_dims = shape.clone();
        let mut new_strides = vec![0isize; new_dims.len()];
        let (mut oi, mut oj, mut ni, mut nj) = (0usize, 1usize, 0usize, 1usize);
        let (on, nn) = (old_dims.len(), new_dims.len());
        while ni < nn && oi < on {
            let mut np = new_dims[ni];
            let mut op = old_dims[oi];
            while np != op {
                if np < op {
                    np *= new_dims[nj];
                    nj += 1;
                } else {
                    op *= old_dims[oj];
                    oj += 1;
                }
            }
            // The old axes oi..oj must be C-contiguous among themselves.
            for ok in oi..oj - 1 {
                if old_strides[ok] != old_dims[ok + 1] as isize * old_strides[ok + 1] {
                    return Err(arg(format!(
                        "cannot reshape {:?} with strides {:?} to {:?} without copying",
                        self.shape, self.strides, shape
                    )));
                }
            }
            new_strides[nj - 1] = old_strides[oj - 1];
            for nk in (ni + 1..nj).rev() {
                new_strides[nk - 1] = new_strides[nk] * new_dims[nk] as isize;
            }
            ni = nj;
            nj += 1;
            oi = oj;
            oj += 1;
        }
        // Trailing new axes of length 1.
        let last = if ni >= 1 {
            new_strides[ni - 1]
        } else {
            self.dtype.itemsize() as isize
        };
        for s in new_strides.iter_mut().skip(ni) {
            *s = last;
        }
        Ok(Layout {
            shape,
            strides: new_strides,
            ..self.clone()
        })
    }

    /// Broadcast to `shape` (NumPy's `broadcast_to`): new leading axes and axes of length 1
    /// get stride 0.
    ///
    /// # Errors
    /// When the shapes are not compatible.
    pub fn broadcast_to(&self, shape: &[usize]) -> Result<Layout> {
        if shape.len() < self.ndim() || shape.len() > MAX_DIMS {
            return Err(arg(format!(
                "cannot broadcast {:?} to {shape:?}",
                self.shape
            )));
        }
        let lead = shape.len() - self.ndim();
        let mut strides = vec![0isize; shape.len()];
        for (k, &d) in shape.iter().enumerate().skip(lead) {
            let (od, os) = (self.shape[k - lead], self.strides[k - lead]);
            // NumPy gives every source axis of length 1 a zero stride, even when the target
            // length is 1 too.
            strides[k] = match (od, d) {
                (1, _) => 0,
                (a, b) if a == b => os,
                _ => {
                    return Err(arg(format!(
                        "cannot broadcast {:?} to {shape:?}",
                        self.shape
                    )))
                }
            };
        }
        checked_size(shape)?;
        Ok(Layout {
            shape: shape.to_vec(),
            strides,
            ..self.clone()
        })
    }

    /// NumPy's `as_strided`, from this view's first element, **checked**: every element of
    /// the result must lie inside the buffer of `len` bytes.
    ///
    /// # Errors
    /// When an element would lie outside the buffer.
    pub fn as_strided(&self, shape: &[usize], strides: &[isize], len: usize) -> Result<Layout> {
        Layout::new(self.dtype.clone(), shape, strides, self.offset, len)
    }

    /// NumPy's `sliding_window_view` along `axis`: that axis shrinks to `n - window + 1`
    /// and a new last axis of length `window` walks the same stride.
    ///
    /// # Errors
    /// An axis out of range or a window longer than the axis.
    pub fn sliding_window(&self, axis: usize, window: usize) -> Result<Layout> {
        let d = *self.shape.get(axis).ok_or_else(|| {
            arg(format!(
                "axis {axis} is out of range for {} dimensions",
                self.ndim()
            ))
        })?;
        if window > d || self.ndim() >= MAX_DIMS {
            return Err(arg(format!(
                "window {window} is larger than axis {axis} of length {d}"
            )));
        }
        let mut out = self.clone();
        out.shape[axis] = d - window + 1;
        out.shape.push(window);
        out.strides.push(self.strides[axis]);
        Ok(out)
    }

    /// The same layout with another dtype of the same itemsize (a reinterpreting view,
    /// like NumPy's `view(dtype)` for equal sizes).
    ///
    /// # Errors
    /// When the itemsizes differ.
    pub fn with_dtype(&self, dtype: DType) -> Result<Layout> {
        if dtype.itemsize() != self.dtype.itemsize() {
            return Err(arg(format!(
                "cannot view {}-byte items as {}-byte items",
                self.dtype.itemsize(),
                dtype.itemsize()
            )));
        }
        Ok(Layout {
            dtype,
            ..self.clone()
        })
    }
}

/// Python's `slice.indices` + `len(range(...))`: the first index and the number of items.
pub fn slice_indices(
    len: isize,
    start: Option<isize>,
    stop: Option<isize>,
    step: isize,
) -> (isize, isize) {
    let clamp = |v: isize, lo: isize, hi: isize| v.max(lo).min(hi);
    let norm = |v: isize| if v < 0 { v + len } else { v };
    let (start, stop) = if step > 0 {
        (
            start.map_or(0, |s| clamp(norm(s), 0, len)),
            stop.map_or(len, |s| clamp(norm(s), 0, len)),
        )
    } else {
        (
            start.map_or(len - 1, |s| clamp(norm(s), -1, len - 1)),
            stop.map_or(-1, |s| clamp(norm(s), -1, len - 1)),
        )
    };
    let n = if step > 0 {
        if stop > start {
            (stop - start + step - 1) / step
        } else {
            0
        }
    } else if start > stop {
        (start - stop + (-step) - 1) / (-step)
    } else {
        0
    };
    (start, n)
}

/// A shape with at most one `-1`, resolved for `size` elements.
///
/// # Errors
/// Several `-1`, other negative dimensions, or a shape that does not hold `size` elements.
pub fn resolve_shape(dims: &[isize], size: usize) -> Result<Vec<usize>> {
    let unknown = dims.iter().filter(|&&d| d == -1).count();
    if unknown > 1 {
        return Err(arg("only one dimension can be -1"));
    }
    if let Some(d) = dims.iter().find(|&&d| d < -1) {
        return Err(arg(format!("negative dimension {d}")));
    }
    let known = checked_size(
        &dims
            .iter()
            .filter(|&&d| d != -1)
            .map(|&d| d as usize)
            .collect::<Vec<_>>(),
    )?;
    dims.iter()
        .map(|&d| {
            if d != -1 {
                return Ok(d as usize);
            }
            if known == 0 || size % known != 0 {
                return Err(arg(format!(
                    "cannot reshape {size} elements into a shape with {known} elements per -1"
                )));
            }
            Ok(size / known)
        })
        .collect::<Result<Vec<_>>>()
        .and_then(|shape| {
            if checked_size(&shape)? != size {
                return Err(arg(format!(
                    "cannot reshape {size} elements into {shape:?}"
                )));
            }
            Ok(shape)
        })
}

/// Byte offsets of a layout's elements in C order; see [`Layout::offsets`].
#[derive(Debug, Clone)]
pub struct Offsets<'a> {
    layout: &'a Layout,
    index: Vec<usize>,
    next: Option<isize>,
}

impl Iterator for Offsets<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        let current = self.next?;
        let l = self.layout;
        let mut off = current;
        let mut ax = l.shape.len();
        loop {
            if ax == 0 {
                self.next = None;
                break;
            }
            ax -= 1;
            self.index[ax] += 1;
            off += l.strides[ax];
            if self.index[ax] < l.shape[ax] {
                self.next = Some(off);
                break;
            }
            off -= l.strides[ax] * l.shape[ax] as isize;
            self.index[ax] = 0;
        }
        Some(current as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_shapes_have_no_elements_without_overflowing() {
        assert_eq!(shape_size(&[3, 1 << 31, 1 << 31, 0]), 0);
        assert_eq!(shape_size(&[]), 1);
        assert_eq!(shape_size(&[2, 3, 4]), 24);
        // A field view of a subarray (2**31, 2**31, 0) over three records.
        let dt = DType::parse("[('a','u1'),('s','u1',(2147483647,2147483647,0))]").unwrap();
        let layout = Layout::contiguous(dt, &[3], Order::C).unwrap();
        let field = layout.field("s").unwrap();
        assert_eq!(field.len(), 0);
        assert!(field.is_empty());
    }

    fn i1() -> DType {
        DType::parse("i1").unwrap()
    }

    #[test]
    fn strides_of_the_seed_exercises() {
        // Rougier: Z = np.arange(24).reshape(2,3,4) of int64.
        let z = Layout::contiguous(DType::parse("i8").unwrap(), &[2, 3, 4], Order::C).unwrap();
        assert_eq!(z.strides(), &[96, 32, 8]);
        let f = Layout::contiguous(DType::parse("i8").unwrap(), &[2, 3, 4], Order::F).unwrap();
        assert_eq!(f.strides(), &[8, 16, 48]);
        // Z[::2]
        let s = z.slice_axis(0, None, None, 2).unwrap();
        assert_eq!(
            (s.shape(), s.strides()),
            (&[1usize, 3, 4][..], &[192isize, 32, 8][..])
        );
        // QLS seed: int8 (3,3) → .T and [::-1]
        let a = Layout::contiguous(i1(), &[3, 3], Order::C).unwrap();
        assert_eq!(a.transpose().strides(), &[1, 3]);
        let r = a.slice_axis(0, None, None, -1).unwrap();
        assert_eq!((r.strides(), r.offset()), (&[-3isize, 1][..], 6));
        assert!(r.check(9).is_ok());
        let offs: Vec<usize> = r.offsets().collect();
        assert_eq!(offs, vec![6, 7, 8, 3, 4, 5, 0, 1, 2]);
    }

    #[test]
    fn as_strided_is_checked() {
        // Rougier: Z = np.zeros(5, int32) ... repeat with stride 0 and a sliding window.
        let z = Layout::contiguous(DType::parse("i4").unwrap(), &[5], Order::C).unwrap();
        let rep = z.as_strided(&[3, 5], &[0, 4], 20).unwrap();
        assert_eq!(
            rep.offsets().take(6).collect::<Vec<_>>(),
            vec![0, 4, 8, 12, 16, 0]
        );
        let win = z.sliding_window(0, 3).unwrap();
        assert_eq!(
            (win.shape(), win.strides()),
            (&[3usize, 3][..], &[4isize, 4][..])
        );
        // One element too far: NumPy would read past the buffer; dtkit refuses.
        let e = z.as_strided(&[3, 5], &[4, 4], 20).unwrap_err();
        assert!(
            e.message().contains("bytes 0..28 of a 20-byte buffer"),
            "{e}"
        );
        assert!(z.as_strided(&[2], &[-4], 20).is_err());
        assert!(
            z.as_strided(&[0, 5], &[1000, 4], 20).is_ok(),
            "empty views address nothing"
        );
    }

    #[test]
    fn python_slices() {
        assert_eq!(slice_indices(10, None, None, 1), (0, 10));
        assert_eq!(slice_indices(10, Some(-3), None, 1), (7, 3));
        assert_eq!(slice_indices(10, None, None, -1), (9, 10));
        assert_eq!(slice_indices(10, Some(8), Some(2), -3), (8, 2));
        assert_eq!(slice_indices(10, Some(20), Some(30), 1), (10, 0));
        assert_eq!(slice_indices(10, None, Some(-20), -1), (9, 10));
        assert_eq!(slice_indices(0, None, None, -1), (-1, 0));
    }

    #[test]
    fn flags_follow_numpy() {
        let a = Layout::contiguous(DType::parse("f8").unwrap(), &[1, 3], Order::C).unwrap();
        assert!(a.is_c_contiguous() && a.is_f_contiguous());
        let e = Layout::contiguous(DType::parse("f8").unwrap(), &[0, 3], Order::C).unwrap();
        assert_eq!(e.strides(), &[0, 0]);
        assert!(e.is_c_contiguous() && e.is_f_contiguous());
        let t = Layout::contiguous(DType::parse("f8").unwrap(), &[2, 3], Order::C)
            .unwrap()
            .transpose();
        assert!(!t.is_c_contiguous() && t.is_f_contiguous());
        assert!(t.is_aligned(0) && !t.is_aligned(4));
    }

    #[test]
    fn reshape_without_copy() {
        let a = Layout::contiguous(DType::parse("i4").unwrap(), &[2, 3, 4], Order::C).unwrap();
        let r = a.reshape(&[6, -1]).unwrap();
        assert_eq!(
            (r.shape(), r.strides()),
            (&[6usize, 4][..], &[16isize, 4][..])
        );
        let r = a.reshape(&[24]).unwrap();
        assert_eq!(r.strides(), &[4]);
        let r = a.reshape(&[2, 1, 12, 1]).unwrap();
        assert_eq!(r.strides(), &[48, 48, 4, 4]);
        // A transposed array cannot be flattened without a copy...
        assert!(a.transpose().reshape(&[24]).is_err());
        // ...but splitting one of its axes is fine.
        let t = a.transpose().reshape(&[2, 2, 3, 2]).unwrap();
        assert_eq!(t.strides(), &[8, 4, 16, 48]);
        // Every other element of the last axis is still one uniform stride...
        let s = a.slice_axis(2, None, None, 2).unwrap();
        assert_eq!(s.reshape(&[12]).unwrap().strides(), &[8]);
        // ...but every other row cannot merge with the rows' contents.
        let s = a.slice_axis(1, None, None, 2).unwrap();
        assert!(s.reshape(&[16]).is_err());
        assert!(s.reshape(&[4, 4]).is_err());
        assert_eq!(s.reshape(&[2, 2, 2, 2]).unwrap().strides(), &[48, 32, 8, 4]);
        assert!(a.reshape(&[5, 5]).is_err());
    }

    #[test]
    fn fields_add_subarray_axes() {
        let dt = DType::parse("[('t','<u8'),('pos',[('az','<f4'),('el','<f4')]),('s','<i2',(4,))]")
            .unwrap();
        let a = Layout::contiguous(dt, &[5], Order::C).unwrap();
        let az = a.field("pos").unwrap().field("az").unwrap();
        assert_eq!(
            (az.shape(), az.strides(), az.offset()),
            (&[5usize][..], &[24isize][..], 8)
        );
        let s = a.field("s").unwrap();
        assert_eq!(
            (s.shape(), s.strides(), s.offset()),
            (&[5usize, 4][..], &[24isize, 2][..], 16)
        );
        let two = a.fields(&["s", "t"]).unwrap();
        assert_eq!(two.dtype().itemsize(), 24);
        assert_eq!(two.dtype().fields()[0].offset(), 16);
        assert!(a.fields(&["t", "t"]).is_err());
    }

    #[test]
    fn broadcasting() {
        let a = Layout::contiguous(DType::parse("f4").unwrap(), &[3, 1], Order::C).unwrap();
        let b = a.broadcast_to(&[2, 3, 4]).unwrap();
        assert_eq!(b.strides(), &[0, 4, 0]);
        assert!(a.broadcast_to(&[2, 2]).is_err());
    }
}
