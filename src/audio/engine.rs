//! The playback engine, independent of any device: a producer renders the original and the
//! edited audio in lockstep, chunk by chunk, into lock-free ring buffers; the audio callback
//! only pops samples, crossfades between the two (A/B), applies the volume and meters.
//!
//! The callback side ([`Callback`]) never allocates, locks or does I/O: its buffers are
//! allocated when it is made, and everything it shares is an atomic or a ring buffer.
//! `tests/audio_callback_alloc.rs` checks this with a counting allocator.

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use ringbuf::traits::{Consumer, Observer, Producer as _, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};

use super::demod::{Agc, DemodSettings, Demodulator};
use super::resample::ChunkResampler;
use crate::edit::mask::MaskRaster;
use crate::pipeline::render::{RenderScratch, Renderer};
use crate::signal::{Complex32, ReadSamples, SampleSource, Stft};

/// State shared between the producer, the callback and the UI.
#[derive(Debug)]
pub struct Shared {
    /// Bumped on every seek; audio of older generations is skipped by the callback.
    pub generation: AtomicU32,
    /// The callback outputs audio only while this is set.
    pub playing: AtomicBool,
    /// A/B: output the edited audio (else the original).
    pub processed: AtomicBool,
    /// Output gain as `f32` bits.
    pub volume: AtomicU32,
    /// Source frame at the callback's read point.
    pub position: AtomicU64,
    /// Set when a non-looping playback reached its end.
    pub finished: AtomicBool,
    /// Callbacks that found no audio ready while playing.
    pub underruns: AtomicU64,
    /// Peak output level per device channel (first two) since last read, as `f32` bits.
    pub peak: [AtomicU32; 2],
    /// Set by the device layer when the stream failed (device unplugged).
    pub device_lost: AtomicBool,
    /// Set by the callback on its first audible block after a start, for latency checks.
    pub first_audio: AtomicBool,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            generation: AtomicU32::new(0),
            playing: AtomicBool::new(false),
            processed: AtomicBool::new(true),
            volume: AtomicU32::new(1.0f32.to_bits()),
            position: AtomicU64::new(0),
            finished: AtomicBool::new(false),
            underruns: AtomicU64::new(0),
            peak: [AtomicU32::new(0), AtomicU32::new(0)],
            device_lost: AtomicBool::new(false),
            first_audio: AtomicBool::new(false),
        }
    }
}

impl Shared {
    /// Takes the peak levels since the last call.
    pub fn take_peaks(&self) -> [f32; 2] {
        [
            f32::from_bits(self.peak[0].swap(0, Ordering::Relaxed)),
            f32::from_bits(self.peak[1].swap(0, Ordering::Relaxed)),
        ]
    }
}

/// Which source frames a run of device frames plays.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Marker {
    /// The generation it was rendered for.
    pub generation: u32,
    /// First source frame.
    pub source_start: u64,
    /// Source frames covered.
    pub source_len: u64,
    /// Device frames it holds in each ring.
    pub device_frames: u32,
    /// The end of a non-looping playback (no audio).
    pub end: bool,
}

/// Ring capacity in device frames: about 85 ms at 48 kHz, so edits and A/B reach the ear fast.
pub const RING_FRAMES: usize = 4096;
/// Source frames rendered per chunk.
pub const CHUNK_FRAMES: usize = 1024;
/// Crossfade length of an A/B switch, in seconds.
const AB_FADE_S: f32 = 0.005;

/// The audio-thread side: pops, mixes, meters. Allocation-free after construction.
pub struct Callback {
    shared: Arc<Shared>,
    original: HeapCons<f32>,
    processed: HeapCons<f32>,
    markers: HeapCons<Marker>,
    channels: usize,
    current: Option<(Marker, u32)>,
    a: Vec<f32>,
    b: Vec<f32>,
    mix: f32,
    fade_step: f32,
}

/// The producer side of the rings.
pub struct RingsIn {
    original: HeapProd<f32>,
    processed: HeapProd<f32>,
    markers: HeapProd<Marker>,
    channels: usize,
}

/// Makes the rings between a producer and a callback for `channels` device channels at
/// `device_rate`.
pub fn rings(shared: Arc<Shared>, channels: usize, device_rate: f64) -> (RingsIn, Callback) {
    let (op, oc) = HeapRb::<f32>::new(RING_FRAMES * channels).split();
    let (pp, pc) = HeapRb::<f32>::new(RING_FRAMES * channels).split();
    let (mp, mc) = HeapRb::<Marker>::new(256).split();
    let callback = Callback {
        shared,
        original: oc,
        processed: pc,
        markers: mc,
        channels,
        current: None,
        // Large enough for any callback in one pass; bigger requests are served in pieces.
        a: vec![0.0; 8192 * channels],
        b: vec![0.0; 8192 * channels],
        mix: 1.0,
        fade_step: 1.0 / (AB_FADE_S * device_rate as f32).max(1.0),
    };
    (
        RingsIn {
            original: op,
            processed: pp,
            markers: mp,
            channels,
        },
        callback,
    )
}

