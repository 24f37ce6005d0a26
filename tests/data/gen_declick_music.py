"""Renders tests/data/declick_music.wav: 10 s of music, 44.1 kHz stereo PCM16, for the
de-click tests and benches (clean reference; the clicks are added by the tests).

A short piece (piano melody and chords, string pad, bass, light drums at 100 bpm) written
as a standard MIDI file with the standard library only, rendered by FluidSynth with the
FluidR3 GM sound font (MIT licence; Debian packages `fluidsynth fluid-soundfont-gm`),
then cut to exactly 10 s.

    python3 tests/data/gen_declick_music.py
"""

import os
import tempfile

import smf

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "declick_music.wav")
RATE = 44100
SECONDS = 10.0
TPQ = 480  # ticks per quarter note
BPM = 100


def note(events, ch, start_beats, len_beats, pitch, vel):
    t0 = int(start_beats * TPQ)
    t1 = int((start_beats + len_beats) * TPQ)
    events.append((t0, bytes([0x90 | ch, pitch, vel])))
    events.append((t1, bytes([0x80 | ch, pitch, 0])))


def piece():
    tempo = 60_000_000 // BPM
    ev = [(0, b"\xff\x51\x03" + tempo.to_bytes(3, "big"))]
    # Programs: 0 piano, 1 strings (48), 2 bass (33); drums on channel 9.
    for ch, prog in ((0, 0), (1, 48), (2, 33)):
        ev.append((0, bytes([0xC0 | ch, prog])))
    # Pan: piano a little left, strings a little right, for a real stereo image.
    ev.append((0, bytes([0xB0, 10, 44])))
    ev.append((0, bytes([0xB1, 10, 84])))
    chords = [(57, 60, 64), (53, 57, 60), (48, 52, 55), (55, 59, 62)]  # Am F C G
    roots = [45, 41, 36, 43]
    melody = [76, 74, 72, 71, 72, 74, 76, 79, 77, 76, 74, 72, 71, 72, 74, 71]
    beats = int(SECONDS * BPM / 60) + 2
    for bar in range(beats // 4 + 1):
        c = chords[bar % 4]
        b0 = bar * 4
        for p in c:
            note(ev, 1, b0, 4, p, 60)  # pad
        for k in range(4):
            for p in c:
                note(ev, 0, b0 + k, 0.9, p + 12, 58)
        note(ev, 2, b0, 1.5, roots[bar % 4], 90)
        note(ev, 2, b0 + 2, 1.5, roots[bar % 4] + 7, 85)
        for k in range(4):
            note(ev, 0, b0 + k + 0.5, 0.45, melody[(bar * 4 + k) % 16], 80)
        for k in range(4):
            note(ev, 9, b0 + k, 0.25, 42, 50)  # closed hi-hat
            note(ev, 9, b0 + k + 0.5, 0.25, 42, 35)
        note(ev, 9, b0, 0.5, 36, 80)  # kick
        note(ev, 9, b0 + 2, 0.5, 38, 70)  # snare
    return smf.header(0, 1, TPQ) + smf.track(ev)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        mid = os.path.join(tmp, "piece.mid")
        with open(mid, "wb") as f:
            f.write(piece())
        smf.render(mid, OUT, SECONDS, RATE, ["-g", "1.4", "-O", "s16", "-T", "wav"])
    print(f"wrote {OUT}")

if __name__ == "__main__":
    main()
