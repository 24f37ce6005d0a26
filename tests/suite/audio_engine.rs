//! The playback engine without a device: the producer renders into the rings, the test calls
//! the callback the way an audio thread would and checks what comes out.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use common::{Rng, tone_amplitude};
use spectro::audio::engine::{Callback, PlayRequest, Producer, Shared, rings};
use spectro::audio::player::{Audition, audition_rasters};
use spectro::edit::mask::{Grid, MaskRaster};
use spectro::edit::{Edit, Shape};
use spectro::signal::{Convention, MemorySource, SampleSource, Stft, StftParams};

struct Rig {
    shared: Arc<Shared>,
    producer: Producer<f32>,
    callback: Callback,
}

fn grid(fs: f64) -> Grid {
    Grid {
        sample_rate: fs,
        fft_len: 2048,
        hop: 512,
        complex: false,
    }
}

fn rig(source: Arc<dyn SampleSource>, edits: &[Edit], device_rate: u32, device_channels: usize) -> Rig {
    let shared = Arc::new(Shared::default());
    let (rings_in, callback) = rings(shared.clone(), device_channels, device_rate as f64);
    let stft = Arc::new(Stft::<f32>::new(StftParams::with_fft(2048), Convention::Scipy).unwrap());
    let raster = Arc::new(MaskRaster::new(edits, grid(source.sample_rate())));
    let producer = Producer::new(source, stft, raster, rings_in, device_rate, device_channels).unwrap();
    Rig {
        shared,
        producer,
        callback,
    }
}

impl Rig {
    /// Starts like `Player::play`: pause, new generation, one paused callback (which drops
    /// stale audio), then play.
    fn start(&mut self, request: PlayRequest) {
        self.shared.playing.store(false, Ordering::Relaxed);
        let generation = self.shared.generation.load(Ordering::Relaxed) + 1;
        self.shared.generation.store(generation, Ordering::Relaxed);
        self.producer.seek(request, generation);
        self.callback.fill(&mut [0.0; 64]);
        self.shared.finished.store(false, Ordering::Relaxed);
        self.shared.playing.store(true, Ordering::Relaxed);
    }

    /// Runs the callback for exactly `frames` device frames in blocks of at most `block`,
    /// producing as needed.
    fn pull(&mut self, frames: usize, block: usize, channels: usize) -> Vec<f32> {
        let mut out = Vec::new();
        let mut buf = vec![0.0f32; block * channels];
        while out.len() < frames * channels {
            while self.producer.step() {}
            let n = (frames * channels - out.len()).min(block * channels);
            self.callback.fill(&mut buf[..n]);
            out.extend_from_slice(&buf[..n]);
        }
        out
    }
}

/// Asserts two sample runs are identical, reporting the first difference compactly.
fn assert_same(got: &[f32], expected: &[f32], what: &str) {
    assert_eq!(got.len(), expected.len(), "{what}: lengths");
    if let Some(i) = got
        .iter()
        .zip(expected)
        .position(|(a, b)| a.to_bits() != b.to_bits())
    {
        panic!("{what}: first difference at {i}: {} vs {}", got[i], expected[i]);
    }
}

fn noise(len: usize, seed: u64) -> Vec<f32> {
    let mut r = Rng(seed);
    (0..len).map(|_| 0.5 * r.uniform()).collect()
}

#[test]
fn playback_starts_on_the_exact_sample() {
    let x = noise(200_000, 1);
    let source = Arc::new(MemorySource {
        sample_rate: 48_000.0,
        channels: vec![x.clone()],
    });
    let mut rig = rig(source, &[], 48_000, 1);
    for start in [0u64, 1, 12_345, 99_999] {
        rig.start(PlayRequest {
            start,
            range: 0..200_000,
            looped: false,
        });
        let out = rig.pull(5_000, 256, 1);
        assert_same(
            &out,
            &x[start as usize..start as usize + 5_000],
            &format!("start {start}"),
        );
        let pos = rig.shared.position.load(Ordering::Relaxed);
        assert_eq!(pos, start + 5_000, "position after 5000 frames");
    }
}

