#!/usr/bin/env python3
"""Writes a W x H 16-bit RGBA PNG (a vertical gradient, so it compresses) with the standard
library only: `benches/make_png.py 16384 16384 bench-data/big16k.png` (BENCHMARKS.md, issue 12)."""
import sys, struct, zlib
w, h, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def chunk(t, d):
    c = struct.pack('>I', len(d)) + t + d
    return c + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
comp = zlib.compressobj(1)
body = []
row_cache = {}
for y in range(h):
    v = (y * 65535 // max(1, h - 1))
    key = v >> 8
    if key not in row_cache:
        px = struct.pack('>HHHH', v, v // 2, 65535 - v, 65535)
        row_cache[key] = b'\x00' + px * w
    body.append(comp.compress(row_cache[key]))
body.append(comp.flush())
with open(out, 'wb') as f:
    f.write(b'\x89PNG\r\n\x1a\n')
    f.write(chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 16, 6, 0, 0, 0)))
    f.write(chunk(b'IDAT', b''.join(body)))
    f.write(chunk(b'IEND', b''))
