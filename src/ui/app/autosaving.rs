//! The open document's autosave: written a few seconds after each change, offered back when
//! the recording is opened again after a crash.

use std::time::Instant;

use super::{SpectroApp, Status};
use crate::edit::{Change, StftSettings};
use crate::signal::SampleSource;
use crate::ui::autosave::{Snapshot, format_time, now_unix_s, recording_id};
use crate::ui::confirm::Question;

impl SpectroApp {
    /// After a document opened: offers back the edits an earlier session autosaved for its
    /// recording, when they differ from what is loaded.
    pub(super) fn offer_restore(&mut self) {
        let Some(open) = &self.open else { return };
        let source = open.inputs.first().map(|i| i.path.clone());
        let id = recording_id(source.as_deref(), open.recording.path());
        match self.autosave.open(id) {
            None => {}
            Some(Ok(snapshot)) if snapshot.same_edits(&open.doc.edits) => {
                // Nothing that is not already loaded.
                self.autosave.adopt();
                self.autosave.remove();
            }
            Some(Ok(snapshot)) => self.question = Some(Question::Restore(Box::new(snapshot))),
            Some(Err(e)) => {
                self.autosave.adopt();
                self.status = Some(Status {
                    text: format!(
                        "The autosave of this recording cannot be read ({e}); it will be replaced."
                    ),
                    error: true,
                });
            }
        }
    }

    /// Puts the autosaved edits back as one undoable change; they stay unsaved.
    pub(super) fn restore(&mut self, snapshot: Snapshot) {
        self.autosave.adopt();
        let Some(open) = &mut self.open else { return };
        if let Some(message) = missing_channel(&snapshot.list, open.recording.channels()) {
            return self.fail(format!("Cannot restore the autosaved edits: {message}"));
        }
        let before = open.doc.edits.clone();
        if snapshot.edits_path.is_some() {
            open.edits_path = snapshot.edits_path.clone();
        }
        let mut list = snapshot.list;
        list.stft = list.stft.or(before.stft);
        let n = list.edits.len();
        self.apply_change(Change::ReplaceAll { before, after: list });
        self.set_status(format!(
            "Restored {n} edit{} autosaved at {} (not saved yet)",
            if n == 1 { "" } else { "s" },
            format_time(snapshot.saved_unix_s)
        ));
    }

    /// Each frame: writes the autosave once the edits have been quiet for a moment.
    pub(super) fn autosave_frame(&mut self, ctx: &egui::Context) {
        if !self.autosave.enabled() {
            return;
        }
        let unsaved = self.needs_asking();
        let params = self.view.stft;
        let Some(open) = &self.open else { return };
        let wait = self
            .autosave
            .tick(open.doc.revision, unsaved, Instant::now(), |id| {
                let mut list = open.doc.edits.clone();
                list.stft = Some(StftSettings::from_params(params));
                Snapshot {
                    recording: id.to_owned(),
                    saved_unix_s: now_unix_s(),
                    edits_path: open.edits_path.clone(),
                    list,
                }
            });
        if let Some(wait) = wait {
            ctx.request_repaint_after(wait);
        }
        if let Some(e) = self.autosave.take_error() {
            self.status = Some(Status {
                text: format!("Autosave failed: {e}"),
                error: true,
            });
        }
    }
}

/// The first edit naming a channel the recording does not have, as a message.
pub(super) fn missing_channel(list: &crate::edit::EditList, channels: usize) -> Option<String> {
    list.edits.iter().enumerate().find_map(|(i, e)| {
        e.channels
            .iter()
            .flatten()
            .find(|&&c| c >= channels)
            .map(|&c| format!("edits[{i}]: channel {c} does not exist (the recording has {channels})"))
    })
}
