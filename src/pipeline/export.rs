//! Writing an edited recording: render the edits through the pipeline and stream the result
//! into a file in the source's format, atomically, with progress and cancel.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use super::{Blocks, Edited, PipelineError, PipelineSample};
use crate::edit::{Edit, EditList};
use crate::io::atomic::{Group, write_atomically};
use crate::io::output::{AudioWriter, OutputFormat};
use crate::io::{Encoding, FileError, Recording};
use crate::signal::{Progress, StftParams};

/// Writes blocks of either sample type: one call for real and complex.
pub fn write_blocks(writer: &mut AudioWriter<'_>, blocks: Blocks<'_>) -> Result<(), FileError> {
    match blocks {
        Blocks::Real(b) => writer.write_real(b),
        Blocks::Complex(b) => writer.write_complex(b),
    }
}

/// Writes rendered blocks of one sample type (for code generic over it).
pub trait WriteBlock: PipelineSample {
    /// Writes one block of channels.
    fn write(writer: &mut AudioWriter<'_>, block: &[Vec<Self>]) -> Result<(), FileError> {
        write_blocks(writer, Self::blocks(block))
    }
}

impl<T: PipelineSample> WriteBlock for T {}

/// Renders the edit list `list` applied to `rec` into `output` with the STFT `params`,
/// atomically, in the source's format unless `format` says otherwise. Paint edits are rebuilt
/// first (their phase reconstructed) and the other edits act on the painted recording. Returns
/// the number of clipped samples. The output never replaces one of `inputs` (the caller's:
/// the recording's files, the edit list), and replaces another existing file only when
/// `force`; both are checked before any work.
#[allow(clippy::too_many_arguments)]
pub fn export_edited(
    rec: &Arc<Recording>,
    list: &EditList,
    params: StftParams,
    output: &Path,
    format: Option<Encoding>,
    inputs: &[&Path],
    force: bool,
    progress: &Progress,
) -> Result<u64, PipelineError> {
    export_edited_applied(rec, list, params, output, format, inputs, force, progress).map(|(c, _)| c)
}

/// As [`export_edited`], also returning the edits as applied: harmonic selections with the
/// tracks found for them (see [`super::harmonics`]), so the list can be written back.
#[allow(clippy::too_many_arguments)]
pub fn export_edited_applied(
    rec: &Arc<Recording>,
    list: &EditList,
    params: StftParams,
    output: &Path,
    format: Option<Encoding>,
    inputs: &[&Path],
    force: bool,
    progress: &Progress,
) -> Result<(u64, Vec<Edit>), PipelineError> {
    Group::new(inputs, force).check(&[output])?;
    let format = OutputFormat::for_target(output, rec, format)?;
    let edited = Edited::prepare(
        rec.clone(),
        &list.edits,
        list.phase.unwrap_or_default(),
        params,
        progress,
    )?;
    let clipped = write_prepared(&edited, output, format, inputs, force, progress)?;
    Ok((clipped, edited.edits().to_vec()))
}

/// Writes an already prepared edited recording `edited` (of a recording in the format `format`,
/// see [`OutputFormat::for_target`]) to `output`, atomically; returns the clipped samples.
/// Commands that report what the preparation found (the clicks a de-click step repaired)
/// prepare first, then write with this.
pub fn write_prepared(
    edited: &Edited,
    output: &Path,
    format: OutputFormat,
    inputs: &[&Path],
    force: bool,
    progress: &Progress,
) -> Result<u64, PipelineError> {
    let mut clipped = 0;
    write_atomically(
        output,
        inputs,
        force,
        |file: &File| -> Result<(), PipelineError> {
            let mut writer = AudioWriter::new(file, output, format)?;
            edited.stream(progress, |_, blocks| -> Result<(), PipelineError> {
                Ok(write_blocks(&mut writer, blocks)?)
            })?;
            clipped = writer.finish()?;
            Ok(())
        },
    )?;
    Ok(clipped)
}