impl RingsIn {
    /// Device frames of room in the rings.
    pub fn vacant_frames(&self) -> usize {
        (self.original.vacant_len().min(self.processed.vacant_len()) / self.channels).min(
            if self.markers.vacant_len() >= 2 {
                usize::MAX
            } else {
                0
            },
        )
    }

    /// Pushes a run of interleaved device frames (original and edited) and its marker.
    /// The marker goes last, so the callback never sees a marker before its audio.
    pub fn push(&mut self, original: &[f32], processed: &[f32], marker: Marker) {
        debug_assert_eq!(original.len(), processed.len());
        self.original.push_slice(original);
        self.processed.push_slice(processed);
        let _ = self.markers.try_push(marker);
    }

    /// Pushes the end-of-playback marker.
    pub fn push_end(&mut self, generation: u32, at: u64) {
        let _ = self.markers.try_push(Marker {
            generation,
            source_start: at,
            source_len: 0,
            device_frames: 0,
            end: true,
        });
    }
}

impl Callback {
    /// Device channels.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Drops queued runs of generations other than `generation` (no allocation).
    fn drop_stale(&mut self, generation: u32) {
        let ch = self.channels;
        if let Some((m, used)) = self.current
            && m.generation != generation
        {
            let rest = (m.device_frames - used) as usize * ch;
            self.original.skip(rest);
            self.processed.skip(rest);
            self.current = None;
        }
        while self.current.is_none() {
            match self.markers.try_peek() {
                Some(m) if m.generation != generation => {
                    let n = m.device_frames as usize * ch;
                    self.markers.skip(1);
                    self.original.skip(n);
                    self.processed.skip(n);
                }
                _ => break,
            }
        }
    }

    /// Fills `out` (interleaved device frames). Called on the audio thread.
    pub fn fill(&mut self, out: &mut [f32]) {
        let generation = self.shared.generation.load(Ordering::Acquire);
        // Drop what was queued before a seek; paused, this makes room for the new audio.
        self.drop_stale(generation);
        let shared = &*self.shared;
        if !shared.playing.load(Ordering::Acquire) {
            out.fill(0.0);
            return;
        }
        let ch = self.channels;
        let volume = f32::from_bits(shared.volume.load(Ordering::Relaxed));
        let target = if shared.processed.load(Ordering::Relaxed) {
            1.0
        } else {
            0.0
        };
        let frames = out.len() / ch;
        let mut done = 0;
        let mut peak = [0.0f32; 2];
        while done < frames {
            let (marker, used) = match self.current {
                Some((m, used)) if used < m.device_frames => (m, used),
                _ => match self.markers.try_pop() {
                    None => {
                        // Waiting for the first chunk after a start is not an underrun.
                        if shared.first_audio.load(Ordering::Relaxed) {
                            shared.underruns.fetch_add(1, Ordering::Relaxed);
                        }
                        out[done * ch..].fill(0.0);
                        break;
                    }
                    Some(m) if m.generation != generation => {
                        // Audio queued before a seek: drop it.
                        self.original.skip(m.device_frames as usize * ch);
                        self.processed.skip(m.device_frames as usize * ch);
                        self.current = None;
                        continue;
                    }
                    Some(m) if m.end => {
                        shared.position.store(m.source_start, Ordering::Relaxed);
                        shared.finished.store(true, Ordering::Release);
                        shared.playing.store(false, Ordering::Release);
                        out[done * ch..].fill(0.0);
                        self.current = None;
                        break;
                    }
                    Some(m) => {
                        self.current = Some((m, 0));
                        (m, 0)
                    }
                },
            };
            let n = ((marker.device_frames - used) as usize)
                .min(frames - done)
                .min(self.a.len() / ch);
            let got_a = self.original.pop_slice(&mut self.a[..n * ch]);
            let got_b = self.processed.pop_slice(&mut self.b[..n * ch]);
            debug_assert!(got_a == n * ch && got_b == n * ch);
            let o = &mut out[done * ch..(done + n) * ch];
            for (f, frame) in o.chunks_exact_mut(ch).enumerate() {
                if self.mix != target {
                    self.mix = if target > self.mix {
                        (self.mix + self.fade_step).min(1.0)
                    } else {
                        (self.mix - self.fade_step).max(0.0)
                    };
                }
                for (c, s) in frame.iter_mut().enumerate() {
                    let i = f * ch + c;
                    let v = (self.a[i] + (self.b[i] - self.a[i]) * self.mix) * volume;
                    *s = v;
                    if c < 2 {
                        peak[c] = peak[c].max(v.abs());
                    }
                }
            }
            let used = used + n as u32;
            self.current = Some((marker, used));
            let at = marker.source_start
                + (used as f64 * marker.source_len as f64 / marker.device_frames.max(1) as f64) as u64;
            shared.position.store(at, Ordering::Relaxed);
            done += n;
        }
        if peak[0] > 0.0 || peak[1] > 0.0 {
            shared.first_audio.store(true, Ordering::Relaxed);
        }
        for (c, p) in peak.iter().enumerate() {
            let old = f32::from_bits(shared.peak[c].load(Ordering::Relaxed));
            if *p > old {
                shared.peak[c].store(p.to_bits(), Ordering::Relaxed);
            }
        }
    }
}

