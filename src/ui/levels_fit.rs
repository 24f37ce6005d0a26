//! Fitting the display levels (the colour range) to a picture: the brightest colour at the
//! loudest cells, the darkest a little under the noise floor. Used by View > Auto levels, after
//! a change of FFT size (the level of noise per bin moves with it: 10·log10 of the ratio of
//! lengths) and when a radio capture opens (a dongle's noise floor sits anywhere between −50
//! and −140 dBFS).
//!
//! The levels come from a [`LevelHistogram`] of the picture already drawn (see
//! [`super::tiles::TileStore::visible_levels`]), so fitting costs one pass over a bounded
//! sample of cells and no sort.

/// The percentile the brightest colour is put at: 0.1 % of the picture may saturate, so one
/// loud click does not darken everything else.
pub const CEILING_PERCENTILE: f64 = 0.999;
/// The percentile taken as the picture's noise floor.
pub const FLOOR_PERCENTILE: f64 = 0.05;
/// dB the darkest colour sits under the noise floor, so the noise stays visible as texture
/// rather than a flat black.
pub const FLOOR_MARGIN_DB: f32 = 5.0;
/// The narrowest range fitted, dB: a picture of nothing but noise is not stretched into
/// false contrast.
pub const MIN_RANGE_DB: f32 = 50.0;
/// The widest range fitted, dB: digital silence (−300 dBFS) does not squeeze everything else
/// into the top colours.
pub const MAX_RANGE_DB: f32 = 120.0;
/// Highest ceiling fitted, dBFS (float files can go past full scale); the side panel's limit.
pub const MAX_CEILING_DB: f32 = 40.0;
/// Lowest level the histogram tells apart, dBFS; quieter cells count as this.
const LOWEST_DB: f32 = -300.0;
/// Highest level the histogram tells apart, dBFS; louder cells count as this.
const HIGHEST_DB: f32 = 60.0;
/// Histogram resolution, dB.
const STEP_DB: f32 = 0.1;
/// Fewest cells a fit is made from.
pub const MIN_CELLS: u64 = 100;

/// Counts of levels in 0.1 dB steps from −300 to +60 dBFS.
#[derive(Clone, Debug)]
pub struct LevelHistogram {
    counts: Vec<u32>,
    total: u64,
}

impl Default for LevelHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl LevelHistogram {
    /// An empty histogram.
    pub fn new() -> Self {
        let steps = ((HIGHEST_DB - LOWEST_DB) / STEP_DB).round() as usize + 1;
        LevelHistogram {
            counts: vec![0; steps],
            total: 0,
        }
    }

    /// Counts one level in dBFS; NaN is ignored, −∞ counts as the lowest level.
    pub fn add(&mut self, db: f32) {
        if db.is_nan() {
            return;
        }
        let i = ((db.clamp(LOWEST_DB, HIGHEST_DB) - LOWEST_DB) / STEP_DB).round() as usize;
        let last = self.counts.len() - 1;
        self.counts[i.min(last)] += 1;
        self.total += 1;
    }

    /// Number of levels counted.
    pub fn len(&self) -> u64 {
        self.total
    }

    /// True when nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The level at quantile `q` (0 to 1), to the histogram's 0.1 dB; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f32> {
        if self.total == 0 {
            return None;
        }
        // The rank of the nearest sample below, as a sorted list indexed by `(n−1)·q`.
        let rank = ((self.total - 1) as f64 * q.clamp(0.0, 1.0)).floor() as u64;
        let mut seen = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c as u64;
            if seen > rank {
                // Rounded to the step, so whole dB come out whole.
                return Some(((LOWEST_DB + i as f32 * STEP_DB) / STEP_DB).round() * STEP_DB);
            }
        }
        Some(HIGHEST_DB)
    }
}

/// A display range, dBFS.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FittedLevels {
    /// Level drawn darkest.
    pub floor_db: f32,
    /// Level drawn brightest.
    pub ceiling_db: f32,
}

