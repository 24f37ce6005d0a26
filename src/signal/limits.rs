//! The documented range of every number a user can give Spectro (command-line options, edit-list
//! fields, window launch options, file headers), in one place per concept.
//!
//! Every check here runs before any work, so an absurd value is one clear error instead of an
//! overflow, a huge allocation or a computation that never ends. The command line, the edit-list
//! parser, the file readers and the window all call these functions; the README's "Limits"
//! table and the `--help` texts quote these constants.
//!
//! Why these numbers:
//! - Sample rates: a WAV header stores the rate as a whole number of Hz in 32 bits, which
//!   libsndfile (and so most audio tools) reads as a signed number: 1 Hz to 2 147 483 647 Hz is
//!   what any recording Spectro reads or writes can carry and every reader opens.
//! - Times: ±10⁹ s (about 31 years). Times are turned into sample indices by multiplying by
//!   the rate; 10⁹ s × 4.3·10⁹ Hz still fits an `i64`.
//! - Frequencies: ±10¹² Hz (1 THz), far above any radio capture's centre, and small enough that
//!   a frequency times an FFT length stays exact in an `f64`.
//! - Points of a lasso or a brush stroke: 20 000 (the window simplifies strokes to a few
//!   hundred); every cell near a shape looks at the points near its frame, so a dense
//!   20 000-point lasso over one second costs seconds, not hours.
//! - Smoothing and estimation windows: they set how many frames around a cell the denoiser
//!   reads, so they are bounded in frames and bins of the STFT in use (see
//!   [`check_denoise_windows`]).

use super::stft::StftParams;

/// Smallest FFT length accepted.
pub const MIN_FFT_LEN: usize = 16;
/// Largest FFT length accepted.
pub const MAX_FFT_LEN: usize = 65536;

/// Lowest sample rate, Hz: a WAV header's rate is a whole number of Hz, at least 1.
pub const MIN_SAMPLE_RATE_HZ: f64 = 1.0;
/// Highest sample rate, Hz: the largest a WAV header's 32-bit field holds for every reader
/// (libsndfile takes it as signed).
pub const MAX_SAMPLE_RATE_HZ: f64 = i32::MAX as f64;

/// Most channels in a recording: every command keeps a block of samples per channel.
pub const MAX_CHANNELS: usize = 256;

/// Largest time, in seconds, anywhere (edit lists, `--start`, `--time`, durations).
pub const MAX_TIME_S: f64 = 1e9;
/// Largest frequency magnitude, Hz (edit lists, `--freq`, `--center-freq`, bandwidths).
pub const MAX_FREQ_HZ: f64 = 1e12;

/// Most points in one lasso, brush, eraser or paint stroke.
pub const MAX_SHAPE_POINTS: usize = 20_000;

/// Largest de-click `sensitivity` (1 is calibrated; each doubling finds quieter clicks).
pub const MAX_DECLICK_SENSITIVITY: f64 = 100.0;

/// Widest time smoothing of a denoise step, in hops of the STFT in use (the default is 3).
/// Every cell sums this many rows, and the automatic estimate calibrates itself on a couple of
/// thousand frames: wider kernels would take minutes.
pub const MAX_SMOOTH_HOPS: f64 = 256.0;
/// Widest frequency smoothing of a denoise step, in bins of the STFT in use (the default is 6).
pub const MAX_SMOOTH_BINS: f64 = 256.0;
/// Most STFT cells (frames × bins) a denoise step may look at on each side of a frame: half
/// its estimation window plus its time smoothing. Rendering holds the spectra, gains and powers
/// of a block of frames and this context on both sides, about 30 bytes a cell; 2²² cells a side
/// keep that within a few hundred MB per worker. With FFT 2048 (1025 bins) that is an
/// estimation window of about 8000 hops (87 s at 48 kHz with hop 512).
pub const MAX_DENOISE_CONTEXT_CELLS: f64 = (1u64 << 22) as f64;

/// Largest `fft_len² / hop`: about the STFT cells (frames × bins) of the frames that overlap one
/// sample, which rendering holds at once whatever the block (hop 1 with FFT 65536 would need
/// 2·10⁹ cells, 17 GB). 2²³ allows any hop with FFTs up to 2048, and a hop of at least
/// FFT/128 with FFT 65536.
pub const MAX_OVERLAP_CELLS: u64 = 1 << 23;

