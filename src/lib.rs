//! Spectro: a spectral editor for audio and IQ recordings.
//!
//! The layers, bottom up, each in its own module and importing only from those below it
//! (`tests/suite/layers.rs` checks this):
//! - [`signal`]: STFT and inverse by range, windows, phase reconstruction, levels, scales,
//!   colour maps, limits;
//! - [`io`]: bytes and samples: WAV and raw IQ files (mapped, read by range), audio and PNG
//!   writers, atomic output;
//! - [`edit`]: the JSON edit list in seconds and Hz and its file, masks, denoise, history;
//! - [`pipeline`]: the edited recording, one definition for every output (painted energy, then
//!   masks), rendered by range: export, extract, pictures;
//! - [`features`], [`image`], [`audio`]: features for classification, spectrogram pictures to
//!   PNG and back, playback (the only layer that talks to the sound card);
//! - [`cli`], [`ui`]: the `spectro` commands and the editor window.
//!
//! Nothing below `ui` depends on egui or eframe; only `audio` uses cpal.

pub mod audio;
pub mod cli;
pub mod edit;
pub mod features;
pub mod image;
pub mod io;
pub mod pipeline;
pub mod signal;
pub mod ui;