/// A sample type playback can render: real audio, or IQ heard as I and Q.
pub trait PlaySample: ReadSamples {
    /// Audio channels per source channel.
    const PARTS: usize;
    /// Part `i` as audio.
    fn part(self, i: usize) -> f32;
}

impl PlaySample for f32 {
    const PARTS: usize = 1;
    fn part(self, _: usize) -> f32 {
        self
    }
}

impl PlaySample for Complex32 {
    const PARTS: usize = 2;
    fn part(self, i: usize) -> f32 {
        if i == 0 { self.re } else { self.im }
    }
}

/// What to play.
#[derive(Clone, Debug, PartialEq)]
pub struct PlayRequest {
    /// First source frame.
    pub start: u64,
    /// The range playback stays in (loops over, or stops at the end of).
    pub range: Range<u64>,
    /// Loop over `range`.
    pub looped: bool,
}

/// Renders source audio into the rings, chunk by chunk.
pub struct Producer<T: PlaySample> {
    source: Arc<dyn SampleSource>,
    /// The recording the edited version starts from (with painted energy, if any).
    processed_source: Arc<dyn SampleSource>,
    stft: Arc<Stft<T>>,
    /// Edits for the edited version (with any band audition applied).
    processed_raster: Arc<MaskRaster>,
    /// Band audition applied to the original version, if any.
    original_raster: Option<Arc<MaskRaster>>,
    rings: RingsIn,
    resample: [ChunkResampler; 2],
    device_rate: u32,
    device_channels: usize,
    /// Source frames rendered per step: CHUNK_FRAMES, or a whole number of demodulator
    /// decimations.
    chunk_frames: usize,
    /// Tuned listening of IQ: one demodulator per version, and their IQ input buffers.
    demod: Option<Box<DemodState>>,
    request: PlayRequest,
    cursor: u64,
    generation: u32,
    done: bool,
    scratch: RenderScratch<T>,
    block: Vec<T>,
    planar: [Vec<Vec<f32>>; 2],
    interleaved: [Vec<f32>; 2],
}

/// Demodulators for both versions and their buffers.
struct DemodState {
    demodulators: [Demodulator; 2],
    agc: Agc,
    iq: [Vec<Complex32>; 2],
    out: Vec<f32>,
}

impl<T: PlaySample> Producer<T> {
    /// A producer for `source` through `stft` into `rings`, converting to `device_rate`
    /// with `device_channels` channels.
    pub fn new(
        source: Arc<dyn SampleSource>,
        stft: Arc<Stft<T>>,
        raster: Arc<MaskRaster>,
        rings: RingsIn,
        device_rate: u32,
        device_channels: usize,
    ) -> Result<Self, String> {
        let source_rate = source.sample_rate().round() as u32;
        let audio_channels = source.channels() * T::PARTS;
        let resample = [
            ChunkResampler::new(source_rate, device_rate, CHUNK_FRAMES, audio_channels)?,
            ChunkResampler::new(source_rate, device_rate, CHUNK_FRAMES, audio_channels)?,
        ];
        let len = source.len();
        Ok(Producer {
            scratch: RenderScratch::new(&stft),
            processed_source: source.clone(),
            source,
            stft,
            processed_raster: raster,
            original_raster: None,
            rings,
            resample,
            device_rate,
            device_channels,
            chunk_frames: CHUNK_FRAMES,
            demod: None,
            request: PlayRequest {
                start: 0,
                range: 0..len,
                looped: false,
            },
            cursor: 0,
            generation: 0,
            done: true,
            block: vec![T::default(); CHUNK_FRAMES],
            planar: [
                vec![vec![0.0; CHUNK_FRAMES]; audio_channels],
                vec![vec![0.0; CHUNK_FRAMES]; audio_channels],
            ],
            interleaved: [Vec::new(), Vec::new()],
        })
    }

