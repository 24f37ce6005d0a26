//! Listening in the editor: the player for the open document and the transport bar (play,
//! pause, stop, loop, selection, band audition, volume, level meter, output device).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::command::{Command, CommandSender};
use super::view::Version;
use crate::audio::demod::{DemodMode, DemodSettings};
use crate::audio::player::audition_rasters;
use crate::audio::{AudioError, Audition, PlayRequest, Player};
use crate::edit::Edit;
use crate::edit::mask::{Grid, MaskRaster};
use crate::pipeline::Engine;
use crate::pipeline::render::{Rendered, RenderedSource};
use crate::signal::{SampleSource, StftParams};

/// A time-frequency selection, in seconds and Hz.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Selection {
    /// Seconds.
    pub time_s: [f64; 2],
    /// Hz.
    pub freq_hz: [f64; 2],
}

/// Which part of the selection's band to hear.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BandMode {
    /// Everything.
    All,
    /// Only the selected band.
    Only,
    /// Everything except the selected band.
    Except,
}

/// Playback state of the editor.
pub struct Transport {
    player: Option<Player>,
    /// Why playback is unavailable, shown in the bar.
    pub error: Option<String>,
    /// Loop the played range.
    pub looped: bool,
    /// Band audition.
    pub band: BandMode,
    /// Output gain, dB.
    pub volume_db: f32,
    /// Chosen output device (default when `None`).
    pub device: Option<String>,
    devices: Option<Vec<String>>,
    meter: [f32; 2],
    /// Scroll the view to keep the playhead visible.
    pub follow: bool,
    /// Where Play starts when nothing is selected, seconds.
    pub cursor_s: f64,
    /// The selection.
    pub selection: Option<Selection>,
    /// Document revision and settings the player's rasters were made for.
    synced: Option<(u64, BandMode, Option<Selection>, bool)>,
    /// The edited version's source last given to the player.
    synced_source: Option<Arc<dyn SampleSource>>,
    /// STFT the player renders with.
    player_params: Option<StftParams>,
    /// IQ: how to listen (`None`: I and Q as left and right).
    pub listen: Option<DemodMode>,
    /// IQ: tuned frequency, offset from the centre, Hz.
    pub tune_hz: f64,
    /// IQ: channel bandwidth per mode, Hz.
    pub bandwidth_hz: [f64; 4],
    /// The demodulator setting last given to the player.
    synced_demod: Option<Option<DemodSettings>>,
    /// True while paused by [`Self::toggle_pause`]: the only state Play resumes. After Stop the
    /// player's queued audio belongs to a generation Stop has ended, so resuming would play
    /// silence (counting underruns); Play starts a new playback instead.
    paused: bool,
}

impl Default for Transport {
    fn default() -> Self {
        Transport {
            player: None,
            error: None,
            looped: false,
            band: BandMode::All,
            volume_db: 0.0,
            device: None,
            devices: None,
            meter: [0.0; 2],
            follow: true,
            cursor_s: 0.0,
            selection: None,
            synced: None,
            synced_source: None,
            player_params: None,
            listen: None,
            tune_hz: 0.0,
            bandwidth_hz: DemodMode::ALL.map(DemodMode::default_bandwidth_hz),
            synced_demod: None,
            paused: false,
        }
    }
}

impl Transport {
    /// Forgets the player (new document).
    pub fn reset(&mut self) {
        self.player = None;
        self.synced = None;
        self.synced_source = None;
        self.player_params = None;
        self.cursor_s = 0.0;
        self.selection = None;
        self.band = BandMode::All;
        self.error = None;
        self.listen = None;
        self.tune_hz = 0.0;
        self.synced_demod = None;
        self.paused = false;
    }

    /// IQ: the demodulator to hear through, if any.
    pub fn demod(&self) -> Option<DemodSettings> {
        let mode = self.listen?;
        let i = DemodMode::ALL.iter().position(|&m| m == mode).unwrap_or(0);
        Some(DemodSettings {
            mode,
            tune_hz: self.tune_hz,
            bandwidth_hz: self.bandwidth_hz[i],
        })
    }

    /// Tunes to `freq_hz` (offset from the centre), listening through AM unless a
    /// demodulator is already chosen.
    pub fn tune(&mut self, freq_hz: f64) {
        self.tune_hz = freq_hz;
        self.listen.get_or_insert(DemodMode::Am);
    }

    /// True while audio plays.
    pub fn is_playing(&self) -> bool {
        self.player.as_ref().is_some_and(Player::is_playing)
    }

