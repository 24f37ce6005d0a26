//! What part of a recording the editor shows and how: time range, frequency range on a scale,
//! levels and colours, and the STFT used to draw it. Pure geometry, no drawing.

use crate::signal::{Colormap, FreqScale, StftParams};

/// The full frequency band a document can show on a scale, and conversions between Hz and the
/// axis position `u` (0 at the bottom edge, 1 at the top).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FreqAxisView {
    /// The scale.
    pub scale: FreqScale,
    /// Frequency at `u = 0`.
    pub lo_hz: f64,
    /// Frequency at `u = 1`.
    pub hi_hz: f64,
    /// Added to frequencies in labels and readouts: an IQ capture's centre frequency, so the
    /// axis reads the radio frequency while edits stay in baseband Hz.
    pub label_offset_hz: f64,
}

/// How close to the bottom or top of the whole axis (as a fraction of it: a few pixels) a
/// region's edge snaps to the band's edge.
pub const EDGE_SNAP_U: f64 = 0.005;

impl FreqAxisView {
    /// The band of a recording at `sample_rate` (two-sided for IQ) on `scale`.
    pub fn new(scale: FreqScale, sample_rate: f64, complex: bool, fft_len: usize) -> Self {
        if complex {
            // Two-sided spectra only make sense on a linear axis.
            return FreqAxisView {
                scale: FreqScale::Linear,
                lo_hz: -sample_rate / 2.0,
                hi_hz: sample_rate / 2.0,
                label_offset_hz: 0.0,
            };
        }
        FreqAxisView {
            scale,
            lo_hz: scale.default_low_hz(sample_rate, fft_len),
            hi_hz: sample_rate / 2.0,
            label_offset_hz: 0.0,
        }
    }

    /// The same axis, labelled around `center_hz` (an IQ capture's centre frequency).
    pub fn labelled_around(mut self, center_hz: Option<f64>) -> Self {
        self.label_offset_hz = center_hz.unwrap_or(0.0);
        self
    }

    /// The frequency a label shows for axis position `u`.
    pub fn label_hz_of(&self, u: f64) -> f64 {
        self.hz_of(u) + self.label_offset_hz
    }

    /// Axis position of `freq_hz`.
    pub fn u_of(&self, freq_hz: f64) -> f64 {
        self.scale.position_of(
            freq_hz.max(if self.scale == FreqScale::Log {
                1e-3
            } else {
                f64::MIN
            }),
            self.lo_hz,
            self.hi_hz,
        )
    }

    /// Frequency at axis position `u`.
    pub fn hz_of(&self, u: f64) -> f64 {
        self.scale.freq_at(u, self.lo_hz, self.hi_hz)
    }

    /// The frequency a region's edge at axis position `u` stands for: as [`Self::hz_of`], except
    /// that within [`EDGE_SNAP_U`] of the bottom of an axis that starts above 0 Hz (log, from
    /// 20 Hz) the edge is 0 Hz, so a region dragged to the bottom takes the lowest frequencies
    /// the axis does not show (and within it of the top, the top of the band).
    pub fn edge_hz_of(&self, u: f64) -> f64 {
        if u <= EDGE_SNAP_U && self.lo_hz > 0.0 {
            0.0
        } else if u >= 1.0 - EDGE_SNAP_U {
            self.hi_hz
        } else {
            self.hz_of(u)
        }
    }

    /// Hz per unit of `u` around `u` (the local slope), for converting screen sizes.
    pub fn hz_per_u(&self, u: f64) -> f64 {
        let d = 1e-4;
        (self.hz_of(u + d) - self.hz_of(u - d)) / (2.0 * d)
    }
}

/// How the spectrogram is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ViewState {
    /// Visible time range, seconds.
    pub time_s: [f64; 2],
    /// Visible frequency range as axis positions.
    pub u: [f64; 2],
    /// Frequency axis of sound recordings (log by default); IQ captures are always linear.
    pub scale: FreqScale,
    /// Level drawn darkest, dBFS.
    pub floor_db: f32,
    /// Level drawn brightest, dBFS.
    pub ceiling_db: f32,
    /// Colour map.
    pub colormap: Colormap,
    /// The STFT the picture (and new edits' feathering) uses.
    pub stft: StftParams,
    /// One channel, or `None` for the mean power of all channels.
    pub channel: Option<usize>,
    /// Which version is shown (and heard).
    pub version: Version,
}

/// Which version of the recording the editor shows and plays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Version {
    /// The recording as it is.
    Original,
    /// With the edits applied.
    #[default]
    Edited,
    /// What the edits remove (the recording minus the edited one): the quickest way to hear
    /// what a denoiser takes away, artefacts included.
    Removed,
}

impl Version {
    /// All versions, in the order the switch shows them.
    pub const ALL: [Version; 3] = [Version::Original, Version::Edited, Version::Removed];

    /// The label in the editor.
    pub fn name(self) -> &'static str {
        match self {
            Version::Original => "original",
            Version::Edited => "edited",
            Version::Removed => "removed",
        }
    }

    /// True unless this is the original: the edits matter to it.
    pub fn is_edited(self) -> bool {
        self != Version::Original
    }
}

