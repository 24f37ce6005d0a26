#!/usr/bin/env python3
"""The scipy way of applying one rect edit, for comparison with `spectro apply`.

    python3 benches/scipy_apply.py IN.wav OUT.wav T0 T1 F0 F1 GAIN_DB

Reads a 16-bit WAV, takes scipy.signal.stft (fft 2048, hop 512, Hann, boundary padding) of
every channel, multiplies the rectangle T0..T1 s × F0..F1 Hz by GAIN_DB, inverts with
scipy.signal.istft and writes 16-bit PCM: read, stft, mask, istft, write.
"""
import sys

import numpy as np
import scipy.io.wavfile as wavfile
import scipy.signal as ss

inp, out = sys.argv[1], sys.argv[2]
t0, t1, f0, f1, gain_db = map(float, sys.argv[3:8])
fs, x = wavfile.read(inp)
n = x.shape[0]
x = x.astype(np.float32).T / 32768.0
f, t, Z = ss.stft(x, fs, nperseg=2048, noverlap=2048 - 512)
fi = (f >= f0) & (f <= f1)
ti = (t >= t0) & (t <= t1)
Z[..., np.ix_(fi, ti)[0], np.ix_(fi, ti)[1]] *= 10 ** (gain_db / 20)
_, y = ss.istft(Z, fs, nperseg=2048, noverlap=2048 - 512)
y = y[:, :n]
wavfile.write(out, fs, np.clip(np.round(y.T * 32768), -32768, 32767).astype(np.int16))
