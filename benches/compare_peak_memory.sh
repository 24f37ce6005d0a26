#!/bin/bash
# Peak memory of the extreme cases of issue 12 (BENCHMARKS.md "Peak memory (issue 12)"), for
# one or more spectro binaries: benches/compare_peak_memory.sh OLD_BINARY NEW_BINARY
# Inputs are made under bench-data/ (git-ignored) on the first run: about 3.5 GB of disk.
# Commands an old binary does not know (render --force) fail at once and say so.
set -u
cd "$(dirname "$0")/.."
mkdir -p bench-data && cd bench-data
BIN=("$@"); [ ${#BIN[@]} -gt 0 ] || BIN=(../target/release/spectro)
P="python3 ../benches/peak_memory.py"
S=${BIN[-1]}
[ -f long60.wav ] || $S make-demo --seconds 3600 long60.wav
[ -f long10.wav ] || $S make-demo --seconds 600 long10.wav
[ -f big16k.png ] || ../benches/make_png.py 16384 16384 big16k.png
[ -f big8k.png ] || ../benches/make_png.py 8192 8192 big8k.png
python3 - <<'PY'
import os, random, struct, wave
random.seed(1)
for name, n in [("short.wav", 9600), ("n200k.wav", 200000), ("mid.wav", 960000)]:
    if not os.path.exists(name):
        w = wave.open(name, "wb"); w.setnchannels(1); w.setsampwidth(2); w.setframerate(48000)
        w.writeframes(b"".join(struct.pack("<h", int(random.gauss(0, 3000))) for _ in range(n)))
        w.close()
one = open("../tests/data/dump1090_modes1_1090M_2000k.cu8", "rb").read()
for name, copies in [("adsb16.cu8", 22), ("adsb64.cu8", 90), ("adsb_1g.cu8", 1400)]:
    if not os.path.exists(name):
        with open(name, "wb") as f:
            for _ in range(copies):
                f.write(one)
stroke = lambda t0, t1, f: {"type": "paint", "points": [[t0, f], [t1, f]], "radius_s": 0.02,
                            "radius_hz": 30, "level_db": -30}
import json
edits = {
    "paint2.json": [stroke(2, 4, 3000), stroke(3594, 3596, 5000)],
    "paint3.json": [stroke(2, 4, 3000), stroke(3594, 3596, 5000), stroke(1, 1.5, 7000)],
    "paint_hour.json": [stroke(1, 3599, 3000)],
}
for name, e in edits.items():
    phase = {"iterations": 8} if name == "paint_hour.json" else None
    doc = {"version": 1, "stft": {"fft": 2048, "hop": 512}, "edits": e}
    if phase:
        doc["phase"] = phase
    json.dump(doc, open(name, "w"))
json.dump({"version": 1, "stft": {"fft": 4096, "hop": 2}, "edits": [
    {"type": "rect", "time_s": [0, 5], "freq_hz": [1000, 2000], "gain_db": -20}]},
    open("e4096all.json", "w"))
PY
run() {
    local limit=$1 name=$2; shift 2
    for b in "${BIN[@]}"; do
        echo -n "$name [$b]: "
        $P --limit-s "$limit" -- "$b" "$@"
    done
}
run 900 "paint, two strokes at the ends of an hour" apply long60.wav --edits paint2.json -o /tmp/pm.wav --force
run 900 "paint, and a third before the first" apply long60.wav --edits paint3.json -o /tmp/pm.wav --force
(ulimit -v 8000000; run 1800 "paint, one stroke an hour long (8 GB limit)" apply long60.wav --edits paint_hour.json -o /tmp/pm.wav --force)
(ulimit -v 8000000; run 1800 "features of 1 GB at 16/4 (8 GB limit)" features adsb_1g.cu8 --sample-rate 2M --fft 16 --hop 4 -o /tmp/pm.csv --force)
run 900 "features of 64 MB at 16/4" features adsb64.cu8 --sample-rate 2M --fft 16 --hop 4 -o /tmp/pm.csv --force
run 900 "features of 16 MB at 16/4" features adsb16.cu8 --sample-rate 2M --fft 16 --hop 4 -o /tmp/pm.csv --force
run 300 "features 4096/2" features n200k.wav --fft 4096 --hop 2 -o /tmp/pm.csv --force
run 300 "apply 4096/2" apply n200k.wav --edits e4096all.json -o /tmp/pm.wav --force
run 600 "denoise --estimate 4096/2" denoise n200k.wav --estimate --fft 4096 --hop 2 -o /tmp/pm.wav --force
run 300 "render 4096/2" render n200k.wav --fft 4096 --hop 2 -o /tmp/pm.png --force
run 300 "features 65536/512" features mid.wav --fft 65536 --hop 512 -o /tmp/pm.csv --force
run 300 "from-image 16384² RGBA16" from-image big16k.png -o /tmp/pm.wav --sample-rate 16000 --hop 256 --iters 2 --force
run 300 "from-image 8192² RGBA16" from-image big8k.png -o /tmp/pm.wav --sample-rate 16000 --hop 256 --iters 2 --force
run 60 "render 65535 × 65535" render short.wav --width 65535 --height 65535 -o /tmp/pm.png --force
run 300 "render 8192 × 8192" render mid.wav --size 8192x8192 -o /tmp/pm.png --force
run 900 "reconstruct 10 min stereo" reconstruct long10.wav -o /tmp/pm.wav --force
rm -f /tmp/pm.wav /tmp/pm.csv /tmp/pm.bursts.csv /tmp/pm.png
