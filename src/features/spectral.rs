//! Spectral shape statistics of one magnitude spectrum, as librosa defines them, and band
//! powers.
//!
//! Spectra here are in display order (lowest frequency first): `0 … fs/2` for real signals,
//! `−fs/2 … fs/2` (fft-shifted) for IQ, with each bin's signed centre frequency. On that axis
//! librosa's definitions carry over to two-sided spectra unchanged, which is how the IQ
//! references are generated (librosa's functions take the spectrum and the frequencies).

/// librosa's `spectral_flatness` floor on power (`amin`).
pub const FLATNESS_AMIN: f64 = 1e-10;

/// Shape statistics of one magnitude spectrum.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SpectralStats {
    /// Magnitude-weighted mean frequency (`librosa.feature.spectral_centroid`), Hz.
    pub centroid_hz: f64,
    /// Magnitude-weighted standard deviation of frequency around the centroid
    /// (`spectral_bandwidth`, `p=2`), Hz.
    pub bandwidth_hz: f64,
    /// Geometric over arithmetic mean of the power, `max(amin, |X|²)`, 0 to 1
    /// (`spectral_flatness`, `amin=1e-10`, `power=2`): 1 for white noise, near 0 for tones.
    pub flatness: f64,
    /// Lowest frequency at which the cumulative magnitude reaches `rolloff_fraction` of the
    /// total (`spectral_rolloff`, `roll_percent=0.85`), Hz.
    pub rolloff_hz: f64,
}

/// Statistics of the magnitude spectrum `magnitude` whose bins sit at `freqs_hz`, ascending.
///
/// `magnitude` is on librosa's scale (the unnormalised DFT), which matters only to flatness
/// through its fixed power floor. An all-zero spectrum gives librosa's results: centroid and
/// bandwidth 0, flatness 1, roll-off at the first bin.
pub fn spectral_stats(magnitude: &[f64], freqs_hz: &[f64], rolloff_fraction: f64) -> SpectralStats {
    debug_assert_eq!(magnitude.len(), freqs_hz.len());
    let total: f64 = magnitude.iter().sum();
    // librosa normalises each column by its sum unless the sum is negligible, in which case it
    // leaves it as it is (and an all-zero column then weighs nothing).
    let norm = if total > f32::MIN_POSITIVE as f64 {
        1.0 / total
    } else {
        1.0
    };
    let centroid_hz: f64 = magnitude.iter().zip(freqs_hz).map(|(&m, &f)| m * norm * f).sum();
    let bandwidth_hz = magnitude
        .iter()
        .zip(freqs_hz)
        .map(|(&m, &f)| m * norm * (f - centroid_hz).powi(2))
        .sum::<f64>()
        .sqrt();
    let n = magnitude.len().max(1) as f64;
    // Σ ln p as the logarithm of the product, kept as a mantissa in [1, 2) and a power of
    // two: one logarithm per frame instead of one per bin, and no less accurate.
    let (mut mantissa, mut exponent, mut sum) = (1.0f64, 0i64, 0.0);
    for &m in magnitude {
        let p = (m * m).max(FLATNESS_AMIN);
        sum += p;
        let bits = (mantissa * p).to_bits();
        exponent += ((bits >> 52) & 0x7ff) as i64 - 1023;
        mantissa = f64::from_bits((bits & !(0x7ff << 52)) | (1023 << 52));
    }
    let log_sum = mantissa.ln() + exponent as f64 * std::f64::consts::LN_2;
    let flatness = (log_sum / n).exp() / (sum / n);
    let threshold = rolloff_fraction * total;
    let mut cumulative = 0.0;
    let mut rolloff_hz = freqs_hz.first().copied().unwrap_or(0.0);
    for (&m, &f) in magnitude.iter().zip(freqs_hz) {
        cumulative += m;
        if cumulative >= threshold {
            rolloff_hz = f;
            break;
        }
    }
    SpectralStats {
        centroid_hz,
        bandwidth_hz,
        flatness,
        rolloff_hz,
    }
}

/// `n` equal-width frequency bands across the whole axis: `0 … fs/2` for real signals,
/// `−fs/2 … fs/2` for IQ. Band `k` holds the bins whose centre lies in
/// `[lo + k·w, lo + (k+1)·w)`, `w = (hi − lo)/n`; the bin at the top edge (`fs/2` of a real
/// spectrum) joins the last band.
#[derive(Clone, Debug, PartialEq)]
pub struct Bands {
    /// The `n + 1` band edges, Hz.
    pub edges_hz: Vec<f64>,
    /// Band of each display bin.
    band_of_bin: Vec<usize>,
    /// Factor from a display bin's raw power `|X|²` to its share of the frame's power,
    /// relative to a full-scale sinusoid.
    power_weight: Vec<f64>,
}

