//! Records as Rust structs, both ways, through serde.
//!
//! **Reading.** Any element of any array or view deserializes into a
//! `#[derive(Deserialize)]` type, matched by field name: nested structs for nested records,
//! `[T; N]`, `Vec<T>` or tuples for subarrays (nested for several axes), `String`, `&str`,
//! `Vec<u8>` or `&[u8]` for `S` fields, `String` or `char` for `U`, `(f64, f64)` for complex
//! numbers, `i64` ticks or an ISO `String` for datetimes (`Option` gives `None` for NaT),
//! unit enums from `S`/`U` names or integer indices. Numbers are decoded from the field's
//! byte order and converted to the target type when the value fits (`u16` → `u64`, `i4`
//! into `u8` for values 0..=255; 300 into `u8` is an error). Fields the struct does not
//! name are never decoded, and borrowed `&str`/`&[u8]` point into the array's bytes: a
//! memory-mapped file is read as structs without copying it.
//!
//! ```
//! use dtkit::{raw, DType};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize, Debug, PartialEq)]
//! struct Position { az: f32, el: f32 }
//! #[derive(Deserialize, Debug, PartialEq)]
//! struct Ping<'a> { time: u64, position: Position, name: &'a str, samples: [i16; 3] }
//!
//! let dt = DType::parse(
//!     "[('time','>u8'),('position',[('az','<f4'),('el','<f4')]),('name','S4'),('samples','<i2',(3,))]",
//! )?;
//! let mut bytes = Vec::new();
//! bytes.extend(7u64.to_be_bytes());
//! bytes.extend(1.5f32.to_le_bytes());
//! bytes.extend(0.25f32.to_le_bytes());
//! bytes.extend(b"ab\0\0");
//! for s in [1i16, -2, 3] { bytes.extend(s.to_le_bytes()); }
//! let view = raw::from_bytes(&bytes, &raw::RawOptions::new(dt))?;
//! let pings: Vec<Ping> = view.to_structs()?;
//! assert_eq!(pings, [Ping { time: 7, position: Position { az: 1.5, el: 0.25 }, name: "ab", samples: [1, -2, 3] }]);
//! # Ok::<(), dtkit::Error>(())
//! ```
//!
//! **Writing.** [`infer_dtype`] derives a dtype from `Serialize` values (struct fields in
//! order, nested structs as records, fixed arrays and equal-length `Vec`s as subarrays,
//! tuples of mixed types as records `f0, f1..`, strings as `U` of the longest, unit enums
//! by name), and [`to_array`] / [`to_array_with`] write the values as records, ready for
//! [`crate::npy::save`], [`crate::npz::NpzWriter`] or [`crate::ArrayView::write_to`].
//! Every number is range-checked against its field and every string against its width.

mod de;
mod ser;

use serde::{Deserialize, Serialize};

use crate::array::{Array, ArrayView, Order};
use crate::dtype::DType;
use crate::error::{Error, ErrorKind, Location, Result};

pub use ser::{InferOptions, StringKind};

/// Deserialize one element of `dtype` from its bytes (exactly `dtype.itemsize()` of them).
///
/// # Errors
/// A wrong number of bytes; a field the type needs that the record lacks; a value that
/// does not fit the target type. The message names the field path.
pub fn from_element<'de, T: Deserialize<'de>>(dtype: &DType, bytes: &'de [u8]) -> Result<T> {
    if bytes.len() != dtype.itemsize() {
        return Err(Error::new(
            ErrorKind::Argument,
            format!(
                "{} bytes given for an element of {} bytes",
                bytes.len(),
                dtype.itemsize()
            ),
        ));
    }
    T::deserialize(de::ElementDeserializer { dtype, bytes })
}

/// The elements of a view deserialized one by one, in C order; see
/// [`ArrayView::records`].
#[derive(Debug, Clone)]
pub struct Records<'a, T> {
    view: ArrayView<'a>,
    next: usize,
    len: usize,
    _marker: std::marker::PhantomData<fn() -> T>,
}

impl<'a, T> Records<'a, T> {
    /// Byte offset in the view's buffer of the element with flat C-order index `flat`.
    fn offset(&self, flat: usize) -> usize {
        let l = self.view.layout();
        let mut off = l.offset() as isize;
        let mut rest = flat;
        for (&n, &s) in l.shape().iter().zip(l.strides()).rev() {
            off += (rest % n) as isize * s;
            rest /= n;
        }
        off as usize
    }
}

