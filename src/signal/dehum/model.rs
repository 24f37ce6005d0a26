//! The hum model: a fundamental track and, at points [`HumModel::hop_samples`] apart, the
//! complex amplitude of each harmonic; the hum between two points is the harmonics of the
//! track's phase with amplitudes interpolated linearly (a triangular cross-fade of the two
//! points' windows).
//!
//! The model is compact (an hour at 4 points a second and 12 harmonics is a few megabytes), so
//! the pipeline keeps it instead of a whole-recording buffer of samples and synthesises the hum
//! of any range when it is read.

use std::f64::consts::{PI, TAU};
use std::ops::Range;

pub use rustfft::num_complex::Complex64;

use crate::signal::declick::DeclickSample;
use crate::signal::{ReadSamples, SampleSource};

/// Points the model keeps on each side of its span: the window a point's harmonics are
/// measured over when choosing them (`2 × WINDOW_HOPS` hops, Hann) and the fits reach this far.
pub const WINDOW_HOPS: usize = 2;

/// `e^{i·2π·cycles}`.
fn cis(cycles: f64) -> Complex64 {
    let (s, c) = (TAU * cycles).sin_cos();
    Complex64::new(c, s)
}

/// A sample as a complex number (imaginary part 0 for real audio).
pub(crate) fn to_c64<T: DeclickSample>(s: T) -> Complex64 {
    if T::COMPONENTS == 2 {
        Complex64::new(s.component(0), s.component(1))
    } else {
        Complex64::new(s.component(0), 0.0)
    }
}

/// The hum found on one channel: what a de-hum step subtracts.
#[derive(Clone, Debug, PartialEq)]
pub struct HumModel {
    pub(super) sample_rate: f64,
    pub(super) complex: bool,
    /// Sample of point 0.
    pub(super) first_sample: i64,
    /// Samples between points.
    pub(super) hop: usize,
    /// Samples the hum is removed from.
    span: Range<i64>,
    /// Ramp lengths (samples) at the span's start and end: 0 at the recording's own ends.
    fade_in: usize,
    fade_out: usize,
    /// Highest harmonic number held (amplitudes are dense: 0 for harmonics left alone).
    pub(super) max_harmonic: usize,
    /// Fundamental at each point, Hz.
    pub(super) f0_hz: Vec<f64>,
    /// Fundamental phase at each point, cycles (fractional part).
    pub(super) phase_cycles: Vec<f64>,
    /// Per point, per harmonic `k` (index `k − 1`): amplitude of `e^{+ik·phase}`.
    pub(super) pos: Vec<Complex64>,
    /// Complex (IQ) recordings only: amplitude of `e^{−ik·phase}` (for real audio it is the
    /// conjugate of `pos`).
    pub(super) neg: Vec<Complex64>,
}

impl HumModel {
    /// A model with the fundamental `f0_hz` at points `hop` samples apart from `first_sample`,
    /// removing hum from `span` of a recording `len` samples long, and no harmonics yet.
    ///
    /// `span` must lie at least [`WINDOW_HOPS`] hops inside the points (`first_sample +
    /// WINDOW_HOPS·hop ≤ span.start`, `span.end ≤ first_sample + (points − 1 −
    /// WINDOW_HOPS)·hop`).
    pub fn new(
        sample_rate: f64,
        complex: bool,
        first_sample: i64,
        hop: usize,
        f0_hz: Vec<f64>,
        span: Range<i64>,
        len: u64,
    ) -> Self {
        let mut phase_cycles = Vec::with_capacity(f0_hz.len());
        let mut phase = 0.0f64;
        for (i, f) in f0_hz.iter().enumerate() {
            phase_cycles.push(phase);
            if let Some(next) = f0_hz.get(i + 1) {
                // Linear frequency between points: the phase advances by the mean frequency.
                phase = (phase + 0.5 * (f + next) * hop as f64 / sample_rate).fract();
            }
        }
        let fade = ((super::FADE_S * sample_rate) as usize).max(1);
        HumModel {
            sample_rate,
            complex,
            first_sample,
            hop,
            fade_in: if span.start > 0 { fade } else { 0 },
            fade_out: if span.end < len as i64 { fade } else { 0 },
            span,
            max_harmonic: 0,
            f0_hz,
            phase_cycles,
            pos: Vec::new(),
            neg: Vec::new(),
        }
    }

