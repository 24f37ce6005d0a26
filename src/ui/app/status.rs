//! The status bar: the running jobs (with progress and Cancel), what is under the pointer, and
//! the last message.

use super::{JobKind, SpectroApp};
use crate::signal::SampleSource;
use crate::ui::command::Command;
use crate::ui::view::{format_hz_step, note_name};

/// A status line message.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    /// Text.
    pub text: String,
    /// True for problems.
    pub error: bool,
}

impl SpectroApp {
    /// Shows `text` in the status bar.
    pub(super) fn set_status(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: false,
        });
    }

    /// Shows `text` as a problem in the status bar and in a dialog.
    pub(super) fn fail(&mut self, text: impl Into<String>) {
        let text = text.into();
        self.status = Some(Status {
            text: text.clone(),
            error: true,
        });
        self.error = Some(text);
    }

    /// Shows `text` in the status bar only (as a problem when `error`): a hint, not worth a
    /// dialog.
    pub(super) fn hint(&mut self, text: impl Into<String>, error: bool) {
        self.status = Some(Status {
            text: text.into(),
            error,
        });
    }

    pub(super) fn status_bar_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            if let Some(job) = self.jobs.get(JobKind::Open) {
                ui.spinner();
                ui.label(&job.label);
            }
            // The long writes and the import: a progress bar and a Cancel button each.
            let long = [
                (JobKind::Export, "Exporting", Command::CancelExport),
                (JobKind::Import, "Importing", Command::CancelImport),
            ];
            for (kind, what, cancel) in long {
                self.progress_ui(ui, kind, what, cancel);
            }
            if self.jobs.is_running(JobKind::ImageExport) || self.jobs.is_running(JobKind::ImageOpen) {
                ui.spinner();
            }
            self.progress_ui(ui, JobKind::Features, "Features", Command::CancelFeatures);
            if self.tiles.busy() {
                ui.spinner().on_hover_text("Drawing the spectrogram");
            }
            if let Some((_, job)) = self.open.as_ref().and_then(|o| o.paint_job.as_ref()) {
                ui.add(
                    egui::ProgressBar::new(job.progress.fraction())
                        .desired_width(120.0)
                        .text(&job.label),
                );
            }
            if let (Some([t, u]), Some(axis), Some(open)) = (self.hover, self.axis(), &self.open) {
                let f = axis.hz_of(u);
                let mut text = format!("{t:.3} s   {}", format_hz_step(f + axis.label_offset_hz, 1.0));
                if !open.recording.is_complex()
                    && let Some(n) = note_name(f)
                {
                    text.push_str(&format!(" ({n})"));
                }
                let fs = open.recording.sample_rate();
                let lod = self.view.lod(ui.available_width().max(100.0), fs);
                if let Some(db) = self.tiles.level_at(&self.view, lod, t, f, self.hop_s()) {
                    text.push_str(&format!("   {db:.1} dBFS"));
                }
                ui.monospace(text);
                ui.separator();
            }
            if let Some(s) = &self.status {
                let color = if s.error {
                    ui.visuals().error_fg_color
                } else {
                    ui.visuals().text_color()
                };
                ui.label(egui::RichText::new(&s.text).color(color));
            }
        });
    }

    /// The progress bar of the running job of `kind` ("`what` FILE") and its Cancel button.
    fn progress_ui(&self, ui: &mut egui::Ui, kind: JobKind, what: &str, cancel: Command) {
        let Some(job) = self.jobs.get(kind) else { return };
        let name = job
            .path
            .as_deref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        ui.add(
            egui::ProgressBar::new(job.progress.fraction())
                .desired_width(160.0)
                .text(format!("{what} {name}")),
        );
        if ui.button("Cancel").clicked() {
            self.commands.send(cancel);
        }
    }
}
