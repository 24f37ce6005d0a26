//! Replace: magnitudes interpolated across a region from the frames on both sides, following
//! partials whose frequency moves across it.
//!
//! The spectra before and after are matched peak to peak (a partial at bin 100 before and 104
//! after is one partial that glided); inside the region, at a fraction `t` of the way, that
//! partial sits at `(1 − t)·100 + t·104`. The frequency axis between matched partials is
//! stretched linearly, so each interpolated frame is a morph of the two sides: its log
//! magnitude at a bin is `(1 − t)` times the before spectrum's at the corresponding bin plus
//! `t` times the after spectrum's. Without matches it is plain log-magnitude interpolation.

use super::log_mag;

/// Peaks of a magnitude spectrum that stand at least 6 dB above the lowest point within 3 bins
/// on both sides, and less than 60 dB below the loudest: the partials worth following.
pub fn find_peaks(magnitude: &[f32]) -> Vec<usize> {
    const REACH: usize = 3;
    const PROMINENCE: f32 = 2.0; // 6 dB in amplitude
    const RANGE: f32 = 1e-3; // 60 dB
    let n = magnitude.len();
    let top = magnitude.iter().copied().fold(0.0f32, f32::max);
    if n < 3 || top <= 0.0 {
        return Vec::new();
    }
    let mut peaks = Vec::new();
    for b in 1..n - 1 {
        let m = magnitude[b];
        if m < top * RANGE || m < magnitude[b - 1] || m <= magnitude[b + 1] {
            continue;
        }
        let left = magnitude[b.saturating_sub(REACH)..b]
            .iter()
            .copied()
            .fold(f32::MAX, f32::min);
        let right = magnitude[b + 1..(b + REACH + 1).min(n)]
            .iter()
            .copied()
            .fold(f32::MAX, f32::min);
        if m >= PROMINENCE * left && m >= PROMINENCE * right {
            peaks.push(b);
        }
    }
    peaks
}

/// Partials matched across a region: pairs of bins (before, after), increasing in both.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Partials {
    /// `(bin before, bin after)`, in increasing order of both.
    pub pairs: Vec<(f32, f32)>,
}

/// Matches the peaks of the spectrum before a region to those after: loudest first, each to the
/// nearest unmatched peak within `max_ratio` in frequency (a ratio, e.g. 1.06 for a semitone)
/// or 2 bins, keeping only pairs that do not cross.
pub fn match_partials(before: &[f32], after: &[f32], max_ratio: f32) -> Partials {
    let pb = find_peaks(before);
    let pa = find_peaks(after);
    let mut order: Vec<usize> = pb.clone();
    order.sort_by(|&x, &y| before[y].total_cmp(&before[x]));
    let mut used = vec![false; pa.len()];
    let mut pairs: Vec<(f32, f32)> = Vec::new();
    for b in order {
        let reach = (b as f32 * (max_ratio - 1.0)).max(2.0);
        let best = pa
            .iter()
            .enumerate()
            .filter(|(i, a)| !used[*i] && (**a as f32 - b as f32).abs() <= reach)
            .min_by(|(_, x), (_, y)| {
                (**x as f32 - b as f32)
                    .abs()
                    .total_cmp(&(**y as f32 - b as f32).abs())
            });
        if let Some((i, &a)) = best {
            // Keep the pair only if it does not cross one already kept.
            let crosses = pairs
                .iter()
                .any(|&(pb, pa)| (pb < b as f32) != (pa < a as f32) || pb == b as f32 || pa == a as f32);
            if !crosses {
                used[i] = true;
                pairs.push((b as f32, a as f32));
            }
        }
    }
    pairs.sort_by(|x, y| x.0.total_cmp(&y.0));
    Partials { pairs }
}

/// Linear interpolation of `values` at fractional position `x` (clamped to the ends).
fn sample(values: &[f32], x: f32) -> f32 {
    let last = values.len() - 1;
    let x = x.clamp(0.0, last as f32);
    let i = (x.floor() as usize).min(last);
    let f = x - i as f32;
    if i == last {
        values[last]
    } else {
        values[i] * (1.0 - f) + values[i + 1] * f
    }
}

/// The magnitude spectrum at `fraction` (0 = the frame before, 1 = the frame after) across a
/// region, given the spectra on both sides and their matched partials (see the module
/// documentation), into `out` (as long as `before` and `after`).
pub fn interpolate_frame(before: &[f32], after: &[f32], partials: &Partials, fraction: f32, out: &mut [f32]) {
    let n = out.len();
    if n == 0 {
        return;
    }
    let t = fraction.clamp(0.0, 1.0);
    let last = (n - 1) as f32;
    // Knots: where each matched partial sits now, and where it sat on each side.
    let mut knots: Vec<(f32, f32, f32)> = Vec::with_capacity(partials.pairs.len() + 2);
    knots.push((0.0, 0.0, 0.0));
    for &(b, a) in &partials.pairs {
        knots.push(((1.0 - t) * b + t * a, b, a));
    }
    knots.push((last, last, last));
    let log_before: Vec<f32> = before.iter().map(|&m| log_mag(m)).collect();
    let log_after: Vec<f32> = after.iter().map(|&m| log_mag(m)).collect();
    let mut seg = 0;
    for (bin, o) in out.iter_mut().enumerate() {
        let x = bin as f32;
        while seg + 2 < knots.len() && knots[seg + 1].0 <= x {
            seg += 1;
        }
        let (m0, b0, a0) = knots[seg];
        let (m1, b1, a1) = knots[seg + 1];
        let u = if m1 > m0 {
            ((x - m0) / (m1 - m0)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let xb = b0 + u * (b1 - b0);
        let xa = a0 + u * (a1 - a0);
        *o = ((1.0 - t) * sample(&log_before, xb) + t * sample(&log_after, xa)).exp();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peak_at(n: usize, at: f32) -> Vec<f32> {
        (0..n)
            .map(|b| 1e-3 + (-(b as f32 - at).powi(2) / 2.0).exp())
            .collect()
    }

    #[test]
    fn a_gliding_partial_is_followed() {
        let before = peak_at(200, 100.0);
        let after = peak_at(200, 110.0);
        let partials = match_partials(&before, &after, 1.12);
        assert_eq!(partials.pairs, vec![(100.0, 110.0)]);
        let mut mid = vec![0.0; 200];
        interpolate_frame(&before, &after, &partials, 0.5, &mut mid);
        let top = (0..200).max_by(|&a, &b| mid[a].total_cmp(&mid[b])).unwrap();
        assert_eq!(top, 105);
        assert!(mid[105] > 0.9, "{}", mid[105]);
        // Plain interpolation would leave two half-height bumps instead.
        let mut plain = vec![0.0; 200];
        interpolate_frame(&before, &after, &Partials::default(), 0.5, &mut plain);
        assert!(plain[105] < 0.01);
    }

    #[test]
    fn ends_reproduce_the_sides() {
        let before = peak_at(64, 20.0);
        let after = peak_at(64, 22.0);
        let partials = match_partials(&before, &after, 1.12);
        let mut out = vec![0.0; 64];
        interpolate_frame(&before, &after, &partials, 0.0, &mut out);
        for (o, b) in out.iter().zip(&before) {
            assert!((o - b).abs() < 1e-4);
        }
    }
}
