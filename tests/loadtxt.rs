//! Every case of `fixtures/loadtxt.json` (NumPy's `loadtxt` on the same text and options,
//! its result saved with `np.save`) must give the same `.npy` bytes through dtkit, or fail
//! where NumPy fails — at the physical line the fixture names.
#![cfg(target_endian = "little")]

use dtkit::text::{loadtxt_str, LoadTxtOptions};
use dtkit::{npy, DType, Location};

mod common;
use common::{hex, npy_bytes, same_npy, text_cases, wrong_error_line};

fn options(v: &serde_json::Value) -> LoadTxtOptions {
    let mut o = LoadTxtOptions::default();
    if let Some(d) = v.get("dtype").and_then(|d| d.as_str()) {
        o.dtype = DType::parse(d).unwrap();
    }
    if let Some(c) = v.get("comments") {
        o.comments = match c.as_array() {
            Some(list) => list
                .iter()
                .map(|x| x.as_str().unwrap().to_owned())
                .collect(),
            None => Vec::new(),
        };
    }
    if let Some(d) = v.get("delimiter").and_then(|d| d.as_str()) {
        o.delimiter = d.chars().next();
    }
    if let Some(q) = v.get("quotechar").and_then(|d| d.as_str()) {
        o.quotechar = q.chars().next();
    }
    if let Some(n) = v.get("skiprows").and_then(|d| d.as_u64()) {
        o.skiprows = n as usize;
    }
    if let Some(n) = v.get("max_rows").and_then(|d| d.as_u64()) {
        o.max_rows = Some(n as usize);
    }
    if let Some(n) = v.get("ndmin").and_then(|d| d.as_u64()) {
        o.ndmin = n as u8;
    }
    if let Some(cols) = v.get("usecols").and_then(|d| d.as_array()) {
        o.usecols = Some(cols.iter().map(|c| c.as_i64().unwrap() as isize).collect());
    }
    o
}

