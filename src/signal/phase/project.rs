//! The projection onto consistent spectrograms, `P1(C) = STFT(ISTFT(C))`, fused and run in
//! parallel over blocks of frames.
//!
//! Every phase-reconstruction iteration is one `P1` followed by a cheap per-bin update. Done as
//! a whole-signal inverse followed by a whole-signal forward transform it would write and read
//! the full signal and spectrogram once more per iteration and synchronise twice. Here each
//! block of frames instead overlap-adds the frames whose windows reach its own frames into a
//! private buffer, normalises it, and analyses its frames straight away, so one parallel pass
//! per iteration does everything. The price is that the few frames at each block edge are
//! synthesised by both neighbouring blocks (about `2·(fft_len/hop − 1)` extra inverse FFTs per
//! block), which is why blocks are a few dozen frames long.
//!
//! Real signals transform two frames at once with one complex FFT (`x₁ + i·x₂`, the spectra
//! separated by conjugate symmetry): the separation is a few additions per bin, where a
//! real-input FFT spends a twiddle multiplication per bin on its own post-processing, which
//! measured slower than the FFT proper at these sizes.
//!
//! The result equals [`Stft::forward`] of [`Stft::inverse`] up to float rounding (the
//! normaliser is the same, computed the same way; the FFT algorithm differs).

use std::ops::Range;
use std::sync::Arc;

use rustfft::num_complex::Complex32;
use rustfft::{Fft, FftPlanner};

use crate::signal::stft::WSS_FLOOR;
use crate::signal::{Stft, StftSample};

/// Parallel tasks per worker thread: a few, so a core slowed down by another job on the
/// machine does not hold up the whole pass.
const BLOCKS_PER_THREAD: usize = 4;
/// Longest block, in frames: longer blocks only grow the private buffers out of cache.
const MAX_BLOCK_FRAMES: usize = 256;
/// Shortest block, in multiples of the frames overlapping one frame (`fft_len / hop`): each
/// block synthesises that many extra frames at its edges, so shorter blocks would spend more
/// on those than on their own.
const MIN_BLOCK_OVERLAPS: usize = 4;

/// `P1` over a range of frames of a signal of known length; built once per reconstruction.
pub(crate) struct Projector<'a, T: StftSample> {
    stft: &'a Stft<T>,
    /// The frames (of the whole signal) the spectra passed in hold.
    frames: Range<usize>,
    /// Frames of the whole signal: where the overlap-add normaliser thins out at the ends.
    total_frames: usize,
    /// Length of the signal in samples; the inverse is zero outside `0..signal_len`.
    signal_len: u64,
    bins: usize,
    block_frames: usize,
    forward: Arc<dyn Fft<f32>>,
    inverse: Arc<dyn Fft<f32>>,
    /// Synthesis window with the inverse FFT's `1/N` folded in.
    synthesis: Vec<f32>,
    /// Analysis window; halved for real signals, whose paired transform doubles each spectrum.
    analysis: Vec<f32>,
    /// A silent frame, the partner of an unpaired one.
    zeros: Vec<Complex32>,
}

/// One block's private buffers, allocated once and reused by every iteration.
pub(crate) struct BlockWork {
    /// Frames (relative to the projector's first frame) this block analyses.
    analysed: Range<usize>,
    /// Frames (relative) whose windows reach the analysed frames' samples.
    synthesised: Range<usize>,
    /// First sample of the analysed frames' span.
    span_start: i64,
    /// The block's part of `ISTFT(C)`: real signals use `real`, complex ones `complex`.
    real: Vec<f32>,
    complex: Vec<Complex32>,
    /// Per sample of the span: `1/Σw²` as the inverse applies it, zero outside the signal.
    norm: Vec<f32>,
    /// One FFT buffer and the FFT's scratch.
    fft: Vec<Complex32>,
    fft_scratch: Vec<Complex32>,
    /// Projections of the (up to two) frames just analysed.
    first: Vec<Complex32>,
    second: Vec<Complex32>,
}

