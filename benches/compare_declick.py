"""De-click (issue 14): Spectro against Janssen AR interpolation given the true click
positions, on the committed music (tests/data/declick_music.wav, 10 s, 44.1 kHz stereo)
with 50 clicks of 0.2-2 ms at seeded random times, on the committed speech
(tests/data/arctic_a0007.wav, 4 s, 16 kHz mono) with 50 clicks, and on the music with 10
pops of 5-25 ms (longer events, repaired spectrally), all in the same run.

The clicks are those of tests/suite/declick.rs (the same construction, numpy's generator): sharp
onsets with random polarity, peak 3-13 times the channel's RMS, decaying spikes, ringing
spikes (2-8 kHz) and noise bursts, at least 10 ms apart, the same times on both channels
(a click on a record reaches both). The pops are decaying broadband bursts (uniform noise
under an exp(-4 t/L) envelope, L of 5-25 ms, peak 3-10 times the channel's RMS), at least
200 ms apart, the same construction as tests/suite/declick.rs.

Spectro runs through examples/declick_file.rs (the library's `declick_channel` on every
channel; `spectro declick` is not wired yet). The peer is benches/janssen.py at the true
positions (its defaults: order 3L+2, 10 iterations). Figures: SNR of each output against
the clean music; the clean music through Spectro (false detections); Spectro's speed.

    python3 benches/compare_declick.py [--profile release|test] [--seed N]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import wave

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from janssen import janssen_fill  # noqa: E402


def load(path):
    with wave.open(path, "rb") as w:
        x = np.frombuffer(w.readframes(w.getnframes()), np.int16).reshape(-1, w.getnchannels())
        return x.astype(np.float64) / 32768.0, w.getframerate()


def write_float(path, x, fs):
    """32-bit float WAV (WAVE_FORMAT_IEEE_FLOAT), which the stdlib wave module cannot write."""
    data = x.astype("<f4").tobytes()
    ch = x.shape[1]
    import struct

    fmt = struct.pack("<HHIIHH", 3, ch, fs, fs * ch * 4, ch * 4, 32)
    with open(path, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data)) + b"WAVE")
        f.write(b"fmt " + struct.pack("<I", len(fmt)) + fmt)
        f.write(b"data" + struct.pack("<I", len(data)) + data)


def read_float(path):
    with open(path, "rb") as f:
        raw = f.read()
    i = raw.index(b"fmt ")
    ch = int.from_bytes(raw[i + 10 : i + 12], "little")
    j = raw.index(b"data")
    n = int.from_bytes(raw[j + 4 : j + 8], "little")
    return np.frombuffer(raw[j + 8 : j + 8 + n], "<f4").reshape(-1, ch).astype(np.float64)


def make_clicks(n, fs, count, seed):
    """Click start, length and unit-RMS-scaled shape (times the channel RMS later)."""
    rng = np.random.default_rng(seed)
    edge, spacing = int(0.05 * fs), int(0.01 * fs)
    starts = []
    while len(starts) < count:
        s = int(edge + rng.random() * (n - 2 * edge))
        if all(abs(s - t) > spacing for t in starts):
            starts.append(s)
    clicks = []
    for s in sorted(starts):
        length = max(2, int(round((0.2e-3 + rng.random() * 1.8e-3) * fs)))
        shape = int(rng.random() * 3)
        sign = -1.0 if rng.random() < 0.5 else 1.0
        amp = sign * (3.0 + 10.0 * rng.random())
        ring_hz = 2000.0 + 6000.0 * rng.random()
        t = np.arange(length)
        x = t / length
        if shape == 0:
            w = np.exp(-5 * x)
        elif shape == 1:
            w = np.exp(-4 * x) * np.cos(2 * np.pi * ring_hz * t / fs)
        else:
            w = 2 * rng.random(length) - 1
        clicks.append((s, amp * w))
    return clicks


def make_pops(n, fs, count, seed):
    """Pop start and unit-RMS-scaled samples (times the channel RMS later)."""
    rng = np.random.default_rng(seed)
    edge, spacing = int(0.1 * fs), int(0.2 * fs)
    starts = []
    while len(starts) < count:
        s = int(edge + rng.random() * (n - 2 * edge))
        if all(abs(s - t) > spacing for t in starts):
            starts.append(s)
    pops = []
    for s in sorted(starts):
        length = int(round((0.005 + 0.02 * rng.random()) * fs))
        amp = 3.0 + 7.0 * rng.random()
        x = np.arange(length) / length
        pops.append((s, amp * np.exp(-4 * x) * (2 * rng.random(length) - 1)))
    return pops


def snr_db(clean, x):
    return 10 * np.log10(np.sum(clean**2) / max(np.sum((x - clean) ** 2), 1e-30))


def run_spectro(profile, x, fs, tmp, name):
    exe = os.path.join(ROOT, "target", "release" if profile == "release" else "debug", "examples", "declick_file")
    src, dst = os.path.join(tmp, name + "_in.wav"), os.path.join(tmp, name + "_out.wav")
    write_float(src, x, fs)
    out = subprocess.run([exe, src, dst], check=True, capture_output=True, text=True).stdout
    return read_float(dst), json.loads(out)


def corrupt(clean, events):
    out = clean.copy()
    for c in range(clean.shape[1]):
        rms = np.sqrt(np.mean(clean[:, c] ** 2))
        for s, w in events:
            out[s : s + len(w), c] += rms * w
    return out


def janssen_true(x, events):
    out = x.copy()
    t = time.perf_counter()
    for c in range(x.shape[1]):
        for s, w in events:
            out[:, c] = janssen_fill(out[:, c], s, s + len(w))
    return out, time.perf_counter() - t


def case(profile, clean, fs, events, tmp, name):
    """Spectro and the peer on `clean` corrupted by `events`; the figures of one row."""
    n, channels = clean.shape
    dirty = corrupt(clean, events)
    peer, peer_s = janssen_true(dirty, events)
    out, report = run_spectro(profile, dirty, fs, tmp, name)
    found = [(c, s, l) for c, s, l, _ in report["clicks"]]

    def overlaps(s, l, ts, tl):
        return s < ts + tl and ts < s + l

    hits = sum(any(overlaps(s, l, ts, len(w)) for ts, w in events) for _, s, l in found)
    recalled = sum(
        any(overlaps(s, l, ts, len(w)) for cc, s, l in found if cc == c) for c in range(channels) for ts, w in events
    )
    return {
        "input_snr_db": snr_db(clean, dirty),
        "spectro_snr_db": snr_db(clean, out),
        "janssen_true_positions_snr_db": snr_db(clean, peer),
        "found": len(found),
        "true": len(events) * channels,
        "precision": hits / max(1, len(found)),
        "recall": recalled / (len(events) * channels),
        "elapsed_s": report["elapsed_s"],
        "peer_s": peer_s,
        "lengths_ms": [round(1000 * l / fs, 1) for _, _, l in found][:12],
    }, dirty


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="release", choices=["release", "test"])
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    build = ["cargo", "build", "--locked", "--example", "declick_file"]
    build += ["--release"] if args.profile == "release" else ["--profile", "test"]
    subprocess.run(build, cwd=ROOT, check=True)

    music, fs = load(os.path.join(ROOT, "tests", "data", "declick_music.wav"))
    speech, speech_fs = load(os.path.join(ROOT, "tests", "data", "arctic_a0007.wav"))
    n = music.shape[0]
    with tempfile.TemporaryDirectory() as tmp:
        clicks, clicked = case(args.profile, music, fs, make_clicks(n, fs, 50, args.seed), tmp, "clicked")
        _, clean_report = run_spectro(args.profile, music, fs, tmp, "clean")
        clean_out = read_float(os.path.join(tmp, "clean_out.wav"))
        # Speed: the best of three runs.
        times = [clicks["elapsed_s"]]
        for _ in range(2):
            times.append(run_spectro(args.profile, clicked, fs, tmp, "again")[1]["elapsed_s"])
        speech_row, _ = case(
            args.profile, speech, speech_fs, make_clicks(speech.shape[0], speech_fs, 50, args.seed), tmp, "speech"
        )
        _, speech_clean_report = run_spectro(args.profile, speech, speech_fs, tmp, "speech_clean")
        speech_clean_out = read_float(os.path.join(tmp, "speech_clean_out.wav"))
        pops, _ = case(args.profile, music, fs, make_pops(n, fs, 10, args.seed), tmp, "pops")

    duration_s = n / fs
    row = {
        "music_clicks": clicks,
        "clean_false_detections": len(clean_report["clicks"]),
        "clean_snr_db": snr_db(music, clean_out),
        "spectro_x_real_time": duration_s / min(times),
        "janssen_peer_x_real_time": duration_s / clicks["peer_s"],
        "speech_clicks": speech_row,
        "speech_clean_false_detections": len(speech_clean_report["clicks"]),
        "speech_clean_snr_db": snr_db(speech, speech_clean_out),
        "music_pops": pops,
        "profile": args.profile,
        "seed": args.seed,
    }
    print(json.dumps(row, indent=1))
    print()
    print("| | SNR vs clean (dB) | x real time (44.1 kHz stereo) |")
    print("|---|---|---|")
    print(f"| clicked input | {clicks['input_snr_db']:.1f} | |")
    print(f"| Spectro declick (sensitivity 1) | {clicks['spectro_snr_db']:.1f} | {row['spectro_x_real_time']:.0f} |")
    print(f"| Janssen at the true positions (janssen.py) | {clicks['janssen_true_positions_snr_db']:.1f} | {row['janssen_peer_x_real_time']:.1f} |")
    print(f"| clean input through Spectro ({row['clean_false_detections']} detections) | {row['clean_snr_db']:.1f} | |")
    print(f"\nclicks found {clicks['found']} of {clicks['true']} (both channels): precision {clicks['precision']:.2f}, recall {clicks['recall']:.2f}")
    print("\n| | input | Spectro | Janssen at the true positions | found (precision, recall) | clean: detections, SNR |")
    print("|---|---|---|---|---|---|")
    sp = speech_row
    print(
        f"| speech, 50 clicks | {sp['input_snr_db']:.1f} | {sp['spectro_snr_db']:.1f} | {sp['janssen_true_positions_snr_db']:.1f} "
        f"| {sp['found']} of {sp['true']} ({sp['precision']:.2f}, {sp['recall']:.2f}) "
        f"| {row['speech_clean_false_detections']}, {row['speech_clean_snr_db']:.1f} |"
    )
    p = pops
    print(
        f"| music, 10 pops of 5-25 ms | {p['input_snr_db']:.1f} | {p['spectro_snr_db']:.1f} | {p['janssen_true_positions_snr_db']:.1f} "
        f"| {p['found']} of {p['true']} ({p['precision']:.2f}, {p['recall']:.2f}) "
        f"| {row['clean_false_detections']}, {row['clean_snr_db']:.1f} |"
    )


if __name__ == "__main__":
    main()