impl Default for ViewState {
    fn default() -> Self {
        ViewState {
            time_s: [0.0, 1.0],
            u: [0.0, 1.0],
            // Octaves take equal heights from 20 Hz (or one bin) up, so a 50 Hz hum and a bass
            // line are as visible as a whistle at 3 kHz; IQ captures are drawn linear whatever
            // this says (see [`FreqAxisView::new`]).
            scale: FreqScale::Log,
            floor_db: -100.0,
            ceiling_db: 0.0,
            colormap: Colormap::Inferno,
            stft: StftParams::default(),
            channel: None,
            version: Version::Edited,
        }
    }
}

/// Shortest visible time span, in hops (zooming in further shows nothing new).
const MIN_SPAN_HOPS: f64 = 8.0;

impl ViewState {
    /// Shows the whole recording of `duration_s`.
    pub fn fit(&mut self, duration_s: f64) {
        self.time_s = [0.0, duration_s.max(1e-6)];
        self.u = [0.0, 1.0];
    }

    /// Zooms time by `factor` (>1 zooms in) keeping `center_s` fixed on screen.
    pub fn zoom_time(&mut self, factor: f64, center_s: f64, duration_s: f64, sample_rate: f64) {
        let [a, b] = self.time_s;
        let min_span = MIN_SPAN_HOPS * self.stft.hop as f64 / sample_rate;
        let span = ((b - a) / factor).clamp(min_span, duration_s.max(min_span) * 1.2);
        let frac = ((center_s - a) / (b - a)).clamp(0.0, 1.0);
        let start = center_s - frac * span;
        self.time_s = [start, start + span];
        self.clamp_time(duration_s);
    }

    /// Zooms frequency by `factor` keeping `center_u` fixed.
    pub fn zoom_freq(&mut self, factor: f64, center_u: f64) {
        let [a, b] = self.u;
        let span = ((b - a) / factor).clamp(1e-4, 1.0);
        let frac = ((center_u - a) / (b - a)).clamp(0.0, 1.0);
        let start = center_u - frac * span;
        self.u = [start, start + span];
        self.clamp_u();
    }

    /// Moves the time range by `delta_s`.
    pub fn pan_time(&mut self, delta_s: f64, duration_s: f64) {
        self.time_s = [self.time_s[0] + delta_s, self.time_s[1] + delta_s];
        self.clamp_time(duration_s);
    }

    /// Moves the frequency range by `delta_u`.
    pub fn pan_u(&mut self, delta_u: f64) {
        self.u = [self.u[0] + delta_u, self.u[1] + delta_u];
        self.clamp_u();
    }

    /// Keeps the view over the recording (with a small margin).
    pub fn clamp_time(&mut self, duration_s: f64) {
        let span = self.time_s[1] - self.time_s[0];
        let margin = 0.02 * span;
        let (lo, hi) = (-margin, duration_s + margin);
        if span >= hi - lo {
            let mid = duration_s / 2.0;
            self.time_s = [mid - span / 2.0, mid + span / 2.0];
        } else if self.time_s[0] < lo {
            self.time_s = [lo, lo + span];
        } else if self.time_s[1] > hi {
            self.time_s = [hi - span, hi];
        }
    }

    fn clamp_u(&mut self) {
        let span = (self.u[1] - self.u[0]).min(1.0);
        if self.u[0] < 0.0 {
            self.u = [0.0, span];
        } else if self.u[1] > 1.0 {
            self.u = [1.0 - span, 1.0];
        }
    }

    /// Level of detail for `width_px` pixels: frames per picture column is `2^lod`, the
    /// smallest power of two that puts no more than one column on a pixel, so no column is
    /// skipped when drawing.
    pub fn lod(&self, width_px: f32, sample_rate: f64) -> u8 {
        let frames = (self.time_s[1] - self.time_s[0]) * sample_rate / self.stft.hop as f64;
        let per_px = frames / width_px.max(1.0) as f64;
        if per_px <= 1.0 {
            0
        } else {
            per_px.log2().ceil().min(24.0) as u8
        }
    }
}

/// Nice tick values for an axis in Hz between `lo_hz` and `hi_hz`, about `target` of them.
pub fn hz_ticks(lo_hz: f64, hi_hz: f64, target: usize) -> (Vec<f64>, f64) {
    let span = (hi_hz - lo_hz).abs().max(1e-9);
    let raw = span / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo_hz / step).ceil() as i64;
    let last = (hi_hz / step).floor() as i64;
    ((first..=last).map(|i| i as f64 * step).collect(), step)
}

/// Ticks for a logarithmic axis: 1, 2 and 5 times powers of ten inside the range.
pub fn log_ticks(lo_hz: f64, hi_hz: f64) -> Vec<f64> {
    let lo = lo_hz.max(1e-3);
    let mut out = Vec::new();
    let mut decade = 10f64.powf(lo.log10().floor());
    while decade <= hi_hz {
        for m in [1.0, 2.0, 5.0] {
            let v = m * decade;
            if v >= lo && v <= hi_hz {
                out.push(v);
            }
        }
        decade *= 10.0;
    }
    out
}

