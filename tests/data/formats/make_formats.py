#!/usr/bin/env python3
"""Writes the format fixtures of tests/suite/formats.rs with libsndfile (python3 soundfile), and the
samples libsndfile decodes from each as raw little-endian float32 (`NAME.ref.f32`, interleaved),
the independent reference the tests compare Spectro's decoding with.

The signal: 0.3 s of two channels at 8 kHz (44.1 kHz for the lossy codecs, which need a
common rate): a 440 Hz tone, a chirp, a little seeded noise, peaks at -3 dBFS. Public domain
(made here). Run from the repository root: python3 tests/data/formats/make_formats.py
"""
import os

import numpy as np
import soundfile as sf

OUT = os.path.dirname(os.path.abspath(__file__))


def signal(fs, seconds=0.3):
    n = int(fs * seconds)
    t = np.arange(n) / fs
    rng = np.random.default_rng(7)
    left = 0.5 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(n)
    right = 0.4 * np.sin(2 * np.pi * (200 * t + 1500 * t * t)) + 0.05 * rng.standard_normal(n)
    x = np.stack([left, right], axis=1)
    return 0.7 * x / np.max(np.abs(x))


# (file name, container format, subtype, rate)
FIXTURES = [
    ("pcm16.wav", "WAV", "PCM_16", 8000),
    ("pcm24.wav", "WAV", "PCM_24", 8000),
    ("pcm24_ext.wav", "WAVEX", "PCM_24", 8000),
    ("float64.wav", "WAV", "DOUBLE", 8000),
    ("alaw.wav", "WAV", "ALAW", 8000),
    ("ulaw.wav", "WAV", "ULAW", 8000),
    ("pcm16.rf64", "RF64", "PCM_16", 8000),
    ("pcm24.w64", "W64", "PCM_24", 8000),
    ("pcm16.aiff", "AIFF", "PCM_16", 8000),
    ("pcm24.aiff", "AIFF", "PCM_24", 8000),
    ("ulaw.aifc", "AIFF", "ULAW", 8000),
    ("alaw.aifc", "AIFF", "ALAW", 8000),
    ("pcm16.caf", "CAF", "PCM_16", 8000),
    ("pcm16.flac", "FLAC", "PCM_16", 8000),
    ("pcm24.flac", "FLAC", "PCM_24", 8000),
    ("vorbis.ogg", "OGG", "VORBIS", 44100),
    ("mp3.mp3", "MP3", "MPEG_LAYER_III", 44100),
]


def main():
    for name, fmt, subtype, fs in FIXTURES:
        path = os.path.join(OUT, name)
        x = signal(fs)
        # libsndfile's Vorbis encoder crashes on large single writes: write in blocks.
        with sf.SoundFile(path, "w", fs, 2, format=fmt, subtype=subtype) as f:
            for i in range(0, len(x), 1024):
                f.write(x[i : i + 1024])
        ref, rate = sf.read(path, dtype="float32", always_2d=True)
        assert rate == fs
        ref.astype("<f4").tofile(path + ".ref.f32")
        print(f"{name}: {ref.shape[0]} samples, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
