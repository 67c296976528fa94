//! Structured arrays as Arrow record batches.
//!
//! [`ArrayView::to_record_batch`] turns every element of a view (in C order, whatever its
//! shape) into a row:
//!
//! | NumPy | Arrow |
//! |---|---|
//! | a record's fields | columns; nested records become `Struct` arrays |
//! | subarray `(n,)`, `(n, m)` | `FixedSizeList` of `n` (of `FixedSizeList` of `m`) |
//! | `?` | `Boolean` |
//! | `i1`–`i8`, `u1`–`u8` | `Int8`–`Int64`, `UInt8`–`UInt64` |
//! | `f2`, `f4` / `f8`, `f16` | `Float32` / `Float64` (`f16`, x87 long double, rounded) |
//! | `c8` / `c16`, `c32` | `Struct<real, imag>` of `Float32` / `Float64` |
//! | `M8[s]`, `[ms]`, `[us]`, `[ns]` | `Timestamp` of that unit; `[m]`, `[h]`, `[W]` and multiples as `Timestamp(Second)`; `[D]` as `Date32` |
//! | `m8[s]`, `[ms]`, `[us]`, `[ns]` | `Duration` of that unit; `[m]`, `[h]`, `[D]`, `[W]` as `Duration(Second)` |
//! | `M8`/`m8` in years, months, ps, fs, as, generic | `Int64` ticks |
//! | `S<n>` | `Binary` (trailing NULs removed, as NumPy returns them) |
//! | `U<n>` | `Utf8` |
//! | `V<n>` | `FixedSizeBinary(n)` |
//!
//! NaT becomes null. Every leaf field carries its NumPy type string in the Arrow field
//! metadata under `numpy.dtype` (`>i4`, `<M8[Y]`), so nothing about the source is lost.
//! Values are decoded from their byte order into Arrow's native little-endian buffers.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::types::{
    Date32Type, DurationMicrosecondType, DurationMillisecondType, DurationNanosecondType,
    DurationSecondType, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{
    ArrayRef, ArrowPrimitiveType, BinaryArray, BooleanArray, FixedSizeBinaryArray,
    FixedSizeListArray, PrimitiveArray, RecordBatch, RecordBatchOptions, StringArray, StructArray,
};
use arrow_buffer::{Buffer, NullBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Fields, Schema, TimeUnit as ArrowUnit};

use crate::array::element::{decode_scalar, Element};
use crate::array::{ArrayView, Value};
use crate::dtype::{DType, DateTimeUnit, Scalar, ScalarKind, TimeUnit};
use crate::error::{Error, ErrorKind, Result};

fn arrow_error(e: arrow_schema::ArrowError) -> Error {
    Error::new(ErrorKind::Data, format!("arrow: {e}"))
}

impl ArrayView<'_> {
    /// Every element as a row of an Arrow `RecordBatch`; see the [module documentation](self).
    ///
    /// # Errors
    /// Object fields; a datetime whose ticks overflow when scaled to an Arrow unit.
    pub fn to_record_batch(&self) -> Result<RecordBatch> {
        let offsets: Vec<usize> = self.layout().offsets().collect();
        let bytes = self.bytes();
        let (fields, columns): (Vec<Field>, Vec<ArrayRef>) = match self.dtype() {
            DType::Record(r) => r
                .fields()
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let offs: Vec<usize> = offsets.iter().map(|o| o + f.offset()).collect();
                    column(&field_name(f.name(), i), f.dtype(), bytes, &offs)
                })
                .collect::<Result<Vec<_>>>()?
                .into_iter()
                .unzip(),
            dt => {
                let (f, c) = column("value", dt, bytes, &offsets)?;
                (vec![f], vec![c])
            }
        };
        let schema = Arc::new(Schema::new(fields));
        let options = RecordBatchOptions::new().with_row_count(Some(offsets.len()));
        RecordBatch::try_new_with_options(schema, columns, &options).map_err(arrow_error)
    }
}

fn field_name(name: &str, i: usize) -> String {
    if name.is_empty() {
        format!("f{i}")
    } else {
        name.to_owned()
    }
}

fn leaf(name: &str, data_type: DataType, nullable: bool, dtype: &DType) -> Field {
    Field::new(name, data_type, nullable)
        .with_metadata(HashMap::from([("numpy.dtype".to_owned(), dtype.typestr())]))
}

