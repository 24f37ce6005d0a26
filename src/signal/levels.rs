//! Levels in dB.
//!
//! Spectro's levels are dBFS: a full-scale sinusoid at a bin centre reads 0 dB whatever the
//! window, FFT length or convention (see [`Stft::full_scale_magnitude`](super::Stft)).

/// The lowest level Spectro reports; silence reads this instead of −∞.
pub const FLOOR_DB: f32 = -200.0;

/// `20·log10(amplitude)`, clamped at [`FLOOR_DB`].
pub fn amplitude_to_db(amplitude: f32) -> f32 {
    if amplitude > 0.0 {
        (20.0 * amplitude.log10()).max(FLOOR_DB)
    } else {
        FLOOR_DB
    }
}

/// `10·log10(power)`, clamped at [`FLOOR_DB`].
pub fn power_to_db(power: f32) -> f32 {
    if power > 0.0 {
        (10.0 * power.log10()).max(FLOOR_DB)
    } else {
        FLOOR_DB
    }
}

/// Amplitude factor of a gain in dB; `−∞` gives 0.
pub fn db_to_amplitude(db: f64) -> f64 {
    if db == f64::NEG_INFINITY {
        0.0
    } else {
        10f64.powf(db / 20.0)
    }
}

/// Level in dBFS of a raw bin of power `power` (`|X|²`), given the raw magnitude of a
/// full-scale sinusoid.
pub fn power_dbfs(power: f32, full_scale_magnitude: f32) -> f32 {
    power_to_db(power / (full_scale_magnitude * full_scale_magnitude))
}

/// Ratio of two energies in dB, `10·log10(num/den)`, for test and report figures.
pub fn energy_ratio_db(num: f64, den: f64) -> f64 {
    if den <= 0.0 {
        return if num <= 0.0 { 0.0 } else { f64::INFINITY };
    }
    if num <= 0.0 {
        return f64::NEG_INFINITY;
    }
    10.0 * (num / den).log10()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::{Convention, Stft, StftParams, WindowKind};
    use rustfft::num_complex::Complex32;

    #[test]
    fn full_scale_sine_reads_zero_dbfs_for_every_window() {
        for window in WindowKind::ALL {
            let params = StftParams {
                fft_len: 1024,
                hop: 256,
                window,
            };
            let stft = Stft::<f32>::new(params, Convention::Scipy).unwrap();
            let bin = 100;
            let x: Vec<f32> = (0..8192)
                .map(|n| (std::f64::consts::TAU * bin as f64 * n as f64 / 1024.0).sin() as f32)
                .collect();
            let spec = stft.stft(&x);
            let raw = spec.frame(10)[bin] * (1.0 / stft.scale());
            let db = power_dbfs(raw.norm_sqr(), stft.full_scale_magnitude());
            assert!(db.abs() < 0.01, "{window}: {db} dB");
        }
    }

    #[test]
    fn full_scale_complex_tone_reads_zero_dbfs() {
        let stft = Stft::<Complex32>::new(StftParams::with_fft(512), Convention::Scipy).unwrap();
        let bin = 500; // a negative frequency
        let x: Vec<Complex32> = (0..4096)
            .map(|n| {
                Complex32::from_polar(
                    1.0,
                    (std::f64::consts::TAU * bin as f64 * n as f64 / 512.0) as f32,
                )
            })
            .collect();
        let spec = stft.stft(&x);
        let raw = spec.frame(5)[bin] * (1.0 / stft.scale());
        let db = power_dbfs(raw.norm_sqr(), stft.full_scale_magnitude());
        assert!(db.abs() < 0.01, "{db} dB");
    }
}
