//! `spectro denoise`: learned noise removal or voice isolation from the command line, one file
//! or a batch.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use serde_json::json;

use super::{InputArgs, StftArgs};
use crate::edit::denoise::{DEFAULT_REDUCTION_DB, DEFAULT_SENSITIVITY, MAX_REDUCTION_DB, MAX_SENSITIVITY};
use crate::edit::voice::{DEFAULT_VOICE_REDUCTION_DB, MAX_VOICE_REDUCTION_DB};
use crate::edit::{Denoise, Edit, EditList, NoiseEstimate, Shape, StftSettings, Voice};
use crate::io::Encoding;
use crate::pipeline::export::export_edited;
use crate::signal::{Progress, limits};

/// Arguments of `spectro denoise`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    spectro denoise take1.wav --noise-from 0:0.5 -o take1-clean.wav\n  \
    spectro denoise hiss.wav --estimate -o clean.wav       # no clean stretch: estimate the noise\n  \
    spectro denoise take1.wav --noise-from 0:0.5 --noise-band 2000:8000 --reduction-db 24 -o out.wav\n  \
    spectro denoise capture.cu8 --sample-rate 2M --noise-from 0.1:0.2 -o clean.cu8\n  \
    spectro denoise a.wav b.wav c.wav --noise-from 0:1 -o cleaned/   # a batch into a directory\n  \
    spectro denoise interview.wav --voice -o voice.wav   # keep the voice: music, traffic, crowd down 30 dB\n\n\
    --voice isolates speech with DeepFilterNet3 (bundled, run offline) instead of learning a\n\
    noise: no noise sample is needed and the background need not be steady. The step is the same `denoise` (or `voice`) entry an edit list holds (--json prints the list used), so\n\
    `spectro apply --edits` reproduces it and the editor shows it. Without --noise-from the noise\n\
    floor is estimated by minimum statistics over time. Several inputs need -o to be an existing\n\
    directory; each output keeps its input's name (an MP3, Ogg or AIFF input becomes .flac). For other layouts, a shell loop:\n  \
    for f in takes/*.wav; do spectro denoise \"$f\" --noise-from 0:0.5 -o \"clean/$(basename \"$f\")\"; done\n\n\
    Outputs keep the input's encoding, channels and rate unless --format says otherwise, and are\n\
    written to a temporary file renamed into place. No input is ever overwritten, no two outputs\n\
    share a name, and an existing output is replaced only with --force.")]
pub struct DenoiseArgs {
    /// The recording(s).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output file, or an existing directory (required for several inputs).
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Learn the noise from this stretch (seconds), which must hold only noise.
    #[arg(long, value_name = "START:END", value_parser = parse_time_span)]
    pub noise_from: Option<[f64; 2]>,
    /// Estimate the noise from the recording itself, by minimum statistics over time (what
    /// happens without --noise-from; for recordings with no stretch of noise alone).
    #[arg(long, conflicts_with = "noise_from")]
    pub estimate: bool,
    /// Only learn and remove noise in this band (Hz; negative for IQ below the centre).
    #[arg(long, value_name = "LOW:HIGH", value_parser = parse_freq_span, requires = "noise_from", allow_hyphen_values = true)]
    pub noise_band: Option<[f64; 2]>,
    /// Isolate the voice (DeepFilterNet3) instead of removing a learnt or estimated noise.
    #[arg(long, conflicts_with_all = ["noise_from", "estimate", "noise_band", "sensitivity", "smooth_s", "smooth_hz"])]
    pub voice: bool,
    /// How far pure noise (with --voice: everything but the voice) is brought down, in dB
    /// (default 18; with --voice 30).
    #[arg(long, value_name = "DB", value_parser = parse_reduction, allow_hyphen_values = true)]
    pub reduction_db: Option<f64>,
    /// How readily cells count as noise (1 calibrated; higher removes more).
    #[arg(long, value_name = "X", value_parser = parse_sensitivity, allow_hyphen_values = true)]
    pub sensitivity: Option<f64>,
    /// Smoothing along time, in seconds (default three hops; at most 256 hops).
    #[arg(long, value_name = "S", value_parser = super::parse_duration)]
    pub smooth_s: Option<f64>,
    /// Smoothing along frequency, in Hz (default six bins; at most 256 bins).
    #[arg(long, value_name = "HZ", value_parser = super::parse_width_hz)]
    pub smooth_hz: Option<f64>,
    /// Replace outputs that already exist (never one of the inputs).
    #[arg(long)]
    pub force: bool,
    /// Output encoding: pcm8, pcm16, pcm24, pcm32, float32, float64, alaw or ulaw (default: the
    /// input's; FLAC holds pcm8, pcm16 or pcm24).
    #[arg(long, value_name = "ENCODING", value_parser = super::apply::parse_encoding)]
    pub format: Option<Encoding>,
    /// Print one JSON object per file (input, output, the edit list applied, time) on stdout.
    #[arg(long)]
    pub json: bool,
    /// STFT geometry.
    #[command(flatten)]
    pub stft: StftArgs,
    /// How to read the recordings.
    #[command(flatten)]
    pub input: InputArgs,
    /// Print nothing on success.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Parses `START:END` (or `LOW:HIGH`) into an ordered pair of finite numbers.
fn parse_span(s: &str) -> Result<[f64; 2], String> {
    let bad = || format!("'{s}' is not START:END (two numbers, like 0:0.5)");
    let (a, b) = s.split_once(':').ok_or_else(bad)?;
    let a: f64 = a.trim().parse().map_err(|_| bad())?;
    let b: f64 = b.trim().parse().map_err(|_| bad())?;
    if !(a.is_finite() && b.is_finite()) || a >= b {
        return Err(format!("'{s}': the start must be below the end"));
    }
    Ok([a, b])
}

/// Parses `--noise-from START:END` in seconds within ±1e9.
pub(super) fn parse_time_span(s: &str) -> Result<[f64; 2], String> {
    let [a, b] = parse_span(s)?;
    limits::check_time(a)?;
    limits::check_time(b)?;
    Ok([a, b])
}

/// Parses `--noise-band LOW:HIGH` in Hz within ±1e12.
pub(super) fn parse_freq_span(s: &str) -> Result<[f64; 2], String> {
    let [a, b] = parse_span(s)?;
    limits::check_freq(a)?;
    limits::check_freq(b)?;
    Ok([a, b])
}

fn parse_reduction(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=MAX_REDUCTION_DB).contains(&v) => Ok(v),
        _ => Err(format!(
            "'{s}' is not a reduction between 0 and {MAX_REDUCTION_DB} dB"
        )),
    }
}

