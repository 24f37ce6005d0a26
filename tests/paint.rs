//! Painted energy: a `paint` stroke raises quiet cells to a level and rebuilds their phase, so
//! a missing harmonic drawn on the spectrogram becomes a tone in the exported audio.

mod common;

use std::f64::consts::TAU;

use common::{spectro, stderr, tone_amplitude};
use spectro::edit::EditList;
use spectro::signal::levels::power_dbfs;
use spectro::signal::{Convention, Stft, StftParams};

fn write_wav(path: &std::path::Path, x: &[f32], fs: u32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: fs,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &v in x {
        w.write_sample(v).unwrap();
    }
    w.finalize().unwrap();
}

fn read_wav(path: &std::path::Path) -> Vec<f32> {
    hound::WavReader::open(path)
        .unwrap()
        .samples::<f32>()
        .map(|s| s.unwrap())
        .collect()
}

#[test]
fn a_painted_harmonic_sounds_at_the_painted_level_and_nothing_else_changes() {
    let dir = tempfile::tempdir().unwrap();
    let fs = 16_000u32;
    let n = 2 * fs as usize;
    // A tone with its first and second harmonics, the third missing.
    let x: Vec<f32> = (0..n)
        .map(|i| {
            let t = i as f64 / fs as f64;
            (0.3 * (TAU * 440.0 * t).sin() + 0.15 * (TAU * 880.0 * t).sin()) as f32
        })
        .collect();
    let input = dir.path().join("tones.wav");
    write_wav(&input, &x, fs);
    // Redraw the third harmonic between 0.6 and 1.4 s at -20 dBFS (a sine of amplitude 0.1).
    let points: Vec<[f64; 2]> = (0..=16).map(|i| [0.6 + 0.05 * i as f64, 1320.0]).collect();
    let list = format!(
        r#"{{"version":1,"stft":{{"fft":1024,"hop":256}},"phase":{{"method":"pghi+fgla","iterations":32}},
            "edits":[{{"type":"paint","points":{},"radius_s":0.01,"radius_hz":16,"level_db":-20}}]}}"#,
        serde_json::to_string(&points).unwrap()
    );
    let parsed = EditList::from_json(&list).unwrap();
    assert_eq!(
        EditList::from_json(&parsed.to_json()).unwrap(),
        parsed,
        "paint and phase round-trip"
    );
    let edits = dir.path().join("paint.json");
    std::fs::write(&edits, &list).unwrap();
    let out = dir.path().join("painted.wav");
    let o = spectro(&[
        "apply",
        input.to_str().unwrap(),
        "--edits",
        edits.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let y = read_wav(&out);

    let fsf = fs as f64;
    let mid_range = (0.75 * fsf) as usize..(1.25 * fsf) as usize;
    let mid = &y[mid_range.clone()];
    // What the spectrogram of the export shows along the stroke: its cells at the painted
    // level (the loudest cell near 1320 Hz in each frame, in dBFS, median over the frames).
    let stft = Stft::<f32>::new(StftParams::with_fft(1024), Convention::Scipy).unwrap();
    let s = stft.stft(mid);
    let full = stft.full_scale_magnitude() * stft.scale();
    let mut peaks: Vec<f32> = (2..s.frames - 2)
        .map(|k| {
            power_dbfs(
                s.frame(k)[80..=89]
                    .iter()
                    .map(|z| z.norm_sqr())
                    .fold(0.0, f32::max),
                full,
            )
        })
        .collect();
    peaks.sort_by(f32::total_cmp);
    let level = peaks[peaks.len() / 2];
    assert!(
        (level + 20.0).abs() < 2.0,
        "painted cells read {level:.2} dBFS, painted at -20"
    );
    for (f, a) in [(440.0, 0.3), (880.0, 0.15)] {
        let got = tone_amplitude(mid, f / fsf);
        let change = 20.0 * (got / a).log10();
        assert!(change.abs() < 0.1, "{f} Hz changed by {change:.3} dB");
    }
    // Away from the stroke (its frames plus two frames of context, plus a window) nothing moved.
    let reach = ((0.01 + 2.0 * 256.0 / fsf) * fsf) as usize + 1024 + 2 * 256;
    let quiet = |r: std::ops::Range<usize>| r.clone().all(|i| y[i] == x[i]);
    assert!(
        quiet(0..(0.6 * fsf) as usize - reach),
        "samples before the stroke changed"
    );
    assert!(
        quiet((1.4 * fsf) as usize + reach..n),
        "samples after the stroke changed"
    );
}

#[test]
fn masks_act_on_painted_energy() {
    let dir = tempfile::tempdir().unwrap();
    let fs = 16_000u32;
    let x: Vec<f32> = (0..fs as usize)
        .map(|i| (0.2 * (TAU * 300.0 * i as f64 / fs as f64).sin()) as f32)
        .collect();
    let input = dir.path().join("tone.wav");
    write_wav(&input, &x, fs);
    let points: Vec<[f64; 2]> = (0..=10).map(|i| [0.3 + 0.04 * i as f64, 2000.0]).collect();
    let list = format!(
        r#"{{"version":1,"stft":{{"fft":1024,"hop":256}},"edits":[
            {{"type":"paint","points":{p},"radius_s":0.01,"radius_hz":30,"level_db":-15}},
            {{"type":"rect","time_s":[0,1],"freq_hz":[1800,2200],"gain_db":"-inf"}}]}}"#,
        p = serde_json::to_string(&points).unwrap()
    );
    let edits = dir.path().join("e.json");
    std::fs::write(&edits, list).unwrap();
    let out = dir.path().join("o.wav");
    let o = spectro(&[
        "apply",
        input.to_str().unwrap(),
        "--edits",
        edits.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let y = read_wav(&out);
    let mid = &y[(0.4 * fs as f64) as usize..(0.6 * fs as f64) as usize];
    let left = tone_amplitude(mid, 2000.0 / fs as f64);
    assert!(left < 0.178 * 1e-3, "painted energy survived the mask: {left}");
}
