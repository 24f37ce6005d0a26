//! Phase Gradient Heap Integration (Průša, Balazs and Søndergaard, "A noniterative method for
//! reconstruction of phase from STFT magnitude", IEEE/ACM TASLP 2017).
//!
//! For a Gaussian window the phase gradient of an STFT follows from the gradient of its log
//! magnitude; for the usual windows a Gaussian of the same time-frequency spread (`γ`, from
//! [`WindowKind::pghi_gamma`](crate::signal::WindowKind::pghi_gamma)) is close enough. The
//! phase is then integrated outward from the largest coefficients, always continuing from the
//! largest cell reached so far, because gradients are reliable where the magnitude is large.
//!
//! The published formulas place the window's centre at the frame's sample 0; Spectro's frames
//! (like scipy's and librosa's) start there, so every bin `m` gets a further `2π·m·⌊N/2⌋/N`
//! (`π·m` for even `N`). Without this correction the estimate is useless (see dsp.md).
//!
//! Real signals use the one-sided spectrum, mirrored at DC and Nyquist; complex (IQ) signals
//! the two-sided spectrum, whose bins wrap around from `N − 1` to `0`.

use std::f64::consts::TAU;

use rayon::prelude::*;
use rustfft::num_complex::Complex32;

use super::random_unit;
use crate::signal::{Cancelled, Progress};

/// Heap pops between two looks at the cancel flag.
const CANCEL_CHECK_EVERY: usize = 1 << 16;
/// Islands started by a linear scan for the largest remaining cell; after that many, the
/// remaining cells are sorted once so that pathological inputs with thousands of islands
/// stay `O(n log n)`.
const SCANNED_ISLANDS: usize = 8;

/// What PGHI needs to know about the spectrogram.
pub(crate) struct PghiInput<'a> {
    /// Target magnitude, `frames × bins`, frame-major (any scale).
    pub magnitude: &'a [f32],
    /// Number of frames.
    pub frames: usize,
    /// Bins per frame: `fft_len/2 + 1` one-sided, `fft_len` two-sided.
    pub bins: usize,
    /// FFT length `M`.
    pub fft_len: usize,
    /// Hop `a` in samples.
    pub hop: usize,
    /// The window's time-frequency ratio `γ`.
    pub gamma: f64,
    /// Two-sided (complex signal) spectrum.
    pub two_sided: bool,
    /// Cells at or below this fraction of the largest magnitude get a random phase.
    pub tolerance: f32,
    /// Cells whose phase is known (`true`), with values whose phase to keep.
    pub known: Option<(&'a [bool], &'a [Complex32])>,
    /// Seed of the random phases.
    pub seed: u64,
}

/// Cell states during integration.
const TODO: u8 = 0;
const DONE: u8 = 1;
const NEGLIGIBLE: u8 = 2;

