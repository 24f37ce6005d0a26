//! The application shell: owns the document, the view and the workers; lays out the panels;
//! carries out commands. Drawing lives in the panel and view modules, signal work on threads.

use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::Instant;

mod autosaving;
mod questions;
mod writes;

use super::LaunchOptions;
use super::autosave::Autosaver;
use super::command::ImageExportSettings;
use super::command::{Command, CommandSender, command_channel};
use super::confirm::{Arrival, Question, Then, Write, question_ui};
use super::denoise::{current_denoise, learn_from_selection};
use super::dialogs::{FileDialogs, FilePurpose, error_ui};
use super::image_import::{ImageImportDialog, ImageImportRequest};
use super::jobs::Job;
use super::panels::{keys, menu_bar_ui, side_panel_ui, toolbar_ui};
use super::spectrogram::{SpectrogramInput, spectrogram_ui};
use super::tiles::{ColorSpec, Engine, TileContext, TileStore, effective_scale, rows_for};
use super::tools::{EditFrame, Gesture, Tool, ToolSettings};
use super::transport::Transport;
use super::view::{FreqAxisView, Version, ViewState, format_hz, format_hz_step, note_name};
use super::waveform::{Envelope, waveform_ui};
use crate::edit::load_edit_list;
use crate::edit::mask::{Grid, MaskRaster};
use crate::edit::{Affected, Change, Denoise, Document, Edit, NoiseEstimate, Shape};
use crate::features;
use crate::image::{ExportSettings, ImageError, PlotSize, export_picture, import_picture, plan_import};
use crate::io::picture::{Picture, PictureColors, read_png};
use crate::io::{FileError, OpenOptions, Recording};
use crate::pipeline::PipelineError as ExportError;
use crate::pipeline::extract::Extracted;
use crate::pipeline::picture::Levels;
use crate::signal::{Complex32, Convention, SampleSource, Stft, StftError, StftParams};

/// An open recording and everything derived from it.
pub struct OpenDoc {
    /// The file.
    pub recording: Arc<Recording>,
    /// Edits and history.
    pub doc: Document,
    /// Where the edit list was loaded from or saved to.
    pub edits_path: Option<PathBuf>,
    /// The files the document was read from: never written over.
    pub inputs: Vec<super::overwrite::Input>,
    envelope: Option<Arc<Envelope>>,
    envelope_job: Option<Job<Option<Envelope>>>,
    /// The waveform of the version shown when it is not the original, and what it shows.
    edited_envelope: Option<(WaveKey, Arc<Envelope>)>,
    edited_envelope_job: Option<(WaveKey, Job<Option<Envelope>>)>,
    /// The last key a waveform pass ended for, with or without a result (not retried).
    edited_envelope_tried: Option<WaveKey>,
    engine: Engine,
    total_frames: usize,
    /// Bumped when the edited result changes (edits, or a new paint layer): what tiles
    /// and playback are computed for.
    content_revision: u64,
    /// The recording with the paint edits' energy added, once computed.
    painted: Option<Arc<dyn SampleSource>>,
    /// What `painted` was computed for.
    paint_key: Option<PaintKey>,
    paint_job: Option<(PaintKey, Job<Result<PaintResult, String>>)>,
    /// Time span the current paint layer changes.
    paint_span: Option<[f64; 2]>,
    /// Spectral convergence of the last painted stroke, dB.
    pub paint_sc_db: Option<f64>,
}

/// What the waveform of an edited version depends on.
#[derive(Clone, Copy, Debug, PartialEq)]
struct WaveKey {
    content_revision: u64,
    version: Version,
    params: StftParams,
}

/// What a paint layer depends on.
#[derive(Clone, Debug, PartialEq)]
struct PaintKey {
    paints: Vec<crate::edit::Edit>,
    params: StftParams,
    phase: crate::edit::PhaseSettings,
}

/// A computed paint layer.
struct PaintResult {
    source: Option<Arc<dyn SampleSource>>,
    span: Option<[f64; 2]>,
    sc_db: Option<f64>,
}

/// Closing a document (or opening another) stops its background work: nobody will read it.
impl Drop for OpenDoc {
    fn drop(&mut self) {
        if let Some(job) = &self.envelope_job {
            job.progress.cancel();
        }
        if let Some((_, job)) = &self.edited_envelope_job {
            job.progress.cancel();
        }
        if let Some((_, job)) = &self.paint_job {
            job.progress.cancel();
        }
    }
}

impl OpenDoc {
    /// The recording the edited result starts from: with painted energy when there is some.
    pub fn processed_source(&self) -> Arc<dyn SampleSource> {
        self.painted.clone().unwrap_or_else(|| self.recording.clone())
    }

    fn paint_key(&self, params: StftParams) -> PaintKey {
        PaintKey {
            paints: self
                .doc
                .edits
                .edits
                .iter()
                .filter(|e| matches!(e.shape, crate::edit::Shape::Paint { .. }))
                .cloned()
                .collect(),
            params,
            phase: self.doc.edits.phase.unwrap_or_default(),
        }
    }
}

/// Computes the paint layer for `key` (on a worker thread).
fn compute_paint(
    rec: Arc<Recording>,
    key: &PaintKey,
    progress: &crate::signal::Progress,
) -> Result<PaintResult, String> {
    use crate::pipeline::paint::{PaintedSource, paint_layer};
    if key.paints.is_empty() {
        return Ok(PaintResult {
            source: None,
            span: None,
            sc_db: None,
        });
    }
    let base: Arc<dyn SampleSource> = rec.clone();
    let fs = rec.sample_rate();
    macro_rules! layer {
        ($t:ty) => {{
            let stft = Stft::<$t>::new(key.params, Convention::Scipy).map_err(|e| e.to_string())?;
            let layer = paint_layer::<$t>(base.as_ref(), &stft, &key.paints, key.phase, progress)
                .map_err(|e| e.to_string())?;
            let span = layer.time_span_s(fs);
            let sc_db = layer.reports.last().map(|r| r.spectral_convergence_db);
            let source: Arc<dyn SampleSource> = Arc::new(PaintedSource::new(base.clone(), Arc::new(layer)));
            PaintResult {
                source: Some(source),
                span,
                sc_db,
            }
        }};
    }
    Ok(if rec.is_complex() {
        layer!(Complex32)
    } else {
        layer!(f32)
    })
}

impl OpenDoc {
    /// Seconds.
    pub fn duration_s(&self) -> f64 {
        self.recording.duration_s()
    }
}

/// Opening a recording in the background: the recording and the files it was read from.
type OpenJob = Job<Result<(Arc<Recording>, Vec<super::overwrite::Input>), FileError>>;

/// Importing a picture in the background: the sound as a recording, and a summary.
type ImportJob = Job<Result<(Arc<Recording>, String), ImageError>>;
/// Writing the features CSVs in the background.
type FeaturesJob = Job<Result<features::csv::Exported, features::csv::ExportError>>;

/// A status line message.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    /// Text.
    pub text: String,
    /// True for problems.
    pub error: bool,
}

/// State of `--screenshot`.
enum ScreenshotState {
    Off,
    Waiting {
        path: PathBuf,
        ready_frames: u32,
    },
    Requested {
        path: PathBuf,
        image: Arc<Mutex<Option<Arc<egui::ColorImage>>>>,
    },
    Done,
}

/// What a finished export wrote.
enum ExportDone {
    /// The whole edited recording; samples clipped on the way.
    Audio {
        /// Samples that had to be clipped.
        clipped: u64,
    },
    /// A time-frequency region.
    Region(Extracted),
}

