//! Writing an edited recording: render the edits through the STFT and stream the result into a
//! file in the source's format, atomically, with progress and cancel.

use std::fs::File;
use std::path::Path;

use rustfft::num_complex::Complex32;

use super::atomic::write_atomically;
use super::output::{AudioWriter, OutputFormat};
use super::{Encoding, FileError, Recording};
use crate::edit::Edit;
use crate::edit::mask::MaskRaster;
use crate::edit::render::{grid_for, render_stream};
use crate::signal::{
    Cancelled, Convention, Progress, ReadSamples, SampleSource, Stft, StftError, StftParams,
};

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
}

/// Renders `edits` applied to `rec` into `output` with the STFT `params`, atomically, in the
/// source's format unless `format` says otherwise. Returns the number of clipped samples.
pub fn export_edited(
    rec: &Recording,
    edits: &[Edit],
    params: StftParams,
    output: &Path,
    format: Option<Encoding>,
    force: bool,
    progress: &Progress,
) -> Result<u64, ExportError> {
    if rec.is_complex() {
        export_typed::<Complex32>(rec, edits, params, output, format, force, progress)
    } else {
        export_typed::<f32>(rec, edits, params, output, format, force, progress)
    }
}

fn export_typed<T: WriteBlock>(
    rec: &Recording,
    edits: &[Edit],
    params: StftParams,
    output: &Path,
    format: Option<Encoding>,
    force: bool,
    progress: &Progress,
) -> Result<u64, ExportError> {
    let stft = Stft::<T>::new(params, Convention::Scipy)?;
    let raster = MaskRaster::new(edits, grid_for(&stft, rec));
    let format = OutputFormat::for_target(output, rec, format)?;
    let mut clipped = 0;
    write_atomically(
        output,
        &[rec.path()],
        force,
        |file: &File| -> Result<(), ExportError> {
            let mut writer = AudioWriter::new(file, output, format)?;
            render_stream(
                rec,
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
        },
    )?;
    Ok(clipped)
}
