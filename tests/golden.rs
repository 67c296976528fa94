//! Golden outputs of `dtinspect`, human and JSON, over the bundled fixtures: the exact
//! text a user sees. After a deliberate change of the output, regenerate them with
//!
//!     DTKIT_BLESS=1 cargo test --test golden
//!
//! and review the diff of `tests/golden/` like any other change.

use std::path::Path;
use std::process::Command;

/// (golden file, arguments; paths are relative to the crate root).
const CASES: &[(&str, &[&str])] = &[
    ("dtype_radar.txt", &["dtype", "@formats/medkit_radar.dtype"]),
    (
        "dtype_aligned.json",
        &["dtype", "i1, i4, (2,)i2", "--align", "--json"],
    ),
    (
        "raw_radar.txt",
        &[
            "fixtures/raw/medkit_radar.bin",
            "--dtype",
            "@formats/medkit_radar.dtype",
            "--head",
            "3",
        ],
    ),
    (
        "raw_radar.json",
        &[
            "fixtures/raw/medkit_radar.bin",
            "--dtype",
            "@formats/medkit_radar.dtype",
            "--head",
            "2",
            "--json",
        ],
    ),
    (
        "raw_radar_field.txt",
        &[
            "fixtures/raw/medkit_radar.bin",
            "--dtype",
            "@formats/medkit_radar.dtype",
            "--field",
            "position.az",
            "--head",
            "4",
        ],
    ),
    (
        "raw_radar_bytes.txt",
        &[
            "fixtures/raw/medkit_radar.bin",
            "--dtype",
            "@formats/medkit_radar.dtype",
            "--bytes",
            "2",
        ],
    ),
    (
        "raw_radar_bytes.json",
        &[
            "fixtures/raw/medkit_radar.bin",
            "--dtype",
            "@formats/medkit_radar.dtype",
            "--bytes",
            "1",
            "--json",
        ],
    ),
    (
        "raw_cube_fortran.txt",
        &[
            "fixtures/raw/cube_f_be_i8.bin",
            "--dtype",
            ">i8",
            "--shape",
            "2,2,2",
            "--order",
            "F",
            "--head",
            "2",
        ],
    ),
    (
        "format_wav.txt",
        &[
            "fixtures/formats/tone.wav",
            "--format",
            "wav_pcm16",
            "--head",
            "3",
        ],
    ),
    (
        "format_elf.json",
        &[
            "fixtures/formats/hello.elf",
            "--format",
            "formats/elf64.dtype",
            "--json",
            "--head",
            "2",
        ],
    ),
    (
        "format_wtmp_bytes.txt",
        &["fixtures/formats/wtmp", "--format", "utmp", "--bytes", "0"],
    ),
    (
        "npy_aligned.txt",
        &["fixtures/npy/records_aligned.npy", "--head", "3"],
    ),
    (
        "npy_aligned_bytes.txt",
        &["fixtures/npy/records_aligned.npy", "--bytes", "1"],
    ),
    (
        "npy_titles.json",
        &["fixtures/npy/records_titles.npy", "--json", "--head", "2"],
    ),
    (
        "npy_fortran.txt",
        &["fixtures/npy/f4_fortran.npy", "--head", "2"],
    ),
    (
        "npy_datetimes.txt",
        &["fixtures/npy/datetimes.npy", "--head", "3"],
    ),
    (
        "npy_unicode.txt",
        &["fixtures/npy/unicode.npy", "--head", "3"],
    ),
    (
        "npy_0d.json",
        &["fixtures/npy/u1_0d.npy", "--json", "--head", "1"],
    ),
    ("npz_members.txt", &["fixtures/npz/savez_compressed.npz"]),
    ("npz_members.json", &["fixtures/npz/savez.npz", "--json"]),
    (
        "npz_member_rec.txt",
        &["fixtures/npz/savez.npz", "--member", "rec", "--head", "2"],
    ),
];

#[test]
fn dtinspect_output_is_unchanged() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bless = std::env::var_os("DTKIT_BLESS").is_some();
    let mut changed = Vec::new();
    for (name, args) in CASES {
        let out = Command::new(env!("CARGO_BIN_EXE_dtinspect"))
            .args(*args)
            .current_dir(root)
            .env("NO_COLOR", "1")
            .output()
            .expect("dtinspect runs");
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).expect("utf-8");
        let golden = root.join("tests/golden").join(name);
        if bless {
            std::fs::write(&golden, &text).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&golden)
            .unwrap_or_else(|_| panic!("{name}: no golden file (run with DTKIT_BLESS=1)"));
        if text != want {
            changed.push(format!(
                "--- {name} (golden)\n{want}+++ {name} (now)\n{text}"
            ));
        }
        if name.ends_with(".json") {
            serde_json::from_str::<serde_json::Value>(&text).expect("valid JSON");
        }
    }
    assert!(
        changed.is_empty(),
        "output changed (DTKIT_BLESS=1 to accept):\n{}",
        changed.join("\n")
    );
}
