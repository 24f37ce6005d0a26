#!/usr/bin/env python3
"""Spectro's noise removal against noisereduce, on the same input, in the same run.

    cargo build --release && python3 benches/compare_denoise.py [--rounds 5]

Inputs (both written as float32 WAV to a temporary directory):

- the noisy speech of tests/data/gen_noisereduce_reference.py: 0.5 s of white noise, then
  tests/data/arctic_a0007.wav (CMU ARCTIC) with the noise going on at 5 dB SNR (4.5 s at
  16 kHz);
- the same speech repeated to 60 s in fresh white noise at the same level, for timing.

Quality (noisy speech only): SI-SDR of the input and of each output against the clean speech,
for noisereduce's stationary mode given the first 0.5 s as its noise sample, noisereduce's
non-stationary mode (no noise sample), `spectro denoise --noise-from 0:0.5` and
`spectro denoise --estimate`, all at their defaults.

Speed: noisereduce timed around `reduce_noise` only (no Python start-up, no file I/O);
spectro by the `seconds` its `--json` report gives (reading the file, learning, rendering and
writing the output; no process start-up), and by the whole process's wall time. Rounds
alternate between the two; medians are printed with their ratios.
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "data"))
import gen_noisereduce_reference as ref  # noqa: E402

SPECTRO = os.path.join(ROOT, "target", "release", "spectro")


def spectro(wav_in, wav_out, *args):
    start = time.perf_counter()
    out = subprocess.run(
        [SPECTRO, "denoise", wav_in, "-o", wav_out, "--force", "--json", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    report = json.loads(out.stdout)
    _, y = scipy.io.wavfile.read(wav_out)
    return report["seconds"], wall, y.astype(np.float64)


def noisereduce(y, fs, lead, stationary=True):
    import noisereduce as nr

    start = time.perf_counter()
    if stationary:
        out = nr.reduce_noise(y=y, sr=fs, y_noise=y[:lead], stationary=True)
    else:
        out = nr.reduce_noise(y=y, sr=fs, stationary=False)
    return time.perf_counter() - start, out


def long_input(fs, clean_speech, lead, seconds, snr_db):
    """Speech repeated to `seconds` after `lead` samples of noise, in fresh noise at `snr_db`."""
    n = int(seconds * fs)
    reps = int(np.ceil((n - lead) / len(clean_speech)))
    speech = np.tile(clean_speech, reps)[: n - lead]
    rng = np.random.default_rng(1)
    noise = rng.uniform(-1.0, 1.0, n)
    scale = np.sqrt(np.sum(speech**2) / (np.sum(noise[lead:] ** 2) * 10 ** (snr_db / 10)))
    return (np.concatenate([np.zeros(lead), speech]) + scale * noise).astype(np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not os.path.exists(SPECTRO):
        sys.exit(f"{SPECTRO} is missing: run `cargo build --release` first")
    import noisereduce as nr

    fs, clean, noisy, lead = ref.make_input()
    long = long_input(fs, clean[lead:], lead, 60.0, ref.SNR_DB)
    with tempfile.TemporaryDirectory() as tmp:
        short_wav = os.path.join(tmp, "noisy.wav")
        long_wav = os.path.join(tmp, "long.wav")
        out_wav = os.path.join(tmp, "out.wav")
        scipy.io.wavfile.write(short_wav, fs, noisy)
        scipy.io.wavfile.write(long_wav, fs, long)

        print(f"noisereduce {nr.__version__ if hasattr(nr, '__version__') else ref._version('noisereduce')}, "
              f"numpy {np.__version__}; input SI-SDR {ref.si_sdr(clean, noisy):.2f} dB")
        print("\nSI-SDR on the noisy speech (dB; rise over the input in brackets):")
        before = ref.si_sdr(clean, noisy)
        rows = [
            ("noisereduce, stationary, noise sample 0-0.5 s", noisereduce(noisy, fs, lead, True)[1]),
            ("noisereduce, non-stationary, no sample", noisereduce(noisy, fs, lead, False)[1]),
            ("spectro denoise --noise-from 0:0.5", spectro(short_wav, out_wav, "--noise-from", "0:0.5")[2]),
            ("spectro denoise --estimate", spectro(short_wav, out_wav, "--estimate")[2]),
        ]
        for name, y in rows:
            after = ref.si_sdr(clean, y)
            print(f"  {name:48s} {after:6.2f}  (+{after - before:.2f})")

        short_label = f"{len(noisy) / fs:.2f} s noisy speech"
        for label, wav, y in [(short_label, short_wav, noisy), ("60 s noisy speech", long_wav, long)]:
            times = {"noisereduce": [], "spectro (in process)": [], "spectro (whole process)": []}
            for _ in range(args.rounds):
                times["noisereduce"].append(noisereduce(y, fs, lead, True)[0])
                inner, wall, _ = spectro(wav, out_wav, "--noise-from", "0:0.5")
                times["spectro (in process)"].append(inner)
                times["spectro (whole process)"].append(wall)
            base = statistics.median(times["noisereduce"])
            print(f"\n{label}, noise sample 0-0.5 s, median of {args.rounds} alternating rounds:")
            for name, t in times.items():
                m = statistics.median(t)
                print(f"  {name:26s} {m * 1000:8.1f} ms   noisereduce / this = {base / m:5.2f}")


if __name__ == "__main__":
    main()
