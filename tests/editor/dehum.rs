//! De-hum in the window, driven like a user would (egui_kittest): the De-hum panel adds one
//! `dehum` step for the whole recording with the mains frequency chosen, shows the
//! fundamental it found and the harmonics it removed, lets what it removed be heard on its
//! own, and Undo takes the step back.

use crate::common;
use crate::editor;

use editor::{harness_with, wait_idle, wait_until};

use egui_kittest::kittest::Queryable;
use spectro::edit::Shape;
use spectro::signal::dehum::Fundamental;
use spectro::ui::LaunchOptions;
use spectro::ui::view::Version;

/// 4 s at 16 kHz: a 440 Hz tone under 60.2 Hz hum with 6 harmonics, as a 16-bit WAV.
fn hummy_tone(dir: &std::path::Path) -> std::path::PathBuf {
    let fs = 16_000u32;
    let n = 4 * fs as usize;
    let tau = std::f64::consts::TAU;
    let x: Vec<f64> = (0..n)
        .map(|i| {
            let t = i as f64 / fs as f64;
            let hum: f64 = (1..=6)
                .map(|k| 0.05 / k as f64 * (tau * k as f64 * 60.2 * t + k as f64).cos())
                .sum();
            0.3 * (tau * 440.0 * t).sin() + hum
        })
        .collect();
    let path = dir.join("hum.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: fs,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    common::write_wav_hound(&path, spec, &x);
    path
}

fn edits(h: &egui_kittest::Harness<'static, spectro::ui::app::SpectroApp>) -> Vec<spectro::edit::Edit> {
    h.state().open.as_ref().unwrap().doc.edits.edits.clone()
}

#[test]
fn de_hum_shows_the_fundamental_and_lets_the_removed_part_be_heard() {
    let dir = tempfile::tempdir().unwrap();
    let file = hummy_tone(dir.path());
    let mut h = harness_with(LaunchOptions {
        file: Some(file),
        autosave_dir: Some(dir.path().join("autosave")),
        ..LaunchOptions::default()
    });
    wait_idle(&mut h);
    h.get_by_label("De-hum").click();
    h.run_steps(2);
    h.get_by_label("60 Hz").click();
    h.run_steps(2);
    h.get_by_label("De-hum everything").click();
    h.run_steps(3);
    let e = edits(&h);
    assert_eq!(e.len(), 1, "one action is one step");
    assert_eq!(
        e[0].shape,
        Shape::Dehum {
            time_s: None,
            f0: Fundamental::Hz(60.0),
            harmonics: None
        }
    );
    wait_until(&mut h, "the hum to be found", |app| {
        app.open
            .as_ref()
            .is_some_and(|o| !o.computing_signal_layer() && o.signal_layer().is_some())
    });
    let report = h.state().open.as_ref().unwrap().signal_layer().unwrap().dehums()[0]
        .1
        .clone();
    assert!((report.f0_mean_hz - 60.2).abs() < 0.02, "{report:?}");
    assert_eq!(report.harmonics, (1..=6).collect::<Vec<_>>());
    h.run_steps(2);
    h.get_by_label(&format!(
        "channel 0: {:.3} Hz ({:.3}–{:.3}), 6 harmonics removed",
        report.f0_mean_hz, report.f0_min_hz, report.f0_max_hz
    ));
    h.get_by_label("Hear what was removed").click();
    h.run_steps(2);
    assert_eq!(h.state().view.version, Version::Removed);
    h.get_by_label("Undo (reject)").click();
    h.run_steps(3);
    assert!(edits(&h).is_empty());
}
