"""Writes tests/data/janssen_reference.json: benches/janssen.py's fill of three gaps in a
signal (two sines and seeded noise), with 5 iterations like Spectro's Janssen, for
tests/suite/declick.rs to compare against.

    python3 tests/data/gen_janssen_reference.py
"""

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "benches"))
from janssen import janssen_fill  # noqa: E402

rng = np.random.default_rng(14)
n = np.arange(3000)
x = 0.6 * np.sin(2 * np.pi * 0.031 * n) + 0.3 * np.sin(2 * np.pi * 0.117 * n + 0.4) + 0.05 * rng.standard_normal(3000)
cases = []
for start, end in ((500, 509), (1400, 1460), (2500, 2610)):
    filled = janssen_fill(x, start, end, iterations=5)
    cases.append({"start": start, "end": end, "filled": filled[start:end].tolist()})
with open(os.path.join(HERE, "janssen_reference.json"), "w") as f:
    json.dump({"generator": "benches/janssen.py janssen_fill(iterations=5)", "signal": x.tolist(), "cases": cases}, f)
print("wrote janssen_reference.json")
