//! Learned noise removal (the work of `spectro denoise`, without file I/O): 60 s of 48 kHz mono
//! speech-like tones in white noise, with 0.5 s of noise alone first, the noise learnt from that
//! stretch or estimated automatically.
//!
//! `cargo bench --bench denoise`. The comparison with noisereduce on the same input, in the same
//! run, with SI-SDR figures, is `benches/compare_denoise.py`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use spectro::edit::mask::MaskRaster;
use spectro::edit::{Denoise, Edit};
use spectro::pipeline::render::{grid_for, render_stream};
use spectro::signal::{Cancelled, Convention, MemorySource, Progress, Stft, StftParams};

/// The demo's left channel from 0.5 s on, in uniform white noise from the start.
fn noisy(seconds: f64) -> MemorySource<f32> {
    let fs = 48_000.0;
    let lead = (0.5 * fs) as usize;
    let tones = spectro::cli::demo::demo_signal_of(seconds - 0.5).swap_remove(0);
    let mut state = 0x5EED_5EEDu64;
    let samples = (0..lead + tones.len())
        .map(|n| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let u = (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32 / (1u64 << 24) as f32;
            let wanted = if n >= lead { tones[n - lead] } else { 0.0 };
            wanted + 0.05 * (2.0 * u - 1.0)
        })
        .collect();
    MemorySource {
        sample_rate: fs,
        channels: vec![samples],
    }
}

fn bench_denoise(c: &mut Criterion) {
    let mut group = c.benchmark_group("denoise");
    group.sample_size(10);
    let seconds = 60.0;
    let source = noisy(seconds);
    let stft = Stft::<f32>::new(StftParams::with_fft(2048), Convention::Scipy).unwrap();
    group.throughput(Throughput::Elements((seconds * 48_000.0) as u64));
    for (name, d) in [
        ("learnt", Denoise::learn([0.0, 0.5], None)),
        ("auto", Denoise::auto()),
    ] {
        group.bench_function(BenchmarkId::new("render", name), |b| {
            b.iter(|| {
                // A fresh raster each time: learning the noise is part of the work.
                let raster = MaskRaster::new(&[Edit::denoise(d.clone())], grid_for(&stft, &source));
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

criterion_group!(benches, bench_denoise);
criterion_main!(benches);
