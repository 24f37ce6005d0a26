//! The editor window driven like a user would (egui_kittest, no display needed): open the demo,
//! pick the rectangle tool, drag over the whistle, export through the File menu, check the
//! exported audio lost the whistle and kept everything else, undo, export again, check it is
//! back.

use crate::common;
use crate::editor;

use editor::{
    band_energy, drag, export_through, export_through_menu, harness, read_channels, type_path, wait_idle,
    wait_until,
};

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use spectro::cli::demo::{DEMO_RATE, WHISTLE, demo_signal};
use spectro::ui::LaunchOptions;
use spectro::ui::app::SpectroApp;
use spectro::ui::command::Command;
use spectro::ui::confirm::{Answer, Question, Then};
use spectro::ui::tools::Tool;

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
    drag(&mut h, a, b, 10);
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
    // Exporting audio is not saving the edit list: the edits are still the user's unsaved work.
    assert!(
        h.state().open.as_ref().unwrap().doc.history.is_dirty(),
        "an export must not mark the edit list saved"
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

/// File ▸ Export selection on an IQ capture: the selected band comes out tuned to 0 Hz and
/// decimated, its new centre frequency recorded.
#[test]
fn exporting_a_selected_band_of_an_iq_capture() {
    use spectro::io::{OpenOptions, Recording};
    use spectro::signal::{Complex32, SampleSource};
    let dir = tempfile::tempdir().unwrap();
    let fs = 1e6;
    let tau = std::f64::consts::TAU;
    let bytes: Vec<u8> = (0..200_000)
        .flat_map(|k| {
            let ph = |f: f64| (tau * f * k as f64 / fs) % tau;
            let z = Complex32::from_polar(0.3, ph(-201_000.0) as f32)
                + Complex32::from_polar(0.3, ph(250_000.0) as f32);
            [z.re.to_le_bytes(), z.im.to_le_bytes()].concat()
        })
        .collect();
    let file = dir.path().join("cap_868M_1000k.cf32");
    std::fs::write(&file, bytes).unwrap();
    let mut h = Harness::builder().with_size([1400.0, 860.0]).build_eframe(|cc| {
        SpectroApp::new(
            &cc.egui_ctx,
            LaunchOptions {
                file: Some(file.clone()),
                native_dialogs: false,
                ..LaunchOptions::default()
            },
        )
    });
    wait_idle(&mut h);
    h.get_by_label("Select").click();
    h.run_steps(2);
    let a = h.state().screen_pos(0.02, -215e3).unwrap();
    let b = h.state().screen_pos(0.18, -185e3).unwrap();
    h.hover_at(a);
    h.step();
    h.drag_at(a);
    h.step();
    for i in 1..=8 {
        h.hover_at(a + (b - a) * (i as f32 / 8.0));
        h.step();
    }
    h.drop_at(b);
    h.run_steps(3);
    let sel = h.state().transport.selection.expect("a selection");
    let out = dir.path().join("band.cf32");
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label_contains("Export selection").click();
    h.run_steps(3);
    h.get_by_role(egui::accesskit::Role::TextInput).focus();
    h.run_steps(1);
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.run_steps(1);
    h.get_by_role(egui::accesskit::Role::TextInput)
        .type_text(&out.display().to_string());
    h.run_steps(2);
    h.get_by_label("OK").click();
    h.run_steps(2);
    wait_idle(&mut h);
    let rec =
        Recording::open(&out, OpenOptions::default()).expect("the region was written with its metadata");
    let centre = (sel.freq_hz[0] + sel.freq_hz[1]) / 2.0;
    assert_eq!(rec.center_freq_hz(), Some(868e6 + centre));
    assert!(rec.sample_rate() < 100e3, "decimated: {} Hz", rec.sample_rate());
    // The tone sits at its offset from the band's centre, at its level; the other is gone.
    let mut y = vec![Complex32::default(); rec.len() as usize];
    rec.read_complex(0, 0, &mut y);
    let inner = &y[y.len() / 5..y.len() * 4 / 5];
    let f = -201e3 - centre;
    let level = inner
        .iter()
        .enumerate()
        .map(|(k, v)| {
            v * Complex32::from_polar(1.0, (-(tau * f * k as f64 / rec.sample_rate()) % tau) as f32)
        })
        .sum::<Complex32>()
        .norm()
        / inner.len() as f32;
    assert!((20.0 * (level / 0.3).log10()).abs() < 0.2, "tone level {level}");
}

/// A CSV file as its header and numeric rows (empty cells as NaN).
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(str::to_owned).collect();
    let rows = lines
        .map(|l| l.split(',').map(|v| v.parse().unwrap_or(f64::NAN)).collect())
        .collect();
    (header, rows)
}

