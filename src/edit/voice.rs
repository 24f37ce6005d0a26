//! Voice isolation as an edit: DeepFilterNet3's result on the recording, expressed as a gain
//! per cell of the recording's own STFT, so it composes with masks and repair, the *removed*
//! view shows what it takes and the eraser paints back what it took wrongly.
//!
//! The model's output `y` (its ERB gains and its complex deep filter, exactly as the reference
//! runtime computes them) is made first; the gain of a cell is then the real gain closest to
//! taking the recording's `X` to `Y` on the recording's grid, `Re(Y X*) / |X|²` (the part of `Y`
//! in phase with `X`), between 0 and 1. The deep filter's work is a phase-aware sum over frames,
//! which no gain on the model's own 10 ms grid can express (0.6 to 0.8 dB SI-SDR lost on speech
//! under pink noise or music); the same gain taken on the recording's longer frames keeps most of
//! it (0.1 to 0.3 dB from the model's own output at 2048/512; the magnitude ratio `|Y| / |X|`
//! loses 0.13 dB more under pink noise and music).
//!
//! The model is recurrent: a frame's result depends on everything before it. Running it over
//! the whole recording before showing anything would make an hour-long file wait minutes, so
//! the recording is cut into chunks of [`CHUNK_S`] on a fixed grid, and each chunk is computed
//! on its own with [`WARM_UP_S`] of the recording before it to settle the model's states.
//! Each chunk's result depends only on the chunk's index, so any range renders exactly as in
//! the whole, and the last [`FADE_S`] of a chunk crossfade into the next chunk's warm-up so no
//! step shows where they meet. Chunks are kept process-wide by the hash of their input, so a
//! change to another edit, the player and every picture find them already computed.
//! Recordings at other rates are resampled to the model's 48 kHz for analysis and the output
//! resampled back (rubato), so the gains, and the output, are on the recording's grid and rate.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};

use xxhash_rust::xxh64::Xxh64;

use rubato::audioadapter_buffers::direct::SequentialSliceOfVecs;
use rubato::{Fft, FixedSync, Resampler, WindowFunction};

use super::gain_step::GainRequest;
use crate::signal::levels::db_to_amplitude;
use crate::signal::voice::{VoiceModel, enhance};
use rustfft::num_complex::Complex32;

use crate::signal::{MemorySource, ReadSamples, SampleSource};

/// Default reduction: how far the non-speech part goes down, in dB.
pub const DEFAULT_VOICE_REDUCTION_DB: f64 = 30.0;
/// Largest reduction accepted, in dB (100 or more: the model's gains unlimited).
pub const MAX_VOICE_REDUCTION_DB: f64 = 100.0;
/// Length of the chunks the recording is processed in, seconds.
pub const CHUNK_S: f64 = 8.0;
/// Recording analysed before each chunk to settle the model's states, seconds (measured on
/// speech under pink noise and music: 2 s of warm-up leave SI-SDR within 0.1 dB of one run
/// over the whole recording).
pub const WARM_UP_S: f64 = 2.5;
/// Length of the crossfade from one chunk's gains into the next's, seconds.
pub const FADE_S: f64 = 0.5;
/// The largest gain a cell gets: the step only takes away.
pub const MAX_GAIN: f32 = 1.0;
/// The lowest and highest recording rates analysed, Hz.
pub const RATE_RANGE_HZ: [f64; 2] = [8000.0, 384_000.0];
/// Environment variable naming another model archive (for tests and for users with a copy
/// outside the binary); the archive must still be the vendored one, checked by SHA-256.
pub const MODEL_PATH_ENV: &str = "SPECTRO_VOICE_MODEL";

/// The settings of a voice isolation step (`{"type": "voice", "reduction_db": 30}`).
#[derive(Clone, Debug, PartialEq)]
pub struct Voice {
    /// How far the non-speech part goes down, in dB (the floor of the gains).
    pub reduction_db: f64,
}

impl Default for Voice {
    fn default() -> Self {
        Voice {
            reduction_db: DEFAULT_VOICE_REDUCTION_DB,
        }
    }
}

