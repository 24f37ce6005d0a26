//! The ERB bands of the gain path: how many STFT bins each band holds, band powers, and
//! spreading band gains back onto bins.

use crate::signal::Complex32;

/// Frequency (Hz) to ERB-rate (Glasberg and Moore's scale as DeepFilterNet writes it).
fn freq_hz_to_erb(freq_hz: f32) -> f32 {
    9.265 * (freq_hz / (24.7 * 9.265)).ln_1p()
}

/// ERB-rate to frequency (Hz).
fn erb_to_freq_hz(erb: f32) -> f32 {
    24.7 * 9.265 * ((erb / 9.265).exp() - 1.0)
}

/// Bins per band of `bands` bands equally spaced in ERB-rate from 0 Hz to Nyquist, each at
/// least `min_bins` wide (the excess taken from the next band), summing to `fft_len / 2 + 1`:
/// the filter bank the model was trained with.
pub fn erb_band_widths(
    sample_rate_hz: usize,
    fft_len_samples: usize,
    bands: usize,
    min_bins: usize,
) -> Vec<usize> {
    let bin_hz = sample_rate_hz as f32 / fft_len_samples as f32;
    let erb_high = freq_hz_to_erb((sample_rate_hz / 2) as f32);
    let step = erb_high / bands as f32;
    let mut widths = vec![0usize; bands];
    let mut prev_bin = 0i64;
    let mut over = 0i64;
    for (band, width) in widths.iter_mut().enumerate() {
        let edge_bin = (erb_to_freq_hz((band + 1) as f32 * step) / bin_hz).round() as i64;
        let mut n = edge_bin - prev_bin - over;
        if n < min_bins as i64 {
            over = min_bins as i64 - n;
            n = min_bins as i64;
        } else {
            over = 0;
        }
        *width = n.max(0) as usize;
        prev_bin = edge_bin;
    }
    // The Nyquist bin belongs to the last band; extra bins forced by `min_bins` come off it.
    let bins = fft_len_samples / 2 + 1;
    let total = widths.iter().sum::<usize>() + 1;
    if let Some(last) = widths.last_mut() {
        *last = (*last + 1).saturating_sub(total.saturating_sub(bins));
    }
    widths
}

/// Mean power of the bins of each band, written to `out_power` (one per band).
pub fn band_mean_power(spectrum: &[Complex32], band_widths: &[usize], out_power: &mut [f32]) {
    let mut start = 0;
    for (&width, out) in band_widths.iter().zip(out_power.iter_mut()) {
        let end = (start + width).min(spectrum.len());
        let k = 1.0 / width.max(1) as f32;
        *out = spectrum[start..end].iter().map(|c| c.norm_sqr() * k).sum();
        start = end;
    }
}

/// Multiplies each bin of `spectrum` by its band's gain.
pub fn apply_band_gains(spectrum: &mut [Complex32], band_widths: &[usize], gains: &[f32]) {
    let mut start = 0;
    for (&width, &gain) in band_widths.iter().zip(gains) {
        let end = (start + width).min(spectrum.len());
        for c in &mut spectrum[start..end] {
            *c *= gain;
        }
        start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_cover_every_bin_once_and_respect_the_minimum_width() {
        let widths = erb_band_widths(48000, 960, 32, 2);
        assert_eq!(widths.len(), 32);
        assert_eq!(widths.iter().sum::<usize>(), 481);
        assert!(widths.iter().all(|&w| w >= 2));
        // ERB bands widen with frequency.
        assert!(widths[31] > 10 * widths[0]);
    }
}
