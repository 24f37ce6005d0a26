//! Sample encodings: decoding stored bytes to `f32` in −1..1 and encoding back.
//!
//! Integer PCM decodes by a power of two, so 8-, 16- and 24-bit samples survive a round trip
//! through `f32` exactly and a file written back unchanged is sample-identical.

use serde::Serialize;

/// How one sample is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// WAV 8-bit PCM: unsigned, offset 128.
    Pcm8,
    /// 16-bit signed PCM.
    Pcm16,
    /// 24-bit signed PCM, packed in 3 bytes.
    Pcm24,
    /// 32-bit signed PCM (also 24-bit samples left-justified in 4-byte containers).
    Pcm32,
    /// 32-bit IEEE float.
    Float32,
    /// 64-bit IEEE float (read and written through `f32`: 24 bits of mantissa, about 150 dB).
    Float64,
    /// G.711 A-law, 8 bits per sample (telephony WAVs).
    ALaw,
    /// G.711 µ-law, 8 bits per sample (telephony WAVs).
    MuLaw,
    /// rtl-sdr unsigned 8-bit I/Q: `(b − 127.5) / 127.5`.
    Cu8,
    /// Signed 8-bit I/Q (HackRF).
    Cs8,
    /// Signed 16-bit I/Q.
    Cs16,
    /// 32-bit float I/Q.
    Cf32,
}

impl Encoding {
    /// Bytes per stored sample.
    pub fn bytes(self) -> usize {
        match self {
            Encoding::Pcm8 | Encoding::Cu8 | Encoding::Cs8 | Encoding::ALaw | Encoding::MuLaw => 1,
            Encoding::Pcm16 | Encoding::Cs16 => 2,
            Encoding::Pcm24 => 3,
            Encoding::Pcm32 | Encoding::Float32 | Encoding::Cf32 => 4,
            Encoding::Float64 => 8,
        }
    }