impl Voice {
    /// One line for edit lists and the history.
    pub fn describe(&self) -> String {
        format!("voice isolation, rest −{:.0} dB", self.reduction_db)
    }
}

static MODEL: OnceLock<Result<VoiceModel, String>> = OnceLock::new();

/// Why the model failed to load, once a load was tried (never loads it itself): what the
/// window shows when renders skip a voice step.
pub fn model_error() -> Option<String> {
    MODEL.get().and_then(|m| m.as_ref().err().cloned())
}

/// The model, loaded once per process (the graphs take about a second to optimise): the
/// vendored archive, or the one [`MODEL_PATH_ENV`] names. The error is the one line to show.
pub fn shared_model() -> Result<&'static VoiceModel, String> {
    MODEL
        .get_or_init(|| {
            let model = match std::env::var_os(MODEL_PATH_ENV) {
                Some(path) => VoiceModel::from_archive_path(std::path::Path::new(&path)),
                None => VoiceModel::bundled(),
            };
            model.map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Checks that voice isolation can run on `source`: real audio at a rate the analysis takes,
/// and a model that loads (loading it the first time).
pub fn check_voice(source: &dyn SampleSource) -> Result<(), String> {
    check_voice_input(source)?;
    shared_model().map(|_| ())
}

/// The checks of [`check_voice`] that need no model: real audio at a rate the analysis takes.
pub fn check_voice_input(source: &dyn SampleSource) -> Result<(), String> {
    if source.is_complex() {
        return Err("voice isolation works on audio, not on complex IQ".into());
    }
    let fs = source.sample_rate();
    if !(RATE_RANGE_HZ[0]..=RATE_RANGE_HZ[1]).contains(&fs) {
        return Err(format!(
            "voice isolation needs a sample rate between {:.0} and {:.0} kHz, not {:.1} kHz",
            RATE_RANGE_HZ[0] / 1e3,
            RATE_RANGE_HZ[1] / 1e3,
            fs / 1e3
        ));
    }
    Ok(())
}

/// The model's output over one chunk of one channel, at the recording's rate, from the fade
/// before the chunk to its end.
struct ChunkOutput {
    samples: Vec<f32>,
}

/// One chunk's place in the cache: not computed, being computed, or computed (`None` if the
/// model could not run).
#[derive(Default)]
struct ChunkSlot {
    state: Mutex<SlotState>,
    ready: Condvar,
}

#[derive(Default)]
enum SlotState {
    #[default]
    Empty,
    Computing,
    Done(Option<Arc<ChunkOutput>>),
}

/// What [`ChunkSlot::claim`] found.
enum Claim {
    /// Computed already.
    Done(Option<Arc<ChunkOutput>>),
    /// Now this thread's to compute.
    Mine,
    /// Another thread computes it.
    Busy,
}

impl ChunkSlot {
    fn lock(&self) -> std::sync::MutexGuard<'_, SlotState> {
        // A poisoned lock only means a computation panicked; the state is still whole.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn claim(&self) -> Claim {
        let mut state = self.lock();
        match &*state {
            SlotState::Done(output) => Claim::Done(output.clone()),
            SlotState::Computing => Claim::Busy,
            SlotState::Empty => {
                *state = SlotState::Computing;
                Claim::Mine
            }
        }
    }

    fn finish(&self, output: Option<Arc<ChunkOutput>>) {
        *self.lock() = SlotState::Done(output);
        self.ready.notify_all();
    }

    /// Waits until the thread computing the chunk has finished.
    fn wait(&self) {
        let mut state = self.lock();
        while matches!(*state, SlotState::Computing) {
            state = self.ready.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }
}

type Slot = Arc<ChunkSlot>;

/// A claimed slot being computed: finished with the result, or, if the computation panics,
/// with none on drop, so threads waiting for it never wait forever.
struct Computing<'a>(&'a ChunkSlot);

impl Computing<'_> {
    fn finish(self, output: Option<Arc<ChunkOutput>>) {
        self.0.finish(output);
        std::mem::forget(self);
    }
}