fn primitive<T: ArrowPrimitiveType>(values: Vec<T::Native>) -> ArrayRef {
    Arc::new(PrimitiveArray::<T>::new(ScalarBuffer::from(values), None))
}

fn decoded<T: Element>(s: &Scalar, bytes: &[u8], offs: &[usize]) -> Vec<T> {
    let size = std::mem::size_of::<T>();
    offs.iter()
        .map(|&o| T::decode(&bytes[o..o + size], s.byte_order()))
        .collect()
}

fn float(s: &Scalar, b: &[u8]) -> f64 {
    match decode_scalar(s, b) {
        Value::Float(v) => v,
        Value::Float32(v) => f64::from(v),
        _ => f64::NAN,
    }
}

/// One column (or struct child) named `name`: the `dtype` element at each of `offs` in
/// `bytes`.
fn column(name: &str, dtype: &DType, bytes: &[u8], offs: &[usize]) -> Result<(Field, ArrayRef)> {
    match dtype {
        DType::Scalar(s) => scalar_column(name, s, dtype, bytes, offs),
        DType::Subarray(sub) => {
            let shape = sub.shape();
            let n = shape[0];
            if shape[1..].contains(&0) {
                // (n, 0): n empty lists per row; n may be a billion, for no data at all.
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!("field {name:?}: a subarray of shape {shape:?} holds no elements and has no Arrow form"),
                ));
            }
            let inner = if shape.len() == 1 {
                sub.base().clone()
            } else {
                DType::subarray(sub.base().clone(), &shape[1..])?
            };
            let step = inner.itemsize();
            let child_offs: Vec<usize> = offs
                .iter()
                .flat_map(|&o| (0..n).map(move |k| o + k * step))
                .collect();
            let (child_field, child) = column("item", &inner, bytes, &child_offs)?;
            let size = i32::try_from(n).map_err(|_| {
                Error::new(
                    ErrorKind::Limit,
                    format!("a subarray axis of {n} is too long for Arrow"),
                )
            })?;
            let child_field = Arc::new(child_field);
            // With the length given: a (0,) subarray has no values to count rows by.
            let list = FixedSizeListArray::try_new_with_length(
                child_field.clone(),
                size,
                child,
                None,
                offs.len(),
            )
            .map_err(arrow_error)?;
            Ok((
                Field::new(name, DataType::FixedSizeList(child_field, size), false),
                Arc::new(list),
            ))
        }
        DType::Record(r) => {
            let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = r
                .fields()
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let child_offs: Vec<usize> = offs.iter().map(|o| o + f.offset()).collect();
                    column(&field_name(f.name(), i), f.dtype(), bytes, &child_offs)
                })
                .collect::<Result<Vec<_>>>()?
                .into_iter()
                .unzip();
            let fields = Fields::from(fields);
            let array = StructArray::try_new_with_length(fields.clone(), arrays, None, offs.len())
                .map_err(arrow_error)?;
            Ok((
                Field::new(name, DataType::Struct(fields), false),
                Arc::new(array),
            ))
        }
    }
}

