//! The editor under egui_kittest, one module per part of the window (one test binary, so CI
//! links the harness once rather than once per file).

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/editor.rs"]
mod editor;

mod busy;
mod dehum;
mod denoise;
mod edits;
mod formats;
mod harmonics;
mod layout;
mod repair;
mod session;
mod ui;
mod voice;