    /// The name `spectro info` prints.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Pcm8 => "pcm8",
            Encoding::Pcm16 => "pcm16",
            Encoding::Pcm24 => "pcm24",
            Encoding::Pcm32 => "pcm32",
            Encoding::Float32 => "float32",
            Encoding::Float64 => "float64",
            Encoding::ALaw => "alaw",
            Encoding::MuLaw => "ulaw",
            Encoding::Cu8 => "cu8",
            Encoding::Cs8 => "cs8",
            Encoding::Cs16 => "cs16",
            Encoding::Cf32 => "cf32",
        }
    }

    /// The codec name `spectro info` reports for samples stored this way (as ffmpeg and
    /// symphonia name them: little-endian PCM in WAV and raw files).
    pub fn codec_name(self) -> &'static str {
        match self {
            Encoding::Pcm8 => "pcm_u8",
            Encoding::Pcm16 => "pcm_s16le",
            Encoding::Pcm24 => "pcm_s24le",
            Encoding::Pcm32 => "pcm_s32le",
            Encoding::Float32 => "pcm_f32le",
            Encoding::Float64 => "pcm_f64le",
            Encoding::ALaw => "pcm_alaw",
            Encoding::MuLaw => "pcm_mulaw",
            Encoding::Cu8 => "cu8",
            Encoding::Cs8 => "cs8",
            Encoding::Cs16 => "cs16",
            Encoding::Cf32 => "cf32",
        }
    }

    /// True for the raw IQ encodings.
    pub fn is_raw_iq(self) -> bool {
        matches!(
            self,
            Encoding::Cu8 | Encoding::Cs8 | Encoding::Cs16 | Encoding::Cf32
        )
    }

    /// True for floating-point encodings.
    pub fn is_float(self) -> bool {
        matches!(self, Encoding::Float32 | Encoding::Float64 | Encoding::Cf32)
    }

    /// True for the integer PCM encodings of audio files (8 to 32 bits).
    pub fn is_pcm(self) -> bool {
        matches!(
            self,
            Encoding::Pcm8 | Encoding::Pcm16 | Encoding::Pcm24 | Encoding::Pcm32
        )
    }

    /// True for the G.711 companded encodings (A-law, µ-law).
    pub fn is_companded(self) -> bool {
        matches!(self, Encoding::ALaw | Encoding::MuLaw)
    }

    /// The raw IQ encoding for a file extension, if it is one.
    pub fn from_raw_extension(ext: &str) -> Option<Encoding> {
        match ext.to_ascii_lowercase().as_str() {
            "cu8" | "complex16u" => Some(Encoding::Cu8),
            "cs8" | "complex16s" => Some(Encoding::Cs8),
            "cs16" | "complex32s" | "sc16" => Some(Encoding::Cs16),
            "cf32" | "complex" | "cfile" | "fc32" => Some(Encoding::Cf32),
            _ => None,
        }
    }

    /// Parses an encoding name as `--format` takes it.
    pub fn from_name(name: &str) -> Option<Encoding> {
        match name.to_ascii_lowercase().as_str() {
            "pcm8" | "u8" => Some(Encoding::Pcm8),
            "pcm16" | "s16" | "i16" => Some(Encoding::Pcm16),
            "pcm24" | "s24" | "i24" => Some(Encoding::Pcm24),
            "pcm32" | "s32" | "i32" => Some(Encoding::Pcm32),
            "float32" | "f32" | "float" => Some(Encoding::Float32),
            "float64" | "f64" | "double" => Some(Encoding::Float64),
            "alaw" | "a-law" => Some(Encoding::ALaw),
            "ulaw" | "mulaw" | "µ-law" | "u-law" => Some(Encoding::MuLaw),
            other => Encoding::from_raw_extension(other),
        }
    }

    /// Decodes `out.len()` samples, the first at `bytes[0..]`, each `stride` bytes apart.
    pub fn decode_strided(self, bytes: &[u8], stride: usize, out: &mut [f32]) {
        macro_rules! each {
            ($n:expr, |$b:ident| $e:expr) => {
                for (i, o) in out.iter_mut().enumerate() {
                    let p = i * stride;
                    let $b: [u8; $n] = bytes[p..p + $n].try_into().unwrap_or([0; $n]);
                    *o = $e;
                }
            };
        }
        match self {
            Encoding::Pcm8 => each!(1, |b| (b[0] as f32 - 128.0) * (1.0 / 128.0)),
            Encoding::Cu8 => each!(1, |b| (b[0] as f32 - 127.5) * (1.0 / 127.5)),
            Encoding::Cs8 => each!(1, |b| (b[0] as i8) as f32 * (1.0 / 128.0)),
            Encoding::Pcm16 | Encoding::Cs16 => {
                each!(2, |b| i16::from_le_bytes(b) as f32 * (1.0 / 32768.0))
            }
            Encoding::Pcm24 => each!(3, |b| (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32
                * (1.0 / 8_388_608.0)),
            Encoding::Pcm32 => each!(4, |b| i32::from_le_bytes(b) as f32 * (1.0 / 2_147_483_648.0)),
            Encoding::Float32 | Encoding::Cf32 => each!(4, |b| f32::from_le_bytes(b)),
            Encoding::Float64 => each!(8, |b| f64::from_le_bytes(b) as f32),
            Encoding::ALaw => each!(1, |b| alaw_to_linear(b[0]) as f32 * (1.0 / 32768.0)),
            Encoding::MuLaw => each!(1, |b| ulaw_to_linear(b[0]) as f32 * (1.0 / 32768.0)),
        }
    }

    /// Full-scale value of an integer encoding: stored integer = round(x · scale).
    fn int_scale(self) -> Option<(f64, i64, i64)> {
        match self {
            Encoding::Pcm8 | Encoding::Cs8 => Some((128.0, -128, 127)),
            Encoding::Pcm16 | Encoding::Cs16 => Some((32768.0, -32768, 32767)),
            Encoding::Pcm24 => Some((8_388_608.0, -8_388_608, 8_388_607)),
            Encoding::Pcm32 => Some((2_147_483_648.0, -2_147_483_648, 2_147_483_647)),
            _ => None,
        }
    }

    /// Quantises `x` for an integer encoding (signed value, before any offset), rounding half
    /// away from zero; the flag tells whether it had to be clipped.
    #[inline]
    pub fn quantise(self, x: f32) -> (i32, bool) {
        if self == Encoding::Cu8 {
            // Stored byte = round(127.5·x + 127.5); the value is positive wherever it is valid.
            let v = x * 127.5 + 127.5;
            return (((v + 0.5) as i32).clamp(0, 255), !(-0.5..255.5).contains(&v));
        }
        let (scale, lo, hi) = self.int_scale().unwrap_or((1.0, 0, 0));
        if self == Encoding::Pcm32 {
            let v = (x as f64 * scale).round();
            return (
                v.clamp(lo as f64, hi as f64) as i32,
                v < lo as f64 || v > hi as f64,
            );
        }
        // A cast truncates; adding ±0.5 first rounds half away from zero without a libm call,
        // and is exact for every value decoded from these encodings.
        let v = x * scale as f32;
        let r = (v + 0.5f32.copysign(v)) as i64;
        (r.clamp(lo, hi) as i32, r < lo || r > hi)
    }

    /// Appends the stored bytes of `x`; returns true if `x` had to be clipped.
    #[inline]
    pub fn encode(self, x: f32, out: &mut Vec<u8>) -> bool {
        match self {
            Encoding::Float32 | Encoding::Cf32 => {
                out.extend_from_slice(&x.to_le_bytes());
                return false;
            }
            Encoding::Float64 => {
                out.extend_from_slice(&(x as f64).to_le_bytes());
                return false;
            }
            Encoding::ALaw | Encoding::MuLaw => {
                let (v, clipped) = Encoding::Pcm16.quantise(x);
                out.push(if self == Encoding::ALaw {
                    linear_to_alaw(v as i16)
                } else {
                    linear_to_ulaw(v as i16)
                });
                return clipped;
            }
            _ => {}
        }
        let (v, clipped) = self.quantise(x);
        match self {
            Encoding::Pcm8 => out.push((v + 128) as u8),
            Encoding::Cu8 => out.push(v as u8),
            Encoding::Cs8 => out.push(v as i8 as u8),
            Encoding::Pcm16 | Encoding::Cs16 => out.extend_from_slice(&(v as i16).to_le_bytes()),
            Encoding::Pcm24 => out.extend_from_slice(&v.to_le_bytes()[..3]),
            _ => out.extend_from_slice(&v.to_le_bytes()),
        }
        clipped
    }

    /// The WAV encoding that holds this encoding's samples without loss.
    pub fn wav_equivalent(self) -> Encoding {
        match self {
            Encoding::Cu8 | Encoding::Cs8 => Encoding::Pcm16,
            Encoding::Cs16 => Encoding::Pcm16,
            Encoding::Cf32 => Encoding::Float32,
            other => other,
        }
    }
}