/// Writes into `phasors` the unit phasor `e^{iφ}` PGHI estimates for every cell (the known
/// cells' own phase for those).
pub(crate) fn pghi(
    input: &PghiInput<'_>,
    progress: &Progress,
    phasors: &mut [Complex32],
) -> Result<(), Cancelled> {
    let PghiInput {
        magnitude,
        frames,
        bins,
        fft_len,
        two_sided,
        ..
    } = *input;
    let cells = frames * bins;
    debug_assert_eq!(magnitude.len(), cells);
    debug_assert_eq!(phasors.len(), cells);
    if cells == 0 {
        return Ok(());
    }
    let (log, tgrad, fgrad) = gradients(input);
    progress.check()?;

    // Framing correction per bin, reduced exactly in integers: 2π·((⌊M/2⌋·m) mod M)/M.
    let half = (fft_len / 2) as u64;
    let correction: Vec<f64> = (0..bins as u64)
        .map(|m| TAU * ((half * m) % fft_len as u64) as f64 / fft_len as f64)
        .collect();

    let mut state = vec![TODO; cells];
    let mut phase = vec![0.0f64; cells];
    if let Some((known, values)) = input.known {
        for (c, (&k, v)) in known.iter().zip(values).enumerate() {
            if k {
                state[c] = DONE;
                // Integration runs in the published (window-centred) framing.
                phase[c] = v.arg() as f64 - correction[c % bins];
            }
        }
    }
    let max = magnitude
        .iter()
        .zip(&state)
        .filter(|&(_, &st)| st == TODO)
        .map(|(&s, _)| s)
        .fold(0.0f32, f32::max);
    let floor = input.tolerance * max;
    for (st, &s) in state.iter_mut().zip(magnitude) {
        if *st == TODO && s <= floor {
            *st = NEGLIGIBLE;
        }
    }

    let mut heap = BucketQueue::new(
        &log,
        floor.max(f32::MIN_POSITIVE).ln(),
        (max + f32::MIN_POSITIVE).ln(),
    );
    let neighbours = Neighbours {
        frames,
        bins,
        two_sided,
    };
    // Known cells at the edge of the unknown area seed the integration.
    if input.known.is_some() {
        for c in 0..cells {
            if state[c] == DONE
                && neighbours
                    .of(c)
                    .into_iter()
                    .flatten()
                    .any(|(nb, _)| state[nb] == TODO)
            {
                heap.push(c);
            }
        }
    }
    let mut seeds = IslandSeeds::default();
    let mut pops = 0usize;
    loop {
        while let Some(c) = heap.pop() {
            pops += 1;
            if pops.is_multiple_of(CANCEL_CHECK_EVERY) {
                progress.check()?;
            }
            for (nb, dir) in neighbours.of(c).into_iter().flatten() {
                if state[nb] != TODO {
                    continue;
                }
                let step = match dir {
                    Dir::Up => 0.5 * (fgrad[c] + fgrad[nb]),
                    Dir::Down => -0.5 * (fgrad[c] + fgrad[nb]),
                    Dir::Right => 0.5 * (tgrad[c] + tgrad[nb]),
                    Dir::Left => -0.5 * (tgrad[c] + tgrad[nb]),
                };
                phase[nb] = phase[c] + step as f64;
                state[nb] = DONE;
                heap.push(nb);
            }
        }
        // A new island starts at the largest cell not reached yet, with phase 0.
        match seeds.next(magnitude, &state) {
            Some(c) => {
                state[c] = DONE;
                phase[c] = 0.0;
                heap.push(c);
            }
            None => break,
        }
    }
    progress.check()?;

    let seed = input.seed;
    phasors
        .par_chunks_mut(bins)
        .zip(phase.par_chunks(bins))
        .zip(state.par_chunks(bins))
        .enumerate()
        .for_each(|(n, ((out, ph), st))| {
            for (m, ((o, &p), &s)) in out.iter_mut().zip(ph).zip(st).enumerate() {
                *o = if s == NEGLIGIBLE {
                    random_unit(seed, (n * bins + m) as u64)
                } else {
                    let p = p + correction[m];
                    // Reduced in f64 first: phases integrated over many frames are large.
                    let (sin, cos) = ((p - TAU * (p / TAU).floor()) as f32).sin_cos();
                    Complex32::new(cos, sin)
                };
            }
        });
    if let Some((known, values)) = input.known {
        for ((o, &k), v) in phasors.iter_mut().zip(known).zip(values) {
            if k {
                let norm = v.norm();
                *o = if norm > 0.0 {
                    v / norm
                } else {
                    Complex32::new(1.0, 0.0)
                };
            }
        }
    }
    Ok(())
}