impl Drop for Computing<'_> {
    fn drop(&mut self) {
        self.0.finish(None);
    }
}

/// Chunks computed in this process, by the XXH64 of what they were computed from (the input
/// samples, the rate, the chunk's geometry): an edit list that changes elsewhere, a new raster,
/// the player and the pictures all find the chunks already made. Least recently used first out.
#[derive(Default)]
struct Cache {
    /// Each chunk, when it was last used, and its bytes.
    slots: HashMap<u64, (Slot, u64, usize)>,
    bytes: usize,
    clock: u64,
}

/// Most bytes of model output the process keeps (10 minutes of 48 kHz stereo is about
/// 240 MB).
const CACHE_BYTES: usize = 256 << 20;

fn cache() -> &'static Mutex<Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// The samples one chunk is computed from and where its output is kept.
struct ChunkInput {
    /// Recording sample of `samples[0]`.
    start: i64,
    samples: Vec<f32>,
    /// Samples before the kept output (the warm-up less the fade).
    keep_offset: usize,
    /// Samples of output kept.
    keep_len: usize,
}

/// Which chunk of which recording: the source's address, length, channels and rate, the
/// channel and the chunk's index.
type MemoKey = (usize, u64, usize, u64, usize, usize);

/// A voice step ready to give gains.
pub(crate) struct PreparedVoice {
    floor: f32,
    /// The chunks this step has already found, by position: a render or a picture asks for the
    /// same chunk many times, and finding it in the process-wide cache means reading and
    /// hashing its ten seconds of input. Weak, so the cache alone decides what stays in memory.
    memo: Mutex<HashMap<MemoKey, (i64, Weak<ChunkOutput>)>>,
}

/// Cells with less power than this (digital silence) keep their gain at 1.
const SILENT_POWER: f32 = 1e-20;

impl PreparedVoice {
    pub(crate) fn new(settings: &Voice) -> Self {
        PreparedVoice {
            floor: if settings.reduction_db >= MAX_VOICE_REDUCTION_DB {
                0.0
            } else {
                db_to_amplitude(-settings.reduction_db) as f32
            },
            memo: Mutex::default(),
        }
    }

