//! Edits remove what they cover and nothing else: measured in dB on rendered audio.

use crate::common;

use std::f64::consts::TAU;

use common::{Rng, energy, render};
use spectro::edit::{Edit, EditList, Shape};
use spectro::signal::levels::energy_ratio_db;
use spectro::signal::{Complex32, Convention, MemorySource, Stft, StftParams};

fn sine(fs: f64, len: usize, freq: f64, amp: f64) -> Vec<f32> {
    (0..len)
        .map(|n| (amp * (TAU * freq * n as f64 / fs).sin()) as f32)
        .collect()
}

fn sum(parts: &[&[f32]]) -> Vec<f32> {
    (0..parts[0].len())
        .map(|i| parts.iter().map(|p| p[i]).sum())
        .collect()
}

fn diff(a: &[f32], b: &[f32]) -> Vec<f32> {
    a.iter().zip(b).map(|(x, y)| x - y).collect()
}

#[test]
fn rect_removes_a_tone_by_60_db_and_leaves_the_rest() {
    let fs = 48_000.0;
    let len = 3 * 48_000;
    let target = sine(fs, len, 3000.0, 0.3);
    let low = sine(fs, len, 440.0, 0.3);
    let high = sine(fs, len, 6000.0, 0.2);
    let mut rng = Rng(11);
    let hiss: Vec<f32> = (0..len).map(|_| 0.001 * rng.uniform()).collect();
    let x = sum(&[&target, &low, &high, &hiss]);
    let keep = sum(&[&low, &high, &hiss]);
    let source = MemorySource {
        sample_rate: fs,
        channels: vec![x.clone()],
    };
    let params = StftParams::with_fft(2048);
    let list = EditList::from_json(
        r#"{"version":1,"edits":[{"type":"rect","time_s":[1.0,2.0],"freq_hz":[2800,3200],"gain_db":-100}]}"#,
    )
    .unwrap();
    let y = &render::<f32>(&source, &list.edits, params)[0];

    // Inside the region, one window length plus the default feather (two hops) in from each
    // end, the output must equal the signal without the tone to within −60 dB of the tone.
    let margin = 2048 + 2 * 512;
    let inside = 48_000 + margin..2 * 48_000 - margin;
    let residual = energy(&diff(&y[inside.clone()], &keep[inside.clone()]));
    let removed_db = energy_ratio_db(residual, energy(&target[inside.clone()]));
    assert!(removed_db < -60.0, "tone left at {removed_db:.1} dB");

    // Outside, beyond the window and the feather, nothing changes (< −60 dB, in fact exactly 0).
    let reach = 1024 + 2 * 512 + 1024;
    for outside in [0..48_000 - reach, 2 * 48_000 + reach..len] {
        let change = energy_ratio_db(
            energy(&diff(&y[outside.clone()], &x[outside.clone()])),
            energy(&x[outside]),
        );
        assert!(change < -60.0, "outside changed by {change:.1} dB");
    }
}

#[test]
fn rect_at_negative_frequency_removes_an_iq_interferer() {
    let fs = 1e6;
    let len = 400_000;
    let tone = |f: f64, a: f32| -> Vec<Complex32> {
        (0..len)
            .map(|n| Complex32::from_polar(a, ((TAU * f * n as f64 / fs) % TAU) as f32))
            .collect()
    };
    let interferer = tone(-123_000.0, 0.5);
    let wanted = tone(200_000.0, 0.3);
    let x: Vec<Complex32> = interferer.iter().zip(&wanted).map(|(a, b)| a + b).collect();
    let source = MemorySource {
        sample_rate: fs,
        channels: vec![x],
    };
    let edit = Edit::new(
        Shape::Rect {
            time_s: [0.0, 0.4],
            freq_hz: [-130_000.0, -116_000.0],
        },
        f64::NEG_INFINITY,
    );
    let y = &render::<Complex32>(&source, &[edit], StftParams::with_fft(1024))[0];
    let mid = 50_000..350_000;
    let err: f64 = y[mid.clone()]
        .iter()
        .zip(&wanted[mid.clone()])
        .map(|(a, b)| (a - b).norm_sqr() as f64)
        .sum();
    let interf: f64 = interferer[mid].iter().map(|z| z.norm_sqr() as f64).sum();
    let db = energy_ratio_db(err, interf);
    assert!(db < -50.0, "interferer left at {db:.1} dB");
}

