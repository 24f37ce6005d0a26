//! Janssen's AR interpolation (Janssen, Veldhuis & Vries 1986): the missing samples of a gap
//! are those that minimise the prediction error of an autoregressive model fitted around it,
//! refitted a fixed number of times. The normal equations of the missing samples are a
//! symmetric Toeplitz system (the autocorrelation of the AR coefficients), solved by Levinson
//! recursion: O(L²) time and O(L) memory for a gap of L samples, besides the AR fit.
//!
//! The same algorithm as `benches/janssen.py` (the numpy peer), in f64.

use std::ops::Range;

/// Refits of the AR model per gap. Clicks converge in a few; the peer uses 10.
pub const JANSSEN_ITERATIONS: usize = 5;

/// Largest AR order used, whatever the gap (bounds the cost of long gaps).
pub const MAX_ORDER: usize = 1000;

/// The AR order for a gap of `gap_len` samples: three times the gap (a model must describe
/// the signal over more than the gap to bridge it), at most [`MAX_ORDER`].
pub fn janssen_order(gap_len: usize) -> usize {
    (3 * gap_len + 2).min(MAX_ORDER)
}

/// Samples of context on each side of a gap of `gap_len` samples that the fit reads: twice
/// the order, and at least twice the gap.
pub fn janssen_context(gap_len: usize) -> usize {
    (2 * janssen_order(gap_len)).max(2 * gap_len)
}

/// Buffers reused from gap to gap.
#[derive(Debug, Default)]
pub struct JanssenScratch {
    seg: Vec<f64>,
    centred: Vec<f64>,
    r: Vec<f64>,
    a: Vec<f64>,
    tmp: Vec<f64>,
    ra: Vec<f64>,
    col: Vec<f64>,
    rhs: Vec<f64>,
    solution: Vec<f64>,
    forward: Vec<f64>,
    backward: Vec<f64>,
}

/// Replaces samples `gap` of `x` by Janssen interpolation from up to
/// [`janssen_context`] samples on each side (fewer where `x` ends), with order
/// [`janssen_order`] and [`JANSSEN_ITERATIONS`] refits.
pub fn janssen_fill(x: &mut [f64], gap: Range<usize>, scratch: &mut JanssenScratch) {
    let gap = gap.start.min(x.len())..gap.end.min(x.len());
    let len = gap.len();
    if len == 0 {
        return;
    }
    let ctx = janssen_context(len);
    let lo = gap.start.saturating_sub(ctx);
    let hi = (gap.end + ctx).min(x.len());
    let s = &mut *scratch;
    s.seg.clear();
    s.seg.extend_from_slice(&x[lo..hi]);
    let m0 = gap.start - lo;
    let m1 = gap.end - lo;
    s.seg[m0..m1].fill(0.0);
    // Not more order than the known samples can support.
    let p = janssen_order(len).min(((s.seg.len() - len) / 2).max(1));
    for _ in 0..JANSSEN_ITERATIONS {
        ar_coefficients(&s.seg, p, &mut s.centred, &mut s.r, &mut s.a, &mut s.tmp);
        // ra[k] = Σ a_i a_{i+k}: row of BᵀB, B the prediction-error convolution matrix.
        s.ra.clear();
        s.ra.extend((0..=p).map(|k| (0..=p - k).map(|i| s.a[i] * s.a[i + k]).sum::<f64>()));
        s.col.clear();
        s.col.extend((0..len).map(|k| if k <= p { s.ra[k] } else { 0.0 }));
        // The known samples' pull on each missing one: −Σ_j ra(|i−j|) x_j, j outside the gap.
        s.rhs.clear();
        for i in m0..m1 {
            let j0 = i.saturating_sub(p);
            let j1 = (i + p + 1).min(s.seg.len());
            let mut acc = 0.0;
            for j in (j0..j1).filter(|j| !(m0..m1).contains(j)) {
                acc += s.ra[i.abs_diff(j)] * s.seg[j];
            }
            s.rhs.push(-acc);
        }
        solve_symmetric_toeplitz(&s.col, &s.rhs, &mut s.solution, &mut s.forward, &mut s.backward);
        s.seg[m0..m1].copy_from_slice(&s.solution);
    }
    x[gap].copy_from_slice(&s.seg[m0..m1]);
}

/// The prediction-error filter `[1, a_1 .. a_p]` of `x` (mean removed) by the
/// autocorrelation method, into `a`.
pub(crate) fn ar_coefficients(
    x: &[f64],
    order: usize,
    centred: &mut Vec<f64>,
    r: &mut Vec<f64>,
    a: &mut Vec<f64>,
    tmp: &mut Vec<f64>,
) {
    let n = x.len().max(1);
    let mean = x.iter().sum::<f64>() / n as f64;
    centred.clear();
    centred.extend(x.iter().map(|v| v - mean));
    autocorrelation(centred, order, r);
    levinson_durbin(r, a, tmp);
}

