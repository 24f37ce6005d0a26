//! `spectro apply`: render an edit list into a new file.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::{InputArgs, StftArgs};
use crate::edit::EditList;
use crate::io::Encoding;
use crate::pipeline::export::export_edited_applied;
use crate::signal::Progress;

/// Arguments of `spectro apply`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    spectro apply take1.wav --edits take1.edits.json -o take1-clean.wav\n  \
    spectro apply capture.cu8 --sample-rate 2M --edits cut.json -o clean.cu8\n\n\
    spectro apply talk.wav --edits whistle.json --json -o clean.wav > whistle-tracked.json\n\n\
    The output keeps the input's encoding, channels and rate unless --format says otherwise.\n\
    It is written to a temporary file and renamed into place, so a failure never leaves a\n\
    partial file. No input (recording, sidecar, edit list) is ever overwritten; another existing\n\
    file is replaced only with --force.")]
pub struct ApplyArgs {
    /// The recording.
    pub file: PathBuf,
    /// The edit list (JSON, version 1). A session (.spectro) works too: its edit list is used.
    #[arg(long, value_name = "EDITS.json")]
    pub edits: PathBuf,
    /// Output file: .wav (RF64 past 4 GB) or .flac, or for IQ input a raw .cu8/.cs8/.cs16/.cf32.
    /// Lossy formats (.mp3, .ogg) are never written.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Replace OUT if it exists (never one of the inputs).
    #[arg(long)]
    pub force: bool,
    /// Output encoding: pcm8, pcm16, pcm24, pcm32, float32, float64, alaw or ulaw (default: the
    /// input's; FLAC holds pcm8, pcm16 or pcm24).
    #[arg(long, value_name = "ENCODING", value_parser = parse_encoding)]
    pub format: Option<Encoding>,
    /// STFT geometry (overrides the edit list's).
    #[command(flatten)]
    pub stft: StftArgs,
    /// How to read the recording.
    #[command(flatten)]
    pub input: InputArgs,
    /// Print nothing on success.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print the edit list as applied on stdout (harmonic selections with their tracked
    /// fundamental, `track_hz`): applying it again gives the same output.
    #[arg(long)]
    pub json: bool,
}

/// Parses an output encoding name.
pub fn parse_encoding(s: &str) -> Result<Encoding, String> {
    Encoding::from_name(s).ok_or_else(|| {
        format!("unknown encoding '{s}' (expected pcm8, pcm16, pcm24, pcm32, float32, float64, alaw or ulaw)")
    })
}

/// Runs `spectro apply`.
pub fn run(args: &ApplyArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let rec = std::sync::Arc::new(args.input.open(&args.file)?);
    let list = super::edits_arg::read_edits(&args.edits, &rec)?;
    let params = args.stft.checked(Some((&list, &args.edits)))?;
    super::check_edits(&list, &args.edits, rec.as_ref(), params)?;
    let inputs = super::files_read(Some(&rec), &[Some(&args.edits)]);
    let (clipped, applied) = export_edited_applied(
        &rec,
        &list,
        params,
        &args.output,
        args.format,
        &super::as_paths(&inputs),
        args.force,
        &Progress::new(),
    )?;
    super::warn_replaced(&rec);
    if args.json {
        let applied = EditList {
            edits: applied,
            ..list.clone()
        };
        print!("{}", applied.to_json());
    }
    if clipped > 0 {
        eprintln!(
            "spectro: warning: {clipped} samples exceeded full scale and were clipped; lower the gain of boosting edits"
        );
    }
    if !args.quiet {
        eprintln!(
            "spectro: wrote {} ({} edit{}, {:.2} s)",
            args.output.display(),
            list.edits.len(),
            if list.edits.len() == 1 { "" } else { "s" },
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
