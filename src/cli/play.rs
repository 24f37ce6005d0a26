//! `spectro play`: play a recording (with its edits) to an output device and return when done.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::bail;
use clap::Args;

use super::{InputArgs, StftArgs};
use crate::audio::demod::{DemodMode, DemodSettings};
use crate::audio::{PlayRequest, Player};
use crate::signal::SampleSource;

/// Arguments of `spectro play`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    spectro play take.wav\n  \
    spectro play take.wav --edits take.edits.json --start 12.5 --end 20\n  \
    spectro play take.wav --edits take.edits.json --original\n  \
    spectro play --list-devices\n  \
    spectro play capture.cu8 --sample-rate 2.4e6 --demod fm --tune 433.92e6\n  \
    spectro play sdr.wav --demod usb --tune -12.5e3 --bandwidth 2700\n\n\
    --tune is the absolute frequency when the capture's centre is known (auxi chunk, SigMF,\n\
    file name), otherwise the offset from the centre.\n\
    The device is opened at the recording's own rate when it offers it, so the samples sent are\n\
    the file's own; otherwise they are resampled (rubato). Exit code 2 without an output device.")]
pub struct PlayArgs {
    /// The recording.
    #[arg(required_unless_present = "list_devices")]
    pub file: Option<PathBuf>,
    /// Hear the recording with this edit list applied. A session (.spectro) works too: its edit list is used.
    #[arg(long, value_name = "EDITS.json")]
    pub edits: Option<PathBuf>,
    /// Hear the original even when --edits is given (for A/B from scripts).
    #[arg(long)]
    pub original: bool,
    /// Start time in seconds (within ±1e9).
    #[arg(long, value_name = "S", value_parser = super::parse_time, allow_negative_numbers = true)]
    pub start: Option<f64>,
    /// End time in seconds (within ±1e9).
    #[arg(long, value_name = "S", value_parser = super::parse_time, allow_negative_numbers = true)]
    pub end: Option<f64>,
    /// Output device name (see --list-devices); the default device otherwise.
    #[arg(long, value_name = "NAME")]
    pub device: Option<String>,
    /// Output gain in dB, -120 to +40.
    #[arg(long, value_name = "DB", default_value_t = 0.0, allow_negative_numbers = true, value_parser = parse_volume)]
    pub volume_db: f64,
    /// IQ: hear one signal demodulated (am, fm, usb, lsb) instead of I and Q as left and right.
    #[arg(long, value_name = "MODE", requires = "tune")]
    pub demod: Option<String>,
    /// IQ: the frequency to listen to, Hz (absolute, or offset from the centre; see below;
    /// within ±1e12).
    #[arg(long, value_name = "HZ", allow_negative_numbers = true, value_parser = super::parse_freq)]
    pub tune: Option<f64>,
    /// IQ: channel bandwidth for --demod, Hz, above 0 and at most the sample rate (default:
    /// 10 kHz AM, 12.5 kHz FM, 3 kHz SSB).
    #[arg(long, value_name = "HZ", value_parser = super::parse_bandwidth)]
    pub bandwidth: Option<f64>,
    /// List the output devices and exit.
    #[arg(long)]
    pub list_devices: bool,
    /// STFT geometry used to render the edits.
    #[command(flatten)]
    pub stft: StftArgs,
    /// How to read the recording.
    #[command(flatten)]
    pub input: InputArgs,
    /// Print nothing.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Parses `--volume-db`: -120 to +40 dB.
fn parse_volume(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if (-120.0..=40.0).contains(&v) => Ok(v),
        _ => Err(format!("'{s}' is not a volume from -120 to 40 dB")),
    }
}

