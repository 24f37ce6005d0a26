//! `spectro features`: per-frame features and detected bursts of the edited recording, as CSV.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::bail;
use clap::Args;

use super::{InputArgs, StftArgs};
use crate::features::{BurstOptions, FeatureOptions, csv};
use crate::signal::{Progress, SampleSource};

/// Arguments of `spectro features`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
    spectro features take.wav -o take.csv\n  \
    spectro features take.wav --edits take.edits.json -o take-clean.csv\n  \
    spectro features capture.cu8 --sample-rate 2M --fft 64 -o capture.csv\n\n\
    Writes OUT.csv, one row per STFT frame:\n  \
    frame, time_s, level_db, centroid_hz, bandwidth_hz, flatness, rolloff_hz,\n  \
    band_0_db .. band_{B-1}_db, and for audio mfcc_0 .. mfcc_19;\n\
    and OUT.bursts.csv, one row per detected burst:\n  \
    burst, start_s, end_s, duration_s, centre_hz, low_hz, high_hz, occupied_bw_hz,\n  \
    peak_level_db, mean_level_db, snr_db, first_frame, end_frame, extent_low_hz,\n  \
    extent_high_hz, centroid_hz, bandwidth_hz, flatness, rolloff_hz.\n\n\
    Features describe the recording with the edit list applied, exactly as `spectro apply`\n\
    renders it (with the edit list's own STFT settings); --fft, --hop and --window set the\n\
    analysis STFT, by default librosa's 2048/512/hann. Frames are centred, zero-padded,\n\
    1 + samples/hop of them, as librosa's. Stereo is mixed to mono (the mean, as\n\
    librosa.load does) unless --channel picks one.\n\n\
    The spectral statistics and MFCCs are librosa's (spectral_centroid, spectral_bandwidth,\n\
    spectral_flatness, spectral_rolloff at 0.85, feature.mfcc with 128 Slaney mel bands, top_db\n\
    80, orthonormal DCT-II). Levels are dBFS: a full-scale sinusoid reads 0 dB. Band k of B\n\
    spans lo + k(hi-lo)/B .. lo + (k+1)(hi-lo)/B, over 0..fs/2 for audio, -fs/2..fs/2 for IQ.\n\n\
    IQ recordings are analysed two-sided with signed frequencies (offsets from the centre, so\n\
    captures tuned differently compare); MFCCs do not apply to them (mel models pitch of audio\n\
    from 0 Hz) and their columns are left out. Their bursts file ends with rf_centre_hz,\n\
    rf_low_hz, rf_high_hz: absolute radio frequencies, empty when the centre is unknown.\n\n\
    Bursts: cells at least --burst-threshold-db above their bin's noise floor seed a burst;\n\
    connected cells at least (threshold - hysteresis) above it form its extent. Start and\n\
    duration are the half-power points of its excess power over time; the occupied bandwidth\n\
    holds 99 % of its excess power. Output files are written atomically.")]
pub struct FeaturesArgs {
    /// The recording.
    pub file: PathBuf,
    /// Edit list to apply first (JSON, version 1). A session (.spectro) works too: its edit list is used.
    #[arg(long, value_name = "EDITS.json")]
    pub edits: Option<PathBuf>,
    /// Output CSV of frames; bursts go to the same name with .bursts.csv.
    #[arg(short, long, value_name = "OUT.csv")]
    pub output: PathBuf,
    /// Analysis STFT geometry.
    #[command(flatten)]
    pub stft: StftArgs,
    /// Analyse one channel (from 0) instead of the mean of all.
    #[arg(long, value_name = "N")]
    pub channel: Option<usize>,
    /// Number of equal-width bands, 1 to 1024.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = parse_bands)]
    pub bands: usize,
    /// MFCCs per frame (audio only), 0 to 128.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = parse_mfcc)]
    pub mfcc: usize,
    /// Skip burst detection (no bursts file is written).
    #[arg(long)]
    pub no_bursts: bool,
    /// A burst needs a cell this far above its bin's noise floor, dB (0 to 1000).
    #[arg(long, value_name = "DB", default_value_t = 12.0, value_parser = parse_db_above_floor)]
    pub burst_threshold_db: f64,
    /// A burst extends over connected cells at least threshold minus this above the floor, dB
    /// (0 to the threshold).
    #[arg(long, value_name = "DB", default_value_t = 6.0, value_parser = parse_db_above_floor)]
    pub burst_hysteresis_db: f64,
    /// Drop bursts shorter than this, seconds (0 to 1e9).
    #[arg(long, value_name = "S", default_value_t = 0.0, value_parser = super::parse_duration)]
    pub min_duration: f64,
    /// Join activity separated by at most this much time, seconds (0 to 1e9).
    #[arg(long, value_name = "S", default_value_t = 0.0, value_parser = super::parse_duration)]
    pub merge_gap: f64,
    /// Join activity separated by at most this much frequency, Hz (0 to 1e12).
    #[arg(long, value_name = "HZ", default_value_t = 0.0, value_parser = super::parse_width_hz)]
    pub merge_gap_hz: f64,
    /// For IQ: the radio frequency the capture is centred on (1090M, 433.92e6; 0 to 1e12 Hz),
    /// for the rf_ columns of the bursts file. By default the recording's own (WAV auxi chunk,
    /// SigMF sidecar, or an rtl_433-style file name).
    #[arg(long, value_name = "HZ", value_parser = super::parse_center_freq, allow_negative_numbers = true)]
    pub center_freq: Option<f64>,
    /// Replace outputs that already exist (never one of the inputs).
    #[arg(long)]
    pub force: bool,
    /// How to read the recording.
    #[command(flatten)]
    pub input: InputArgs,
    /// Print nothing on success.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Parses `--bands`: 1 to 1024.
fn parse_bands(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=1024).contains(&n) => Ok(n),
        _ => Err(format!("'{s}': bands must be 1 to 1024")),
    }
}

