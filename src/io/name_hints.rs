//! Capture parameters encoded in a file name, the way SDR tools name their recordings.
//!
//! rtl_433 and dump1090 name raw captures `g001_433.92M_250k.cu8` (centre frequency, then
//! sample rate); SDR# and SDRuno put `_1090000000Hz_` in the names of IQ WAVs. Raw captures
//! have no header, so these names are often the only record of how they were made.

use std::path::Path;

/// What a file name says about its capture.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NameHints {
    /// Sample rate in Hz, from the second of two `<number><k|M|G>` tokens.
    pub sample_rate_hz: Option<f64>,
    /// Centre frequency in Hz, from the first of two such tokens or a `<number>Hz` token.
    pub center_freq_hz: Option<f64>,
}

/// Reads [`NameHints`] from the file name of `path` (the stem, split at `_`).
pub fn name_hints(path: &Path) -> NameHints {
    let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
        return NameHints::default();
    };
    let mut scaled = Vec::new();
    let mut hz = None;
    for token in stem.split(['_', ' ']) {
        if let Some(v) = token.strip_suffix("Hz").and_then(parse_scaled) {
            hz = Some(v);
        } else if let Some(v) = parse_scaled(token).filter(|_| token.ends_with(['k', 'M', 'G'])) {
            scaled.push(v);
        }
    }
    match scaled.as_slice() {
        // Two scaled tokens: rtl_433's `<freq>_<rate>` order.
        [freq, rate] => NameHints {
            center_freq_hz: Some(*freq),
            sample_rate_hz: Some(*rate),
        },
        _ => NameHints {
            center_freq_hz: hz,
            sample_rate_hz: None,
        },
    }
}

/// `433.92M` → 433.92e6, `250k` → 250e3, `1090000000` → 1.09e9; anything else → None.
fn parse_scaled(token: &str) -> Option<f64> {
    let (number, scale) = match token.as_bytes().last()? {
        b'k' => (&token[..token.len() - 1], 1e3),
        b'M' => (&token[..token.len() - 1], 1e6),
        b'G' => (&token[..token.len() - 1], 1e9),
        _ => (token, 1.0),
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let v = number.parse::<f64>().ok()? * scale;
    // A name is only a hint: a value no capture can have is no hint at all.
    (v > 0.0 && v <= crate::signal::limits::MAX_FREQ_HZ).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtl_433_and_sdr_names() {
        let h = name_hints(Path::new("data/g001_433.92M_250k.cu8"));
        assert_eq!(h.center_freq_hz, Some(433_920_000.0));
        assert_eq!(h.sample_rate_hz, Some(250_000.0));
        let h = name_hints(Path::new("dump1090_modes1_1090M_2000k.cu8"));
        assert_eq!(h.center_freq_hz, Some(1_090_000_000.0));
        assert_eq!(h.sample_rate_hz, Some(2_000_000.0));
        let h = name_hints(Path::new("SDRSharp_20200101_123456Z_1090000000Hz_IQ.wav"));
        assert_eq!(h.center_freq_hz, Some(1_090_000_000.0));
        assert_eq!(h.sample_rate_hz, None);
        assert_eq!(name_hints(Path::new("take_3.wav")), NameHints::default());
        // One scaled token is ambiguous (rate or frequency?): ignored.
        assert_eq!(name_hints(Path::new("capture_2M.cs16")), NameHints::default());
    }
}
