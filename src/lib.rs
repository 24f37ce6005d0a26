//! Spectro: a spectral editor for audio and IQ recordings.
//!
//! The layers, bottom up, each in its own module:
//! - [`signal`]: STFT and inverse by range, windows, levels, scales, colour maps;
//! - [`edit`]: the JSON edit list in seconds and Hz, masks, history, rendering an edited
//!   recording;
//! - [`features`]: features for classification (per-frame spectral features and MFCCs that
//!   match librosa, detected bursts), computed on the edited recording;
//! - [`io`]: WAV and raw IQ files (mapped, read by range), atomic output, PNG;
//! - [`cli`]: the `spectro` commands;
//! - [`ui`]: the editor window.
//!
//! `signal`, `edit`, `features` and `io` depend on no UI or audio-device crate.

pub mod audio;
pub mod cli;
pub mod edit;
pub mod features;
pub mod io;
pub mod signal;
pub mod ui;
