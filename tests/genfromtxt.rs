//! Every case of `fixtures/genfromtxt.json` (NumPy's `genfromtxt` with `usemask=True` on
//! the same text and options; data and mask saved with `np.save`) must give the same `.npy`
//! bytes for both through dtkit, or fail where NumPy fails, at the line the fixture names.
#![cfg(target_endian = "little")]

use dtkit::text::{genfromtxt_str, ColumnKey, GenFromTxtOptions, Names};
use dtkit::{DType, Location};

mod common;
use common::{hex, npy_bytes, same_npy, text_cases, wrong_error_line};

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
    o.ndmin = n("ndmin").unwrap_or(0) as u8;
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
    let key = |k: &serde_json::Value| match k.as_i64() {
        Some(i) => ColumnKey::Index(i as isize),
        None => ColumnKey::Name(k.as_str().unwrap().to_owned()),
    };
    if let Some(m) = v.get("missing_by_column").and_then(|d| d.as_array()) {
        o.missing_by_column = m.iter().map(|e| (key(&e[0]), strings(&e[1]))).collect();
    }
    if let Some(m) = v.get("filling_by_column").and_then(|d| d.as_array()) {
        o.filling_by_column = m
            .iter()
            .map(|e| (key(&e[0]), e[1].as_str().unwrap().to_owned()))
            .collect();
    }
    if let Some(cols) = v.get("usecols").and_then(|d| d.as_array()) {
        o.usecols = Some(cols.iter().map(|c| c.as_i64().unwrap() as isize).collect());
    }
    o
}

#[test]
fn genfromtxt_agrees_with_numpy() {
    let cases = text_cases("genfromtxt.json");
    assert!(cases.len() >= 60);
    let mut bad = Vec::new();
    // Each case in memory, and streamed in blocks of 1, 5 and 64 bytes (every cut of a
    // line between blocks; a head line past the first block takes the whole-text path).
    for (case, path) in cases.iter().flat_map(|c| (0..4).map(move |p| (c, p))) {
        let o = options(&case.options);
        let result = match path {
            0 => genfromtxt_str(&case.text, &o),
            p => dtkit::text::genfromtxt_reader_blocks(case.text.as_bytes(), &o, [1, 5, 64][p - 1]),
        };
        let name = format!("{} (path {path}: in memory, blocks of 1, 5, 64)", case.name);
        match (&case.npy, &case.error, result) {
            (Some(want), _, Ok(r)) => {
                let (data, mask) = (npy_bytes(&r.data), npy_bytes(&r.mask));
                if !same_npy(&data, &hex(want)) {
                    let shown =
                        String::from_utf8_lossy(&data[10..data.len().min(140)]).into_owned();
                    bad.push(format!("{}: data {shown:?}", name));
                } else if !same_npy(&mask, &hex(case.mask.as_ref().unwrap())) {
                    let shown = String::from_utf8_lossy(&mask[10..]).into_owned();
                    bad.push(format!("{}: mask {shown:?}", name));
                }
            }
            (Some(_), _, Err(e)) => bad.push(format!("{}: dtkit fails ({e})", name)),
            (None, Some(np), Ok(r)) => bad.push(format!(
                "{}: dtkit gives shape {:?}, NumPy: {np}",
                name,
                r.data.shape()
            )),
            (None, Some(_), Err(e)) => {
                bad.extend(wrong_error_line(&name, case.error_line, &e));
            }
            (None, None, _) => bad.push(format!("{}: fixture has no outcome", name)),
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} cases disagree:\n{}",
        bad.len(),
        cases.len(),
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

/// The fused row parser and the general path agree on random text of numbers, words,
/// dates and separators: the same data, mask, skipped rows, or the same error.
#[test]
fn fast_and_general_paths_agree() {
    let pieces: [&str; 16] = [
        "\r",
        "\r\n",
        "12",
        "-3.5",
        "1e5",
        "abc",
        " ",
        "  ",
        "\t",
        ",",
        "#c",
        "\n",
        "2024-01-02",
        "4.5",
        "",
        "300",
    ];
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let dtypes = [
        "f8",
        "<i2",
        "[('a','<i8'),('b','S3'),('c','<f4')]",
        "[('a','<f8'),('t','<M8[D]')]",
        "<U4",
    ];
    let mut compared = 0;
    for round in 0..6000 {
        let mut text = String::new();
        for _ in 0..next() % 40 {
            text.push_str(pieces[(next() % pieces.len() as u64) as usize]);
            if next() % 3 == 0 {
                text.push(if round % 2 == 0 { ' ' } else { ',' });
            }
        }
        let o = GenFromTxtOptions {
            dtype: Some(DType::parse(dtypes[round % dtypes.len()]).unwrap()),
            delimiter: (round % 2 == 1).then(|| ",".to_owned()),
            invalid_raise: round % 3 != 0,
            loose: round % 5 != 0,
            autostrip: round % 7 == 0,
            filling_values: (round % 4 == 0).then(|| "7".to_owned()),
            ..GenFromTxtOptions::default()
        };
        let fast = genfromtxt_str(&text, &o);
        let general = if round % 2 == 0 {
            dtkit::text::genfromtxt_str_general(&text, &o)
        } else {
            // The streamed reader, in blocks of 1 to 16 bytes, against the text in memory.
            let block = (next() % 16 + 1) as usize;
            dtkit::text::genfromtxt_reader_blocks(text.as_bytes(), &o, block)
        };
        match (fast, general) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a.data.shape(), b.data.shape(), "{text:?} {o:?}");
                assert_eq!(
                    a.data.buffer().as_bytes(),
                    b.data.buffer().as_bytes(),
                    "{text:?}"
                );
                assert_eq!(
                    a.mask.buffer().as_bytes(),
                    b.mask.buffer().as_bytes(),
                    "{text:?}"
                );
                assert_eq!(a.skipped, b.skipped, "{text:?}");
                compared += 1;
            }
            (Err(a), Err(b)) => {
                assert_eq!(a.message(), b.message(), "{text:?}");
                assert_eq!(a.location(), b.location(), "{text:?}");
            }
            (a, b) => panic!(
                "{text:?} {o:?}: fast {:?}, general {:?}",
                a.map(|r| r.data.shape().to_vec()),
                b.map(|r| r.data.shape().to_vec())
            ),
        }
    }
    assert!(compared > 1000, "only {compared} compared");
}

