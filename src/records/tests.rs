use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::*;
use crate::{raw, ByteOrder, Value};

fn view_of<'a>(spec: &str, bytes: &'a [u8]) -> ArrayView<'a> {
    raw::from_bytes(bytes, &raw::RawOptions::new(DType::parse(spec).unwrap())).unwrap()
}

#[derive(Debug, PartialEq, Deserialize, Serialize, Clone)]
struct Position {
    az: f32,
    el: f32,
}

#[derive(Debug, PartialEq, Deserialize, Serialize)]
struct Ping {
    time: u64,
    position: Position,
    label: String,
    grid: [[i16; 3]; 2],
}

const PING: &str =
    "[('time','>u8'),('position',[('az','>f4'),('el','<f4')]),('label','S5'),('grid','>i2',(2,3))]";

fn ping_bytes(time: u64, az: f32, el: f32, label: &[u8], grid: [i16; 6]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend(time.to_be_bytes());
    b.extend(az.to_be_bytes());
    b.extend(el.to_le_bytes());
    let mut l = [0u8; 5];
    l[..label.len()].copy_from_slice(label);
    b.extend(l);
    for g in grid {
        b.extend(g.to_be_bytes());
    }
    b
}

#[test]
fn nested_records_subarrays_and_byte_orders_become_structs() {
    let mut bytes = ping_bytes(1, 0.5, -0.25, b"north", [1, 2, 3, 4, 5, -6]);
    bytes.extend(ping_bytes(2, 1.5, 2.0, b"up", [0; 6]));
    let view = view_of(PING, &bytes);
    let pings: Vec<Ping> = view.to_structs().unwrap();
    assert_eq!(
        pings[0],
        Ping {
            time: 1,
            position: Position { az: 0.5, el: -0.25 },
            label: "north".into(),
            grid: [[1, 2, 3], [4, 5, -6]],
        }
    );
    assert_eq!(pings[1].label, "up");
    assert_eq!(pings[1].position, Position { az: 1.5, el: 2.0 });

    // The same fields as Vecs, a borrowed label, and one field only: the others are
    // never decoded.
    #[derive(Deserialize)]
    struct Loose<'a> {
        label: &'a str,
        grid: Vec<Vec<i64>>,
    }
    let loose: Loose = view.record(&[0]).unwrap();
    assert_eq!(loose.label, "north");
    assert_eq!(loose.grid, vec![vec![1, 2, 3], vec![4, 5, -6]]);
    #[derive(Deserialize)]
    struct OnlyAz {
        position: BTreeMap<String, f64>,
    }
    let only: OnlyAz = view.record(&[1]).unwrap();
    assert_eq!(only.position["az"], 1.5);
    assert_eq!(only.position["el"], 2.0);

    // A field view deserializes too: a sub-record into its struct.
    let positions: Vec<Position> = view
        .clone()
        .field("position")
        .unwrap()
        .to_structs()
        .unwrap();
    assert_eq!(positions[1], Position { az: 1.5, el: 2.0 });
    // Strided views iterate in C order.
    let reversed = view.slice_axis(0, None, None, -1).unwrap();
    let times: Vec<u64> = reversed
        .field("time")
        .unwrap()
        .records::<u64>()
        .collect::<Result<_>>()
        .unwrap();
    assert_eq!(times, [2, 1]);
}

#[test]
fn strings_bytes_chars_complex_and_datetimes() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct Row<'a> {
        raw: &'a [u8],
        owned: Vec<u8>,
        text: String,
        initial: char,
        z: (f64, f64),
        when: Option<i64>,
        iso: String,
        never: Option<i64>,
        blob: Vec<u8>,
    }
    let spec = "[('raw','S4'),('owned','S4'),('text','<U3'),('initial','>U1'),('z','<c8'),\
                ('when','<M8[s]'),('iso','<M8[D]'),('never','<M8[s]'),('blob','u1',(2,))]";
    let mut b = Vec::new();
    b.extend(b"a\0b\0");
    b.extend(b"xy\0\0");
    for c in "h\u{e9}".chars() {
        b.extend((c as u32).to_le_bytes());
    }
    b.extend(0u32.to_le_bytes());
    b.extend(('Z' as u32).to_be_bytes());
    b.extend(1.5f32.to_le_bytes());
    b.extend((-2.0f32).to_le_bytes());
    b.extend(86_400i64.to_le_bytes());
    b.extend(19_723i64.to_le_bytes());
    b.extend(i64::MIN.to_le_bytes());
    b.extend([7u8, 9]);
    let view = view_of(spec, &b);
    let row: Row = view.record(&[0]).unwrap();
    assert_eq!(
        row,
        Row {
            raw: b"a\0b",
            owned: b"xy".to_vec(),
            text: "h\u{e9}".into(),
            initial: 'Z',
            z: (1.5, -2.0),
            when: Some(86_400),
            iso: "2024-01-01".into(),
            never: None,
            blob: vec![7, 9],
        }
    );
    // Bytes that are not UTF-8 cannot become a String, and the error says so.
    let bad = view_of("[('s','S2')]", b"\xff\x00");
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct S {
        s: String,
    }
    let err = bad.record::<S>(&[0]).unwrap_err();
    assert!(
        err.message().contains("field `s`") && err.message().contains("not UTF-8"),
        "{err}"
    );
}

