//! The application shell: owns the document, the view and the background jobs, and carries out
//! commands. It is thin on purpose; each concept lives in its own file under `app/`:
//!
//! - `document`: the open recording and the state derived from it (waveforms, grid, axis);
//! - `painting`: the painted-energy layer and what the edited result is computed with;
//! - `file`, `edit`, `view`, `transport`: the command handlers of each domain;
//! - `picture_import`: turning a picture into sound;
//! - `writes`, `questions`, `autosaving`: writing files, asking before losing work, autosave;
//! - `keymap`: which key sends which command;
//! - `status`, `layout`: the status bar and the panels around the spectrogram;
//! - `levels`: fitting the display levels to the picture;
//! - `automation`: `--screenshot` and `--bench-ui`.
//!
//! Every command, including a background job's result ([`Command::JobFinished`]), goes through
//! the one command channel and is carried out by [`SpectroApp::execute`], which never calls
//! itself: a command that leads to another sends it to the channel, or calls the handler.

use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::Instant;

mod automation;
mod autosaving;
mod clipboard;
mod document;
mod edit;
mod file;
mod harmonics;
mod keymap;
mod layout;
mod levels;
mod painting;
mod picture_import;
mod questions;
mod session;
mod status;
mod transport;
mod view;
mod writes;

pub use document::OpenDoc;
pub use keymap::{Chord, KeyAction, KeyBinding, chord_of, chord_text, keymap, shortcut_of};
pub use status::{INFO_EXPIRY_S, Status};

use super::LaunchOptions;
use super::autosave::Autosaver;
use super::command::{Command, CommandSender, ImageExportSettings, command_channel};
use super::confirm::{Arrival, Question, Then};
use super::dialogs::FileDialogs;
use super::image_import::ImageImportDialog;
use super::jobs::Jobs;
use super::tiles::{TileContext, TileStore};
use super::tools::{Gesture, Tool, ToolSettings};
use super::transport::Transport;
use super::view::ViewState;
use crate::io::OpenOptions;
use automation::ScreenshotState;

/// What a background job of the app is for: at most one of each kind runs at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum JobKind {
    /// Opening a recording.
    Open,
    /// Exporting the edited recording or a selection of it.
    Export,
    /// Saving a session (hashing the recording first when its hash is not known yet).
    SaveSession,
    /// Writing the features CSVs.
    Features,
    /// Exporting a picture of the spectrogram.
    ImageExport,
    /// Reading a picture for the Open image as sound window.
    ImageOpen,
    /// Turning a picture into sound.
    Import,
    /// The waveform of the open recording.
    Envelope,
    /// The waveform of the version shown when it is not the original.
    EditedEnvelope,
    /// Tracking the harmonic sound the Harmonics tool was clicked on.
    Harmonics,
}

/// The editor.
pub struct SpectroApp {
    commands: CommandSender,
    inbox: Receiver<Command>,
    /// The background jobs; their results come back as [`Command::JobFinished`].
    jobs: Jobs<SpectroApp, JobKind>,
    /// The open document, if any.
    pub open: Option<OpenDoc>,
    tiles: TileStore,
    context: Option<Arc<TileContext>>,
    /// The view.
    pub view: ViewState,
    /// The active tool.
    pub tool: Tool,
    /// Settings of new edits.
    pub settings: ToolSettings,
    pub(super) gesture: Gesture,
    /// The spectrogram's data area in the last frame.
    last_plot: Option<egui::Rect>,
    /// The colour legend as last drawn.
    legend: Option<crate::ui::legend::Legend>,
    selected_edit: Option<usize>,
    hover: Option<[f64; 2]>,
    /// The last message for the status bar.
    pub status: Option<Status>,
    /// When the status message shown was first shown, so an information expires.
    status_clock: status::StatusClock,
    error: Option<String>,
    /// The Help window is open.
    help_open: bool,
    /// When the display levels are next fitted to the picture.
    levels_fit: levels::LevelsFit,
    /// The question on screen (unsaved edits, replace a file, restore an autosave).
    question: Option<Question>,
    /// The document revision whose unsaved edits the user agreed to lose: closing it at that
    /// revision needs no new question; any later edit does.
    discard_consent: Option<u64>,
    /// A recording that finished opening while a question was on screen.
    arrived: Option<Arrival>,
    autosave: Autosaver,
    dialogs: FileDialogs,
    open_options: OpenOptions,
    /// Edit list to load when the first recording has opened.
    initial_edits: Option<std::path::PathBuf>,
    /// A Harmonics-tool seed to track when the first recording has opened.
    initial_harmonics: Option<[f64; 3]>,
    /// The edit to select (with the Pointer tool) when the first edit list has loaded.
    initial_selected_edit: Option<usize>,
    screenshot: ScreenshotState,
    /// Set by `--screenshot`: the outcome for the process exit code.
    pub outcome: Arc<Mutex<Option<Result<(), String>>>>,
    allow_close: bool,
    tiles_ready: bool,
    started: Instant,
    first_view_s: Option<f64>,
    /// Seconds from launch until the whole view first had a picture (previews count).
    overview_s: Option<f64>,
    bench: Option<super::bench::UiBench>,
    /// Playback.
    pub transport: Transport,
    /// How File > Export image draws.
    pub image_export: ImageExportSettings,
    /// The Open image as sound window.
    pub image_dialog: Option<ImageImportDialog>,
    /// The view when Space went down: a tap plays, a Space-drag pans.
    space_down_view: Option<([f64; 2], [f64; 2])>,
    /// The last slider gesture and the document revision it left: a change of the same
    /// gesture on that revision amends the undo step instead of adding one.
    last_gesture: Option<(u64, u64)>,
    /// The Harmonics tool's tracked selection, waiting for Apply.
    harmonics: Option<harmonics::PendingHarmonics>,
    /// A session whose missing recording the user is locating: its file and contents.
    locating: Option<(std::path::PathBuf, Box<crate::edit::Session>)>,
    /// The region copied with Ctrl+C.
    clip: Option<clipboard::Clip>,
}

