//! Listening in the editor, through the real audio path: ALSA's `file` plugin (set up through
//! a `~/.asoundrc` for this test process) records what the window played.

mod common;

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use spectro::cli::demo::{DEMO_RATE, demo_signal};
use spectro::signal::{Convention, Stft, StftParams};
use spectro::ui::LaunchOptions;
use spectro::ui::app::SpectroApp;

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

fn wait(h: &mut Harness<'static, SpectroApp>, what: &str, done: impl Fn(&SpectroApp) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        h.step();
        if done(h.state()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("timed out waiting for {what}");
}

#[test]
fn hearing_only_the_selected_band_plays_the_whistle_alone() {
    let home = tempfile::tempdir().unwrap();
    let capture = home.path().join("played.raw");
    common::alsa_file_device(home.path(), &capture);
    // SAFETY: this test binary has one test, and nothing has read the environment yet.
    unsafe {
        std::env::set_var("HOME", home.path());
        std::env::remove_var("XDG_CONFIG_HOME");
    }

    let mut h = Harness::builder().with_size([1400.0, 860.0]).build_eframe(|cc| {
        SpectroApp::new(
            &cc.egui_ctx,
            LaunchOptions {
                native_dialogs: false,
                ..LaunchOptions::default()
            },
        )
    });
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
    h.get_by_label("Play selection").click();
    h.run_steps(2);
    assert!(
        h.state().transport.error.is_none(),
        "{:?}",
        h.state().transport.error
    );
    wait(&mut h, "the end of playback", |a| !a.transport.is_playing());

    let bytes = std::fs::read(&capture).unwrap();
    let sent: Vec<f32> = bytes
        .chunks_exact(8)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let played: Vec<f32> = sent.into_iter().filter(|&v| v != 0.0).collect();
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
