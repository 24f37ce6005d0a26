//! Spectral repair (issue 14): rect, lasso and brush regions with `"repair"` filled from their
//! surroundings. Quality is the magnitude SNR over the region's STFT cells against the clean
//! recording, `10·log10(Σ|C|² / Σ(|C| − |Y|)²)` (silence scores 0 dB), on committed music and
//! speech with synthetic events added (the same events and seeds as benches/compare_repair.py).

mod common;

use std::sync::Arc;

use common::{Rng, data, spectro, speech, stderr};
use spectro::edit::EditList;
use spectro::pipeline::{Edited, Samples};
use spectro::signal::{Complex32, Convention, MemorySource, Progress, SampleSource, Stft, StftParams};

/// The committed music (tests/data/repair_music.wav), both channels, 44.1 kHz.
fn music() -> Vec<Vec<f32>> {
    let mut r = hound::WavReader::open(data("repair_music.wav")).unwrap();
    assert_eq!(r.spec().sample_rate, 44_100);
    let s: Vec<f32> = r.samples::<i16>().map(|v| v.unwrap() as f32 / 32768.0).collect();
    vec![
        s.iter().step_by(2).copied().collect(),
        s.iter().skip(1).step_by(2).copied().collect(),
    ]
}

const MUSIC_HZ: f64 = 44_100.0;
const SPEECH_HZ: f64 = 16_000.0;

/// A knock: a broadband burst decaying over `duration_s` (time constant a fifth of it).
fn knock(fs: f64, duration_s: f64, peak: f32, seed: u64) -> Vec<f32> {
    let n = (duration_s * fs) as usize;
    let mut rng = Rng(seed);
    (0..n)
        .map(|i| peak * rng.uniform() * (-(i as f64) / (0.2 * duration_s * fs)).exp() as f32)
        .collect()
}

/// A cough: noise band-passed (one-pole high-pass at 250 Hz, two low-passes at 3 kHz) under a
/// raised-sine envelope of `duration_s`, scaled to RMS `rms`.
fn cough(fs: f64, duration_s: f64, rms: f32, seed: u64) -> Vec<f32> {
    let n = (duration_s * fs) as usize;
    let mut rng = Rng(seed);
    let hp = (-std::f64::consts::TAU * 250.0 / fs).exp() as f32;
    let lp = (-std::f64::consts::TAU * 3000.0 / fs).exp() as f32;
    let (mut prev_in, mut h, mut l1, mut l2) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    let mut y: Vec<f32> = (0..n)
        .map(|i| {
            let x = rng.uniform();
            h = hp * (h + x - prev_in);
            prev_in = x;
            l1 = (1.0 - lp) * h + lp * l1;
            l2 = (1.0 - lp) * l1 + lp * l2;
            let env = (std::f64::consts::PI * i as f64 / n as f64).sin().powf(0.7) as f32;
            l2 * env
        })
        .collect();
    let r = (y.iter().map(|v| v * v).sum::<f32>() / n as f32).sqrt();
    y.iter_mut().for_each(|v| *v *= rms / r);
    y
}

/// A linear chirp from `f0_hz` to `f1_hz` over `duration_s`, amplitude `amp`, 10 ms fades.
fn chirp(fs: f64, duration_s: f64, f0_hz: f64, f1_hz: f64, amp: f32) -> Vec<f32> {
    let n = (duration_s * fs) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / fs;
            let phase = std::f64::consts::TAU * (f0_hz * t + 0.5 * (f1_hz - f0_hz) / duration_s * t * t);
            let fade = (t / 0.01).min((duration_s - t) / 0.01).min(1.0);
            amp * (fade * phase.sin()) as f32
        })
        .collect()
}

/// A phone ring: two tones summed over `duration_s`, 10 ms fades.
fn ring(fs: f64, duration_s: f64, f_hz: [f64; 2], amp: f32) -> Vec<f32> {
    let n = (duration_s * fs) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / fs;
            let fade = (t / 0.01).min((duration_s - t) / 0.01).min(1.0);
            let s: f64 = f_hz.iter().map(|f| (std::f64::consts::TAU * f * t).sin()).sum();
            amp * (fade * s) as f32
        })
        .collect()
}

fn add_at(x: &mut [f32], event: &[f32], at_s: f64, fs: f64) {
    let at = (at_s * fs) as usize;
    for (y, e) in x[at..].iter_mut().zip(event) {
        *y += e;
    }
}

/// Region SNR (dB) of `y` against `clean` over the cells of frames centred in `time_s` and
/// bins in `freq_hz`.
fn region_snr_db(
    clean: &[f32],
    y: &[f32],
    fs: f64,
    params: StftParams,
    time_s: [f64; 2],
    freq_hz: [f64; 2],
) -> f64 {
    let stft = Stft::<f32>::new(params, Convention::Scipy).unwrap();
    let c = stft.stft(clean);
    let o = stft.stft(y);
    let (mut s, mut e) = (0.0f64, 0.0f64);
    for k in 0..c.frames {
        let t = stft.frame_center(k) as f64 / fs;
        if t < time_s[0] || t > time_s[1] {
            continue;
        }
        for b in 0..stft.bins() {
            let f = stft.bin_freq_hz(b, fs);
            if f < freq_hz[0] || f > freq_hz[1] {
                continue;
            }
            let (a, z) = (c.frame(k)[b].norm() as f64, o.frame(k)[b].norm() as f64);
            s += a * a;
            e += (a - z) * (a - z);
        }
    }
    10.0 * (s / e.max(1e-30)).log10()
}

