//! Spectrogram tiles: the picture is cut along time into tiles of [`TILE_COLUMNS`] columns at a
//! level of detail (`2^lod` STFT frames per column). A worker thread computes the tiles the view
//! needs, nearest to the centre first, while the UI keeps drawing what it has (other levels of
//! detail fill the gaps). Levels are cached per tile; changing colours, range or frequency zoom
//! only recolours them, and an edit recomputes only the processed tiles it overlaps.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex};

use egui::{Color32, ColorImage, TextureHandle, TextureOptions};

use super::levels_fit::LevelHistogram;
use super::view::{FreqAxisView, Version, ViewState};
use crate::edit::mask::MaskRaster;
use crate::pipeline::picture::{ColumnLevels, Levels, levels_of_sampled};
use crate::signal::colormap::level_index;
use crate::signal::raster::RowMap;
use crate::signal::{Colormap, FreqScale, Progress, SampleSource};

/// Columns per tile.
pub const TILE_COLUMNS: usize = 256;
/// From this level of detail up (16 frames per column), a missing tile is first computed from
/// [`PREVIEW_FRAMES`] frame per column (its middle one), then exactly: a gigabyte capture shows its overview in
/// a fraction of the time it takes to transform every frame.
pub const PREVIEW_MIN_LOD: u8 = 4;
/// Frames per column of a preview tile: one keeps the preview cheap even with 40000-sample
/// windows (20 ms at 2 MS/s).
pub const PREVIEW_FRAMES: usize = 1;
/// Cached level data kept at most, in bytes.
const CACHE_BUDGET_BYTES: usize = 768 << 20;

/// Identifies a tile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TileKey {
    /// Frames per column is `2^lod`.
    pub lod: u8,
    /// Position along time: frames `index · TILE_COLUMNS · 2^lod ..`.
    pub index: u64,
    /// One channel or the mean of all.
    pub channel: Option<usize>,
    /// Original, edited or what the edits remove.
    pub version: Version,
}

impl TileKey {
    /// Frames per tile at this key's level of detail.
    pub fn frames_per_tile(&self) -> usize {
        TILE_COLUMNS << self.lod
    }

    /// The frames this tile covers, clipped to `total_frames`.
    pub fn frames(&self, total_frames: usize) -> Range<usize> {
        let n = self.frames_per_tile();
        let a = (self.index as usize).saturating_mul(n).min(total_frames);
        a..(a + n).min(total_frames)
    }
}

/// How levels turn into pixels; a tile is recoloured when this changes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ColorSpec {
    /// Frequency axis of the picture rows.
    pub axis: FreqAxisView,
    /// Darkest level.
    pub floor_db: f32,
    /// Brightest level.
    pub ceiling_db: f32,
    /// Colour map.
    pub colormap: Colormap,
    /// Picture rows covering the whole band.
    pub rows: usize,
}

pub use crate::pipeline::Engine;

/// The levels of `frames` of `source` in `columns` columns, through the engine's plan.
#[allow(clippy::too_many_arguments)]
fn column_levels(
    engine: &Engine,
    source: &dyn SampleSource,
    what: Levels<'_>,
    frames: Range<usize>,
    columns: usize,
    channel: Option<usize>,
    max_frames_per_column: usize,
    progress: &Progress,
) -> ColumnLevels {
    let m = max_frames_per_column;
    crate::with_stft!(engine, s => levels_of_sampled(source, s.as_ref(), what, frames, columns, channel, m, progress))
}

/// Everything a tile computation reads: shared by all jobs of one document revision.
pub struct TileContext {
    /// The recording.
    pub source: Arc<dyn SampleSource>,
    /// The recording the edited picture starts from (with painted energy, if any).
    pub processed_source: Arc<dyn SampleSource>,
    /// The STFT.
    pub engine: Engine,
    /// The edits, for processed tiles.
    pub raster: Arc<MaskRaster>,
    /// What the edits remove, rendered, when some edit changes the signal itself (paint,
    /// repair, de-click): the removed picture is then this source's levels, not the masks'.
    pub removed_source: Option<Arc<dyn SampleSource>>,
    /// Document revision the raster was built from.
    pub revision: u64,
    /// Bumped whenever the document or STFT changes: results of older generations are dropped.
    pub generation: u64,
}

