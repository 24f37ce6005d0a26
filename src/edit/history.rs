//! Undo and redo: a list of changes to the edit list, one user gesture per step.

use super::list::{Edit, EditList, PhaseSettings, StftSettings};

/// One undoable step.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Append an edit.
    Add(Edit),
    /// Remove the edit at `index`.
    Remove {
        /// Position in the list.
        index: usize,
        /// The edit removed (kept for undo).
        edit: Edit,
    },
    /// Replace the edit at `index`.
    Replace {
        /// Position in the list.
        index: usize,
        /// The edit before the change.
        before: Edit,
        /// The edit after the change.
        after: Edit,
    },
    /// Change how painted energy gets its phase.
    SetPhase {
        /// Settings before.
        before: Option<PhaseSettings>,
        /// Settings after.
        after: Option<PhaseSettings>,
    },
    /// Change the STFT the edits are rendered with (default feathers and denoise smoothing are
    /// in hops and bins, so the output depends on it).
    SetStft {
        /// Settings before.
        before: Option<StftSettings>,
        /// Settings after.
        after: Option<StftSettings>,
    },
    /// Replace the whole list (loading an edit list, clearing).
    ReplaceAll {
        /// List before.
        before: EditList,
        /// List after.
        after: EditList,
    },
}

impl Change {
    fn apply(&self, list: &mut EditList) {
        match self {
            Change::Add(e) => list.edits.push(e.clone()),
            Change::Remove { index, .. } => {
                list.edits.remove(*index);
            }
            Change::Replace { index, after, .. } => list.edits[*index] = after.clone(),
            Change::SetPhase { after, .. } => list.phase = *after,
            Change::SetStft { after, .. } => list.stft = *after,
            Change::ReplaceAll { after, .. } => *list = after.clone(),
        }
    }

    fn revert(&self, list: &mut EditList) {
        match self {
            Change::Add(_) => {
                list.edits.pop();
            }
            Change::Remove { index, edit } => list.edits.insert(*index, edit.clone()),
            Change::Replace { index, before, .. } => list.edits[*index] = before.clone(),
            Change::SetPhase { before, .. } => list.phase = *before,
            Change::SetStft { before, .. } => list.stft = *before,
            Change::ReplaceAll { before, .. } => *list = before.clone(),
        }
    }

    /// A short description for the history panel.
    pub fn describe(&self) -> String {
        match self {
            Change::Add(e) => match e.as_denoise() {
                Some(d) => format!("denoise {}", gain_text(-d.reduction_db)),
                None => format!("{} {}", e.shape.type_name(), gain_text(e.gain_db)),
            },
            Change::Remove { edit, .. } => format!("delete {}", edit.shape.type_name()),
            Change::Replace { after, .. } => format!("change {}", after.shape.type_name()),
            Change::SetPhase { .. } => "phase settings".to_owned(),
            Change::SetStft { after, .. } => match after {
                Some(s) => {
                    let p = s.params();
                    format!("STFT {} / hop {}", p.fft_len, p.hop)
                }
                None => "STFT default".to_owned(),
            },
            Change::ReplaceAll { after, .. } => format!("load {} edits", after.edits.len()),
        }
    }
}

fn gain_text(db: f64) -> String {
    if db == f64::NEG_INFINITY {
        "remove".to_owned()
    } else {
        format!("{db:+.0} dB")
    }
}

/// Undo and redo stacks over an [`EditList`], plus whether it changed since it was saved.
#[derive(Clone, Debug, Default)]
pub struct History {
    undo: Vec<(Change, u64)>,
    redo: Vec<(Change, u64)>,
    /// Identifier of the current state; every new change gets a fresh one.
    state: u64,
    next_state: u64,
    saved_state: u64,
}

impl History {
    /// An empty history whose current state counts as saved.
    pub fn new() -> Self {
        Self::default()
    }

    /// Performs `change` on `list` and records it; clears the redo stack.
    pub fn apply(&mut self, list: &mut EditList, change: Change) {
        change.apply(list);
        self.undo.push((change, self.state));
        self.redo.clear();
        self.next_state += 1;
        self.state = self.next_state;
    }

    /// Reverts the last change; false if there is none.
    pub fn undo(&mut self, list: &mut EditList) -> bool {
        let Some((change, previous)) = self.undo.pop() else {
            return false;
        };
        change.revert(list);
        self.redo.push((change, self.state));
        self.state = previous;
        true
    }

    /// Re-applies the last undone change; false if there is none.
    pub fn redo(&mut self, list: &mut EditList) -> bool {
        let Some((change, next)) = self.redo.pop() else {
            return false;
        };
        change.apply(list);
        self.undo.push((change, self.state));
        self.state = next;
        true
    }

