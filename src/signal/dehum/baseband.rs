//! Each harmonic brought down to baseband, one value per period of the fundamental, and the
//! hum model's amplitudes fitted to those values.
//!
//! Over one period of the tracked fundamental, `x·e^{−ik·phase}` averages the hum's other
//! harmonics (and, for real audio, the conjugate term) to nothing: each block's mean is
//! harmonic `k`'s complex amplitude there plus what of the rest of the signal (speech) lies
//! within about a fundamental of `k·f0`. The blocks are measured once, in one pass over the
//! samples; every later fit (weighted, after a track correction) works on a few values per
//! period instead of the samples, and a track correction only turns the blocks' phases.
//!
//! The fit: per harmonic, the model's amplitudes at its points (interpolated linearly between
//! them, as the hum is synthesised) by weighted least squares over the blocks, with a penalty
//! on their second differences, so that where the blocks count for little (speech around every
//! side) the amplitude is carried over from where they count (pauses) rather than fitted to
//! the speech.

use std::f64::consts::TAU;

use rayon::prelude::*;
use rustfft::num_complex::Complex64;

use super::model::{HumModel, to_c64};
use crate::signal::declick::DeclickSample;
use crate::signal::{Cancelled, Progress, ReadSamples, SampleSource};

/// Weight of the penalty on the amplitudes' second differences, relative to the mean weight
/// of the blocks on a point, in the fits the track is corrected from: light, so that the
/// amplitudes turn with what error is left in the track.
pub const TRACK_SMOOTHING: f64 = 0.1;
/// The penalty weights each harmonic's final fit chooses from (by how well a fit on every
/// other hop predicts the rest): stiff where the hum is steady and the speech dense, loose
/// where the hum's amplitude or the track's error moves.
pub const SMOOTHING_CHOICES: [f64; 7] = [0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0];
/// A block counts at most this many times more than the one the fit leaves the most in.
const WEIGHT_RANGE: f64 = 1e4;
/// Percentile of the blocks' residual power (per harmonic) below which blocks weigh the same:
/// a band's power scatters widely even over steady noise, and chance dips must not carry the
/// fit (on the speech fixture 25 beat 10 by 1.4 dB in the pauses, and 40 by 0.7).
const WEIGHT_PERCENTILE: usize = 25;

/// Harmonics `1..=harmonics` of a signal at baseband, one value per period of a model's
/// fundamental.
#[derive(Clone, Debug)]
pub struct Baseband {
    harmonics: usize,
    complex: bool,
    /// Each block's centre, in points of the model from its first (fractional).
    at_point: Vec<f64>,
    /// Each block's centre, samples.
    centre_sample: Vec<f64>,
    /// Block-major: mean of `x·e^{−ik·phase}` for `k = 1..=harmonics`.
    pos: Vec<Complex64>,
    /// IQ only: mean of `x·e^{+ik·phase}`.
    neg: Vec<Complex64>,
}

/// Per block and series (harmonic, then for IQ the negative ones after), the weight of the
/// block in that series' fit.
#[derive(Clone, Debug)]
pub struct BlockWeights {
    series: usize,
    values: Vec<f64>,
}

/// How a partial block begins or ends.
#[derive(Clone, Copy, PartialEq)]
enum Edge {
    /// At a whole cycle of the fundamental.
    Cycle,
    /// At the segment's edge (to be joined to the neighbouring segment's block).
    Segment,
    /// At the recording's edge: the block is not a whole period.
    Cut,
}

struct Partial {
    cycle: i64,
    start: Edge,
    end: Edge,
    first: i64,
    last: i64,
    count: usize,
    sums: Vec<Complex64>,
}