enum JobKind {
    Compute(Arc<TileContext>),
    Recolor(Arc<ColumnLevels>),
}

struct Job {
    key: TileKey,
    generation: u64,
    revision: u64,
    /// A quick preview from a few frames per column.
    preview: bool,
    color: ColorSpec,
    kind: JobKind,
    total_frames: usize,
}

struct TileResult {
    key: TileKey,
    generation: u64,
    revision: u64,
    preview: bool,
    levels: Arc<ColumnLevels>,
    image: ColorImage,
    color: ColorSpec,
}

#[derive(Default)]
struct Queue {
    jobs: Vec<Job>,
    /// What the worker is computing now (key, generation, revision, preview), so it is not
    /// queued twice.
    in_flight: Option<(TileKey, u64, u64, bool)>,
    shutdown: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
}

struct Entry {
    levels: Option<Arc<ColumnLevels>>,
    /// The levels are a preview (sampled frames), still to be computed exactly.
    preview: bool,
    /// Document revision the levels reflect.
    revision: u64,
    /// Latest revision at which an edit touched this tile.
    invalidated_at: u64,
    texture: Option<TextureHandle>,
    color: Option<ColorSpec>,
    last_used: u64,
}

/// One tile ready to draw.
pub struct DrawTile {
    /// The texture.
    pub texture: egui::TextureId,
    /// Time span it covers, seconds.
    pub time_s: [f64; 2],
    /// Its level of detail.
    pub lod: u8,
}

/// The tile cache and its worker.
pub struct TileStore {
    entries: HashMap<TileKey, Entry>,
    shared: Arc<Shared>,
    results: Receiver<TileResult>,
    generation: u64,
    clock: u64,
    worker: Option<std::thread::JoinHandle<()>>,
    /// Recent invalidations `(span, revision, hop_s)`: a tile that had no entry when an edit
    /// touched it (still being computed for an older revision) is outdated all the same.
    recent: Vec<(crate::edit::Affected, u64, f64)>,
}

/// Invalidations [`TileStore::recent`] keeps.
const RECENT_INVALIDATIONS: usize = 64;

/// The time span of `key`'s tile, seconds.
fn tile_span_s(key: &TileKey, hop_s: f64) -> [f64; 2] {
    let n = key.frames_per_tile() as f64;
    let t0 = key.index as f64 * n * hop_s;
    [t0, t0 + n * hop_s]
}

