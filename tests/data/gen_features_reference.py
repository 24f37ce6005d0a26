#!/usr/bin/env python3
"""Reference features for Spectro's `features` module, produced by librosa.

Run from the repository root:  python3 tests/data/gen_features_reference.py
Needs numpy, scipy and librosa (0.11 used). The tests (tests/suite/features_parity.rs) read only
the outputs in tests/data/features_reference/, never Python.

Cases:
- a deterministic synthetic signal (tones, a chirp, noise, an amplitude ramp and a stretch of
  digital silence), at librosa's defaults and at n_fft=1024, hop 256, Hamming;
- two committed real recordings, read with librosa.load(sr=None) exactly as a user would:
  ft8lib_20m_busy_test_01.wav (12 kHz) and sat_ao73.wav (48 kHz);
- the committed ADS-B IQ capture (2 MS/s), two-sided: librosa's spectral functions applied to
  the fft-shifted magnitude with signed frequencies (librosa.stft takes real signals only, so
  the two-sided STFT is computed here with librosa's framing: centred, zero-padded, periodic
  window). MFCCs do not apply to IQ.

Per case: librosa.feature.mfcc (n_mfcc=20, all other arguments at their defaults),
spectral_centroid, spectral_bandwidth, spectral_flatness, spectral_rolloff, and Spectro's
band powers and frame level (its own definition, re-implemented here in numpy: power of the
windowed frame by Parseval, relative to a full-scale sinusoid, in 8 equal bands).

Every array is little-endian float32, frame-major (frame 0's values, then frame 1's...).

Bursts: the Mode S replies of the ADS-B capture, found by a plain envelope detector on the
samples (no STFT): a sample is active when its power |x|^2 is at least 20 dB above the 10th
percentile of all samples' power (the quantisation-noise floor of this 8-bit capture), and
active samples at most 4 us apart are joined (the Mode S preamble's widest gap is 3 us, a data
bit's at most 1 us). Segments 55-75 us or 105-135 us long are the replies (64 us and 120 us
nominally: 8 us preamble plus 56 or 112 bits of 1 us); `isolated` marks those with at least
10 us of silence to the next segment on each side. Written to adsb_mode_s_replies.csv with
start and end in microseconds.
"""
import json
import os

import librosa
import numpy as np
import scipy
import scipy.signal as ss

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "features_reference")
os.makedirs(OUT, exist_ok=True)
manifest = {"librosa": librosa.__version__, "numpy": np.__version__, "scipy": scipy.__version__, "cases": []}
BANDS = 8


def save(name, arr):
    np.ascontiguousarray(arr, dtype="<f4").tofile(os.path.join(OUT, name + ".f32"))
    return name + ".f32"


def synthetic(sr, seconds, seed=5):
    rng = np.random.default_rng(seed)
    n = int(sr * seconds)
    t = np.arange(n) / sr
    x = 0.4 * np.sin(2 * np.pi * 440.0 * t) + 0.2 * np.sin(2 * np.pi * 3150.0 * t + 0.3)
    x += 0.25 * ss.chirp(t, f0=200.0, t1=seconds, f1=8000.0, method="logarithmic")
    x += 0.05 * rng.standard_normal(n)
    x *= np.linspace(0.2, 1.0, n)
    # Digital silence: exercises the power floor (amin) and the top_db clamp.
    x[int(0.40 * n):int(0.48 * n)] = 0.0
    return x.astype(np.float32)


def band_powers(power, freqs, sr, window, complex_):
    """Spectro's band powers: Parseval power of the windowed frame in full-scale-sine units."""
    n = len(window)
    lo, hi = (-sr / 2, sr / 2) if complex_ else (0.0, sr / 2)
    width = (hi - lo) / BANDS
    band = np.clip(np.floor((freqs - lo) / width), 0, BANDS - 1).astype(int)
    weight = np.full(len(freqs), 1.0 if complex_ else 2.0)
    if not complex_:
        weight[0] = 1.0
        if n % 2 == 0:
            weight[-1] = 1.0
    full_scale = 1.0 if complex_ else 0.5
    scaled = power * (weight / (n * np.sum(window.astype(np.float64) ** 2) * full_scale))[:, None]
    out = np.stack([scaled[band == k].sum(axis=0) for k in range(BANDS)])
    return out, scaled.sum(axis=0)


def db(p):
    return np.maximum(10 * np.log10(np.maximum(p, 1e-300)), -200.0)


def real_case(name, y, sr, n_fft=2048, hop=512, window="hann", source=None, signal=None):
    kw = dict(n_fft=n_fft, hop_length=hop, window=window)
    mfcc = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20, **kw)
    centroid = librosa.feature.spectral_centroid(y=y, sr=sr, **kw)[0]
    bandwidth = librosa.feature.spectral_bandwidth(y=y, sr=sr, **kw)[0]
    flatness = librosa.feature.spectral_flatness(y=y, **kw)[0]
    rolloff = librosa.feature.spectral_rolloff(y=y, sr=sr, **kw)[0]
    S = np.abs(librosa.stft(y, **kw)).astype(np.float64) ** 2
    w = librosa.filters.get_window(window, n_fft, fftbins=True)
    bands, total = band_powers(S, librosa.fft_frequencies(sr=sr, n_fft=n_fft), sr, w, False)
    case = {
        "name": name, "complex": False, "sample_rate": sr, "fft": n_fft, "hop": hop, "window": window,
        "frames": int(mfcc.shape[1]), "n_mfcc": 20, "bands": BANDS,
        "mfcc": save(name + "_mfcc", mfcc.T),
        "centroid_hz": save(name + "_centroid", centroid),
        "bandwidth_hz": save(name + "_bandwidth", bandwidth),
        "flatness": save(name + "_flatness", flatness),
        "rolloff_hz": save(name + "_rolloff", rolloff),
        "bands_db": save(name + "_bands", db(bands).T),
        "level_db": save(name + "_level", db(total)),
    }
    if source is not None:
        case["source"] = source
    else:
        case["signal"] = signal or save(name + "_signal", y)
    manifest["cases"].append(case)


