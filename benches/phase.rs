//! Phase reconstruction speed: whole `reconstruct` calls on real speech, and a regional edit.
//!
//! `cargo bench --bench phase`. Inputs (the same as `benches/librosa_griffinlim.py` and
//! `benches/compare_phase.py` use):
//! - `speech`: tests/data/arctic_a0007.wav (CMU ARCTIC), 4.0 s at 16 kHz, fft 1024, hop 256,
//!   Hann;
//! - `speech46`: the same looped to 4.6 s (220,800 samples), fft 2048, hop 512, Hann.
//!
//! Per iteration = (`fgla_100` − `fgla_0`) / 100: `fgla_0` is everything but the iterations
//! (start, final inverse and the closing measurement of the spectral convergence).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use spectro::io::Recording;
use spectro::signal::phase::{
    Method, PhaseOptions, RegionTarget, Start, magnitude, reconstruct, reconstruct_region,
};
use spectro::signal::stft::pad_signal;
use spectro::signal::{Complex32, Convention, Progress, SampleSource, Stft, StftParams, WindowKind};

const SPEECH_WAV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/arctic_a0007.wav");

fn speech(seconds: Option<f64>) -> Vec<f32> {
    let rec = Recording::open(SPEECH_WAV, Default::default()).unwrap_or_else(|e| panic!("{SPEECH_WAV}: {e}"));
    let fs = rec.sample_rate();
    let mut x = vec![0.0f32; rec.len() as usize];
    rec.read_real(0, 0, &mut x);
    match seconds {
        // Looped like numpy's `np.tile(y, k)[:n]` in the Python scripts.
        Some(s) => x
            .iter()
            .cycle()
            .take((s * fs).round() as usize)
            .copied()
            .collect(),
        None => x,
    }
}

fn plan(fft_len: usize, hop: usize) -> Stft<f32> {
    Stft::new(
        StftParams {
            fft_len,
            hop,
            window: WindowKind::Hann,
        },
        Convention::Scipy,
    )
    .unwrap()
}

fn options(method: Method, iterations: usize) -> PhaseOptions<'static> {
    let mut o = PhaseOptions::new(method);
    o.iterations = iterations;
    o
}

fn bench_whole(c: &mut Criterion) {
    let mut group = c.benchmark_group("phase");
    group.sample_size(10);
    for (name, seconds, fft, hop) in [("speech", None, 1024, 256), ("speech46", Some(4.6), 2048, 512)] {
        let x = speech(seconds);
        let stft = plan(fft, hop);
        let target = magnitude(&stft, &x);
        for (label, method, iterations) in [
            ("fgla_100", Method::Fgla, 100),
            ("fgla_0", Method::Fgla, 0),
            ("pghi", Method::Pghi, 0),
            ("pghi_fgla_32", Method::PghiFgla, 32),
        ] {
            let o = options(method, iterations);
            group.bench_function(BenchmarkId::new(label, name), |b| {
                b.iter(|| reconstruct(&stft, &target, x.len(), &o, &Progress::new()).unwrap())
            });
        }
    }
    group.finish();
}

fn bench_region(c: &mut Criterion) {
    // The editor's case: a whistle painted over 30 frames (0.16 s) and 3 bins of the speech,
    // the editor holding 140 frames of original STFT around it.
    let mut group = c.benchmark_group("phase_region");
    group.sample_size(10);
    let x = speech(None);
    let stft = plan(1024, 256);
    let bins = stft.bins();
    let frames = 60..200;
    let span = stft.frames_span(frames.clone());
    let segment = pad_signal(&x, span.clone());
    let mut original = vec![Complex32::default(); frames.len() * bins];
    stft.forward(&segment, span.start, frames.clone(), &mut original);
    let mut target: Vec<f32> = original.iter().map(|c| c.norm()).collect();
    let mut region = vec![0.0f32; original.len()];
    for k in 110..140 {
        let envelope = (std::f32::consts::PI * (k - 109) as f32 / 31.0).sin().powi(2);
        for (m, level) in [(99, 30.0), (100, 60.0), (101, 30.0)] {
            let c = (k - frames.start) * bins + m;
            target[c] += envelope * level;
            region[c] = 1.0;
        }
    }
    for (label, method, iterations) in [
        ("pghi_fgla_32", Method::PghiFgla, 32),
        ("fgla_32", Method::Fgla, 32),
    ] {
        let mut o = options(method, iterations);
        o.start = Start::Phase(&original);
        group.bench_function(BenchmarkId::new(label, "whistle"), |b| {
            b.iter(|| {
                reconstruct_region(
                    &stft,
                    &RegionTarget {
                        frames: frames.clone(),
                        signal_len: x.len() as u64,
                        original: &original,
                        magnitude: &target,
                        region: &region,
                    },
                    &o,
                    &Progress::new(),
                )
                .unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_whole, bench_region);
criterion_main!(benches);
