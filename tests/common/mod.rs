//! Helpers shared by the text-reader tests.
#![allow(dead_code)]

use dtkit::{npy, DType};

/// One case of a text-reader fixture table (`fixtures/loadtxt.json`,
/// `fixtures/genfromtxt.json`): the text, the options, and NumPy's result as `.npy` hex
/// (with the mask for genfromtxt) or NumPy's error and the line it names.
#[derive(serde::Deserialize, Debug)]
pub struct TextCase {
    pub name: String,
    pub text: String,
    pub options: serde_json::Value,
    pub error_line: Option<u64>,
    pub error: Option<String>,
    pub npy: Option<String>,
    pub mask: Option<String>,
}

/// The cases of `fixtures/NAME`.
pub fn text_cases(name: &str) -> Vec<TextCase> {
    #[derive(serde::Deserialize)]
    struct File {
        cases: Vec<TextCase>,
    }
    let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let file: File = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    file.cases
}

/// Which bytes of one element carry a value. NumPy's loadtxt allocates with `np.empty`,
/// so padding bytes and the 6 unused bytes of each x87 long double hold whatever memory
/// held before (dtkit writes zeros); those bytes are not compared.
pub fn value_mask(dtype: &DType) -> Vec<bool> {
    let mut mask = vec![false; dtype.itemsize()];
    for leaf in dtype.leaf_fields() {
        let size = leaf.dtype.size();
        let (unit, used) = match (leaf.dtype.kind(), size) {
            (dtkit::ScalarKind::Float, 16) => (16, 10),
            (dtkit::ScalarKind::Complex, 32) => (16, 10),
            _ => (size.max(1), size.max(1)),
        };
        let n: usize = leaf.shape.iter().product();
        let mut idx = vec![0usize; leaf.shape.len()];
        for _ in 0..n {
            let base = leaf.offset
                + idx
                    .iter()
                    .zip(&leaf.strides)
                    .map(|(i, s)| i * s)
                    .sum::<usize>();
            for start in (0..size).step_by(unit) {
                for b in &mut mask[base + start..base + start + used.min(size - start)] {
                    *b = true;
                }
            }
            for ax in (0..idx.len()).rev() {
                idx[ax] += 1;
                if idx[ax] < leaf.shape[ax] {
                    break;
                }
                idx[ax] = 0;
            }
        }
    }
    mask
}

/// Compare two .npy files: headers exactly, data where it carries values.
pub fn same_npy(ours: &[u8], numpy: &[u8]) -> bool {
    let opts = npy::ReadOptions::default();
    let (Ok((h1, _)), Ok((h2, _))) = (npy::view(ours, &opts), npy::view(numpy, &opts)) else {
        return false;
    };
    if ours.len() != numpy.len() || ours[..h1.data_offset] != numpy[..h2.data_offset] {
        return false;
    }
    let mask = value_mask(&h1.dtype);
    let size = h1.dtype.itemsize().max(1);
    ours[h1.data_offset..]
        .iter()
        .zip(&numpy[h2.data_offset..])
        .enumerate()
        .all(|(k, (a, b))| a == b || !mask[k % size])
}

/// Bytes from the hex text the fixture tables store `.npy` files as.
pub fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// An array as the bytes of the `.npy` file dtkit writes for it.
pub fn npy_bytes(a: &dtkit::Array) -> Vec<u8> {
    let mut out = Vec::new();
    npy::write(&a.view(), &mut out).unwrap();
    out
}

/// Where a case NumPy rejects must fail: at `line`, when the fixture names one. Returns
/// the disagreement, if any.
pub fn wrong_error_line(name: &str, line: Option<u64>, e: &dtkit::Error) -> Option<String> {
    let line = line?;
    match e.location() {
        Some(dtkit::Location::Line { line: l, .. }) if l == line => None,
        other => Some(format!(
            "{name}: error at {other:?}, expected line {line}: {e}"
        )),
    }
}
