//! Tuned listening: one second of 2 MS/s IQ through the demodulator (mix, decimate, channel
//! filter, detect) per mode. Playback runs two of these (original and edited) in real time,
//! so the figure to read is the real-time factor: 1 s divided by the time per iteration.

use std::f64::consts::TAU;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spectro::audio::demod::{DemodMode, DemodSettings, Demodulator};
use spectro::signal::Complex32;

fn demod(c: &mut Criterion) {
    let fs = 2_000_000.0;
    let iq: Vec<Complex32> = (0..2_000_000)
        .map(|n| {
            let t = n as f64 / fs;
            Complex32::from_polar(
                (0.3 * (1.0 + 0.5 * (TAU * 1000.0 * t).sin())) as f32,
                (TAU * -200e3 * t % TAU) as f32,
            )
        })
        .collect();
    let mut group = c.benchmark_group("demod_1s_at_2MSps");
    group.throughput(Throughput::Elements(iq.len() as u64));
    group.sample_size(10);
    for mode in DemodMode::ALL {
        let settings = DemodSettings {
            mode,
            tune_hz: -200e3,
            bandwidth_hz: mode.default_bandwidth_hz(),
        };
        let mut d = Demodulator::new(settings, fs);
        let mut block = vec![Complex32::default(); 41 * 512];
        let mut out = Vec::new();
        group.bench_function(mode.name(), |b| {
            b.iter(|| {
                // In playback-sized chunks, as the producer feeds it.
                for (k, chunk) in iq.chunks(block.len()).enumerate() {
                    let n = chunk.len();
                    block[..n].copy_from_slice(chunk);
                    d.mix((k * block.len()) as u64, &mut block[..n]);
                    d.demodulate(&block[..n], &mut out);
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, demod);
criterion_main!(benches);
