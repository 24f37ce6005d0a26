//! De-hum (issue 15) on real speech (CMU ARCTIC arctic_a0007, 16 kHz) under synthetic mains
//! hum: 12 harmonics of a fundamental drifting ±0.4 Hz, at an input SI-SDR of 3.7 dB.
//!
//! The peer is independent of Spectro: a zero-phase bank of fixed notches at the multiples of
//! 50 Hz (scipy `iirnotch`, Q 35, `filtfilt`), whose output tests/data/gen_dehum.py stored
//! next to the mixture it made (tests/data/dehum_*_50hz.wav). The other recordings here (60 Hz
//! hum, a random-walk drift, IQ) are built in the test from the clean speech, so the method is
//! checked on hum it was not tuned on.

use crate::common;

use std::f64::consts::TAU;
use std::sync::Arc;

use common::{Rng, data, si_sdr_db, speech};
use spectro::edit::{EditList, PhaseSettings};
use spectro::pipeline::{Edited, Samples};
use spectro::signal::dehum::model::Complex64;
use spectro::signal::dehum::{DehumReport, DehumSettings, Fundamental, HumModel, dehum_channel};
use spectro::signal::{Complex32, MemorySource, Progress, SampleSource, StftParams};

const FS: f64 = 16_000.0;

fn read_wav(name: &str) -> Vec<f32> {
    let rec = spectro::io::Recording::open(data(name), Default::default()).expect("fixture opens");
    let mut x = vec![0.0f32; rec.len() as usize];
    rec.read_real(0, 0, &mut x);
    x
}