/// `invalid_raise = false` drops rows of the wrong width and reports each one.
#[test]
fn genfromtxt_reports_the_rows_it_skips() {
    let o = GenFromTxtOptions {
        invalid_raise: false,
        ..GenFromTxtOptions::default()
    };
    let r = genfromtxt_str("# log\n1 2\n3 4 5\n\n6 7\n8\n", &o).unwrap();
    assert_eq!(r.data.shape(), &[2, 2]);
    assert_eq!(r.skipped, vec![(3, 3), (6, 1)]);
    let e = genfromtxt_str("1 2\n3 4 5\n6\n", &GenFromTxtOptions::default()).unwrap_err();
    assert_eq!(
        e.to_string().lines().next().unwrap(),
        "rows with the wrong number of columns: line 2 (got 3 columns instead of 2), \
         line 3 (got 1 columns instead of 2) (at line 2, column 1)"
    );
}

/// Inputs big enough to be split across threads give what the line-by-line rules give:
/// every row in order, the skipped rows in order, the first error in input order.
#[test]
fn genfromtxt_in_parallel_chunks_keeps_input_order() {
    let mut text = String::from("# big\n");
    let mut expected = Vec::new();
    let mut skipped = Vec::new();
    for i in 1..=120_000u64 {
        let line = i + 1;
        if i % 997 == 0 {
            text.push_str(&format!("{i},{i},{i}\n"));
            skipped.push((line, 3));
        } else if i % 10 == 0 {
            text.push_str(&format!("{i},\n"));
            expected.push((i as f64, f64::NAN));
        } else {
            text.push_str(&format!("{i},{}\n", i as f64 * 0.5));
            expected.push((i as f64, i as f64 * 0.5));
        }
    }
    let o = GenFromTxtOptions {
        delimiter: Some(",".into()),
        invalid_raise: false,
        ..GenFromTxtOptions::default()
    };
    let r = genfromtxt_str(&text, &o).unwrap();
    assert_eq!(r.data.shape(), &[expected.len(), 2]);
    assert_eq!(r.skipped, skipped);
    let values = r.data.view().to_vec::<f64>().unwrap();
    let mask = r.mask.buffer().as_bytes().to_vec();
    for (k, (a, b)) in expected.iter().enumerate() {
        assert_eq!(values[2 * k], *a);
        assert!(values[2 * k + 1] == *b || (b.is_nan() && values[2 * k + 1].is_nan()));
        assert_eq!(mask[2 * k + 1], u8::from(b.is_nan()), "row {k}");
    }

    // max_rows: rows and skipped lines after the last kept row do not count.
    let o = GenFromTxtOptions {
        max_rows: Some(90_000),
        ..o
    };
    let r = genfromtxt_str(&text, &o).unwrap();
    assert_eq!(r.data.shape(), &[90_000, 2]);
    let last_kept = {
        let values = r.data.view().to_vec::<f64>().unwrap();
        values[2 * 89_999]
    };
    assert_eq!(last_kept, expected[89_999].0);
    let last_line = 2 + last_kept as u64;
    assert!(r.skipped.iter().all(|(l, _)| *l < last_line));
    assert_eq!(
        r.skipped.len(),
        skipped.iter().filter(|(l, _)| *l < last_line).count()
    );

    // The first bad value in input order is the one reported, from any chunk.
    let mut bad = text.replace("100001,50000.5\n", "100001,zz\n");
    bad = bad.replace("110001,55000.5\n", "110001,yy\n");
    let o = GenFromTxtOptions {
        delimiter: Some(",".into()),
        invalid_raise: false,
        loose: false,
        ..GenFromTxtOptions::default()
    };
    let e = genfromtxt_str(&bad, &o).unwrap_err();
    assert_eq!(
        e.location(),
        Some(Location::Line {
            line: 100_002,
            column: 8
        }),
        "{e}"
    );
}

