//! The File commands: opening recordings (and the demo), loading and saving edit lists, the
//! export dialogs and their cancel buttons, quitting. The writes themselves are in `writes`,
//! pictures turned into sound in `picture_import`.

use std::path::PathBuf;
use std::sync::Arc;

use super::{JobKind, SpectroApp, autosaving};
use crate::edit::Change;
use crate::io::Recording;
use crate::signal::SampleSource;
use crate::ui::command::Command;
use crate::ui::confirm::{Arrival, Then, Write};
use crate::ui::dialogs::FilePurpose;

impl SpectroApp {
    /// Carries out a File command.
    pub(super) fn file_command(&mut self, command: Command, ctx: &egui::Context) {
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
            Command::LoadEdits(Some(path)) => self.load_edits(path, ctx),
            Command::SaveEdits => match self.open.as_ref().and_then(|o| o.edits_path.clone()) {
                // The list's own file: plain Save.
                Some(p) => {
                    self.save_edits(p, true);
                }
                None => self.commands.send(Command::SaveEditsAs(None)),
            },
            Command::SaveEditsAs(None) => {
                let suggested = self.suggested_path("json", ".edits");
                self.dialogs.ask(FilePurpose::SaveEdits, suggested, ctx);
            }
            Command::SaveEditsAs(Some(path)) => self.request_write(Write::SaveEdits(path), ctx),
            Command::SaveSession => match self.open.as_ref().and_then(|o| o.session_path.clone()) {
                Some(p) => self.save_session(p, true, None, ctx),
                None => self.commands.send(Command::SaveSessionAs(None)),
            },
            Command::SaveSessionAs(None) => {
                let suggested = self.suggested_path(crate::edit::session::SESSION_EXTENSION, "");
                self.dialogs.ask(FilePurpose::SaveSession, suggested, ctx);
            }
            Command::SaveSessionAs(Some(path)) => self.request_write(Write::SaveSession(path), ctx),
            Command::CancelSaveSession => self.jobs.cancel(JobKind::SaveSession),
            Command::LocateRecording(path) => self.located(path, ctx),
            Command::ExportAudio(None) => {
                let ext = self
                    .open
                    .as_ref()
                    .map_or("wav".into(), |o| export_extension(&o.recording));
                let suggested = self.suggested_path(&ext, "-edited");
                self.dialogs.ask(FilePurpose::ExportAudio, suggested, ctx);
            }
            Command::ExportAudio(Some(path)) => self.request_write(Write::ExportAudio(path), ctx),
            Command::ExportSelection(None) => {
                let ext = match self.open.as_ref() {
                    Some(o) if o.recording.is_complex() => "cf32",
                    Some(o) if export_extension(&o.recording) == "flac" => "flac",
                    _ => "wav",
                };
                let suggested = self.suggested_path(ext, "-region");
                self.dialogs.ask(FilePurpose::ExportSelection, suggested, ctx);
            }
            Command::ExportSelection(Some(path)) => self.request_write(Write::ExportSelection(path), ctx),
            Command::CancelExport => self.jobs.cancel(JobKind::Export),
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
            Command::OpenImage(path) => self.open_image(path, ctx),
            Command::ImportImage(request) => self.request(Then::ImportImage(request), ctx),
            Command::CancelImport => self.jobs.cancel(JobKind::Import),
            Command::ExportFeatures(None) => {
                let suggested = self.suggested_path("csv", "-features");
                self.dialogs.ask(FilePurpose::ExportFeatures, suggested, ctx);
            }
            Command::ExportFeatures(Some(path)) => self.request_write(Write::ExportFeatures(path), ctx),
            Command::CancelFeatures => self.jobs.cancel(JobKind::Features),
            Command::Quit => self.request(Then::Quit, ctx),
            // The other domains' commands are routed elsewhere by `execute`.
            _ => {}
        }
    }

    /// Opens the recording at `path` in the background; it arrives as a finished job.
    pub(super) fn start_open(&mut self, path: PathBuf, ctx: &egui::Context) {
        if crate::edit::session::is_session_path(&path) {
            return self.start_open_session(path, ctx);
        }
        let options = self.open_options;
        let p = path.clone();
        self.set_status(format!("Opening {}…", path.display()));
        self.spawn_open(path, ctx, move |progress| {
            // A compressed file is decoded here (once; then its cache is reused), with progress.
            let recording = Recording::open_with_progress(&p, options, progress)?;
            let inputs = crate::ui::overwrite::recording_inputs(&recording);
            Ok(Arrival {
                recording: Arc::new(recording),
                inputs,
                status: None,
                options: Some(options),
                session: None,
            })
        });
    }

    /// Opens the built-in demo recording.
    pub(super) fn start_open_demo(&mut self, ctx: &egui::Context) {
        let options = self.open_options;
        self.spawn_open(PathBuf::from("demo.wav"), ctx, move |_| {
            let recording = Recording::from_memory("demo.wav", crate::ui::DEMO_WAV.to_vec(), "wav", options)?;
            Ok(Arrival {
                recording: Arc::new(recording),
                inputs: Vec::new(),
                status: None,
                options: None,
                session: None,
            })
        });
    }

    /// Runs `open` as the opening job; the recording then arrives (see [`Self::arrive`]).
    pub(super) fn spawn_open(
        &mut self,
        path: PathBuf,
        ctx: &egui::Context,
        open: impl FnOnce(&crate::signal::Progress) -> Result<Arrival, crate::io::FileError> + Send + 'static,
    ) {
        // A newer open replaces one still running: only the last recording asked for arrives.
        self.jobs.drop_kind(JobKind::Open);
        self.jobs.spawn(
            JobKind::Open,
            "Opening",
            Some(path),
            ctx,
            open,
            |app: &mut SpectroApp, result, ctx| match result {
                Ok(arrival) => app.arrive(arrival, ctx),
                Err(e) => {
                    // The edits given up for it are not given up for anything else.
                    app.discard_consent = None;
                    app.fail(e.to_string());
                    // The error names the file.
                    app.screenshot_failed(format!("cannot open {e}"), ctx);
                }
            },
        );
    }

    /// Makes `arrival` the document (the previous one's unsaved edits were saved or given up).
    pub(super) fn install(&mut self, arrival: Arrival, ctx: &egui::Context) {
        // A session saved with another version of the recording: ask before applying its edits.
        if let Some(s) = arrival.session.as_ref().filter(|s| !s.matched) {
            self.set_status(format!(
                "{} has changed since {} was saved.",
                crate::ui::overwrite::name(arrival.recording.path()),
                crate::ui::overwrite::name(&s.path)
            ));
            self.question = Some(crate::ui::confirm::Question::SessionChanged(Box::new(arrival)));
            return;
        }
        let Arrival {
            recording,
            inputs,
            status,
            options,
            session,
        } = arrival;
        // The closed document's autosave has nothing left to recover.
        self.autosave.remove();
        self.autosave.close();
        self.discard_consent = None;
        self.question = None;
        if !self.finish_open(recording, inputs, ctx) {
            return;
        }
        if let Some(open) = &mut self.open {
            open.open_options = options;
        }
        if let Some(text) = status {
            self.set_status(text);
        }
        if let Some(session) = session {
            self.apply_session(*session, ctx);
        }
        self.offer_restore();
    }

    /// Loads the edit list at `path` as one undoable change, with its STFT; it counts as saved.
    pub(super) fn load_edits(&mut self, path: PathBuf, ctx: &egui::Context) {
        // A session's edit list loads too (onto whatever recording is open).
        match crate::edit::load_edits_or_session(&path) {
            Ok((list, _)) => self.adopt_edits(path, false, list, ctx),
            Err(e) => self.fail(e.to_string()),
        }
    }

    /// Makes `list` (read from `path`: an edit list, or a session when `from_session`) the
    /// document's edits as one undo step, once its harmonic selections are tracked.
    pub(super) fn adopt_edits(
        &mut self,
        path: PathBuf,
        from_session: bool,
        list: crate::edit::EditList,
        ctx: &egui::Context,
    ) {
        let Some(open) = &self.open else { return };
        if let Some(message) = autosaving::missing_channel(&list, open.recording.channels()) {
            return self.fail(format!("{}: {message}", path.display()));
        }
        if !crate::pipeline::harmonics::needs_tracking(&list.edits) {
            return self.loaded_edits(path, from_session, list);
        }
        // Harmonic selections without a track are tracked first, off the UI thread,
        // so the window shows and saves what `spectro apply` renders.
        let source: Arc<dyn SampleSource> = open.recording.clone();
        self.jobs.drop_kind(JobKind::Harmonics);
        self.jobs.spawn(
            JobKind::Harmonics,
            "Tracking harmonics",
            Some(path.clone()),
            ctx,
            move |p| {
                let mut list = list;
                crate::pipeline::harmonics::track_edits(source.as_ref(), &mut list.edits, p).map(|_| list)
            },
            move |app: &mut SpectroApp, result, _| match result {
                Ok(list) => app.loaded_edits(path, from_session, list),
                Err(crate::signal::harmonics::HarmonicsError::Cancelled(_)) => {}
                Err(e) => app.fail(format!("{}: harmonics: {e}", path.display())),
            },
        );
    }

    /// Replaces the document's edits with `list`, read from `path`, as one undo step.
    fn loaded_edits(&mut self, path: PathBuf, from_session: bool, mut list: crate::edit::EditList) {
        let Some(open) = &mut self.open else { return };
        let before = open.doc.edits.clone();
        if from_session {
            open.session_path = Some(path.clone());
        } else {
            open.edits_path = Some(path.clone());
        }
        // A list without STFT settings is rendered with the current ones (the view follows a
        // list that has its own).
        list.stft = list.stft.or(before.stft);
        let n = list.edits.len();
        self.apply_change(Change::ReplaceAll { before, after: list });
        if let Some(open) = &mut self.open {
            open.doc.history.mark_saved();
        }
        let s = if n == 1 { "" } else { "s" };
        self.set_status(format!("Loaded {n} edit{s} from {}", path.display()));
    }

    /// A name next to the recording: its stem, `suffix`, `.ext`.
    pub(super) fn suggested_path(&self, ext: &str, suffix: &str) -> Option<PathBuf> {
        let open = self.open.as_ref()?;
        let p = open.recording.path();
        let stem = p.file_stem()?.to_string_lossy();
        Some(p.with_file_name(format!("{stem}{suffix}.{ext}")))
    }
}

/// The extension an export of `recording` is offered under: the source's own where Spectro
/// writes it, FLAC for FLAC and lossy sources (never a lossy re-encode), WAV for the others.
fn export_extension(recording: &Recording) -> String {
    use crate::io::Container;
    let own = || {
        recording
            .path()
            .extension()
            .map_or("wav".into(), |e| e.to_string_lossy().into_owned())
    };
    match recording.container() {
        Container::Flac => "flac".into(),
        _ if recording.is_lossy() => "flac".into(),
        Container::Wav | Container::Rf64 | Container::Raw => own(),
        _ => "wav".into(),
    }
}
