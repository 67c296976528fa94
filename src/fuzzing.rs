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
    // The load path (from a file, into an owned aligned buffer) agrees with the view.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("f.npy");
    std::fs::write(&path, data).expect("a temporary file");
    let (loaded_header, loaded) = npy::load(&path, &options).expect("a file that views must load");
    assert_eq!(loaded_header, header);
    assert_eq!(loaded.shape(), view.shape());
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
    // With `"` quoting, which the fast path splits line by line when it can.
    if o.delimiter.is_some() && text.contains('"') {
        let q = LoadTxtOptions {
            quotechar: Some('"'),
            ..o.clone()
        };
        let fast = loadtxt_str(text, &q);
        let general = loadtxt_str_general(text, &q);
        assert!(
            same(&fast, &general),
            "quoted: fast {fast:?} and general {general:?} disagree on {text:?}"
        );
        // Streamed in blocks, cut inside quoted fields too.
        for block in [1, 7] {
            let streamed = loadtxt_reader_blocks(text.as_bytes(), &q, block);
            assert!(
                same(&fast, &streamed),
                "quoted: fast {fast:?} and blocks of {block} {streamed:?} disagree on {text:?}"
            );
        }
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
    // fromregex's forward walk and fused conversions give what the regex engine and the
    // general converters give.
    const PATTERNS: [&str; 4] = [
        r"(\d+) (\w+) (\S+)\n",
        r"(-?\d+)[;,](\w*)[;,]([^\n]+)",
        r"(\S+)\s+(\S+)\s+(\S+)",
        r"x?(\d{1,3}) ?([a-z]+) (.+)",
    ];
    let pattern = PATTERNS[usize::from(pick >> 2 & 3)];
    let rdt = DType::parse(DTYPES[6]).expect("valid dtype");
    let walked = crate::text::fromregex_str(text, pattern, &rdt);
    let engine = crate::text::fromregex_str_engine(text, pattern, &rdt);
    match (&walked, &engine) {
        (Ok(a), Ok(b)) => assert!(
            a.buffer().as_bytes() == b.buffer().as_bytes(),
            "fromregex {pattern:?}: walk {a:?} and engine {b:?} disagree on {text:?}"
        ),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{pattern:?} on {text:?}"),
        _ => panic!("fromregex {pattern:?}: walk {walked:?}, engine {engine:?} on {text:?}"),
    }
    // Read as a file is read (universal newlines), in small blocks on two workers, fromregex
    // gives what it gives on the whole text with its line ends made "\n".
    // (Compiling the pattern is most of this target's time, so one block size, and the
    // whole-text result reused when there is no carriage return.)
    let unix = text.replace("\r\n", "\n").replace('\r', "\n");
    let whole = if unix == text {
        walked
    } else {
        crate::text::fromregex_str(&unix, pattern, &rdt)
    };
    let streamed = crate::text::fromregex_reader_blocks(text.as_bytes(), pattern, &rdt, 3, 2);
    match (&whole, &streamed) {
        (Ok(a), Ok(b)) => assert!(
            a.shape() == b.shape() && a.buffer().as_bytes() == b.buffer().as_bytes(),
            "fromregex {pattern:?}: whole {a:?} and blocks {b:?} disagree on {text:?}"
        ),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{pattern:?} on {text:?}"),
        _ => panic!("fromregex {pattern:?}: whole {whole:?}, blocks {streamed:?} on {text:?}"),
    }
    let fast_g = genfromtxt_str(text, &g);
    if let Ok(r) = &fast_g {
        assert_eq!(r.data.shape(), r.mask.shape());
    }
    // genfromtxt's fused path and its general path agree.
    let general_g = crate::text::genfromtxt_str_general(text, &g);
    match (&fast_g, &general_g) {
        (Ok(a), Ok(b)) => {
            assert_eq!(
                a.data.shape(),
                b.data.shape(),
                "genfromtxt paths on {text:?}"
            );
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
        }
        (Err(a), Err(b)) => assert_eq!(a.location(), b.location(), "{text:?}"),
        (a, b) => panic!("genfromtxt paths disagree on {text:?}: {a:?} / {b:?}"),
    }
    // Streamed in blocks of 3 bytes, genfromtxt gives what it gives on the whole text.
    let streamed_g = crate::text::genfromtxt_reader_blocks(text.as_bytes(), &g, 3);
    match (&fast_g, &streamed_g) {
        (Ok(a), Ok(b)) => assert!(
            a.data.shape() == b.data.shape()
                && a.data.buffer().as_bytes() == b.data.buffer().as_bytes()
                && a.mask.buffer().as_bytes() == b.mask.buffer().as_bytes()
                && a.skipped == b.skipped,
            "genfromtxt whole {a:?} and streamed {b:?} disagree on {text:?}"
        ),
        (Err(a), Err(b)) => assert_eq!(
            (a.message(), a.location()),
            (b.message(), b.location()),
            "{text:?}"
        ),
        (a, b) => panic!("genfromtxt whole and streamed disagree on {text:?}: {a:?} / {b:?}"),
    }
    // Records handed to a sink block by block are the array's.
    let mut handed = Vec::new();
    let each = crate::text::loadtxt_each(text.as_bytes(), &o, None, &mut |b| {
        handed.extend_from_slice(b);
        Ok(())
    });
    match (&fast, each) {
        (Ok(a), Ok(shape)) => {
            assert_eq!(a.shape(), &shape[..], "{text:?}");
            assert_eq!(a.buffer().as_bytes(), &handed[..], "{text:?}");
        }
        (Err(a), Err(b)) => assert_eq!(a.location(), b.location(), "{text:?}"),
        (a, b) => panic!("loadtxt and loadtxt_each disagree on {text:?}: {a:?} / {b:?}"),
    }
}

