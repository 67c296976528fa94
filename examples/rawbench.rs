//! Timing of dtkit's raw-dump operations for `benches/compare.py`, which runs the NumPy
//! equivalents on the same files in the same run. Prints one JSON line.
//!
//! ```text
//! rawbench field    FILE DTYPE FIELD        # extract one field of mapped records
//! rawbench byteswap FILE DTYPE              # mapped foreign-endian data to native
//! rawbench f2c      FILE DTYPE ROWS COLS    # mapped Fortran matrix to a C copy
//! rawbench npyload  FILE                    # np.load of an .npy into memory
//! rawbench npyfield FILE FIELD              # np.load(mmap_mode='r')[field] made contiguous
//! rawbench savez    FILE OUT                # np.savez of an .npy's array (stored)
//! rawbench savezc   FILE OUT                # np.savez_compressed of an .npy's array
//! rawbench npzload  FILE KEY                # np.load(npz)[key]
//! rawbench loadtxt  FILE DTYPE [DELIM [QUOTE]] # np.loadtxt
//! rawbench genfromtxt FILE DTYPE [DELIM]     # np.genfromtxt
//! rawbench fromregex FILE DTYPE PATTERN      # np.fromregex
//! ```
//! Each operation runs 3 times on a warm map (`RAWBENCH_N` to change); the best time is
//! reported, and with `RAWBENCH_EACH=1` every run's time goes to standard error.

use std::path::Path;
use std::time::Instant;

use dtkit::raw::{MappedArray, RawOptions};
use dtkit::storage::{MapMode, Mapping};
use dtkit::{ByteOrder, DType, Order};

/// This process's peak resident memory in MiB (Linux `VmHWM`), 0 elsewhere.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn report(op: &str, best: f64, out_bytes: usize, check: u64) {
    println!(
        "{{\"op\": \"{op}\", \"seconds\": {best:.6}, \"out_bytes\": {out_bytes}, \"check\": {check}, \"peak_rss_mb\": {:.1}}}",
        peak_rss_mb()
    );
}

fn checksum(bytes: &[u8]) -> u64 {
    bytes.iter().step_by(4093).map(|&b| u64::from(b)).sum()
}

/// How many times each operation runs: 3, or `RAWBENCH_N`.
fn runs() -> usize {
    std::env::var("RAWBENCH_N")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3)
}

/// Each run's time on standard error when `RAWBENCH_EACH` is set: on this VM the first
/// touch of fresh memory can cost 20 times a later one, and the best alone hides that.
fn each(seconds: f64) {
    if std::env::var_os("RAWBENCH_EACH").is_some() {
        eprintln!("{seconds:.4}");
    }
}

fn best_of_3(
    mut f: impl FnMut() -> Result<(usize, u64), Box<dyn std::error::Error>>,
) -> Result<(f64, usize, u64), Box<dyn std::error::Error>> {
    let mut best = f64::INFINITY;
    let mut last = (0, 0);
    for _ in 0..runs() {
        let t = Instant::now();
        last = f()?;
        let seconds = t.elapsed().as_secs_f64();
        best = best.min(seconds);
        each(seconds);
    }
    Ok((best, last.0, last.1))
}

