//! Painted energy: a `paint` stroke raises quiet cells to a level and rebuilds their phase, so
//! a missing harmonic drawn on the spectrogram becomes a tone in the exported audio.

use crate::common;

use std::f64::consts::TAU;

use common::{spectro, stderr, tone_amplitude};
use spectro::edit::EditList;
use spectro::pipeline::paint::{PaintLayer, paint_layer, paint_layer_in_blocks};
use spectro::signal::levels::power_dbfs;
use spectro::signal::{Convention, MemorySource, Progress, Stft, StftParams};

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

/// A 3 s, 16 kHz tone with one long paint stroke at 1500 Hz (0.3 to 2.7 s, -20 dBFS), and the
/// layer that stroke makes when rebuilt in blocks of at most `max_cells` cells.
fn long_stroke_layer(max_cells: usize) -> (Vec<f32>, PaintLayer<f32>) {
    let fs = 16_000.0;
    let x: Vec<f32> = (0..48_000)
        .map(|i| (0.2 * (TAU * 440.0 * i as f64 / fs).sin()) as f32)
        .collect();
    let source = MemorySource {
        sample_rate: fs,
        channels: vec![x.clone()],
    };
    let list = EditList::from_json(
        r#"{"version":1,"stft":{"fft":1024,"hop":256},"phase":{"iterations":16},"edits":[
            {"type":"paint","points":[[0.3,1500],[2.7,1500]],"radius_s":0.01,"radius_hz":20,"level_db":-20}]}"#,
    )
    .unwrap();
    let stft = Stft::<f32>::new(StftParams::with_fft(1024), Convention::Scipy).unwrap();
    let layer = paint_layer_in_blocks(
        &source,
        &stft,
        &list.edits,
        list.phase.unwrap_or_default(),
        max_cells,
        &Progress::new(),
    )
    .unwrap();
    (x, layer)
}

/// The painted level along the stroke, dBFS, per frame (the loudest cell near 1500 Hz).
fn stroke_levels(y: &[f32]) -> Vec<f32> {
    let stft = Stft::<f32>::new(StftParams::with_fft(1024), Convention::Scipy).unwrap();
    let s = stft.stft(y);
    let full = stft.full_scale_magnitude() * stft.scale();
    // Frames well inside 0.3..2.7 s (hop 256 at 16 kHz: 62.5 frames a second).
    (25..165)
        .map(|k| {
            let peak = s.frame(k)[92..=100]
                .iter()
                .map(|z| z.norm_sqr())
                .fold(0.0, f32::max);
            power_dbfs(peak, full)
        })
        .collect()
}

