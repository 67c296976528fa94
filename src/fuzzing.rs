//! Bodies of the fuzz targets in `fuzz/`, shared with the stable test that replays their
//! corpora (`tests/fuzz_corpus.rs`). Not part of the public API.
//!
//! Each function panics only when it finds a bug: an invariant that does not hold.

use crate::dtype::{DType, ParseOptions};

/// Parse arbitrary bytes as a dtype description, with and without `align`; when it parses,
/// check that every rendering works and round-trips.
pub fn dtype_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for align in [false, true] {
        let options = ParseOptions {
            align,
            max_depth: 32,
            max_fields: 10_000,
        };
        let Ok(dt) = DType::parse_with(text, &options) else {
            continue;
        };
        check_dtype(&dt);
    }
    // The same text as an .npy header descr.
    if let Ok(dt) = DType::from_descr_with(
        text,
        &ParseOptions {
            max_depth: 32,
            max_fields: 10_000,
            ..Default::default()
        },
    ) {
        check_dtype(&dt);
    }
}

/// Invariants every dtype must satisfy.
pub fn check_dtype(dt: &DType) {
    let itemsize = dt.itemsize();
    assert!(itemsize <= crate::dtype::MAX_ITEMSIZE);
    let _ = dt.typestr();
    let _ = dt.name();
    let _ = dt.layout_table();
    for leaf in dt.leaf_fields() {
        let extent = leaf
            .shape
            .iter()
            .zip(&leaf.strides)
            .map(|(&n, &s)| n.saturating_sub(1) * s)
            .sum::<usize>();
        if leaf.count() > 0 {
            let end = leaf.offset + extent + leaf.dtype.size();
            assert!(
                end <= itemsize,
                "leaf {} ends at {end}, past itemsize {itemsize}",
                leaf.path
            );
        }
    }
    let reparsed = DType::parse(&dt.to_string())
        .unwrap_or_else(|e| panic!("Display output {dt} does not parse back: {e}"));
    assert_eq!(
        &reparsed, dt,
        "Display output {dt} parses to a different dtype"
    );
    if let (true, Ok(descr)) = (npy_descr_is_lossless(dt), dt.npy_descr()) {
        let back = DType::from_descr(&descr)
            .unwrap_or_else(|e| panic!("npy descr {descr} does not parse back: {e}"));
        assert_eq!(&back, dt, "npy descr {descr} parses to a different dtype");
    }
    let swapped = dt.byte_swapped();
    assert_eq!(swapped.itemsize(), itemsize);
    assert_eq!(&swapped.byte_swapped(), dt);
    assert!(dt.to_native().is_native());
}

/// False when the `.npy` descr cannot represent the dtype, in NumPy as in dtkit: a
/// `(base, fields)` union anywhere (only its fields are written), a generic datetime unit
/// with a multiplier (`.str` drops it), or an untitled field named `''` of void or
/// subarray type (read back as padding).
pub fn npy_descr_is_lossless(dt: &DType) -> bool {
    match dt {
        DType::Scalar(s) => {
            let u = s.datetime_unit();
            u.unit.is_some() || u.count == 1
        }
        DType::Subarray(sub) => npy_descr_is_lossless(sub.base()),
        DType::Record(r) => {
            r.view_of().is_none()
                && r.fields().iter().all(|f| {
                    let padding_like = f.name().is_empty()
                        && f.title().is_none()
                        && match f.dtype() {
                            DType::Scalar(s) => s.kind() == crate::ScalarKind::Void,
                            DType::Subarray(_) => true,
                            DType::Record(_) => false,
                        };
                    !padding_like && npy_descr_is_lossless(f.dtype())
                })
        }
    }
}