/// A frequency as a short label: `440 Hz`, `3.2 kHz`, `1.09 MHz`.
pub fn format_hz(hz: f64) -> String {
    let a = hz.abs();
    let (v, unit) = if a >= 1e9 {
        (hz / 1e9, "GHz")
    } else if a >= 1e6 {
        (hz / 1e6, "MHz")
    } else if a >= 1e3 {
        (hz / 1e3, "kHz")
    } else {
        (hz, "Hz")
    };
    let text = format!("{v:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text} {unit}")
}

/// A frequency label precise enough to tell ticks `step_hz` apart: `1090.2 MHz`, `-250 kHz`.
pub fn format_hz_step(hz: f64, step_hz: f64) -> String {
    let a = hz.abs();
    let (unit, name) = if a >= 1e6 {
        (1e6, "MHz")
    } else if a >= 1e3 {
        (1e3, "kHz")
    } else {
        (1.0, "Hz")
    };
    let decimals = (unit / step_hz.abs().max(1e-9)).log10().ceil().clamp(0.0, 6.0) as usize;
    format!("{:.*} {name}", decimals, hz / unit)
}

/// The note nearest to `freq_hz` with its offset in cents (A4 = 440 Hz), e.g. `A4 +3`.
pub fn note_name(freq_hz: f64) -> Option<String> {
    if !(8.0..=30_000.0).contains(&freq_hz) {
        return None;
    }
    const NAMES: [&str; 12] = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
    let midi = 69.0 + 12.0 * (freq_hz / 440.0).log2();
    let nearest = midi.round();
    let cents = ((midi - nearest) * 100.0).round() as i32;
    let n = nearest as i32;
    let name = NAMES[n.rem_euclid(12) as usize];
    let octave = n.div_euclid(12) - 1;
    Some(format!("{name}{octave} {cents:+}¢"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_and_labels() {
        assert_eq!(note_name(440.0).as_deref(), Some("A4 +0¢"));
        assert_eq!(note_name(261.63).as_deref(), Some("C4 +0¢"));
        assert_eq!(note_name(3000.0).as_deref(), Some("F#7 +23¢"));
        assert_eq!(format_hz(3200.0), "3.2 kHz");
        assert_eq!(format_hz(-250.0), "-250 Hz");
        assert_eq!(format_hz(1_090_000_000.0), "1.09 GHz");
        assert_eq!(format_hz_step(1_090_200_000.0, 200_000.0), "1090.2 MHz");
        assert_eq!(format_hz_step(-250_000.0, 50_000.0), "-250 kHz");
        assert_eq!(format_hz_step(1500.0, 500.0), "1.5 kHz");
        assert_eq!(format_hz_step(3000.0, 1000.0), "3 kHz");
        let (t, step) = hz_ticks(0.0, 24_000.0, 8);
        assert_eq!(step, 5000.0);
        assert_eq!(t, vec![0.0, 5000.0, 10000.0, 15000.0, 20000.0]);
        assert_eq!(
            log_ticks(20.0, 1000.0),
            vec![20.0, 50.0, 100.0, 200.0, 500.0, 1000.0]
        );
    }

    #[test]
    fn zoom_keeps_the_pointer_fixed_and_lod_avoids_skipping_columns() {
        let mut v = ViewState::default();
        v.fit(10.0);
        v.zoom_time(2.0, 2.5, 10.0, 48_000.0);
        assert!(
            (v.time_s[0] - 1.25).abs() < 1e-9 && (v.time_s[1] - 6.25).abs() < 1e-9,
            "{:?}",
            v.time_s
        );
        v.fit(600.0);
        // 600 s at hop 512 is 56,250 frames; on 1000 px that is 56 per pixel: 2^6 = 64.
        assert_eq!(v.lod(1000.0, 48_000.0), 6);
        v.time_s = [0.0, 0.1];
        assert_eq!(v.lod(1000.0, 48_000.0), 0);
        let axis = FreqAxisView::new(FreqScale::Log, 48_000.0, false, 2048);
        assert!((axis.hz_of(axis.u_of(1234.0)) - 1234.0).abs() < 1e-6);
        // Region edges at the bottom of a log axis reach 0 Hz, under it they are the axis'.
        let log = FreqAxisView::new(FreqScale::Log, 48000.0, false, 2048);
        assert!(log.lo_hz >= 20.0);
        assert_eq!(log.edge_hz_of(0.0), 0.0);
        assert_eq!(log.edge_hz_of(0.004), 0.0);
        assert!((log.edge_hz_of(0.5) - log.hz_of(0.5)).abs() < 1e-9);
        assert_eq!(log.edge_hz_of(0.999), 24000.0);
        // A linear axis starting at 0 Hz and an IQ axis keep their own bottom.
        let iq = FreqAxisView::new(FreqScale::Linear, 2e6, true, 1024);
        assert_eq!(iq.edge_hz_of(0.0), -1e6);
    }
}
