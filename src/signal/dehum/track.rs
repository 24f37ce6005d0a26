//! Finding and following the hum's fundamental on a decimated copy of the signal (the low
//! harmonics are enough to pin it down): the joint power of the harmonics of `f`, summed over
//! harmonics, is maximised by Newton's method in `f`, window after window, each starting from
//! its neighbour's value.

use std::f64::consts::{PI, TAU};
use std::ops::Range;

use rayon::prelude::*;
use rustfft::num_complex::{Complex32, Complex64};

use super::model::to_c64;
use crate::signal::declick::DeclickSample;
use crate::signal::{Cancelled, Progress, ReadSamples, SampleSource};

/// Zero crossings of the decimation filter on each side.
const FILTER_ZEROS: usize = 10;

/// A low-passed, decimated copy of part of one channel.
pub(crate) struct Decimated {
    /// Full-rate sample of `y[0]`.
    pub start: i64,
    /// Full-rate samples per decimated sample.
    pub factor: usize,
    /// Sample rate of `y`, Hz.
    pub rate: f64,
    /// The samples.
    pub y: Vec<Complex32>,
}

impl Decimated {
    /// Index in `y` nearest full-rate sample `n`.
    pub fn index(&self, n: i64) -> i64 {
        ((n - self.start) as f64 / self.factor as f64).round() as i64
    }
}

/// Low-passes `channel` of `source` over `range` to a quarter of `sample_rate / factor` … half
/// of it (Blackman-windowed sinc) and keeps every `factor`-th sample, in parallel blocks.
pub(crate) fn decimate<T: ReadSamples + DeclickSample>(
    source: &dyn SampleSource,
    channel: usize,
    range: Range<i64>,
    factor: usize,
    progress: &Progress,
) -> Result<Decimated, Cancelled> {
    let factor = factor.max(1);
    let half = (FILTER_ZEROS * factor) as i64;
    let taps: Vec<f64> = if factor == 1 {
        vec![1.0]
    } else {
        let raw: Vec<f64> = (-half..=half)
            .map(|i| {
                let x = i as f64 / factor as f64;
                let sinc = if i == 0 { 1.0 } else { (PI * x).sin() / (PI * x) };
                let t = (i + half) as f64 / (2 * half) as f64;
                let blackman = 0.42 - 0.5 * (TAU * t).cos() + 0.08 * (2.0 * TAU * t).cos();
                sinc * blackman
            })
            .collect();
        let sum: f64 = raw.iter().sum();
        raw.iter().map(|v| v / sum).collect()
    };
    let half = if factor == 1 { 0 } else { half };
    let count = ((range.end - range.start).max(0) as usize).div_ceil(factor);
    const BLOCK: usize = 4096;
    let blocks: Vec<Result<Vec<Complex32>, Cancelled>> = (0..count.div_ceil(BLOCK))
        .into_par_iter()
        .map(|b| {
            progress.check()?;
            let j0 = b * BLOCK;
            let j1 = (j0 + BLOCK).min(count);
            let read0 = range.start + (j0 * factor) as i64 - half;
            let read_len = (j1 - j0 - 1) * factor + 2 * half as usize + 1;
            let mut raw = vec![T::default(); read_len];
            T::read(source, channel, read0, &mut raw);
            let x: Vec<Complex64> = raw.into_iter().map(to_c64).collect();
            Ok((j0..j1)
                .map(|j| {
                    let at = (j - j0) * factor;
                    let mut acc = Complex64::default();
                    if T::COMPONENTS == 2 {
                        for (h, v) in taps.iter().zip(&x[at..at + taps.len()]) {
                            acc += v * h;
                        }
                    } else {
                        for (h, v) in taps.iter().zip(&x[at..at + taps.len()]) {
                            acc.re += v.re * h;
                        }
                    }
                    Complex32::new(acc.re as f32, acc.im as f32)
                })
                .collect())
        })
        .collect();
    let mut y = Vec::with_capacity(count);
    for b in blocks {
        y.extend(b?);
    }
    Ok(Decimated {
        start: range.start,
        factor,
        rate: source.sample_rate() / factor as f64,
        y,
    })
}

