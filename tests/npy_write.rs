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

#[test]
fn npy_files_read_back_and_rewrite_identically() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/npy");
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cases.json")).unwrap()).unwrap();
    let opts = npy::ReadOptions::default();
    for (name, case) in cases.as_object().unwrap() {
        let file = std::fs::read(dir.join(format!("{name}.npy"))).unwrap();
        let raw = std::fs::read(dir.join(format!("{name}.bin"))).unwrap();
        // In memory, without copying.
        let (header, view) = npy::view(&file, &opts).unwrap();
        assert_eq!(
            header.fortran_order,
            case["fortran_order"].as_bool().unwrap(),
            "{name}"
        );
        let mut c_bytes = Vec::new();
        view.write_to(&mut c_bytes).unwrap();
        assert_eq!(c_bytes, raw, "{name}: values differ");
        assert_eq!(
            header.dtype.npy_descr().unwrap(),
            case["descr"].as_str().unwrap(),
            "{name}"
        );
        // From the file, owned; and written back byte for byte.
        let (_, owned) = npy::load(&dir.join(format!("{name}.npy")), &opts).unwrap();
        let mut again = Vec::new();
        npy::write(&owned.view(), &mut again).unwrap();
        assert_eq!(again, file, "{name}: rewrite differs");
    }
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/npy");
    let opts = npy::ReadOptions::default();
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("npy") {
            continue;
        }
        let file = std::fs::read(&path).unwrap();
        let (header, _) = npy::view(&file, &opts).unwrap();
        // Every cut through the prefix and header; through the data (where each attempt
        // re-parses a header already covered) every 61st byte and the last 16.
        let data_end = header.data_offset + header.data_len();
        let cuts = (0..file.len()).filter(|&c| {
            c <= header.data_offset + 64 || c % 61 == 0 || c + 16 >= data_end.min(file.len())
        });
        for cut in cuts {
            let result = npy::view(&file[..cut], &opts);
            // Cutting only trailing data of an empty array is still a valid file.
            if cut >= header.data_offset + header.data_len() {
                assert!(result.is_ok());
                continue;
            }
            let e = result
                .err()
                .unwrap_or_else(|| panic!("{}: cut at {cut} accepted", path.display()));
            assert!(
                e.location().is_some(),
                "{}: cut at {cut}: no location in {e}",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 5_000, "only {checked} truncations checked");
}

#[test]
fn save_c_writes_what_np_save_writes_of_the_contiguous_copy() {
    let tmp = tempfile::tempdir().unwrap();
    // Large enough for bands on every core (over 32 MiB), a subarray dtype, a small
    // Fortran view, a reversed slice, and an empty one.
    let n = 1500usize;
    let raw: Vec<u8> = (0..n * 2 * n * 8).map(|i| (i % 251) as u8).collect();
    let f8 = DType::parse("<f8").unwrap();
    let big = dtkit::ArrayView::from_bytes_order(&raw, f8, &[n, 2 * n], 0, Order::F).unwrap();
    let sub = DType::parse("[('t','<u4'),('v','>i2',(3,))]").unwrap();
    let small = dtkit::ArrayView::from_bytes_order(&raw[..10 * 7 * 10], sub, &[10, 7], 0, Order::F)
        .unwrap();
    let views = [
        big.clone(),
        big.clone().slice_axis(0, None, None, -1).unwrap(),
        small.clone(),
        small.slice_axis(1, Some(3), Some(3), 1).unwrap(),
    ];
    for (k, v) in views.iter().enumerate() {
        let (a, b) = (
            tmp.path().join(format!("c{k}.npy")),
            tmp.path().join(format!("s{k}.npy")),
        );
        npy::save_c(v, &a).unwrap();
        npy::save(&v.to_contiguous(Order::C).unwrap().view(), &b).unwrap();
        assert!(
            std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
            "view {k}"
        );
        let mut streamed = Vec::new();
        npy::write_c(v, &mut streamed).unwrap();
        assert!(streamed == std::fs::read(&b).unwrap(), "view {k}, streamed");
    }
}
