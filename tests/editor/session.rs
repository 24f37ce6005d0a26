//! Sessions, STFT changes and copy and paste in the window, driven like a user would
//! (egui_kittest): a session saved through the File menu reopens with the same recording,
//! edits, STFT, view, selection and tool; a recording changed since asks before its edits are
//! applied; an STFT change is one undo step that marks the work unsaved.

use crate::common;
use crate::editor;

use std::path::{Path, PathBuf};

use editor::{file_menu, harness_with, type_path, wait_idle, wait_until};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use spectro::edit::load_session;
use spectro::edit::{Edit, Shape};
use spectro::signal::{FreqScale, StftParams};
use spectro::ui::LaunchOptions;
use spectro::ui::app::SpectroApp;
use spectro::ui::command::Command;
use spectro::ui::confirm::{Answer, Question};
use spectro::ui::tools::Tool;
use spectro::ui::transport::Selection;

/// 3 s of two tones (440 Hz and 2 kHz) at 16 kHz, 16-bit, written with hound; `level` is the
/// second tone's (another level: a different recording of the same length).
fn tones(path: &Path, level: f64) {
    let fs = 16_000u32;
    let x: Vec<f64> = (0..3 * fs as usize)
        .map(|i| {
            let t = i as f64 / fs as f64;
            0.3 * (std::f64::consts::TAU * 440.0 * t).sin()
                + level * (std::f64::consts::TAU * 2000.0 * t).sin()
        })
        .collect();
    common::write_mono_wav16(path, fs, &x);
}

fn open(file: PathBuf, dir: &Path) -> Harness<'static, SpectroApp> {
    let mut h = harness_with(LaunchOptions {
        file: Some(file),
        autosave_dir: Some(dir.join("autosave")),
        ..LaunchOptions::default()
    });
    wait_idle(&mut h);
    h
}

/// The tests' starting point: a fresh folder (kept while the returned guard lives) holding
/// `tones.wav`, opened in the window, which autosaves into that folder.
fn open_tones() -> (tempfile::TempDir, PathBuf, Harness<'static, SpectroApp>) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tones.wav");
    tones(&file, 0.2);
    let h = open(file.clone(), dir.path());
    (dir, file, h)
}

fn edits(h: &Harness<'static, SpectroApp>) -> Vec<Edit> {
    h.state().open.as_ref().unwrap().doc.edits.edits.clone()
}

fn dirty(h: &Harness<'static, SpectroApp>) -> bool {
    h.state().open.as_ref().unwrap().doc.history.is_dirty()
}

fn send(h: &mut Harness<'static, SpectroApp>, c: Command) {
    h.state().commands().send(c);
    h.run_steps(3);
}

#[test]
fn an_stft_change_is_one_undo_step_and_unsaved_work() {
    let (_dir, _, mut h) = open_tones();
    let first = h.state().view.stft;
    assert!(!dirty(&h));
    send(&mut h, Command::SetStft(StftParams::with_fft(512)));
    wait_idle(&mut h);
    assert_eq!(h.state().view.stft, StftParams::with_fft(512));
    assert!(dirty(&h), "an STFT change is work to save");
    let doc_stft = |h: &Harness<'static, SpectroApp>| {
        h.state()
            .open
            .as_ref()
            .unwrap()
            .doc
            .edits
            .stft
            .map(|s| s.params())
    };
    assert_eq!(doc_stft(&h), Some(StftParams::with_fft(512)));
    send(&mut h, Command::Undo);
    wait_idle(&mut h);
    assert_eq!(h.state().view.stft, first, "undo restores the previous settings");
    assert_eq!(doc_stft(&h), Some(first));
    assert!(!dirty(&h));
    send(&mut h, Command::Redo);
    assert_eq!(h.state().view.stft, StftParams::with_fft(512));
    assert!(dirty(&h));
}

/// Makes edits, an STFT, a view, a selection and a tool; saves the session through the menu.
fn edit_and_save(h: &mut Harness<'static, SpectroApp>, session: &Path) -> Vec<Edit> {
    send(
        h,
        Command::AddEdit(Edit::new(
            Shape::Rect {
                time_s: [0.5, 1.5],
                freq_hz: [1800.0, 2200.0],
            },
            -40.0,
        )),
    );
    send(h, Command::SetStft(StftParams::with_fft(1024)));
    send(h, Command::SetScale(FreqScale::Mel));
    send(
        h,
        Command::SetView {
            time_s: [0.25, 2.0],
            u: [0.1, 0.8],
        },
    );
    send(
        h,
        Command::SetSelection(Some(Selection {
            time_s: [1.0, 1.25],
            freq_hz: [300.0, 600.0],
        })),
    );
    send(h, Command::SetTool(Tool::Brush));
    wait_idle(h);
    file_menu(h, "Save session as");
    type_path(h, session);
    h.get_by_label("OK").click();
    h.run_steps(3);
    wait_until(h, "the session saved", |app| !app.is_saving_session());
    assert!(session.exists(), "status {:?}", h.state().status);
    assert!(!dirty(h), "the session holds the edits");
    edits(h)
}