impl SpectroApp {
    /// Builds the app and starts opening `launch.file`, if any.
    pub fn new(ctx: &egui::Context, launch: LaunchOptions) -> Self {
        let (commands, inbox) = command_channel();
        match &launch.file {
            Some(file) => commands.send(Command::Open(file.clone())),
            None => commands.send(Command::OpenDemo),
        }
        if let Some(picture) = &launch.open_image {
            commands.send(Command::OpenImage(picture.clone()));
        }
        SpectroApp {
            jobs: Jobs::new(commands.clone()),
            commands,
            inbox,
            open: None,
            tiles: TileStore::new(ctx.clone()),
            context: None,
            view: ViewState {
                stft: launch.stft.unwrap_or_default(),
                version: launch.show,
                ..ViewState::default()
            },
            tool: launch.tool.unwrap_or(Tool::Rect),
            settings: ToolSettings::default(),
            gesture: Gesture::None,
            last_plot: None,
            legend: None,
            selected_edit: None,
            hover: None,
            status: None,
            status_clock: status::StatusClock::default(),
            error: None,
            help_open: false,
            levels_fit: levels::LevelsFit::default(),
            question: None,
            discard_consent: None,
            arrived: None,
            autosave: Autosaver::new(launch.autosave_dir),
            dialogs: FileDialogs::new(launch.native_dialogs),
            open_options: launch.open,
            initial_edits: launch.edits,
            initial_harmonics: launch.harmonics_seed,
            initial_selected_edit: launch.select_edit,
            screenshot: ScreenshotState::new(launch.screenshot),
            outcome: Arc::new(Mutex::new(None)),
            allow_close: false,
            tiles_ready: false,
            started: launch.started,
            first_view_s: None,
            overview_s: None,
            bench: launch.bench_ui.then(super::bench::UiBench::new),
            transport: Transport::default(),
            space_down_view: None,
            image_export: ImageExportSettings::default(),
            image_dialog: None,
            last_gesture: None,
            harmonics: None,
            locating: None,
            clip: None,
        }
    }

    /// A sender for commands (tests drive the app through it).
    pub fn commands(&self) -> CommandSender {
        self.commands.clone()
    }

    /// True when nothing is loading, exporting or rendering and every visible tile is drawn.
    pub fn is_idle(&self) -> bool {
        self.jobs.is_empty()
            && self.image_dialog.as_ref().is_none_or(|d| !d.is_busy())
            && self.tiles_ready
            && !self.tiles.busy()
            && self.open.as_ref().is_none_or(|o| o.paint_job.is_none())
    }

    /// The spectrogram's data area on screen in the last frame, if it was drawn.
    pub fn plot_rect(&self) -> Option<egui::Rect> {
        self.last_plot
    }

    /// The colour legend as drawn in the last frame, if it was.
    pub fn legend(&self) -> Option<&crate::ui::legend::Legend> {
        self.legend.as_ref()
    }

    /// True while the Help window is open.
    pub fn help_open(&self) -> bool {
        self.help_open
    }

    /// Seconds from launch to the first fully drawn view.
    pub fn first_view_s(&self) -> Option<f64> {
        self.first_view_s
    }

    /// Seconds from launch until every visible tile first had a picture (a preview of a long
    /// stretch counts): when the user first sees the whole overview.
    pub fn overview_s(&self) -> Option<f64> {
        self.overview_s
    }

    /// The selected edit's position in the list, if one is selected.
    pub fn selected_edit(&self) -> Option<usize> {
        self.selected_edit
    }

    /// The soloed edit's position in the list, if one is soloed.
    pub fn solo(&self) -> Option<usize> {
        self.open.as_ref().and_then(|o| o.solo.map(|(i, _)| i))
    }

    /// True when closing the document now would lose edits the user has not agreed to lose.
    fn needs_asking(&self) -> bool {
        self.open
            .as_ref()
            .is_some_and(|o| o.doc.history.is_dirty() && self.discard_consent != Some(o.doc.revision))
    }

    /// The open question, if any (tests read it; the window shows it).
    pub fn question(&self) -> Option<&Question> {
        self.question.as_ref()
    }

