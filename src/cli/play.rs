//! `spectro play`: play a recording (with its edits) to an output device and return when done.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::bail;
use clap::Args;

use super::{InputArgs, StftArgs};
use crate::audio::{PlayRequest, Player};
use crate::io::load_edit_list;
use crate::signal::SampleSource;

/// Arguments of `spectro play`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    spectro play take.wav\n  \
    spectro play take.wav --edits take.edits.json --start 12.5 --end 20\n  \
    spectro play take.wav --edits take.edits.json --original\n  \
    spectro play --list-devices\n\n\
    The device is opened at the recording's own rate when it offers it, so the samples sent are\n\
    the file's own; otherwise they are resampled (rubato). Exit code 2 without an output device.")]
pub struct PlayArgs {
    /// The recording.
    #[arg(required_unless_present = "list_devices")]
    pub file: Option<PathBuf>,
    /// Hear the recording with this edit list applied.
    #[arg(long, value_name = "EDITS.json")]
    pub edits: Option<PathBuf>,
    /// Hear the original even when --edits is given (for A/B from scripts).
    #[arg(long)]
    pub original: bool,
    /// Start time in seconds.
    #[arg(long, value_name = "S")]
    pub start: Option<f64>,
    /// End time in seconds.
    #[arg(long, value_name = "S")]
    pub end: Option<f64>,
    /// Output device name (see --list-devices); the default device otherwise.
    #[arg(long, value_name = "NAME")]
    pub device: Option<String>,
    /// Output gain in dB.
    #[arg(long, value_name = "DB", default_value_t = 0.0, allow_negative_numbers = true)]
    pub volume_db: f64,
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
        .map(load_edit_list)
        .transpose()?
        .unwrap_or_default();
    if let Some(path) = &args.edits {
        super::apply::check_channels(&list, rec.as_ref(), path)?;
    }
    let params = args.stft.resolve(list.stft.map(|s| s.params()));
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
    let mut player = Player::new(rec.clone(), params, &list.edits, args.device.as_deref())?;
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
    let underruns = player
        .shared()
        .underruns
        .load(std::sync::atomic::Ordering::Relaxed);
    if underruns > 0 && !args.quiet {
        eprintln!("spectro: warning: {underruns} underruns during playback");
    }
    Ok(())
}
