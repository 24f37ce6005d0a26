//! Copy and paste of a time-frequency region: Ctrl+C keeps the selection (its time range,
//! band and the channel shown); Ctrl+V pastes it at the play cursor as a `paste` edit, mixed
//! in, Ctrl+Shift+V replacing the target's own band. A paste is one undo step and renders as
//! every output renders it (see [`crate::pipeline::paste`]).

use super::SpectroApp;
use crate::edit::{Change, Edit, Paste, PasteMode, Shape};
use crate::ui::command::Command;

/// A copied region.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clip {
    /// Seconds.
    pub time_s: [f64; 2],
    /// Hz.
    pub freq_hz: [f64; 2],
    /// The channel it was copied from, or all.
    pub channel: Option<usize>,
}

impl SpectroApp {
    /// Carries out Copy and Paste.
    pub(super) fn clip_command(&mut self, command: Command, ctx: &egui::Context) {
        match command {
            Command::Copy => {
                let Some(sel) = self.transport.selection.filter(|s| s.time_s[1] > s.time_s[0]) else {
                    return self.hint(
                        "Select a time-frequency region first (Select tool, S), then Ctrl+C.",
                        true,
                    );
                };
                let clip = Clip {
                    time_s: sel.time_s,
                    freq_hz: sel.freq_hz,
                    channel: self.view.channel,
                };
                let text = format!(
                    "Spectro region {:.3}–{:.3} s, {:.0}–{:.0} Hz",
                    clip.time_s[0], clip.time_s[1], clip.freq_hz[0], clip.freq_hz[1]
                );
                // The desktop's clipboard gets a description, so Ctrl+V always arrives as a paste.
                ctx.copy_text(text.clone());
                self.clip = Some(clip);
                self.set_status(format!(
                    "Copied {text}: Ctrl+V mixes it in at the cursor, Ctrl+Shift+V replaces the band there."
                ));
            }
            Command::Paste(mode) => {
                let Some(clip) = self.clip else {
                    return self.hint("Copy a region first: select it (S), then Ctrl+C.", true);
                };
                if self.open.is_none() {
                    return;
                }
                let to_s = self.transport.cursor_s.max(0.0);
                let mut edit = Edit::new(
                    Shape::Paste(Paste {
                        from_s: clip.time_s,
                        freq_hz: clip.freq_hz,
                        to_s,
                        mode,
                    }),
                    0.0,
                );
                edit.channels = clip.channel.map(|c| vec![c]);
                self.apply_change(Change::Add(edit));
                self.set_status(format!(
                    "Pasted ({}) at {to_s:.3} s; its sound is computed in the background.",
                    match mode {
                        PasteMode::Mix => "mixed",
                        PasteMode::Replace => "replacing the band",
                    }
                ));
            }
            // The other domains' commands are routed elsewhere by `execute`.
            _ => {}
        }
    }
}
