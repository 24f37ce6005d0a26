//! What `spectro declick` and `spectro dehum` share: each applies one signal-changing edit built
//! from its flags, exactly as `spectro apply` would apply that one-entry edit list (which they
//! print with `--json`, so the editor and `apply` reproduce the result).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::bail;

use super::{InputArgs, StftArgs};
use crate::edit::{Edit, EditList, Shape, StftSettings};
use crate::io::output::OutputFormat;
use crate::io::{Encoding, Recording};
use crate::pipeline::Edited;
use crate::pipeline::export::write_prepared;
use crate::signal::{Progress, SampleSource};

/// The flags every one-edit command has.
pub struct OneEditArgs<'a> {
    /// The recording.
    pub file: &'a Path,
    /// How to read it.
    pub input: &'a InputArgs,
    /// STFT geometry for the edit list.
    pub stft: &'a StftArgs,
    /// The stretch the edit acts on (seconds), if not the whole recording.
    pub time: Option<[f64; 2]>,
    /// The output file.
    pub output: &'a PathBuf,
    /// Output encoding, if not the input's.
    pub format: Option<Encoding>,
    /// Replace the output if it exists.
    pub force: bool,
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

/// Opens the recording, checks the output and `time` before any work, applies the edit
/// `shape` (given the recording) through the pipeline and writes the output atomically.
pub fn run_one_edit(
    args: OneEditArgs<'_>,
    shape: impl FnOnce(&Recording) -> Shape,
) -> anyhow::Result<OneEdit> {
    let started = Instant::now();
    let params = args.stft.checked(None)?;
    let rec = Arc::new(args.input.open(args.file)?);
    let inputs = super::files_read(Some(&rec), &[]);
    let inputs = super::as_paths(&inputs);
    crate::io::atomic::Group::new(&inputs, args.force).check(&[args.output])?;
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
        edits: vec![Edit::new(shape(&rec), 0.0)],
        phase: None,
    };
    super::check_built_list(&list, &rec, params, args.file)?;
    let format = OutputFormat::for_target(args.output, &rec, args.format)?;
    let progress = Progress::new();
    let edited = Edited::prepare(
        rec.clone(),
        &list.edits,
        list.phase.unwrap_or_default(),
        params,
        &progress,
    )?;
    let clipped = write_prepared(&edited, args.output, format, &inputs, args.force, &progress)?;
    super::warn_replaced(&rec);
    super::warn_clipped(args.output, clipped);
    Ok(OneEdit {
        rec,
        list,
        edited,
        clipped,
        seconds: started.elapsed().as_secs_f64(),
    })
}