    /// Changes the edit at `index` to `after` as part of the last step, when that step replaced
    /// the same edit: a slider dragged through many values is one undo step. Returns false
    /// (and changes nothing) otherwise.
    pub fn amend(&mut self, list: &mut EditList, index: usize, after: Edit) -> bool {
        let Some((
            Change::Replace {
                index: i,
                after: last,
                ..
            },
            _,
        )) = self.undo.last_mut()
        else {
            return false;
        };
        if *i != index || index >= list.edits.len() {
            return false;
        }
        *last = after.clone();
        list.edits[index] = after;
        self.redo.clear();
        self.next_state += 1;
        self.state = self.next_state;
        true
    }

    /// True if there is something to undo.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// True if there is something to redo.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Descriptions of the applied changes, oldest first.
    pub fn applied(&self) -> impl Iterator<Item = String> + '_ {
        self.undo.iter().map(|(c, _)| c.describe())
    }

    /// Descriptions of the undone changes, next to redo first.
    pub fn undone(&self) -> impl Iterator<Item = String> + '_ {
        self.redo.iter().rev().map(|(c, _)| c.describe())
    }

    /// Marks the current state as saved.
    pub fn mark_saved(&mut self) {
        self.saved_state = self.state;
    }

    /// True if the list differs from the last saved state.
    pub fn is_dirty(&self) -> bool {
        self.state != self.saved_state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::Shape;

    fn rect(gain: f64) -> Edit {
        Edit::new(
            Shape::Rect {
                time_s: [0.0, 1.0],
                freq_hz: [0.0, 100.0],
            },
            gain,
        )
    }

    #[test]
    fn undo_redo_restore_exact_states_and_track_saving() {
        let mut list = EditList::default();
        let mut h = History::new();
        assert!(!h.is_dirty());
        h.apply(&mut list, Change::Add(rect(-10.0)));
        h.apply(&mut list, Change::Add(rect(-20.0)));
        h.mark_saved();
        let saved = list.clone();
        h.apply(
            &mut list,
            Change::Replace {
                index: 0,
                before: rect(-10.0),
                after: rect(-30.0),
            },
        );
        assert!(h.is_dirty());
        assert!(h.undo(&mut list));
        assert_eq!(list, saved);
        assert!(!h.is_dirty());
        assert!(h.undo(&mut list));
        assert_eq!(list.edits, vec![rect(-10.0)]);
        assert!(h.redo(&mut list));
        assert_eq!(list, saved);
        assert!(!h.is_dirty());
        // A new change after undo drops the redo branch.
        h.undo(&mut list);
        h.apply(
            &mut list,
            Change::Remove {
                index: 0,
                edit: rect(-10.0),
            },
        );
        assert!(!h.can_redo());
        assert!(list.edits.is_empty());
        assert!(h.is_dirty());
    }

    #[test]
    fn stft_changes_are_undoable_and_mark_the_list_unsaved() {
        let mut list = EditList::default();
        let mut h = History::new();
        h.apply(&mut list, Change::Add(rect(-10.0)));
        let first = StftSettings::from_params(crate::signal::StftParams::with_fft(2048));
        list.stft = Some(first);
        h.mark_saved();
        let second = StftSettings::from_params(crate::signal::StftParams::with_fft(512));
        h.apply(
            &mut list,
            Change::SetStft {
                before: Some(first),
                after: Some(second),
            },
        );
        assert_eq!(list.stft, Some(second));
        assert!(h.is_dirty(), "an STFT change is unsaved work");
        assert_eq!(list.edits, vec![rect(-10.0)], "the edits themselves stay");
        assert!(h.applied().last().is_some_and(|d| d.contains("512")));
        assert!(h.undo(&mut list));
        assert_eq!(list.stft, Some(first));
        assert!(!h.is_dirty());
        assert!(h.redo(&mut list));
        assert_eq!(list.stft, Some(second));
        assert!(h.is_dirty());
        // Saved edit lists carry the settings.
        let again = EditList::from_json(&list.to_json()).unwrap();
        assert_eq!(again.stft.map(|s| s.params()), Some(second.params()));
    }

    #[test]
    fn amending_a_replace_keeps_one_step() {
        let mut list = EditList::default();
        let mut h = History::new();
        h.apply(&mut list, Change::Add(rect(-10.0)));
        // Only a replace of the same edit can be amended.
        assert!(!h.amend(&mut list, 0, rect(-11.0)));
        h.apply(
            &mut list,
            Change::Replace {
                index: 0,
                before: rect(-10.0),
                after: rect(-12.0),
            },
        );
        h.mark_saved();
        for g in [-14.0, -18.0, -24.0] {
            assert!(h.amend(&mut list, 0, rect(g)));
        }
        assert!(!h.amend(&mut list, 1, rect(-1.0)));
        assert_eq!(list.edits, vec![rect(-24.0)]);
        assert!(h.is_dirty());
        assert_eq!(h.applied().count(), 2);
        assert!(h.undo(&mut list));
        assert_eq!(list.edits, vec![rect(-10.0)]);
        assert!(h.redo(&mut list));
        assert_eq!(list.edits, vec![rect(-24.0)]);
    }
}
