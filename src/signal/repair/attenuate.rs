//! Attenuate: the level the surroundings predict, and cells pulled down to it.

/// The level of each bin over some context frames (`frames` holds whole frames of `bins`
/// magnitudes, frame-major): the median over the frames, then averaged over `smooth_bins`
/// neighbours on each side. The median ignores a loud frame or two in the context; the
/// smoothing keeps a single bin's accident from leaving a hole or a peak.
pub fn context_level(frames: &[f32], bins: usize, smooth_bins: usize) -> Vec<f32> {
    let n = frames.len().checked_div(bins).unwrap_or(0);
    let mut median = vec![0.0f32; bins];
    if n == 0 {
        return median;
    }
    let mut column = Vec::with_capacity(n);
    for (b, m) in median.iter_mut().enumerate() {
        column.clear();
        column.extend((0..n).map(|k| frames[k * bins + b]));
        column.sort_by(f32::total_cmp);
        *m = if n % 2 == 1 {
            column[n / 2]
        } else {
            0.5 * (column[n / 2 - 1] + column[n / 2])
        };
    }
    let mut out = vec![0.0f32; bins];
    for (b, o) in out.iter_mut().enumerate() {
        let lo = b.saturating_sub(smooth_bins);
        let hi = (b + smooth_bins + 1).min(bins);
        *o = median[lo..hi].iter().sum::<f32>() / (hi - lo) as f32;
    }
    out
}

/// The level predicted at `fraction` (0 at the frame before the region, 1 at the frame after)
/// between the levels `before` and `after`: interpolated on a log scale, as level changes
/// are heard; a side with no context (`None`, at the ends of the recording) gives the other.
pub fn predicted_level(before: Option<&[f32]>, after: Option<&[f32]>, fraction: f32, out: &mut [f32]) {
    match (before, after) {
        (Some(a), Some(b)) => {
            let t = fraction.clamp(0.0, 1.0);
            for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
                *o = ((1.0 - t) * super::log_mag(x) + t * super::log_mag(y)).exp();
            }
        }
        (Some(a), None) | (None, Some(a)) => out.copy_from_slice(&a[..out.len()]),
        (None, None) => out.fill(0.0),
    }
}

/// The gain attenuate gives a cell of magnitude `magnitude` whose surroundings predict
/// `predicted`, at region weight `weight` and `strength` (both 0 to 1): down to the predicted
/// level where the cell stands above it, 1 elsewhere, blended by weight × strength.
pub fn attenuate_cell(magnitude: f32, predicted: f32, weight: f32, strength: f32) -> f32 {
    let full = if magnitude > predicted && magnitude > 0.0 {
        predicted / magnitude
    } else {
        1.0
    };
    1.0 - weight * strength * (1.0 - full)
}

/// The level of each bin predicted from its neighbours in the same frame: the median magnitude
/// over `reach_bins` bins on each side. A narrow intrusion (a tone, a chirp) covers a few bins
/// of a frame, so the median is the level of what lies under it.
pub fn neighbour_level(magnitude: &[f32], reach_bins: usize, out: &mut [f32]) {
    let n = magnitude.len();
    let mut window: Vec<f32> = Vec::with_capacity(2 * reach_bins + 1);
    for (b, o) in out.iter_mut().enumerate().take(n) {
        window.clear();
        window.extend_from_slice(&magnitude[b.saturating_sub(reach_bins)..(b + reach_bins + 1).min(n)]);
        let mid = window.len() / 2;
        let (_, m, _) = window.select_nth_unstable_by(mid, f32::total_cmp);
        *o = *m;
    }
}

/// Marks the cells of one frame that an intrusion dominates: those standing more than `factor`
/// above both predictions (`in_time` from the context before and after, `in_frequency` from
/// [`neighbour_level`]), and next to them (within `spread_bins`, a window's main lobe) those
/// standing above the frequency prediction.
pub fn dominated_cells(
    magnitude: &[f32],
    in_time: &[f32],
    in_frequency: &[f32],
    factor: f32,
    spread_bins: usize,
    out: &mut [bool],
) {
    let n = magnitude.len();
    for (b, o) in out.iter_mut().enumerate().take(n) {
        *o = magnitude[b] > factor * in_time[b].max(in_frequency[b]);
    }
    let seeds: Vec<usize> = (0..n).filter(|&b| out[b]).collect();
    for b in seeds {
        for c in b.saturating_sub(spread_bins)..(b + spread_bins + 1).min(n) {
            if magnitude[c] > in_frequency[c] {
                out[c] = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_level_ignores_one_loud_frame() {
        // Three frames of 2 bins; the middle one is loud.
        let frames = [1.0, 2.0, 100.0, 100.0, 1.0, 2.0];
        let level = context_level(&frames, 2, 0);
        assert_eq!(level, vec![1.0, 2.0]);
    }

    #[test]
    fn attenuate_only_pulls_down() {
        assert_eq!(attenuate_cell(4.0, 1.0, 1.0, 1.0), 0.25);
        assert_eq!(attenuate_cell(0.5, 1.0, 1.0, 1.0), 1.0);
        assert_eq!(attenuate_cell(4.0, 1.0, 1.0, 0.0), 1.0);
        assert!((attenuate_cell(4.0, 1.0, 0.5, 1.0) - 0.625).abs() < 1e-6);
    }

    #[test]
    fn a_tone_over_noise_is_found_and_nothing_else() {
        let mut m = vec![1.0f32; 64];
        m[30] = 100.0;
        m[31] = 30.0;
        m[29] = 20.0;
        m[10] = 1.5;
        let mut f = vec![0.0; 64];
        neighbour_level(&m, 6, &mut f);
        assert_eq!(f[30], 1.0);
        let mut d = vec![false; 64];
        dominated_cells(&m, &[1.0; 64], &f, 4.0, 2, &mut d);
        let marked: Vec<usize> = (0..64).filter(|&b| d[b]).collect();
        assert_eq!(
            marked,
            vec![29, 30, 31, 32, 10]
                .into_iter()
                .filter(|&b| m[b] > 1.0 && b != 10)
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn prediction_is_geometric_between_sides() {
        let mut out = [0.0f32; 1];
        predicted_level(Some(&[1.0]), Some(&[100.0]), 0.5, &mut out);
        assert!((out[0] - 10.0).abs() < 1e-3);
        predicted_level(None, Some(&[3.0]), 0.5, &mut out);
        assert_eq!(out[0], 3.0);
    }
}
