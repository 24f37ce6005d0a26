"""Makes the README's before/after screenshots of a repaired region: the committed music fixture
(tests/data/repair_music.wav) with an 80 ms knock added at 4 s, repaired by a full-band rect in
`auto` mode, shown as the original and as the edited version.

    python3 tools/repair_screenshots.py [SPECTRO]   # default target/release/spectro; needs DISPLAY
"""

import json
import os
import subprocess
import sys
import tempfile
import wave

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spectro = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/spectro")

with wave.open(os.path.join(ROOT, "tests/data/repair_music.wav")) as w:
    n, ch, fs = w.getnframes(), w.getnchannels(), w.getframerate()
    x = np.frombuffer(w.readframes(n), dtype=np.int16).reshape(-1, ch).astype(np.float64) / 32768
rng = np.random.default_rng(3)
t0, length = int(4.0 * fs), int(0.08 * fs)
knock = rng.standard_normal(length) * np.exp(-np.arange(length) / (0.015 * fs)) * 0.6
y = x.copy()
y[t0 : t0 + length] += knock[:, None]

with tempfile.TemporaryDirectory() as tmp:
    knocked = os.path.join(tmp, "knocked.wav")
    with wave.open(knocked, "wb") as o:
        o.setnchannels(ch)
        o.setsampwidth(2)
        o.setframerate(fs)
        o.writeframes((np.clip(y, -1, 1) * 32767).astype(np.int16).tobytes())
    # Named relative to the repository, as a user would type it: the status bar shows it.
    edits = os.path.join("target", "screenshot-inputs", "knock.json")
    os.makedirs(os.path.join(ROOT, os.path.dirname(edits)), exist_ok=True)
    with open(os.path.join(ROOT, edits), "w") as f:
        json.dump({"version": 1, "edits": [
            {"type": "rect", "time_s": [3.995, 4.085], "freq_hz": [0, fs / 2], "repair": "auto"}]}, f)
    env = dict(os.environ, XDG_STATE_HOME=os.path.join(tmp, "state"))
    for show, name in [("original", "repair-before.png"), ("edited", "repair-after.png")]:
        out = os.path.join(ROOT, "screenshots", name)
        subprocess.run([spectro, "--screenshot", out, "--size", "1400x700", "--show", show,
                        knocked, "--edits", edits], check=True, env=env, cwd=ROOT)
        print("wrote", out)