impl Baseband {
    /// Measures harmonics `1..=harmonics` of `channel` of `source` along `model`'s track, over
    /// every sample its points reach within the recording.
    pub fn measure<T: ReadSamples + DeclickSample>(
        model: &HumModel,
        source: &dyn SampleSource,
        channel: usize,
        harmonics: usize,
        progress: &Progress,
    ) -> Result<Self, Cancelled> {
        let k = harmonics;
        let complex = model.complex;
        let series = if complex { 2 * k } else { k };
        let points = model.f0_hz.len();
        let hop = model.hop;
        let fs = model.sample_rate;
        let len = source.len() as i64;
        // Unwrapped phase at each point, cycles (the model keeps only its fractional part).
        let mut cycles = vec![0.0f64; points];
        for m in 1..points {
            cycles[m] = cycles[m - 1] + 0.5 * (model.f0_hz[m - 1] + model.f0_hz[m]) * hop as f64 / fs;
        }
        let segments: Vec<Result<Vec<Partial>, Cancelled>> = (0..points.saturating_sub(1))
            .into_par_iter()
            .map_init(Vec::<T>::new, |samples, m| {
                progress.check()?;
                let start = model.point_sample(m);
                let mut out = Vec::new();
                if start + hop as i64 <= 0 || start >= len || k == 0 {
                    return Ok(out);
                }
                samples.clear();
                samples.resize(hop, T::default());
                T::read(source, channel, start, samples);
                let f0 = model.f0_hz[m];
                let df = model.f0_hz[m + 1] - f0;
                let h = hop as f64;
                let (mut z, mut r, rb) = model.phasor(m, 0.0);
                let mut cur: Option<Partial> = None;
                let mut next_start = Edge::Segment;
                for (tau, &sample) in samples.iter().enumerate() {
                    let n = start + tau as i64;
                    if n < 0 || n >= len {
                        if let Some(mut p) = cur.take() {
                            p.end = Edge::Cut;
                            out.push(p);
                        }
                        next_start = Edge::Cut;
                    } else {
                        let t = tau as f64;
                        let cycle = (cycles[m] + (f0 * t + 0.5 * df * t * t / h) / fs).floor() as i64;
                        if cur.as_ref().is_some_and(|p| p.cycle != cycle) {
                            let mut p = cur.take().expect("checked");
                            p.end = Edge::Cycle;
                            out.push(p);
                            next_start = Edge::Cycle;
                        }
                        let p = cur.get_or_insert_with(|| Partial {
                            cycle,
                            start: next_start,
                            end: Edge::Segment,
                            first: n,
                            last: n,
                            count: 0,
                            sums: vec![Complex64::default(); series],
                        });
                        p.last = n;
                        p.count += 1;
                        let x = to_c64(sample);
                        let mut zk = z;
                        let (pos, neg) = p.sums.split_at_mut(k);
                        for acc in pos.iter_mut() {
                            *acc += x * zk.conj();
                            zk *= z;
                        }
                        if complex {
                            let mut zk = z;
                            for acc in neg.iter_mut() {
                                *acc += x * zk;
                                zk *= z;
                            }
                        }
                    }
                    z *= r;
                    r *= rb;
                }
                if let Some(p) = cur {
                    out.push(p);
                }
                Ok(out)
            })
            .collect();
        // Join the blocks cut by segment edges; keep the whole periods.
        let mut whole: Vec<Partial> = Vec::new();
        let mut open: Option<Partial> = None;
        let finish = |p: Partial, whole: &mut Vec<Partial>| {
            if p.start == Edge::Cycle && p.end == Edge::Cycle {
                whole.push(p);
            }
        };
        for seg in segments {
            for mut p in seg? {
                if let Some(mut o) = open.take() {
                    if p.start == Edge::Segment && p.cycle == o.cycle {
                        o.end = p.end;
                        o.last = p.last;
                        o.count += p.count;
                        for (a, b) in o.sums.iter_mut().zip(&p.sums) {
                            *a += b;
                        }
                        p = o;
                    } else {
                        // The segment edge fell on a whole cycle.
                        o.end = if p.start == Edge::Segment {
                            Edge::Cycle
                        } else {
                            o.end
                        };
                        if p.start == Edge::Segment {
                            p.start = Edge::Cycle;
                        }
                        finish(o, &mut whole);
                    }
                } else if p.start == Edge::Segment {
                    p.start = Edge::Cut;
                }
                if p.end == Edge::Segment {
                    open = Some(p);
                } else {
                    finish(p, &mut whole);
                }
            }
        }
        let blocks = whole.len();
        let mut at_point = Vec::with_capacity(blocks);
        let mut centre_sample = Vec::with_capacity(blocks);
        let mut pos = Vec::with_capacity(blocks * k);
        let mut neg = Vec::with_capacity(if complex { blocks * k } else { 0 });
        for p in whole {
            let c = 0.5 * (p.first + p.last) as f64;
            centre_sample.push(c);
            at_point.push((c - model.first_sample as f64) / hop as f64);
            let scale = 1.0 / p.count as f64;
            pos.extend(p.sums[..k].iter().map(|v| v * scale));
            if complex {
                neg.extend(p.sums[k..].iter().map(|v| v * scale));
            }
        }
        Ok(Baseband {
            harmonics: k,
            complex,
            at_point,
            centre_sample,
            pos,
            neg,
        })
    }

