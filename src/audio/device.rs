//! The output device (cpal): choosing a configuration close to the recording's, and a stream
//! whose callback is the engine's [`Callback`].

use std::sync::Arc;
use std::sync::atomic::Ordering;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{BufferSize, SampleFormat, StreamConfig, SupportedBufferSize};

use super::engine::{Callback, Shared};

/// Why audio output is unavailable.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// No output device at all (a server, CI).
    #[error("no audio output device is available{0}")]
    NoDevice(String),
    /// The device refused every configuration.
    #[error("the audio device {name} cannot play: {reason}")]
    Config {
        /// Device name.
        name: String,
        /// What went wrong.
        reason: String,
    },
    /// Playing a recording Spectro cannot convert.
    #[error("{0}")]
    Unsupported(String),
}

/// Sends alsa-lib's messages on this thread to a buffer instead of stderr: Spectro reports
/// device problems itself, in one line.
fn quiet_alsa() {
    #[cfg(target_os = "linux")]
    thread_local! {
        static QUIET: bool = alsa::Output::local_error_handler().is_ok();
    }
    #[cfg(target_os = "linux")]
    QUIET.with(|_| {});
}

/// The names of the output devices, default first.
pub fn output_device_names() -> Vec<String> {
    quiet_alsa();
    let host = cpal::default_host();
    let mut names: Vec<String> = Vec::new();
    if let Some(d) = host.default_output_device() {
        names.push(device_name(&d));
    }
    if let Ok(devices) = host.output_devices() {
        for d in devices {
            let n = device_name(&d);
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    names
}

fn device_name(d: &cpal::Device) -> String {
    d.description()
        .map(|desc| desc.name().to_owned())
        .unwrap_or_else(|_| "unnamed device".to_owned())
}

/// The configuration an open stream uses.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamInfo {
    /// Device name.
    pub name: String,
    /// Frames per second.
    pub rate: u32,
    /// Channels.
    pub channels: usize,
    /// Sample format, e.g. `f32`.
    pub format: String,
    /// Frames per callback requested, if fixed.
    pub buffer_frames: Option<u32>,
}

/// Frames per callback asked of the device: about 5 ms at 48 kHz keeps start and A/B latency low.
const BUFFER_FRAMES: u32 = 256;

/// A device chosen and configured, ready for a callback.
pub struct DeviceChoice {
    device: cpal::Device,
    config: StreamConfig,
    format: SampleFormat,
    /// What it will be.
    pub info: StreamInfo,
}

/// Opens `name` (or the default device) with the configuration closest to `rate` Hz and
/// `channels` channels: the recording's own rate when the device has it (no resampling), at
/// least stereo for mono recordings, `f32` samples when offered.
pub fn choose(name: Option<&str>, rate: u32, channels: usize) -> Result<DeviceChoice, AudioError> {
    quiet_alsa();
    let host = cpal::default_host();
    let device = match name {
        Some(n) => host
            .output_devices()
            .map_err(|e| AudioError::NoDevice(format!(": {e}")))?
            .find(|d| device_name(d) == n)
            .ok_or_else(|| AudioError::NoDevice(format!(" named \"{n}\"")))?,
        None => host
            .default_output_device()
            .ok_or_else(|| AudioError::NoDevice(String::new()))?,
    };
    let dname = device_name(&device);
    let want_channels = channels.max(2) as u16;
    let ranges: Vec<cpal::SupportedStreamConfigRange> = device
        .supported_output_configs()
        .map(|c| c.collect())
        .map_err(|e| AudioError::Config {
            name: dname.clone(),
            reason: e.to_string(),
        })?;
    let score = |r: &cpal::SupportedStreamConfigRange| {
        let rate_ok = (r.min_sample_rate()..=r.max_sample_rate()).contains(&rate);
        let fmt = match r.sample_format() {
            SampleFormat::F32 => 3,
            SampleFormat::I32 => 2,
            SampleFormat::I16 => 1,
            _ => 0,
        };
        (rate_ok, r.channels() == want_channels, r.channels() >= 2, fmt)
    };
    let best = ranges
        .iter()
        .filter(|r| {
            matches!(
                r.sample_format(),
                SampleFormat::F32 | SampleFormat::I32 | SampleFormat::I16 | SampleFormat::U16
            )
        })
        .max_by_key(|r| score(r))
        .cloned();
    let supported = match best {
        Some(r) => {
            let rate = rate.clamp(r.min_sample_rate(), r.max_sample_rate());
            r.with_sample_rate(rate)
        }
        None => device.default_output_config().map_err(|e| AudioError::Config {
            name: dname.clone(),
            reason: e.to_string(),
        })?,
    };
    let buffer = match supported.buffer_size() {
        SupportedBufferSize::Range { min, max } if (*min..=*max).contains(&BUFFER_FRAMES) => {
            BufferSize::Fixed(BUFFER_FRAMES)
        }
        _ => BufferSize::Default,
    };
    let mut config = supported.config();
    config.buffer_size = buffer;
    let info = StreamInfo {
        name: dname,
        rate: config.sample_rate,
        channels: config.channels as usize,
        format: format!("{}", supported.sample_format()),
        buffer_frames: match buffer {
            BufferSize::Fixed(n) => Some(n),
            BufferSize::Default => None,
        },
    };
    Ok(DeviceChoice {
        device,
        format: supported.sample_format(),
        config,
        info,
    })
}

impl DeviceChoice {
    /// Starts the stream with `callback`; a device error later sets `shared.device_lost`.
    pub fn start(self, mut callback: Callback, shared: Arc<Shared>) -> Result<cpal::Stream, AudioError> {
        let err_shared = shared.clone();
        let on_error = move |_e: cpal::Error| {
            err_shared.device_lost.store(true, Ordering::Relaxed);
            err_shared.playing.store(false, Ordering::Relaxed);
        };
        let fail = |e: cpal::Error| AudioError::Config {
            name: self.info.name.clone(),
            reason: e.to_string(),
        };
        // Conversions go through a buffer allocated here, never in the callback.
        let mut buf = vec![0.0f32; 16384 * self.info.channels];
        let stream = match self.format {
            SampleFormat::F32 => self.device.build_output_stream::<f32, _, _>(
                self.config,
                move |out, _| callback.fill(out),
                on_error,
                None,
            ),
            SampleFormat::I32 => self.device.build_output_stream::<i32, _, _>(
                self.config,
                move |out, _| {
                    convert(&mut callback, &mut buf, out, |v| {
                        (v.clamp(-1.0, 1.0) as f64 * i32::MAX as f64) as i32
                    })
                },
                on_error,
                None,
            ),
            SampleFormat::I16 => self.device.build_output_stream::<i16, _, _>(
                self.config,
                move |out, _| {
                    convert(&mut callback, &mut buf, out, |v| {
                        (v.clamp(-1.0, 1.0) * 32767.0) as i16
                    })
                },
                on_error,
                None,
            ),
            SampleFormat::U16 => self.device.build_output_stream::<u16, _, _>(
                self.config,
                move |out, _| {
                    convert(&mut callback, &mut buf, out, |v| {
                        ((v.clamp(-1.0, 1.0) + 1.0) * 32767.5) as u16
                    })
                },
                on_error,
                None,
            ),
            other => {
                return Err(AudioError::Config {
                    name: self.info.name.clone(),
                    reason: format!("unsupported sample format {other}"),
                });
            }
        }
        .map_err(fail)?;
        stream.play().map_err(fail)?;
        Ok(stream)
    }
}

/// Fills an integer device buffer through the engine's `f32` output, in pieces that fit `buf`.
fn convert<S: Copy>(callback: &mut Callback, buf: &mut [f32], out: &mut [S], to: impl Fn(f32) -> S) {
    let ch = callback.channels();
    let piece = buf.len() / ch * ch;
    for chunk in out.chunks_mut(piece.max(ch)) {
        let b = &mut buf[..chunk.len()];
        callback.fill(b);
        for (o, &v) in chunk.iter_mut().zip(b.iter()) {
            *o = to(v);
        }
    }
}