#[test]
fn a_long_stroke_rebuilt_in_blocks_sounds_like_one_rebuilt_whole() {
    // Whole: the stroke's 160-odd frames fit in one block. Blocks: 40 frames of 513 bins each
    // (28 committed, 8 of look-ahead, 2 + 2 of context), so the stroke takes six blocks.
    let (x, whole) = long_stroke_layer(usize::MAX);
    let (_, blocks) = long_stroke_layer(40 * 513);
    assert_eq!(whole.reports.len(), 1);
    assert_eq!(
        blocks.reports.len(),
        1,
        "one report per stroke, whatever the blocks"
    );
    let render = |layer: &PaintLayer<f32>| {
        let mut y = x.clone();
        layer.add_to(0, 0, x.len() as u64, &mut y);
        y
    };
    let (yw, yb) = (render(&whole), render(&blocks));
    assert_ne!(yw, yb, "the blocks really were rebuilt separately");
    let (lw, lb) = (stroke_levels(&yw), stroke_levels(&yb));
    let median = |v: &[f32]| {
        let mut v = v.to_vec();
        v.sort_by(f32::total_cmp);
        v[v.len() / 2]
    };
    let (mw, mb) = (median(&lw), median(&lb));
    assert!(
        (mw + 20.0).abs() < 2.0 && (mb - mw).abs() < 0.5,
        "whole {mw:.2}, blocks {mb:.2} dBFS"
    );
    // Every frame along the stroke, the joins between blocks included, sounds near the painted
    // level: no dip where one block hands over to the next (a seam would lose 6 dB or more).
    for (k, (&w, &b)) in lw.iter().zip(&lb).enumerate() {
        assert!((w - mw).abs() < 4.0, "whole, frame {k}: {w:.2} dBFS");
        assert!((b - mw).abs() < 4.0, "blocks, frame {k}: {b:.2} dBFS");
    }
    // The tone under the stroke is untouched either way.
    let mid = 16_000..32_000;
    for y in [&yw, &yb] {
        let got = tone_amplitude(&y[mid.clone()], 440.0 / 16_000.0);
        assert!((20.0 * (got / 0.2).log10()).abs() < 0.1, "440 Hz became {got}");
    }
    // The fit to the painted magnitude is about as good.
    let (sw, sb) = (
        whole.reports[0].spectral_convergence_db,
        blocks.reports[0].spectral_convergence_db,
    );
    assert!(sb < sw + 3.0, "blocks {sb:.1} dB, whole {sw:.1} dB");
    // Both change only the stroke's span, held once.
    let reach = 0.01 + 4.0 * 256.0 / 16_000.0 + 1024.0 / 16_000.0;
    let [a, b] = blocks.time_span_s(16_000.0).unwrap();
    assert!(a > 0.3 - reach && b < 2.7 + reach, "{a}..{b}");
    assert!(blocks.samples_held() as f64 <= (2.4 + 2.0 * reach) * 16_000.0);
}

#[test]
fn strokes_are_stored_over_their_own_spans() {
    // Two short strokes at the two ends of a long, silent recording: the layer holds two short
    // changes, not one buffer spanning both, and reads back exactly as their sum.
    let fs = 8_000.0;
    let n = 600 * 8_000;
    let source = MemorySource {
        sample_rate: fs,
        channels: vec![vec![0.0f32; n]],
    };
    let list = EditList::from_json(
        r#"{"version":1,"stft":{"fft":512,"hop":128},"phase":{"iterations":4},"edits":[
            {"type":"paint","points":[[1.0,1000],[1.2,1000]],"radius_s":0.01,"radius_hz":20,"level_db":-20},
            {"type":"paint","points":[[598.0,2000],[598.2,2000]],"radius_s":0.01,"radius_hz":20,"level_db":-20},
            {"type":"paint","points":[[1.1,1500],[1.3,1500]],"radius_s":0.01,"radius_hz":20,"level_db":-20}]}"#,
    )
    .unwrap();
    let stft = Stft::<f32>::new(StftParams::with_fft(512), Convention::Scipy).unwrap();
    let layer = paint_layer(
        &source,
        &stft,
        &list.edits,
        list.phase.unwrap_or_default(),
        &Progress::new(),
    )
    .unwrap();
    assert_eq!(layer.channels[0].len(), 3);
    // Each about 0.2 s plus a few frames: well under a second in all, not ten minutes.
    assert!(
        layer.samples_held() < 3 * 8_000,
        "{} samples held",
        layer.samples_held()
    );
    // Reading a range where the first and third overlap sums both, in stroke order.
    let (first, third) = (&layer.channels[0][0], &layer.channels[0][2]);
    let start = 8_500i64;
    let mut got = vec![0.0f32; 2_000];
    layer.add_to(0, start, n as u64, &mut got);
    for (i, &g) in got.iter().enumerate() {
        let at = start + i as i64;
        let pick = |d: &spectro::pipeline::paint::ChannelDelta<f32>| {
            if d.span().contains(&at) {
                d.delta[(at - d.start) as usize]
            } else {
                0.0
            }
        };
        assert_eq!(g, 0.0 + (pick(first) + pick(third)), "sample {at}");
    }
    assert!(got.iter().any(|&g| g != 0.0));
}
