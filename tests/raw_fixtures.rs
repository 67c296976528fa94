//! The seeds' raw-dump exercises on dumps NumPy wrote (`fixtures/raw/`), checked against
//! the values NumPy reported when it wrote them (`fixtures/raw/facts.json`).

use std::path::{Path, PathBuf};

use dtkit::raw::{self, MappedArray, RawOptions};
use dtkit::storage::{MapMode, Mapping};
use dtkit::{DType, Order};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/raw")
        .join(rel)
}

fn facts() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("facts.json")).unwrap()).unwrap()
}

fn radar_dtype() -> DType {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("formats/medkit_radar.dtype");
    dtkit::inspect::parse_cli_spec(&format!("@{}", path.display()), false).unwrap()
}

#[test]
fn fortran_big_endian_cube_element_1_0_0() {
    let f = &facts()["cube_f_be_i8.bin"];
    let opts = RawOptions::new(DType::parse(">i8").unwrap())
        .shape(&[2, 2, 2])
        .order(Order::F);
    let bytes = std::fs::read(fixture("cube_f_be_i8.bin")).unwrap();
    assert_eq!(bytes.len(), 64);
    let view = raw::from_bytes(&bytes, &opts).unwrap();
    let want = f["element_1_0_0"].as_i64().unwrap();
    // Through the array API...
    assert_eq!(view.get::<i64>(&[1, 0, 0]).unwrap(), want);
    assert_eq!(
        view.strides().iter().map(|&s| s as i64).collect::<Vec<_>>(),
        f["strides"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect::<Vec<_>>()
    );
    // ...and by hand from the strides.
    let off: isize = [1isize, 0, 0]
        .iter()
        .zip(view.strides())
        .map(|(i, s)| i * s)
        .sum();
    let by_hand = i64::from_be_bytes(bytes[off as usize..off as usize + 8].try_into().unwrap());
    assert_eq!(by_hand, want);
    let c_order: Vec<i64> = f["values_c_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(view.to_vec::<i64>().unwrap(), c_order);
    // fromfile and memmap agree.
    let owned = raw::read(&fixture("cube_f_be_i8.bin"), &opts).unwrap();
    assert_eq!(owned.view().to_vec::<i64>().unwrap(), c_order);
    assert!(owned.flags().f_contiguous && !owned.flags().c_contiguous);
    #[allow(unsafe_code)]
    // SAFETY: a committed fixture, opened read-only and not modified by the test.
    let map = unsafe { Mapping::open(&fixture("cube_f_be_i8.bin"), MapMode::ReadOnly, 0) }.unwrap();
    let mapped = MappedArray::new(map, &opts).unwrap();
    assert_eq!(mapped.view().get::<i64>(&[1, 0, 0]).unwrap(), want);
    assert!(!mapped.view().flags().writeable);
    // The C-order native copy NumPy's ascontiguousarray(...).astype('=i8') would make.
    let native = view.to_byte_order(dtkit::ByteOrder::NATIVE).unwrap();
    assert_eq!(native.view().as_slice::<i64>().unwrap(), &c_order[..]);
}

#[test]
fn radar_position_az_without_copy() {
    let f = &facts()["medkit_radar.bin"];
    let opts = RawOptions::new(radar_dtype());
    #[allow(unsafe_code)]
    // SAFETY: a committed fixture, opened read-only and not modified by the test.
    let map = unsafe { Mapping::open(&fixture("medkit_radar.bin"), MapMode::ReadOnly, 0) }.unwrap();
    let data = MappedArray::new(map, &opts).unwrap();
    let view = data.view();
    let az = view.clone().field("position").unwrap().field("az").unwrap();
    let want: Vec<f32> = f["position.az"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    assert_eq!(az.to_vec::<f32>().unwrap(), want);
    assert_eq!(az.strides()[0] as i64, f["az_strides"][0].as_i64().unwrap());
    // Zero copy: the field view addresses the mapped bytes themselves.
    assert!(std::ptr::eq(az.bytes(), view.bytes()));
    let ids: Vec<u16> = f["position.region_ID"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u16)
        .collect();
    let id_view = view.clone().field("position.region_ID").unwrap();
    assert!(!id_view.flags().aligned, "region_ID sits at odd offset 21");
    assert_eq!(id_view.to_vec::<u16>().unwrap(), ids);
    let times: Vec<u64> = f["time"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(
        view.clone().field("time").unwrap().to_vec::<u64>().unwrap(),
        times
    );
    let samples = view
        .field("samples")
        .unwrap()
        .index_axis(0, 2)
        .unwrap()
        .slice_axis(0, None, Some(5), 1)
        .unwrap();
    let want: Vec<i16> = f["samples[2][:5]"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap() as i16)
        .collect();
    assert_eq!(samples.to_vec::<i16>().unwrap(), want);
}

#[test]
fn the_big_endian_copy_with_a_header_matches() {
    let le = std::fs::read(fixture("medkit_radar.bin")).unwrap();
    let be_dt = radar_dtype().with_byte_order(dtkit::ByteOrder::Big);
    let opts = RawOptions::new(be_dt).offset(16);
    let a = raw::read(&fixture("medkit_radar_be_header16.bin"), &opts).unwrap();
    let native = a.view().to_byte_order(dtkit::ByteOrder::Little).unwrap();
    assert_eq!(native.buffer().as_bytes(), &le[..]);
    // Chunked reading gives the same records.
    let mut file = std::fs::File::open(fixture("medkit_radar_be_header16.bin")).unwrap();
    std::io::Read::read_exact(&mut file, &mut [0u8; 16]).unwrap();
    let total: usize = raw::chunks(file, a.dtype().clone(), 4, 3)
        .map(|c| c.unwrap().len())
        .sum();
    assert_eq!(total, 4);
}
