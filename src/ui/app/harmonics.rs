//! The Harmonics tool's pending selection: a click (or drag) on one partial starts a tracking
//! job off the UI thread; its result is drawn as a pending selection, with the toolbar's count
//! and width, until Apply (Enter) adds it as one undoable step or Cancel drops it.

use std::sync::Arc;

use super::{JobKind, SpectroApp};
use crate::edit::{Edit, Shape};
use crate::signal::SampleSource;
use crate::signal::harmonics::track_harmonics;
use crate::ui::command::Command;

/// A tracked harmonic selection waiting to be applied.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingHarmonics {
    /// The edit, tracked (its count, width and gain follow the toolbar until applied).
    pub edit: Edit,
    /// Which partial the click was on (1 = the fundamental).
    pub harmonic: usize,
}

impl SpectroApp {
    pub(super) fn harmonics_command(&mut self, command: Command, ctx: &egui::Context) {
        match command {
            Command::TrackHarmonics(edit) => self.track_harmonics(edit, ctx),
            Command::ApplyHarmonics => {
                if let Some(p) = self.harmonics.take() {
                    let edit = self.settings.restyle_harmonics(&p.edit);
                    self.commands.send(Command::AddEdit(edit));
                }
            }
            Command::CancelHarmonics => {
                self.jobs.drop_kind(JobKind::Harmonics);
                self.harmonics = None;
            }
            _ => {}
        }
    }

    fn track_harmonics(&mut self, mut edit: Edit, ctx: &egui::Context) {
        let Some(open) = &self.open else { return };
        let Shape::Harmonics(h) = &edit.shape else { return };
        let seed = h.seed();
        let source: Arc<dyn SampleSource> = open.recording.clone();
        let channels = edit.channels.clone().unwrap_or_default();
        self.jobs.drop_kind(JobKind::Harmonics);
        self.jobs.spawn(
            JobKind::Harmonics,
            "Tracking harmonics",
            None,
            ctx,
            move |p| track_harmonics(source.as_ref(), &channels, &seed, p),
            move |app: &mut SpectroApp, result, _| match result {
                Ok(track) => {
                    // The median: the ends may hold a value from before or after the sound.
                    let mut f: Vec<f64> = track.points.iter().map(|p| p[1]).collect();
                    let mid = f.len() / 2;
                    let f0 = if f.is_empty() {
                        0.0
                    } else {
                        *f.select_nth_unstable_by(mid, f64::total_cmp).1
                    };
                    if let Shape::Harmonics(h) = &mut edit.shape {
                        h.track_hz = Some(track.points);
                    }
                    app.set_status(format!(
                        "Harmonics: the click was partial {} of a fundamental near {f0:.1} Hz; Enter applies",
                        track.harmonic
                    ));
                    app.harmonics = Some(PendingHarmonics {
                        edit,
                        harmonic: track.harmonic,
                    });
                }
                Err(crate::signal::harmonics::HarmonicsError::Cancelled(_)) => {}
                Err(e) => app.set_status(format!("Harmonics: {e}")),
            },
        );
    }

    /// The pending selection as it would be applied now (the toolbar's count and width).
    pub fn pending_harmonics(&self) -> Option<Edit> {
        self.harmonics
            .as_ref()
            .map(|p| self.settings.restyle_harmonics(&p.edit))
    }
}
