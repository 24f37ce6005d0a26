"""Makes screenshots/voice-music.png and screenshots/voice-music-before.png: speech with music
under it, before and after the voice isolation edit (issue 18).

The recording: three CMU ARCTIC sentences (tests/data/arctic_a0007.wav and
tests/data/voice/speech/, resampled 16 -> 48 kHz) over tests/data/declick_music.wav (piano,
strings, bass and drums, MIT/Apache; resampled 44.1 -> 48 kHz, mono) at 5 dB SNR, 48 kHz mono
float32, written to a temporary directory. The edit list holds one step,
`{"type": "voice", "reduction_db": 30}`, what `spectro denoise --voice` applies.

    python3 tools/voice_screenshot.py [SPECTRO]   # default target/release/spectro; needs DISPLAY
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spectro = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/spectro")


def data(name):
    return os.path.join(ROOT, "tests", "data", name)


speech = []
for name in ["arctic_a0007.wav", "voice/speech/cmu_arctic_us_aew_a0001.wav", "voice/speech/cmu_arctic_us_axb_a0004.wav"]:
    x, fs = sf.read(data(name))
    x = resample_poly(x, 48000, fs)
    speech.append(x / np.sqrt(np.mean(x**2)))
    speech.append(np.zeros(24000))
speech = np.concatenate(speech)
music, fs = sf.read(data("declick_music.wav"))
music = resample_poly(music.mean(axis=1) if music.ndim > 1 else music, 480, 441)
music = np.tile(music, int(np.ceil(len(speech) / len(music))))[: len(speech)]
music *= np.sqrt(np.sum(speech**2) / np.sum(music**2) / 10 ** (5 / 10))
mix = speech + music
mix *= 0.5 / np.max(np.abs(mix))

with tempfile.TemporaryDirectory() as tmp:
    wav = os.path.join(tmp, "speech-over-music.wav")
    sf.write(wav, mix.astype(np.float32), 48000, subtype="FLOAT")
    edits = os.path.join(tmp, "voice.edits.json")
    with open(edits, "w") as f:
        json.dump({"version": 1, "edits": [{"type": "voice", "reduction_db": 30}]}, f)
    for name, args in [("voice-music-before.png", []), ("voice-music.png", ["--edits", edits])]:
        out = os.path.join(ROOT, "screenshots", name)
        subprocess.run([spectro, "--screenshot", out, "--size", "1100x700", wav, *args], check=True)
        print("wrote", out)
