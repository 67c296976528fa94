//! Numeric views as `ndarray` arrays.
//!
//! [`ArrayView::as_ndarray`] gives an `ndarray::ArrayView` over the same bytes, with the
//! view's strides (negative ones included, through inverted axes): a field of a record
//! array, a Fortran-ordered matrix or a reversed slice are all zero-copy. That needs
//! native byte order, elements aligned for `T` and strides that are whole multiples of
//! its size; [`ArrayView::to_ndarray`] gives a borrowed view when they hold and an owned
//! copy (decoded from the file's byte order) when they do not. A subarray field counts as
//! its trailing axes (`samples` of `('samples', '<i2', (2048,))` is `(n, 2048)`).
//!
//! ```
//! use dtkit::{raw, DType};
//!
//! let mut bytes = Vec::new();
//! for i in 0..4u32 {
//!     bytes.extend(i.to_le_bytes());
//!     bytes.extend((i as f32 * 0.5).to_le_bytes());
//! }
//! let view = raw::from_bytes(&bytes, &raw::RawOptions::new(DType::parse("<u4, <f4")?))?;
//! let b = view.field("f1")?;
//! let nd = b.as_ndarray::<f32>()?; // strided, zero-copy
//! assert_eq!(nd.strides(), [2]);
//! assert_eq!(nd.iter().copied().collect::<Vec<_>>(), [0.0, 0.5, 1.0, 1.5]);
//! # Ok::<(), dtkit::Error>(())
//! ```

use ::ndarray::{ArrayD, ArrayViewD, CowArray, IxDyn, ShapeBuilder};

use crate::array::view::scalar_for;
use crate::array::{Array, ArrayView, Element, Order};
use crate::dtype::{ByteOrder, DType};
use crate::error::{Error, ErrorKind, Result};

fn arg(msg: String) -> Error {
    Error::new(ErrorKind::Argument, msg)
}

impl<'a> ArrayView<'a> {
    /// The elements as an `ndarray::ArrayView` over the same bytes, with the same shape
    /// and strides (a subarray dtype adds its axes).
    ///
    /// # Errors
    /// When `T` does not match the dtype, or the data cannot be viewed in place: not
    /// native-endian, not aligned for `T`, or a stride that is not a multiple of the
    /// element size (the message says which; [`ArrayView::to_ndarray`] copies instead).
    pub fn as_ndarray<T: Element>(&self) -> Result<ArrayViewD<'a, T>> {
        let view = crate::npy::expand_subarray(self.clone())?;
        let s = scalar_for::<T>(view.dtype())?;
        if !s.byte_order().is_native() {
            return Err(arg(format!(
                "the data is {}-endian, not native: use to_ndarray for a converted copy",
                if s.byte_order() == ByteOrder::Big {
                    "big"
                } else {
                    "little"
                }
            )));
        }
        let size = std::mem::size_of::<T>();
        let shape = view.shape().to_vec();
        if shape.contains(&0) {
            return ArrayViewD::from_shape(IxDyn(&shape), &[]).map_err(shape_error);
        }
        // The lowest and highest byte the view touches, and which axes run backwards.
        let mut lo = view.layout().offset() as isize;
        let mut hi = lo;
        for (&n, &st) in shape.iter().zip(view.strides()) {
            let span = st * (n as isize - 1);
            if span < 0 {
                lo += span;
            } else {
                hi += span;
            }
        }
        let bytes = &view.bytes()[lo as usize..hi as usize + size];
        let elems: &'a [T] = bytemuck::try_cast_slice(bytes).map_err(|_| {
            arg(format!(
                "the elements are not aligned for {} (byte offset {lo} of a buffer at {:p}): \
                 use to_ndarray for an aligned copy",
                std::any::type_name::<T>(),
                view.bytes().as_ptr()
            ))
        })?;
        let mut strides = Vec::with_capacity(shape.len());
        for (&n, &st) in shape.iter().zip(view.strides()) {
            if n <= 1 {
                strides.push(0);
            } else if st.unsigned_abs() % size != 0 {
                return Err(arg(format!(
                    "a stride of {st} bytes is not a multiple of the {size}-byte element: use \
                     to_ndarray for a copy"
                )));
            } else {
                strides.push(st.unsigned_abs() / size);
            }
        }
        let mut nd = ArrayViewD::from_shape(IxDyn(&shape).strides(IxDyn(&strides)), elems)
            .map_err(shape_error)?;
        for (axis, (&n, &st)) in shape.iter().zip(view.strides()).enumerate() {
            if st < 0 && n > 1 {
                nd.invert_axis(::ndarray::Axis(axis));
            }
        }
        Ok(nd)
    }

    /// The elements as an `ndarray` array: borrowed when [`ArrayView::as_ndarray`] can view
    /// them in place, else an owned copy in C order, decoded from the data's byte order.
    ///
    /// # Errors
    /// When `T` does not match the dtype.
    pub fn to_ndarray<T: Element>(&self) -> Result<CowArray<'a, T, IxDyn>> {
        if let Ok(v) = self.as_ndarray::<T>() {
            return Ok(CowArray::from(v));
        }
        let view = crate::npy::expand_subarray(self.clone())?;
        let values: Vec<T> = view.iter::<T>()?.collect();
        let owned = ArrayD::from_shape_vec(IxDyn(view.shape()), values).map_err(shape_error)?;
        Ok(CowArray::from(owned))
    }
}

fn shape_error(e: ::ndarray::ShapeError) -> Error {
    Error::new(
        ErrorKind::Argument,
        format!("ndarray refused the layout: {e}"),
    )
}

/// An ndarray as a dtkit [`Array`] of `dtype` (a native-endian scalar type matching `T`),
/// in C order: ready for [`crate::npy::save`] or a `.npz` member.
///
/// # Errors
/// When `T` does not match `dtype`.
pub fn from_ndarray<T: Element, S, D>(
    array: &::ndarray::ArrayBase<S, D>,
    dtype: DType,
) -> Result<Array>
where
    S: ::ndarray::Data<Elem = T>,
    D: ::ndarray::Dimension,
{
    let order = scalar_for::<T>(&dtype)?.byte_order();
    let size = std::mem::size_of::<T>();
    let (mut buf, layout) = Array::zeros(dtype, array.shape(), Order::C)?.into_parts();
    // `iter` walks the ndarray in logical (C) order whatever its memory order.
    for (slot, v) in buf.as_bytes_mut().chunks_exact_mut(size).zip(array.iter()) {
        v.encode(slot, order);
    }
    Array::from_parts(buf, layout)
}