    /// Starts rendering `request` for `generation` (the callback drops older audio).
    pub fn seek(&mut self, request: PlayRequest, generation: u32) {
        self.cursor = request.start.clamp(request.range.start, request.range.end);
        self.request = request;
        self.generation = generation;
        self.done = false;
        for r in &mut self.resample {
            r.reset();
        }
        if let Some(d) = &mut self.demod {
            for m in &mut d.demodulators {
                m.reset();
            }
            d.agc.reset();
        }
    }

    /// Listens to IQ through a demodulator (`Some`) or as I and Q on two channels (`None`),
    /// from the next chunk on. Ignored for real sources. Errors (a resampling ratio rubato
    /// cannot do) leave the previous setting in place.
    pub fn set_demod(&mut self, settings: Option<DemodSettings>) -> Result<(), String> {
        if T::PARTS != 2 {
            return Ok(());
        }
        let source_rate = self.source.sample_rate();
        let audio_channels = self.source.channels() * T::PARTS;
        let (chunk_frames, planar_frames, channels, resample) = match settings {
            Some(s) => {
                let d = Demodulator::new(s, source_rate);
                let decimation = d.decimation();
                // About CHUNK_FRAMES device frames per step, whatever the rates.
                let out_chunk = ((CHUNK_FRAMES as f64 * d.output_rate_hz() / self.device_rate as f64)
                    as usize)
                    .clamp(64, CHUNK_FRAMES);
                // rubato needs whole-number rates: scale both sides by the decimation.
                let make = || {
                    ChunkResampler::new(
                        source_rate.round() as u32,
                        self.device_rate * decimation as u32,
                        out_chunk,
                        1,
                    )
                };
                (decimation * out_chunk, out_chunk, 1, [make()?, make()?])
            }
            None => {
                let rate = source_rate.round() as u32;
                let make = || ChunkResampler::new(rate, self.device_rate, CHUNK_FRAMES, audio_channels);
                (CHUNK_FRAMES, CHUNK_FRAMES, audio_channels, [make()?, make()?])
            }
        };
        self.demod = settings.map(|s| {
            let first = Demodulator::new(s, source_rate);
            Box::new(DemodState {
                agc: Agc::new(first.output_rate_hz()),
                demodulators: [first, Demodulator::new(s, source_rate)],
                iq: [
                    vec![Complex32::default(); chunk_frames],
                    vec![Complex32::default(); chunk_frames],
                ],
                out: Vec::with_capacity(planar_frames),
            })
        });
        self.chunk_frames = chunk_frames;
        self.resample = resample;
        self.block = vec![T::default(); chunk_frames];
        self.planar = [
            vec![vec![0.0; planar_frames]; channels],
            vec![vec![0.0; planar_frames]; channels],
        ];
        Ok(())
    }

    /// Uses new edits from the next chunk on.
    pub fn set_rasters(&mut self, processed: Arc<MaskRaster>, original: Option<Arc<MaskRaster>>) {
        self.processed_raster = processed;
        self.original_raster = original;
    }

    /// Renders the edited version from `source` (the recording with painted energy) from the
    /// next chunk on.
    pub fn set_processed_source(&mut self, source: Arc<dyn SampleSource>) {
        self.processed_source = source;
    }