/// The log magnitude and the phase gradients along time (`tgrad`, radians per frame) and
/// frequency (`fgrad`, radians per bin) predicted from it.
fn gradients(input: &PghiInput<'_>) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let PghiInput {
        magnitude,
        frames,
        bins,
        fft_len,
        hop,
        gamma,
        two_sided,
        ..
    } = *input;
    let log: Vec<f32> = magnitude
        .par_iter()
        .map(|&s| (s + f32::MIN_POSITIVE).ln())
        .collect();
    let m_len = fft_len as f64;
    let a = hop as f64;
    let time_mul = (a * m_len / (2.0 * gamma)) as f32;
    let freq_mul = (-gamma / (2.0 * a * m_len)) as f32;
    // The phase a stationary sinusoid at bin m advances per hop, 2π·a·m/M, reduced exactly
    // modulo 2π (in (−π, π]) so that phases summed over thousands of frames stay accurate.
    let advance: Vec<f32> = (0..bins)
        .map(|m| {
            let r = ((hop as u64 * m as u64) % fft_len as u64) as f64 / m_len;
            let r = if r > 0.5 { r - 1.0 } else { r };
            (TAU * r) as f32
        })
        .collect();
    // Neighbouring bins of a one-sided spectrum mirror at DC and Nyquist (the spectrum of a
    // real signal is conjugate-symmetric); a two-sided spectrum wraps around.
    let bin_at = |m: isize| -> usize {
        if two_sided {
            m.rem_euclid(fft_len as isize) as usize
        } else if m < 0 {
            (-m) as usize
        } else if m as usize >= bins {
            fft_len - m as usize
        } else {
            m as usize
        }
    };
    let mut tgrad = vec![0.0f32; frames * bins];
    tgrad
        .par_chunks_mut(bins)
        .zip(log.par_chunks(bins))
        .for_each(|(t, l)| {
            for (m, t) in t.iter_mut().enumerate() {
                let up = l[bin_at(m as isize + 1)];
                let down = l[bin_at(m as isize - 1)];
                *t = time_mul * (up - down) + advance[m];
            }
        });
    let mut fgrad = vec![0.0f32; frames * bins];
    fgrad.par_chunks_mut(bins).enumerate().for_each(|(n, f)| {
        // Central differences inside, one-sided (twice the half-step) at the first and last
        // frame, where the signal's frames end.
        let (before, after, scale) = match (n.checked_sub(1), (n + 1 < frames).then_some(n + 1)) {
            (Some(b), Some(a)) => (b, a, 1.0),
            (None, Some(a)) => (n, a, 2.0),
            (Some(b), None) => (b, n, 2.0),
            (None, None) => (n, n, 0.0),
        };
        let lb = &log[before * bins..(before + 1) * bins];
        let la = &log[after * bins..(after + 1) * bins];
        for ((f, &x), &y) in f.iter_mut().zip(la).zip(lb) {
            *f = scale * freq_mul * (x - y);
        }
    });
    (log, tgrad, fgrad)
}

#[derive(Clone, Copy)]
enum Dir {
    Up,
    Down,
    Right,
    Left,
}

/// The four neighbours of a cell in a frames × bins grid.
struct Neighbours {
    frames: usize,
    bins: usize,
    two_sided: bool,
}

impl Neighbours {
    fn of(&self, c: usize) -> [Option<(usize, Dir)>; 4] {
        let (n, m) = (c / self.bins, c % self.bins);
        let row = n * self.bins;
        let up = if m + 1 < self.bins {
            Some(c + 1)
        } else {
            self.two_sided.then_some(row)
        };
        let down = if m > 0 {
            Some(c - 1)
        } else {
            self.two_sided.then_some(row + self.bins - 1)
        };
        [
            up.map(|u| (u, Dir::Up)),
            down.map(|d| (d, Dir::Down)),
            (n + 1 < self.frames).then_some((c + self.bins, Dir::Right)),
            (n > 0).then(|| (c - self.bins, Dir::Left)),
        ]
    }
}

/// Buckets of the priority queue per unit of natural-log magnitude: 400 is 0.02 dB wide, far
/// finer than the gradients are accurate.
const BUCKETS_PER_NEPER: f32 = 400.0;

/// The integration front, ordered by magnitude: a bucket queue on the log magnitude.
///
/// A binary heap orders the front exactly but its sift-downs miss the cache on every level
/// once the front is large (noise-like IQ spectrograms have fronts of many thousand cells),
/// and dominated PGHI's time. Buckets 0.02 dB wide give the same order up to ties within
/// 0.02 dB, at constant cost per cell. Within a bucket the most recent cell comes first,
/// which continues along the ridge just integrated.
struct BucketQueue<'a> {
    log: &'a [f32],
    buckets: Vec<Vec<u32>>,
    /// One bit per bucket, set while it holds cells: finding the highest non-empty bucket
    /// skips 64 empty ones per word.
    occupied: Vec<u64>,
    /// No word of `occupied` above this one has a bit set.
    top_word: usize,
    /// Log magnitude of bucket 0's lower edge.
    floor: f32,
}

impl<'a> BucketQueue<'a> {
    /// A queue for cells whose log magnitudes `log` lie between `floor` and `ceiling`
    /// (values outside go to the first or last bucket).
    fn new(log: &'a [f32], floor: f32, ceiling: f32) -> Self {
        let count = (((ceiling - floor).max(0.0) * BUCKETS_PER_NEPER) as usize + 1).min(1 << 16);
        BucketQueue {
            log,
            buckets: vec![Vec::new(); count],
            occupied: vec![0; count.div_ceil(64)],
            top_word: 0,
            floor,
        }
    }

