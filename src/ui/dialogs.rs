//! Dialogs: native file dialogs (rfd) on a thread, with an in-app path field when the desktop
//! has no dialog to show (a minimal Linux session without a portal), and the modal questions.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::command::{Command, CommandSender};
use super::jobs::Job;

/// What a file dialog is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilePurpose {
    /// Open a recording.
    OpenRecording,
    /// Load an edit list.
    LoadEdits,
    /// Save the edit list.
    SaveEdits,
    /// Export audio.
    ExportAudio,
    /// Open a picture as sound.
    OpenImage,
    /// Export a picture of the spectrogram.
    ExportImage,
    /// Export the selected time-frequency region as a new file.
    ExportSelection,
    /// Export features as CSV.
    ExportFeatures,
    /// Save a session.
    SaveSession,
    /// Find the recording of a session.
    LocateRecording,
}

impl FilePurpose {
    fn title(self) -> &'static str {
        match self {
            FilePurpose::OpenRecording => "Open recording",
            FilePurpose::LoadEdits => "Load edit list",
            FilePurpose::SaveEdits => "Save edit list",
            FilePurpose::ExportAudio => "Export audio",
            FilePurpose::OpenImage => "Open image as sound",
            FilePurpose::ExportImage => "Export image",
            FilePurpose::ExportSelection => "Export selection",
            FilePurpose::ExportFeatures => "Export features",
            FilePurpose::SaveSession => "Save session",
            FilePurpose::LocateRecording => "Locate the session's recording",
        }
    }

    fn saves(self) -> bool {
        matches!(
            self,
            FilePurpose::SaveEdits
                | FilePurpose::ExportAudio
                | FilePurpose::ExportSelection
                | FilePurpose::ExportFeatures
                | FilePurpose::ExportImage
                | FilePurpose::SaveSession
        )
    }

    /// The command for a chosen path.
    pub fn command(self, path: PathBuf) -> Command {
        match self {
            FilePurpose::OpenRecording => Command::Open(path),
            FilePurpose::LoadEdits => Command::LoadEdits(Some(path)),
            FilePurpose::SaveEdits => Command::SaveEditsAs(Some(path)),
            FilePurpose::ExportAudio => Command::ExportAudio(Some(path)),
            FilePurpose::OpenImage => Command::OpenImage(path),
            FilePurpose::ExportImage => Command::ExportImage(Some(path)),
            FilePurpose::ExportSelection => Command::ExportSelection(Some(path)),
            FilePurpose::ExportFeatures => Command::ExportFeatures(Some(path)),
            FilePurpose::SaveSession => Command::SaveSessionAs(Some(path)),
            FilePurpose::LocateRecording => Command::LocateRecording(path),
        }
    }
}

/// A dialog the user answers with a path: native when possible, otherwise typed in.
pub struct FileDialogs {
    native: Option<(FilePurpose, Instant, Job<Option<PathBuf>>)>,
    prompt: Option<Prompt>,
    /// Set when a native dialog could not be shown: use the in-app field from then on.
    no_native: bool,
}

/// The in-app path field.
struct Prompt {
    purpose: FilePurpose,
    text: String,
    /// Focus is given once, when it opens: asked for every frame, the field could never lose
    /// it, and Enter (which ends the editing) would never confirm.
    focused: bool,
}

impl Prompt {
    fn new(purpose: FilePurpose, text: String) -> Self {
        Prompt {
            purpose,
            text,
            focused: false,
        }
    }
}

/// A dialog that returns faster than this did not wait for a person: treat it as "no dialog
/// available" rather than "cancelled".
const TOO_FAST: Duration = Duration::from_millis(250);

impl FileDialogs {
    /// No dialog open. Without a D-Bus session there is no portal, so go straight to the field.
    pub fn new(native: bool) -> Self {
        FileDialogs {
            native: None,
            prompt: None,
            no_native: !native || std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none(),
        }
    }

    /// True while a dialog is open.
    pub fn is_open(&self) -> bool {
        self.native.is_some() || self.prompt.is_some()
    }

