//! Hearing a radio signal in an IQ capture: tune to it, filter, decimate, demodulate.
//!
//! A capture at 2 MS/s holds many signals; to listen to one, it is shifted to 0 Hz (the
//! oscillator runs on the absolute frame index, so seeks and loops keep its phase),
//! low-pass filtered to the signal's bandwidth and decimated by an integer factor with a
//! polyphase FIR (only kept outputs are computed), then demodulated (AM envelope, FM
//! discriminator, or SSB as the real part of a one-sided band) and levelled. The result is a
//! mono signal at `sample_rate / decimation` that playback resamples to the device rate.

use std::f64::consts::{PI, TAU};

use crate::signal::Complex32;

/// How the tuned signal is turned into audio.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DemodMode {
    /// Amplitude modulation: the envelope.
    Am,
    /// Frequency modulation: the rate of phase change.
    Fm,
    /// Upper sideband: the band above the tuned frequency.
    Usb,
    /// Lower sideband: the band below the tuned frequency.
    Lsb,
}

impl DemodMode {
    /// All modes, in menu order.
    pub const ALL: [DemodMode; 4] = [DemodMode::Am, DemodMode::Fm, DemodMode::Usb, DemodMode::Lsb];

    /// Short name: `AM`, `FM`, `USB`, `LSB`.
    pub fn name(self) -> &'static str {
        match self {
            DemodMode::Am => "AM",
            DemodMode::Fm => "FM",
            DemodMode::Usb => "USB",
            DemodMode::Lsb => "LSB",
        }
    }

    /// A usual channel bandwidth for the mode, Hz (AM broadcast, narrow FM, SSB voice).
    pub fn default_bandwidth_hz(self) -> f64 {
        match self {
            DemodMode::Am => 10_000.0,
            DemodMode::Fm => 12_500.0,
            DemodMode::Usb | DemodMode::Lsb => 3_000.0,
        }
    }
}

/// What to listen to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DemodSettings {
    /// The demodulator.
    pub mode: DemodMode,
    /// Tuned frequency relative to the capture's centre, Hz (negative below it). For SSB the
    /// suppressed carrier (dial) frequency.
    pub tune_hz: f64,
    /// Channel bandwidth, Hz: the whole channel for AM/FM, the audio width for SSB.
    pub bandwidth_hz: f64,
}

impl DemodSettings {
    /// The frequency band the demodulator hears, relative to the centre, Hz.
    pub fn band_hz(&self) -> [f64; 2] {
        let (t, b) = (self.tune_hz, self.bandwidth_hz);
        match self.mode {
            DemodMode::Am | DemodMode::Fm => [t - b / 2.0, t + b / 2.0],
            DemodMode::Usb => [t, t + b],
            DemodMode::Lsb => [t - b, t],
        }
    }
}

/// The lowest rate the demodulated audio runs at before playback resamples it, Hz: low enough
/// to keep filtering cheap, high enough for speech and for the playback chunk sizes.
const MIN_AUDIO_RATE_HZ: f64 = 24_000.0;
/// Longest filter, taps: bounds the cost of very narrow channels at very high rates.
const MAX_TAPS: usize = 8191;

/// A streaming tuner and demodulator for one channel of IQ.
pub struct Demodulator {
    settings: DemodSettings,
    sample_rate_hz: f64,
    decimation: usize,
    /// Anti-alias low-pass taps (real, symmetric) for decimating the mixed signal.
    taps: Vec<f32>,
    /// Channel filter taps at the output rate: the sharp selectivity, cheap at the low rate.
    channel_taps: Vec<f32>,
    /// The last `channel_taps.len()` decimated samples, a ring.
    channel_ring: Vec<Complex32>,
    channel_at: usize,
    /// The last `taps.len() - 1` mixed samples, then the current block (reused).
    history: Vec<Complex32>,
    /// Input samples consumed since the last kept output (0..decimation).
    phase_in: usize,
    /// Mixing frequency: the band's centre, Hz.
    mix_hz: f64,
    /// SSB: the shift back from the band's centre at the output rate, radians per sample.
    ssb_step: f64,
    ssb_phase: f64,
    /// FM: the previous filtered sample.
    previous: Complex32,
    /// DC blocker state (AM): the running mean of the envelope.
    dc: f32,
    mixed: Vec<Complex32>,
}

