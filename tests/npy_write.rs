//! `.npy` files written by dtkit are byte-identical to `np.save`'s (fixtures/npy, written by
//! fixtures/generate.py): header text, growth spaces, padding, version, Fortran order.

use std::path::Path;

use dtkit::{npy, Array, DType, Order};

#[test]
fn npy_bytes_equal_np_save() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/npy");
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cases.json")).unwrap()).unwrap();
    let mut bad = Vec::new();
    let mut n = 0;
    for (name, case) in cases.as_object().unwrap() {
        let dtype = DType::from_descr(case["descr"].as_str().unwrap()).unwrap();
        let shape: Vec<usize> = case["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        let raw = std::fs::read(dir.join(format!("{name}.bin"))).unwrap();
        let c = Array::from_bytes(&raw, dtype, &shape, Order::C).unwrap();
        let array = if case["fortran_order"].as_bool().unwrap() {
            c.view().to_contiguous(Order::F).unwrap()
        } else {
            c
        };
        let mut out = Vec::new();
        npy::write(&array.view(), &mut out).unwrap();
        let want = std::fs::read(dir.join(format!("{name}.npy"))).unwrap();
        if out != want {
            let show = |b: &[u8]| String::from_utf8_lossy(&b[..b.len().min(200)]).into_owned();
            bad.push(format!(
                "{name}:\n  dtkit {:?}\n  numpy {:?}",
                show(&out),
                show(&want)
            ));
        }
        n += 1;
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    assert!(n >= 12);
}
