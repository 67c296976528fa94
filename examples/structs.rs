//! Rust structs as NumPy records, both ways, for `tests/interop/check_numpy.py`:
//!
//! - `structs write DIR` infers a dtype from a `Vec<Telemetry>` and writes it as
//!   `telemetry.npy`, `telemetry.npz` (compressed member `telemetry`) and the raw dump
//!   `telemetry.bin`, then prints the dtype's `descr`;
//! - `structs read FILE.npy` reads a `.npy` of that dtype back into `Telemetry` values and
//!   prints them as JSON lines.
//!
//! Record `i` is [`Telemetry::sample`]`(i)`; the Python side computes the same values.

use std::path::Path;

use dtkit::{npy, npz, records};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
enum Mode {
    Idle,
    Scan,
    Track,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Position {
    az: f32,
    el: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Telemetry {
    time: u64,
    station: String,
    mode: Mode,
    position: Position,
    samples: [i16; 4],
    temps: [[f64; 2]; 2],
    ok: bool,
    pair: (u8, f64),
}

impl Telemetry {
    fn sample(i: u64) -> Telemetry {
        let f = i as f64;
        Telemetry {
            time: 1_700_000_000_000 + i * 250,
            station: ["alpha", "b", "gamma-ray"][(i % 3) as usize].to_owned(),
            mode: [Mode::Idle, Mode::Scan, Mode::Track][(i % 3) as usize],
            position: Position {
                az: i as f32 * 0.5,
                el: -(i as f32) * 0.25,
            },
            samples: [
                i as i16,
                -(i as i16),
                (i * 100) as i16,
                (-32768 + i as i32) as i16,
            ],
            temps: [[f + 0.5, -1.5], [1e300, f / 3.0]],
            ok: i % 2 == 0,
            pair: ((i % 256) as u8, 1.0 / (f + 1.0)),
        }
    }
}

const COUNT: u64 = 1000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1..).unwrap_or_default() {
        [cmd, dir] if cmd == "write" => {
            let dir = Path::new(dir);
            let values: Vec<Telemetry> = (0..COUNT).map(Telemetry::sample).collect();
            let array = records::to_array(&values)?;
            let view = array.view();
            npy::save(&view, &dir.join("telemetry.npy"))?;
            let mut z = npz::NpzWriter::create(&dir.join("telemetry.npz"), true)?;
            z.add("telemetry", &view)?;
            z.finish()?;
            let mut raw = std::fs::File::create(dir.join("telemetry.bin"))?;
            view.write_to(&mut raw)?;
            println!("{}", view.dtype().descr()?);
            // And back: what was written reads as the same values.
            let back: Vec<Telemetry> = view.to_structs()?;
            assert_eq!(back, values);
        }
        [cmd, file] if cmd == "read" => {
            let (_, array) = npy::load(Path::new(file), &npy::ReadOptions::default())?;
            for t in array.view().records::<Telemetry>() {
                println!("{}", serde_json::to_string(&t?)?);
            }
        }
        _ => return Err("usage: structs write DIR | structs read FILE.npy".into()),
    }
    Ok(())
}
