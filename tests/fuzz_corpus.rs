//! Replays every committed fuzz corpus file through the same code the fuzz targets run
//! (`dtkit::fuzzing`), so CI checks the corpora on stable Rust without libFuzzer.

use std::path::Path;

fn target(name: &str) -> Option<fn(&[u8])> {
    match name {
        "dtype_parse" => Some(dtkit::fuzzing::dtype_parse),
        "npy_file" => Some(dtkit::fuzzing::npy_file),
        "text" => Some(dtkit::fuzzing::text),
        "npz_archive" => Some(dtkit::fuzzing::npz_archive),
        "raw_dump" => Some(dtkit::fuzzing::raw_dump),
        "roundtrip" => Some(dtkit::fuzzing::roundtrip),
        "layout_file" => Some(dtkit::fuzzing::layout_file),
        _ => None,
    }
}

#[test]
fn replay_all_corpora() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut total = 0;
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("fuzz/corpus exists")
        .map(|e| e.expect("readable corpus dir").path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let run =
            target(&name).unwrap_or_else(|| panic!("no replay function for fuzz/corpus/{name}"));
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "empty corpus {name}");
        for file in files {
            let data = std::fs::read(&file).unwrap();
            let result = std::panic::catch_unwind(|| run(&data));
            assert!(result.is_ok(), "{name}: {} panicked", file.display());
            total += 1;
        }
    }
    assert!(total > 1000, "only {total} corpus files replayed");
}