#[test]
fn features_are_exported_through_the_menu_and_see_the_edits() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness();
    wait_idle(&mut h);
    let raw = dir.path().join("raw.csv");
    export_through(&mut h, "Export features", &raw);
    assert!(dir.path().join("raw.bursts.csv").exists());
    let status = h.state().status.clone().unwrap();
    assert!(
        !status.error && status.text.starts_with("Exported features"),
        "{status:?}"
    );

    // Remove the whistle (3 kHz, 2.0-5.5 s) and export again.
    let (w0, w1, wf) = WHISTLE;
    let json = format!(
        r#"{{"version": 1, "edits": [{{"type": "rect", "time_s": [{}, {}], "freq_hz": [{}, {}], "gain_db": "-inf"}}]}}"#,
        w0 - 0.05,
        w1 + 0.05,
        wf - 250.0,
        wf + 250.0
    );
    let edit = spectro::edit::EditList::from_json(&json).unwrap().edits[0].clone();
    h.state().commands().send(Command::AddEdit(edit));
    h.run_steps(3);
    wait_idle(&mut h);
    let clean = dir.path().join("clean.csv");
    export_through(&mut h, "Export features", &clean);

    // One row per frame of the view's STFT, librosa's count.
    let (header, before) = read_csv(&raw);
    let (_, after) = read_csv(&clean);
    let hop = h.state().view.stft.hop;
    let samples = (DEMO_RATE as f64 * spectro::cli::demo::DEMO_SECONDS) as usize;
    assert_eq!(before.len(), 1 + samples / hop);
    assert_eq!(after.len(), before.len());
    let col = |name: &str| header.iter().position(|c| c == name).unwrap();
    let (time, band0, band1) = (col("time_s"), col("band_0_db"), col("band_1_db"));
    // The whistle straddles bands 0 (0-3 kHz) and 1 (3-6 kHz); band 1 holds only hiss
    // besides, band 0 the louder tones too.
    let during: Vec<usize> = (0..before.len())
        .filter(|&k| (2.5..5.0).contains(&before[k][time]))
        .collect();
    let mean =
        |rows: &[Vec<f64>], c: usize| during.iter().map(|&k| rows[k][c]).sum::<f64>() / during.len() as f64;
    let drop1 = mean(&before, band1) - mean(&after, band1);
    let drop0 = mean(&before, band0) - mean(&after, band0);
    assert!(drop1 > 15.0, "band 1 fell {drop1:.1} dB");
    assert!(drop0 < 3.0, "band 0 fell {drop0:.1} dB");
    // The whistle was a burst; it is gone, and no other burst took its band.
    let whistle = |path: &Path| {
        let (h, rows) = read_csv(path);
        let c = |name: &str| h.iter().position(|x| x == name).unwrap();
        rows.iter()
            .filter(|r| (wf - 250.0..wf + 250.0).contains(&r[c("centre_hz")]))
            .map(|r| r[c("duration_s")])
            .collect::<Vec<f64>>()
    };
    let found = whistle(&dir.path().join("raw.bursts.csv"));
    assert!(found.iter().any(|&d| (d - (w1 - w0)).abs() < 0.2), "{found:?}");
    assert_eq!(whistle(&dir.path().join("clean.bursts.csv")), Vec::<f64>::new());

    // A features export can be cancelled; it writes nothing.
    let cancelled = dir.path().join("cancelled.csv");
    h.state()
        .commands()
        .send(Command::ExportFeatures(Some(cancelled.clone())));
    h.step();
    h.state().commands().send(Command::CancelFeatures);
    wait_idle(&mut h);
    assert!(!cancelled.exists() && !dir.path().join("cancelled.bursts.csv").exists());
    assert_eq!(
        h.state().status.as_ref().map(|s| s.text.as_str()),
        Some("Features export cancelled; nothing was written.")
    );
}