/// The .npy and .npz workloads.
fn npy_ops(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    use dtkit::npy;
    use dtkit::npz::{Member, Npz, NpzOptions, NpzWriter};
    let (op, file) = (args[1].as_str(), Path::new(&args[2]));
    let opts = npy::ReadOptions::default();
    let (best, out_bytes, check) = match op {
        "npyload" => best_of_3(|| {
            let (_, a) = npy::load(file, &opts)?;
            Ok((a.buffer().len(), checksum(a.buffer().as_bytes())))
        })?,
        "npyfield" => {
            // SAFETY: benchmark files are private to the harness and not modified while mapped.
            #[allow(unsafe_code)]
            let map = unsafe { Mapping::open(file, MapMode::ReadOnly, 0)? };
            let m = npy::MappedNpy::new(map, &opts)?;
            best_of_3(|| {
                let a = m.view().field(&args[3])?.to_contiguous(Order::C)?;
                Ok((a.buffer().len(), checksum(a.buffer().as_bytes())))
            })?
        }
        "savez" | "savezc" => {
            let (_, a) = npy::load(file, &opts)?;
            let out = Path::new(&args[3]);
            best_of_3(|| {
                let mut w = NpzWriter::create(out, op == "savezc")?;
                w.add("arr_0", &a.view())?;
                w.finish()?;
                Ok((std::fs::metadata(out)?.len() as usize, 0))
            })?
        }
        "loadtxt" => {
            let mut o = dtkit::text::LoadTxtOptions {
                dtype: dtkit::DType::parse(&args[3])?,
                ..Default::default()
            };
            o.delimiter = args.get(4).and_then(|d| d.chars().next());
            o.quotechar = args.get(5).and_then(|d| d.chars().next());
            best_of_3(|| {
                let a = dtkit::text::loadtxt_path(file, &o)?;
                Ok((a.buffer().len(), checksum(a.buffer().as_bytes())))
            })?
        }
        "genfromtxt" => {
            let o = dtkit::text::GenFromTxtOptions {
                dtype: Some(dtkit::DType::parse(&args[3])?),
                delimiter: args.get(4).cloned(),
                ..Default::default()
            };
            best_of_3(|| {
                let a = dtkit::text::genfromtxt_path(file, &o)?.data;
                Ok((a.buffer().len(), checksum(a.buffer().as_bytes())))
            })?
        }
        "fromregex" => {
            let dtype = dtkit::DType::parse(&args[3])?;
            best_of_3(|| {
                let a = dtkit::text::fromregex_path(file, &args[4], &dtype)?;
                Ok((a.buffer().len(), checksum(a.buffer().as_bytes())))
            })?
        }
        "savetxt" => {
            // args: input.npy output.txt fmt delimiter
            let (_, a) = npy::load(file, &opts)?;
            let out = Path::new(&args[3]);
            let fmt = args[4].split('|').map(str::to_owned).collect::<Vec<_>>();
            let o = dtkit::text::SaveTxtOptions {
                fmt: if fmt.len() == 1 {
                    dtkit::text::Fmt::Str(fmt[0].clone())
                } else {
                    dtkit::text::Fmt::List(fmt)
                },
                delimiter: args[5].clone(),
                ..Default::default()
            };
            // Only the writing is timed; the output is checked afterwards.
            let (best, _, _) = best_of_3(|| {
                dtkit::text::savetxt_path(&a.view(), out, &o)?;
                Ok((0, 0))
            })?;
            let bytes = std::fs::read(out)?;
            (best, bytes.len(), checksum(&bytes))
        }
        "npzload" => best_of_3(|| {
            let mut z = Npz::open(file, &NpzOptions::default())?;
            match z.load(&args[3])? {
                Member::Array(_, a) => Ok((a.buffer().len(), checksum(a.buffer().as_bytes()))),
                Member::Bytes(b) => Ok((b.len(), checksum(&b))),
            }
        })?,
        other => return Err(format!("unknown op {other}").into()),
    };
    report(op, best, out_bytes, check);
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if matches!(
        args[1].as_str(),
        "npyload"
            | "npyfield"
            | "savez"
            | "savezc"
            | "npzload"
            | "loadtxt"
            | "genfromtxt"
            | "fromregex"
            | "savetxt"
    ) {
        return npy_ops(&args);
    }
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
    for _ in 0..runs() {
        let t = Instant::now();
        let out = match op {
            "field" => view.clone().field(&args[4])?.to_contiguous(Order::C)?,
            "byteswap" => view.to_byte_order(ByteOrder::NATIVE)?,
            "f2c" => view.to_contiguous(Order::C)?,
            other => return Err(format!("unknown op {other}").into()),
        };
        let seconds = t.elapsed().as_secs_f64();
        best = best.min(seconds);
        each(seconds);
        let bytes = out.buffer().as_bytes();
        out_bytes = bytes.len();
        check = bytes.iter().step_by(4093).map(|&b| u64::from(b)).sum();
    }
    report(op, best, out_bytes, check);
    Ok(())
}
