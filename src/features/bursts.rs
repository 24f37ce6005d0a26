//! Burst detection: activity above the noise floor, found as connected regions of the
//! time-frequency plane, and measured.
//!
//! Detection works on *smoothed* levels: each cell's power over its bin's floor, averaged with
//! its 8 neighbours (3 frames × 3 bins). One cell's power fluctuates widely (exponentially
//! distributed, for noise and for noise-like signals such as data bursts); the average is
//! steady enough that a burst is found whole rather than in fragments. Measurements use the
//! unsmoothed spectra.
//!
//! 1. **Noise floor**, per frequency bin: the mean noise power, estimated from the 20th
//!    percentile of the bin's power over the recording (frames that lie wholly inside it) as
//!    exponentially distributed noise power relates them (+6.5 dB). A percentile ignores
//!    signals that occupy the bin less than 80 % of the time, and a per-bin floor follows
//!    coloured noise (and a receiver's filter shape). A steady carrier becomes part of its
//!    bin's floor: bursts are transient activity. Where edits changed some of a bin's cells
//!    but left at least half of them alone, only those count, so a band emptied for part of
//!    the recording keeps the floor of its noise elsewhere (threshold edits, which pick cells
//!    by level, and keep-only edits, which change all but their region, are not counted). No
//!    bin's floor is taken lower than 30 dB under the median bin's, so a band emptied by an
//!    edit does not turn the edit's faint residue into bursts.
//! 2. **Cells**: a cell is *active* when its smoothed level is at least `threshold_db −
//!    hysteresis_db` above its bin's floor, and a *seed* when at least `threshold_db` above.
//!    Frames that reach past the recording's ends (into the zero padding) hold no seeds: the
//!    cut to silence splatters over every bin.
//! 3. **Regions**: active cells joined along frequency into runs (bridging up to
//!    `merge_gap_hz` of inactive bins), runs of successive frames joined when they overlap or
//!    touch diagonally (bridging up to `merge_gap_s` of inactive frames). Regions without a
//!    seed are dropped (hysteresis: seeds find bursts, the lower level gives their extent).
//!    Simultaneous signals at different frequencies are separate bursts.
//! 4. **Measures**, on the region's bins (those active in any of its frames): the excess
//!    power over the floor per frame gives the time extent (half-power points), the excess
//!    power per bin the centre frequency and occupied bandwidth, the bins' power the levels,
//!    and the mean magnitude spectrum within the occupied band the librosa-style statistics.
//!    See [`Burst`].
//!
//! The STFT's window sets what can be told apart: bursts closer in time than about a window
//! length join (a short window suits pulsed signals: 8 µs for ADS-B), and a burst shorter than
//! the window is measured about a third of a window long.

use std::ops::Range;

use super::spectral::{Bands, SpectralStats, spectral_stats};

/// How bursts are detected.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BurstOptions {
    /// A burst needs at least one cell this many dB above its bin's noise floor.
    pub threshold_db: f64,
    /// A burst extends over the connected cells at least `threshold_db − hysteresis_db` above
    /// the floor.
    pub hysteresis_db: f64,
    /// Bursts shorter than this (as measured, see [`Burst::duration_s`]) are dropped, seconds.
    pub min_duration_s: f64,
    /// Activity separated by at most this much silence in time joins one burst, seconds.
    pub merge_gap_s: f64,
    /// Activity separated by at most this much silence in frequency joins one burst, Hz.
    pub merge_gap_hz: f64,
}

impl Default for BurstOptions {
    fn default() -> Self {
        BurstOptions {
            threshold_db: 12.0,
            hysteresis_db: 6.0,
            min_duration_s: 0.0,
            merge_gap_s: 0.0,
            merge_gap_hz: 0.0,
        }
    }
}

