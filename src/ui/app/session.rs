//! Sessions in the window: File > Save session writes the recording's path and content hash,
//! the edits with their STFT, the view, the selection and the tool to a `.spectro` file; Open
//! (and `spectro SESSION.spectro`) reopens it where it was left. A recording that changed
//! since is asked about before its edits are applied; a missing one can be located.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};

use super::{JobKind, SpectroApp};
use crate::edit::session::{SessionSelection, SessionView, recording_ref};
use crate::edit::{Session, SessionError, StftSettings, load_session, save_session};
use crate::io::Recording;
use crate::io::content_hash::hash_file;
use crate::signal::Progress;
use crate::ui::command::Command;
use crate::ui::confirm::{Arrival, Question, SessionArrival, Then};
use crate::ui::overwrite::recording_inputs;
use crate::ui::tools::Tool;
use crate::ui::transport::Selection;
use crate::ui::view::Version;

/// The name a session gives `tool`.
pub fn tool_name(tool: Tool) -> String {
    format!("{tool:?}").to_lowercase()
}

impl SpectroApp {
    /// Opens the session at `path`: its recording in the background (hashed on the way), or
    /// the question where it is when it cannot be found.
    pub(super) fn start_open_session(&mut self, path: PathBuf, ctx: &egui::Context) {
        let session = match load_session(&path) {
            Ok(s) => s,
            Err(e) => {
                self.discard_consent = None;
                self.fail(e.to_string());
                return self.screenshot_failed(format!("cannot open {e}"), ctx);
            }
        };
        match session.locate(&path) {
            Some(recording) => self.open_session_recording(path, session, recording, ctx),
            None => {
                self.question = Some(Question::SessionMissing {
                    path,
                    session: Box::new(session),
                })
            }
        }
    }

    /// Opens `recording` for the session at `session_path`, and compares its content with the
    /// session's.
    fn open_session_recording(
        &mut self,
        session_path: PathBuf,
        session: Session,
        recording: PathBuf,
        ctx: &egui::Context,
    ) {
        let options = session.recording.open_options();
        self.set_status(format!("Opening {}…", session_path.display()));
        let p = recording.clone();
        self.spawn_open(recording, ctx, move |progress| {
            let rec = Recording::open_with_progress(&p, options, progress)?;
            let inputs = recording_inputs(&rec);
            let hash = hash_file(&p, &Progress::new())?;
            let matched = std::fs::metadata(&p).is_ok_and(|m| m.len() == session.recording.size_bytes)
                && hash == session.recording.hash;
            Ok(Arrival {
                recording: Arc::new(rec),
                inputs,
                status: None,
                options: Some(options),
                session: Some(Box::new(SessionArrival {
                    path: session_path,
                    session,
                    hash,
                    matched,
                })),
            })
        });
    }

    /// The user answered "Locate recording…" with `path`.
    pub(super) fn located(&mut self, path: PathBuf, ctx: &egui::Context) {
        let Some((session_path, session)) = self.locating.take() else {
            return;
        };
        self.open_session_recording(session_path, *session, path, ctx);
    }

    /// Shows the dialog to find a missing session's recording.
    pub(super) fn locate(&mut self, session_path: PathBuf, session: Box<Session>, ctx: &egui::Context) {
        let suggested = Some(session.recording.path.clone());
        self.locating = Some((session_path, session));
        self.dialogs
            .ask(crate::ui::dialogs::FilePurpose::LocateRecording, suggested, ctx);
    }

