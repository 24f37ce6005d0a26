//! Writing an edited recording: render the edits through the STFT and stream the result into a
//! file in the source's format, atomically, with progress and cancel.

use std::fs::File;
use std::path::Path;

use rustfft::num_complex::Complex32;

use super::atomic::{Group, write_atomically};
use super::output::{AudioWriter, OutputFormat};
use super::{Encoding, FileError, Recording};
use crate::edit::EditList;
use crate::edit::mask::MaskRaster;
use crate::edit::paint::{PaintedSource, has_paint, paint_layer};
use crate::edit::render::{grid_for, render_stream};
use crate::signal::phase::PhaseError;
use crate::signal::{
    Cancelled, Convention, Progress, ReadSamples, SampleSource, Stft, StftError, StftParams,
};
use std::sync::Arc;

/// Writes rendered blocks of one sample type.
pub trait WriteBlock: ReadSamples {
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

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A file problem (the message names the file).
    #[error(transparent)]
    File(#[from] FileError),
    /// Invalid STFT settings.
    #[error(transparent)]
    Stft(#[from] StftError),
    /// The user cancelled; nothing was written.
    #[error("cancelled")]
    Cancelled(#[from] Cancelled),
    /// Rebuilding painted energy failed.
    #[error("painted energy: {0}")]
    Paint(PhaseError),
}

impl From<PhaseError> for ExportError {
    fn from(e: PhaseError) -> Self {
        match e {
            PhaseError::Cancelled => ExportError::Cancelled(Cancelled),
            other => ExportError::Paint(other),
        }
    }
}

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
) -> Result<u64, ExportError> {
    Group::new(inputs, force).check(&[output])?;
    if rec.is_complex() {
        export_typed::<Complex32>(rec, list, params, output, format, inputs, force, progress)
    } else {
        export_typed::<f32>(rec, list, params, output, format, inputs, force, progress)
    }
}

#[allow(clippy::too_many_arguments)]
fn export_typed<T: WriteBlock>(
    rec: &Arc<Recording>,
    list: &EditList,
    params: StftParams,
    output: &Path,
    format: Option<Encoding>,
    inputs: &[&Path],
    force: bool,
    progress: &Progress,
) -> Result<u64, ExportError>
where
    PaintedSource<T>: SampleSource,
{
    let stft = Stft::<T>::new(params, Convention::Scipy)?;
    let base: Arc<dyn SampleSource> = rec.clone();
    let painted: Arc<dyn SampleSource> = if has_paint(&list.edits) {
        let layer = paint_layer(
            base.as_ref(),
            &stft,
            &list.edits,
            list.phase.unwrap_or_default(),
            progress,
        )?;
        Arc::new(PaintedSource::new(base.clone(), Arc::new(layer)))
    } else {
        base.clone()
    };
    let source = painted.as_ref();
    let raster = MaskRaster::new(&list.edits, grid_for(&stft, source));
    let format = OutputFormat::for_target(output, rec, format)?;
    let mut clipped = 0;
    write_atomically(output, inputs, force, |file: &File| -> Result<(), ExportError> {
        let mut writer = AudioWriter::new(file, output, format)?;
        render_stream(
            source,
            &stft,
            &raster,
            progress,
            |_, block: &[Vec<T>]| -> Result<(), ExportError> {
                T::write(&mut writer, block)?;
                Ok(())
            },
        )?;
        clipped = writer.finish()?;
        Ok(())
    })?;
    Ok(clipped)
}
