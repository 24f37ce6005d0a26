"""Makes the README's screenshots of the main window (each at the window's default look: the
tools, the side panel, the dB colour legend beside the plot):

- screenshots/demo.png: the demo with assets/demo.edits.json (whistle and hum removed, hiss
  lowered), the Threshold tool selected (its options in the toolbar's second row);
- screenshots/edit-adjust.png: the same with the whistle's rectangle selected by the Pointer
  tool (--select-edit 1): its handles, the Selected edit panel;
- screenshots/ft8-busy-band.png: the ft8_lib busy 20 m band (tests/data), its strongest signal
  (+13 dB, 708 Hz) removed by a rectangle, the noise lowered by an automatic denoise step;
- screenshots/adsb-iq.png: the dump1090 ADS-B capture (tests/data) at 2 MS/s around 1090 MHz;
- screenshots/denoise-speech.png: the noisy speech of tests/data/gen_noisereduce_reference.py
  (0.5 s of white noise, then CMU ARCTIC's arctic_a0007 at 5 dB SNR) with the denoise step
  `spectro denoise --noise-from 0:0.5` applies;

then runs tools/repair_screenshots.py and tools/harmonics_screenshot.py, which make the others.

    python3 tools/window_screenshots.py [SPECTRO]   # default target/release/spectro; needs DISPLAY
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import scipy.io.wavfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spectro = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/spectro")
sys.path.insert(0, os.path.join(ROOT, "tests", "data"))
import gen_noisereduce_reference as ref  # noqa: E402


def data(name):
    return os.path.join(ROOT, "tests", "data", name)


def shot(name, args, env):
    out = os.path.join(ROOT, "screenshots", name)
    subprocess.run([spectro, "--screenshot", out, *args], check=True, env=env, cwd=ROOT)
    print("wrote", out)


def denoise_step(wav, tmp, env, *how):
    """The denoise edit `spectro denoise` applies to `wav` with options `how`."""
    report = subprocess.run(
        [spectro, "denoise", wav, "-o", os.path.join(tmp, "out.wav"), "--force", "--json", *how],
        check=True, env=env, capture_output=True, text=True).stdout
    return json.loads(report.splitlines()[0])["edits"]


# The files made here go under target/, named relative to the repository as a user would type
# them, since the status bar shows the edit list's path.
work = os.path.join("target", "screenshot-inputs")
os.makedirs(os.path.join(ROOT, work), exist_ok=True)

with tempfile.TemporaryDirectory() as tmp:
    env = dict(os.environ, XDG_STATE_HOME=os.path.join(tmp, "state"))

    # Relative paths, as a user in the repository would type them (the status bar shows them).
    shot("demo.png", ["--tool", "threshold", "assets/demo.wav", "--edits", "assets/demo.edits.json"],
         env)
    # An edit being adjusted: the whistle's rectangle selected (handles, inspector); a taller
    # window so the inspector shows under the Edits list.
    shot("edit-adjust.png", ["--size", "1400x1000", "--select-edit", "1", "assets/demo.wav",
                             "--edits", "assets/demo.edits.json"], env)

    ft8 = data("ft8lib_20m_busy_test_01.wav")
    list_ = denoise_step(ft8, tmp, env, "--estimate")
    # The strongest signal of the band: "CQ IK4LZH JN54" at 708 Hz, +13 dB, from 0.5 + 0.9 s
    # for the 12.64 s an FT8 transmission lasts (8 tones 6.25 Hz apart: 50 Hz wide).
    list_["edits"].insert(0, {"type": "rect", "time_s": [1.3, 14.1], "freq_hz": [700, 764],
                              "gain_db": "-inf"})
    ft8_edits = os.path.join(work, "ft8.edits.json")
    with open(os.path.join(ROOT, ft8_edits), "w") as f:
        json.dump(list_, f)
    shot("ft8-busy-band.png", [ft8, "--edits", ft8_edits], env)

    shot("adsb-iq.png", ["--size", "1400x800", data("dump1090_modes1_1090M_2000k.cu8")], env)

    fs, _clean, noisy, _lead = ref.make_input()
    noisy_wav = os.path.join(work, "arctic_a0007_noisy.wav")
    scipy.io.wavfile.write(os.path.join(ROOT, noisy_wav), fs, noisy.astype(np.float32))
    speech_edits = os.path.join(work, "speech.edits.json")
    with open(os.path.join(ROOT, speech_edits), "w") as f:
        json.dump(denoise_step(os.path.join(ROOT, noisy_wav), tmp, env, "--noise-from", "0:0.5"), f)
    shot("denoise-speech.png", ["--size", "1100x700", noisy_wav, "--edits", speech_edits], env)

for script in ["repair_screenshots.py", "harmonics_screenshot.py"]:
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", script), spectro], check=True)
