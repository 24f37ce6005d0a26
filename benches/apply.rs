//! Rendering an edited recording (the work of `spectro apply`, without file I/O), for a rect
//! that spans the whole recording (every frame transformed) and one that spans a tenth of it.
//!
//! `cargo bench --bench apply`. The whole-process comparison with scipy, including reading and
//! writing files and peak memory, is `benches/compare_apply.sh`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use spectro::edit::mask::MaskRaster;
use spectro::edit::{Edit, Shape};
use spectro::pipeline::render::{grid_for, render_stream};
use spectro::signal::{Cancelled, Convention, MemorySource, Progress, Stft, StftParams};

fn bench_apply(c: &mut Criterion) {
    let mut group = c.benchmark_group("apply");
    group.sample_size(10);
    // 60 s of the demo, stereo 48 kHz.
    let source = MemorySource {
        sample_rate: 48_000.0,
        channels: spectro::cli::demo::demo_signal_of(60.0),
    };
    let stft = Stft::<f32>::new(StftParams::with_fft(2048), Convention::Scipy).unwrap();
    group.throughput(Throughput::Elements(2 * 60 * 48_000));
    for (name, span) in [("rect-whole", [0.0, 60.0]), ("rect-tenth", [20.0, 26.0])] {
        let edit = Edit::new(
            Shape::Rect {
                time_s: span,
                freq_hz: [2800.0, 3200.0],
            },
            -100.0,
        );
        let raster = MaskRaster::new(&[edit], grid_for(&stft, &source));
        group.bench_function(BenchmarkId::new("render", name), |b| {
            b.iter(|| {
                let mut sum = 0.0f32;
                render_stream(
                    &source,
                    &stft,
                    &raster,
                    &Progress::new(),
                    |_, blk: &[Vec<f32>]| {
                        sum += blk[0][0];
                        Ok::<(), Cancelled>(())
                    },
                )
                .unwrap();
                sum
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_apply);
criterion_main!(benches);
