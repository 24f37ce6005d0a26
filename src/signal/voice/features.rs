//! The model's inputs per frame: ERB band log powers and the complex spectrum of the lowest
//! bins, each normalised by a running estimate (exponential smoothing over frames).

use super::erb::band_mean_power;
use crate::signal::Complex32;

/// Initial running means of the ERB log powers, dB, spread linearly over the bands (libDF's
/// start values, which the model saw in training).
const MEAN_NORM_INIT_DB: [f32; 2] = [-60.0, -90.0];
/// Initial running mean magnitudes of the low bins, spread linearly over the bins.
const UNIT_NORM_INIT: [f32; 2] = [0.001, 0.0001];

/// Values spread linearly from `range[0]` to `range[1]` over `len` entries.
fn linear_spread(range: [f32; 2], len: usize) -> Vec<f32> {
    let step = (range[1] - range[0]) / (len.max(2) - 1) as f32;
    (0..len).map(|i| range[0] + i as f32 * step).collect()
}

/// The running normalisation state of one channel, advanced frame by frame.
#[derive(Debug, Clone)]
pub struct FeatureNorm {
    alpha: f32,
    band_mean_db: Vec<f32>,
    bin_mean_magnitude: Vec<f32>,
}

impl FeatureNorm {
    /// A fresh state for `erb_bands` bands and `df_bins` low bins, smoothing with `alpha`.
    pub fn new(erb_bands: usize, df_bins: usize, alpha: f32) -> FeatureNorm {
        FeatureNorm {
            alpha,
            band_mean_db: linear_spread(MEAN_NORM_INIT_DB, erb_bands),
            bin_mean_magnitude: linear_spread(UNIT_NORM_INIT, df_bins),
        }
    }

    /// The ERB feature of one frame: each band's log power (dB) minus its running mean,
    /// divided by 40, written to `out` (one per band).
    pub fn erb_features(&mut self, spectrum: &[Complex32], band_widths: &[usize], out: &mut [f32]) {
        band_mean_power(spectrum, band_widths, out);
        let a = self.alpha;
        for (x, mean) in out.iter_mut().zip(self.band_mean_db.iter_mut()) {
            let db = 10.0 * (*x + 1e-10).log10();
            *mean = db * (1.0 - a) + *mean * a;
            *x = (db - *mean) / 40.0;
        }
    }

    /// The complex feature of one frame: each low bin divided by the square root of its
    /// running mean magnitude, real parts to `out_re` and imaginary parts to `out_im`.
    pub fn complex_features(&mut self, low_bins: &[Complex32], out_re: &mut [f32], out_im: &mut [f32]) {
        let a = self.alpha;
        for (((c, mean), re), im) in low_bins
            .iter()
            .zip(self.bin_mean_magnitude.iter_mut())
            .zip(out_re.iter_mut())
            .zip(out_im.iter_mut())
        {
            *mean = c.norm() * (1.0 - a) + *mean * a;
            let scale = 1.0 / mean.sqrt();
            *re = c.re * scale;
            *im = c.im * scale;
        }
    }
}
