//! The deep filter: each low bin of a frame becomes a complex FIR over that bin in the
//! neighbouring frames (`order` taps, `lookahead` of them in the future), with per-frame
//! coefficients from `df_dec`.

use crate::signal::Complex32;

/// Writes into `out[..df_bins]` the filtered low bins of the frame the taps centre on.
/// `frames[n]` is the noisy spectrum of tap `n` (oldest first; `None` before the start),
/// `coefs` the frame's coefficients laid out bin-major as `[bin][tap][re, im]`.
pub fn apply_deep_filter(
    frames: &[Option<&[Complex32]>],
    coefs: &[f32],
    df_bins: usize,
    out: &mut [Complex32],
) {
    let order = frames.len();
    for (bin, o) in out.iter_mut().take(df_bins).enumerate() {
        let mut acc = Complex32::new(0.0, 0.0);
        for (tap, frame) in frames.iter().enumerate() {
            if let Some(frame) = frame {
                let k = 2 * (bin * order + tap);
                acc += frame[bin] * Complex32::new(coefs[k], coefs[k + 1]);
            }
        }
        *o = acc;
    }
}