/// The display range for a picture whose levels are `histogram`: the ceiling at the
/// [`CEILING_PERCENTILE`] rounded up to a whole dB, the floor [`FLOOR_MARGIN_DB`] under the
/// [`FLOOR_PERCENTILE`] rounded down, the range kept within [`MIN_RANGE_DB`] and
/// [`MAX_RANGE_DB`] (by moving the floor). `None` with fewer than [`MIN_CELLS`] levels.
pub fn fit_levels(histogram: &LevelHistogram) -> Option<FittedLevels> {
    if histogram.len() < MIN_CELLS {
        return None;
    }
    let top = histogram.quantile(CEILING_PERCENTILE)?;
    let noise = histogram.quantile(FLOOR_PERCENTILE)?;
    // `+ 0.0` turns a rounded −0 into 0 for display.
    let ceiling_db = top.ceil().min(MAX_CEILING_DB) + 0.0;
    let floor_db = (noise - FLOOR_MARGIN_DB)
        .floor()
        .clamp(ceiling_db - MAX_RANGE_DB, ceiling_db - MIN_RANGE_DB)
        + 0.0;
    Some(FittedLevels { floor_db, ceiling_db })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic pseudo-random sequence in 0..1 (no dependency for tests of a fit).
    fn uniform(n: usize, seed: u64) -> impl Iterator<Item = f32> {
        let mut s = seed;
        (0..n).map(move |_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32) / (1u64 << 24) as f32
        })
    }

    #[test]
    fn quantiles_match_a_sorted_list() {
        let values: Vec<f32> = uniform(10_000, 1).map(|u| -120.0 + 100.0 * u).collect();
        let mut h = LevelHistogram::new();
        values.iter().for_each(|&v| h.add(v));
        let mut sorted = values.clone();
        sorted.sort_by(f32::total_cmp);
        for q in [0.0, 0.05, 0.5, 0.9, 0.999, 1.0] {
            let exact = sorted[((sorted.len() - 1) as f64 * q) as usize];
            let got = h.quantile(q).unwrap();
            assert!((got - exact).abs() <= 0.051, "q {q}: {got} vs {exact}");
        }
        assert_eq!(LevelHistogram::new().quantile(0.5), None);
    }

    #[test]
    fn noise_with_tones_spans_the_noise_floor_to_the_tones() {
        // 99 % noise around −80 dBFS (±3 dB), 1 % tones at −12 dBFS.
        let mut h = LevelHistogram::new();
        for (i, u) in uniform(50_000, 7).enumerate() {
            h.add(if i % 100 == 0 { -12.0 } else { -83.0 + 6.0 * u });
        }
        let f = fit_levels(&h).unwrap();
        assert_eq!(f.ceiling_db, -12.0);
        // The noise's 5th percentile is −82.7: the floor 5 dB under it, rounded down.
        assert_eq!(f.floor_db, -88.0);
    }

    #[test]
    fn the_range_stays_within_its_limits() {
        // Flat noise: no contrast to stretch.
        let mut flat = LevelHistogram::new();
        uniform(5_000, 3).for_each(|u| flat.add(-60.0 + 2.0 * u));
        let f = fit_levels(&flat).unwrap();
        assert_eq!(f.ceiling_db - f.floor_db, MIN_RANGE_DB, "{f:?}");
        // Half digital silence (−∞), half music near −20 dBFS.
        let mut silence = LevelHistogram::new();
        for (i, u) in uniform(5_000, 4).enumerate() {
            silence.add(if i % 2 == 0 {
                f32::NEG_INFINITY
            } else {
                -30.0 + 10.0 * u
            });
        }
        let f = fit_levels(&silence).unwrap();
        assert_eq!(f.ceiling_db, -20.0);
        assert_eq!(f.ceiling_db - f.floor_db, MAX_RANGE_DB, "{f:?}");
        // Too few cells to say anything.
        let mut few = LevelHistogram::new();
        (0..10).for_each(|_| few.add(-50.0));
        assert_eq!(fit_levels(&few), None);
    }
}
