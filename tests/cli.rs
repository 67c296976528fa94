//! End-to-end tests of the two binaries on the bundled fixtures: output, exit codes
//! (shared/CLI.md: 0 ok, 2 bad arguments or input, 1 other) and error messages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

fn run(bin: &str, args: &[&str]) -> Output {
    Command::new(bin)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs")
}

fn dtinspect(args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_dtinspect"), args)
}

fn dtconvert(args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_dtconvert"), args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 output")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8 errors")
}

#[test]
fn dtype_json_matches_the_contract() {
    let o = dtinspect(&[
        "dtype",
        "[('a','<i4'),('b','<f8'),('c','<i2',(2,))]",
        "--align",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["itemsize"], 24);
    assert_eq!(v["alignment"], 8);
    assert_eq!(v["str"], "|V24");
    assert_eq!(v["byteorder"], "|");
    assert_eq!(
        v["descr"],
        "[('a', '<i4'), ('', '|V4'), ('b', '<f8'), ('c', '<i2', (2,)), ('', '|V4')]"
    );
    let fields = v["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 3);
    assert_eq!(fields[1]["path"], "b");
    assert_eq!(fields[1]["offset"], 8);
    assert_eq!(fields[2]["shape"], serde_json::json!([2]));
    // A dtype without fields lists one field with path "".
    let o = dtinspect(&["dtype", ">f8", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["fields"][0]["path"], "");
    assert_eq!(v["byteorder"], ">");
    assert_eq!(v["descr"], "[('', '>f8')]");
}

#[test]
fn dtype_human_table_and_file_specs() {
    let spec = format!(
        "@{}",
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("formats/medkit_radar.dtype")
            .display()
    );
    let o = dtinspect(&["dtype", &spec]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("itemsize   4120 bytes"), "{text}");
    assert!(text.contains("    21     2    region_ID"), "{text}");
    assert!(text.contains("(2048,)"), "{text}");
    assert!(!text.contains('\x1b'), "escape codes in piped output");
}

#[test]
fn bad_dtypes_exit_2_and_point_at_the_problem() {
    let o = dtinspect(&["dtype", "i4,(2,3f8"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("at offset 3"), "{err}");
    assert!(err.contains("       ^"), "{err}");
    let o = dtinspect(&["dtype", "[('a','i4'),('a','f8')]"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("occurs more than once"),
        "{}",
        stderr(&o)
    );
    let o = dtinspect(&["dtype", "@/nonexistent/file.dtype"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "an unreadable file is an I/O failure"
    );
    let o = dtinspect(&["dtype"]);
    assert_eq!(o.status.code(), Some(2), "missing SPEC is a usage error");
}

#[test]
fn raw_dump_info_and_json() {
    let bin = fixture("raw/medkit_radar.bin");
    let spec = format!(
        "@{}",
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("formats/medkit_radar.dtype")
            .display()
    );
    let o = dtinspect(&[bin.to_str().unwrap(), "--dtype", &spec, "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["kind"], "raw");
    assert_eq!(v["shape"], serde_json::json!([4]));
    assert_eq!(v["strides"], serde_json::json!([4120]));
    assert_eq!(v["itemsize"], 4120);
    assert_eq!(v["nbytes"], 16480);
    assert_eq!(v["flags"]["c_contiguous"], true);
    let samples = v["fields"].as_array().unwrap().last().unwrap();
    assert_eq!(samples["path"], "samples");
    assert_eq!(samples["shape"], serde_json::json!([4, 2048]));
    assert_eq!(samples["strides"], serde_json::json!([4120, 2]));

    // A header offset that leaves a partial record is an error naming the byte counts.
    let o = dtinspect(&[bin.to_str().unwrap(), "--dtype", &spec, "--offset", "10"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("3 records and 4110 bytes left over"),
        "{}",
        stderr(&o)
    );
    // Without --dtype a raw dump cannot be read.
    let o = dtinspect(&[bin.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--dtype"), "{}", stderr(&o));
    let o = dtinspect(&["/nonexistent.bin", "--dtype", "f8"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn dtconvert_swaps_byte_order_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("radar_le.bin");
    let be = fixture("raw/medkit_radar_be_header16.bin");
    let spec_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("formats/medkit_radar.dtype"),
    )
    .unwrap();
    let le_dt = dtkit::inspect::parse_cli_spec(
        &format!(
            "@{}",
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("formats/medkit_radar.dtype")
                .display()
        ),
        false,
    )
    .unwrap();
    let be_spec = le_dt.with_byte_order(dtkit::ByteOrder::Big).to_string();
    assert!(spec_text.contains("'<u8'"));
    let o = dtconvert(&[
        be.to_str().unwrap(),
        out.to_str().unwrap(),
        "--dtype",
        &be_spec,
        "--offset",
        "16",
        "--byteorder",
        "little",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // NumPy wrote the same records little-endian into medkit_radar.bin.
    let want = std::fs::read(fixture("raw/medkit_radar.bin")).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), want);

    // On error nothing is left behind and an existing output is untouched.
    std::fs::write(&out, b"previous").unwrap();
    let o = dtconvert(&[
        be.to_str().unwrap(),
        out.to_str().unwrap(),
        "--dtype",
        &be_spec,
        "--offset",
        "17",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(&out).unwrap(), b"previous");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "a temporary file was left behind");
}

#[test]
fn dtconvert_raw_to_npy_matches_np_save() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("radar.npy");
    let bin = fixture("raw/medkit_radar.bin");
    let spec = format!(
        "@{}",
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("formats/medkit_radar.dtype")
            .display()
    );
    let o = dtconvert(&[
        bin.to_str().unwrap(),
        out.to_str().unwrap(),
        "--dtype",
        &spec,
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // fixtures/npy/radar.npy is np.save(np.fromfile(medkit_radar.bin, dtype)).
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(fixture("npy/radar.npy")).unwrap()
    );
    // A subarray dtype becomes trailing axes, and the byte order can change on the way.
    let out2 = dir.path().join("cube.npy");
    let cube = fixture("raw/cube_f_be_i8.bin");
    let o = dtconvert(&[
        cube.to_str().unwrap(),
        out2.to_str().unwrap(),
        "--dtype",
        "(2,2)>i8",
        "--byteorder",
        "little",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&out2).unwrap();
    let header = String::from_utf8_lossy(&bytes[10..128]).into_owned();
    assert!(
        header.starts_with("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2, 2), }"),
        "{header}"
    );
    assert_eq!(bytes.len(), 128 + 64);
}

#[test]
fn dtconvert_fortran_dump_to_c_order_npy_and_raw() {
    // A 2x2x2 Fortran-ordered big-endian i8 cube: element [i, j, k] is the file's value
    // number i + 2j + 4k. Mapped, then written in C order by bands (no contiguous copy).
    let dir = tempfile::tempdir().unwrap();
    let cube = fixture("raw/cube_f_be_i8.bin");
    let file = std::fs::read(&cube).unwrap();
    let value = |n: usize| i64::from_be_bytes(file[8 * n..8 * n + 8].try_into().unwrap());
    let c_order: Vec<i64> = (0..8)
        .map(|n| value(n / 4 + 2 * (n / 2 % 2) + 4 * (n % 2)))
        .collect();
    for (name, byteorder) in [("c.npy", "keep"), ("c_le.npy", "little"), ("c.bin", "keep")] {
        let out = dir.path().join(name);
        let o = dtconvert(&[
            cube.to_str().unwrap(),
            out.to_str().unwrap(),
            "--dtype",
            ">i8",
            "--shape",
            "2,2,2",
            "--order",
            "F",
            "--out-order",
            "C",
            "--byteorder",
            byteorder,
            "--quiet",
        ]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let bytes = std::fs::read(&out).unwrap();
        let (data, little) = if name.ends_with(".npy") {
            let header = String::from_utf8_lossy(&bytes[10..128]).into_owned();
            let descr = if byteorder == "little" { "<i8" } else { ">i8" };
            assert!(
                header.starts_with(&format!(
                    "{{'descr': '{descr}', 'fortran_order': False, 'shape': (2, 2, 2), }}"
                )),
                "{name}: {header}"
            );
            (&bytes[128..], byteorder == "little")
        } else {
            (&bytes[..], false)
        };
        let want: Vec<u8> = c_order
            .iter()
            .flat_map(|v| {
                if little {
                    v.to_le_bytes()
                } else {
                    v.to_be_bytes()
                }
            })
            .collect();
        assert_eq!(data, &want[..], "{name}");
    }
}

#[test]
fn dtconvert_npy_round_trips_numpy_files_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "f4_fortran",
        "records_titles",
        "cjk_name",
        "wide_header",
        "u1_0d",
        "empty",
    ] {
        let src = fixture(&format!("npy/{name}.npy"));
        let out = dir.path().join(format!("{name}.npy"));
        let o = dtconvert(&[src.to_str().unwrap(), out.to_str().unwrap(), "--quiet"]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        assert_eq!(
            std::fs::read(&out).unwrap(),
            std::fs::read(&src).unwrap(),
            "{name}"
        );
        // To raw: the C-order bytes NumPy's tofile writes.
        let raw = dir.path().join(format!("{name}.bin"));
        let o = dtconvert(&[src.to_str().unwrap(), raw.to_str().unwrap(), "--quiet"]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        assert_eq!(
            std::fs::read(&raw).unwrap(),
            std::fs::read(fixture(&format!("npy/{name}.bin"))).unwrap(),
            "{name}"
        );
    }
    // A big-endian .npy made native.
    let out = dir.path().join("le.npy");
    let src = fixture("npy/i2_be_2d.npy");
    let o = dtconvert(&[
        src.to_str().unwrap(),
        out.to_str().unwrap(),
        "--byteorder",
        "little",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (h, v) = {
        let bytes = std::fs::read(&out).unwrap();
        let (h, v) = dtkit::npy::view(&bytes, &dtkit::npy::ReadOptions::default()).unwrap();
        (h, v.to_vec::<i16>().unwrap())
    };
    assert_eq!(h.dtype.typestr(), "<i2");
    assert_eq!(v, (0..12).collect::<Vec<i16>>());
    // A truncated .npy is refused with the byte counts.
    let cut = dir.path().join("cut.npy");
    let bytes = std::fs::read(fixture("npy/f8_1d.npy")).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() - 3]).unwrap();
    let o = dtinspect(&[cut.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("needs 40 bytes after the header, the file has 37"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn dtconvert_refuses_what_it_cannot_do_yet() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.npy");
    // JSON lines in need the dtype of their records.
    let bin = fixture("raw/medkit_radar.bin");
    let o = dtconvert(&[
        bin.to_str().unwrap(),
        out.to_str().unwrap(),
        "--from",
        "jsonl",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("a JSON lines input needs --dtype SPEC"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    // Several members need --member for a single-array output.
    let npz = fixture("npz/savez.npz");
    let o = dtconvert(&[
        npz.to_str().unwrap(),
        dir.path().join("one.npy").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("choose one with --member"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn dtconvert_raw_to_npz_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fixture("raw/medkit_radar.bin");
    let spec = format!(
        "@{}",
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("formats/medkit_radar.dtype")
            .display()
    );
    let npz = dir.path().join("radar.npz");
    let o = dtconvert(&[
        bin.to_str().unwrap(),
        npz.to_str().unwrap(),
        "--dtype",
        &spec,
        "--name",
        "radar",
        "--compress",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = dtinspect(&[npz.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["kind"], "npz");
    assert_eq!(v["members"][0]["name"], "radar");
    assert_eq!(v["members"][0]["compression"], "deflated");
    assert_eq!(v["members"][0]["shape"], serde_json::json!([4]));
    let back = dir.path().join("radar.npy");
    let o = dtconvert(&[npz.to_str().unwrap(), back.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(&back).unwrap(),
        std::fs::read(fixture("npy/radar.npy")).unwrap()
    );
    let o = dtinspect(&[
        npz.to_str().unwrap(),
        "--member",
        "radar",
        "--field",
        "position.az",
        "--head",
        "2",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["kind"], "npz-member");
    assert_eq!(v["values"], serde_json::json!([-0.5, -0.16666667]));
}

#[test]
fn raw_field_views_and_values() {
    // The seed exercise: data['position']['az'] of the radar records NumPy wrote.
    let bin = fixture("raw/medkit_radar.bin");
    let spec = format!(
        "@{}",
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("formats/medkit_radar.dtype")
            .display()
    );
    let o = dtinspect(&[
        bin.to_str().unwrap(),
        "--dtype",
        &spec,
        "--field",
        "position.az",
        "--head",
        "4",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v["values"],
        serde_json::json!([-0.5, -0.16666667, 0.16666667, 0.5])
    );
    assert_eq!(v["strides"], serde_json::json!([4120]));
    assert_eq!(v["dtype"]["str"], "<f4");
    assert_eq!(v["flags"]["aligned"], true);
    assert_eq!(v["flags"]["c_contiguous"], false);

    let o = dtinspect(&[bin.to_str().unwrap(), "--dtype", &spec, "--head", "2"]);
    let text = stdout(&o);
    assert!(text.contains("1700000000250"), "{text}");
    assert!(text.contains("(-0.16666667, 0.125, 1, 1001)"), "{text}");
    assert!(text.contains("... 2 more"), "{text}");

    let o = dtinspect(&[
        bin.to_str().unwrap(),
        "--dtype",
        &spec,
        "--field",
        "position.nope",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("\"az\", \"el\""), "{}", stderr(&o));
}

#[test]
fn dtconvert_text_to_npy_and_errors_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("words.npy");
    let words = fixture("words.txt");
    let spec = "[('rank','i8'),('lemma','S8'),('frequency','i8'),('dispersion','f8')]";
    let o = dtconvert(&[
        words.to_str().unwrap(),
        out.to_str().unwrap(),
        "--comments",
        "%",
        "--dtype",
        spec,
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&out).unwrap();
    let (h, v) = dtkit::npy::view(&bytes, &dtkit::npy::ReadOptions::default()).unwrap();
    assert_eq!(h.shape, vec![20]);
    assert_eq!(
        v.value(&[10]).unwrap().to_string(),
        "(11, b'I', 3978265, 0.98)"
    );
    // A bad value: exit 2, the physical line and column in the message.
    let csv = dir.path().join("bad.csv");
    std::fs::write(&csv, "# header\n1,2\n3,x\n").unwrap();
    let o = dtconvert(&[
        csv.to_str().unwrap(),
        dir.path().join("bad.npy").to_str().unwrap(),
        "--delimiter",
        ",",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("could not convert \"x\" to float64"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("line 3, column 3"), "{}", stderr(&o));
    assert!(!dir.path().join("bad.npy").exists());
}

#[test]
fn dtconvert_text_with_names_missing_values_and_regex() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("log.csv");
    std::fs::write(&csv, "# time, temp\n1,20.5\n2,N/A\n3,\n").unwrap();
    let out = dir.path().join("log.npy");
    let o = dtconvert(&[
        csv.to_str().unwrap(),
        out.to_str().unwrap(),
        "--names",
        "--missing",
        "N/A",
        "--filling",
        "-1",
        "--delimiter",
        ",",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&out).unwrap();
    let (h, v) = dtkit::npy::view(&bytes, &dtkit::npy::ReadOptions::default()).unwrap();
    assert_eq!(h.dtype.to_string(), "[('time', '<f8'), ('temp', '<f8')]");
    let shown: Vec<String> = (0..3).map(|i| v.value(&[i]).unwrap().to_string()).collect();
    assert_eq!(shown, ["(1.0, 20.5)", "(2.0, -1.0)", "(3.0, -1.0)"]);

    // A filling value that is not a value of the dtype: exit 2, no output.
    let bad = dir.path().join("bad.npy");
    let o = dtconvert(&[
        csv.to_str().unwrap(),
        bad.to_str().unwrap(),
        "--names",
        "--delimiter",
        ",",
        "--dtype",
        "i4",
        "--filling",
        "x",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a value of int32"),
        "{}",
        stderr(&o)
    );
    assert!(!bad.exists());

    // fromregex: capture groups fill the fields.
    let txt = dir.path().join("kv.txt");
    std::fs::write(&txt, "a=1 b=2.5\nnoise\na=3 b=4\n").unwrap();
    let out = dir.path().join("kv.npy");
    let o = dtconvert(&[
        txt.to_str().unwrap(),
        out.to_str().unwrap(),
        "--regex",
        r"a=(\d+) b=(\S+)",
        "--dtype",
        "[('a','<i4'),('b','<f8')]",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&out).unwrap();
    let (h, v) = dtkit::npy::view(&bytes, &dtkit::npy::ReadOptions::default()).unwrap();
    assert_eq!(h.shape, vec![2]);
    assert_eq!(v.value(&[1]).unwrap().to_string(), "(3, 4.0)");

    // The same text gzipped: decompressed on the fly, the same records.
    let gz = dir.path().join("kv.txt.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut enc, b"a=1 b=2.5\nnoise\na=3 b=4\n").unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let out_gz = dir.path().join("kv_gz.npy");
    let o = dtconvert(&[
        gz.to_str().unwrap(),
        out_gz.to_str().unwrap(),
        "--regex",
        r"a=(\d+) b=(\S+)",
        "--dtype",
        "[('a','<i4'),('b','<f8')]",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(&out_gz).unwrap(), bytes);

    // A file with Windows and old-Mac line ends is read as NumPy reads a
    // path, in text mode: every line end is "\n", so a pattern ending in
    // "\n" finds all three records.
    let crlf = dir.path().join("crlf.txt");
    std::fs::write(&crlf, "1 a\r\n2 b\r3 c\n").unwrap();
    let out_crlf = dir.path().join("crlf.npy");
    let o = dtconvert(&[
        crlf.to_str().unwrap(),
        out_crlf.to_str().unwrap(),
        "--regex",
        r"(\d+) (\w)\n",
        "--dtype",
        "[('n','<i4'),('c','S1')]",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&out_crlf).unwrap();
    let (h, v) = dtkit::npy::view(&bytes, &dtkit::npy::ReadOptions::default()).unwrap();
    assert_eq!(h.shape, vec![3]);
    assert_eq!(v.value(&[2]).unwrap().to_string(), "(3, b'c')");

    // A missing input: exit 2, named.
    let o = dtconvert(&[
        dir.path().join("missing.txt").to_str().unwrap(),
        out.to_str().unwrap(),
        "--regex",
        r"(\d+)",
        "--dtype",
        "[('a','<i4')]",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("missing.txt"), "{}", stderr(&o));
}

#[test]
fn dtconvert_npy_to_text_as_savetxt() {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture("npy/i2_be_2d.npy");
    let csv = dir.path().join("m.csv");
    let o = dtconvert(&[
        src.to_str().unwrap(),
        csv.to_str().unwrap(),
        "--fmt",
        "%d",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap(),
        "0,1,2,3\n4,5,6,7\n8,9,10,11\n"
    );
    // Structured records with one format per row, and back through loadtxt.
    let words = fixture("npy/radar.npy");
    let txt = dir.path().join("radar.txt");
    let o = dtconvert(&[words.to_str().unwrap(), txt.to_str().unwrap(), "--quiet"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "nested records cannot be printed: {}",
        stderr(&o)
    );
    assert!(!txt.exists());
}

/// `--bytes INDEX`: the record's bytes are the file's bytes at the reported offset, and an
/// index past the end is a bad argument (exit 2) that says how many records there are.
#[test]
fn bytes_view_of_one_record() {
    let path = fixture("raw/medkit_radar.bin");
    let file = std::fs::read(&path).unwrap();
    let spec = format!(
        "@{}",
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("formats/medkit_radar.dtype")
            .display()
    );
    let o = dtinspect(&[
        path.to_str().unwrap(),
        "--dtype",
        &spec,
        "--bytes",
        "3",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let at = v["file_offset"].as_u64().unwrap() as usize;
    assert_eq!(at, 3 * 4120);
    let mut hex = String::new();
    for span in v["spans"].as_array().unwrap() {
        assert_eq!(span["offset"].as_u64().unwrap() as usize * 2, hex.len());
        hex.push_str(span["hex"].as_str().unwrap());
    }
    let want: String = file[at..at + 4120]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(hex, want);
    assert_eq!(
        v["spans"][0]["value"],
        serde_json::json!(1_700_000_000_750u64)
    );
    let o = dtinspect(&[path.to_str().unwrap(), "--dtype", &spec, "--bytes", "4"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("the array has 4 records (indices 0 to 3)"),
        "{}",
        stderr(&o)
    );
}

/// In a real pseudo-terminal (util-linux `script`), dtinspect colours its tables; piped,
/// or with `NO_COLOR` set, it writes no escape codes at all.
#[test]
fn colour_only_on_a_terminal() {
    let npy = fixture("npy/records_aligned.npy");
    let cmd = format!(
        "{} {} --head 2",
        env!("CARGO_BIN_EXE_dtinspect"),
        npy.display()
    );
    let in_pty = |no_color: bool| {
        let mut c = Command::new("script");
        c.args(["-qec", &cmd, "/dev/null"]).env_remove("NO_COLOR");
        if no_color {
            c.env("NO_COLOR", "1");
        }
        c.output()
    };
    let Ok(tty) = in_pty(false) else {
        eprintln!("util-linux `script` is not installed: the terminal check is skipped");
        return;
    };
    assert!(tty.status.success());
    let text = String::from_utf8_lossy(&tty.stdout);
    assert!(text.contains("\x1b[36mshape"), "{text:?}");
    assert!(text.contains("\x1b[1m"), "bold table headers: {text:?}");
    assert!(text.contains("0.2987455375084699"), "{text:?}");
    let plain = in_pty(true).unwrap();
    assert!(!String::from_utf8_lossy(&plain.stdout).contains('\x1b'));
    let piped = Command::new(env!("CARGO_BIN_EXE_dtinspect"))
        .args([npy.to_str().unwrap(), "--head", "2"])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(piped.status.success());
    assert!(!String::from_utf8_lossy(&piped.stdout).contains('\x1b'));
}

/// `.jsonl` output: one record a line, fields in declaration order, encoded as the JSON
/// `values` of dtinspect; a 2-D array gives a row a line; `--field` picks fields.
#[test]
fn dtconvert_writes_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let bin = fixture("raw/medkit_radar.bin");
    let spec = format!(
        "@{}",
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("formats/medkit_radar.dtype")
            .display()
    );
    let out = dir.path().join("radar.jsonl");
    let o = dtconvert(&[
        bin.to_str().unwrap(),
        out.to_str().unwrap(),
        "--dtype",
        &spec,
        "--field",
        "time",
        "--field",
        "position.region_ID",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[1], r#"{"time":1700000000250,"region_ID":1001}"#);
    let out = dir.path().join("f.jsonl");
    let o = dtconvert(&[
        fixture("npy/f4_fortran.npy").to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "[0.0,1.0,2.0]\n[3.0,4.0,5.0]\n"
    );
    // And back: the records of the first file, to .npy, equal the same fields of the dump.
    let back = dir.path().join("back.npy");
    let o = dtconvert(&[
        dir.path().join("radar.jsonl").to_str().unwrap(),
        back.to_str().unwrap(),
        "--dtype",
        "[('time','<u8'),('region_ID','<u2')]",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let direct = dir.path().join("direct.npy");
    let o = dtconvert(&[
        bin.to_str().unwrap(),
        direct.to_str().unwrap(),
        "--dtype",
        &spec,
        "--field",
        "time",
        "--field",
        "position.region_ID",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(&back).unwrap(),
        std::fs::read(&direct).unwrap()
    );
    let out = dir.path().join("d.jsonl");
    let o = dtconvert(&[
        fixture("npy/datetimes.npy").to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "\"2023-11-14T22:13:20.000\"\n\"NaT\"\n"
    );
}

/// Shell completions and man pages come from the clap definitions; an unknown shell is a
/// bad argument.
#[test]
fn completions_and_man_pages() {
    for (tool, run) in [
        ("dtinspect", dtinspect as fn(&[&str]) -> Output),
        ("dtconvert", dtconvert),
    ] {
        for shell in ["bash", "zsh", "fish"] {
            let o = run(&["--completions", shell]);
            assert!(o.status.success(), "{tool} {shell}: {}", stderr(&o));
            assert!(stdout(&o).contains(tool));
        }
        let o = run(&["--man"]);
        assert!(o.status.success());
        assert!(
            stdout(&o).contains(&format!(".TH {tool} 1")),
            "{}",
            stdout(&o)
        );
        let o = run(&["--completions", "cmd.exe"]);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains("unknown shell"));
    }
}

/// `--progress` draws on stderr even off a terminal; `--quiet` draws nothing; the output
/// is the same either way.
#[test]
fn progress_on_request_only() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture("npy/radar.npy");
    let a = dir.path().join("a.bin");
    let o = dtconvert(&[input.to_str().unwrap(), a.to_str().unwrap(), "--progress"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("writing"), "{}", stderr(&o));
    let b = dir.path().join("b.bin");
    let o = dtconvert(&[input.to_str().unwrap(), b.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success());
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

/// `--plot`: a line chart or a heatmap in the terminal, a PNG image for a `.png` path;
/// records, text and other extensions are bad arguments.
#[test]
fn plots_in_the_terminal_and_as_png() {
    let bin = fixture("raw/medkit_radar.bin");
    let spec = format!(
        "@{}",
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("formats/medkit_radar.dtype")
            .display()
    );
    let base = [bin.to_str().unwrap(), "--dtype", spec.as_str()];
    let with = |extra: &[&str]| dtinspect(&[&base[..], extra].concat());
    let o = with(&["--field", "position.az", "--plot"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("0.5 ┤") && stdout(&o).contains("4 values"),
        "{}",
        stdout(&o)
    );
    let o = with(&["--field", "samples", "--plot"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("4 x 2048 values shown as"),
        "{}",
        stdout(&o)
    );
    assert!(!stdout(&o).contains('\x1b'), "no colour when piped");
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("s.png");
    let o = with(&["--field", "samples", "--plot", png.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read(&png)
        .unwrap()
        .starts_with(b"\x89PNG\r\n\x1a\n"));
    let o = dtinspect(&[
        fixture("npy/empty.npy").to_str().unwrap(),
        "--plot",
        png.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing to draw"), "{}", stderr(&o));
    for (extra, want) in [
        (
            &["--plot"][..],
            "is not one: pick a numeric field with --field",
        ),
        (
            &["--field", "samples", "--plot", "s.jpg"][..],
            "give a path ending in .png",
        ),
    ] {
        let o = with(extra);
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        assert!(stderr(&o).contains(want), "{}", stderr(&o));
    }
}

/// Text to `.npy` is streamed (the header rewritten at the end, the data moved when the
/// final shape's header has another length): the file is the one `np.save` writes of the
/// in-memory result, for squeezed shapes too; and a bad value still leaves no output.
#[test]
fn text_to_npy_streamed_matches_the_in_memory_result() {
    let dir = tempfile::tempdir().unwrap();
    let mut big = String::new();
    for i in 0..200_000 {
        big.push_str(&format!("{i} {} -{}\n", i % 7, i % 11));
    }
    let long_header_dtype = format!(
        "[{}]",
        (0..12)
            .map(|k| format!("('a_rather_long_field_name_{k}','<f8')"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let wide_row: String = (0..12).map(|k| k.to_string()).collect::<Vec<_>>().join(" ") + "\n";
    for (name, text, dtype) in [
        ("column", "1\n2\n3\n".to_owned(), "f8".to_owned()),
        ("row", "1 2 3\n".to_owned(), "f8".to_owned()),
        ("one", "5\n".to_owned(), "f8".to_owned()),
        ("empty", String::new(), "f8".to_owned()),
        ("big", big.clone(), "<i4".to_owned()),
        ("record", wide_row, long_header_dtype),
        // One record of this dtype is a 0-d array whose header is 64 bytes shorter than
        // the placeholder's: the data moves.
        (
            "shrinking_header",
            "1.5\n".to_owned(),
            format!("[('{}','<f8')]", "x".repeat(32)),
        ),
    ] {
        let input = dir.path().join(format!("{name}.txt"));
        std::fs::write(&input, &text).unwrap();
        let out = dir.path().join(format!("{name}.npy"));
        let o = dtconvert(&[
            input.to_str().unwrap(),
            out.to_str().unwrap(),
            "--dtype",
            &dtype,
        ]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let opts = dtkit::text::LoadTxtOptions {
            dtype: dtkit::DType::parse(&dtype).unwrap(),
            ..Default::default()
        };
        let a = dtkit::text::loadtxt_str(&text, &opts).unwrap();
        let mut want = Vec::new();
        dtkit::npy::write(&a.view(), &mut want).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), want, "{name}");
    }
    let input = dir.path().join("bad.txt");
    std::fs::write(&input, format!("{big}1 x 2\n")).unwrap();
    let out = dir.path().join("bad.npy");
    let o = dtconvert(&[
        input.to_str().unwrap(),
        out.to_str().unwrap(),
        "--dtype",
        "<i4",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("line 200001"), "{}", stderr(&o));
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".dtkit-"))
            .count(),
        0
    );
}

/// Both tools on bad invocations: unknown flags, unknown fields, wrong dtypes and truncated
/// files are bad input (exit 2) with a message that says where; nothing is written.
#[test]
fn bad_invocations_exit_2_with_a_located_message() {
    let dir = tempfile::tempdir().unwrap();
    let npy = fixture("npy/radar.npy");
    let truncated = dir.path().join("trunc.npy");
    std::fs::write(&truncated, &std::fs::read(&npy).unwrap()[..200]).unwrap();
    let short_data = dir.path().join("short.npy");
    let full = std::fs::read(&npy).unwrap();
    std::fs::write(&short_data, &full[..full.len() - 3]).unwrap();
    let out = dir.path().join("out.npy");
    let (o_s, t_s, s_s, n_s) = (
        out.to_str().unwrap(),
        truncated.to_str().unwrap(),
        short_data.to_str().unwrap(),
        npy.to_str().unwrap(),
    );
    let raw = fixture("raw/medkit_radar.bin");
    let cases: Vec<(&str, Vec<&str>, &str)> = vec![
        (
            "dtinspect",
            vec!["--bogus", n_s],
            "unexpected argument '--bogus'",
        ),
        (
            "dtconvert",
            vec![n_s, o_s, "--bogus"],
            "unexpected argument '--bogus'",
        ),
        (
            "dtinspect",
            vec![n_s, "--field", "nope"],
            "no field \"nope\": expected one of \"time\"",
        ),
        (
            "dtconvert",
            vec![n_s, o_s, "--field", "position.nope"],
            "no field",
        ),
        ("dtinspect", vec![t_s], "the file ends inside the header"),
        ("dtconvert", vec![t_s, o_s], "(at byte offset 200)"),
        ("dtinspect", vec![s_s], "bytes"),
        (
            "dtconvert",
            vec![raw.to_str().unwrap(), o_s, "--dtype", "<f8,<i4,(3,)u1"],
            "not a whole number of 15-byte records",
        ),
        (
            "dtinspect",
            vec![raw.to_str().unwrap(), "--dtype", "<f8,<i4,(3,u1"],
            "at offset",
        ),
        (
            "dtinspect",
            vec![raw.to_str().unwrap()],
            "give its record dtype with --dtype SPEC",
        ),
        (
            "dtconvert",
            vec![n_s, o_s, "--byteorder", "sideways"],
            "invalid value 'sideways'",
        ),
    ];
    for (tool, args, want) in cases {
        let o = if tool == "dtinspect" {
            dtinspect(&args)
        } else {
            dtconvert(&args)
        };
        assert_eq!(o.status.code(), Some(2), "{tool} {args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{tool} {args:?}: {}", stderr(&o));
        assert!(!out.exists(), "{tool} {args:?} left an output");
    }
}

/// `.npy` to `.npz` is streamed from the file (never mapped): the member is the canonical
/// `.npy` of the array, as np.savez writes it, for every NumPy-written fixture; a file
/// whose data is cut short is bad input and leaves nothing.
#[test]
fn npy_to_npz_streams_each_fixture() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture("npy")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "npy") {
            continue;
        }
        let out = dir.path().join("out.npz");
        let o = dtconvert(&[path.to_str().unwrap(), out.to_str().unwrap(), "--name", "x"]);
        assert!(o.status.success(), "{}: {}", path.display(), stderr(&o));
        let (_, a) = dtkit::npy::load(&path, &dtkit::npy::ReadOptions::default()).unwrap();
        let mut want = Vec::new();
        dtkit::npy::write(&a.view(), &mut want).unwrap();
        let mut z = dtkit::npz::Npz::open(&out, &dtkit::npz::NpzOptions::default()).unwrap();
        let got = match z.load("x").unwrap() {
            dtkit::npz::Member::Array(_, arr) => {
                let mut v = Vec::new();
                dtkit::npy::write(&arr.view(), &mut v).unwrap();
                v
            }
            dtkit::npz::Member::Bytes(b) => b,
        };
        assert_eq!(got, want, "{}", path.display());
    }
    let full = std::fs::read(fixture("npy/radar.npy")).unwrap();
    let cut = dir.path().join("cut.npy");
    std::fs::write(&cut, &full[..full.len() - 10]).unwrap();
    let out = dir.path().join("cut.npz");
    let o = dtconvert(&[cut.to_str().unwrap(), out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("the data ends after"), "{}", stderr(&o));
    assert!(!out.exists());
}

#[test]
fn format_layout_files_place_header_and_records() {
    // dtinspect: the header decoded, the records where the header says.
    let stl = fixture("formats/tetrahedron.stl");
    let o = dtinspect(&[
        stl.to_str().unwrap(),
        "--format",
        "stl",
        "--json",
        "--head",
        "1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["kind"], "raw");
    assert_eq!(v["format"]["name"], "stl");
    assert_eq!(v["format"]["header"]["count"], 4);
    assert_eq!(
        (
            v["format"]["offset"].as_u64(),
            v["format"]["count"].as_u64()
        ),
        (Some(84), Some(4))
    );
    assert_eq!(v["data_offset"], 84);
    assert_eq!(v["shape"], serde_json::json!([4]));
    assert_eq!(
        v["values"][0]["vectors"][1],
        serde_json::json!([0.0, 1.0, 0.0])
    );
    // The same through a path to the layout file, in human form.
    let layout = Path::new(env!("CARGO_MANIFEST_DIR")).join("formats/wav_pcm16.dtype");
    let wav = fixture("formats/tone.wav");
    let o = dtinspect(&[wav.to_str().unwrap(), "--format", layout.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("format     wav_pcm16"), "{text}");
    assert!(text.contains("           rate = 8000"), "{text}");
    assert!(
        text.contains("nbytes     1600 bytes from offset 44"),
        "{text}"
    );

    // dtconvert: records only, into .npy.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tet.npy");
    let o = dtconvert(&[
        stl.to_str().unwrap(),
        out.to_str().unwrap(),
        "--format",
        "stl",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&out).unwrap();
    let (h, view) = dtkit::npy::view(&bytes, &Default::default()).unwrap();
    assert_eq!(h.shape, [4]);
    assert_eq!(
        view.field("attr").unwrap().to_vec::<u16>().unwrap(),
        [0, 0, 0, 0]
    );

    // The wrong format: exit 2, the failed check named, nothing written.
    let bad = dir.path().join("bad.npy");
    let o = dtconvert(&[
        wav.to_str().unwrap(),
        bad.to_str().unwrap(),
        "--format",
        "elf64",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o)
            .contains("not a file of format elf64: `expect: header.e_ident.magic == b'\\x7fELF'`"),
        "{}",
        stderr(&o)
    );
    assert!(!bad.exists());
    // An unknown name lists the built-in formats; --format excludes --dtype.
    let o = dtinspect(&[wav.to_str().unwrap(), "--format", "nosuch"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("built in: elf64, input_event"),
        "{}",
        stderr(&o)
    );
    let o = dtinspect(&[wav.to_str().unwrap(), "--format", "stl", "--dtype", "u1"]);
    assert_eq!(o.status.code(), Some(2));
    // A layout file given as --dtype @FILE says to use --format.
    let spec = format!("@{}", layout.display());
    let o = dtinspect(&[wav.to_str().unwrap(), "--dtype", &spec]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is a layout file"), "{}", stderr(&o));
}