/// Answers the in-app path field (tests have no desktop dialog) with `path`.
fn answer_path_prompt(h: &mut Harness<'static, SpectroApp>, path: &Path) {
    let field = h.get_by_role(egui::accesskit::Role::TextInput);
    field.focus();
    h.run_steps(1);
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.run_steps(1);
    h.get_by_role(egui::accesskit::Role::TextInput)
        .type_text(&path.display().to_string());
    h.run_steps(2);
    h.get_by_label("OK").click();
    h.run_steps(2);
}

/// Steps until `done` holds, at most 60 s.
fn wait_for(h: &mut Harness<'static, SpectroApp>, what: &str, done: impl Fn(&SpectroApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        h.step();
        if done(h.state()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("timed out waiting for {what}: status {:?}", h.state().status);
}

/// Opens `png` through File > Open image as sound and waits for the window's preview.
fn open_image_window(h: &mut Harness<'static, SpectroApp>, png: &Path) {
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label_contains("Open image as sound").click();
    h.run_steps(3);
    answer_path_prompt(h, png);
    wait_for(h, "the image window", |a| {
        a.image_dialog.as_ref().is_some_and(|d| !d.is_busy())
    });
    h.run_steps(2);
}

fn imported_samples(app: &SpectroApp) -> Vec<Vec<f32>> {
    use spectro::signal::SampleSource;
    let rec = &app.open.as_ref().unwrap().recording;
    (0..rec.channels())
        .map(|c| {
            let mut x = vec![0.0f32; rec.len() as usize];
            rec.read_real(c, 0, &mut x);
            x
        })
        .collect()
}

#[test]
fn export_an_image_and_open_it_as_sound_through_the_file_menu() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness();
    wait_idle(&mut h);
    let original = imported_samples(h.state());
    assert_eq!(original.len(), 2, "the demo is stereo");

    // File > Image export options: one pixel per STFT cell, no axes.
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label("Image export options").click();
    h.run_steps(2);
    h.get_by_label_contains("One pixel per STFT cell").click();
    h.run_steps(2);
    h.get_by_label("Axes and colour bar").click();
    h.run_steps(2);
    h.key_press(Key::Escape);
    h.run_steps(2);
    let settings = h.state().image_export;
    assert!(
        settings.cells && !settings.axes && !settings.gray16,
        "{settings:?}"
    );

    let png = dir.path().join("demo-cells.png");
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label_contains("Export image").click();
    h.run_steps(3);
    answer_path_prompt(&mut h, &png);
    wait_idle(&mut h);
    let picture = spectro::io::picture::read_png(&png).expect("the picture was written");
    let meta = picture.meta().expect("with metadata").unwrap();
    let n = original[0].len() as u64;
    assert_eq!(
        (meta.sample_rate, meta.signal_len, meta.channels),
        (DEMO_RATE as f64, n, 2)
    );
    assert!(meta.cells);
    assert_eq!(meta.frames[0], 0, "the whole recording is in view");
    assert_eq!(picture.height, 1025);

    // Open it as sound while the demo is open: unchanged, the picture gives the demo back
    // exactly (the open recording is its original).
    open_image_window(&mut h, &png);
    h.get_by_label_contains("Keep the open recording");
    h.get_by_label("Open as sound").click();
    let wav = png.with_extension("wav");
    wait_for(&mut h, "the import", |a| {
        a.is_idle() && a.open.as_ref().is_some_and(|o| o.recording.path() == wav)
    });
    assert_eq!(
        imported_samples(h.state()),
        original,
        "an unchanged picture keeps the original"
    );

    // Again without the original: the sound is rebuilt from the picture alone (mono).
    open_image_window(&mut h, &png);
    h.get_by_label_contains("Keep the open recording").click();
    h.run_steps(2);
    h.get_by_label("Open as sound").click();
    wait_for(&mut h, "the second import", |a| {
        a.is_idle()
            && a.open
                .as_ref()
                .is_some_and(|o| o.recording.path() == wav && o.recording.stored_channels() == 1)
    });
    let y = &imported_samples(h.state())[0];
    assert_eq!(y.len(), original[0].len());
    // The whistle (3 kHz, 2.0–5.5 s) is back at its level: the picture shows the channels'
    // mean power, so compare with the mean of the channels' band energies.
    let (w0, w1, wf) = WHISTLE;
    let want = (band_energy(&original[0], w0 + 0.5, w1 - 0.5, wf - 100.0, wf + 100.0)
        + band_energy(&original[1], w0 + 0.5, w1 - 0.5, wf - 100.0, wf + 100.0))
        / 2.0;
    let got = band_energy(y, w0 + 0.5, w1 - 0.5, wf - 100.0, wf + 100.0);
    let diff_db = 10.0 * (got / want).log10();
    assert!(diff_db.abs() < 1.0, "whistle band {diff_db:.2} dB off");
    assert!(
        h.state()
            .status
            .as_ref()
            .is_some_and(|s| !s.error && s.text.contains("spectral convergence")),
        "{:?}",
        h.state().status
    );
}

