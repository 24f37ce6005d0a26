//! Edits remove what they cover and nothing else: measured in dB on rendered audio.

mod common;

use std::f64::consts::TAU;

use common::{Rng, energy};
use spectro::edit::mask::MaskRaster;
use spectro::edit::{Edit, EditList, Shape};
use spectro::pipeline::render::{grid_for, render_stream};
use spectro::signal::levels::energy_ratio_db;
use spectro::signal::{
    Cancelled, Complex32, Convention, MemorySource, Progress, ReadSamples, SampleSource, Stft, StftParams,
};

fn render<T: ReadSamples>(source: &dyn SampleSource, edits: &[Edit], params: StftParams) -> Vec<Vec<T>> {
    let stft = Stft::<T>::new(params, Convention::Scipy).unwrap();
    let raster = MaskRaster::new(edits, grid_for(&stft, source));
    let mut out = vec![Vec::new(); source.channels()];
    render_stream(
        source,
        &stft,
        &raster,
        &Progress::new(),
        |_, b: &[Vec<T>]| -> Result<(), Cancelled> {
            for (o, c) in out.iter_mut().zip(b) {
                o.extend_from_slice(c);
            }
            Ok(())
        },
    )
    .unwrap();
    out
}

fn sine(fs: f64, len: usize, freq: f64, amp: f64) -> Vec<f32> {
    (0..len)
        .map(|n| (amp * (TAU * freq * n as f64 / fs).sin()) as f32)
        .collect()
}

fn sum(parts: &[&[f32]]) -> Vec<f32> {
    (0..parts[0].len())
        .map(|i| parts.iter().map(|p| p[i]).sum())
        .collect()
}

fn diff(a: &[f32], b: &[f32]) -> Vec<f32> {
    a.iter().zip(b).map(|(x, y)| x - y).collect()
}

#[test]
fn rect_removes_a_tone_by_60_db_and_leaves_the_rest() {
    let fs = 48_000.0;
    let len = 3 * 48_000;
    let target = sine(fs, len, 3000.0, 0.3);
    let low = sine(fs, len, 440.0, 0.3);
    let high = sine(fs, len, 6000.0, 0.2);
    let mut rng = Rng(11);
    let hiss: Vec<f32> = (0..len).map(|_| 0.001 * rng.uniform()).collect();
    let x = sum(&[&target, &low, &high, &hiss]);
    let keep = sum(&[&low, &high, &hiss]);
    let source = MemorySource {
        sample_rate: fs,
        channels: vec![x.clone()],
    };
    let params = StftParams::with_fft(2048);
    let list = EditList::from_json(
        r#"{"version":1,"edits":[{"type":"rect","time_s":[1.0,2.0],"freq_hz":[2800,3200],"gain_db":-100}]}"#,
    )
    .unwrap();
    let y = &render::<f32>(&source, &list.edits, params)[0];

    // Inside the region, one window length plus the default feather (two hops) in from each
    // end, the output must equal the signal without the tone to within −60 dB of the tone.
    let margin = 2048 + 2 * 512;
    let inside = 48_000 + margin..2 * 48_000 - margin;
    let residual = energy(&diff(&y[inside.clone()], &keep[inside.clone()]));
    let removed_db = energy_ratio_db(residual, energy(&target[inside.clone()]));
    assert!(removed_db < -60.0, "tone left at {removed_db:.1} dB");

    // Outside, beyond the window and the feather, nothing changes (< −60 dB, in fact exactly 0).
    let reach = 1024 + 2 * 512 + 1024;
    for outside in [0..48_000 - reach, 2 * 48_000 + reach..len] {
        let change = energy_ratio_db(
            energy(&diff(&y[outside.clone()], &x[outside.clone()])),
            energy(&x[outside]),
        );
        assert!(change < -60.0, "outside changed by {change:.1} dB");
    }
}