    /// Number of blocks (whole periods) measured.
    pub fn blocks(&self) -> usize {
        self.at_point.len()
    }

    /// Follows a change of track: the blocks measured along `old`'s phase turned to `new`'s
    /// (both models on the same points).
    pub fn retrack(&mut self, old: &HumModel, new: &HumModel) {
        let k = self.harmonics;
        for (b, &n) in self.centre_sample.iter().enumerate() {
            let d = new.phase_at(n) - old.phase_at(n);
            let step = Complex64::from_polar(1.0, -TAU * d);
            let mut rot = step;
            for j in 0..k {
                self.pos[b * k + j] *= rot;
                if self.complex {
                    self.neg[b * k + j] *= rot.conj();
                }
                rot *= step;
            }
        }
    }

    /// The value of series `s` (harmonic `s + 1`, then for IQ the negative ones) at block `b`.
    fn value(&self, b: usize, s: usize) -> Complex64 {
        let k = self.harmonics;
        if s < k {
            self.pos[b * k + s]
        } else {
            self.neg[b * k + s - k]
        }
    }

    /// Per block and series, the inverse of the power `model` leaves there (what is not hum
    /// near that harmonic: speech), floored at the series' low percentile and at its top over
    /// [`WEIGHT_RANGE`], so that pauses count more than speech.
    pub fn weights(&self, model: &HumModel) -> BlockWeights {
        let series = if self.complex {
            2 * self.harmonics
        } else {
            self.harmonics
        };
        let blocks = self.blocks();
        let mut values = vec![0.0; blocks * series];
        let columns: Vec<Vec<f64>> = (0..series)
            .into_par_iter()
            .map(|s| {
                let power: Vec<f64> = (0..blocks)
                    .map(|b| (self.value(b, s) - model.amplitude_at(self.at_point[b], s)).norm_sqr())
                    .collect();
                let mut sorted = power.clone();
                sorted.sort_by(f64::total_cmp);
                let top = sorted.last().copied().unwrap_or(0.0);
                let low = sorted
                    .get(sorted.len() * WEIGHT_PERCENTILE / 100)
                    .copied()
                    .unwrap_or(0.0);
                let floor = (top / WEIGHT_RANGE).max(low) + 1e-300;
                power.iter().map(|p| 1.0 / (p + floor)).collect()
            })
            .collect();
        for (s, col) in columns.iter().enumerate() {
            for (b, w) in col.iter().enumerate() {
                values[b * series + s] = *w;
            }
        }
        BlockWeights { series, values }
    }