/// The joint harmonic power of one window of a [`Decimated`] signal as a function of the
/// fundamental: `J(f) = Σ_k |X(k·f)|²` with `X` the windowed DTFT, and its first two
/// derivatives in `f`.
pub(crate) struct HarmonicPower<'a> {
    signal: &'a Decimated,
    window: Vec<f64>,
    /// Harmonic multipliers (signed for IQ: the hum is at `±k·f`).
    multipliers: Vec<f64>,
    /// Weight of each multiplier's power in `J`: 1, or the inverse of the spectrum's level
    /// around that harmonic ([`HarmonicPower::whiten`]).
    weights: Vec<f64>,
    sums: Vec<[Complex64; 3]>,
    phasors: Vec<Complex64>,
    steps: Vec<Complex64>,
}

impl<'a> HarmonicPower<'a> {
    /// Windows of `2·half + 1` samples (Hann) over `signal`, harmonics `1..=harmonics` (and
    /// their negatives when `complex`).
    pub fn new(signal: &'a Decimated, half: usize, harmonics: usize, complex: bool) -> Self {
        let window = (0..=2 * half)
            .map(|i| (PI * (i as f64 + 1.0) / (2 * half + 2) as f64).sin().powi(2))
            .collect();
        let mut multipliers: Vec<f64> = (1..=harmonics).map(|k| k as f64).collect();
        if complex {
            multipliers.extend((1..=harmonics).map(|k| -(k as f64)));
        }
        let n = multipliers.len();
        HarmonicPower {
            signal,
            window,
            weights: vec![1.0; n],
            multipliers,
            sums: vec![[Complex64::default(); 3]; n],
            phasors: vec![Complex64::default(); n],
            steps: vec![Complex64::default(); n],
        }
    }

    /// Sums `Σ w·y·e^{−i2π μ f t}`, `Σ …·t`, `Σ …·t²` (`t` in decimated samples from the
    /// centre) for each multiplier `μ` in `mults`, in `self.sums`.
    fn accumulate(&mut self, center: i64, f_hz: f64, mults: &[f64]) {
        let half = (self.window.len() / 2) as i64;
        let y = &self.signal.y;
        let rate = self.signal.rate;
        for (i, &mu) in mults.iter().enumerate() {
            let w = -TAU * mu * f_hz / rate;
            self.steps[i] = Complex64::from_polar(1.0, w);
            self.phasors[i] = Complex64::from_polar(1.0, w * -(half as f64));
            self.sums[i] = [Complex64::default(); 3];
        }
        let n = mults.len();
        for t in -half..=half {
            let idx = center + t;
            let w = self.window[(t + half) as usize];
            let inside = idx >= 0 && (idx as usize) < y.len();
            let q = if inside {
                let v = y[idx as usize];
                Complex64::new(v.re as f64 * w, v.im as f64 * w)
            } else {
                Complex64::default()
            };
            let tf = t as f64;
            for i in 0..n {
                if inside {
                    let v = q * self.phasors[i];
                    let s = &mut self.sums[i];
                    s[0] += v;
                    s[1] += v * tf;
                    s[2] += v * (tf * tf);
                }
                self.phasors[i] *= self.steps[i];
            }
        }
    }

    /// `(J, J′, J″)` at `f_hz` for the window centred on decimated sample `center`.
    pub fn eval(&mut self, center: i64, f_hz: f64) -> (f64, f64, f64) {
        let mults = std::mem::take(&mut self.multipliers);
        self.accumulate(center, f_hz, &mults);
        let rate = self.signal.rate;
        let (mut j, mut d1, mut d2) = (0.0, 0.0, 0.0);
        for ((s, &mu), &w) in self.sums.iter().zip(&mults).zip(&self.weights) {
            let c = TAU * mu / rate;
            let x = s[0];
            let x1 = s[1] * Complex64::new(0.0, -c);
            let x2 = s[2] * -(c * c);
            j += w * x.norm_sqr();
            d1 += w * 2.0 * (x.conj() * x1).re;
            d2 += w * 2.0 * (x1.norm_sqr() + (x.conj() * x2).re);
        }
        self.multipliers = mults;
        (j, d1, d2)
    }