/// XXH64 (seed 0) of the file's bytes, computed here with the reference crate.
fn xxh64_of(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    format!("xxh64:{:016x}", xxhash_rust::xxh64::xxh64(&bytes, 0))
}

#[test]
fn a_session_saved_from_a_plain_file_holds_its_hash_and_is_saved_in_the_background() {
    let (dir, file, mut h) = open_tones();
    let session = dir.path().join("plain.spectro");
    let content_hash =
        |h: &Harness<'static, SpectroApp>| h.state().open.as_ref().unwrap().content_hash.clone();
    assert_eq!(content_hash(&h), None, "a plain file is not hashed when it opens");
    let rect = |t: f64| {
        Edit::new(
            Shape::Rect {
                time_s: [t, t + 0.5],
                freq_hz: [1800.0, 2200.0],
            },
            -40.0,
        )
    };
    send(&mut h, Command::AddEdit(rect(0.5)));
    // The frame that carries out the save leaves the hashing and writing to a job: the window
    // goes on drawing, and the edits count as saved only once the file is written.
    h.state()
        .commands()
        .send(Command::SaveSessionAs(Some(session.clone())));
    h.step();
    assert!(h.state().is_saving_session(), "the save runs in the background");
    assert!(dirty(&h));
    wait_until(&mut h, "the session saved", |app| !app.is_saving_session());
    assert!(!dirty(&h), "status {:?}", h.state().status);
    let expected = xxh64_of(&file);
    let saved = load_session(&session).unwrap();
    assert_eq!(saved.recording.hash, expected);
    assert_eq!(
        saved.recording.size_bytes,
        std::fs::metadata(&file).unwrap().len()
    );
    assert_eq!(saved.edits.edits, edits(&h));
    assert_eq!(content_hash(&h), Some(expected), "kept for the next save");
    assert_eq!(
        h.state().open.as_ref().unwrap().session_path.as_deref(),
        Some(session.as_path())
    );
    // Quitting with unsaved edits, answered "Save": the session is saved, then the window closes.
    send(&mut h, Command::AddEdit(rect(1.5)));
    send(&mut h, Command::Quit);
    assert!(matches!(h.state().question(), Some(Question::Unsaved(_))));
    send(&mut h, Command::Answer(Answer::Save));
    wait_until(&mut h, "the window closing", |app| app.is_quitting());
    assert_eq!(load_session(&session).unwrap().edits.edits, edits(&h));
    assert_eq!(edits(&h).len(), 2);
}

#[test]
fn a_saved_session_reopens_where_it_was_left() {
    let (dir, file, mut h) = open_tones();
    let session = dir.path().join("work.spectro");
    let saved = edit_and_save(&mut h, &session);
    let view = h.state().view;
    drop(h);
    // `spectro work.spectro`: the session is the window's file argument.
    let mut h = open(session.clone(), dir.path());
    wait_until(&mut h, "the session's edits", |app| {
        app.open.as_ref().is_some_and(|o| !o.doc.edits.edits.is_empty())
    });
    wait_idle(&mut h);
    let app = h.state();
    let doc = app.open.as_ref().unwrap();
    assert_eq!(
        doc.recording.path().canonicalize().unwrap(),
        file.canonicalize().unwrap()
    );
    assert_eq!(edits(&h), saved);
    assert_eq!(app.view.stft, StftParams::with_fft(1024));
    assert_eq!(app.view.scale, FreqScale::Mel);
    for i in 0..2 {
        assert!(
            (app.view.time_s[i] - view.time_s[i]).abs() < 1e-9,
            "{:?}",
            app.view.time_s
        );
        assert!(
            (app.view.u[i] - view.u[i]).abs() < 1e-6,
            "{:?} vs {:?}",
            app.view.u,
            view.u
        );
    }
    let sel = app.transport.selection.expect("the selection");
    assert_eq!((sel.time_s, sel.freq_hz), ([1.0, 1.25], [300.0, 600.0]));
    assert_eq!(app.tool, Tool::Brush);
    assert!(!doc.doc.history.is_dirty(), "reopened as saved");
    assert_eq!(doc.session_path.as_deref(), Some(session.as_path()));
    // Undo takes the whole loaded list back, as loading an edit list does.
    send(&mut h, Command::Undo);
    assert!(edits(&h).is_empty());
}

