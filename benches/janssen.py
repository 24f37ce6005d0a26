"""Janssen's AR interpolation (Janssen, Veldhuis & Vries 1986), the classical peer for filling
gaps and clicks in audio: fit an order-p autoregressive model around the gap, solve for the
missing samples that minimise the prediction error, iterate.

Independent of Spectro (numpy and scipy only), for the comparisons in benches/. The normal
equations of the missing samples form a Toeplitz system (the autocorrelation of the AR
coefficients), solved by Levinson recursion: O(L^2) time, O(L) memory for a gap of L samples.
"""

import numpy as np
from scipy.linalg import solve_toeplitz


def _ar_coefficients(x, order):
    """Prediction-error filter [1, a_1 .. a_p] of x by the autocorrelation method."""
    x = x - np.mean(x)
    n = len(x)
    spectrum = np.fft.rfft(x, 2 * n)
    r = np.fft.irfft(np.abs(spectrum) ** 2)[: order + 1] / n
    r[0] *= 1.0 + 1e-9  # a little white noise keeps the system positive definite
    if r[0] <= 0:
        return np.concatenate([[1.0], np.zeros(order)])
    a = solve_toeplitz(r[:order], -r[1 : order + 1])
    return np.concatenate([[1.0], a])


def janssen_fill(x, start, end, order=None, iterations=10, context=None):
    """Returns a copy of 1-D `x` with samples [start, end) interpolated."""
    x = np.asarray(x, dtype=np.float64).copy()
    gap = end - start
    if gap <= 0:
        return x
    p = order if order is not None else min(3 * gap + 2, 1000)
    ctx = context if context is not None else max(2 * p, 2 * gap)
    lo = max(0, start - ctx)
    hi = min(len(x), end + ctx)
    seg = x[lo:hi].copy()
    m0, m1 = start - lo, end - lo
    seg[m0:m1] = 0.0
    p = min(p, max(1, (len(seg) - gap) // 2))
    for _ in range(iterations):
        a = _ar_coefficients(seg, p)
        # (B^T B)_{ij} = sum_k a_k a_{k+|i-j|}: symmetric Toeplitz with bandwidth p.
        ra = np.correlate(a, a, mode="full")[p:]  # lags 0..p
        col = np.zeros(gap)
        col[: min(gap, p + 1)] = ra[: min(gap, p + 1)]
        # Right-hand side: the known samples' contribution, -sum_j r(i-j) x_j.
        known = seg.copy()
        known[m0:m1] = 0.0
        sym = np.concatenate([ra[:0:-1], ra])  # lags -p..p
        full = np.convolve(known, sym, mode="same") if len(known) >= len(sym) else np.convolve(known, sym)[p : p + len(known)]
        rhs = -full[m0:m1]
        seg[m0:m1] = solve_toeplitz(col, rhs)
    x[start:end] = seg[m0:m1]
    return x


def janssen_fill_channels(x, start, end, **kw):
    """`janssen_fill` on each column of a (samples, channels) array."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        return janssen_fill(x, start, end, **kw)
    return np.stack([janssen_fill(x[:, c], start, end, **kw) for c in range(x.shape[1])], axis=1)


if __name__ == "__main__":
    # Self-check: a sum of sines with a 200-sample gap comes back closely.
    fs = 8000
    t = np.arange(4000) / fs
    clean = np.sin(2 * np.pi * 440 * t) + 0.5 * np.sin(2 * np.pi * 1230 * t + 1.0)
    holed = clean.copy()
    holed[2000:2200] = 0
    filled = janssen_fill(holed, 2000, 2200)
    err = filled[2000:2200] - clean[2000:2200]
    snr = 10 * np.log10(np.sum(clean[2000:2200] ** 2) / np.sum(err**2))
    print(f"sines, 200-sample gap: SNR {snr:.1f} dB")
    assert snr > 30, snr
