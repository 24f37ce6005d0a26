//! The keymap: one table of which key chord does what ([`keymap`]). The window acts on keys
//! through it; Help and tooltips can read it to show the keys.

use egui::{Key, KeyboardShortcut};

use super::SpectroApp;
use crate::edit::PasteMode;
use crate::ui::command::Command;
use crate::ui::panels::keys;
use crate::ui::tools::Tool;

/// A key chord.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Chord {
    /// With Ctrl (⌘ on macOS): works even while a text field has the keyboard.
    Shortcut(KeyboardShortcut),
    /// A single key without Ctrl or Alt, for the spectrogram (not while typing or while a
    /// dialog is open).
    Key {
        /// The key.
        key: Key,
        /// Shift held (`Some(true)`), not held (`Some(false)`), or either (`None`).
        shift: Option<bool>,
    },
}

/// What a chord does.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant, reason = "a table of a few dozen entries")]
pub enum KeyAction {
    /// Sends this command.
    Command(Command),
    /// Deletes the selected edit, if any.
    DeleteSelected,
    /// Stops playback and deselects the selected edit.
    Escape,
    /// Makes the brush larger (`true`) or smaller, by a factor 1.25, within 2 to 80 pixels.
    BrushSize(bool),
}

/// One entry of the keymap.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyBinding {
    /// The keys.
    pub chord: Chord,
    /// What they do.
    pub action: KeyAction,
}

/// The keymap, in the order chords are tried: Ctrl+Shift+S before Ctrl+S and Ctrl+Shift+Z
/// before Ctrl+Z, because egui matches a shortcut even when Shift is held as well. Space (a tap
/// plays or pauses, held while dragging it pans) is not a chord and is handled apart.
pub fn keymap() -> Vec<KeyBinding> {
    use Command as C;
    let send = KeyAction::Command;
    let shortcut = |s: KeyboardShortcut, action| KeyBinding {
        chord: Chord::Shortcut(s),
        action,
    };
    let key = |key: Key, shift: Option<bool>, action| KeyBinding {
        chord: Chord::Key { key, shift },
        action,
    };
    let mut map = vec![
        shortcut(keys::OPEN, send(C::OpenDialog)),
        shortcut(keys::SAVE_SESSION, send(C::SaveSession)),
        shortcut(keys::SAVE_AS, send(C::SaveEditsAs(None))),
        shortcut(keys::SAVE, send(C::SaveEdits)),
        shortcut(keys::EXPORT, send(C::ExportAudio(None))),
        shortcut(keys::QUIT, send(C::Quit)),
        shortcut(keys::REDO, send(C::Redo)),
        shortcut(keys::REDO_Y, send(C::Redo)),
        shortcut(keys::UNDO, send(C::Undo)),
        shortcut(keys::COPY, send(C::Copy)),
        shortcut(keys::PASTE_REPLACE, send(C::Paste(PasteMode::Replace))),
        shortcut(keys::PASTE, send(C::Paste(PasteMode::Mix))),
    ];
    map.extend(
        Tool::ALL
            .into_iter()
            .map(|tool| key(tool.key(), Some(false), send(C::SetTool(tool)))),
    );
    let zoom_time = |factor| C::ZoomTime {
        factor,
        center_s: None,
    };
    let zoom_freq = |factor| C::ZoomFreq {
        factor,
        center_u: None,
    };
    map.extend([
        key(Key::F, None, send(C::ZoomToFit)),
        key(Key::Home, None, send(C::ZoomToFit)),
        key(Key::Escape, None, KeyAction::Escape),
        key(Key::Enter, None, send(C::ApplyHarmonics)),
        key(Key::L, Some(true), send(C::ToggleLoop)),
        key(Key::Plus, Some(true), send(zoom_freq(2.0))),
        key(Key::Equals, Some(true), send(zoom_freq(2.0))),
        key(Key::Minus, Some(true), send(zoom_freq(0.5))),
        key(Key::Plus, Some(false), send(zoom_time(2.0))),
        key(Key::Equals, Some(false), send(zoom_time(2.0))),
        key(Key::Minus, Some(false), send(zoom_time(0.5))),
        key(Key::ArrowLeft, None, send(C::PanTime(-0.2))),
        key(Key::ArrowRight, None, send(C::PanTime(0.2))),
        key(Key::ArrowUp, None, send(C::PanFreq(0.2))),
        key(Key::ArrowDown, None, send(C::PanFreq(-0.2))),
        key(Key::O, None, send(C::ToggleProcessed)),
        key(Key::A, Some(false), send(C::AutoLevels)),
        key(Key::F1, None, send(C::ShowHelp)),
        key(Key::Delete, None, KeyAction::DeleteSelected),
        key(Key::Backspace, None, KeyAction::DeleteSelected),
        key(Key::OpenBracket, None, KeyAction::BrushSize(false)),
        key(Key::CloseBracket, None, KeyAction::BrushSize(true)),
    ]);
    map
}

/// The first chord the keymap binds to `action`, if any: what menus and tooltips show.
pub fn chord_of(action: &KeyAction) -> Option<Chord> {
    keymap()
        .into_iter()
        .find(|b| &b.action == action)
        .map(|b| b.chord)
}

/// A chord as the user types it: `Ctrl+Shift+Z`, `Shift+L`, `F`, `[`.
pub fn chord_text(ctx: &egui::Context, chord: &Chord) -> String {
    match chord {
        Chord::Shortcut(s) => ctx.format_shortcut(s),
        Chord::Key { key, shift } => {
            let name = key_name(*key);
            if *shift == Some(true) {
                format!("Shift+{name}")
            } else {
                name.to_owned()
            }
        }
    }
}

