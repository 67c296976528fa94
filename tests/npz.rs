//! `.npz` archives: every member of NumPy-made archives (stored, compressed, with a
//! non-`.npy` member, empty) reads back to NumPy's values; stored members are viewed without
//! copying; archives dtkit writes read back in dtkit (NumPy loads them in the interop check).

use std::path::{Path, PathBuf};

use dtkit::npz::{self, Compression, Member, Npz, NpzOptions, NpzWriter};
use dtkit::{Array, DType, Order};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/npz")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn numpy_archives_read_back() {
    let facts: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("facts.json")).unwrap()).unwrap();
    for (archive, f) in facts.as_object().unwrap() {
        let path = dir().join(archive);
        let mut z = Npz::open(&path, &NpzOptions::default()).unwrap();
        let names: Vec<&str> = z.members().iter().map(|m| m.name.as_str()).collect();
        let want: Vec<&str> = f["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(names, want, "{archive}: member order");
        let whole = std::fs::read(&path).unwrap();
        for (key, m) in f["members"].as_object().unwrap() {
            let info = z.member(key).unwrap().1.clone();
            match z.load(key).unwrap() {
                Member::Array(_, a) => {
                    let mut bytes = Vec::new();
                    a.view().write_to(&mut bytes).unwrap();
                    assert_eq!(hex(&bytes), m["bytes"].as_str().unwrap(), "{archive}/{key}");
                    assert_eq!(
                        a.dtype().npy_descr().unwrap(),
                        m["descr"].as_str().unwrap(),
                        "{archive}/{key}"
                    );
                    // Stored members can be viewed in place.
                    if info.compression == Compression::Stored {
                        let (_, v) = npz::view_member(&whole, &info, &Default::default()).unwrap();
                        let mut again = Vec::new();
                        v.write_to(&mut again).unwrap();
                        assert_eq!(again, bytes, "{archive}/{key} viewed");
                        assert!(std::ptr::eq(
                            v.bytes().as_ptr(),
                            whole[info.data_start as usize..].as_ptr()
                        ));
                    } else {
                        assert!(npz::view_member(&whole, &info, &Default::default()).is_err());
                    }
                }
                Member::Bytes(b) => {
                    assert_eq!(hex(&b), m["raw"].as_str().unwrap(), "{archive}/{key}")
                }
            }
            // Keys work with or without .npy.
            assert!(z.member(&format!("{key}.npy")).is_some() || !info.file_name.ends_with(".npy"));
        }
        assert!(z
            .load("nope")
            .unwrap_err()
            .message()
            .contains("not a file in the archive"));
    }
}

#[test]
fn dtkit_archives_read_back_stored_and_compressed() {
    let tmp = tempfile::tempdir().unwrap();
    let dt = DType::parse("[('t','<u8'),('v','>f4',(3,))]").unwrap();
    // Big enough for several compression chunks (run in parallel).
    let n = 300_000;
    let mut raw = Vec::with_capacity(n * 20);
    for i in 0..n as u64 {
        raw.extend(i.to_le_bytes());
        for k in 0..3u32 {
            raw.extend(((i % 1000) as f32 * 0.5 + k as f32).to_be_bytes());
        }
    }
    let big = Array::from_bytes(&raw, dt, &[n], Order::C).unwrap();
    let small = Array::from_bytes(
        &[1, 2, 3, 4],
        DType::parse("u1").unwrap(),
        &[2, 2],
        Order::F,
    )
    .unwrap();
    for compress in [false, true] {
        let path = tmp.path().join(format!("out_{compress}.npz"));
        let mut w = NpzWriter::create(&path, compress).unwrap();
        w.add("big", &big.view()).unwrap();
        w.add("small", &small.view()).unwrap();
        assert!(
            w.add("small", &small.view()).is_err(),
            "duplicate names are refused"
        );
        w.finish().unwrap();
        let mut z = Npz::open(&path, &NpzOptions::default()).unwrap();
        assert_eq!(z.members().len(), 2);
        let info = z.members()[0].clone();
        assert_eq!(
            info.compression,
            if compress {
                Compression::Deflated
            } else {
                Compression::Stored
            }
        );
        if compress {
            assert!(info.compressed_size < info.size / 2, "{info:?}");
        }
        let Member::Array(_, a) = z.load("big").unwrap() else {
            panic!()
        };
        assert_eq!(a.buffer().as_bytes(), &raw[..]);
        let Member::Array(h, s) = z.load("small.npy").unwrap() else {
            panic!()
        };
        assert!(h.fortran_order);
        assert_eq!(s.view().to_vec::<u8>().unwrap(), vec![1, 3, 2, 4]);
    }
}

