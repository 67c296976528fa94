//! Writes `.npy` files the growing ways — created for mapping (`w+`) and filled through
//! the map, appended to, streamed — into a directory, for `tests/interop/check_numpy.py`
//! to load with NumPy. Record `i` holds `t = i`, `v = [i / 2, -i]`.

use std::path::Path;

use dtkit::npy;
use dtkit::storage::{MapMode, Mapping};
use dtkit::{Array, DType, Order};

const SPEC: &str = "[('t','<u8'),('v','>f4',(2,))]";

fn record(i: u64) -> Vec<u8> {
    let mut r = i.to_le_bytes().to_vec();
    r.extend((i as f32 / 2.0).to_be_bytes());
    r.extend((-(i as f32)).to_be_bytes());
    r
}

fn records(range: std::ops::Range<u64>) -> Vec<u8> {
    range.flat_map(record).collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: npy_grow DIR")?;
    let dir = Path::new(&dir);
    let dt = DType::parse(SPEC)?;

    // w+, then filled record by record through an r+ map.
    let created = dir.join("created.npy");
    npy::create(&created, &dt, &[4], Order::C)?;
    // SAFETY: the file was just created by this program and nothing else touches it.
    #[allow(unsafe_code)]
    let map = unsafe { Mapping::open(&created, MapMode::ReadWrite, 0)? };
    let mut file = npy::MappedNpy::new(map, &npy::ReadOptions::default())?;
    let mut view = file.view_mut()?;
    for i in 0..4 {
        view.element_bytes_mut(&[i as usize])?
            .copy_from_slice(&record(i));
    }
    file.flush()?;
    drop(file);

    // Saved, then appended to twice.
    let appended = dir.join("appended.npy");
    npy::save(
        &Array::from_bytes(&records(0..2), dt.clone(), &[2], Order::C)?.view(),
        &appended,
    )?;
    npy::append(
        &appended,
        &Array::from_bytes(&records(2..5), dt.clone(), &[3], Order::C)?.view(),
    )?;
    npy::append(
        &appended,
        &Array::from_bytes(&records(5..6), dt.clone(), &[1], Order::C)?.view(),
    )?;

    // Streamed in three flushes.
    let streamed = dir.join("streamed.npy");
    let mut w = npy::Writer::create(&streamed, &dt, &[])?;
    for chunk in [0..3u64, 3..4, 4..7] {
        w.write_records(&records(chunk))?;
        w.flush()?;
    }
    w.finish()?;
    Ok(())
}