impl TileStore {
    /// Starts the worker thread; it asks `ctx` to repaint when a tile is ready.
    pub fn new(ctx: egui::Context) -> Self {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            wake: Condvar::new(),
        });
        let (tx, rx) = channel();
        let worker_shared = shared.clone();
        let worker = std::thread::Builder::new()
            .name("spectro-tiles".into())
            .spawn(move || worker_loop(&worker_shared, &tx, &ctx))
            .ok();
        TileStore {
            entries: HashMap::new(),
            shared,
            results: rx,
            generation: 0,
            clock: 0,
            worker,
            recent: Vec::new(),
        }
    }

    /// Forgets every tile (new document or STFT); returns the new generation.
    pub fn reset(&mut self) -> u64 {
        self.generation += 1;
        self.entries.clear();
        self.recent.clear();
        if let Ok(mut q) = self.shared.queue.lock() {
            q.jobs.clear();
        }
        self.generation
    }

    /// The current generation.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Marks processed tiles whose frames overlap `time_s` as needing recomputation for
    /// `revision`; their current pictures stay on screen until the new ones arrive.
    pub fn invalidate(&mut self, affected: crate::edit::Affected, revision: u64, hop_s: f64) {
        if self.recent.len() >= RECENT_INVALIDATIONS {
            self.recent.remove(0);
        }
        self.recent.push((affected, revision, hop_s));
        for (key, e) in self.entries.iter_mut() {
            if !key.version.is_edited() {
                continue;
            }
            let [t0, t1] = tile_span_s(key, hop_s);
            if affected.overlaps(t0, t1) {
                e.invalidated_at = revision;
            } else if e.invalidated_at <= e.revision {
                // Untouched: still exact for the new revision.
                e.revision = e.revision.max(revision);
            }
        }
    }

    /// Takes finished tiles from the worker and uploads their pictures.
    pub fn poll(&mut self, ctx: &egui::Context) {
        while let Ok(r) = self.results.try_recv() {
            if r.generation != self.generation {
                continue;
            }
            let recent = &self.recent;
            let entry = self.entries.entry(r.key).or_insert_with(|| Entry {
                levels: None,
                preview: true,
                revision: 0,
                // Edits made while this tile was computed for an older revision.
                invalidated_at: if r.key.version.is_edited() {
                    recent
                        .iter()
                        .filter(|(a, rev, hop_s)| {
                            let [t0, t1] = tile_span_s(&r.key, *hop_s);
                            *rev > r.revision && a.overlaps(t0, t1)
                        })
                        .map(|(_, rev, _)| *rev)
                        .max()
                        .unwrap_or(0)
                } else {
                    0
                },
                texture: None,
                color: None,
                last_used: 0,
            });
            if entry.levels.is_some() && r.revision < entry.revision {
                continue;
            }
            // A late preview never replaces exact levels of the same revision.
            if entry.levels.is_some() && !entry.preview && r.preview && r.revision == entry.revision {
                continue;
            }
            entry.preview = r.preview;
            entry.levels = Some(r.levels);
            entry.revision = r.revision;
            entry.color = Some(r.color);
            let options = TextureOptions {
                magnification: egui::TextureFilter::Nearest,
                minification: egui::TextureFilter::Linear,
                ..TextureOptions::default()
            };
            match &mut entry.texture {
                Some(t) => t.set(r.image, options),
                None => {
                    let name = format!(
                        "tile-{}-{}-{:?}-{:?}",
                        r.key.lod, r.key.index, r.key.channel, r.key.version
                    );
                    entry.texture = Some(ctx.load_texture(name, r.image, options));
                }
            }
        }
        self.evict();
    }

    fn evict(&mut self) {
        let mut bytes: usize = self.entries.values().map(entry_bytes).sum();
        if bytes <= CACHE_BUDGET_BYTES {
            return;
        }
        let mut order: Vec<(u64, TileKey)> = self.entries.iter().map(|(k, e)| (e.last_used, *k)).collect();
        order.sort_by_key(|(used, _)| *used);
        for (used, key) in order {
            if bytes <= CACHE_BUDGET_BYTES * 3 / 4 || used + 2 >= self.clock {
                break;
            }
            if let Some(e) = self.entries.remove(&key) {
                bytes -= entry_bytes(&e);
            }
        }
    }

    /// True while the worker has tiles to compute or is computing one.
    pub fn busy(&self) -> bool {
        self.shared
            .queue
            .lock()
            .map(|q| !q.jobs.is_empty() || q.in_flight.is_some())
            .unwrap_or(false)
    }

    /// Plans the tiles for `view` on a plot `width_px` wide: queues what is missing or out of
    /// date (nearest the centre first) and returns what can be drawn now, coarse fallbacks
    /// first. `ready` tells whether every wanted tile is present, exact and current;
    /// `covered` whether every wanted tile has a picture at all (a preview counts).
    pub fn plan(
        &mut self,
        view: &ViewState,
        width_px: f32,
        context: &Arc<TileContext>,
        color: ColorSpec,
        sample_rate: f64,
        total_frames: usize,
    ) -> (Vec<DrawTile>, bool, bool) {
        self.clock += 1;
        let lod = view.lod(width_px, sample_rate);
        let hop_s = view.stft.hop as f64 / sample_rate;
        let key_at = |lod: u8, index: u64| TileKey {
            lod,
            index,
            channel: view.channel,
            version: view.version,
        };
        let frames_per_tile = (TILE_COLUMNS << lod) as f64;
        let tiles_total = total_frames.div_ceil(TILE_COLUMNS << lod) as u64;
        let first = ((view.time_s[0] / hop_s + 0.5) / frames_per_tile)
            .floor()
            .max(0.0) as u64;
        let last = (((view.time_s[1] / hop_s + 0.5) / frames_per_tile)
            .floor()
            .max(0.0) as u64)
            .min(tiles_total.saturating_sub(1));
        let centre = (first + last) as f64 / 2.0;
        let mut visible: Vec<u64> = (first..=last).collect();
        visible.sort_by(|a, b| (*a as f64 - centre).abs().total_cmp(&(*b as f64 - centre).abs()));
        // One tile of look-ahead on each side makes panning smooth.
        let prefetch: Vec<u64> = [first.checked_sub(1), Some(last + 1).filter(|&i| i < tiles_total)]
            .into_iter()
            .flatten()
            .collect();

        let mut jobs = Vec::new();
        // Exact passes over previewed tiles wait until every visible tile has a picture.
        let mut refine = Vec::new();
        let mut ready = true;
        // A preview reads each sampled frame with the context a denoise step analyses around
        // it (seconds for the automatic estimate): only worth it where that is still far less
        // than the column's own frames.
        let context_frames = if view.version.is_edited() {
            (0..context.source.channels())
                .map(|c| context.raster.context_frames(c))
                .max()
                .unwrap_or(0)
        } else {
            0
        };
        let previews =
            lod >= PREVIEW_MIN_LOD && (1usize << lod) >= 4 * PREVIEW_FRAMES * (1 + 2 * context_frames);
        let needed_revision = if view.version.is_edited() {
            context.revision
        } else {
            0
        };
        for (i, &index) in visible.iter().chain(&prefetch).enumerate() {
            let key = key_at(lod, index);
            let is_visible = i < visible.len();
            let entry = self.entries.get_mut(&key);
            let (needs_compute, needs_color, needs_exact) = match &entry {
                None => (true, true, false),
                Some(e) => {
                    let outdated = key.version.is_edited() && e.invalidated_at > e.revision;
                    (e.levels.is_none() || outdated, e.color != Some(color), e.preview)
                }
            };
            if let Some(e) = entry {
                e.last_used = self.clock;
            }
            if needs_compute {
                if is_visible {
                    ready = false;
                }
                jobs.push(Job {
                    key,
                    generation: context.generation,
                    revision: needed_revision,
                    preview: previews,
                    color,
                    kind: JobKind::Compute(context.clone()),
                    total_frames,
                });
                continue;
            }
            if needs_exact {
                if is_visible {
                    ready = false;
                }
                refine.push(Job {
                    key,
                    generation: context.generation,
                    revision: needed_revision,
                    preview: false,
                    color,
                    kind: JobKind::Compute(context.clone()),
                    total_frames,
                });
            }
            if needs_color {
                if is_visible {
                    ready = false;
                }
                let levels = self.entries.get(&key).and_then(|e| e.levels.clone());
                if let Some(levels) = levels {
                    // Recolouring is cheap: do it before any computation.
                    jobs.insert(
                        0,
                        Job {
                            key,
                            generation: context.generation,
                            revision: self.entries.get(&key).map_or(0, |e| e.revision),
                            preview: self.entries.get(&key).is_some_and(|e| e.preview),
                            color,
                            kind: JobKind::Recolor(levels),
                            total_frames,
                        },
                    );
                }
            }
        }
        jobs.extend(refine);
        if let Ok(mut q) = self.shared.queue.lock() {
            let in_flight = q.in_flight;
            jobs.retain(|j| in_flight != Some((j.key, j.generation, j.revision, j.preview)));
            q.jobs = jobs;
            self.shared.wake.notify_one();
        }

        // Draw list: tiles of other levels of detail that overlap the view go underneath,
        // coarsest first, then the wanted level.
        let mut draw: Vec<DrawTile> = Vec::new();
        let span = |key: &TileKey| {
            let n = key.frames_per_tile() as f64;
            let f0 = key.index as f64 * n;
            let f1 = (f0 + n).min(total_frames as f64);
            [(f0 - 0.5) * hop_s, (f1 - 0.5) * hop_s]
        };
        // Only where a wanted tile has no picture yet: drawing fallbacks under finished tiles
        // would only add overdraw, which software renderers pay for in full.
        let gaps: Vec<[f64; 2]> = (first..=last)
            .map(|index| key_at(lod, index))
            .filter(|k| self.entries.get(k).is_none_or(|e| e.texture.is_none()))
            .map(|k| span(&k))
            .collect();
        let mut others: Vec<(&TileKey, &Entry)> = if gaps.is_empty() {
            Vec::new()
        } else {
            self.entries
                .iter()
                .filter(|(k, e)| {
                    k.lod != lod
                        && k.channel == view.channel
                        && k.version == view.version
                        && e.texture.is_some()
                        && (k.lod as i32 - lod as i32).abs() <= 4
                })
                .filter(|(k, _)| {
                    let [a, b] = span(k);
                    gaps.iter().any(|g| a < g[1] && b > g[0])
                })
                .collect()
        };
        others.sort_by_key(|(k, _)| std::cmp::Reverse(k.lod));
        for (k, e) in others.into_iter().take(96) {
            if let Some(t) = &e.texture {
                draw.push(DrawTile {
                    texture: t.id(),
                    time_s: span(k),
                    lod: k.lod,
                });
            }
        }
        let mut covered = true;
        for index in first..=last {
            let key = key_at(lod, index);
            if let Some(t) = self.entries.get(&key).and_then(|e| e.texture.as_ref()) {
                draw.push(DrawTile {
                    texture: t.id(),
                    time_s: span(&key),
                    lod,
                });
            } else {
                covered = false;
            }
        }
        (draw, ready, covered)
    }

    /// Counts the levels (dBFS) of the picture in view into `histogram`, for fitting the
    /// display range to it: the cached tiles of level of detail `lod` (of the view's channel
    /// and version) over the visible time range (`hop_s` seconds per frame), at display rows
    /// of frequencies `row_hz` (spaced as the screen's rows are, so the count weighs each
    /// frequency by the height it takes on screen), strided along time to at most about
    /// `max_cells` cells. Returns the number of cells counted.
    pub fn visible_levels(
        &self,
        view: &ViewState,
        lod: u8,
        hop_s: f64,
        row_hz: &[f64],
        max_cells: usize,
        histogram: &mut LevelHistogram,
    ) -> u64 {
        let frames = [view.time_s[0] / hop_s, view.time_s[1] / hop_s];
        let step = (1u64 << lod) as f64;
        // Each tile's visible columns.
        let visible: Vec<(&ColumnLevels, Range<usize>)> = self
            .entries
            .iter()
            .filter(|(k, _)| k.lod == lod && k.channel == view.channel && k.version == view.version)
            .filter_map(|(k, e)| {
                let levels = e.levels.as_deref()?;
                let first_frame = (k.index as usize * (TILE_COLUMNS << lod)) as f64;
                let c0 = ((frames[0] - first_frame) / step).ceil().max(0.0) as usize;
                let c1 = (((frames[1] - first_frame) / step).floor() + 1.0).clamp(0.0, levels.columns as f64)
                    as usize;
                (c0 < c1).then_some((levels, c0..c1))
            })
            .collect();
        let columns: usize = visible.iter().map(|(_, r)| r.len()).sum();
        let stride = (columns * row_hz.len()).div_ceil(max_cells.max(1)).max(1);
        let mut counted = 0;
        for (levels, range) in visible {
            let rows: Vec<usize> = row_hz
                .iter()
                .filter_map(|&hz| {
                    let b = levels.bins.position(hz).round();
                    (b >= 0.0 && b < levels.bins.len as f64).then_some(b as usize)
                })
                .collect();
            for c in range.step_by(stride) {
                let column = levels.column(c);
                for &b in &rows {
                    histogram.add(column[b]);
                    counted += 1;
                }
            }
        }
        counted
    }

    /// The level (dBFS) under `(time_s, freq_hz)` from the cached tile of level `lod`, if any.
    pub fn level_at(&self, view: &ViewState, lod: u8, time_s: f64, freq_hz: f64, hop_s: f64) -> Option<f32> {
        let frame = (time_s / hop_s + 0.5).floor();
        if frame < 0.0 {
            return None;
        }
        let frames_per_tile = (TILE_COLUMNS << lod) as f64;
        let index = (frame / frames_per_tile).floor() as u64;
        let key = TileKey {
            lod,
            index,
            channel: view.channel,
            version: view.version,
        };
        let levels = self.entries.get(&key)?.levels.as_ref()?;
        let column = ((frame - index as f64 * frames_per_tile) / (1u64 << lod) as f64) as usize;
        let bin = levels.bins.position(freq_hz).round();
        if column >= levels.columns || bin < 0.0 || bin >= levels.bins.len as f64 {
            return None;
        }
        Some(levels.column(column)[bin as usize])
    }
}

