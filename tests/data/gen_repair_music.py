"""Writes repair_music.mid (piano, bass and drums, 5 bars at 120 bpm with repetition) using only
the standard library, and with --render renders it to repair_music.wav (44.1 kHz stereo 16-bit,
10 s) with fluidsynth and the FluidR3 GM soundfont (Debian fluid-soundfont-gm, MIT):

    python3 tests/data/gen_repair_music.py --render

The music for the spectral repair tests (tests/suite/repair.rs) and benches/compare_repair.py.
"""

import os
import sys

import smf

HERE = os.path.dirname(os.path.abspath(__file__))
TPQ = 480  # ticks per quarter note


def note(events, ch, start, length, pitch, vel):
    events.append((start, bytes([0x90 | ch, pitch, vel])))
    events.append((start + length, bytes([0x80 | ch, pitch, 0])))


def main():
    q = TPQ
    bar = 4 * q
    # C, G, C, G, F: bars 3 and 4 repeat bars 1 and 2 (music repeats, pattern repair relies
    # on it); the last bar is new.
    c = ([60, 64, 67], 36, [72, 74, 76, 79, 76, 74, 72, 67])
    g = ([55, 59, 62], 43, [71, 72, 74, 79, 74, 72, 71, 67])
    f = ([53, 57, 60], 41, [65, 67, 69, 72, 69, 67, 65, 60])
    chords, roots, melody = zip(c, g, c, g, f)
    tempo = smf.track([(0, b"\xff\x51\x03" + (500000).to_bytes(3, "big"))])
    piano = [(0, bytes([0xC0, 0]))]
    bass = [(0, bytes([0xC1, 33]))]
    drums = []
    for b, (chord, root, tune) in enumerate(zip(chords, roots, melody)):
        t0 = b * bar
        for i, pitch in enumerate(tune):
            note(piano, 0, t0 + i * q // 2, q // 2, pitch, 90)
        for beat in (0, 2):
            for pitch in chord:
                note(piano, 0, t0 + beat * q, 2 * q - 20, pitch - 12, 60)
        for beat in range(4):
            note(bass, 1, t0 + beat * q, q - 40, root + (7 if beat == 2 else 0), 100)
        for eighth in range(8):
            note(drums, 9, t0 + eighth * q // 2, q // 4, 42, 70)
        for beat in (0, 2):
            note(drums, 9, t0 + beat * q, q // 2, 36, 110)
        for beat in (1, 3):
            note(drums, 9, t0 + beat * q, q // 2, 38, 100)
    header = smf.header(1, 4, TPQ)
    mid = os.path.join(HERE, "repair_music.mid")
    with open(mid, "wb") as f:
        f.write(header + tempo + smf.track(piano) + smf.track(bass) + smf.track(drums))
    if "--render" in sys.argv:
        smf.render(mid, os.path.join(HERE, "repair_music.wav"), 10, 44100, ["-q", "-g", "0.5"])

if __name__ == "__main__":
    main()