/// The editor.
pub struct SpectroApp {
    commands: CommandSender,
    inbox: Receiver<Command>,
    /// The open document, if any.
    pub open: Option<OpenDoc>,
    opening: Option<(PathBuf, OpenJob)>,
    export: Option<(PathBuf, Job<Result<ExportDone, ExportError>>)>,
    features_export: Option<(PathBuf, FeaturesJob)>,
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
    selected_edit: Option<usize>,
    hover: Option<[f64; 2]>,
    /// The last message for the status bar.
    pub status: Option<Status>,
    error: Option<String>,
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
    initial_edits: Option<PathBuf>,
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
    image_export_job: Option<(PathBuf, Job<Result<String, ImageError>>)>,
    /// Reading a picture for the Open image as sound window.
    image_open: Option<(PathBuf, Job<Result<Picture, FileError>>)>,
    /// The Open image as sound window.
    pub image_dialog: Option<ImageImportDialog>,
    /// Turning a picture into sound.
    import: Option<(PathBuf, ImportJob)>,
    /// The view when Space went down: a tap plays, a Space-drag pans.
    space_down_view: Option<([f64; 2], [f64; 2])>,
    /// The last slider gesture and the document revision it left: a change of the same
    /// gesture on that revision amends the undo step instead of adding one.
    last_gesture: Option<(u64, u64)>,
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
        let screenshot = match &launch.screenshot {
            Some(path) => ScreenshotState::Waiting {
                path: path.clone(),
                ready_frames: 0,
            },
            None => ScreenshotState::Off,
        };
        SpectroApp {
            commands,
            inbox,
            open: None,
            opening: None,
            export: None,
            features_export: None,
            tiles: TileStore::new(ctx.clone()),
            context: None,
            view: ViewState {
                stft: launch.stft.unwrap_or_default(),
                version: launch.show,
                ..ViewState::default()
            },
            tool: Tool::Rect,
            settings: ToolSettings::default(),
            gesture: Gesture::None,
            last_plot: None,
            selected_edit: None,
            hover: None,
            status: None,
            error: None,
            question: None,
            discard_consent: None,
            arrived: None,
            autosave: Autosaver::new(launch.autosave_dir),
            dialogs: FileDialogs::new(launch.native_dialogs),
            open_options: launch.open,
            initial_edits: launch.edits,
            screenshot,
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
            image_export_job: None,
            image_open: None,
            image_dialog: None,
            import: None,
            last_gesture: None,
        }
    }

    /// A sender for commands (tests drive the app through it).
    pub fn commands(&self) -> CommandSender {
        self.commands.clone()
    }

    /// True when nothing is loading, exporting or rendering and every visible tile is drawn.
    pub fn is_idle(&self) -> bool {
        self.opening.is_none()
            && self.export.is_none()
            && self.image_export_job.is_none()
            && self.image_open.is_none()
            && self.import.is_none()
            && self.image_dialog.as_ref().is_none_or(|d| !d.is_busy())
            && self.features_export.is_none()
            && self.tiles_ready
            && !self.tiles.busy()
            && self.open.as_ref().is_none_or(|o| {
                o.envelope_job.is_none() && o.edited_envelope_job.is_none() && o.paint_job.is_none()
            })
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

    fn set_status(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: false,
        });
    }

    fn fail(&mut self, text: impl Into<String>) {
        let text = text.into();
        self.status = Some(Status {
            text: text.clone(),
            error: true,
        });
        self.error = Some(text);
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

    /// True once the window has been told to close.
    pub fn is_quitting(&self) -> bool {
        self.allow_close
    }

    fn hop_s(&self) -> f64 {
        self.open
            .as_ref()
            .map_or(1.0, |o| self.view.stft.hop as f64 / o.recording.sample_rate())
    }

    fn axis(&self) -> Option<FreqAxisView> {
        self.open.as_ref().map(|o| {
            FreqAxisView::new(
                effective_scale(self.view.scale, o.recording.is_complex()),
                o.recording.sample_rate(),
                o.recording.is_complex(),
                self.view.stft.fft_len,
            )
            .labelled_around(o.recording.center_freq_hz())
        })
    }

    fn make_engine(rec: &Recording, params: StftParams) -> Result<Engine, StftError> {
        Ok(if rec.is_complex() {
            Engine::Complex(Arc::new(Stft::<Complex32>::new(params, Convention::Scipy)?))
        } else {
            Engine::Real(Arc::new(Stft::<f32>::new(params, Convention::Scipy)?))
        })
    }

    /// Rebuilds the tile context (edits rasterised for the current grid) when out of date.
    fn refresh_context(&mut self) {
        let Some(open) = &self.open else {
            self.context = None;
            return;
        };
        let up_to_date = self
            .context
            .as_ref()
            .is_some_and(|c| c.revision == open.content_revision && c.generation == self.tiles.generation());
        if up_to_date {
            return;
        }
        let grid = Grid {
            sample_rate: open.recording.sample_rate(),
            fft_len: self.view.stft.fft_len,
            hop: self.view.stft.hop,
            complex: open.recording.is_complex(),
        };
        self.context = Some(Arc::new(TileContext {
            source: open.recording.clone(),
            processed_source: open.processed_source(),
            engine: open.engine.clone(),
            raster: Arc::new(MaskRaster::new(&open.doc.edits.edits, grid)),
            revision: open.content_revision,
            generation: self.tiles.generation(),
        }));
    }

    /// Where `(time_s, freq_hz)` was on screen in the last frame, if it was visible.
    pub fn screen_pos(&self, time_s: f64, freq_hz: f64) -> Option<egui::Pos2> {
        let (axis, plot) = (self.axis()?, self.last_plot?);
        let x = (time_s - self.view.time_s[0]) / (self.view.time_s[1] - self.view.time_s[0]);
        let y = (axis.u_of(freq_hz) - self.view.u[0]) / (self.view.u[1] - self.view.u[0]);
        let p = egui::pos2(
            plot.left() + (x as f32) * plot.width(),
            plot.bottom() - (y as f32) * plot.height(),
        );
        plot.contains(p).then_some(p)
    }

    /// How a gesture on the spectrogram maps to seconds and Hz, as last drawn.
    pub fn edit_frame(&self) -> Option<EditFrame> {
        let (axis, open, plot) = (self.axis()?, self.open.as_ref()?, self.last_plot?);
        let fs = open.recording.sample_rate();
        Some(EditFrame {
            axis,
            hop_s: self.view.stft.hop as f64 / fs,
            bin_hz: fs / self.view.stft.fft_len as f64,
            channel: self.view.channel,
            s_per_px: (self.view.time_s[1] - self.view.time_s[0]) / plot.width().max(1.0) as f64,
            u_per_px: (self.view.u[1] - self.view.u[0]) / plot.height().max(1.0) as f64,
        })
    }

    fn start_open(&mut self, path: PathBuf, ctx: &egui::Context) {
        let options = self.open_options;
        let p = path.clone();
        self.set_status(format!("Opening {}…", path.display()));
        self.opening = Some((
            path,
            Job::spawn("Opening", ctx, move |_| {
                let recording = Recording::open(&p, options)?;
                let inputs = super::overwrite::recording_inputs(&recording);
                Ok((Arc::new(recording), inputs))
            }),
        ));
    }

    /// Opens the built-in demo recording.
    fn start_open_demo(&mut self, ctx: &egui::Context) {
        let options = self.open_options;
        self.opening = Some((
            PathBuf::from("demo.wav"),
            Job::spawn("Opening", ctx, move |_| {
                let recording = Recording::from_memory("demo.wav", super::DEMO_WAV.to_vec(), "wav", options)?;
                Ok((Arc::new(recording), Vec::new()))
            }),
        ));
    }

    /// Makes `arrival` the document (the previous one's unsaved edits were saved or given up).
    fn install(&mut self, arrival: Arrival, ctx: &egui::Context) {
        let Arrival {
            recording,
            inputs,
            status,
        } = arrival;
        // The closed document's autosave has nothing left to recover.
        self.autosave.remove();
        self.autosave.close();
        self.discard_consent = None;
        self.question = None;
        if !self.finish_open(recording, inputs, ctx) {
            return;
        }
        if let Some(text) = status {
            self.set_status(text);
        }
        self.offer_restore();
    }

    fn finish_open(
        &mut self,
        recording: Arc<Recording>,
        inputs: Vec<super::overwrite::Input>,
        ctx: &egui::Context,
    ) -> bool {
        let mut params = self.view.stft;
        if recording.is_complex() && params == StftParams::default() {
            // Bursts in IQ captures are short: a shorter default window resolves them.
            params = StftParams::with_fft(1024);
        }
        let engine = match Self::make_engine(&recording, params) {
            Ok(e) => e,
            Err(e) => {
                self.fail(e.to_string());
                return false;
            }
        };
        let source: Arc<dyn SampleSource> = recording.clone();
        let env_source = source.clone();
        let envelope_job = Some(Job::spawn("Waveform", ctx, move |p| {
            Envelope::compute(env_source.as_ref(), p)
        }));
        let total_frames = engine.num_frames(recording.len());
        let info = recording.info();
        self.set_status(format!(
            "{} — {} {}, {} ch, {}, {:.3} s",
            Path::new(&info.file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            info.container.name(),
            info.encoding,
            info.channels,
            format_hz(info.sample_rate),
            info.duration_s
        ));
        self.view.stft = params;
        self.view.channel = None;
        self.view.fit(recording.duration_s());
        self.tiles.reset();
        self.selected_edit = None;
        self.transport.reset();
        self.open = Some(OpenDoc {
            doc: Document::new(source),
            recording,
            edits_path: None,
            inputs,
            envelope: None,
            envelope_job,
            edited_envelope: None,
            edited_envelope_job: None,
            edited_envelope_tried: None,
            engine,
            total_frames,
            content_revision: 0,
            painted: None,
            paint_key: None,
            paint_job: None,
            paint_span: None,
            paint_sc_db: None,
        });
        self.first_view_s = None;
        self.overview_s = None;
        self.refresh_context();
        // Loaded now, so an autosave is compared with what the user asked to open.
        if let Some(edits) = self.initial_edits.take() {
            self.execute(Command::LoadEdits(Some(edits)), ctx);
        }
        true
    }

    fn grid(&self) -> Option<Grid> {
        self.open.as_ref().map(|o| Grid {
            sample_rate: o.recording.sample_rate(),
            fft_len: self.view.stft.fft_len,
            hop: self.view.stft.hop,
            complex: o.recording.is_complex(),
        })
    }

    /// Keeps the waveform of the version shown in step with the edits: once the visible tiles
    /// are drawn (they come first), renders that version in the background and takes its
    /// envelope; an edit cancels the pass for the old one.
    fn edited_waveform(&mut self, ctx: &egui::Context) {
        let grid = self.grid();
        let (ready, version, params) = (self.tiles_ready, self.view.version, self.view.stft);
        let Some(open) = &mut self.open else { return };
        if let Some((key, job)) = &open.edited_envelope_job
            && let Some(env) = job.poll()
        {
            if let Some(env) = env {
                open.edited_envelope = Some((*key, Arc::new(env)));
            }
            open.edited_envelope_tried = Some(*key);
            open.edited_envelope_job = None;
        }
        if !version.is_edited() {
            return;
        }
        if version == Version::Edited && open.doc.edits.edits.is_empty() {
            // The edited version is the recording: its own waveform is exact.
            open.edited_envelope = None;
            if let Some((_, old)) = open.edited_envelope_job.take() {
                old.progress.cancel();
            }
            return;
        }
        let key = WaveKey {
            content_revision: open.content_revision,
            version,
            params,
        };
        let done = open.edited_envelope_tried == Some(key);
        let running = open.edited_envelope_job.as_ref().is_some_and(|(k, _)| *k == key);
        let Some(grid) = grid.filter(|_| ready && !done && !running && open.paint_job.is_none()) else {
            return;
        };
        if let Some((_, old)) = open.edited_envelope_job.take() {
            old.progress.cancel();
        }
        let raster = MaskRaster::new(&open.doc.edits.edits, grid);
        let removed = version == Version::Removed;
        let source = open.processed_source();
        let complex = source.is_complex();
        let job = Job::spawn("Waveform", ctx, move |p| {
            // One core at most, at low priority: the UI and the tiles come first.
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .start_handler(|_| lower_thread_priority())
                .build()
                .ok()?;
            pool.install(|| {
                if complex {
                    let stft = Stft::<Complex32>::new(params, Convention::Scipy).ok()?;
                    Envelope::of_rendered(source.as_ref(), &stft, &raster, removed, p)
                } else {
                    let stft = Stft::<f32>::new(params, Convention::Scipy).ok()?;
                    Envelope::of_rendered(source.as_ref(), &stft, &raster, removed, p)
                }
            })
        });
        open.edited_envelope_job = Some((key, job));
    }

    /// Starts playback of `range_s` from `start_s`.
    fn play(&mut self, start_s: f64, range_s: [f64; 2]) {
        let (Some(open), Some(grid)) = (&self.open, self.grid()) else {
            return;
        };
        let source: Arc<dyn SampleSource> = open.recording.clone();
        let processed = open.processed_source();
        self.transport.play(
            &source,
            &processed,
            self.view.stft,
            &open.doc.edits.edits,
            grid,
            open.content_revision,
            self.view.version,
            start_s,
            range_s,
        );
        if let Some(e) = &self.transport.error {
            self.status = Some(Status {
                text: format!("Playback unavailable: {e}"),
                error: true,
            });
        }
    }

    fn apply_change(&mut self, change: Change) {
        let hop_s = self.hop_s();
        let Some(open) = &mut self.open else { return };
        let affected = open.doc.apply(change, 2.0 * hop_s);
        self.changed(affected);
    }

    /// Redraws and re-renders what a change of the edit list affected.
    fn changed(&mut self, affected: Affected) {
        let hop_s = self.hop_s();
        let Some(open) = &mut self.open else { return };
        open.content_revision += 1;
        let revision = open.content_revision;
        self.tiles.invalidate(affected, revision, hop_s);
        self.refresh_context();
    }

    /// Replaces the edit at `index` as part of `gesture` (see [`Command::AdjustEdit`]).
    fn adjust_edit(&mut self, index: usize, after: Edit, gesture: u64) {
        let hop_s = self.hop_s();
        let Some(open) = &mut self.open else { return };
        let Some(before) = open.doc.edits.edits.get(index).cloned() else {
            return;
        };
        if before == after {
            return;
        }
        let continuing = self.last_gesture == Some((gesture, open.doc.revision));
        match continuing
            .then(|| open.doc.amend(index, after.clone(), 2.0 * hop_s))
            .flatten()
        {
            Some(affected) => self.changed(affected),
            None => self.apply_change(Change::Replace { index, before, after }),
        }
        self.last_gesture = self.open.as_ref().map(|o| (gesture, o.doc.revision));
    }

    /// Gives the current denoise edit (or a new one) the noise estimate `noise`.
    fn set_noise(&mut self, noise: NoiseEstimate) {
        let params = self.view.stft;
        let Some(open) = &self.open else { return };
        let edits = &open.doc.edits.edits;
        let current = current_denoise(edits, self.selected_edit).map(|(i, d)| (i, d.clone()));
        let settings = Denoise {
            noise,
            ..current.as_ref().map_or_else(Denoise::auto, |(_, d)| d.clone())
        };
        if let Err(e) = settings.check(open.recording.as_ref(), params) {
            return self.fail(format!("Cannot learn the noise: {e}"));
        }
        let status = settings.describe();
        match current {
            Some((index, _)) => {
                let before = edits[index].clone();
                let mut after = before.clone();
                after.shape = Shape::Denoise(settings);
                self.apply_change(Change::Replace { index, before, after });
            }
            None => {
                let index = edits.len();
                self.apply_change(Change::Add(Edit::denoise(settings)));
                self.selected_edit = Some(index);
            }
        }
        self.set_status(status);
    }

    /// The band of the recording in Hz: 0 to fs/2, or −fs/2 to fs/2 for IQ.
    fn band_hz(&self) -> [f64; 2] {
        self.open.as_ref().map_or([0.0, 24_000.0], |o| {
            let half = o.recording.sample_rate() / 2.0;
            if o.recording.is_complex() {
                [-half, half]
            } else {
                [0.0, half]
            }
        })
    }

    fn after_history(&mut self, affected: Option<Affected>) {
        let hop_s = self.hop_s();
        let Some(affected) = affected else { return };
        let Some(open) = &mut self.open else { return };
        open.content_revision += 1;
        let (revision, count) = (open.content_revision, open.doc.edits.edits.len());
        self.tiles.invalidate(affected, revision, hop_s);
        self.refresh_context();
        if self.selected_edit.is_some_and(|i| i >= count) {
            self.selected_edit = None;
        }
    }

    /// Keeps the paint layer in step with the paint edits: starts a background computation when
    /// they change, and when one finishes, redraws what it changed.
    fn paint_frame(&mut self, ctx: &egui::Context) {
        let params = self.view.stft;
        let hop_s = self.hop_s();
        let Some(open) = &mut self.open else { return };
        let key = open.paint_key(params);
        let finished = open
            .paint_job
            .as_ref()
            .and_then(|(k, job)| job.poll().map(|r| (k.clone(), r)));
        if let Some((done_key, result)) = finished {
            open.paint_job = None;
            match result {
                Ok(r) => {
                    let old_span = open.paint_span;
                    open.painted = r.source;
                    open.paint_span = r.span;
                    open.paint_sc_db = r.sc_db;
                    open.paint_key = Some(done_key);
                    open.content_revision += 1;
                    let revision = open.content_revision;
                    let spans: Vec<[f64; 2]> = [old_span, r.span].into_iter().flatten().collect();
                    if let (Some(lo), Some(hi)) = (
                        spans.iter().map(|s| s[0]).reduce(f64::min),
                        spans.iter().map(|s| s[1]).reduce(f64::max),
                    ) {
                        self.tiles.invalidate(Affected::Span([lo, hi]), revision, hop_s);
                    }
                    self.refresh_context();
                }
                Err(e) => {
                    open.paint_key = Some(done_key);
                    self.fail(format!("Painted energy: {e}"));
                }
            }
            return;
        }
        let Some(open) = &mut self.open else { return };
        let running = open.paint_job.as_ref().map(|(k, _)| k.clone());
        if open.paint_key.as_ref() != Some(&key) && running.as_ref() != Some(&key) {
            if let Some((_, job)) = &open.paint_job {
                job.progress.cancel();
            }
            let rec = open.recording.clone();
            let k = key.clone();
            open.paint_job = Some((
                key,
                Job::spawn("Re-phasing painted energy", ctx, move |p| {
                    compute_paint(rec, &k, p)
                }),
            ));
        }
    }

    fn suggested_path(&self, ext: &str, suffix: &str) -> Option<PathBuf> {
        let open = self.open.as_ref()?;
        let p = open.recording.path();
        let stem = p.file_stem()?.to_string_lossy();
        Some(p.with_file_name(format!("{stem}{suffix}.{ext}")))
    }

    /// Describes the open recording if it is the one `picture`'s metadata was exported from.
    fn original_for(&self, picture: &Picture) -> Option<String> {
        let meta = picture.meta()?.ok()?;
        let rec = &self.open.as_ref()?.recording;
        let matches = (rec.sample_rate() - meta.sample_rate).abs() <= 1e-6 * meta.sample_rate
            && rec.len() == meta.signal_len
            && rec.channels() == meta.channels
            && rec.is_complex() == meta.iq;
        matches.then(|| {
            rec.path()
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
    }

    /// Turns a picture into sound on a worker thread; the result opens as a document.
    fn start_import(&mut self, request: ImageImportRequest, ctx: &egui::Context) {
        if self.import.is_some() {
            return self.fail("A picture is already being imported.");
        }
        let original = if request.use_original {
            self.open.as_ref().map(|o| o.recording.clone())
        } else {
            None
        };
        let path = request.path.clone();
        self.set_status(format!("Turning {} into sound…", path.display()));
        self.import = Some((
            path,
            Job::spawn("Importing picture", ctx, move |progress| {
                import_sound(request, original, progress)
            }),
        ));
    }

    /// Carries out one command.
    pub fn execute(&mut self, command: Command, ctx: &egui::Context) {
        let duration = self.open.as_ref().map_or(1.0, OpenDoc::duration_s);
        let fs = self.open.as_ref().map_or(48_000.0, |o| o.recording.sample_rate());
        match command {
            Command::Open(path) => self.request(Then::Open(path), ctx),
            Command::OpenDemo => self.request(Then::OpenDemo, ctx),
            Command::OpenDialog => {
                let suggested = self.open.as_ref().map(|o| o.recording.path().to_path_buf());
                self.dialogs.ask(FilePurpose::OpenRecording, suggested, ctx);
            }
            Command::LoadEdits(None) => {
                let suggested = self.suggested_path("json", ".edits");
                self.dialogs.ask(FilePurpose::LoadEdits, suggested, ctx);
            }
            Command::LoadEdits(Some(path)) => match load_edit_list(&path) {
                Ok(list) => {
                    let Some(open) = &mut self.open else { return };
                    if let Some(message) = autosaving::missing_channel(&list, open.recording.channels()) {
                        return self.fail(format!("{}: {message}", path.display()));
                    }
                    let before = open.doc.edits.clone();
                    open.edits_path = Some(path.clone());
                    if let Some(s) = list.stft {
                        self.execute(Command::SetStft(s.params()), ctx);
                    }
                    let n = list.edits.len();
                    self.apply_change(Change::ReplaceAll { before, after: list });
                    if let Some(open) = &mut self.open {
                        open.doc.history.mark_saved();
                    }
                    self.set_status(format!("Loaded {n} edits from {}", path.display()));
                }
                Err(e) => self.fail(e.to_string()),
            },
            Command::SaveEdits => match self.open.as_ref().and_then(|o| o.edits_path.clone()) {
                // The list's own file: plain Save.
                Some(p) => {
                    self.save_edits(p, true);
                }
                None => self.execute(Command::SaveEditsAs(None), ctx),
            },
            Command::SaveEditsAs(None) => {
                let suggested = self.suggested_path("json", ".edits");
                self.dialogs.ask(FilePurpose::SaveEdits, suggested, ctx);
            }
            Command::SaveEditsAs(Some(path)) => self.request_write(Write::SaveEdits(path), ctx),
            Command::ExportAudio(None) => {
                let ext = self
                    .open
                    .as_ref()
                    .map(|o| {
                        o.recording
                            .path()
                            .extension()
                            .map(|e| e.to_string_lossy().into_owned())
                            .unwrap_or("wav".into())
                    })
                    .unwrap_or("wav".into());
                let suggested = self.suggested_path(&ext, "-edited");
                self.dialogs.ask(FilePurpose::ExportAudio, suggested, ctx);
            }
            Command::ExportAudio(Some(path)) => self.request_write(Write::ExportAudio(path), ctx),
            Command::ExportSelection(None) => {
                let ext = if self.open.as_ref().is_some_and(|o| o.recording.is_complex()) {
                    "cf32"
                } else {
                    "wav"
                };
                let suggested = self.suggested_path(ext, "-region");
                self.dialogs.ask(FilePurpose::ExportSelection, suggested, ctx);
            }
            Command::ExportSelection(Some(path)) => self.request_write(Write::ExportSelection(path), ctx),
            Command::CancelExport => {
                if let Some((_, job)) = &self.export {
                    job.progress.cancel();
                }
            }
            Command::ExportImage(None) => {
                let suggested = self.suggested_path("png", "");
                self.dialogs.ask(FilePurpose::ExportImage, suggested, ctx);
            }
            Command::ExportImage(Some(path)) => self.request_write(Write::ExportImage(path), ctx),
            Command::SetImageExport(settings) => self.image_export = settings,
            Command::OpenImageDialog => {
                let suggested = self
                    .open
                    .as_ref()
                    .map(|o| o.recording.path().with_extension("png"));
                self.dialogs.ask(FilePurpose::OpenImage, suggested, ctx);
            }
            Command::OpenImage(path) => {
                let p = path.clone();
                self.set_status(format!("Reading {}…", path.display()));
                self.image_open = Some((path, Job::spawn("Reading picture", ctx, move |_| read_png(&p))));
            }
            Command::ImportImage(request) => self.request(Then::ImportImage(request), ctx),
            Command::CancelImport => {
                if let Some((_, job)) = &self.import {
                    job.progress.cancel();
                }
            }
            Command::ExportFeatures(None) => {
                let suggested = self.suggested_path("csv", "-features");
                self.dialogs.ask(FilePurpose::ExportFeatures, suggested, ctx);
            }
            Command::ExportFeatures(Some(path)) => self.request_write(Write::ExportFeatures(path), ctx),
            Command::CancelFeatures => {
                if let Some((_, job)) = &self.features_export {
                    job.progress.cancel();
                }
            }
            Command::Undo => {
                let hop_s = self.hop_s();
                let affected = self.open.as_mut().and_then(|o| o.doc.undo(2.0 * hop_s));
                self.after_history(affected);
            }
            Command::Redo => {
                let hop_s = self.hop_s();
                let affected = self.open.as_mut().and_then(|o| o.doc.redo(2.0 * hop_s));
                self.after_history(affected);
            }
            Command::Change(change) => self.apply_change(change),
            Command::AdjustEdit {
                index,
                after,
                gesture,
            } => self.adjust_edit(index, after, gesture),
            Command::LearnNoise => match self.transport.selection {
                Some(sel) => self.set_noise(learn_from_selection(sel, self.band_hz())),
                // A hint, not an error worth a dialog.
                None => {
                    self.status = Some(Status {
                        text: "Select a stretch that holds only noise first (Select tool, S).".into(),
                        error: true,
                    })
                }
            },
            Command::EstimateNoise => self.set_noise(NoiseEstimate::Auto { window_s: None }),
            Command::AddEdit(edit) => self.apply_change(Change::Add(edit)),
            Command::DeleteEdit(index) => {
                let edit = self
                    .open
                    .as_ref()
                    .and_then(|o| o.doc.edits.edits.get(index).cloned());
                if let Some(edit) = edit {
                    self.apply_change(Change::Remove { index, edit });
                    self.selected_edit = None;
                }
            }
            Command::SetTool(tool) => {
                self.tool = tool;
                self.gesture = Gesture::None;
            }
            Command::ZoomTime { factor, center_s } => {
                let c = center_s.unwrap_or((self.view.time_s[0] + self.view.time_s[1]) / 2.0);
                self.view.zoom_time(factor, c, duration, fs);
            }
            Command::ZoomFreq { factor, center_u } => {
                let c = center_u.unwrap_or((self.view.u[0] + self.view.u[1]) / 2.0);
                self.view.zoom_freq(factor, c);
            }
            Command::PanTime(frac) => {
                let span = self.view.time_s[1] - self.view.time_s[0];
                self.view.pan_time(frac * span, duration);
            }
            Command::PanFreq(frac) => {
                let span = self.view.u[1] - self.view.u[0];
                self.view.pan_u(frac * span);
            }
            Command::SetView { time_s, u } => {
                let span = (u[1] - u[0]).clamp(1e-4, 1.0);
                self.view.time_s = time_s;
                self.view.u = [u[0], u[0] + span];
                self.view.zoom_time(1.0, time_s[0], duration, fs);
                self.view.zoom_freq(1.0, self.view.u[0]);
            }
            Command::ZoomToFit => self.view.fit(duration),
            Command::ToggleProcessed => {
                self.view.version = match self.view.version {
                    Version::Edited => Version::Original,
                    Version::Original | Version::Removed => Version::Edited,
                }
            }
            Command::ShowVersion(v) => self.view.version = v,
            Command::SetStft(params) => {
                let Some(open) = &mut self.open else {
                    self.view.stft = params;
                    return;
                };
                match Self::make_engine(&open.recording, params) {
                    Ok(engine) => {
                        open.total_frames = engine.num_frames(open.recording.len());
                        open.engine = engine;
                        self.view.stft = params;
                        self.tiles.reset();
                        self.refresh_context();
                    }
                    Err(e) => self.fail(e.to_string()),
                }
            }
            Command::SetScale(scale) => {
                // Keep the same frequencies in view across the change of axis.
                if let Some(old) = self.axis() {
                    let (f0, f1) = (old.hz_of(self.view.u[0]), old.hz_of(self.view.u[1]));
                    self.view.scale = scale;
                    if let Some(new) = self.axis() {
                        self.view.u = [new.u_of(f0).clamp(0.0, 1.0), new.u_of(f1).clamp(0.0, 1.0)];
                        if self.view.u[1] - self.view.u[0] < 1e-4 {
                            self.view.u = [0.0, 1.0];
                        }
                    }
                } else {
                    self.view.scale = scale;
                }
            }
            Command::SetColormap(c) => self.view.colormap = c,
            Command::SetPhase(phase) => {
                let before = self.open.as_ref().and_then(|o| o.doc.edits.phase);
                if before != Some(phase) {
                    self.apply_change(Change::SetPhase {
                        before,
                        after: Some(phase),
                    });
                }
            }
            Command::SetLevels { floor_db, ceiling_db } => {
                self.view.floor_db = floor_db;
                self.view.ceiling_db = ceiling_db;
            }
            Command::SetChannel(c) => self.view.channel = c,
            Command::PlayPause => {
                if !self.transport.toggle_pause() {
                    match self.transport.selection {
                        Some(sel) => self.play(sel.time_s[0], sel.time_s),
                        None => self.play(self.transport.cursor_s, [0.0, duration]),
                    }
                }
            }
            Command::PlaySelection => {
                if let Some(sel) = self.transport.selection {
                    self.play(sel.time_s[0], sel.time_s);
                }
            }
            Command::Stop => self.transport.stop(),
            Command::ToggleLoop => self.transport.looped = !self.transport.looped,
            Command::SetCursor(t) => self.transport.cursor_s = t,
            Command::Tune { freq_hz, time_s } => {
                if self.open.as_ref().is_some_and(|o| o.recording.is_complex()) {
                    self.transport.tune(freq_hz);
                    // A click starts listening there; a drag only retunes what is playing.
                    if let Some(t) = time_s {
                        self.transport.cursor_s = t;
                        self.play(t, [0.0, duration]);
                    }
                } else {
                    self.status = Some(Status {
                        text: "Tune listens to radio (IQ) recordings; this one is audio".into(),
                        error: false,
                    });
                }
            }
            Command::SetSelection(sel) => self.transport.selection = sel,
            Command::SetDevice(d) => self.transport.set_device(d),
            Command::Quit => self.request(Then::Quit, ctx),
            Command::Answer(answer) => self.answer(answer, ctx),
        }
    }

    fn poll_jobs(&mut self, ctx: &egui::Context) {
        if let Some((path, job)) = &self.opening
            && let Some(result) = job.poll()
        {
            let path = path.clone();
            self.opening = None;
            match result {
                Ok((recording, inputs)) => self.arrive(
                    Arrival {
                        recording,
                        inputs,
                        status: None,
                    },
                    ctx,
                ),
                Err(e) => {
                    // The edits given up for it are not given up for anything else.
                    self.discard_consent = None;
                    self.fail(e.to_string());
                    if matches!(self.screenshot, ScreenshotState::Waiting { .. }) {
                        self.finish_screenshot(Err(format!("cannot open {}: {e}", path.display())), ctx);
                    }
                }
            }
        }
        if let Some((path, job)) = &self.export
            && let Some(result) = job.poll()
        {
            let path = path.clone();
            self.export = None;
            match result {
                Ok(ExportDone::Region(done)) => {
                    let tuned = if done.decimation > 1 {
                        format!(
                            ", tuned by {:+.0} Hz and decimated by {}",
                            done.shift_hz, done.decimation
                        )
                    } else {
                        String::new()
                    };
                    self.set_status(format!(
                        "Exported the selection to {} ({} Hz{tuned})",
                        path.display(),
                        done.sample_rate
                    ));
                }
                // Exporting is not saving: the edit list stays unsaved until it is saved.
                Ok(ExportDone::Audio { clipped }) => {
                    let note = if clipped > 0 {
                        format!(" ({clipped} samples clipped: lower boosting gains)")
                    } else {
                        String::new()
                    };
                    self.set_status(format!("Exported {}{note}", path.display()));
                }
                Err(ExportError::Cancelled(_)) => self.set_status("Export cancelled; nothing was written."),
                Err(ExportError::File(e)) => self.write_failed(&e),
                Err(e) => self.fail(e.to_string()),
            }
        }
        if let Some((_, job)) = &self.features_export
            && let Some(result) = job.poll()
        {
            self.features_export = None;
            match result {
                Ok(done) => {
                    let names: Vec<String> = done.files.iter().map(|p| p.display().to_string()).collect();
                    let bursts = done.bursts.map(|n| format!(", {n} bursts")).unwrap_or_default();
                    self.set_status(format!(
                        "Exported features: {} ({} frames{bursts})",
                        names.join(" and "),
                        done.frames
                    ));
                }
                Err(features::csv::ExportError::Features(features::FeatureError::Cancelled(_))) => {
                    self.set_status("Features export cancelled; nothing was written.")
                }
                Err(features::csv::ExportError::File(e)) => self.write_failed(&e),
                Err(e) => self.fail(e.to_string()),
            }
        }
        if let Some(open) = &mut self.open
            && let Some(job) = &open.envelope_job
            && let Some(env) = job.poll()
        {
            open.envelope = env.map(Arc::new);
            open.envelope_job = None;
        }
        self.edited_waveform(ctx);
        if let Some((_, job)) = &self.image_export_job
            && let Some(result) = job.poll()
        {
            self.image_export_job = None;
            match result {
                Ok(text) => self.set_status(text),
                Err(ImageError::Cancelled) => self.set_status("Image export cancelled."),
                Err(ImageError::File(e)) => self.write_failed(&e),
                Err(e) => self.fail(format!("Export image: {e}")),
            }
        }
        if let Some((path, job)) = &self.image_open
            && let Some(result) = job.poll()
        {
            let path = path.clone();
            self.image_open = None;
            match result {
                Ok(picture) => {
                    let original = self.original_for(&picture);
                    self.set_status(format!(
                        "{}: {} × {} pixels",
                        path.display(),
                        picture.width,
                        picture.height
                    ));
                    self.image_dialog = Some(ImageImportDialog::new(path, picture, original));
                }
                Err(e) => self.fail(e.to_string()),
            }
        }
        if let Some((path, job)) = &self.import
            && let Some(result) = job.poll()
        {
            let path = path.clone();
            self.import = None;
            match result {
                Ok((recording, summary)) => self.arrive(
                    Arrival {
                        recording,
                        inputs: vec![super::overwrite::Input {
                            path: path.clone(),
                            role: "the picture this sound was made from",
                        }],
                        status: Some(format!("{}: {summary}", path.display())),
                    },
                    ctx,
                ),
                Err(ImageError::Cancelled) => self.set_status("Import cancelled."),
                Err(e) => self.fail(format!("{}: {e}", path.display())),
            }
        }
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        let send = |c| self.commands.send(c);
        let pressed = |k: &egui::KeyboardShortcut| ctx.input_mut(|i| i.consume_shortcut(k));
        if pressed(&keys::OPEN) {
            send(Command::OpenDialog);
        }
        if pressed(&keys::SAVE_AS) {
            send(Command::SaveEditsAs(None));
        }
        if pressed(&keys::SAVE) {
            send(Command::SaveEdits);
        }
        if pressed(&keys::EXPORT) {
            send(Command::ExportAudio(None));
        }
        if pressed(&keys::QUIT) {
            send(Command::Quit);
        }
        if pressed(&keys::REDO) || pressed(&keys::REDO_Y) {
            send(Command::Redo);
        }
        if pressed(&keys::UNDO) {
            send(Command::Undo);
        }
        if ctx.egui_wants_keyboard_input() || self.dialogs.is_open() || self.image_dialog.is_some() {
            return;
        }
        // Space: a tap plays or pauses; held while dragging it pans (the view then moved).
        let (space_pressed, space_released, shift_now) = ctx.input(|i| {
            let mut p = false;
            let mut r = false;
            for e in &i.events {
                if let egui::Event::Key {
                    key: egui::Key::Space,
                    pressed,
                    repeat: false,
                    ..
                } = e
                {
                    if *pressed {
                        p = true;
                    } else {
                        r = true;
                    }
                }
            }
            (p, r, i.modifiers.shift)
        });
        if space_pressed {
            self.space_down_view = Some((self.view.time_s, self.view.u));
        }
        if space_released
            && let Some(before) = self.space_down_view.take()
            && before == (self.view.time_s, self.view.u)
        {
            send(if shift_now {
                Command::PlaySelection
            } else {
                Command::PlayPause
            });
        }
        let (shift, events) = ctx.input(|i| {
            let keys: Vec<egui::Key> = i
                .events
                .iter()
                .filter_map(|e| match e {
                    egui::Event::Key {
                        key,
                        pressed: true,
                        modifiers,
                        ..
                    } if !modifiers.command && !modifiers.alt => Some(*key),
                    _ => None,
                })
                .collect();
            (i.modifiers.shift, keys)
        });
        for key in events {
            for tool in Tool::ALL {
                if key == tool.key() && !shift {
                    send(Command::SetTool(tool));
                }
            }
            match key {
                egui::Key::F | egui::Key::Home => send(Command::ZoomToFit),
                egui::Key::Escape => send(Command::Stop),
                egui::Key::L if shift => send(Command::ToggleLoop),
                egui::Key::Plus | egui::Key::Equals if shift => send(Command::ZoomFreq {
                    factor: 2.0,
                    center_u: None,
                }),
                egui::Key::Minus if shift => send(Command::ZoomFreq {
                    factor: 0.5,
                    center_u: None,
                }),
                egui::Key::Plus | egui::Key::Equals => send(Command::ZoomTime {
                    factor: 2.0,
                    center_s: None,
                }),
                egui::Key::Minus => send(Command::ZoomTime {
                    factor: 0.5,
                    center_s: None,
                }),
                egui::Key::ArrowLeft => send(Command::PanTime(-0.2)),
                egui::Key::ArrowRight => send(Command::PanTime(0.2)),
                egui::Key::ArrowUp => send(Command::PanFreq(0.2)),
                egui::Key::ArrowDown => send(Command::PanFreq(-0.2)),
                egui::Key::O => send(Command::ToggleProcessed),
                egui::Key::Delete | egui::Key::Backspace => {
                    if let Some(i) = self.selected_edit {
                        send(Command::DeleteEdit(i));
                    }
                }
                egui::Key::OpenBracket => {
                    self.settings.brush_radius_px = (self.settings.brush_radius_px / 1.25).max(2.0)
                }
                egui::Key::CloseBracket => {
                    self.settings.brush_radius_px = (self.settings.brush_radius_px * 1.25).min(80.0)
                }
                _ => {}
            }
        }
    }

    fn status_bar_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            if let Some((_, job)) = &self.opening {
                ui.spinner();
                ui.label(&job.label);
            }
            if let Some((path, job)) = &self.export {
                ui.add(
                    egui::ProgressBar::new(job.progress.fraction())
                        .desired_width(160.0)
                        .text(format!(
                            "Exporting {}",
                            path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
                        )),
                );
                if ui.button("Cancel").clicked() {
                    self.commands.send(Command::CancelExport);
                }
            }
            if let Some((path, job)) = &self.import {
                ui.add(
                    egui::ProgressBar::new(job.progress.fraction())
                        .desired_width(160.0)
                        .text(format!(
                            "Importing {}",
                            path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
                        )),
                );
                if ui.button("Cancel").clicked() {
                    self.commands.send(Command::CancelImport);
                }
            }
            if self.image_export_job.is_some() || self.image_open.is_some() {
                ui.spinner();
            }
            if let Some((path, job)) = &self.features_export {
                ui.add(
                    egui::ProgressBar::new(job.progress.fraction())
                        .desired_width(160.0)
                        .text(format!(
                            "Features {}",
                            path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
                        )),
                );
                if ui.button("Cancel").clicked() {
                    self.commands.send(Command::CancelFeatures);
                }
            }
            if self.tiles.busy() {
                ui.spinner().on_hover_text("Drawing the spectrogram");
            }
            if let Some((_, job)) = self.open.as_ref().and_then(|o| o.paint_job.as_ref()) {
                ui.add(
                    egui::ProgressBar::new(job.progress.fraction())
                        .desired_width(120.0)
                        .text(&job.label),
                );
            }
            if let (Some([t, u]), Some(axis), Some(open)) = (self.hover, self.axis(), &self.open) {
                let f = axis.hz_of(u);
                let mut text = format!("{t:.3} s   {}", format_hz_step(f + axis.label_offset_hz, 1.0));
                if !open.recording.is_complex()
                    && let Some(n) = note_name(f)
                {
                    text.push_str(&format!(" ({n})"));
                }
                let fs = open.recording.sample_rate();
                let lod = self.view.lod(ui.available_width().max(100.0), fs);
                if let Some(db) = self.tiles.level_at(&self.view, lod, t, f, self.hop_s()) {
                    text.push_str(&format!("   {db:.1} dBFS"));
                }
                ui.monospace(text);
                ui.separator();
            }
            if let Some(s) = &self.status {
                let color = if s.error {
                    ui.visuals().error_fg_color
                } else {
                    ui.visuals().text_color()
                };
                ui.label(egui::RichText::new(&s.text).color(color));
            }
        });
    }

    fn central_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let (Some(axis), Some(open)) = (self.axis(), &self.open) else {
            ui.centered_and_justified(|ui| {
                if self.opening.is_some() {
                    ui.spinner();
                } else {
                    ui.label("Open a recording (File > Open, Ctrl+O) or drop one here.");
                }
            });
            return;
        };
        let fs = open.recording.sample_rate();
        let duration = open.duration_s();
        let total_frames = open.total_frames;
        let wave_h = 90.0;
        let spec_h = (ui.available_height() - wave_h - 8.0).max(120.0);
        let plot_w = (ui.available_width() - 80.0).max(100.0);
        let plot_h = (spec_h - 40.0).max(60.0);
        self.tiles.poll(&ctx);
        self.refresh_context();
        let Some(context) = self.context.clone() else {
            return;
        };
        let max_side = ctx.input(|i| i.max_texture_side);
        let color = ColorSpec {
            axis,
            floor_db: self.view.floor_db,
            ceiling_db: self.view.ceiling_db,
            colormap: self.view.colormap,
            rows: rows_for(plot_h, self.view.u[1] - self.view.u[0], max_side),
        };
        let (tiles, ready, covered) = self
            .tiles
            .plan(&self.view, plot_w, &context, color, fs, total_frames);
        if covered && self.overview_s.is_none() {
            self.overview_s = Some(self.started.elapsed().as_secs_f64());
            self.auto_levels();
        }
        self.tiles_ready = ready;
        let Some(open) = &self.open else { return };
        let input = SpectrogramInput {
            view: &self.view,
            axis,
            duration_s: duration,
            tiles: &tiles,
            edits: &open.doc.edits.edits,
            selected_edit: self.selected_edit,
            tool: self.tool,
            settings: &self.settings,
            hop_s: self.view.stft.hop as f64 / fs,
            bin_hz: fs / self.view.stft.fft_len as f64,
            cursor_s: Some(self.transport.cursor_s),
            playhead_s: self.transport.playhead_s(),
            selection: self.transport.selection,
            tuned_band_hz: self.transport.demod().map(|d| (d.band_hz(), d.tune_hz)),
        };
        let out = spectrogram_ui(ui, &input, &mut self.gesture, &self.commands, spec_h);
        self.hover = out.hover;
        self.last_plot = Some(out.frame);
        let wave_rect = egui::Rect::from_min_max(
            egui::pos2(out.frame.left(), ui.cursor().top() + 4.0),
            egui::pos2(out.frame.right(), ui.cursor().top() + 4.0 + wave_h),
        );
        ui.allocate_rect(wave_rect, egui::Sense::hover());
        let channels: Vec<usize> = match self.view.channel {
            Some(c) => vec![c],
            None => (0..open.recording.channels()).collect(),
        };
        // The edited version's waveform once computed (the previous one while it is redone).
        let (envelope, samples) = match &open.edited_envelope {
            Some((_, env)) if self.view.version.is_edited() => (Some(env.as_ref()), None),
            _ => (
                open.envelope.as_deref(),
                Some(open.recording.as_ref() as &dyn SampleSource),
            ),
        };
        waveform_ui(
            ui,
            wave_rect,
            envelope,
            open.recording.sample_rate(),
            samples,
            &channels,
            self.view.time_s,
        );
        if let Some(t) = self.transport.playhead_s() {
            let x = wave_rect.left()
                + ((t - self.view.time_s[0]) / (self.view.time_s[1] - self.view.time_s[0])) as f32
                    * wave_rect.width();
            if wave_rect.x_range().contains(x) {
                ui.painter().line_segment(
                    [egui::pos2(x, wave_rect.top()), egui::pos2(x, wave_rect.bottom())],
                    egui::Stroke::new(1.5, egui::Color32::from_rgb(80, 220, 120)),
                );
            }
        }
        if ready && self.first_view_s.is_none() {
            self.first_view_s = Some(self.started.elapsed().as_secs_f64());
        }
    }

    /// Radio captures sit anywhere between a 8-bit dongle's −50 dBFS noise floor and a float
    /// file's −140: once the first overview is in, an IQ document's display range is set from
    /// its levels (noise floor at the bottom, strongest signal at the top) unless the user or
    /// the launch options chose one.
    fn auto_levels(&mut self) {
        let complex = self.open.as_ref().is_some_and(|o| o.recording.is_complex());
        let untouched = self.view.floor_db == ViewState::default().floor_db
            && self.view.ceiling_db == ViewState::default().ceiling_db;
        if !complex || !untouched {
            return;
        }
        let mut levels = self.tiles.level_sample(&self.view, 200_000);
        if levels.len() < 100 {
            return;
        }
        levels.sort_by(f32::total_cmp);
        let at = |q: f64| levels[((levels.len() - 1) as f64 * q) as usize];
        let floor = ((at(0.05) - 5.0) / 5.0).floor() * 5.0;
        // `+ 0.0` turns a rounded −0 into 0 for display.
        let ceiling = (((at(0.9999) + 3.0) / 5.0).ceil() * 5.0)
            .max(floor + 30.0)
            .min(20.0)
            + 0.0;
        // A noiseless synthetic capture would put the floor at −300 dB.
        self.view.floor_db = floor.max(ceiling - 120.0);
        self.view.ceiling_db = ceiling;
    }

    /// Keeps the player in step with the document, repaints while playing, follows the playhead.
    fn playback_frame(&mut self, ctx: &egui::Context) {
        let (Some(open), Some(grid)) = (&self.open, self.grid()) else {
            return;
        };
        self.transport.sync(
            &open.doc.edits.edits,
            open.content_revision,
            grid,
            self.view.version,
            &open.processed_source(),
        );
        if !self.transport.is_playing() {
            return;
        }
        ctx.request_repaint();
        if let Some(t) = self.transport.playhead_s()
            && self.transport.follow
            && self.gesture == Gesture::None
        {
            let [a, b] = self.view.time_s;
            let span = b - a;
            if t > b - 0.02 * span || t < a {
                // Page so the playhead comes in near the left edge.
                let duration = open.duration_s();
                self.view.time_s = [t - 0.05 * span, t + 0.95 * span];
                self.view.clamp_time(duration);
            }
        }
    }

    fn threshold_view(&mut self) {
        let (Some(frame), Some(open)) = (self.edit_frame(), &self.open) else {
            return;
        };
        let t = [
            self.view.time_s[0].max(0.0),
            self.view.time_s[1].min(open.duration_s()),
        ];
        let edit = self
            .settings
            .threshold_edit([t[0], self.view.u[0]], [t[1], self.view.u[1]], &frame);
        self.commands.send(Command::AddEdit(edit));
    }

    fn screenshot_logic(&mut self, ctx: &egui::Context) {
        let idle = self.open.is_some() && self.is_idle();
        match &mut self.screenshot {
            ScreenshotState::Waiting { path, ready_frames } => {
                if idle {
                    *ready_frames += 1;
                } else {
                    *ready_frames = 0;
                }
                // A few quiet frames let the uploaded textures reach the screen.
                if *ready_frames >= 3 {
                    let image = Arc::new(Mutex::new(None));
                    let slot = image.clone();
                    let repaint = ctx.clone();
                    ctx.request_screenshot(move |img| {
                        if let Ok(mut s) = slot.lock() {
                            *s = Some(img);
                        }
                        repaint.request_repaint();
                    });
                    self.screenshot = ScreenshotState::Requested {
                        path: path.clone(),
                        image,
                    };
                }
                ctx.request_repaint();
            }
            ScreenshotState::Requested { path, image } => {
                let taken = image.lock().ok().and_then(|mut i| i.take());
                if let Some(img) = taken {
                    let path = path.clone();
                    let result = save_screenshot(&path, &img);
                    self.finish_screenshot(result, ctx);
                } else {
                    ctx.request_repaint();
                }
            }
            ScreenshotState::Off | ScreenshotState::Done => {}
        }
    }

    /// Closes the window even with unsaved edits (benchmarks, scripted runs): they are given
    /// up, so no autosave of them is kept.
    pub fn quit_without_asking(&mut self, ctx: &egui::Context) {
        self.discard_consent = self.open.as_ref().map(|o| o.doc.revision);
        self.quit_now(ctx);
    }

    fn finish_screenshot(&mut self, result: Result<(), String>, ctx: &egui::Context) {
        if let Ok(mut o) = self.outcome.lock() {
            *o = Some(result);
        }
        self.screenshot = ScreenshotState::Done;
        self.allow_close = true;
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }
}

