//! `spectro dehum`: find mains hum, follow its drift and remove its harmonics.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::denoise::parse_time_span;
use super::one_edit::{OneEdit, OneEditArgs, OneEditFlags, run_one_edit};
use crate::edit::{Edit, Shape};
use crate::signal::dehum::{Fundamental, MAX_F0_HZ, MAX_HARMONICS, MIN_F0_HZ};

/// Arguments of `spectro dehum`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    spectro dehum field.wav -o clean.wav\n  \
    spectro dehum take.wav --f0 60 --harmonics 12 --json -o clean.wav > hum.json\n  \
    spectro dehum tape.wav --time 12:20 -o fixed.wav\n\n\
    The hum's fundamental is found near 50 or 60 Hz (--f0 auto: whichever's harmonics stand\n\
    out more; a number: within 2 % of it) and followed as it drifts, the harmonics jointly\n\
    pinning it down; each harmonic's amplitude and phase are fitted by least squares over\n\
    one-second windows and the synthesised hum is subtracted, so the speech under the\n\
    harmonics stays (a notch would take it). Without --harmonics, every harmonic (up to the\n\
    40th) that stands above the spectrum around it is removed. The step is the same `dehum`\n\
    entry an edit list holds (--json prints the list applied and the fundamental found), so\n\
    `spectro apply --edits` reproduces it and the editor shows it.")]
pub struct DehumArgs {
    /// The recording.
    pub file: PathBuf,
    /// The hum's fundamental: 50, 60, another frequency from 20 to 1000 Hz, or auto.
    #[arg(long, value_name = "HZ|auto", default_value = "auto", value_parser = parse_f0)]
    pub f0: Fundamental,
    /// Remove harmonics 1 to N (default: each that stands above the noise).
    #[arg(long, value_name = "N", value_parser = parse_harmonics)]
    pub harmonics: Option<usize>,
    /// Only this stretch (seconds); default the whole recording.
    #[arg(long, value_name = "START:END", value_parser = parse_time_span, allow_hyphen_values = true)]
    pub time: Option<[f64; 2]>,
    /// Print a JSON object on stdout: per channel the fundamental found (mean, lowest,
    /// highest, its track) and the harmonics removed, the edit list applied, the time taken.
    #[arg(long)]
    pub json: bool,
    /// Output, encoding, STFT geometry, how to read the recording.
    #[command(flatten)]
    pub out: OneEditFlags,
}

fn parse_f0(s: &str) -> Result<Fundamental, String> {
    if s == "auto" {
        return Ok(Fundamental::Auto);
    }
    match s.parse::<f64>() {
        Ok(v) if (MIN_F0_HZ..=MAX_F0_HZ).contains(&v) => Ok(Fundamental::Hz(v)),
        _ => Err(format!(
            "'{s}' is not a fundamental from {MIN_F0_HZ} to {MAX_F0_HZ} Hz or auto"
        )),
    }
}

fn parse_harmonics(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=MAX_HARMONICS).contains(&n) => Ok(n),
        _ => Err(format!(
            "'{s}' is not a number of harmonics from 1 to {MAX_HARMONICS}"
        )),
    }
}

/// Runs `spectro dehum`.
pub fn run(args: &DehumArgs) -> anyhow::Result<()> {
    let OneEdit {
        list,
        edited,
        clipped,
        seconds,
        ..
    } = run_one_edit(
        OneEditArgs {
            file: &args.file,
            time: args.time,
            flags: &args.out,
        },
        |_| {
            Edit::new(
                Shape::Dehum {
                    time_s: args.time,
                    f0: args.f0,
                    harmonics: args.harmonics,
                },
                0.0,
            )
        },
    )?;
    let found = edited.painted().dehums();
    if args.json {
        let edits: serde_json::Value = serde_json::from_str(&list.to_json())?;
        let channels: Vec<serde_json::Value> = found
            .iter()
            .map(|(channel, r)| {
                json!({
                    "channel": channel,
                    "nominal_hz": r.nominal_hz,
                    "f0_mean_hz": r.f0_mean_hz,
                    "f0_min_hz": r.f0_min_hz,
                    "f0_max_hz": r.f0_max_hz,
                    "drift_hz": r.f0_max_hz - r.f0_min_hz,
                    "harmonics": r.harmonics,
                    "track_hz": r.track_hz,
                })
            })
            .collect();
        println!(
            "{}",
            json!({
                "input": args.file.display().to_string(),
                "output": args.out.output.display().to_string(),
                "hum": channels,
                "edits": edits,
                "seconds": seconds,
                "clipped_samples": clipped,
            })
        );
    } else if !args.out.quiet {
        let summary: Vec<String> = found
            .iter()
            .map(|(c, r)| {
                format!(
                    "channel {c}: {:.3} Hz ({:.3}–{:.3}), {} harmonic{} removed",
                    r.f0_mean_hz,
                    r.f0_min_hz,
                    r.f0_max_hz,
                    r.harmonics.len(),
                    if r.harmonics.len() == 1 { "" } else { "s" }
                )
            })
            .collect();
        eprintln!(
            "spectro: wrote {} ({}; {:.2} s)",
            args.out.output.display(),
            summary.join("; "),
            seconds
        );
    }
    Ok(())
}
