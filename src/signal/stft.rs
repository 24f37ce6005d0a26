//! Short-time Fourier transform and its least-squares inverse, by frame range.
//!
//! Framing follows scipy and librosa (centred frames): frame `k` covers the samples
//! `k·hop − fft_len/2 .. k·hop − fft_len/2 + fft_len`, samples outside the signal read as zero.
//! Every function works on an arbitrary range of frames or samples, and whole-signal processing
//! is the same code run over the full range, so a range gives results bit-identical to the
//! whole file. That is what lets the editor preview an edit on a few seconds of an hour-long
//! recording without touching the rest.
//!
//! Internally spectra are the *unnormalised* DFT of the windowed frame ("raw"); the
//! [`Convention`] decides the scale presented to users.

use std::ops::Range;

use rayon::prelude::*;
use rustfft::num_complex::Complex32;
use serde::{Deserialize, Serialize};

use super::fft::{Scratch, StftSample};
use super::window::WindowKind;

pub use super::limits::{MAX_FFT_LEN, MIN_FFT_LEN};

/// STFT geometry: FFT (and window) length, hop and window shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StftParams {
    /// FFT length in samples, equal to the window length.
    pub fft_len: usize,
    /// Hop between frames in samples.
    pub hop: usize,
    /// Window shape.
    pub window: WindowKind,
}

impl StftParams {
    /// `fft_len` with the usual hop of a quarter frame and a Hann window.
    pub fn with_fft(fft_len: usize) -> Self {
        StftParams {
            fft_len,
            hop: (fft_len / 4).max(1),
            window: WindowKind::Hann,
        }
    }
}

impl Default for StftParams {
    fn default() -> Self {
        StftParams::with_fft(2048)
    }
}

/// Whose numbers the STFT reproduces: frame count and spectrum scale.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Convention {
    /// `scipy.signal.stft(boundary='zeros', padded=True, scaling='spectrum')`: spectrum divided
    /// by the window sum, frames until the zero-padded end. Spectro's own convention.
    #[default]
    Scipy,
    /// `librosa.stft(center=True, pad_mode='constant')`: unscaled, `1 + len/hop` frames.
    Librosa,
}

/// Why an STFT cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StftError {
    /// FFT length outside 16..=65536.
    #[error("FFT length {fft_len} is outside {MIN_FFT_LEN}..={MAX_FFT_LEN}")]
    FftLen {
        /// The rejected length.
        fft_len: usize,
    },
    /// Hop of zero or longer than the frame.
    #[error("hop {hop} must be between 1 and the FFT length {fft_len}")]
    Hop {
        /// The rejected hop.
        hop: usize,
        /// The FFT length.
        fft_len: usize,
    },
    /// So small a hop for so long an FFT that the frames overlapping one sample would not fit in
    /// memory (see [`super::limits::MAX_OVERLAP_CELLS`]).
    #[error(
        "hop {hop} overlaps {} frames of {fft_len} samples on every sample; with this FFT the hop must be at least {min_hop}",
        fft_len.div_ceil(*hop)
    )]
    Overlap {
        /// The rejected hop.
        hop: usize,
        /// The FFT length.
        fft_len: usize,
        /// The smallest hop allowed.
        min_hop: usize,
    },
    /// Some samples would be covered by no window (or almost none): the signal could not be
    /// rebuilt from its STFT.
    #[error(
        "hop {hop} breaks the overlap-add condition for a {window} window of {fft_len} samples \
         (some samples get almost no window weight); use a hop of at most {suggested}"
    )]
    OverlapAdd {
        /// The rejected hop.
        hop: usize,
        /// The FFT length.
        fft_len: usize,
        /// The window.
        window: WindowKind,
        /// A hop that works.
        suggested: usize,
    },
}

/// A block of STFT frames: `frames × bins` values, frame-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Spectrogram {
    /// Bins per frame.
    pub bins: usize,
    /// Number of frames.
    pub frames: usize,
    /// `data[frame * bins + bin]`.
    pub data: Vec<Complex32>,
}