/// Turns the picture of `request` into sound and wraps it as a recording held in memory, named
/// after the picture (so Export audio suggests a name next to it).
fn import_sound(
    request: ImageImportRequest,
    original: Option<Arc<Recording>>,
    progress: &crate::signal::Progress,
) -> Result<(Arc<Recording>, String), ImageError> {
    use crate::signal::phase::PhaseOptions;
    let plan = plan_import(&request.picture, &request.options)?;
    let mut phase = PhaseOptions::new(request.method);
    phase.iterations = request.iterations;
    let source = original.as_deref().map(|r| r as &dyn SampleSource);
    let (stored, report) = if plan.iq {
        let sound = import_picture::<Complex32>(&request.picture, &plan, source, &phase, progress)?;
        let stored: Vec<Vec<f32>> = sound
            .channels
            .iter()
            .flat_map(|c| [c.iter().map(|z| z.re).collect(), c.iter().map(|z| z.im).collect()])
            .collect();
        (stored, sound.report)
    } else {
        let sound = import_picture::<f32>(&request.picture, &plan, source, &phase, progress)?;
        (sound.channels, sound.report)
    };
    let bytes =
        crate::io::output::float_wav_bytes(&stored, plan.sample_rate).map_err(ImageError::Settings)?;
    let name = request.path.with_extension("wav");
    let recording = Recording::from_memory(
        &name,
        bytes,
        "wav",
        OpenOptions {
            iq: plan.iq,
            sample_rate: None,
        },
    )?;
    let summary = match report.changed_cells {
        Some(n) => format!("{n} changed cells re-phased, the rest kept from the open recording"),
        None => format!(
            "rebuilt {} frames × {} bins, spectral convergence {:.1} dB{}",
            report.frames,
            report.bins,
            report
                .phase
                .first()
                .map_or(f64::NAN, |p| p.spectral_convergence_db),
            if plan.relative {
                " (relative levels, normalised)"
            } else {
                ""
            }
        ),
    };
    Ok((Arc::new(recording), summary))
}

