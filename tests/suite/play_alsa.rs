//! `spectro play` through the real audio path: cpal and alsa-lib, with a `~/.asoundrc` whose
//! default device is ALSA's `file` plugin, which writes exactly what it is sent to a file.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::data;

fn spectro_with_home(home: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_spectro"))
        .args(args)
        .env("HOME", home)
        .env_remove("XDG_CONFIG_HOME")
        .output()
        .expect("spectro runs")
}

/// The values in `x` that are not exactly zero, in order.
fn nonzero(x: impl IntoIterator<Item = f32>) -> Vec<f32> {
    x.into_iter().filter(|&v| v != 0.0).collect()
}

#[test]
fn play_sends_the_files_own_samples_to_alsa() {
    let home = tempfile::tempdir().unwrap();
    let capture = home.path().join("sent.raw");
    common::alsa_file_device(home.path(), &capture);
    let input = data("sat_ao73.wav");
    let o = spectro_with_home(
        home.path(),
        &["play", input.to_str().unwrap(), "--start", "1", "--end", "2.5"],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    // The device was opened at the file's own rate with f32 samples: nothing to convert.
    assert!(err.contains("(2 ch, 48000 Hz, f32"), "{err}");

    let bytes = std::fs::read(&capture).unwrap();
    let sent: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let (left, right): (Vec<f32>, Vec<f32>) = sent.chunks_exact(2).map(|f| (f[0], f[1])).unzip();
    assert_eq!(left, right, "a mono file plays the same on both channels");

    let source: Vec<f32> = hound::WavReader::open(&input)
        .unwrap()
        .samples::<i16>()
        .map(|s| s.unwrap() as f32 / 32768.0)
        .collect();
    let expected = nonzero(source[48_000..120_000].iter().copied());
    // ALSA's null device takes audio faster than real time, so the callback pads with silence
    // while it waits for the next chunk; the audio itself must be the file's, in order.
    let got = nonzero(left);
    assert_eq!(
        got.len(),
        expected.len(),
        "every sample of 1.0-2.5 s is sent exactly once"
    );
    assert!(got == expected, "the samples sent differ from the file's");
}

#[test]
fn play_with_edits_sends_the_edited_samples() {
    let home = tempfile::tempdir().unwrap();
    let capture = home.path().join("sent.raw");
    common::alsa_file_device(home.path(), &capture);
    let edits = home.path().join("e.json");
    std::fs::write(
        &edits,
        r#"{"version":1,"edits":[{"type":"rect","time_s":[0,15],"freq_hz":[0,1500],"gain_db":"-inf"}]}"#,
    )
    .unwrap();
    let input = data("ft8lib_20m_busy_test_01.wav");
    let rendered = home.path().join("rendered.wav");
    let o = common::spectro(&[
        "apply",
        input.to_str().unwrap(),
        "--edits",
        edits.to_str().unwrap(),
        "-o",
        rendered.to_str().unwrap(),
        "--format",
        "float32",
    ]);
    assert!(o.status.success());
    let o = spectro_with_home(
        home.path(),
        &[
            "play",
            input.to_str().unwrap(),
            "--edits",
            edits.to_str().unwrap(),
            "--start",
            "3",
            "--end",
            "4",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(&capture).unwrap();
    let sent: Vec<f32> = bytes
        .chunks_exact(8)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let rendered: Vec<f32> = hound::WavReader::open(&rendered)
        .unwrap()
        .samples::<f32>()
        .map(|s| s.unwrap())
        .collect();
    let expected = nonzero(rendered[36_000..48_000].iter().copied());
    let got = nonzero(sent);
    assert_eq!(got.len(), expected.len());
    // Playback renders by range and export by block: the same samples, up to float rounding.
    let worst = got
        .iter()
        .zip(&expected)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(worst < 1e-6, "playback differs from the export by {worst:e}");
}

#[test]
fn play_without_a_device_exits_2_with_one_line() {
    let home = tempfile::tempdir().unwrap();
    // A default device on a sound card that does not exist, whatever this machine has.
    std::fs::write(
        home.path().join(".asoundrc"),
        "pcm.!default {\n  type hw\n  card 31\n}\n",
    )
    .unwrap();
    let input = data("sat_ao73.wav");
    let o = spectro_with_home(home.path(), &["play", input.to_str().unwrap(), "--end", "0.5"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.starts_with("spectro: error: "), "{err}");
}

/// Tuned listening through the real audio path: a 2 MS/s capture named the rtl_433 way, an FM
/// station 300 kHz below its centre with a 700 Hz tone and a strong carrier next to it;
/// `spectro play --demod fm --tune` sends the tone at 48 kHz.
#[test]
fn play_demodulates_a_tuned_station_of_an_iq_capture() {
    let home = tempfile::tempdir().unwrap();
    let capture = home.path().join("sent.raw");
    common::alsa_file_device(home.path(), &capture);
    let fs = 2_000_000.0;
    let tau = std::f64::consts::TAU;
    let mut phase = 0.0f64;
    let mut bytes = Vec::new();
    for n in 0..1_000_000 {
        let t = n as f64 / fs;
        let f = -300e3 + 3000.0 * (tau * 700.0 * t).sin();
        phase = (phase + tau * f / fs) % tau;
        let (i, q) = (0.3 * phase.cos(), 0.3 * phase.sin());
        // A carrier 40 kHz above the station, stronger than it.
        let c = tau * -260e3 * t;
        let (i, q) = (i + 0.5 * c.cos(), q + 0.5 * c.sin());
        bytes.extend_from_slice(&(i as f32).to_le_bytes());
        bytes.extend_from_slice(&(q as f32).to_le_bytes());
    }
    let input = home.path().join("station_100M_2000k.cf32");
    std::fs::write(&input, &bytes).unwrap();
    let o = spectro_with_home(
        home.path(),
        &[
            "play",
            input.to_str().unwrap(),
            "--demod",
            "fm",
            "--tune",
            "99.7e6",
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("(2 ch, 48000 Hz, f32"),
        "an audio rate, not the capture's: {err}"
    );
    let sent: Vec<f32> = std::fs::read(&capture)
        .unwrap()
        .chunks_exact(8)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let audio = nonzero(sent);
    assert!(
        (23_000..25_000).contains(&audio.len()),
        "0.5 s of audio at 48 kHz: {}",
        audio.len()
    );
    let steady = &audio[4_800..audio.len() - 4_800];
    let tone = common::tone_amplitude(steady, 700.0 / 48_000.0);
    // 3 kHz of a 6.25 kHz full deviation at half scale: 0.24.
    assert!((tone - 0.24).abs() < 0.03, "700 Hz tone amplitude {tone}");
    for other in [300.0, 1400.0, 2100.0] {
        let a = common::tone_amplitude(steady, other / 48_000.0);
        assert!(a < tone / 30.0, "{other} Hz at {a} next to the tone's {tone}");
    }
}
