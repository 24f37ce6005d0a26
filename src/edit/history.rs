//! Undo and redo: a list of changes to the edit list, one user gesture per step.

use super::list::{Edit, EditList, PhaseSettings, StftSettings};

/// One undoable step.
#[derive(Clone, Debug, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "a few hundred bytes per undo step; boxing would change every caller"
)]
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
    /// Move the edit at `from` to position `to` (counted in the list after the move); the
    /// edits between shift by one. Order matters: erasers, repairs and signal changes act on
    /// what the edits before them left.
    Move {
        /// Position before the move.
        from: usize,
        /// Position after the move.
        to: usize,
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
            Change::Move { from, to } => move_edit(list, *from, *to),
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
            Change::Move { from, to } => move_edit(list, *to, *from),
        }
    }

    /// Where the edit at `index` before this change is after it; `None` if the change
    /// removed it (or replaced the whole list). Keeps a selection on the same edit.
    pub fn index_after(&self, index: usize) -> Option<usize> {
        match self {
            Change::Remove { index: r, .. } => match index.cmp(r) {
                std::cmp::Ordering::Less => Some(index),
                std::cmp::Ordering::Equal => None,
                std::cmp::Ordering::Greater => Some(index - 1),
            },
            Change::Move { from, to } => Some(moved_index(index, *from, *to)),
            Change::ReplaceAll { .. } => None,
            Change::Add(_) | Change::Replace { .. } | Change::SetPhase { .. } | Change::SetStft { .. } => {
                Some(index)
            }
        }
    }

    /// Where the edit at `index` after this change was before it (the inverse of
    /// [`Change::index_after`], for undo); `None` if the change added it (or replaced the whole
    /// list). An added edit is the last one: callers drop indices past the list's end.
    pub fn index_before(&self, index: usize) -> Option<usize> {
        match self {
            Change::Remove { index: r, .. } => Some(if index >= *r { index + 1 } else { index }),
            Change::Move { from, to } => Some(moved_index(index, *to, *from)),
            Change::ReplaceAll { .. } => None,
            Change::Add(_) | Change::Replace { .. } | Change::SetPhase { .. } | Change::SetStft { .. } => {
                Some(index)
            }
        }
    }

    /// A short description for the history panel.
    pub fn describe(&self) -> String {
        match self {
            Change::Add(e) => match e.as_denoise() {
                Some(d) => format!("denoise {}", gain_text(-d.reduction_db)),
                None => format!("{} {}", e.label(), gain_text(e.gain_db)),
            },
            Change::Remove { edit, .. } => format!("delete {}", edit.label()),
            Change::Replace { before, after, .. } => describe_replace(before, after),
            Change::SetPhase { .. } => "phase settings".to_owned(),
            Change::SetStft { after, .. } => match after {
                Some(s) => {
                    let p = s.params();
                    format!("STFT {} / hop {}", p.fft_len, p.hop)
                }
                None => "STFT default".to_owned(),
            },
            Change::ReplaceAll { after, .. } => match after.edits.len() {
                1 => "load 1 edit".to_owned(),
                n => format!("load {n} edits"),
            },
            Change::Move { from, to } => format!("move edit {} to {}", from + 1, to + 1),
        }
    }
}

/// Moves the edit at `from` to position `to` of the resulting list.
fn move_edit(list: &mut EditList, from: usize, to: usize) {
    if from < list.edits.len() && to < list.edits.len() {
        let e = list.edits.remove(from);
        list.edits.insert(to, e);
    }
}

/// Where the entry at `index` goes when the one at `from` moves to `to`.
fn moved_index(index: usize, from: usize, to: usize) -> usize {
    if index == from {
        return to;
    }
    // Out of the list at `from`, then into it at `to`.
    let without = if index > from { index - 1 } else { index };
    if without >= to { without + 1 } else { without }
}

/// Names the kind of change a replacement made, for the history panel.
fn describe_replace(before: &Edit, after: &Edit) -> String {
    let label = after.label();
    let same_but = |f: &dyn Fn(&mut Edit)| {
        let mut b = before.clone();
        f(&mut b);
        b == *after
    };
    if before.bypass != after.bypass && same_but(&|e| e.bypass = after.bypass) {
        if after.bypass {
            format!("bypass {label}")
        } else {
            format!("enable {label}")
        }
    } else if before.name != after.name && same_but(&|e| e.name = after.name.clone()) {
        format!("rename {} to {label}", before.label())
    } else if before.shape != after.shape && same_but(&|e| e.shape = after.shape.clone()) {
        format!("move or resize {label}")
    } else if before.gain_db != after.gain_db && same_but(&|e| e.gain_db = after.gain_db) {
        format!("{label} {}", gain_text(after.gain_db))
    } else {
        format!("change {label}")
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

    /// The change [`History::undo`] would revert.
    pub fn last_applied(&self) -> Option<&Change> {
        self.undo.last().map(|(c, _)| c)
    }

    /// The change [`History::redo`] would re-apply.
    pub fn next_redo(&self) -> Option<&Change> {
        self.redo.last().map(|(c, _)| c)
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
    fn moves_reorder_and_undo_exactly_and_indices_follow() {
        let mut list = EditList::default();
        let mut h = History::new();
        for g in [-1.0, -2.0, -3.0, -4.0] {
            h.apply(&mut list, Change::Add(rect(g)));
        }
        let before = list.clone();
        let gains = |l: &EditList| l.edits.iter().map(|e| e.gain_db).collect::<Vec<_>>();
        let change = Change::Move { from: 0, to: 2 };
        h.apply(&mut list, change.clone());
        assert_eq!(gains(&list), vec![-2.0, -3.0, -1.0, -4.0]);
        // Every index maps to where its edit went, and back.
        for i in 0..4 {
            let j = change.index_after(i).unwrap();
            assert_eq!(list.edits[j], before.edits[i], "{i} -> {j}");
            assert_eq!(change.index_before(j), Some(i));
        }
        assert_eq!(change.describe(), "move edit 1 to 3");
        assert!(h.undo(&mut list));
        assert_eq!(list, before);
        assert!(h.redo(&mut list));
        h.apply(&mut list, Change::Move { from: 3, to: 0 });
        assert_eq!(gains(&list), vec![-4.0, -2.0, -3.0, -1.0]);
        assert!(h.undo(&mut list));
        assert!(h.undo(&mut list));
        assert_eq!(list, before);
        let remove = Change::Remove {
            index: 1,
            edit: rect(-2.0),
        };
        assert_eq!(remove.index_after(1), None);
        assert_eq!(remove.index_after(3), Some(2));
        assert_eq!(remove.index_before(2), Some(3));
    }

    #[test]
    fn bypass_is_one_step_and_named_in_the_history() {
        let mut list = EditList::default();
        let mut h = History::new();
        h.apply(&mut list, Change::Add(rect(-10.0)));
        let before = list.clone();
        let mut after = rect(-10.0);
        after.bypass = true;
        let change = Change::Replace {
            index: 0,
            before: rect(-10.0),
            after: after.clone(),
        };
        assert_eq!(change.describe(), "bypass rect");
        h.apply(&mut list, change);
        assert!(list.edits[0].bypass);
        assert!(h.undo(&mut list));
        assert_eq!(list, before);
        let mut named = rect(-10.0);
        named.name = Some("hum".into());
        let rename = Change::Replace {
            index: 0,
            before: rect(-10.0),
            after: named,
        };
        assert_eq!(rename.describe(), "rename rect to hum");
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