/// One detected burst.
#[derive(Clone, Debug, PartialEq)]
pub struct Burst {
    /// Start, seconds: where the burst's excess power over the floor, per frame (over its
    /// bins), first rises through half its steady level (the median of its frames a window
    /// length inside its edges, or its peak when it is too short to have such frames),
    /// interpolated between frame centres. For a burst of steady power at least one window
    /// long this is the true start.
    pub start_s: f64,
    /// Duration, seconds, between the half-power crossings (see `start_s`). Bursts shorter than
    /// the window read about a third of the window: the STFT cannot resolve them further.
    pub duration_s: f64,
    /// Power-weighted mean frequency of the burst's excess power over the floor, Hz (signed
    /// for IQ).
    pub centre_hz: f64,
    /// Lower edge of the occupied bandwidth, Hz: 0.5 % of the burst's excess power lies below.
    pub low_hz: f64,
    /// Upper edge of the occupied bandwidth, Hz: 0.5 % of the excess power lies above.
    pub high_hz: f64,
    /// Highest power in the burst's bins over its frames, dBFS (a full-scale sinusoid in them
    /// reads 0 dB).
    pub peak_level_db: f64,
    /// Mean power in the burst's bins over the frames centred between its start and end, dBFS.
    pub mean_level_db: f64,
    /// Mean power (less the floor) over the noise floor's power in the same bins, dB.
    pub snr_db: f64,
    /// STFT frames of the detected region.
    pub frames: Range<usize>,
    /// Lowest and highest frequency of the detected region (bin centres), Hz.
    pub extent_hz: [f64; 2],
    /// librosa-style statistics of the burst's mean magnitude spectrum over its frames, within
    /// its occupied band.
    pub stats: SpectralStats,
}

impl Burst {
    /// End, seconds.
    pub fn end_s(&self) -> f64 {
        self.start_s + self.duration_s
    }

    /// Occupied (99 % power) bandwidth, Hz.
    pub fn occupied_bandwidth_hz(&self) -> f64 {
        self.high_hz - self.low_hz
    }

    /// Centre and occupied-band edges as radio frequencies, `[centre, low, high]` Hz, for an
    /// IQ recording centred on `center_freq_hz`.
    pub fn rf_hz(&self, center_freq_hz: f64) -> [f64; 3] {
        [self.centre_hz, self.low_hz, self.high_hz].map(|f| center_freq_hz + f)
    }
}

/// Lowest level the histogram distinguishes, dB (the level of digital silence).
const HIST_LOW_DB: f32 = crate::signal::levels::FLOOR_DB;
/// Histogram resolution, dB.
const HIST_STEP_DB: f32 = 0.5;
/// Histogram buckets: −200 to +60 dBFS.
pub(crate) const HIST_BUCKETS: usize = 520;
/// Percentile of a bin's levels the floor is estimated from.
const FLOOR_PERCENTILE: f64 = 0.2;
/// From the 20th percentile of exponentially distributed power to its mean:
/// `−10·log10(−ln 0.8)`.
const FLOOR_OFFSET_DB: f32 = 6.514;
/// No bin's floor is taken lower than this far below the median bin's floor, dB.
const FLOOR_SPAN_DB: f32 = 30.0;

/// The histogram bucket of a level in dB.
pub(crate) fn bucket_of(level_db: f32) -> u16 {
    let i = ((level_db - HIST_LOW_DB) / HIST_STEP_DB).floor();
    i.clamp(0.0, (HIST_BUCKETS - 1) as f32) as u16
}

/// Marks a bucket index as a cell some edit changed (see [`LevelHistogram::add_buckets`]).
pub(crate) const TOUCHED: u16 = 0x8000;

/// Per-bin histograms of cell levels, for the noise floor: one of the cells no edit changed,
/// one of the others.
pub(crate) struct LevelHistogram {
    bins: usize,
    untouched: Vec<u32>,
    /// Allocated on the first touched cell.
    touched: Vec<u32>,
    frames: u64,
}

impl LevelHistogram {
    /// Empty histograms for `bins` display bins.
    pub(crate) fn new(bins: usize) -> Self {
        LevelHistogram {
            bins,
            untouched: vec![0; bins * HIST_BUCKETS],
            touched: Vec::new(),
            frames: 0,
        }
    }

