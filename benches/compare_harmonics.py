"""Harmonic selection (issue 15): a vibrato tone over real speech removed by one `harmonics`
edit from a single seed, against the same removal by fixed rectangles (one per partial at the
vibrato's full extent: what a user does without the tool), both through `spectro apply` in the
same run.

Fixtures (tests/data/gen_harmonics.py): vibrato_speech.wav = arctic_a0007.wav (CMU ARCTIC,
16 kHz) + vibrato_tone.wav (f0 = 420 Hz +-3 % at 5 Hz, the fundamental and 8 overtones,
0.5-3.5 s). The seed is near the third partial (1285 Hz), width 60 Hz, STFT 512/128.

Both removals are masks, linear in the recording once the track is fixed, so each edit list
(the harmonics one as `spectro apply --json` wrote it, with its track) is also applied to the
tone alone and to the speech alone:
- tone down: energy of the tone over the energy of the tone through the edit;
- speech between partials: energy change of the speech in the STFT cells (during the tone)
  farther than the width from every partial of the true track;
- residual near partials: (output - clean speech) in the cells within the width of a partial,
  over the tone's energy there (it counts the speech under the partials the edit takes too);
- SNR of the output against the clean speech, whole recording.
A third column repairs the tracked selection (`"repair": "attenuate"`) instead of removing it;
a repair is not linear in the recording, so it has only the figures of the mixture's output.

    python3 benches/compare_harmonics.py [--bin target/debug/spectro] [--width 60]
"""

import argparse
import json
import os
import struct
import subprocess
import tempfile
import time

import numpy as np
from scipy.io import wavfile
from scipy.signal import stft

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(ROOT, "tests", "data")
FS = 16000
F0, DEPTH, RATE, ON, OFF = 420.0, 0.03, 5.0, 0.5, 3.5
PARTIALS = 9
SELECT = [0.45, 3.55]
FFT, HOP = 512, 128


def truth_f0(t):
    return F0 * (1 + DEPTH * np.sin(2 * np.pi * RATE * (t - ON)))


def read(path):
    rate, x = wavfile.read(path)
    assert rate == FS
    if x.dtype == np.int16:
        return x.astype(np.float64) / 32768.0
    return x.astype(np.float64)


def write_float(path, x):
    wavfile.write(path, FS, x.astype(np.float32))


def apply(binary, wav, edits, out, json_out=False):
    args = [binary, "apply", wav, "--edits", edits, "-o", out, "-q", "--force", "--format", "float32"]
    if json_out:
        args.append("--json")
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(r.stderr)
    return r.stdout


def spec(x):
    _, _, z = stft(x, FS, window="hann", nperseg=FFT, noverlap=FFT - HOP, boundary="zeros", padded=True)
    return z


def masks(shape, width):
    """Cells (bins x frames) during the tone near a partial (within `width`), and far from all."""
    bins, frames = shape
    t = np.arange(frames) * HOP / FS
    f = np.arange(bins) * FS / FFT
    during = (t >= ON) & (t <= OFF)
    d = np.min(
        [np.abs(f[:, None] - k * truth_f0(t)[None, :]) for k in range(1, PARTIALS + 1)], axis=0
    )
    near = (d <= width) & during[None, :]
    far = (d > width) & during[None, :]
    return near, far