#[test]
fn integers_widen_and_out_of_range_values_are_errors_naming_record_and_field() {
    #[derive(Deserialize, Debug)]
    struct Wide {
        a: i64,
        b: u8,
        c: f64,
    }
    let spec = "[('a','<i2'),('b','>u4'),('c','<f4')]";
    let mut bytes = Vec::new();
    for (a, b, c) in [(-3i16, 200u32, 0.5f32), (4, 300, 1.0)] {
        bytes.extend(a.to_le_bytes());
        bytes.extend(b.to_be_bytes());
        bytes.extend(c.to_le_bytes());
    }
    let view = view_of(spec, &bytes);
    let mut it = view.records::<Wide>();
    let first = it.next().unwrap().unwrap();
    assert_eq!((first.a, first.b, first.c), (-3, 200, 0.5));
    let err = it.next().unwrap().unwrap_err();
    assert!(err.message().starts_with("record 1: field `b`:"), "{err}");
    assert!(err.message().contains("300"), "{err}");
    assert_eq!(err.location(), Some(Location::Byte(10)));
    assert!(it.next().is_none());
}

#[test]
fn missing_fields_are_clear_and_options_default_to_none() {
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Needs {
        a: i32,
        missing: i32,
    }
    #[derive(Deserialize, Debug)]
    struct Optional {
        a: i32,
        missing: Option<i32>,
    }
    let bytes = 5i32.to_le_bytes();
    let view = view_of("[('a','<i4')]", &bytes);
    let err = view.record::<Needs>(&[0]).unwrap_err();
    assert_eq!(err.message(), "missing field `missing` (the record has a)");
    let ok: Optional = view.record(&[0]).unwrap();
    assert_eq!((ok.a, ok.missing), (5, None));
    // A struct over a dtype without fields.
    let plain = view_of("<i4", &bytes);
    let err = plain.record::<Optional>(&[0]).unwrap_err();
    assert!(
        err.message().contains("struct Optional needs a record"),
        "{err}"
    );
    // Scalars deserialize directly.
    assert_eq!(plain.record::<i64>(&[0]).unwrap(), 5);
    // A fixed array of the wrong length.
    let sub = view_of("[('v','<i2',(3,))]", &[0u8; 6]);
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Four {
        v: [i16; 4],
    }
    let err = sub.record::<Four>(&[0]).unwrap_err();
    assert!(
        err.message().contains("field `v`") && err.message().contains("3"),
        "{err}"
    );
}

#[derive(Debug, PartialEq, Deserialize, Serialize, Clone, Copy)]
enum Mode {
    Idle,
    Scan,
    Track,
}

#[test]
fn unit_enums_from_names_and_indices() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct R {
        by_name: Mode,
        by_index: Mode,
    }
    let mut b = b"Track\0".to_vec();
    b.push(1);
    let view = view_of("[('by_name','S6'),('by_index','u1')]", &b);
    let r: R = view.record(&[0]).unwrap();
    assert_eq!(
        r,
        R {
            by_name: Mode::Track,
            by_index: Mode::Scan
        }
    );
}

#[derive(Debug, PartialEq, Deserialize, Serialize, Clone)]
struct Sample {
    id: u32,
    name: String,
    mode: Mode,
    position: Position,
    xyz: [f64; 3],
    pair: (i8, f32),
    grid: Vec<[u16; 2]>,
    ok: bool,
}