#[test]
fn loadtxt_agrees_with_numpy() {
    let cases = text_cases("loadtxt.json");
    assert!(cases.len() >= 80);
    let mut bad = Vec::new();
    // Each case through the fast path, the general tokenizer, and the streaming reader
    // with blocks of 1, 5 and 64 bytes (every cut of a line between blocks).
    // Path 5 hands the records to a sink block by block (dtconvert's streaming).
    for (case, path) in cases.iter().flat_map(|c| (0..6).map(move |p| (c, p))) {
        let o = options(&case.options);
        let result = match path {
            0 => loadtxt_str(&case.text, &o),
            1 => dtkit::text::loadtxt_str_general(&case.text, &o),
            5 => {
                let mut bytes = Vec::new();
                dtkit::text::loadtxt_each(case.text.as_bytes(), &o, None, &mut |b| {
                    bytes.extend_from_slice(b);
                    Ok(())
                })
                .and_then(|shape| {
                    let layout =
                        dtkit::array::Layout::contiguous(o.dtype.clone(), &shape, dtkit::Order::C)?;
                    dtkit::Array::from_parts(dtkit::array::AlignedBuf::from_bytes(&bytes), layout)
                })
            }
            p => dtkit::text::loadtxt_reader_blocks(case.text.as_bytes(), &o, [1, 5, 64][p - 2]),
        };
        match (&case.npy, &case.error, result) {
            (Some(want), _, Ok(a)) => {
                let out = npy_bytes(&a);
                if !same_npy(&out, &hex(want)) {
                    let shown = String::from_utf8_lossy(&out[10..out.len().min(140)]).into_owned();
                    bad.push(format!(
                        "{} (path {path}: fast, general, blocks of 1, 5, 64, sink): dtkit wrote {shown:?} ...",
                        case.name
                    ));
                }
            }
            (Some(_), _, Err(e)) => {
                bad.push(format!("{}: dtkit fails ({e}), NumPy succeeds", case.name))
            }
            (None, Some(np), Ok(a)) => bad.push(format!(
                "{}: dtkit gives shape {:?}, NumPy: {np}",
                case.name,
                a.shape()
            )),
            (None, Some(_), Err(e)) => {
                bad.extend(wrong_error_line(&case.name, case.error_line, &e));
            }
            (None, None, _) => bad.push(format!("{}: fixture has no outcome", case.name)),
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

/// The seed exercise: word ranks with `%` comments, sorted by frequency, through `.npz`.
#[test]
fn seed_words_sorted_by_frequency_through_npz() {
    use dtkit::npz::{Member, Npz, NpzOptions, NpzWriter};
    use dtkit::{Array, Order};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let opts = LoadTxtOptions {
        dtype: DType::parse(
            "[('rank','i8'),('lemma','S8'),('frequency','i8'),('dispersion','f8')]",
        )
        .unwrap(),
        comments: vec!["%".to_owned()],
        ..LoadTxtOptions::default()
    };
    let words = dtkit::text::loadtxt_path(&dir.join("words.txt"), &opts).unwrap();
    assert_eq!(words.shape(), &[20]);
    assert_eq!(words.dtype().itemsize(), 32);
    // Sort the records by frequency (ties broken by the other fields, as np.sort does).
    let v = words.view();
    let freq = v
        .clone()
        .field("frequency")
        .unwrap()
        .to_vec::<i64>()
        .unwrap();
    let mut order: Vec<usize> = (0..freq.len()).collect();
    order.sort_by_key(|&i| (freq[i], v.element_bytes(&[i]).unwrap().to_vec()));
    let mut sorted = Vec::new();
    for &i in &order {
        sorted.extend_from_slice(v.element_bytes(&[i]).unwrap());
    }
    let sorted = Array::from_bytes(&sorted, words.dtype().clone(), &[20], Order::C).unwrap();
    // NumPy's np.sort(words, order='frequency'), saved by the fixture generator.
    let mut ours = Vec::new();
    npy::write(&sorted.view(), &mut ours).unwrap();
    assert_eq!(ours, std::fs::read(dir.join("words_sorted.npy")).unwrap());
    // Through an archive and back.
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("words.npz");
    let mut w = NpzWriter::create(&path, true).unwrap();
    w.add("words", &sorted.view()).unwrap();
    w.finish().unwrap();
    let Member::Array(_, back) = Npz::open(&path, &NpzOptions::default())
        .unwrap()
        .load("words")
        .unwrap()
    else {
        panic!("an array")
    };
    assert_eq!(back.buffer().as_bytes(), sorted.buffer().as_bytes());
    assert_eq!(
        back.view().value(&[0]).unwrap().to_string(),
        "(20, b'this', 1885366, 0.99)"
    );
}

/// Inputs large enough to be split over threads give the same array, or the same first
/// error at the same line, as the general tokenizer.
#[test]
fn parallel_parsing_matches_the_general_path() {
    let dtype =
        DType::parse("[('rank','<i8'),('lemma','S8'),('frequency','<i8'),('dispersion','<f8')]")
            .unwrap();
    let mut text = String::from("# rank lemma frequency dispersion\n");
    for i in 0..300_000u64 {
        text.push_str(&format!(
            "{i} w{} {} {}.{}\n",
            i % 97,
            i * 31 % 100_003,
            i % 7,
            i % 1000
        ));
        if i % 5000 == 0 {
            text.push_str("# a comment line\n\n");
        }
    }
    assert!(text.len() > 5 << 20, "{}", text.len());
    let opts = LoadTxtOptions {
        dtype,
        ..LoadTxtOptions::default()
    };
    let fast = loadtxt_str(&text, &opts).unwrap();
    let general = dtkit::text::loadtxt_str_general(&text, &opts).unwrap();
    assert_eq!(fast.shape(), &[300_000]);
    assert_eq!(fast.buffer().as_bytes(), general.buffer().as_bytes());
    // Two bad values far apart: both paths report the first, at the same line and row.
    let mut bad = text.clone();
    let late = bad.rfind("w3 ").unwrap();
    bad.replace_range(late..late + 2, "w3 zz");
    let early = bad.find("\n1000 ").unwrap() + 1;
    bad.replace_range(early..early + 4, "1x00");
    let e1 = loadtxt_str(&bad, &opts).unwrap_err();
    let e2 = dtkit::text::loadtxt_str_general(&bad, &opts).unwrap_err();
    assert_eq!(e1.location(), e2.location(), "{e1} / {e2}");
    assert_eq!(e1.message(), e2.message());
    assert!(e1.message().contains("\"1x00\""), "{e1}");
    // Plain dtypes: a column count that changes in a later chunk is found too.
    let mut grid = String::new();
    for i in 0..400_000 {
        grid.push_str(&format!("{i} {} {}\n", i + 1, i + 2));
    }
    grid.push_str("1 2\n");
    let e = loadtxt_str(&grid, &LoadTxtOptions::default()).unwrap_err();
    assert_eq!(
        e.location(),
        Some(Location::Line {
            line: 400_001,
            column: 1
        }),
        "{e}"
    );
}

/// Records with padding, every fused column kind, comment and blank lines and CRLF line
/// ends, parsed on several threads straight into the output (from text and streamed in
/// blocks): the same bytes as the general tokenizer, padding zero.
#[test]
fn parallel_direct_writes_match_the_general_path() {
    let dtype = DType::parse(
        "{'names':['a','b','c','d','e','f'],'formats':['u1','>i4','<f4','S3','<U2','>f8'],'aligned':True}",
    )
    .unwrap();
    assert!(
        dtype.itemsize() > 1 + 4 + 4 + 3 + 8 + 8,
        "the dtype has padding"
    );
    let mut text = String::new();
    for i in 0..200_000u64 {
        let nl = if i % 3 == 0 { "\r\n" } else { "\n" };
        text.push_str(&format!(
            "{} -{} {}.{}e-3 s{} u{} {}{nl}",
            i % 256,
            i * 7 % 1_000_003,
            i % 1000,
            i % 17,
            i % 1000,
            i % 10,
            (i as f64) * 0.1
        ));
        if i % 7000 == 0 {
            text.push_str("# comment\n\n  \n");
        }
    }
    assert!(text.len() > 4 << 20, "{}", text.len());
    let opts = LoadTxtOptions {
        dtype,
        ..LoadTxtOptions::default()
    };
    let general = dtkit::text::loadtxt_str_general(&text, &opts).unwrap();
    assert_eq!(general.shape(), &[200_000]);
    let fast = loadtxt_str(&text, &opts).unwrap();
    assert_eq!(fast.buffer().as_bytes(), general.buffer().as_bytes());
    for block in [1 << 20, 3 << 20] {
        let streamed = dtkit::text::loadtxt_reader_blocks(text.as_bytes(), &opts, block).unwrap();
        assert_eq!(
            streamed.buffer().as_bytes(),
            general.buffer().as_bytes(),
            "{block}"
        );
    }
    // Invalid UTF-8 deep in the input: found by the thread parsing that piece, at the
    // same line and column as when the whole input is decoded first.
    let mut bad = text.clone().into_bytes();
    let at = bad.len() * 3 / 4;
    let at = at + bad[at..].iter().position(|&b| b == b's').unwrap() + 1;
    bad[at] = 0xff;
    let whole = dtkit::text::loadtxt_bytes(&bad, &opts).unwrap_err();
    let streamed = dtkit::text::loadtxt_reader_blocks(&bad[..], &opts, 1 << 20).unwrap_err();
    assert!(
        matches!(whole.location(), Some(Location::Line { line, .. }) if line > 100_000),
        "{whole}"
    );
    assert_eq!(
        streamed.location(),
        whole.location(),
        "{streamed} / {whole}"
    );
    assert_eq!(streamed.message(), whole.message());
    // A plain float CSV whose column count is known from the second block on.
    let mut csv = String::new();
    for i in 0..150_000u64 {
        csv.push_str(&format!("{},{}.5,-{}e{}\n", i, i % 100, i % 9, i % 30));
    }
    let opts = LoadTxtOptions {
        delimiter: Some(','),
        ..LoadTxtOptions::default()
    };
    let general = dtkit::text::loadtxt_str_general(&csv, &opts).unwrap();
    let streamed = dtkit::text::loadtxt_reader_blocks(csv.as_bytes(), &opts, 1 << 20).unwrap();
    assert_eq!(streamed.shape(), &[150_000, 3]);
    assert_eq!(streamed.buffer().as_bytes(), general.buffer().as_bytes());
}

/// `fromregex` against NumPy (`fixtures/fromregex.json`).
#[test]
fn fromregex_agrees_with_numpy() {
    let path = format!("{}/fixtures/fromregex.json", env!("CARGO_MANIFEST_DIR"));
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut bad = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    for case in file["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let dtype = DType::parse(case["dtype"].as_str().unwrap()).unwrap();
        let (text, pattern) = (
            case["text"].as_str().unwrap(),
            case["pattern"].as_str().unwrap(),
        );
        let result = if case["file"].as_bool() == Some(true) {
            // NumPy read a file in text mode: so does dtkit.
            let path = dir.path().join(format!("{name}.txt"));
            std::fs::write(&path, text).unwrap();
            dtkit::text::fromregex_path(&path, pattern, &dtype)
        } else {
            dtkit::text::fromregex_str(text, pattern, &dtype)
        };
        match (case.get("npy").and_then(|v| v.as_str()), result) {
            (Some(want), Ok(a)) => {
                let out = npy_bytes(&a);
                if !same_npy(&out, &hex(want)) {
                    bad.push(format!(
                        "{name}: {:?}",
                        String::from_utf8_lossy(&out[10..out.len().min(120)])
                    ));
                }
            }
            (Some(_), Err(e)) => bad.push(format!("{name}: dtkit fails: {e}")),
            (None, Ok(a)) => bad.push(format!("{name}: dtkit gives {:?}, NumPy fails", a.shape())),
            (None, Err(_)) => {}
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Converters rewrite a column's text before it is parsed (NumPy's `converters`).
#[test]
fn converters_rewrite_columns() {
    use std::sync::Arc;
    let text = "1,2.5%,x\n2,10%,y\n";
    let opts = LoadTxtOptions {
        dtype: DType::parse("[('n','<i4'),('p','<f8'),('flag','?')]").unwrap(),
        delimiter: Some(','),
        converters: vec![
            (
                Some(1),
                Arc::new(|s: &str| Ok(s.trim_end_matches('%').to_owned()))
                    as dtkit::text::Converter,
            ),
            (
                Some(-1),
                Arc::new(|s: &str| Ok(if s == "x" { "1".into() } else { "0".into() })),
            ),
        ],
        ..LoadTxtOptions::default()
    };
    let a = loadtxt_str(text, &opts).unwrap();
    assert_eq!(a.view().value(&[0]).unwrap().to_string(), "(1, 2.5, True)");
    assert_eq!(
        a.view().value(&[1]).unwrap().to_string(),
        "(2, 10.0, False)"
    );
    // A converter's error names the line and column of the field.
    let pct: dtkit::text::Converter = Arc::new(|s: &str| Ok(s.trim_end_matches('%').to_owned()));
    let others: dtkit::text::Converter = Arc::new(|s: &str| match s {
        "x" => Ok("1".into()),
        "y" => Err("no y".into()),
        other => Ok(other.into()),
    });
    let failing = LoadTxtOptions {
        converters: vec![(Some(1), pct), (None, others)],
        ..opts
    };
    let e = loadtxt_str(text, &failing).unwrap_err();
    assert!(e.message().contains("no y"), "{e}");
    assert_eq!(e.location(), Some(Location::Line { line: 2, column: 7 }));
}

/// A delimiter right before a comment leaves an empty last field, as NumPy's
/// `np.loadtxt(["1,,#x"], delimiter=",", dtype=str)` gives `['1', '', '']` (found by the
/// `text` fuzz target: the general tokenizer dropped that field).
#[test]
fn delimiter_before_comment_makes_an_empty_field() {
    let o = LoadTxtOptions {
        dtype: DType::parse("S1").unwrap(),
        delimiter: Some(','),
        ..LoadTxtOptions::default()
    };
    let text = "1,,#x\n2,3,4\n";
    let fast = loadtxt_str(text, &o).unwrap();
    let general = dtkit::text::loadtxt_str_general(text, &o).unwrap();
    assert_eq!(fast.shape(), &[2, 3]);
    assert_eq!(general.shape(), &[2, 3]);
    assert_eq!(fast.buffer().as_bytes(), b"1\0\x00234");
    assert_eq!(general.buffer().as_bytes(), fast.buffer().as_bytes());
}

/// Quoted input is read block by block too: every cut, inside a quoted field that holds
/// newlines as well, gives the records (or the error, at its line and column, with
/// NumPy's row number) of the whole text.
#[test]
fn quoted_input_streams_in_blocks_cut_anywhere() {
    let base = LoadTxtOptions {
        dtype: DType::parse("[('i','<i8'),('s','S12'),('x','<f8')]").unwrap(),
        delimiter: Some(','),
        quotechar: Some('"'),
        ..LoadTxtOptions::default()
    };
    let good = "# head \"not a quote\n1,\"a,b\",1.5\n2,\"two\nlines\",2.5\n\n3,plain,3.5\r\n\
                4,\"say \"\"hi\"\"\",4.5\n5,\"x\"y,5.5 # note \"\n6,\"three\n\nlines\",6.5\n";
    let bad_value = "1,\"a\nb\",1.5\n2,\"c\",oops\n3,d,3.5\n";
    let bad_count = "1,\"a\nb\",1.5\n2,\"c\"\n";
    let open_at_end = "1,a,1.5\n2,\"never closed\n3,b,3.5\n";
    let skipped_quote = "\"skipped\n1,\"a\",1.5\n";
    let cases: Vec<(&str, LoadTxtOptions)> = vec![
        (good, base.clone()),
        (
            good,
            LoadTxtOptions {
                max_rows: Some(4),
                ..base.clone()
            },
        ),
        (
            good,
            LoadTxtOptions {
                skiprows: 3,
                ..base.clone()
            },
        ),
        (bad_value, base.clone()),
        (bad_count, base.clone()),
        (open_at_end, base.clone()),
        (
            skipped_quote,
            LoadTxtOptions {
                skiprows: 1,
                ..base.clone()
            },
        ),
        (
            "\u{feff}\"1\",2\n\"3\n\",4\n5,6\n",
            LoadTxtOptions {
                dtype: DType::parse("S3").unwrap(),
                ..base.clone()
            },
        ),
    ];
    for (text, o) in &cases {
        let whole = loadtxt_str(text, o);
        for block in 1..=text.len() + 1 {
            let streamed = dtkit::text::loadtxt_reader_blocks(text.as_bytes(), o, block);
            match (&whole, &streamed) {
                (Ok(w), Ok(s)) => {
                    assert_eq!(s.shape(), w.shape(), "{text:?} in blocks of {block}");
                    assert_eq!(
                        s.buffer().as_bytes(),
                        w.buffer().as_bytes(),
                        "{text:?} in blocks of {block}"
                    );
                }
                (Err(w), Err(s)) => {
                    assert_eq!(s.location(), w.location(), "{text:?} in blocks of {block}");
                    assert_eq!(s.message(), w.message(), "{text:?} in blocks of {block}");
                }
                _ => panic!("{text:?} in blocks of {block}: {whole:?} / {streamed:?}"),
            }
        }
    }
    // The values themselves, against what NumPy gives for the same text.
    let a = loadtxt_str(good, &base).unwrap();
    assert_eq!(a.shape(), &[6]);
    let s: Vec<Vec<u8>> = (0..6)
        .map(|r| {
            let rec = &a.buffer().as_bytes()[r * 28 + 8..r * 28 + 20];
            rec.iter().copied().take_while(|&b| b != 0).collect()
        })
        .collect();
    assert_eq!(
        s,
        [
            &b"a,b"[..],
            b"two\nlines",
            b"plain",
            b"say \"hi\"",
            b"xy",
            b"three\n\nlines"
        ]
    );
    // NumPy skips `skiprows` physical lines before it tokenizes: the quote on the skipped
    // line opens nothing, and the lone `b"` row then has the wrong column count.
    let numpy_skip = "\"a\n3,4\nb\"\n1,2\n";
    let o = LoadTxtOptions {
        dtype: DType::parse("S5").unwrap(),
        skiprows: 1,
        ..base.clone()
    };
    let e = loadtxt_str(numpy_skip, &o).unwrap_err();
    assert_eq!(
        e.location(),
        Some(Location::Line { line: 3, column: 1 }),
        "{e}"
    );
    let e = dtkit::text::loadtxt_str_general(numpy_skip, &o).unwrap_err();
    assert_eq!(
        e.location(),
        Some(Location::Line { line: 3, column: 1 }),
        "{e}"
    );
}
