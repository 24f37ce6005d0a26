//! What `spectro declick`, `spectro dehum` and `spectro repair` share: each applies one edit
//! built from its flags, exactly as `spectro apply` would apply that one-entry edit list (which
//! they print with `--json`, so the editor and `apply` reproduce the result).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::bail;
use clap::Args;

use super::{InputArgs, StftArgs};
use crate::edit::{Edit, EditList, StftSettings};
use crate::io::output::OutputFormat;
use crate::io::{Encoding, Recording};
use crate::pipeline::Edited;
use crate::pipeline::export::write_prepared;
use crate::signal::{Progress, SampleSource};

/// The flags every one-edit command has besides its own: where the output goes, how the input
/// is read, the STFT geometry of the edit list.
#[derive(Args, Debug)]
pub struct OneEditFlags {
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
    /// STFT geometry (of the edit list applied, and printed with --json).
    #[command(flatten)]
    pub stft: StftArgs,
    /// How to read the recording.
    #[command(flatten)]
    pub input: InputArgs,
    /// Print nothing on success.
    #[arg(long, short)]
    pub quiet: bool,
}

/// What [`run_one_edit`] needs.
pub struct OneEditArgs<'a> {
    /// The recording.
    pub file: &'a Path,
    /// The stretch the edit acts on (seconds), if not the whole recording.
    pub time: Option<[f64; 2]>,
    /// The shared flags.
    pub flags: &'a OneEditFlags,
}

/// The result of a one-edit command.
pub struct OneEdit {
    /// The recording read.
    pub rec: Arc<Recording>,
    /// The one-entry edit list applied.
    pub list: EditList,
    /// The edited recording (its reports: clicks found, hum removed).
    pub edited: Edited,
    /// Samples clipped in the output.
    pub clipped: u64,
    /// Seconds the whole command took.
    pub seconds: f64,
}

/// Opens the recording, checks the output and `time` before any work, applies the edit `edit`
/// builds (given the recording) through the pipeline and writes the output atomically.
pub fn run_one_edit(args: OneEditArgs<'_>, edit: impl FnOnce(&Recording) -> Edit) -> anyhow::Result<OneEdit> {
    let started = Instant::now();
    let flags = args.flags;
    let params = flags.stft.checked(None)?;
    let rec = Arc::new(flags.input.open(args.file)?);
    let inputs = super::files_read(Some(&rec), &[]);
    let inputs = super::as_paths(&inputs);
    crate::io::atomic::Group::new(&inputs, flags.force).check(&[&flags.output])?;
    if let Some([t0, t1]) = args.time
        && (t1 <= 0.0 || t0 >= rec.duration_s())
    {
        bail!(
            "--time {t0}:{t1} lies outside the recording (0 to {:.3} s)",
            rec.duration_s()
        );
    }
    let list = EditList {
        stft: Some(StftSettings::from_params(params)),
        edits: vec![edit(&rec)],
        phase: None,
    };
    super::check_built_list(&list, &rec, params, args.file)?;
    let format = OutputFormat::for_target(&flags.output, &rec, flags.format)?;
    let progress = Progress::new();
    let edited = Edited::prepare(
        rec.clone(),
        &list.edits,
        list.phase.unwrap_or_default(),
        params,
        &progress,
    )?;
    let clipped = write_prepared(&edited, &flags.output, format, &inputs, flags.force, &progress)?;
    super::warn_replaced(&rec);
    super::warn_clipped(&flags.output, clipped);
    Ok(OneEdit {
        rec,
        list,
        edited,
        clipped,
        seconds: started.elapsed().as_secs_f64(),
    })
}