    /// Applies a session to the document just opened from it: STFT, view, edits (one undo
    /// step, counting as saved), selection and tool.
    pub(super) fn apply_session(&mut self, arrival: SessionArrival, ctx: &egui::Context) {
        let SessionArrival {
            path,
            session,
            hash,
            matched: _,
        } = arrival;
        let Some(open) = &mut self.open else { return };
        open.content_hash = Some(hash);
        open.session_path = Some(path.clone());
        // The STFT first: the view's frequency axis depends on it. Nothing to undo yet.
        if let Some(stft) = session.edits.stft {
            open.doc.edits.stft = Some(stft);
        }
        self.follow_stft();
        if let Some(v) = &session.view {
            self.view.scale = v.scale;
            self.view.colormap = v.colormap;
            self.view.floor_db = v.floor_db;
            self.view.ceiling_db = v.ceiling_db;
            let channels = self
                .open
                .as_ref()
                .map_or(1, |o| crate::signal::SampleSource::channels(o.recording.as_ref()));
            self.view.channel = v.channel.filter(|&c| c < channels);
            if let Some(version) = Version::ALL
                .into_iter()
                .find(|x| Some(x.name()) == v.version.as_deref())
            {
                self.view.version = version;
            }
            if let Some(axis) = self.axis() {
                let u = [
                    axis.u_of(v.freq_hz[0]).clamp(0.0, 1.0),
                    axis.u_of(v.freq_hz[1]).clamp(0.0, 1.0),
                ];
                if u[1] - u[0] > 1e-4 {
                    self.view.u = u;
                }
            }
            if v.time_s[1] > v.time_s[0] {
                self.view.time_s = v.time_s;
            }
        }
        if let Some(s) = session.selection {
            self.commands.send(Command::SetSelection(Some(Selection {
                time_s: s.time_s,
                freq_hz: s.freq_hz,
            })));
        }
        if let Some(tool) = Tool::ALL
            .into_iter()
            .find(|t| Some(tool_name(*t)) == session.tool)
        {
            self.commands.send(Command::SetTool(tool));
        }
        self.adopt_edits(path, true, session.edits, ctx);
    }

    /// What the window shows, as a session keeps it.
    fn session_view(&self) -> Option<SessionView> {
        let axis = self.axis()?;
        Some(SessionView {
            time_s: self.view.time_s,
            freq_hz: [axis.hz_of(self.view.u[0]), axis.hz_of(self.view.u[1])],
            scale: self.view.scale,
            colormap: self.view.colormap,
            floor_db: self.view.floor_db,
            ceiling_db: self.view.ceiling_db,
            channel: self.view.channel,
            version: Some(self.view.version.name().to_owned()),
        })
    }

    /// Saves the session to `path` (replacing an existing file when `replace`) as a background
    /// job, so the window keeps drawing: the recording's content hash, when not known yet, is
    /// computed there (a long capture takes seconds to read), with progress and Cancel. Once
    /// written, the edits count as saved unless they changed meanwhile, and `then` (what
    /// waited for the save) is asked for.
    pub(super) fn save_session(
        &mut self,
        path: PathBuf,
        replace: bool,
        then: Option<Then>,
        ctx: &egui::Context,
    ) {
        if self.jobs.is_running(JobKind::SaveSession) {
            return self.fail("A session is already being saved.");
        }
        let view = self.session_view();
        let selection = self.transport.selection.map(|s| SessionSelection {
            time_s: s.time_s,
            freq_hz: s.freq_hz,
        });
        let (tool, stft) = (tool_name(self.tool), self.view.stft);
        let Some(open) = &self.open else { return };
        let Some(options) = open.open_options else {
            return self.fail("This recording has no file of its own (the demo, or a picture's sound): export it, open the export, then save the session.");
        };
        let recording_path = open.recording.path().to_path_buf();
        let known_hash = open.content_hash.clone();
        let mut edits = open.doc.edits.clone();
        edits.stft = Some(StftSettings::from_params(stft));
        let mut inputs: Vec<PathBuf> = open.inputs.iter().map(|i| i.path.clone()).collect();
        inputs.extend(open.edits_path.clone());
        let request = SaveRequest {
            path: path.clone(),
            document: Arc::downgrade(&open.recording),
            revision: open.doc.revision,
            edits: edits.edits.len(),
            then,
        };
        let target = path.clone();
        let work = move |progress: &Progress| {
            let hash = match known_hash {
                Some(h) => h,
                None => match hash_file(&recording_path, progress) {
                    Ok(h) => h,
                    Err(_) if progress.is_cancelled() => return SessionSave::cancelled(None),
                    Err(e) => return SessionSave::failed(None, e.into()),
                },
            };
            // Quitting cancels the writes: nothing is written after that.
            if progress.is_cancelled() {
                return SessionSave::cancelled(Some(hash));
            }
            let written = recording_ref(&recording_path, &target, hash.clone(), options)
                .map_err(SessionError::from)
                .and_then(|recording| {
                    let session = Session {
                        recording,
                        edits,
                        view,
                        selection,
                        tool: Some(tool),
                    };
                    let inputs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
                    save_session(&target, &session, &inputs, replace)
                });
            SessionSave {
                outcome: match written {
                    Ok(()) => Saved::Written,
                    Err(e) => Saved::Failed(e),
                },
                hash: Some(hash),
            }
        };
        self.set_status(format!("Saving the session to {}…", path.display()));
        self.jobs.spawn(
            JobKind::SaveSession,
            "Saving the session",
            Some(path),
            ctx,
            work,
            move |app: &mut SpectroApp, done, ctx| app.session_saved(done, request, ctx),
        );
    }

