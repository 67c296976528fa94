//! The dtype API beyond NumPy's observable attributes: limits, error positions, field
//! lookup, leaves, byte-order conversion and the public constructors.

use dtkit::{ByteOrder, DType, ErrorKind, Field, Location, ParseOptions, ScalarKind};

fn spec_offset(spec: &str) -> usize {
    match DType::parse(spec).expect_err(spec).location() {
        Some(Location::Spec(n)) => n,
        other => panic!("{spec}: no spec location: {other:?}"),
    }
}

#[test]
fn errors_point_at_the_offending_text() {
    assert_eq!(spec_offset("[('a','i4'),('b','f7')]"), 19);
    assert_eq!(spec_offset("[('a','i4'),('a','f8')]"), 13);
    assert_eq!(
        spec_offset("{'names':['a'],'formats':['i4'],'offsets':[-1]}"),
        43
    );
    assert_eq!(spec_offset("i4, f8, (2,3)x9"), 13);
    assert_eq!(spec_offset("[('a','M8[ns/3]')]"), 13);
    assert_eq!(spec_offset("('i4', (2, -3))"), 7);
    let e = DType::parse("[('a','i4'),('b','f7')]").unwrap_err();
    assert!(e.message().contains("f2, f4, f8 or f16"), "{e}");
    assert!(e.to_string().contains("[('a','i4'),('b','f7')]"), "{e}");
}

#[test]
fn nesting_and_field_count_are_limited() {
    // Deep literal nesting: an error, not a stack overflow.
    let deep = format!("{}'i4'{}", "[('a',".repeat(10_000), ")]".repeat(10_000));
    let e = DType::parse(&deep).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limit, "{e}");
    // Just inside the limit works.
    let ok = format!("{}'i4'{}", "[('a',".repeat(20), ")]".repeat(20));
    assert_eq!(DType::parse(&ok).unwrap().itemsize(), 4);
    // Field count, over all levels.
    let opts = ParseOptions {
        max_fields: 100,
        ..ParseOptions::default()
    };
    let many = vec!["i4"; 101].join(",");
    assert_eq!(
        DType::parse_with(&many, &opts).unwrap_err().kind(),
        ErrorKind::Limit
    );
    assert_eq!(
        DType::parse_with(&vec!["i4"; 100].join(","), &opts)
            .unwrap()
            .fields()
            .len(),
        100
    );
    // NumPy's C-int size limit, with checked arithmetic.
    assert_eq!(
        DType::parse("('S1000000000', (3,))").unwrap_err().kind(),
        ErrorKind::Limit
    );
    assert_eq!(
        DType::parse("[('a','S2000000000'),('b','S2000000000')]")
            .unwrap_err()
            .kind(),
        ErrorKind::Limit
    );
}

#[test]
fn field_paths_and_leaves() {
    let dt = DType::parse(
        "[('t','<u8'),('pos',[('az','<f4'),('el','<f4')],(3,)),(('Gain','gain'),'u1'),('a.b','i2')]",
    )
    .unwrap();
    let el = dt.field_path("pos.el").unwrap();
    assert_eq!(el.offset, 12);
    assert_eq!(el.outer_shape, vec![3]);
    assert_eq!(el.outer_strides, vec![8]);
    assert_eq!(el.dtype.typestr(), "<f4");
    // Titles find fields too; a name containing a dot is found whole.
    assert_eq!(dt.field("Gain").unwrap().name(), "gain");
    assert_eq!(dt.field_path("a.b").unwrap().offset, 33);
    let e = dt.field_path("pos.x").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Argument);
    assert!(e.message().contains("\"az\", \"el\""), "{e}");
    assert!(DType::parse("<f8").unwrap().field("x").is_err());

    let leaves = dt.leaf_fields();
    let summary: Vec<_> = leaves
        .iter()
        .map(|l| {
            (
                l.path.as_str(),
                l.offset,
                l.shape.clone(),
                l.strides.clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("t", 0, vec![], vec![]),
            ("pos.az", 8, vec![3], vec![8]),
            ("pos.el", 12, vec![3], vec![8]),
            ("gain", 32, vec![], vec![]),
            ("a.b", 33, vec![], vec![]),
        ]
    );
    assert_eq!(leaves[3].title.as_deref(), Some("Gain"));
}

#[test]
fn byte_order_conversion_is_recursive_and_reversible() {
    let dt = DType::parse("[('a','<i4'),('b',[('c','>f8'),('d','S3')],(2,)),('e','u1')]").unwrap();
    assert!(!dt.is_native() || ByteOrder::NATIVE == ByteOrder::Big);
    let big = dt.with_byte_order(ByteOrder::Big);
    assert_eq!(
        big.to_string(),
        "[('a', '>i4'), ('b', [('c', '>f8'), ('d', '|S3')], (2,)), ('e', '|u1')]"
    );
    assert!(dt.to_native().is_native());
    assert_eq!(dt.byte_swapped().byte_swapped(), dt);
    assert_eq!(
        dt.byte_swapped().leaf_fields()[0].dtype.byte_order(),
        ByteOrder::Big
    );
}

#[test]
fn constructors_check_their_input() {
    let f8 = DType::scalar(ScalarKind::Float, 8, ByteOrder::Little).unwrap();
    let i4 = DType::scalar(ScalarKind::Int, 4, ByteOrder::Big).unwrap();
    assert!(DType::scalar(ScalarKind::Int, 3, ByteOrder::Little).is_err());
    assert!(DType::scalar(ScalarKind::Unicode, 6, ByteOrder::Little).is_err());
    // Gaps, titles and an explicit itemsize, rendered as NumPy's dict form.
    let rec = DType::record(
        vec![
            Field::new("x", i4.clone(), 4).with_title("X"),
            Field::new("y", f8.clone(), 8),
        ],
        Some(24),
    )
    .unwrap();
    assert_eq!(
        rec.descr().unwrap(),
        "[('', '|V4'), (('X', 'x'), '>i4'), ('y', '<f8'), ('', '|V8')]"
    );
    assert_eq!(DType::parse(&rec.to_string()).unwrap(), rec);
    assert!(DType::record(
        vec![
            Field::new("x", i4.clone(), 0),
            Field::new("x", f8.clone(), 4)
        ],
        None
    )
    .is_err());
    assert!(DType::record(vec![Field::new("x", i4.clone(), 0)], Some(2)).is_err());
    let packed = DType::packed(vec![("a".into(), i4), ("b".into(), f8)]).unwrap();
    assert_eq!(packed.itemsize(), 12);
    let sub = DType::subarray(packed, &[2, 3]).unwrap();
    assert_eq!((sub.itemsize(), sub.shape()), (72, &[2usize, 3][..]));
    assert_eq!(DType::parse(&sub.to_string()).unwrap(), sub);
    assert!(DType::subarray(sub, &[1; 65]).is_err());
}

#[test]
fn aligned_layouts_render_with_their_alignment() {
    let opts = ParseOptions::aligned(true);
    let dt = DType::parse_with(
        "[('a','u1'),('s',[('x','u1'),('y','f8')]),('z','u2')]",
        &opts,
    )
    .unwrap();
    assert_eq!((dt.itemsize(), dt.alignment()), (32, 8));
    let again = DType::parse(&dt.to_string()).unwrap();
    assert_eq!(again, dt);
    assert_eq!(again.alignment(), 8, "Display keeps align=True: {dt}");
    assert_eq!(again.field("s").unwrap().dtype().alignment(), 8);
}
