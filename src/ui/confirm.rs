//! The questions the window asks before losing or replacing the user's work: unsaved edits
//! before closing the document, "Replace NAME?" before writing over a file, and whether to
//! restore an autosave. The app holds at most one [`Question`] and carries out the answer
//! ([`super::command::Command::Answer`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::autosave::{Snapshot, format_time};
use super::command::{Command, CommandSender};
use super::image_import::ImageImportRequest;
use super::overwrite::{Input, name};
use crate::edit::Session;
use crate::io::Recording;

/// Something that closes the open document, waiting for the fate of its unsaved edits.
pub enum Then {
    /// Open this file.
    Open(PathBuf),
    /// Open the built-in demo.
    OpenDemo,
    /// Turn this picture into sound and open it.
    ImportImage(Box<ImageImportRequest>),
    /// Quit.
    Quit,
    /// Show a recording that finished opening (or importing) while the document had edits.
    Show(Box<Arrival>),
}

/// A recording ready to become the document.
pub struct Arrival {
    /// The recording.
    pub recording: Arc<Recording>,
    /// The files it was read from.
    pub inputs: Vec<Input>,
    /// Status line once shown, instead of the recording's description.
    pub status: Option<String>,
    /// How it was read from its file (`None`: not from a file of its own, such as the demo or
    /// a picture's sound): what a session saved of it records.
    pub options: Option<crate::io::OpenOptions>,
    /// The session it was opened from, to apply once shown.
    pub session: Option<Box<SessionArrival>>,
}

/// A session whose recording has been opened.
pub struct SessionArrival {
    /// The session file.
    pub path: PathBuf,
    /// What it holds.
    pub session: Session,
    /// The recording's content hash now.
    pub hash: String,
    /// True if the recording is the one the session was saved with (or the user agreed to
    /// apply its edits all the same).
    pub matched: bool,
}

/// A write of the user's that needs a file name's go-ahead.
#[derive(Clone, Debug, PartialEq)]
pub enum Write {
    /// Save the edit list.
    SaveEdits(PathBuf),
    /// Export the edited recording.
    ExportAudio(PathBuf),
    /// Export the selected region.
    ExportSelection(PathBuf),
    /// Export a picture of the spectrogram.
    ExportImage(PathBuf),
    /// Export the features CSV (and its bursts CSV).
    ExportFeatures(PathBuf),
    /// Save a session.
    SaveSession(PathBuf),
}

impl Write {
    /// The file named by the user.
    pub fn path(&self) -> &Path {
        match self {
            Write::SaveEdits(p)
            | Write::ExportAudio(p)
            | Write::ExportSelection(p)
            | Write::ExportImage(p)
            | Write::ExportFeatures(p)
            | Write::SaveSession(p) => p,
        }
    }

    /// Every file the write may create or replace.
    pub fn targets(&self) -> Vec<PathBuf> {
        let path = self.path().to_path_buf();
        match self {
            Write::ExportFeatures(p) => vec![path, crate::features::csv::bursts_path(p)],
            // A raw capture is written with its SigMF metadata next to it.
            Write::ExportSelection(p) if is_raw(p) => {
                let meta = p.with_file_name(format!(
                    "{}.sigmf-meta",
                    p.file_stem().unwrap_or_default().to_string_lossy()
                ));
                vec![path, meta]
            }
            _ => vec![path],
        }
    }
}

fn is_raw(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| crate::io::Encoding::from_raw_extension(e).is_some() || e == "sigmf-data")
}

/// The question on screen, or a step waiting for the user.
pub enum Question {
    /// The document has unsaved edits; `Then` would close it.
    Unsaved(Then),
    /// "Save edit list…" was chosen and the save dialog is open; `Then` follows a save.
    SaveFirst(Then),
    /// These files exist: replace them? `then` follows a successful write (a save before
    /// closing the document).
    Replace {
        /// What to write.
        write: Write,
        /// The existing files it would replace.
        existing: Vec<PathBuf>,
        /// What waits for the write.
        then: Option<Then>,
    },
    /// An earlier session left unsaved edits for this recording.
    Restore(Box<Snapshot>),
    /// A session's recording has changed since the session was saved: apply its edits anyway,
    /// open the recording without them, or cancel.
    SessionChanged(Box<Arrival>),
    /// A session's recording is nowhere to be found: locate it, or cancel.
    SessionMissing {
        /// The session file.
        path: PathBuf,
        /// What it holds.
        session: Box<Session>,
    },
}

/// An answer to a [`Question`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Save the edit list first, then go on.
    Save,
    /// Go on and lose the edits (or the autosave).
    Discard,
    /// Do nothing.
    Cancel,
    /// Write over the existing files.
    Replace,
    /// Restore the autosaved edits.
    Restore,
    /// Apply a session's edits to a recording that changed since.
    ApplyAnyway,
    /// Show the file dialog to find a session's recording.
    Locate,
}

