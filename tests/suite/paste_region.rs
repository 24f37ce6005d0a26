//! A pasted time-frequency region, rendered by the pipeline as every output renders it: the
//! target band carries the copy at the source's level, nothing changes outside the band or the
//! target's time, and replace takes the target's own content in the band away first. Levels
//! are measured with plain DFTs (rustfft and a direct projection), not Spectro's STFT.

use std::f64::consts::TAU;
use std::sync::Arc;

use rustfft::FftPlanner;
use rustfft::num_complex::Complex;
use spectro::edit::{EditList, PhaseSettings, Shape};
use spectro::pipeline::{Edited, Samples};
use spectro::signal::{MemorySource, Progress, SampleSource, StftParams};

const FS: f64 = 16_000.0;

/// `amplitude · sin(2π f t)` over `[t0, t1]` seconds (10 ms fades), added to `x`.
fn add_tone(x: &mut [f32], f: f64, amplitude: f64, t0: f64, t1: f64) {
    for (i, v) in x.iter_mut().enumerate() {
        let t = i as f64 / FS;
        if t < t0 || t > t1 {
            continue;
        }
        let fade = ((t - t0) / 0.01).min((t1 - t) / 0.01).min(1.0);
        *v += (amplitude * fade * (TAU * f * t).sin()) as f32;
    }
}

/// The amplitude of the `f` Hz component of `x` over `[t0, t1]` seconds (a projection on
/// whole periods' worth of samples).
fn amplitude(x: &[f32], f: f64, t0: f64, t1: f64) -> f64 {
    let (a, b) = ((t0 * FS) as usize, (t1 * FS) as usize);
    let (mut re, mut im) = (0.0, 0.0);
    for (i, &v) in x[a..b].iter().enumerate() {
        let w = TAU * f * (a + i) as f64 / FS;
        re += v as f64 * w.cos();
        im += v as f64 * w.sin();
    }
    2.0 * (re * re + im * im).sqrt() / (b - a) as f64
}

/// The largest Hann-windowed 2048-point spectrum magnitude of `x` (amplitude-normalised:
/// a full-scale sine reads 1) outside `[lo, hi]` Hz, over every frame of `[t0, t1]`.
fn peak_outside(x: &[f32], lo: f64, hi: f64, t0: f64, t1: f64) -> f64 {
    let n = 2048;
    let fft = FftPlanner::<f64>::new().plan_fft_forward(n);
    let window: Vec<f64> = (0..n)
        .map(|i| 0.5 - 0.5 * (TAU * i as f64 / n as f64).cos())
        .collect();
    let norm = window.iter().sum::<f64>() / 2.0;
    let mut peak: f64 = 0.0;
    let mut start = (t0 * FS) as usize;
    while start + n <= ((t1 * FS) as usize).min(x.len()) {
        let mut buf: Vec<Complex<f64>> = (0..n)
            .map(|i| Complex::new(x[start + i] as f64 * window[i], 0.0))
            .collect();
        fft.process(&mut buf);
        for (k, z) in buf[..n / 2].iter().enumerate() {
            let f = k as f64 * FS / n as f64;
            if f < lo || f > hi {
                peak = peak.max(z.norm() / norm);
            }
        }
        start += 256;
    }
    peak
}

fn render(x: &[f32], list: &str) -> Vec<f32> {
    let list = EditList::from_json(list).expect("a valid list");
    let source: Arc<dyn SampleSource> = Arc::new(MemorySource {
        sample_rate: FS,
        channels: vec![x.to_vec()],
    });
    list.check_against(source.as_ref(), StftParams::default())
        .unwrap();
    let edited = Edited::prepare(
        source,
        &list.edits,
        PhaseSettings::default(),
        StftParams::default(),
        &Progress::new(),
    )
    .unwrap();
    match edited.render(0, x.len()) {
        Samples::Real(mut c) => c.remove(0),
        Samples::Complex(_) => unreachable!(),
    }
}

fn db(a: f64, b: f64) -> f64 {
    20.0 * (a / b).log10()
}

