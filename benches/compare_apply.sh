#!/usr/bin/env bash
# Whole-process comparison of `spectro apply` with the scipy way (benches/scipy_apply.py) on
# 10 minutes of 48 kHz stereo 16-bit, fft 2048, hop 512, one rect edit: wall time and peak
# memory, both run here, one after the other, three times each. Needs python3 with numpy and
# scipy (pip install numpy scipy).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
mkdir -p bench-data
IN=bench-data/long10.wav
[ -f "$IN" ] || target/release/spectro make-demo --seconds 600 "$IN"
cat > bench-data/whole.json <<'JSON'
{"version":1,"stft":{"fft":2048,"hop":512},"edits":[{"type":"rect","time_s":[0,600],"freq_hz":[2800,3200],"gain_db":-100}]}
JSON
cat > bench-data/minute.json <<'JSON'
{"version":1,"stft":{"fft":2048,"hop":512},"edits":[{"type":"rect","time_s":[100,160],"freq_hz":[2800,3200],"gain_db":-100}]}
JSON
for run in 1 2 3; do
  /usr/bin/time -f "scipy   rect over 600 s  %e s  %M KB" python3 benches/scipy_apply.py "$IN" bench-data/scipy.wav 0 600 2800 3200 -100
  /usr/bin/time -f "spectro rect over 600 s  %e s  %M KB" target/release/spectro apply "$IN" --edits bench-data/whole.json -o bench-data/spectro.wav --quiet
  /usr/bin/time -f "spectro rect over 60 s   %e s  %M KB" target/release/spectro apply "$IN" --edits bench-data/minute.json -o bench-data/spectro.wav --quiet
done
echo "decoded samples: $((600 * 48000 * 2 * 4 / 1024)) KB as f32"
