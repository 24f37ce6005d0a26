//! The de-hum panel: remove mains hum from the selection's time span (or the whole
//! recording), see the fundamental found (mean, drift) and the harmonics removed, hear what was
//! removed, keep it or undo it.
//!
//! The panel only reads the document and sends commands: adding the `dehum` step is one undo
//! step, computed off the UI thread with the rest of the signal layer; what it found comes back
//! from that layer.

use super::command::{Command, CommandSender};
use super::span_action::{SpanAction, review_step_ui, span_action_ui};
use super::transport::Selection;
use super::view::Version;
use crate::edit::{Edit, Shape};
use crate::signal::dehum::{DehumReport, Fundamental, MAX_HARMONICS};

/// What the panel shows.
pub struct DehumInput<'a> {
    /// The edits of the open document.
    pub edits: &'a [Edit],
    /// The time-frequency selection, if any.
    pub selection: Option<Selection>,
    /// What the de-hum steps of the last computed signal layer found, `(channel, report)`.
    pub found: &'a [(usize, DehumReport)],
    /// True while the signal layer is being computed.
    pub busy: bool,
    /// Shown and heard version.
    pub version: Version,
}

/// The panel's choices, kept by the caller between frames.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DehumChoice {
    /// The fundamental looked for.
    pub f0: Fundamental,
    /// Harmonics `1..=N`; `None`: those above the noise.
    pub harmonics: Option<usize>,
}

impl Default for DehumChoice {
    fn default() -> Self {
        DehumChoice {
            f0: Fundamental::Auto,
            harmonics: None,
        }
    }
}

/// The de-hum edit over `time_s` (everything for `None`) with `choice`.
pub fn dehum_edit(time_s: Option<[f64; 2]>, choice: DehumChoice) -> Edit {
    Edit::new(
        Shape::Dehum {
            time_s,
            f0: choice.f0,
            harmonics: choice.harmonics,
        },
        0.0,
    )
}

/// The panel's contents.
pub fn dehum_panel_ui(
    ui: &mut egui::Ui,
    input: &DehumInput<'_>,
    choice: &mut DehumChoice,
    commands: &CommandSender,
) {
    ui.horizontal(|ui| {
        ui.label("Mains");
        for (f0, label) in [
            (Fundamental::Hz(50.0), "50 Hz"),
            (Fundamental::Hz(60.0), "60 Hz"),
            (Fundamental::Auto, "auto"),
        ] {
            ui.selectable_value(&mut choice.f0, f0, label)
                .on_hover_text("The hum's fundamental is searched within 2 % of this (auto: 50 or 60 Hz)");
        }
    });
    ui.horizontal(|ui| {
        let mut all = choice.harmonics.is_none();
        ui.checkbox(&mut all, "harmonics above the noise")
            .on_hover_text("Remove every harmonic (up to the 40th) that stands above the spectrum around it");
        if all {
            choice.harmonics = None;
        } else {
            let mut n = choice.harmonics.unwrap_or(12);
            ui.add(
                egui::DragValue::new(&mut n)
                    .range(1..=MAX_HARMONICS)
                    .prefix("1 to "),
            )
            .on_hover_text("Remove harmonics 1 to N");
            choice.harmonics = Some(n);
        }
    });
    let action = SpanAction {
        verb: "De-hum",
        on_selection: "Remove the hum in the selection's time span",
        without_selection: "First select a stretch (Select tool, S), or de-hum everything",
        on_everything: "Remove the hum over the whole recording",
    };
    if let Some(span) = span_action_ui(ui, input.selection.as_ref(), &action) {
        commands.send(Command::AddEdit(dehum_edit(span, *choice)));
    }
    let steps = input
        .edits
        .iter()
        .filter(|e| matches!(e.shape, Shape::Dehum { .. }))
        .count();
    if steps == 0 {
        ui.weak("The fundamental found and the harmonics removed are shown here.");
        return;
    }
    if input.busy {
        ui.label("Finding the hum…");
    } else {
        for (channel, r) in input.found {
            ui.label(format!(
                "channel {channel}: {:.3} Hz ({:.3}–{:.3}), {} harmonic{} removed",
                r.f0_mean_hz,
                r.f0_min_hz,
                r.f0_max_hz,
                r.harmonics.len(),
                if r.harmonics.len() == 1 { "" } else { "s" }
            ))
            .on_hover_text(format!("harmonics {:?}", r.harmonics));
        }
    }
    review_step_ui(ui, input.version, "de-hum", commands);
}