#[test]
fn brush_stroke_removes_the_demo_whistle() {
    let ch = spectro::cli::demo::demo_signal();
    let fs = spectro::cli::demo::DEMO_RATE as f64;
    let (w0, w1, wf) = spectro::cli::demo::WHISTLE;
    let source = MemorySource {
        sample_rate: fs,
        channels: ch.clone(),
    };
    // A stroke along the whistle, as a user would paint it.
    let points: Vec<[f64; 2]> = (0..=20).map(|i| [w0 + (w1 - w0) * i as f64 / 20.0, wf]).collect();
    let edit = Edit::new(
        Shape::Brush {
            points,
            radius_s: 0.05,
            radius_hz: 120.0,
        },
        f64::NEG_INFINITY,
    );
    let y = render::<f32>(&source, &[edit], StftParams::with_fft(2048));
    // Band energy between 2.7 and 3.3 kHz in the middle of the whistle, before and after.
    let stft = Stft::<f32>::new(StftParams::with_fft(2048), Convention::Scipy).unwrap();
    let band = |sig: &[f32]| -> f64 {
        let s = stft.stft(&sig[(3.0 * fs) as usize..(4.5 * fs) as usize]);
        let (b0, b1) = ((2700.0 * 2048.0 / fs) as usize, (3300.0 * 2048.0 / fs) as usize);
        (2..s.frames - 2)
            .map(|k| {
                s.frame(k)[b0..b1]
                    .iter()
                    .map(|z| z.norm_sqr() as f64)
                    .sum::<f64>()
            })
            .sum()
    };
    for c in 0..2 {
        let before = band(&ch[c]);
        let after = band(&y[c]);
        let db = energy_ratio_db(after, before);
        // What remains is the hiss in that band; the whistle stood about 40 dB above it.
        assert!(db < -35.0, "channel {c}: band energy only fell by {db:.1} dB");
    }
}

#[test]
fn channel_limited_edit_leaves_other_channels_identical() {
    let ch = spectro::cli::demo::demo_signal();
    let source = MemorySource {
        sample_rate: 48_000.0,
        channels: ch.clone(),
    };
    let mut edit = Edit::new(
        Shape::Rect {
            time_s: [1.0, 3.0],
            freq_hz: [0.0, 1000.0],
        },
        -30.0,
    );
    edit.channels = Some(vec![1]);
    let y = render::<f32>(&source, &[edit], StftParams::with_fft(1024));
    assert_eq!(y[0], ch[0]);
    assert_ne!(y[1], ch[1]);
}

/// Two tones (1 and 3 kHz) in a little noise, 2 s at 16 kHz, as a 16-bit WAV.
fn two_tones_wav(path: &std::path::Path) {
    let fs = 16_000.0;
    let mut rng = Rng(5);
    let x: Vec<f64> = (0..32_000)
        .map(|n| {
            let t = n as f64 / fs;
            0.3 * (TAU * 1000.0 * t).sin() + 0.2 * (TAU * 3000.0 * t).sin() + 0.002 * rng.uniform() as f64
        })
        .collect();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    common::write_wav_hound(path, spec, &x);
}

