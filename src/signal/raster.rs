//! From STFT bins and frames to picture rows and columns: the geometry shared by the CLI's
//! `render`, the editor's tiles and image export.

use super::scale::FreqScale;

/// The frequency axis of an STFT in display order (lowest frequency first).
///
/// Real signals show bins `0..=N/2`; complex signals show all `N` bins fft-shifted, from
/// `−fs/2` to just below `+fs/2`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FreqAxis {
    /// FFT length.
    pub fft_len: usize,
    /// Two-sided (IQ) axis.
    pub complex: bool,
    /// Samples per second.
    pub sample_rate: f64,
}

impl FreqAxis {
    /// Number of display bins.
    pub fn len(&self) -> usize {
        if self.complex {
            self.fft_len
        } else {
            self.fft_len / 2 + 1
        }
    }

    /// Always false: an axis has at least nine bins.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Bin spacing in Hz.
    pub fn bin_hz(&self) -> f64 {
        self.sample_rate / self.fft_len as f64
    }

    /// Frequency of display bin 0.
    pub fn first_hz(&self) -> f64 {
        if self.complex {
            -((self.fft_len / 2) as f64) * self.bin_hz()
        } else {
            0.0
        }
    }

    /// Highest frequency shown.
    pub fn last_hz(&self) -> f64 {
        self.freq_of_display(self.len() - 1)
    }

    /// Frequency of display bin `d`.
    pub fn freq_of_display(&self, d: usize) -> f64 {
        self.first_hz() + d as f64 * self.bin_hz()
    }

    /// STFT bin index (FFT order) of display bin `d`.
    pub fn bin_of_display(&self, d: usize) -> usize {
        if self.complex {
            (d + self.fft_len.div_ceil(2)) % self.fft_len
        } else {
            d
        }
    }

    /// Fractional display-bin position of `freq_hz`.
    pub fn display_position(&self, freq_hz: f64) -> f64 {
        (freq_hz - self.first_hz()) / self.bin_hz()
    }
}

/// Equally spaced bins on a frequency axis: the display bins of an STFT, or groups of them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinearBins {
    /// Centre frequency of bin 0, Hz.
    pub first_hz: f64,
    /// Spacing, Hz.
    pub step_hz: f64,
    /// Number of bins.
    pub len: usize,
}

impl LinearBins {
    /// Fractional bin position of `freq_hz`.
    pub fn position(&self, freq_hz: f64) -> f64 {
        (freq_hz - self.first_hz) / self.step_hz
    }

    /// Centre frequency of bin `i`.
    pub fn freq(&self, i: usize) -> f64 {
        self.first_hz + i as f64 * self.step_hz
    }
}

impl FreqAxis {
    /// The display bins as equally spaced bins.
    pub fn linear_bins(&self) -> LinearBins {
        LinearBins {
            first_hz: self.first_hz(),
            step_hz: self.bin_hz(),
            len: self.len(),
        }
    }

    /// The display bins grouped by `group` (the last group may be shorter): group `j` holds
    /// display bins `j·group ..`. Used to keep very long FFTs to a bounded number of rows.
    pub fn grouped_bins(&self, group: usize) -> LinearBins {
        let group = group.max(1);
        LinearBins {
            // A group is drawn at the centre of the bins it holds.
            first_hz: self.first_hz() + (group as f64 - 1.0) / 2.0 * self.bin_hz(),
            step_hz: self.bin_hz() * group as f64,
            len: self.len().div_ceil(group),
        }
    }
}

/// Where one picture row takes its level from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RowSource {
    /// The row spans display bins `lo..=hi`: take their maximum, so narrow lines stay visible.
    Max {
        /// First display bin.
        lo: usize,
        /// Last display bin.
        hi: usize,
    },
    /// The row falls between two display bins: interpolate their dB levels.
    Lerp {
        /// Lower display bin.
        a: usize,
        /// Weight of bin `a + 1`.
        t: f32,
    },
}

/// The rows of a picture (top row first) mapped onto display bins.
#[derive(Clone, Debug, PartialEq)]
pub struct RowMap {
    /// One entry per row, top to bottom.
    pub rows: Vec<RowSource>,
}

