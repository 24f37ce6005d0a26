#!/usr/bin/env bash
# Issue 16's figures: opening an hour of 44.1 kHz stereo FLAC against the same audio as WAV
# (time to the first full view in the window, --bench-ui), and decoding throughput against the
# reference decoder (`flac -d`) in the same run, with Spectro's peak memory while decoding.
#
#   cargo build --release && benches/compare_formats.sh      (needs flac, xvfb, python3)
#
# The hour is tests/data/repair_music.wav (10 s of music, 44.1 kHz stereo PCM16) tiled 360
# times, each tile at another gain so no two frames are identical.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/spectro
data=bench-data
mkdir -p "$data"
wav=$data/hour44.wav
flac=$data/hour44.flac
if [ ! -f "$wav" ]; then
  python3 - "$wav" <<'PY'
import sys, wave
import numpy as np
src = wave.open("tests/data/repair_music.wav")
base = np.frombuffer(src.readframes(src.getnframes()), "<i2").astype(np.float32)
with wave.open(sys.argv[1], "wb") as out:
    out.setnchannels(2); out.setsampwidth(2); out.setframerate(44100)
    for k in range(360):
        g = 0.5 + 0.5 * ((k * 37) % 100) / 100
        out.writeframes(np.round(base * g).astype("<i2").tobytes())
PY
fi
[ -f "$flac" ] || flac -s -5 -f -o "$flac" "$wav"
ls -l "$wav" "$flac"
cache=$(mktemp -d)
export SPECTRO_CACHE_DIR=$cache
echo "== decoding throughput (one core each): flac -d, then spectro decoding into its cache"
/usr/bin/time -f "flac -d: %e s, peak RSS %M KB" flac -s -d -f -o "$cache/peer.wav" "$flac"
rm -f "$cache/peer.wav"
/usr/bin/time -f "spectro (decode into the cache): %e s, peak RSS %M KB" "$bin" info "$flac" >/dev/null
/usr/bin/time -f "spectro (cache reused): %e s, peak RSS %M KB" "$bin" info "$flac" >/dev/null
echo "== first full view (--bench-ui), WAV, FLAC with an empty cache, FLAC cached"
export DISPLAY=${DISPLAY:-:99}
view() { "$bin" --bench-ui "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("first_view_s %.2f  overview_s %.2f  peak_rss_anon_mb %s" % (d["first_view_s"], d["overview_s"], d.get("peak_rss_anon_mb")))'; }
echo -n "WAV:          "; view "$wav"
rm -rf "$cache"/*
echo -n "FLAC, fresh:  "; view "$flac"
echo -n "FLAC, cached: "; view "$flac"
rm -rf "$cache"