    /// Fits `model`'s amplitudes of the `selected` harmonics (`selected[k − 1]`) at the points
    /// of its span to the blocks, weighted by `weights` (all equal when `None`); the others are
    /// zero. `smoothing`: the penalty's weight (see [`SMOOTHING_CHOICES`]); given several, each
    /// harmonic takes the one that best predicts, by weighted residual, the blocks of every
    /// other hop from a fit on the rest (and the other way round).
    pub fn fit(
        &self,
        model: &mut HumModel,
        selected: &[bool],
        weights: Option<&BlockWeights>,
        smoothing: &[f64],
    ) {
        let k = selected
            .iter()
            .rposition(|&s| s)
            .map_or(0, |i| i + 1)
            .min(self.harmonics);
        let points = model.f0_hz.len();
        let series = if self.complex { 2 * k } else { k };
        let needed = model.span_points();
        let fitted: Vec<Vec<Complex64>> = (0..series)
            .into_par_iter()
            .map(|s| {
                let j = if s < k { s } else { s - k };
                if !selected[j] {
                    return vec![Complex64::default(); points];
                }
                let own = if s < k { s } else { self.harmonics + j };
                let w = |b: usize| weights.map_or(1.0, |w| w.values[b * w.series + own]);
                let value = |b: usize| self.value(b, own);
                let lambda = if smoothing.len() > 1 {
                    let fold = |b: usize| (self.at_point[b].floor() as i64).rem_euclid(2) as usize;
                    let score = |lambda: f64| -> f64 {
                        (0..2)
                            .map(|f| {
                                let a = self.fit_series(
                                    points,
                                    value,
                                    |b| if fold(b) == f { 0.0 } else { w(b) },
                                    lambda,
                                );
                                (0..self.blocks())
                                    .filter(|&b| fold(b) == f)
                                    .map(|b| w(b) * (value(b) - interpolate(&a, self.at_point[b])).norm_sqr())
                                    .sum::<f64>()
                            })
                            .sum()
                    };
                    smoothing
                        .iter()
                        .map(|&l| (score(l), l))
                        .min_by(|a, b| a.0.total_cmp(&b.0))
                        .map_or(TRACK_SMOOTHING, |(_, l)| l)
                } else {
                    smoothing.first().copied().unwrap_or(TRACK_SMOOTHING)
                };
                self.fit_series(points, value, w, lambda)
            })
            .collect();
        model.max_harmonic = k;
        model.pos = vec![Complex64::default(); points * k];
        model.neg = vec![Complex64::default(); if self.complex { points * k } else { 0 }];
        for (s, a) in fitted.iter().enumerate() {
            for p in needed.clone() {
                if s < k {
                    model.pos[p * k + s] = a[p];
                } else {
                    model.neg[p * k + s - k] = a[p];
                }
            }
        }
        if k == 0 {
            model.max_harmonic = 0;
        }
    }

    /// Weighted least squares of the amplitudes at `points` points (linear between them) to
    /// the blocks' `value`s with weights `weight`, plus `smoothing` × the mean weight on a point
    /// × the squared second differences.
    fn fit_series(
        &self,
        points: usize,
        value: impl Fn(usize) -> Complex64 + Copy,
        weight: impl Fn(usize) -> f64,
        smoothing: f64,
    ) -> Vec<Complex64> {
        // Symmetric pentadiagonal normal equations: diagonals 0, 1, 2.
        let mut d0 = vec![0.0f64; points];
        let mut d1 = vec![0.0f64; points];
        let mut d2 = vec![0.0f64; points];
        let mut rhs = vec![Complex64::default(); points];
        for (b, &x) in self.at_point.iter().enumerate() {
            if x < 0.0 || x > (points - 1) as f64 {
                continue;
            }
            let m = (x.floor() as usize).min(points.saturating_sub(2));
            let u = x - m as f64;
            let w = weight(b);
            let c = value(b);
            d0[m] += w * (1.0 - u) * (1.0 - u);
            d0[m + 1] += w * u * u;
            d1[m] += w * u * (1.0 - u);
            rhs[m] += c * (w * (1.0 - u));
            rhs[m + 1] += c * (w * u);
        }
        let scale = d0.iter().sum::<f64>() / points as f64;
        if scale <= 0.0 || points < 3 {
            return vec![Complex64::default(); points];
        }
        let lambda = smoothing * scale;
        for i in 0..points - 2 {
            // (a_i − 2a_{i+1} + a_{i+2})²
            let c = [1.0, -2.0, 1.0];
            for (p, cp) in c.iter().enumerate() {
                d0[i + p] += lambda * cp * cp;
                for (q, cq) in c.iter().enumerate().skip(p + 1) {
                    let v = lambda * cp * cq;
                    if q - p == 1 {
                        d1[i + p] += v;
                    } else {
                        d2[i + p] += v;
                    }
                }
            }
        }
        for d in d0.iter_mut() {
            *d += 1e-9 * scale;
        }
        solve_pentadiagonal(&mut d0, &mut d1, &mut d2, &mut rhs);
        rhs
    }
}

