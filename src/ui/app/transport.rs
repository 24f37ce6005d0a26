//! The Transport commands (play, pause, stop, loop, cursor, tuning, selection, device) and
//! keeping the player in step with the document each frame.

use std::sync::Arc;

use super::{OpenDoc, SpectroApp};
use crate::signal::SampleSource;
use crate::ui::command::Command;
use crate::ui::tools::Gesture;

impl SpectroApp {
    /// Carries out a Transport command.
    pub(super) fn transport_command(&mut self, command: Command) {
        let duration = self.open.as_ref().map_or(1.0, OpenDoc::duration_s);
        match command {
            Command::PlayPause => self.play_pause(duration),
            Command::PlaySelection => {
                if let Some(sel) = self.transport.selection {
                    self.play(sel.time_s[0], sel.time_s);
                }
            }
            Command::Stop => self.transport.stop(),
            Command::ToggleLoop => self.transport.looped = !self.transport.looped,
            Command::SetCursor(t) => self.transport.cursor_s = t,
            Command::Tune { freq_hz, time_s } => {
                if self.open.as_ref().is_some_and(|o| o.recording.is_complex()) {
                    self.transport.tune(freq_hz);
                    // A click starts listening there; a drag only retunes what is playing.
                    if let Some(t) = time_s {
                        self.transport.cursor_s = t;
                        self.play(t, [0.0, duration]);
                    }
                } else {
                    self.hint("Tune listens to radio (IQ) recordings; this one is audio", false);
                }
            }
            Command::SetSelection(sel) => self.transport.selection = sel,
            Command::SetDevice(d) => self.transport.set_device(d),
            // The other domains' commands are routed elsewhere by `execute`.
            _ => {}
        }
    }

    /// Pauses or resumes; when stopped, plays the selection, or from the cursor to the end of
    /// the recording (`duration_s`).
    fn play_pause(&mut self, duration_s: f64) {
        if !self.transport.toggle_pause() {
            match self.transport.selection {
                Some(sel) => self.play(sel.time_s[0], sel.time_s),
                None => self.play(self.transport.cursor_s, [0.0, duration_s]),
            }
        }
    }

    /// Starts playback of `range_s` from `start_s`.
    fn play(&mut self, start_s: f64, range_s: [f64; 2]) {
        let (Some(open), Some(grid)) = (&self.open, self.grid()) else {
            return;
        };
        let source: Arc<dyn SampleSource> = open.recording.clone();
        let processed = open.processed_source();
        self.transport.play(
            &source,
            &processed,
            self.view.stft,
            open.shown_edits(),
            grid,
            open.content_revision,
            self.view.version,
            start_s,
            range_s,
        );
        if let Some(e) = &self.transport.error {
            let text = format!("Playback unavailable: {e}");
            self.hint(text, true);
        }
    }

    /// Keeps the player in step with the document, repaints while playing, follows the playhead.
    pub(super) fn playback_frame(&mut self, ctx: &egui::Context) {
        let (Some(open), Some(grid)) = (&self.open, self.grid()) else {
            return;
        };
        self.transport.sync(
            open.shown_edits(),
            open.content_revision,
            grid,
            self.view.version,
            &open.processed_source(),
            &(open.recording.clone() as Arc<dyn crate::signal::SampleSource>),
        );
        if !self.transport.is_playing() {
            return;
        }
        ctx.request_repaint();
        if let Some(t) = self.transport.playhead_s()
            && self.transport.follow
            && self.gesture == Gesture::None
        {
            let [a, b] = self.view.time_s;
            let span = b - a;
            if t > b - 0.02 * span || t < a {
                // Page so the playhead comes in near the left edge.
                let duration = open.duration_s();
                self.view.time_s = [t - 0.05 * span, t + 0.95 * span];
                self.view.clamp_time(duration);
            }
        }
    }
}