impl<'a, T: StftSample> Projector<'a, T> {
    /// A projector for the spectra of `frames` of a signal `signal_len` samples long.
    ///
    /// `frames` must lie within the signal's frames (checked by the callers).
    pub(crate) fn new(stft: &'a Stft<T>, frames: Range<usize>, signal_len: u64) -> Self {
        let total_frames = stft.num_frames(signal_len);
        debug_assert!(frames.end <= total_frames);
        let threads = rayon::current_num_threads().max(1);
        let overlap = stft.fft_len().div_ceil(stft.hop());
        let mut block_frames = frames.len().div_ceil(BLOCKS_PER_THREAD * threads).clamp(
            MIN_BLOCK_OVERLAPS * overlap,
            MAX_BLOCK_FRAMES.max(MIN_BLOCK_OVERLAPS * overlap),
        );
        if !T::IS_COMPLEX {
            // Frames go through the FFT in pairs.
            block_frames = block_frames.next_multiple_of(2);
        }
        let n = stft.fft_len();
        let mut planner = FftPlanner::<f32>::new();
        let inv_n = 1.0 / n as f32;
        let half = if T::IS_COMPLEX { 1.0 } else { 0.5 };
        Projector {
            stft,
            frames,
            total_frames,
            signal_len,
            bins: stft.bins(),
            block_frames,
            forward: planner.plan_fft_forward(n),
            inverse: planner.plan_fft_inverse(n),
            synthesis: stft.window().iter().map(|&w| w * inv_n).collect(),
            analysis: stft.window().iter().map(|&w| w * half).collect(),
            zeros: vec![Complex32::default(); stft.bins()],
        }
    }

    /// Frames per block: spectra are split into chunks of [`Projector::block_len`] values,
    /// one per [`BlockWork`], in order.
    pub(crate) fn block_frames(&self) -> usize {
        self.block_frames
    }

    /// Values per block chunk of a frames × bins array.
    pub(crate) fn block_len(&self) -> usize {
        self.block_frames * self.bins
    }

    /// The buffers of every block, in order.
    pub(crate) fn workspaces(&self) -> Vec<BlockWork> {
        let n = self.frames.len();
        let f0 = self.frames.start;
        let fft_len = self.stft.fft_len();
        let scratch_len = self
            .forward
            .get_inplace_scratch_len()
            .max(self.inverse.get_inplace_scratch_len());
        (0..n.div_ceil(self.block_frames))
            .map(|b| {
                let analysed = b * self.block_frames..((b + 1) * self.block_frames).min(n);
                let span = self.stft.frames_span(f0 + analysed.start..f0 + analysed.end);
                let touching = self.stft.frames_touching(span.clone(), self.total_frames);
                // Frames outside the projector's range hold zeros by definition.
                let synthesised = touching.start.max(f0) - f0..touching.end.min(self.frames.end) - f0;
                let len = (span.end - span.start) as usize;
                let norm = (span.start..span.end)
                    .map(|n| {
                        if n < 0 || n >= self.signal_len as i64 {
                            // The inverse yields `signal_len` samples; the STFT pads with zeros.
                            return 0.0;
                        }
                        // The same factor, computed the same way, as `Stft::normalise`.
                        let wss = self.stft.wss(n, self.total_frames);
                        if wss > WSS_FLOOR { 1.0 / wss } else { 1.0 }
                    })
                    .collect();
                let zeros = |len| vec![Complex32::default(); len];
                BlockWork {
                    analysed,
                    synthesised,
                    span_start: span.start,
                    real: if T::IS_COMPLEX { Vec::new() } else { vec![0.0; len] },
                    complex: if T::IS_COMPLEX { zeros(len) } else { Vec::new() },
                    norm,
                    fft: zeros(fft_len),
                    fft_scratch: zeros(scratch_len),
                    first: zeros(self.bins),
                    second: zeros(self.bins),
                }
            })
            .collect()
    }

    /// Projects one block: computes `P1(current)` for the block's frames and hands each to
    /// `visit(i, projection)`, `i` counting frames from the block's first, in order.
    ///
    /// `current` holds every frame of the projector's range (`frames.len() × bins`).
    pub(crate) fn project_block(
        &self,
        work: &mut BlockWork,
        current: &[Complex32],
        visit: impl FnMut(usize, &[Complex32]),
    ) {
        if T::IS_COMPLEX {
            self.project_complex(work, current, visit);
        } else {
            self.project_real(work, current, visit);
        }
    }

