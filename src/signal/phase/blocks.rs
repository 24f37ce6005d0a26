//! Blockwise regional reconstruction: phase reconstruction over any number of frames with
//! memory bounded by a number of cells, not by the length rebuilt.
//!
//! A region that fits in [`BLOCK_CELLS`] cells (frames × bins) is rebuilt in one piece, exactly
//! as [`reconstruct_region`](super::reconstruct_region) rebuilds it. A longer one is cut into
//! blocks along time, rebuilt one after the other on the signal as the blocks before left it:
//!
//! - each block holds its *core* frames, a *look-ahead* of `2·⌈fft/hop⌉` frames after them
//!   (two windows' worth: the frames whose windows reach the core's last samples, and as many
//!   again), and two frames of context on each side whose cells are kept as they are;
//! - it rebuilds the core and the look-ahead together, so the core's last frames are fitted
//!   knowing what follows them, but keeps only the change of its core frames (the change of
//!   the look-ahead is dropped, see `reconstruct_region_until`);
//! - the next block starts where the core ended, on the signal with that change added: its
//!   start (PGHI) integrates from the phase the previous block left in the frames before it,
//!   and its iterations see those frames as fixed, so the two join without a seam to
//!   cross-fade.
//!
//! Each block holds at most [`BLOCK_CELLS`] cells (at least 8 frames): about 100 bytes per
//! cell at the peak of a reconstruction, so about 200 MB whatever the length, FFT or hop. The
//! cost is the look-ahead rebuilt twice: `(core + look-ahead) / core` of the work.

use std::ops::Range;
use std::time::Instant;

use rustfft::num_complex::Complex32;

use super::region::reconstruct_region_until;
use super::{PhaseError, PhaseOptions, PhaseReport, RegionTarget, Start, convergence_db};
use crate::signal::{Progress, Stft, StftSample};

/// Most STFT cells one block holds (2 Mi cells: about 200 MB at the peak of a
/// reconstruction).
pub const BLOCK_CELLS: usize = 1 << 21;

/// Fewest frames a block holds, whatever the FFT size.
const MIN_BLOCK_FRAMES: usize = 8;

/// Frames of unchanged context each block holds on each side of the frames it rebuilds.
const CONTEXT_FRAMES: usize = 2;

/// One block of a blockwise reconstruction, in frames of the whole signal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The frames held: those rebuilt, and context.
    pub held: Range<usize>,
    /// The frames whose cells the block rebuilds (its core and look-ahead).
    pub rebuilt: Range<usize>,
    /// The block keeps the change of the frames before this one.
    pub commit_end: usize,
}

/// Cuts `frames` into blocks of at most `max_cells` cells (at least [`MIN_BLOCK_FRAMES`]
/// frames): one block holding all of them when they fit.
pub fn plan_blocks<T: StftSample>(stft: &Stft<T>, frames: Range<usize>, max_cells: usize) -> Vec<Block> {
    let bins = stft.bins();
    if frames.is_empty() || frames.len().saturating_mul(bins) <= max_cells {
        return vec![Block {
            held: frames.clone(),
            rebuilt: frames.clone(),
            commit_end: frames.end,
        }];
    }
    let held = (max_cells / bins).max(MIN_BLOCK_FRAMES);
    let inner = held - 2 * CONTEXT_FRAMES;
    let window = stft.fft_len().div_ceil(stft.hop());
    let lookahead = (2 * window).min(inner / 2).max(1);
    let core = inner - lookahead;
    let mut blocks = Vec::new();
    let mut start = frames.start;
    while start < frames.end {
        let end = (start + core).min(frames.end);
        let rebuilt_end = if end == frames.end {
            end
        } else {
            (end + lookahead).min(frames.end)
        };
        blocks.push(Block {
            held: start.saturating_sub(CONTEXT_FRAMES).max(frames.start)
                ..(rebuilt_end + CONTEXT_FRAMES).min(frames.end),
            rebuilt: start..rebuilt_end,
            commit_end: end,
        });
        start = end;
    }
    blocks
}

/// The signal a blockwise reconstruction works on, and what it wants of it.
pub trait BlockSignal<T> {
    /// Reads samples `start .. start + out.len()` of the signal as rebuilt so far: the
    /// original with every change committed before (zeros outside the signal).
    fn read(&mut self, start: i64, out: &mut [T]);

    /// Fills the wanted magnitude (raw scale) and the region weights (0 to 1) of the frames
    /// `frames`, whose STFT as read is `original`; all three hold `frames.len() × bins`.
    fn target(
        &mut self,
        frames: Range<usize>,
        original: &[Complex32],
        magnitude: &mut [f32],
        region: &mut [f32],
    );

    /// Adds the change a block keeps, for samples `start ..`.
    fn commit(&mut self, start: i64, delta: &[T]);
}

/// What one block of a blockwise reconstruction did.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockOutcome {
    /// The block's report, its spectral convergence measured over the cells it rebuilt.
    pub report: PhaseReport,
    /// The squared magnitude error behind that measure.
    pub error_sq: f64,
    /// The squared target magnitude behind that measure.
    pub reference_sq: f64,
}

