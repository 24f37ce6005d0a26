//! Asking before losing the user's work: whatever closes the document (open, drop, import,
//! quit, a slow open that finishes after new edits) asks when it has unsaved edits, and the
//! answer carries out what waited. Quitting cancels the running writes.

use std::time::Duration;

use super::{JobKind, SpectroApp};
use crate::ui::confirm::{Answer, Arrival, Question, Then};
use crate::ui::dialogs::FilePurpose;
use crate::ui::overwrite::name;

/// How long exiting waits for cancelled writes to remove their temporary files.
const EXIT_WAIT: Duration = Duration::from_secs(10);

impl SpectroApp {
    /// Something that closes the document: asks first when that would lose unsaved edits.
    pub(super) fn request(&mut self, then: Then, ctx: &egui::Context) {
        if self.needs_asking() {
            // A newer request replaces an unanswered question; it is asked all the same.
            self.question = Some(Question::Unsaved(then));
        } else {
            self.proceed(then, ctx);
        }
    }

    /// A recording finished opening: shown at once, unless edits made meanwhile are unsaved
    /// (then asked) or a question is on screen (then held until it is answered).
    pub(super) fn arrive(&mut self, arrival: Arrival, ctx: &egui::Context) {
        if self.question.is_some() {
            self.arrived = Some(arrival);
        } else if self.needs_asking() {
            self.question = Some(Question::Unsaved(Then::Show(Box::new(arrival))));
        } else {
            self.install(arrival, ctx);
        }
    }

    /// Does what waited for the edits' fate.
    pub(super) fn proceed(&mut self, then: Then, ctx: &egui::Context) {
        match then {
            Then::Open(path) => self.start_open(path, ctx),
            Then::OpenDemo => self.start_open_demo(ctx),
            Then::ImportImage(request) => self.start_import(*request, ctx),
            Then::Quit => self.quit_now(ctx),
            Then::Show(arrival) => self.install(*arrival, ctx),
        }
    }

    /// Carries out the answer to the question on screen.
    pub(super) fn answer(&mut self, answer: Answer, ctx: &egui::Context) {
        let Some(question) = self.question.take() else {
            return;
        };
        match (question, answer) {
            (Question::Unsaved(then), Answer::Save) => self.save_then(then, ctx),
            (Question::Unsaved(then), Answer::Discard) => {
                self.discard_consent = self.open.as_ref().map(|o| o.doc.revision);
                self.autosave.remove();
                self.proceed(then, ctx);
            }
            (Question::Unsaved(Then::Show(arrival)), Answer::Cancel) => self.set_status(format!(
                "{} was not opened; the current recording stays open.",
                name(arrival.recording.path())
            )),
            (Question::Unsaved(_), Answer::Cancel) => {}
            (Question::Replace { write, then, .. }, Answer::Replace) => self.write(write, true, then, ctx),
            (Question::Replace { write, .. }, Answer::Cancel) => self.set_status(format!(
                "Nothing was written; {} is unchanged.",
                name(write.path())
            )),
            (Question::Restore(snapshot), Answer::Restore) => self.restore(*snapshot),
            (Question::SessionChanged(mut arrival), Answer::ApplyAnyway) => {
                if let Some(s) = &mut arrival.session {
                    s.matched = true;
                }
                self.install(*arrival, ctx);
            }
            (Question::SessionChanged(mut arrival), Answer::Discard) => {
                arrival.session = None;
                self.install(*arrival, ctx);
            }
            (Question::SessionChanged(arrival), Answer::Cancel) => self.set_status(format!(
                "{} was not opened.",
                arrival
                    .session
                    .as_ref()
                    .map_or_else(|| name(arrival.recording.path()), |s| name(&s.path))
            )),
            (Question::SessionMissing { path, session }, Answer::Locate) => self.locate(path, session, ctx),
            (Question::SessionMissing { path, .. }, Answer::Cancel) => {
                self.set_status(format!("{} was not opened.", name(&path)))
            }
            (Question::Restore(_), Answer::Discard) => {
                self.autosave.adopt();
                self.autosave.remove();
                self.set_status("Discarded the autosaved edits.");
            }
            // An answer meant for another question (a stale click): keep asking.
            (question, _) => self.question = Some(question),
        }
    }

    /// "Save edit list…" before `then`: to the list's file, or through the save dialog (`then`
    /// follows the save, and is dropped if the dialog is cancelled or the save fails).
    fn save_then(&mut self, then: Then, ctx: &egui::Context) {
        let (edits, session) = self
            .open
            .as_ref()
            .map_or((None, None), |o| (o.edits_path.clone(), o.session_path.clone()));
        match (edits, session) {
            (Some(path), _) => {
                // The list's own file: plain Save.
                if self.save_edits(path, true) {
                    self.proceed(then, ctx);
                }
            }
            // Opened from a session (or saved in one): the session keeps the edits.
            // In the background; `then` follows once it is written.
            (None, Some(path)) => self.save_session(path, true, Some(then), ctx),
            (None, None) => {
                let suggested = self.suggested_path("json", ".edits");
                self.dialogs.ask(FilePurpose::SaveEdits, suggested, ctx);
                self.question = Some(Question::SaveFirst(then));
            }
        }
    }

    /// Each frame, after the commands: a save dialog closed without saving cancels what
    /// waited for it; a recording that arrived during a question is handled once answered.
    pub(super) fn questions_frame(&mut self, ctx: &egui::Context) {
        if matches!(self.question, Some(Question::SaveFirst(_))) && !self.dialogs.is_open() {
            self.question = None;
            self.set_status("The edit list was not saved; nothing was closed.");
        }
        if self.question.is_none()
            && let Some(arrival) = self.arrived.take()
        {
            self.arrive(arrival, ctx);
        }
    }

    /// Closes the window: running writes are cancelled (each removes its temporary file), and
    /// the autosave of edits that were saved or given up is removed.
    pub(super) fn quit_now(&mut self, ctx: &egui::Context) {
        self.cancel_writes();
        if !self.needs_asking() {
            self.autosave.remove();
        }
        self.allow_close = true;
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }

    fn cancel_writes(&self) {
        for kind in [
            JobKind::Export,
            JobKind::SaveSession,
            JobKind::ImageExport,
            JobKind::Features,
            JobKind::Import,
        ] {
            self.jobs.cancel(kind);
        }
    }

    /// On exit (the window closed): stops the background writes and waits until they have
    /// removed their temporary files, removes the autosave unless it holds edits nobody agreed
    /// to lose, and waits for the autosave writer.
    pub fn shutdown(&mut self) {
        let mut ended = true;
        for kind in [
            JobKind::Export,
            JobKind::SaveSession,
            JobKind::ImageExport,
            JobKind::Features,
        ] {
            ended &= self.jobs.cancel_and_wait(kind, EXIT_WAIT);
        }
        if !ended {
            eprintln!("spectro: warning: an export did not stop in time; its temporary file may remain");
        }
        if !self.needs_asking() {
            self.autosave.remove();
        }
        self.autosave.flush();
    }
}