#[test]
fn a_pasted_tone_lands_at_its_level_and_only_in_its_band() {
    let mut x = vec![0.0f32; 3 * FS as usize];
    add_tone(&mut x, 1000.0, 0.25, 0.2, 1.2);
    // Outside the copied band, everywhere: must not be copied.
    add_tone(&mut x, 3000.0, 0.1, 0.0, 3.0);
    let y = render(
        &x,
        r#"{"version": 1, "edits": [{"type": "paste", "from_s": [0.4, 1.0], "freq_hz": [800, 1200], "to_s": 2.0, "mode": "mix", "gain_db": 0}]}"#,
    );
    let source = amplitude(&x, 1000.0, 0.5, 0.9);
    let pasted = amplitude(&y, 1000.0, 2.1, 2.5);
    assert!(source > 0.2);
    assert!(
        db(pasted, source).abs() < 0.5,
        "pasted at {:.2} dB of the source",
        db(pasted, source)
    );
    let d: Vec<f32> = y.iter().zip(&x).map(|(a, b)| a - b).collect();
    let outside = peak_outside(&d, 700.0, 1300.0, 1.6, 3.0);
    eprintln!(
        "paste: copy at {:+.3} dB of the source, change outside the band peaks at {:.1} dB",
        db(pasted, source),
        db(outside, source)
    );
    assert!(
        db(outside, source) < -60.0,
        "outside the band the change peaks at {:.1} dB",
        db(outside, source)
    );
    // Nothing before the target (its frames and feather) changed, nor the source.
    let before = (1.6 * FS) as usize;
    let most = d[..before].iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(most < 1e-6, "{most}");
    assert!((amplitude(&y, 3000.0, 2.1, 2.5) - 0.1).abs() < 0.002);
}

#[test]
fn replace_takes_the_targets_own_band_away_first() {
    let mut x = vec![0.0f32; 3 * FS as usize];
    add_tone(&mut x, 1000.0, 0.25, 0.2, 1.2);
    add_tone(&mut x, 1100.0, 0.2, 1.7, 2.9);
    add_tone(&mut x, 3000.0, 0.1, 0.0, 3.0);
    let list = |mode: &str| {
        format!(
            r#"{{"version": 1, "edits": [{{"type": "paste", "from_s": [0.4, 1.0], "freq_hz": [800, 1200], "to_s": 2.0, "mode": "{mode}"}}]}}"#
        )
    };
    let mixed = render(&x, &list("mix"));
    let replaced = render(&x, &list("replace"));
    let own = amplitude(&x, 1100.0, 2.1, 2.5);
    let source = amplitude(&x, 1000.0, 0.5, 0.9);
    // Mixed: both; replaced: the copy alone in the band.
    assert!(db(amplitude(&mixed, 1100.0, 2.1, 2.5), own).abs() < 0.5);
    assert!(db(amplitude(&replaced, 1000.0, 2.1, 2.5), source).abs() < 0.5);
    let left = amplitude(&replaced, 1100.0, 2.1, 2.5);
    eprintln!(
        "replace: the target's own tone at {:.1} dB, the copy at {:+.3} dB",
        db(left, own),
        db(amplitude(&replaced, 1000.0, 2.1, 2.5), source)
    );
    assert!(
        db(left, own) < -30.0,
        "the target's own tone at {:.1} dB",
        db(left, own)
    );
    // Outside the band and outside the target's time, nothing changes.
    assert!((amplitude(&replaced, 3000.0, 2.1, 2.5) - 0.1).abs() < 0.002);
    assert!(db(amplitude(&replaced, 1100.0, 2.75, 2.85), own).abs() < 0.5);
    // The list round-trips.
    let parsed = EditList::from_json(&list("replace")).unwrap();
    assert!(matches!(parsed.edits[0].shape, Shape::Paste(_)));
    assert_eq!(EditList::from_json(&parsed.to_json()).unwrap(), parsed);
}

#[test]
fn bad_pastes_are_refused_with_a_reason() {
    let x = vec![0.0f32; FS as usize];
    let source = MemorySource {
        sample_rate: FS,
        channels: vec![x],
    };
    let outside = EditList::from_json(
        r#"{"version": 1, "edits": [{"type": "paste", "from_s": [5, 6], "freq_hz": [0, 100], "to_s": 0.1}]}"#,
    )
    .unwrap();
    let err = outside.check_against(&source, StftParams::default()).unwrap_err();
    assert!(err.to_string().contains("outside the recording"), "{err}");
    for (entry, expected) in [
        (
            r#"{"type": "paste", "from_s": [1, 0.5], "freq_hz": [0, 100], "to_s": 0}"#,
            "\"from_s\"",
        ),
        (
            r#"{"type": "paste", "from_s": [0, 0.5], "freq_hz": [0, 100]}"#,
            "missing field \"to_s\"",
        ),
        (
            r#"{"type": "paste", "from_s": [0, 0.5], "freq_hz": [0, 100], "to_s": 1, "mode": "blend"}"#,
            "\"mode\"",
        ),
        (
            r#"{"type": "paste", "from_s": [0, 0.5], "freq_hz": [0, 100], "to_s": 1, "invert": true}"#,
            "unknown field \"invert\"",
        ),
    ] {
        let err = EditList::from_json(&format!(r#"{{"version": 1, "edits": [{entry}]}}"#))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(expected) && err.contains("(paste)"),
            "{entry}: {err}"
        );
    }
}
