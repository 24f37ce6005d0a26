//! Tuned listening in the window, through the real audio path (ALSA's `file` plugin records
//! what was played): open an IQ capture, pick the Tune tool, click a station, hear its tone.

mod common;

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use spectro::audio::demod::DemodMode;
use spectro::ui::LaunchOptions;
use spectro::ui::app::SpectroApp;

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

/// Amplitude of the `freq_hz` component of `x` at `rate_hz`.
fn tone(x: &[f32], freq_hz: f64, rate_hz: f64) -> f64 {
    let (mut c, mut s) = (0.0, 0.0);
    for (n, &v) in x.iter().enumerate() {
        let ph = std::f64::consts::TAU * freq_hz * n as f64 / rate_hz;
        c += v as f64 * ph.cos();
        s += v as f64 * ph.sin();
    }
    2.0 * (c * c + s * s).sqrt() / x.len() as f64
}

#[test]
fn clicking_a_station_with_the_tune_tool_plays_it_demodulated() {
    let home = tempfile::tempdir().unwrap();
    let capture = home.path().join("played.raw");
    common::paced_alsa_file_device(home.path(), &capture, 2e6);
    // SAFETY: this test binary has one test, and nothing has read the environment yet.
    unsafe {
        std::env::set_var("HOME", home.path());
        std::env::remove_var("XDG_CONFIG_HOME");
    }
    // 1 s at 250 kS/s around 100 MHz: an AM station with a 700 Hz tone 60 kHz below the centre,
    // and a stronger one with a 1.3 kHz tone 40 kHz above it.
    let fs = 250_000.0;
    let tau = std::f64::consts::TAU;
    let mut bytes = Vec::new();
    for n in 0..250_000 {
        let t = n as f64 / fs;
        let a = 0.1 * (1.0 + 0.6 * (tau * 700.0 * t).sin());
        let b = 0.4 * (1.0 + 0.6 * (tau * 1300.0 * t).sin());
        let (pa, pb) = (tau * -60e3 * t, tau * 40e3 * t);
        let (i, q) = (a * pa.cos() + b * pb.cos(), a * pa.sin() + b * pb.sin());
        bytes.extend_from_slice(&(i as f32).to_le_bytes());
        bytes.extend_from_slice(&(q as f32).to_le_bytes());
    }
    let file = home.path().join("stations_100M_250k.cf32");
    std::fs::write(&file, &bytes).unwrap();

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
    wait(&mut h, "the capture", |a| a.open.is_some() && a.is_idle());
    h.run_steps(3);
    // The centre comes from the file name; the axis is labelled around it.
    let centre = h.state().open.as_ref().and_then(|o| o.recording.center_freq_hz());
    assert_eq!(centre, Some(100e6));

    h.get_by_label("Tune").click();
    h.run_steps(2);
    let at = h.state().screen_pos(0.3, -60e3).expect("on screen");
    h.hover_at(at);
    h.step();
    // A click: press and release on the same spot.
    h.drag_at(at);
    h.step();
    h.drop_at(at);
    h.run_steps(2);
    let demod = h.state().transport.demod().expect("listening");
    assert_eq!(demod.mode, DemodMode::Am);
    assert!(
        (demod.tune_hz + 60e3).abs() < 1e3,
        "tuned to {} Hz",
        demod.tune_hz
    );
    assert!(
        h.state().transport.error.is_none(),
        "{:?}",
        h.state().transport.error
    );
    wait(&mut h, "the end of playback", |a| !a.transport.is_playing());

    let played = common::sounding(&capture, 0);
    // From 0.3 s to the end at 48 kHz.
    assert!(
        (played.len() as f64 - 0.7 * 48_000.0).abs() < 2_000.0,
        "{}",
        played.len()
    );
    let steady = &played[4_800..played.len() - 2_400];
    let (wanted, other) = (tone(steady, 700.0, 48_000.0), tone(steady, 1300.0, 48_000.0));
    assert!(wanted > 0.2, "the station's tone: {wanted}");
    assert!(
        20.0 * (wanted / other.max(1e-9)).log10() > 40.0,
        "the stronger station next to it leaks: {other} vs {wanted}"
    );
}