fn parse_sensitivity(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=MAX_SENSITIVITY).contains(&v) => Ok(v),
        _ => Err(format!(
            "'{s}' is not a sensitivity between 0 and {MAX_SENSITIVITY}"
        )),
    }
}

impl DenoiseArgs {
    /// The edit these options describe: a voice isolation step with --voice, else a denoise
    /// step.
    pub fn step(&self) -> Edit {
        if self.voice {
            return Edit::new(
                Shape::Voice(Voice {
                    reduction_db: self
                        .reduction_db
                        .unwrap_or(DEFAULT_VOICE_REDUCTION_DB)
                        .min(MAX_VOICE_REDUCTION_DB),
                }),
                0.0,
            );
        }
        Edit::denoise(self.settings())
    }

    /// The denoise step these options describe (without --voice).
    pub fn settings(&self) -> Denoise {
        let noise = match self.noise_from {
            Some(time_s) => NoiseEstimate::Learn {
                time_s,
                freq_hz: self.noise_band,
            },
            None => NoiseEstimate::Auto { window_s: None },
        };
        Denoise {
            noise,
            reduction_db: self.reduction_db.unwrap_or(DEFAULT_REDUCTION_DB),
            sensitivity: self.sensitivity.unwrap_or(DEFAULT_SENSITIVITY),
            smooth_s: self.smooth_s,
            smooth_hz: self.smooth_hz,
        }
    }

    /// Input and output paths, pairwise.
    fn jobs(&self) -> anyhow::Result<Vec<(PathBuf, PathBuf)>> {
        if self.output.is_dir() {
            return self
                .files
                .iter()
                .map(|f| {
                    let name = f
                        .file_name()
                        .with_context(|| format!("{}: not a file name", f.display()))?;
                    // Each output keeps its input's name, as FLAC where Spectro does not write
                    // the input's format (MP3, Ogg, AIFF).
                    Ok((
                        f.clone(),
                        self.output.join(crate::io::output::export_file_name(name)),
                    ))
                })
                .collect();
        }
        if self.files.len() > 1 {
            bail!(
                "{}: with {} input files, -o must be an existing directory",
                self.output.display(),
                self.files.len()
            );
        }
        Ok(vec![(self.files[0].clone(), self.output.clone())])
    }
}

/// Runs `spectro denoise`.
pub fn run(args: &DenoiseArgs) -> anyhow::Result<()> {
    let step = args.step();
    let params = args.stft.checked(None)?;
    let jobs = args.jobs()?;
    // Every input opens and every output is free before the first file is written: no output
    // lands on any input of the batch, and no two outputs share a name.
    let recordings = jobs
        .iter()
        .map(|(input, _)| args.input.open(input).map(std::sync::Arc::new))
        .collect::<Result<Vec<_>, _>>()?;
    let mut inputs = Vec::new();
    for rec in &recordings {
        inputs.extend(rec.files());
    }
    let inputs = super::as_paths(&inputs);
    let outputs: Vec<&Path> = jobs.iter().map(|(_, o)| o.as_path()).collect();
    crate::io::atomic::Group::new(&inputs, args.force).check(&outputs)?;
    for ((input, output), rec) in jobs.iter().zip(recordings) {
        denoise_one(args, &step, params, input, output, rec, &inputs)?;
    }
    Ok(())
}

fn denoise_one(
    args: &DenoiseArgs,
    step: &Edit,
    params: crate::signal::StftParams,
    input: &Path,
    output: &Path,
    rec: std::sync::Arc<crate::io::Recording>,
    inputs: &[&Path],
) -> anyhow::Result<()> {
    let started = Instant::now();
    let list = EditList {
        stft: Some(StftSettings::from_params(params)),
        edits: vec![step.clone()],
        phase: None,
    };
    // The same check as an edit list's step gets in every other command (for voice isolation:
    // audio, a rate it takes, a model that loads).
    super::check_built_list(&list, &rec, params, input)?;
    let clipped = export_edited(
        &rec,
        &list,
        params,
        output,
        args.format,
        inputs,
        args.force,
        &Progress::new(),
    )?;
    let seconds = started.elapsed().as_secs_f64();
    super::warn_replaced(&rec);
    super::warn_clipped(output, clipped);
    if args.json {
        let edits: serde_json::Value = serde_json::from_str(&list.to_json())?;
        println!(
            "{}",
            json!({
                "input": input.display().to_string(),
                "output": output.display().to_string(),
                "edits": edits,
                "seconds": seconds,
                "clipped_samples": clipped,
            })
        );
    } else if !args.quiet {
        eprintln!(
            "spectro: wrote {} ({}, {:.2} s)",
            output.display(),
            match &step.shape {
                Shape::Voice(v) => v.describe(),
                Shape::Denoise(d) => d.describe(),
                other => other.type_name().to_owned(),
            },
            seconds
        );
    }
    Ok(())
}
