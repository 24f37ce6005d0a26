#!/usr/bin/env python3
"""Spectro's phase reconstruction against librosa.griffinlim, in the same session.

    cargo build --release && python3 benches/compare_phase.py [--rounds 3]

For each setting (the speech file at n_fft 1024 / hop 256, and the same speech looped to 4.6 s at
n_fft 2048 / hop 512) it alternates, round after round:

- librosa 0.11 `griffinlim` (FGLA, momentum 0.99, random start), 100 and 0 iterations, timed
  around the call only (no Python start-up, no file reading);
- `spectro reconstruct --method fgla` with 100 and 0 iterations, its own in-process
  reconstruction time from `--json` (no start-up, no file I/O either);
- the whole `spectro reconstruct --iters 32` process (default method, PGHI + FGLA), wall time
  including start-up, reading and writing the WAV.

Per-iteration times are (t₁₀₀ − t₀)/100 on both sides. Medians over the rounds are printed with
their ratios, and the spectral convergence (SC) each reached, measured with its own STFT.

    python3 benches/compare_phase.py --quality

prints instead the quality grid of BENCHMARKS.md: SC on the speech at n_fft 1024, hops 256 and
128, 32 and 100 iterations, GLA and FGLA from random starts (mean over seeds 0-4) for librosa
and spectro, and spectro's PGHI and PGHI + FGLA.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy.io.wavfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import librosa_griffinlim as lg  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPECTRO = os.path.join(ROOT, "target", "release", "spectro")


def spectro(args):
    start = time.perf_counter()
    out = subprocess.run([SPECTRO, "reconstruct", *args, "--json"], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    return wall, json.loads(out.stdout)


def quality(wav_in, seeds=5):
    rate, y = lg.load(wav_in, None)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.wav")
        print("speech, n_fft 1024, Hann: mean SC in dB (librosa / spectro)")
        for hop in [256, 128]:
            S = np.abs(lg.librosa.stft(y, n_fft=1024, hop_length=hop, window="hann", center=True, pad_mode="constant"))
            common = [wav_in, "-o", out, "--fft", "1024", "--hop", str(hop)]
            for label, momentum in [("gla", 0.0), ("fgla", 0.99)]:
                cells = []
                for iters in [32, 100]:
                    lr = np.mean(
                        [lg.spectral_convergence_db(S, lg.run(S, 1024, hop, len(y), iters, momentum, s)[1], 1024, hop) for s in range(seeds)]
                    )
                    sp = np.mean(
                        [
                            spectro(common + ["--method", label, "--iters", str(iters), "--seed", str(s)])[1]["spectral_convergence_db"]
                            for s in range(seeds)
                        ]
                    )
                    cells.append(f"{iters} it {lr:6.2f} / {sp:6.2f}")
                print(f"  hop {hop} {label:9s} " + "   ".join(cells))
            pghi = spectro(common + ["--method", "pghi"])[1]["spectral_convergence_db"]
            pf = [spectro(common + ["--iters", str(i)])[1]["spectral_convergence_db"] for i in [32, 100]]
            print(f"  hop {hop} pghi      spectro {pghi:6.2f};  pghi+fgla 32 it {pf[0]:6.2f}, 100 it {pf[1]:6.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wav", default=lg.SPEECH)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quality", action="store_true", help="print the SC grid instead of timings")
    args = ap.parse_args()
    if not os.path.exists(SPECTRO):
        sys.exit(f"{SPECTRO} is missing: run `cargo build --release` first")
    if args.quality:
        quality(args.wav)
        return

    with tempfile.TemporaryDirectory() as tmp:
        for name, seconds, n_fft, hop in lg.SETTINGS:
            rate, y = lg.load(args.wav, seconds)
            # The exact samples librosa gets, as 16-bit PCM (they came from a 16-bit file).
            wav = os.path.join(tmp, f"{name}.wav")
            scipy.io.wavfile.write(wav, rate, np.round(y * 32768).astype(np.int16))
            out = os.path.join(tmp, f"{name}-out.wav")
            common = [wav, "-o", out, "--fft", str(n_fft), "--hop", str(hop)]
            S = np.abs(lg.librosa.stft(y, n_fft=n_fft, hop_length=hop, window="hann", center=True, pad_mode="constant"))
            lg.run(S, n_fft, hop, len(y), 2, 0.99, 0)  # warm-up
            spectro(common + ["--method", "fgla", "--iters", "2"])
            rows = {k: [] for k in ["lr100", "lr0", "lr_sc", "sp100", "sp0", "sp_sc", "whole", "whole_sc"]}
            for r in range(args.rounds):
                t100, y_hat = lg.run(S, n_fft, hop, len(y), 100, 0.99, r)
                t0, _ = lg.run(S, n_fft, hop, len(y), 0, 0.99, r)
                rows["lr100"].append(t100)
                rows["lr0"].append(t0)
                rows["lr_sc"].append(float(lg.spectral_convergence_db(S, y_hat, n_fft, hop)))
                _, j100 = spectro(common + ["--method", "fgla", "--iters", "100", "--seed", str(r)])
                _, j0 = spectro(common + ["--method", "fgla", "--iters", "0", "--seed", str(r)])
                rows["sp100"].append(j100["reconstruct_s"])
                rows["sp0"].append(j0["reconstruct_s"])
                rows["sp_sc"].append(j100["spectral_convergence_db"])
                wall, jw = spectro(common + ["--iters", "32"])
                rows["whole"].append(wall)
                rows["whole_sc"].append(jw["spectral_convergence_db"])
            med = {k: statistics.median(v) for k, v in rows.items()}
            mean_sc = {k: float(np.mean(rows[k])) for k in ["lr_sc", "sp_sc", "whole_sc"]}
            lr_it = (med["lr100"] - med["lr0"]) / 100
            sp_it = (med["sp100"] - med["sp0"]) / 100
            print(f"{name}: {len(y)} samples at {rate} Hz, n_fft {n_fft}, hop {hop}, {args.rounds} rounds (medians)")
            print(f"  per FGLA iteration: librosa {lr_it * 1e3:.2f} ms, spectro {sp_it * 1e3:.3f} ms -> {lr_it / sp_it:.1f}x")
            print(
                f"  librosa griffinlim, 100 it (call only): {med['lr100'] * 1e3:.0f} ms, SC {mean_sc['lr_sc']:.2f} dB;"
                f" spectro fgla 100 it: SC {mean_sc['sp_sc']:.2f} dB"
            )
            print(
                f"  whole `spectro reconstruct --iters 32` (pghi+fgla, process wall time): {med['whole'] * 1e3:.0f} ms,"
                f" SC {mean_sc['whole_sc']:.2f} dB -> {med['lr100'] / med['whole']:.1f}x faster than librosa's 100 it"
            )
            print("  raw:", json.dumps({k: [round(x, 4) for x in v] for k, v in rows.items()}))


if __name__ == "__main__":
    main()
