//! Hostile input and interrupted writers: nothing panics, allocates without bound, or
//! damages an existing file.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use dtkit::npy::{self, ReadOptions};
use dtkit::npz::{Npz, NpzOptions, NpzWriter};
use dtkit::{Array, DType, Order};

fn fixture(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// Every byte of every `.npy` fixture's header (a spread of them for the very wide one)
/// flipped (to its complement and to a few
/// other values): an error with a message, or a file whose view lies inside its bytes.
#[test]
fn flipped_header_bytes_are_errors_or_consistent() {
    let mut checked = 0;
    for entry in std::fs::read_dir(fixture("npy")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "npy") {
            continue;
        }
        let good = std::fs::read(&path).unwrap();
        let (header, _) = npy::view(&good, &ReadOptions::default()).unwrap();
        // Every byte of ordinary headers; a hundred spread over the 58 KiB one.
        let step = if header.data_offset > 4096 {
            header.data_offset / 100
        } else {
            1
        };
        for at in (0..header.data_offset).step_by(step) {
            for value in [!good[at], b' ', b'9', b'\0'] {
                let mut bad = good.clone();
                bad[at] = value;
                match npy::view(&bad, &ReadOptions::default()) {
                    Ok((h, v)) => {
                        assert!(h.data_offset + h.data_len() <= bad.len());
                        assert_eq!(v.values().count(), v.len());
                    }
                    Err(e) => assert!(!e.message().is_empty()),
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 5_000, "{checked}");
}

/// Every truncation of every `.npz` fixture: an error, never a panic.
#[test]
fn every_truncated_archive_is_an_error() {
    for entry in std::fs::read_dir(fixture("npz")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "npz") {
            continue;
        }
        let good = std::fs::read(&path).unwrap();
        for cut in 0..good.len() {
            let r = Npz::new(std::io::Cursor::new(&good[..cut]), &NpzOptions::default()).and_then(
                |mut z| {
                    let names: Vec<String> = z.members().iter().map(|m| m.name.clone()).collect();
                    for n in names {
                        z.load(&n)?;
                    }
                    Ok(())
                },
            );
            assert!(r.is_err(), "{} cut at {cut} accepted", path.display());
        }
    }
}

/// An `.npy` header claiming a petabyte (and more) over a few bytes of data: refused at
/// once, before anything is allocated (an allocation that size would abort the test).
#[test]
fn petabyte_shapes_are_refused_quickly() {
    for shape in [
        "(140737488355328,)",
        "(1125899906842624, 8)",
        "(9223372036854775807, 9223372036854775807)",
    ] {
        let text = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}");
        let mut header = text.into_bytes();
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(b' ');
        }
        header.push(b'\n');
        let mut file = b"\x93NUMPY\x01\x00".to_vec();
        file.extend_from_slice(&(header.len() as u16).to_le_bytes());
        file.extend_from_slice(&header);
        file.extend_from_slice(&[0u8; 64]);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("huge.npy");
        std::fs::write(&p, &file).unwrap();
        let t = Instant::now();
        let e = npy::load(&p, &ReadOptions::default()).unwrap_err();
        assert!(t.elapsed() < Duration::from_secs(1));
        assert!(!e.message().is_empty());
        assert!(npy::view(&file, &ReadOptions::default()).is_err());
    }
}

/// A genuine deflate bomb (100 MiB of zeros in about 100 KiB) is refused by an archive
/// reader told to expand members to 16 MiB at most, quickly and without the 100 MiB.
#[test]
fn expansion_limits_stop_real_bombs() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("zeros.npz");
    let zeros = Array::from_bytes(
        &vec![0u8; 100 << 20],
        DType::parse("u1").unwrap(),
        &[100 << 20],
        Order::C,
    )
    .unwrap();
    let mut w = NpzWriter::create(&p, true).unwrap();
    w.add("z", &zeros.view()).unwrap();
    w.finish().unwrap();
    drop(zeros);
    assert!(std::fs::metadata(&p).unwrap().len() < 2 << 20);
    let options = NpzOptions {
        max_member_size: 16 << 20,
        ..NpzOptions::default()
    };
    let t = Instant::now();
    let r = Npz::open(&p, &options).and_then(|mut z| z.load("z").map(|_| ()));
    let e = r.unwrap_err();
    assert!(
        e.message().contains("16777216") || e.message().contains("limit"),
        "{e}"
    );
    assert!(t.elapsed() < Duration::from_secs(2));
}

/// A writer killed in the middle (a child process, SIGKILL at several moments): the target
/// is the old file or the complete new one, never a part.
#[test]
fn killed_conversions_leave_the_old_file_or_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.bin");
    let n = 48 << 20;
    let data: Vec<u8> = (0..n).map(|k| (k % 251) as u8).collect();
    std::fs::write(&input, &data).unwrap();
    let target = dir.path().join("out.npy");
    let old = b"the old file".to_vec();
    // The complete conversion, for comparison.
    let complete = dir.path().join("complete.npy");
    let run = |out: &Path| {
        Command::new(env!("CARGO_BIN_EXE_dtconvert"))
            .args([
                input.to_str().unwrap(),
                out.to_str().unwrap(),
                "--dtype",
                ">f8",
                "--byteorder",
                "little",
                "--quiet",
            ])
            .spawn()
            .unwrap()
    };
    assert!(run(&complete).wait().unwrap().success());
    let new = std::fs::read(&complete).unwrap();
    let mut outcomes = (0, 0);
    for delay_ms in [0u64, 5, 20, 50, 100, 200, 400] {
        std::fs::write(&target, &old).unwrap();
        let mut child = run(&target);
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let now = std::fs::read(&target).unwrap();
        if now == old {
            outcomes.0 += 1;
        } else {
            assert!(
                now == new,
                "after {delay_ms} ms the target is neither the old nor the new file"
            );
            outcomes.1 += 1;
        }
    }
    assert!(outcomes.0 > 0, "no kill landed mid-write: {outcomes:?}");
}

/// A child appending to an `.npy` file in a loop, killed at several moments: the file is a
/// valid `.npy` whose records are exactly the ones appended (0, 1, 2, ...).
#[test]
fn killed_appends_leave_a_valid_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("log.npy");
    for delay_ms in [10u64, 60, 150] {
        let a = Array::from_bytes(
            &0u64.to_le_bytes(),
            DType::parse("<u8").unwrap(),
            &[1],
            Order::C,
        )
        .unwrap();
        npy::save(&a.view(), &target).unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "child_appends_until_killed",
                "--ignored",
                "--nocapture",
            ])
            .env("DTKIT_APPEND_TARGET", &target)
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let (h, arr) = npy::load(&target, &ReadOptions::default()).expect("a valid .npy");
        let values: Vec<u64> = arr.view().to_vec().unwrap();
        assert_eq!(h.shape, vec![values.len()]);
        assert!(
            values.iter().enumerate().all(|(k, &v)| v == k as u64),
            "records out of order"
        );
    }
}

/// Run only as the child of `killed_appends_leave_a_valid_file`: appends records 1, 2, ...
/// in blocks of 1000 until killed.
#[test]
#[ignore]
fn child_appends_until_killed() {
    let Some(target) = std::env::var_os("DTKIT_APPEND_TARGET") else {
        return;
    };
    let target = std::path::PathBuf::from(target);
    let mut next = 1u64;
    loop {
        let block: Vec<u8> = (next..next + 1000).flat_map(u64::to_le_bytes).collect();
        let a = Array::from_bytes(&block, DType::parse("<u8").unwrap(), &[1000], Order::C).unwrap();
        npy::append(&target, &a.view()).unwrap();
        next += 1000;
    }
}
