#!/usr/bin/env python3
"""The noisereduce figure Spectro's denoiser must beat, measured on a deterministic input.

Run from the repository root:  python3 tests/data/gen_noisereduce_reference.py
Writes tests/data/noisereduce_speech_5db.json. Needs numpy, scipy and noisereduce 3.x
(pip install noisereduce==3.0.3 numpy scipy). The speech is tests/data/arctic_a0007.wav (CMU
ARCTIC, 16 kHz; see tests/data/SOURCES.md).

The input: 0.5 s of white noise, then the speech with the same noise continuing, the noise
scaled so that speech energy / noise energy over the speech is 5 dB. The noise is uniform in
[-1, 1) from the xorshift64* generator of tests/common/mod.rs (seed 0x5EED5EED), so the Rust
test rebuilds the identical input without Python; the input's FNV-1a checksum over its float32
bits is stored so the test can prove it did.

noisereduce runs in its stationary mode with its defaults and the first 0.5 s (noise alone) as
y_noise. Scores are the scale-invariant SDR (Le Roux et al. 2019) over the whole file, against
0.5 s of silence followed by the clean speech. The Rust test (tests/suite/denoise.rs) reads only the
JSON this writes.
"""
import json
import os
import sys

import numpy as np
import scipy.io.wavfile

HERE = os.path.dirname(os.path.abspath(__file__))
SPEECH = os.path.join(HERE, "arctic_a0007.wav")
SEED = 0x5EED5EED
SNR_DB = 5.0
LEAD_S = 0.5
OUT = os.path.join(HERE, "noisereduce_speech_5db.json")
MASK = (1 << 64) - 1


def uniform_noise(seed, n):
    """xorshift64*, as tests/common/mod.rs: uniform in [-1, 1) with 24-bit resolution."""
    s = seed
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        s ^= s >> 12
        s ^= (s << 25) & MASK
        s ^= s >> 27
        v = (s * 0x2545F4914F6CDD1D) & MASK
        out[i] = ((v >> 40) / float(1 << 24)) * 2.0 - 1.0
    return out


def make_input():
    """(sample rate, clean reference, noisy input as float32, samples of noise alone)."""
    if not os.path.exists(SPEECH):
        sys.exit(f"{SPEECH} is missing")
    fs, s = scipy.io.wavfile.read(SPEECH)
    s = s.astype(np.float64) / 32768.0
    lead = int(round(LEAD_S * fs))
    noise = uniform_noise(SEED, lead + len(s))
    # Sequential sums, in the order the Rust test adds them.
    es = 0.0
    for v in s:
        es += v * v
    en = 0.0
    for v in noise[lead:]:
        en += v * v
    scale = np.sqrt(es / (en * 10.0 ** (SNR_DB / 10.0)))
    clean = np.concatenate([np.zeros(lead), s])
    noisy = (clean + scale * noise).astype(np.float32)
    return fs, clean, noisy, lead


def fnv1a(x):
    h = 0xCBF29CE484222325
    for b in np.asarray(x, dtype="<f4").tobytes():
        h ^= b
        h = (h * 0x100000001B3) & MASK
    return h


def si_sdr(reference, estimate):
    reference = np.asarray(reference, dtype=np.float64)
    estimate = np.asarray(estimate, dtype=np.float64)[: len(reference)]
    alpha = np.dot(estimate, reference) / np.dot(reference, reference)
    target = alpha * reference
    error = estimate - target
    return 10.0 * np.log10(np.dot(target, target) / np.dot(error, error))


def noisereduce_output(noisy, fs, lead):
    import noisereduce

    return noisereduce.reduce_noise(y=noisy, sr=fs, y_noise=noisy[:lead], stationary=True)


def main():
    import noisereduce

    fs, clean, noisy, lead = make_input()
    denoised = noisereduce_output(noisy, fs, lead)
    before = si_sdr(clean, noisy)
    after = si_sdr(clean, denoised)
    result = {
        "made_by": "tests/data/gen_noisereduce_reference.py",
        "noisereduce": getattr(noisereduce, "__version__", None) or _version("noisereduce"),
        "numpy": np.__version__,
        "speech": "tests/data/" + os.path.basename(SPEECH),
        "seed": SEED,
        "snr_db": SNR_DB,
        "lead_s": LEAD_S,
        "sample_rate": int(fs),
        "samples": int(len(noisy)),
        "input_fnv1a": f"{fnv1a(noisy):016x}",
        "input_si_sdr_db": round(before, 4),
        "noisereduce_si_sdr_db": round(after, 4),
        "noisereduce_improvement_db": round(after - before, 4),
    }
    with open(OUT, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(json.dumps(result, indent=2))


def _version(name):
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    main()
