//! The display levels (the colour range): fitted to the picture in view when the user asks
//! (View > Auto levels, A), after a change of FFT size, and when a radio capture opens. The
//! fit reads the levels of the tiles already drawn ([`crate::ui::tiles::TileStore::visible_levels`])
//! once the view is covered, so it never waits for a computation on the UI thread.

use super::SpectroApp;
use crate::signal::SampleSource;
use crate::ui::levels_fit::{FittedLevels, LevelHistogram, fit_levels};

/// Display rows sampled over the visible frequencies when fitting.
const FIT_ROWS: usize = 256;
/// Most cells read when fitting: a few milliseconds at most.
const FIT_MAX_CELLS: usize = 250_000;

/// When the levels are next fitted.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct LevelsFit {
    /// A fit waits for the view to be drawn: asked for, or a radio capture just opened.
    pending: bool,
    /// Said when the pending fit is done (the user asked for it).
    announce: bool,
    /// The FFT length the levels were fitted for or first shown with: once the picture of
    /// another length is drawn, the levels are fitted again (a bin's share of the noise moves
    /// with the length).
    fft_len: Option<usize>,
}

impl LevelsFit {
    /// A recording has opened: a radio capture's levels are fitted once it is drawn (its noise
    /// floor may be anywhere); a sound's stay as they are (dBFS mean the same in every file).
    pub(super) fn opened(&mut self, complex: bool) {
        *self = LevelsFit {
            pending: complex,
            announce: false,
            fft_len: None,
        };
    }

    /// The user set the levels: a pending fit would undo that.
    pub(super) fn chosen(&mut self) {
        self.pending = false;
    }

    /// The user asked for a fit.
    pub(super) fn ask(&mut self) {
        self.pending = true;
        self.announce = true;
    }
}

impl SpectroApp {
    /// Once the view is covered (every visible tile has a picture): fits the levels if a fit
    /// is pending or the FFT length changed since the last. `plot_w` is the plot's width in
    /// points (which level of detail is drawn).
    pub(super) fn levels_frame(&mut self, plot_w: f32) {
        let fft_len = self.view.stft.fft_len;
        let resized = self.levels_fit.fft_len.is_some_and(|n| n != fft_len);
        self.levels_fit.fft_len = Some(fft_len);
        if !(self.levels_fit.pending || resized) {
            return;
        }
        let announce = self.levels_fit.announce;
        self.levels_fit.pending = false;
        self.levels_fit.announce = false;
        match self.fit_visible_levels(plot_w) {
            Some(fit) => {
                self.view.floor_db = fit.floor_db;
                self.view.ceiling_db = fit.ceiling_db;
                if announce || resized {
                    self.set_status(format!(
                        "Levels fitted to the view: {:.0} to {:.0} dBFS",
                        fit.floor_db, fit.ceiling_db
                    ));
                }
            }
            None if announce => self.hint("Too little of the picture is drawn to fit the levels to", true),
            None => {}
        }
    }

    /// The levels fitted to the picture in view, from the tiles drawn.
    fn fit_visible_levels(&self, plot_w: f32) -> Option<FittedLevels> {
        let (axis, open) = (self.axis()?, self.open.as_ref()?);
        let fs = open.recording.sample_rate();
        let lod = self.view.lod(plot_w, fs);
        let [u0, u1] = self.view.u;
        let rows: Vec<f64> = (0..FIT_ROWS)
            .map(|i| axis.hz_of(u0 + (i as f64 + 0.5) / FIT_ROWS as f64 * (u1 - u0)))
            .collect();
        let mut histogram = LevelHistogram::new();
        self.tiles.visible_levels(
            &self.view,
            lod,
            self.hop_s(),
            &rows,
            FIT_MAX_CELLS,
            &mut histogram,
        );
        fit_levels(&histogram)
    }
}
