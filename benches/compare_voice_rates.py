"""Voice isolation on recordings at rates other than the model's 48 kHz (issue 18).

    cargo build --release && python3 benches/compare_voice_rates.py

The speech and backgrounds of benches/compare_voice.py (seven CMU ARCTIC sentences, white
noise, pink noise, music at 5 dB SNR, no noise sample), made at 16 kHz and at 44.1 kHz. Spectro
gets the file at its own rate (`spectro denoise --voice`, 30 dB); the DeepFilterNet3 reference
runtime only takes 48 kHz, so it gets the file resampled there and its output resampled back,
once with scipy's `resample_poly` (default Kaiser filter, soft roll-off around the lower Nyquist
frequency) and once with soxr (librosa's default, a sharp cut below it). SI-SDR in dB against
the clean speech at the file's rate. The two references differ by up to 0.8 dB at 16 kHz: the
model does better when some of the band edge leaks past the lower rate's Nyquist frequency.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import soundfile as sf
import soxr
from scipy.signal import resample_poly

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benches"))
import compare_voice as cv  # noqa: E402
import dfn_reference  # noqa: E402

MODEL_RATE_HZ = 48000
RATES_HZ = (16000, 44100)
REDUCTION_DB = 30.0


def resample_scipy(x, from_hz, to_hz):
    g = np.gcd(from_hz, to_hz)
    return resample_poly(np.asarray(x, dtype=np.float64), to_hz // g, from_hz // g)


def resample_soxr(x, from_hz, to_hz):
    return soxr.resample(np.asarray(x, dtype=np.float64), from_hz, to_hz, quality="HQ")


def speech_at(rate_hz):
    """The utterances at `rate_hz` (scipy from their 16 kHz), each at the same RMS, joined."""
    parts = []
    for rel in cv.SPEECH_FILES:
        x, fs = sf.read(os.path.join(ROOT, rel), dtype="float64")
        x = resample_scipy(x, fs, rate_hz)
        parts.append(x / np.sqrt(np.mean(x**2)))
    return np.concatenate(parts)


def backgrounds_at(n, rate_hz, music_path):
    spec = np.fft.rfft(np.random.default_rng(cv.SEEDS["pink noise"]).standard_normal(n))
    f_hz = np.fft.rfftfreq(n, 1.0 / rate_hz)
    gain = np.zeros_like(f_hz)
    audible = f_hz >= cv.PINK_LOW_HZ
    gain[audible] = 1.0 / np.sqrt(f_hz[audible])
    music, fs = sf.read(music_path, dtype="float64", always_2d=True)
    music = resample_scipy(music.mean(axis=1), fs, rate_hz)
    return {
        "white noise": np.random.default_rng(cv.SEEDS["white noise"]).standard_normal(n),
        "pink noise": np.fft.irfft(spec * gain, n),
        "music": np.tile(music, -(-n // len(music)))[:n],
    }


def reference(x, rate_hz, lib, model, resample):
    y = dfn_reference.enhance(
        resample(x, rate_hz, MODEL_RATE_HZ).astype(np.float32), lib, model, REDUCTION_DB
    )
    return resample(y, MODEL_RATE_HZ, rate_hz)[: len(x)]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--spectro", default=os.path.join(ROOT, "target", "release", "spectro"))
    p.add_argument("--music", default=cv.DEFAULT_MUSIC)
    p.add_argument("--lib", default=None, help="libDF shared library (default: the wheel's)")
    p.add_argument("--model", default=dfn_reference.DEFAULT_MODEL)
    args = p.parse_args()
    lib = dfn_reference.library_path(args.lib)
    print(
        "| rate | background | input | reference, scipy | reference, soxr | Spectro voice "
        "| − scipy | − soxr |"
    )
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        for rate_hz in RATES_HZ:
            speech = speech_at(rate_hz)
            for name, background in backgrounds_at(len(speech), rate_hz, args.music).items():
                clean, noisy = cv.mix(speech, background)
                path_in = os.path.join(work, "in.wav")
                path_out = os.path.join(work, "out.wav")
                sf.write(path_in, noisy.astype(np.float32), rate_hz, subtype="FLOAT")
                x, _ = sf.read(path_in, dtype="float32")
                subprocess.run(
                    [args.spectro, "denoise", path_in, "-o", path_out, "--force", "--voice",
                     "--reduction-db", f"{REDUCTION_DB:g}"],
                    check=True,
                    capture_output=True,
                )
                ours, fs = sf.read(path_out, dtype="float32")
                assert fs == rate_hz and len(ours) == len(x)
                ref_scipy = reference(x, rate_hz, lib, args.model, resample_scipy)
                ref_soxr = reference(x, rate_hz, lib, args.model, resample_soxr)
                v = [cv.si_sdr(clean, y) for y in (x, ref_scipy, ref_soxr, ours)]
                print(
                    f"| {rate_hz / 1000:g} kHz | {name} | {v[0]:.2f} | {v[1]:.2f} | {v[2]:.2f} "
                    f"| {v[3]:.2f} | {v[3] - v[1]:+.2f} | {v[3] - v[2]:+.2f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