/// Nested records are refused (the columns fill flat records only), and rows too short
/// for `usecols` say which column was wanted.
#[test]
fn genfromtxt_refuses_nested_records_and_explains_short_rows() {
    let o = GenFromTxtOptions {
        dtype: Some(DType::parse("[('a',[('b','<i4')]),('c','<i4')]").unwrap()),
        ..GenFromTxtOptions::default()
    };
    let e = genfromtxt_str("1 2\n", &o).unwrap_err();
    assert_eq!(e.kind(), dtkit::ErrorKind::Unsupported, "{e}");
    let o = GenFromTxtOptions {
        usecols: Some(vec![0, 3]),
        ..GenFromTxtOptions::default()
    };
    let e = genfromtxt_str("1 2 3 4\n5 6\n", &o).unwrap_err();
    assert!(
        e.to_string()
            .contains("line 2 (got 2 columns, usecols needs 4)"),
        "{e}"
    );
    assert_eq!(e.location(), Some(Location::Line { line: 2, column: 1 }));
}

/// Files, gzip-compressed or not, read as their text; a missing file names its path.
#[test]
fn genfromtxt_reads_files_and_gzip() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let text = "a,b\n1,\n3,4\n";
    let plain = dir.path().join("log.csv");
    std::fs::write(&plain, text).unwrap();
    let gz = dir.path().join("log.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap();
    let o = GenFromTxtOptions {
        delimiter: Some(",".into()),
        names: Names::Header,
        ..GenFromTxtOptions::default()
    };
    let want = genfromtxt_str(text, &o).unwrap();
    for path in [&plain, &gz] {
        let got = dtkit::text::genfromtxt_path(path, &o).unwrap();
        assert_eq!(got.data.buffer().as_bytes(), want.data.buffer().as_bytes());
        assert_eq!(got.mask.buffer().as_bytes(), [0, 1, 0, 0]);
    }
    let e = dtkit::text::genfromtxt_path(&dir.path().join("none.csv"), &o).unwrap_err();
    assert!(e.to_string().contains("none.csv"), "{e}");
}

/// Old Mac line ends: a lone carriage return ends a line, as in a file NumPy opens with
/// universal newlines (`np.genfromtxt` of this very text in a file gives `[[1, 2], [3, 4], [5, 6]]`).
#[test]
fn genfromtxt_takes_lone_carriage_returns_as_line_ends() {
    let r = genfromtxt_str("1 2\r3 4\r\n5 6\r", &GenFromTxtOptions::default()).unwrap();
    assert_eq!(r.data.shape(), &[3, 2]);
    assert_eq!(
        r.data.view().to_vec::<f64>().unwrap(),
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    );
}