    /// A session save has finished: the hash is kept for the next save, and on success the
    /// document (if still open) is saved in that file.
    fn session_saved(&mut self, done: SessionSave, request: SaveRequest, ctx: &egui::Context) {
        let SaveRequest {
            path,
            document,
            revision,
            edits: n,
            then,
        } = request;
        // The document the save was made from, if it is still the open one.
        let open = self
            .open
            .as_mut()
            .filter(|o| std::ptr::eq(Arc::as_ptr(&o.recording), document.as_ptr()));
        let unchanged = open.as_ref().map(|o| o.doc.revision == revision);
        if let (Some(open), Some(hash)) = (open, done.hash) {
            open.content_hash = Some(hash);
        }
        match done.outcome {
            Saved::Written => {
                let saved = format!("Saved the session ({n} edits) to {}", path.display());
                let Some(unchanged) = unchanged else {
                    return self.set_status(saved);
                };
                if let Some(open) = &mut self.open {
                    open.session_path = Some(path);
                    if unchanged {
                        open.doc.history.mark_saved();
                    }
                }
                if unchanged {
                    self.autosave.remove();
                    self.set_status(saved);
                } else {
                    // The session holds the edits as they were when it was asked for.
                    self.set_status(format!("{saved}; the edits made since are not saved."));
                }
                // Asked again if edits were made meanwhile.
                if let Some(then) = then {
                    self.request(then, ctx);
                }
            }
            Saved::Cancelled => self.set_status("Saving the session was cancelled; nothing was written."),
            Saved::Failed(SessionError::File(e)) => self.write_failed(&e),
            Saved::Failed(e) => self.fail(e.to_string()),
        }
    }
}

/// What a session save was asked for, to carry out when it has finished.
struct SaveRequest {
    /// The session file.
    path: PathBuf,
    /// The recording of the document saved (compared, not kept alive).
    document: Weak<Recording>,
    /// The document's revision when the save was asked for.
    revision: u64,
    /// How many edits the session holds.
    edits: usize,
    /// What waited for the save (closing the document).
    then: Option<Then>,
}

/// What a session save job did.
struct SessionSave {
    /// The recording's content hash, once known.
    hash: Option<String>,
    /// Whether the session was written.
    outcome: Saved,
}

/// Whether a session save wrote its file.
enum Saved {
    /// Written (atomically: a temporary file renamed over the target).
    Written,
    /// Cancelled before anything was written.
    Cancelled,
    /// Hashing or writing failed; nothing was written.
    Failed(SessionError),
}

impl SessionSave {
    fn cancelled(hash: Option<String>) -> Self {
        SessionSave {
            hash,
            outcome: Saved::Cancelled,
        }
    }

    fn failed(hash: Option<String>, e: SessionError) -> Self {
        SessionSave {
            hash,
            outcome: Saved::Failed(e),
        }
    }
}