impl Demodulator {
    /// A demodulator for IQ at `sample_rate_hz`.
    pub fn new(settings: DemodSettings, sample_rate_hz: f64) -> Demodulator {
        // At least 100 Hz, at most the rate, which for a rate under 100 Hz is the smaller.
        let bandwidth_hz = settings.bandwidth_hz.max(100.0).min(sample_rate_hz);
        // Keep at least twice the bandwidth so the filter's transition band has room.
        let wanted_rate = (2.0 * bandwidth_hz).max(MIN_AUDIO_RATE_HZ);
        let decimation = ((sample_rate_hz / wanted_rate).floor() as usize).max(1);
        let out_rate = sample_rate_hz / decimation as f64;
        // Pass to bw/2, stop where aliases would fold into the passband: out_rate - bw/2.
        let pass = bandwidth_hz / 2.0;
        let stop = (out_rate - pass).max(pass * 1.2).min(sample_rate_hz / 2.0);
        let taps = kaiser_lowpass(
            (pass + stop) / 2.0 / sample_rate_hz,
            (stop - pass) / sample_rate_hz,
        );
        // Selectivity comes from the second stage: pass to bw/2, stop 15 % (at least 300 Hz) later.
        let width = (0.15 * bandwidth_hz).max(300.0);
        let channel_taps = kaiser_lowpass((pass + width / 2.0) / out_rate, width / out_rate);
        let mix_hz = match settings.mode {
            DemodMode::Am | DemodMode::Fm => settings.tune_hz,
            DemodMode::Usb => settings.tune_hz + bandwidth_hz / 2.0,
            DemodMode::Lsb => settings.tune_hz - bandwidth_hz / 2.0,
        };
        let ssb_step = match settings.mode {
            DemodMode::Usb => TAU * (bandwidth_hz / 2.0) / out_rate,
            DemodMode::Lsb => -TAU * (bandwidth_hz / 2.0) / out_rate,
            _ => 0.0,
        };
        let history = vec![Complex32::default(); taps.len() - 1];
        Demodulator {
            settings: DemodSettings {
                bandwidth_hz,
                ..settings
            },
            sample_rate_hz,
            decimation,
            taps,
            channel_ring: vec![Complex32::default(); channel_taps.len()],
            channel_taps,
            channel_at: 0,
            history,
            phase_in: 0,
            mix_hz,
            ssb_step,
            ssb_phase: 0.0,
            previous: Complex32::default(),
            dc: 0.0,
            mixed: Vec::new(),
        }
    }

    /// The settings in use (bandwidth clamped to what the rate allows).
    pub fn settings(&self) -> DemodSettings {
        self.settings
    }

    /// Input samples per output sample.
    pub fn decimation(&self) -> usize {
        self.decimation
    }

    /// Output rate, Hz.
    pub fn output_rate_hz(&self) -> f64 {
        self.sample_rate_hz / self.decimation as f64
    }

    /// Forgets the signal (after a seek); the oscillator needs no reset, it runs on frame indices.
    pub fn reset(&mut self) {
        self.history.truncate(self.taps.len() - 1);
        self.history.fill(Complex32::default());
        self.channel_ring.fill(Complex32::default());
        self.phase_in = 0;
        self.previous = Complex32::default();
        self.dc = 0.0;
    }

    /// Shifts `block`, which starts at absolute frame `start`, down by the tuned frequency, in place.
    pub fn mix(&self, start: u64, block: &mut [Complex32]) {
        // The phasor is recomputed from the frame index every 1024 samples, so it neither
        // drifts nor depends on where playback started.
        let step = -TAU * self.mix_hz / self.sample_rate_hz;
        for (k, chunk) in block.chunks_mut(1024).enumerate() {
            let n0 = start + (k * 1024) as u64;
            let phase = (step * (n0 % period_frames(self.mix_hz, self.sample_rate_hz)) as f64) % TAU;
            let mut osc = Complex32::from_polar(1.0, phase as f32);
            let rot = Complex32::from_polar(1.0, step as f32);
            for z in chunk {
                *z *= osc;
                osc *= rot;
            }
        }
    }

    /// Filters, decimates and demodulates mixed samples; appends one output per `decimation`
    /// inputs to `out` and returns how many it appended. `out` is cleared first.
    pub fn demodulate(&mut self, mixed: &[Complex32], out: &mut Vec<f32>) -> usize {
        out.clear();
        let keep = self.taps.len() - 1;
        self.mixed.clear();
        self.mixed.extend_from_slice(&self.history);
        self.mixed.extend_from_slice(mixed);
        let mut i = (self.decimation - self.phase_in) % self.decimation;
        // Output n uses inputs ending at mixed[keep + i]; `i` counts new inputs.
        while i < mixed.len() {
            let end = keep + i + 1;
            let window = &self.mixed[end - self.taps.len()..end];
            let mut acc = Complex32::default();
            for (x, &h) in window.iter().zip(&self.taps) {
                acc += x * h;
            }
            let filtered = self.channel_filter(acc);
            out.push(self.detect(filtered));
            i += self.decimation;
        }
        self.phase_in = (self.phase_in + mixed.len()) % self.decimation;
        let total = self.mixed.len();
        self.history.clear();
        self.history.extend_from_slice(&self.mixed[total - keep..]);
        out.len()
    }