#[test]
fn loops_are_sample_accurate() {
    let x = noise(100_000, 2);
    let source = Arc::new(MemorySource {
        sample_rate: 48_000.0,
        channels: vec![x.clone()],
    });
    let mut rig = rig(source, &[], 48_000, 1);
    let (a, b) = (30_001usize, 33_500usize);
    rig.start(PlayRequest {
        start: 31_000,
        range: a as u64..b as u64,
        looped: true,
    });
    let out = rig.pull(10_000, 333, 1);
    let expected: Vec<f32> = x[31_000..b]
        .iter()
        .chain(x[a..b].iter().cycle())
        .take(10_000)
        .cloned()
        .collect();
    assert_same(&out, &expected, "loop");
}

#[test]
fn non_looping_playback_ends_and_says_so() {
    let x = noise(10_000, 3);
    let source = Arc::new(MemorySource {
        sample_rate: 8_000.0,
        channels: vec![x.clone()],
    });
    let mut rig = rig(source, &[], 8_000, 2);
    rig.start(PlayRequest {
        start: 7_000,
        range: 0..8_000,
        looped: false,
    });
    let out = rig.pull(1_500, 100, 2);
    let left: Vec<f32> = out.chunks(2).map(|f| f[0]).collect();
    assert_same(&left[..1_000], &x[7_000..8_000], "tail");
    assert!(left[1_000..].iter().all(|&v| v == 0.0), "silence after the end");
    assert!(rig.shared.finished.load(Ordering::Relaxed));
    assert!(!rig.shared.playing.load(Ordering::Relaxed));
}

#[test]
fn a_b_switch_keeps_the_position_and_crossfades() {
    let fs = 48_000.0;
    let n = 96_000;
    let tone = |f: f64, a: f64| -> Vec<f32> {
        (0..n)
            .map(|i| (a * (std::f64::consts::TAU * f * i as f64 / fs).sin()) as f32)
            .collect()
    };
    let low = tone(440.0, 0.3);
    let high = tone(3_000.0, 0.3);
    let x: Vec<f32> = low.iter().zip(&high).map(|(a, b)| a + b).collect();
    let source = Arc::new(MemorySource {
        sample_rate: fs,
        channels: vec![x.clone()],
    });
    let remove_high = Edit::new(
        Shape::Rect {
            time_s: [0.0, 2.0],
            freq_hz: [2_500.0, 3_500.0],
        },
        f64::NEG_INFINITY,
    );
    let mut rig = rig(source, &[remove_high], 48_000, 1);
    rig.start(PlayRequest {
        start: 10_000,
        range: 0..n as u64,
        looped: false,
    });
    // Edited first: the 3 kHz tone is gone.
    let first = rig.pull(20_000, 480, 1);
    assert!(tone_amplitude(&first[5_000..15_000], 3_000.0 / fs) < 0.003);
    // Switch to the original: after the 5 ms fade the output is the original at the very next
    // samples, no gap, no jump.
    rig.shared.processed.store(false, Ordering::Relaxed);
    let second = rig.pull(20_000, 480, 1);
    let fade = 240;
    assert_same(&second[fade..], &x[30_000 + fade..50_000], "after the switch");
    // And during the fade the level stays put: no dip or click.
    let around: Vec<f32> = first[19_000..].iter().chain(&second[..1_000]).cloned().collect();
    let amp = tone_amplitude(&around[..1_000], 440.0 / fs);
    assert!((amp - 0.3).abs() < 0.02, "440 Hz level {amp}");
}