    /// True while a session is being saved (the window keeps drawing meanwhile).
    pub fn is_saving_session(&self) -> bool {
        self.jobs.is_running(JobKind::SaveSession)
    }

    /// True once the window has been told to close.
    pub fn is_quitting(&self) -> bool {
        self.allow_close
    }

    /// Carries out one command: hands it to the handler of its domain. Never calls itself; a
    /// handler that leads to another command sends it to the channel.
    pub fn execute(&mut self, command: Command, ctx: &egui::Context) {
        match command {
            Command::Open(_)
            | Command::OpenDemo
            | Command::OpenDialog
            | Command::LoadEdits(_)
            | Command::SaveEdits
            | Command::SaveEditsAs(_)
            | Command::SaveSession
            | Command::SaveSessionAs(_)
            | Command::CancelSaveSession
            | Command::LocateRecording(_)
            | Command::ExportAudio(_)
            | Command::ExportSelection(_)
            | Command::CancelExport
            | Command::ExportImage(_)
            | Command::SetImageExport(_)
            | Command::OpenImageDialog
            | Command::OpenImage(_)
            | Command::ImportImage(_)
            | Command::CancelImport
            | Command::ExportFeatures(_)
            | Command::CancelFeatures
            | Command::Quit => self.file_command(command, ctx),
            Command::Undo
            | Command::Redo
            | Command::Change(_)
            | Command::AddEdit(_)
            | Command::DeleteEdit(_)
            | Command::AdjustEdit { .. }
            | Command::SelectEdit(_)
            | Command::SoloEdit(_)
            | Command::LearnNoise
            | Command::EstimateNoise
            | Command::IsolateVoice
            | Command::SetPhase(_)
            | Command::SetStft(_) => self.edit_command(command),
            Command::SetTool(_)
            | Command::ZoomTime { .. }
            | Command::ZoomFreq { .. }
            | Command::PanTime(_)
            | Command::PanFreq(_)
            | Command::SetView { .. }
            | Command::ZoomToFit
            | Command::ToggleProcessed
            | Command::ShowVersion(_)
            | Command::SetScale(_)
            | Command::SetColormap(_)
            | Command::SetLevels { .. }
            | Command::AutoLevels
            | Command::ShowHelp
            | Command::SetChannel(_) => self.view_command(command),
            Command::PlayPause
            | Command::PlaySelection
            | Command::Stop
            | Command::ToggleLoop
            | Command::SetCursor(_)
            | Command::Tune { .. }
            | Command::SetSelection(_)
            | Command::SetDevice(_) => self.transport_command(command),
            Command::TrackHarmonics(_) | Command::ApplyHarmonics | Command::CancelHarmonics => {
                self.harmonics_command(command, ctx)
            }
            Command::Copy | Command::Paste(_) => self.clip_command(command, ctx),
            Command::Answer(answer) => self.answer(answer, ctx),
            Command::JobFinished(id) => {
                if let Some(finish) = self.jobs.finish(id) {
                    finish(self, ctx);
                }
            }
        }
    }

    /// Carries out the queued commands of one kind, and those they queue in turn: the results
    /// of background jobs (`results`) or the others. The rest stay queued, in order.
    ///
    /// Results are taken at the start of a frame, before drawing, so a frame that has one
    /// shows it (a result that arrives while a frame is drawn waits for the next); the other
    /// commands at the end of the frame that sent them, so the next frame shows them.
    fn run_commands(&mut self, results: bool, ctx: &egui::Context) {
        let mut later = Vec::new();
        while let Ok(c) = self.inbox.try_recv() {
            if matches!(c, Command::JobFinished(_)) == results {
                self.execute(c, ctx);
            } else {
                later.push(c);
            }
        }
        for c in later {
            self.commands.send(c);
        }
    }
}

impl eframe::App for SpectroApp {
    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.shutdown();
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        if let Some(bench) = &mut self.bench {
            bench.frame_started(frame.info().cpu_usage);
        }
        self.run_commands(true, &ctx);
        self.edited_waveform(&ctx);
        // Dropped files open like File > Open.
        let dropped: Vec<std::path::PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        if let Some(p) = dropped.into_iter().next() {
            self.commands.send(Command::Open(p));
        }
        self.shortcuts(&ctx);
        if ctx.input(|i| i.viewport().close_requested()) && !self.allow_close && self.needs_asking() {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.request(Then::Quit, &ctx);
        }

        self.panels_ui(ui);

        // Commands sent this frame take effect now, so the next frame shows them.
        self.run_commands(false, &ctx);
        self.questions_frame(&ctx);
        self.autosave_frame(&ctx);
        self.voice_model_frame(&ctx);
        if !self.jobs.is_empty()
            || self.image_dialog.as_ref().is_some_and(|d| d.is_busy())
            || self.tiles.busy()
            || self.open.as_ref().is_some_and(|o| o.paint_job.is_some())
        {
            // Progress bars move at this rate; finished jobs and tiles ask for a repaint
            // themselves. Faster only redraws the window for nothing, which on a software
            // renderer takes CPU from the jobs.
            ctx.request_repaint_after(crate::ui::busy::STEP);
        }
        self.automation_frame(&ctx);
    }
}