/// Parses `--mfcc`: 0 to 128 (the mel bands).
fn parse_mfcc(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n <= 128 => Ok(n),
        Ok(n) => Err(format!("n_mfcc ({n}) cannot exceed n_mels (128)")),
        Err(_) => Err(format!("'{s}' is not a number of MFCCs from 0 to 128")),
    }
}

/// Parses a level above a noise floor: 0 to 1000 dB.
fn parse_db_above_floor(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if (0.0..=1000.0).contains(&v) => Ok(v),
        _ => Err(format!("'{s}' is not a number of dB from 0 to 1000")),
    }
}

impl FeaturesArgs {
    /// The feature options these arguments describe.
    pub fn options(&self) -> FeatureOptions {
        FeatureOptions {
            stft: self.stft.resolve(None),
            channel: self.channel,
            bands: self.bands,
            n_mfcc: self.mfcc,
            bursts: (!self.no_bursts).then_some(BurstOptions {
                threshold_db: self.burst_threshold_db,
                hysteresis_db: self.burst_hysteresis_db,
                min_duration_s: self.min_duration,
                merge_gap_s: self.merge_gap,
                merge_gap_hz: self.merge_gap_hz,
            }),
            ..FeatureOptions::default()
        }
    }
}

/// Runs `spectro features`.
pub fn run(args: &FeaturesArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let rec = std::sync::Arc::new(args.input.open(&args.file)?);
    let list = args
        .edits
        .as_deref()
        .map(|p| super::edits_arg::read_edits(p, &rec))
        .transpose()?;
    // The edits render with the list's own STFT; --fft/--hop/--window set the analysis.
    let edit_stft = StftArgs::default().checked(list.as_ref().zip(args.edits.as_deref()))?;
    if let (Some(list), Some(path)) = (&list, &args.edits) {
        super::check_edits(list, path, rec.as_ref(), edit_stft)?;
    }
    args.stft.checked(None)?;
    let mut options = args.options();
    options.center_freq_hz = args.center_freq.or(rec.center_freq_hz());
    if let Some(c) = args.channel.filter(|&c| c >= rec.channels()) {
        bail!(
            "--channel {c}: the recording has {} channel(s), numbered from 0",
            rec.channels()
        );
    }
    let list = list.unwrap_or_default();
    let inputs = super::files_read(Some(&rec), &[args.edits.as_deref()]);
    let source: std::sync::Arc<dyn SampleSource> = rec.clone();
    let exported = csv::export(
        &source,
        &list,
        edit_stft,
        &options,
        &args.output,
        &super::as_paths(&inputs),
        args.force,
        &Progress::new(),
    )?;
    super::warn_replaced(&rec);
    if !args.quiet {
        let bursts = exported
            .bursts
            .map(|n| format!(", {n} burst{}", if n == 1 { "" } else { "s" }))
            .unwrap_or_default();
        eprintln!(
            "spectro: wrote {} ({} frames{bursts}, {:.3} s)",
            exported
                .files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" and "),
            exported.frames,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