    /// Adds frames given as bucket indices, `bins` per frame, with [`TOUCHED`] set on the
    /// cells an edit changed.
    pub(crate) fn add_buckets(&mut self, buckets: &[u16]) {
        for frame in buckets.chunks_exact(self.bins) {
            for (b, &i) in frame.iter().enumerate() {
                let at = b * HIST_BUCKETS + (i & !TOUCHED) as usize;
                if i & TOUCHED == 0 {
                    self.untouched[at] += 1;
                } else {
                    if self.touched.is_empty() {
                        self.touched = vec![0; self.bins * HIST_BUCKETS];
                    }
                    self.touched[at] += 1;
                }
            }
            self.frames += 1;
        }
    }

    /// The level below which a fraction `q` of bin `bin`'s cells lie, dB, interpolated within
    /// the bucket. When no edit changed at least half of the bin's cells, only those count:
    /// an edit that empties a band for part of the recording would otherwise pull the floor
    /// down and make the untouched noise beside it look like bursts. (Below half, the cells
    /// left alone may be mostly the signal a user kept by removing what was around it.)
    fn percentile(&self, bin: usize, q: f64) -> f32 {
        let range = bin * HIST_BUCKETS..(bin + 1) * HIST_BUCKETS;
        let untouched = &self.untouched[range.clone()];
        let untouched_cells: u64 = untouched.iter().map(|&c| c as u64).sum();
        let level = |count: &dyn Fn(usize) -> f64, total: f64| {
            let target = q * total;
            let mut below = 0.0;
            for i in 0..HIST_BUCKETS {
                let c = count(i);
                if c > 0.0 && below + c >= target {
                    let within = ((target - below) / c).clamp(0.0, 1.0) as f32;
                    return HIST_LOW_DB + (i as f32 + within) * HIST_STEP_DB;
                }
                below += c;
            }
            HIST_LOW_DB
        };
        if self.touched.is_empty() || 2 * untouched_cells >= self.frames {
            level(&|i| untouched[i] as f64, untouched_cells as f64)
        } else {
            let touched = &self.touched[range];
            level(&|i| (untouched[i] + touched[i]) as f64, self.frames as f64)
        }
    }
}

/// The noise floor per display bin.
#[derive(Clone, Debug, PartialEq)]
pub struct NoiseFloor {
    /// Mean noise level per display bin, dBFS per cell (the spectrogram's scale).
    pub db: Vec<f32>,
}

impl NoiseFloor {
    /// The floor estimated from `hist` (see the module documentation).
    pub(crate) fn estimate(hist: &LevelHistogram) -> Self {
        let mut db: Vec<f32> = (0..hist.bins)
            .map(|b| hist.percentile(b, FLOOR_PERCENTILE) + FLOOR_OFFSET_DB)
            .collect();
        let mut sorted = db.clone();
        sorted.sort_by(f32::total_cmp);
        let median = sorted[sorted.len() / 2];
        for v in &mut db {
            *v = v.max(median - FLOOR_SPAN_DB);
        }
        NoiseFloor { db }
    }
}

/// Active cells of one frame, consecutive in display bins (inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Run {
    pub(crate) lo: u32,
    pub(crate) hi: u32,
    pub(crate) seed: bool,
}

/// The runs of active cells of one frame, given each cell's level over the floor and the
/// seed and grow thresholds on the same scale (power ratios, or dB); runs separated by at most
/// `gap_bins` inactive bins are joined.
pub(crate) fn frame_runs(above_floor: &[f32], seed: f32, grow: f32, gap_bins: u32) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for (b, &above) in above_floor.iter().enumerate() {
        if above < grow {
            continue;
        }
        let b = b as u32;
        let seed = above >= seed;
        match runs.last_mut() {
            Some(r) if b <= r.hi + 1 + gap_bins => {
                r.hi = b;
                r.seed |= seed;
            }
            _ => runs.push(Run { lo: b, hi: b, seed }),
        }
    }
    runs
}

/// A connected region of active cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Region {
    pub(crate) frames: Range<usize>,
    /// Lowest and highest display bin, inclusive.
    pub(crate) bins: [usize; 2],
    /// The bins active in any of its frames, as inclusive ranges, ascending and separated by
    /// at least one inactive bin.
    pub(crate) mask: Vec<[usize; 2]>,
}