/// Arbitrary bytes as an `.npz` archive, with small limits (64 MiB a member, 64 members):
/// listing, header peeks, loads and zero-copy views never panic; every member that loads
/// writes into a new archive (stored and deflated) that reads back to the same array. The
/// deflate walk that joins libdeflate's chunks takes the bytes too, and the bytes cut into
/// chunks compressed apart inflate back as one stream.
pub fn npz_archive(data: &[u8]) {
    crate::deflate::fuzz(data);
    use crate::npz::{self, Member, Npz, NpzOptions};
    let options = NpzOptions {
        read: crate::npy::ReadOptions {
            max_header_size: 1 << 16,
            dtype: ParseOptions {
                align: false,
                max_depth: 32,
                max_fields: 10_000,
            },
        },
        max_member_size: 64 << 20,
        max_members: 64,
    };
    let Ok(mut z) = Npz::new(std::io::Cursor::new(data), &options) else {
        return;
    };
    let members = z.members().to_vec();
    let dir = tempfile::tempdir().expect("a temporary directory");
    for m in &members {
        let _ = z.header(&m.name);
        let _ = npz::view_member(data, m, &options.read);
        let Ok(Member::Array(header, array)) = z.load(&m.name) else {
            continue;
        };
        let size = header.data_len();
        assert_eq!(array.buffer().len(), size, "{}: loaded size", m.name);
        for compress in [false, true] {
            let path = dir.path().join("again.npz");
            let mut w = npz::NpzWriter::create(&path, compress).expect("an archive");
            w.add("x", &array.view()).expect("a loaded member writes");
            w.finish().expect("the archive completes");
            let mut back =
                Npz::open(&path, &NpzOptions::default()).expect("dtkit reads its archive");
            let Ok(Member::Array(_, again)) = back.load("x") else {
                panic!("{}: the rewritten member does not load", m.name);
            };
            assert_eq!(again.shape(), array.shape());
            assert_eq!(again.dtype(), array.dtype());
            let (mut a, mut b) = (Vec::new(), Vec::new());
            array.view().write_to(&mut a).expect("in memory");
            again.view().write_to(&mut b).expect("in memory");
            assert_eq!(a, b, "{}: the data changed", m.name);
        }
    }
}

