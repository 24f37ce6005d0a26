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

use super::error::{FileError, FileErrorKind};
use crate::signal::Progress;

const P1: u64 = 0x9E37_79B1_85EB_CA87;
const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const P3: u64 = 0x1656_67B1_9E37_79F9;
const P4: u64 = 0x85EB_CA77_C2B2_AE63;
const P5: u64 = 0x27D4_EB2F_1656_67C5;

/// Bytes read at a time.
const CHUNK_BYTES: usize = 1 << 20;

/// The prefix of a hash as sessions write it.
pub const HASH_PREFIX: &str = "xxh64:";

fn round(acc: u64, input: u64) -> u64 {
    acc.wrapping_add(input.wrapping_mul(P2))
        .rotate_left(31)
        .wrapping_mul(P1)
}

fn merge(acc: u64, val: u64) -> u64 {
    (acc ^ round(0, val)).wrapping_mul(P1).wrapping_add(P4)
}

fn read_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

/// XXH64 over bytes given in pieces of any size.
#[derive(Clone, Debug)]
pub struct Xxh64 {
    lanes: [u64; 4],
    /// Bytes not yet making a whole 32-byte stripe.
    pending: [u8; 32],
    pending_len: usize,
    total_len: u64,
}

impl Default for Xxh64 {
    fn default() -> Self {
        Self::new()
    }
}

impl Xxh64 {
    /// A hash of nothing yet, seed 0.
    pub fn new() -> Self {
        Xxh64 {
            lanes: [P1.wrapping_add(P2), P2, 0, 0u64.wrapping_sub(P1)],
            pending: [0; 32],
            pending_len: 0,
            total_len: 0,
        }
    }

    fn stripe(lanes: &mut [u64; 4], s: &[u8]) {
        for (i, lane) in lanes.iter_mut().enumerate() {
            *lane = round(*lane, read_u64(&s[i * 8..]));
        }
    }

    /// Adds `bytes`.
    pub fn update(&mut self, mut bytes: &[u8]) {
        self.total_len += bytes.len() as u64;
        if self.pending_len > 0 {
            let take = (32 - self.pending_len).min(bytes.len());
            self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&bytes[..take]);
            self.pending_len += take;
            bytes = &bytes[take..];
            if self.pending_len < 32 {
                return;
            }
            let stripe = self.pending;
            Self::stripe(&mut self.lanes, &stripe);
            self.pending_len = 0;
        }
        let mut stripes = bytes.chunks_exact(32);
        for s in &mut stripes {
            Self::stripe(&mut self.lanes, s);
        }
        let rest = stripes.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.pending_len = rest.len();
    }

    /// The hash of everything added.
    pub fn finish(&self) -> u64 {
        let [v1, v2, v3, v4] = self.lanes;
        let mut h = if self.total_len >= 32 {
            let mut h = v1
                .rotate_left(1)
                .wrapping_add(v2.rotate_left(7))
                .wrapping_add(v3.rotate_left(12))
                .wrapping_add(v4.rotate_left(18));
            for v in self.lanes {
                h = merge(h, v);
            }
            h
        } else {
            P5
        };
        h = h.wrapping_add(self.total_len);
        let mut rest = &self.pending[..self.pending_len];
        while rest.len() >= 8 {
            h ^= round(0, read_u64(rest));
            h = h.rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
            rest = &rest[8..];
        }
        if rest.len() >= 4 {
            let mut a = [0u8; 4];
            a.copy_from_slice(&rest[..4]);
            h ^= u64::from(u32::from_le_bytes(a)).wrapping_mul(P1);
            h = h.rotate_left(23).wrapping_mul(P2).wrapping_add(P3);
            rest = &rest[4..];
        }
        for &b in rest {
            h ^= u64::from(b).wrapping_mul(P5);
            h = h.rotate_left(11).wrapping_mul(P1);
        }
        h ^= h >> 33;
        h = h.wrapping_mul(P2);
        h ^= h >> 29;
        h = h.wrapping_mul(P3);
        h ^ (h >> 32)
    }
}

/// XXH64 of `bytes`, as sessions write it: `xxh64:` and 16 hex digits.
pub fn hash_bytes(bytes: &[u8]) -> String {
    let mut h = Xxh64::new();
    h.update(bytes);
    format!("{HASH_PREFIX}{:016x}", h.finish())
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
    let mut h = Xxh64::new();
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
    Ok(format!("{HASH_PREFIX}{:016x}", h.finish()))
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
            let mut h = Xxh64::new();
            h.update(bytes);
            assert_eq!(h.finish(), expected, "{} bytes", bytes.len());
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
    fn pieces_of_any_size_give_the_same_hash_as_the_file() {
        let bytes = pattern(3 * CHUNK_BYTES / 2 + 13);
        let whole = hash_bytes(&bytes);
        for piece in [1, 5, 31, 32, 33, 1000] {
            let mut h = Xxh64::new();
            for c in bytes[..5000].chunks(piece) {
                h.update(c);
            }
            let mut one = Xxh64::new();
            one.update(&bytes[..5000]);
            assert_eq!(h.finish(), one.finish(), "pieces of {piece}");
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.bin");
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(hash_file(&path, &Progress::new()).unwrap(), whole);
        assert!(hash_file(&dir.path().join("missing"), &Progress::new()).is_err());
    }
}
