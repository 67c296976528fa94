//! Every dtype case in `fixtures/dtype/*.json` (written by `fixtures/generate.py` with real
//! NumPy) must come out of dtkit exactly as it came out of NumPy: the same itemsize,
//! alignment, `.str`, `.name`, `.kind`, `.byteorder`, `repr(descr)`, `.npy` descr, leaf
//! fields and byte-order conversions, or a rejection where NumPy rejects.
//!
//! The fixtures were generated on a little-endian machine.
#![cfg(target_endian = "little")]

use dtkit::{ByteOrder, DType, ErrorKind, Location, ParseOptions};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct File<T> {
    cases: Vec<T>,
}

#[derive(Deserialize, Debug)]
struct Leaf {
    path: String,
    offset: usize,
    dtype: String,
    shape: Vec<usize>,
    strides: Vec<usize>,
    title: Option<String>,
}

#[derive(Deserialize, Debug)]
struct Expected {
    itemsize: usize,
    alignment: usize,
    str: String,
    name: String,
    kind: String,
    byteorder: String,
    isalignedstruct: bool,
    shape: Vec<usize>,
    base: Option<String>,
    has_fields: bool,
    descr: Option<String>,
    npy_descr: Option<String>,
    leaves: Vec<Leaf>,
    newbyteorder: Option<BTreeMap<String, Option<String>>>,
}

#[derive(Deserialize, Debug)]
struct Case {
    spec: String,
    align: bool,
    error: Option<String>,
    unsupported: Option<String>,
    #[serde(default)]
    numpy_overflow: bool,
    #[serde(flatten)]
    expected: Option<Expected>,
}

#[derive(Deserialize, Debug)]
struct DescrCase {
    input: String,
    error: Option<String>,
    #[serde(flatten)]
    expected: Option<Expected>,
}

#[derive(Deserialize, Debug)]
struct EqualityCase {
    a: String,
    align_a: bool,
    b: String,
    align_b: bool,
    equal: bool,
}