    /// Spectrum of relative frame `k`.
    fn frame<'c>(&self, current: &'c [Complex32], k: usize) -> &'c [Complex32] {
        &current[k * self.bins..(k + 1) * self.bins]
    }

    /// Offset of relative frame `k`'s first sample in a block's buffer.
    fn offset(&self, span_start: i64, k: usize) -> i64 {
        self.stft.frame_start(self.frames.start + k) - span_start
    }

    fn project_real(
        &self,
        work: &mut BlockWork,
        current: &[Complex32],
        mut visit: impl FnMut(usize, &[Complex32]),
    ) {
        let n = self.stft.fft_len();
        work.real.fill(0.0);
        let synth = work.synthesised.clone();
        let mut k = synth.start;
        while k < synth.end {
            let pair = k + 1 < synth.end;
            // Z = X₁ + i·X₂ over the full circle, each X Hermitian: its inverse is x₁ + i·x₂.
            let x1 = self.frame(current, k);
            let x2 = if pair {
                self.frame(current, k + 1)
            } else {
                &self.zeros
            };
            pack_pair(x1, x2, &mut work.fft);
            let z = &mut work.fft;
            self.inverse.process_with_scratch(z, &mut work.fft_scratch);
            let at = self.offset(work.span_start, k);
            add_windowed(&mut work.real, at, z, &self.synthesis, |c| c.re);
            if pair {
                let at = self.offset(work.span_start, k + 1);
                add_windowed(&mut work.real, at, z, &self.synthesis, |c| c.im);
            }
            k += 2;
        }
        for (y, &g) in work.real.iter_mut().zip(&work.norm) {
            *y *= g;
        }
        let analysed = work.analysed.clone();
        let mut k = analysed.start;
        while k < analysed.end {
            let pair = k + 1 < analysed.end;
            let a1 = self.offset(work.span_start, k) as usize;
            let s1 = &work.real[a1..a1 + n];
            if pair {
                let a2 = self.offset(work.span_start, k + 1) as usize;
                let s2 = &work.real[a2..a2 + n];
                for (((z, &x1), &x2), &w) in work.fft.iter_mut().zip(s1).zip(s2).zip(&self.analysis) {
                    *z = Complex32::new(x1 * w, x2 * w);
                }
            } else {
                for ((z, &x1), &w) in work.fft.iter_mut().zip(s1).zip(&self.analysis) {
                    *z = Complex32::new(x1 * w, 0.0);
                }
            }
            self.forward
                .process_with_scratch(&mut work.fft, &mut work.fft_scratch);
            unpack_pair(&work.fft, &mut work.first, &mut work.second);
            let i = k - analysed.start;
            visit(i, &work.first);
            if pair {
                visit(i + 1, &work.second);
            }
            k += 2;
        }
    }

    fn project_complex(
        &self,
        work: &mut BlockWork,
        current: &[Complex32],
        mut visit: impl FnMut(usize, &[Complex32]),
    ) {
        let n = self.stft.fft_len();
        work.complex.fill(Complex32::default());
        for k in work.synthesised.clone() {
            work.fft.copy_from_slice(self.frame(current, k));
            self.inverse
                .process_with_scratch(&mut work.fft, &mut work.fft_scratch);
            let at = self.offset(work.span_start, k);
            add_windowed(&mut work.complex, at, &work.fft, &self.synthesis, |c| c);
        }
        for (y, &g) in work.complex.iter_mut().zip(&work.norm) {
            *y *= g;
        }
        for (i, k) in work.analysed.clone().enumerate() {
            let at = self.offset(work.span_start, k) as usize;
            for ((z, &x), &w) in work
                .fft
                .iter_mut()
                .zip(&work.complex[at..at + n])
                .zip(&self.analysis)
            {
                *z = x * w;
            }
            self.forward
                .process_with_scratch(&mut work.fft, &mut work.fft_scratch);
            visit(i, &work.fft);
        }
    }
}

