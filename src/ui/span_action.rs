//! The buttons the restoration panels (de-click, de-hum) share: act on the selection's time
//! span or on the whole recording, then review the step (hear what it removed, or undo it).

use super::command::{Command, CommandSender};
use super::transport::Selection;
use super::view::Version;

/// What the hover texts of [`span_action_ui`]'s buttons say.
pub struct SpanAction<'a> {
    /// The verb on the buttons ("De-click": "De-click selection", "De-click everything").
    pub verb: &'a str,
    /// Hover text of the selection button.
    pub on_selection: &'a str,
    /// Hover text of the selection button while there is no selection.
    pub without_selection: &'a str,
    /// Hover text of the whole-recording button.
    pub on_everything: &'a str,
}

/// Shows the two buttons; returns the span clicked: `Some(Some(time_s))` for the selection's,
/// `Some(None)` for the whole recording, `None` when neither was clicked.
pub fn span_action_ui(
    ui: &mut egui::Ui,
    selection: Option<&Selection>,
    action: &SpanAction<'_>,
) -> Option<Option<[f64; 2]>> {
    let mut chosen = None;
    ui.horizontal_wrapped(|ui| {
        let on_selection = ui
            .add_enabled(
                selection.is_some(),
                egui::Button::new(format!("{} selection", action.verb)),
            )
            .on_hover_text(action.on_selection)
            .on_disabled_hover_text(action.without_selection);
        if on_selection.clicked()
            && let Some(sel) = selection
        {
            chosen = Some(Some(sel.time_s));
        }
        if ui
            .button(format!("{} everything", action.verb))
            .on_hover_text(action.on_everything)
            .clicked()
        {
            chosen = Some(None);
        }
    });
    chosen
}

/// The review row under a restoration panel: switch the picture and playback between the
/// result and what the edits take away, or undo the step. `step` names the step in the undo
/// button's hover text ("de-click").
pub fn review_step_ui(ui: &mut egui::Ui, version: Version, step: &str, commands: &CommandSender) {
    ui.horizontal_wrapped(|ui| {
        let hearing = version == Version::Removed;
        let label = if hearing {
            "Show the result"
        } else {
            "Hear what was removed"
        };
        if ui
            .button(label)
            .on_hover_text("Switch the picture and playback to what the edits take away, and back")
            .clicked()
        {
            let to = if hearing {
                Version::Edited
            } else {
                Version::Removed
            };
            commands.send(Command::ShowVersion(to));
        }
        if ui
            .button("Undo (reject)")
            .on_hover_text(format!(
                "Take the last step back, e.g. a {step} you do not keep (Ctrl+Z)"
            ))
            .clicked()
        {
            commands.send(Command::Undo);
        }
    });
}