    /// True when there is nothing more to render until the next seek.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Renders and pushes one chunk if the rings have room; returns true if it did.
    pub fn step(&mut self) -> bool {
        if self.done {
            return false;
        }
        // Room for the largest output a chunk can make: a partial push would leave the
        // rings out of step with their markers.
        let needed = self.resample[0].max_output();
        if self.rings.vacant_frames() < needed {
            return false;
        }
        let range = self.request.range.clone();
        if range.is_empty() {
            self.rings.push_end(self.generation, range.start);
            self.done = true;
            return true;
        }
        // Up to two segments: the rest of the range, then (looping) its start again.
        let mut segments: Vec<(u64, usize)> = Vec::with_capacity(2);
        let mut filled = 0;
        let mut cursor = self.cursor;
        let mut ended = false;
        let chunk = self.chunk_frames;
        while filled < chunk {
            if cursor >= range.end {
                if self.request.looped {
                    cursor = range.start;
                } else {
                    ended = true;
                    break;
                }
            }
            let n = ((range.end - cursor) as usize).min(chunk - filled);
            segments.push((cursor, n));
            self.render_segment(cursor, n, filled);
            filled += n;
            cursor += n as u64;
        }
        // Silence after the end of a non-looping range keeps the chunk size fixed.
        if let Some(d) = &mut self.demod {
            for v in 0..2 {
                d.iq[v][filled..].fill(Complex32::default());
                d.demodulators[v].demodulate(&d.iq[v], &mut d.out);
                let dst = &mut self.planar[v][0];
                let n = d.out.len().min(dst.len());
                dst[..n].copy_from_slice(&d.out[..n]);
                dst[n..].fill(0.0);
            }
            if d.demodulators[0].needs_agc() {
                let [original, processed] = &mut self.planar;
                d.agc.apply(&mut original[0], &mut processed[0]);
            }
        } else {
            for version in &mut self.planar {
                for ch in version.iter_mut() {
                    ch[filled..].fill(0.0);
                }
            }
        }
        self.cursor = cursor;
        let mut device_frames = 0;
        for v in 0..2 {
            let (out, n) = self.resample[v].process(&self.planar[v]);
            device_frames = n;
            interleave(out, n, self.device_channels, &mut self.interleaved[v]);
        }
        // Markers split the device frames between segments in proportion.
        let mut offset = 0usize;
        for (i, &(start, n)) in segments.iter().enumerate() {
            let frames = if i + 1 == segments.len() {
                device_frames - offset.min(device_frames)
            } else {
                ((n as f64 / chunk as f64) * device_frames as f64).round() as usize
            };
            let (a, b) = (
                offset * self.device_channels,
                (offset + frames) * self.device_channels,
            );
            self.rings.push(
                &self.interleaved[0][a..b],
                &self.interleaved[1][a..b],
                Marker {
                    generation: self.generation,
                    source_start: start,
                    source_len: n as u64,
                    device_frames: frames as u32,
                    end: false,
                },
            );
            offset += frames;
        }
        if ended {
            self.rings.push_end(self.generation, range.end);
            self.done = true;
        }
        true
    }

    /// Renders `n` source frames from `start` into both versions' planar buffers at `at`.
    fn render_segment(&mut self, start: u64, n: usize, at: usize) {
        let channels = self.source.channels();
        let block = &mut self.block[..n];
        for c in 0..channels {
            let versions = [
                (self.source.as_ref(), self.original_raster.as_ref()),
                (self.processed_source.as_ref(), Some(&self.processed_raster)),
            ];
            for (v, (source, raster)) in versions.into_iter().enumerate() {
                match raster {
                    Some(r) => Renderer::new(source, &self.stft, r).render_range(
                        c,
                        start as i64,
                        block,
                        &mut self.scratch,
                    ),
                    None => T::read(source, c, start as i64, block),
                }
                if let Some(d) = &mut self.demod {
                    // Tuned listening hears the first IQ channel, shifted by its frame index.
                    if c == 0 {
                        let dst = &mut d.iq[v][at..at + n];
                        for (d, s) in dst.iter_mut().zip(block.iter()) {
                            *d = Complex32::new(s.part(0), s.part(1));
                        }
                        d.demodulators[v].mix(start, dst);
                    }
                    continue;
                }
                for p in 0..T::PARTS {
                    let dst = &mut self.planar[v][c * T::PARTS + p][at..at + n];
                    for (d, s) in dst.iter_mut().zip(block.iter()) {
                        *d = s.part(p);
                    }
                }
            }
        }
    }
}

/// Interleaves `n` frames of `planar` channels into `device_channels`: equal counts copy,
/// mono goes to every channel, more source channels than device channels are mixed down
/// (the first two channels carry the rest spread over them), extra device channels are silent.
fn interleave(planar: &[Vec<f32>], n: usize, device_channels: usize, out: &mut Vec<f32>) {
    out.clear();
    out.resize(n * device_channels, 0.0);
    let src = planar.len();
    for f in 0..n {
        let frame = &mut out[f * device_channels..(f + 1) * device_channels];
        if src == 1 {
            frame.fill(planar[0][f]);
        } else if src <= device_channels {
            for c in 0..src {
                frame[c] = planar[c][f];
            }
        } else {
            // Mix source channel c into device channel c mod device_channels.
            let mut counts = [0u32; 8];
            for (c, ch) in planar.iter().enumerate() {
                let d = c % device_channels;
                frame[d] += ch[f];
                if d < 8 {
                    counts[d] += 1;
                }
            }
            for (d, s) in frame.iter_mut().enumerate() {
                let k = if d < 8 { counts[d].max(1) } else { 1 };
                *s /= k as f32;
            }
        }
    }
}
