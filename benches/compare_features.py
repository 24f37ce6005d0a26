#!/usr/bin/env python3
"""`spectro features` against librosa computing the same frame features, in the same session.

    cargo build --release && python3 benches/compare_features.py [--rounds 5] [--seconds 60]

Input: tests/data/sat_ao73.wav (48 kHz) looped to --seconds (`np.tile`), written as a float32
WAV so both sides read the same samples. Geometry: librosa's defaults, n_fft 2048, hop 512,
Hann, centred frames.

librosa 0.11 computes the features `spectro features` writes per frame: 20 MFCCs (128 Slaney
mel bands, top_db 80), spectral centroid, bandwidth, flatness and roll-off, two ways, timed
around the calls only (the audio already in memory, no Python start-up):
- "shared STFT": one `librosa.stft`, the magnitude handed to every feature (`S=`), the mel
  spectrogram from its square: the fastest way to get them all from librosa;
- "one call each": `librosa.feature.mfcc(y=...)`, `spectral_centroid(y=...)` and so on, each
  computing its own STFT, as the functions are usually called.

spectro runs as a whole process with `--no-bursts` (frame features: the above plus levels and 8
band powers) and with burst detection (the default); its time is the one it reports on stderr,
from the start of the command to the CSV written (opening, computing and writing included, no
process start-up). Rounds alternate the sides; medians and their ratios are printed, and the
largest MFCC difference between the two outputs as a check that they computed the same thing.
"""

import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time

import librosa
import numpy as np
import scipy.io.wavfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPECTRO = os.path.join(ROOT, "target", "release", "spectro")
N_FFT, HOP = 2048, 512


def librosa_shared(y, sr):
    S = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP))
    mel = librosa.feature.melspectrogram(S=S**2, sr=sr)
    return {
        "mfcc": librosa.feature.mfcc(S=librosa.power_to_db(mel), n_mfcc=20),
        "centroid": librosa.feature.spectral_centroid(S=S, sr=sr),
        "bandwidth": librosa.feature.spectral_bandwidth(S=S, sr=sr),
        "flatness": librosa.feature.spectral_flatness(S=S),
        "rolloff": librosa.feature.spectral_rolloff(S=S, sr=sr),
    }


def librosa_each(y, sr):
    kw = dict(n_fft=N_FFT, hop_length=HOP)
    return {
        "mfcc": librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20, **kw),
        "centroid": librosa.feature.spectral_centroid(y=y, sr=sr, **kw),
        "bandwidth": librosa.feature.spectral_bandwidth(y=y, sr=sr, **kw),
        "flatness": librosa.feature.spectral_flatness(y=y, **kw),
        "rolloff": librosa.feature.spectral_rolloff(y=y, sr=sr, **kw),
    }


def timed(f, *args):
    start = time.perf_counter()
    out = f(*args)
    return time.perf_counter() - start, out


def spectro(wav, out, extra):
    run = subprocess.run([SPECTRO, "features", wav, "-o", out, "--force", *extra], check=True, capture_output=True, text=True)
    m = re.search(r", ([0-9.]+) s\)\s*$", run.stderr)
    if not m:
        raise SystemExit(f"unexpected spectro output: {run.stderr!r}")
    return float(m.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args()
    y, sr = librosa.load(os.path.join(ROOT, "tests", "data", "sat_ao73.wav"), sr=None)
    n = int(round(args.seconds * sr))
    y = np.tile(y, n // len(y) + 1)[:n].astype(np.float32)
    print(f"input: sat_ao73 looped to {n / sr:.1f} s at {sr} Hz ({n} samples), n_fft {N_FFT}, hop {HOP}")
    print(f"librosa {librosa.__version__}, numpy {np.__version__}")
    times = {"librosa shared STFT": [], "librosa one call each": [], "spectro --no-bursts": [], "spectro with bursts": []}
    with tempfile.TemporaryDirectory() as tmp:
        wav = os.path.join(tmp, "in.wav")
        scipy.io.wavfile.write(wav, sr, y)
        frames_csv = os.path.join(tmp, "frames.csv")
        reference = None
        for r in range(args.rounds):
            t, reference = timed(librosa_shared, y, sr)
            times["librosa shared STFT"].append(t)
            times["librosa one call each"].append(timed(librosa_each, y, sr)[0])
            times["spectro --no-bursts"].append(spectro(wav, frames_csv, ["--no-bursts"]))
            times["spectro with bursts"].append(spectro(wav, os.path.join(tmp, "all.csv"), []))
            print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1] * 1e3:.0f} ms" for k, v in times.items()))
        ours = np.genfromtxt(frames_csv, delimiter=",", names=True)
        mfcc = np.stack([ours[f"mfcc_{k}"] for k in range(20)])
        err = np.max(np.abs(mfcc - reference["mfcc"])) / np.max(np.abs(reference["mfcc"]))
        print(f"check: {mfcc.shape[1]} frames, largest MFCC difference {err:.1e} of the largest MFCC")
    med = {k: statistics.median(v) for k, v in times.items()}
    print("\nmedians:")
    for k, v in med.items():
        print(f"  {k:24s} {v * 1e3:8.1f} ms")
    for lib in ["librosa shared STFT", "librosa one call each"]:
        for ours in ["spectro --no-bursts", "spectro with bursts"]:
            print(f"  {lib} / {ours}: {med[lib] / med[ours]:.1f}x")


if __name__ == "__main__":
    main()