impl Spectrogram {
    /// A zero spectrogram.
    pub fn zeros(frames: usize, bins: usize) -> Self {
        Spectrogram {
            bins,
            frames,
            data: vec![Complex32::default(); frames * bins],
        }
    }

    /// The bins of one frame.
    pub fn frame(&self, frame: usize) -> &[Complex32] {
        &self.data[frame * self.bins..(frame + 1) * self.bins]
    }

    /// The bins of one frame, mutably.
    pub fn frame_mut(&mut self, frame: usize) -> &mut [Complex32] {
        &mut self.data[frame * self.bins..(frame + 1) * self.bins]
    }
}

/// Samples per parallel task of the inverse: large enough that the frames recomputed at block
/// edges (about `fft_len / INVERSE_BLOCK` of the work) cost little.
const INVERSE_BLOCK_MIN: usize = 1 << 15;
/// Frames per parallel task of the forward transform.
const FORWARD_FRAMES_PER_TASK: usize = 16;
/// Below this window-sum-square the inverse does not divide (scipy's rule).
pub(crate) const WSS_FLOOR: f32 = 1e-10;
/// Relative window-sum-square below which a hop is rejected: samples that get this little
/// window weight are rebuilt from almost nothing.
const NOLA_RELATIVE_FLOOR: f64 = 1e-6;

/// An STFT plan: window, FFT plans and overlap-add normalisation, built once and reused.
pub struct Stft<T: StftSample> {
    params: StftParams,
    convention: Convention,
    window: Vec<f32>,
    window_sum: f64,
    plans: T::Plans,
    /// Window-sum-square for samples covered by a full set of frames, indexed by
    /// `(n + fft_len/2) mod hop`.
    wss_period: Vec<f32>,
    /// `1 / wss_period`, computed as the slow path computes it.
    inv_wss_period: Vec<f32>,
}

impl StftParams {
    /// Checks the lengths (see [`super::limits`]) and the overlap-add condition, without
    /// planning any FFT.
    pub fn validate(&self) -> Result<(), StftError> {
        self.checked_window().map(|_| ())
    }

    /// The window's coefficients and window-sum-square period, once the parameters are checked.
    fn checked_window(&self) -> Result<(Vec<f32>, Vec<f64>), StftError> {
        let StftParams {
            fft_len,
            hop,
            window: kind,
        } = *self;
        if !(MIN_FFT_LEN..=MAX_FFT_LEN).contains(&fft_len) {
            return Err(StftError::FftLen { fft_len });
        }
        if hop == 0 || hop > fft_len {
            return Err(StftError::Hop { hop, fft_len });
        }
        let min_hop = super::limits::min_hop(fft_len);
        if hop < min_hop {
            return Err(StftError::Overlap {
                hop,
                fft_len,
                min_hop,
            });
        }
        let window = kind.coefficients(fft_len);
        let period = wss_period(&window, hop);
        if !satisfies_nola(&period) {
            // Halving from half a frame finds a working hop in a few tries for every window.
            let suggested = std::iter::successors(Some(fft_len / 2), |&h| (h > 1).then_some(h / 2))
                .find(|&h| satisfies_nola(&wss_period(&window, h)))
                .unwrap_or(1);
            return Err(StftError::OverlapAdd {
                hop,
                fft_len,
                window: kind,
                suggested,
            });
        }
        Ok((window, period))
    }
}

impl<T: StftSample> Stft<T> {
    /// Plans an STFT, checking the length and the overlap-add condition.
    pub fn new(params: StftParams, convention: Convention) -> Result<Self, StftError> {
        let (window, period) = params.checked_window()?;
        let fft_len = params.fft_len;
        let window_sum = window.iter().map(|&w| w as f64).sum();
        Ok(Stft {
            params,
            convention,
            window,
            window_sum,
            plans: T::plan(fft_len),
            wss_period: period.iter().map(|&v| v as f32).collect(),
            inv_wss_period: period.iter().map(|&v| 1.0 / v as f32).collect(),
        })
    }

    /// The geometry this plan was built for.
    pub fn params(&self) -> StftParams {
        self.params
    }