/// Per-column options may name a column of the dtype (NumPy 2.4 raises `AttributeError:
/// 'NoneType' object has no attribute 'index'` there), and keys that name no column are
/// errors, not ignored.
#[test]
fn per_column_options_by_dtype_name_and_bad_keys() {
    let dtype = DType::parse("[('x','<i4'),('y','<f8'),('z','<i8')]").unwrap();
    let opts = GenFromTxtOptions {
        dtype: Some(dtype),
        delimiter: Some(",".into()),
        missing_by_column: vec![(ColumnKey::Name("y".into()), vec!["N/A".into()])],
        filling_by_column: vec![(ColumnKey::Name("y".into()), "0.5".into())],
        ..GenFromTxtOptions::default()
    };
    let r = genfromtxt_str("1,N/A,3\n4,2.5,6\n", &opts).unwrap();
    let y: Vec<f64> = r.data.view().field("y").unwrap().to_vec().unwrap();
    assert_eq!(y, [0.5, 2.5]);
    let mask: Vec<u8> = r.mask.view().field("y").unwrap().to_vec().unwrap();
    assert_eq!(mask, [1, 0]);
    for (key, want) in [
        (ColumnKey::Name("w".into()), "no column is named \"w\""),
        (
            ColumnKey::Index(3),
            "column 3 is out of range for 3 columns",
        ),
        (ColumnKey::Index(-4), "column -4 is out of range"),
    ] {
        let opts = GenFromTxtOptions {
            missing_by_column: vec![(key, vec!["N/A".into()])],
            ..opts.clone()
        };
        let e = genfromtxt_str("1,N/A,3\n", &opts).unwrap_err();
        assert!(e.message().contains(want), "{e}");
    }
}

/// Datetime columns follow the same rules as the others: missing values and filling values
/// apply, and with `loose` a bad date becomes the fill (NaT). NumPy 2.4 ignores
/// `missing_values` and `filling_values` for them and raises on a bad date
/// (`ValueError: Day out of range in datetime string "2024-02-30"`).
#[test]
fn datetime_columns_honour_missing_and_filling_values() {
    let opts = GenFromTxtOptions {
        dtype: Some(DType::parse("[('t','<M8[D]'),('v','<i4')]").unwrap()),
        delimiter: Some(",".into()),
        missing_values: vec!["N/A".into()],
        filling_by_column: vec![(ColumnKey::Name("t".into()), "2000-01-01".into())],
        ..GenFromTxtOptions::default()
    };
    let r = genfromtxt_str("2024-01-02,1\nN/A,2\n,3\n2024-02-30,4\n", &opts).unwrap();
    let t: Vec<i64> = r.data.view().field("t").unwrap().to_vec().unwrap();
    assert_eq!(t, [19_724, 10_957, 10_957, 10_957]);
    let mask: Vec<u8> = r.mask.view().field("t").unwrap().to_vec().unwrap();
    assert_eq!(mask, [0, 1, 1, 0]);
    // Strict conversion reports the bad date at its line.
    let strict = GenFromTxtOptions {
        loose: false,
        ..opts
    };
    let e = genfromtxt_str("2024-01-02,1\n2024-02-30,4\n", &strict).unwrap_err();
    assert_eq!(
        e.location(),
        Some(Location::Line { line: 2, column: 1 }),
        "{e}"
    );
}

/// The same rows, mask and skipped rows.
fn assert_same_result(a: &dtkit::text::GenFromTxt, b: &dtkit::text::GenFromTxt) {
    assert_eq!(a.data.shape(), b.data.shape());
    assert_eq!(a.data.buffer().as_bytes(), b.data.buffer().as_bytes());
    assert_eq!(a.mask.buffer().as_bytes(), b.mask.buffer().as_bytes());
    assert_eq!(a.skipped, b.skipped);
}