// ---- The user's work: questions before losing or replacing it, autosave, the path field ----

/// A rectangle over the whistle, as one edit.
fn whistle_edit() -> spectro::edit::Edit {
    let (w0, w1, wf) = WHISTLE;
    spectro::edit::Edit::new(
        spectro::edit::Shape::Rect {
            time_s: [w0 - 0.05, w1 + 0.05],
            freq_hz: [wf - 250.0, wf + 250.0],
        },
        -100.0,
    )
}

fn is_unsaved_question(app: &SpectroApp) -> bool {
    matches!(app.question(), Some(Question::Unsaved(_)))
}

fn edit_count(app: &SpectroApp) -> usize {
    app.open.as_ref().map_or(0, |o| o.doc.edits.edits.len())
}

/// The demo as a file in `dir`, so the document has an input on disk.
fn demo_file(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, spectro::ui::DEMO_WAV).unwrap();
    path
}

/// Temporary files a write left in `dir` (`.NAME.XXXXXX.tmp`).
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n.ends_with(".tmp"))
        .collect()
}

#[test]
fn quitting_after_an_export_asks_because_exporting_is_not_saving() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness();
    wait_idle(&mut h);
    h.state().commands().send(Command::AddEdit(whistle_edit()));
    h.run_steps(2);
    wait_idle(&mut h);
    export_through_menu(&mut h, &dir.path().join("cleaned.wav"));

    h.key_press_modifiers(Modifiers::COMMAND, Key::Q);
    h.run_steps(3);
    assert!(
        is_unsaved_question(h.state()),
        "quitting after an export must ask"
    );
    assert!(!h.state().is_quitting());
    h.get_by_label("Unsaved edits");
    // Cancel keeps everything as it was.
    h.get_by_label("Cancel").click();
    h.run_steps(3);
    assert!(h.state().question().is_none() && !h.state().is_quitting());
    assert_eq!(edit_count(h.state()), 1);
}