fn scalar_column(
    name: &str,
    s: &Scalar,
    dtype: &DType,
    bytes: &[u8],
    offs: &[usize],
) -> Result<(Field, ArrayRef)> {
    let size = s.size();
    let (data_type, array): (DataType, ArrayRef) = match (s.kind(), size) {
        (ScalarKind::Bool, _) => (
            DataType::Boolean,
            Arc::new(BooleanArray::from(
                offs.iter().map(|&o| bytes[o] != 0).collect::<Vec<bool>>(),
            )),
        ),
        (ScalarKind::Int, 1) => (
            DataType::Int8,
            primitive::<Int8Type>(decoded(s, bytes, offs)),
        ),
        (ScalarKind::Int, 2) => (
            DataType::Int16,
            primitive::<Int16Type>(decoded(s, bytes, offs)),
        ),
        (ScalarKind::Int, 4) => (
            DataType::Int32,
            primitive::<Int32Type>(decoded(s, bytes, offs)),
        ),
        (ScalarKind::Int, _) => (
            DataType::Int64,
            primitive::<Int64Type>(decoded(s, bytes, offs)),
        ),
        (ScalarKind::UInt, 1) => (
            DataType::UInt8,
            primitive::<UInt8Type>(decoded(s, bytes, offs)),
        ),
        (ScalarKind::UInt, 2) => (
            DataType::UInt16,
            primitive::<UInt16Type>(decoded(s, bytes, offs)),
        ),
        (ScalarKind::UInt, 4) => (
            DataType::UInt32,
            primitive::<UInt32Type>(decoded(s, bytes, offs)),
        ),
        (ScalarKind::UInt, _) => (
            DataType::UInt64,
            primitive::<UInt64Type>(decoded(s, bytes, offs)),
        ),
        (ScalarKind::Float, 2 | 4) => (
            DataType::Float32,
            primitive::<Float32Type>(
                offs.iter()
                    .map(|&o| float(s, &bytes[o..o + size]) as f32)
                    .collect(),
            ),
        ),
        (ScalarKind::Float, _) => (
            DataType::Float64,
            primitive::<Float64Type>(
                offs.iter()
                    .map(|&o| float(s, &bytes[o..o + size]))
                    .collect(),
            ),
        ),
        (ScalarKind::Complex, n) => {
            let half = Scalar::new(ScalarKind::Float, n / 2, s.byte_order())?;
            let part = |k: usize| -> Vec<f64> {
                offs.iter()
                    .map(|&o| float(&half, &bytes[o + k * n / 2..o + (k + 1) * n / 2]))
                    .collect()
            };
            let (re, im) = (part(0), part(1));
            let (dt, re, im): (DataType, ArrayRef, ArrayRef) = if n == 8 {
                (
                    DataType::Float32,
                    primitive::<Float32Type>(re.iter().map(|&v| v as f32).collect()),
                    primitive::<Float32Type>(im.iter().map(|&v| v as f32).collect()),
                )
            } else {
                (
                    DataType::Float64,
                    primitive::<Float64Type>(re),
                    primitive::<Float64Type>(im),
                )
            };
            let fields = Fields::from(vec![
                Field::new("real", dt.clone(), false),
                Field::new("imag", dt, false),
            ]);
            let array =
                StructArray::try_new(fields.clone(), vec![re, im], None).map_err(arrow_error)?;
            (DataType::Struct(fields), Arc::new(array))
        }
        (ScalarKind::DateTime | ScalarKind::TimeDelta, _) => {
            let ticks: Vec<i64> = decoded(s, bytes, offs);
            return time_column(name, s, dtype, ticks);
        }
        (ScalarKind::Bytes, _) => {
            let array = BinaryArray::from_iter_values(offs.iter().map(|&o| {
                let b = &bytes[o..o + size];
                &b[..b.iter().rposition(|&c| c != 0).map_or(0, |p| p + 1)]
            }));
            (DataType::Binary, Arc::new(array))
        }
        (ScalarKind::Unicode, _) => {
            let strings = offs
                .iter()
                .map(|&o| match decode_scalar(s, &bytes[o..o + size]) {
                    Value::Str(text) => text,
                    _ => String::new(),
                })
                .collect::<Vec<_>>();
            (DataType::Utf8, Arc::new(StringArray::from(strings)))
        }
        (ScalarKind::Void, n) => {
            let width = i32::try_from(n).map_err(|_| {
                Error::new(
                    ErrorKind::Limit,
                    format!("a V{n} field is too wide for Arrow"),
                )
            })?;
            let mut all = Vec::with_capacity(n * offs.len());
            for &o in offs {
                all.extend_from_slice(&bytes[o..o + n]);
            }
            let array = FixedSizeBinaryArray::try_new(width, Buffer::from_vec(all), None)
                .map_err(arrow_error)?;
            (DataType::FixedSizeBinary(width), Arc::new(array))
        }
        (ScalarKind::Object, _) => {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!(
                "field {name:?}: object fields ('O') hold Python pointers and have no Arrow type"
            ),
            ))
        }
    };
    Ok((leaf(name, data_type, false, dtype), array))
}