impl<'a, T: Deserialize<'a>> Iterator for Records<'a, T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        if self.next >= self.len {
            return None;
        }
        let i = self.next;
        self.next += 1;
        let off = self.offset(i);
        let dtype = self.view.dtype();
        let bytes: &'a [u8] = self.view.bytes();
        let bytes = &bytes[off..off + dtype.itemsize()];
        Some(
            T::deserialize(de::ElementDeserializer { dtype, bytes }).map_err(|e| {
                let msg = format!("record {i}: {}", e.message());
                e.with_message(msg).at(Location::Byte(off as u64))
            }),
        )
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.len - self.next;
        (n, Some(n))
    }

    fn nth(&mut self, n: usize) -> Option<Result<T>> {
        self.next = self.next.saturating_add(n).min(self.len);
        self.next()
    }
}

impl<'a, T: Deserialize<'a>> ExactSizeIterator for Records<'a, T> {}

impl<'a> ArrayView<'a> {
    /// Every element deserialized as a `T`, lazily, in C order. `T` may borrow `&'a str`
    /// and `&'a [u8]` from `S` and `V` fields.
    ///
    /// An error names the record (its C-order index), the field path and the byte offset
    /// of the record in the buffer.
    pub fn records<T: Deserialize<'a>>(&self) -> Records<'a, T> {
        Records {
            view: self.clone(),
            next: 0,
            len: self.len(),
            _marker: std::marker::PhantomData,
        }
    }

    /// Every element as a `T`, in C order, in a new `Vec`.
    ///
    /// # Errors
    /// As [`from_element`], for the first record that fails.
    pub fn to_structs<T: Deserialize<'a>>(&self) -> Result<Vec<T>> {
        self.records().collect()
    }

    /// The element at `index` as a `T`.
    ///
    /// # Errors
    /// A wrong index, or as [`from_element`].
    pub fn record<T: Deserialize<'a>>(&self, index: &[usize]) -> Result<T> {
        let off = self.layout().byte_offset(index)?;
        let dtype = self.dtype();
        let bytes: &'a [u8] = self.bytes();
        T::deserialize(de::ElementDeserializer {
            dtype,
            bytes: &bytes[off..off + dtype.itemsize()],
        })
    }
}

/// The dtype NumPy would give these values: see the [module documentation](self).
///
/// String widths are the longest over all values; a `Vec` field must have the same length in
/// every value (it becomes a subarray).
///
/// # Errors
/// No values (there is nothing to look at); a type with no dtype (`Option`, maps, enums with
/// data, `i128`); values whose shapes differ.
pub fn infer_dtype<T: Serialize>(values: &[T], options: &InferOptions) -> Result<DType> {
    let mut merged: Option<ser::Node> = None;
    for (i, v) in values.iter().enumerate() {
        let node = v
            .serialize(ser::Infer {
                strings: options.strings,
            })
            .map_err(|e| {
                let msg = format!("value {i}: {}", e.message());
                e.with_message(msg)
            })?;
        match &mut merged {
            None => merged = Some(node),
            Some(m) => m.merge(node).map_err(|e| {
                let msg = format!("value {i}: {}", e.message());
                e.with_message(msg)
            })?,
        }
    }
    let node = merged.ok_or_else(|| {
        Error::new(
            ErrorKind::Argument,
            "no values to infer a dtype from; give the dtype to to_array_with",
        )
    })?;
    node.to_dtype(options)
}

/// Serialize values into a 1-D array of records, with the dtype [`infer_dtype`] gives them
/// under the default options (packed, native byte order, `U` strings).
///
/// # Errors
/// As [`infer_dtype`].
pub fn to_array<T: Serialize>(values: &[T]) -> Result<Array> {
    let dtype = infer_dtype(values, &InferOptions::default())?;
    to_array_with(values, dtype)
}

/// Serialize values into a 1-D array of records of `dtype`: struct fields by name (every
/// named field of the dtype must be given), sequences into subarrays, numbers range-checked,
/// strings length-checked, ISO strings into datetimes, `None` as NaN or NaT.
///
/// # Errors
/// A value that does not fit its field, a missing or unknown field; the message names the
/// value's index and the field path.
pub fn to_array_with<T: Serialize>(values: &[T], dtype: DType) -> Result<Array> {
    let (mut buf, layout) = Array::zeros(dtype, &[values.len()], Order::C)?.into_parts();
    let dtype = layout.dtype();
    let size = dtype.itemsize();
    let bytes = buf.as_bytes_mut();
    for (i, v) in values.iter().enumerate() {
        let slot = &mut bytes[i * size..(i + 1) * size];
        v.serialize(ser::Encode { dtype, out: slot }).map_err(|e| {
            let msg = format!("value {i}: {}", e.message());
            e.with_message(msg)
        })?;
    }
    Array::from_parts(buf, layout)
}

#[cfg(test)]
mod tests;