/// The keys' names users know, where egui's differ (`Plus` is `+`).
fn key_name(key: Key) -> &'static str {
    match key {
        Key::Plus => "+",
        Key::Equals => "=",
        Key::Minus => "-",
        Key::OpenBracket => "[",
        Key::CloseBracket => "]",
        Key::ArrowLeft => "←",
        Key::ArrowRight => "→",
        Key::ArrowUp => "↑",
        Key::ArrowDown => "↓",
        Key::Escape => "Esc",
        other => other.name(),
    }
}

/// The text of `action`'s chord for a tooltip or menu (`""` when it has none).
pub fn shortcut_of(ctx: &egui::Context, action: &KeyAction) -> String {
    chord_of(action).map(|c| chord_text(ctx, &c)).unwrap_or_default()
}

impl SpectroApp {
    /// Acts on this frame's keys as the keymap says.
    pub(super) fn shortcuts(&mut self, ctx: &egui::Context) {
        let map = keymap();
        for binding in &map {
            if let Chord::Shortcut(s) = &binding.chord
                && ctx.input_mut(|i| i.consume_shortcut(s))
            {
                self.key_action(&binding.action);
            }
        }
        if ctx.egui_wants_keyboard_input() || self.dialogs.is_open() || self.image_dialog.is_some() {
            return;
        }
        // The desktop turns Ctrl+C and Ctrl+V into clipboard events, not keys.
        let (copy, paste) = ctx.input(|i| {
            (
                i.events.iter().any(|e| matches!(e, egui::Event::Copy)),
                i.events.iter().any(|e| matches!(e, egui::Event::Paste(_))),
            )
        });
        if copy {
            self.commands.send(Command::Copy);
        }
        if paste {
            self.commands.send(Command::Paste(PasteMode::Mix));
        }
        self.space_key(ctx);
        let (shift, events) = ctx.input(|i| {
            let keys: Vec<Key> = i
                .events
                .iter()
                .filter_map(|e| match e {
                    egui::Event::Key {
                        key,
                        pressed: true,
                        modifiers,
                        ..
                    } if !modifiers.command && !modifiers.alt => Some(*key),
                    _ => None,
                })
                .collect();
            (i.modifiers.shift, keys)
        });
        for pressed in events {
            for binding in &map {
                if let Chord::Key { key, shift: needs } = binding.chord
                    && key == pressed
                    && needs.is_none_or(|s| s == shift)
                {
                    self.key_action(&binding.action);
                }
            }
        }
    }

    /// Space: a tap plays or pauses (Shift: plays the selection); held while dragging it pans,
    /// and then (the view moved) does not play.
    fn space_key(&mut self, ctx: &egui::Context) {
        let (space_pressed, space_released, shift_now) = ctx.input(|i| {
            let mut p = false;
            let mut r = false;
            for e in &i.events {
                if let egui::Event::Key {
                    key: Key::Space,
                    pressed,
                    repeat: false,
                    ..
                } = e
                {
                    if *pressed {
                        p = true;
                    } else {
                        r = true;
                    }
                }
            }
            (p, r, i.modifiers.shift)
        });
        if space_pressed {
            self.space_down_view = Some((self.view.time_s, self.view.u));
        }
        if space_released
            && let Some(before) = self.space_down_view.take()
            && before == (self.view.time_s, self.view.u)
        {
            self.commands.send(if shift_now {
                Command::PlaySelection
            } else {
                Command::PlayPause
            });
        }
    }

    fn key_action(&mut self, action: &KeyAction) {
        match action {
            KeyAction::Command(c) => self.commands.send(c.clone()),
            KeyAction::DeleteSelected => {
                if let Some(i) = self.selected_edit {
                    self.commands.send(Command::DeleteEdit(i));
                }
            }
            KeyAction::Escape => {
                self.commands.send(Command::Stop);
                self.commands.send(Command::SelectEdit(None));
            }
            KeyAction::BrushSize(false) => {
                self.settings.brush_radius_px = (self.settings.brush_radius_px / 1.25).max(2.0)
            }
            KeyAction::BrushSize(true) => {
                self.settings.brush_radius_px = (self.settings.brush_radius_px * 1.25).min(80.0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_does_one_thing() {
        let map = keymap();
        for (i, a) in map.iter().enumerate() {
            for b in &map[i + 1..] {
                let overlap = match (a.chord, b.chord) {
                    (Chord::Shortcut(x), Chord::Shortcut(y)) => x == y,
                    (Chord::Key { key: k1, shift: s1 }, Chord::Key { key: k2, shift: s2 }) => {
                        k1 == k2 && (s1.is_none() || s2.is_none() || s1 == s2)
                    }
                    _ => false,
                };
                assert!(!overlap, "{a:?} and {b:?} share a chord");
            }
        }
    }

    #[test]
    fn shortcuts_with_shift_are_tried_before_the_same_without() {
        let map = keymap();
        let at = |s: KeyboardShortcut| {
            map.iter()
                .position(|b| b.chord == Chord::Shortcut(s))
                .expect("bound")
        };
        assert!(at(keys::SAVE_AS) < at(keys::SAVE));
        assert!(at(keys::SAVE_SESSION) < at(keys::SAVE));
        assert!(at(keys::PASTE_REPLACE) < at(keys::PASTE));
        assert!(at(keys::REDO) < at(keys::UNDO));
        let tool = |t: Tool| {
            map.iter()
                .find(|b| b.action == KeyAction::Command(Command::SetTool(t)))
                .map(|b| b.chord)
        };
        assert_eq!(
            tool(Tool::Lasso),
            Some(Chord::Key {
                key: Key::L,
                shift: Some(false)
            })
        );
    }
}