    fn push(&mut self, cell: usize) {
        let b = ((self.log[cell] - self.floor) * BUCKETS_PER_NEPER).max(0.0) as usize;
        let b = b.min(self.buckets.len() - 1);
        self.buckets[b].push(cell as u32);
        self.occupied[b / 64] |= 1 << (b % 64);
        self.top_word = self.top_word.max(b / 64);
    }

    fn pop(&mut self) -> Option<usize> {
        while self.occupied[self.top_word] == 0 {
            if self.top_word == 0 {
                return None;
            }
            self.top_word -= 1;
        }
        let w = self.top_word;
        let b = w * 64 + 63 - self.occupied[w].leading_zeros() as usize;
        let bucket = &mut self.buckets[b];
        let c = bucket.pop()?;
        if bucket.is_empty() {
            self.occupied[w] &= !(1 << (b % 64));
        }
        Some(c as usize)
    }
}

/// Finds the largest cell still to do, where a new island of integration starts.
#[derive(Default)]
struct IslandSeeds {
    scans: usize,
    /// After [`SCANNED_ISLANDS`] scans: the remaining cells, largest last.
    sorted: Option<Vec<u32>>,
}

impl IslandSeeds {
    fn next(&mut self, magnitude: &[f32], state: &[u8]) -> Option<usize> {
        if self.sorted.is_none() && self.scans < SCANNED_ISLANDS {
            self.scans += 1;
            // Two simple passes (the largest value, then where it is) vectorise; one pass
            // tracking both does not.
            let todo = |(&s, &st): (&f32, &u8)| if st == TODO { s } else { -1.0 };
            let max = magnitude.iter().zip(state).map(todo).fold(-1.0f32, f32::max);
            if max < 0.0 {
                return None;
            }
            return magnitude.iter().zip(state).map(todo).position(|s| s == max);
        }
        let sorted = self.sorted.get_or_insert_with(|| {
            let mut v: Vec<u32> = (0..state.len() as u32)
                .filter(|&c| state[c as usize] == TODO)
                .collect();
            v.sort_unstable_by(|&a, &b| magnitude[a as usize].total_cmp(&magnitude[b as usize]));
            v
        });
        while let Some(c) = sorted.pop() {
            if state[c as usize] == TODO {
                return Some(c as usize);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_queue_pops_largest_first() {
        let magnitude = [1.0f32, 5.0, 0.5, 3.0, 5.0001, 2.0];
        let log: Vec<f32> = magnitude.iter().map(|s| s.ln()).collect();
        let mut q = BucketQueue::new(&log, 0.1f32.ln(), 6.0f32.ln());
        for c in 0..magnitude.len() {
            q.push(c);
        }
        let order: Vec<usize> = std::iter::from_fn(|| q.pop()).collect();
        // 5.0 and 5.0001 share a bucket (0.02 dB apart): the later push comes first.
        assert_eq!(order, [4, 1, 3, 5, 0, 2]);
    }

    #[test]
    fn known_phase_is_kept_and_extended() {
        // A steady real tone at bin 8 of a 64-point Hann STFT, hop 16: its phase advances by
        // 2π·16·8/64 = 4π per frame, i.e. not at all. Knowing frame 0's phase, PGHI must carry
        // it through the frames, with the framing correction π·m between bins.
        let (frames, bins, fft_len, hop) = (12, 33, 64, 16);
        let mut magnitude = vec![0.0f32; frames * bins];
        for n in 0..frames {
            magnitude[n * bins + 7] = 0.5;
            magnitude[n * bins + 8] = 1.0;
            magnitude[n * bins + 9] = 0.5;
        }
        let mut known = vec![false; frames * bins];
        let mut values = vec![Complex32::default(); frames * bins];
        let phase0 = Complex32::from_polar(1.0, 0.7);
        for m in 0..bins {
            known[m] = true;
            values[m] = phase0 * if m % 2 == 0 { 1.0 } else { -1.0 };
        }
        let input = PghiInput {
            magnitude: &magnitude,
            frames,
            bins,
            fft_len,
            hop,
            gamma: 0.25645 * (fft_len * fft_len) as f64,
            two_sided: false,
            tolerance: 1e-5,
            known: Some((&known, &values)),
            seed: 0,
        };
        let mut out = vec![Complex32::default(); frames * bins];
        pghi(&input, &Progress::new(), &mut out).unwrap();
        for n in 0..frames {
            for m in 7..=9 {
                let want = values[m];
                let got = out[n * bins + m];
                assert!((got - want).norm() < 1e-3, "frame {n} bin {m}: {got} vs {want}");
            }
        }
    }
}