#[test]
fn band_audition_keeps_the_band_and_removes_the_rest_by_40_db() {
    let fs = 48_000.0;
    let n = 4 * 48_000;
    let freqs = [300.0, 1_500.0, 6_000.0];
    let x: Vec<f32> = (0..n)
        .map(|i| {
            freqs
                .iter()
                .map(|f| 0.2 * (std::f64::consts::TAU * f * i as f64 / fs).sin())
                .sum::<f64>() as f32
        })
        .collect();
    let source: Arc<dyn SampleSource> = Arc::new(MemorySource {
        sample_rate: fs,
        channels: vec![x.clone()],
    });
    for only in [true, false] {
        let mut r = rig(source.clone(), &[], 48_000, 1);
        let (processed, original) = audition_rasters(
            &[],
            grid(fs),
            Some(Audition {
                freq_hz: [1_000.0, 2_000.0],
                only,
            }),
        );
        r.producer.set_rasters(processed, original);
        for processed_version in [true, false] {
            r.shared.processed.store(processed_version, Ordering::Relaxed);
            r.start(PlayRequest {
                start: 0,
                range: 0..n as u64,
                looped: false,
            });
            let out = r.pull(n, 512, 1);
            let mid = &out[24_000..n - 24_000];
            for f in freqs {
                let amp = tone_amplitude(mid, f / fs);
                let in_band = (1_000.0..=2_000.0).contains(&f);
                let db = 20.0 * (amp / 0.2).log10();
                if in_band == only {
                    assert!(db.abs() < 0.1, "only={only}: {f} Hz should be kept, {db:.2} dB");
                } else {
                    assert!(db < -40.0, "only={only}: {f} Hz should be removed, {db:.1} dB");
                }
            }
        }
    }
}

#[test]
fn resampling_44k1_to_48k_in_the_producer_keeps_the_pitch() {
    let fs = 44_100.0;
    let n = 5 * 44_100;
    let f = 1_234.5;
    let x: Vec<f32> = (0..n)
        .map(|i| (0.5 * (std::f64::consts::TAU * f * i as f64 / fs).sin()) as f32)
        .collect();
    let source = Arc::new(MemorySource {
        sample_rate: fs,
        channels: vec![x],
    });
    let mut rig = rig(source, &[], 48_000, 2);
    rig.start(PlayRequest {
        start: 0,
        range: 0..n as u64,
        looped: false,
    });
    let out = rig.pull(4 * 48_000, 512, 2);
    let left: Vec<f32> = out.chunks(2).map(|c| c[0]).collect();
    // Frequency from the phase drift of a demodulation at f, over 3 seconds.
    let seg = &left[24_000..24_000 + 3 * 48_000];
    let block = 4_800;
    let phase = |b: usize| {
        let (mut re, mut im) = (0.0f64, 0.0f64);
        for i in 0..block {
            let t = (b * block + i) as f64 / 48_000.0;
            re += seg[b * block + i] as f64 * (std::f64::consts::TAU * f * t).cos();
            im -= seg[b * block + i] as f64 * (std::f64::consts::TAU * f * t).sin();
        }
        im.atan2(re)
    };
    let blocks = seg.len() / block;
    let mut total = 0.0;
    let mut prev = phase(0);
    for b in 1..blocks {
        let p = phase(b);
        let mut d = p - prev;
        while d > std::f64::consts::PI {
            d -= std::f64::consts::TAU;
        }
        while d < -std::f64::consts::PI {
            d += std::f64::consts::TAU;
        }
        total += d;
        prev = p;
    }
    let offset_hz = total / ((blocks - 1) as f64 * block as f64 / 48_000.0) / std::f64::consts::TAU;
    assert!(offset_hz.abs() < 0.1, "pitch off by {offset_hz:.4} Hz");
}

