#!/usr/bin/env python3
"""Spectral repair (issue 14): Spectro's repair modes against silence and Janssen's AR
interpolation, on the cases of tests/suite/repair.rs, in one run.

    cargo build --release --locked && python3 benches/compare_repair.py

The cases (the same events and seeds as tests/suite/repair.rs):
- a knock (80 ms broadband burst, decaying) and a cough (250 ms band-passed noise burst) on
  the committed music (tests/data/repair_music.wav, left channel), full-band regions;
- a loud chirp (1.2 -> 2.8 kHz over 0.6 s) and a phone ring (900 + 1300 Hz, 1.5 s) over the
  committed speech (tests/data/arctic_a0007.wav), time-frequency boxes.

For each case the script writes the corrupted recording (float32 WAV) and one edit list per
mode, runs `target/release/spectro apply`, and scores every output by the magnitude SNR over
the region's STFT cells against the clean recording, 10 log10(sum|C|^2 / sum(|C|-|Y|)^2)
(frames centred in the region's time span, bins in its band; the STFT of the edit list).
Silence is the region zeroed (0 dB by construction); Janssen (benches/janssen.py) fills the
event's samples on full-band cases; on boxes it does not apply (it interpolates every
frequency) and is reported n/a.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy.io import wavfile
from scipy.signal import stft

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from janssen import janssen_fill  # noqa: E402

SPECTRO = os.path.join(ROOT, "target", "release", "spectro")
MODES = ["attenuate", "replace", "pattern", "auto"]
MASK64 = (1 << 64) - 1


class Rng:
    """xorshift64*, uniform in [-1, 1): tests/common/mod.rs's `Rng`."""

    def __init__(self, seed):
        self.s = seed

    def uniform(self):
        s = self.s
        s ^= s >> 12
        s ^= (s << 25) & MASK64
        s ^= s >> 27
        self.s = s
        v = (s * 0x2545F4914F6CDD1D) & MASK64
        return ((v >> 40) / float(1 << 24)) * 2.0 - 1.0


def knock(fs, duration_s, peak, seed):
    n = int(duration_s * fs)
    rng = Rng(seed)
    return np.array([peak * rng.uniform() * np.exp(-i / (0.2 * duration_s * fs)) for i in range(n)], np.float32)


def cough(fs, duration_s, rms, seed):
    n = int(duration_s * fs)
    rng = Rng(seed)
    hp = np.float32(np.exp(-2 * np.pi * 250.0 / fs))
    lp = np.float32(np.exp(-2 * np.pi * 3000.0 / fs))
    prev, h, l1, l2 = 0.0, 0.0, 0.0, 0.0
    y = np.zeros(n, np.float32)
    for i in range(n):
        x = rng.uniform()
        h = hp * (h + x - prev)
        prev = x
        l1 = (1 - lp) * h + lp * l1
        l2 = (1 - lp) * l1 + lp * l2
        y[i] = l2 * np.sin(np.pi * i / n) ** 0.7
    return (y * (rms / np.sqrt(np.mean(y.astype(np.float64) ** 2)))).astype(np.float32)


def fades(t, duration_s):
    return np.minimum(np.minimum(t / 0.01, (duration_s - t) / 0.01), 1.0)


def chirp(fs, duration_s, f0, f1, amp):
    t = np.arange(int(duration_s * fs)) / fs
    phase = 2 * np.pi * (f0 * t + 0.5 * (f1 - f0) / duration_s * t * t)
    return (amp * fades(t, duration_s) * np.sin(phase)).astype(np.float32)


def ring(fs, duration_s, freqs, amp):
    t = np.arange(int(duration_s * fs)) / fs
    s = sum(np.sin(2 * np.pi * f * t) for f in freqs)
    return (amp * fades(t, duration_s) * s).astype(np.float32)


def add_at(x, event, at_s, fs):
    at = int(at_s * fs)
    x = x.copy()
    x[at : at + len(event)] += event[: len(x) - at]
    return x


def read_mono(path):
    fs, x = wavfile.read(path)
    if x.dtype == np.int16:
        x = x.astype(np.float32) / 32768.0
    if x.ndim > 1:
        x = x[:, 0]
    return fs, x.astype(np.float32)