/// Rebuilds one block (see [`plan_blocks`]) of the region `signal` describes, in a signal
/// `signal_len` samples long, and hands the change it keeps to [`BlockSignal::commit`].
/// Returns `None` when the block holds no region cells.
///
/// With `warm_start`, GLA and FGLA start from the phase of the block's STFT as read (as
/// `Start::Phase(original)` does for [`reconstruct_region`](super::reconstruct_region)).
/// `progress` is started, advanced and checked as by `reconstruct_region`, for this block.
pub fn rebuild_block<T: StftSample>(
    stft: &Stft<T>,
    signal_len: u64,
    block: &Block,
    signal: &mut dyn BlockSignal<T>,
    options: &PhaseOptions<'_>,
    warm_start: bool,
    progress: &Progress,
) -> Result<Option<BlockOutcome>, PhaseError> {
    let bins = stft.bins();
    let held = block.held.clone();
    let n = held.len();
    let span = stft.frames_span(held.clone());
    let mut input = vec![T::default(); (span.end - span.start) as usize];
    signal.read(span.start, &mut input);
    let mut original = vec![Complex32::default(); n * bins];
    stft.forward(&input, span.start, held.clone(), &mut original);
    drop(input);
    let mut magnitude = vec![0.0f32; n * bins];
    let mut region = vec![0.0f32; n * bins];
    signal.target(held.clone(), &original, &mut magnitude, &mut region);
    // Context frames keep what they hold.
    for (i, k) in held.clone().enumerate() {
        if !block.rebuilt.contains(&k) {
            region[i * bins..(i + 1) * bins].fill(0.0);
        }
    }
    if region.iter().all(|&w| w == 0.0) {
        return Ok(None);
    }
    let target = RegionTarget {
        frames: held,
        signal_len,
        original: &original,
        magnitude: &magnitude,
        region: &region,
    };
    let mut local = *options;
    if warm_start {
        local.start = Start::Phase(&original);
    }
    let (result, (error_sq, reference_sq)) =
        reconstruct_region_until(stft, &target, &local, progress, block.commit_end, false)?;
    signal.commit(result.delta_start, &result.delta);
    Ok(Some(BlockOutcome {
        report: result.report,
        error_sq,
        reference_sq,
    }))
}

/// Rebuilds the phase of the region `signal` describes over `frames` (of a signal
/// `signal_len` samples long), block by block (see the module documentation), handing each
/// block's change to [`BlockSignal::commit`].
///
/// When the frames fit in one block the result is exactly
/// [`reconstruct_region`](super::reconstruct_region)'s. With more, the report's spectral
/// convergence combines the blocks' (each over the cells it rebuilt). Returns `None` when the
/// region is empty. Cancelled through `progress` between blocks (its counters are left
/// alone). See [`rebuild_block`] for `warm_start`.
#[allow(clippy::too_many_arguments)]
pub fn reconstruct_region_blocks<T: StftSample>(
    stft: &Stft<T>,
    signal_len: u64,
    frames: Range<usize>,
    max_cells: usize,
    signal: &mut dyn BlockSignal<T>,
    options: &PhaseOptions<'_>,
    warm_start: bool,
    progress: &Progress,
) -> Result<Option<PhaseReport>, PhaseError> {
    let started = Instant::now();
    let blocks = plan_blocks(stft, frames, max_cells);
    let single = blocks.len() == 1;
    let mut report: Option<PhaseReport> = None;
    let (mut err, mut reference) = (0.0, 0.0);
    for block in &blocks {
        progress.check()?;
        let Some(outcome) = rebuild_block(
            stft,
            signal_len,
            block,
            signal,
            options,
            warm_start,
            &Progress::new(),
        )?
        else {
            continue;
        };
        err += outcome.error_sq;
        reference += outcome.reference_sq;
        report.get_or_insert(outcome.report);
    }
    Ok(report.map(|mut r| {
        if !single {
            r.spectral_convergence_db = convergence_db(err, reference);
            r.elapsed_s = started.elapsed().as_secs_f64();
            r.history_db.clear();
        }
        r
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::{Convention, StftParams};

    #[test]
    fn blocks_tile_the_frames_with_look_ahead_and_context() {
        let stft = Stft::<f32>::new(StftParams::with_fft(64), Convention::Scipy).unwrap();
        let bins = stft.bins();
        // Fits: one block.
        assert_eq!(plan_blocks(&stft, 5..25, 20 * bins).len(), 1);
        // 100 frames, 40 a block: context 2 + 2, look-ahead 8 (two windows of 4 frames), core 28.
        let blocks = plan_blocks(&stft, 10..110, 40 * bins);
        assert!(blocks.iter().all(|b| b.held.len() <= 40), "{blocks:?}");
        assert_eq!(blocks[0].rebuilt, 10..46);
        assert_eq!(blocks[0].commit_end, 38);
        assert_eq!(blocks[0].held, 10..48);
        assert_eq!(blocks[1].rebuilt.start, 38);
        assert_eq!(blocks[1].held.start, 36);
        // Commits tile the frames exactly.
        let mut at = 10;
        for b in &blocks {
            assert_eq!(b.rebuilt.start, at);
            assert!(b.commit_end > at);
            at = b.commit_end;
        }
        assert_eq!(at, 110);
        assert_eq!(blocks.last().unwrap().rebuilt.end, 110);
        // Whatever the FFT and hop, a block holds at most its cells (the longest FFT with its
        // shortest hop: 32769 bins, a look-ahead of two windows would be 256 frames).
        let big = Stft::<f32>::new(
            StftParams {
                hop: crate::signal::limits::min_hop(65536),
                ..StftParams::with_fft(65536)
            },
            Convention::Scipy,
        )
        .unwrap();
        let blocks = plan_blocks(&big, 0..1000, BLOCK_CELLS);
        assert!(blocks.len() > 10);
        assert!(
            blocks.iter().all(|b| b.held.len() * big.bins() <= BLOCK_CELLS),
            "{:?}",
            blocks[0]
        );
        assert_eq!(blocks.last().unwrap().commit_end, 1000);
    }
}