/// Adds the bins `lo..=hi` to a mask of inclusive ranges (see [`Region::mask`]).
fn add_to_mask(mask: &mut Vec<[usize; 2]>, lo: usize, hi: usize) {
    // The ranges that overlap or touch `lo..=hi` are merged with it.
    let first = mask.partition_point(|m| m[1] + 1 < lo);
    let end = mask.partition_point(|m| m[0] <= hi + 1);
    if first == end {
        mask.insert(first, [lo, hi]);
        return;
    }
    let merged = [lo.min(mask[first][0]), hi.max(mask[end - 1][1])];
    mask.splice(first..end, [merged]);
}

struct Open {
    first: usize,
    last: usize,
    lo: u32,
    hi: u32,
    seed: bool,
    /// Runs of the last frames that later runs may still join: `(frame, run)`.
    recent: Vec<(usize, Run)>,
    /// The bins of every run so far.
    mask: Vec<[usize; 2]>,
}

impl Open {
    fn region(self) -> Option<Region> {
        self.seed.then(|| Region {
            frames: self.first..self.last + 1,
            bins: [self.lo as usize, self.hi as usize],
            mask: self.mask,
        })
    }
}

/// Joins the runs of successive frames into connected regions as frames arrive: runs join
/// when they overlap or touch diagonally, across up to `gap_frames` frames and `gap_bins` bins
/// of inactivity. Only open regions keep their recent runs; a closed region keeps its extent
/// and bins, so memory follows the regions found, not the frames seen.
pub(crate) struct Labeler {
    gap_frames: usize,
    gap_bins: u32,
    /// The next frame.
    frame: usize,
    open: Vec<Open>,
    /// Closed regions with a seed.
    regions: Vec<Region>,
}

impl Labeler {
    /// A labeler for frames from 0.
    pub(crate) fn new(gap_frames: usize, gap_bins: u32) -> Self {
        Labeler {
            gap_frames,
            gap_bins,
            frame: 0,
            open: Vec::new(),
            regions: Vec::new(),
        }
    }

    /// Adds the runs of the next frame.
    pub(crate) fn push(&mut self, frame: Vec<Run>) {
        let k = self.frame;
        self.frame += 1;
        let (gap_frames, gap_bins) = (self.gap_frames, self.gap_bins);
        let touches = |a: &Run, b: &Run| a.lo <= b.hi + 1 + gap_bins && b.lo <= a.hi + 1 + gap_bins;
        // Close what can no longer grow; forget runs too old to be joined.
        let (alive, closed): (Vec<Open>, Vec<Open>) =
            self.open.drain(..).partition(|o| o.last + 1 + gap_frames >= k);
        self.open = alive;
        self.regions.extend(closed.into_iter().filter_map(Open::region));
        for o in &mut self.open {
            o.recent.retain(|&(f, _)| f + 1 + gap_frames >= k);
        }
        let open = &mut self.open;
        for run in &frame {
            let mut joined: Vec<usize> = (0..open.len())
                .filter(|&i| open[i].recent.iter().any(|(f, r)| *f < k && touches(r, run)))
                .collect();
            let Some(&target) = joined.first() else {
                open.push(Open {
                    first: k,
                    last: k,
                    lo: run.lo,
                    hi: run.hi,
                    seed: run.seed,
                    recent: vec![(k, *run)],
                    mask: vec![[run.lo as usize, run.hi as usize]],
                });
                continue;
            };
            // Merge every other region this run touches into the first, highest index first
            // so removals do not shift the ones still to come.
            joined.remove(0);
            for &i in joined.iter().rev() {
                let other = open.swap_remove(i);
                let t = &mut open[target];
                t.first = t.first.min(other.first);
                t.last = t.last.max(other.last);
                t.lo = t.lo.min(other.lo);
                t.hi = t.hi.max(other.hi);
                t.seed |= other.seed;
                t.recent.extend(other.recent);
                for [lo, hi] in other.mask {
                    add_to_mask(&mut t.mask, lo, hi);
                }
            }
            let t = &mut open[target];
            t.last = k;
            t.lo = t.lo.min(run.lo);
            t.hi = t.hi.max(run.hi);
            t.seed |= run.seed;
            t.recent.push((k, *run));
            add_to_mask(&mut t.mask, run.lo as usize, run.hi as usize);
        }
    }