/// Datetimes and timedeltas: the nearest Arrow type, ticks scaled to its unit, NaT as null.
fn time_column(
    name: &str,
    s: &Scalar,
    dtype: &DType,
    ticks: Vec<i64>,
) -> Result<(Field, ArrayRef)> {
    const NAT: i64 = i64::MIN;
    let nulls = ticks
        .contains(&NAT)
        .then(|| NullBuffer::from(ticks.iter().map(|&t| t != NAT).collect::<Vec<bool>>()));
    let DateTimeUnit { unit, count } = s.datetime_unit();
    let datetime = s.kind() == ScalarKind::DateTime;
    // (Arrow unit, factor from one tick of the dtype to the Arrow unit)
    let target = match unit {
        Some(TimeUnit::Second) => Some((ArrowUnit::Second, 1)),
        Some(TimeUnit::Millisecond) => Some((ArrowUnit::Millisecond, 1)),
        Some(TimeUnit::Microsecond) => Some((ArrowUnit::Microsecond, 1)),
        Some(TimeUnit::Nanosecond) => Some((ArrowUnit::Nanosecond, 1)),
        Some(TimeUnit::Minute) => Some((ArrowUnit::Second, 60)),
        Some(TimeUnit::Hour) => Some((ArrowUnit::Second, 3600)),
        Some(TimeUnit::Day) => Some((ArrowUnit::Second, 86_400)),
        Some(TimeUnit::Week) => Some((ArrowUnit::Second, 604_800)),
        _ => None,
    };
    let Some((arrow_unit, per)) = target else {
        // Years, months, sub-nanosecond and generic units: the ticks themselves.
        let array = PrimitiveArray::<Int64Type>::new(ScalarBuffer::from(ticks), nulls);
        return Ok((leaf(name, DataType::Int64, true, dtype), Arc::new(array)));
    };
    if datetime && unit == Some(TimeUnit::Day) && count == 1 {
        let days = ticks
            .iter()
            .map(|&t| {
                if t == NAT {
                    Ok(0)
                } else {
                    i32::try_from(t).map_err(|_| overflow(name, t, dtype))
                }
            })
            .collect::<Result<Vec<i32>>>()?;
        let array = PrimitiveArray::<Date32Type>::new(ScalarBuffer::from(days), nulls);
        return Ok((leaf(name, DataType::Date32, true, dtype), Arc::new(array)));
    }
    let factor = per * i64::from(count);
    let scaled = ticks
        .iter()
        .map(|&t| {
            if t == NAT {
                Ok(0)
            } else {
                t.checked_mul(factor)
                    .ok_or_else(|| overflow(name, t, dtype))
            }
        })
        .collect::<Result<Vec<i64>>>()?;
    let buf = ScalarBuffer::from(scaled);
    let (data_type, array): (DataType, ArrayRef) = match (datetime, arrow_unit) {
        (true, ArrowUnit::Second) => (
            DataType::Timestamp(arrow_unit, None),
            Arc::new(PrimitiveArray::<TimestampSecondType>::new(buf, nulls)),
        ),
        (true, ArrowUnit::Millisecond) => (
            DataType::Timestamp(arrow_unit, None),
            Arc::new(PrimitiveArray::<TimestampMillisecondType>::new(buf, nulls)),
        ),
        (true, ArrowUnit::Microsecond) => (
            DataType::Timestamp(arrow_unit, None),
            Arc::new(PrimitiveArray::<TimestampMicrosecondType>::new(buf, nulls)),
        ),
        (true, ArrowUnit::Nanosecond) => (
            DataType::Timestamp(arrow_unit, None),
            Arc::new(PrimitiveArray::<TimestampNanosecondType>::new(buf, nulls)),
        ),
        (false, ArrowUnit::Second) => (
            DataType::Duration(arrow_unit),
            Arc::new(PrimitiveArray::<DurationSecondType>::new(buf, nulls)),
        ),
        (false, ArrowUnit::Millisecond) => (
            DataType::Duration(arrow_unit),
            Arc::new(PrimitiveArray::<DurationMillisecondType>::new(buf, nulls)),
        ),
        (false, ArrowUnit::Microsecond) => (
            DataType::Duration(arrow_unit),
            Arc::new(PrimitiveArray::<DurationMicrosecondType>::new(buf, nulls)),
        ),
        (false, ArrowUnit::Nanosecond) => (
            DataType::Duration(arrow_unit),
            Arc::new(PrimitiveArray::<DurationNanosecondType>::new(buf, nulls)),
        ),
    };
    Ok((leaf(name, data_type, true, dtype), array))
}

fn overflow(name: &str, t: i64, dtype: &DType) -> Error {
    Error::new(
        ErrorKind::Data,
        format!(
            "field {name:?}: {t} ticks of {} do not fit Arrow's 64-bit unit",
            dtype.typestr()
        ),
    )
}
