//! Every view chain in `fixtures/views.json` (made by `fixtures/generate.py` with NumPy)
//! gives the same shape, strides, offset, dtype, flags and bytes through dtkit's views, or
//! fails where NumPy fails (and where NumPy's `as_strided` would read out of bounds).
#![cfg(target_endian = "little")]

use dtkit::array::AlignedBuf;
use dtkit::{ArrayView, DType, Order};
use serde::Deserialize;
use serde_json::Value as J;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct File {
    bases: BTreeMap<String, (String, Vec<usize>, String, usize)>,
    cases: Vec<Case>,
}

#[derive(Deserialize, Debug)]
struct Case {
    base: String,
    ops: Vec<Vec<J>>,
    error: Option<String>,
    shape: Option<Vec<usize>>,
    strides: Option<Vec<isize>>,
    offset: Option<usize>,
    dtype: Option<String>,
    c_contiguous: Option<bool>,
    f_contiguous: Option<bool>,
    aligned: Option<bool>,
    bytes: Option<String>,
}

fn int(v: &J) -> isize {
    v.as_i64().expect("integer") as isize
}

fn opt(v: &J) -> Option<isize> {
    v.as_i64().map(|n| n as isize)
}

fn list(v: &J) -> Vec<isize> {
    v.as_array().expect("list").iter().map(int).collect()
}

fn apply<'a>(v: ArrayView<'a>, op: &[J]) -> dtkit::Result<ArrayView<'a>> {
    let u = |j: &J| int(j) as usize;
    match op[0].as_str().expect("op name") {
        "index" => v.index_axis(u(&op[1]), int(&op[2])),
        "slice" => v.slice_axis(u(&op[1]), opt(&op[2]), opt(&op[3]), int(&op[4])),
        "T" => Ok(v.t()),
        "permute" => v.permute(&list(&op[1]).iter().map(|&a| a as usize).collect::<Vec<_>>()),
        "reshape" => v.reshape(&list(&op[1])),
        "newaxis" => v.insert_axis(u(&op[1])),
        "field" => v.field(op[1].as_str().expect("name")),
        "broadcast" => {
            let shape: Vec<usize> = list(&op[1]).iter().map(|&d| d as usize).collect();
            let layout = v.layout().broadcast_to(&shape)?;
            ArrayView::with_layout(v.bytes(), layout)
        }
        "as_strided" => {
            let shape: Vec<usize> = list(&op[1]).iter().map(|&d| d as usize).collect();
            v.as_strided(&shape, &list(&op[2]))
        }
        "window" => v.sliding_window(u(&op[1]), u(&op[2])),
        other => panic!("unknown op {other}"),
    }
}

#[test]
fn view_chains_agree_with_numpy() {
    let path = format!("{}/fixtures/views.json", env!("CARGO_MANIFEST_DIR"));
    let file: File = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut bad = Vec::new();
    let mut compared = 0;
    for case in &file.cases {
        let (spec, shape, order, offset) = &file.bases[&case.base];
        let dt = DType::parse(spec).unwrap();
        let n: usize = shape.iter().product();
        let raw: Vec<u8> = (0..offset + n * dt.itemsize())
            .map(|i| ((i * 37 + 11) % 251) as u8)
            .collect();
        // Aligned like the data of a Python bytes object, so ALIGNED means the same.
        let buf = AlignedBuf::from_bytes(&raw);
        let order = if order == "F" { Order::F } else { Order::C };
        let base = ArrayView::from_bytes_order(buf.as_bytes(), dt, shape, *offset, order).unwrap();
        let label = format!("{} {:?}", case.base, case.ops);
        let result = case.ops.iter().try_fold(base, |v, op| apply(v, op));
        match (&case.error, result) {
            (Some(_), Err(_)) => {}
            (Some(np), Ok(v)) => bad.push(format!(
                "{label}: dtkit gives {:?}/{:?}, NumPy: {np}",
                v.shape(),
                v.strides()
            )),
            (None, Err(e)) => bad.push(format!("{label}: dtkit fails ({e}), NumPy succeeds")),
            (None, Ok(v)) => {
                compared += 1;
                let dtype = if v.dtype().has_fields() {
                    v.dtype().descr().unwrap()
                } else {
                    v.dtype().typestr()
                };
                let mut bytes = Vec::new();
                v.write_to(&mut bytes).unwrap();
                let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                let flags = v.flags();
                let got = (
                    v.shape().to_vec(),
                    v.strides().to_vec(),
                    v.layout().offset(),
                    dtype,
                    (flags.c_contiguous, flags.f_contiguous, flags.aligned),
                    hex,
                );
                let want = (
                    case.shape.clone().unwrap(),
                    case.strides.clone().unwrap(),
                    case.offset.unwrap(),
                    case.dtype.clone().unwrap(),
                    (
                        case.c_contiguous.unwrap(),
                        case.f_contiguous.unwrap(),
                        case.aligned.unwrap(),
                    ),
                    case.bytes.clone().unwrap(),
                );
                if got != want {
                    bad.push(format!("{label}:\n   dtkit {got:?}\n   numpy {want:?}"));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} view chains disagree:\n{}",
        bad.len(),
        file.cases.len(),
        bad.join("\n")
    );
    assert!(compared >= 200, "only {compared} chains compared");
}
