//! `spectro apply`: render an edit list into a new file.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::bail;
use clap::Args;
use rustfft::num_complex::Complex32;

use super::{InputArgs, StftArgs};
use crate::edit::EditList;
use crate::edit::mask::MaskRaster;
use crate::edit::render::{grid_for, render_stream};
use crate::io::output::{AudioWriter, OutputFormat};
use crate::io::{Encoding, FileError, Recording, load_edit_list};
use crate::signal::{Convention, Progress, ReadSamples, SampleSource, Stft};

/// Arguments of `spectro apply`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    spectro apply take1.wav --edits take1.edits.json -o take1-clean.wav\n  \
    spectro apply capture.cu8 --sample-rate 2M --edits cut.json -o clean.cu8\n\n\
    The output keeps the input's encoding, channels and rate unless --format says otherwise.\n\
    It is written to a temporary file and renamed into place, so a failure never leaves a\n\
    partial file; the input is never overwritten without --force.")]
pub struct ApplyArgs {
    /// The recording.
    pub file: PathBuf,
    /// The edit list (JSON, version 1).
    #[arg(long, value_name = "EDITS.json")]
    pub edits: PathBuf,
    /// Output file: .wav, or for IQ input a raw .cu8/.cs8/.cs16/.cf32.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Allow the output to replace the input file.
    #[arg(long)]
    pub force: bool,
    /// Output encoding: pcm8, pcm16, pcm24, pcm32 or float32 (default: the input's).
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
}

fn parse_encoding(s: &str) -> Result<Encoding, String> {
    Encoding::from_name(s)
        .ok_or_else(|| format!("unknown encoding '{s}' (expected pcm8, pcm16, pcm24, pcm32 or float32)"))
}

/// Checks that every edit's channels exist in `source`.
pub fn check_channels(list: &EditList, source: &dyn SampleSource, edits_path: &Path) -> anyhow::Result<()> {
    for (i, e) in list.edits.iter().enumerate() {
        if let Some(bad) = e.channels.iter().flatten().find(|&&c| c >= source.channels()) {
            bail!(
                "{}: edits[{i}] ({}): channel {bad} does not exist (the recording has {} channel{}, numbered from 0)",
                edits_path.display(),
                e.shape.type_name(),
                source.channels(),
                if source.channels() == 1 { "" } else { "s" }
            );
        }
    }
    Ok(())
}

/// Writes rendered blocks of one sample type.
pub(crate) trait WriteBlock: ReadSamples {
    /// Writes one block of channels.
    fn write(writer: &mut AudioWriter<'_>, block: &[Vec<Self>]) -> Result<(), FileError>;
}

impl WriteBlock for f32 {
    fn write(writer: &mut AudioWriter<'_>, block: &[Vec<f32>]) -> Result<(), FileError> {
        writer.write_real(block)
    }
}

impl WriteBlock for Complex32 {
    fn write(writer: &mut AudioWriter<'_>, block: &[Vec<Complex32>]) -> Result<(), FileError> {
        writer.write_complex(block)
    }
}

/// Renders `list` applied to `rec` into `output`; returns the number of clipped samples.
pub fn apply_to_file(
    rec: &Recording,
    list: &EditList,
    stft_args: &StftArgs,
    output: &Path,
    format: Option<Encoding>,
    force: bool,
    progress: &Progress,
) -> anyhow::Result<u64> {
    if rec.is_complex() {
        apply_typed::<Complex32>(rec, list, stft_args, output, format, force, progress)
    } else {
        apply_typed::<f32>(rec, list, stft_args, output, format, force, progress)
    }
}

fn apply_typed<T: WriteBlock>(
    rec: &Recording,
    list: &EditList,
    stft_args: &StftArgs,
    output: &Path,
    format: Option<Encoding>,
    force: bool,
    progress: &Progress,
) -> anyhow::Result<u64> {
    let params = stft_args.resolve(list.stft.map(|s| s.params()));
    let stft = Stft::<T>::new(params, Convention::Scipy)?;
    let raster = MaskRaster::new(&list.edits, grid_for(&stft, rec));
    let format = OutputFormat::for_target(output, rec, format)?;
    let mut clipped = 0;
    crate::io::atomic::write_atomically(
        output,
        &[rec.path()],
        force,
        |file: &File| -> anyhow::Result<()> {
            let mut writer = AudioWriter::new(file, output, format)?;
            render_stream(
                rec,
                &stft,
                &raster,
                progress,
                |_, block: &[Vec<T>]| -> anyhow::Result<()> {
                    T::write(&mut writer, block)?;
                    Ok(())
                },
            )?;
            clipped = writer.finish()?;
            Ok(())
        },
    )?;
    Ok(clipped)
}

/// Runs `spectro apply`.
pub fn run(args: &ApplyArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let rec = args.input.open(&args.file)?;
    let list = load_edit_list(&args.edits)?;
    check_channels(&list, &rec, &args.edits)?;
    let clipped = apply_to_file(
        &rec,
        &list,
        &args.stft,
        &args.output,
        args.format,
        args.force,
        &Progress::new(),
    )?;
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
