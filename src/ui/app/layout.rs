//! The window's layout: menu bar, toolbar, transport bar, status bar and side panel around the
//! spectrogram and waveform, and the windows over them (file dialogs, the picture import, the
//! question, errors). The panels draw and send commands; this module only places them.

use super::{JobKind, SpectroApp};
use crate::signal::SampleSource;
use crate::ui::confirm::question_ui;
use crate::ui::dialogs::error_ui;
use crate::ui::legend::{LEGEND_WIDTH, legend_ui};
use crate::ui::panels::{SideInput, ToolbarInput, menu_bar_ui, side_panel_ui, toolbar_ui};
use crate::ui::spectrogram::{SpectrogramInput, spectrogram_ui};
use crate::ui::tiles::{ColorSpec, rows_for};
use crate::ui::waveform::waveform_ui;

/// Width of the side panel, points.
pub const SIDE_PANEL_WIDTH: f32 = 330.0;
/// Width of the side panel's sliders, points.
const SIDE_SLIDER_WIDTH: f32 = 80.0;

impl SpectroApp {
    /// Lays out the frame's panels and windows; keeps the paint layer and playback in step.
    pub(super) fn panels_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let doc = self.open.as_ref().map(|o| &o.doc);
        let image_export = self.image_export;
        let has_selection = self.transport.selection.is_some();
        egui::Panel::top("menu").show(ui, |ui| {
            menu_bar_ui(ui, doc, &self.view, has_selection, image_export, &self.commands)
        });
        let mut threshold_view = false;
        let has_doc = self.open.is_some();
        let harmonics_pending = self.harmonics.is_some();
        let sample_rate = self.open.as_ref().map(|o| o.recording.sample_rate());
        egui::Panel::top("toolbar").show(ui, |ui| {
            toolbar_ui(
                ui,
                &mut ToolbarInput {
                    tool: self.tool,
                    settings: &mut self.settings,
                    view: &self.view,
                    has_doc,
                    commands: &self.commands,
                    threshold_view: &mut threshold_view,
                    harmonics_pending,
                    sample_rate,
                },
            )
        });
        if threshold_view {
            self.threshold_view();
        }
        let iq = self.open.as_ref().is_some_and(|o| o.recording.is_complex());
        egui::Panel::top("transport").show(ui, |ui| self.transport.ui(ui, &self.commands, has_doc, iq));
        self.paint_frame(&ctx);
        self.playback_frame(&ctx);
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar_ui(ui));
        let channels = self.open.as_ref().map_or(0, |o| o.recording.channels());
        let complex = self.open.as_ref().is_some_and(|o| o.recording.is_complex());
        let doc = self.open.as_ref().map(|o| &o.doc);
        let mut selected = self.selected_edit;
        let paint_sc_db = self.open.as_ref().and_then(|o| o.paint_sc_db);
        // A fixed width, so the plot keeps its size whatever the panel lists; long lines wrap
        // and the panel scrolls.
        egui::Panel::right("side")
            .resizable(false)
            .exact_size(SIDE_PANEL_WIDTH)
            .show(ui, |ui| {
                ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Wrap);
                // Sliders with a value and a label fit the fixed width.
                ui.spacing_mut().slider_width = SIDE_SLIDER_WIDTH;
                let input = SideInput {
                    view: &self.view,
                    doc,
                    channels,
                    complex,
                    paint_sc_db,
                    selection: self.transport.selection,
                    sample_rate: self.open.as_ref().map_or(48_000.0, |o| o.recording.sample_rate()),
                    clicks: self
                        .open
                        .as_ref()
                        .and_then(|o| o.painted.as_ref())
                        .map_or(&[], |p| p.clicks()),
                    dehums: self
                        .open
                        .as_ref()
                        .and_then(|o| o.painted.as_ref())
                        .map_or(&[], |p| p.dehums()),
                    signal_busy: self.open.as_ref().is_some_and(|o| o.paint_job.is_some()),
                    solo: self.open.as_ref().and_then(|o| o.solo.map(|(i, _)| i)),
                };
                side_panel_ui(ui, &input, &mut selected, &self.commands)
            });
        self.selected_edit = selected;
        egui::CentralPanel::default().show(ui, |ui| self.central_ui(ui));

        self.dialogs.ui(&ctx, &self.commands);
        if let Some(dialog) = &mut self.image_dialog
            && !dialog.ui(&ctx, self.view.colormap, &self.commands)
        {
            self.image_dialog = None;
        }
        if let Some(question) = &self.question {
            let name = self.open.as_ref().map_or_else(
                || "the recording".to_owned(),
                |o| crate::ui::overwrite::name(o.recording.path()),
            );
            question_ui(&ctx, question, &name, &self.commands);
        }
        if self.help_open {
            crate::ui::help::help_window_ui(&ctx, &mut self.help_open);
        }
        if let Some(message) = &self.error
            && error_ui(&ctx, message)
        {
            self.error = None;
        }
    }

    /// The spectrogram and the waveform under it.
    fn central_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let (Some(axis), Some(open)) = (self.axis(), &self.open) else {
            ui.centered_and_justified(|ui| {
                if self.jobs.is_running(JobKind::Open) {
                    crate::ui::busy::busy_ui(ui);
                } else {
                    ui.label("Open a recording (File > Open, Ctrl+O) or drop one here.");
                }
            });
            return;
        };
        let fs = open.recording.sample_rate();
        let duration = open.duration_s();
        let total_frames = open.total_frames;
        let wave_h = 90.0;
        let spec_h = (ui.available_height() - wave_h - 8.0).max(120.0);
        let plot_w = (ui.available_width() - 80.0 - LEGEND_WIDTH).max(100.0);
        let plot_h = (spec_h - 40.0).max(60.0);
        self.tiles.poll(&ctx);
        self.refresh_context();
        let Some(context) = self.context.clone() else {
            return;
        };
        let max_side = ctx.input(|i| i.max_texture_side);
        let color = ColorSpec {
            axis,
            floor_db: self.view.floor_db,
            ceiling_db: self.view.ceiling_db,
            colormap: self.view.colormap,
            rows: rows_for(plot_h, self.view.u[1] - self.view.u[0], max_side),
        };
        let (tiles, ready, covered) = self
            .tiles
            .plan(&self.view, plot_w, &context, color, fs, total_frames);
        if covered && self.overview_s.is_none() {
            self.overview_s = Some(self.started.elapsed().as_secs_f64());
        }
        if covered {
            self.levels_frame(plot_w);
        }
        self.tiles_ready = ready;
        let Some(open) = &self.open else { return };
        let click_times_s: Vec<f64> = open
            .painted
            .as_ref()
            .map(|p| {
                p.clicks()
                    .iter()
                    .map(|(_, c)| c.start_sample as f64 / fs)
                    .collect()
            })
            .unwrap_or_default();
        let pending_harmonics = self.pending_harmonics();
        let input = SpectrogramInput {
            view: &self.view,
            axis,
            duration_s: duration,
            tiles: &tiles,
            edits: &open.doc.edits.edits,
            selected_edit: self.selected_edit,
            tool: self.tool,
            settings: &self.settings,
            hop_s: self.view.stft.hop as f64 / fs,
            bin_hz: fs / self.view.stft.fft_len as f64,
            cursor_s: Some(self.transport.cursor_s),
            playhead_s: self.transport.playhead_s(),
            selection: self.transport.selection,
            tuned_band_hz: self.transport.demod().map(|d| (d.band_hz(), d.tune_hz)),
            click_times_s: &click_times_s,
            pending_harmonics: pending_harmonics.as_ref(),
        };
        // The plot, and the colour legend to its right.
        let full = ui.available_rect_before_wrap();
        let plot_area = egui::Rect::from_min_size(
            full.min,
            egui::vec2((full.width() - LEGEND_WIDTH).max(100.0), spec_h),
        );
        let out = ui
            .scope_builder(egui::UiBuilder::new().max_rect(plot_area), |ui| {
                spectrogram_ui(ui, &input, &mut self.gesture, &self.commands, spec_h)
            })
            .inner;
        let legend_rect = egui::Rect::from_min_max(
            egui::pos2(out.frame.right(), out.frame.top()),
            egui::pos2(full.right(), out.frame.bottom()),
        );
        self.legend = Some(legend_ui(
            ui,
            legend_rect,
            self.view.floor_db,
            self.view.ceiling_db,
            self.view.colormap,
        ));
        self.hover = out.hover;
        self.last_plot = Some(out.frame);
        let wave_rect = egui::Rect::from_min_max(
            egui::pos2(out.frame.left(), ui.cursor().top() + 4.0),
            egui::pos2(out.frame.right(), ui.cursor().top() + 4.0 + wave_h),
        );
        ui.allocate_rect(wave_rect, egui::Sense::hover());
        let channels: Vec<usize> = match self.view.channel {
            Some(c) => vec![c],
            None => (0..open.recording.channels()).collect(),
        };
        // The edited version's waveform once computed (the previous one while it is redone).
        let (envelope, samples) = match &open.edited_envelope {
            Some((_, env)) if self.view.version.is_edited() => (Some(env.as_ref()), None),
            _ => (
                open.envelope.as_deref(),
                Some(open.recording.as_ref() as &dyn SampleSource),
            ),
        };
        waveform_ui(
            ui,
            wave_rect,
            envelope,
            open.recording.sample_rate(),
            samples,
            &channels,
            self.view.time_s,
        );
        if let Some(t) = self.transport.playhead_s() {
            let x = wave_rect.left()
                + ((t - self.view.time_s[0]) / (self.view.time_s[1] - self.view.time_s[0])) as f32
                    * wave_rect.width();
            if wave_rect.x_range().contains(x) {
                ui.painter().line_segment(
                    [egui::pos2(x, wave_rect.top()), egui::pos2(x, wave_rect.bottom())],
                    egui::Stroke::new(1.5, egui::Color32::from_rgb(80, 220, 120)),
                );
            }
        }
        if ready && self.first_view_s.is_none() {
            self.first_view_s = Some(self.started.elapsed().as_secs_f64());
        }
    }
}
