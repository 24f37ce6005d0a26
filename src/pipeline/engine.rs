//! Real or complex, decided once: the STFT plan for a recording's sample type.
//!
//! Real audio and complex IQ go through the same code, generic over the sample type; this enum
//! holds the one plan a recording needs, and [`with_stft!`](crate::with_stft) runs generic code
//! on it, so no caller spells out `if complex { Stft::<Complex32> } else { Stft::<f32> }`.

use std::sync::Arc;

use rustfft::num_complex::Complex32;

use crate::edit::Grid;
use crate::signal::{Convention, SampleSource, Stft, StftError, StftParams};

/// The STFT plan (scipy convention) of a real or a complex recording.
#[derive(Clone)]
pub enum Engine {
    /// Real audio.
    Real(Arc<Stft<f32>>),
    /// Complex IQ.
    Complex(Arc<Stft<Complex32>>),
}

impl Engine {
    /// A plan for `params`, complex when `complex`.
    pub fn new(complex: bool, params: StftParams) -> Result<Self, StftError> {
        Ok(if complex {
            Engine::Complex(Arc::new(Stft::new(params, Convention::Scipy)?))
        } else {
            Engine::Real(Arc::new(Stft::new(params, Convention::Scipy)?))
        })
    }

    /// A plan for `params` matching `source`'s sample type.
    pub fn for_source(source: &dyn SampleSource, params: StftParams) -> Result<Self, StftError> {
        Self::new(source.is_complex(), params)
    }

    /// The plan's settings.
    pub fn params(&self) -> StftParams {
        crate::with_stft!(self, stft => stft.params())
    }

    /// True for complex IQ.
    pub fn is_complex(&self) -> bool {
        matches!(self, Engine::Complex(_))
    }

    /// STFT frame count of a recording of `len` samples per channel.
    pub fn num_frames(&self, len: u64) -> usize {
        crate::with_stft!(self, stft => stft.num_frames(len))
    }

    /// The grid this plan puts on a recording at `sample_rate`.
    pub fn grid(&self, sample_rate: f64) -> Grid {
        let params = self.params();
        Grid {
            sample_rate,
            fft_len: params.fft_len,
            hop: params.hop,
            complex: self.is_complex(),
        }
    }
}

/// Evaluates `$body` with `$stft` bound to the [`Engine`]'s typed plan (`&Arc<Stft<T>>`, `T`
/// being `f32` or `Complex32`): the one place real and complex part ways.
#[macro_export]
macro_rules! with_stft {
    ($engine:expr, $stft:ident => $body:expr) => {
        match $engine {
            $crate::pipeline::engine::Engine::Real($stft) => $body,
            $crate::pipeline::engine::Engine::Complex($stft) => $body,
        }
    };
}