#[test]
fn save_edit_list_in_the_quit_question_saves_then_quits() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness();
    wait_idle(&mut h);
    h.state().commands().send(Command::AddEdit(whistle_edit()));
    h.run_steps(2);

    // Cancelling the save dialog cancels the quit.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Q);
    h.run_steps(3);
    h.get_by_label("Save edit list…").click();
    h.run_steps(3);
    h.get_by_label("Cancel").click();
    h.run_steps(3);
    assert!(
        h.state().question().is_none(),
        "a cancelled save ends the question"
    );
    assert!(!h.state().is_quitting(), "a cancelled save must not quit");

    // A save that fails does not quit either.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Q);
    h.run_steps(3);
    h.get_by_label("Save edit list…").click();
    h.run_steps(3);
    type_path(&mut h, &dir.path().join("no such folder").join("edits.json"));
    h.get_by_label("OK").click();
    h.run_steps(3);
    assert!(!h.state().is_quitting(), "a failed save must not quit");
    assert!(h.state().open.as_ref().unwrap().doc.history.is_dirty());
    h.key_press(Key::Escape); // the error
    h.run_steps(2);

    // A save that works quits.
    let saved = dir.path().join("work.edits.json");
    h.key_press_modifiers(Modifiers::COMMAND, Key::Q);
    h.run_steps(3);
    h.get_by_label("Save edit list…").click();
    h.run_steps(3);
    type_path(&mut h, &saved);
    h.get_by_label("OK").click();
    h.run_steps(3);
    let list = spectro::edit::load_edit_list(&saved).expect("the edit list was saved");
    assert_eq!(list.edits, vec![whistle_edit()]);
    assert!(h.state().is_quitting(), "save-then-quit must quit");
}

#[test]
fn enter_in_the_path_field_confirms() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("by-enter.wav");
    let mut h = harness();
    wait_idle(&mut h);
    editor::file_menu(&mut h, "Export audio");
    type_path(&mut h, &out);
    h.key_press(Key::Enter);
    h.run_steps(3);
    wait_idle(&mut h);
    assert!(out.exists(), "Enter did not confirm: {:?}", h.state().status);
    assert_eq!(read_channels(&out)[0].len(), demo_signal()[0].len());
}

#[test]
fn shift_wheel_pans_in_time() {
    let mut h = harness();
    wait_idle(&mut h);
    h.state().commands().send(Command::SetView {
        time_s: [3.0, 5.0],
        u: [0.0, 1.0],
    });
    h.run_steps(3);
    wait_idle(&mut h);
    let before = h.state().view.time_s;
    let at = h.state().screen_pos(4.0, 5000.0).expect("the middle of the view");
    h.hover_at(at);
    h.run_steps(2);
    // Shift held through the scroll, as a user holds it: egui turns it into a sideways scroll.
    h.event(egui::Event::ModifiersChanged(Modifiers::SHIFT));
    h.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Line,
        delta: egui::vec2(0.0, -3.0),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: Modifiers::SHIFT,
    });
    h.run_steps(20);
    let after = h.state().view.time_s;
    h.event(egui::Event::ModifiersChanged(Modifiers::NONE));
    h.run_steps(2);
    let moved = after[0] - before[0];
    assert!(
        moved > 0.05,
        "shift+wheel down must pan later in time: {before:?} -> {after:?}"
    );
    assert!(
        ((after[1] - after[0]) - (before[1] - before[0])).abs() < 1e-9,
        "shift+wheel must not zoom: {before:?} -> {after:?}"
    );
}