#[test]
fn underruns_are_counted_once_audio_has_started() {
    let x = noise(50_000, 4);
    let source = Arc::new(MemorySource {
        sample_rate: 48_000.0,
        channels: vec![x],
    });
    let mut rig = rig(source, &[], 48_000, 1);
    rig.start(PlayRequest {
        start: 0,
        range: 0..50_000,
        looped: false,
    });
    let mut buf = vec![0.0f32; 256];
    // Before the producer ran: waiting, not an underrun.
    rig.callback.fill(&mut buf);
    assert_eq!(rig.shared.underruns.load(Ordering::Relaxed), 0);
    rig.producer.step();
    for _ in 0..10 {
        rig.callback.fill(&mut buf);
    }
    assert!(rig.shared.underruns.load(Ordering::Relaxed) > 0);
}

/// Tuned listening of IQ: an AM station at -200 kHz in a 1 MS/s capture is heard as its 1 kHz
/// tone at the device rate, the playhead still counts capture frames, and the edited version
/// (a rect over the station) is silent: A/B works on demodulated audio too.
#[test]
fn iq_tuned_to_an_am_station_plays_its_tone_and_the_edit_silences_it() {
    use spectro::audio::demod::{DemodMode, DemodSettings};
    use spectro::signal::Complex32;
    let fs = 1_000_000.0;
    let n = 1_500_000;
    let tau = std::f64::consts::TAU;
    let iq: Vec<Complex32> = (0..n)
        .map(|i| {
            let t = i as f64 / fs;
            let station = 0.2 * (1.0 + 0.5 * (tau * 1000.0 * t).sin());
            // A stronger carrier 150 kHz away must not be heard.
            Complex32::from_polar(station as f32, (tau * -200e3 * t % tau) as f32)
                + Complex32::from_polar(0.5, (tau * -50e3 * t % tau) as f32)
        })
        .collect();
    let source: Arc<dyn SampleSource> = Arc::new(MemorySource {
        sample_rate: fs,
        channels: vec![iq],
    });
    let grid = Grid {
        sample_rate: fs,
        fft_len: 2048,
        hop: 512,
        complex: true,
    };
    let remove_station = Edit::new(
        Shape::Rect {
            time_s: [0.0, 2.0],
            freq_hz: [-210e3, -190e3],
        },
        f64::NEG_INFINITY,
    );
    let shared = Arc::new(Shared::default());
    let (rings_in, mut callback) = rings(shared.clone(), 2, 48_000.0);
    let stft = Arc::new(Stft::<Complex32>::new(StftParams::with_fft(2048), Convention::Scipy).unwrap());
    let raster = Arc::new(MaskRaster::new(&[remove_station], grid));
    let mut producer = Producer::new(source, stft, raster, rings_in, 48_000, 2).unwrap();
    producer
        .set_demod(Some(DemodSettings {
            mode: DemodMode::Am,
            tune_hz: -200e3,
            bandwidth_hz: 10e3,
        }))
        .unwrap();
    shared.generation.store(1, Ordering::Relaxed);
    shared.processed.store(false, Ordering::Relaxed);
    shared.playing.store(true, Ordering::Relaxed);
    // Start at 0.2 s in.
    producer.seek(
        PlayRequest {
            start: 200_000,
            range: 0..n as u64,
            looped: false,
        },
        1,
    );
    let mut out = Vec::new();
    let mut buf = vec![0.0f32; 512 * 2];
    while out.len() < 48_000 {
        while producer.step() {}
        callback.fill(&mut buf);
        out.extend(buf.chunks(2).map(|c| c[0]));
    }
    // The position is in capture frames: about 0.2 s + 1 s played.
    let position = shared.position.load(Ordering::Relaxed) as f64 / fs;
    assert!(
        (position - (0.2 + out.len() as f64 / 48_000.0)).abs() < 0.1,
        "position {position}"
    );
    let steady = &out[24_000..48_000];
    let tone = tone_amplitude(steady, 1000.0 / 48_000.0);
    assert!(tone > 0.3, "the station's tone is heard: amplitude {tone}");
    // A/B to the edited version: the station is gone (its carrier and tone are masked).
    shared.processed.store(true, Ordering::Relaxed);
    let mut edited = Vec::new();
    while edited.len() < 48_000 {
        while producer.step() {}
        callback.fill(&mut buf);
        edited.extend(buf.chunks(2).map(|c| c[0]));
    }
    let after = tone_amplitude(&edited[12_000..36_000], 1000.0 / 48_000.0);
    assert!(
        20.0 * (tone / after.max(1e-12)).log10() > 30.0,
        "edited: tone {after} vs original {tone}"
    );
}