    /// The regions (with a seed) closed since the last call: no later frame can join them.
    pub(crate) fn take_closed(&mut self) -> Vec<Region> {
        std::mem::take(&mut self.regions)
    }

    /// The first frame of the oldest region still open, if any.
    pub(crate) fn oldest_open(&self) -> Option<usize> {
        self.open.iter().map(|o| o.first).min()
    }

    /// The regions (with a seed) not taken yet, ordered by first frame, then lowest bin.
    pub(crate) fn finish(mut self) -> Vec<Region> {
        self.regions
            .extend(self.open.into_iter().filter_map(Open::region));
        self.regions.sort_by_key(|r| (r.frames.start, r.bins[0]));
        self.regions
    }
}

/// Connected regions (with a seed) of the runs of successive frames (see [`Labeler`]).
/// Regions come out ordered by first frame, then lowest bin.
#[cfg(test)]
pub(crate) fn label(runs: &[Vec<Run>], gap_frames: usize, gap_bins: u32) -> Vec<Region> {
    let mut labeler = Labeler::new(gap_frames, gap_bins);
    for frame in runs {
        labeler.push(frame.clone());
    }
    labeler.finish()
}

/// Accumulates the spectra of a region's frames and turns them into a [`Burst`].
///
/// Excess power, levels, centre and bandwidth are measured on the region's own bins (those
/// active in any of its frames), the same bins in every frame, so another signal inside its
/// bounding box (a burst at another frequency at the same time) does not leak into its
/// measures, and its power over time is comparable from frame to frame.
pub(crate) struct BurstAccumulator<'a> {
    frames: Range<usize>,
    bins: [usize; 2],
    /// The region's bins, as inclusive ranges of display bins.
    mask: Vec<[usize; 2]>,
    /// Frames whose excess power is tracked: the region's, widened by `reach` frames each side
    /// so the half-power crossings can be found outside it.
    span: Range<usize>,
    /// Frames a window length or more inside the region's edges see only the burst's steady
    /// part, when it has one.
    reach: usize,
    floor_power: &'a [f64],
    bands: &'a Bands,
    sum_magnitude: Vec<f64>,
    sum_excess: Vec<f64>,
    excess_by_frame: Vec<f64>,
    band_power_by_frame: Vec<f64>,
    /// The floor's power on the region's bins.
    floor_band_power: f64,
}

/// The frame geometry a burst is measured on.
pub(crate) struct Geometry<'a> {
    /// Frame centre spacing, seconds.
    pub(crate) hop_s: f64,
    /// Frequency of each display bin, Hz.
    pub(crate) freqs_hz: &'a [f64],
    /// Bin spacing, Hz.
    pub(crate) bin_hz: f64,
    /// librosa's roll-off fraction.
    pub(crate) rolloff_fraction: f64,
}

impl<'a> BurstAccumulator<'a> {
    /// An accumulator for `region`; `reach` (frames per window length) frames each side are
    /// tracked too, within `0..total_frames`. `floor_power` is the floor as raw power per
    /// display bin.
    pub(crate) fn new(
        region: Region,
        reach: usize,
        total_frames: usize,
        floor_power: &'a [f64],
        bands: &'a Bands,
    ) -> Self {
        let frames = region.frames.clone();
        let span = frames.start.saturating_sub(reach)..(frames.end + reach).min(total_frames);
        let [first, last] = region.bins;
        let bins = last - first + 1;
        let mask = region.mask;
        let floor_band_power = mask
            .iter()
            .flat_map(|&[lo, hi]| lo..=hi)
            .map(|b| floor_power[b] * bands.power_weight(b))
            .sum();
        BurstAccumulator {
            sum_magnitude: vec![0.0; bins],
            sum_excess: vec![0.0; bins],
            excess_by_frame: vec![0.0; span.len()],
            band_power_by_frame: Vec::with_capacity(frames.len()),
            floor_band_power,
            bins: region.bins,
            mask,
            frames,
            span,
            reach,
            floor_power,
            bands,
        }
    }

