//! `spectro extract`: a time-frequency region as a new file (tune, filter, decimate).

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::render::parse_freq_range;
use super::{InputArgs, StftArgs};
use crate::io::Encoding;
use crate::pipeline::extract::{Region, extract_region};
use crate::signal::{Progress, SampleSource, limits};

/// Arguments of `spectro extract`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    spectro extract capture.cu8 --sample-rate 2M --time 0.01:0.05 --freq 190000:210000 -o burst.cf32\n  \
    spectro extract sdr.wav --time 3:9 --freq -12500:12500 -o channel.wav\n  \
    spectro extract take.wav --time 1:2 --freq 2800:3200 -o whistle.wav\n  \
    spectro extract capture.cu8 --edits cleaned.json --time 0:1 --freq -5e4:5e4 -o band.cu8\n\n\
    IQ: the band is kept (a feathered mask), its centre mixed to 0 Hz, and the result decimated\n\
    by the largest integer factor that still holds the band; the new centre frequency goes into\n\
    the WAV's auxi chunk or a .sigmf-meta next to a raw file. Real audio keeps its rate.")]
pub struct ExtractArgs {
    /// The recording.
    pub file: PathBuf,
    /// Time range START:END in seconds.
    #[arg(long, value_name = "START:END", allow_hyphen_values = true)]
    pub time: String,
    /// Frequency band LO:HI in Hz (signed for IQ).
    #[arg(long, value_name = "LO:HI", allow_hyphen_values = true)]
    pub freq: String,
    /// Output: .wav, or for IQ a raw .cu8/.cs8/.cs16/.cf32.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Replace outputs that already exist (never one of the inputs).
    #[arg(long)]
    pub force: bool,
    /// Apply this edit list before cutting the region out (e.g. an interferer removed). A session (.spectro) works too: its edit list is used.
    #[arg(long, value_name = "EDITS.json")]
    pub edits: Option<PathBuf>,
    /// Output encoding (default: the input's).
    #[arg(long, value_name = "ENCODING", value_parser = |s: &str| Encoding::from_name(s).ok_or_else(|| format!("unknown encoding '{s}'")))]
    pub format: Option<Encoding>,
    /// STFT geometry of the band mask.
    #[command(flatten)]
    pub stft: StftArgs,
    /// How to read the recording.
    #[command(flatten)]
    pub input: InputArgs,
    /// Print nothing on success.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs `spectro extract`.
pub fn run(args: &ExtractArgs) -> anyhow::Result<()> {
    let rec = Arc::new(args.input.open(&args.file)?);
    let (t0, t1) = parse_freq_range(&args.time)
        .ok()
        .filter(|&(a, b)| limits::check_time(a).is_ok() && limits::check_time(b).is_ok())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--time must be START:END in seconds with START < END, both within ±{:e} s, got '{}'",
                limits::MAX_TIME_S,
                args.time
            )
        })?;
    let (f0, f1) = parse_freq_range(&args.freq)
        .map_err(|_| anyhow::anyhow!("--freq must be LO:HI in Hz with LO < HI, got '{}'", args.freq))?;
    let fs = rec.sample_rate();
    let (lo, hi) = if rec.is_complex() {
        (-fs / 2.0, fs / 2.0)
    } else {
        (0.0, fs / 2.0)
    };
    if f1 <= lo || f0 >= hi {
        anyhow::bail!("--freq {f0}:{f1} Hz is outside the recording's band ({lo}:{hi} Hz)");
    }
    let list = args
        .edits
        .as_deref()
        .map(|p| super::edits_arg::read_edits(p, &rec))
        .transpose()?
        .unwrap_or_default();
    let params = args.stft.checked(args.edits.as_deref().map(|p| (&list, p)))?;
    if let Some(path) = &args.edits {
        super::check_edits(&list, path, rec.as_ref(), params)?;
    }
    let inputs = super::files_read(Some(&rec), &[args.edits.as_deref()]);
    let done = extract_region(
        &rec,
        &list,
        Region {
            time_s: [t0, t1],
            freq_hz: [f0.max(lo), f1.min(hi)],
        },
        params,
        &args.output,
        args.format,
        &super::as_paths(&inputs),
        args.force,
        &Progress::new(),
    )?;
    super::warn_replaced(&rec);
    if !args.quiet {
        let centre = done
            .center_freq_hz
            .map(|c| format!(", centre {c} Hz"))
            .unwrap_or_default();
        eprintln!(
            "spectro: wrote {} ({} samples at {} Hz, decimated by {}, shifted by {} Hz{centre})",
            args.output.display(),
            done.samples,
            done.sample_rate,
            done.decimation,
            done.shift_hz
        );
    }
    Ok(())
}
