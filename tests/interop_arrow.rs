//! Arrow record batches of dtkit arrays, compared element by element with the source's
//! own decoded values.
#![cfg(feature = "arrow")]

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array as _, ArrayRef};
use arrow_schema::{DataType, TimeUnit};
use dtkit::{records, DType, Value};
use serde::Serialize;

/// Assert that row `row` of `col` holds `v` (as dtkit decodes it).
fn check(col: &ArrayRef, row: usize, v: &Value, what: &str) {
    let dt = col.data_type().clone();
    match v {
        Value::Bool(b) => assert_eq!(col.as_boolean().value(row), *b, "{what}"),
        Value::Int(i) => {
            let got = match dt {
                DataType::Int8 => i64::from(col.as_primitive::<Int8Type>().value(row)),
                DataType::Int16 => i64::from(col.as_primitive::<Int16Type>().value(row)),
                DataType::Int32 => i64::from(col.as_primitive::<Int32Type>().value(row)),
                DataType::Int64 => col.as_primitive::<Int64Type>().value(row),
                other => panic!("{what}: {other}"),
            };
            assert_eq!(got, *i, "{what}");
        }
        Value::UInt(u) => {
            let got = match dt {
                DataType::UInt8 => u64::from(col.as_primitive::<UInt8Type>().value(row)),
                DataType::UInt16 => u64::from(col.as_primitive::<UInt16Type>().value(row)),
                DataType::UInt32 => u64::from(col.as_primitive::<UInt32Type>().value(row)),
                DataType::UInt64 => col.as_primitive::<UInt64Type>().value(row),
                other => panic!("{what}: {other}"),
            };
            assert_eq!(got, *u, "{what}");
        }
        Value::Float32(f) => {
            let got = col.as_primitive::<Float32Type>().value(row);
            assert!(
                got == *f || (got.is_nan() && f.is_nan()),
                "{what}: {got} != {f}"
            );
        }
        Value::Float(f) => {
            let got = col.as_primitive::<Float64Type>().value(row);
            assert!(
                got == *f || (got.is_nan() && f.is_nan()),
                "{what}: {got} != {f}"
            );
        }
        Value::Complex(re, im) => {
            let s = col.as_struct();
            for (k, want) in [(0, re), (1, im)] {
                let c = s.column(k);
                let got = match c.data_type() {
                    DataType::Float32 => f64::from(c.as_primitive::<Float32Type>().value(row)),
                    _ => c.as_primitive::<Float64Type>().value(row),
                };
                assert_eq!(got, *want, "{what}");
            }
        }
        Value::DateTime(t, _) | Value::TimeDelta(t, _) => match t {
            None => assert!(col.is_null(row), "{what}: NaT is null"),
            Some(t) => {
                assert!(col.is_valid(row));
                let got = match dt {
                    DataType::Date32 => i64::from(col.as_primitive::<Date32Type>().value(row)),
                    DataType::Timestamp(TimeUnit::Second, _) => {
                        col.as_primitive::<TimestampSecondType>().value(row)
                    }
                    DataType::Timestamp(TimeUnit::Millisecond, _) => {
                        col.as_primitive::<TimestampMillisecondType>().value(row)
                    }
                    DataType::Timestamp(TimeUnit::Nanosecond, _) => {
                        col.as_primitive::<TimestampNanosecondType>().value(row)
                    }
                    DataType::Duration(TimeUnit::Second) => {
                        col.as_primitive::<DurationSecondType>().value(row)
                    }
                    DataType::Duration(TimeUnit::Microsecond) => {
                        col.as_primitive::<DurationMicrosecondType>().value(row)
                    }
                    DataType::Int64 => col.as_primitive::<Int64Type>().value(row),
                    other => panic!("{what}: {other}"),
                };
                // The tests' units: days as Date32, hours scaled to seconds, the rest as is.
                let scale = match dt {
                    DataType::Timestamp(TimeUnit::Second, _) => 3600,
                    _ => 1,
                };
                assert_eq!(got, t * scale, "{what}");
            }
        },
        Value::Bytes(b) => assert_eq!(col.as_binary::<i32>().value(row), &b[..], "{what}"),
        Value::Str(s) => assert_eq!(col.as_string::<i32>().value(row), s, "{what}"),
        Value::Void(b) => assert_eq!(col.as_fixed_size_binary().value(row), &b[..], "{what}"),
        Value::Record(fields) => {
            let s = col.as_struct();
            for (name, fv) in fields {
                check(
                    s.column_by_name(name).unwrap(),
                    row,
                    fv,
                    &format!("{what}.{name}"),
                );
            }
        }
        Value::Array(items) => {
            let list = col.as_fixed_size_list();
            let inner = list.value(row);
            assert_eq!(inner.len(), items.len(), "{what}");
            for (k, item) in items.iter().enumerate() {
                check(&inner, k, item, &format!("{what}[{k}]"));
            }
        }
        Value::Object => unreachable!(),
    }
}

fn check_batch(view: &dtkit::ArrayView<'_>) -> arrow_array::RecordBatch {
    let batch = view.to_record_batch().unwrap();
    assert_eq!(batch.num_rows(), view.len());
    for (row, v) in view.values().enumerate() {
        match &v {
            Value::Record(fields) => {
                for (name, fv) in fields {
                    let col = batch.column_by_name(name).unwrap();
                    check(col, row, fv, &format!("row {row} {name}"));
                }
            }
            other => check(batch.column(0), row, other, &format!("row {row}")),
        }
    }
    batch
}