    /// The frames to feed to [`BurstAccumulator::add`], in order.
    pub(crate) fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// Adds frame `frame`'s raw power per display bin.
    pub(crate) fn add(&mut self, frame: usize, power: &[f32]) {
        let inside = self.frames.contains(&frame);
        let mut excess = 0.0;
        let mut band_power = 0.0;
        for &[lo, hi] in &self.mask {
            for (b, &p) in power.iter().enumerate().take(hi + 1).skip(lo) {
                let p = p as f64;
                let e = p - self.floor_power[b];
                excess += e;
                if inside {
                    self.sum_excess[b - self.bins[0]] += e;
                    band_power += p * self.bands.power_weight(b);
                }
            }
        }
        self.excess_by_frame[frame - self.span.start] = excess;
        if inside {
            for (m, &p) in self
                .sum_magnitude
                .iter_mut()
                .zip(&power[self.bins[0]..=self.bins[1]])
            {
                *m += (p as f64).sqrt();
            }
            self.band_power_by_frame.push(band_power);
        }
    }

    /// The burst, or `None` when its power does not rise above the floor after all (a seed
    /// that was a noise peak).
    pub(crate) fn finish(self, geometry: &Geometry) -> Option<Burst> {
        let [lo, hi] = self.bins;
        let freqs = &geometry.freqs_hz[lo..=hi];
        let time_of = |frame: f64| frame * geometry.hop_s;

        // Time extent: half-power crossings of the excess power, searched from the region's
        // edges outward, so dips inside a merged burst do not cut it.
        let e = &self.excess_by_frame;
        let base = self.span.start;
        let core = (self.frames.start - base)..(self.frames.end - base);
        let peak = e[core.clone()].iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        // NaN-safe: a peak that is not positive (or not a number) is no burst.
        if peak.is_nan() || peak <= 0.0 {
            return None;
        }
        // The level the half-power points refer to: the median of the steady part, when the
        // burst has frames a window length inside the region's edges (a noise-like burst's
        // power fluctuates from frame to frame, and half its highest frame would fall well
        // inside its edges), else the peak (a burst shorter than the window has no plateau).
        let steady = (core.start + self.reach)..core.end.saturating_sub(self.reach);
        let reference = if steady.len() >= 3 {
            let mut levels: Vec<f64> = e[steady].to_vec();
            levels.sort_by(f64::total_cmp);
            levels[levels.len() / 2]
        } else {
            peak
        };
        if reference.is_nan() || reference <= 0.0 {
            return None;
        }
        let half = reference / 2.0;
        let first = core.clone().find(|&i| e[i] >= half)?;
        let mut rise = first;
        while rise > 0 && e[rise - 1] >= half {
            rise -= 1;
        }
        let last = core.clone().rev().find(|&i| e[i] >= half)?;
        let mut fall = last;
        while fall + 1 < e.len() && e[fall + 1] >= half {
            fall += 1;
        }
        // Linear interpolation between the frame below half and the one at or above it.
        let start = if rise > 0 {
            let (a, b) = (e[rise - 1], e[rise]);
            (rise - 1) as f64 + (half - a) / (b - a)
        } else {
            rise as f64
        };
        let end = if fall + 1 < e.len() {
            let (a, b) = (e[fall], e[fall + 1]);
            fall as f64 + (a - half) / (a - b)
        } else {
            fall as f64
        };
        let start_s = time_of(base as f64 + start);
        let duration_s = time_of(end - start);

        // Frequency: centroid and 99 % occupied band of the excess power per bin, each bin's
        // power spread evenly over its width.
        let excess: Vec<f64> = self.sum_excess.iter().map(|&v| v.max(0.0)).collect();
        let total: f64 = excess.iter().sum();
        if total.is_nan() || total <= 0.0 {
            return None;
        }
        let centre_hz = excess.iter().zip(freqs).map(|(&p, &f)| p * f).sum::<f64>() / total;
        let edge = |fraction: f64| {
            let target = fraction * total;
            let mut below = 0.0;
            for (&p, &f) in excess.iter().zip(freqs) {
                if p > 0.0 && below + p >= target {
                    return f - geometry.bin_hz / 2.0 + geometry.bin_hz * (target - below) / p;
                }
                below += p;
            }
            freqs[freqs.len() - 1] + geometry.bin_hz / 2.0
        };
        let low_hz = edge(0.005);
        let high_hz = edge(0.995);

        // Levels: power of the burst's cells, relative to a full-scale sinusoid; the mean over
        // the frames centred within its measured extent (the region's frames reach a window
        // further, into its edges).
        let during: Vec<usize> = (0..self.band_power_by_frame.len())
            .filter(|&i| {
                let at = (self.frames.start - base + i) as f64;
                at >= start && at <= end
            })
            .collect();
        let frames = self.band_power_by_frame.len().max(1) as f64;
        let peak_power = self.band_power_by_frame.iter().cloned().fold(0.0, f64::max);
        let mean_power = if during.is_empty() {
            // Shorter than a hop: the frame nearest its peak stands for it.
            peak_power
        } else {
            during.iter().map(|&i| self.band_power_by_frame[i]).sum::<f64>() / during.len() as f64
        };
        let floor_power = self.floor_band_power;

        // librosa-style statistics of the mean magnitude spectrum within the occupied band
        // (at least the bin of the centre), over the region's frames.
        let in_band: Vec<usize> = (0..freqs.len())
            .filter(|&i| (low_hz..=high_hz).contains(&freqs[i]))
            .collect();
        let band = match (in_band.first(), in_band.last()) {
            (Some(&a), Some(&b)) => a..b + 1,
            _ => {
                let c = ((centre_hz - freqs[0]) / geometry.bin_hz)
                    .round()
                    .clamp(0.0, (freqs.len() - 1) as f64) as usize;
                c..c + 1
            }
        };
        let mean_magnitude: Vec<f64> = self.sum_magnitude[band.clone()]
            .iter()
            .map(|&m| m / frames)
            .collect();
        Some(Burst {
            start_s,
            duration_s,
            centre_hz,
            low_hz,
            high_hz,
            peak_level_db: db(peak_power),
            mean_level_db: db(mean_power),
            snr_db: db((mean_power - floor_power) / floor_power),
            frames: self.frames.clone(),
            extent_hz: [freqs[0], freqs[freqs.len() - 1]],
            stats: spectral_stats(&mean_magnitude, &freqs[band], geometry.rolloff_fraction),
        })
    }
}