/// The demodulator `--demod/--tune/--bandwidth` ask for, checked against the recording.
fn demod_settings(args: &PlayArgs, rec: &crate::io::Recording) -> anyhow::Result<Option<DemodSettings>> {
    let Some(name) = &args.demod else {
        if args.tune.is_some() || args.bandwidth.is_some() {
            bail!("--tune and --bandwidth need --demod am|fm|usb|lsb");
        }
        return Ok(None);
    };
    let Some(mode) = DemodMode::ALL
        .into_iter()
        .find(|m| m.name().eq_ignore_ascii_case(name))
    else {
        bail!("unknown --demod {name:?}: use am, fm, usb or lsb");
    };
    if !rec.is_complex() {
        bail!("--demod needs an IQ recording (use --iq for a stereo I/Q WAV)");
    }
    let fs = rec.sample_rate();
    let tune = args.tune.unwrap_or(0.0);
    let tune_hz = match rec.center_freq_hz() {
        Some(centre) if tune.abs() > fs / 2.0 => tune - centre,
        _ => tune,
    };
    if tune_hz.abs() > fs / 2.0 {
        bail!(
            "--tune {tune} Hz is outside the capture ({} Hz either side of its centre{})",
            fs / 2.0,
            rec.center_freq_hz()
                .map(|c| format!(" at {c} Hz"))
                .unwrap_or_default()
        );
    }
    let bandwidth_hz = args.bandwidth.unwrap_or(mode.default_bandwidth_hz());
    if !(bandwidth_hz > 0.0 && bandwidth_hz <= fs) {
        bail!("--bandwidth must be between 0 and the sample rate ({fs} Hz)");
    }
    Ok(Some(DemodSettings {
        mode,
        tune_hz,
        bandwidth_hz,
    }))
}

/// Runs `spectro play`.
pub fn run(args: &PlayArgs) -> anyhow::Result<()> {
    if args.list_devices {
        for name in crate::audio::device::output_device_names() {
            println!("{name}");
        }
        return Ok(());
    }
    let Some(file) = &args.file else {
        bail!("give a recording to play")
    };
    let rec = std::sync::Arc::new(args.input.open(file)?);
    let list = args
        .edits
        .as_deref()
        .map(|p| super::edits_arg::read_edits(p, &rec))
        .transpose()?
        .unwrap_or_default();
    let params = args.stft.checked(args.edits.as_deref().map(|p| (&list, p)))?;
    if let Some(path) = &args.edits {
        super::check_edits(&list, path, rec.as_ref(), params)?;
    }
    let fs = rec.sample_rate();
    let to_frame = |t: f64| ((t * fs).round().max(0.0) as u64).min(rec.len());
    let start = args.start.map_or(0, to_frame);
    let end = args.end.map_or(rec.len(), to_frame);
    if start >= end {
        bail!(
            "--start/--end select nothing (the recording is {:.3} s long)",
            rec.duration_s()
        );
    }
    let demod = demod_settings(args, rec.as_ref())?;
    let mut player = Player::new(rec.clone(), params, &list.edits, args.device.as_deref())?;
    player.set_demod(demod);
    player.set_processed(!args.original);
    player.set_volume(10f32.powf(args.volume_db as f32 / 20.0));
    let info = player.info().clone();
    if !args.quiet {
        eprintln!(
            "spectro: playing {:.3}-{:.3} s of {} through {} ({} ch, {} Hz, {}{})",
            start as f64 / fs,
            end as f64 / fs,
            file.display(),
            info.name,
            info.channels,
            info.rate,
            info.format,
            info.buffer_frames
                .map(|n| format!(", {n}-frame buffers"))
                .unwrap_or_default()
        );
    }
    player.play(PlayRequest {
        start,
        range: start..end,
        looped: false,
    });
    let expected = Duration::from_secs_f64((end - start) as f64 / fs);
    let started = Instant::now();
    let mut first_audio: Option<Duration> = None;
    // Generous: slow devices and loaded machines play late, never this late.
    let deadline = started + expected * 3 + Duration::from_secs(5);
    while !player.is_finished() {
        if first_audio.is_none()
            && player
                .shared()
                .first_audio
                .load(std::sync::atomic::Ordering::Relaxed)
        {
            first_audio = Some(started.elapsed());
        }
        if player.device_lost() {
            bail!("the audio device {} stopped working during playback", info.name);
        }
        if Instant::now() > deadline {
            bail!("playback through {} did not finish in time", info.name);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    // Let the device drain what it holds.
    std::thread::sleep(Duration::from_millis(150));
    if !args.quiet
        && let Some(t) = first_audio
    {
        let buffer = info
            .buffer_frames
            .map(|n| {
                format!(
                    " plus the device's {:.1} ms buffer",
                    n as f64 * 1e3 / info.rate as f64
                )
            })
            .unwrap_or_default();
        eprintln!(
            "spectro: sound reached the device {:.1} ms after play{buffer}",
            t.as_secs_f64() * 1e3
        );
    }
    super::warn_replaced(&rec);
    let underruns = player
        .shared()
        .underruns
        .load(std::sync::atomic::Ordering::Relaxed);
    if underruns > 0 && !args.quiet {
        eprintln!("spectro: warning: {underruns} underruns during playback");
    }
    Ok(())
}
