//! The Harmonics tool in the window, driven like a user would (egui_kittest): a click on one
//! partial of a harmonic tone tracks its fundamental in the background and shows it as a
//! pending selection; Enter applies it (with the toolbar's overtone count) as one undo step.

use crate::common;
use crate::editor;

use editor::{harness_with, wait_idle, wait_until};

use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable;
use spectro::edit::Shape;
use spectro::ui::LaunchOptions;
use spectro::ui::tools::Tool;

/// 4 s at 16 kHz of a harmonic tone: f0 = 330 Hz with a slow ±1 % wobble, six partials at 1/k.
fn harmonic_tone(dir: &std::path::Path) -> std::path::PathBuf {
    let fs = 16_000.0;
    let tau = std::f64::consts::TAU;
    let mut phase = 0.0f64;
    let x: Vec<f64> = (0..64_000)
        .map(|i| {
            let t = i as f64 / fs;
            let v: f64 = (1..=6).map(|k| (k as f64 * phase).sin() / k as f64).sum();
            phase += tau * 330.0 * (1.0 + 0.01 * (tau * 0.5 * t).sin()) / fs;
            0.15 * v
        })
        .collect();
    let path = dir.join("harmonic.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    common::write_wav_hound(&path, spec, &x);
    path
}

#[test]
fn clicking_a_partial_selects_the_harmonic_series_and_enter_applies_it_as_one_step() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_with(LaunchOptions {
        file: Some(harmonic_tone(dir.path())),
        autosave_dir: Some(dir.path().join("autosave")),
        ..LaunchOptions::default()
    });
    wait_idle(&mut h);
    h.get_by_label("Harmonics").click();
    h.run_steps(2);
    assert_eq!(h.state().tool, Tool::Harmonics);
    // Every widget of the tool's panel has an accessible name.
    h.run();

    // A click on the third partial (990 Hz) at 2 s.
    let at = h.state().screen_pos(2.0, 990.0).expect("on screen");
    h.hover_at(at);
    h.step();
    h.drag_at(at);
    h.step();
    h.drop_at(at);
    h.run_steps(2);
    wait_until(&mut h, "the tracked selection", |a| {
        a.pending_harmonics().is_some()
    });
    assert!(
        h.state().open.as_ref().unwrap().doc.edits.edits.is_empty(),
        "pending, not applied"
    );

    // Fewer overtones before applying: the pending selection follows the toolbar.
    h.state_mut().settings.harmonics_count = 4;
    h.run_steps(2);
    h.key_press(Key::Enter);
    h.run_steps(3);
    wait_idle(&mut h);
    let edits = h.state().open.as_ref().unwrap().doc.edits.edits.clone();
    assert_eq!(edits.len(), 1, "one edit");
    let Shape::Harmonics(sel) = &edits[0].shape else {
        panic!("{:?}", edits[0].shape)
    };
    assert_eq!(sel.count, 4);
    assert_eq!(edits[0].gain_db, f64::NEG_INFINITY);
    // The fundamental, not the clicked partial, within a fraction of a hertz of the truth.
    let truth = |t: f64| 330.0 * (1.0 + 0.01 * (std::f64::consts::TAU * 0.5 * t).sin());
    for t in [0.5, 1.0, 2.0, 3.0, 3.5] {
        let f0 = sel.f0_at(t);
        assert!(
            (f0 - truth(t)).abs() < 0.5,
            "f0 at {t} s: {f0} Hz, truth {}",
            truth(t)
        );
    }
    assert!(h.state().pending_harmonics().is_none());

    // Undo takes the whole selection back in one step.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(3);
    assert!(h.state().open.as_ref().unwrap().doc.edits.edits.is_empty());
}

#[test]
fn a_loaded_list_without_a_track_is_tracked_before_it_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness_with(LaunchOptions {
        file: Some(harmonic_tone(dir.path())),
        autosave_dir: Some(dir.path().join("autosave")),
        ..LaunchOptions::default()
    });
    wait_idle(&mut h);
    let list = dir.path().join("h.json");
    std::fs::write(
        &list,
        r#"{"version": 1, "edits": [{"type": "harmonics", "time_s": [0.5, 3.5], "seed_hz": 660, "count": 5, "width_hz": 40, "gain_db": -20}]}"#,
    )
    .unwrap();
    h.state()
        .commands()
        .send(spectro::ui::command::Command::LoadEdits(Some(list)));
    h.run_steps(2);
    wait_until(&mut h, "the loaded list", |a| {
        a.open.as_ref().is_some_and(|o| !o.doc.edits.edits.is_empty())
    });
    wait_idle(&mut h);
    let edits = h.state().open.as_ref().unwrap().doc.edits.edits.clone();
    let Shape::Harmonics(sel) = &edits[0].shape else {
        panic!()
    };
    assert!(sel.track_hz.is_some(), "tracked on load");
    let f0 = sel.f0_at(2.0);
    assert!(
        (f0 - 330.0).abs() < 4.0,
        "the seed on the second partial: f0 {f0} Hz"
    );
    // Loading is not an unsaved change.
    assert!(!h.state().open.as_ref().unwrap().doc.history.is_dirty());
}
