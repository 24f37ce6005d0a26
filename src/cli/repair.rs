//! `spectro repair`: fill a time-frequency region from its surroundings.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::bail;
use clap::Args;
use serde_json::json;

use super::denoise::{parse_freq_span, parse_time_span};
use super::{InputArgs, StftArgs};
use crate::edit::{Edit, EditList, Repair, Shape, StftSettings};
use crate::io::Encoding;
use crate::pipeline::export::export_edited;
use crate::signal::repair::RepairMode;
use crate::signal::{Progress, SampleSource};

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
    /// Output file.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Replace the output if it exists (never the input).
    #[arg(long)]
    pub force: bool,
    /// Output encoding: pcm8, pcm16, pcm24, pcm32, float32, float64, alaw or ulaw (default: the
    /// input's; FLAC holds pcm8, pcm16 or pcm24).
    #[arg(long, value_name = "ENCODING", value_parser = super::apply::parse_encoding)]
    pub format: Option<Encoding>,
    /// Print a JSON object (input, output, the edit list applied, time) on stdout.
    #[arg(long)]
    pub json: bool,
    /// STFT geometry.
    #[command(flatten)]
    pub stft: StftArgs,
    /// How to read the recording.
    #[command(flatten)]
    pub input: InputArgs,
    /// Print nothing on success.
    #[arg(long, short)]
    pub quiet: bool,
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
    let started = Instant::now();
    let params = args.stft.checked(None)?;
    let rec = std::sync::Arc::new(args.input.open(&args.file)?);
    let inputs = super::files_read(Some(&rec), &[]);
    let inputs = super::as_paths(&inputs);
    crate::io::atomic::Group::new(&inputs, args.force).check(&[&args.output])?;
    let nyquist = rec.sample_rate() / 2.0;
    let freq_hz = args.freq.unwrap_or(if rec.is_complex() {
        [-nyquist, nyquist]
    } else {
        [0.0, nyquist]
    });
    if args.time[1] <= 0.0 || args.time[0] >= rec.duration_s() {
        bail!(
            "--time {}:{} lies outside the recording (0 to {:.3} s)",
            args.time[0],
            args.time[1],
            rec.duration_s()
        );
    }
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
    let list = EditList {
        stft: Some(StftSettings::from_params(params)),
        edits: vec![edit],
        phase: None,
    };
    super::check_built_list(&list, &rec, params, &args.file)?;
    let clipped = export_edited(
        &rec,
        &list,
        params,
        &args.output,
        args.format,
        &inputs,
        args.force,
        &Progress::new(),
    )?;
    let seconds = started.elapsed().as_secs_f64();
    super::warn_replaced(&rec);
    super::warn_clipped(&args.output, clipped);
    if args.json {
        let edits: serde_json::Value = serde_json::from_str(&list.to_json())?;
        println!(
            "{}",
            json!({
                "input": args.file.display().to_string(),
                "output": args.output.display().to_string(),
                "edits": edits,
                "seconds": seconds,
                "clipped_samples": clipped,
            })
        );
    } else if !args.quiet {
        eprintln!(
            "spectro: wrote {} ({} repair of {:.3}–{:.3} s, {:.2} s)",
            args.output.display(),
            args.mode.name(),
            args.time[0],
            args.time[1],
            seconds
        );
    }
    Ok(())
}
