"""Writes the de-hum fixtures from tests/data/arctic_a0007.wav (CMU ARCTIC speech, 16 kHz):

- dehum_speech_50hz.wav: the speech under mains hum, 16 kHz mono PCM16;
- dehum_notch_50hz.wav: that mixture through the peer, a zero-phase bank of fixed notches
  at 50, 100, ..., 600 Hz (scipy.signal.iirnotch, Q 35, each applied with filtfilt).

The hum: fundamental f0(t) = 50 + 0.4 sin(2 pi t / 4 + 0.5) Hz (drifting +-0.4 Hz), 12
harmonics of amplitude (1 for odd k, 0.5 for even k) / sqrt(k) with seeded random phases,
scaled so that the mixture's SI-SDR against the speech is 3.7 dB (repair.md section 5's
measurement). tests/suite/dehum.rs and benches/compare_dehum.py use the same formula (`hum`).

    python3 tests/data/gen_dehum.py        (numpy 2.4, scipy 1.17)
"""

import os
import wave

import numpy as np
from scipy.signal import filtfilt, iirnotch

HERE = os.path.dirname(os.path.abspath(__file__))
INPUT_SI_SDR_DB = 3.7
HARMONICS = 12


def read_wav(path):
    with wave.open(path) as w:
        fs = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768.0
        return x.reshape(-1, w.getnchannels())[:, 0], fs


def write_wav(path, x, fs):
    pcm = np.clip(np.round(x * 32768.0), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(fs)
        w.writeframes(pcm.tobytes())


def f0_hz(t, nominal=50.0, drift_hz=0.4, period_s=4.0, phase=0.5):
    """The true fundamental at times t (s)."""
    return nominal + drift_hz * np.sin(2 * np.pi * t / period_s + phase)


def hum(n, fs, nominal=50.0, harmonics=HARMONICS, drift_hz=0.4, period_s=4.0, seed=15):
    """Unit-scale hum of n samples: harmonics 1..harmonics of the drifting fundamental."""
    t = np.arange(n) / fs
    # Exact integral of f0(t): the phase in cycles.
    cycles = nominal * t - drift_hz * period_s / (2 * np.pi) * (
        np.cos(2 * np.pi * t / period_s + 0.5) - np.cos(0.5)
    )
    rng = np.random.default_rng(seed)
    phases = rng.uniform(0, 2 * np.pi, harmonics)
    h = np.zeros(n)
    for k in range(1, harmonics + 1):
        amp = (1.0 if k % 2 else 0.5) / np.sqrt(k)
        h += amp * np.cos(2 * np.pi * k * cycles + phases[k - 1])
    return h


def mixture(speech, fs, nominal=50.0, si_sdr_db=INPUT_SI_SDR_DB):
    h = hum(len(speech), fs, nominal)
    h *= np.sqrt(np.sum(speech**2) / np.sum(h**2) / 10 ** (si_sdr_db / 10))
    return speech + h


def notch_bank(x, fs, nominal=50.0, harmonics=HARMONICS, q=35.0):
    y = x
    for k in range(1, harmonics + 1):
        b, a = iirnotch(k * nominal, q, fs)
        y = filtfilt(b, a, y)
    return y


def main():
    speech, fs = read_wav(os.path.join(HERE, "arctic_a0007.wav"))
    mix = mixture(speech, fs)
    assert np.max(np.abs(mix)) < 1.0
    write_wav(os.path.join(HERE, "dehum_speech_50hz.wav"), mix, fs)
    write_wav(os.path.join(HERE, "dehum_notch_50hz.wav"), notch_bank(mix, fs), fs)


if __name__ == "__main__":
    main()
