"""What the fixture generators that write music share: a standard MIDI file writer (standard
library only) and rendering with FluidSynth and the FluidR3 GM sound font (MIT licence; Debian
packages `fluidsynth fluid-soundfont-gm`), cut to a whole number of seconds as 16-bit stereo."""

import os
import struct
import subprocess
import tempfile
import wave

SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"


def vlq(n):
    """A MIDI variable-length quantity."""
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def track(events):
    """events: (tick, bytes) in any order -> an MTrk chunk (note-offs before note-ons at a tick)."""
    events = sorted(events, key=lambda e: (e[0], e[1][0] & 0xF0 == 0x90))
    body = b""
    now = 0
    for tick, data in events:
        body += vlq(tick - now) + data
        now = tick
    body += vlq(0) + b"\xff\x2f\x00"
    return b"MTrk" + struct.pack(">I", len(body)) + body


def header(fmt, tracks, tpq):
    """The MThd chunk."""
    return b"MThd" + struct.pack(">IHHH", 6, fmt, tracks, tpq)


def render(mid, out, seconds, rate, fluidsynth_args):
    """Renders the MIDI file `mid` with FluidSynth (`fluidsynth_args` before the sound font) and
    writes its first `seconds` to `out` as 16-bit stereo WAV at `rate`."""
    with tempfile.TemporaryDirectory() as tmp:
        full = os.path.join(tmp, "full.wav")
        subprocess.run(
            ["fluidsynth", "-ni", *fluidsynth_args, "-r", str(rate), "-F", full, SOUNDFONT, mid],
            check=True, stdout=subprocess.DEVNULL,
        )
        with wave.open(full, "rb") as w:
            assert w.getframerate() == rate and w.getnchannels() == 2 and w.getsampwidth() == 2
            frames = w.readframes(int(seconds * rate))
    with wave.open(out, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