/// The recording through a one-entry edit list, by the pipeline every output uses, and what
/// the de-hum step reported.
fn through_pipeline(x: &[f32], entry: &str) -> (Vec<f32>, DehumReport) {
    let list = EditList::from_json(&format!(r#"{{"version": 1, "edits": [{entry}]}}"#)).expect("valid entry");
    let source: Arc<dyn SampleSource> = Arc::new(MemorySource {
        sample_rate: FS,
        channels: vec![x.to_vec()],
    });
    let params = StftParams::with_fft(1024);
    list.check_against(source.as_ref(), params)
        .expect("entry fits the recording");
    let edited = Edited::prepare(
        source,
        &list.edits,
        PhaseSettings::default(),
        params,
        &Progress::new(),
    )
    .expect("de-hum runs");
    let report = edited.painted().dehums()[0].1.clone();
    let Samples::Real(mut out) = edited.render(0, x.len()) else {
        panic!("real in, real out")
    };
    (out.remove(0), report)
}

/// Hum of `len` samples at 16 kHz: harmonics `1..=12` of `f0(t)` (integrated sample by
/// sample), odd ones twice as strong as even ones, decaying as 1/√k, seeded phases; scaled to
/// `si_sdr_db` against `speech`.
fn make_hum(speech: &[f32], f0: impl Fn(f64) -> f64, si_sdr_db: f64, seed: u64) -> Vec<f32> {
    let mut rng = Rng(seed);
    let phases: Vec<f64> = (0..12)
        .map(|_| std::f64::consts::PI * rng.uniform() as f64)
        .collect();
    let mut cycles = 0.0f64;
    let mut hum: Vec<f64> = (0..speech.len())
        .map(|n| {
            let t = n as f64 / FS;
            let v = (1..=12)
                .map(|k| {
                    let amp = if k % 2 == 1 { 1.0 } else { 0.5 } / (k as f64).sqrt();
                    amp * (TAU * k as f64 * cycles + phases[k - 1]).cos()
                })
                .sum();
            cycles += f0(t) / FS;
            v
        })
        .collect();
    let es: f64 = speech.iter().map(|&v| (v as f64).powi(2)).sum();
    let eh: f64 = hum.iter().map(|v| v * v).sum();
    let g = (es / eh / 10f64.powf(si_sdr_db / 10.0)).sqrt();
    hum.iter_mut().for_each(|v| *v *= g);
    hum.iter().map(|&v| v as f32).collect()
}

/// The fixture's true fundamental (tests/data/gen_dehum.py).
fn fixture_f0(t: f64) -> f64 {
    50.0 + 0.4 * (TAU * t / 4.0 + 0.5).sin()
}

/// Largest error of a reported track against the true fundamental.
fn track_error_hz(report: &DehumReport, truth: impl Fn(f64) -> f64) -> f64 {
    assert!(!report.track_hz.is_empty());
    report
        .track_hz
        .iter()
        .map(|&[t, f]| (f - truth(t)).abs())
        .fold(0.0, f64::max)
}

/// 20 ms frames of `clean` more than 35 dB below its loudest frame: the pauses.
fn pauses(clean: &[f32]) -> Vec<std::ops::Range<usize>> {
    let frame = (0.02 * FS) as usize;
    let energy: Vec<f64> = clean
        .chunks(frame)
        .map(|c| c.iter().map(|&v| (v as f64).powi(2)).sum())
        .collect();
    let top = energy.iter().copied().fold(0.0, f64::max);
    energy
        .iter()
        .enumerate()
        .filter(|&(_, &e)| e < top * 10f64.powf(-3.5))
        .map(|(i, _)| i * frame..((i + 1) * frame).min(clean.len()))
        .collect()
}

fn energy_in(x: &[f32], frames: &[std::ops::Range<usize>]) -> f64 {
    frames
        .iter()
        .flat_map(|r| x[r.clone()].iter())
        .map(|&v| (v as f64).powi(2))
        .sum()
}

#[test]
fn speech_under_drifting_hum_beats_the_notch_bank_by_6_db() {
    let clean = speech();
    let mix = read_wav("dehum_speech_50hz.wav");
    let notch = read_wav("dehum_notch_50hz.wav");
    let input = si_sdr_db(&mix, &clean);
    let peer = si_sdr_db(&notch, &clean);
    assert!(
        (3.4..4.0).contains(&input),
        "the fixture's input SI-SDR is {input:.2} dB"
    );
    let quiet = pauses(&clean);
    assert!(quiet.len() >= 10, "the speech has pauses");
    let hum: Vec<f32> = mix.iter().zip(&clean).map(|(m, c)| m - c).collect();
    for entry in [
        r#"{"type": "dehum", "f0_hz": 50}"#,
        r#"{"type": "dehum", "f0_hz": "auto"}"#,
        r#"{"type": "dehum", "f0_hz": 50, "harmonics": 12}"#,
    ] {
        let (out, report) = through_pipeline(&mix, entry);
        let score = si_sdr_db(&out, &clean);
        eprintln!("{entry}: SI-SDR {input:.2} dB in, notch bank {peer:.2}, Spectro {score:.2}; {report:?}");
        // The issue asks for 6 dB above the notch bank; measured 29.3 over it.
        assert!(
            score >= peer + 7.0,
            "{entry}: {score:.2} dB vs the notch bank's {peer:.2}"
        );
        assert_eq!(report.nominal_hz, 50.0);
        assert_eq!(report.harmonics, (1..=12).collect::<Vec<_>>(), "{entry}");
        // The drift (±0.4 Hz) is followed within 0.05 Hz at every point.
        let err = track_error_hz(&report, fixture_f0);
        assert!(err < 0.045, "{entry}: track off by {err:.4} Hz");
        assert!(report.f0_min_hz < 49.65 && report.f0_max_hz > 50.35, "{report:?}");
        // In the pauses the hum is the only thing left to remove. The issue asks for 40 dB;
        // measured 40.1 dB (34.4 before the baseband fits with chosen smoothing): this guards
        // what is reached, with a margin for the track's and the fit's small changes.
        let left: Vec<f32> = out.iter().zip(&clean).map(|(o, c)| o - c).collect();
        let down_db = 10.0 * (energy_in(&hum, &quiet) / energy_in(&left, &quiet)).log10();
        eprintln!("  hum {down_db:.1} dB down in the pauses");
        assert!(
            down_db >= 38.0,
            "{entry}: hum only {down_db:.1} dB down in the pauses"
        );
    }
}

#[test]
fn a_hum_free_recording_comes_back_unchanged() {
    let clean = speech();
    for entry in [r#"{"type": "dehum"}"#, r#"{"type": "dehum", "f0_hz": 60}"#] {
        let (out, report) = through_pipeline(&clean, entry);
        let snr = si_sdr_db(&out, &clean);
        eprintln!("{entry}: SNR {snr:.1} dB, {report:?}");
        assert!(
            report.harmonics.len() <= 1,
            "{entry}: removed {:?}",
            report.harmonics
        );
        assert!(snr >= 45.0, "{entry}: SNR {snr:.1} dB");
    }
}

#[test]
fn auto_finds_60_hz_hum_and_follows_a_random_walk() {
    let clean = speech();
    // A seeded random walk (smoothed), about ±0.3 Hz around 60.2 Hz.
    let mut rng = Rng(7);
    let knots: Vec<f64> = {
        let mut f = 0.0f64;
        (0..=16)
            .map(|_| {
                f = (f + 0.12 * rng.uniform() as f64).clamp(-0.3, 0.3);
                60.2 + f
            })
            .collect()
    };
    let f0 = |t: f64| {
        let x = (t / 0.25).clamp(0.0, 15.999);
        let i = x.floor() as usize;
        let u = x - i as f64;
        // Smoothstep between knots a quarter second apart.
        let s = u * u * (3.0 - 2.0 * u);
        knots[i] + (knots[i + 1] - knots[i]) * s
    };
    let hum = make_hum(&clean, f0, 3.0, 11);
    let mix: Vec<f32> = clean.iter().zip(&hum).map(|(c, h)| c + h).collect();
    let (out, report) = through_pipeline(&mix, r#"{"type": "dehum", "f0_hz": "auto"}"#);
    let score = si_sdr_db(&out, &clean);
    eprintln!(
        "60 Hz: SI-SDR {:.2} -> {score:.2}; {report:?}",
        si_sdr_db(&mix, &clean)
    );
    assert_eq!(report.nominal_hz, 60.0);
    assert_eq!(report.harmonics, (1..=12).collect::<Vec<_>>());
    let err = track_error_hz(&report, f0);
    eprintln!("60 Hz: track within {err:.4} Hz");
    let errors: Vec<String> = report
        .track_hz
        .iter()
        .map(|&[t, f]| format!("{t}:{:+.3}", f - f0(t)))
        .collect();
    // This walk turns faster (up to 0.7 Hz/s) than the fixture's drift; measured 0.051 Hz.
    assert!(err < 0.075, "track off by {err:.4} Hz: {errors:?}");
    // Measured 29.0 dB (19.2 before the baseband fits).
    assert!(score >= 22.0, "SI-SDR {score:.2} dB");
}

#[test]
fn a_span_is_dehummed_and_the_rest_left_exactly() {
    let mix = read_wav("dehum_speech_50hz.wav");
    let clean = speech();
    let (out, _) = through_pipeline(&mix, r#"{"type": "dehum", "time_s": [1.0, 3.0], "f0_hz": 50}"#);
    let (lo, hi) = (16_000, 48_000);
    assert_eq!(&out[..lo], &mix[..lo]);
    assert_eq!(&out[hi..], &mix[hi..]);
    let inside = si_sdr_db(&out[lo + 800..hi - 800], &clean[lo + 800..hi - 800]);
    let before = si_sdr_db(&mix[lo + 800..hi - 800], &clean[lo + 800..hi - 800]);
    assert!(inside > before + 8.0, "{before:.2} -> {inside:.2} dB");
}

#[test]
fn iq_hum_is_removed_at_both_signs() {
    // Complex noise with hum at +k·f0 and −k·f0 of unrelated amplitudes.
    let n = 3 * 16_000;
    let mut rng = Rng(3);
    let noise: Vec<Complex32> = (0..n)
        .map(|_| Complex32::new(rng.uniform() * 0.05, rng.uniform() * 0.05))
        .collect();
    let mut phase = 0.0f64;
    let hum: Vec<Complex32> = (0..n)
        .map(|i| {
            let t = i as f64 / FS;
            let mut v = Complex64::default();
            for k in 1..=6 {
                let a = 0.1 / k as f64;
                let p = TAU * k as f64 * phase;
                v += Complex64::from_polar(a, p + k as f64) + Complex64::from_polar(0.3 * a, -p + 0.5);
            }
            phase += (50.0 + 0.3 * (TAU * t / 3.0).sin()) / FS;
            Complex32::new(v.re as f32, v.im as f32)
        })
        .collect();
    let mix: Vec<Complex32> = noise.iter().zip(&hum).map(|(a, b)| a + b).collect();
    let src = MemorySource {
        sample_rate: FS,
        channels: vec![mix.clone()],
    };
    let settings = DehumSettings {
        f0: Fundamental::Hz(50.0),
        harmonics: None,
    };
    let (model, report): (HumModel, DehumReport) =
        dehum_channel::<Complex32>(&src, 0, 0..n as i64, settings, &Progress::new())
            .unwrap()
            .unwrap();
    assert_eq!(report.harmonics, (1..=6).collect::<Vec<_>>());
    let mut est = vec![Complex64::default(); n];
    model.add_hum(0, &mut est, 1.0);
    let (mut e_hum, mut e_left) = (0.0, 0.0);
    for i in 0..n {
        let h = Complex64::new(hum[i].re as f64, hum[i].im as f64);
        e_hum += h.norm_sqr();
        e_left += (h - est[i]).norm_sqr();
    }
    let down_db = 10.0 * (e_hum / e_left).log10();
    eprintln!("IQ hum {down_db:.1} dB down");
    // Measured 39.2 dB.
    assert!(down_db >= 35.0, "IQ hum only {down_db:.1} dB down");
}

#[test]
fn the_layer_holds_a_compact_model_not_samples() {
    let mix = read_wav("dehum_speech_50hz.wav");
    let source = MemorySource {
        sample_rate: FS,
        channels: vec![mix.clone()],
    };
    let list = EditList::from_json(r#"{"version": 1, "edits": [{"type": "dehum", "f0_hz": 50}]}"#).unwrap();
    let stft =
        spectro::signal::Stft::<f32>::new(StftParams::with_fft(1024), spectro::signal::Convention::Scipy)
            .unwrap();
    let layer = spectro::pipeline::paint::paint_layer(
        &source,
        &stft,
        &list.edits,
        PhaseSettings::default(),
        &Progress::new(),
    )
    .unwrap();
    assert_eq!(layer.samples_held(), 0);
    assert_eq!(layer.hums.len(), 1);
    let bytes = layer.hums[0].1.bytes();
    assert!(bytes < mix.len(), "{bytes} bytes for {} samples", mix.len());
}
