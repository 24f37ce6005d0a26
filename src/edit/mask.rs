//! Rasterising edits onto an STFT grid: one gain per time-frequency cell.
//!
//! Each edit has a membership `m ∈ [0, 1]` per cell (1 inside, a raised-cosine ramp across
//! the feather outside, 0 beyond) and scales the cell by `1 − m·(1 − g)`, with `g` its linear
//! gain; gains of overlapping edits multiply. Cells are sampled at frame centres and bin
//! centres, so an edit covers exactly the cells drawn under it on the spectrogram.
//!
//! A denoise step has no region: its gain for a cell comes from the cell's neighbourhood in the
//! recording (see [`super::denoise`]), computed for a block of frames at a time by
//! [`super::render::GainBlock`], and takes its place in the product like any other edit's.

use std::f64::consts::PI;
use std::ops::Range;

use super::denoise::PreparedDenoise;
use super::gain_step::GainStep;
use super::list::{Edit, LevelCondition, Shape};
use super::voice::PreparedVoice;
use crate::signal::levels::db_to_amplitude;

/// The STFT grid edits are rasterised onto.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Grid {
    /// Samples per second.
    pub sample_rate: f64,
    /// FFT length.
    pub fft_len: usize,
    /// Hop in samples.
    pub hop: usize,
    /// Two-sided (IQ) spectrum with signed frequencies.
    pub complex: bool,
}

impl Grid {
    /// Time of frame `k`'s centre in seconds.
    pub fn frame_time_s(&self, frame: usize) -> f64 {
        (frame * self.hop) as f64 / self.sample_rate
    }

    /// Bins per frame.
    pub fn bins(&self) -> usize {
        if self.complex {
            self.fft_len
        } else {
            self.fft_len / 2 + 1
        }
    }

    /// Bin spacing in Hz.
    pub fn bin_hz(&self) -> f64 {
        self.sample_rate / self.fft_len as f64
    }

    /// Frequency of bin `b` (FFT order; negative for the upper half of a complex spectrum).
    pub fn bin_freq_hz(&self, bin: usize) -> f64 {
        crate::signal::stft::bin_freq_hz(bin, self.fft_len, self.complex, self.sample_rate)
    }

    /// Duration of the STFT window, seconds.
    pub fn window_s(&self) -> f64 {
        self.fft_len as f64 / self.sample_rate
    }

    /// Default edge ramp along time: two hops.
    pub fn default_feather_s(&self) -> f64 {
        2.0 * self.hop as f64 / self.sample_rate
    }

    /// Default edge ramp along frequency: two bins.
    pub fn default_feather_hz(&self) -> f64 {
        2.0 * self.bin_hz()
    }

    /// The frames whose centre lies in `t0..=t1` seconds.
    pub fn frames_in(&self, t0: f64, t1: f64, total_frames: usize) -> Range<usize> {
        let hop_s = self.hop as f64 / self.sample_rate;
        let a = (t0 / hop_s).ceil().max(0.0);
        let b = (t1 / hop_s).floor() + 1.0;
        let a = (a.min(total_frames as f64)) as usize;
        let b = (b.clamp(0.0, total_frames as f64)) as usize;
        a..b.max(a)
    }

    /// The bins (FFT order) whose frequency lies in `f0..=f1` Hz, as at most two ranges.
    fn bins_in(&self, f0: f64, f1: f64) -> Vec<Range<usize>> {
        let n = self.fft_len as i64;
        let df = self.bin_hz();
        let (lo_idx, hi_idx) = if self.complex {
            (-(n / 2), (n - 1) / 2)
        } else {
            (0, n / 2)
        };
        let a = ((f0 / df).ceil() as i64).max(lo_idx);
        let b = ((f1 / df).floor() as i64).min(hi_idx);
        if a > b {
            return Vec::new();
        }
        if !self.complex || a >= 0 {
            return std::iter::once(a as usize..b as usize + 1).collect();
        }
        // Negative frequencies sit in the upper half of the FFT.
        let mut out: Vec<Range<usize>> =
            std::iter::once((a + n) as usize..(b.min(-1) + n) as usize + 1).collect();
        if b >= 0 {
            out.push(0..b as usize + 1);
        }
        out
    }
}

