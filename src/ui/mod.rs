//! The editor window (eframe/egui with the glow renderer).
//!
//! A thin shell ([`app::SpectroApp`]) holds the document and view; every menu item and shortcut
//! is a [`command::Command`]; the spectrogram is drawn from tiles computed on a worker thread
//! ([`tiles`]); opening, exporting and the waveform envelope run as background jobs
//! ([`jobs`]) whose results come back as commands.

pub mod app;
pub mod autosave;
pub mod bench;
pub mod busy;
pub mod command;
pub mod confirm;
pub mod declick;
pub mod dehum;
pub mod denoise;
pub mod dialogs;
pub mod handles;
pub mod help;
pub mod image_import;
pub mod inspector;
pub mod jobs;
pub mod legend;
pub mod levels_fit;
pub mod overwrite;
pub mod panels;
pub mod span_action;
pub mod spectrogram;
pub mod tiles;
pub mod tools;
pub mod transport;
pub mod view;
pub mod waveform;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::io::OpenOptions;

/// The demo recording, built into the binary so `spectro` opens it from anywhere.
pub const DEMO_WAV: &[u8] = include_bytes!("../../assets/demo.wav");

/// How the window starts.
#[derive(Clone, Debug)]
pub struct LaunchOptions {
    /// Recording to open; the built-in demo when `None`.
    pub file: Option<PathBuf>,
    /// Edit list to load once the recording is open.
    pub edits: Option<PathBuf>,
    /// How to read it.
    pub open: OpenOptions,
    /// Save a PNG of the window once fully drawn, then quit.
    pub screenshot: Option<PathBuf>,
    /// Window size in points.
    pub size: [f32; 2],
    /// Run the scripted frame-time benchmark, print it, then quit.
    pub bench_ui: bool,
    /// When the process started, for the time to the first view.
    pub started: Instant,
    /// Use the desktop's file dialogs when it has them (tests turn this off).
    pub native_dialogs: bool,
    /// A picture to show in the Open image as sound window once the window is up.
    pub open_image: Option<PathBuf>,
    /// STFT to draw with; the default for the file when `None`.
    pub stft: Option<crate::signal::StftParams>,
    /// Which version to show and play first.
    pub show: view::Version,
    /// The tool selected at start (Rectangle when `None`).
    pub tool: Option<tools::Tool>,
    /// Where unsaved edit lists are autosaved ([`autosave::default_dir`] for the user's
    /// window); `None` turns autosave off (the default, so tests and scripted runs never touch
    /// the user's state directory unless they ask to).
    pub autosave_dir: Option<PathBuf>,
    /// Start with the Harmonics tool seeded on `[start_s, end_s, freq_hz]` once the recording
    /// is open: its tracked selection is shown pending (for scripted screenshots).
    pub harmonics_seed: Option<[f64; 3]>,
    /// Start with the edit at this position of the loaded edit list selected, with the Pointer
    /// tool (its handles and its inspector shown, for scripted screenshots).
    pub select_edit: Option<usize>,
}

impl Default for LaunchOptions {
    fn default() -> Self {
        LaunchOptions {
            file: None,
            edits: None,
            open: OpenOptions::default(),
            screenshot: None,
            size: [1400.0, 860.0],
            bench_ui: false,
            started: Instant::now(),
            native_dialogs: true,
            open_image: None,
            stft: None,
            show: view::Version::Edited,
            tool: None,
            autosave_dir: None,
            harmonics_seed: None,
            select_edit: None,
        }
    }
}

/// Opens the window and runs until it closes.
pub fn run(launch: LaunchOptions) -> anyhow::Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Spectro")
            .with_app_id("spectro")
            .with_inner_size(launch.size)
            .with_min_inner_size([640.0, 420.0])
            .with_drag_and_drop(true),
        renderer: eframe::Renderer::Glow,
        // Benchmarks measure frame cost, not the display's refresh rate.
        glow_options: eframe::egui_glow::GlowConfiguration {
            vsync: !launch.bench_ui,
            ..Default::default()
        },
        ..Default::default()
    };
    let outcome: Arc<Mutex<Option<Result<(), String>>>> = Arc::new(Mutex::new(None));
    let slot = outcome.clone();
    let wants_outcome = launch.screenshot.is_some();
    eframe::run_native(
        "Spectro",
        options,
        Box::new(move |cc| {
            let mut app = app::SpectroApp::new(&cc.egui_ctx, launch);
            app.outcome = slot;
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))?;
    let result = outcome.lock().ok().and_then(|mut o| o.take());
    match result {
        Some(Err(e)) => anyhow::bail!(e),
        None if wants_outcome => anyhow::bail!("the window closed before the screenshot was taken"),
        _ => Ok(()),
    }
}
