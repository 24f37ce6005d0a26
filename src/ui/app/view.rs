//! The View commands (tool, zoom, pan, version, STFT, axis, colours, levels, channel) and the
//! view's geometry: where a time and frequency are on screen, how gestures map to them, the
//! display levels of radio captures.

use super::{OpenDoc, SpectroApp};
use crate::signal::SampleSource;
use crate::signal::StftParams;
use crate::ui::command::Command;
use crate::ui::tools::{EditFrame, Gesture};
use crate::ui::view::Version;

impl SpectroApp {
    /// Carries out a View command.
    pub(super) fn view_command(&mut self, command: Command) {
        let duration = self.open.as_ref().map_or(1.0, OpenDoc::duration_s);
        let fs = self.open.as_ref().map_or(48_000.0, |o| o.recording.sample_rate());
        match command {
            Command::SetTool(tool) => {
                self.tool = tool;
                self.gesture = Gesture::None;
            }
            Command::ZoomTime { factor, center_s } => {
                let c = center_s.unwrap_or((self.view.time_s[0] + self.view.time_s[1]) / 2.0);
                self.view.zoom_time(factor, c, duration, fs);
            }
            Command::ZoomFreq { factor, center_u } => {
                let c = center_u.unwrap_or((self.view.u[0] + self.view.u[1]) / 2.0);
                self.view.zoom_freq(factor, c);
            }
            Command::PanTime(frac) => {
                let span = self.view.time_s[1] - self.view.time_s[0];
                self.view.pan_time(frac * span, duration);
            }
            Command::PanFreq(frac) => {
                let span = self.view.u[1] - self.view.u[0];
                self.view.pan_u(frac * span);
            }
            Command::SetView { time_s, u } => {
                let span = (u[1] - u[0]).clamp(1e-4, 1.0);
                self.view.time_s = time_s;
                self.view.u = [u[0], u[0] + span];
                self.view.zoom_time(1.0, time_s[0], duration, fs);
                self.view.zoom_freq(1.0, self.view.u[0]);
            }
            Command::ZoomToFit => self.view.fit(duration),
            Command::ToggleProcessed => {
                self.view.version = match self.view.version {
                    Version::Edited => Version::Original,
                    Version::Original | Version::Removed => Version::Edited,
                }
            }
            Command::ShowVersion(v) => self.view.version = v,
            Command::SetScale(scale) => {
                // Keep the same frequencies in view across the change of axis.
                if let Some(old) = self.axis() {
                    let (f0, f1) = (old.hz_of(self.view.u[0]), old.hz_of(self.view.u[1]));
                    self.view.scale = scale;
                    if let Some(new) = self.axis() {
                        self.view.u = [new.u_of(f0).clamp(0.0, 1.0), new.u_of(f1).clamp(0.0, 1.0)];
                        if self.view.u[1] - self.view.u[0] < 1e-4 {
                            self.view.u = [0.0, 1.0];
                        }
                    }
                } else {
                    self.view.scale = scale;
                }
            }
            Command::SetColormap(c) => self.view.colormap = c,
            Command::SetLevels { floor_db, ceiling_db } => {
                self.view.floor_db = floor_db;
                self.view.ceiling_db = ceiling_db;
                self.levels_fit.chosen();
            }
            Command::AutoLevels => self.levels_fit.ask(),
            Command::ShowHelp => self.help_open = !self.help_open,
            Command::SetChannel(c) => self.view.channel = c,
            // The other domains' commands are routed elsewhere by `execute`.
            _ => {}
        }
    }

    /// Changes the STFT used to draw (and to feather new edits): a new engine, all tiles redrawn.
    /// The document's own setting is changed through the history (`Command::SetStft`).
    pub(super) fn set_stft(&mut self, params: StftParams) {
        let Some(open) = &mut self.open else {
            self.view.stft = params;
            return;
        };
        match Self::make_engine(&open.recording, params) {
            Ok(engine) => {
                open.total_frames = engine.num_frames(open.recording.len());
                open.engine = engine;
                self.view.stft = params;
                self.tiles.reset();
                self.refresh_context();
            }
            Err(e) => self.fail(e.to_string()),
        }
    }

    /// Where `(time_s, freq_hz)` was on screen in the last frame, if it was visible.
    pub fn screen_pos(&self, time_s: f64, freq_hz: f64) -> Option<egui::Pos2> {
        let (axis, plot) = (self.axis()?, self.last_plot?);
        let x = (time_s - self.view.time_s[0]) / (self.view.time_s[1] - self.view.time_s[0]);
        let y = (axis.u_of(freq_hz) - self.view.u[0]) / (self.view.u[1] - self.view.u[0]);
        let p = egui::pos2(
            plot.left() + (x as f32) * plot.width(),
            plot.bottom() - (y as f32) * plot.height(),
        );
        plot.contains(p).then_some(p)
    }

    /// How a gesture on the spectrogram maps to seconds and Hz, as last drawn.
    pub fn edit_frame(&self) -> Option<EditFrame> {
        let (axis, open, plot) = (self.axis()?, self.open.as_ref()?, self.last_plot?);
        let fs = open.recording.sample_rate();
        Some(EditFrame {
            axis,
            hop_s: self.view.stft.hop as f64 / fs,
            bin_hz: fs / self.view.stft.fft_len as f64,
            channel: self.view.channel,
            s_per_px: (self.view.time_s[1] - self.view.time_s[0]) / plot.width().max(1.0) as f64,
            u_per_px: (self.view.u[1] - self.view.u[0]) / plot.height().max(1.0) as f64,
        })
    }
}