/// Raised-cosine edge: 1 at the region's boundary (`d = 0`), 0 one feather away (`d = 1`).
#[inline]
fn ramp(d: f64) -> f64 {
    if d <= 0.0 {
        1.0
    } else if d >= 1.0 {
        0.0
    } else {
        0.5 * (1.0 + (PI * d).cos())
    }
}

/// Membership of `x` in `[lo, hi]` with an outward ramp of width `feather`.
#[inline]
fn interval_membership(x: f64, lo: f64, hi: f64, feather: f64) -> f64 {
    let outside = (lo - x).max(x - hi);
    if outside <= 0.0 {
        1.0
    } else if feather <= 0.0 {
        0.0
    } else {
        ramp(outside / feather)
    }
}

/// An edit prepared for one grid.
struct Prepared {
    /// The STFT window's duration, s (how far a gliding partial moves within a frame).
    window_s: f64,
    shape: Shape,
    gain: f64,
    feather_s: f64,
    feather_hz: f64,
    channels: Option<Vec<usize>>,
    invert: bool,
    /// Time span (s) outside which the membership is 0.
    t_bounds: [f64; 2],
    /// Frequency span (Hz) outside which the membership is 0.
    f_bounds: [f64; 2],
    /// Bins inside `f_bounds`.
    bin_ranges: Vec<Range<usize>>,
    /// The gain step, for denoise and voice edits.
    denoise: Option<GainStep>,
    /// Paint, repair and declick change the recording (in the pipeline), not the mask.
    changes_signal: bool,
}

impl Prepared {
    fn new(edit: &Edit, grid: &Grid) -> Self {
        let feather_s = edit.feather_s.unwrap_or_else(|| grid.default_feather_s());
        let feather_hz = edit.feather_hz.unwrap_or_else(|| grid.default_feather_hz());
        let (t_bounds, f_bounds) = match &edit.shape {
            Shape::Rect { time_s, freq_hz } | Shape::Threshold { time_s, freq_hz, .. } => (
                [time_s[0] - feather_s, time_s[1] + feather_s],
                [freq_hz[0] - feather_hz, freq_hz[1] + feather_hz],
            ),
            Shape::Lasso { points } => {
                let (t, f) = bounding_box(points);
                (
                    [t[0] - feather_s, t[1] + feather_s],
                    [f[0] - feather_hz, f[1] + feather_hz],
                )
            }
            Shape::Brush { .. } | Shape::Erase { .. } | Shape::Paint { .. } => {
                // Always a stroke here.
                let (points, radius_s, radius_hz) = edit.shape.stroke().unwrap_or_default();
                let (t, f) = bounding_box(points);
                let reach = 1.0 + brush_feather(radius_s, radius_hz, feather_s, feather_hz);
                (
                    [t[0] - radius_s * reach, t[1] + radius_s * reach],
                    [f[0] - radius_hz * reach, f[1] + radius_hz * reach],
                )
            }
            Shape::Harmonics(h) => {
                let (f0_max, slope) = h.f0_max_and_slope();
                let k = h.partials();
                let reach = h.half_width_hz(k, slope, grid.window_s()) + feather_hz;
                (
                    [h.time_s[0] - feather_s, h.time_s[1] + feather_s],
                    [0.0, k as f64 * f0_max + reach],
                )
            }
            Shape::Denoise(_)
            | Shape::Voice(_)
            | Shape::Declick { .. }
            | Shape::Dehum { .. }
            | Shape::Paste(_) => (
                [f64::NEG_INFINITY, f64::INFINITY],
                [f64::NEG_INFINITY, f64::INFINITY],
            ),
        };
        let denoise = match &edit.shape {
            Shape::Denoise(d) => Some(GainStep::Denoise(PreparedDenoise::new(d, grid))),
            Shape::Voice(v) => Some(GainStep::Voice(PreparedVoice::new(v))),
            _ => None,
        };
        Prepared {
            window_s: grid.window_s(),
            shape: edit.shape.clone(),
            gain: db_to_amplitude(edit.gain_db),
            feather_s,
            feather_hz,
            channels: edit.channels.clone(),
            invert: edit.invert,
            changes_signal: edit.changes_signal(),
            t_bounds,
            f_bounds,
            bin_ranges: grid.bins_in(f_bounds[0], f_bounds[1]),
            denoise,
        }
    }

    fn is_erase(&self) -> bool {
        matches!(self.shape, Shape::Erase { .. })
    }

