//! Records as Rust structs over a memory-mapped file: a million records iterated as
//! structs that borrow their strings from the map.

use dtkit::raw::{MappedArray, RawOptions};
use dtkit::records;
use dtkit::storage::{MapMode, Mapping};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct Out {
    time: u64,
    name: String,
    position: (f32, f32),
    samples: [i16; 8],
}

#[derive(Deserialize)]
struct In<'a> {
    time: u64,
    name: &'a str,
    // A homogeneous tuple is written as a subarray `('position', '<f4', (2,))`.
    position: (f32, f32),
}

#[test]
fn a_million_mapped_records_as_borrowing_structs() {
    const N: u64 = 1_000_000;
    let names = ["north", "south", "east", "west"];
    let values: Vec<Out> = (0..N)
        .map(|i| Out {
            time: i * 10,
            name: names[(i % 4) as usize].to_owned(),
            position: (i as f32, -(i as f32)),
            samples: [i as i16; 8],
        })
        .collect();
    let opts = records::InferOptions {
        strings: records::StringKind::Bytes,
        ..Default::default()
    };
    let dtype = records::infer_dtype(&values, &opts).unwrap();
    assert_eq!(dtype.itemsize(), 8 + 5 + 8 + 16);
    let array = records::to_array_with(&values, dtype.clone()).unwrap();
    drop(values);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("million.bin");
    let mut f = std::fs::File::create(&path).unwrap();
    array.view().write_to(&mut f).unwrap();
    drop((f, array));

    #[allow(unsafe_code)]
    // SAFETY: a file this test made, opened read-only and not modified while mapped.
    let map = unsafe { Mapping::open(&path, MapMode::ReadOnly, 0) }.unwrap();
    let mapped = MappedArray::new(map, &RawOptions::new(dtype)).unwrap();
    let view = mapped.view();
    let base = view.bytes().as_ptr_range();
    let mut count = 0u64;
    for (i, r) in view.records::<In>().enumerate() {
        let r = r.unwrap();
        let i = i as u64;
        assert_eq!(r.time, i * 10);
        assert_eq!(r.name, names[(i % 4) as usize]);
        assert_eq!(r.position, (i as f32, -(i as f32)));
        // The name is a slice of the mapped file, not a copy.
        assert!(base.contains(&r.name.as_ptr()));
        count += 1;
    }
    assert_eq!(count, N);
}