/// G.711 A-law code to 16-bit linear (ITU-T G.711; each code decodes to the middle of its
/// interval, so [`linear_to_alaw`] maps it back to the same code).
pub fn alaw_to_linear(code: u8) -> i16 {
    let a = code ^ 0x55;
    let exponent = (a >> 4) & 0x07;
    let mantissa = (a & 0x0F) as i32;
    let magnitude = if exponent == 0 {
        (mantissa << 4) + 8
    } else {
        ((mantissa << 4) + 0x108) << (exponent - 1)
    };
    (if a & 0x80 != 0 { magnitude } else { -magnitude }) as i16
}

/// 16-bit linear to the nearest-interval G.711 A-law code.
pub fn linear_to_alaw(sample: i16) -> u8 {
    let (sign, magnitude) = if sample >= 0 {
        (0x80u8, sample as i32)
    } else {
        (0x00u8, -(sample as i32) - 1)
    };
    let magnitude = magnitude.min(0x7FFF) >> 3;
    // 13-bit magnitude: segment from the position of its highest bit above bit 4.
    let code = if magnitude < 32 {
        (magnitude >> 1) as u8
    } else {
        let segment = (31 - (magnitude as u32).leading_zeros()) as u8 - 4;
        (segment << 4) | ((magnitude >> segment) & 0x0F) as u8
    };
    (sign | code) ^ 0x55
}