#[test]
fn replacing_an_existing_file_asks_and_inputs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let recording = demo_file(dir.path(), "take.wav");
    let mut h = editor::harness_with(LaunchOptions {
        file: Some(recording.clone()),
        ..LaunchOptions::default()
    });
    wait_idle(&mut h);
    h.state().commands().send(Command::AddEdit(whistle_edit()));
    h.run_steps(2);
    wait_idle(&mut h);

    // Export audio onto an existing file: asked; Cancel leaves it byte for byte.
    let out = dir.path().join("out.wav");
    std::fs::write(&out, b"precious").unwrap();
    editor::file_menu(&mut h, "Export audio");
    type_path(&mut h, &out);
    h.get_by_label("OK").click();
    h.run_steps(3);
    assert!(matches!(h.state().question(), Some(Question::Replace { .. })));
    h.get_by_label("Replace out.wav?");
    h.get_by_label("Cancel").click();
    h.run_steps(3);
    wait_idle(&mut h);
    assert_eq!(std::fs::read(&out).unwrap(), b"precious");
    assert!(h.state().question().is_none());

    // Replace replaces it with the export.
    editor::file_menu(&mut h, "Export audio");
    type_path(&mut h, &out);
    h.get_by_label("OK").click();
    h.run_steps(3);
    h.get_by_label("Replace").click();
    h.run_steps(3);
    wait_idle(&mut h);
    let y = read_channels(&out);
    assert_eq!(y[0].len(), demo_signal()[0].len(), "{:?}", h.state().status);

    // Save edit list onto an existing file: asked too.
    let list_file = dir.path().join("list.json");
    std::fs::write(&list_file, b"{\"mine\": true}").unwrap();
    h.state()
        .commands()
        .send(Command::SaveEditsAs(Some(list_file.clone())));
    h.run_steps(3);
    h.get_by_label("Replace list.json?");
    h.get_by_label("Cancel").click();
    h.run_steps(3);
    assert_eq!(std::fs::read(&list_file).unwrap(), b"{\"mine\": true}");
    h.state()
        .commands()
        .send(Command::SaveEditsAs(Some(list_file.clone())));
    h.run_steps(3);
    h.get_by_label("Replace").click();
    h.run_steps(3);
    assert_eq!(
        spectro::edit::load_edit_list(&list_file).unwrap().edits,
        vec![whistle_edit()]
    );
    // Saving to the list's own file again is Save: no question.
    h.key_press_modifiers(Modifiers::COMMAND, Key::S);
    h.run_steps(3);
    assert!(h.state().question().is_none());

    // The recording itself is refused, whatever the write, with a message about the window's
    // choices (there is no --force to give).
    let original = std::fs::read(&recording).unwrap();
    for command in [
        Command::ExportAudio(Some(recording.clone())),
        Command::SaveEditsAs(Some(recording.clone())),
        Command::ExportImage(Some(dir.path().join(".").join("take.wav"))),
        Command::ExportAudio(Some(list_file.clone())),
    ] {
        h.state_mut().status = None;
        h.state().commands().send(command.clone());
        h.run_steps(3);
        wait_idle(&mut h);
        assert!(h.state().question().is_none(), "{command:?} must not ask");
        let status = h.state().status.clone().expect("a message");
        assert!(status.error, "{command:?}: {status:?}");
        assert!(
            status.text.contains("choose another name") && !status.text.contains("--force"),
            "{command:?}: {}",
            status.text
        );
        h.key_press(Key::Escape); // the error
        h.run_steps(2);
    }
    assert_eq!(std::fs::read(&recording).unwrap(), original);
    assert_eq!(
        spectro::edit::load_edit_list(&list_file).unwrap().edits,
        vec![whistle_edit()]
    );
    assert!(leftovers(dir.path()).is_empty(), "{:?}", leftovers(dir.path()));
}