    fn applies_to(&self, channel: usize) -> bool {
        // Paint, repair and declick change the recording (see `pipeline`), not the mask.
        let acts = match &self.denoise {
            Some(d) => d.acts_on(channel),
            None => !self.changes_signal && (self.gain != 1.0 || self.is_erase()),
        };
        acts && self.channels.as_ref().is_none_or(|c| c.contains(&channel))
    }

    fn touches_time(&self, t: f64) -> bool {
        self.invert || (self.t_bounds[0] <= t && t <= self.t_bounds[1])
    }

    /// Prepares `near` for the frame at time `t`: for strokes and lassos, the segments close
    /// enough in time to matter, and a lasso's crossings of the frame's vertical line. Cells
    /// then look only at those, so a frame costs O(points + bins × nearby segments) rather than
    /// O(bins × points).
    fn near_frame(&self, t: f64, near: &mut NearFrame) {
        near.segments.clear();
        near.crossings.clear();
        match &self.shape {
            Shape::Lasso { points } => {
                let st = inverse_or_huge(self.feather_s);
                near_segments(points, true, t, st, 1.0, &mut near.segments);
                // Even-odd rule along the frame's vertical line: a cell is inside when an odd
                // number of edges cross the line above it.
                let n = points.len();
                for i in 0..n {
                    let (a, b) = (points[i], points[(i + 1) % n]);
                    if (a[0] > t) != (b[0] > t) {
                        near.crossings
                            .push(a[1] + (t - a[0]) * (b[1] - a[1]) / (b[0] - a[0]));
                    }
                }
                near.crossings.sort_by(f64::total_cmp);
            }
            Shape::Brush { .. } | Shape::Erase { .. } | Shape::Paint { .. } => {
                let Some((points, radius_s, radius_hz)) = self.shape.stroke() else {
                    return;
                };
                let reach = 1.0 + brush_feather(radius_s, radius_hz, self.feather_s, self.feather_hz);
                near_segments(points, false, t, 1.0 / radius_s, reach, &mut near.segments);
            }
            Shape::Harmonics(h) => {
                near.f0_hz = h.f0_at(t);
                near.slope_hz_s = h.f0_slope_at(t);
            }
            _ => {}
        }
    }

    /// Membership of the cell at `(t, f)`; `level_db` is its level for thresholds; `near` was
    /// prepared by [`Prepared::near_frame`] for `t`.
    fn membership(&self, t: f64, f: f64, level_db: Option<f32>, near: &NearFrame) -> f64 {
        match &self.shape {
            Shape::Rect { time_s, freq_hz } => {
                interval_membership(t, time_s[0], time_s[1], self.feather_s)
                    * interval_membership(f, freq_hz[0], freq_hz[1], self.feather_hz)
            }
            Shape::Threshold {
                time_s,
                freq_hz,
                condition,
            } => {
                let selected = match (condition, level_db) {
                    (LevelCondition::Below(db), Some(l)) => (l as f64) < *db,
                    (LevelCondition::Above(db), Some(l)) => (l as f64) > *db,
                    (_, None) => false,
                };
                if !selected {
                    return 0.0;
                }
                interval_membership(t, time_s[0], time_s[1], self.feather_s)
                    * interval_membership(f, freq_hz[0], freq_hz[1], self.feather_hz)
            }
            Shape::Lasso { points } => {
                let above = near.crossings.len() - near.crossings.partition_point(|&c| c <= f);
                if above % 2 == 1 {
                    return 1.0;
                }
                let (st, sf) = (inverse_or_huge(self.feather_s), inverse_or_huge(self.feather_hz));
                ramp(polyline_distance(points, &near.segments, t, f, st, sf))
            }
            Shape::Brush { .. } | Shape::Erase { .. } | Shape::Paint { .. } => {
                let Some((points, radius_s, radius_hz)) = self.shape.stroke() else {
                    return 0.0;
                };
                let d = polyline_distance(points, &near.segments, t, f, 1.0 / radius_s, 1.0 / radius_hz);
                if d <= 1.0 {
                    return 1.0;
                }
                let phi = brush_feather(radius_s, radius_hz, self.feather_s, self.feather_hz);
                if phi <= 0.0 { 0.0 } else { ramp((d - 1.0) / phi) }
            }
            Shape::Harmonics(h) => {
                let in_time = interval_membership(t, h.time_s[0], h.time_s[1], self.feather_s);
                let f0 = near.f0_hz;
                if in_time <= 0.0 || f <= 0.0 || f0 <= 0.0 {
                    return 0.0;
                }
                // The nearest partials: the one below and the one above `f`.
                let below = ((f / f0).floor() as usize).clamp(1, h.partials());
                let mut best: f64 = 0.0;
                for k in [below, (below + 1).min(h.partials())] {
                    let half = h.half_width_hz(k, near.slope_hz_s, self.window_s);
                    let centre = k as f64 * f0;
                    best = best.max(interval_membership(
                        f,
                        centre - half,
                        centre + half,
                        self.feather_hz,
                    ));
                }
                in_time * best
            }
            // A denoise step's gain is computed from the recording, not a membership.
            Shape::Denoise(_)
            | Shape::Voice(_)
            | Shape::Declick { .. }
            | Shape::Dehum { .. }
            | Shape::Paste(_) => 0.0,
        }
    }
}