impl RowMap {
    /// Maps `rows` rows spanning `lo_hz..hi_hz` on `scale` onto `bins`.
    pub fn new(bins: &LinearBins, scale: FreqScale, lo_hz: f64, hi_hz: f64, rows: usize) -> Self {
        let last = bins.len - 1;
        let rows = (0..rows)
            .map(|r| {
                let u_top = 1.0 - r as f64 / rows as f64;
                let u_bottom = 1.0 - (r + 1) as f64 / rows as f64;
                let x_lo = bins.position(scale.freq_at(u_bottom, lo_hz, hi_hz));
                let x_hi = bins.position(scale.freq_at(u_top, lo_hz, hi_hz));
                let first = x_lo.ceil().max(0.0);
                let lastb = x_hi.floor().min(last as f64);
                if first <= lastb {
                    RowSource::Max {
                        lo: first as usize,
                        hi: lastb as usize,
                    }
                } else {
                    let xc = (0.5 * (x_lo + x_hi)).clamp(0.0, last as f64);
                    let a = (xc.floor() as usize).min(last.saturating_sub(1));
                    RowSource::Lerp {
                        a,
                        t: (xc - a as f64).clamp(0.0, 1.0) as f32,
                    }
                }
            })
            .collect();
        RowMap { rows }
    }

    /// Fills `out` (one dB value per row) from the dB levels of the display bins.
    pub fn apply(&self, bin_db: &[f32], out: &mut [f32]) {
        for (o, src) in out.iter_mut().zip(&self.rows) {
            *o = match *src {
                RowSource::Max { lo, hi } => {
                    bin_db[lo..=hi].iter().cloned().fold(f32::NEG_INFINITY, f32::max)
                }
                RowSource::Lerp { a, t } => {
                    let b = (a + 1).min(bin_db.len() - 1);
                    bin_db[a] + t * (bin_db[b] - bin_db[a])
                }
            };
        }
    }
}

/// The frames picture column `column` (of `columns`) covers, at least one; columns take the
/// maximum over their frames so short events stay visible when zoomed out.
pub fn column_frames(
    column: usize,
    columns: usize,
    frames: std::ops::Range<usize>,
) -> std::ops::Range<usize> {
    let n = frames.len().max(1);
    let a = (column * n / columns).min(n - 1);
    let b = ((column + 1) * n / columns).clamp(a + 1, n);
    frames.start + a..frames.start + b
}

/// Colours a dB image through a 256-entry LUT into RGB bytes.
pub fn colorize_rgb(db: &[f32], lut: &[[u8; 3]; 256], floor_db: f32, ceiling_db: f32) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(db.len() * 3);
    for &v in db {
        rgb.extend_from_slice(&lut[super::colormap::level_index(v, floor_db, ceiling_db) as usize]);
    }
    rgb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complex_axis_is_fft_shifted() {
        let axis = FreqAxis {
            fft_len: 8,
            complex: true,
            sample_rate: 8.0,
        };
        let freqs: Vec<f64> = (0..8).map(|d| axis.freq_of_display(d)).collect();
        assert_eq!(freqs, vec![-4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]);
        let bins: Vec<usize> = (0..8).map(|d| axis.bin_of_display(d)).collect();
        assert_eq!(bins, vec![4, 5, 6, 7, 0, 1, 2, 3]);
        let odd = FreqAxis { fft_len: 5, ..axis };
        assert_eq!(
            (0..5).map(|d| odd.bin_of_display(d)).collect::<Vec<_>>(),
            vec![3, 4, 0, 1, 2]
        );
    }

    #[test]
    fn rows_cover_the_axis_top_down() {
        let axis = FreqAxis {
            fft_len: 16,
            complex: false,
            sample_rate: 16.0,
        };
        // 9 bins (0..=8 Hz) onto 3 rows: top row holds the highest bins.
        let map = RowMap::new(&axis.linear_bins(), FreqScale::Linear, 0.0, 8.0, 3);
        assert_eq!(map.rows[0], RowSource::Max { lo: 6, hi: 8 });
        assert_eq!(map.rows[2], RowSource::Max { lo: 0, hi: 2 });
        let db: Vec<f32> = (0..9).map(|b| b as f32).collect();
        let mut out = vec![0.0; 3];
        map.apply(&db, &mut out);
        assert_eq!(out, vec![8.0, 5.0, 2.0]);
    }

    #[test]
    fn columns_partition_frames() {
        for (cols, n) in [(10, 100), (100, 10), (7, 7), (3, 10)] {
            let mut covered = vec![0; n];
            for c in 0..cols {
                let r = column_frames(c, cols, 0..n);
                assert!(!r.is_empty());
                for f in r {
                    covered[f] += 1;
                }
            }
            assert!(covered.iter().all(|&c| c >= 1), "{cols} {n}");
        }
    }
}
