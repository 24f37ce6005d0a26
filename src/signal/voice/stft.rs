//! The model's STFT: frames of `2 * hop` samples with a Vorbis window, hop `hop`, a frame
//! starting one hop before its hop of new samples (zeros before the start), spectra scaled
//! by `2 hop / len²` on analysis; synthesis windows again and overlap-adds (the squared
//! Vorbis window sums to 1 at half overlap, so analysis then synthesis is the identity).

use crate::signal::Complex32;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use std::sync::Arc;

/// The Vorbis window `sin(π/2 · sin²(π (n + ½) / len))`.
pub fn vorbis_window(len: usize) -> Vec<f32> {
    let half = (len / 2) as f64;
    (0..len)
        .map(|n| {
            let s = (0.5 * std::f64::consts::PI * (n as f64 + 0.5) / half).sin();
            (0.5 * std::f64::consts::PI * s * s).sin() as f32
        })
        .collect()
}

/// Analysis and synthesis at the model's frame and hop.
pub struct VoiceStft {
    hop_samples: usize,
    window: Vec<f32>,
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
}

impl VoiceStft {
    /// Plans the transforms for a hop of `hop_samples` (frames twice as long).
    pub fn new(hop_samples: usize) -> VoiceStft {
        let len = 2 * hop_samples;
        let mut planner = RealFftPlanner::<f32>::new();
        VoiceStft {
            hop_samples,
            window: vorbis_window(len),
            forward: planner.plan_fft_forward(len),
            inverse: planner.plan_fft_inverse(len),
        }
    }

    /// Number of bins per frame.
    pub fn bins(&self) -> usize {
        self.hop_samples + 1
    }

    /// The spectra of `frames` frames of `samples` (zeros outside it), frame `t` covering
    /// samples `(t - 1) hop .. (t + 1) hop`, as one frame-major buffer of `frames * bins()`.
    pub fn analyse(&self, samples: &[f32], frames: usize) -> Vec<Complex32> {
        let hop = self.hop_samples;
        let len = 2 * hop;
        let bins = self.bins();
        let norm = 2.0 * hop as f32 / (len * len) as f32;
        let mut out = vec![Complex32::new(0.0, 0.0); frames * bins];
        let mut buf = self.forward.make_input_vec();
        let mut scratch = self.forward.make_scratch_vec();
        for (t, spectrum) in out.chunks_exact_mut(bins).enumerate() {
            for (n, (x, &w)) in buf.iter_mut().zip(&self.window).enumerate() {
                let i = (t * hop + n).checked_sub(hop);
                *x = i.and_then(|i| samples.get(i)).map_or(0.0, |&s| s * w);
            }
            // Lengths match the plan, so the transform cannot fail.
            let _ = self
                .forward
                .process_with_scratch(&mut buf, spectrum, &mut scratch);
            for c in spectrum.iter_mut() {
                *c *= norm;
            }
        }
        out
    }

    /// Overlap-adds the frames of `spectra` (frame-major, as [`Self::analyse`] lays them out)
    /// into `len_samples` samples.
    pub fn synthesise(&self, spectra: &[Complex32], len_samples: usize) -> Vec<f32> {
        let hop = self.hop_samples;
        let bins = self.bins();
        let mut out = vec![0.0f32; len_samples];
        let mut spectrum = self.inverse.make_input_vec();
        let mut frame = self.inverse.make_output_vec();
        let mut scratch = self.inverse.make_scratch_vec();
        for (t, input) in spectra.chunks_exact(bins).enumerate() {
            spectrum.copy_from_slice(input);
            // A real signal's DC and Nyquist bins are real; the inverse ignores their
            // imaginary parts (as libDF's does), so they are cleared rather than rejected.
            spectrum[0].im = 0.0;
            spectrum[bins - 1].im = 0.0;
            let _ = self
                .inverse
                .process_with_scratch(&mut spectrum, &mut frame, &mut scratch);
            for (n, (&x, &w)) in frame.iter().zip(&self.window).enumerate() {
                if let Some(i) = (t * hop + n).checked_sub(hop)
                    && let Some(o) = out.get_mut(i)
                {
                    *o += x * w;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analysis_then_synthesis_is_the_identity() {
        let hop = 480;
        let x: Vec<f32> = (0..5000)
            .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
            .collect();
        let stft = VoiceStft::new(hop);
        let frames = x.len().div_ceil(hop) + 1;
        let y = stft.synthesise(&stft.analyse(&x, frames), x.len());
        let err = x.iter().zip(&y).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(err < 1e-5, "{err}");
    }
}
