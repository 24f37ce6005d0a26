//! Pattern: the stretch of the recording whose surroundings best match the region's.
//!
//! Each frame is summarised by the log energy of a few dozen bands; a candidate offset `d`
//! (in frames) is scored by the mean squared difference between the region's context frames
//! (before and after it) and the frames `d` away. The region is then filled from the frames
//! `d` away from it. Music repeats: a bar later or earlier, the same notes sound.

use std::ops::Range;

/// Per-frame log band energies of a stretch of frames.
#[derive(Clone, Debug)]
pub struct BandFeatures {
    /// First bin of each band, then the end of the last.
    edges: Vec<usize>,
    /// Frames held.
    frames: Range<usize>,
    /// `frames.len() × bands` values, frame-major.
    values: Vec<f32>,
}

impl BandFeatures {
    /// Room for `frames` with about `bands` bands over `bins` bins: log-spaced for a one-sided
    /// (real) spectrum, as pitch is heard; equal widths for a two-sided (IQ) one.
    pub fn new(frames: Range<usize>, bins: usize, bands: usize, two_sided: bool) -> Self {
        let mut edges: Vec<usize> = (0..=bands)
            .map(|i| {
                let x = i as f64 / bands as f64;
                if two_sided {
                    (x * bins as f64).round() as usize
                } else {
                    // From bin 1 to `bins`, log-spaced.
                    ((bins as f64).powf(x)).round() as usize
                }
            })
            .collect();
        edges[0] = 0;
        edges.dedup();
        if let Some(last) = edges.last_mut() {
            *last = bins;
        }
        let n = frames.len() * (edges.len().saturating_sub(1));
        BandFeatures {
            edges,
            frames,
            values: vec![0.0; n],
        }
    }

    /// Bands per frame.
    pub fn bands(&self) -> usize {
        self.edges.len().saturating_sub(1)
    }

    /// The frames held.
    pub fn frames(&self) -> Range<usize> {
        self.frames.clone()
    }

    /// The bins of band `band`.
    pub fn band_bins(&self, band: usize) -> Range<usize> {
        self.edges[band]..self.edges[band + 1]
    }

    /// Sets frame `frame`'s features from its magnitude spectrum.
    pub fn set(&mut self, frame: usize, magnitude: &[f32]) {
        if !self.frames.contains(&frame) {
            return;
        }
        let bands = self.bands();
        let row = (frame - self.frames.start) * bands;
        for band in 0..bands {
            let bins = self.band_bins(band);
            let energy: f32 = magnitude[bins.clone()].iter().map(|m| m * m).sum();
            self.values[row + band] = (energy / bins.len().max(1) as f32 + 1e-20).ln();
        }
    }

    fn row(&self, frame: usize) -> &[f32] {
        let bands = self.bands();
        let at = (frame - self.frames.start) * bands;
        &self.values[at..at + bands]
    }
}

/// The best candidate found by [`best_match`].
#[derive(Clone, Debug, PartialEq)]
pub struct PatternMatch {
    /// Frames from the region to the stretch that fills it.
    pub offset_frames: i64,
    /// Mean squared log-energy difference over the context (natural log units squared).
    pub distance: f64,
    /// The median candidate's distance: what an arbitrary stretch scores.
    pub median_distance: f64,
}

impl PatternMatch {
    /// The best distance over the median one: near 0 for material that repeats, near 1 for
    /// material that does not.
    pub fn distance_ratio(&self) -> f64 {
        if self.median_distance > 0.0 {
            self.distance / self.median_distance
        } else {
            1.0
        }
    }
}

/// The offset whose context best matches the context of `region` (frames `context` before
/// and after it, those that `features` holds), among the offsets that keep the candidate and
/// its context inside `features` and clear of the region and its context. Bands with
/// `band_weights` 0 are ignored (a band-limited region is matched on its own bands).
/// `None` when no candidate fits.
pub fn best_match(
    features: &BandFeatures,
    region: Range<usize>,
    context: usize,
    band_weights: &[f32],
) -> Option<PatternMatch> {
    let held = features.frames();
    let lo = region.start.saturating_sub(context).max(held.start);
    let hi = (region.end + context).min(held.end);
    let ctx: Vec<usize> = (lo..region.start).chain(region.end..hi).collect();
    if ctx.is_empty() || region.is_empty() {
        return None;
    }
    let span = (hi - lo) as i64;
    let weight_sum: f32 = band_weights.iter().sum();
    if weight_sum <= 0.0 {
        return None;
    }
    let mut scores: Vec<(i64, f64)> = Vec::new();
    let first = held.start as i64 - lo as i64;
    let last = held.end as i64 - hi as i64;
    for d in first..=last {
        if d.abs() < span {
            continue;
        }
        let mut sum = 0.0f64;
        for &k in &ctx {
            let a = features.row(k);
            let b = features.row((k as i64 + d) as usize);
            let mut s = 0.0f32;
            for ((x, y), w) in a.iter().zip(b).zip(band_weights) {
                s += w * (x - y) * (x - y);
            }
            sum += (s / weight_sum) as f64;
        }
        scores.push((d, sum / ctx.len() as f64));
    }
    let &(offset_frames, distance) = scores.iter().min_by(|x, y| x.1.total_cmp(&y.1))?;
    let mut all: Vec<f64> = scores.iter().map(|s| s.1).collect();
    all.sort_by(f64::total_cmp);
    Some(PatternMatch {
        offset_frames,
        distance,
        median_distance: all[all.len() / 2],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_repeat() {
        // A pseudo-random sequence of spectra that repeats every 50 frames.
        let bins = 64;
        let mut f = BandFeatures::new(0..200, bins, 8, false);
        let mut state = 1u32;
        let mut pattern = Vec::new();
        for _ in 0..50 {
            let mut m = vec![0.0f32; bins];
            for v in &mut m {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                *v = (state >> 8) as f32 / (1u32 << 24) as f32 + 0.01;
            }
            pattern.push(m);
        }
        for k in 0..200 {
            f.set(k, &pattern[k % 50]);
        }
        let m = best_match(&f, 120..126, 8, &vec![1.0; f.bands()]).unwrap();
        assert_eq!(m.offset_frames.rem_euclid(50), 0, "{m:?}");
        assert!(m.distance < 1e-9 && m.distance_ratio() < 0.01, "{m:?}");
    }
}
