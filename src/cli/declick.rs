//! `spectro declick`: find clicks and crackle and repair each one.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::denoise::parse_time_span;
use super::one_edit::{OneEdit, OneEditArgs, OneEditFlags, run_one_edit};
use crate::edit::{Edit, Shape};
use crate::signal::{SampleSource, limits};

/// Arguments of `spectro declick`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    spectro declick vinyl.wav -o clean.wav\n  \
    spectro declick vinyl.wav --sensitivity 2 --json -o clean.wav > clicks.json\n  \
    spectro declick take.wav --time 12:20 -o fixed.wav\n\n\
    Clicks are found where the signal departs from what a linear-prediction model of its\n\
    surroundings expects, by more than the local spread times a threshold that --sensitivity\n\
    lowers (1 is calibrated on real music and speech); each is filled by autoregressive\n\
    interpolation from both sides. The step is the same `declick` entry an edit list holds\n\
    (--json prints the list applied and the clicks found), so `spectro apply --edits`\n\
    reproduces it and the editor shows it.")]
pub struct DeclickArgs {
    /// The recording.
    pub file: PathBuf,
    /// How readily a jump counts as a click (1 calibrated; higher finds more, quieter ones).
    #[arg(long, value_name = "X", default_value_t = 1.0, value_parser = parse_sensitivity)]
    pub sensitivity: f64,
    /// Only this stretch (seconds); default the whole recording.
    #[arg(long, value_name = "START:END", value_parser = parse_time_span, allow_hyphen_values = true)]
    pub time: Option<[f64; 2]>,
    /// Print a JSON object on stdout: the clicks found (time, duration, level), the edit list
    /// applied, the time taken.
    #[arg(long)]
    pub json: bool,
    /// Output, encoding, STFT geometry, how to read the recording.
    #[command(flatten)]
    pub out: OneEditFlags,
}

fn parse_sensitivity(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= limits::MAX_DECLICK_SENSITIVITY => Ok(v),
        _ => Err(format!(
            "'{s}' is not a sensitivity above 0 and at most {}",
            limits::MAX_DECLICK_SENSITIVITY
        )),
    }
}

/// Runs `spectro declick`.
pub fn run(args: &DeclickArgs) -> anyhow::Result<()> {
    let OneEdit {
        rec,
        list,
        edited,
        clipped,
        seconds,
    } = run_one_edit(
        OneEditArgs {
            file: &args.file,
            time: args.time,
            flags: &args.out,
        },
        |_| {
            Edit::new(
                Shape::Declick {
                    time_s: args.time,
                    sensitivity: args.sensitivity,
                },
                0.0,
            )
        },
    )?;
    let fs = rec.sample_rate();
    let clicks = edited.painted().clicks();
    if args.json {
        let edits: serde_json::Value = serde_json::from_str(&list.to_json())?;
        let found: Vec<serde_json::Value> = clicks
            .iter()
            .map(|(channel, c)| {
                json!({
                    "channel": channel,
                    "time_s": c.start_sample as f64 / fs,
                    "duration_s": c.len_samples as f64 / fs,
                    "level_db": c.level_db,
                })
            })
            .collect();
        println!(
            "{}",
            json!({
                "input": args.file.display().to_string(),
                "output": args.out.output.display().to_string(),
                "clicks": found,
                "edits": edits,
                "seconds": seconds,
                "clipped_samples": clipped,
            })
        );
    } else if !args.out.quiet {
        eprintln!(
            "spectro: wrote {} ({} click{} repaired, {:.2} s)",
            args.out.output.display(),
            clicks.len(),
            if clicks.len() == 1 { "" } else { "s" },
            seconds
        );
    }
    Ok(())
}