def figures(binary, edits, inputs, speech, tone, width, tmp, tag):
    outs = {}
    for name, wav in inputs.items():
        out = os.path.join(tmp, f"{tag}-{name}.wav")
        t0 = time.perf_counter()
        apply(binary, wav, edits, out)
        outs[name] = (read(out), time.perf_counter() - t0)
    mix_out, secs = outs["mix"]
    tone_out, _ = outs["tone"]
    speech_out, _ = outs["speech"]
    e = lambda x: float(np.sum(x**2))
    S, So = spec(speech), spec(speech_out)
    near, far = masks(S.shape, width)
    R, T = spec(mix_out - speech), spec(tone)
    return {
        "tone_down_db": 10 * np.log10(e(tone) / e(tone_out)),
        "speech_between_db": 10 * np.log10(np.sum(np.abs(So[far]) ** 2) / np.sum(np.abs(S[far]) ** 2)),
        "residual_near_db": 10 * np.log10(np.sum(np.abs(R[near]) ** 2) / np.sum(np.abs(T[near]) ** 2)),
        "snr_db": 10 * np.log10(e(speech) / e(mix_out - speech)),
        "apply_s": secs,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "spectro"))
    ap.add_argument("--width", type=float, default=60.0)
    ap.add_argument("--seed-hz", type=float, default=1285.0)
    args = ap.parse_args()
    speech = read(os.path.join(DATA, "arctic_a0007.wav"))
    tone = read(os.path.join(DATA, "vibrato_tone.wav"))
    mix = read(os.path.join(DATA, "vibrato_speech.wav"))
    with tempfile.TemporaryDirectory() as tmp:
        speech_wav = os.path.join(tmp, "speech.wav")
        write_float(speech_wav, speech)
        inputs = {
            "mix": os.path.join(DATA, "vibrato_speech.wav"),
            "tone": os.path.join(DATA, "vibrato_tone.wav"),
            "speech": speech_wav,
        }
        stft_json = {"fft": FFT, "hop": HOP}
        seed = {
            "version": 1,
            "stft": stft_json,
            "edits": [
                {"type": "harmonics", "time_s": SELECT, "seed_hz": args.seed_hz, "count": PARTIALS - 1,
                 "width_hz": args.width, "track": True, "gain_db": "-inf"}
            ],
        }
        seed_path = os.path.join(tmp, "seed.json")
        with open(seed_path, "w") as f:
            json.dump(seed, f)
        t0 = time.perf_counter()
        tracked_text = apply(args.bin, inputs["mix"], seed_path, os.path.join(tmp, "first.wav"), True)
        track_s = time.perf_counter() - t0
        tracked = json.loads(tracked_text)
        h = tracked["edits"][0]
        pts = np.array(h["track_hz"])
        inside = (pts[:, 0] >= ON + 0.05) & (pts[:, 0] <= OFF - 0.05)
        err = pts[inside, 1] - truth_f0(pts[inside, 0])
        tracked_path = os.path.join(tmp, "tracked.json")
        with open(tracked_path, "w") as f:
            f.write(tracked_text)
        rects = {
            "version": 1,
            "stft": stft_json,
            "edits": [
                {"type": "rect", "time_s": SELECT,
                 "freq_hz": [k * F0 * (1 - DEPTH) - args.width / 2, k * F0 * (1 + DEPTH) + args.width / 2],
                 "gain_db": "-inf"}
                for k in range(1, PARTIALS + 1)
            ],
        }
        rects_path = os.path.join(tmp, "rects.json")
        with open(rects_path, "w") as f:
            json.dump(rects, f)
        ours = figures(args.bin, tracked_path, inputs, speech, tone, args.width, tmp, "harmonics")
        peer = figures(args.bin, rects_path, inputs, speech, tone, args.width, tmp, "rects")
        # The same tracked selection repaired (attenuate) instead of removed: not linear in
        # the recording, so only the figures on the mixture's output mean anything.
        repaired = json.loads(tracked_text)
        del repaired["edits"][0]["gain_db"]
        repaired["edits"][0]["repair"] = "attenuate"
        repaired_path = os.path.join(tmp, "repaired.json")
        with open(repaired_path, "w") as f:
            json.dump(repaired, f)
        rep = figures(args.bin, repaired_path, inputs, speech, tone, args.width, tmp, "repaired")
        in_db = 10 * np.log10(np.sum(speech**2) / np.sum((mix - speech) ** 2))
    print(f"input SNR (speech vs tone) {in_db:.1f} dB; seed {args.seed_hz} Hz, width {args.width} Hz")
    print(f"tracking: f0 error rms {np.sqrt(np.mean(err**2)):.3f} Hz, worst {np.max(np.abs(err)):.3f} Hz "
          f"over {inside.sum()} points; apply with tracking {track_s:.2f} s")
    print(f"{'':28}{'harmonics':>12}{'9 rects':>12}{'attenuate':>12}")
    rows = [
        ("tone down (dB)", "tone_down_db", "{:.1f}"),
        ("speech between partials (dB)", "speech_between_db", "{:+.2f}"),
        ("residual near partials (dB)", "residual_near_db", "{:.1f}"),
        ("SNR vs clean speech (dB)", "snr_db", "{:.1f}"),
        ("apply, tracked list (s)", "apply_s", "{:.2f}"),
    ]
    linear = {"tone_down_db", "speech_between_db"}
    for label, key, fmt in rows:
        third = "n/a" if key in linear else fmt.format(rep[key])
        print(f"{label:28}{fmt.format(ours[key]):>12}{fmt.format(peer[key]):>12}{third:>12}")


if __name__ == "__main__":
    main()
