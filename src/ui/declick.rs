//! The de-click panel: find clicks and crackle in the selection (or the whole recording), see
//! where they were found and how many, hear what was removed, keep it or undo it.
//!
//! The panel only reads the document and sends commands: adding the `declick` step is one
//! undo step, and the clicks come back from the signal layer the pipeline computes.

use super::command::{Command, CommandSender};
use super::span_action::{SpanAction, review_step_ui, span_action_ui};
use super::transport::Selection;
use super::view::Version;
use crate::edit::{Edit, Shape};
use crate::signal::declick::Click;
use crate::signal::limits::MAX_DECLICK_SENSITIVITY;

/// What the panel shows.
pub struct DeclickInput<'a> {
    /// The edits of the open document.
    pub edits: &'a [Edit],
    /// The time-frequency selection, if any.
    pub selection: Option<Selection>,
    /// The clicks the last computed signal layer found, `(channel, click)`.
    pub clicks: &'a [(usize, Click)],
    /// True while the signal layer is being computed.
    pub busy: bool,
    /// Shown and heard version.
    pub version: Version,
}

/// The de-click edit the `time_s` span and `sensitivity` describe.
pub fn declick_edit(time_s: Option<[f64; 2]>, sensitivity: f64) -> Edit {
    Edit::new(Shape::Declick { time_s, sensitivity }, 0.0)
}

/// The panel's contents; `sensitivity` is the slider's value, kept by the caller.
pub fn declick_panel_ui(
    ui: &mut egui::Ui,
    input: &DeclickInput<'_>,
    sensitivity: &mut f64,
    commands: &CommandSender,
) {
    ui.add(
        egui::Slider::new(sensitivity, 0.25..=MAX_DECLICK_SENSITIVITY.min(8.0))
            .logarithmic(true)
            .text("sensitivity"),
    )
    .on_hover_text("1 is calibrated; higher finds more, quieter clicks (and risks taking transients)");
    let action = SpanAction {
        verb: "De-click",
        on_selection: "Find and repair clicks in the selection's time span",
        without_selection: "First select a stretch (Select tool, S), or de-click everything",
        on_everything: "Find and repair clicks over the whole recording",
    };
    if let Some(span) = span_action_ui(ui, input.selection.as_ref(), &action) {
        commands.send(Command::AddEdit(declick_edit(span, *sensitivity)));
    }
    let steps = input
        .edits
        .iter()
        .filter(|e| matches!(e.shape, Shape::Declick { .. }))
        .count();
    if steps == 0 {
        ui.weak("Clicks found are marked above the spectrogram.");
        return;
    }
    if input.busy {
        ui.label("Finding clicks…");
    } else {
        let n = input.clicks.len();
        ui.label(format!(
            "{n} click{} found and repaired (marked above the picture)",
            if n == 1 { "" } else { "s" }
        ));
    }
    review_step_ui(ui, input.version, "de-click", commands);
}
