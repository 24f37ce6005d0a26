//! The demo recording Spectro opens with: a short melody of harmonic tones, mains hum, hiss and
//! a whistle, all things a spectral editor is for. Generated, so its content is known exactly.

use std::f64::consts::TAU;
use std::fs::File;
use std::path::PathBuf;

use clap::Args;

use crate::io::atomic::write_atomically;
use crate::io::output::{AudioWriter, OutputFormat};
use crate::io::{Container, Encoding};

/// Arguments of the hidden `spectro make-demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Output WAV.
    pub output: PathBuf,
    /// Length in seconds; longer than 8 s repeats the demo (for benchmarks).
    #[arg(long, default_value_t = DEMO_SECONDS)]
    pub seconds: f64,
}

/// Sample rate of the demo.
pub const DEMO_RATE: u32 = 48_000;
/// Length of the demo in seconds.
pub const DEMO_SECONDS: f64 = 8.0;
/// The whistle: start, end (s) and centre frequency (Hz).
pub const WHISTLE: (f64, f64, f64) = (2.0, 5.5, 3000.0);

/// A small deterministic generator, so the demo is byte-identical on every machine.
struct XorShift(u64);

impl XorShift {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The demo's two channels.
pub fn demo_signal() -> Vec<Vec<f32>> {
    demo_signal_of(DEMO_SECONDS)
}

/// The demo's two channels, `seconds` long: the 8-second piece repeats, the hiss does not.
pub fn demo_signal_of(seconds: f64) -> Vec<Vec<f32>> {
    let fs = DEMO_RATE as f64;
    let n = (seconds * fs) as usize;
    // A3, C#4, E4, A4, E4, C#4, A3: (start s, length s, Hz).
    let notes = [
        (0.3, 1.0, 220.0),
        (1.3, 1.0, 277.18),
        (2.3, 1.0, 329.63),
        (3.3, 1.4, 440.0),
        (4.7, 1.0, 329.63),
        (5.7, 1.0, 277.18),
        (6.7, 1.1, 220.0),
    ];
    let mut rng = XorShift(0x5EED_1234_ABCD_0001);
    let mut left = vec![0.0f32; n];
    let mut right = vec![0.0f32; n];
    let (w0, w1, wf) = WHISTLE;
    for i in 0..n {
        let t = (i as f64 / fs) % DEMO_SECONDS;
        let mut tone = 0.0;
        for &(start, len, f0) in &notes {
            let u = t - start;
            if !(0.0..len).contains(&u) {
                continue;
            }
            // 15 ms attack, exponential decay, 40 ms release at the end.
            let env = (u / 0.015).min(1.0) * (-1.6 * u).exp() * ((len - u) / 0.04).min(1.0);
            for k in 1..=8 {
                tone += env * 0.2 / k as f64 * (TAU * f0 * k as f64 * u).sin();
            }
        }
        let hum =
            0.02 * (TAU * 50.0 * t).sin() + 0.01 * (TAU * 150.0 * t).sin() + 0.005 * (TAU * 250.0 * t).sin();
        let whistle = if (w0..w1).contains(&t) {
            let fade = ((t - w0) / 0.05).min(1.0) * ((w1 - t) / 0.05).min(1.0);
            // 5 Hz vibrato of ±30 Hz: the phase integral of wf + 30·sin(2π·5·t).
            let phase = TAU * wf * t - 30.0 / 5.0 * (TAU * 5.0 * t).cos();
            0.08 * fade * phase.sin()
        } else {
            0.0
        };
        let hiss_l = 0.008 * (rng.next_f64() - 0.5) * 2.0;
        let hiss_r = 0.008 * (rng.next_f64() - 0.5) * 2.0;
        left[i] = (0.9 * tone + hum + whistle + hiss_l) as f32;
        right[i] = (0.7 * tone + hum + whistle + hiss_r) as f32;
    }
    vec![left, right]
}

/// Runs `spectro make-demo`.
pub fn run(args: &DemoArgs) -> anyhow::Result<()> {
    if !(args.seconds > 0.0 && args.seconds <= 36_000.0) {
        anyhow::bail!("--seconds must be between 0 and 36000");
    }
    let channels = demo_signal_of(args.seconds);
    let mut format = OutputFormat::new(Container::Wav, Encoding::Pcm16, 2, DEMO_RATE as f64);
    format.planned_samples = channels.first().map(|c| c.len() as u64);
    write_atomically(&args.output, &[], true, |file: &File| -> anyhow::Result<()> {
        let mut w = AudioWriter::new(file, &args.output, format)?;
        w.write_real(&channels)?;
        w.finish()?;
        Ok(())
    })?;
    Ok(())
}