fn samples() -> Vec<Sample> {
    (0..5)
        .map(|i| Sample {
            id: i * 1000,
            name: "s".repeat(i as usize + 1) + "\u{e9}",
            mode: [Mode::Idle, Mode::Scan, Mode::Track][i as usize % 3],
            position: Position {
                az: i as f32 * 0.5,
                el: -(i as f32),
            },
            xyz: [f64::from(i), 1e300, -0.0],
            pair: (-(i as i8), 2.5),
            grid: vec![[i as u16, 1], [2, 3], [4, 5]],
            ok: i % 2 == 0,
        })
        .collect()
}

#[test]
fn a_dtype_is_inferred_from_structs_and_records_round_trip() {
    let values = samples();
    let dtype = infer_dtype(&values, &InferOptions::default()).unwrap();
    assert_eq!(
        dtype.descr().unwrap(),
        "[('id', '<u4'), ('name', '<U6'), ('mode', '<U5'), ('position', [('az', '<f4'), \
         ('el', '<f4')]), ('xyz', '<f8', (3,)), ('pair', [('f0', '|i1'), ('f1', '<f4')]), \
         ('grid', '<u2', (3, 2)), ('ok', '|b1')]"
    );
    let array = to_array(&values).unwrap();
    assert_eq!(array.shape(), [5]);
    // Through .npy bytes and back.
    let mut npy = Vec::new();
    crate::npy::write(&array.view(), &mut npy).unwrap();
    let (_, loaded) = crate::npy::view(&npy, &Default::default()).unwrap();
    let back: Vec<Sample> = loaded.to_structs().unwrap();
    assert_eq!(back, values);
    // Dynamic values agree with the fields.
    let Value::Record(fields) = array.view().value(&[2]).unwrap() else {
        panic!("a record")
    };
    assert_eq!(fields[1], ("name".into(), Value::Str("sss\u{e9}".into())));
    assert_eq!(fields[2], ("mode".into(), Value::Str("Track".into())));

    // Aligned, big-endian, byte strings.
    let opts = InferOptions {
        align: true,
        byte_order: ByteOrder::Big,
        strings: StringKind::Bytes,
    };
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct C {
        flag: u8,
        value: f64,
        tag: String,
    }
    let cs = [
        C {
            flag: 1,
            value: 2.0,
            tag: "ab".into(),
        },
        C {
            flag: 0,
            value: -1.0,
            tag: "\u{e9}".into(),
        },
    ];
    let dt = infer_dtype(&cs, &opts).unwrap();
    assert_eq!(
        dt.descr().unwrap(),
        "[('flag', '|u1'), ('', '|V7'), ('value', '>f8'), ('tag', '|S2'), ('', '|V6')]"
    );
    assert_eq!((dt.itemsize(), dt.alignment()), (24, 8));
    let arr = to_array_with(&cs, dt).unwrap();
    assert_eq!(
        &arr.view().element_bytes(&[0]).unwrap()[8..16],
        &2.0f64.to_be_bytes()
    );
    let back: Vec<C> = arr.view().to_structs().unwrap();
    assert_eq!(back, cs);
}