/// The brush's feather as a fraction of its radius.
fn brush_feather(radius_s: f64, radius_hz: f64, feather_s: f64, feather_hz: f64) -> f64 {
    (feather_s / radius_s).max(feather_hz / radius_hz)
}

/// `1/x`, or a very large scale when `x` is 0 so that a zero feather gives a hard edge.
fn inverse_or_huge(x: f64) -> f64 {
    if x > 0.0 { 1.0 / x } else { 1e12 }
}

fn bounding_box(points: &[[f64; 2]]) -> ([f64; 2], [f64; 2]) {
    let mut t = [f64::INFINITY, f64::NEG_INFINITY];
    let mut f = [f64::INFINITY, f64::NEG_INFINITY];
    for p in points {
        t = [t[0].min(p[0]), t[1].max(p[0])];
        f = [f[0].min(p[1]), f[1].max(p[1])];
    }
    (t, f)
}

/// What a frame's cells need of a stroke or lasso (see [`Prepared::near_frame`]).
#[derive(Default)]
struct NearFrame {
    /// Segments `i → i + 1` (wrapping for a lasso) near the frame; a single point is segment 0.
    segments: Vec<usize>,
    /// Frequencies where a lasso's edges cross the frame's vertical line, ascending.
    crossings: Vec<f64>,
    /// A harmonic selection's fundamental at the frame, Hz.
    f0_hz: f64,
    /// How fast that fundamental moves there, Hz/s.
    slope_hz_s: f64,
}

/// The segments of a polyline (closed if `closed`) whose time extent comes within `reach`
/// units of `t`, time scaled by `st`: the others are at least `reach` away from every cell
/// of the frame.
fn near_segments(points: &[[f64; 2]], closed: bool, t: f64, st: f64, reach: f64, out: &mut Vec<usize>) {
    let n = points.len();
    if n == 1 {
        out.push(0);
        return;
    }
    let segments = if closed { n } else { n - 1 };
    for i in 0..segments {
        let (a, b) = (points[i][0], points[(i + 1) % n][0]);
        let gap = (a.min(b) - t).max(t - a.max(b));
        if gap * st < reach {
            out.push(i);
        }
    }
}

