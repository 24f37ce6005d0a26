//! `spectro repair`: fill a time-frequency region from its surroundings.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::denoise::{parse_freq_span, parse_time_span};
use super::one_edit::{OneEdit, OneEditArgs, OneEditFlags, run_one_edit};
use crate::edit::{Edit, Repair, Shape};
use crate::signal::SampleSource;
use crate::signal::repair::RepairMode;

/// Arguments of `spectro repair`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    spectro repair take.wav --time 6.0:6.08 -o fixed.wav                 # a knock, whole band\n  \
    spectro repair take.wav --time 1.2:1.55 --freq 2800:4600 --mode replace -o fixed.wav\n  \
    spectro repair concert.wav --time 12:12.4 --mode pattern -o fixed.wav\n\n\
    The repair is the same rect entry with \"repair\" an edit list holds (--json prints the\n\
    list applied), so `spectro apply --edits` reproduces it and the editor shows it. Modes:\n\
    attenuate (pull the region down to what its surroundings predict, keeping what is under\n\
    it), replace (interpolate across from both sides, phase rebuilt), pattern (copy the\n\
    best-matching stretch from elsewhere), auto (chooses per region; the default).")]
pub struct RepairArgs {
    /// The recording.
    pub file: PathBuf,
    /// The region's time span, seconds.
    #[arg(long, value_name = "START:END", value_parser = parse_time_span, allow_hyphen_values = true)]
    pub time: [f64; 2],
    /// The region's band, Hz (negative below the centre for IQ); default the whole band.
    #[arg(long, value_name = "LOW:HIGH", value_parser = parse_freq_span, allow_hyphen_values = true)]
    pub freq: Option<[f64; 2]>,
    /// How the region is filled.
    #[arg(long, value_name = "MODE", default_value = "auto", value_parser = parse_mode)]
    pub mode: RepairMode,
    /// 0 keeps the original, 1 the full repair; between, a blend.
    #[arg(long, value_name = "X", default_value_t = 1.0, value_parser = parse_strength)]
    pub strength: f64,
    /// Print a JSON object (input, output, the edit list applied, time) on stdout.
    #[arg(long)]
    pub json: bool,
    /// Output, encoding, STFT geometry, how to read the recording.
    #[command(flatten)]
    pub out: OneEditFlags,
}

fn parse_mode(s: &str) -> Result<RepairMode, String> {
    RepairMode::from_name(s)
        .ok_or_else(|| format!("'{s}' is not a repair mode (auto, attenuate, replace or pattern)"))
}

fn parse_strength(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("'{s}' is not a strength from 0 to 1")),
    }
}

/// Runs `spectro repair`.
pub fn run(args: &RepairArgs) -> anyhow::Result<()> {
    let OneEdit {
        list,
        clipped,
        seconds,
        ..
    } = run_one_edit(
        OneEditArgs {
            file: &args.file,
            time: Some(args.time),
            flags: &args.out,
        },
        |rec| {
            let nyquist = rec.sample_rate() / 2.0;
            let freq_hz = args.freq.unwrap_or(if rec.is_complex() {
                [-nyquist, nyquist]
            } else {
                [0.0, nyquist]
            });
            let mut edit = Edit::new(
                Shape::Rect {
                    time_s: args.time,
                    freq_hz,
                },
                0.0,
            );
            edit.repair = Some(Repair {
                mode: args.mode,
                strength: args.strength,
            });
            edit
        },
    )?;
    if args.json {
        let edits: serde_json::Value = serde_json::from_str(&list.to_json())?;
        println!(
            "{}",
            json!({
                "input": args.file.display().to_string(),
                "output": args.out.output.display().to_string(),
                "edits": edits,
                "seconds": seconds,
                "clipped_samples": clipped,
            })
        );
    } else if !args.out.quiet {
        eprintln!(
            "spectro: wrote {} ({} repair of {:.3}–{:.3} s, {:.2} s)",
            args.out.output.display(),
            args.mode.name(),
            args.time[0],
            args.time[1],
            seconds
        );
    }
    Ok(())
}