def iq_case(name, source, sr, n_fft, hop, window="hann"):
    raw = np.fromfile(os.path.join(HERE, source), dtype=np.uint8).astype(np.float32)
    # Spectro's cu8 decoding, in float32 as it does: (b - 127.5) / 127.5.
    scale = np.float32(1.0 / 127.5)
    x = ((raw[0::2] - np.float32(127.5)) * scale + 1j * ((raw[1::2] - np.float32(127.5)) * scale)).astype(np.complex64)
    w = librosa.filters.get_window(window, n_fft, fftbins=True)
    padded = np.concatenate([np.zeros(n_fft // 2, np.complex64), x, np.zeros(n_fft // 2, np.complex64)])
    frames = 1 + len(x) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(frames)[:, None]
    X = np.fft.fftshift(np.fft.fft(padded[idx] * w, axis=1), axes=1).T  # bins × frames
    freq = np.fft.fftshift(np.fft.fftfreq(n_fft, 1.0 / sr))
    S = np.abs(X)
    centroid = librosa.feature.spectral_centroid(S=S, freq=freq)[0]
    bandwidth = librosa.feature.spectral_bandwidth(S=S, freq=freq)[0]
    flatness = librosa.feature.spectral_flatness(S=S)[0]
    rolloff = librosa.feature.spectral_rolloff(S=S, freq=freq)[0]
    bands, total = band_powers(S.astype(np.float64) ** 2, freq, sr, w, True)
    manifest["cases"].append({
        "name": name, "complex": True, "sample_rate": sr, "fft": n_fft, "hop": hop, "window": window,
        "frames": frames, "n_mfcc": 0, "bands": BANDS, "source": source,
        "centroid_hz": save(name + "_centroid", centroid),
        "bandwidth_hz": save(name + "_bandwidth", bandwidth),
        "flatness": save(name + "_flatness", flatness),
        "rolloff_hz": save(name + "_rolloff", rolloff),
        "bands_db": save(name + "_bands", db(bands).T),
        "level_db": save(name + "_level", db(total)),
    })


y = synthetic(22050, 2.0)
real_case("synthetic_22050", y, 22050)
real_case("synthetic_22050_hamming_1024_256", y, 22050, n_fft=1024, hop=256, window="hamming",
          signal="synthetic_22050_signal.f32")
for source in ["ft8lib_20m_busy_test_01.wav", "sat_ao73.wav"]:
    y, sr = librosa.load(os.path.join(HERE, source), sr=None, mono=True)
    real_case(os.path.splitext(source)[0], y, sr, source=source)
iq_case("adsb_iq_256_64", "dump1090_modes1_1090M_2000k.cu8", 2e6, 256, 64)


def mode_s_replies(source, sr, above_db=20.0, join_us=4.0, clear_us=10.0):
    raw = np.fromfile(os.path.join(HERE, source), dtype=np.uint8).astype(np.float64)
    p = ((raw[0::2] - 127.5) / 127.5) ** 2 + ((raw[1::2] - 127.5) / 127.5) ** 2
    active = np.flatnonzero(p >= np.percentile(p, 10) * 10 ** (above_db / 10))
    join = int(round(join_us * 1e-6 * sr))
    breaks = np.flatnonzero(np.diff(active) > join)
    start_us = np.r_[active[0], active[breaks + 1]] / sr * 1e6
    end_us = (np.r_[active[breaks], active[-1]] + 1) / sr * 1e6
    length = end_us - start_us
    reply = ((length >= 55) & (length <= 75)) | ((length >= 105) & (length <= 135))
    silence = start_us[1:] - end_us[:-1]
    isolated = (np.r_[np.inf, silence] >= clear_us) & (np.r_[silence, np.inf] >= clear_us)
    name = "adsb_mode_s_replies.csv"
    with open(os.path.join(OUT, name), "w") as f:
        f.write("start_us,end_us,isolated\n")
        for a, b, i in zip(start_us[reply], end_us[reply], isolated[reply]):
            f.write(f"{a:.1f},{b:.1f},{int(i)}\n")
    manifest["mode_s_replies"] = {
        "file": name, "source": source, "sample_rate": sr, "above_db": above_db, "join_us": join_us,
        "clear_us": clear_us, "segments": int(len(start_us)), "replies": int(reply.sum()),
        "isolated": int((reply & isolated).sum()),
    }


mode_s_replies("dump1090_modes1_1090M_2000k.cu8", 2e6)

with open(os.path.join(OUT, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1)
    f.write("\n")
print("wrote", len(manifest["cases"]), "cases to", OUT)