/// STFT cells (frames × bins) of the block of frames rendering analyses at a time, besides the
/// context denoise steps need.
pub const RENDER_BLOCK_CELLS: usize = 1 << 22;

/// The smallest hop [`MAX_OVERLAP_CELLS`] allows for `fft_len`.
pub fn min_hop(fft_len: usize) -> usize {
    ((fft_len as u64 * fft_len as u64).div_ceil(MAX_OVERLAP_CELLS) as usize).max(1)
}

/// Most iterations of (fast) Griffin-Lim.
pub const MAX_ITERATIONS: usize = 10_000;

/// Largest picture side, pixels (`render --width/--height/--size`, pictures read).
pub const MAX_PICTURE_SIDE: usize = 65535;
/// Most pixels in a picture Spectro draws (8192 × 8192, or 65535 × 1024): drawing takes about
/// 10 bytes per pixel (levels, colours, the PNG encoder), so this stays under 1 GB.
pub const MAX_PICTURE_PIXELS: u64 = 1 << 26;

/// Largest edit list read, bytes: a hand-written list is a few kB, one with long strokes a few
/// MB; past this it is not an edit list.
pub const MAX_EDIT_LIST_BYTES: u64 = 64 << 20;
/// Largest SigMF metadata file read, bytes.
pub const MAX_SIDECAR_BYTES: u64 = 16 << 20;

/// Largest absolute float sample value passed on: float recordings (32-bit float WAV, `.cf32`)
/// holding larger values, NaN or infinities have them replaced (NaN and ±∞ by 0, others clamped
/// to ±this). Full scale is 1; 10⁴ is 80 dB above it, more than any real recording holds, and
/// keeps every sum Spectro forms finite in `f32`: the power of one bin of a 65536-point FFT of
/// such samples is at most (65536 · 10⁴)² ≈ 4·10¹⁷, far below `f32::MAX` (3.4·10³⁸).
pub const MAX_SAMPLE_ABS: f32 = 1e4;