/// Inputs large enough for several threads: the windows of the output are closed up over
/// blank and comment lines, and the first error (or the list of invalid rows) is the same
/// as the general path's.
#[test]
fn large_inputs_agree_with_the_general_path() {
    let mut text = String::from("# header\n");
    for i in 0..120_000u64 {
        text.push_str(&format!("{i},w{},{}.5\n", i % 13, i % 1000));
        if i % 997 == 0 {
            text.push_str("\n# comment\n");
        }
        if i % 5003 == 0 {
            text.push_str(&format!("{i},,\n")); // missing values: masked, filled
        }
    }
    let opts = GenFromTxtOptions {
        dtype: Some(DType::parse("[('a','<i8'),('b','S3'),('c','<f8')]").unwrap()),
        delimiter: Some(",".into()),
        ..GenFromTxtOptions::default()
    };
    let fast = genfromtxt_str(&text, &opts).unwrap();
    let general = dtkit::text::genfromtxt_str_general(&text, &opts).unwrap();
    assert!(fast.data.shape()[0] > 120_000);
    assert_same_result(&fast, &general);
    // A bad value late in the input, and rows with the wrong width.
    let strict = GenFromTxtOptions {
        loose: false,
        ..opts.clone()
    };
    let mut bad = text.clone();
    let at = bad.len() * 4 / 5;
    let at = at + bad[at..].find("\n").unwrap() + 1;
    bad.insert_str(at, "1,x,zz\n");
    let (e1, e2) = (
        genfromtxt_str(&bad, &strict).unwrap_err(),
        dtkit::text::genfromtxt_str_general(&bad, &strict).unwrap_err(),
    );
    assert_eq!((e1.message(), e1.location()), (e2.message(), e2.location()));
    bad.insert_str(100, "1,2\n");
    bad.push_str("1,2,3,4\n");
    let (e1, e2) = (
        genfromtxt_str(&bad, &strict).unwrap_err(),
        dtkit::text::genfromtxt_str_general(&bad, &strict).unwrap_err(),
    );
    assert_eq!((e1.message(), e1.location()), (e2.message(), e2.location()));
    assert!(e1.message().contains("wrong number of columns"), "{e1}");
}

/// Files of more than two blocks are read and converted block by block: the same rows,
/// mask, skipped rows and errors (at the same lines) as the whole text in memory.
#[test]
fn large_files_are_streamed_in_blocks() {
    let mut text = String::from("# a header\n");
    for i in 0..520_000u64 {
        text.push_str(&format!("{i},w{},{}.25\n", i % 13, i * 7 % 100_000));
        match i % 7919 {
            0 => text.push_str("\n# comment\n"),
            1 => text.push_str(&format!("{i},,\r\n")), // missing values, CRLF
            2 => text.push_str("1,2\n"),               // the wrong width
            _ => {}
        }
    }
    assert!(text.len() > 9 << 20);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.csv");
    std::fs::write(&path, &text).unwrap();
    let opts = GenFromTxtOptions {
        dtype: Some(DType::parse("[('a','<i8'),('b','S3'),('c','<f8')]").unwrap()),
        delimiter: Some(",".into()),
        invalid_raise: false,
        ..GenFromTxtOptions::default()
    };
    let whole = genfromtxt_str(&text, &opts).unwrap();
    let streamed = dtkit::text::genfromtxt_path(&path, &opts).unwrap();
    assert!(whole.data.shape()[0] > 510_000);
    assert!(whole.skipped.len() > 60);
    assert_same_result(&streamed, &whole);
    // Rows of the wrong width raise, all of them listed at the first one's line.
    let strict = GenFromTxtOptions {
        invalid_raise: true,
        ..opts.clone()
    };
    let (a, b) = (
        genfromtxt_str(&text, &strict).unwrap_err(),
        dtkit::text::genfromtxt_path(&path, &strict).unwrap_err(),
    );
    assert_eq!((a.message(), a.location()), (b.message(), b.location()));
    // A bad value in a late block, at its line; bytes that are not UTF-8 too.
    let clean: String = text
        .lines()
        .filter(|l| l.split(',').count() == 3)
        .map(|l| format!("{l}\n"))
        .collect();
    let loose_off = GenFromTxtOptions {
        loose: false,
        ..strict.clone()
    };
    let at = clean.len() * 4 / 5;
    let at = at + clean[at..].find('\n').unwrap() + 1;
    let mut bad = clean.clone();
    bad.insert_str(at, "1,x,zz\n");
    std::fs::write(&path, &bad).unwrap();
    let (a, b) = (
        genfromtxt_str(&bad, &loose_off).unwrap_err(),
        dtkit::text::genfromtxt_path(&path, &loose_off).unwrap_err(),
    );
    assert_eq!((a.message(), a.location()), (b.message(), b.location()));
    let mut bytes = clean.into_bytes();
    bytes.splice(at..at, *b"7,\xff,1\n");
    std::fs::write(&path, &bytes).unwrap();
    let e = dtkit::text::genfromtxt_path(&path, &loose_off).unwrap_err();
    let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    assert_eq!(
        e.location(),
        Some(dtkit::Location::Line { line, column: 3 }),
        "{e}"
    );
}