#[test]
fn rect_at_negative_frequency_removes_an_iq_interferer() {
    let fs = 1e6;
    let len = 400_000;
    let tone = |f: f64, a: f32| -> Vec<Complex32> {
        (0..len)
            .map(|n| Complex32::from_polar(a, ((TAU * f * n as f64 / fs) % TAU) as f32))
            .collect()
    };
    let interferer = tone(-123_000.0, 0.5);
    let wanted = tone(200_000.0, 0.3);
    let x: Vec<Complex32> = interferer.iter().zip(&wanted).map(|(a, b)| a + b).collect();
    let source = MemorySource {
        sample_rate: fs,
        channels: vec![x],
    };
    let edit = Edit::new(
        Shape::Rect {
            time_s: [0.0, 0.4],
            freq_hz: [-130_000.0, -116_000.0],
        },
        f64::NEG_INFINITY,
    );
    let y = &render::<Complex32>(&source, &[edit], StftParams::with_fft(1024))[0];
    let mid = 50_000..350_000;
    let err: f64 = y[mid.clone()]
        .iter()
        .zip(&wanted[mid.clone()])
        .map(|(a, b)| (a - b).norm_sqr() as f64)
        .sum();
    let interf: f64 = interferer[mid].iter().map(|z| z.norm_sqr() as f64).sum();
    let db = energy_ratio_db(err, interf);
    assert!(db < -50.0, "interferer left at {db:.1} dB");
}

#[test]
fn brush_stroke_removes_the_demo_whistle() {
    let ch = spectro::cli::demo::demo_signal();
    let fs = spectro::cli::demo::DEMO_RATE as f64;
    let (w0, w1, wf) = spectro::cli::demo::WHISTLE;
    let source = MemorySource {
        sample_rate: fs,
        channels: ch.clone(),
    };
    // A stroke along the whistle, as a user would paint it.
    let points: Vec<[f64; 2]> = (0..=20).map(|i| [w0 + (w1 - w0) * i as f64 / 20.0, wf]).collect();
    let edit = Edit::new(
        Shape::Brush {
            points,
            radius_s: 0.05,
            radius_hz: 120.0,
        },
        f64::NEG_INFINITY,
    );
    let y = render::<f32>(&source, &[edit], StftParams::with_fft(2048));
    // Band energy between 2.7 and 3.3 kHz in the middle of the whistle, before and after.
    let stft = Stft::<f32>::new(StftParams::with_fft(2048), Convention::Scipy).unwrap();
    let band = |sig: &[f32]| -> f64 {
        let s = stft.stft(&sig[(3.0 * fs) as usize..(4.5 * fs) as usize]);
        let (b0, b1) = ((2700.0 * 2048.0 / fs) as usize, (3300.0 * 2048.0 / fs) as usize);
        (2..s.frames - 2)
            .map(|k| {
                s.frame(k)[b0..b1]
                    .iter()
                    .map(|z| z.norm_sqr() as f64)
                    .sum::<f64>()
            })
            .sum()
    };
    for c in 0..2 {
        let before = band(&ch[c]);
        let after = band(&y[c]);
        let db = energy_ratio_db(after, before);
        // What remains is the hiss in that band; the whistle stood about 40 dB above it.
        assert!(db < -35.0, "channel {c}: band energy only fell by {db:.1} dB");
    }
}

#[test]
fn channel_limited_edit_leaves_other_channels_identical() {
    let ch = spectro::cli::demo::demo_signal();
    let source = MemorySource {
        sample_rate: 48_000.0,
        channels: ch.clone(),
    };
    let mut edit = Edit::new(
        Shape::Rect {
            time_s: [1.0, 3.0],
            freq_hz: [0.0, 1000.0],
        },
        -30.0,
    );
    edit.channels = Some(vec![1]);
    let y = render::<f32>(&source, &[edit], StftParams::with_fft(1024));
    assert_eq!(y[0], ch[0]);
    assert_ne!(y[1], ch[1]);
}