/// G.711 µ-law code to 16-bit linear.
pub fn ulaw_to_linear(code: u8) -> i16 {
    let u = !code;
    let exponent = (u >> 4) & 0x07;
    let mantissa = (u & 0x0F) as i32;
    let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    (if u & 0x80 != 0 { -magnitude } else { magnitude }) as i16
}

/// 16-bit linear to the G.711 µ-law code of the interval holding it.
pub fn linear_to_ulaw(sample: i16) -> u8 {
    const BIAS: i32 = 0x84;
    const CLIP: i32 = 32635;
    let (sign, magnitude) = if sample < 0 {
        (0x80u8, -(sample as i32))
    } else {
        (0x00u8, sample as i32)
    };
    let magnitude = magnitude.min(CLIP) + BIAS;
    let exponent = (31 - (magnitude as u32).leading_zeros()) as u8 - 7;
    let mantissa = ((magnitude >> (exponent + 3)) & 0x0F) as u8;
    !(sign | (exponent << 4) | mantissa)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_encodings_round_trip_exactly() {
        for enc in [
            Encoding::Pcm8,
            Encoding::Pcm16,
            Encoding::Pcm24,
            Encoding::Cu8,
            Encoding::Cs8,
            Encoding::Cs16,
        ] {
            let n = enc.bytes();
            // Every representable pattern for 8 bits, a spread for wider ones.
            let patterns: Vec<Vec<u8>> = (0..=255u32)
                .map(|i| {
                    let v = i.wrapping_mul(0x9E37_79B9);
                    v.to_le_bytes()[..n].to_vec()
                })
                .collect();
            for p in patterns {
                let mut x = [0.0f32];
                enc.decode_strided(&p, n, &mut x);
                assert!((-1.0..=1.0).contains(&x[0]), "{enc:?} {p:?} -> {}", x[0]);
                let mut back = Vec::new();
                assert!(!enc.encode(x[0], &mut back));
                assert_eq!(back, p, "{enc:?}");
            }
        }
    }

    #[test]
    fn companded_codes_round_trip_exactly() {
        for enc in [Encoding::ALaw, Encoding::MuLaw] {
            for code in 0..=255u8 {
                let mut x = [0.0f32];
                enc.decode_strided(&[code], 1, &mut x);
                let mut back = Vec::new();
                enc.encode(x[0], &mut back);
                // µ-law has two zeros (0x7F and 0xFF); both decode to 0, which encodes as 0xFF.
                let expected = if enc == Encoding::MuLaw && code == 0x7F {
                    0xFF
                } else {
                    code
                };
                assert_eq!(back, [expected], "{enc:?} code {code:#04x} -> {}", x[0]);
            }
        }
    }

    #[test]
    fn companded_decoding_matches_g711_tables() {
        // Values from ITU-T G.711's tables (as Python's audioop and libsndfile decode them).
        assert_eq!(alaw_to_linear(0xD5), 8);
        assert_eq!(alaw_to_linear(0x55), -8);
        assert_eq!(alaw_to_linear(0xAA), 32256);
        assert_eq!(alaw_to_linear(0x2A), -32256);
        assert_eq!(ulaw_to_linear(0xFF), 0);
        assert_eq!(ulaw_to_linear(0x80), 32124);
        assert_eq!(ulaw_to_linear(0x00), -32124);
        assert_eq!(ulaw_to_linear(0xFE), 8);
    }

    #[test]
    fn clipping_is_reported() {
        let mut out = Vec::new();
        assert!(Encoding::Pcm16.encode(1.5, &mut out));
        assert_eq!(out, 32767i16.to_le_bytes());
        out.clear();
        assert!(!Encoding::Pcm16.encode(-1.0, &mut out));
        assert_eq!(out, (-32768i16).to_le_bytes());
    }
}