const KEPT: &str = r#"{"type": "rect", "time_s": [0.2, 0.8], "freq_hz": [800, 1200], "gain_db": "-inf"}"#;
const BYPASSED: [&str; 2] = [
    r#"{"type": "rect", "time_s": [1.0, 1.5], "freq_hz": [2800, 3200], "gain_db": "-inf", "bypass": true, "name": "high tone"}"#,
    r#"{"type": "rect", "time_s": [1.2, 1.3], "freq_hz": [0, 8000], "repair": "replace", "bypass": true}"#,
];

fn apply_cli(dir: &std::path::Path, input: &std::path::Path, entries: &[&str], name: &str) -> Vec<u8> {
    let edits = dir.join(format!("{name}.json"));
    std::fs::write(
        &edits,
        format!(r#"{{"version": 1, "edits": [{}]}}"#, entries.join(",")),
    )
    .unwrap();
    let out = dir.join(format!("{name}.wav"));
    let run = common::spectro(&[
        "apply",
        input.to_str().unwrap(),
        "--edits",
        edits.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(run.status.success(), "{}", common::stderr(&run));
    std::fs::read(&out).unwrap()
}

#[test]
fn apply_skips_bypassed_edits_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("tones.wav");
    two_tones_wav(&input);
    let without = apply_cli(dir.path(), &input, &[KEPT], "without");
    let with_bypassed = apply_cli(dir.path(), &input, &[KEPT, BYPASSED[0], BYPASSED[1]], "bypassed");
    assert!(without == with_bypassed, "a bypassed edit changed the output");
    // The same edits switched on do change it: the check above is not vacuous.
    let on: Vec<String> = BYPASSED
        .iter()
        .map(|e| e.replace(r#", "bypass": true"#, ""))
        .collect();
    let active = apply_cli(dir.path(), &input, &[KEPT, &on[0], &on[1]], "active");
    assert!(
        active != without,
        "the edits, not bypassed, should change the output"
    );
}

#[test]
fn bypassed_edits_render_as_if_absent() {
    let fs = 48_000.0;
    let len = 48_000;
    let (high, low) = (sine(fs, len, 3000.0, 0.3), sine(fs, len, 440.0, 0.3));
    let x = sum(&[&high, &low]);
    let source = MemorySource {
        sample_rate: fs,
        channels: vec![x],
    };
    let params = StftParams::with_fft(1024);
    let keep = Edit::new(
        Shape::Rect {
            time_s: [0.1, 0.4],
            freq_hz: [2800.0, 3200.0],
        },
        f64::NEG_INFINITY,
    );
    let mut off = Edit::new(
        Shape::Rect {
            time_s: [0.5, 0.9],
            freq_hz: [300.0, 600.0],
        },
        f64::NEG_INFINITY,
    );
    off.bypass = true;
    // An eraser after a bypassed edit has nothing of it to restore.
    let a: Vec<Vec<f32>> = render(&source, std::slice::from_ref(&keep), params);
    let b: Vec<Vec<f32>> = render(&source, &[keep.clone(), off.clone()], params);
    assert_eq!(a, b);
    off.bypass = false;
    let c: Vec<Vec<f32>> = render(&source, &[keep, off], params);
    // Switched on, it takes the 440 Hz tone: what is left there is the 3 kHz one.
    let r = 30_000..40_000;
    let left = energy_ratio_db(energy(&diff(&c[0][r.clone()], &high[r.clone()])), energy(&low[r]));
    assert!(left < -30.0, "the 440 Hz tone only fell {left:.1} dB");
}

#[test]
fn bypass_and_name_round_trip_and_are_written_only_when_set() {
    let text = format!(
        r#"{{"version": 1, "edits": [{KEPT}, {}, {}]}}"#,
        BYPASSED[0], BYPASSED[1]
    );
    let list = EditList::from_json(&text).unwrap();
    assert!(!list.edits[0].bypass && list.edits[0].name.is_none());
    assert!(list.edits[1].bypass);
    assert_eq!(list.edits[1].name.as_deref(), Some("high tone"));
    assert_eq!(list.edits[1].label(), "high tone");
    assert_eq!(list.edits[2].label(), "rect");
    let json = list.to_json();
    assert_eq!(json.matches("\"bypass\"").count(), 2, "{json}");
    assert_eq!(json.matches("\"name\"").count(), 1, "{json}");
    let again = EditList::from_json(&json).unwrap();
    assert_eq!(again, list);
    assert_eq!(again.to_json(), json);
    // Every kind of entry takes them.
    for entry in [
        r#"{"type": "denoise", "estimate": "auto", "bypass": true, "name": "hiss"}"#,
        r#"{"type": "declick", "bypass": true}"#,
        r#"{"type": "dehum", "name": "mains"}"#,
        r#"{"type": "erase", "points": [[0.1, 100]], "radius_s": 0.01, "radius_hz": 10, "bypass": false}"#,
    ] {
        let list = EditList::from_json(&format!(r#"{{"version": 1, "edits": [{entry}]}}"#)).unwrap();
        assert_eq!(EditList::from_json(&list.to_json()).unwrap(), list, "{entry}");
    }
    for (entry, expected) in [
        (
            r#"{"type": "rect", "time_s": [0, 1], "freq_hz": [0, 1], "gain_db": -6, "bypass": "yes"}"#,
            "field \"bypass\"",
        ),
        (
            r#"{"type": "rect", "time_s": [0, 1], "freq_hz": [0, 1], "gain_db": -6, "name": 3}"#,
            "field \"name\"",
        ),
        (
            r#"{"type": "rect", "time_s": [0, 1], "freq_hz": [0, 1], "gain_db": -6, "bypas": true}"#,
            "did you mean \"bypass\"",
        ),
    ] {
        let err = EditList::from_json(&format!(r#"{{"version": 1, "edits": [{entry}]}}"#))
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{err}");
    }
    let long = "n".repeat(spectro::edit::list::MAX_NAME_CHARS + 1);
    let err = EditList::from_json(&format!(
        r#"{{"version": 1, "edits": [{{"type": "declick", "name": "{long}"}}]}}"#
    ))
    .unwrap_err();
    assert!(err.to_string().contains("\"name\" must be at most"), "{err}");
}

#[test]
fn moves_and_bypass_are_undone_exactly_in_a_document() {
    use spectro::edit::{Affected, Change, Document};
    let source = std::sync::Arc::new(MemorySource {
        sample_rate: 1000.0,
        channels: vec![vec![0.0f32; 10_000]],
    });
    let mut doc = Document::new(source);
    let text = format!(
        r#"{{"version": 1, "edits": [{KEPT}, {}, {}]}}"#,
        BYPASSED[0], BYPASSED[1]
    );
    let list = EditList::from_json(&text).unwrap();
    doc.apply(
        Change::ReplaceAll {
            before: EditList::default(),
            after: list.clone(),
        },
        0.0,
    );
    let affected = doc.apply(Change::Move { from: 0, to: 2 }, 0.0);
    assert_eq!(affected, Affected::Span([0.2, 1.5]));
    assert_eq!(doc.edits.edits[2], list.edits[0]);
    assert_eq!(doc.edits.edits[0], list.edits[1]);
    let mut on = doc.edits.edits[0].clone();
    on.bypass = false;
    doc.apply(
        Change::Replace {
            index: 0,
            before: doc.edits.edits[0].clone(),
            after: on,
        },
        0.0,
    );
    assert!(!doc.edits.edits[0].bypass);
    assert_eq!(
        doc.history.applied().collect::<Vec<_>>(),
        ["load 3 edits", "move edit 1 to 3", "enable high tone"]
    );
    doc.undo(0.0);
    doc.undo(0.0);
    assert_eq!(doc.edits, list);
    doc.redo(0.0);
    doc.redo(0.0);
    doc.undo(0.0);
    doc.undo(0.0);
    assert_eq!(doc.edits, list);
}
