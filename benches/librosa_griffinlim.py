#!/usr/bin/env python3
"""Times librosa.griffinlim on the inputs `cargo bench --bench phase` and `spectro reconstruct` use.

Prints, per setting, librosa's time per iteration and the spectral convergence (SC) it reaches,
so BENCHMARKS.md can quote ratios measured in the same session. Needs librosa 0.11, numpy, scipy.

    python3 benches/librosa_griffinlim.py [--repeats 3] [--wav tests/data/arctic_a0007.wav]

Settings (identical to the Rust side):
  speech   tests/data/arctic_a0007.wav (CMU ARCTIC, 4.0 s, 16 kHz), n_fft 1024, hop 256, Hann
  speech46 the same file looped to 4.6 s (220800 samples), n_fft 2048, hop 512, Hann
Each is run with librosa's default momentum 0.99 (FGLA) from a random start (init='random'), and
with momentum 0 (plain GLA). SC = 20·log10(‖S − |STFT(x̂)|‖_F / ‖S‖_F) with librosa's own STFT.
"""

import argparse
import json
import os
import time

import librosa
import numpy as np
import scipy.io.wavfile

SPEECH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "data", "arctic_a0007.wav")

SETTINGS = [
    # name, loop to seconds (None: as is), n_fft, hop
    ("speech", None, 1024, 256),
    ("speech46", 4.6, 2048, 512),
]


def load(path, seconds):
    rate, data = scipy.io.wavfile.read(path)
    y = data.astype(np.float32) / 32768.0
    if y.ndim > 1:
        y = y[:, 0]
    if seconds is not None:
        n = int(round(seconds * rate))
        y = np.tile(y, -(-n // len(y)))[:n]
    return rate, np.ascontiguousarray(y)


def spectral_convergence_db(S, y, n_fft, hop):
    R = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop, window="hann", center=True, pad_mode="constant"))
    return 20 * np.log10(np.linalg.norm(S - R) / np.linalg.norm(S))


def run(S, n_fft, hop, length, n_iter, momentum, seed):
    start = time.perf_counter()
    y = librosa.griffinlim(
        S,
        n_iter=n_iter,
        hop_length=hop,
        n_fft=n_fft,
        window="hann",
        center=True,
        length=length,
        pad_mode="constant",
        momentum=momentum,
        init="random",
        random_state=seed,
    )
    return time.perf_counter() - start, y


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wav", default=SPEECH)
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per case; the median is reported")
    ap.add_argument("--json", action="store_true", help="one JSON object per line")
    args = ap.parse_args()

    for name, seconds, n_fft, hop in SETTINGS:
        rate, y = load(args.wav, seconds)
        S = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop, window="hann", center=True, pad_mode="constant"))
        # Warm up numpy's FFT plans and caches.
        run(S, n_fft, hop, len(y), 2, 0.99, 0)
        for label, momentum, iters in [("fgla", 0.99, 100), ("fgla", 0.99, 32), ("gla", 0.0, 100)]:
            times, scs = [], []
            for r in range(args.repeats):
                t, y_hat = run(S, n_fft, hop, len(y), iters, momentum, r)
                times.append(t)
                scs.append(spectral_convergence_db(S, y_hat, n_fft, hop))
            # The fixed part (the final inverse STFT and set-up) measured with no iterations, so the
            # per-iteration figure is the iterations' own cost.
            t0 = np.median([run(S, n_fft, hop, len(y), 0, momentum, r)[0] for r in range(args.repeats)])
            total = float(np.median(times))
            row = {
                "setting": name,
                "samples": len(y),
                "rate_hz": rate,
                "n_fft": n_fft,
                "hop": hop,
                "method": label,
                "momentum": momentum,
                "iterations": iters,
                "total_s": total,
                "per_iteration_ms": 1e3 * (total - t0) / iters,
                "sc_db_mean": float(np.mean(scs)),
                "sc_db": [round(float(s), 2) for s in scs],
            }
            if args.json:
                print(json.dumps(row))
            else:
                print(
                    f"{name:9s} n_fft {n_fft:4d} hop {hop:3d} {label:4s} {iters:3d} it: "
                    f"total {total * 1e3:8.1f} ms, {row['per_iteration_ms']:6.2f} ms/it, "
                    f"SC {row['sc_db_mean']:6.2f} dB (runs: {row['sc_db']})"
                )


if __name__ == "__main__":
    main()
