//! A recording's content hash: XXH64 (seed 0) over the file's bytes, streamed.
//!
//! Sessions store it to tell whether the recording changed since they were saved. XXH64 is not
//! cryptographic, and need not be: it guards against a different or re-exported file, not an
//! adversary. It runs at several GB/s on one core, so an hour-long recording (0.7 GB of 48 kHz
//! stereo 16-bit, 14 GB of a 2 MS/s cu8 capture) hashes as fast as the disk reads it, where
//! SHA-256 would take seconds more per gigabyte. Its output is the reference algorithm's
//! (`xxhsum -H1`), so a user can check a hash outside Spectro.

use std::io::Read;
use std::path::Path;

use xxhash_rust::xxh64::{Xxh64, xxh64};

use super::error::{FileError, FileErrorKind};
use crate::signal::Progress;

/// Bytes read at a time.
const CHUNK_BYTES: usize = 1 << 20;

/// The prefix of a hash as sessions write it.
pub const HASH_PREFIX: &str = "xxh64:";

/// XXH64 of `bytes`, as sessions write it: `xxh64:` and 16 hex digits.
pub fn hash_bytes(bytes: &[u8]) -> String {
    format!("{HASH_PREFIX}{:016x}", xxh64(bytes, 0))
}

/// XXH64 of the file at `path`, streamed in 1 MiB pieces (memory stays flat whatever its size),
/// as `xxh64:` and 16 hex digits. `progress` counts bytes and can cancel (an error then).
pub fn hash_file(path: &Path, progress: &Progress) -> Result<String, FileError> {
    let err = |e: std::io::Error| FileError::new(path, FileErrorKind::Io(e));
    // A FIFO would block and a device never end.
    super::check_regular(path)?;
    let mut file = std::fs::File::open(path).map_err(err)?;
    let size = file.metadata().map_err(err)?.len();
    progress.start(size);
    let mut h = Xxh64::new(0);
    let mut buf = vec![0u8; CHUNK_BYTES];
    loop {
        if progress.check().is_err() {
            return Err(err(std::io::Error::new(
                std::io::ErrorKind::Interrupted,
                "hashing cancelled",
            )));
        }
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(err(e)),
        };
        h.update(&buf[..n]);
        progress.advance(n as u64);
    }
    Ok(format!("{HASH_PREFIX}{:016x}", h.digest()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(n: usize) -> Vec<u8> {
        (0..n).map(|i| ((i * 7 + 3) % 251) as u8).collect()
    }

    /// Values from the reference implementation (libxxhash's `XXH64(data, len, 0)`).
    #[test]
    fn matches_the_reference_implementation() {
        let mut long = Vec::new();
        for _ in 0..3 {
            long.extend(0u8..=255);
        }
        long.extend(b"xyz");
        let cases: [(&[u8], u64); 6] = [
            (b"", 0xef46db3751d8e999),
            (b"a", 0xd24ec4f1a98c6e5b),
            (b"abc", 0x44bc2cf5ad770999),
            (b"Spectro", 0x2f65f4e58e4535ef),
            (&long, 0xe921a1b45bd779f8),
            (&pattern(100_003), 0x148a2fdf3ea2c6e5),
        ];
        for (bytes, expected) in cases {
            assert_eq!(
                hash_bytes(bytes),
                format!("{HASH_PREFIX}{expected:016x}"),
                "{} bytes",
                bytes.len()
            );
            // Streamed in uneven pieces, as hash_file feeds it.
            let mut h = Xxh64::new(0);
            for piece in bytes.chunks(37) {
                h.update(piece);
            }
            assert_eq!(h.digest(), expected, "{} bytes streamed", bytes.len());
        }
    }

    /// Hashing speed on a 1 GiB file (about an hour of 48 kHz stereo 24-bit): `cargo test
    /// --release --lib hour_long -- --ignored --nocapture`.
    #[test]
    #[ignore = "writes 1 GiB to the temporary folder"]
    fn an_hour_long_file_hashes_in_seconds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hour.raw");
        let chunk = pattern(CHUNK_BYTES);
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&path).unwrap();
            for _ in 0..1024 {
                f.write_all(&chunk).unwrap();
            }
        }
        let started = std::time::Instant::now();
        hash_file(&path, &Progress::new()).unwrap();
        let s = started.elapsed().as_secs_f64();
        eprintln!("1 GiB hashed in {s:.2} s ({:.2} GB/s)", 1.073741824 / s);
        assert!(s < 10.0, "{s} s");
    }

    #[test]
    fn a_file_read_in_pieces_hashes_as_its_bytes() {
        let bytes = pattern(3 * CHUNK_BYTES / 2 + 13);
        let whole = hash_bytes(&bytes);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.bin");
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(hash_file(&path, &Progress::new()).unwrap(), whole);
        assert!(hash_file(&dir.path().join("missing"), &Progress::new()).is_err());
    }
}