    /// The chunk `chunk` of `channel` and the recording sample its output starts at,
    /// computed once per content and shared by every block, picture and player that needs it.
    /// While another thread computes it, this one computes one of the next chunks rather than
    /// wait idle (neighbouring blocks and tiles need the same chunk at the same time).
    fn chunk(
        &self,
        source: &dyn SampleSource,
        channel: usize,
        chunk: usize,
    ) -> Option<(i64, Arc<ChunkOutput>)> {
        let memo_key = (
            source as *const dyn SampleSource as *const () as usize,
            source.len(),
            source.channels(),
            source.sample_rate().to_bits(),
            channel,
            chunk,
        );
        let memo = || self.memo.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, output)) = memo()
            .get(&memo_key)
            .and_then(|(at, o)| Some((*at, o.upgrade()?)))
        {
            return Some((at, output));
        }
        let remember = |found: Option<(i64, Arc<ChunkOutput>)>| {
            if let Some((at, output)) = &found {
                memo().insert(memo_key, (*at, Arc::downgrade(output)));
            }
            found
        };
        let chunks = source.len().div_ceil(chunk_len_samples(source.sample_rate())) as usize;
        let (slot, input) = slot_for(source, channel, chunk);
        let at = input.start + input.keep_offset as i64;
        let mut input = Some(input);
        loop {
            match slot.claim() {
                Claim::Done(output) => return remember(output.map(|o| (at, o))),
                Claim::Mine => {
                    let guard = Computing(&slot);
                    let output = input
                        .take()
                        .and_then(|i| compute_chunk(source.sample_rate(), i))
                        .map(Arc::new);
                    guard.finish(output.clone());
                    return remember(output.map(|o| (at, o)));
                }
                Claim::Busy => {
                    let helped = (chunk + 1..chunks.min(chunk + 3)).any(|next| {
                        let (other, other_input) = slot_for(source, channel, next);
                        match other.claim() {
                            Claim::Mine => {
                                let guard = Computing(&other);
                                guard.finish(compute_chunk(source.sample_rate(), other_input).map(Arc::new));
                                true
                            }
                            _ => false,
                        }
                    });
                    if !helped {
                        slot.wait();
                    }
                }
            }
        }
    }

    /// The model's output for samples `start ..` of `channel` into `out` (zeros outside the
    /// recording): each chunk's own output, its last [`FADE_S`] crossfading into the next
    /// chunk's (computed over that stretch as part of its warm-up).
    fn output(&self, source: &dyn SampleSource, channel: usize, start: i64, out: &mut [f32]) {
        out.fill(0.0);
        let fs = source.sample_rate();
        let len = source.len() as i64;
        let chunk_len = chunk_len_samples(fs) as i64;
        let fade_len = ((FADE_S * fs).round() as i64).clamp(1, chunk_len);
        let from = start.max(0);
        let to = (start + out.len() as i64).min(len);
        let mut s = from;
        while s < to {
            let c = s / chunk_len;
            let chunk_end = (c + 1) * chunk_len;
            let end = to.min(chunk_end);
            let Some(this) = self.chunk(source, channel, c as usize) else {
                return;
            };
            let this = ChunkAt(this);
            let fade_start = chunk_end - fade_len;
            let next = (end > fade_start && chunk_end < len)
                .then(|| self.chunk(source, channel, c as usize + 1))
                .flatten()
                .map(ChunkAt);
            for t in s..end {
                let mut y = this.at(t);
                if let Some(next) = &next
                    && t >= fade_start
                {
                    let w = ((t - fade_start) as f32 + 0.5) / fade_len as f32;
                    y = (1.0 - w) * y + w * next.at(t);
                }
                out[(t - start) as usize] = y;
            }
            s = end;
        }
    }

    /// Gains of the frames `core` of `channel` into `out` (`core.len() × bins`, frame-major):
    /// `Re(Y X*) / |X|²` per cell, between 0 and 1, raised to the step's floor.
    pub(crate) fn gains<T: ReadSamples>(&self, request: &GainRequest<'_, T>, out: &mut [f32]) {
        let GainRequest {
            source,
            stft,
            channel,
            ref core,
            spectra,
            ..
        } = *request;
        let core = core.clone();
        out.fill(1.0);
        if T::IS_COMPLEX || core.is_empty() || check_voice(source).is_err() {
            return;
        }
        let bins = stft.bins();
        let n = stft.fft_len();
        let span = stft.frames_span(core.clone());
        let mut y = vec![0.0f32; (span.end - span.start) as usize];
        self.output(source, channel, span.start, &mut y);
        // The output read back through the recording's sample type (f32 here).
        let output = MemorySource {
            sample_rate: source.sample_rate(),
            channels: vec![y],
        };
        let mut frame = vec![T::default(); n];
        let mut spectrum_y = vec![Complex32::default(); bins];
        let mut scratch = stft.scratch();
        for (i, k) in core.enumerate() {
            let Some(spectrum_x) = spectra.get(i * bins..(i + 1) * bins) else {
                continue;
            };
            T::read(&output, 0, stft.frame_start(k) - span.start, &mut frame);
            stft.analyse_frame(&frame, &mut spectrum_y, &mut scratch);
            for ((g, y), x) in out[i * bins..(i + 1) * bins]
                .iter_mut()
                .zip(&spectrum_y)
                .zip(spectrum_x)
            {
                let px = x.norm_sqr();
                if px > SILENT_POWER {
                    // The real gain g minimising |g X - Y|²; negative (Y against X) is none.
                    let in_phase = (y.re * x.re + y.im * x.im) / px;
                    *g = self.floor + (1.0 - self.floor) * in_phase.clamp(0.0, MAX_GAIN);
                }
            }
        }
    }
}