/// A raw dump with an arbitrary layout: the first bytes choose a dtype (up to a NUL), an
/// offset, a count and an order; the rest is the dump. Whatever layout is accepted lies
/// inside the bytes, decodes element by element, copies in C and Fortran order and back,
/// swaps byte order and back, and views every leaf field.
pub fn raw_dump(data: &[u8]) {
    use crate::raw::{from_bytes, RawOptions};
    let Some(nul) = data.iter().position(|&b| b == 0) else {
        return;
    };
    let (spec, rest) = (&data[..nul], &data[nul + 1..]);
    let Some((&pick, bytes)) = rest.split_first() else {
        return;
    };
    let Ok(spec) = std::str::from_utf8(spec) else {
        return;
    };
    let parse = ParseOptions {
        align: pick & 1 != 0,
        max_depth: 16,
        max_fields: 256,
    };
    let Ok(dtype) = DType::parse_with(spec, &parse) else {
        return;
    };
    if dtype.itemsize() == 0 || dtype.itemsize() > 1 << 16 {
        return;
    }
    let mut options = RawOptions::new(dtype.clone());
    options.offset = u64::from(pick >> 1 & 7);
    options.allow_trailing = pick & 0x10 != 0;
    if pick & 0x20 != 0 {
        options.count = Some(u64::from(pick >> 6));
    }
    if pick & 0x80 != 0 {
        options.shape = Some(vec![-1, 2]);
        options.order = if pick & 0x40 != 0 {
            crate::Order::F
        } else {
            crate::Order::C
        };
    }
    let Ok(view) = from_bytes(bytes, &options) else {
        return;
    };
    let n = view.len();
    assert!(options.offset as usize + n * dtype.itemsize() <= bytes.len());
    assert_eq!(view.values().count(), n);
    let c = view.to_contiguous(crate::Order::C).expect("a C copy");
    let f = view.to_contiguous(crate::Order::F).expect("an F copy");
    let back = f.view().to_contiguous(crate::Order::C).expect("and back");
    assert_eq!(c.buffer().as_bytes(), back.buffer().as_bytes());
    if let Ok(swapped) = view.to_byte_order(crate::ByteOrder::Big) {
        if let Ok(again) = swapped.view().to_byte_order(crate::ByteOrder::Little) {
            if let Ok(native) = view.to_byte_order(crate::ByteOrder::Little) {
                assert_eq!(again.buffer().as_bytes(), native.buffer().as_bytes());
            }
        }
    }
    for leaf in dtype.leaf_fields() {
        if leaf.path.is_empty() {
            continue;
        }
        if let Ok(field) = view.clone().field(&leaf.path) {
            assert_eq!(field.values().count(), field.len());
        }
    }
    records_never_panic(&view);
}

