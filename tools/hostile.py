#!/usr/bin/env python3
"""Hostile-input sweep: runs every spectro command on malformed files and with absurd option
values, one at a time, and reports every run that panics, aborts, hangs, prints more than one
error line, exits with a code other than 0 or 2, or takes more than 1 GB.

    python3 tools/hostile.py [path/to/spectro] [--timeout S]

A debug build (cargo build) also catches integer overflows. Exit code 1 if anything was found.
tests/suite/bad_inputs.rs keeps the cases this sweep found as regression tests.
"""

import math
import os
import random
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

args = [a for a in sys.argv[1:] if not a.startswith("--")]
SPECTRO = os.path.abspath(args[0] if args else "target/debug/spectro")
TIMEOUT = float(sys.argv[sys.argv.index("--timeout") + 1]) if "--timeout" in sys.argv else 30.0
RSS_LIMIT = 1 << 30


def wav(channels, rate, samples, fmt=1, bits=16):
    block = channels * bits // 8
    if fmt == 3:
        data = b"".join(struct.pack("<f", s) for s in samples)
    else:
        data = b"".join(struct.pack("<h", max(-32768, min(32767, int(s * 32767)))) for s in samples)
    return (b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt "
            + struct.pack("<IHHIIHH", 16, fmt, channels, rate, min(rate * block, 2**32 - 1), block, bits)
            + b"data" + struct.pack("<I", len(data)) + data)


