//! Repair and de-click in the window, driven like a user would (egui_kittest): the rectangle
//! tool in a repair mode adds one repair edit per drag (one undo step) and the edited view
//! is computed; De-click adds one step, the clicks it finds are counted and marked, and what
//! it removed can be heard on its own.

use crate::common;
use crate::editor;

use editor::{drag, harness_with, wait_idle, wait_until};

use egui_kittest::kittest::Queryable;
use spectro::edit::Shape;
use spectro::signal::repair::RepairMode;
use spectro::ui::LaunchOptions;
use spectro::ui::command::Command;
use spectro::ui::tools::Tool;
use spectro::ui::view::Version;

/// 4 s of a 440 Hz tone at 16 kHz with `clicks` short spikes spread over it, as a 16-bit WAV.
fn clicked_tone(dir: &std::path::Path, clicks: usize) -> std::path::PathBuf {
    let fs = 16_000u32;
    let n = 4 * fs as usize;
    let mut x: Vec<f64> = (0..n)
        .map(|i| 0.3 * (std::f64::consts::TAU * 440.0 * i as f64 / fs as f64).sin())
        .collect();
    for k in 0..clicks {
        let at = (k + 1) * n / (clicks + 1);
        for (j, v) in x[at..at + 8].iter_mut().enumerate() {
            *v += if k % 2 == 0 { 0.6 } else { -0.6 } * (1.0 - j as f64 / 8.0);
        }
    }
    let path = dir.join("clicked.wav");
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
fn a_rectangle_in_each_repair_mode_is_one_repair_step() {
    let dir = tempfile::tempdir().unwrap();
    let file = clicked_tone(dir.path(), 0);
    let mut h = harness_with(LaunchOptions {
        file: Some(file),
        autosave_dir: Some(dir.path().join("autosave")),
        ..LaunchOptions::default()
    });
    wait_idle(&mut h);
    // A settling run checks that every widget on screen has an accessible name (the view's
    // combo boxes are named by their labels).
    h.run();
    h.get_by_label("Rectangle").click();
    h.run_steps(2);
    assert_eq!(h.state().tool, Tool::Rect);
    // Each mode from the rectangle tool's mode menu: one drag is one repair edit in that mode,
    // computed in the background; undo takes it back, redo brings it back.
    let mut shown = "Gain".to_owned();
    for (n, mode) in RepairMode::ALL.into_iter().enumerate() {
        h.get_by_value(&shown).click();
        h.run_steps(2);
        shown = format!("Repair: {}", mode.name());
        h.get_by_label(&shown).click();
        h.run_steps(2);
        assert_eq!(h.state().settings.repair, Some(mode));
        let t = 0.5 + n as f64 * 0.8;
        let a = h.state().screen_pos(t, 200.0).expect("on screen");
        let b = h.state().screen_pos(t + 0.2, 700.0).expect("on screen");
        drag(&mut h, a, b, 8);
        let e = edits(&h);
        assert_eq!(e.len(), n + 1, "{mode:?}: one drag is one edit");
        assert!(matches!(e[n].shape, Shape::Rect { .. }));
        assert_eq!(e[n].repair.map(|r| r.mode), Some(mode));
        wait_idle(&mut h);
        assert!(!h.state().open.as_ref().unwrap().computing_signal_layer());
        assert!(h.state().open.as_ref().unwrap().signal_layer().is_some());
        h.state().commands().send(Command::Undo);
        h.run_steps(3);
        assert_eq!(edits(&h).len(), n, "{mode:?}: undo takes the repair back");
        h.state().commands().send(Command::Redo);
        h.run_steps(3);
        assert_eq!(edits(&h).len(), n + 1, "{mode:?}: redo brings it back");
        assert_eq!(edits(&h)[n].repair.map(|r| r.mode), Some(mode));
    }
}

#[test]
fn de_click_finds_counts_and_lets_the_removed_part_be_heard() {
    let dir = tempfile::tempdir().unwrap();
    let file = clicked_tone(dir.path(), 6);
    let mut h = harness_with(LaunchOptions {
        file: Some(file),
        autosave_dir: Some(dir.path().join("autosave")),
        ..LaunchOptions::default()
    });
    wait_idle(&mut h);
    h.get_by_label("De-click").click();
    h.run_steps(2);
    h.get_by_label("De-click everything").click();
    h.run_steps(3);
    let e = edits(&h);
    assert_eq!(e.len(), 1, "one action is one step");
    assert!(
        matches!(e[0].shape, Shape::Declick { time_s: None, .. }),
        "{:?}",
        e[0].shape
    );
    wait_until(&mut h, "the clicks to be found", |app| {
        app.open
            .as_ref()
            .is_some_and(|o| !o.computing_signal_layer() && o.signal_layer().is_some())
    });
    let found = h
        .state()
        .open
        .as_ref()
        .unwrap()
        .signal_layer()
        .unwrap()
        .clicks()
        .len();
    assert_eq!(found, 6, "the six clicks, no more");
    h.run_steps(2);
    h.get_by_label("6 clicks found and repaired (marked above the picture)");
    h.get_by_label("Hear what was removed").click();
    h.run_steps(2);
    assert_eq!(h.state().view.version, Version::Removed);
    h.get_by_label("Undo (reject)").click();
    h.run_steps(3);
    assert!(edits(&h).is_empty());
}
