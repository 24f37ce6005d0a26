//! The two kinds of samples an STFT runs on, real audio and complex IQ, and their FFT plans.
//!
//! Plans are built once per [`Stft`](super::Stft) and shared between threads; every worker owns
//! a [`Scratch`] so no transform allocates after start-up.

use std::ops::{AddAssign, Mul, Sub};
use std::sync::Arc;

use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rustfft::num_complex::Complex32;
use rustfft::{Fft, FftPlanner};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for rustfft::num_complex::Complex32 {}
}

/// A sample type the STFT can analyse: `f32` for real audio, [`Complex32`] for IQ.
///
/// Sealed: the STFT's correctness depends on exactly these two implementations.
pub trait StftSample:
    Copy
    + Default
    + Send
    + Sync
    + PartialEq
    + std::fmt::Debug
    + 'static
    + Mul<f32, Output = Self>
    + AddAssign
    + Sub<Output = Self>
    + sealed::Sealed
{
    /// True for complex (two-sided) signals.
    const IS_COMPLEX: bool;

    /// The FFT plans for one length.
    #[doc(hidden)]
    type Plans: Send + Sync;

    /// Number of frequency bins an FFT of `fft_len` samples yields for this sample type.
    fn bins(fft_len: usize) -> usize {
        if Self::IS_COMPLEX {
            fft_len
        } else {
            fft_len / 2 + 1
        }
    }

    /// `|x|²`, for energy measurements.
    fn norm_sqr(self) -> f32;

    /// The sample with real part `re` and imaginary part `im` (dropped for real samples).
    fn from_parts(re: f32, im: f32) -> Self;

    #[doc(hidden)]
    fn plan(fft_len: usize) -> Self::Plans;

    #[doc(hidden)]
    fn scratch_len(plans: &Self::Plans) -> usize;

    /// Unnormalised forward DFT of `time` (clobbered) into `out`.
    #[doc(hidden)]
    fn forward(plans: &Self::Plans, time: &mut [Self], out: &mut [Complex32], fft: &mut [Complex32]);

    /// Unnormalised inverse DFT of `spectrum` (clobbered) into `time`.
    #[doc(hidden)]
    fn inverse(plans: &Self::Plans, spectrum: &mut [Complex32], time: &mut [Self], fft: &mut [Complex32]);
}

#[doc(hidden)]
pub struct RealPlans {
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
    even: bool,
}

#[doc(hidden)]
pub struct ComplexPlans {
    forward: Arc<dyn Fft<f32>>,
    inverse: Arc<dyn Fft<f32>>,
}

impl StftSample for f32 {
    const IS_COMPLEX: bool = false;
    type Plans = RealPlans;

    fn norm_sqr(self) -> f32 {
        self * self
    }

    fn from_parts(re: f32, _im: f32) -> f32 {
        re
    }

    fn plan(fft_len: usize) -> RealPlans {
        let mut planner = RealFftPlanner::<f32>::new();
        RealPlans {
            forward: planner.plan_fft_forward(fft_len),
            inverse: planner.plan_fft_inverse(fft_len),
            even: fft_len.is_multiple_of(2),
        }
    }

    fn scratch_len(plans: &RealPlans) -> usize {
        plans
            .forward
            .get_scratch_len()
            .max(plans.inverse.get_scratch_len())
    }

    fn forward(plans: &RealPlans, time: &mut [f32], out: &mut [Complex32], fft: &mut [Complex32]) {
        // Buffer lengths are fixed when the scratch is made, so this cannot fail.
        let _ = plans.forward.process_with_scratch(time, out, fft);
    }

    fn inverse(plans: &RealPlans, spectrum: &mut [Complex32], time: &mut [f32], fft: &mut [Complex32]) {
        // A modified spectrum may carry imaginary parts at DC and Nyquist, which realfft
        // rejects; a real signal has none there, so dropping them is the projection we want.
        spectrum[0].im = 0.0;
        if plans.even {
            let last = spectrum.len() - 1;
            spectrum[last].im = 0.0;
        }
        let _ = plans.inverse.process_with_scratch(spectrum, time, fft);
    }
}

impl StftSample for Complex32 {
    const IS_COMPLEX: bool = true;
    type Plans = ComplexPlans;

    fn norm_sqr(self) -> f32 {
        Complex32::norm_sqr(&self)
    }

    fn from_parts(re: f32, im: f32) -> Complex32 {
        Complex32::new(re, im)
    }

    fn plan(fft_len: usize) -> ComplexPlans {
        let mut planner = FftPlanner::<f32>::new();
        ComplexPlans {
            forward: planner.plan_fft_forward(fft_len),
            inverse: planner.plan_fft_inverse(fft_len),
        }
    }

    fn scratch_len(plans: &ComplexPlans) -> usize {
        plans
            .forward
            .get_inplace_scratch_len()
            .max(plans.inverse.get_inplace_scratch_len())
    }

    fn forward(plans: &ComplexPlans, time: &mut [Complex32], out: &mut [Complex32], fft: &mut [Complex32]) {
        out.copy_from_slice(time);
        plans.forward.process_with_scratch(out, fft);
    }

    fn inverse(
        plans: &ComplexPlans,
        spectrum: &mut [Complex32],
        time: &mut [Complex32],
        fft: &mut [Complex32],
    ) {
        time.copy_from_slice(spectrum);
        plans.inverse.process_with_scratch(time, fft);
    }
}

/// Per-worker buffers for one FFT length; allocated once, reused for every frame.
pub struct Scratch<T> {
    /// A time-domain frame of `fft_len` samples.
    pub time: Vec<T>,
    /// A spectrum of `bins` values.
    pub spectrum: Vec<Complex32>,
    pub(crate) fft: Vec<Complex32>,
}
