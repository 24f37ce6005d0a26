//! The editor under egui_kittest: helpers shared by the window tests (included with
//! `#[path]` by those tests only, so the others do not build the harness).
// Each test binary uses some of these.
#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use spectro::cli::demo::DEMO_RATE;
use spectro::signal::{Convention, Stft, StftParams};
use spectro::ui::LaunchOptions;
use spectro::ui::app::SpectroApp;

/// The editor on the demo, with in-window path prompts instead of desktop dialogs.
pub fn harness() -> Harness<'static, SpectroApp> {
    harness_with(LaunchOptions::default())
}

/// The editor launched with `launch`, with in-window path prompts instead of desktop dialogs.
pub fn harness_with(launch: LaunchOptions) -> Harness<'static, SpectroApp> {
    Harness::builder()
        .with_size([1400.0, 860.0])
        .build_eframe(move |cc| {
            SpectroApp::new(
                &cc.egui_ctx,
                LaunchOptions {
                    native_dialogs: false,
                    ..launch
                },
            )
        })
}

/// Steps frames until `done` holds, at most 60 s.
pub fn wait_until(h: &mut Harness<'static, SpectroApp>, what: &str, done: impl Fn(&SpectroApp) -> bool) {
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

/// Types `path` into the open path field (tests have no desktop dialog), replacing its text.
pub fn type_path(h: &mut Harness<'static, SpectroApp>, path: &Path) {
    h.get_by_role(egui::accesskit::Role::TextInput).focus();
    h.run_steps(1);
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.run_steps(1);
    h.get_by_role(egui::accesskit::Role::TextInput)
        .type_text(&path.display().to_string());
    h.run_steps(2);
}

/// Picks the File menu item `item`.
pub fn file_menu(h: &mut Harness<'static, SpectroApp>, item: &str) {
    h.get_by_label("File").click();
    h.run_steps(2);
    h.get_by_label_contains(item).click();
    h.run_steps(3);
}

/// Steps frames until the app has a document and nothing runs in the background.
pub fn wait_idle(h: &mut Harness<'static, SpectroApp>) {
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

/// A 16-bit WAV's channels as f32.
pub fn read_channels(path: &Path) -> Vec<Vec<f32>> {
    let mut r = hound::WavReader::open(path).unwrap();
    let ch = r.spec().channels as usize;
    let all: Vec<f32> = r.samples::<i16>().map(|s| s.unwrap() as f32 / 32768.0).collect();
    (0..ch)
        .map(|c| all.iter().skip(c).step_by(ch).cloned().collect())
        .collect()
}

/// Energy in `lo_hz..hi_hz` between `t0` and `t1` seconds.
pub fn band_energy(x: &[f32], t0: f64, t1: f64, lo_hz: f64, hi_hz: f64) -> f64 {
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

/// Exports the edited audio through File > Export audio to `path`.
pub fn export_through_menu(h: &mut Harness<'static, SpectroApp>, path: &Path) {
    export_through(h, "Export audio", path);
}

/// Picks the File menu item `item` and answers its file dialog with `path`.
pub fn export_through(h: &mut Harness<'static, SpectroApp>, item: &str, path: &Path) {
    file_menu(h, item);
    // No desktop dialog in tests: the in-app path field takes the path (it suggests a name
    // next to the recording; replaced).
    type_path(h, path);
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

/// Drags the primary button from `a` to `b` in `steps` moves, as a hand would, then lets the
/// editor take the gesture in.
pub fn drag(h: &mut Harness<'static, SpectroApp>, a: egui::Pos2, b: egui::Pos2, steps: usize) {
    h.hover_at(a);
    h.step();
    h.drag_at(a);
    h.step();
    for i in 1..=steps {
        h.hover_at(a + (b - a) * (i as f32 / steps as f32));
        h.step();
    }
    h.drop_at(b);
    h.run_steps(3);
}