/// `r[k] = Σ x_n x_{n+k} / N` for lags `0..=order`.
pub(crate) fn autocorrelation(x: &[f64], order: usize, r: &mut Vec<f64>) {
    let n = x.len().max(1) as f64;
    r.clear();
    r.extend((0..=order).map(|k| {
        if k >= x.len() {
            return 0.0;
        }
        x[..x.len() - k]
            .iter()
            .zip(&x[k..])
            .map(|(u, v)| u * v)
            .sum::<f64>()
            / n
    }));
}

/// The AR prediction-error filter `[1, a_1 .. a_p]` from autocorrelation `r[0..=p]`
/// (Levinson–Durbin). A tiny white-noise floor keeps the recursion stable; a silent input
/// gives the identity filter.
pub(crate) fn levinson_durbin(r: &[f64], a: &mut Vec<f64>, tmp: &mut Vec<f64>) {
    let p = r.len().saturating_sub(1);
    a.clear();
    a.resize(p + 1, 0.0);
    a[0] = 1.0;
    let mut err = r.first().copied().unwrap_or(0.0) * (1.0 + 1e-9);
    if err <= 0.0 || !err.is_finite() {
        return;
    }
    for i in 1..=p {
        let acc = r[i] + (1..i).map(|j| a[j] * r[i - j]).sum::<f64>();
        let k = -acc / err;
        tmp.clear();
        tmp.extend((1..i).map(|j| a[j] + k * a[i - j]));
        a[1..i].copy_from_slice(tmp);
        a[i] = k;
        err *= 1.0 - k * k;
        if err <= 0.0 {
            // Numerically singular: stop at the order reached.
            break;
        }
    }
}

/// Solves `T x = y`, `T` the symmetric Toeplitz matrix with first column `col`, by Levinson
/// recursion (forward and backward vectors), O(n²). A singular step leaves the rest zero.
pub(crate) fn solve_symmetric_toeplitz(
    col: &[f64],
    y: &[f64],
    x: &mut Vec<f64>,
    forward: &mut Vec<f64>,
    backward: &mut Vec<f64>,
) {
    let n = col.len().min(y.len());
    x.clear();
    x.resize(n, 0.0);
    if n == 0 {
        return;
    }
    let t0 = col[0] * (1.0 + 1e-12);
    if t0 <= 0.0 || !t0.is_finite() {
        return;
    }
    forward.clear();
    forward.resize(n, 0.0);
    backward.clear();
    backward.resize(n, 0.0);
    forward[0] = 1.0 / t0;
    x[0] = y[0] / t0;
    for m in 1..n {
        // Row m of T_{m+1} against [f; 0] and [x; 0].
        let eps = (0..m).map(|i| col[m - i] * forward[i]).sum::<f64>();
        let eps_x = (0..m).map(|i| col[m - i] * x[i]).sum::<f64>();
        let denom = 1.0 - eps * eps;
        if denom.abs() < 1e-300 || !denom.is_finite() {
            return;
        }
        // Symmetric: the backward vector is the forward one reversed.
        for i in 0..m {
            backward[i + 1] = forward[m - 1 - i];
        }
        backward[0] = 0.0;
        // f' = ([f;0] − ε[0;b]) / (1 − ε²);  b' = ([0;b] − ε[f;0]) / (1 − ε²).
        for i in 0..=m {
            let f_i = if i < m { forward[i] } else { 0.0 };
            let b_i = backward[i];
            let nf = (f_i - eps * b_i) / denom;
            let nb = (b_i - eps * f_i) / denom;
            forward[i] = nf;
            backward[i] = nb;
        }
        let gain = y[m] - eps_x;
        for i in 0..=m {
            x[i] += gain * backward[i];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toeplitz_solve_matches_direct_product() {
        let col = [4.0, 1.5, 0.3, -0.2, 0.05];
        let y = [1.0, -2.0, 0.5, 3.0, 0.25];
        let (mut x, mut f, mut b) = (Vec::new(), Vec::new(), Vec::new());
        solve_symmetric_toeplitz(&col, &y, &mut x, &mut f, &mut b);
        for i in 0..5usize {
            let row: f64 = (0..5).map(|j| col[i.abs_diff(j)] * x[j]).sum();
            assert!((row - y[i]).abs() < 1e-9, "row {i}: {row} vs {}", y[i]);
        }
    }

    #[test]
    fn sines_through_a_gap_come_back_above_30_db() {
        let fs = 8000.0;
        let clean: Vec<f64> = (0..4000)
            .map(|n| {
                let t = n as f64 / fs;
                (2.0 * std::f64::consts::PI * 440.0 * t).sin()
                    + 0.5 * (2.0 * std::f64::consts::PI * 1230.0 * t + 1.0).sin()
            })
            .collect();
        let mut holed = clean.clone();
        holed[2000..2200].fill(0.0);
        janssen_fill(&mut holed, 2000..2200, &mut JanssenScratch::default());
        let signal: f64 = clean[2000..2200].iter().map(|v| v * v).sum();
        let error: f64 = (2000..2200).map(|n| (holed[n] - clean[n]).powi(2)).sum();
        let snr_db = 10.0 * (signal / error).log10();
        assert!(snr_db > 30.0, "{snr_db} dB");
        assert_eq!(holed[..2000], clean[..2000]);
    }
}