    /// The play position, seconds, while playing or paused mid-way.
    pub fn playhead_s(&self) -> Option<f64> {
        self.player
            .as_ref()
            .filter(|p| !p.is_finished())
            .map(Player::position_s)
    }

    fn audition(&self) -> Option<Audition> {
        let sel = self.selection?;
        match self.band {
            BandMode::All => None,
            BandMode::Only => Some(Audition {
                freq_hz: sel.freq_hz,
                only: true,
            }),
            BandMode::Except => Some(Audition {
                freq_hz: sel.freq_hz,
                only: false,
            }),
        }
    }

    /// Opens the player if needed; returns it or records why it cannot play.
    fn player(
        &mut self,
        source: &Arc<dyn SampleSource>,
        params: StftParams,
        edits: &[Edit],
    ) -> Option<&mut Player> {
        if self.player_params != Some(params) {
            self.player = None;
        }
        if self.player.is_none() {
            match Player::new(source.clone(), params, edits, self.device.as_deref()) {
                Ok(p) => {
                    p.set_volume(10f32.powf(self.volume_db / 20.0));
                    self.player = Some(p);
                    self.player_params = Some(params);
                    self.synced = None;
                    self.synced_source = None;
                    self.synced_demod = None;
                    self.error = None;
                }
                Err(e) => {
                    self.error = Some(playback_message(&e));
                    return None;
                }
            }
        }
        self.player.as_mut()
    }

    /// Keeps the player's edits, band and A/B in step with the document; call every frame.
    ///
    /// For [`Version::Removed`] the player's edited version becomes a source that reads what
    /// the edits remove ([`RenderedSource`] in [`Rendered::Removed`] mode), with only the band
    /// audition left to apply to it: the engine and its callback stay as they are.
    pub fn sync(
        &mut self,
        edits: &[Edit],
        revision: u64,
        grid: Grid,
        version: Version,
        processed_source: &Arc<dyn SampleSource>,
        original: &Arc<dyn SampleSource>,
    ) {
        let Some(player) = &self.player else { return };
        if player.device_lost() {
            self.player = None;
            self.error = Some("the audio device stopped working; press Play to reopen it".into());
            return;
        }
        player.set_processed(version.is_edited());
        player.set_volume(10f32.powf(self.volume_db / 20.0));
        let demod = self.demod();
        if self.synced_demod != Some(demod) {
            player.set_demod(demod);
            self.synced_demod = Some(demod);
        }
        let removed = version == Version::Removed;
        let key = (revision, self.band, self.selection, removed);
        let same_source = self
            .synced_source
            .as_ref()
            .is_some_and(|s| Arc::ptr_eq(s, processed_source));
        if self.synced == Some(key) && same_source {
            return;
        }
        let (p, o) = audition_rasters(edits, grid, self.audition());
        // What the edits remove is read through a source. So is the edited version when a
        // denoise step needs many frames of context: the source renders long blocks and keeps
        // them, where the producer's short chunks would each analyse the whole context again.
        let edits_raster = Arc::new(MaskRaster::new(edits, grid));
        let wide_context =
            (0..processed_source.channels()).any(|c| edits_raster.context_frames(c) > CHUNK_CONTEXT_FRAMES);
        let through = if removed {
            Some(Rendered::Removed)
        } else if wide_context {
            Some(Rendered::Edited)
        } else {
            None
        };
        let rendered = through.and_then(|what| {
            self.player_params
                .and_then(|params| rendered_source(processed_source, original, params, edits_raster, what))
        });
        match rendered {
            Some(source) => {
                let band_only = o.clone().unwrap_or_else(|| Arc::new(MaskRaster::new(&[], grid)));
                player.set_processed_version(source, band_only, o);
            }
            None => player.set_processed_version(processed_source.clone(), p, o),
        }
        self.synced = Some(key);
        self.synced_source = Some(processed_source.clone());
    }

    /// Starts playing from `start_s` over `range_s` (the selection, or to the end).
    #[allow(clippy::too_many_arguments)]
    pub fn play(
        &mut self,
        source: &Arc<dyn SampleSource>,
        processed_source: &Arc<dyn SampleSource>,
        params: StftParams,
        edits: &[Edit],
        grid: Grid,
        revision: u64,
        version: Version,
        start_s: f64,
        range_s: [f64; 2],
    ) {
        let fs = source.sample_rate();
        let len = source.len();
        let frame = |t: f64| ((t * fs).round().max(0.0) as u64).min(len);
        let looped = self.looped;
        if self.player(source, params, edits).is_none() {
            return;
        }
        self.sync(edits, revision, grid, version, processed_source, source);
        let Some(player) = self.player.as_mut() else {
            return;
        };
        let range = frame(range_s[0])..frame(range_s[1]).max(frame(range_s[0]) + 1).min(len);
        // The counter shows this playback's dropouts, not every one since the device opened.
        player.shared().underruns.store(0, Ordering::Relaxed);
        self.paused = false;
        player.play(PlayRequest {
            start: frame(start_s).clamp(range.start, range.end.saturating_sub(1)),
            range,
            looped,
        });
    }