/// Packs the one-sided spectra `x1`, `x2` of two real frames into the full spectrum
/// `z = X₁ + i·X₂`, whose inverse FFT is `x₁ + i·x₂`.
///
/// Above the one-sided range each `X` is the mirror image `X[N − m] = conj(X[m])`. DC and
/// (for even `N`) Nyquist lose their imaginary parts, which no real signal has; realfft
/// rejects them and phase reconstruction leaves some there.
fn pack_pair(x1: &[Complex32], x2: &[Complex32], z: &mut [Complex32]) {
    let n = z.len();
    let bins = x1.len();
    z[0] = Complex32::new(x1[0].re, x2[0].re);
    // Bins 1 .. below Nyquist, which has no mirror image of its own.
    let top = if n.is_multiple_of(2) { bins - 1 } else { bins };
    // Forward for the low half, then backward for the mirrored half: two simple loops
    // vectorise where one writing both ends does not.
    for ((lo, &a), &b) in z[1..top].iter_mut().zip(&x1[1..top]).zip(&x2[1..top]) {
        // a + i·b
        *lo = Complex32::new(a.re - b.im, a.im + b.re);
    }
    for ((hi, &a), &b) in z[n + 1 - top..]
        .iter_mut()
        .zip(x1[1..top].iter().rev())
        .zip(x2[1..top].iter().rev())
    {
        // conj(a) + i·conj(b) at −m
        *hi = Complex32::new(a.re + b.im, b.re - a.im);
    }
    if n.is_multiple_of(2) {
        z[n / 2] = Complex32::new(x1[bins - 1].re, x2[bins - 1].re);
    }
}

/// Separates the FFT `z` of `x₁ + i·x₂` (two real frames) into their one-sided spectra,
/// doubled: `2·X₁[m] = Z[m] + conj(Z[−m])`, `2·X₂[m] = −i·(Z[m] − conj(Z[−m]))`.
fn unpack_pair(z: &[Complex32], first: &mut [Complex32], second: &mut [Complex32]) {
    let n = z.len();
    let bins = first.len();
    first[0] = Complex32::new(2.0 * z[0].re, 0.0);
    second[0] = Complex32::new(2.0 * z[0].im, 0.0);
    for (((&a, &b), f), s) in z[1..bins]
        .iter()
        .zip(z[n + 1 - bins..].iter().rev())
        .zip(&mut first[1..])
        .zip(&mut second[1..])
    {
        let b = b.conj();
        *f = a + b;
        let d = a - b;
        *s = Complex32::new(d.im, -d.re);
    }
}