#[test]
fn what_a_denoise_removes_plays_through_the_engine_as_a_source() {
    use spectro::edit::Denoise;
    use spectro::pipeline::render::{Rendered, RenderedSource, grid_for, render_stream};
    use spectro::signal::{Cancelled, Progress};
    // A tone from 0.3 s in white noise; the noise learnt from the first 0.25 s.
    let fs = 48_000.0;
    let mut x = noise(96_000, 4);
    for (n, v) in x.iter_mut().enumerate().skip(14_400) {
        *v = 0.05 * *v + 0.3 * (std::f64::consts::TAU * 700.0 * n as f64 / fs).sin() as f32;
    }
    for v in x.iter_mut().take(14_400) {
        *v *= 0.05;
    }
    let source: Arc<dyn SampleSource> = Arc::new(MemorySource {
        sample_rate: fs,
        channels: vec![x.clone()],
    });
    let edits = [Edit::denoise(Denoise::learn([0.0, 0.25], None))];
    let stft = Arc::new(Stft::<f32>::new(StftParams::with_fft(2048), Convention::Scipy).unwrap());
    let raster = Arc::new(MaskRaster::new(&edits, grid_for(&stft, source.as_ref())));
    let mut edited = Vec::new();
    render_stream(
        source.as_ref(),
        &stft,
        &raster,
        &Progress::new(),
        |_, b: &[Vec<f32>]| -> Result<(), Cancelled> {
            edited.extend_from_slice(&b[0]);
            Ok(())
        },
    )
    .unwrap();
    let removed: Vec<f32> = x.iter().zip(&edited).map(|(a, b)| a - b).collect();

    // The engine as the editor sets it up for "removed": the edited version's source reads
    // what the edits remove, with no edits of its own left to apply.
    let mut rig = rig(source.clone(), &[], 48_000, 1);
    let what = Arc::new(RenderedSource::new(
        source.clone(),
        stft.clone(),
        raster.clone(),
        Rendered::Removed,
    ));
    rig.producer
        .set_rasters(Arc::new(MaskRaster::new(&[], grid(fs))), None);
    rig.producer.set_processed_source(what);
    rig.start(PlayRequest {
        start: 10_000,
        range: 0..96_000,
        looped: false,
    });
    let out = rig.pull(60_000, 480, 1);
    assert_same(&out, &removed[10_000..70_000], "removed");
    // Mostly noise: the tone stays in the edited version.
    let tone_removed = tone_amplitude(&out[20_000..60_000], 700.0 / fs);
    assert!(
        tone_removed < 0.003,
        "the tone in what is removed: {tone_removed}"
    );

    // A/B to the original; and the edited version read through a source is the plain render.
    rig.shared.processed.store(false, Ordering::Relaxed);
    let start = 70_000usize;
    rig.start(PlayRequest {
        start: start as u64,
        range: 0..96_000,
        looped: false,
    });
    let out = rig.pull(20_000, 480, 1);
    // After the 5 ms crossfade.
    let fade = 240;
    assert_same(&out[fade..], &x[start + fade..start + 20_000], "original");
    let edited_source = Arc::new(RenderedSource::new(source, stft, raster, Rendered::Edited));
    rig.producer.set_processed_source(edited_source);
    rig.shared.processed.store(true, Ordering::Relaxed);
    rig.start(PlayRequest {
        start: start as u64,
        range: 0..96_000,
        looped: false,
    });
    let out = rig.pull(20_000, 480, 1);
    assert_same(&out[fade..], &edited[start + fade..start + 20_000], "edited");
}
