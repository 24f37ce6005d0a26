//! The Edit commands: undo and redo, changes of the edit list (add, delete, adjust, phase),
//! noise learning; and redrawing what a change affected.

use super::SpectroApp;
use crate::edit::{Affected, Change, Denoise, Edit, NoiseEstimate, Shape, StftSettings, Voice};
use crate::signal::StftParams;
use crate::ui::command::Command;
use crate::ui::denoise::{current_denoise, learn_from_selection};
use crate::ui::view::Version;

impl SpectroApp {
    /// Carries out an Edit command.
    pub(super) fn edit_command(&mut self, command: Command) {
        match command {
            Command::Undo => {
                let hop_s = self.hop_s();
                // The selection and solo follow their edit back to where it was.
                let undone = self
                    .open
                    .as_ref()
                    .and_then(|o| o.doc.history.last_applied().cloned());
                let affected = self.open.as_mut().and_then(|o| o.doc.undo(2.0 * hop_s));
                if let (Some(change), Some(_)) = (&undone, affected) {
                    self.follow_edits(|i| change.index_before(i));
                }
                self.after_history(affected);
            }
            Command::Redo => {
                let hop_s = self.hop_s();
                let redone = self
                    .open
                    .as_ref()
                    .and_then(|o| o.doc.history.next_redo().cloned());
                let affected = self.open.as_mut().and_then(|o| o.doc.redo(2.0 * hop_s));
                if let (Some(change), Some(_)) = (&redone, affected) {
                    self.follow_edits(|i| change.index_after(i));
                }
                self.after_history(affected);
            }
            Command::SelectEdit(index) => {
                let count = self.open.as_ref().map_or(0, |o| o.doc.edits.edits.len());
                self.selected_edit = index.filter(|&i| i < count);
            }
            Command::SoloEdit(index) => self.set_solo(index),
            Command::Change(change) => self.apply_change(change),
            Command::AdjustEdit {
                index,
                after,
                gesture,
            } => self.adjust_edit(index, after, gesture),
            Command::LearnNoise => match self.transport.selection {
                Some(sel) => self.set_noise(learn_from_selection(sel, self.band_hz())),
                // A hint, not an error worth a dialog.
                None => self.hint(
                    "Select a stretch that holds only noise first (Select tool, S).",
                    true,
                ),
            },
            Command::EstimateNoise => self.set_noise(NoiseEstimate::Auto { window_s: None }),
            Command::IsolateVoice => self.isolate_voice(),
            Command::AddEdit(edit) => self.apply_change(Change::Add(edit)),
            Command::DeleteEdit(index) => {
                let edit = self
                    .open
                    .as_ref()
                    .and_then(|o| o.doc.edits.edits.get(index).cloned());
                if let Some(edit) = edit {
                    self.apply_change(Change::Remove { index, edit });
                }
            }
            Command::SetPhase(phase) => {
                let before = self.open.as_ref().and_then(|o| o.doc.edits.phase);
                if before != Some(phase) {
                    self.apply_change(Change::SetPhase {
                        before,
                        after: Some(phase),
                    });
                }
            }
            Command::SetStft(params) => self.change_stft(params),
            // The other domains' commands are routed elsewhere by `execute`.
            _ => {}
        }
    }

    /// Applies `change` to the edit list as one undoable step.
    pub(super) fn apply_change(&mut self, change: Change) {
        let hop_s = self.hop_s();
        let Some(open) = &mut self.open else { return };
        let follow = change.clone();
        let affected = open.doc.apply(change, 2.0 * hop_s);
        self.follow_edits(|i| follow.index_after(i));
        self.changed(affected);
        self.follow_stft();
    }

    /// The STFT command: with a document, an undoable change of the STFT its edits are
    /// rendered with (refused, with a message, when the recording cannot take it); without
    /// one, the setting for the next recording.
    fn change_stft(&mut self, params: StftParams) {
        let Some(open) = &self.open else {
            self.view.stft = params;
            return;
        };
        if params == self.view.stft {
            return;
        }
        // A step the engine cannot follow is never recorded.
        if let Err(e) = Self::make_engine(&open.recording, params) {
            return self.fail(e.to_string());
        }
        let before = open.doc.edits.stft;
        self.apply_change(Change::SetStft {
            before,
            after: Some(StftSettings::from_params(params)),
        });
    }

