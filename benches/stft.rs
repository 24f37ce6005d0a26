//! STFT and inverse STFT throughput, real and IQ, in samples per second.
//!
//! `cargo bench --bench stft`. Criterion reports throughput in elements (samples) per second.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use spectro::signal::{Complex32, Convention, Spectrogram, Stft, StftParams, WindowKind};

fn signal(len: usize) -> Vec<f32> {
    let mut s = 0x1234_5678u32;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            s as f32 / u32::MAX as f32 - 0.5
        })
        .collect()
}

fn bench_real(c: &mut Criterion) {
    let mut group = c.benchmark_group("real");
    group.sample_size(10);
    // 10 s of 48 kHz audio.
    let x = signal(480_000);
    group.throughput(Throughput::Elements(x.len() as u64));
    for (fft, hop) in [(2048, 512), (1024, 256), (4096, 1024)] {
        let stft = Stft::<f32>::new(
            StftParams {
                fft_len: fft,
                hop,
                window: WindowKind::Hann,
            },
            Convention::Scipy,
        )
        .unwrap();
        let spec = stft.stft(&x);
        group.bench_with_input(BenchmarkId::new("stft", format!("{fft}/{hop}")), &x, |b, x| {
            b.iter(|| stft.stft(x))
        });
        group.bench_with_input(
            BenchmarkId::new("istft", format!("{fft}/{hop}")),
            &spec,
            |b, s| b.iter(|| stft.istft(s, x.len())),
        );
    }
    group.finish();
}

fn bench_iq(c: &mut Criterion) {
    let mut group = c.benchmark_group("iq");
    group.sample_size(10);
    // 1 s at 2 MS/s.
    let re = signal(2_000_000);
    let x: Vec<Complex32> = re
        .iter()
        .zip(re.iter().rev())
        .map(|(&a, &b)| Complex32::new(a, b))
        .collect();
    group.throughput(Throughput::Elements(x.len() as u64));
    // A typical viewing size, and the 20 ms windows (40000 samples, not a power of two).
    for (fft, hop) in [(4096, 1024), (40_000, 10_000)] {
        let stft = Stft::<Complex32>::new(
            StftParams {
                fft_len: fft,
                hop,
                window: WindowKind::Hann,
            },
            Convention::Scipy,
        )
        .unwrap();
        let spec: Spectrogram = stft.stft(&x);
        group.bench_with_input(BenchmarkId::new("stft", format!("{fft}/{hop}")), &x, |b, x| {
            b.iter(|| stft.stft(x))
        });
        group.bench_with_input(
            BenchmarkId::new("istft", format!("{fft}/{hop}")),
            &spec,
            |b, s| b.iter(|| stft.istft(s, x.len())),
        );
    }
    group.finish();
}

criterion_group!(benches, bench_real, bench_iq);
criterion_main!(benches);