fn load<T: for<'de> Deserialize<'de>>(name: &str) -> Vec<T> {
    let path = format!("{}/fixtures/dtype/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str::<File<T>>(&text)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .cases
}

/// Compare one accepted dtype with NumPy's description of it; push mismatches to `bad`.
fn compare(label: &str, dt: &DType, want: &Expected, bad: &mut Vec<String>) {
    let mut check = |what: &str, got: String, expected: String| {
        if got != expected {
            bad.push(format!("{label}: {what}: got {got}, NumPy {expected}"));
        }
    };
    check(
        "itemsize",
        dt.itemsize().to_string(),
        want.itemsize.to_string(),
    );
    check(
        "alignment",
        dt.alignment().to_string(),
        want.alignment.to_string(),
    );
    check("str", dt.typestr(), want.str.clone());
    check("name", dt.name(), want.name.clone());
    check("kind", dt.kind_char().to_string(), want.kind.clone());
    check(
        "byteorder",
        dt.byteorder_char().to_string(),
        want.byteorder.clone(),
    );
    check(
        "has_fields",
        dt.has_fields().to_string(),
        want.has_fields.to_string(),
    );
    let aligned = dt.as_record().is_some_and(|r| r.is_aligned_struct());
    check(
        "isalignedstruct",
        aligned.to_string(),
        want.isalignedstruct.to_string(),
    );
    check(
        "shape",
        format!("{:?}", dt.shape()),
        format!("{:?}", want.shape),
    );
    let base = dt.as_subarray().map(|s| s.base().typestr());
    check("base", format!("{base:?}"), format!("{:?}", want.base));
    check(
        "descr",
        format!("{:?}", dt.descr().ok()),
        format!("{:?}", want.descr),
    );
    if dt.as_subarray().is_none() {
        check(
            "npy_descr",
            format!("{:?}", dt.npy_descr().ok()),
            format!("{:?}", want.npy_descr),
        );
    }
    let leaves = dt.leaf_fields();
    let got: Vec<String> = leaves
        .iter()
        .map(|l| {
            format!(
                "{}@{} {} {:?} {:?} {:?}",
                l.path,
                l.offset,
                l.dtype.typestr(),
                l.shape,
                l.strides,
                l.title
            )
        })
        .collect();
    let expected: Vec<String> = want
        .leaves
        .iter()
        .map(|l| {
            format!(
                "{}@{} {} {:?} {:?} {:?}",
                l.path, l.offset, l.dtype, l.shape, l.strides, l.title
            )
        })
        .collect();
    check("leaves", format!("{got:?}"), format!("{expected:?}"));
    if let Some(orders) = &want.newbyteorder {
        for (order, expected) in orders {
            let converted = match order.as_str() {
                "<" => dt.with_byte_order(ByteOrder::Little),
                ">" => dt.with_byte_order(ByteOrder::Big),
                _ => dt.byte_swapped(),
            };
            check(
                &format!("newbyteorder({order})"),
                format!("{:?}", converted.npy_descr().ok()),
                format!("{expected:?}"),
            );
        }
    }
    // Round trips: Display parses back; the .npy descr reads back.
    match DType::parse(&dt.to_string()) {
        Ok(back) if &back == dt => check(
            "Display round trip alignment",
            back.alignment().to_string(),
            dt.alignment().to_string(),
        ),
        Ok(back) => bad.push(format!(
            "{label}: Display {dt} parses to a different dtype {back}"
        )),
        Err(e) => bad.push(format!("{label}: Display {dt} does not parse: {e}")),
    }
    // A `(base, fields)` union writes only its fields to an .npy header, so it reads back
    // as a plain record, in NumPy as here.
    // A `(base, fields)` union writes only its fields to an .npy header, and `.npy` cannot
    // carry the multiplier of generic datetime units: such dtypes read back differently,
    // in NumPy as here.
    let lossy = !dtkit::fuzzing::npy_descr_is_lossless(dt);
    if let (false, Ok(descr)) = (lossy, dt.npy_descr()) {
        match DType::from_descr(&descr) {
            Ok(back) if &back == dt => {}
            Ok(back) => bad.push(format!("{label}: npy descr {descr} reads back as {back}")),
            Err(e) => bad.push(format!(
                "{label}: npy descr {descr} does not read back: {e}"
            )),
        }
    }
}

#[test]
fn every_numpy_dtype_case_agrees() {
    let cases: Vec<Case> = load("cases.json");
    assert!(
        cases.len() >= 150,
        "the table has only {} cases",
        cases.len()
    );
    let mut bad = Vec::new();
    let mut accepted = 0;
    for case in &cases {
        let label = format!("{:?} (align={})", case.spec, case.align);
        let result = DType::parse_with(&case.spec, &ParseOptions::aligned(case.align));
        if case.numpy_overflow {
            // NumPy wraps the size around a C int; dtkit must refuse.
            match result {
                Err(e) if e.kind() == ErrorKind::Limit => {}
                other => bad.push(format!("{label}: NumPy overflows; dtkit gave {other:?}")),
            }
            continue;
        }
        match (&case.error, &case.unsupported, &case.expected, result) {
            (Some(np_err), _, _, Ok(dt)) => bad.push(format!(
                "{label}: accepted as {dt}, NumPy rejects: {np_err}"
            )),
            (Some(_), _, _, Err(e)) => {
                if !matches!(e.location(), Some(Location::Spec(_))) {
                    bad.push(format!("{label}: error without a position: {e}"));
                }
            }
            (None, Some(_), _, Err(e)) if e.kind() == ErrorKind::Unsupported => {}
            (None, Some(np), _, other) => bad.push(format!(
                "{label}: NumPy gives unsupported {np}, dtkit {other:?}"
            )),
            (None, None, Some(want), Ok(dt)) => {
                accepted += 1;
                compare(&label, &dt, want, &mut bad);
            }
            (None, None, _, Err(e)) => bad.push(format!("{label}: rejected, NumPy accepts: {e}")),
            (None, None, None, Ok(_)) => bad.push(format!("{label}: fixture row has no data")),
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} cases disagree with NumPy:\n{}",
        bad.len(),
        cases.len(),
        bad.join("\n")
    );
    assert!(
        accepted >= 400,
        "only {accepted} accepted cases were compared"
    );
}

#[test]
fn every_npy_descr_case_agrees() {
    let cases: Vec<DescrCase> = load("descr.json");
    let mut bad = Vec::new();
    for case in &cases {
        let label = format!("descr {:?}", case.input);
        match (&case.error, &case.expected, DType::from_descr(&case.input)) {
            (Some(np), _, Ok(dt)) => bad.push(format!("{label}: accepted as {dt}, NumPy: {np}")),
            (Some(_), _, Err(_)) => {}
            (None, Some(want), Ok(dt)) => compare(&label, &dt, want, &mut bad),
            (None, _, Err(e)) => bad.push(format!("{label}: rejected, NumPy accepts: {e}")),
            (None, None, Ok(_)) => bad.push(format!("{label}: fixture row has no data")),
        }
    }
    assert!(
        bad.is_empty(),
        "{} descr cases disagree:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn equality_follows_numpy() {
    let cases: Vec<EqualityCase> = load("equality.json");
    let mut bad = Vec::new();
    for c in &cases {
        let a = DType::parse_with(&c.a, &ParseOptions::aligned(c.align_a)).expect("valid a");
        let b = DType::parse_with(&c.b, &ParseOptions::aligned(c.align_b)).expect("valid b");
        if (a == b) != c.equal {
            bad.push(format!(
                "{:?} == {:?}: dtkit {}, NumPy {}",
                c.a,
                c.b,
                a == b,
                c.equal
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Inputs NumPy mishandles, which dtkit rejects with a clear error instead.
#[test]
fn numpy_datetime_divisor_bugs_are_errors() {
    // NumPy 2.4 dies with SIGFPE on a zero divisor and builds a negative unit from a
    // negative one.
    for spec in [
        "M8[s/0]",
        "datetime64[s/0]",
        "M8[s/-1]",
        "m8[ms/-5]",
        "M8[s/2147483648]",
    ] {
        let e = DType::parse(spec).expect_err(spec);
        assert_eq!(e.kind(), ErrorKind::DType, "{spec}: {e}");
        assert!(e.message().contains("positive divisor"), "{spec}: {e}");
        assert!(
            matches!(e.location(), Some(Location::Spec(n)) if n > 3),
            "{spec}: {e}"
        );
    }
}