/// A random dtype and shape with random contents (built from the bytes with `arbitrary`):
/// written as `.npy`, as `.npz` (stored and deflated) and, for plain numbers, as text, each
/// reads back to the same dtype, shape and bytes.
pub fn roundtrip(data: &[u8]) {
    use arbitrary::Unstructured;
    let mut u = Unstructured::new(data);
    let Ok(dtype) = arbitrary_dtype(&mut u, 0) else {
        return;
    };
    if dtype.itemsize() == 0 || dtype.itemsize() > 4096 {
        return;
    }
    let Ok(ndim) = u.int_in_range(0..=3usize) else {
        return;
    };
    let mut shape = Vec::with_capacity(ndim);
    for _ in 0..ndim {
        match u.int_in_range(0..=4usize) {
            Ok(d) => shape.push(d),
            Err(_) => return,
        }
    }
    let n: usize = shape.iter().product();
    let mut bytes = vec![0u8; n * dtype.itemsize()];
    for b in &mut bytes {
        *b = u.arbitrary().unwrap_or(0);
    }
    let Ok(array) = crate::Array::from_bytes(&bytes, dtype.clone(), &shape, crate::Order::C) else {
        return;
    };
    // .npy in memory.
    let mut npy_bytes = Vec::new();
    crate::npy::write(&array.view(), &mut npy_bytes).expect("any array writes as .npy");
    let (_, back) = crate::npy::view(&npy_bytes, &crate::npy::ReadOptions::default())
        .expect("dtkit reads its .npy");
    // A subarray dtype becomes trailing axes, as in NumPy.
    let (want_dtype, want_shape) = crate::npy::expanded(&dtype, &shape);
    assert_eq!(back.shape(), &want_shape[..]);
    assert_eq!(back.dtype(), &want_dtype);
    let mut got = Vec::new();
    back.write_to(&mut got).expect("in memory");
    assert_eq!(got, bytes, "npy bytes for {dtype}");
    // .npz, stored and deflated.
    let dir = tempfile::tempdir().expect("a temporary directory");
    for compress in [false, true] {
        let path = dir.path().join("r.npz");
        let mut w = crate::npz::NpzWriter::create(&path, compress).expect("an archive");
        w.add("a", &array.view()).expect("writes");
        w.finish().expect("completes");
        let mut z =
            crate::npz::Npz::open(&path, &crate::npz::NpzOptions::default()).expect("opens");
        let Ok(crate::npz::Member::Array(_, a)) = z.load("a") else {
            panic!("the member of {dtype} does not load");
        };
        assert_eq!(a.shape(), &want_shape[..]);
        assert_eq!(a.buffer().as_bytes(), &bytes[..], "npz bytes for {dtype}");
    }
    // Text, for plain integers and finite floats of two dimensions.
    let Some(s) = dtype.as_scalar() else {
        return;
    };
    if shape.len() != 2 || shape.contains(&0) || shape[0] < 2 || shape[1] < 2 {
        return;
    }
    use crate::dtype::ScalarKind;
    let fmt = match s.kind() {
        ScalarKind::Int | ScalarKind::UInt => "%d",
        ScalarKind::Float if s.size() <= 8 => "%.17g",
        _ => return,
    };
    let finite = array.view().values().all(|v| match v {
        crate::array::element::Value::Float(f) => f.is_finite(),
        crate::array::element::Value::Float32(f) => f.is_finite(),
        _ => true,
    });
    if !finite {
        return;
    }
    let path = dir.path().join("r.txt");
    let options = crate::text::SaveTxtOptions {
        fmt: crate::text::Fmt::Str(fmt.to_owned()),
        ..crate::text::SaveTxtOptions::default()
    };
    crate::text::savetxt_path(&array.view(), &path, &options).expect("savetxt");
    let o = crate::text::LoadTxtOptions {
        dtype: dtype.clone(),
        ..crate::text::LoadTxtOptions::default()
    };
    let read = crate::text::loadtxt_path(&path, &o).expect("loadtxt reads savetxt");
    assert_eq!(read.shape(), &shape[..]);
    assert_eq!(
        read.buffer().as_bytes(),
        &bytes[..],
        "text bytes for {dtype}"
    );
    // savetxt's fast path (exact printf digits) against its general formatter: '%.16e'
    // and '%.3f' take the fast path, the same formats with a width of 1 the general one,
    // and they must write the same text; 17 significant digits read back exactly.
    for (fast, general, exact) in [
        ("%.16e", "%1.16e", true),
        ("%.3f", "%1.3f", false),
        ("%d", "%1d", true),
    ] {
        if (fast == "%d") != matches!(s.kind(), ScalarKind::Int | ScalarKind::UInt) {
            continue;
        }
        let text = |fmt: &str| {
            let mut out = Vec::new();
            let options = crate::text::SaveTxtOptions {
                fmt: crate::text::Fmt::Str(fmt.to_owned()),
                ..crate::text::SaveTxtOptions::default()
            };
            crate::text::savetxt(&array.view(), &mut out, &options).expect("savetxt");
            out
        };
        let a = text(fast);
        assert!(
            a == text(general),
            "{fast} fast and general paths differ for {dtype}"
        );
        if exact {
            let read = crate::text::loadtxt_bytes(&a, &o).expect("loadtxt reads savetxt");
            assert_eq!(
                read.buffer().as_bytes(),
                &bytes[..],
                "{fast} text bytes for {dtype}"
            );
        }
    }
}

