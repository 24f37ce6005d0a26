"""Writes the harmonic-selection fixtures (issue 15) next to this script.

vibrato_tone.wav   a harmonic tone alone: f0(t) = 420 Hz * (1 + 0.03 sin(2 pi 5 (t - 0.5))),
                   partials k = 1..9 (the fundamental and 8 overtones) at 0.04 / sqrt(k),
                   from 0.5 s to 3.5 s with 30 ms raised-cosine fades; float32, 16 kHz, 4 s.
vibrato_speech.wav arctic_a0007.wav (CMU ARCTIC, int16 scaled to +-1) plus that tone; float32.

The phase is the exact integral of f0, so tests compare tracks with f0(t) itself.
Run: python3 tests/data/gen_harmonics.py
"""
import os

import numpy as np
from scipy.io import wavfile

HERE = os.path.dirname(os.path.abspath(__file__))
FS = 16000
F0, DEPTH, RATE = 420.0, 0.03, 5.0
ON, OFF, FADE = 0.5, 3.5, 0.03
PARTIALS = 9


def f0(t):
    return F0 * (1 + DEPTH * np.sin(2 * np.pi * RATE * (t - ON)))


def tone(n):
    t = np.arange(n) / FS
    u = t - ON
    phase = 2 * np.pi * F0 * (u - DEPTH / (2 * np.pi * RATE) * (np.cos(2 * np.pi * RATE * u) - 1))
    x = sum(0.04 / np.sqrt(k) * np.sin(k * phase) for k in range(1, PARTIALS + 1))
    env = np.clip(np.minimum(t - ON, OFF - t) / FADE, 0, 1)
    env = 0.5 - 0.5 * np.cos(np.pi * env)
    return (x * env).astype(np.float32)


def main():
    rate, speech = wavfile.read(os.path.join(HERE, "arctic_a0007.wav"))
    assert rate == FS
    speech = speech.astype(np.float32) / 32768.0
    t = tone(len(speech))
    wavfile.write(os.path.join(HERE, "vibrato_tone.wav"), FS, t)
    wavfile.write(os.path.join(HERE, "vibrato_speech.wav"), FS, (speech + t).astype(np.float32))
    rms = lambda x: 10 * np.log10(np.mean(x.astype(np.float64) ** 2))
    print(f"speech {rms(speech):.1f} dB, tone {rms(t[int(ON*FS):int(OFF*FS)]):.1f} dB (over its span)")


if __name__ == "__main__":
    main()