/// `10·log10(x)`, floored at −200 dB like every level Spectro reports.
pub(crate) fn db(x: f64) -> f64 {
    if x > 0.0 {
        (10.0 * x.log10()).max(crate::signal::levels::FLOOR_DB as f64)
    } else {
        crate::signal::levels::FLOOR_DB as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lo: u32, hi: u32, seed: bool) -> Run {
        Run { lo, hi, seed }
    }

    #[test]
    fn runs_bridge_small_gaps_only() {
        let levels = [0.0, 7.0, 13.0, 0.0, 8.0, 0.0, 0.0, 9.0, 0.0, 20.0];
        assert_eq!(
            frame_runs(&levels, 12.0, 6.0, 0),
            vec![
                run(1, 2, true),
                run(4, 4, false),
                run(7, 7, false),
                run(9, 9, true)
            ]
        );
        assert_eq!(
            frame_runs(&levels, 12.0, 6.0, 1),
            vec![run(1, 4, true), run(7, 9, true)]
        );
        assert_eq!(frame_runs(&levels, 12.0, 6.0, 2), vec![run(1, 9, true)]);
    }

    #[test]
    fn regions_connect_diagonally_merge_and_need_a_seed() {
        // A diagonal chirp (one region), a separate seedless blob (dropped), and a U shape
        // whose arms start apart and join later (one region).
        let runs = vec![
            vec![
                run(0, 0, true),
                run(10, 10, true),
                run(14, 14, false),
                run(30, 31, false),
            ],
            vec![
                run(1, 1, false),
                run(10, 10, false),
                run(14, 14, false),
                run(30, 31, false),
            ],
            vec![run(2, 2, false), run(10, 14, false)],
            vec![],
            vec![run(12, 12, true)],
        ];
        let boxes = |regions: Vec<Region>| -> Vec<(Range<usize>, [usize; 2])> {
            regions.into_iter().map(|r| (r.frames, r.bins)).collect()
        };
        let regions = label(&runs, 0, 0);
        // The U's bins: its arms 10 and 14, joined by 10..=14.
        assert_eq!(regions[1].mask, vec![[10, 14]], "{:?}", regions[1]);
        assert_eq!(regions[0].mask, vec![[0, 2]]);
        assert_eq!(
            boxes(regions),
            vec![(0..3, [0, 2]), (0..3, [10, 14]), (4..5, [12, 12])]
        );
        // Bridging one empty frame joins the last run to the U.
        assert_eq!(boxes(label(&runs, 1, 0)), vec![(0..3, [0, 2]), (0..5, [10, 14])]);
    }

    #[test]
    fn masks_merge_overlapping_and_touching_ranges_only() {
        let mut mask = Vec::new();
        add_to_mask(&mut mask, 10, 12);
        add_to_mask(&mut mask, 20, 20);
        add_to_mask(&mut mask, 2, 3);
        assert_eq!(mask, vec![[2, 3], [10, 12], [20, 20]]);
        // 14 leaves a gap after 12; 13 touches both 12 and 14.
        add_to_mask(&mut mask, 14, 15);
        assert_eq!(mask, vec![[2, 3], [10, 12], [14, 15], [20, 20]]);
        add_to_mask(&mut mask, 13, 13);
        assert_eq!(mask, vec![[2, 3], [10, 15], [20, 20]]);
        add_to_mask(&mut mask, 0, 30);
        assert_eq!(mask, vec![[0, 30]]);
    }

    #[test]
    fn floor_is_the_mean_noise_from_a_low_percentile() {
        let bins = 3;
        let mut hist = LevelHistogram::new(bins);
        // Bin 0: levels -80..-60 evenly; bin 1: silent bins (digital zero); bin 2: -70 always.
        let mut buckets = Vec::new();
        for i in 0..100 {
            buckets.push(bucket_of(-80.0 + 20.0 * i as f32 / 100.0));
            buckets.push(bucket_of(-200.0));
            buckets.push(bucket_of(-70.0));
        }
        hist.add_buckets(&buckets);
        let floor = NoiseFloor::estimate(&hist);
        assert!((floor.db[0] - (-76.0 + 6.514)).abs() < 0.6, "{:?}", floor.db);
        assert!((floor.db[2] - (-70.0 + 6.514)).abs() < 0.6, "{:?}", floor.db);
        // The emptied bin is held 30 dB under the median bin's floor (bin 0's).
        assert!(
            (floor.db[1] - (floor.db[0] - 30.0)).abs() < 1e-4,
            "{:?}",
            floor.db
        );
    }

    #[test]
    fn floor_comes_from_untouched_cells_when_they_are_the_majority() {
        let bins = 2;
        let mut hist = LevelHistogram::new(bins);
        // Bin 0: an edit emptied 40 % of the frames (-150 dB), the rest is noise at -60 dB.
        // Bin 1: an edit emptied 60 %, the rest is at -60 dB.
        let mut buckets = Vec::new();
        for i in 0..100 {
            let cell = |emptied: bool| {
                if emptied {
                    bucket_of(-150.0) | TOUCHED
                } else {
                    bucket_of(-60.0)
                }
            };
            buckets.push(cell(i < 40));
            buckets.push(cell(i < 60));
        }
        hist.add_buckets(&buckets);
        // Bin 0 ignores the emptied cells; bin 1's untouched cells are too few to stand for
        // it, so its 20th percentile lies among the emptied ones.
        assert!((hist.percentile(0, 0.2) - -60.0).abs() < 0.6);
        assert!((hist.percentile(1, 0.2) - -150.0).abs() < 0.6);
    }
}
