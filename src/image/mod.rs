//! Spectrogram pictures both ways: export a spectrogram as a PNG that carries everything needed
//! to invert it ([`export`]), and turn any spectrogram picture back into sound ([`import`]).
//!
//! Import maps colours back to levels through a colour map (nearest palette entry), rows to
//! frequencies through the inverse of the frequency scale, columns to time; resamples the
//! levels onto an STFT grid, turns dB into magnitudes and rebuilds the phase (PGHI + FGLA by
//! default). When the recording the picture was exported from is at hand, only the cells whose
//! pixels were changed are re-phased, and everything else stays sample-identical.

pub mod export;
pub mod font;
pub mod import;

pub use export::{ExportSettings, ExportedPicture, PlotSize, export_picture};
pub use import::{
    DEFAULT_IMPORT_ITERATIONS, ImportOptions, ImportPlan, ImportReport, ImportedSound, LevelCoding,
    import_picture, plan_import,
};

use crate::io::FileError;
use crate::signal::phase::PhaseError;
use crate::signal::{Cancelled, StftError};

/// Why a picture could not be exported or imported. Every message is one line.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// A file problem (the message names the file).
    #[error(transparent)]
    File(#[from] FileError),
    /// Invalid STFT settings.
    #[error(transparent)]
    Stft(#[from] StftError),
    /// Settings that cannot work (missing, contradictory or out of range).
    #[error("{0}")]
    Settings(String),
    /// The picture does not fit its metadata or the options.
    #[error("{0}")]
    Geometry(String),
    /// The original recording does not match the picture.
    #[error("{0}")]
    Original(String),
    /// Phase reconstruction failed.
    #[error("phase reconstruction: {0}")]
    Phase(PhaseError),
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled,
}

impl From<Cancelled> for ImageError {
    fn from(_: Cancelled) -> Self {
        ImageError::Cancelled
    }
}

impl From<PhaseError> for ImageError {
    fn from(e: PhaseError) -> Self {
        match e {
            PhaseError::Cancelled => ImageError::Cancelled,
            other => ImageError::Phase(other),
        }
    }
}