/// The edit list JSON for one rect repair.
fn rect_list(params: StftParams, time_s: [f64; 2], freq_hz: [f64; 2], repair: &str, strength: f64) -> String {
    format!(
        r#"{{"version":1,"stft":{{"fft":{},"hop":{}}},"edits":[{{"type":"rect","time_s":[{},{}],"freq_hz":[{},{}],"repair":"{repair}","strength":{strength}}}]}}"#,
        params.fft_len, params.hop, time_s[0], time_s[1], freq_hz[0], freq_hz[1]
    )
}

/// `channels` with the edit list `json` applied through the pipeline.
fn apply(channels: Vec<Vec<f32>>, fs: f64, params: StftParams, json: &str) -> Vec<Vec<f32>> {
    let list = EditList::from_json(json).unwrap();
    let len = channels[0].len();
    let source: Arc<dyn SampleSource> = Arc::new(MemorySource {
        sample_rate: fs,
        channels,
    });
    let edited = Edited::prepare(
        source,
        &list.edits,
        list.phase.unwrap_or_default(),
        params,
        &Progress::new(),
    )
    .unwrap();
    match edited.render(0, len) {
        Samples::Real(c) => c,
        Samples::Complex(_) => unreachable!(),
    }
}

struct Case {
    name: &'static str,
    clean: Vec<f32>,
    corrupted: Vec<f32>,
    fs: f64,
    params: StftParams,
    time_s: [f64; 2],
    freq_hz: [f64; 2],
}

fn music_params() -> StftParams {
    StftParams::with_fft(2048)
}

fn speech_params() -> StftParams {
    StftParams::with_fft(1024)
}

/// The four cases of the issue, built as benches/compare_repair.py builds them.
fn cases() -> Vec<Case> {
    let m = music().swap_remove(0);
    let s = speech();
    let mut out = Vec::new();
    let mut x = m.clone();
    add_at(&mut x, &knock(MUSIC_HZ, 0.08, 0.5, 11), 3.3, MUSIC_HZ);
    out.push(Case {
        name: "knock 80 ms on music",
        clean: m.clone(),
        corrupted: x,
        fs: MUSIC_HZ,
        params: music_params(),
        time_s: [3.3, 3.38],
        freq_hz: [0.0, MUSIC_HZ / 2.0],
    });
    let mut x = m.clone();
    add_at(&mut x, &cough(MUSIC_HZ, 0.25, 0.15, 12), 6.4, MUSIC_HZ);
    out.push(Case {
        name: "cough 250 ms on music",
        clean: m,
        corrupted: x,
        fs: MUSIC_HZ,
        params: music_params(),
        time_s: [6.4, 6.65],
        freq_hz: [0.0, MUSIC_HZ / 2.0],
    });
    let mut x = s.clone();
    add_at(
        &mut x,
        &chirp(SPEECH_HZ, 0.6, 1200.0, 2800.0, 0.2),
        1.2,
        SPEECH_HZ,
    );
    out.push(Case {
        name: "chirp over speech (box)",
        clean: s.clone(),
        corrupted: x,
        fs: SPEECH_HZ,
        params: speech_params(),
        time_s: [1.2, 1.8],
        freq_hz: [1000.0, 3000.0],
    });
    let mut x = s.clone();
    add_at(
        &mut x,
        &ring(SPEECH_HZ, 1.5, [900.0, 1300.0], 0.08),
        1.8,
        SPEECH_HZ,
    );
    out.push(Case {
        name: "ring over speech (box)",
        clean: s,
        corrupted: x,
        fs: SPEECH_HZ,
        params: speech_params(),
        time_s: [1.8, 3.3],
        freq_hz: [750.0, 1450.0],
    });
    out
}

fn repaired(case: &Case, mode: &str, strength: f64) -> Vec<f32> {
    let json = rect_list(case.params, case.time_s, case.freq_hz, mode, strength);
    apply(vec![case.corrupted.clone()], case.fs, case.params, &json).swap_remove(0)
}

#[test]
fn figures_per_mode() {
    for case in cases() {
        let snr = |y: &[f32]| region_snr_db(&case.clean, y, case.fs, case.params, case.time_s, case.freq_hz);
        let mut line = format!("{}: input {:.2}", case.name, snr(&case.corrupted));
        for mode in ["attenuate", "replace", "pattern", "auto"] {
            line += &format!(", {mode} {:.2}", snr(&repaired(&case, mode, 1.0)));
        }
        println!("{line}");
    }
}
