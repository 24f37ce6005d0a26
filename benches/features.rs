//! Features for classification: whole `extract_features` calls, in memory (no file I/O).
//!
//! `cargo bench --bench features`. Inputs:
//! - `ao73_60s`: tests/data/sat_ao73.wav (5.6 s at 48 kHz) looped to 60 s, as
//!   `benches/compare_features.py` builds it for librosa; librosa's geometry (2048/512, Hann),
//!   frame features only (levels, bands, spectral statistics, 20 MFCCs), then with bursts;
//! - `adsb`: the ADS-B capture tests/data/dump1090_modes1_1090M_2000k.cu8 (0.18 s of IQ at
//!   2 MS/s), two-sided, at 256/64 and at the 16/4 the burst tests use, with bursts.
//!
//! The same-run comparison with librosa is `benches/compare_features.py` (BENCHMARKS.md).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use spectro::edit::EditList;
use spectro::features::{FeatureOptions, extract_features};
use spectro::io::{OpenOptions, Recording};
use spectro::signal::{MemorySource, Progress, SampleSource, StftParams, WindowKind};

fn data(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn ao73_looped(seconds: f64) -> MemorySource<f32> {
    let rec = Recording::open(data("sat_ao73.wav"), OpenOptions::default()).unwrap();
    let mut x = vec![0.0f32; rec.len() as usize];
    rec.read_real(0, 0, &mut x);
    let n = (seconds * rec.sample_rate()).round() as usize;
    MemorySource {
        sample_rate: rec.sample_rate(),
        channels: vec![x.iter().cycle().take(n).copied().collect()],
    }
}

fn options(fft_len: usize, hop: usize, bursts: bool) -> FeatureOptions {
    let defaults = FeatureOptions::default();
    FeatureOptions {
        stft: StftParams {
            fft_len,
            hop,
            window: WindowKind::Hann,
        },
        bursts: if bursts { defaults.bursts } else { None },
        ..defaults
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("features");
    group.sample_size(10);
    let none = EditList::default();
    let audio: std::sync::Arc<dyn spectro::signal::SampleSource> = std::sync::Arc::new(ao73_looped(60.0));
    for (label, bursts) in [("frames", false), ("frames_and_bursts", true)] {
        let o = options(2048, 512, bursts);
        group.bench_function(BenchmarkId::new(label, "ao73_60s"), |b| {
            b.iter(|| extract_features(&audio, &none, StftParams::default(), &o, &Progress::new()).unwrap())
        });
    }
    let adsb: std::sync::Arc<dyn spectro::signal::SampleSource> = std::sync::Arc::new(
        Recording::open(data("dump1090_modes1_1090M_2000k.cu8"), OpenOptions::default()).unwrap(),
    );
    for (fft, hop) in [(256, 64), (16, 4)] {
        let o = options(fft, hop, true);
        group.bench_function(
            BenchmarkId::new(format!("iq_{fft}_{hop}_with_bursts"), "adsb"),
            |b| {
                b.iter(|| {
                    extract_features(&adsb, &none, StftParams::default(), &o, &Progress::new()).unwrap()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
