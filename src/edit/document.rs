//! An open document: the recording, its edit list and the undo history. Knows nothing about
//! windows or devices, so the editor, tests and scripts share it.

use std::sync::Arc;

use super::history::{Change, History};
use super::list::{Edit, EditList};
use crate::signal::SampleSource;

/// The time span a change affects, in seconds, or everywhere.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Affected {
    /// Only frames whose centre lies in `[start, end]` seconds changed.
    Span([f64; 2]),
    /// Anything may have changed.
    Everywhere,
}

impl Affected {
    fn of_edit(edit: &Edit, default_feather_s: f64) -> Affected {
        edit.time_extent_s(default_feather_s)
            .map_or(Affected::Everywhere, Affected::Span)
    }

    fn union(self, other: Affected) -> Affected {
        match (self, other) {
            (Affected::Span(a), Affected::Span(b)) => Affected::Span([a[0].min(b[0]), a[1].max(b[1])]),
            _ => Affected::Everywhere,
        }
    }

    /// True if the span overlaps `[t0, t1]`.
    pub fn overlaps(&self, t0: f64, t1: f64) -> bool {
        match self {
            Affected::Span([a, b]) => *a <= t1 && t0 <= *b,
            Affected::Everywhere => true,
        }
    }
}

/// A recording being edited.
pub struct Document {
    /// The unedited samples.
    pub source: Arc<dyn SampleSource>,
    /// The edits.
    pub edits: EditList,
    /// Undo and redo.
    pub history: History,
    /// Incremented on every change of `edits`, so caches know what they were computed for.
    pub revision: u64,
}

impl Document {
    /// A document with no edits.
    pub fn new(source: Arc<dyn SampleSource>) -> Self {
        Document {
            source,
            edits: EditList::default(),
            history: History::new(),
            revision: 0,
        }
    }

    fn affected(&self, change: &Change, default_feather_s: f64) -> Affected {
        match change {
            // Order changes what the edits between the two places act on: all of them.
            Change::Move { from, to } => self
                .edits
                .edits
                .get(*from.min(to)..=*from.max(to))
                .unwrap_or_default()
                .iter()
                .map(|e| Affected::of_edit(e, default_feather_s))
                .reduce(Affected::union)
                .unwrap_or(Affected::Span([0.0, 0.0])),
            Change::Add(e) | Change::Remove { edit: e, .. } => Affected::of_edit(e, default_feather_s),
            Change::Replace { before, after, .. } => Affected::of_edit(before, default_feather_s)
                .union(Affected::of_edit(after, default_feather_s)),
            Change::ReplaceAll { .. } | Change::SetStft { .. } => Affected::Everywhere,
            // Masks do not depend on it; the paint layer it changes is redrawn when recomputed.
            Change::SetPhase { .. } => Affected::Span([0.0, 0.0]),
        }
    }

    /// Applies `change` as one undoable step; returns what it affected.
    pub fn apply(&mut self, change: Change, default_feather_s: f64) -> Affected {
        let affected = self.affected(&change, default_feather_s);
        self.history.apply(&mut self.edits, change);
        self.revision += 1;
        affected
    }

    /// Changes the edit at `index` to `after` within the last step, when that step replaced the
    /// same edit (a drag continuing); returns what it affected, or `None` (nothing changed) when
    /// the last step was something else and `after` needs a step of its own.
    pub fn amend(&mut self, index: usize, after: Edit, default_feather_s: f64) -> Option<Affected> {
        let before = self.edits.edits.get(index)?.clone();
        if !self.history.amend(&mut self.edits, index, after.clone()) {
            return None;
        }
        self.revision += 1;
        Some(
            Affected::of_edit(&before, default_feather_s).union(Affected::of_edit(&after, default_feather_s)),
        )
    }

    /// Undoes the last step; `None` if there was nothing to undo.
    pub fn undo(&mut self, default_feather_s: f64) -> Option<Affected> {
        let before = self.edits.clone();
        if !self.history.undo(&mut self.edits) {
            return None;
        }
        self.revision += 1;
        Some(diff_affected(&before, &self.edits, default_feather_s))
    }