#[test]
fn a_changed_recording_is_asked_about_before_its_edits_are_applied() {
    let (dir, file, mut h) = open_tones();
    let session = dir.path().join("work.spectro");
    let saved = edit_and_save(&mut h, &session);
    drop(h);
    // The same length and format, other samples: only the content hash can tell.
    tones(&file, 0.1);
    let mut h = open_session_asking(&session, dir.path());
    assert!(
        edits_or_none(&h).is_none(),
        "nothing is applied before the answer"
    );
    h.get_by_label("Open without edits").click();
    h.run_steps(3);
    wait_idle(&mut h);
    assert!(edits(&h).is_empty());
    drop(h);
    let mut h = open_session_asking(&session, dir.path());
    h.get_by_label("Apply edits anyway").click();
    h.run_steps(3);
    wait_until(&mut h, "the session's edits", |app| {
        app.open.as_ref().is_some_and(|o| !o.doc.edits.edits.is_empty())
    });
    assert_eq!(edits(&h), saved);
    drop(h);
    // A recording that is gone is asked for.
    std::fs::rename(&file, dir.path().join("renamed.wav")).unwrap();
    let mut h = harness_with(LaunchOptions {
        file: Some(session.clone()),
        ..LaunchOptions::default()
    });
    wait_until(&mut h, "the question where the recording is", |app| {
        matches!(app.question(), Some(Question::SessionMissing { .. }))
    });
    h.run_steps(2);
    h.get_by_label("Locate recording…").click();
    h.run_steps(3);
    type_path(&mut h, &dir.path().join("renamed.wav"));
    h.get_by_label("OK").click();
    h.run_steps(3);
    wait_until(&mut h, "the located recording's question", |app| {
        matches!(app.question(), Some(Question::SessionChanged(_)))
    });
    h.run_steps(2);
    h.get_by_label("Apply edits anyway").click();
    h.run_steps(3);
    wait_until(&mut h, "the session's edits", |app| {
        app.open.as_ref().is_some_and(|o| !o.doc.edits.edits.is_empty())
    });
    assert_eq!(edits(&h), saved);
}

fn edits_or_none(h: &Harness<'static, SpectroApp>) -> Option<Vec<Edit>> {
    h.state().open.as_ref().map(|o| o.doc.edits.edits.clone())
}

/// Opens `session` and waits for the question about its changed recording.
fn open_session_asking(session: &Path, dir: &Path) -> Harness<'static, SpectroApp> {
    let mut h = harness_with(LaunchOptions {
        file: Some(session.to_path_buf()),
        autosave_dir: Some(dir.join("autosave")),
        ..LaunchOptions::default()
    });
    wait_until(&mut h, "the question about the changed recording", |app| {
        matches!(app.question(), Some(Question::SessionChanged(_)))
    });
    h.run_steps(2);
    h
}

#[test]
fn copy_and_paste_add_one_edit_and_undo_removes_it() {
    use egui::{Key, Modifiers};
    use spectro::edit::PasteMode;
    let (_dir, _, mut h) = open_tones();
    // Nothing copied yet: a paste adds nothing.
    h.key_press_modifiers(Modifiers::COMMAND, Key::V);
    h.run_steps(3);
    assert!(edits(&h).is_empty());
    send(
        &mut h,
        Command::SetSelection(Some(Selection {
            time_s: [0.5, 1.0],
            freq_hz: [1800.0, 2200.0],
        })),
    );
    send(&mut h, Command::SetCursor(2.0));
    h.key_press_modifiers(Modifiers::COMMAND, Key::C);
    h.run_steps(3);
    h.key_press_modifiers(Modifiers::COMMAND, Key::V);
    h.run_steps(3);
    let e = edits(&h);
    assert_eq!(e.len(), 1, "one paste is one edit");
    let Shape::Paste(p) = &e[0].shape else {
        panic!("{:?}", e[0].shape)
    };
    assert_eq!(
        (p.from_s, p.freq_hz, p.to_s, p.mode),
        ([0.5, 1.0], [1800.0, 2200.0], 2.0, PasteMode::Mix)
    );
    assert!(dirty(&h));
    wait_until(&mut h, "the pasted sound", |app| {
        app.open
            .as_ref()
            .is_some_and(|o| !o.computing_signal_layer() && o.signal_layer().is_some())
    });
    send(&mut h, Command::Undo);
    assert!(edits(&h).is_empty(), "undo takes the paste back");
    assert!(!dirty(&h));
    // Ctrl+Shift+V replaces.
    h.key_press_modifiers(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::V);
    h.run_steps(3);
    let e = edits(&h);
    assert_eq!(e.len(), 1);
    assert!(matches!(&e[0].shape, Shape::Paste(p) if p.mode == PasteMode::Replace));
}