/// Adds `window[j]·part(frame[j])` to `out[at + j]` wherever that lies inside `out` (frames at
/// a block's edge reach past its buffer).
fn add_windowed<S: Copy + std::ops::AddAssign + std::ops::Mul<f32, Output = S>>(
    out: &mut [S],
    at: i64,
    frame: &[Complex32],
    window: &[f32],
    part: impl Fn(Complex32) -> S,
) {
    let lo = (-at).max(0) as usize;
    let hi = (out.len() as i64 - at).clamp(0, frame.len() as i64) as usize;
    if lo >= hi {
        return;
    }
    let dst = &mut out[(at + lo as i64) as usize..(at + hi as i64) as usize];
    for ((y, &c), &w) in dst.iter_mut().zip(&frame[lo..hi]).zip(&window[lo..hi]) {
        *y += part(c) * w;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::stft::pad_signal;
    use crate::signal::{Convention, StftParams, WindowKind};

    /// Deterministic values in [-1, 1).
    fn noise(seed: u64, len: usize) -> Vec<f32> {
        let mut s = seed | 1;
        (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 40) as f32 / (1u64 << 23) as f32 - 1.0
            })
            .collect()
    }

    /// `Stft::forward(Stft::inverse(C))` for the frames `frames` of a `len`-sample signal,
    /// `C` zero outside `frames`: the definition the projector must match.
    fn reference<T: StftSample>(
        stft: &Stft<T>,
        c: &[Complex32],
        frames: Range<usize>,
        len: usize,
    ) -> Vec<Complex32> {
        let total = stft.num_frames(len as u64);
        let bins = stft.bins();
        let mut all = vec![Complex32::default(); total * bins];
        all[frames.start * bins..frames.end * bins].copy_from_slice(c);
        let mut x = vec![T::default(); len];
        stft.inverse(&all, 0..total, total, 0, &mut x);
        let span = stft.frames_span(frames.clone());
        let padded = pad_signal(&x, span.clone());
        let mut out = vec![Complex32::default(); c.len()];
        stft.forward(&padded, span.start, frames, &mut out);
        out
    }

    fn check<T: StftSample>(fft_len: usize, hop: usize, len: usize, frames: Option<Range<usize>>) {
        let stft = Stft::<T>::new(
            StftParams {
                fft_len,
                hop,
                window: WindowKind::Hann,
            },
            Convention::Scipy,
        )
        .unwrap();
        let total = stft.num_frames(len as u64);
        let frames = frames.unwrap_or(0..total);
        let bins = stft.bins();
        let re = noise(fft_len as u64, frames.len() * bins);
        let im = noise(hop as u64 + 7, frames.len() * bins);
        // Imaginary DC and Nyquist parts included: the projection drops them, like the inverse.
        let c: Vec<Complex32> = re.iter().zip(&im).map(|(&a, &b)| Complex32::new(a, b)).collect();
        let expected = reference(&stft, &c, frames.clone(), len);
        let projector = Projector::new(&stft, frames.clone(), len as u64);
        let mut work = projector.workspaces();
        assert!(work.len() > 1, "several blocks expected");
        let mut got = vec![Complex32::default(); c.len()];
        for (b, w) in work.iter_mut().enumerate() {
            projector.project_block(w, &c, |i, r| {
                let k = b * projector.block_frames() + i;
                got[k * bins..(k + 1) * bins].copy_from_slice(r);
            });
        }
        let scale = expected.iter().map(|v| v.norm()).fold(0.0f32, f32::max);
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert!(
                (g - e).norm() <= 1e-5 * scale,
                "N={fft_len} hop={hop} {frames:?}: cell {i}: {g} vs {e}"
            );
        }
    }

    #[test]
    fn real_projection_matches_inverse_then_forward() {
        check::<f32>(64, 16, 1000, None);
        check::<f32>(64, 16, 1000, Some(7..40));
        // Odd length: no Nyquist bin; hop not dividing the length.
        check::<f32>(63, 20, 777, None);
        check::<f32>(100, 25, 1234, Some(3..30));
        // Redundancy 8, and a hop that does not divide the length.
        check::<f32>(64, 8, 1000, None);
        check::<f32>(96, 12, 1001, Some(20..70));
    }

    #[test]
    fn complex_projection_matches_inverse_then_forward() {
        check::<Complex32>(64, 16, 1000, None);
        check::<Complex32>(63, 20, 777, Some(5..30));
    }

    #[test]
    fn pair_packing_round_trips() {
        // Packing two Hermitian half-spectra and separating the FFT of their inverse gives
        // them back (doubled, times N), for even and odd lengths.
        for n in [16usize, 17] {
            let bins = n / 2 + 1;
            let mut planner = FftPlanner::<f32>::new();
            let (fwd, inv) = (planner.plan_fft_forward(n), planner.plan_fft_inverse(n));
            let a = noise(1, 2 * bins);
            let b = noise(2, 2 * bins);
            let mut x1: Vec<Complex32> = a.chunks(2).map(|p| Complex32::new(p[0], p[1])).collect();
            let mut x2: Vec<Complex32> = b.chunks(2).map(|p| Complex32::new(p[0], p[1])).collect();
            for x in [&mut x1, &mut x2] {
                x[0].im = 0.0;
                if n % 2 == 0 {
                    x[bins - 1].im = 0.0;
                }
            }
            let mut z = vec![Complex32::default(); n];
            pack_pair(&x1, &x2, &mut z);
            inv.process(&mut z);
            fwd.process(&mut z);
            let (mut y1, mut y2) = (vec![Complex32::default(); bins], vec![Complex32::default(); bins]);
            unpack_pair(&z, &mut y1, &mut y2);
            for m in 0..bins {
                let k = 2.0 * n as f32;
                assert!((y1[m] - x1[m] * k).norm() < 1e-4, "n={n} m={m}");
                assert!((y2[m] - x2[m] * k).norm() < 1e-4, "n={n} m={m}");
            }
        }
    }
}