impl Drop for TileStore {
    fn drop(&mut self) {
        if let Ok(mut q) = self.shared.queue.lock() {
            q.shutdown = true;
            q.jobs.clear();
        }
        self.shared.wake.notify_all();
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

fn entry_bytes(e: &Entry) -> usize {
    e.levels.as_ref().map_or(0, |l| l.db.len() * 4) + e.color.map_or(0, |c| c.rows * TILE_COLUMNS * 4)
}

fn worker_loop(shared: &Shared, results: &Sender<TileResult>, ctx: &egui::Context) {
    // Tiles get their own threads: in rayon's global pool they would queue behind a long
    // scan (the waveform of a gigabyte capture, an export) instead of sharing the cores.
    let pool = rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("spectro-tiles-{i}"))
        .build()
        .ok();
    loop {
        let job = {
            let Ok(mut q) = shared.queue.lock() else { return };
            loop {
                if q.shutdown {
                    return;
                }
                if !q.jobs.is_empty() {
                    break;
                }
                q.in_flight = None;
                q = match shared.wake.wait(q) {
                    Ok(q) => q,
                    Err(_) => return,
                };
            }
            let job = q.jobs.remove(0);
            q.in_flight = Some((job.key, job.generation, job.revision, job.preview));
            job
        };
        let levels = match job.kind {
            JobKind::Recolor(levels) => levels,
            JobKind::Compute(context) => {
                let frames = job.key.frames(job.total_frames);
                let columns = frames.len().div_ceil(1 << job.key.lod).max(1);
                let (source, what) = match job.key.version {
                    Version::Original => (&context.source, Levels::Original),
                    Version::Edited => (&context.processed_source, Levels::Edited(&context.raster)),
                    Version::Removed => match &context.removed_source {
                        Some(removed) => (removed, Levels::Original),
                        None => (&context.processed_source, Levels::Removed(&context.raster)),
                    },
                };
                let per_column = if job.preview { PREVIEW_FRAMES } else { usize::MAX };
                let compute = || {
                    column_levels(
                        &context.engine,
                        source.as_ref(),
                        what,
                        frames,
                        columns,
                        job.key.channel,
                        per_column,
                        &Progress::new(),
                    )
                };
                Arc::new(match &pool {
                    Some(pool) => pool.install(compute),
                    None => compute(),
                })
            }
        };
        let image = colorize(&levels, &job.color);
        let sent = results.send(TileResult {
            key: job.key,
            generation: job.generation,
            revision: job.revision,
            preview: job.preview,
            levels,
            image,
            color: job.color,
        });
        if let Ok(mut q) = shared.queue.lock() {
            q.in_flight = None;
        }
        if sent.is_err() {
            return;
        }
        ctx.request_repaint();
    }
}

/// Paints a tile: one picture column per level column, `color.rows` rows over the whole band.
pub fn colorize(levels: &ColumnLevels, color: &ColorSpec) -> ColorImage {
    let rows = color.rows.max(1);
    let map = RowMap::new(
        &levels.bins,
        color.axis.scale,
        color.axis.lo_hz,
        color.axis.hi_hz,
        rows,
    );
    let lut: Vec<Color32> = color
        .colormap
        .lut()
        .iter()
        .map(|c| Color32::from_rgb(c[0], c[1], c[2]))
        .collect();
    let w = levels.columns;
    let mut pixels = vec![Color32::BLACK; w * rows];
    let mut column = vec![0.0f32; rows];
    for c in 0..w {
        map.apply(levels.column(c), &mut column);
        for (r, &db) in column.iter().enumerate() {
            pixels[r * w + c] = lut[level_index(db, color.floor_db, color.ceiling_db) as usize];
        }
    }
    ColorImage::new([w, rows], pixels)
}

/// Picture rows for a plot `height_px` tall showing a fraction `visible_u` of the band: enough
/// for one row per pixel, in powers of two so small zooms do not recolour, at most 4096.
pub fn rows_for(height_px: f32, visible_u: f64, max_texture_side: usize) -> usize {
    let needed = (height_px as f64 / visible_u.max(1e-6)).max(64.0);
    (needed.log2().ceil().exp2() as usize).clamp(256, 4096.min(max_texture_side))
}

/// The default scale for IQ is linear; log and mel apply to real signals only.
pub fn effective_scale(scale: FreqScale, complex: bool) -> FreqScale {
    if complex { FreqScale::Linear } else { scale }
}
