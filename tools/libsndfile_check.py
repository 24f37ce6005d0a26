#!/usr/bin/env python3
"""Checks by hand that the WAV files Spectro writes at extreme rates open in libsndfile.

Writes small 16-bit inputs at rates from 1 Hz to 2^31 - 1 Hz (mono, stereo, stereo IQ with an
SDR `auxi` chunk), runs `spectro apply` with an empty edit list into several encodings, and
opens each output with libsndfile (python `soundfile`, `pip install soundfile`). Every output
Spectro writes must open with the rate and channels of its input; an output whose header cannot
hold the rate or the byte rate must be refused by Spectro (exit code 2, one line).

    python3 tools/libsndfile_check.py [path/to/spectro]
"""

import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import soundfile

SPECTRO = sys.argv[1] if len(sys.argv) > 1 else "target/debug/spectro"


def pcm16(channels, rate, frames, auxi=False):
    data = b"".join(struct.pack("<h", (i % 200) * 10) for i in range(frames * channels))
    block = 2 * channels
    fmt = struct.pack("<IHHIIHH", 16, 1, channels, rate, min(rate * block, 2**32 - 1), block, 16)
    chunks = b"WAVEfmt " + fmt
    if auxi:
        payload = b"\0" * 32 + struct.pack("<I", 100_000_000) + b"\0" * 4
        chunks += b"auxi" + struct.pack("<I", len(payload)) + payload
    chunks += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(chunks)) + chunks


CASES = [
    # (channels, rate, output encoding, IQ with auxi, written?)
    (1, 1, "pcm16", False, True),
    (2, 7, "pcm24", False, True),
    (1, 2**31 - 1, "pcm8", False, True),
    (1, 2**31 - 1, "pcm16", False, True),
    (2, 2**32 // 8 - 1, "float32", False, True),
    (2, 2_000_000, "float32", True, True),
    (2, 2**32 // 8 - 1, "float32", True, True),
    (3, 1_431_655_765, "pcm8", False, True),
    (1, 1_431_655_765, "pcm24", False, True),
    # Byte rate past 2^32: refused before any work.
    (2, 2**31 - 1, "pcm16", True, False),
    (2, 2**31 - 1, "float32", False, False),
]


def main():
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        edits = tmp / "empty.json"
        edits.write_text('{"version":1,"edits":[]}')
        for i, (channels, rate, encoding, auxi, written) in enumerate(CASES):
            src = tmp / f"in{i}.wav"
            out = tmp / f"out{i}.wav"
            src.write_bytes(pcm16(channels, rate, 64, auxi))
            run = subprocess.run(
                [SPECTRO, "apply", str(src), "--edits", str(edits), "--format", encoding, "-o", str(out), "--quiet"],
                capture_output=True,
                text=True,
            )
            what = f"{channels} ch at {rate} Hz as {encoding}{' (auxi)' if auxi else ''}"
            if not written:
                ok = run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1 and not out.exists()
                print(f"{'ok  ' if ok else 'FAIL'} refused: {what}: {run.stderr.strip()}")
                failures += not ok
                continue
            if run.returncode != 0:
                print(f"FAIL {what}: spectro exit {run.returncode}: {run.stderr.strip()}")
                failures += 1
                continue
            try:
                info = soundfile.info(str(out))
                ok = (info.samplerate, info.channels, info.frames) == (rate, channels, 64)
                print(f"{'ok  ' if ok else 'FAIL'} {what}: libsndfile reads {info.samplerate} Hz, "
                      f"{info.channels} ch, {info.subtype}, {info.frames} frames")
                failures += not ok
            except RuntimeError as e:
                print(f"FAIL {what}: libsndfile refuses it: {e}")
                failures += 1
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
