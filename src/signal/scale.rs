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
}

impl FreqScale {
    /// Every scale, in menu order.
    pub const ALL: [FreqScale; 3] = [FreqScale::Linear, FreqScale::Log, FreqScale::Mel];

    /// Canonical name.
    pub fn name(self) -> &'static str {
        match self {
            FreqScale::Linear => "linear",
            FreqScale::Log => "log",
            FreqScale::Mel => "mel",
        }
    }

    fn warp(self, f: f64) -> f64 {
        match self {
            FreqScale::Linear => f,
            FreqScale::Log => f.max(1e-9).log2(),
            FreqScale::Mel => hz_to_mel(f),
        }
    }

    fn unwarp(self, v: f64) -> f64 {
        match self {
            FreqScale::Linear => v,
            FreqScale::Log => v.exp2(),
            FreqScale::Mel => mel_to_hz(v),
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
            _ => Err(format!("unknown scale '{s}' (expected linear, log or mel)")),
        }
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
}