impl Bands {
    /// `count` bands over an axis whose display bins sit at `freqs_hz`.
    ///
    /// `window` is the analysis window and `complex` says whether the spectrum is two-sided.
    /// A band's power is `Σ c·|X_b|² / (N·Σw²)` (Parseval: the windowed frame's mean power),
    /// with `c = 2` for the bins of a one-sided spectrum that stand for two (all but DC and
    /// Nyquist), divided by the power of a full-scale sinusoid (½ for a real sine, 1 for a
    /// complex exponential). So a full-scale sine inside a band reads 0 dB whatever the window
    /// or FFT length, and the bands add up to the frame's power.
    pub fn new(count: usize, freqs_hz: &[f64], sample_rate: f64, window: &[f32], complex: bool) -> Self {
        let count = count.max(1);
        let (lo, hi) = if complex {
            (-sample_rate / 2.0, sample_rate / 2.0)
        } else {
            (0.0, sample_rate / 2.0)
        };
        let width = (hi - lo) / count as f64;
        let edges_hz = (0..=count).map(|k| lo + k as f64 * width).collect();
        let band_of_bin = freqs_hz
            .iter()
            .map(|&f| (((f - lo) / width).floor().max(0.0) as usize).min(count - 1))
            .collect();
        let n = window.len();
        let window_energy: f64 = window.iter().map(|&w| (w as f64) * (w as f64)).sum();
        let full_scale_power = if complex { 1.0 } else { 0.5 };
        let base = 1.0 / (n as f64 * window_energy * full_scale_power);
        let power_weight = (0..freqs_hz.len())
            .map(|d| {
                let single = complex || d == 0 || (n.is_multiple_of(2) && d == n / 2);
                if single { base } else { 2.0 * base }
            })
            .collect();
        Bands {
            edges_hz,
            band_of_bin,
            power_weight,
        }
    }

    /// Number of bands.
    pub fn len(&self) -> usize {
        self.edges_hz.len() - 1
    }

    /// Always false: there is at least one band.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The band display bin `bin` belongs to.
    pub fn band_of(&self, bin: usize) -> usize {
        self.band_of_bin[bin]
    }

    /// Factor from display bin `bin`'s raw power to full-scale-sinusoid units.
    pub fn power_weight(&self, bin: usize) -> f64 {
        self.power_weight[bin]
    }

    /// Powers of the bands (full-scale-sinusoid units, linear) of a frame whose display bins
    /// have raw powers `power`, added into `out`.
    pub fn accumulate(&self, power: &[f32], out: &mut [f64]) {
        for ((&p, &band), &w) in power.iter().zip(&self.band_of_bin).zip(&self.power_weight) {
            out[band] += p as f64 * w;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_of_simple_spectra() {
        let freqs = [0.0, 100.0, 200.0, 300.0, 400.0];
        // Two equal lines at 100 and 300 Hz.
        let s = spectral_stats(&[0.0, 1.0, 0.0, 1.0, 0.0], &freqs, 0.85);
        assert_eq!(s.centroid_hz, 200.0);
        assert_eq!(s.bandwidth_hz, 100.0);
        // Half the magnitude is reached at 100 Hz, 85 % only at 300 Hz.
        assert_eq!(s.rolloff_hz, 300.0);
        assert_eq!(
            spectral_stats(&[0.0, 1.0, 0.0, 1.0, 0.0], &freqs, 0.4).rolloff_hz,
            100.0
        );
        // Flat power is perfectly flat; silence floors at amin everywhere, so it is flat too.
        assert!((spectral_stats(&[3.0; 5], &freqs, 0.85).flatness - 1.0).abs() < 1e-12);
        let silent = spectral_stats(&[0.0; 5], &freqs, 0.85);
        assert_eq!(
            (silent.centroid_hz, silent.bandwidth_hz, silent.rolloff_hz),
            (0.0, 0.0, 0.0)
        );
        assert!((silent.flatness - 1.0).abs() < 1e-12);
        // One line among floored bins: geometric mean tiny, arithmetic mean a fifth of it.
        let tone = spectral_stats(&[0.0, 0.0, 1.0, 0.0, 0.0], &freqs, 0.85);
        let expected = (1e-40f64.ln() / 5.0).exp() / ((1.0 + 4e-10) / 5.0);
        assert!((tone.flatness / expected - 1.0).abs() < 1e-9, "{}", tone.flatness);
    }

    #[test]
    fn full_scale_sine_reads_zero_db_in_its_band() {
        use crate::signal::{Convention, Stft, StftParams, WindowKind};
        for window in [WindowKind::Hann, WindowKind::Blackman, WindowKind::Rectangular] {
            let n = 512;
            let stft = Stft::<f32>::new(
                StftParams {
                    fft_len: n,
                    hop: n / 4,
                    window,
                },
                Convention::Librosa,
            )
            .unwrap();
            let fs = 8000.0;
            let freqs: Vec<f64> = (0..stft.bins()).map(|b| stft.bin_freq_hz(b, fs)).collect();
            let bands = Bands::new(4, &freqs, fs, stft.window(), false);
            assert_eq!(bands.edges_hz, vec![0.0, 1000.0, 2000.0, 3000.0, 4000.0]);
            // 2.5 kHz, between bins: leakage spreads it but the band power is the sine's.
            let x: Vec<f32> = (0..8192)
                .map(|i| (std::f64::consts::TAU * 2512.3 * i as f64 / fs).sin() as f32)
                .collect();
            let spec = stft.stft(&x);
            let power: Vec<f32> = spec.frame(8).iter().map(|c| c.norm_sqr()).collect();
            let mut out = vec![0.0; 4];
            bands.accumulate(&power, &mut out);
            // Parseval: the bands add up to the frame's power whatever the leakage; over a
            // rectangular frame of 160.8 cycles a sine's power is ½ only to within 1e-3.
            let total: f64 = out.iter().sum();
            assert!((total - 1.0).abs() < 3e-3, "{window}: {out:?}");
            assert!(out[2] > 0.995, "{window}: {out:?}");
        }
    }
}