    /// The channel filter: one decimated sample in, one filtered sample out.
    fn channel_filter(&mut self, z: Complex32) -> Complex32 {
        let len = self.channel_ring.len();
        self.channel_ring[self.channel_at] = z;
        self.channel_at = (self.channel_at + 1) % len;
        // Oldest sample first; the taps are symmetric, so orientation does not matter.
        let (newer, older) = self.channel_ring.split_at(self.channel_at);
        let mut acc = Complex32::default();
        for (x, &h) in older.iter().chain(newer).zip(&self.channel_taps) {
            acc += x * h;
        }
        acc
    }

    /// One filtered sample at the output rate to one audio sample (unlevelled).
    fn detect(&mut self, z: Complex32) -> f32 {
        match self.settings.mode {
            DemodMode::Am => {
                let env = z.norm();
                // Removing the carrier (the mean) leaves the modulation.
                self.dc += (env - self.dc) * 0.002;
                env - self.dc
            }
            DemodMode::Fm => {
                let d = (z * self.previous.conj()).arg();
                self.previous = z;
                // Full deviation (half the channel) reads as full scale.
                let full = TAU * (self.settings.bandwidth_hz / 2.0) / self.output_rate_hz();
                (d / full as f32).clamp(-1.0, 1.0) * 0.5
            }
            DemodMode::Usb | DemodMode::Lsb => {
                self.ssb_phase = (self.ssb_phase + self.ssb_step) % TAU;
                (z * Complex32::from_polar(1.0, self.ssb_phase as f32)).re
            }
        }
    }

    /// True when the output needs levelling ([`Agc`]): AM and SSB follow the signal's strength,
    /// FM does not.
    pub fn needs_agc(&self) -> bool {
        self.settings.mode != DemodMode::Fm
    }
}

/// Automatic gain: weak signals are usual in captures, so AM and SSB audio is brought to a
/// listening level by a peak follower (fast attack, about 1 s per 20 dB release, at most
/// +60 dB). One gain drives both A/B versions, measured on the original, so a removed
/// signal sounds removed instead of its residue being brought up.
#[derive(Clone, Debug)]
pub struct Agc {
    peak: f32,
    decay: f32,
}

/// The quietest peak the AGC brings up to full level (−60 dBFS → +60 dB of gain at most).
const AGC_FLOOR: f32 = 1e-3;

impl Agc {
    /// An AGC for audio at `rate_hz`.
    pub fn new(rate_hz: f64) -> Agc {
        Agc {
            peak: AGC_FLOOR,
            decay: 10f32.powf(-1.0 / rate_hz as f32),
        }
    }

    /// Forgets the level (after a seek).
    pub fn reset(&mut self) {
        self.peak = AGC_FLOOR;
    }

    /// Levels `reference` to half scale sample by sample, and `other` (the other A/B version)
    /// by the same gain.
    pub fn apply(&mut self, reference: &mut [f32], other: &mut [f32]) {
        for (i, r) in reference.iter_mut().enumerate() {
            self.peak = (self.peak * self.decay).max(r.abs()).max(AGC_FLOOR);
            let gain = 0.5 / self.peak;
            *r *= gain;
            if let Some(v) = other.get_mut(i) {
                *v *= gain;
            }
        }
    }
}