#[test]
fn autosave_is_written_after_a_change_and_offered_back_after_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let recording = demo_file(dir.path(), "take.wav");
    let state = dir.path().join("state");
    let launch = LaunchOptions {
        file: Some(recording.clone()),
        autosave_dir: Some(state.clone()),
        ..LaunchOptions::default()
    };
    let slot = spectro::ui::autosave::slot_path(
        &state,
        &std::fs::canonicalize(&recording).unwrap().to_string_lossy(),
    );

    let mut h = editor::harness_with(launch.clone());
    wait_idle(&mut h);
    assert!(h.state().question().is_none());
    h.state().commands().send(Command::AddEdit(whistle_edit()));
    let changed = Instant::now();
    wait_until(&mut h, "the autosave", |_| slot.exists());
    assert!(
        changed.elapsed() >= spectro::ui::autosave::DELAY,
        "written before the edits went quiet"
    );
    let saved = spectro::ui::autosave::read(&slot).unwrap().unwrap();
    assert_eq!(saved.list.edits, vec![whistle_edit()]);
    assert_eq!(
        saved.recording,
        std::fs::canonicalize(&recording).unwrap().to_string_lossy()
    );
    // A crash: the window goes away without quitting.
    drop(h);
    assert!(slot.exists());

    // Next time the recording opens, the edits are offered back.
    let mut h = editor::harness_with(launch.clone());
    wait_idle(&mut h);
    assert!(matches!(h.state().question(), Some(Question::Restore(_))));
    h.get_by_label_contains("Restore unsaved edits from");
    assert_eq!(edit_count(h.state()), 0);
    h.get_by_label("Restore").click();
    h.run_steps(3);
    wait_idle(&mut h);
    let open = h.state().open.as_ref().unwrap();
    assert_eq!(open.doc.edits.edits, vec![whistle_edit()]);
    assert!(open.doc.history.is_dirty(), "restored edits are not saved yet");
    // Restoring is one undoable step.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(3);
    assert_eq!(edit_count(h.state()), 0);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Y);
    h.run_steps(3);
    assert_eq!(edit_count(h.state()), 1);

    // Quitting and discarding the edits is a clean exit: the autosave goes.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Q);
    h.run_steps(3);
    h.get_by_label("Discard edits").click();
    h.run_steps(3);
    assert!(h.state().is_quitting());
    h.state_mut().shutdown();
    assert!(!slot.exists(), "a clean exit removes the autosave");
    drop(h);

    // Nothing left to offer.
    let mut h = editor::harness_with(launch);
    wait_idle(&mut h);
    assert!(h.state().question().is_none());
}

#[test]
fn an_autosave_can_be_discarded_and_saving_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    let recording = demo_file(dir.path(), "take.wav");
    let state = dir.path().join("state");
    let launch = LaunchOptions {
        file: Some(recording.clone()),
        autosave_dir: Some(state.clone()),
        ..LaunchOptions::default()
    };
    let slot = spectro::ui::autosave::slot_path(
        &state,
        &std::fs::canonicalize(&recording).unwrap().to_string_lossy(),
    );
    let mut h = editor::harness_with(launch.clone());
    wait_idle(&mut h);
    h.state().commands().send(Command::AddEdit(whistle_edit()));
    wait_until(&mut h, "the autosave", |_| slot.exists());
    // Saving the edit list removes it.
    h.state()
        .commands()
        .send(Command::SaveEditsAs(Some(dir.path().join("take.edits.json"))));
    wait_until(&mut h, "the autosave's removal", |_| !slot.exists());
    // Another change, another autosave; then a crash.
    let mut louder = whistle_edit();
    louder.gain_db = -6.0;
    h.state().commands().send(Command::AddEdit(louder));
    wait_until(&mut h, "the autosave", |_| slot.exists());
    drop(h);

    let mut h = editor::harness_with(launch.clone());
    wait_idle(&mut h);
    h.get_by_label("Discard").click();
    h.run_steps(3);
    wait_until(&mut h, "the autosave's removal", |_| !slot.exists());
    assert_eq!(edit_count(h.state()), 0);
    drop(h);
    let mut h = editor::harness_with(launch);
    wait_idle(&mut h);
    assert!(h.state().question().is_none());
}

/// A file dropped on the window, as the desktop hands it over.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn dropping_a_file_while_a_question_is_open_still_asks() {
    let dir = tempfile::tempdir().unwrap();
    let other = demo_file(dir.path(), "other.wav");
    let mut h = harness();
    wait_idle(&mut h);
    h.state().commands().send(Command::AddEdit(whistle_edit()));
    h.run_steps(2);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Q);
    h.run_steps(3);
    assert!(is_unsaved_question(h.state()));
    h.input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(other.clone())));
    for _ in 0..50 {
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        matches!(h.state().question(), Some(Question::Unsaved(Then::Open(p))) if *p == other),
        "the drop must be asked about"
    );
    let open = h.state().open.as_ref().unwrap();
    assert_eq!(
        open.recording.path(),
        Path::new("demo.wav"),
        "the edits were discarded"
    );
    assert_eq!(open.doc.edits.edits.len(), 1);
    // Discarding opens the dropped file.
    h.get_by_label("Discard edits").click();
    wait_until(&mut h, "the dropped file", |a| {
        a.open.as_ref().is_some_and(|o| o.recording.path() == other)
    });
    assert!(!h.state().is_quitting());
}

