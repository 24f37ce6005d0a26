//! The Help window: every key chord of the keymap ([`crate::ui::app::keymap`]) with what it
//! does, listed from the keymap itself so it cannot fall out of step, then Space and the mouse,
//! which are not chords.

use super::app::{KeyAction, KeyBinding, chord_text, keymap};
use super::command::Command;

/// What a keymap entry does, as the Help window says it; `None` for an action the window has
/// no words for (a test keeps every bound action described).
pub fn describe_action(action: &KeyAction) -> Option<String> {
    use Command as C;
    let text = match action {
        KeyAction::DeleteSelected => "Delete the selected edit",
        KeyAction::Escape => "Stop playback and deselect the selected edit",
        KeyAction::BrushSize(true) => "Larger brush",
        KeyAction::BrushSize(false) => "Smaller brush",
        KeyAction::Command(command) => match command {
            C::OpenDialog => "Open a recording",
            C::SaveEdits => "Save the edit list",
            C::SaveEditsAs(_) => "Save the edit list as",
            C::SaveSession => "Save the session (recording, edits, view, selection)",
            C::Copy => "Copy the time-frequency selection",
            C::Paste(crate::edit::PasteMode::Mix) => "Paste the copied region at the cursor, mixed in",
            C::Paste(crate::edit::PasteMode::Replace) => {
                "Paste the copied region at the cursor, replacing that band"
            }
            C::ExportAudio(_) => "Export audio",
            C::Quit => "Quit",
            C::Undo => "Undo",
            C::Redo => "Redo",
            C::SetTool(tool) => return Some(format!("{} tool: {}", tool.label(), tool.help())),
            C::ZoomToFit => "Show the whole recording",
            C::Stop => "Stop playback",
            C::ApplyHarmonics => "Apply the Harmonics tool's selection",
            C::ToggleLoop => "Loop on or off",
            C::ZoomFreq { factor, .. } if *factor > 1.0 => "Zoom in (frequency)",
            C::ZoomFreq { .. } => "Zoom out (frequency)",
            C::ZoomTime { factor, .. } if *factor > 1.0 => "Zoom in (time)",
            C::ZoomTime { .. } => "Zoom out (time)",
            C::PanTime(d) if *d < 0.0 => "Pan earlier",
            C::PanTime(_) => "Pan later",
            C::PanFreq(d) if *d > 0.0 => "Pan up in frequency",
            C::PanFreq(_) => "Pan down in frequency",
            C::ToggleProcessed => "Switch between the original and the edited version",
            C::AutoLevels => "Auto levels: fit the colours to the picture in view",
            C::ShowHelp => "This help",
            C::PlayPause => "Play or pause",
            C::PlaySelection => "Play the selection",
            _ => return None,
        },
    };
    Some(text.to_owned())
}

/// The keymap as the Help window lists it: each action once, in keymap order, with every chord
/// bound to it (`Ctrl+Shift+Z, Ctrl+Y`).
pub fn shortcut_rows(ctx: &egui::Context) -> Vec<(String, String)> {
    let map: Vec<KeyBinding> = keymap();
    let mut rows: Vec<(KeyAction, Vec<String>)> = Vec::new();
    for binding in map {
        let chord = chord_text(ctx, &binding.chord);
        match rows.iter_mut().find(|(a, _)| *a == binding.action) {
            Some((_, chords)) => chords.push(chord),
            None => rows.push((binding.action, vec![chord])),
        }
    }
    rows.into_iter()
        .map(|(action, chords)| {
            let what = describe_action(&action).unwrap_or_else(|| format!("{action:?}"));
            (chords.join(", "), what)
        })
        .collect()
}

/// What Space and the mouse do: not chords, so not in the keymap.
const GESTURES: [(&str, &str); 10] = [
    ("Space", "Play from the cursor or the selection, or pause"),
    ("Shift+Space", "Play the selection"),
    ("Space + drag", "Pan"),
    ("Wheel", "Zoom time around the pointer"),
    ("Ctrl+wheel", "Zoom frequency around the pointer"),
    ("Shift+wheel", "Pan in time"),
    ("Middle-drag", "Pan"),
    ("Right-drag", "Zoom to a box"),
    ("Pointer: click an edit", "Select it and show it in the inspector"),
    (
        "Pointer: drag an edit",
        "Move it; a rectangle's corners and edges resize it",
    ),
];

/// Shows the Help window while `open`; its close button clears `open`.
pub fn help_window_ui(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new("Help: keys and mouse")
        .open(open)
        .resizable(false)
        .collapsible(false)
        .min_width(520.0)
        .max_width(640.0)
        .default_pos(ctx.content_rect().center() - egui::vec2(260.0, 300.0))
        .show(ctx, |ui| {
            egui::ScrollArea::vertical().max_height(560.0).show(ui, |ui| {
                egui::Grid::new("help-keys")
                    .num_columns(2)
                    .striped(true)
                    .show(ui, |ui| {
                        for (chords, what) in shortcut_rows(ctx) {
                            ui.monospace(chords);
                            ui.add(egui::Label::new(what).wrap());
                            ui.end_row();
                        }
                    });
                ui.separator();
                egui::Grid::new("help-gestures")
                    .num_columns(2)
                    .striped(true)
                    .show(ui, |ui| {
                        for (gesture, what) in GESTURES {
                            ui.monospace(gesture);
                            ui.label(what);
                            ui.end_row();
                        }
                    });
                ui.separator();
                ui.label(
                    "Noise removal: select noise alone (S), then Learn noise in the side panel; \
                     Show removed to see and hear what it takes away.",
                );
            });
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bound_action_is_described_and_listed_once() {
        let map = keymap();
        for b in &map {
            assert!(
                describe_action(&b.action).is_some(),
                "{:?} has no description",
                b.action
            );
        }
        let ctx = egui::Context::default();
        let rows = shortcut_rows(&ctx);
        let mut whats: Vec<&String> = rows.iter().map(|(_, w)| w).collect();
        let n = whats.len();
        whats.sort();
        whats.dedup();
        assert_eq!(whats.len(), n, "an action listed twice");
        // Every chord of the keymap is in some row.
        let chords: usize = rows.iter().map(|(c, _)| c.split(", ").count()).sum();
        assert_eq!(chords, map.len());
    }
}