/// The model's rate, Hz.
const MODEL_RATE_HZ: f64 = 48_000.0;

fn chunk_len_samples(fs: f64) -> u64 {
    ((CHUNK_S * fs).round() as u64).max(1)
}

/// A chunk's output placed at the recording sample it starts at.
struct ChunkAt((i64, Arc<ChunkOutput>));

impl ChunkAt {
    /// The output at recording sample `t` (0 outside what the chunk holds).
    fn at(&self, t: i64) -> f32 {
        let (start, output) = &self.0;
        usize::try_from(t - start)
            .ok()
            .and_then(|i| output.samples.get(i))
            .copied()
            .unwrap_or(0.0)
    }
}

/// The cache slot of chunk `chunk` of `channel` (found by the hash of its input) and that input.
fn slot_for(source: &dyn SampleSource, channel: usize, chunk: usize) -> (Slot, ChunkInput) {
    let input = chunk_input(source, channel, chunk);
    let mut hasher = Xxh64::new(0);
    let mut bytes = [0u8; 4096];
    for block in input.samples.chunks(bytes.len() / 4) {
        for (b, x) in bytes.chunks_exact_mut(4).zip(block) {
            b.copy_from_slice(&x.to_le_bytes());
        }
        hasher.update(&bytes[..4 * block.len()]);
    }
    hasher.update(&source.sample_rate().to_le_bytes());
    hasher.update(&(input.keep_offset as u64).to_le_bytes());
    hasher.update(&(input.keep_len as u64).to_le_bytes());
    let key = hasher.digest();
    // A poisoned lock only means another render panicked; the map is still whole.
    let mut cache = cache().lock().unwrap_or_else(|e| e.into_inner());
    cache.clock += 1;
    let now = cache.clock;
    let bytes = 4 * input.keep_len;
    if !cache.slots.contains_key(&key) {
        cache.bytes += bytes;
    }
    let slot = cache
        .slots
        .entry(key)
        .or_insert_with(|| (Slot::default(), now, bytes));
    slot.1 = now;
    let slot = slot.0.clone();
    while cache.bytes > CACHE_BYTES && cache.slots.len() > 1 {
        let Some(oldest) = cache
            .slots
            .iter()
            .filter(|(k, _)| **k != key)
            .min_by_key(|(_, (_, used, _))| *used)
            .map(|(k, _)| *k)
        else {
            break;
        };
        if let Some((_, _, old_bytes)) = cache.slots.remove(&oldest) {
            cache.bytes = cache.bytes.saturating_sub(old_bytes);
        }
    }
    (slot, input)
}

/// The samples chunk `chunk` of `channel` is computed from: the chunk, the warm-up before it and
/// a little after it.
fn chunk_input(source: &dyn SampleSource, channel: usize, chunk: usize) -> ChunkInput {
    let fs = source.sample_rate();
    let len = source.len() as i64;
    let chunk_len = chunk_len_samples(fs) as i64;
    let warm_up = (WARM_UP_S * fs).round() as i64;
    let fade_len = ((FADE_S * fs).round() as i64).clamp(1, chunk_len);
    // Beyond the chunk's end: the model's look-ahead (two hops) and the resampler's filters.
    let tail = (0.1 * fs).round() as i64;
    let chunk_start = chunk as i64 * chunk_len;
    // The first chunk starts with the recording, as one run over the whole would.
    let start = (chunk_start - warm_up).max(0);
    let end = (chunk_start + chunk_len + tail).min(len).max(start + 1);
    let mut samples = vec![0.0f32; (end - start) as usize];
    source.read_real(channel, start, &mut samples);
    // Kept: from the fade before the chunk (where the previous chunk blends into this one's
    // warm-up) to the chunk's end.
    let keep_from = (chunk_start - fade_len).max(start);
    let keep_to = (chunk_start + chunk_len).min(end).max(keep_from);
    ChunkInput {
        start,
        samples,
        keep_offset: (keep_from - start) as usize,
        keep_len: (keep_to - keep_from) as usize,
    }
}