    /// FFT length.
    pub fn fft_len(&self) -> usize {
        self.params.fft_len
    }

    /// Hop in samples.
    pub fn hop(&self) -> usize {
        self.params.hop
    }

    /// The convention the frame count and [`Stft::scale`] follow.
    pub fn convention(&self) -> Convention {
        self.convention
    }

    /// Bins per frame: `fft_len/2 + 1` for real signals, `fft_len` for complex ones.
    pub fn bins(&self) -> usize {
        T::bins(self.params.fft_len)
    }

    /// The window coefficients.
    pub fn window(&self) -> &[f32] {
        &self.window
    }

    /// Σw, the window's coherent gain times its length.
    pub fn window_sum(&self) -> f64 {
        self.window_sum
    }

    /// Factor from raw spectra to the convention's scale (1/Σw for scipy, 1 for librosa).
    pub fn scale(&self) -> f32 {
        match self.convention {
            Convention::Scipy => (1.0 / self.window_sum) as f32,
            Convention::Librosa => 1.0,
        }
    }

    /// Raw magnitude of a full-scale sinusoid at a bin centre: the 0 dBFS reference.
    ///
    /// A real sine of amplitude 1 puts Σw/2 in its bin, a complex exponential Σw.
    pub fn full_scale_magnitude(&self) -> f32 {
        if T::IS_COMPLEX {
            self.window_sum as f32
        } else {
            (self.window_sum / 2.0) as f32
        }
    }

    /// Number of frames for a signal of `len` samples under this plan's convention.
    pub fn num_frames(&self, len: u64) -> usize {
        let n = self.params.fft_len as u64;
        let hop = self.params.hop as u64;
        // Length of the centred, zero-padded signal minus one frame.
        let span = len + 2 * (n / 2) - n;
        let frames = match self.convention {
            Convention::Scipy => span.div_ceil(hop) + 1,
            Convention::Librosa => span / hop + 1,
        };
        frames as usize
    }

    /// First sample of frame `k` (negative for frames reaching into the leading padding).
    pub fn frame_start(&self, frame: usize) -> i64 {
        frame as i64 * self.params.hop as i64 - (self.params.fft_len / 2) as i64
    }

    /// Time of frame `k`'s centre, in samples.
    pub fn frame_center(&self, frame: usize) -> i64 {
        frame as i64 * self.params.hop as i64
    }

    /// The samples the frames `frames` read.
    pub fn frames_span(&self, frames: Range<usize>) -> Range<i64> {
        if frames.is_empty() {
            let s = self.frame_start(frames.start);
            return s..s;
        }
        self.frame_start(frames.start)..self.frame_start(frames.end - 1) + self.params.fft_len as i64
    }

    /// The frames (among `0..total_frames`) whose window overlaps `samples`.
    pub fn frames_touching(&self, samples: Range<i64>, total_frames: usize) -> Range<usize> {
        if samples.is_empty() {
            return 0..0;
        }
        let n = self.params.fft_len as i64;
        let hop = self.params.hop as i64;
        let pad = n / 2;
        // Frame k overlaps sample s iff k·hop − pad ≤ s < k·hop − pad + n.
        let first = (samples.start + pad - n + 1).div_euclid(hop)
            + i64::from((samples.start + pad - n + 1).rem_euclid(hop) != 0);
        let last = (samples.end - 1 + pad).div_euclid(hop);
        let first = first.clamp(0, total_frames as i64) as usize;
        let end = (last + 1).clamp(0, total_frames as i64) as usize;
        first..end.max(first)
    }

    /// Frequency of bin `bin` in Hz: `bin·fs/N` for real signals; for complex signals in
    /// FFT order (`0 … fs/2`, then `−fs/2 … −fs/N`), like numpy's `fftfreq`.
    pub fn bin_freq_hz(&self, bin: usize, sample_rate: f64) -> f64 {
        bin_freq_hz(bin, self.params.fft_len, T::IS_COMPLEX, sample_rate)
    }

