//! Frequency axes: where a frequency sits on a linear, logarithmic or mel display.

use serde::{Deserialize, Serialize};

/// A frequency axis mapping between a position `u` in `0..=1` (bottom to top) and Hz.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FreqScale {
    /// Equal spacing in Hz.
    #[default]
    Linear,
    /// Equal spacing in log2(f): octaves take equal heights. The lower edge must be positive.
    Log,
    /// Equal spacing in HTK mel, `m = 2595·log10(1 + f/700)`.
    Mel,
    /// The axis `librosa.display.specshow(y_axis='log')` draws: matplotlib's symlog with base 2,
    /// linear threshold C2 ([`LIBROSA_LOG_THRESHOLD_HZ`]) and linscale 0.5, so `f` maps to `f`
    /// below the threshold and to `t·(1 + log2(f/t))` above it. Linear near 0 Hz, so the lower
    /// edge may be 0 or negative (specshow draws bins from −Δf/2).
    #[serde(rename = "librosa-log")]
    LibrosaLog,
}

/// The linear threshold of librosa's log axis: the note C2, `440·2^(−33/12)` Hz.
pub const LIBROSA_LOG_THRESHOLD_HZ: f64 = 65.406_391_325_149_66;

impl FreqScale {
    /// Every scale, in menu order.
    pub const ALL: [FreqScale; 4] = [
        FreqScale::Linear,
        FreqScale::Log,
        FreqScale::Mel,
        FreqScale::LibrosaLog,
    ];

    /// Canonical name.
    pub fn name(self) -> &'static str {
        match self {
            FreqScale::Linear => "linear",
            FreqScale::Log => "log",
            FreqScale::Mel => "mel",
            FreqScale::LibrosaLog => "librosa-log",
        }
    }

    fn warp(self, f: f64) -> f64 {
        match self {
            FreqScale::Linear => f,
            FreqScale::Log => f.max(1e-9).log2(),
            FreqScale::Mel => hz_to_mel(f),
            FreqScale::LibrosaLog => librosa_symlog(f),
        }
    }

    fn unwarp(self, v: f64) -> f64 {
        match self {
            FreqScale::Linear => v,
            FreqScale::Log => v.exp2(),
            FreqScale::Mel => mel_to_hz(v),
            FreqScale::LibrosaLog => librosa_symlog_inverse(v),
        }
    }

    /// The frequency at position `u` of an axis spanning `lo_hz..=hi_hz`.
    pub fn freq_at(self, u: f64, lo_hz: f64, hi_hz: f64) -> f64 {
        let (a, b) = (self.warp(lo_hz), self.warp(hi_hz));
        self.unwarp(a + u * (b - a))
    }

    /// The position of `freq_hz` on an axis spanning `lo_hz..=hi_hz`.
    pub fn position_of(self, freq_hz: f64, lo_hz: f64, hi_hz: f64) -> f64 {
        let (a, b) = (self.warp(lo_hz), self.warp(hi_hz));
        (self.warp(freq_hz) - a) / (b - a)
    }

    /// The default lower edge for a signal at `sample_rate` analysed with `fft_len`: 0 Hz for
    /// linear and mel, and for log the larger of 20 Hz and one bin.
    pub fn default_low_hz(self, sample_rate: f64, fft_len: usize) -> f64 {
        match self {
            FreqScale::Log => (sample_rate / fft_len as f64).max(20.0f64.min(sample_rate / 8.0)),
            _ => 0.0,
        }
    }
}

impl std::fmt::Display for FreqScale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for FreqScale {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "linear" | "lin" => Ok(FreqScale::Linear),
            "log" => Ok(FreqScale::Log),
            "mel" => Ok(FreqScale::Mel),
            "librosa-log" | "librosa_log" => Ok(FreqScale::LibrosaLog),
            _ => Err(format!(
                "unknown scale '{s}' (expected linear, log, mel or librosa-log)"
            )),
        }
    }
}

/// librosa's log axis (matplotlib's symlog, base 2, linscale 0.5 so that the linear part has
/// slope 1): `f` within the threshold, `±t·(1 + log2(|f|/t))` beyond it.
pub fn librosa_symlog(f: f64) -> f64 {
    let t = LIBROSA_LOG_THRESHOLD_HZ;
    if f.abs() <= t {
        f
    } else {
        f.signum() * t * (1.0 + (f.abs() / t).log2())
    }
}

/// Inverse of [`librosa_symlog`].
pub fn librosa_symlog_inverse(y: f64) -> f64 {
    let t = LIBROSA_LOG_THRESHOLD_HZ;
    if y.abs() <= t {
        y
    } else {
        y.signum() * t * (y.abs() / t - 1.0).exp2()
    }
}

/// HTK mel of a frequency.
pub fn hz_to_mel(f: f64) -> f64 {
    2595.0 * (1.0 + f / 700.0).log10()
}

/// Frequency of an HTK mel value.
pub fn mel_to_hz(m: f64) -> f64 {
    700.0 * (10f64.powf(m / 2595.0) - 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_invert() {
        for s in FreqScale::ALL {
            for u in [0.0, 0.1, 0.5, 0.9, 1.0] {
                let f = s.freq_at(u, 20.0, 20000.0);
                assert!((s.position_of(f, 20.0, 20000.0) - u).abs() < 1e-12, "{s} {u}");
            }
        }
        // An octave is an equal step on the log axis: 20..20480 Hz is ten octaves.
        assert!((FreqScale::Log.freq_at(0.1, 20.0, 20480.0) - 40.0).abs() < 1e-9);
        assert!((hz_to_mel(1000.0) - 999.985).abs() < 1e-2);
    }

    #[test]
    fn librosa_log_is_matplotlib_symlog() {
        // matplotlib's SymmetricalLogTransform(base=2, linthresh=C2, linscale=0.5):
        // linscale_adj = 0.5 / (1 − 1/2) = 1, so y = f inside the threshold, and
        // y = t·(1 + log2(f/t)) beyond: one octave above C2 is 2t, two octaves 3t.
        let t = LIBROSA_LOG_THRESHOLD_HZ;
        assert_eq!(librosa_symlog(30.0), 30.0);
        assert_eq!(librosa_symlog(-10.0), -10.0);
        assert!((librosa_symlog(2.0 * t) - 2.0 * t).abs() < 1e-9);
        assert!((librosa_symlog(4.0 * t) - 3.0 * t).abs() < 1e-9);
        assert!((librosa_symlog(1000.0) - t * (1.0 + (1000.0 / t).log2())).abs() < 1e-9);
        for f in [-20.0, 0.0, 50.0, 65.0, 66.0, 440.0, 11025.0] {
            assert!(
                (librosa_symlog_inverse(librosa_symlog(f)) - f).abs() < 1e-9,
                "{f}"
            );
        }
        // The axis from −Δf/2 to sr/2 + Δf/2 that specshow draws for n_fft 2048 at 22050 Hz.
        let df = 22050.0 / 2048.0;
        let s = FreqScale::LibrosaLog;
        assert!((s.freq_at(0.0, -df / 2.0, 11025.0 + df / 2.0) + df / 2.0).abs() < 1e-9);
        let mid = s.freq_at(0.5, -df / 2.0, 11025.0 + df / 2.0);
        assert!(mid > 500.0 && mid < 1000.0, "{mid}");
        assert_eq!("librosa-log".parse::<FreqScale>(), Ok(FreqScale::LibrosaLog));
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"librosa-log\"");
    }
}
