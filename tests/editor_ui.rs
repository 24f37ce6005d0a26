//! The editor window driven like a user would (egui_kittest, no display needed): open the demo,
//! pick the rectangle tool, drag over the whistle, export through the File menu, check the
//! exported audio lost the whistle and kept everything else, undo, export again, check it is
//! back.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use spectro::cli::demo::{DEMO_RATE, WHISTLE, demo_signal};
use spectro::signal::{Convention, Stft, StftParams};
use spectro::ui::LaunchOptions;
use spectro::ui::app::SpectroApp;
use spectro::ui::tools::Tool;

fn harness() -> Harness<'static, SpectroApp> {
    Harness::builder().with_size([1400.0, 860.0]).build_eframe(|cc| {
        SpectroApp::new(
            &cc.egui_ctx,
            LaunchOptions {
                native_dialogs: false,
                ..LaunchOptions::default()
            },
        )
    })
}

/// Steps frames until the app has a document and nothing runs in the background.
fn wait_idle(h: &mut Harness<'static, SpectroApp>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut quiet = 0;
    while Instant::now() < deadline {
        h.step();
        if h.state().open.is_some() && h.state().is_idle() {
            quiet += 1;
            if quiet > 3 {
                return;
            }
        } else {
            quiet = 0;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("the editor did not settle: status {:?}", h.state().status);
}

fn read_channels(path: &Path) -> Vec<Vec<f32>> {
    let mut r = hound::WavReader::open(path).unwrap();
    let ch = r.spec().channels as usize;
    let all: Vec<f32> = r.samples::<i16>().map(|s| s.unwrap() as f32 / 32768.0).collect();
    (0..ch)
        .map(|c| all.iter().skip(c).step_by(ch).cloned().collect())
        .collect()
}

/// Energy in `lo_hz..hi_hz` between `t0` and `t1` seconds.
fn band_energy(x: &[f32], t0: f64, t1: f64, lo_hz: f64, hi_hz: f64) -> f64 {
    let fs = DEMO_RATE as f64;
    let stft = Stft::<f32>::new(StftParams::with_fft(2048), Convention::Scipy).unwrap();
    let s = stft.stft(&x[(t0 * fs) as usize..(t1 * fs) as usize]);
    let (b0, b1) = (
        (lo_hz * 2048.0 / fs).ceil() as usize,
        (hi_hz * 2048.0 / fs).floor() as usize,
    );
    (2..s.frames - 2)
        .map(|k| {
            s.frame(k)[b0..=b1]
                .iter()
                .map(|z| z.norm_sqr() as f64)
                .sum::<f64>()
        })
        .sum()
}

fn export_through_menu(h: &mut Harness<'static, SpectroApp>, path: &Path) {
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label_contains("Export audio").click();
    h.run_steps(3);
    // No desktop dialog in tests: the in-app path field takes the path.
    let field = h.get_by_role(egui::accesskit::Role::TextInput);
    field.focus();
    h.run_steps(1);
    // The field suggests a name next to the recording; replace it.
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.run_steps(1);
    h.get_by_role(egui::accesskit::Role::TextInput)
        .type_text(&path.display().to_string());
    h.run_steps(2);
    h.get_by_label("OK").click();
    h.run_steps(2);
    wait_idle(h);
    assert!(
        path.exists(),
        "export did not write {}: {:?}",
        path.display(),
        h.state().status
    );
}

#[test]
fn remove_the_whistle_with_the_rectangle_tool_export_and_undo() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness();
    wait_idle(&mut h);
    let original = demo_signal();

    // Pick another tool, then the rectangle, through the toolbar.
    h.get_by_label("Hand").click();
    h.run_steps(2);
    assert_eq!(h.state().tool, Tool::Hand);
    h.get_by_label("Rectangle").click();
    h.run_steps(2);
    assert_eq!(h.state().tool, Tool::Rect);

    // Drag over the whistle: 2.0–5.5 s at 3 kHz ± 30 Hz of vibrato.
    let (w0, w1, wf) = WHISTLE;
    let a = h
        .state()
        .screen_pos(w0 - 0.05, wf - 250.0)
        .expect("whistle start on screen");
    let b = h
        .state()
        .screen_pos(w1 + 0.05, wf + 250.0)
        .expect("whistle end on screen");
    h.hover_at(a);
    h.step();
    h.drag_at(a);
    h.step();
    for i in 1..=10 {
        h.hover_at(a + (b - a) * (i as f32 / 10.0));
        h.step();
    }
    h.drop_at(b);
    h.run_steps(3);
    let edits = h.state().open.as_ref().unwrap().doc.edits.edits.clone();
    assert_eq!(edits.len(), 1, "one drag is one edit");
    let spectro::edit::Shape::Rect { time_s, freq_hz } = edits[0].shape else {
        panic!("expected a rect, got {:?}", edits[0].shape)
    };
    assert!(
        (time_s[0] - (w0 - 0.05)).abs() < 0.05 && (time_s[1] - (w1 + 0.05)).abs() < 0.05,
        "{time_s:?}"
    );
    assert!(
        (freq_hz[0] - (wf - 250.0)).abs() < 100.0 && (freq_hz[1] - (wf + 250.0)).abs() < 100.0,
        "{freq_hz:?}"
    );
    wait_idle(&mut h);

    let cleaned = dir.path().join("cleaned.wav");
    export_through_menu(&mut h, &cleaned);
    let y = read_channels(&cleaned);
    for c in 0..2 {
        let before = band_energy(&original[c], 2.6, 5.0, 2900.0, 3100.0);
        let after = band_energy(&y[c], 2.6, 5.0, 2900.0, 3100.0);
        let removed = 10.0 * (after / before).log10();
        assert!(
            removed < -30.0,
            "channel {c}: whistle band only fell {removed:.1} dB"
        );
        // The tones below kept their energy.
        let tones_before = band_energy(&original[c], 2.6, 5.0, 100.0, 2600.0);
        let tones_after = band_energy(&y[c], 2.6, 5.0, 100.0, 2600.0);
        let change = 10.0 * (tones_after / tones_before).log10();
        assert!(
            change.abs() < 0.05,
            "channel {c}: tones changed by {change:.3} dB"
        );
        // Far from the edit, every sample is unchanged.
        let fs = DEMO_RATE as f64;
        let q = |v: f32| (v * 32768.0).round() as i32;
        for range in [
            0..((w0 - 0.2) * fs) as usize,
            ((w1 + 0.2) * fs) as usize..original[c].len(),
        ] {
            let changed = range.clone().filter(|&n| q(original[c][n]) != q(y[c][n])).count();
            assert_eq!(
                changed, 0,
                "channel {c}: {changed} samples changed outside the edit"
            );
        }
    }
    assert!(
        !h.state().open.as_ref().unwrap().doc.history.is_dirty(),
        "export saves the work"
    );

    // Undo with the keyboard; the whistle is back in a new export.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(3);
    assert!(h.state().open.as_ref().unwrap().doc.edits.edits.is_empty());
    wait_idle(&mut h);
    let restored = dir.path().join("restored.wav");
    export_through_menu(&mut h, &restored);
    let z = read_channels(&restored);
    let q = |v: f32| (v * 32768.0).round() as i32;
    for c in 0..2 {
        let differing = original[c]
            .iter()
            .zip(&z[c])
            .filter(|(a, b)| q(**a) != q(**b))
            .count();
        assert_eq!(
            differing, 0,
            "channel {c}: undo must restore the recording exactly"
        );
    }
}

#[test]
fn a_file_that_cannot_be_read_shows_the_cli_message() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.wav");
    std::fs::write(&bad, b"RIFF\x00\x00\x00\x00WAVEjunk").unwrap();
    let mut h = harness();
    wait_idle(&mut h);
    h.state()
        .commands()
        .send(spectro::ui::command::Command::Open(bad.clone()));
    for _ in 0..200 {
        h.step();
        if h.state().status.as_ref().is_some_and(|s| s.error) {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let cli = common::spectro(&["info", bad.to_str().unwrap()]);
    let cli_message = common::stderr(&cli)
        .trim()
        .trim_start_matches("spectro: error: ")
        .to_owned();
    let status = h.state().status.clone().expect("a status message");
    assert!(status.error);
    assert_eq!(status.text, cli_message);
    // The message is shown in the window too, and the demo stays open.
    h.get_by_label(&cli_message);
    assert!(h.state().open.is_some());
}

#[test]
fn a_brush_stroke_along_the_whistle_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness();
    wait_idle(&mut h);
    h.get_by_label("Brush").click();
    h.run_steps(2);
    assert_eq!(h.state().tool, Tool::Brush);
    h.state_mut().settings.brush_radius_px = 14.0;
    h.state_mut().settings.hardness = 0.8;
    let (w0, w1, wf) = WHISTLE;
    let a = h.state().screen_pos(w0 - 0.05, wf).unwrap();
    let b = h.state().screen_pos(w1 + 0.05, wf).unwrap();
    h.hover_at(a);
    h.step();
    h.drag_at(a);
    h.step();
    for i in 1..=40 {
        h.hover_at(a + (b - a) * (i as f32 / 40.0));
        h.step();
    }
    h.drop_at(b);
    h.run_steps(3);
    let edits = h.state().open.as_ref().unwrap().doc.edits.edits.clone();
    assert_eq!(edits.len(), 1, "one stroke is one edit");
    assert!(matches!(edits[0].shape, spectro::edit::Shape::Brush { .. }));
    wait_idle(&mut h);
    let out = dir.path().join("brushed.wav");
    export_through_menu(&mut h, &out);
    let y = read_channels(&out);
    let original = demo_signal();
    for c in 0..2 {
        let removed = 10.0
            * (band_energy(&y[c], 2.6, 5.0, 2900.0, 3100.0)
                / band_energy(&original[c], 2.6, 5.0, 2900.0, 3100.0))
            .log10();
        assert!(
            removed < -30.0,
            "channel {c}: whistle band only fell {removed:.1} dB"
        );
    }
}

#[test]
fn painting_energy_is_rephased_in_the_background_and_exported() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness();
    wait_idle(&mut h);
    h.get_by_label("Paint").click();
    h.run_steps(2);
    assert_eq!(h.state().tool, Tool::Paint);
    h.state_mut().settings.paint_level_db = -30.0;
    h.state_mut().settings.brush_radius_px = 4.0;
    // A stroke at 6 kHz, where the demo has only hiss, from 1.0 to 2.0 s.
    let a = h.state().screen_pos(1.0, 6000.0).unwrap();
    let b = h.state().screen_pos(2.0, 6000.0).unwrap();
    h.hover_at(a);
    h.step();
    h.drag_at(a);
    h.step();
    for i in 1..=20 {
        h.hover_at(a + (b - a) * (i as f32 / 20.0));
        h.step();
    }
    h.drop_at(b);
    h.run_steps(3);
    let edits = h.state().open.as_ref().unwrap().doc.edits.edits.clone();
    assert_eq!(edits.len(), 1);
    assert!(matches!(edits[0].shape, spectro::edit::Shape::Paint { .. }));
    wait_idle(&mut h);
    let sc = h
        .state()
        .open
        .as_ref()
        .unwrap()
        .paint_sc_db
        .expect("the stroke was re-phased");
    // A flat band of painted energy is noise-like: no signal has exactly that magnitude, and
    // about -15 dB is what phase reconstruction reaches for one (tonal strokes go much lower).
    assert!(sc < -10.0, "painted region rebuilt only to {sc:.1} dB");
    let out = dir.path().join("painted.wav");
    export_through_menu(&mut h, &out);
    let y = read_channels(&out);
    let original = demo_signal();
    for c in 0..2 {
        let gain = 10.0
            * (band_energy(&y[c], 1.2, 1.8, 5900.0, 6100.0)
                / band_energy(&original[c], 1.2, 1.8, 5900.0, 6100.0))
            .log10();
        assert!(gain > 20.0, "channel {c}: painted band rose only {gain:.1} dB");
        let untouched = 10.0
            * (band_energy(&y[c], 3.0, 5.0, 5900.0, 6100.0)
                / band_energy(&original[c], 3.0, 5.0, 5900.0, 6100.0))
            .log10();
        assert!(
            untouched.abs() < 0.01,
            "channel {c}: the band changed away from the stroke: {untouched:.3} dB"
        );
    }
}
