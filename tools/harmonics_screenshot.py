"""Makes the README's screenshot of the Harmonics tool: the committed fixture
tests/data/vibrato_speech.wav (CMU ARCTIC speech plus a vibrato tone with 8 overtones, see
tests/data/gen_harmonics.py) with the tool seeded near the tone's third partial over the tone's
span, as a click there does: the tracked fundamental and its overtones shown as the pending
selection (yellow), the original shown.

    python3 tools/harmonics_screenshot.py [SPECTRO]   # default target/release/spectro; needs DISPLAY
"""

import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spectro = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/spectro")

with tempfile.TemporaryDirectory() as tmp:
    env = dict(os.environ, XDG_STATE_HOME=os.path.join(tmp, "state"))
    out = os.path.join(ROOT, "screenshots", "harmonics.png")
    subprocess.run([spectro, "--screenshot", out, "--size", "1400x700", "--show", "original",
                    "--fft", "512", "--hop", "128", "--harmonics-seed", "0.45:3.55:1285",
                    os.path.join(ROOT, "tests/data/vibrato_speech.wav")], check=True, env=env)
    print("wrote", out)
