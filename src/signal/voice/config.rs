//! The model's parameters, read from the archive's `config.ini`.

use super::error::VoiceModelError;

/// The DeepFilterNet parameters the signal path needs (`[df]` and `[deepfilternet]` sections).
#[derive(Debug, Clone, PartialEq)]
pub struct DfConfig {
    /// The model's sample rate (48 kHz).
    pub sample_rate_hz: usize,
    /// STFT frame length, samples (960).
    pub fft_len_samples: usize,
    /// STFT hop, samples (480).
    pub hop_samples: usize,
    /// Number of ERB bands of the gain path (32).
    pub erb_bands: usize,
    /// Number of low bins the deep filter acts on (96).
    pub df_bins: usize,
    /// Time constant of the running feature normalisation, seconds (1).
    pub norm_tau_s: f32,
    /// Fewest bins an ERB band may hold (2).
    pub min_bins_per_erb_band: usize,
    /// Deep filter taps over frames (5).
    pub df_order_frames: usize,
    /// Frames the deep filter looks ahead (2).
    pub df_lookahead_frames: usize,
    /// Frames the encoder's features look ahead (2).
    pub conv_lookahead_frames: usize,
    /// Channels of the encoder's convolutions (64): sizes the decoders' inputs.
    pub conv_channels: usize,
}

/// The value of `key` in `[section]` of an INI text.
fn ini_value<'a>(text: &'a str, section: &str, key: &str) -> Option<&'a str> {
    let mut in_section = false;
    for line in text.lines() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_section = name.trim() == section;
        } else if in_section
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            return Some(v.trim());
        }
    }
    None
}

fn parse<T: std::str::FromStr>(text: &str, section: &str, key: &str) -> Result<T, VoiceModelError> {
    let value = ini_value(text, section, key)
        .ok_or_else(|| VoiceModelError::Config(format!("[{section}] {key} missing")))?;
    value
        .parse()
        .map_err(|_| VoiceModelError::Config(format!("[{section}] {key} = {value:?} is not a number")))
}

impl DfConfig {
    /// Reads the parameters from `config.ini`'s text and checks the ones the signal path
    /// relies on (a model trained otherwise would need other code, not other numbers).
    pub fn parse(text: &str) -> Result<DfConfig, VoiceModelError> {
        let model = ini_value(text, "train", "model").unwrap_or("");
        if model != "deepfilternet3" {
            return Err(VoiceModelError::Config(format!(
                "[train] model = {model:?}, only deepfilternet3 is supported"
            )));
        }
        let config = DfConfig {
            sample_rate_hz: parse(text, "df", "sr")?,
            fft_len_samples: parse(text, "df", "fft_size")?,
            hop_samples: parse(text, "df", "hop_size")?,
            erb_bands: parse(text, "df", "nb_erb")?,
            df_bins: parse(text, "df", "nb_df")?,
            norm_tau_s: parse(text, "df", "norm_tau")?,
            min_bins_per_erb_band: parse(text, "df", "min_nb_erb_freqs")?,
            df_order_frames: parse(text, "df", "df_order")?,
            df_lookahead_frames: parse(text, "df", "df_lookahead")?,
            conv_lookahead_frames: parse(text, "deepfilternet", "conv_lookahead")?,
            conv_channels: parse(text, "deepfilternet", "conv_ch")?,
        };
        let ok = config.hop_samples > 0
            && config.fft_len_samples == 2 * config.hop_samples
            && config.erb_bands >= 4
            && config.erb_bands.is_multiple_of(4)
            && config.df_bins > 1
            && config.df_bins <= config.bins()
            && config.df_order_frames > config.df_lookahead_frames
            && config.norm_tau_s > 0.0;
        if !ok {
            return Err(VoiceModelError::Config(format!(
                "unsupported parameters {config:?}"
            )));
        }
        Ok(config)
    }

    /// Number of STFT bins, `fft_len_samples / 2 + 1`.
    pub fn bins(&self) -> usize {
        self.fft_len_samples / 2 + 1
    }

    /// Frames between a frame's features and the gains the model gives for it: the larger of
    /// the two look-aheads.
    pub fn lookahead_frames(&self) -> usize {
        self.conv_lookahead_frames.max(self.df_lookahead_frames)
    }

    /// Smoothing factor of the running normalisations per frame, `exp(-hop / (sr * tau))`
    /// rounded to the fewest decimals (from 3) that leave it below 1, as libDF does: the
    /// model was trained with that value.
    pub fn norm_alpha(&self) -> f32 {
        let dt_s = self.hop_samples as f32 / self.sample_rate_hz as f32;
        let alpha = (-dt_s / self.norm_tau_s).exp();
        let mut decimals = 3;
        loop {
            let scale = 10f32.powi(decimals);
            let rounded = (alpha * scale).round() / scale;
            if rounded < 1.0 || decimals > 9 {
                return rounded.min(alpha);
            }
            decimals += 1;
        }
    }
}
