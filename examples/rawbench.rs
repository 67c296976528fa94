//! Timing of dtkit's raw-dump operations for `benches/compare.py`, which runs the NumPy
//! equivalents on the same files in the same run. Prints one JSON line.
//!
//! ```text
//! rawbench field    FILE DTYPE FIELD        # extract one field of mapped records
//! rawbench byteswap FILE DTYPE              # mapped foreign-endian data to native
//! rawbench f2c      FILE DTYPE ROWS COLS    # mapped Fortran matrix to a C copy
//! ```
//! Each operation runs 3 times on a warm map; the best time is reported.

use std::path::Path;
use std::time::Instant;

use dtkit::raw::{MappedArray, RawOptions};
use dtkit::storage::{MapMode, Mapping};
use dtkit::{ByteOrder, DType, Order};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (op, file, spec) = (args[1].as_str(), &args[2], &args[3]);
    let dtype = DType::parse(spec)?;
    let mut opts = RawOptions::new(dtype);
    if op == "f2c" {
        opts = opts
            .shape(&[args[4].parse()?, args[5].parse()?])
            .order(Order::F);
    }
    // SAFETY: benchmark files are private to the harness and not modified while mapped.
    #[allow(unsafe_code)]
    let map = unsafe { Mapping::open(Path::new(file), MapMode::ReadOnly, 0)? };
    let mapped = MappedArray::new(map, &opts)?;
    let view = mapped.view();
    let mut best = f64::INFINITY;
    let mut check = 0u64;
    let mut out_bytes = 0usize;
    for _ in 0..3 {
        let t = Instant::now();
        let out = match op {
            "field" => view.clone().field(&args[4])?.to_contiguous(Order::C)?,
            "byteswap" => view.to_byte_order(ByteOrder::NATIVE)?,
            "f2c" => view.to_contiguous(Order::C)?,
            other => return Err(format!("unknown op {other}").into()),
        };
        best = best.min(t.elapsed().as_secs_f64());
        let bytes = out.buffer().as_bytes();
        out_bytes = bytes.len();
        check = bytes.iter().step_by(4093).map(|&b| u64::from(b)).sum();
    }
    println!(
        "{{\"op\": \"{op}\", \"seconds\": {best:.6}, \"out_bytes\": {out_bytes}, \"check\": {check}}}"
    );
    Ok(())
}
