//! Analysis windows.
//!
//! All windows are the *periodic* ("DFT-even") variants that scipy's `get_window` and librosa
//! return by default, because those are the ones whose shifted copies overlap-add cleanly.

use serde::{Deserialize, Serialize};

/// The window function applied to each STFT frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WindowKind {
    /// Periodic Hann, `0.5 − 0.5·cos(2πn/N)`.
    #[default]
    Hann,
    /// Periodic Hamming, `0.54 − 0.46·cos(2πn/N)`.
    Hamming,
    /// Periodic Blackman, `0.42 − 0.5·cos(2πn/N) + 0.08·cos(4πn/N)`.
    Blackman,
    /// Square root of the periodic Hann window (a tight frame at 50 % overlap).
    #[serde(alias = "sqrt_hann", alias = "sqrthann")]
    SqrtHann,
    /// All ones (scipy's `boxcar`).
    #[serde(alias = "rect", alias = "boxcar", alias = "rectangle")]
    Rectangular,
}

impl WindowKind {
    /// Every window, in the order menus show them.
    pub const ALL: [WindowKind; 5] = [
        WindowKind::Hann,
        WindowKind::Hamming,
        WindowKind::Blackman,
        WindowKind::SqrtHann,
        WindowKind::Rectangular,
    ];

    /// The canonical name used in edit lists, PNG metadata and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            WindowKind::Hann => "hann",
            WindowKind::Hamming => "hamming",
            WindowKind::Blackman => "blackman",
            WindowKind::SqrtHann => "sqrt-hann",
            WindowKind::Rectangular => "rectangular",
        }
    }

    /// Parses a window name, accepting the aliases scipy users type (`boxcar`, `sqrt_hann`).
    pub fn from_name(name: &str) -> Option<WindowKind> {
        match name.to_ascii_lowercase().as_str() {
            "hann" | "hanning" => Some(WindowKind::Hann),
            "hamming" => Some(WindowKind::Hamming),
            "blackman" => Some(WindowKind::Blackman),
            "sqrt-hann" | "sqrt_hann" | "sqrthann" => Some(WindowKind::SqrtHann),
            "rectangular" | "rect" | "boxcar" | "rectangle" => Some(WindowKind::Rectangular),
            _ => None,
        }
    }

    /// The `len` window coefficients, computed in f64 and rounded once to f32.
    pub fn coefficients(self, len: usize) -> Vec<f32> {
        let n = len as f64;
        (0..len)
            .map(|i| {
                let x = std::f64::consts::TAU * i as f64 / n;
                let w = match self {
                    WindowKind::Hann => 0.5 - 0.5 * x.cos(),
                    WindowKind::Hamming => 0.54 - 0.46 * x.cos(),
                    WindowKind::Blackman => 0.42 - 0.5 * x.cos() + 0.08 * (2.0 * x).cos(),
                    WindowKind::SqrtHann => (0.5 - 0.5 * x.cos()).max(0.0).sqrt(),
                    WindowKind::Rectangular => 1.0,
                };
                w as f32
            })
            .collect()
    }

    /// PGHI's time-frequency ratio γ for a window of `len` samples (Průša et al. 2017), or
    /// `None` for windows PGHI has no Gaussian approximation for.
    pub fn pghi_gamma(self, len: usize) -> Option<f64> {
        let l2 = (len as f64) * (len as f64);
        match self {
            WindowKind::Hann => Some(0.25645 * l2),
            WindowKind::SqrtHann => Some(0.41532 * l2),
            WindowKind::Hamming => Some(0.29794 * l2),
            WindowKind::Blackman => Some(0.17954 * l2),
            WindowKind::Rectangular => None,
        }
    }
}

impl std::fmt::Display for WindowKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for WindowKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WindowKind::from_name(s).ok_or_else(|| {
            format!("unknown window '{s}' (expected hann, hamming, blackman, sqrt-hann or rectangular)")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periodic_hann_matches_closed_form() {
        let w = WindowKind::Hann.coefficients(8);
        // scipy.signal.get_window('hann', 8)
        let expected = [
            0.0,
            0.146_446_6,
            0.5,
            0.853_553_4,
            1.0,
            0.853_553_4,
            0.5,
            0.146_446_6,
        ];
        for (a, b) in w.iter().zip(expected) {
            assert!((a - b).abs() < 1e-7, "{a} vs {b}");
        }
    }

    #[test]
    fn names_round_trip() {
        for w in WindowKind::ALL {
            assert_eq!(WindowKind::from_name(w.name()), Some(w));
            let json = serde_json::to_string(&w).unwrap();
            assert_eq!(json, format!("\"{}\"", w.name()));
        }
    }
}
