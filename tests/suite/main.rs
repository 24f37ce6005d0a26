//! The library and the `spectro` binary, one module per subject (one test binary, so CI
//! links the library once rather than once per file: forty binaries of 100 MB each filled
//! its disk). Tests that need a process of their own (a global allocator, the process's
//! peak memory, a changed environment) stay in their own files beside this folder.

#[path = "../common/mod.rs"]
mod common;

mod audio_engine;
mod bad_inputs;
mod cli_errors;
mod declick;
mod dehum;
mod denoise;
mod edits;
mod features;
mod features_parity;
mod formats;
mod harmonics;
mod images;
mod iq;
mod layers;
mod outputs;
mod paint;
mod parsers_prop;
mod paste_region;
mod phase;
mod pipeline;
mod play_alsa;
mod ranges;
mod reference_parity;
mod repair;
mod roundtrip;
mod session_cli;
mod test_binaries;
mod voice;
mod wav_io;
mod window_smoke;
