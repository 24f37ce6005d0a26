//! `spectro info`: format, length and rate of a recording.

use std::path::PathBuf;

use clap::Args;

use super::InputArgs;

/// Arguments of `spectro info`.
#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  spectro info take1.wav\n  spectro info capture.cu8 --sample-rate 2M --json"
)]
pub struct InfoArgs {
    /// The recording.
    pub file: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// How to read it.
    #[command(flatten)]
    pub input: InputArgs,
}

/// Formats seconds as `m:ss.mmm` (or `h:mm:ss.mmm`).
pub fn clock(seconds: f64) -> String {
    let ms = (seconds * 1000.0).round() as u64;
    let (h, m, s, f) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}.{f:03}")
    } else {
        format!("{m}:{s:02}.{f:03}")
    }
}

/// Runs `spectro info`.
pub fn run(args: &InfoArgs) -> anyhow::Result<()> {
    let rec = args.input.open(&args.file)?;
    let info = rec.info();
    if args.json {
        println!("{}", serde_json::to_string(&info)?);
        return Ok(());
    }
    println!("file         {}", info.file);
    println!(
        "format       {:?}, {} ({} bits)",
        info.container, info.encoding, info.bits
    );
    println!("sample rate  {} Hz", info.sample_rate);
    if info.iq {
        println!(
            "channels     {} complex (IQ: I and Q stored as {} channels)",
            info.channels, info.stored_channels
        );
    } else {
        println!("channels     {}", info.channels);
    }
    if let Some(f) = info.center_freq_hz {
        println!("centre       {f} Hz");
    }
    println!("samples      {}", info.samples);
    println!(
        "duration     {:.6} s ({})",
        info.duration_s,
        clock(info.duration_s)
    );
    Ok(())
}