/// A number for a message: plain when moderate (`48000`, `0.5`), in exponent form when huge or
/// tiny (`1e308`), so that a line stays one readable line.
pub fn show(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && a.is_finite() && !(1e-4..1e9).contains(&a) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// Checks an FFT length and hop (the overlap-add condition is checked when planning).
pub fn check_stft(params: StftParams) -> Result<(), String> {
    check_fft_len(params.fft_len)?;
    check_hop(params.hop, params.fft_len)
}

/// Checks an FFT length: 16 to 65536.
pub fn check_fft_len(fft_len: usize) -> Result<(), String> {
    if (MIN_FFT_LEN..=MAX_FFT_LEN).contains(&fft_len) {
        Ok(())
    } else {
        Err(format!(
            "FFT length {fft_len} is outside {MIN_FFT_LEN}..={MAX_FFT_LEN}"
        ))
    }
}

/// Checks a hop: 1 to the FFT length, and at least [`min_hop`] (FFT²/2²³) for long FFTs.
pub fn check_hop(hop: usize, fft_len: usize) -> Result<(), String> {
    if !(hop >= 1 && hop <= fft_len) {
        return Err(format!(
            "hop {hop} must be between 1 and the FFT length {fft_len}"
        ));
    }
    let min = min_hop(fft_len);
    if hop < min {
        return Err(format!(
            "hop {hop} overlaps {} frames of {fft_len} samples on every sample; with this FFT the hop must be at least {min}",
            fft_len.div_ceil(hop)
        ));
    }
    Ok(())
}

/// Checks a sample rate: finite, 1 Hz to 2³¹ − 1 Hz.
pub fn check_sample_rate(hz: f64) -> Result<f64, String> {
    if hz.is_finite() && (MIN_SAMPLE_RATE_HZ..=MAX_SAMPLE_RATE_HZ).contains(&hz) {
        Ok(hz)
    } else {
        Err(format!(
            "sample rate {} Hz is outside 1 Hz..2147483647 Hz (what a WAV header holds)",
            show(hz)
        ))
    }
}

/// Checks a time in seconds: finite, within ±10⁹ s.
pub fn check_time(s: f64) -> Result<f64, String> {
    if s.is_finite() && s.abs() <= MAX_TIME_S {
        Ok(s)
    } else {
        Err(format!("{} s is not a time within ±{MAX_TIME_S:e} s", show(s)))
    }
}

/// Checks a duration in seconds: finite, 0 to 10⁹ s (`positive` excludes 0).
pub fn check_duration(s: f64, positive: bool) -> Result<f64, String> {
    let low_ok = if positive { s > 0.0 } else { s >= 0.0 };
    if s.is_finite() && low_ok && s <= MAX_TIME_S {
        Ok(s)
    } else if positive {
        Err(format!(
            "{} s is not a duration above 0 and at most {MAX_TIME_S:e} s",
            show(s)
        ))
    } else {
        Err(format!(
            "{} s is not a duration from 0 to {MAX_TIME_S:e} s",
            show(s)
        ))
    }
}

/// Checks a frequency in Hz: finite, within ±10¹² Hz.
pub fn check_freq(hz: f64) -> Result<f64, String> {
    if hz.is_finite() && hz.abs() <= MAX_FREQ_HZ {
        Ok(hz)
    } else {
        Err(format!(
            "{} Hz is not a frequency within ±{MAX_FREQ_HZ:e} Hz",
            show(hz)
        ))
    }
}

/// Checks a frequency width in Hz (bandwidths, radii, feathers, smoothing): finite, 0 to
/// 10¹² Hz (`positive` excludes 0).
pub fn check_bandwidth(hz: f64, positive: bool) -> Result<f64, String> {
    let low_ok = if positive { hz > 0.0 } else { hz >= 0.0 };
    if hz.is_finite() && low_ok && hz <= MAX_FREQ_HZ {
        Ok(hz)
    } else if positive {
        Err(format!(
            "{} Hz is not a width above 0 and at most {MAX_FREQ_HZ:e} Hz",
            show(hz)
        ))
    } else {
        Err(format!(
            "{} Hz is not a width from 0 to {MAX_FREQ_HZ:e} Hz",
            show(hz)
        ))
    }
}

/// Checks a level in dB (thresholds, ceilings): finite, within ±1000 dB.
pub fn check_level_db(db: f64) -> Result<f64, String> {
    if db.is_finite() && db.abs() <= 1000.0 {
        Ok(db)
    } else {
        Err(format!("{} dB is not a level within ±1000 dB", show(db)))
    }
}

/// Checks the number of points of a shape: `min` to [`MAX_SHAPE_POINTS`].
pub fn check_points(count: usize, min: usize) -> Result<(), String> {
    if count < min {
        Err(format!(
            "needs at least {min} [time_s, freq_hz] pairs, got {count}"
        ))
    } else if count > MAX_SHAPE_POINTS {
        Err(format!(
            "has {count} points; at most {MAX_SHAPE_POINTS} are allowed"
        ))
    } else {
        Ok(())
    }
}

/// Checks an iteration count: 0 to [`MAX_ITERATIONS`].
pub fn check_iterations(n: usize) -> Result<usize, String> {
    if n <= MAX_ITERATIONS {
        Ok(n)
    } else {
        Err(format!("{n} iterations: at most {MAX_ITERATIONS}"))
    }
}

/// Checks a picture size in pixels: each side 1 to 65535, at most 2²⁸ pixels in all.
pub fn check_picture_size(width: usize, height: usize) -> Result<(), String> {
    if !(1..=MAX_PICTURE_SIDE).contains(&width) || !(1..=MAX_PICTURE_SIDE).contains(&height) {
        return Err(format!(
            "a picture of {width} × {height} pixels: each side must be 1 to {MAX_PICTURE_SIDE}"
        ));
    }
    if width as u64 * height as u64 > MAX_PICTURE_PIXELS {
        return Err(format!(
            "a picture of {width} × {height} pixels: at most {MAX_PICTURE_PIXELS} pixels in all (8192 × 8192)"
        ));
    }
    Ok(())
}

/// How far a denoise step reads around a frame, for one STFT: widths of its time and frequency
/// smoothing (in seconds and Hz; `None` for the defaults) and of its automatic estimation
/// window (seconds; `None` for none or the default). Checks them against [`MAX_SMOOTH_HOPS`],
/// [`MAX_SMOOTH_BINS`] and [`MAX_DENOISE_CONTEXT_CELLS`].
pub fn check_denoise_windows(
    smooth_s: Option<f64>,
    smooth_hz: Option<f64>,
    estimate_window_s: Option<f64>,
    hop_s: f64,
    bin_hz: f64,
    bins: usize,
) -> Result<(), String> {
    if let Some(s) = smooth_s
        && s / hop_s > MAX_SMOOTH_HOPS
    {
        return Err(format!(
            "\"smooth_s\" {} s is {} hops of this STFT; at most {MAX_SMOOTH_HOPS} hops ({:.6} s) are allowed",
            show(s),
            show((s / hop_s).round()),
            MAX_SMOOTH_HOPS * hop_s
        ));
    }
    if let Some(hz) = smooth_hz
        && hz / bin_hz > MAX_SMOOTH_BINS
    {
        return Err(format!(
            "\"smooth_hz\" {} Hz is {} bins of this STFT; at most {MAX_SMOOTH_BINS} bins ({:.3} Hz) are allowed",
            show(hz),
            show((hz / bin_hz).round()),
            MAX_SMOOTH_BINS * bin_hz
        ));
    }
    if let Some(w) = estimate_window_s {
        let reach_hops = w / hop_s / 2.0 + smooth_s.map_or(3.0, |s| s / hop_s);
        let max_hops = MAX_DENOISE_CONTEXT_CELLS / bins.max(1) as f64;
        if reach_hops > max_hops {
            return Err(format!(
                "\"estimate_window_s\" {} s spans {} hops of this STFT; with {bins} bins at most {:.0} hops ({:.3} s) are allowed",
                show(w),
                show((w / hop_s).round()),
                2.0 * max_hops,
                2.0 * max_hops * hop_s
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_include_their_ends_and_refuse_past_them() {
        assert!(check_fft_len(16).is_ok() && check_fft_len(65536).is_ok());
        assert!(check_fft_len(15).is_err() && check_fft_len(65537).is_err() && check_fft_len(0).is_err());
        assert!(check_hop(1, 16).is_ok() && check_hop(16, 16).is_ok());
        assert!(check_hop(0, 16).is_err() && check_hop(17, 16).is_err());
        assert!(check_hop(1, 2048).is_ok() && check_hop(1, 4096).is_err() && check_hop(2, 4096).is_ok());
        assert!(check_hop(511, 65536).is_err() && check_hop(512, 65536).is_ok());
        assert!(check_sample_rate(1.0).is_ok() && check_sample_rate(2_147_483_647.0).is_ok());
        assert!(check_sample_rate(0.999).is_err() && check_sample_rate(2_147_483_648.0).is_err());
        assert!(check_sample_rate(f64::NAN).is_err() && check_sample_rate(-8000.0).is_err());
        assert!(check_time(-1e9).is_ok() && check_time(1.000_001e9).is_err());
        assert!(check_duration(0.0, false).is_ok() && check_duration(0.0, true).is_err());
        assert!(check_freq(-1e12).is_ok() && check_freq(f64::INFINITY).is_err());
        assert!(check_points(20_000, 3).is_ok() && check_points(20_001, 3).is_err());
        assert!(check_points(2, 3).is_err());
        assert!(check_picture_size(65535, 1024).is_ok() && check_picture_size(8192, 8192).is_ok());
        assert!(check_picture_size(8192, 8193).is_err());
        assert!(check_picture_size(65535, 65535).is_err() && check_picture_size(0, 10).is_err());
    }

    #[test]
    fn denoise_windows_are_bounded_in_cells_of_the_stft() {
        // hop 512 at 48 kHz: 256 hops is 2.73 s, 256 bins 6000 Hz.
        let (hop_s, bin_hz) = (512.0 / 48000.0, 48000.0 / 2048.0);
        assert!(check_denoise_windows(Some(2.7), Some(6000.0), Some(40.0), hop_s, bin_hz, 1025).is_ok());
        assert!(check_denoise_windows(Some(2.8), None, None, hop_s, bin_hz, 1025).is_err());
        assert!(check_denoise_windows(None, Some(6100.0), None, hop_s, bin_hz, 1025).is_err());
        assert!(check_denoise_windows(Some(1e6), None, None, hop_s, bin_hz, 1025).is_err());
        assert!(check_denoise_windows(None, Some(1e308), None, hop_s, bin_hz, 1025).is_err());
        assert!(check_denoise_windows(None, None, Some(1e308), hop_s, bin_hz, 1025).is_err());
        // 2^22 cells / 1025 bins = 4092 hops of reach: an 85 s window fits, 90 s does not.
        assert!(check_denoise_windows(None, None, Some(85.0), hop_s, bin_hz, 1025).is_ok());
        assert!(check_denoise_windows(None, None, Some(90.0), hop_s, bin_hz, 1025).is_err());
    }
}
