#!/usr/bin/env python3
"""Reference vectors for Spectro's STFT parity tests, produced by scipy and librosa.

Run from the repository root:  python3 tests/data/gen_reference.py
Needs numpy, scipy (1.17 used) and librosa (0.11 used). The tests read only the outputs
(tests/data/reference/*.f32 and manifest.json), never Python.

Every array is stored as little-endian float32; complex arrays interleave re, im. Spectra are
stored frame-major: frame 0's bins, then frame 1's, ... (scipy returns bins × frames).
Inputs are computed in float64, so the references are more precise than the f32 code tested.
"""
import json
import os

import librosa
import numpy as np
import scipy
import scipy.signal as ss

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference")
os.makedirs(OUT, exist_ok=True)
manifest = {"scipy": scipy.__version__, "librosa": librosa.__version__, "numpy": np.__version__, "cases": []}


def save(name, arr):
    arr = np.asarray(arr)
    if np.iscomplexobj(arr):
        flat = np.stack([arr.real, arr.imag], axis=-1).astype("<f4").ravel()
    else:
        flat = arr.astype("<f4").ravel()
    flat.tofile(os.path.join(OUT, name + ".f32"))
    return name + ".f32"


def test_signal(n, complex_=False, seed=1):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    x = 0.3 * rng.standard_normal(n) + 0.5 * np.sin(2 * np.pi * 0.0371 * t) + 0.2 * np.sin(2 * np.pi * 0.211 * t + 1.0)
    if complex_:
        x = x + 1j * (0.3 * rng.standard_normal(n) + 0.4 * np.cos(2 * np.pi * -0.123 * t))
    # Round to float32 first, so the tests' f32 input is exactly the references' input.
    return x.astype(np.complex64 if complex_ else np.float32).astype(np.complex128 if complex_ else np.float64)


def mask_for(frames, bins, seed=7):
    # A smooth-ish random gain mask in [0, 1.5]: an inconsistent STFT, like a real edit makes.
    rng = np.random.default_rng(seed)
    return rng.uniform(0.0, 1.5, size=(bins, frames)).astype(np.float32).astype(np.float64)


def window_array(name, n):
    if name == "sqrt-hann":
        return np.sqrt(ss.get_window("hann", n))
    if name == "rectangular":
        return ss.get_window("boxcar", n)
    return ss.get_window(name, n)


def scipy_case(name, n_signal, window, nperseg, hop, complex_=False):
    x = test_signal(n_signal, complex_)
    w = window_array(window, nperseg)
    kw = dict(window=w, nperseg=nperseg, noverlap=nperseg - hop, boundary="zeros", padded=True)
    if complex_:
        kw["return_onesided"] = False
    _, _, Z = ss.stft(x, **kw)
    ikw = dict(window=w, nperseg=nperseg, noverlap=nperseg - hop, boundary=True)
    if complex_:
        ikw["input_onesided"] = False
    _, xr = ss.istft(Z, **ikw)
    M = mask_for(Z.shape[1], Z.shape[0])
    _, xm = ss.istft(Z * M, **ikw)
    manifest["cases"].append({
        "name": name, "library": "scipy", "window": window, "fft": nperseg, "hop": hop,
        "complex": complex_, "signal_len": n_signal, "frames": Z.shape[1], "bins": Z.shape[0],
        "istft_len": len(xr),
        "signal": save(name + "_signal", x),
        "stft": save(name + "_stft", Z.T),
        "istft": save(name + "_istft", xr),
        "mask": save(name + "_mask", M.T),
        "istft_masked": save(name + "_istft_masked", xm),
    })


def librosa_case(name, n_signal, n_fft, hop, window="hann"):
    y = test_signal(n_signal, seed=3)
    S = librosa.stft(y, n_fft=n_fft, hop_length=hop, window=window, center=True, pad_mode="constant")
    yr = librosa.istft(S, hop_length=hop, window=window, n_fft=n_fft, center=True, length=n_signal)
    M = mask_for(S.shape[1], S.shape[0], seed=11)
    ym = librosa.istft(S * M, hop_length=hop, window=window, n_fft=n_fft, center=True, length=n_signal)
    manifest["cases"].append({
        "name": name, "library": "librosa", "window": window, "fft": n_fft, "hop": hop,
        "complex": False, "signal_len": n_signal, "frames": S.shape[1], "bins": S.shape[0],
        "istft_len": len(yr),
        "signal": save(name + "_signal", y),
        "stft": save(name + "_stft", S.T),
        "istft": save(name + "_istft", yr),
        "mask": save(name + "_mask", M.T),
        "istft_masked": save(name + "_istft_masked", ym),
    })


scipy_case("scipy_hann_256_64", 3001, "hann", 256, 64)
scipy_case("scipy_hamming_400_100", 2500, "hamming", 400, 100)
scipy_case("scipy_blackman_255_64", 2000, "blackman", 255, 64)
scipy_case("scipy_sqrthann_512_256", 4000, "sqrt-hann", 512, 256)
scipy_case("scipy_rect_128_64", 1500, "rectangular", 128, 64)
scipy_case("scipy_iq_hann_128_32", 2000, "hann", 128, 32, complex_=True)
scipy_case("scipy_iq_hamming_100_25", 1234, "hamming", 100, 25, complex_=True)
librosa_case("librosa_hann_512_128", 5000, 512, 128)
librosa_case("librosa_hann_1000_250", 6001, 1000, 250)
librosa_case("librosa_hamming_2048_512", 9000, 2048, 512, window="hamming")

with open(os.path.join(OUT, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1)
    f.write("\n")
print("wrote", len(manifest["cases"]), "cases to", OUT)