    /// Keeps the view's STFT on the document's after a change, an undo or a redo.
    pub(super) fn follow_stft(&mut self) {
        let Some(s) = self.open.as_ref().and_then(|o| o.doc.edits.stft) else {
            return;
        };
        if s.params() != self.view.stft {
            self.set_stft(s.params());
        }
    }

    /// Keeps the selection and the solo on the same edit after the list changed: `map` says
    /// where an edit went (`None`: it is gone). Ending solo shows the version shown before.
    fn follow_edits(&mut self, map: impl Fn(usize) -> Option<usize>) {
        let Some(open) = &mut self.open else { return };
        let count = open.doc.edits.edits.len();
        let map = |i: usize| map(i).filter(|&j| j < count);
        self.selected_edit = self.selected_edit.and_then(map);
        if let Some((i, version)) = open.solo {
            match map(i) {
                Some(j) => open.solo = Some((j, version)),
                None => {
                    open.solo = None;
                    self.view.version = version;
                    // What is shown changes everywhere: the whole list again.
                    self.changed(Affected::Everywhere);
                }
            }
        }
    }

    /// Solos the edit at `index` (or ends solo, `None`): the picture, waveform and playback
    /// are computed from that edit alone and show what it changes (the removed version);
    /// ending solo goes back to the whole list and the version shown before.
    fn set_solo(&mut self, index: Option<usize>) {
        let Some(open) = &mut self.open else { return };
        let index = index.filter(|&i| i < open.doc.edits.edits.len());
        if open.solo.map(|(i, _)| i) == index {
            return;
        }
        let before = open.solo.map_or(self.view.version, |(_, v)| v);
        match index {
            Some(i) => {
                open.solo = Some((i, before));
                self.view.version = Version::Removed;
            }
            None => {
                open.solo = None;
                self.view.version = before;
            }
        }
        self.changed(Affected::Everywhere);
    }

    /// Redraws and re-renders what a change of the edit list affected.
    pub(super) fn changed(&mut self, affected: Affected) {
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

    /// Selects the voice isolation edit, or adds one at the default reduction. The model loads
    /// on the first render that needs it (a worker), not here.
    fn isolate_voice(&mut self) {
        let Some(open) = &self.open else { return };
        let edits = &open.doc.edits.edits;
        if let Some(index) = edits.iter().position(|e| matches!(e.shape, Shape::Voice(_))) {
            self.selected_edit = Some(index);
            return;
        }
        if let Err(e) = crate::edit::voice::check_voice_input(open.recording.as_ref()) {
            return self.fail(format!("Cannot isolate the voice: {e}"));
        }
        let index = edits.len();
        let voice = Voice::default();
        let status = voice.describe();
        self.apply_change(Change::Add(Edit::new(Shape::Voice(voice), 0.0)));
        self.selected_edit = Some(index);
        self.set_status(status);
    }

    /// Says once, in the window, why voice steps change nothing when the model failed to
    /// load (on the worker that first needed it).
    pub(crate) fn voice_model_frame(&mut self, ctx: &egui::Context) {
        let has_voice = self.open.as_ref().is_some_and(|o| {
            o.doc
                .edits
                .edits
                .iter()
                .any(|e| e.is_active() && matches!(e.shape, Shape::Voice(_)))
        });
        if !has_voice {
            return;
        }
        let Some(error) = crate::edit::voice::model_error() else {
            return;
        };
        let id = egui::Id::unique("voice model error shown");
        if ctx.data(|d| d.get_temp::<bool>(id)).is_none() {
            ctx.data_mut(|d| d.insert_temp(id, true));
            self.fail(format!("Voice isolation cannot run: {error}"));
        }
    }

    /// Redraws what an undo or redo changed; forgets a selected edit that is gone.
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
        self.follow_stft();
    }

    /// The Threshold tool's button: a threshold edit over the whole view.
    pub(super) fn threshold_view(&mut self) {
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
}