#[derive(Serialize)]
struct Row {
    id: i64,
    small: i8,
    count: u16,
    ok: bool,
    x: f32,
    y: f64,
    half: f32,
    z: (f32, f32),
    position: (f32, f32),
    grid: [[i32; 3]; 2],
    name: &'static str,
    tag: &'static str,
    raw: &'static [u8],
    when: Option<&'static str>,
    day: &'static str,
    hour: &'static str,
    gap: Option<i64>,
    years: &'static str,
}

const SPEC: &str = "[('id','>i8'),('small','i1'),('count','>u2'),('ok','?'),('x','<f4'),\
    ('y','>f8'),('half','<f2'),('z','>c8'),('position',[('az','<f4'),('el','>f4')]),\
    ('grid','>i4',(2,3)),('name','<U6'),('tag','S4'),('raw','V3'),('when','<M8[ms]'),\
    ('day','<M8[D]'),('hour','>M8[h]'),('gap','<m8[us]'),('years','<M8[Y]')]";

#[test]
fn every_kind_of_field_becomes_its_arrow_type_with_the_same_values() {
    let rows: Vec<Row> = (0..7)
        .map(|i| Row {
            id: -(i as i64) * 1_000_000_007,
            small: -(i as i8),
            count: 65_535 - i as u16,
            ok: i % 2 == 0,
            x: i as f32 / 3.0,
            y: if i == 3 {
                f64::NAN
            } else {
                1e300 / (i as f64 + 1.0)
            },
            half: 0.5 * i as f32,
            z: (i as f32, -(i as f32)),
            position: (i as f32 * 0.25, 90.0 - i as f32),
            grid: [[i, i + 1, i + 2], [-i, -i - 1, -i - 2]],
            name: [
                "",
                "a",
                "\u{e9}t\u{e9}",
                "ab cd",
                "xyz",
                "\u{1f600}",
                "six!!!",
            ][i as usize],
            tag: ["", "b", "cc", "ddd", "eeee", "f", "g"][i as usize],
            raw: b"\x00\x01\xff",
            when: if i == 2 {
                None
            } else {
                Some("2024-02-29T12:30:00.125")
            },
            day: "1969-12-31",
            hour: "2024-01-01T05",
            gap: if i == 4 {
                None
            } else {
                Some(i64::from(i) * 1_000_001)
            },
            years: "1999",
        })
        .collect();
    let array = records::to_array_with(&rows, DType::parse(SPEC).unwrap()).unwrap();
    let batch = check_batch(&array.view());
    let schema = batch.schema();
    let ty = |n: &str| schema.field_with_name(n).unwrap().data_type().clone();
    assert_eq!(ty("when"), DataType::Timestamp(TimeUnit::Millisecond, None));
    assert_eq!(ty("day"), DataType::Date32);
    assert_eq!(ty("hour"), DataType::Timestamp(TimeUnit::Second, None));
    assert_eq!(ty("gap"), DataType::Duration(TimeUnit::Microsecond));
    assert_eq!(ty("years"), DataType::Int64);
    assert_eq!(ty("half"), DataType::Float32);
    assert!(matches!(ty("grid"), DataType::FixedSizeList(_, 2)));
    assert!(matches!(ty("position"), DataType::Struct(_)));
    assert_eq!(ty("raw"), DataType::FixedSizeBinary(3));
    let meta = schema.field_with_name("years").unwrap().metadata();
    assert_eq!(meta["numpy.dtype"], "<M8[Y]");
    assert_eq!(
        schema.field_with_name("id").unwrap().metadata()["numpy.dtype"],
        ">i8"
    );
    assert_eq!(batch.column_by_name("when").unwrap().null_count(), 1);
    assert_eq!(batch.column_by_name("gap").unwrap().null_count(), 1);
    assert_eq!(
        batch
            .column_by_name("day")
            .unwrap()
            .as_primitive::<Date32Type>()
            .value(0),
        -1
    );

    // Strided and reversed views, a 2-D array, a plain dtype, an empty view.
    let v = array.view();
    check_batch(&v.clone().slice_axis(0, None, None, -2).unwrap());
    check_batch(&v.clone().field("position").unwrap());
    check_batch(&v.clone().field("grid").unwrap());
    let grid2d = v.reshape(&[7, 1]).unwrap();
    check_batch(&grid2d);
    let empty = array.view().slice_axis(0, Some(3), Some(3), 1).unwrap();
    assert_eq!(check_batch(&empty).num_rows(), 0);
}

#[test]
fn empty_subarrays_keep_the_row_count() {
    let dt = DType::parse("[('a','<i4'),('z','<i2',(0,))]").unwrap();
    let bytes: Vec<u8> = (0..3i32).flat_map(|i| i.to_le_bytes()).collect();
    let view = dtkit::raw::from_bytes(&bytes, &dtkit::raw::RawOptions::new(dt)).unwrap();
    let batch = check_batch(&view);
    assert_eq!(batch.num_rows(), 3);
    assert_eq!(batch.column_by_name("z").unwrap().len(), 3);
    // (2, 0): no Arrow form, refused with a reason.
    let dt = DType::parse("[('a','<i4'),('z','<i2',(2, 0))]").unwrap();
    let view = dtkit::raw::from_bytes(&bytes, &dtkit::raw::RawOptions::new(dt)).unwrap();
    assert!(view
        .to_record_batch()
        .unwrap_err()
        .message()
        .contains("no Arrow form"));
}

#[test]
fn objects_are_refused() {
    let dt = DType::parse("[('a','<i4'),('o','O')]").unwrap();
    let bytes = vec![0u8; dt.itemsize()];
    let view = dtkit::raw::from_bytes(&bytes, &dtkit::raw::RawOptions::new(dt)).unwrap();
    let err = view.to_record_batch().unwrap_err();
    assert!(err.message().contains("object fields"), "{err}");
}
