#!/usr/bin/env python3
"""Spectrogram pictures (issue 6): spectro from-image against the obvious Python inversion.

Run from the repository root after `cargo build --release`:

    python3 benches/compare_images.py [--rounds 3]

1. Quality on a librosa specshow picture (tests/data/specshow_ao73.png, made by
   tests/data/gen_specshow.py): the sound is drawn again exactly as the picture was (matplotlib,
   through gen_specshow.picture) and compared pixel by pixel in dB (nearest magma colour).
   Baseline: nearest colour per cell + librosa.griffinlim(n_iter=32), seeds 0-2.
2. Speed, same session, alternating: the baseline timed around its calls (inversion and
   griffinlim, no start-up or file reading), spectro's in-process import time (--json
   elapsed_s) and the whole spectro process.
3. Round trips: `spectro render --cells` then `spectro from-image` with no options, spectral
   convergence against the original computed here with scipy (2048 / 512 Hann, or 256 / 64 for
   the IQ capture).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import librosa
import numpy as np
import scipy.io.wavfile as wavfile
import scipy.signal as ss

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "tests", "data")
SPECTRO = os.path.join(ROOT, "target", "release", "spectro")
sys.path.insert(0, DATA)
import gen_specshow as g  # noqa: E402

PICTURE = os.path.join(DATA, "specshow_ao73.png")
OPTIONS = ["--sample-rate", "48000", "--hop", "512", "--duration", "3", "--scale", "librosa-log", "--range-db", "80"]


def redraw_error(y, input_db):
    png, _ = g.picture(np.asarray(y, dtype=np.float32)[:144000], 48000)
    return float(np.abs(g.levels_db(png) - input_db).mean())


def spectro_import(out, iters):
    t = time.perf_counter()
    r = subprocess.run([SPECTRO, "from-image", PICTURE, "-o", out, *OPTIONS, "--iters", str(iters), "--json", "--force"],
                       check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t
    return json.loads(r.stdout)["elapsed_s"], wall


def read(path):
    sr, x = wavfile.read(path)
    if x.dtype == np.int16:
        x = x / 32768.0
    return sr, x.astype(np.float64)


def sc_db(x, y, nfft):
    _, _, a = ss.stft(x, nperseg=nfft, noverlap=nfft * 3 // 4, return_onesided=not np.iscomplexobj(x))
    _, _, b = ss.stft(y, nperseg=nfft, noverlap=nfft * 3 // 4, return_onesided=not np.iscomplexobj(y))
    a, b = np.abs(a), np.abs(b)
    return 20 * np.log10(np.linalg.norm(a - b) / np.linalg.norm(a))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    png = open(PICTURE, "rb").read()
    input_db = g.levels_db(png)
    tmp = tempfile.mkdtemp()
    out = os.path.join(tmp, "out.wav")

    print("## quality: specshow picture -> sound -> picture, mean |dB| over all pixels")
    base = []
    for seed in g.SEEDS:
        S = g.invert_nearest(png, 48000, 282)
        y = librosa.griffinlim(S, n_iter=32, hop_length=512, n_fft=2048, length=144000, random_state=seed)
        base.append(redraw_error(y, input_db))
    print(f"baseline nearest colour + griffinlim 32: {np.mean(base):.3f} dB (seeds {g.SEEDS}: {', '.join(f'{b:.3f}' for b in base)})")
    for iters in [32, 100, 200]:
        spectro_import(out, iters)
        _, y = read(out)
        e = redraw_error(y, input_db)
        print(f"spectro from-image, PGHI + {iters} FGLA: {e:.3f} dB ({np.mean(base) / e:.2f}x lower)")
    y0, _ = librosa.load(os.path.join(DATA, "sat_ao73.wav"), sr=None, duration=3.0)
    print(f"(the original recording redrawn: {redraw_error(y0, input_db):.3f} dB)")

    print("\n## speed, same session (baseline timed around inversion + griffinlim only)")
    rows = []
    for r in range(args.rounds):
        t = time.perf_counter()
        S = g.invert_nearest(png, 48000, 282)
        librosa.griffinlim(S, n_iter=32, hop_length=512, n_fft=2048, length=144000, random_state=0)
        tb = time.perf_counter() - t
        s32, w32 = spectro_import(out, 32)
        s100, w100 = spectro_import(out, 100)
        rows.append((tb, s32, w32, s100, w100))
        print(f"round {r + 1}: baseline {tb * 1e3:.0f} ms | spectro 32 it {s32 * 1e3:.0f} ms "
              f"(process {w32 * 1e3:.0f} ms) | 100 it {s100 * 1e3:.0f} ms (process {w100 * 1e3:.0f} ms)")
    m = np.median(np.array(rows), axis=0)
    print(f"median: baseline {m[0] * 1e3:.0f} ms; spectro 32 it {m[1] * 1e3:.0f} ms ({m[0] / m[1]:.1f}x faster), "
          f"100 it {m[3] * 1e3:.0f} ms ({m[0] / m[3]:.1f}x faster); whole processes {m[2] * 1e3:.0f} / {m[4] * 1e3:.0f} ms")

    print("\n## round trips: render --cells, from-image without options, SC against the original (scipy)")
    cases = [
        ("sat_ao73.wav", [], 2048),
        ("ft8lib_20m_busy_test_01.wav", [], 2048),
        ("dump1090_modes1_1090M_2000k.cu8", ["--sample-rate", "2M", "--fft", "256"], 256),
    ]
    for name, extra, nfft in cases:
        src = os.path.join(DATA, name)
        for colours in [[], ["--gray16"]]:
            pic = os.path.join(tmp, "cells.png")
            subprocess.run([SPECTRO, "render", src, "-o", pic, "--cells", *extra, *colours], check=True)
            iq = name.endswith(".cu8")
            back = os.path.join(tmp, "back.cf32" if iq else "back.wav")
            t = time.perf_counter()
            r = subprocess.run([SPECTRO, "from-image", pic, "-o", back, "--json", "--force"], check=True,
                               capture_output=True, text=True)
            wall = time.perf_counter() - t
            if iq:
                raw = np.fromfile(src, dtype=np.uint8).astype(np.float64)
                x = (raw[0::2] - 127.5) / 127.5 + 1j * (raw[1::2] - 127.5) / 127.5
                z = np.fromfile(back, dtype=np.float32).astype(np.float64)
                y = z[0::2] + 1j * z[1::2]
            else:
                _, x = read(src)
                _, y = read(back)
            d = json.loads(r.stdout)
            print(f"{name} {'16-bit grey' if colours else 'inferno'}: SC {sc_db(x, y, nfft):.1f} dB, "
                  f"{d['frames']} x {d['bins']} cells, import {d['elapsed_s']:.2f} s (process {wall:.2f} s)")


if __name__ == "__main__":
    main()