/// The amplitudes `a` (one per point) at `x` points, linearly between points.
fn interpolate(a: &[Complex64], x: f64) -> Complex64 {
    if a.len() < 2 {
        return a.first().copied().unwrap_or_default();
    }
    let m = (x.floor().max(0.0) as usize).min(a.len() - 2);
    let u = (x - m as f64).clamp(0.0, 1.0);
    a[m] * (1.0 - u) + a[m + 1] * u
}

/// Solves the symmetric positive definite pentadiagonal system with diagonals `d0` (main),
/// `d1`, `d2` (first and second above it) for `rhs` in place (LDLᵀ; the diagonals are
/// overwritten).
fn solve_pentadiagonal(d0: &mut [f64], d1: &mut [f64], d2: &mut [f64], rhs: &mut [Complex64]) {
    let n = d0.len();
    // L has unit diagonal and sub-diagonals l1 (stored in d1), l2 (in d2); D in d0.
    for i in 0..n {
        if i >= 1 {
            let l1 = d1[i - 1];
            let mut v = d0[i] - l1 * l1 * d0[i - 1];
            if i >= 2 {
                let l2 = d2[i - 2];
                v -= l2 * l2 * d0[i - 2];
            }
            d0[i] = v;
        }
        let di = d0[i];
        // Column i of L below the diagonal: rows i + 1 and i + 2.
        if i + 1 < n {
            let mut a = d1[i];
            if i >= 1 {
                a -= d1[i - 1] * d0[i - 1] * d2[i - 1];
            }
            d1[i] = a / di;
        }
        if i + 2 < n {
            d2[i] /= di;
        }
    }
    for i in 0..n {
        let mut v = rhs[i];
        if i >= 1 {
            v -= rhs[i - 1] * d1[i - 1];
        }
        if i >= 2 {
            v -= rhs[i - 2] * d2[i - 2];
        }
        rhs[i] = v;
    }
    for v in rhs.iter_mut().zip(d0.iter()) {
        *v.0 /= *v.1;
    }
    for i in (0..n).rev() {
        let mut v = rhs[i];
        if i + 1 < n {
            v -= rhs[i + 1] * d1[i];
        }
        if i + 2 < n {
            v -= rhs[i + 2] * d2[i];
        }
        rhs[i] = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pentadiagonal_solve_matches_a_dense_product() {
        let n = 7;
        let a0: Vec<f64> = (0..n).map(|i| 6.0 + i as f64).collect();
        let a1: Vec<f64> = (0..n).map(|i| -1.0 + 0.1 * i as f64).collect();
        let a2: Vec<f64> = (0..n).map(|i| 0.5 - 0.05 * i as f64).collect();
        let x: Vec<Complex64> = (0..n)
            .map(|i| Complex64::new(i as f64 - 2.0, 0.3 * i as f64))
            .collect();
        let mut b = vec![Complex64::default(); n];
        for i in 0..n {
            b[i] += x[i] * a0[i];
            if i + 1 < n {
                b[i] += x[i + 1] * a1[i];
                b[i + 1] += x[i] * a1[i];
            }
            if i + 2 < n {
                b[i] += x[i + 2] * a2[i];
                b[i + 2] += x[i] * a2[i];
            }
        }
        let (mut d0, mut d1, mut d2) = (a0.clone(), a1.clone(), a2.clone());
        solve_pentadiagonal(&mut d0, &mut d1, &mut d2, &mut b);
        for (got, want) in b.iter().zip(&x) {
            assert!((got - want).norm() < 1e-12, "{got} vs {want}");
        }
    }
}