    /// Pauses or resumes a paused playback; false if there is nothing to pause or resume.
    pub fn toggle_pause(&mut self) -> bool {
        match &self.player {
            Some(p) if p.is_playing() => {
                p.pause();
                self.paused = true;
                true
            }
            Some(p) if self.paused && !p.is_finished() => {
                p.resume();
                self.paused = false;
                true
            }
            _ => false,
        }
    }

    /// Stops playback: the next Play starts afresh.
    pub fn stop(&mut self) {
        self.paused = false;
        if let Some(p) = &mut self.player {
            p.stop();
        }
    }

    /// True while paused mid-way (Play resumes).
    pub fn is_paused(&self) -> bool {
        self.paused && self.player.as_ref().is_some_and(|p| !p.is_finished())
    }

    /// Times the current (or last) playback ran out of audio: the device asked for sound
    /// before it was rendered.
    pub fn underruns(&self) -> u64 {
        self.player
            .as_ref()
            .map_or(0, |p| p.shared().underruns.load(Ordering::Relaxed))
    }

    /// State shared with the audio callback, while a player is open (meters, counters).
    pub fn shared(&self) -> Option<&crate::audio::engine::Shared> {
        self.player.as_ref().map(Player::shared)
    }

    /// Opens another output device from the next Play on.
    pub fn set_device(&mut self, device: Option<String>) {
        if self.device != device {
            self.device = device;
            self.player = None;
        }
    }

    /// The transport bar; `iq` adds the listening controls for radio captures.
    pub fn ui(&mut self, ui: &mut egui::Ui, commands: &CommandSender, has_doc: bool, iq: bool) {
        if let Some(p) = &self.player {
            let [l, r] = p.shared().take_peaks();
            // Peak meter with a decay of about 20 dB per second at 60 frames per second.
            for (m, v) in self.meter.iter_mut().zip([l, r]) {
                *m = (*m * 0.94).max(v);
            }
        } else {
            self.meter = [0.0; 2];
        }
        ui.horizontal(|ui| {
            let playing = self.is_playing();
            let label = if playing { "Pause" } else { "Play" };
            if ui
                .add_enabled(has_doc, egui::Button::new(label))
                .on_hover_text("Play from the cursor or the selection, or pause (Space)")
                .clicked()
            {
                commands.send(Command::PlayPause);
            }
            if ui
                .add_enabled(has_doc, egui::Button::new("Stop"))
                .on_hover_text(format!("Stop ({})", key_of(ui.ctx(), Command::Stop)))
                .clicked()
            {
                commands.send(Command::Stop);
            }
            if ui
                .add_enabled(
                    has_doc && self.selection.is_some(),
                    egui::Button::new("Play selection"),
                )
                .on_hover_text("Play the selected time range (Shift+Space)")
                .clicked()
            {
                commands.send(Command::PlaySelection);
            }
            ui.toggle_value(&mut self.looped, "Loop").on_hover_text(format!(
                "Loop the selection or the rest ({})",
                key_of(ui.ctx(), Command::ToggleLoop)
            ));
            ui.separator();
            ui.label("Band:");
            let has_sel = self.selection.is_some();
            ui.add_enabled_ui(has_sel, |ui| {
                ui.selectable_value(&mut self.band, BandMode::All, "all")
                    .on_hover_text("Hear every frequency");
                ui.selectable_value(&mut self.band, BandMode::Only, "only selected")
                    .on_hover_text("Hear only the selected frequency band");
                ui.selectable_value(&mut self.band, BandMode::Except, "all but selected")
                    .on_hover_text("Hear everything except the selected band");
            });
            if iq {
                ui.separator();
                self.listen_ui(ui);
            }
            ui.separator();
            ui.add(
                egui::Slider::new(&mut self.volume_db, -40.0..=12.0)
                    .suffix(" dB")
                    .text("volume"),
            );
            meter_ui(ui, self.meter);
            ui.checkbox(&mut self.follow, "Follow")
                .on_hover_text("Scroll to keep the playhead in view");
            ui.separator();
            let devices = self
                .devices
                .get_or_insert_with(crate::audio::device::output_device_names);
            let mut chosen = self.device.clone();
            egui::ComboBox::from_id_salt("device")
                .selected_text(chosen.clone().unwrap_or_else(|| "default output".into()))
                .width(160.0)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut chosen, None, "default output");
                    for d in devices.iter() {
                        ui.selectable_value(&mut chosen, Some(d.clone()), d);
                    }
                })
                .response
                .on_hover_text("The output device playback uses");
            if chosen != self.device {
                commands.send(Command::SetDevice(chosen));
            }
            let u = self.underruns();
            if u > 0 {
                let text = if playing {
                    format!("{u} dropout{}", if u == 1 { "" } else { "s" })
                } else {
                    format!(
                        "{u} dropout{} in the last playback",
                        if u == 1 { "" } else { "s" }
                    )
                };
                ui.label(egui::RichText::new(text).color(ui.visuals().warn_fg_color))
                    .on_hover_text(
                        "Times this playback went silent because the sound was not ready in time \
                         (the computer could not keep up); counted from each Play",
                    );
            }
            if let Some(e) = &self.error {
                ui.label(
                    egui::RichText::new(format!("Playback unavailable: {e}"))
                        .color(ui.visuals().warn_fg_color),
                );
            }
        });
    }
}