#[test]
fn writing_checks_ranges_widths_and_fields() {
    #[derive(Serialize)]
    struct A {
        a: i64,
        s: &'static str,
    }
    let dt = DType::parse("[('a','<i2'),('s','S3')]").unwrap();
    let ok = to_array_with(
        &[A {
            a: -32768,
            s: "abc",
        }],
        dt.clone(),
    )
    .unwrap();
    assert_eq!(ok.view().element_bytes(&[0]).unwrap(), b"\x00\x80abc");
    let err = to_array_with(&[A { a: 0, s: "" }, A { a: 40000, s: "" }], dt.clone()).unwrap_err();
    assert_eq!(
        err.message(),
        "value 1: field `a`: 40000 is out of range for <i2 (-32768..=32767)"
    );
    let err = to_array_with(&[A { a: 0, s: "abcd" }], dt.clone()).unwrap_err();
    assert!(
        err.message().contains("field `s`") && err.message().contains("S3"),
        "{err}"
    );

    #[derive(Serialize)]
    struct Fewer {
        a: i64,
    }
    let err = to_array_with(&[Fewer { a: 1 }], dt.clone()).unwrap_err();
    assert_eq!(err.message(), "value 0: missing field `s` of the dtype");
    #[derive(Serialize)]
    struct More {
        a: i64,
        s: &'static str,
        extra: u8,
    }
    let err = to_array_with(
        &[More {
            a: 1,
            s: "",
            extra: 0,
        }],
        dt.clone(),
    )
    .unwrap_err();
    assert!(
        err.message()
            .contains("`extra` is not a field of the dtype (its fields: a, s)"),
        "{err}"
    );
    #[derive(Serialize)]
    struct FloatIntoInt {
        a: f64,
        s: &'static str,
    }
    let err = to_array_with(&[FloatIntoInt { a: 1.5, s: "" }], dt).unwrap_err();
    assert!(
        err.message()
            .contains("float 1.5 cannot be stored in a field of dtype <i2"),
        "{err}"
    );

    // Vec lengths must agree to infer a subarray; Options have no dtype; no values, no dtype.
    #[derive(Serialize)]
    struct V {
        v: Vec<i32>,
    }
    let err = infer_dtype(
        &[V { v: vec![1, 2] }, V { v: vec![1] }],
        &InferOptions::default(),
    )
    .unwrap_err();
    assert!(
        err.message()
            .starts_with("value 1: field `v`: sequences of 2 and 1"),
        "{err}"
    );
    #[derive(Serialize)]
    struct O {
        o: Option<i32>,
    }
    let err =
        infer_dtype(&[O { o: Some(1) }, O { o: None }], &InferOptions::default()).unwrap_err();
    assert!(err.message().contains("field `o`: None"), "{err}");
    assert!(infer_dtype::<O>(&[], &InferOptions::default()).is_err());

    // Explicit dtypes take ISO datetimes, None as NaT or NaN, maps by key, tuples by position.
    #[derive(Serialize)]
    struct T {
        when: &'static str,
        gap: Option<i64>,
        x: Option<f32>,
    }
    let dt = DType::parse("[('when','<M8[m]'),('gap','<m8[s]'),('x','>f4')]").unwrap();
    let arr = to_array_with(
        &[T {
            when: "2024-02-29T12:30",
            gap: None,
            x: None,
        }],
        dt,
    )
    .unwrap();
    let Value::Record(f) = arr.view().value(&[0]).unwrap() else {
        unreachable!()
    };
    assert_eq!(f[0].1.to_string(), "2024-02-29T12:30");
    assert_eq!(
        f[1].1,
        Value::TimeDelta(None, crate::DateTimeUnit::new(crate::TimeUnit::Second, 1))
    );
    assert!(matches!(f[2].1, Value::Float32(x) if x.is_nan()));
    let mut m = BTreeMap::new();
    m.insert("b", 2.5f64);
    m.insert("a", 1.0);
    let arr = to_array_with(&[m], DType::parse("[('a','<f8'),('b','<f4')]").unwrap()).unwrap();
    assert_eq!(arr.view().record::<(f64, f32)>(&[0]).unwrap(), (1.0, 2.5));
    // Byte vectors into S and V fields (V needs every byte).
    let arr = to_array_with(
        &[(vec![1u8, 2], vec![3u8, 4, 5])],
        DType::parse("S3, V3").unwrap(),
    )
    .unwrap();
    assert_eq!(arr.view().element_bytes(&[0]).unwrap(), [1, 2, 0, 3, 4, 5]);
    let back: (Vec<u8>, Vec<u8>) = arr.view().record(&[0]).unwrap();
    assert_eq!(back, (vec![1, 2], vec![3, 4, 5]));
    let err =
        to_array_with(&[(vec![1u8], vec![3u8])], DType::parse("S3, V3").unwrap()).unwrap_err();
    assert!(
        err.message()
            .contains("field `f1`: 1 values where the dtype needs 3"),
        "{err}"
    );
    let err = to_array_with(
        &[(vec![1u8; 4], vec![3u8; 3])],
        DType::parse("S3, V3").unwrap(),
    )
    .unwrap_err();
    assert!(err.message().contains("more than 3 bytes"), "{err}");
    let arr = to_array_with(&[(1u8, -2i32)], DType::parse("u1, >i4").unwrap()).unwrap();
    assert_eq!(
        arr.view().element_bytes(&[0]).unwrap(),
        [1, 0xff, 0xff, 0xff, 0xfe]
    );
}
