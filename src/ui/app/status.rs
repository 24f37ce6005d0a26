//! The status bar: the running jobs (with progress and Cancel), what is under the pointer, and
//! the last message. Information expires after [`INFO_EXPIRY_S`]; a problem stays until it is
//! dismissed (its x) or replaced.

use std::time::{Duration, Instant};

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

/// Seconds an information message stays in the status bar.
pub const INFO_EXPIRY_S: f64 = 6.0;

/// When the status message on screen was first seen, so information can expire.
#[derive(Clone, Debug, Default)]
pub struct StatusClock {
    shown: Option<(Status, Instant)>,
}

impl StatusClock {
    /// Whether `status` is still to be shown at `now`: information for [`INFO_EXPIRY_S`] from
    /// when this clock first saw it (a new message starts the count again), problems until
    /// replaced. With the time left before it expires, for the next repaint.
    pub fn check(&mut self, status: Option<&Status>, now: Instant) -> (bool, Option<Duration>) {
        let Some(status) = status else {
            self.shown = None;
            return (false, None);
        };
        let since = match &self.shown {
            Some((seen, since)) if seen == status => *since,
            _ => {
                self.shown = Some((status.clone(), now));
                now
            }
        };
        if status.error {
            return (true, None);
        }
        let left = INFO_EXPIRY_S - now.saturating_duration_since(since).as_secs_f64();
        if left <= 0.0 {
            (false, None)
        } else {
            (true, Some(Duration::from_secs_f64(left)))
        }
    }
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
                crate::ui::busy::busy_ui(ui);
                ui.label(&job.label);
            }
            // The long writes and the import: a progress bar and a Cancel button each.
            let long = [
                (JobKind::Export, "Exporting", Command::CancelExport),
                (JobKind::SaveSession, "Saving", Command::CancelSaveSession),
                (JobKind::Import, "Importing", Command::CancelImport),
            ];
            for (kind, what, cancel) in long {
                self.progress_ui(ui, kind, what, cancel);
            }
            if self.jobs.is_running(JobKind::ImageExport) || self.jobs.is_running(JobKind::ImageOpen) {
                crate::ui::busy::busy_ui(ui);
            }
            self.progress_ui(ui, JobKind::Features, "Features", Command::CancelFeatures);
            if self.tiles.busy() {
                crate::ui::busy::busy_ui(ui).on_hover_text("Drawing the spectrogram");
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
            let (keep, left) = self.status_clock.check(self.status.as_ref(), Instant::now());
            if !keep {
                self.status = None;
            }
            if let Some(left) = left {
                ui.ctx().request_repaint_after(left);
            }
            if let Some(s) = &self.status {
                let color = if s.error {
                    ui.visuals().error_fg_color
                } else {
                    ui.visuals().text_color()
                };
                ui.label(egui::RichText::new(&s.text).color(color));
                if s.error && ui.small_button("x").on_hover_text("Dismiss").clicked() {
                    self.status = None;
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str, error: bool) -> Status {
        Status {
            text: text.to_owned(),
            error,
        }
    }

    #[test]
    fn information_expires_problems_stay_and_a_new_message_starts_again() {
        let t0 = Instant::now();
        let at = |s: f64| t0 + Duration::from_secs_f64(s);
        let mut clock = StatusClock::default();
        let info = message("Saved", false);
        assert!(clock.check(Some(&info), at(0.0)).0);
        let (keep, left) = clock.check(Some(&info), at(5.0));
        assert!(keep);
        assert!((left.unwrap().as_secs_f64() - (INFO_EXPIRY_S - 5.0)).abs() < 1e-6);
        assert!(!clock.check(Some(&info), at(INFO_EXPIRY_S + 0.1)).0);
        // A new message at 7 s counts from 7 s.
        let next = message("Exported", false);
        assert!(clock.check(Some(&next), at(7.0)).0);
        assert!(clock.check(Some(&next), at(12.0)).0);
        assert!(!clock.check(Some(&next), at(13.5)).0);
        // A problem stays, with no repaint needed for it.
        let problem = message("Cannot write", true);
        assert_eq!(clock.check(Some(&problem), at(14.0)), (true, None));
        assert_eq!(clock.check(Some(&problem), at(600.0)), (true, None));
        assert_eq!(clock.check(None, at(601.0)), (false, None));
    }
}