    /// Weights each harmonic's power in `J` by the inverse of the spectrum's level halfway
    /// between the harmonics of `f_hz` around it, in the window centred on `center` (or 1 each
    /// when `on` is false): the fundamental then follows the harmonics that stand out most,
    /// each as much as its signal-to-noise ratio says, and loud speech near one harmonic
    /// does not pull it.
    pub fn whiten(&mut self, center: i64, f_hz: f64, on: bool) {
        let n = self.multipliers.len();
        if !on {
            self.weights = vec![1.0; n];
            return;
        }
        let base = std::mem::take(&mut self.multipliers);
        let mut mults = Vec::with_capacity(n * 2);
        for &mu in &base {
            mults.extend([mu - 0.5 * mu.signum(), mu + 0.5 * mu.signum()]);
        }
        self.grow(mults.len());
        self.accumulate(center, f_hz, &mults);
        let levels: Vec<f64> = self.sums[..mults.len()]
            .chunks(2)
            .map(|s| 0.5 * (s[0][0].norm_sqr() + s[1][0].norm_sqr()))
            .collect();
        let floor = 1e-6 * levels.iter().sum::<f64>() / n as f64 + 1e-300;
        self.weights = levels.iter().map(|l| 1.0 / (l + floor)).collect();
        self.multipliers = base;
    }

    fn grow(&mut self, n: usize) {
        if self.sums.len() < n {
            self.sums.resize(n, [Complex64::default(); 3]);
            self.phasors.resize(n, Complex64::default());
            self.steps.resize(n, Complex64::default());
        }
    }

    /// How far the harmonics of `f_hz` stand above the spectrum halfway between them: the
    /// mean over harmonics of `ln(|X(k·f)|² / mean |X((k ± ½)·f)|²)`.
    pub fn salience(&mut self, center: i64, f_hz: f64) -> f64 {
        let base = std::mem::take(&mut self.multipliers);
        let mut mults = Vec::with_capacity(base.len() * 3);
        for &mu in &base {
            mults.extend([mu, mu - 0.5 * mu.signum(), mu + 0.5 * mu.signum()]);
        }
        self.grow(mults.len());
        self.accumulate(center, f_hz, &mults);
        let powers: Vec<f64> = self.sums[..mults.len()].iter().map(|s| s[0].norm_sqr()).collect();
        let floor = 1e-9 * powers.iter().sum::<f64>() / powers.len() as f64 + 1e-300;
        let score = powers
            .chunks(3)
            .map(|p| ((p[0] + floor) / (0.5 * (p[1] + p[2]) + floor)).ln())
            .sum::<f64>()
            / base.len() as f64;
        self.multipliers = base;
        score
    }

    /// The `f` in `range` (Hz) on a grid `step_hz` apart where `J` is largest.
    pub fn grid_max(&mut self, center: i64, range: [f64; 2], step_hz: f64) -> f64 {
        let steps = ((range[1] - range[0]) / step_hz).ceil().max(1.0) as usize;
        (0..=steps)
            .map(|i| range[0] + (range[1] - range[0]) * i as f64 / steps as f64)
            .map(|f| (self.eval(center, f).0, f))
            .fold(
                (f64::NEG_INFINITY, range[0]),
                |a, b| if b.0 > a.0 { b } else { a },
            )
            .1
    }

    /// The local maximum of `J` near `f_hz` (Newton's method with its step bounded, and a
    /// short grid search where `J` is not concave), within `range`; `f_hz` itself where the
    /// window is silent.
    pub fn refine(&mut self, center: i64, f_hz: f64, range: [f64; 2], step_hz: f64) -> f64 {
        self.whiten(center, f_hz, true);
        let mut f = f_hz;
        for attempt in 0..6 {
            let (j, d1, d2) = self.eval(center, f);
            if j.is_nan() || j <= 1e-30 {
                return f_hz;
            }
            if d2 >= 0.0 {
                if attempt > 0 {
                    break;
                }
                let lo = (f - 4.0 * step_hz).max(range[0]);
                let hi = (f + 4.0 * step_hz).min(range[1]);
                f = self.grid_max(center, [lo, hi], step_hz * 0.5);
                continue;
            }
            let step = (-d1 / d2).clamp(-step_hz, step_hz);
            f = (f + step).clamp(range[0], range[1]);
            if step.abs() < 1e-5 {
                break;
            }
        }
        f
    }
}
