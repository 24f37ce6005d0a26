//! De-hum (issue 15) on real speech (CMU ARCTIC) under synthetic mains hum.

mod common;

use common::{data, speech};
use spectro::signal::dehum::{DehumSettings, Fundamental, HumModel, dehum_channel};
use spectro::signal::{Complex32, MemorySource, Progress};
use std::f64::consts::TAU;

fn read_wav(name: &str) -> Vec<f32> {
    let rec = spectro::io::Recording::open(data(name), Default::default()).expect("fixture opens");
    let mut x = vec![0.0f32; spectro::signal::SampleSource::len(&rec) as usize];
    spectro::signal::SampleSource::read_real(&rec, 0, 0, &mut x);
    x
}

fn si_sdr_db(estimate: &[f32], reference: &[f32]) -> f64 {
    let dot: f64 = estimate
        .iter()
        .zip(reference)
        .map(|(&e, &r)| e as f64 * r as f64)
        .sum();
    let rr: f64 = reference.iter().map(|&r| r as f64 * r as f64).sum();
    let a = dot / rr;
    let (mut t, mut e) = (0.0, 0.0);
    for (&x, &r) in estimate.iter().zip(reference) {
        let target = a * r as f64;
        t += target * target;
        e += (x as f64 - target).powi(2);
    }
    10.0 * (t / e).log10()
}

fn run(
    x: &[f32],
    fs: f64,
    settings: DehumSettings,
) -> (Vec<f32>, HumModel, spectro::signal::dehum::DehumReport) {
    let src = MemorySource {
        sample_rate: fs,
        channels: vec![x.to_vec()],
    };
    let (model, report) = dehum_channel::<f32>(&src, 0, 0..x.len() as i64, settings, &Progress::new())
        .unwrap()
        .unwrap();
    let mut hum = vec![spectro::signal::dehum::model::Complex64::default(); x.len()];
    model.add_hum(0, &mut hum, 1.0);
    let y = x.iter().zip(&hum).map(|(&v, h)| v - h.re as f32).collect();
    (y, model, report)
}

#[test]
fn explore() {
    let clean = speech();
    let mix = read_wav("dehum_speech_50hz.wav");
    let notch = read_wav("dehum_notch_50hz.wav");
    let fs = 16000.0;
    for f0 in [Fundamental::Hz(50.0), Fundamental::Auto] {
        let t = std::time::Instant::now();
        let (y, model, report) = run(&mix, fs, DehumSettings { f0, harmonics: None });
        println!("{:?} {:?} in {:?}", f0, report, t.elapsed());
        println!(
            "si-sdr in {:.2} notch {:.2} out {:.2}",
            si_sdr_db(&mix, &clean),
            si_sdr_db(&notch, &clean),
            si_sdr_db(&y, &clean)
        );
        let mut worst: f64 = 0.0;
        for (n, f) in model.track() {
            let tt = n as f64 / fs;
            if tt < 0.0 || tt > 4.0 {
                continue;
            }
            let truth = 50.0 + 0.4 * (TAU * tt / 4.0 + 0.5).sin();
            worst = worst.max((f - truth).abs());
            print!("{:.2}:{:+.3} ", tt, f - truth);
        }
        println!("track worst err {worst:.4}");
    }
    let (y, _, report) = run(
        &clean,
        fs,
        DehumSettings {
            f0: Fundamental::Auto,
            harmonics: None,
        },
    );
    println!("clean: {:?} snr {:.1}", report, si_sdr_db(&y, &clean));
    let _ = Complex32::default();
}
