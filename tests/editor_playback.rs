//! Listening in the editor, through the real audio path: ALSA's `file` plugin (set up through
//! a `~/.asoundrc` for this test process) records what the window played.

mod common;
#[path = "common/editor.rs"]
mod editor;

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable;
use spectro::cli::demo::{DEMO_RATE, demo_signal};
use spectro::signal::{Convention, Stft, StftParams};

/// The ALSA file device of this test process, one test at a time: every test plays into the
/// same capture file.
fn audio_device() -> (MutexGuard<'static, ()>, PathBuf) {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    static CAPTURE: OnceLock<PathBuf> = OnceLock::new();
    let guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let capture = CAPTURE.get_or_init(|| {
        // In the target's scratch space, replaced at each run (a TempDir in a static would
        // never be removed).
        let home = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("editor_playback_home");
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(&home).unwrap();
        let capture = home.join("played.raw");
        // About 5 times real time for 48 kHz stereo f32.
        common::paced_alsa_file_device(&home, &capture, 2e6);
        // SAFETY: under the lock, before any test of this binary opened a window or a device;
        // no other thread reads the environment meanwhile.
        unsafe {
            std::env::set_var("HOME", &home);
            std::env::remove_var("XDG_CONFIG_HOME");
        }
        capture
    });
    (guard, capture.clone())
}

/// The capture's device frames from byte `from` on: the first channel of stereo f32.
fn energy_in(x: &[f32], lo_hz: f64, hi_hz: f64) -> f64 {
    let fs = DEMO_RATE as f64;
    let stft = Stft::<f32>::new(StftParams::with_fft(2048), Convention::Scipy).unwrap();
    let s = stft.stft(x);
    let (b0, b1) = (
        (lo_hz * 2048.0 / fs).ceil() as usize,
        (hi_hz * 2048.0 / fs).floor() as usize,
    );
    (2..s.frames.saturating_sub(2))
        .map(|k| {
            s.frame(k)[b0..=b1]
                .iter()
                .map(|z| z.norm_sqr() as f64)
                .sum::<f64>()
        })
        .sum()
}

use editor::wait_until as wait;

#[test]
fn hearing_only_the_selected_band_plays_the_whistle_alone() {
    let (_device, capture) = audio_device();
    let mut h = editor::harness();
    wait(&mut h, "the demo", |a| a.open.is_some() && a.is_idle());

    // Select 3.0-3.5 s between 2.8 and 3.2 kHz with the Select tool.
    h.get_by_label("Select").click();
    h.run_steps(2);
    let a = h.state().screen_pos(3.0, 2800.0).unwrap();
    let b = h.state().screen_pos(3.5, 3200.0).unwrap();
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
    assert!(
        (sel.time_s[0] - 3.0).abs() < 0.02 && (sel.time_s[1] - 3.5).abs() < 0.02,
        "{sel:?}"
    );

    h.get_by_label("only selected").click();
    h.run_steps(2);
    // The capture is shared with the other tests of this binary: only what comes from now on.
    let from = std::fs::metadata(&capture).unwrap().len() as usize / 8 * 8;
    h.get_by_label("Play selection").click();
    h.run_steps(2);
    assert!(
        h.state().transport.error.is_none(),
        "{:?}",
        h.state().transport.error
    );
    wait(&mut h, "the end of playback", |a| !a.transport.is_playing());

    let played = common::sounding(&capture, from);
    let fs = DEMO_RATE as f64;
    assert!(
        (played.len() as f64 - 0.5 * fs).abs() < 0.01 * fs,
        "played {} samples for a 0.5 s selection",
        played.len()
    );
    let original = &demo_signal()[0][(3.0 * fs) as usize..(3.5 * fs) as usize];
    // The whistle is there at full level, the tones below it are gone.
    let whistle = 10.0 * (energy_in(&played, 2950.0, 3050.0) / energy_in(original, 2950.0, 3050.0)).log10();
    assert!(whistle.abs() < 1.0, "whistle band changed by {whistle:.2} dB");
    let tones = 10.0 * (energy_in(&played, 100.0, 2000.0) / energy_in(original, 100.0, 2000.0)).log10();
    assert!(tones < -40.0, "tones only fell {tones:.1} dB");
}

/// Stop (or Esc) then Play starts a new playback: sound, and a dropout counter of its own.
#[test]
fn play_stop_play_again_sounds() {
    let (_device, capture) = audio_device();
    let mut h = editor::harness();
    wait(&mut h, "the demo", |a| a.open.is_some() && a.is_idle());
    let fs = DEMO_RATE as f64;

    h.get_by_label("Play").click();
    wait(&mut h, "the playhead", |a| {
        a.transport.playhead_s().is_some_and(|t| t > 0.5)
    });
    h.get_by_label("Stop").click();
    let stopped = Instant::now();
    while stopped.elapsed() < Duration::from_millis(300) {
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(!h.state().transport.is_playing());
    // Dropouts of the earlier playback (as a slow machine would have had). ALSA's null device
    // behind the file plugin is not paced, so a new playback may count dropouts of its own
    // within a few frames: far more than a handful, never a billion.
    const EARLIER: u64 = 1_000_000_000;
    h.state()
        .transport
        .shared()
        .expect("the player is open")
        .underruns
        .store(EARLIER, std::sync::atomic::Ordering::Relaxed);
    let from = std::fs::metadata(&capture).unwrap().len() as usize / 8 * 8;

    h.get_by_label("Play").click();
    h.run_steps(2);
    assert!(h.state().transport.is_playing());
    assert!(
        h.state().transport.underruns() < EARLIER,
        "the dropout counter must start again with the new playback"
    );
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(1500) {
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.key_press(egui::Key::Escape);
    h.run_steps(3);
    assert!(!h.state().transport.is_playing(), "Esc stops");

    let sounding = common::sounding(&capture, from).len();
    assert!(
        sounding as f64 > 0.5 * fs,
        "Play after Stop played only {sounding} sounding frames in 1.5 s"
    );
}