def make_inputs(d: Path):
    rng = random.Random(7)
    tone = [0.3 * math.sin(i * 0.07) + 0.01 * rng.uniform(-1, 1) for i in range(16000)]
    good = wav(1, 16000, tone)
    files = {
        "good.wav": good,
        "stereo.wav": wav(2, 8000, tone),
        "wild.wav": wav(1, 16000, [1e30 if i % 997 == 0 else (float("nan") if i % 1499 == 0 else s)
                                  for i, s in enumerate(tone)], fmt=3, bits=32),
        "iq.wav": wav(2, 250000, tone),
        "g001_433.92M_250k.cu8": bytes(rng.randrange(256) for _ in range(40000)),
        "cap.cs16": bytes(rng.randrange(256) for _ in range(40000)),
        "cap.cf32": b"".join(struct.pack("<f", rng.choice([0.1, -0.2, 1e38, float("inf"), float("nan")]))
                             for _ in range(10000)),
        "empty.wav": b"",
        "noise.wav": bytes(rng.randrange(256) for _ in range(3000)),
        "tiny.wav": wav(1, 16000, tone[:3]),
        "one.cu8": b"\x80\x80",
        "rate1.wav": wav(1, 1, tone[:400]),
        "empty.json": b'{"version":1,"edits":[]}',
        "edits.json": (b'{"version":1,"edits":[{"type":"rect","time_s":[0.1,0.5],"freq_hz":[100,3000],"gain_db":-30},'
                       b'{"type":"lasso","points":[[0.1,100],[0.5,2000],[0.3,4000]],"gain_db":-10},'
                       b'{"type":"brush","points":[[0.2,500],[0.6,900]],"radius_s":0.01,"radius_hz":50,"gain_db":-20},'
                       b'{"type":"paint","points":[[0.3,1000]],"radius_s":0.02,"radius_hz":40,"level_db":-20},'
                       b'{"type":"threshold","time_s":[0,1],"freq_hz":[0,8000],"below_db":-50,"gain_db":-40},'
                       b'{"type":"denoise","estimate":"auto"}]}'),
    }
    for n in (0, 11, 12, 20, 36, 40, 43, 44, 45, 1001):
        files[f"cut{n}.wav"] = good[:n]
    for name, content in files.items():
        (d / name).write_bytes(content)
    subprocess.run([SPECTRO, "render", str(d / "good.wav"), "-o", str(d / "pic.png"), "--fft", "256"], check=True,
                   capture_output=True)
    png = (d / "pic.png").read_bytes()
    (d / "cut.png").write_bytes(png[: len(png) // 2])
    return sorted(files) + ["pic.png", "cut.png"]


ABSURD = {
    "--fft": ["0", "1", "15", "16", "17", "4097", "65536", "65537", "1073741824", "-1", "1e3", "x"],
    "--hop": ["0", "1", "3", "65536", "1099511627776", "-4"],
    "--window": ["nope", "rectangular"],
    "--sample-rate": ["0", "1e-9", "0.5", "1", "2147483648", "1e300", "-5", "nan", "inf", "3G"],
    "--start": ["-1e300", "1e300", "nan", "-0", "0.99999"],
    "--end": ["-1", "1e300", "0"],
    "--channel": ["0", "1", "99", "18446744073709551615"],
    "--width": ["0", "1", "65535", "65536", "1000000000"],
    "--height": ["0", "1", "65535", "65536"],
    "--range-db": ["0", "-5", "1e39", "nan", "0.001"],
    "--ceiling-db": ["-1e30", "1e39", "nan"],
    "--freq-range": ["0:0", "-1e300:1e300", "5:1", "1:2", "nan:1"],
    "--scale": ["log", "mel", "librosa-log", "bogus"],
    "--bands": ["0", "1", "1024", "1025", "1000000"],
    "--mfcc": ["0", "128", "129", "100000"],
    "--burst-threshold-db": ["0", "1e300", "-1", "nan"],
    "--burst-hysteresis-db": ["0", "1e300", "100"],
    "--min-duration": ["1e300", "-1", "nan"],
    "--merge-gap": ["1e300", "1e9"],
    "--merge-gap-hz": ["1e300", "1e12"],
    "--center-freq": ["-5", "0", "1e300", "nan"],
    "--smooth-s": ["0", "1e308", "1e6", "30", "nan"],
    "--smooth-hz": ["0", "1e308", "1e6", "7999"],
    "--noise-from": ["0:0.1", "1e300:1e301", "-5:-4", "0.5:0.50001", "nan:1"],
    "--noise-band": ["0:1e300", "5:1"],
    "--reduction-db": ["1e9", "-1", "120"],
    "--sensitivity": ["1e9", "20"],
    "--iters": ["0", "10000", "10001", "1000000000"],
    "--duration": ["0", "1e300", "1e-9", "100000"],
    "--volume-db": ["1e9", "-1e9", "nan"],
    "--tune": ["1e300", "nan", "-1e6"],
    "--bandwidth": ["0", "1e300", "1"],
    "--time": ["0:1e300", "1e300:1e301", "0.1:0.1000001", "-5:-4"],
    "--freq": ["0:1e300", "-1e300:0", "0.001:0.002", "100:101"],
    "--crop": ["0,0,1,1", "0,0,100000,100000", "5,5,1,1"],
    "--size": ["0x0", "65535x65535", "1x1"],
}

COMMANDS = {
    "info": (["info", "{f}"], []),
    "render": (["render", "{f}", "-o", "{o}.png"], ["--fft", "--hop", "--window", "--sample-rate", "--start", "--end",
                                                    "--channel", "--width", "--height", "--range-db", "--ceiling-db",
                                                    "--freq-range", "--scale", "--size"]),
    "apply": (["apply", "{f}", "--edits", "{d}/edits.json", "-o", "{o}.wav"], ["--fft", "--hop", "--window",
                                                                             "--sample-rate"]),
    "features": (["features", "{f}", "-o", "{o}.csv"], ["--fft", "--hop", "--sample-rate", "--channel", "--bands",
                                                        "--mfcc", "--burst-threshold-db", "--burst-hysteresis-db",
                                                        "--min-duration", "--merge-gap", "--merge-gap-hz",
                                                        "--center-freq"]),
    "denoise": (["denoise", "{f}", "-o", "{o}.wav"], ["--fft", "--hop", "--sample-rate", "--smooth-s", "--smooth-hz",
                                                      "--noise-from", "--reduction-db", "--sensitivity"]),
    "extract": (["extract", "{f}", "--time", "0:0.5", "--freq", "100:3000", "-o", "{o}.wav"],
                ["--fft", "--hop", "--sample-rate", "--time", "--freq"]),
    "reconstruct": (["reconstruct", "{f}", "-o", "{o}.wav", "--iters", "2"], ["--fft", "--hop", "--window",
                                                                             "--sample-rate", "--iters"]),
    "play": (["play", "{f}", "--device", "no-such-device"], ["--start", "--end", "--volume-db", "--sample-rate"]),
}

RECORDINGS = ["good.wav", "stereo.wav", "wild.wav", "iq.wav", "g001_433.92M_250k.cu8", "cap.cs16", "cap.cf32",
              "empty.wav", "noise.wav", "tiny.wav", "one.cu8", "rate1.wav"] + [f"cut{n}.wav" for n in
                                                                              (0, 11, 12, 20, 36, 40, 43, 44, 45, 1001)]


def run(argv, d):
    """Runs argv; returns (exit code or None, stderr, seconds, timed out, peak RSS in bytes)."""
    start = time.time()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                         cwd=d, start_new_session=True)
    chunks = []
    reader = threading.Thread(target=lambda: chunks.append(p.stderr.read()))
    reader.start()
    timed_out = False
    while True:
        pid, status, usage = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.time() - start > TIMEOUT:
            os.killpg(p.pid, signal.SIGKILL)
            pid, status, usage = os.wait4(p.pid, 0)
            timed_out = True
            break
        time.sleep(0.005)
    reader.join()
    p.returncode = os.waitstatus_to_exitcode(status)
    err = b"".join(chunks).decode(errors="replace")
    return p.returncode, err, time.time() - start, timed_out, usage.ru_maxrss * 1024


def main():
    found = []
    runs = 0
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        make_inputs(d)
        jobs = []
        for name, (base, options) in COMMANDS.items():
            for f in RECORDINGS:
                extra = ["--sample-rate", "250k"] if f.endswith((".cs16", ".cf32")) or f == "one.cu8" else []
                jobs.append((base + extra + ([] if f != "iq.wav" else ["--iq"]), f))
            for opt in options:
                for value in ABSURD[opt]:
                    jobs.append((base + [opt, value], "good.wav"))
                    if name in ("render", "features", "extract"):
                        jobs.append((base + ["--sample-rate", "250k", opt, value], "g001_433.92M_250k.cu8"))
        for extra in (["--ignore-metadata", "--sample-rate", "8000", "--hop", "64"], []):
            for opt in ["--fft", "--hop", "--sample-rate", "--duration", "--iters", "--range-db", "--ceiling-db",
                        "--freq-range", "--crop", "--scale"]:
                for value in ABSURD[opt]:
                    jobs.append((["from-image", "{f}", "-o", "{o}.wav", "--iters", "2"] + extra + [opt, value],
                                 "pic.png"))
        for f in ["cut.png", "good.wav", "empty.json", "pic.png"]:
            jobs.append((["from-image", "{f}", "-o", "{o}.wav", "--iters", "2"], f))
        for i, (argv, f) in enumerate(jobs):
            out = d / f"out{i}"
            argv = [a.replace("{f}", str(d / f)).replace("{o}", str(out)).replace("{d}", str(d)) for a in argv]
            code, err, took, timed_out, rss = run([SPECTRO] + argv, d)
            runs += 1
            lines = [l for l in err.strip().splitlines() if l.strip()]
            errors = [l for l in lines if not l.startswith("spectro: warning:") and not l.startswith("spectro: wrote")
                      and not l.startswith("spectro: playing") and not l.startswith("spectro: sound reached")]
            problems = []
            if timed_out:
                problems.append(f"no result after {TIMEOUT:.0f} s")
            elif code not in (0, 2):
                problems.append(f"exit code {code}")
            if "panicked" in err or "overflow" in err:
                problems.append("panic")
            if rss > RSS_LIMIT:
                problems.append(f"{rss >> 20} MB")
            if code == 2 and (len(errors) != 1 or not errors[0].startswith("spectro: error: ")):
                problems.append(f"{len(errors)} error lines")
            if problems:
                found.append(f"{'; '.join(problems)}: spectro {' '.join(argv)}\n    {err.strip()[:400]}")
            for p in d.glob("out*"):
                p.unlink()
    print(f"{runs} runs, {len(found)} problems")
    for f in found:
        print(f)
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