/// Context (frames on each side) above which the edited version is rendered in long blocks.
const CHUNK_CONTEXT_FRAMES: usize = 8;

/// `source` with `raster` applied, or what it removes, as a source (`None` if the STFT cannot
/// be made, which the player would already have reported).
fn rendered_source(
    source: &Arc<dyn SampleSource>,
    original: &Arc<dyn SampleSource>,
    params: StftParams,
    raster: Arc<MaskRaster>,
    what: Rendered,
) -> Option<Arc<dyn SampleSource>> {
    let engine = Engine::for_source(source.as_ref(), params).ok()?;
    Some(crate::with_stft!(engine, stft => {
        Arc::new(RenderedSource::new(source.clone(), stft, raster, what).with_reference(original.clone()))
            as Arc<dyn SampleSource>
    }))
}

impl Transport {
    /// IQ listening: I/Q as stereo, or a demodulator with its bandwidth and tuned frequency.
    fn listen_ui(&mut self, ui: &mut egui::Ui) {
        ui.label("Listen:");
        egui::ComboBox::from_id_salt("listen")
            .selected_text(self.listen.map_or("I/Q", DemodMode::name))
            .width(56.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut self.listen, None, "I/Q")
                    .on_hover_text("I on the left, Q on the right");
                for m in DemodMode::ALL {
                    ui.selectable_value(&mut self.listen, Some(m), m.name());
                }
            })
            .response
            .on_hover_text("Hear the tuned signal demodulated; pick it with the Tune tool (U)");
        if let Some(mode) = self.listen {
            let i = DemodMode::ALL.iter().position(|&m| m == mode).unwrap_or(0);
            let mut khz = self.bandwidth_hz[i] / 1e3;
            if ui
                .add(
                    egui::DragValue::new(&mut khz)
                        .range(0.1..=1000.0)
                        .speed(0.1)
                        .suffix(" kHz"),
                )
                .on_hover_text("Channel bandwidth")
                .changed()
            {
                self.bandwidth_hz[i] = khz * 1e3;
            }
        }
    }
}

/// One line for a playback problem.
fn playback_message(e: &AudioError) -> String {
    e.to_string()
}

fn meter_ui(ui: &mut egui::Ui, peaks: [f32; 2]) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(80.0, 14.0), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
    for (i, p) in peaks.iter().enumerate() {
        // −60 dBFS to 0 dBFS across the bar.
        let db = 20.0 * p.max(1e-6).log10();
        let frac = ((db + 60.0) / 60.0).clamp(0.0, 1.0);
        let y0 = rect.top() + 1.0 + i as f32 * 6.0;
        let bar = egui::Rect::from_min_size(
            egui::pos2(rect.left() + 1.0, y0),
            egui::vec2((rect.width() - 2.0) * frac, 5.0),
        );
        let color = if db > -1.0 {
            egui::Color32::from_rgb(230, 70, 60)
        } else if db > -12.0 {
            egui::Color32::from_rgb(230, 200, 60)
        } else {
            egui::Color32::from_rgb(80, 200, 110)
        };
        painter.rect_filled(bar, 1.0, color);
    }
}

/// The key the keymap gives `command`, for a tooltip.
fn key_of(ctx: &egui::Context, command: Command) -> String {
    super::app::shortcut_of(ctx, &super::app::KeyAction::Command(command))
}