    /// Samples between points.
    pub fn hop_samples(&self) -> usize {
        self.hop
    }

    /// The samples the hum is removed from.
    pub fn span(&self) -> Range<i64> {
        self.span.clone()
    }

    /// The fundamental track: `(sample, f0_hz)` at each point.
    pub fn track(&self) -> impl Iterator<Item = (i64, f64)> + '_ {
        self.f0_hz
            .iter()
            .enumerate()
            .map(|(i, &f)| (self.first_sample + (i * self.hop) as i64, f))
    }

    /// The points whose centres lie in the span (where the track is measured, not extended).
    pub fn span_points(&self) -> Range<usize> {
        WINDOW_HOPS..self.f0_hz.len().saturating_sub(WINDOW_HOPS)
    }

    /// Harmonic numbers with a non-zero amplitude somewhere: the harmonics removed.
    pub fn harmonics_removed(&self) -> Vec<usize> {
        let k = self.max_harmonic;
        (1..=k)
            .filter(|&h| {
                let nonzero = |a: &Vec<Complex64>| a.chunks(k).any(|p| p[h - 1] != Complex64::default());
                nonzero(&self.pos) || nonzero(&self.neg)
            })
            .collect()
    }

    /// The highest harmonic number the model holds amplitudes for (0 before a fit).
    pub fn max_harmonic(&self) -> usize {
        self.max_harmonic
    }

    /// True when the model removes nothing.
    pub fn is_empty(&self) -> bool {
        self.max_harmonic == 0 || self.span.is_empty()
    }

    /// The phasor of the fundamental at `tau` samples into segment `m` (between points `m`
    /// and `m + 1`), its rotation to the next sample, and that rotation's own change per
    /// sample (the frequency is linear within a segment, the phase quadratic).
    pub(super) fn phasor(&self, m: usize, tau: f64) -> (Complex64, Complex64, Complex64) {
        let fs = self.sample_rate;
        let h = self.hop as f64;
        let f0 = self.f0_hz[m];
        let df = self.f0_hz.get(m + 1).map_or(0.0, |f| f - f0);
        let phase = self.phase_cycles[m] + (f0 * tau + 0.5 * df * tau * tau / h) / fs;
        let step = (f0 + df * (2.0 * tau + 1.0) / (2.0 * h)) / fs;
        (cis(phase.fract()), cis(step), cis(df / (h * fs)))
    }

    /// Sample of point `m`.
    pub(super) fn point_sample(&self, m: usize) -> i64 {
        self.first_sample + (m * self.hop) as i64
    }

    /// The fundamental's phase at sample `n` (fractional), cycles (not wrapped: the integer
    /// part is arbitrary).
    pub(super) fn phase_at(&self, n: f64) -> f64 {
        let points = self.f0_hz.len();
        if points < 2 {
            return 0.0;
        }
        let x = (n - self.first_sample as f64) / self.hop as f64;
        let m = (x.floor().max(0.0) as usize).min(points - 2);
        let tau = n - self.point_sample(m) as f64;
        let f0 = self.f0_hz[m];
        let df = self.f0_hz[m + 1] - f0;
        self.phase_cycles[m] + (f0 * tau + 0.5 * df * tau * tau / self.hop as f64) / self.sample_rate
    }

    /// The amplitude of series `s` (harmonic `s + 1`, then for IQ the negative ones) at `x`
    /// points from the first (interpolated linearly).
    pub(super) fn amplitude_at(&self, x: f64, s: usize) -> Complex64 {
        let k = self.max_harmonic;
        let points = self.f0_hz.len();
        if k == 0 || points < 2 || s >= if self.complex { 2 * k } else { k } {
            return Complex64::default();
        }
        let (a, j) = if s < k { (&self.pos, s) } else { (&self.neg, s - k) };
        let m = (x.floor().max(0.0) as usize).min(points - 2);
        let u = (x - m as f64).clamp(0.0, 1.0);
        a[m * k + j] * (1.0 - u) + a[(m + 1) * k + j] * u
    }

    /// Adds `gain` × the hum to `out`, which holds samples `start..start + out.len()`
    /// (nothing outside the span; ramped at its inner edges).
    pub fn add_hum(&self, start: i64, out: &mut [Complex64], gain: f64) {
        let lo = start.max(self.span.start);
        let hi = (start + out.len() as i64).min(self.span.end);
        let k = self.max_harmonic;
        if lo >= hi || k == 0 {
            return;
        }
        let h = self.hop as i64;
        let mut amp = vec![Complex64::default(); k];
        let mut amp_step = vec![Complex64::default(); k];
        let mut namp = vec![Complex64::default(); if self.complex { k } else { 0 }];
        let mut namp_step = namp.clone();
        let mut n = lo;
        while n < hi {
            let m = ((n - self.first_sample) / h) as usize;
            if m + 1 >= self.f0_hz.len() {
                break;
            }
            let seg_start = self.point_sample(m);
            let seg_end = (seg_start + h).min(hi);
            let tau0 = (n - seg_start) as f64;
            let (mut z, mut r, rb) = self.phasor(m, tau0);
            let interp = |a: &[Complex64], amp: &mut [Complex64], step: &mut [Complex64]| {
                let (a0, a1) = (&a[m * k..(m + 1) * k], &a[(m + 1) * k..(m + 2) * k]);
                for j in 0..k {
                    step[j] = (a1[j] - a0[j]) / h as f64;
                    amp[j] = a0[j] + step[j] * tau0;
                }
            };
            interp(&self.pos, &mut amp, &mut amp_step);
            if self.complex {
                interp(&self.neg, &mut namp, &mut namp_step);
            }
            for i in n..seg_end {
                let mut zk = z;
                let mut acc = Complex64::default();
                if self.complex {
                    for j in 0..k {
                        acc += amp[j] * zk + namp[j] * zk.conj();
                        amp[j] += amp_step[j];
                        namp[j] += namp_step[j];
                        zk *= z;
                    }
                } else {
                    let mut re = 0.0;
                    for j in 0..k {
                        re += amp[j].re * zk.re - amp[j].im * zk.im;
                        amp[j] += amp_step[j];
                        zk *= z;
                    }
                    acc.re = 2.0 * re;
                }
                out[(i - start) as usize] += acc * (gain * self.ramp(i));
                z *= r;
                r *= rb;
            }
            n = seg_end;
        }
    }

    /// The fade at sample `i` of the span: a raised cosine over the first and last few
    /// milliseconds when the span stops inside the recording (no step where removal starts).
    fn ramp(&self, i: i64) -> f64 {
        let mut g = 1.0;
        if self.fade_in > 0 {
            let t = (i - self.span.start) as f64 + 0.5;
            if t < self.fade_in as f64 {
                g *= 0.5 - 0.5 * (PI * t / self.fade_in as f64).cos();
            }
        }
        if self.fade_out > 0 {
            let t = (self.span.end - i) as f64 - 0.5;
            if t < self.fade_out as f64 {
                g *= 0.5 - 0.5 * (PI * t / self.fade_out as f64).cos();
            }
        }
        g
    }

    /// The Hann window of a point's amplitude estimate, `2·WINDOW_HOPS·hop` samples.
    fn window(&self) -> Vec<f64> {
        let len = 2 * WINDOW_HOPS * self.hop;
        (0..len)
            .map(|i| (PI * (i as f64 + 0.5) / len as f64).sin().powi(2))
            .collect()
    }

    /// How far the track is off, per point (Hz, to add): the fitted amplitudes of a hum whose
    /// fundamental the track follows exactly keep their phase from point to point; an error
    /// of `δ` turns harmonic `k` by `2π·k·δ·hop` each hop. Least squares over harmonics
    /// `1..=max_harmonic` (weighted by their fitted amplitude), per segment, averaged onto the
    /// points.
    pub fn track_corrections(&self, max_harmonic: usize) -> Vec<f64> {
        let k = self.max_harmonic;
        let kk = max_harmonic.min(k);
        let points = self.f0_hz.len();
        let needed = self.span_points();
        let hop_s = self.hop as f64 / self.sample_rate;
        let mut seg = vec![None; points];
        if kk == 0 {
            return vec![0.0; points];
        }
        for m in needed.start..needed.end.saturating_sub(1) {
            let (mut num, mut den) = (0.0, 0.0);
            for j in 0..kk {
                let h = (j + 1) as f64;
                let mut turn = |a: &[Complex64]| {
                    let rho = a[(m + 1) * k + j] * a[m * k + j].conj();
                    let w = rho.norm();
                    num += w * h * rho.arg();
                    den += w * h * h;
                };
                turn(&self.pos);
                if self.complex {
                    // e^{−ik·phase} turns the other way.
                    let rho_sum = self.neg[(m + 1) * k + j].conj() * self.neg[m * k + j];
                    let w = rho_sum.norm();
                    num += w * h * rho_sum.arg();
                    den += w * h * h;
                }
            }
            if den > 0.0 {
                seg[m] = Some(num / (TAU * hop_s * den));
            }
        }
        (0..points)
            .map(|p| {
                let around: Vec<f64> = [p.checked_sub(1), Some(p)]
                    .into_iter()
                    .flatten()
                    .filter_map(|m| seg.get(m).copied().flatten())
                    .collect();
                if around.is_empty() {
                    0.0
                } else {
                    around.iter().sum::<f64>() / around.len() as f64
                }
            })
            .collect()
    }

    /// The projection of one point's window on harmonics `1..=max_harmonic` (`e^{−ik·phase}`
    /// then, for IQ, `e^{+ik·phase}`), unnormalised, and the windowed samples: for measuring
    /// each harmonic against its neighbouring spectrum.
    pub(crate) fn project<T: ReadSamples + DeclickSample>(
        &self,
        source: &dyn SampleSource,
        channel: usize,
        point: usize,
        max_harmonic: usize,
    ) -> (Vec<Complex64>, Vec<Complex64>, Vec<Complex64>) {
        let window = self.window();
        let half = WINDOW_HOPS * self.hop;
        let start = self.point_sample(point) - half as i64;
        let mut samples = vec![T::default(); 2 * half];
        T::read(source, channel, start, &mut samples);
        let len = source.len() as i64;
        let mut pos = vec![Complex64::default(); max_harmonic];
        let mut neg = vec![Complex64::default(); if self.complex { max_harmonic } else { 0 }];
        let mut framed = vec![Complex64::default(); 2 * half];
        for seg in 0..2 * WINDOW_HOPS {
            let s = point + seg - WINDOW_HOPS;
            let (mut z, mut r, rb) = self.phasor(s, 0.0);
            for tau in 0..self.hop {
                let i = seg * self.hop + tau;
                let n = start + i as i64;
                if n >= 0 && n < len {
                    let x = to_c64(samples[i]) * window[i];
                    framed[i] = x;
                    let mut zk = z;
                    for j in 0..max_harmonic {
                        pos[j] += x * zk.conj();
                        if self.complex {
                            neg[j] += x * zk;
                        }
                        zk *= z;
                    }
                }
                z *= r;
                r *= rb;
            }
        }
        (pos, neg, framed)
    }

    /// Memory held, bytes (about).
    pub fn bytes(&self) -> usize {
        (self.f0_hz.len() + self.phase_cycles.len()) * 8 + (self.pos.len() + self.neg.len()) * 16
    }
}
