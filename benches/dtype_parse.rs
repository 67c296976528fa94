//! In-process figures for the dtype parser: how long `np.dtype(spec)`'s equivalent takes.
//! Run with `cargo bench --bench dtype_parse`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use dtkit::DType;
use std::hint::black_box;

fn specs() -> Vec<(&'static str, String)> {
    let wide: String = format!(
        "[{}]",
        (0..1000)
            .map(|i| format!("('field_{i}', '<f8')"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let comma = vec!["i4"; 10_001].join(",");
    vec![
        ("scalar", "<f8".to_owned()),
        ("comma", "i4, (2,3)f8, S5".to_owned()),
        (
            "nested",
            "[('time','<u8'),('position',[('az','<f4'),('el','<f4')]),('samples','<i2',(2048,))]"
                .to_owned(),
        ),
        ("list_1000_fields", wide),
        ("comma_10001_fields", comma),
    ]
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("dtype_parse");
    for (name, spec) in specs() {
        group.bench_with_input(BenchmarkId::from_parameter(name), &spec, |b, s| {
            b.iter(|| DType::parse(black_box(s)).expect("valid spec"))
        });
    }
    group.finish();
    let dt = DType::parse(&specs()[3].1).expect("valid spec");
    c.bench_function("descr_1000_fields", |b| b.iter(|| black_box(&dt).descr()));
}

criterion_group!(benches, bench);
criterion_main!(benches);