/// A dtype from `u`: scalars of every kind and byte order, records (nested, with unique
/// names, sometimes aligned) and subarrays, at most four levels deep.
fn arbitrary_dtype(u: &mut arbitrary::Unstructured<'_>, depth: u32) -> arbitrary::Result<DType> {
    const SCALARS: [&str; 18] = [
        "<i1", "<i2", ">i4", "<i8", "<u2", ">u8", "<f2", "<f4", ">f8", "<c8", ">c16", "?", "S3",
        "<U2", "<M8[s]", ">m8[ms]", "<M8[D]", "V2",
    ];
    let kind = if depth >= 3 {
        0
    } else {
        u.int_in_range(0..=5u8)?
    };
    match kind {
        0..=2 => Ok(DType::parse(u.choose(&SCALARS)?).expect("valid scalar")),
        3 => {
            let base = arbitrary_dtype(u, depth + 1)?;
            let dims = u.int_in_range(1..=2usize)?;
            let mut shape = Vec::with_capacity(dims);
            for _ in 0..dims {
                shape.push(u.int_in_range(1..=3usize)?);
            }
            DType::subarray(base, &shape).map_err(|_| arbitrary::Error::IncorrectFormat)
        }
        _ => {
            let n = u.int_in_range(1..=4usize)?;
            let mut fields = Vec::with_capacity(n);
            for k in 0..n {
                fields.push((format!("f{k}"), arbitrary_dtype(u, depth + 1)?));
            }
            let packed = DType::packed(fields).map_err(|_| arbitrary::Error::IncorrectFormat)?;
            if u.arbitrary::<bool>()? {
                DType::parse_with(
                    &packed.to_string(),
                    &ParseOptions {
                        align: true,
                        ..ParseOptions::default()
                    },
                )
                .map_err(|_| arbitrary::Error::IncorrectFormat)
            } else {
                Ok(packed)
            }
        }
    }
}

/// A value of any shape, read through `deserialize_any`: decodes every field of a record
/// the way a generic consumer (`serde_json::Value`, a `HashMap`) would.
struct AnyValue(usize);

impl<'de> serde::Deserialize<'de> for AnyValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = AnyValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("anything")
            }
            fn visit_bool<E>(self, _: bool) -> Result<AnyValue, E> {
                Ok(AnyValue(1))
            }
            fn visit_i64<E>(self, _: i64) -> Result<AnyValue, E> {
                Ok(AnyValue(1))
            }
            fn visit_u64<E>(self, _: u64) -> Result<AnyValue, E> {
                Ok(AnyValue(1))
            }
            fn visit_f64<E>(self, _: f64) -> Result<AnyValue, E> {
                Ok(AnyValue(1))
            }
            fn visit_str<E>(self, _: &str) -> Result<AnyValue, E> {
                Ok(AnyValue(1))
            }
            fn visit_bytes<E>(self, _: &[u8]) -> Result<AnyValue, E> {
                Ok(AnyValue(1))
            }
            fn visit_none<E>(self) -> Result<AnyValue, E> {
                Ok(AnyValue(1))
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<AnyValue, D::Error> {
                <AnyValue as serde::Deserialize>::deserialize(d)
            }
            fn visit_unit<E>(self) -> Result<AnyValue, E> {
                Ok(AnyValue(1))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<AnyValue, A::Error> {
                let mut n = 0;
                while let Some(AnyValue(k)) = a.next_element()? {
                    n += k;
                }
                Ok(AnyValue(n))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<AnyValue, A::Error> {
                let mut n = 0;
                while let Some((_, AnyValue(k))) = a.next_entry::<String, AnyValue>()? {
                    n += k;
                }
                Ok(AnyValue(n))
            }
        }
        d.deserialize_any(V)
    }
}

/// Deserialize the first records of a view generically and into a few typed targets:
/// errors are fine (a U field with an invalid code point, a type mismatch), panics are not.
fn records_never_panic(view: &crate::ArrayView<'_>) {
    for r in view.records::<AnyValue>().take(16) {
        let _ = r.map(|AnyValue(n)| n);
    }
    for r in view.records::<(i64, f64)>().take(4) {
        let _ = r;
    }
    for r in view.records::<Option<String>>().take(4) {
        let _ = r;
    }
    for r in view.records::<Vec<u8>>().take(4) {
        let _ = r;
    }
}

/// A layout file (text up to the first NUL) placed over the bytes after it: parsing and
/// placing never panic, and records a format places always fit the file.
pub fn layout_file(data: &[u8]) {
    let Some(nul) = data.iter().position(|&b| b == 0) else {
        return;
    };
    let (text, bytes) = (&data[..nul], &data[nul + 1..]);
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let Ok(format) = crate::format::Format::parse("fuzz", text) else {
        return;
    };
    let Ok(p) = format.place(bytes, bytes.len() as u64) else {
        return;
    };
    let view = crate::raw::from_bytes(bytes, &format.raw_options(&p))
        .expect("placed records fit the file");
    assert_eq!(view.len() as u64, p.count);
    assert_eq!(
        p.offset + p.count * format.records().itemsize() as u64 + p.trailing,
        bytes.len() as u64
    );
    records_never_panic(&view);
}
