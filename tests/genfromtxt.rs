//! Every case of `fixtures/genfromtxt.json` (NumPy's `genfromtxt` with `usemask=True` on
//! the same text and options; data and mask saved with `np.save`) must give the same `.npy`
//! bytes for both through dtkit, or fail where NumPy fails, at the line the fixture names.
#![cfg(target_endian = "little")]

use dtkit::text::{genfromtxt_str, GenFromTxtOptions, Names};
use dtkit::{npy, Array, DType, Location};
use serde::Deserialize;

mod common;
use common::same_npy;

#[derive(Deserialize)]
struct File {
    cases: Vec<Case>,
}

#[derive(Deserialize, Debug)]
struct Case {
    name: String,
    text: String,
    options: serde_json::Value,
    error_line: Option<u64>,
    error: Option<String>,
    npy: Option<String>,
    mask: Option<String>,
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

fn options(v: &serde_json::Value) -> GenFromTxtOptions {
    let mut o = GenFromTxtOptions::default();
    if let Some(d) = v.get("dtype") {
        o.dtype = d.as_str().map(|d| DType::parse(d).unwrap());
    }
    if let Some(d) = v.get("delimiter").and_then(|d| d.as_str()) {
        o.delimiter = Some(d.to_owned());
    }
    let n = |key: &str| v.get(key).and_then(|d| d.as_u64()).map(|n| n as usize);
    o.skip_header = n("skip_header").unwrap_or(0);
    o.skip_footer = n("skip_footer").unwrap_or(0);
    o.max_rows = n("max_rows");
    let b = |key: &str, default: bool| v.get(key).and_then(|d| d.as_bool()).unwrap_or(default);
    o.autostrip = b("autostrip", false);
    o.invalid_raise = b("invalid_raise", true);
    o.loose = b("loose", true);
    if let Some(names) = v.get("names") {
        o.names = if names.as_bool() == Some(true) {
            Names::Header
        } else {
            Names::List(strings(names))
        };
    }
    if let Some(m) = v.get("missing_values") {
        o.missing_values = strings(m);
    }
    o.filling_values = v
        .get("filling_values")
        .and_then(|f| f.as_str())
        .map(str::to_owned);
    if let Some(cols) = v.get("usecols").and_then(|d| d.as_array()) {
        o.usecols = Some(cols.iter().map(|c| c.as_i64().unwrap() as isize).collect());
    }
    o
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn npy_of(a: &Array) -> Vec<u8> {
    let mut out = Vec::new();
    npy::write(&a.view(), &mut out).unwrap();
    out
}

#[test]
fn genfromtxt_agrees_with_numpy() {
    let path = format!("{}/fixtures/genfromtxt.json", env!("CARGO_MANIFEST_DIR"));
    let file: File = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(file.cases.len() >= 60);
    let mut bad = Vec::new();
    for case in &file.cases {
        let result = genfromtxt_str(&case.text, &options(&case.options));
        match (&case.npy, &case.error, result) {
            (Some(want), _, Ok(r)) => {
                let (data, mask) = (npy_of(&r.data), npy_of(&r.mask));
                if !same_npy(&data, &hex(want)) {
                    let shown =
                        String::from_utf8_lossy(&data[10..data.len().min(140)]).into_owned();
                    bad.push(format!("{}: data {shown:?}", case.name));
                } else if !same_npy(&mask, &hex(case.mask.as_ref().unwrap())) {
                    let shown = String::from_utf8_lossy(&mask[10..]).into_owned();
                    bad.push(format!("{}: mask {shown:?}", case.name));
                }
            }
            (Some(_), _, Err(e)) => bad.push(format!("{}: dtkit fails ({e})", case.name)),
            (None, Some(np), Ok(r)) => bad.push(format!(
                "{}: dtkit gives shape {:?}, NumPy: {np}",
                case.name,
                r.data.shape()
            )),
            (None, Some(_), Err(e)) => {
                if let Some(line) = case.error_line {
                    match e.location() {
                        Some(Location::Line { line: l, .. }) if l == line => {}
                        other => bad.push(format!(
                            "{}: error at {other:?}, expected line {line}: {e}",
                            case.name
                        )),
                    }
                }
            }
            (None, None, _) => bad.push(format!("{}: fixture has no outcome", case.name)),
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} cases disagree:\n{}",
        bad.len(),
        file.cases.len(),
        bad.join("\n")
    );
}

/// Random text from an alphabet of separators, signs, digits, markers and newlines, with
/// every option combination: an error or an array, never a panic; the mask has the data's
/// shape.
#[test]
fn genfromtxt_never_panics_on_random_text() {
    const ALPHABET: &[u8] = b"0123456789 ,,\t\n\n\r#.-+eEjxTRUEfalse_N/A\"";
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let dtypes = [
        None,
        Some("f8"),
        Some(">i2"),
        Some("i8"),
        Some("?"),
        Some("S3"),
        Some("c8"),
        Some("[('a','<u1'),('b','<f4')]"),
    ];
    let mut ok = 0;
    for round in 0..3000 {
        let len = (next() % 60) as usize;
        let text: String = (0..len)
            .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize] as char)
            .collect();
        let mut o = GenFromTxtOptions {
            dtype: dtypes[round % dtypes.len()].map(|d| DType::parse(d).unwrap()),
            delimiter: (round % 3 == 0).then(|| ",".to_owned()),
            skip_header: round % 2,
            skip_footer: (round / 2) % 2,
            invalid_raise: round % 5 != 0,
            loose: round % 7 != 0,
            autostrip: round % 4 == 0,
            missing_values: vec!["N/A".to_owned()],
            filling_values: (round % 6 == 0).then(|| "1".to_owned()),
            ..GenFromTxtOptions::default()
        };
        o.names = match round % 9 {
            0 => Names::Header,
            1 => Names::List(vec!["p".into(), "q".into()]),
            _ => Names::None,
        };
        if round % 11 == 0 {
            o.usecols = Some(vec![-1, 0]);
        }
        if let Ok(r) = genfromtxt_str(&text, &o) {
            assert_eq!(r.data.shape(), r.mask.shape(), "{text:?}");
            ok += 1;
        }
    }
    assert!(ok > 300, "only {ok} of 3000 random texts read");
}