def region_snr_db(clean, y, fs, fft, hop, time_s, freq_hz, zero=False):
    kw = dict(fs=fs, window="hann", nperseg=fft, noverlap=fft - hop, boundary="zeros", padded=True)
    f, t, c = stft(clean, **kw)
    _, _, o = stft(y, **kw)
    rows = (f >= freq_hz[0]) & (f <= freq_hz[1])
    cols = (t >= time_s[0] - 1e-9) & (t <= time_s[1] + 1e-9)
    a = np.abs(c[np.ix_(rows, cols)])
    z = np.zeros_like(a) if zero else np.abs(o[np.ix_(rows, cols)])
    return 10 * np.log10(np.sum(a**2) / max(np.sum((a - z) ** 2), 1e-30))


def cases():
    fs_m, music = read_mono(os.path.join(ROOT, "tests", "data", "repair_music.wav"))
    fs_s, speech = read_mono(os.path.join(ROOT, "tests", "data", "arctic_a0007.wav"))
    return [
        ("knock 80 ms, music", music, add_at(music, knock(fs_m, 0.08, 0.5, 11), 3.3, fs_m), fs_m, 2048,
         [3.3, 3.38], [0, fs_m // 2], True),
        ("cough 250 ms, music", music, add_at(music, cough(fs_m, 0.25, 0.15, 12), 6.4, fs_m), fs_m, 2048,
         [6.4, 6.65], [0, fs_m // 2], True),
        ("chirp over speech, box", speech, add_at(speech, chirp(fs_s, 0.6, 1200.0, 2800.0, 0.2), 1.2, fs_s),
         fs_s, 1024, [1.2, 1.8], [1000, 3000], False),
        ("ring over speech, box", speech, add_at(speech, ring(fs_s, 1.5, [900.0, 1300.0], 0.08), 1.8, fs_s),
         fs_s, 1024, [1.8, 3.3], [750, 1450], False),
    ]


def main():
    if not os.path.exists(SPECTRO):
        sys.exit(f"{SPECTRO} missing: cargo build --release --locked first")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, clean, corrupted, fs, fft, time_s, freq_hz, full_band in cases():
            hop = fft // 4
            src = os.path.join(tmp, "in.wav")
            wavfile.write(src, fs, corrupted.astype(np.float32))
            score = lambda y: region_snr_db(clean, y, fs, fft, hop, time_s, freq_hz)  # noqa: E731
            row = {"case": name, "input": score(corrupted),
                   "silence": region_snr_db(clean, corrupted, fs, fft, hop, time_s, freq_hz, zero=True)}
            for mode in MODES:
                edits = {"version": 1, "stft": {"fft": fft, "hop": hop}, "edits": [
                    {"type": "rect", "time_s": time_s, "freq_hz": [float(f) for f in freq_hz], "repair": mode}]}
                path = os.path.join(tmp, f"{mode}.json")
                with open(path, "w") as f:
                    json.dump(edits, f)
                out = os.path.join(tmp, f"{mode}.wav")
                started = time.perf_counter()
                subprocess.run([SPECTRO, "apply", src, "--edits", path, "-o", out, "--quiet", "--force"], check=True)
                row[f"{mode}_s"] = time.perf_counter() - started
                _, y = read_mono(out)
                row[mode] = score(y)
            if full_band:
                a, b = int(time_s[0] * fs), int(time_s[1] * fs)
                started = time.perf_counter()
                y = janssen_fill(corrupted.astype(np.float64), a, b).astype(np.float32)
                row["janssen_s"] = time.perf_counter() - started
                row["janssen"] = score(y)
            rows.append(row)
            print(json.dumps({k: float(v) if not isinstance(v, str) else v for k, v in row.items()}), file=sys.stderr)
    head = "| case | input | silence | Janssen | attenuate | replace | pattern | auto |"
    print(head)
    print("|" + "---|" * 8)
    for r in rows:
        j = f"{r['janssen']:.2f}" if "janssen" in r else "n/a"
        cells = [f"{r['input']:.2f}", f"{r['silence']:.2f}", j] + [f"{r[m]:.2f}" for m in MODES]
        print(f"| {r['case']} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