/// Frames after which the mixing oscillator repeats exactly, or a large multiple of 1024 when
/// it never does (reducing the index keeps f64 phase exact for hours of samples).
fn period_frames(mix_hz: f64, sample_rate_hz: f64) -> u64 {
    // f/fs = p/q in lowest terms repeats every q frames when both are whole numbers of Hz.
    if mix_hz.fract() == 0.0 && sample_rate_hz.fract() == 0.0 && sample_rate_hz > 0.0 {
        let (p, q) = (mix_hz.abs() as u64, sample_rate_hz as u64);
        let g = gcd(p.max(1), q);
        if p == 0 {
            return 1;
        }
        return q / g;
    }
    u64::MAX
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// A Kaiser-windowed sinc low-pass with `cutoff` and transition `width` in cycles per sample,
/// 70 dB stopband, unit DC gain.
fn kaiser_lowpass(cutoff: f64, width: f64) -> Vec<f32> {
    const ATTEN_DB: f64 = 70.0;
    let beta = 0.1102 * (ATTEN_DB - 8.7);
    let n = (((ATTEN_DB - 8.0) / (2.285 * TAU * width.max(1e-6))).ceil() as usize).clamp(8, MAX_TAPS - 1);
    let len = n | 1;
    let m = (len - 1) as f64 / 2.0;
    let i0_beta = bessel_i0(beta);
    let mut taps: Vec<f64> = (0..len)
        .map(|i| {
            let x = i as f64 - m;
            let sinc = if x == 0.0 {
                2.0 * cutoff
            } else {
                (TAU * cutoff * x).sin() / (PI * x)
            };
            let r = x / m;
            sinc * bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / i0_beta
        })
        .collect();
    let sum: f64 = taps.iter().sum();
    for t in &mut taps {
        *t /= sum;
    }
    taps.into_iter().map(|t| t as f32).collect()
}

/// The modified Bessel function of the first kind, order 0 (power series).
fn bessel_i0(x: f64) -> f64 {
    let mut sum = 1.0;
    let mut term = 1.0;
    let y = x * x / 4.0;
    for k in 1..64 {
        term *= y / (k * k) as f64;
        sum += term;
        if term < sum * 1e-16 {
            break;
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dominant frequency of `x` at `rate` by a brute-force DFT scan, Hz.
    fn peak_hz(x: &[f32], rate: f64, lo: f64, hi: f64) -> f64 {
        let mut best = (0.0, lo);
        let mut f = lo;
        while f <= hi {
            let w = TAU * f / rate;
            let (mut re, mut im) = (0.0f64, 0.0f64);
            for (n, &v) in x.iter().enumerate() {
                re += v as f64 * (w * n as f64).cos();
                im -= v as f64 * (w * n as f64).sin();
            }
            let p = re * re + im * im;
            if p > best.0 {
                best = (p, f);
            }
            f += 5.0;
        }
        best.1
    }

    fn rms(x: &[f32]) -> f64 {
        (x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
    }

    /// Runs `iq` through a demodulator in blocks of `block` frames.
    fn run(settings: DemodSettings, rate: f64, iq: &[Complex32], block: usize) -> (Vec<f32>, f64) {
        let mut d = Demodulator::new(settings, rate);
        let mut all = Vec::new();
        let mut out = Vec::new();
        let mut agc = Agc::new(d.output_rate_hz());
        for (k, chunk) in iq.chunks(block).enumerate() {
            let mut c = chunk.to_vec();
            d.mix((k * block) as u64, &mut c);
            d.demodulate(&c, &mut out);
            if d.needs_agc() {
                agc.apply(&mut out, &mut []);
            }
            all.extend_from_slice(&out);
        }
        (all, d.output_rate_hz())
    }

    const RATE: f64 = 1_000_000.0;

    #[test]
    fn rates_under_100_hz_demodulate_without_panicking() {
        // The bandwidth's 100 Hz floor used to exceed the rate (a clamp with min > max).
        for rate in [1.0, 37.5, 99.0] {
            for mode in DemodMode::ALL {
                let settings = DemodSettings {
                    mode,
                    tune_hz: 0.0,
                    bandwidth_hz: 10.0,
                };
                let iq: Vec<Complex32> = (0..256)
                    .map(|n| Complex32::from_polar(0.5, n as f32 * 0.3))
                    .collect();
                let (out, out_rate) = run(settings, rate, &iq, 64);
                assert!(out.iter().all(|v| v.is_finite()), "{mode:?} at {rate} Hz");
                assert!(
                    out_rate > 0.0 && out_rate <= rate,
                    "{mode:?} at {rate} Hz: {out_rate}"
                );
            }
        }
    }

    #[test]
    fn am_at_a_negative_offset_gives_its_tone_and_rejects_a_neighbour() {
        // A 1 kHz tone, 50 % AM on a carrier at -200 kHz; a strong 800 Hz AM neighbour at -180 kHz.
        let iq: Vec<Complex32> = (0..400_000)
            .map(|n| {
                let t = n as f64 / RATE;
                let a = 0.1 * (1.0 + 0.5 * (TAU * 1000.0 * t).sin());
                let b = 0.5 * (1.0 + 0.5 * (TAU * 800.0 * t).sin());
                (Complex32::from_polar(a as f32, (TAU * -200e3 * t % TAU) as f32)
                    + Complex32::from_polar(b as f32, (TAU * -180e3 * t % TAU) as f32))
                    * 1.0
            })
            .collect();
        let s = DemodSettings {
            mode: DemodMode::Am,
            tune_hz: -200e3,
            bandwidth_hz: 10e3,
        };
        let (audio, rate) = run(s, RATE, &iq, 4099);
        assert!(
            (MIN_AUDIO_RATE_HZ..2.0 * MIN_AUDIO_RATE_HZ).contains(&rate),
            "{rate}"
        );
        let tail = &audio[audio.len() / 2..];
        assert_eq!(peak_hz(tail, rate, 500.0, 1500.0), 1000.0);
        // The neighbour, 5x stronger, is below the tone by at least 40 dB.
        let tone = goertzel(tail, rate, 1000.0);
        let neighbour = goertzel(tail, rate, 800.0);
        assert!(20.0 * (tone / neighbour).log10() > 40.0, "{tone} vs {neighbour}");
    }

    fn goertzel(x: &[f32], rate: f64, f: f64) -> f64 {
        let w = TAU * f / rate;
        let (mut re, mut im) = (0.0f64, 0.0f64);
        for (n, &v) in x.iter().enumerate() {
            re += v as f64 * (w * n as f64).cos();
            im -= v as f64 * (w * n as f64).sin();
        }
        (re * re + im * im).sqrt()
    }

    #[test]
    fn fm_recovers_its_modulating_tone() {
        // 3 kHz deviation, 700 Hz tone, carrier at +123.4 kHz.
        let mut phase = 0.0f64;
        let iq: Vec<Complex32> = (0..300_000)
            .map(|n| {
                let t = n as f64 / RATE;
                let f = 123_400.0 + 3000.0 * (TAU * 700.0 * t).sin();
                phase = (phase + TAU * f / RATE) % TAU;
                Complex32::from_polar(0.3, phase as f32)
            })
            .collect();
        let s = DemodSettings {
            mode: DemodMode::Fm,
            tune_hz: 123_400.0,
            bandwidth_hz: 12_500.0,
        };
        let (audio, rate) = run(s, RATE, &iq, 1000);
        let tail = &audio[audio.len() / 2..];
        assert_eq!(peak_hz(tail, rate, 300.0, 1500.0), 700.0);
        // 3 kHz of a 6.25 kHz full deviation at 0.5 full scale: amplitude 0.24, rms 0.17.
        assert!(
            (rms(tail) - 0.5 * 3000.0 / 6250.0 / 2f64.sqrt()).abs() < 0.01,
            "{}",
            rms(tail)
        );
    }

    #[test]
    fn usb_and_lsb_keep_their_own_sideband() {
        // A tone 1 kHz above the dial at 50 kHz (USB) and one 2 kHz below it (LSB).
        let iq: Vec<Complex32> = (0..300_000)
            .map(|n| {
                let t = n as f64 / RATE;
                Complex32::from_polar(0.2, (TAU * 51_000.0 * t % TAU) as f32)
                    + Complex32::from_polar(0.2, (TAU * 48_000.0 * t % TAU) as f32)
            })
            .collect();
        for (mode, want, other) in [(DemodMode::Usb, 1000.0, 2000.0), (DemodMode::Lsb, 2000.0, 1000.0)] {
            let s = DemodSettings {
                mode,
                tune_hz: 50_000.0,
                bandwidth_hz: 3000.0,
            };
            let (audio, rate) = run(s, RATE, &iq, 777);
            let tail = &audio[audio.len() / 2..];
            assert_eq!(peak_hz(tail, rate, 200.0, 2900.0), want, "{mode:?}");
            let ratio = goertzel(tail, rate, want) / goertzel(tail, rate, other);
            assert!(20.0 * ratio.log10() > 40.0, "{mode:?}: {ratio}");
        }
    }

    #[test]
    fn mixing_depends_on_the_frame_index_not_on_the_block() {
        let s = DemodSettings {
            mode: DemodMode::Am,
            tune_hz: 12_345.0,
            bandwidth_hz: 5000.0,
        };
        let d = Demodulator::new(s, RATE);
        let base: Vec<Complex32> = (0..5000).map(|n| Complex32::new(1.0, n as f32 * 1e-4)).collect();
        let mut whole = base.clone();
        d.mix(1_000_000_000, &mut whole);
        let mut parts = base.clone();
        let (a, b) = parts.split_at_mut(1234);
        d.mix(1_000_000_000, a);
        d.mix(1_000_001_234, b);
        for (x, y) in whole.iter().zip(&parts) {
            assert!((x - y).norm() < 1e-3, "{x} {y}");
        }
        // And it is the exact oscillator at that index.
        let n = 1_000_000_000u64 + 4321;
        let want = Complex32::from_polar(1.0, (-TAU * 12_345.0 * n as f64 / RATE % TAU) as f32) * base[4321];
        assert!((whole[4321] - want).norm() < 1e-3);
    }
}