    /// Redoes the last undone step; `None` if there was nothing to redo.
    pub fn redo(&mut self, default_feather_s: f64) -> Option<Affected> {
        let before = self.edits.clone();
        if !self.history.redo(&mut self.edits) {
            return None;
        }
        self.revision += 1;
        Some(diff_affected(&before, &self.edits, default_feather_s))
    }
}

/// The span where two edit lists can differ.
fn diff_affected(a: &EditList, b: &EditList, default_feather_s: f64) -> Affected {
    if a.stft != b.stft {
        return Affected::Everywhere;
    }
    // A change of phase settings alone is redrawn when the paint layer is recomputed.
    let mut span: Option<Affected> = None;
    let n = a.edits.len().max(b.edits.len());
    for i in 0..n {
        let (x, y) = (a.edits.get(i), b.edits.get(i));
        if x == y {
            continue;
        }
        // Erase edits act on what precedes them, so a change shifts the meaning of later
        // entries: take every differing entry.
        for e in [x, y].into_iter().flatten() {
            let this = Affected::of_edit(e, default_feather_s);
            span = Some(span.map_or(this, |s| s.union(this)));
        }
    }
    span.unwrap_or(Affected::Span([0.0, 0.0]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::Shape;
    use crate::signal::MemorySource;

    #[test]
    fn changes_report_the_span_they_touch() {
        let source = Arc::new(MemorySource {
            sample_rate: 1000.0,
            channels: vec![vec![0.0f32; 10_000]],
        });
        let mut doc = Document::new(source);
        let mut e = Edit::new(
            Shape::Rect {
                time_s: [2.0, 3.0],
                freq_hz: [0.0, 100.0],
            },
            -20.0,
        );
        e.feather_s = Some(0.1);
        assert_eq!(doc.apply(Change::Add(e.clone()), 0.5), Affected::Span([1.9, 3.1]));
        assert_eq!(doc.undo(0.5), Some(Affected::Span([1.9, 3.1])));
        assert_eq!(doc.redo(0.5), Some(Affected::Span([1.9, 3.1])));
        assert_eq!(doc.revision, 3);
        // Moving a rectangle in time marks both where it was and where it went.
        let mut moved = e.clone();
        moved.shape = Shape::Rect {
            time_s: [6.0, 7.0],
            freq_hz: [0.0, 100.0],
        };
        let replace = Change::Replace {
            index: 0,
            before: e.clone(),
            after: moved.clone(),
        };
        assert_eq!(doc.apply(replace, 0.5), Affected::Span([1.9, 7.1]));
        assert_eq!(doc.undo(0.5), Some(Affected::Span([1.9, 7.1])));
        // A drag continuing: each amend marks the previous and the new place.
        let mut first = e.clone();
        first.shape = Shape::Rect {
            time_s: [4.0, 5.0],
            freq_hz: [0.0, 100.0],
        };
        doc.apply(
            Change::Replace {
                index: 0,
                before: e.clone(),
                after: first,
            },
            0.5,
        );
        assert_eq!(doc.amend(0, moved, 0.5), Some(Affected::Span([3.9, 7.1])));
        assert_eq!(doc.undo(0.5), Some(Affected::Span([1.9, 7.1])));
        // A reorder marks the spans of every edit between the two places.
        let mut late = e.clone();
        late.shape = Shape::Rect {
            time_s: [8.0, 9.0],
            freq_hz: [0.0, 100.0],
        };
        doc.apply(Change::Add(late), 0.5);
        assert_eq!(
            doc.apply(Change::Move { from: 1, to: 0 }, 0.5),
            Affected::Span([1.9, 9.1])
        );
        assert_eq!(doc.undo(0.5), Some(Affected::Span([1.9, 9.1])));
        doc.undo(0.5);
        let revision = doc.revision;
        e.invert = true;
        assert_eq!(doc.apply(Change::Add(e), 0.5), Affected::Everywhere);
        assert_eq!(doc.revision, revision + 1);
        assert!(Affected::Span([1.0, 2.0]).overlaps(1.5, 7.0));
        assert!(!Affected::Span([1.0, 2.0]).overlaps(2.5, 7.0));
    }
}
