#!/usr/bin/env python3
"""A librosa `specshow` picture of a real recording, and the baseline figure to beat.

Run from the repository root:  python3 tests/data/gen_specshow.py
Needs numpy, librosa (0.11 used), matplotlib (3.11 used) and pillow. The tests read only the
outputs, never Python:

- specshow_ao73.png: the first 3 s of sat_ao73.wav drawn the way most librosa users draw a
  spectrogram: |librosa.stft| (n_fft 2048, hop 512), amplitude_to_db(ref=np.max, top_db=80),
  specshow(y_axis='log', x_axis='time', cmap='magma'), on axes filling a 600 x 400 pixel figure
  (no margins, no axes, no colour bar).
- specshow_ao73.json: how the picture was made, and the baseline: the "obvious" inversion
  (nearest magma colour per cell centre, dB to magnitude, 32 iterations of librosa.griffinlim at
  the picture's own hop), redrawn the same way, and its mean absolute difference in dB from the
  input picture (both pictures read back through the nearest magma colour).
"""
import io
import json
import os

import librosa
import librosa.display
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = "sat_ao73.wav"
CLIP_S = 3.0
N_FFT = 2048
HOP = 512
TOP_DB = 80.0
WIDTH, HEIGHT, DPI = 600, 400, 100
SEEDS = [0, 1, 2]


def picture(y, sr):
    """The PNG bytes of y's specshow picture, as the test input is drawn."""
    S = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP))
    D = librosa.amplitude_to_db(S, ref=np.max, top_db=TOP_DB)
    fig = plt.figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    ax = fig.add_axes([0, 0, 1, 1])
    librosa.display.specshow(D, sr=sr, hop_length=HOP, n_fft=N_FFT, y_axis="log", x_axis="time", cmap="magma", ax=ax)
    ax.set_axis_off()
    buf = io.BytesIO()
    fig.savefig(buf, dpi=DPI, format="png")
    plt.close(fig)
    return buf.getvalue(), D.shape


def levels_db(png_bytes):
    """Per pixel dB (0 at the top of the range) through the nearest magma colour."""
    rgb = np.asarray(Image.open(io.BytesIO(png_bytes)).convert("RGB"), dtype=np.int32)
    lut = np.round(matplotlib.colormaps["magma"](np.arange(256) / 255.0)[:, :3] * 255).astype(np.int32)
    flat = rgb.reshape(-1, 3)
    colours, inverse = np.unique(flat, axis=0, return_inverse=True)
    d = ((colours[:, None, :] - lut[None, :, :]) ** 2).sum(axis=2)
    index = d.argmin(axis=1)[inverse.ravel()]
    # matplotlib puts value v in colour floor(256·v), so colour i stands for (i + 0.5)/256.
    return (-TOP_DB + TOP_DB * (index + 0.5) / 256.0).reshape(rgb.shape[:2])


def symlog(f):
    t = librosa.note_to_hz("C2")
    a = np.abs(f)
    return np.where(a <= t, f, np.sign(f) * t * (1 + np.log2(np.maximum(a, t) / t)))


def invert_nearest(png_bytes, sr, frames):
    """The obvious inversion: each STFT cell takes the level of the pixel at its centre."""
    db = levels_db(png_bytes)
    h, w = db.shape
    df = sr / N_FFT
    freqs = np.arange(N_FFT // 2 + 1) * df
    y0, y1 = symlog(-df / 2), symlog(sr / 2 + df / 2)
    rows = np.clip(((y1 - symlog(freqs)) / (y1 - y0) * h).astype(int), 0, h - 1)
    # specshow centres frame k at k·hop, drawing it from (k − ½)·hop to (k + ½)·hop.
    cols = np.clip(((np.arange(frames) + 0.5) / frames * w).astype(int), 0, w - 1)
    cell_db = db[rows][:, cols]
    return 10.0 ** (cell_db / 20.0)


def main():
    y, sr = librosa.load(os.path.join(HERE, SOURCE), sr=None, mono=True, duration=CLIP_S)
    png, shape = picture(y, sr)
    with open(os.path.join(HERE, "specshow_ao73.png"), "wb") as f:
        f.write(png)
    input_db = levels_db(png)
    errors = []
    for seed in SEEDS:
        S = invert_nearest(png, sr, shape[1])
        y_hat = librosa.griffinlim(S, n_iter=32, hop_length=HOP, n_fft=N_FFT, length=len(y), random_state=seed)
        redrawn, _ = picture(y_hat, sr)
        errors.append(float(np.abs(levels_db(redrawn) - input_db).mean()))
    # Drawing the original again gives the same picture: the measure itself adds no error.
    redrawn, _ = picture(y, sr)
    self_error = float(np.abs(levels_db(redrawn) - input_db).mean())
    meta = {
        "source": SOURCE,
        "clip_s": CLIP_S,
        "samples": len(y),
        "sample_rate": sr,
        "n_fft": N_FFT,
        "hop": HOP,
        "frames": shape[1],
        "top_db": TOP_DB,
        "width": WIDTH,
        "height": HEIGHT,
        "colormap": "magma",
        "y_axis": "log",
        "baseline": "nearest magma colour at each cell centre, librosa.griffinlim(n_iter=32, momentum 0.99)",
        "baseline_seeds": SEEDS,
        "baseline_mean_abs_db": float(np.mean(errors)),
        "baseline_mean_abs_db_per_seed": errors,
        "original_redrawn_mean_abs_db": self_error,
        "librosa": librosa.__version__,
        "matplotlib": matplotlib.__version__,
    }
    with open(os.path.join(HERE, "specshow_ao73.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(json.dumps(meta, indent=2))


if __name__ == "__main__":
    main()