/// Arbitrary bytes as an `.npy` file, in memory and as a stream; whatever is accepted must
/// write back to a file that reads back to the same header and bytes.
pub fn npy_file(data: &[u8]) {
    use crate::npy;
    let options = npy::ReadOptions {
        max_header_size: 1 << 16,
        dtype: ParseOptions {
            align: false,
            max_depth: 32,
            max_fields: 10_000,
        },
    };
    let streamed = npy::read_header(&mut &data[..], &options);
    let Ok((header, view)) = npy::view(data, &options) else {
        return;
    };
    let streamed = streamed.expect("a file that views must stream");
    assert_eq!(streamed, header);
    assert!(header.data_offset + header.data_len() <= data.len());
    let mut out = Vec::new();
    npy::write(&view, &mut out).expect("an accepted array can be written");
    let (_, view2) = npy::view(&out, &options).expect("dtkit reads what it writes");
    assert_eq!(view2.shape(), view.shape());
    assert_eq!(view2.dtype(), view.dtype());
    let (mut a, mut b) = (Vec::new(), Vec::new());
    view.write_to(&mut a).expect("in memory");
    view2.write_to(&mut b).expect("in memory");
    assert_eq!(a, b);
}

/// Arbitrary text through every text reader. The first byte picks the options (delimiter,
/// comment marker, dtype, `usecols`, `max_rows`), the rest is the text. Invariants: the
/// fast path, the general tokenizer and the streaming reader (cut into tiny blocks) agree
/// exactly, success for success (same bytes and shape) and failure for failure (same line);
/// `genfromtxt` never panics and its mask has the data's shape.
pub fn text(data: &[u8]) {
    use crate::text::{
        genfromtxt_str, loadtxt_reader_blocks, loadtxt_str, loadtxt_str_general, GenFromTxtOptions,
        LoadTxtOptions, Names,
    };
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    const DTYPES: [&str; 8] = [
        "f8",
        "<i4",
        ">u2",
        "S3",
        "c16",
        "?",
        "[('a','<i8'),('b','S2'),('c','<f4')]",
        "[('p',[('x','<f8'),('y','>i2')]),('q','<f4',(2,))]",
    ];
    let mut o = LoadTxtOptions {
        dtype: DType::parse(DTYPES[usize::from(pick & 7)]).expect("valid dtype"),
        delimiter: [None, Some(','), Some(';'), Some('\t')][usize::from(pick >> 3 & 3)],
        ..LoadTxtOptions::default()
    };
    if pick & 0x20 != 0 {
        o.comments = Vec::new();
    }
    if pick & 0x40 != 0 {
        o.usecols = Some(vec![-1, 0]);
    }
    if pick & 0x80 != 0 {
        o.max_rows = Some(3);
    }
    let fast = loadtxt_str(text, &o);
    let general = loadtxt_str_general(text, &o);
    let same =
        |a: &crate::error::Result<crate::Array>, b: &crate::error::Result<crate::Array>| match (
            a, b,
        ) {
            (Ok(x), Ok(y)) => {
                x.shape() == y.shape() && x.buffer().as_bytes() == y.buffer().as_bytes()
            }
            (Err(x), Err(y)) => x.location() == y.location(),
            _ => false,
        };
    assert!(
        same(&fast, &general),
        "fast {fast:?} and general {general:?} disagree on {text:?}"
    );
    for block in [1, 7] {
        let streamed = loadtxt_reader_blocks(text.as_bytes(), &o, block);
        assert!(
            same(&fast, &streamed),
            "fast {fast:?} and blocks of {block} {streamed:?} disagree on {text:?}"
        );
    }
    let g = GenFromTxtOptions {
        delimiter: o.delimiter.map(String::from),
        dtype: if pick & 1 == 0 {
            None
        } else {
            Some(o.dtype.clone())
        },
        names: if pick & 0x20 != 0 {
            Names::Header
        } else {
            Names::None
        },
        invalid_raise: pick & 0x40 == 0,
        skip_footer: usize::from(pick >> 7),
        ..GenFromTxtOptions::default()
    };
    if let Ok(r) = genfromtxt_str(text, &g) {
        assert_eq!(r.data.shape(), r.mask.shape());
    }
}