    /// Asks for a path for `purpose`, starting in `suggested`'s folder.
    pub fn ask(&mut self, purpose: FilePurpose, suggested: Option<PathBuf>, ctx: &egui::Context) {
        if self.is_open() {
            return;
        }
        if self.no_native {
            let text = suggested.map(|p| p.display().to_string()).unwrap_or_default();
            self.prompt = Some(Prompt::new(purpose, text));
            return;
        }
        let job = Job::spawn(purpose.title(), ctx, move |_| {
            let mut d = rfd::FileDialog::new().set_title(purpose.title());
            if let Some(p) = &suggested {
                if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                    d = d.set_directory(dir);
                }
                if let Some(name) = p.file_name() {
                    d = d.set_file_name(name.to_string_lossy());
                }
            }
            d = match purpose {
                FilePurpose::OpenRecording | FilePurpose::LocateRecording => d
                    .add_filter(
                        "Recordings",
                        &[
                            "wav",
                            "wave",
                            "rf64",
                            "bw64",
                            "w64",
                            "flac",
                            "ogg",
                            "oga",
                            "mp3",
                            "aif",
                            "aiff",
                            "aifc",
                            "caf",
                            "sigmf-meta",
                            "sigmf-data",
                            "cu8",
                            "cs8",
                            "cs16",
                            "cf32",
                            "complex16u",
                            "complex16s",
                            "complex32s",
                            "complex",
                            "cfile",
                        ],
                    )
                    .add_filter("Sessions", &["spectro"])
                    .add_filter("All files", &["*"]),
                FilePurpose::SaveSession => d.add_filter("Sessions", &["spectro"]),
                FilePurpose::LoadEdits | FilePurpose::SaveEdits => d.add_filter("Edit lists", &["json"]),
                FilePurpose::ExportAudio | FilePurpose::ExportSelection => {
                    d.add_filter("Audio", &["wav", "flac", "cu8", "cs8", "cs16", "cf32"])
                }
                FilePurpose::ExportFeatures => d.add_filter("CSV", &["csv"]),
                FilePurpose::OpenImage | FilePurpose::ExportImage => d
                    .add_filter("PNG pictures", &["png"])
                    .add_filter("All files", &["*"]),
            };
            if purpose.saves() {
                d.save_file()
            } else {
                d.pick_file()
            }
        });
        self.native = Some((purpose, Instant::now(), job));
    }

    /// Polls the native dialog and draws the typed-path window; sends the chosen command.
    pub fn ui(&mut self, ctx: &egui::Context, commands: &CommandSender) {
        if let Some((purpose, started, job)) = &self.native
            && let Some(result) = job.poll()
        {
            let (purpose, started) = (*purpose, *started);
            self.native = None;
            match result {
                Some(path) => commands.send(purpose.command(path)),
                None if started.elapsed() < TOO_FAST => {
                    self.no_native = true;
                    self.prompt = Some(Prompt::new(purpose, String::new()));
                }
                None => {}
            }
        }
        let Some(prompt) = &mut self.prompt else {
            return;
        };
        let mut close = false;
        let mut chosen = None;
        egui::Modal::new(egui::Id::unique("path-prompt")).show(ctx, |ui| {
            ui.heading(prompt.purpose.title());
            ui.label("Type the file's path:");
            let edit = ui.add(
                egui::TextEdit::singleline(&mut prompt.text)
                    .desired_width(420.0)
                    .id_salt("path-field"),
            );
            if !prompt.focused {
                edit.request_focus();
                prompt.focused = true;
            }
            let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let text = prompt.text.trim();
            ui.horizontal(|ui| {
                if (ui.button("OK").clicked() || enter) && !text.is_empty() {
                    chosen = Some(PathBuf::from(text));
                }
                if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                    close = true;
                }
            });
        });
        let purpose = prompt.purpose;
        if let Some(path) = chosen {
            commands.send(purpose.command(path));
            close = true;
        }
        if close {
            self.prompt = None;
        }
    }
}

/// Shows an error until dismissed; returns true when dismissed.
pub fn error_ui(ctx: &egui::Context, message: &str) -> bool {
    let mut dismissed = false;
    egui::Modal::new(egui::Id::unique("error")).show(ctx, |ui| {
        ui.heading("Spectro");
        ui.label(egui::RichText::new(message).color(ui.visuals().error_fg_color));
        if ui.button("OK").clicked()
            || ui.input(|i| i.key_pressed(egui::Key::Enter) || i.key_pressed(egui::Key::Escape))
        {
            dismissed = true;
        }
    });
    dismissed
}
