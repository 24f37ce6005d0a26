//! File errors: one line naming the file and the problem.

use std::path::{Path, PathBuf};

/// A file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("{}: {kind}", path.display())]
pub struct FileError {
    /// The file concerned.
    pub path: PathBuf,
    /// What is wrong with it.
    pub kind: FileErrorKind,
}

impl FileError {
    /// An error about `path`.
    pub fn new(path: impl AsRef<Path>, kind: FileErrorKind) -> Self {
        FileError {
            path: path.as_ref().to_path_buf(),
            kind,
        }
    }
}

/// What is wrong with a file.
#[derive(Debug, thiserror::Error)]
pub enum FileErrorKind {
    /// The operating system refused.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Zero bytes.
    #[error("the file is empty")]
    Empty,
    /// A directory where a file was expected.
    #[error("is a directory, not a file")]
    Directory,
    /// A FIFO, socket or device where a regular file was expected (reading one could block
    /// forever or never end).
    #[error("is a {0}, not a regular file")]
    NotRegular(&'static str),
    /// Larger than a file of its kind can sensibly be.
    #[error("is {size} bytes; {what} larger than {max} bytes are refused")]
    TooLarge {
        /// Its size.
        size: u64,
        /// The most accepted.
        max: u64,
        /// What kind of file, plural ("edit lists").
        what: &'static str,
    },
    /// No RIFF/WAVE header.
    #[error("not a WAV file (no RIFF/WAVE header)")]
    NotWav,
    /// A WAV structure problem.
    #[error("malformed WAV: {0}")]
    Malformed(String),
    /// The data chunk is shorter than its header claims.
    #[error("truncated: the data chunk claims {declared} bytes but only {available} are in the file")]
    Truncated {
        /// Bytes the header declares.
        declared: u64,
        /// Bytes actually present.
        available: u64,
    },
    /// Sample rate missing or zero.
    #[error("the sample rate is 0")]
    ZeroRate,
    /// A sample rate that is not a positive number.
    #[error("invalid sample rate {0} Hz (must be 1 Hz to 2147483647 Hz, what a WAV header holds)")]
    BadRate(f64),
    /// A sample encoding Spectro does not read.
    #[error("unsupported encoding: {0}")]
    Unsupported(String),
    /// No samples at all.
    #[error("contains no samples")]
    NoSamples,
    /// `--iq` on a file that is not stereo.
    #[error("--iq needs a stereo WAV (I left, Q right); this one has {0} channel(s)")]
    IqNeedsStereo(usize),
    /// A raw capture opened without its rate.
    #[error("a raw IQ capture has no header: give its rate with --sample-rate HZ or a .sigmf-meta sidecar")]
    RawNeedsRate,
    /// A raw capture whose length is not whole I/Q pairs.
    #[error("{bytes} bytes is not a whole number of {pair}-byte I/Q pairs")]
    RawPartialPair {
        /// File length.
        bytes: u64,
        /// Bytes per I/Q pair.
        pair: usize,
    },
    /// An extension Spectro does not know.
    #[error(
        "unknown file type \"{0}\": Spectro opens WAV (also RF64 and W64), FLAC, Ogg Vorbis, MP3, AIFF, CAF and raw IQ (.cu8, .cs8, .cs16, .cf32)"
    )]
    UnknownType(String),
    /// Output would replace one of the files being read.
    #[error("is one of the files being read; write the result under another name")]
    IsInput,
    /// Output would replace an existing file the user did not agree to replace.
    #[error("already exists; add --force to replace it")]
    Exists,
    /// Two outputs of one result name the same file.
    #[error("is named twice among the outputs; each output needs its own name")]
    Collision,
    /// A FIFO, socket, block device (or other special file) where a regular file is needed.
    #[error("is {0}, not a regular file")]
    Special(&'static str),
    /// An output format that cannot hold the data.
    #[error("cannot write {0}")]
    CannotWrite(String),
    /// Invalid content of a text file (edit list, metadata).
    #[error("{0}")]
    Content(String),
}