/// Distance from `(t, f)` to the segments `segments` of a polyline (segment `i` joins points
/// `i` and `i + 1`, wrapping; a single point is its own segment 0), with time scaled by `st`
/// and frequency by `sf` so that one unit is one feather (or one radius). Infinite when there
/// are none.
fn polyline_distance(points: &[[f64; 2]], segments: &[usize], t: f64, f: f64, st: f64, sf: f64) -> f64 {
    let p = [t * st, f * sf];
    let scaled = |q: &[f64; 2]| [q[0] * st, q[1] * sf];
    if points.len() == 1 {
        let q = scaled(&points[0]);
        return ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt();
    }
    let mut best = f64::INFINITY;
    for &i in segments {
        let a = scaled(&points[i]);
        let b = scaled(&points[(i + 1) % points.len()]);
        let ab = [b[0] - a[0], b[1] - a[1]];
        let ap = [p[0] - a[0], p[1] - a[1]];
        let len2 = ab[0] * ab[0] + ab[1] * ab[1];
        let u = if len2 > 0.0 {
            ((ap[0] * ab[0] + ap[1] * ab[1]) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let d = [ap[0] - u * ab[0], ap[1] - u * ab[1]];
        best = best.min(d[0] * d[0] + d[1] * d[1]);
    }
    best.sqrt()
}

/// Edits compiled for one grid: answers "what gain does each cell of this frame get?".
pub struct MaskRaster {
    grid: Grid,
    items: Vec<Prepared>,
    bin_freqs: Vec<f64>,
}

impl MaskRaster {
    /// Prepares `edits` for `grid`; bypassed edits are left out.
    pub fn new(edits: &[Edit], grid: Grid) -> Self {
        MaskRaster {
            grid,
            items: edits
                .iter()
                .filter(|e| e.is_active())
                .map(|e| Prepared::new(e, &grid))
                .collect(),
            bin_freqs: (0..grid.bins()).map(|b| grid.bin_freq_hz(b)).collect(),
        }
    }

    /// The grid this raster was prepared for.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// True if no edit changes anything on `channel`.
    pub fn is_identity(&self, channel: usize) -> bool {
        !self.items.iter().any(|e| e.applies_to(channel))
    }

    /// True if some edit on `channel` selects cells by level, so gains need the spectrum.
    pub fn needs_levels(&self, channel: usize) -> bool {
        self.items
            .iter()
            .any(|e| e.applies_to(channel) && matches!(e.shape, Shape::Threshold { .. }))
    }

    /// True if some edit may change a cell of `frame` on `channel`; frames for which this is
    /// false keep all gains at exactly 1 and need no processing.
    pub fn frame_may_change(&self, channel: usize, frame: usize) -> bool {
        let t = self.grid.frame_time_s(frame);
        self.items
            .iter()
            .any(|e| e.applies_to(channel) && e.touches_time(t))
    }

    /// The time span (s) outside which no edit on `channel` changes anything, or `None` if an
    /// edit reaches everywhere (keep-only, denoise).
    pub fn time_bounds(&self, channel: usize) -> Option<[f64; 2]> {
        let mut span = [f64::INFINITY, f64::NEG_INFINITY];
        for e in self.items.iter().filter(|e| e.applies_to(channel)) {
            if e.invert || e.denoise.is_some() {
                return None;
            }
            span = [span[0].min(e.t_bounds[0]), span[1].max(e.t_bounds[1])];
        }
        Some(span)
    }

    /// True if a denoise step acts on `channel`: its gains need neighbouring frames, so they
    /// come only through [`super::render::GainBlock`], not [`MaskRaster::frame_gains`].
    pub fn has_denoise(&self, channel: usize) -> bool {
        self.items
            .iter()
            .any(|e| e.denoise.is_some() && e.applies_to(channel))
    }

    /// How many frames on each side of a frame its gains on `channel` depend on (0 unless a
    /// denoise step acts there).
    pub fn context_frames(&self, channel: usize) -> usize {
        self.items
            .iter()
            .filter(|e| e.applies_to(channel))
            .filter_map(|e| e.denoise.as_ref())
            .map(GainStep::context_frames)
            .max()
            .unwrap_or(0)
    }

    /// The denoise steps, in list order, with whether each acts on `channel`.
    pub(crate) fn denoise_steps(&self, channel: usize) -> impl Iterator<Item = (&GainStep, bool)> {
        self.items
            .iter()
            .filter_map(move |e| e.denoise.as_ref().map(|d| (d, e.applies_to(channel))))
    }

    /// Gains for every bin (FFT order) of `frame` on `channel` into `out`; returns false if all
    /// are exactly 1. `levels_db` (dBFS per bin) is required when [`MaskRaster::needs_levels`].
    ///
    /// Denoise steps count as 1 here (see [`MaskRaster::has_denoise`]).
    pub fn frame_gains(
        &self,
        channel: usize,
        frame: usize,
        levels_db: Option<&[f32]>,
        out: &mut [f32],
    ) -> bool {
        self.frame_gains_with(channel, frame, levels_db, &[], 0, out)
    }

    /// As [`MaskRaster::frame_gains`], with the gains of the `i`-th denoise step (in list
    /// order) for this frame at `denoise[i][offset .. offset + out.len()]`; an empty row counts
    /// as 1.
    pub(crate) fn frame_gains_with(
        &self,
        channel: usize,
        frame: usize,
        levels_db: Option<&[f32]>,
        denoise: &[Vec<f32>],
        offset: usize,
        out: &mut [f32],
    ) -> bool {
        out.fill(1.0);
        let t = self.grid.frame_time_s(frame);
        let mut changed = false;
        let mut denoise_index = 0;
        let mut near = NearFrame::default();
        for e in &self.items {
            if e.denoise.is_some() {
                let row = denoise
                    .get(denoise_index)
                    .and_then(|r| r.get(offset..offset + out.len()));
                denoise_index += 1;
                if let Some(row) = row.filter(|_| e.applies_to(channel)) {
                    for (g, &d) in out.iter_mut().zip(row) {
                        *g *= d;
                    }
                    changed = true;
                }
                continue;
            }
            if !e.applies_to(channel) || !e.touches_time(t) {
                continue;
            }
            let loss = 1.0 - e.gain;
            e.near_frame(t, &mut near);
            if e.invert {
                // Keep-only: full gain everywhere, except where the region is.
                let inside_time = e.t_bounds[0] <= t && t <= e.t_bounds[1];
                for (b, g) in out.iter_mut().enumerate() {
                    let f = self.bin_freqs[b];
                    let m = if inside_time && e.f_bounds[0] <= f && f <= e.f_bounds[1] {
                        e.membership(t, f, levels_db.map(|l| l[b]), &near)
                    } else {
                        0.0
                    };
                    *g *= (1.0 - (1.0 - m) * loss) as f32;
                }
                changed = true;
                continue;
            }
            for range in &e.bin_ranges {
                for b in range.clone() {
                    let m = e.membership(t, self.bin_freqs[b], levels_db.map(|l| l[b]), &near);
                    if m > 0.0 {
                        if e.is_erase() {
                            // Restore towards 1 whatever the edits before it did.
                            out[b] += (m * (1.0 - out[b] as f64)) as f32;
                        } else {
                            out[b] *= (1.0 - m * loss) as f32;
                        }
                        changed = true;
                    }
                }
            }
        }
        changed && out.iter().any(|&g| g != 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Grid {
        Grid {
            sample_rate: 1000.0,
            fft_len: 100,
            hop: 10,
            complex: false,
        }
    }

    #[test]
    fn rect_is_full_inside_and_ramps_outside() {
        let mut e = Edit::new(
            Shape::Rect {
                time_s: [0.1, 0.2],
                freq_hz: [100.0, 200.0],
            },
            f64::NEG_INFINITY,
        );
        e.feather_s = Some(0.02);
        e.feather_hz = Some(20.0);
        let r = MaskRaster::new(&[e], grid());
        let mut g = vec![0.0; 51];
        // Frame 15 is at 0.15 s, inside.
        assert!(r.frame_gains(0, 15, None, &mut g));
        assert_eq!(g[15], 0.0); // 150 Hz
        assert_eq!(g[10], 0.0); // 100 Hz, the edge itself
        assert!(g[21] > 0.0 && g[21] < 1.0); // 210 Hz, in the feather
        assert_eq!(g[22], 1.0); // 220 Hz, one feather out
        // 0.21 s is half a feather out: gain is 1 − ramp(0.5) = 0.5.
        r.frame_gains(0, 21, None, &mut g);
        assert!((g[15] - 0.5).abs() < 1e-6, "{}", g[15]);
        assert!(!r.frame_gains(0, 23, None, &mut g));
        assert!(!r.frame_may_change(0, 23));
    }

    #[test]
    fn overlapping_gains_multiply_and_invert_keeps_only_the_region() {
        let rect = |gain| {
            let mut e = Edit::new(
                Shape::Rect {
                    time_s: [0.0, 1.0],
                    freq_hz: [0.0, 500.0],
                },
                gain,
            );
            e.feather_s = Some(0.0);
            e.feather_hz = Some(0.0);
            e
        };
        let r = MaskRaster::new(&[rect(-6.0), rect(-6.0)], grid());
        let mut g = vec![0.0; 51];
        r.frame_gains(0, 5, None, &mut g);
        assert!((g[3] as f64 - db_to_amplitude(-12.0)).abs() < 1e-6);

        let mut keep = rect(f64::NEG_INFINITY);
        keep.shape = Shape::Rect {
            time_s: [0.0, 1.0],
            freq_hz: [100.0, 200.0],
        };
        keep.invert = true;
        let r = MaskRaster::new(&[keep], grid());
        r.frame_gains(0, 5, None, &mut g);
        assert_eq!(g[15], 1.0);
        assert_eq!(g[30], 0.0);
        assert_eq!(r.time_bounds(0), None);
    }

    #[test]
    fn lasso_brush_and_threshold_select_the_right_cells() {
        let mut lasso = Edit::new(
            Shape::Lasso {
                points: vec![[0.0, 0.0], [1.0, 0.0], [0.0, 400.0]],
            },
            f64::NEG_INFINITY,
        );
        lasso.feather_s = Some(0.0);
        lasso.feather_hz = Some(0.0);
        let r = MaskRaster::new(&[lasso], grid());
        let mut g = vec![0.0; 51];
        r.frame_gains(0, 50, None, &mut g); // t = 0.5 s: inside below 200 Hz
        assert_eq!(g[19], 0.0);
        assert_eq!(g[21], 1.0);

        let brush = Edit::new(
            Shape::Brush {
                points: vec![[0.5, 250.0]],
                radius_s: 0.05,
                radius_hz: 50.0,
            },
            -20.0,
        );
        let r = MaskRaster::new(&[brush], grid());
        r.frame_gains(0, 50, None, &mut g);
        assert!((g[25] - 0.1).abs() < 1e-6);
        assert!((g[30] - 0.1).abs() < 1e-6); // exactly one radius away
        assert_eq!(g[40], 1.0);

        let th = Edit::new(
            Shape::Threshold {
                time_s: [0.0, 1.0],
                freq_hz: [0.0, 500.0],
                condition: LevelCondition::Below(-60.0),
            },
            f64::NEG_INFINITY,
        );
        let r = MaskRaster::new(&[th], grid());
        assert!(r.needs_levels(0));
        let levels: Vec<f32> = (0..51).map(|b| if b % 2 == 0 { -80.0 } else { -20.0 }).collect();
        r.frame_gains(0, 50, Some(&levels), &mut g);
        assert_eq!(g[20], 0.0);
        assert_eq!(g[21], 1.0);
    }

    #[test]
    fn erase_restores_what_earlier_edits_removed_and_only_that() {
        let mut remove = Edit::new(
            Shape::Rect {
                time_s: [0.0, 1.0],
                freq_hz: [0.0, 500.0],
            },
            f64::NEG_INFINITY,
        );
        remove.feather_s = Some(0.0);
        remove.feather_hz = Some(0.0);
        let mut erase = Edit::new(
            Shape::Erase {
                points: vec![[0.5, 250.0]],
                radius_s: 0.05,
                radius_hz: 50.0,
            },
            0.0,
        );
        erase.feather_s = Some(0.0);
        erase.feather_hz = Some(0.0);
        let r = MaskRaster::new(&[remove.clone(), erase.clone()], grid());
        let mut g = vec![0.0; 51];
        r.frame_gains(0, 50, None, &mut g);
        assert_eq!(g[25], 1.0); // erased back
        assert_eq!(g[10], 0.0); // still removed
        // An eraser before the removal does nothing: order matters.
        let r = MaskRaster::new(&[erase.clone(), remove], grid());
        r.frame_gains(0, 50, None, &mut g);
        assert_eq!(g[25], 0.0);
        // Alone, it changes nothing.
        let r = MaskRaster::new(&[erase], grid());
        assert!(!r.frame_gains(0, 50, None, &mut g));
    }

    #[test]
    fn complex_grids_map_negative_frequencies_to_the_upper_half() {
        let g = Grid {
            sample_rate: 1000.0,
            fft_len: 10,
            hop: 5,
            complex: true,
        };
        assert_eq!(g.bins_in(-300.0, -100.0), vec![7..10]);
        assert_eq!(g.bins_in(-100.0, 100.0), vec![9..10, 0..2]);
        assert_eq!(g.bins_in(100.0, 900.0), vec![1..5]);
        let mut e = Edit::new(
            Shape::Rect {
                time_s: [0.0, 1.0],
                freq_hz: [-250.0, -150.0],
            },
            f64::NEG_INFINITY,
        );
        e.feather_hz = Some(0.0);
        let r = MaskRaster::new(&[e], g);
        let mut gains = vec![0.0; 10];
        r.frame_gains(0, 10, None, &mut gains);
        assert_eq!(gains, vec![1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0]);
    }
}