/// Runs the model over one chunk's input at the model's rate (resampling there and back when
/// the recording's rate `fs` differs); `None` if the model cannot run (the edit then changes
/// nothing; [`check_voice`] is what reports why).
fn compute_chunk(fs: f64, input: ChunkInput) -> Option<ChunkOutput> {
    let model = shared_model().ok()?;
    let samples = input.samples;
    let enhanced = if fs == MODEL_RATE_HZ {
        enhance(model, &samples).ok()?
    } else {
        let at_model_rate = resample(&samples, fs, MODEL_RATE_HZ)?;
        let mut back = resample(&enhance(model, &at_model_rate).ok()?, MODEL_RATE_HZ, fs)?;
        back.resize(samples.len(), 0.0);
        back
    };
    Some(ChunkOutput {
        samples: enhanced[input.keep_offset..input.keep_offset + input.keep_len].to_vec(),
    })
}

/// Frames of one FFT block of the resampler.
const RESAMPLE_BLOCK: usize = 4096;

/// `samples` at `from_hz` resampled to `to_hz`, aligned (the resampler's delay removed).
fn resample(samples: &[f32], from_hz: f64, to_hz: f64) -> Option<Vec<f32>> {
    // One FFT block of RESAMPLE_BLOCK frames: the anti-aliasing filter's cutoff depends on the
    // block, and rubato's default (blocks of 256) cuts 48 -> 16 kHz at 6.75 kHz, so the gains
    // took away the speech between there and 8 kHz (0.8 dB SI-SDR at 16 kHz); at 4096 it cuts
    // at 7.9 kHz.
    let mut resampler = Fft::<f32>::new_custom(
        from_hz.round() as usize,
        to_hz.round() as usize,
        RESAMPLE_BLOCK,
        1,
        1,
        WindowFunction::BlackmanHarris2,
        FixedSync::Input,
    )
    .ok()?;
    let input = [samples.to_vec()];
    let needed = resampler.process_all_needed_output_len(samples.len());
    let mut output = [vec![0.0f32; needed]];
    let (_, produced) = {
        let i = SequentialSliceOfVecs::new(&input, 1, samples.len()).ok()?;
        let mut o = SequentialSliceOfVecs::new_mut(&mut output, 1, needed).ok()?;
        resampler
            .process_all_into_buffer(&i, &mut o, samples.len(), None)
            .ok()?
    };
    let [mut out] = output;
    out.truncate(produced);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{MODEL_RATE_HZ, resample};

    /// Level change (dB) of a sine at `freq_hz` sampled at `fs` through the analysis
    /// resampling there and back, away from the ends.
    fn round_trip_db(fs: f64, freq_hz: f64) -> f64 {
        let n = (fs * 2.0) as usize;
        let x: Vec<f32> = (0..n)
            .map(|i| (std::f64::consts::TAU * freq_hz * i as f64 / fs).sin() as f32 * 0.5)
            .collect();
        let up = resample(&x, fs, MODEL_RATE_HZ).expect("up");
        let back = resample(&up, MODEL_RATE_HZ, fs).expect("back");
        let middle = n / 4..3 * n / 4;
        let power = |v: &[f32]| v[middle.clone()].iter().map(|s| (s * s) as f64).sum::<f64>();
        10.0 * (power(&back) / power(&x)).log10()
    }

    #[test]
    fn analysis_resampling_keeps_the_top_of_the_band() {
        // Up to 97 % of the recording's Nyquist frequency comes back within 0.1 dB (rubato's
        // default blocks cut 48 -> 16 kHz at 6.75 kHz, and the voice gains then took the
        // speech above it away).
        for (fs, freq_hz) in [(16_000.0, 1000.0), (16_000.0, 7760.0), (44_100.0, 21_400.0)] {
            let db = round_trip_db(fs, freq_hz);
            assert!(db.abs() < 0.1, "{freq_hz} Hz at {fs} Hz: {db:.2} dB");
        }
    }
}