fn save_screenshot(path: &Path, img: &egui::ColorImage) -> Result<(), String> {
    let [w, h] = img.size;
    let rgb: Vec<u8> = img.pixels.iter().flat_map(|c| [c.r(), c.g(), c.b()]).collect();
    crate::io::picture::write_png(
        path,
        w as u32,
        h as u32,
        crate::io::picture::PixelFormat::Rgb8,
        &rgb,
        &[("Software", "spectro".to_owned())],
        &[],
        true,
    )
    .map_err(|e| e.to_string())
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
        self.poll_jobs(&ctx);
        // Dropped files open like File > Open.
        let dropped: Vec<PathBuf> = ctx.input(|i| {
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

        let doc = self.open.as_ref().map(|o| &o.doc);
        let image_export = self.image_export;
        let has_selection = self.transport.selection.is_some();
        egui::Panel::top("menu").show(ui, |ui| {
            menu_bar_ui(ui, doc, &self.view, has_selection, image_export, &self.commands)
        });
        let mut threshold_view = false;
        let has_doc = self.open.is_some();
        egui::Panel::top("toolbar").show(ui, |ui| {
            toolbar_ui(
                ui,
                self.tool,
                &mut self.settings,
                &self.view,
                has_doc,
                &self.commands,
                &mut threshold_view,
            )
        });
        if threshold_view {
            self.threshold_view();
        }
        let iq = self.open.as_ref().is_some_and(|o| o.recording.is_complex());
        egui::Panel::top("transport").show(ui, |ui| self.transport.ui(ui, &self.commands, has_doc, iq));
        self.paint_frame(&ctx);
        self.playback_frame(&ctx);
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar_ui(ui));
        let channels = self.open.as_ref().map_or(0, |o| o.recording.channels());
        let complex = self.open.as_ref().is_some_and(|o| o.recording.is_complex());
        let doc = self.open.as_ref().map(|o| &o.doc);
        let mut selected = self.selected_edit;
        let paint_sc_db = self.open.as_ref().and_then(|o| o.paint_sc_db);
        egui::Panel::right("side")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| {
                let input = super::panels::SideInput {
                    view: &self.view,
                    doc,
                    channels,
                    complex,
                    paint_sc_db,
                    selection: self.transport.selection,
                    sample_rate: self.open.as_ref().map_or(48_000.0, |o| o.recording.sample_rate()),
                };
                side_panel_ui(ui, &input, &mut selected, &self.commands)
            });
        self.selected_edit = selected;
        egui::CentralPanel::default().show(ui, |ui| self.central_ui(ui));

        self.dialogs.ui(&ctx, &self.commands);
        if let Some(dialog) = &mut self.image_dialog
            && !dialog.ui(&ctx, self.view.colormap, &self.commands)
        {
            self.image_dialog = None;
        }
        if let Some(question) = &self.question {
            let name = self.open.as_ref().map_or_else(
                || "the recording".to_owned(),
                |o| super::overwrite::name(o.recording.path()),
            );
            question_ui(&ctx, question, &name, &self.commands);
        }
        if let Some(message) = &self.error
            && error_ui(&ctx, message)
        {
            self.error = None;
        }

        // Commands sent this frame take effect now, so the next frame shows them.
        while let Ok(c) = self.inbox.try_recv() {
            self.execute(c, &ctx);
        }
        self.questions_frame(&ctx);
        self.autosave_frame(&ctx);
        if self.opening.is_some()
            || self.export.is_some()
            || self.import.is_some()
            || self.image_export_job.is_some()
            || self.image_open.is_some()
            || self.image_dialog.as_ref().is_some_and(|d| d.is_busy())
            || self.features_export.is_some()
            || self.tiles.busy()
            || self.open.as_ref().is_some_and(|o| {
                o.envelope_job.is_some() || o.edited_envelope_job.is_some() || o.paint_job.is_some()
            })
        {
            ctx.request_repaint_after(std::time::Duration::from_millis(50));
        }
        self.screenshot_logic(&ctx);
        if let Some(mut bench) = self.bench.take() {
            bench.step(self, &ctx);
            self.bench = Some(bench);
        }
    }
}

/// Lowers the calling thread's scheduling priority (Linux: nice is per thread), for background
/// work that must not take time from drawing.
fn lower_thread_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority has no memory effects; `0` names the calling thread on Linux.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 15);
    }
}
