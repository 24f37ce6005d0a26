//! The signal core: STFT and its inverse by range, windows, levels, frequency scales and colour
//! maps. Depends on no UI or audio crate, so the CLI, the tests and the benches use it directly.

pub mod colormap;
mod colormap_tables;
pub mod declick;
pub mod dehum;
pub mod fft;
pub mod harmonics;
pub mod levels;
pub mod limits;
pub mod phase;
pub mod progress;
pub mod raster;
pub mod repair;
pub mod scale;
pub mod source;
pub mod stft;
pub mod voice;
pub mod window;

pub use colormap::Colormap;
pub use fft::{Scratch, StftSample};
pub use progress::{Cancelled, Progress};
pub use rustfft::num_complex::Complex32;
pub use scale::FreqScale;
pub use source::{MemorySource, ReadSamples, SampleSource};
pub use stft::{Convention, Spectrogram, Stft, StftError, StftParams};
pub use window::WindowKind;
