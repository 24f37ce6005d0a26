//! Learned voice isolation (issue 18): DeepFilterNet3 (Schröter et al., arXiv 2305.08227;
//! MIT OR Apache-2.0) run offline with `tract-onnx` on the graphs vendored in
//! `assets/DeepFilterNet3_onnx.tar.gz`.
//!
//! The model's three graphs (`enc`, `erb_dec`, `df_dec`) only map features to gains and
//! filter coefficients; everything around them is here, from the paper and the archive's
//! `config.ini`: the 960/480 STFT with a Vorbis window ([`stft`]), the ERB bands ([`erb`]),
//! the running feature normalisation ([`features`]), the deep filter over the lowest bins
//! ([`deep_filter`]) and the whole path at 48 kHz ([`enhance`]).

pub mod config;
pub mod deep_filter;
pub mod enhance;
pub mod erb;
pub mod error;
pub mod features;
pub mod model;
pub mod stft;

pub use config::DfConfig;
pub use enhance::enhance;
pub use error::VoiceModelError;
pub use model::VoiceModel;
