//! Sessions in the window: File > Save session writes the recording's path and content hash,
//! the edits with their STFT, the view, the selection and the tool to a `.spectro` file; Open
//! (and `spectro SESSION.spectro`) reopens it where it was left. A recording that changed
//! since is asked about before its edits are applied; a missing one can be located.

use std::path::PathBuf;
use std::sync::Arc;

use super::SpectroApp;
use crate::edit::session::{SessionSelection, SessionView, recording_ref};
use crate::edit::{Session, StftSettings, load_session, save_session};
use crate::io::Recording;
use crate::io::content_hash::hash_file;
use crate::signal::Progress;
use crate::ui::command::Command;
use crate::ui::confirm::{Arrival, Question, SessionArrival};
use crate::ui::overwrite::{paths, recording_inputs};
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

    /// Saves the session to `path` (replacing an existing file when `replace`); the edits count
    /// as saved. True if saved.
    pub(super) fn save_session(&mut self, path: PathBuf, replace: bool) -> bool {
        let view = self.session_view();
        let selection = self.transport.selection.map(|s| SessionSelection {
            time_s: s.time_s,
            freq_hz: s.freq_hz,
        });
        let (tool, stft) = (tool_name(self.tool), self.view.stft);
        let Some(open) = &mut self.open else {
            return false;
        };
        let Some(options) = open.open_options else {
            self.fail("This recording has no file of its own (the demo, or a picture's sound): export it, open the export, then save the session.");
            return false;
        };
        let recording_path = open.recording.path().to_path_buf();
        let hash = match &open.content_hash {
            Some(h) => h.clone(),
            None => match hash_file(&recording_path, &Progress::new()) {
                Ok(h) => h,
                Err(e) => {
                    self.write_failed(&e);
                    return false;
                }
            },
        };
        open.content_hash = Some(hash.clone());
        let recording = match recording_ref(&recording_path, &path, hash, options) {
            Ok(r) => r,
            Err(e) => {
                self.write_failed(&e);
                return false;
            }
        };
        let mut edits = open.doc.edits.clone();
        edits.stft = Some(StftSettings::from_params(stft));
        let n = edits.edits.len();
        let session = Session {
            recording,
            edits,
            view,
            selection,
            tool: Some(tool),
        };
        let mut inputs = paths(&open.inputs);
        if let Some(e) = &open.edits_path {
            inputs.push(e);
        }
        match save_session(&path, &session, &inputs, replace) {
            Ok(()) => {
                open.doc.history.mark_saved();
                open.session_path = Some(path.clone());
                self.autosave.remove();
                self.set_status(format!("Saved the session ({n} edits) to {}", path.display()));
                true
            }
            Err(crate::edit::SessionError::File(e)) => {
                self.write_failed(&e);
                false
            }
            Err(e) => {
                self.fail(e.to_string());
                false
            }
        }
    }
}