/// Draws `question` as a modal window; the buttons send [`Command::Answer`].
pub fn question_ui(ctx: &egui::Context, question: &Question, recording_name: &str, commands: &CommandSender) {
    let answer = |a| commands.send(Command::Answer(a));
    match question {
        Question::SaveFirst(_) => {}
        Question::Unsaved(then) => {
            modal(ctx, "confirm-unsaved", |ui| {
                ui.heading("Unsaved edits");
                let what = match then {
                    Then::Open(p) => format!("Opening {} will close {recording_name}.", name(p)),
                    Then::OpenDemo => format!("Opening the demo will close {recording_name}."),
                    Then::ImportImage(r) => format!(
                        "Opening the sound of {} will close {recording_name}.",
                        name(&r.path)
                    ),
                    Then::Quit => format!("Quitting will close {recording_name}."),
                    Then::Show(a) => format!(
                        "{} has opened; showing it will close {recording_name}.",
                        name(a.recording.path())
                    ),
                };
                ui.label(what);
                ui.label("Its edit list has changed since it was last saved.");
                ui.add_space(6.0);
                ui.horizontal(|ui| {
                    if ui.button("Save edit list…").clicked() {
                        answer(Answer::Save);
                    }
                    if ui.button("Discard edits").clicked() {
                        answer(Answer::Discard);
                    }
                    if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                        answer(Answer::Cancel);
                    }
                });
            });
        }
        Question::Replace { existing, .. } => {
            modal(ctx, "confirm-replace", |ui| {
                let names: Vec<String> = existing.iter().map(|p| name(p)).collect();
                ui.heading(format!("Replace {}?", names.join(" and ")));
                let folder = existing
                    .first()
                    .and_then(|p| p.parent())
                    .filter(|d| !d.as_os_str().is_empty())
                    .map(|d| format!(" in {}", d.display()))
                    .unwrap_or_default();
                ui.label(if names.len() == 1 {
                    format!(
                        "A file with this name already exists{folder}. Replacing it overwrites its contents."
                    )
                } else {
                    format!("These files already exist{folder}. Replacing them overwrites their contents.")
                });
                ui.add_space(6.0);
                ui.horizontal(|ui| {
                    if ui.button("Replace").clicked() {
                        answer(Answer::Replace);
                    }
                    if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                        answer(Answer::Cancel);
                    }
                });
            });
        }
        Question::SessionChanged(arrival) => {
            modal(ctx, "confirm-session-changed", |ui| {
                let file = name(arrival.recording.path());
                let session = arrival
                    .session
                    .as_ref()
                    .map(|s| name(&s.path))
                    .unwrap_or_default();
                ui.heading(format!("{file} has changed"));
                ui.label(format!(
                    "{file} is not the recording {session} was saved with (its content differs). \
                     Its edits may no longer fit it."
                ));
                ui.add_space(6.0);
                ui.horizontal(|ui| {
                    if ui.button("Apply edits anyway").clicked() {
                        answer(Answer::ApplyAnyway);
                    }
                    if ui.button("Open without edits").clicked() {
                        answer(Answer::Discard);
                    }
                    if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                        answer(Answer::Cancel);
                    }
                });
            });
        }
        Question::SessionMissing { path, session } => {
            modal(ctx, "confirm-session-missing", |ui| {
                ui.heading(format!("Where is {}?", name(&session.recording.path)));
                ui.label(format!(
                    "{} edits {}, which is no longer there (nor beside the session).",
                    name(path),
                    session.recording.path.display()
                ));
                ui.add_space(6.0);
                ui.horizontal(|ui| {
                    if ui.button("Locate recording…").clicked() {
                        answer(Answer::Locate);
                    }
                    if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                        answer(Answer::Cancel);
                    }
                });
            });
        }
        Question::Restore(snapshot) => {
            modal(ctx, "confirm-restore", |ui| {
                ui.heading(format!(
                    "Restore unsaved edits from {}?",
                    format_time(snapshot.saved_unix_s)
                ));
                let n = snapshot.list.edits.len();
                ui.label(format!(
                    "Spectro closed without saving the edit list of {recording_name} ({n} edit{}).",
                    if n == 1 { "" } else { "s" }
                ));
                ui.label("Restore them, or discard them for good?");
                ui.add_space(6.0);
                ui.horizontal(|ui| {
                    if ui.button("Restore").clicked() {
                        answer(Answer::Restore);
                    }
                    if ui.button("Discard").clicked() {
                        answer(Answer::Discard);
                    }
                });
            });
        }
    }
}

fn modal(ctx: &egui::Context, id: &str, content: impl FnOnce(&mut egui::Ui)) {
    egui::Modal::new(egui::Id::unique(id)).show(ctx, |ui| {
        ui.set_max_width(520.0);
        content(ui)
    });
}