    /// Buffers for one worker.
    pub fn scratch(&self) -> Scratch<T> {
        Scratch {
            time: vec![T::default(); self.params.fft_len],
            spectrum: vec![Complex32::default(); self.bins()],
            fft: vec![Complex32::default(); T::scratch_len(&self.plans)],
        }
    }

    /// Raw spectrum of one frame: window `frame` (`fft_len` samples) and transform into `out`.
    pub fn analyse_frame(&self, frame: &[T], out: &mut [Complex32], scratch: &mut Scratch<T>) {
        for ((t, &x), &w) in scratch.time.iter_mut().zip(frame).zip(&self.window) {
            *t = x * w;
        }
        T::forward(&self.plans, &mut scratch.time, out, &mut scratch.fft);
    }

    /// Windowed time-domain contribution of one raw spectrum, left in `scratch.time`:
    /// `w · IDFT(spectrum)`, ready to overlap-add.
    pub fn synthesise_frame(&self, spectrum: &[Complex32], scratch: &mut Scratch<T>) {
        scratch.spectrum.copy_from_slice(spectrum);
        self.synthesise_scratch(scratch);
    }

    /// As [`Stft::synthesise_frame`], for a spectrum already placed in `scratch.spectrum`.
    pub fn synthesise_scratch(&self, scratch: &mut Scratch<T>) {
        T::inverse(
            &self.plans,
            &mut scratch.spectrum,
            &mut scratch.time,
            &mut scratch.fft,
        );
        let inv_n = 1.0 / self.params.fft_len as f32;
        for (t, &w) in scratch.time.iter_mut().zip(&self.window) {
            *t = *t * (w * inv_n);
        }
    }

    /// Raw spectra of `frames` into `out` (`frames.len() × bins`), in parallel.
    ///
    /// `input[i]` is sample `input_start + i`; it must cover [`Stft::frames_span`]`(frames)`,
    /// with zeros wherever the signal does not exist.
    pub fn forward(&self, input: &[T], input_start: i64, frames: Range<usize>, out: &mut [Complex32]) {
        let bins = self.bins();
        let n = self.params.fft_len;
        let span = self.frames_span(frames.clone());
        assert!(
            span.start >= input_start && span.end <= input_start + input.len() as i64,
            "input does not cover the requested frames"
        );
        assert_eq!(out.len(), frames.len() * bins);
        out.par_chunks_mut(bins * FORWARD_FRAMES_PER_TASK)
            .enumerate()
            .for_each_init(
                || self.scratch(),
                |scratch, (task, chunk)| {
                    for (i, spectrum) in chunk.chunks_exact_mut(bins).enumerate() {
                        let k = frames.start + task * FORWARD_FRAMES_PER_TASK + i;
                        let at = (self.frame_start(k) - input_start) as usize;
                        self.analyse_frame(&input[at..at + n], spectrum, scratch);
                    }
                },
            );
    }

    /// Window-sum-square at sample `n` given `total_frames` frames: the overlap-add normaliser.
    pub fn wss(&self, n: i64, total_frames: usize) -> f32 {
        let len = self.params.fft_len as i64;
        let hop = self.params.hop as i64;
        let full_first =
            (n + len / 2 - len + 1).div_euclid(hop) + i64::from((n + len / 2 - len + 1).rem_euclid(hop) != 0);
        let full_last = (n + len / 2).div_euclid(hop);
        if full_first >= 0 && full_last < total_frames as i64 {
            return self.wss_period[(n + len / 2).rem_euclid(hop) as usize];
        }
        // Near the ends fewer frames exist: sum what is there.
        let mut sum = 0.0f64;
        for k in self.frames_touching(n..n + 1, total_frames) {
            let w = self.window[(n - self.frame_start(k)) as usize] as f64;
            sum += w * w;
        }
        sum as f32
    }

