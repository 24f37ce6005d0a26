//! Mel filterbank and cepstrum exactly as librosa 0.11 computes them by default: the Slaney
//! mel scale (`htk=False`), triangular filters normalised to constant energy per band
//! (`norm='slaney'`), `power_to_db` with a floor and a top-dB clamp, and an orthonormal
//! DCT-II.
//!
//! The DCT is a direct matrix product rather than an FFT-based transform: MFCCs keep only the
//! first 20 of 128 coefficients, so a precomputed 20 × 128 cosine matrix costs 2,560
//! multiply-adds per frame (a few per STFT bin), is exact in f64, and needs no plan, scratch
//! or reordering.

/// Hz per mel in the linear part of the Slaney scale (below 1 kHz).
const SLANEY_HZ_PER_MEL: f64 = 200.0 / 3.0;
/// Where the Slaney scale turns logarithmic, Hz.
const SLANEY_LOG_START_HZ: f64 = 1000.0;

/// Mels per unit of `ln(f / 1 kHz)` above 1 kHz: 27 mels per factor of 6.4.
fn slaney_log_step() -> f64 {
    6.4f64.ln() / 27.0
}

/// Slaney mel of a frequency (librosa's `hz_to_mel(htk=False)`): linear below 1 kHz at
/// 200/3 Hz per mel, logarithmic above it.
pub fn slaney_hz_to_mel(freq_hz: f64) -> f64 {
    let min_log_mel = SLANEY_LOG_START_HZ / SLANEY_HZ_PER_MEL;
    if freq_hz >= SLANEY_LOG_START_HZ {
        min_log_mel + (freq_hz / SLANEY_LOG_START_HZ).ln() / slaney_log_step()
    } else {
        freq_hz / SLANEY_HZ_PER_MEL
    }
}

/// Frequency of a Slaney mel value (librosa's `mel_to_hz(htk=False)`).
pub fn slaney_mel_to_hz(mel: f64) -> f64 {
    let min_log_mel = SLANEY_LOG_START_HZ / SLANEY_HZ_PER_MEL;
    if mel >= min_log_mel {
        SLANEY_LOG_START_HZ * (slaney_log_step() * (mel - min_log_mel)).exp()
    } else {
        mel * SLANEY_HZ_PER_MEL
    }
}

/// One triangular filter: its weights on the consecutive one-sided bins `first..`.
#[derive(Clone, Debug, PartialEq)]
struct Filter {
    first: usize,
    weights: Vec<f64>,
}

/// A Slaney-normalised mel filterbank over the one-sided bins of a real FFT, as
/// `librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False, norm='slaney')`.
#[derive(Clone, Debug, PartialEq)]
pub struct MelFilterbank {
    bins: usize,
    filters: Vec<Filter>,
}

impl MelFilterbank {
    /// `n_mels` filters with centres equally spaced in Slaney mel between `fmin_hz` and
    /// `fmax_hz`, over the `fft_len/2 + 1` bins of an FFT at `sample_rate`.
    ///
    /// Weights are rounded to f32 like librosa's (its default `dtype=np.float32`), so the two
    /// filterbanks are the same numbers.
    pub fn slaney(sample_rate: f64, fft_len: usize, n_mels: usize, fmin_hz: f64, fmax_hz: f64) -> Self {
        let bins = fft_len / 2 + 1;
        let bin_hz: Vec<f64> = (0..bins)
            .map(|b| b as f64 * sample_rate / fft_len as f64)
            .collect();
        // n_mels + 2 edges: filter i rises from edge i to i+1 and falls to i+2.
        let (lo, hi) = (slaney_hz_to_mel(fmin_hz), slaney_hz_to_mel(fmax_hz));
        let edges = n_mels + 2;
        let edge_hz: Vec<f64> = (0..edges)
            .map(|i| {
                // numpy's linspace: start + i·step, with the last point exactly `hi`.
                let mel = if i + 1 == edges {
                    hi
                } else {
                    lo + i as f64 * (hi - lo) / (edges - 1) as f64
                };
                slaney_mel_to_hz(mel)
            })
            .collect();
        let filters = (0..n_mels)
            .map(|i| {
                let (left, centre, right) = (edge_hz[i], edge_hz[i + 1], edge_hz[i + 2]);
                // Slaney normalisation: each triangle has the same area.
                let enorm = 2.0 / (right - left);
                let weight = |f: f64| {
                    let lower = (f - left) / (centre - left);
                    let upper = (right - f) / (right - centre);
                    (lower.min(upper).max(0.0) * enorm) as f32 as f64
                };
                let nonzero: Vec<usize> = (0..bins).filter(|&b| weight(bin_hz[b]) > 0.0).collect();
                match (nonzero.first(), nonzero.last()) {
                    (Some(&a), Some(&b)) => Filter {
                        first: a,
                        weights: (a..=b).map(|k| weight(bin_hz[k])).collect(),
                    },
                    // A band narrower than a bin catches nothing, as in librosa (which warns).
                    _ => Filter {
                        first: 0,
                        weights: Vec::new(),
                    },
                }
            })
            .collect();
        MelFilterbank { bins, filters }
    }

    /// Number of mel bands.
    pub fn len(&self) -> usize {
        self.filters.len()
    }

    /// True when there are no bands.
    pub fn is_empty(&self) -> bool {
        self.filters.is_empty()
    }