#[test]
fn edits_made_while_a_file_opens_are_asked_about_when_it_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let other = demo_file(dir.path(), "other.wav");
    let mut h = harness();
    wait_idle(&mut h);
    // The open starts with nothing to lose; an edit follows before it has finished.
    h.state().commands().send(Command::Open(other.clone()));
    h.state().commands().send(Command::AddEdit(whistle_edit()));
    wait_until(&mut h, "the question", |a| {
        matches!(a.question(), Some(Question::Unsaved(Then::Show(_))))
    });
    h.run_steps(2);
    h.get_by_label_contains("other.wav has opened");
    assert_eq!(
        h.state().open.as_ref().unwrap().recording.path(),
        Path::new("demo.wav")
    );
    // Cancel keeps the document and its edits.
    h.get_by_label("Cancel").click();
    h.run_steps(3);
    assert_eq!(
        h.state().open.as_ref().unwrap().recording.path(),
        Path::new("demo.wav")
    );
    assert_eq!(edit_count(h.state()), 1);
    // Agreed to lose them, a slow open finishes without a second question, unless edits were
    // made meanwhile.
    h.state().commands().send(Command::Open(other.clone()));
    h.run_steps(2);
    h.get_by_label("Discard edits");
    // The answer and a new edit in the same frame, before the open can finish.
    h.state().commands().send(Command::Answer(Answer::Discard));
    h.state().commands().send(Command::AddEdit(whistle_edit()));
    wait_until(&mut h, "the second question", |a| {
        matches!(a.question(), Some(Question::Unsaved(Then::Show(_))))
    });
    assert_eq!(edit_count(h.state()), 2);
    h.get_by_label("Discard edits").click();
    wait_until(&mut h, "the other file", |a| {
        a.open.as_ref().is_some_and(|o| o.recording.path() == other)
    });
}

#[test]
fn quitting_during_an_export_cancels_it_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    // Long enough that the export is still running when Quit comes.
    let long = dir.path().join("long.wav");
    let fs = 48_000u32;
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: fs,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut rng = common::Rng(7);
    let samples: Vec<f64> = (0..fs as usize * 2 * 240)
        .map(|_| 0.1 * rng.uniform() as f64)
        .collect();
    common::write_wav_hound(&long, spec, &samples);
    let mut h = editor::harness_with(LaunchOptions {
        file: Some(long.clone()),
        ..LaunchOptions::default()
    });
    wait_idle(&mut h);
    h.state().commands().send(Command::AddEdit(whistle_edit()));
    h.run_steps(2);
    wait_idle(&mut h);
    let out = dir.path().join("out.wav");
    h.state().commands().send(Command::ExportAudio(Some(out.clone())));
    let deadline = Instant::now() + Duration::from_secs(30);
    while leftovers(dir.path()).is_empty() && Instant::now() < deadline {
        h.step();
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(
        !leftovers(dir.path()).is_empty(),
        "the export's temporary file never appeared"
    );
    h.key_press_modifiers(Modifiers::COMMAND, Key::Q);
    h.run_steps(3);
    h.get_by_label("Discard edits").click();
    h.run_steps(2);
    assert!(h.state().is_quitting());
    // What the window does on exit.
    h.state_mut().shutdown();
    assert!(leftovers(dir.path()).is_empty(), "{:?}", leftovers(dir.path()));
    assert!(!out.exists(), "a cancelled export must not leave a file");
}