    /// Least-squares inverse of raw spectra into `out`, samples `out_start ..`.
    ///
    /// `spectrum` holds the frames `frames`; they must include every frame (of
    /// `0..total_frames`) that overlaps the output. Each sample's frames are summed in
    /// ascending order, so any split of the work gives bit-identical output.
    pub fn inverse(
        &self,
        spectrum: &[Complex32],
        frames: Range<usize>,
        total_frames: usize,
        out_start: i64,
        out: &mut [T],
    ) {
        let bins = self.bins();
        assert_eq!(spectrum.len(), frames.len() * bins);
        let needed = self.frames_touching(out_start..out_start + out.len() as i64, total_frames);
        assert!(
            needed.is_empty() || (frames.start <= needed.start && needed.end <= frames.end),
            "spectrum frames {frames:?} do not cover the frames {needed:?} of the output"
        );
        let block = INVERSE_BLOCK_MIN.max(8 * self.params.fft_len);
        out.par_chunks_mut(block).enumerate().for_each_init(
            || self.scratch(),
            |scratch, (b, chunk)| {
                let start = out_start + (b * block) as i64;
                chunk.fill(T::default());
                for k in self.frames_touching(start..start + chunk.len() as i64, total_frames) {
                    let rel = k - frames.start;
                    self.synthesise_frame(&spectrum[rel * bins..(rel + 1) * bins], scratch);
                    overlap_add(chunk, start, &scratch.time, self.frame_start(k));
                }
                self.normalise(chunk, start, total_frames);
            },
        );
    }

    /// Divides overlap-added samples by the window-sum-square, where it is not negligible.
    pub fn normalise(&self, out: &mut [T], out_start: i64, total_frames: usize) {
        let len = self.params.fft_len as i64;
        let hop = self.params.hop as i64;
        let pad = len / 2;
        // Samples in `interior` are covered by a full set of frames: their normaliser repeats
        // with period `hop` (see `wss`), so walk the precomputed reciprocals.
        let interior = (len - pad - hop).max(out_start)
            ..(total_frames as i64 * hop - pad).min(out_start + out.len() as i64);
        for (i, y) in out.iter_mut().enumerate() {
            let n = out_start + i as i64;
            if n == interior.start && !interior.is_empty() {
                break;
            }
            let wss = self.wss(n, total_frames);
            if wss > WSS_FLOOR {
                *y = *y * (1.0 / wss);
            }
        }
        if interior.is_empty() {
            return;
        }
        let mut phase = (interior.start + pad).rem_euclid(hop) as usize;
        let first = (interior.start - out_start) as usize;
        let last = (interior.end - out_start) as usize;
        for y in &mut out[first..last] {
            *y = *y * self.inv_wss_period[phase];
            phase += 1;
            if phase == self.params.hop {
                phase = 0;
            }
        }
        for (i, y) in out.iter_mut().enumerate().skip(last) {
            let wss = self.wss(out_start + i as i64, total_frames);
            if wss > WSS_FLOOR {
                *y = *y * (1.0 / wss);
            }
        }
    }

    /// Whole-signal STFT in this convention's scale.
    pub fn stft(&self, signal: &[T]) -> Spectrogram {
        let frames = self.num_frames(signal.len() as u64);
        let span = self.frames_span(0..frames);
        let padded = pad_signal(signal, span.clone());
        let mut spec = Spectrogram::zeros(frames, self.bins());
        self.forward(&padded, span.start, 0..frames, &mut spec.data);
        let scale = self.scale();
        if scale != 1.0 {
            spec.data.par_iter_mut().for_each(|c| *c *= scale);
        }
        spec
    }

    /// Whole-signal inverse of a spectrogram in this convention's scale, `len` samples long.
    pub fn istft(&self, spec: &Spectrogram, len: usize) -> Vec<T> {
        assert_eq!(spec.bins, self.bins());
        let scale = self.scale();
        let raw: Vec<Complex32> = if scale != 1.0 {
            spec.data.par_iter().map(|&c| c * (1.0 / scale)).collect()
        } else {
            spec.data.clone()
        };
        let mut out = vec![T::default(); len];
        self.inverse(&raw, 0..spec.frames, spec.frames, 0, &mut out);
        out
    }
}