    /// One-sided bins the filterbank expects.
    pub fn bins(&self) -> usize {
        self.bins
    }

    /// The weight of band `band` on bin `bin`.
    pub fn weight(&self, band: usize, bin: usize) -> f64 {
        let f = &self.filters[band];
        bin.checked_sub(f.first)
            .and_then(|i| f.weights.get(i))
            .copied()
            .unwrap_or(0.0)
    }

    /// Mel-band powers of one frame's bin powers `power` (`bins` values) into `out`.
    pub fn apply(&self, power: &[f32], out: &mut [f64]) {
        for (o, f) in out.iter_mut().zip(&self.filters) {
            *o = f
                .weights
                .iter()
                .zip(&power[f.first..])
                .map(|(&w, &p)| w * p as f64)
                .sum();
        }
    }
}

/// `power_to_db` without the top-dB clamp: `10·log10(max(amin, power))` with `ref=1`.
pub fn power_to_db_floor(power: f64, amin: f64) -> f64 {
    10.0 * power.max(amin).log10()
}

/// The first `outputs` coefficients of the orthonormal DCT-II of `inputs` values
/// (`scipy.fft.dct(type=2, norm='ortho')`).
#[derive(Clone, Debug, PartialEq)]
pub struct Dct2 {
    inputs: usize,
    matrix: Vec<f64>,
}

impl Dct2 {
    /// A DCT of `inputs` values keeping `outputs` coefficients.
    pub fn new(inputs: usize, outputs: usize) -> Self {
        let n = inputs as f64;
        let mut matrix = Vec::with_capacity(inputs * outputs);
        for k in 0..outputs {
            let scale = if k == 0 {
                (1.0 / n).sqrt()
            } else {
                (2.0 / n).sqrt()
            };
            for m in 0..inputs {
                let angle = std::f64::consts::PI * k as f64 * (2 * m + 1) as f64 / (2.0 * n);
                matrix.push(scale * angle.cos());
            }
        }
        Dct2 { inputs, matrix }
    }

    /// Number of coefficients kept.
    pub fn outputs(&self) -> usize {
        self.matrix.len() / self.inputs.max(1)
    }

    /// Transforms `input` (`inputs` values) into `out` (`outputs` values).
    pub fn apply(&self, input: &[f64], out: &mut [f32]) {
        for (o, row) in out.iter_mut().zip(self.matrix.chunks_exact(self.inputs)) {
            *o = row.iter().zip(input).map(|(&c, &x)| c * x).sum::<f64>() as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slaney_scale_is_linear_then_logarithmic() {
        // librosa.hz_to_mel: 1 kHz is mel 15; 6.4 kHz is 27 mels further.
        assert!((slaney_hz_to_mel(1000.0) - 15.0).abs() < 1e-12);
        assert!((slaney_hz_to_mel(6400.0) - 42.0).abs() < 1e-12);
        assert!((slaney_hz_to_mel(500.0) - 7.5).abs() < 1e-12);
        // librosa.hz_to_mel(440.0) and librosa.hz_to_mel(4000.0).
        assert!((slaney_hz_to_mel(440.0) - 6.6).abs() < 1e-12);
        assert!((slaney_hz_to_mel(4000.0) - 35.163_760_314_616_646).abs() < 1e-12);
        for f in [0.0, 123.4, 999.9, 1000.0, 2500.0, 11025.0, 96000.0] {
            assert!((slaney_mel_to_hz(slaney_hz_to_mel(f)) - f).abs() < 1e-9 * f.max(1.0));
        }
    }

    #[test]
    fn filters_are_slaney_normalised_triangles() {
        let fb = MelFilterbank::slaney(22050.0, 2048, 128, 0.0, 11025.0);
        assert_eq!(fb.len(), 128);
        assert_eq!(fb.bins(), 1025);
        // Each triangle's area in Hz is 1 (height 2/width times width/2); on a grid of
        // 10.77 Hz bins the weights of a wide filter sum to about 1/bin_hz.
        let bin_hz = 22050.0 / 2048.0;
        let area: f64 = (0..1025).map(|b| fb.weight(100, b)).sum::<f64>() * bin_hz;
        assert!((area - 1.0).abs() < 0.01, "area {area}");
        // A flat unit power spectrum gives each band about its area / bin spacing.
        let power = vec![1.0f32; 1025];
        let mut out = vec![0.0; 128];
        fb.apply(&power, &mut out);
        assert!((out[100] * bin_hz - 1.0).abs() < 0.01, "{}", out[100]);
    }

    #[test]
    fn dct_is_orthonormal() {
        let dct = Dct2::new(8, 8);
        // A constant maps onto the first coefficient only, with the 1/sqrt(N) scale.
        let mut out = vec![0.0f32; 8];
        dct.apply(&[1.0; 8], &mut out);
        assert!((out[0] - 8f32.sqrt()).abs() < 1e-6);
        assert!(out[1..].iter().all(|c| c.abs() < 1e-6), "{out:?}");
        // Orthonormal: energy is preserved.
        let x = [0.3, -1.0, 2.0, 0.5, 0.0, 1.5, -0.7, 0.2];
        dct.apply(&x, &mut out);
        let ex: f64 = x.iter().map(|v| v * v).sum();
        let ey: f64 = out.iter().map(|&v| (v as f64) * (v as f64)).sum();
        assert!((ex - ey).abs() < 1e-5, "{ex} {ey}");
    }
}
