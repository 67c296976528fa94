//! ndarray views of dtkit arrays, compared element by element with the source.
#![cfg(feature = "ndarray")]

use dtkit::interop::ndarray::from_ndarray;
use dtkit::raw::{self, RawOptions};
use dtkit::{Array, DType, Order};
use ndarray::Dimension;

fn bytes_of(values: impl IntoIterator<Item = [u8; 8]>) -> Vec<u8> {
    values.into_iter().flatten().collect()
}

/// Every element of the ndarray equals the dtkit view's element at the same index.
fn assert_same(view: &dtkit::ArrayView<'_>, nd: &ndarray::ArrayViewD<'_, f64>) {
    assert_eq!(view.shape(), nd.shape());
    let mut n = 0;
    for (idx, v) in nd.indexed_iter() {
        assert_eq!(view.get::<f64>(idx.slice()).unwrap(), *v, "at {idx:?}");
        n += 1;
    }
    assert_eq!(n, view.len());
}

#[test]
fn c_fortran_strided_and_reversed_views_are_zero_copy() {
    let data = bytes_of((0..24).map(|i| (i as f64 * 1.5 - 7.0).to_le_bytes()));
    for order in [Order::C, Order::F] {
        let view = dtkit::ArrayView::from_bytes_order(
            &data,
            DType::parse("<f8").unwrap(),
            &[2, 3, 4],
            0,
            order,
        )
        .unwrap();
        let nd = view.as_ndarray::<f64>().unwrap();
        assert_same(&view, &nd);
        assert!(std::ptr::eq(nd.as_ptr().cast::<u8>(), data.as_ptr()));
        // Transposed, sliced with a negative step, an axis indexed away.
        let t = view.clone().t();
        assert_same(&t, &t.as_ndarray::<f64>().unwrap());
        let rev = view.clone().slice_axis(2, None, None, -2).unwrap();
        let nd = rev.as_ndarray::<f64>().unwrap();
        assert_same(&rev, &nd);
        assert!(nd.strides()[2] < 0);
        let row = view.index_axis(1, -1).unwrap();
        assert_same(&row, &row.as_ndarray::<f64>().unwrap());
    }
}

#[test]
fn record_fields_and_subarrays() {
    // [('t','<u8'),('xy','<f8',(2,)),('flag','u1'),('pad','V7')]: 32-byte records.
    let dt = DType::parse("[('t','<u8'),('xy','<f8',(2,)),('flag','u1'),('pad','V7')]").unwrap();
    let mut bytes = Vec::new();
    for i in 0..5u64 {
        bytes.extend(i.to_le_bytes());
        bytes.extend((i as f64).to_le_bytes());
        bytes.extend((-(i as f64)).to_le_bytes());
        bytes.push(i as u8 % 2);
        bytes.extend([0u8; 7]);
    }
    let view = raw::from_bytes(&bytes, &RawOptions::new(dt)).unwrap();
    let t = view.clone().field("t").unwrap();
    let nd = t.as_ndarray::<u64>().unwrap();
    assert_eq!(nd.strides(), [4]);
    assert_eq!(nd.iter().copied().collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
    let xy = view.clone().field("xy").unwrap();
    let nd = xy.as_ndarray::<f64>().unwrap();
    assert_eq!(nd.shape(), [5, 2]);
    assert_eq!(nd.strides(), [4, 1]);
    for i in 0..5 {
        assert_eq!((nd[[i, 0]], nd[[i, 1]]), (i as f64, -(i as f64)));
    }
    // The one-byte field is viewable at any offset.
    let flag = view.field("flag").unwrap().as_ndarray::<u8>().unwrap();
    assert_eq!(flag.iter().copied().collect::<Vec<_>>(), [0, 1, 0, 1, 0]);
}

#[test]
fn big_endian_misaligned_and_broadcast_data_are_copied() {
    let be = bytes_of((0..6).map(|i| (i as f64 + 0.25).to_be_bytes()));
    let view = dtkit::ArrayView::from_bytes(&be, DType::parse(">f8").unwrap(), &[2, 3], 0).unwrap();
    let err = view.as_ndarray::<f64>().unwrap_err();
    assert!(err.message().contains("big-endian"), "{err}");
    let cow = view.to_ndarray::<f64>().unwrap();
    assert!(cow.is_owned());
    assert_same(&view, &cow.view());

    let mut shifted = vec![0u8];
    shifted.extend(bytes_of((0..4).map(|i| (i as f64).to_le_bytes())));
    let view =
        dtkit::ArrayView::from_bytes(&shifted, DType::parse("<f8").unwrap(), &[4], 1).unwrap();
    let err = view.as_ndarray::<f64>().unwrap_err();
    assert!(err.message().contains("not aligned"), "{err}");
    let cow = view.to_ndarray::<f64>().unwrap();
    assert_same(&view, &cow.view());

    // A broadcast row (stride 0) is still a view.
    let row = bytes_of((0..4).map(|i| (i as f64).to_le_bytes()));
    let view = dtkit::ArrayView::from_bytes(&row, DType::parse("<f8").unwrap(), &[4], 0).unwrap();
    let b = view.as_strided(&[3, 4], &[0, 8]).unwrap();
    let cow = b.to_ndarray::<f64>().unwrap();
    assert_same(&b, &cow.view());

    // A stride that is not a multiple of the element: i4 fields of 6-byte records.
    let rec = DType::parse("<i4, <i2").unwrap();
    let bytes: Vec<u8> = (0..4i32)
        .flat_map(|i| [i.to_le_bytes().to_vec(), vec![0, 0]].concat())
        .collect();
    let view = raw::from_bytes(&bytes, &RawOptions::new(rec)).unwrap();
    let f0 = view.field("f0").unwrap();
    assert!(f0.as_ndarray::<i32>().is_err());
    assert_eq!(
        f0.to_ndarray::<i32>()
            .unwrap()
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    // The wrong element type.
    assert!(f0.to_ndarray::<f32>().is_err());
}

#[test]
fn ndarrays_become_dtkit_arrays() {
    let a = ndarray::Array::from_shape_fn((3, 4), |(i, j)| (i * 10 + j) as i32);
    let fortran = a.t().to_owned().reversed_axes(); // same values, F memory order
    for src in [a.view(), fortran.view()] {
        let arr: Array = from_ndarray(&src, DType::parse(">i4").unwrap()).unwrap();
        assert_eq!(arr.shape(), [3, 4]);
        for ((i, j), v) in src.indexed_iter() {
            assert_eq!(arr.view().get::<i32>(&[i, j]).unwrap(), *v);
        }
        assert_eq!(
            arr.view().element_bytes(&[1, 2]).unwrap(),
            12i32.to_be_bytes()
        );
    }
    assert!(from_ndarray(&a, DType::parse("<f4").unwrap()).is_err());
}