/// Frequency of FFT bin `bin` in Hz: `bin·fs/N`, and for two-sided (complex) spectra negative
/// in the upper half, like numpy's `fftfreq`.
pub fn bin_freq_hz(bin: usize, fft_len: usize, complex: bool, sample_rate: f64) -> f64 {
    let signed = if complex && bin >= fft_len.div_ceil(2) {
        bin as f64 - fft_len as f64
    } else {
        bin as f64
    };
    signed * sample_rate / fft_len as f64
}

/// Adds `frame` (starting at sample `frame_start`) into `out` (starting at `out_start`).
pub fn overlap_add<T: StftSample>(out: &mut [T], out_start: i64, frame: &[T], frame_start: i64) {
    let lo = out_start.max(frame_start);
    let hi = (out_start + out.len() as i64).min(frame_start + frame.len() as i64);
    if lo >= hi {
        return;
    }
    let o = &mut out[(lo - out_start) as usize..(hi - out_start) as usize];
    let f = &frame[(lo - frame_start) as usize..(hi - frame_start) as usize];
    for (y, &x) in o.iter_mut().zip(f) {
        *y += x;
    }
}

/// Copies `signal` into a buffer covering `span`, zero outside the signal.
pub fn pad_signal<T: StftSample>(signal: &[T], span: Range<i64>) -> Vec<T> {
    let mut out = vec![T::default(); (span.end - span.start).max(0) as usize];
    let lo = span.start.max(0);
    let hi = span.end.min(signal.len() as i64);
    if lo < hi {
        out[(lo - span.start) as usize..(hi - span.start) as usize]
            .copy_from_slice(&signal[lo as usize..hi as usize]);
    }
    out
}

fn wss_period(window: &[f32], hop: usize) -> Vec<f64> {
    (0..hop)
        .map(|r| {
            window[r..]
                .iter()
                .step_by(hop)
                .map(|&w| (w as f64) * (w as f64))
                .sum()
        })
        .collect()
}

fn satisfies_nola(period: &[f64]) -> bool {
    let max = period.iter().cloned().fold(0.0, f64::max);
    let min = period.iter().cloned().fold(f64::INFINITY, f64::min);
    max > 0.0 && min >= NOLA_RELATIVE_FLOOR * max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_counts_follow_scipy_and_librosa() {
        let p = StftParams {
            fft_len: 256,
            hop: 64,
            window: WindowKind::Hann,
        };
        let s = Stft::<f32>::new(p, Convention::Scipy).unwrap();
        let l = Stft::<f32>::new(p, Convention::Librosa).unwrap();
        // scipy: ceil(1000/64) + 1; librosa: 1 + 1000 // 64.
        assert_eq!(s.num_frames(1000), 17);
        assert_eq!(l.num_frames(1000), 16);
        assert_eq!(s.num_frames(1024), 17);
        assert_eq!(l.num_frames(1024), 17);
    }

    #[test]
    fn hop_that_leaves_gaps_is_rejected() {
        let p = StftParams {
            fft_len: 1024,
            hop: 1024,
            window: WindowKind::Hann,
        };
        let err = Stft::<f32>::new(p, Convention::Scipy).err().unwrap();
        assert!(matches!(err, StftError::OverlapAdd { .. }), "{err}");
        // A rectangular window tiles without overlap.
        let rect = StftParams {
            window: WindowKind::Rectangular,
            ..p
        };
        assert!(Stft::<f32>::new(rect, Convention::Scipy).is_ok());
    }

    #[test]
    fn frames_touching_is_exact() {
        let p = StftParams {
            fft_len: 100,
            hop: 30,
            window: WindowKind::Hann,
        };
        let s = Stft::<f32>::new(p, Convention::Scipy).unwrap();
        let total = 50;
        for a in -120..200i64 {
            for len in [1i64, 7, 45] {
                let r = s.frames_touching(a..a + len, total);
                for k in 0..total {
                    let st = s.frame_start(k);
                    let overlaps = st < a + len && a < st + 100;
                    assert_eq!(r.contains(&k), overlaps, "a={a} len={len} k={k}");
                }
            }
        }
    }
}