#[test]
fn zip_bombs_and_damage_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    // A member claiming far more than deflate could produce from its compressed bytes.
    let path = tmp.path().join("bomb.npz");
    let mut w = NpzWriter::create(&path, true).unwrap();
    w.add_bytes("x.npy", &[0u8; 10]).unwrap();
    w.finish().unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    // Patch the central directory's uncompressed size to 1 TiB - 1 (zip64 not needed).
    let cd = bytes
        .windows(4)
        .position(|w| w == [0x50, 0x4b, 0x01, 0x02])
        .unwrap();
    bytes[cd + 24..cd + 28].copy_from_slice(&0xfff0_0000u32.to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let start = std::time::Instant::now();
    let e = Npz::open(&path, &NpzOptions::default()).and_then(|mut z| z.load("x").map(|_| ()));
    let e = e.unwrap_err();
    assert!(
        e.message().contains("zip bomb") || e.message().contains("not a valid zip"),
        "{e}"
    );
    assert!(start.elapsed().as_secs() < 5);
    // Truncations of a real archive: errors, never panics.
    let real = std::fs::read(dir().join("savez_compressed.npz")).unwrap();
    for cut in (0..real.len()).step_by(7) {
        let r = Npz::new(std::io::Cursor::new(&real[..cut]), &NpzOptions::default())
            .and_then(|mut z| z.load("rec").map(|_| ()));
        assert!(r.is_err(), "cut at {cut} accepted");
    }
}

#[test]
fn stored_archives_are_byte_identical_to_np_savez() {
    // Rebuild NumPy's savez.npz member by member: the same bytes must come out.
    let src = dir().join("savez.npz");
    let mut z = Npz::open(&src, &NpzOptions::default()).unwrap();
    let names: Vec<String> = z.members().iter().map(|m| m.name.clone()).collect();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("again.npz");
    let mut w = NpzWriter::create(&out, false).unwrap();
    for name in &names {
        let Member::Array(_, a) = z.load(name).unwrap() else {
            panic!("{name}")
        };
        w.add(name, &a.view()).unwrap();
    }
    w.finish().unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&src).unwrap());
    // The empty archive too.
    let out = tmp.path().join("empty.npz");
    NpzWriter::create(&out, false).unwrap().finish().unwrap();
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(dir().join("empty.npz")).unwrap()
    );
}

/// zip64 both ways with a member over 4 GiB: heavy (writes 4.3 GB), so run by hand with
/// `cargo test --release --test npz -- --ignored`; `DTKIT_KEEP_ZIP64=path` keeps the archive
/// for a NumPy load.
#[test]
#[ignore]
fn zip64_member_over_4_gib() {
    let tmp = tempfile::tempdir().unwrap();
    let path = std::env::var_os("DTKIT_KEEP_ZIP64")
        .map_or_else(|| tmp.path().join("big.npz"), PathBuf::from);
    let n = (4usize << 30) / 8 + 1000;
    let mut a = Array::zeros(DType::parse("<u8").unwrap(), &[n], Order::C).unwrap();
    {
        let mut v = a.view_mut();
        v.set::<u64>(&[0], 11).unwrap();
        v.set::<u64>(&[n - 1], 99).unwrap();
    }
    let mut w = NpzWriter::create(&path, false).unwrap();
    w.add(
        "small",
        &Array::zeros(DType::parse("u1").unwrap(), &[3], Order::C)
            .unwrap()
            .view(),
    )
    .unwrap();
    w.add("big", &a.view()).unwrap();
    w.add(
        "after",
        &Array::from_bytes(&[7], DType::parse("u1").unwrap(), &[1], Order::C)
            .unwrap()
            .view(),
    )
    .unwrap();
    w.finish().unwrap();
    let mut z = Npz::open(&path, &NpzOptions::default()).unwrap();
    assert!(z.members()[1].size > u32::MAX as u64);
    assert!(
        z.members()[2].data_start > u32::MAX as u64,
        "the last member starts past 4 GiB"
    );
    let Member::Array(_, after) = z.load("after").unwrap() else {
        panic!()
    };
    assert_eq!(after.view().to_vec::<u8>().unwrap(), vec![7]);
    let bytes = std::fs::read(&path).unwrap();
    let info = z.members()[1].clone();
    let (_, v) = npz::view_member(&bytes, &info, &Default::default()).unwrap();
    assert_eq!(
        (v.get::<u64>(&[0]).unwrap(), v.get::<u64>(&[n - 1]).unwrap()),
        (11, 99)
    );
}
