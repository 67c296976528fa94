//! In-process figures (criterion) for the paths `benches/compare.py` times against NumPy
//! as whole processes: field extraction, byte-order conversion, the Fortran→C copy,
//! `.npy` writing and parsing, text in and out, fromregex, and records as serde structs.
//! Inputs are generated in memory (16 MiB or so each), so this runs in about a minute:
//!
//!     cargo bench --bench inprocess
//!     cargo bench --bench inprocess -- loadtxt     # one group

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dtkit::text::{self, LoadTxtOptions, SaveTxtOptions};
use dtkit::{npy, records, ArrayView, ByteOrder, DType, Order};
use serde::Deserialize;

const MB: usize = 1 << 20;

/// Deterministic bytes (xorshift), so runs compare.
fn noise(n: usize) -> Vec<u8> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn floats(n: usize) -> Vec<f64> {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64 * 200.0 - 100.0
        })
        .collect()
}

fn group<'a>(
    c: &'a mut Criterion,
    name: &str,
    bytes: usize,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2))
        .throughput(Throughput::Bytes(bytes as u64));
    g
}

fn arrays(c: &mut Criterion) {
    let rec = DType::parse(
        "[('time','<u8'),('position',[('az','<f4'),('el','<f4')]),('samples','<i2',(24,))]",
    )
    .unwrap();
    let bytes = noise(16 * MB / 64 * 64);
    let n = bytes.len() / 64;
    let view = ArrayView::from_bytes(&bytes, rec, &[n], 0).unwrap();
    let mut g = group(c, "arrays", bytes.len());
    g.bench_function("field position.az to contiguous", |b| {
        b.iter(|| {
            black_box(
                view.clone()
                    .field("position.az")
                    .unwrap()
                    .to_contiguous(Order::C)
                    .unwrap(),
            )
        })
    });
    let be =
        ArrayView::from_bytes(&bytes, DType::parse(">f8").unwrap(), &[bytes.len() / 8], 0).unwrap();
    g.bench_function("big-endian f8 to native", |b| {
        b.iter(|| black_box(be.to_byte_order(ByteOrder::NATIVE).unwrap()))
    });
    let side = 1448; // 16 MiB of f8
    let f = ArrayView::from_bytes_order(
        &bytes[..side * side * 8],
        DType::parse("<f8").unwrap(),
        &[side, side],
        0,
        Order::F,
    )
    .unwrap();
    g.bench_function("Fortran to C copy (1448x1448 f8)", |b| {
        b.iter(|| black_box(f.to_contiguous(Order::C).unwrap()))
    });
    g.bench_function(".npy write + view", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(bytes.len() + 256);
            npy::write(&view, &mut out).unwrap();
            let (_, v) = npy::view(&out, &Default::default()).unwrap();
            black_box(v.len())
        })
    });
    g.finish();
}

fn text_io(c: &mut Criterion) {
    let values = floats(400_000);
    let mut csv = String::new();
    for row in values.chunks(10) {
        let line: Vec<String> = row.iter().map(|v| format!("{v:.15}")).collect();
        csv.push_str(&line.join(","));
        csv.push('\n');
    }
    let mut g = group(c, "text", csv.len());
    let opts = LoadTxtOptions {
        dtype: DType::parse("f8").unwrap(),
        delimiter: Some(','),
        ..Default::default()
    };
    g.bench_function("loadtxt float CSV", |b| {
        b.iter(|| black_box(text::loadtxt_str(&csv, &opts).unwrap()))
    });
    let mut mixed = String::new();
    for i in 0..300_000u64 {
        mixed.push_str(&format!(
            "{i} {} {} {:.4}\n",
            ["alpha", "be", "gamma"][i as usize % 3],
            i * 7919 % 100_000_000,
            i as f64 / 300_000.0
        ));
    }
    let spec =
        DType::parse("[('rank','i8'),('lemma','S8'),('frequency','i8'),('dispersion','f8')]")
            .unwrap();
    let mopts = LoadTxtOptions {
        dtype: spec.clone(),
        ..Default::default()
    };
    g.throughput(Throughput::Bytes(mixed.len() as u64));
    g.bench_function("loadtxt mixed records", |b| {
        b.iter(|| black_box(text::loadtxt_str(&mixed, &mopts).unwrap()))
    });
    g.bench_function("fromregex mixed records", |b| {
        b.iter(|| {
            black_box(text::fromregex_str(&mixed, r"(\d+) (\w+) (\d+) (\S+)\n", &spec).unwrap())
        })
    });
    let array = text::loadtxt_str(&csv, &opts).unwrap();
    let save = SaveTxtOptions {
        delimiter: ",".into(),
        ..Default::default()
    };
    let mut sample = Vec::new();
    text::savetxt(&array.view(), &mut sample, &save).unwrap();
    g.throughput(Throughput::Bytes(sample.len() as u64));
    g.bench_function("savetxt floats '%.18e'", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(sample.len());
            text::savetxt(&array.view(), &mut out, &save).unwrap();
            black_box(out.len())
        })
    });
    g.finish();
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Ping<'a> {
    time: u64,
    name: &'a str,
    position: (f32, f32),
}

#[derive(serde::Serialize)]
struct Out {
    time: u64,
    name: &'static str,
    position: [f32; 2],
    samples: [i16; 8],
}

fn structs(c: &mut Criterion) {
    let dt = DType::parse(
        "[('time','<u8'),('name','S8'),('position','<f4',(2,)),('samples','<i2',(8,))]",
    )
    .unwrap();
    let names = ["north", "south", "east", "west-ish"];
    let values: Vec<Out> = (0..1_000_000u64)
        .map(|i| Out {
            time: i,
            name: names[i as usize % 4],
            position: [i as f32, 0.5],
            samples: [i as i16; 8],
        })
        .collect();
    let array = records::to_array_with(&values, dt.clone()).unwrap();
    let view = array.view();
    let mut g = group(c, "structs", view.nbytes());
    g.bench_function("1M records as borrowing structs", |b| {
        b.iter(|| {
            let mut n = 0u64;
            for p in view.records::<Ping>() {
                n += p.unwrap().time & 1;
            }
            black_box(n)
        })
    });
    g.bench_function("1M structs to records", |b| {
        b.iter(|| black_box(records::to_array_with(&values, dt.clone()).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, arrays, text_io, structs);
criterion_main!(benches);
