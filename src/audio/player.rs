//! A player: the producer on its own thread, the device stream, and the controls the editor
//! and `spectro play` use (play, pause, stop, A/B, loop, band audition, volume).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

use super::demod::DemodSettings;
use super::device::{AudioError, StreamInfo, choose};
use super::engine::{Callback, PlayRequest, PlaySample, Producer, Shared, rings};
use crate::edit::mask::{Grid, MaskRaster};
use crate::edit::{Edit, Shape};
use crate::pipeline::Engine;
use crate::signal::{SampleSource, StftParams};

/// Hear only a frequency band, or everything but it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Audition {
    /// The band, Hz.
    pub freq_hz: [f64; 2],
    /// True: only the band; false: everything except the band.
    pub only: bool,
}

impl Audition {
    /// The edit that does it, appended to the others: a feathered keep-only (or remove) rect.
    pub fn edit(&self) -> Edit {
        let mut e = Edit::new(
            Shape::Rect {
                time_s: [f64::MIN / 4.0, f64::MAX / 4.0],
                freq_hz: self.freq_hz,
            },
            f64::NEG_INFINITY,
        );
        e.invert = self.only;
        e
    }
}

/// Builds the rasters for the edited and original versions, with an audition band on both.
pub fn audition_rasters(
    edits: &[Edit],
    grid: Grid,
    audition: Option<Audition>,
) -> (Arc<MaskRaster>, Option<Arc<MaskRaster>>) {
    match audition {
        None => (Arc::new(MaskRaster::new(edits, grid)), None),
        Some(a) => {
            let mut with = edits.to_vec();
            with.push(a.edit());
            (
                Arc::new(MaskRaster::new(&with, grid)),
                Some(Arc::new(MaskRaster::new(&[a.edit()], grid))),
            )
        }
    }
}

/// The device rate to ask for: a recording's own rate, so its samples play unconverted; but
/// IQ above audio rates (radio captures at MS/s, heard as I/Q or demodulated) at 48 kHz.
fn device_rate_for(source: &dyn SampleSource) -> u32 {
    let rate = source.sample_rate().round() as u32;
    if source.is_complex() && rate > 192_000 {
        48_000
    } else {
        rate
    }
}

enum Control {
    Play(PlayRequest, u32),
    Rasters(Arc<MaskRaster>, Option<Arc<MaskRaster>>),
    ProcessedSource(Arc<dyn SampleSource>),
    Demod(Option<DemodSettings>),
    Both(Arc<dyn SampleSource>, Arc<MaskRaster>, Option<Arc<MaskRaster>>),
    Quit,
}

/// Type-erased producer for the worker thread.
trait Render: Send {
    fn seek(&mut self, request: PlayRequest, generation: u32);
    fn set_rasters(&mut self, processed: Arc<MaskRaster>, original: Option<Arc<MaskRaster>>);
    fn set_processed_source(&mut self, source: Arc<dyn SampleSource>);
    fn set_demod(&mut self, settings: Option<DemodSettings>) -> Result<(), String>;
    fn step(&mut self) -> bool;
    fn is_done(&self) -> bool;
}

impl<T: PlaySample> Render for Producer<T> {
    fn seek(&mut self, request: PlayRequest, generation: u32) {
        Producer::seek(self, request, generation)
    }
    fn set_rasters(&mut self, processed: Arc<MaskRaster>, original: Option<Arc<MaskRaster>>) {
        Producer::set_rasters(self, processed, original)
    }
    fn set_processed_source(&mut self, source: Arc<dyn SampleSource>) {
        Producer::set_processed_source(self, source)
    }
    fn set_demod(&mut self, settings: Option<DemodSettings>) -> Result<(), String> {
        Producer::set_demod(self, settings)
    }
    fn step(&mut self) -> bool {
        Producer::step(self)
    }
    fn is_done(&self) -> bool {
        Producer::is_done(self)
    }
}

/// Plays one recording through one device.
pub struct Player {
    shared: Arc<Shared>,
    control: Sender<Control>,
    worker: Option<std::thread::JoinHandle<()>>,
    _stream: cpal::Stream,
    info: StreamInfo,
    sample_rate: f64,
    generation: u32,
}

impl Player {
    /// Opens `device` (the default when `None`) for `source`, rendering edits through an STFT of
    /// `params`; `edits` are the edits to hear in the edited version.
    pub fn new(
        source: Arc<dyn SampleSource>,
        params: StftParams,
        edits: &[Edit],
        device: Option<&str>,
    ) -> Result<Player, AudioError> {
        let parts = if source.is_complex() { 2 } else { 1 };
        let choice = choose(
            device,
            device_rate_for(source.as_ref()),
            source.channels() * parts,
        )?;
        let info = choice.info.clone();
        let shared = Arc::new(Shared::default());
        let (rings_in, callback): (_, Callback) = rings(shared.clone(), info.channels, info.rate as f64);
        let bad = |e: String| AudioError::Unsupported(e);
        let engine = Engine::for_source(source.as_ref(), params).map_err(|e| bad(e.to_string()))?;
        let raster = Arc::new(MaskRaster::new(edits, engine.grid(source.sample_rate())));
        let producer: Box<dyn Render> = crate::with_stft!(engine, stft => Box::new(
            Producer::new(source.clone(), stft, raster, rings_in, info.rate, info.channels).map_err(bad)?,
        ));
        let stream = choice.start(callback, shared.clone())?;
        let (tx, rx) = channel();
        let worker = std::thread::Builder::new()
            .name("spectro-playback".into())
            .spawn(move || producer_loop(producer, &rx))
            .ok();
        Ok(Player {
            shared,
            control: tx,
            worker,
            _stream: stream,
            info,
            sample_rate: source.sample_rate(),
            generation: 0,
        })
    }

    /// The device configuration in use.
    pub fn info(&self) -> &StreamInfo {
        &self.info
    }

    /// State shared with the audio thread (position, meters, underruns).
    pub fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Plays `request` from its start, dropping whatever was queued.
    pub fn play(&mut self, request: PlayRequest) {
        // Paused, the callback drains the stale audio, so the new audio starts without a gap.
        self.shared.playing.store(false, Ordering::Release);
        self.generation = self.generation.wrapping_add(1);
        self.shared.position.store(request.start, Ordering::Relaxed);
        self.shared.finished.store(false, Ordering::Relaxed);
        self.shared.first_audio.store(false, Ordering::Relaxed);
        self.shared.generation.store(self.generation, Ordering::Release);
        let _ = self.control.send(Control::Play(request, self.generation));
        self.shared.playing.store(true, Ordering::Release);
    }

    /// Pauses, keeping the place.
    pub fn pause(&self) {
        self.shared.playing.store(false, Ordering::Release);
    }

    /// Resumes after a pause.
    pub fn resume(&self) {
        if !self.shared.finished.load(Ordering::Relaxed) {
            self.shared.playing.store(true, Ordering::Release);
        }
    }

    /// Stops and drops the queued audio.
    pub fn stop(&mut self) {
        self.shared.playing.store(false, Ordering::Release);
        self.generation = self.generation.wrapping_add(1);
        self.shared.generation.store(self.generation, Ordering::Release);
    }

    /// True while audio is playing.
    pub fn is_playing(&self) -> bool {
        self.shared.playing.load(Ordering::Relaxed)
    }

    /// True once a non-looping playback has played to its end.
    pub fn is_finished(&self) -> bool {
        self.shared.finished.load(Ordering::Relaxed)
    }

    /// Where playback is, seconds.
    pub fn position_s(&self) -> f64 {
        self.shared.position.load(Ordering::Relaxed) as f64 / self.sample_rate
    }

    /// A/B: hear the edited (true) or the original recording; takes effect within one callback.
    pub fn set_processed(&self, processed: bool) {
        self.shared.processed.store(processed, Ordering::Relaxed);
    }

    /// Output gain (linear).
    pub fn set_volume(&self, gain: f32) {
        self.shared
            .volume
            .store(gain.max(0.0).to_bits(), Ordering::Relaxed);
    }

    /// New edits (or audition band) for the audio rendered from now on.
    pub fn set_rasters(&self, processed: Arc<MaskRaster>, original: Option<Arc<MaskRaster>>) {
        let _ = self.control.send(Control::Rasters(processed, original));
    }

    /// The recording the edited version starts from (painted energy added), from now on.
    pub fn set_processed_source(&self, source: Arc<dyn SampleSource>) {
        let _ = self.control.send(Control::ProcessedSource(source));
    }

    /// IQ: hear the signal tuned by `settings` demodulated (`Some`), or I and Q as left and
    /// right (`None`); from the next rendered chunk on. No effect on real recordings.
    pub fn set_demod(&self, settings: Option<DemodSettings>) {
        let _ = self.control.send(Control::Demod(settings));
    }

    /// The edited version's source and both versions' rasters at once, from now on: for
    /// switching what the edited version is (such as to what the edits remove) without a
    /// chunk rendered half one way, half the other.
    pub fn set_processed_version(
        &self,
        source: Arc<dyn SampleSource>,
        processed: Arc<MaskRaster>,
        original: Option<Arc<MaskRaster>>,
    ) {
        let _ = self.control.send(Control::Both(source, processed, original));
    }

    /// True if the device failed (unplugged) since opening.
    pub fn device_lost(&self) -> bool {
        self.shared.device_lost.load(Ordering::Relaxed)
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.shared.playing.store(false, Ordering::Release);
        let _ = self.control.send(Control::Quit);
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

fn producer_loop(mut producer: Box<dyn Render>, control: &Receiver<Control>) {
    loop {
        // Render while there is room; otherwise wait for a control or for room to appear.
        let wait = if producer.is_done() {
            Duration::from_millis(200)
        } else if producer.step() {
            Duration::ZERO
        } else {
            Duration::from_millis(3)
        };
        let message = if wait.is_zero() {
            control.try_recv().map_err(|_| RecvTimeoutError::Timeout)
        } else {
            control.recv_timeout(wait)
        };
        match message {
            Ok(Control::Play(request, generation)) => producer.seek(request, generation),
            Ok(Control::Rasters(p, o)) => producer.set_rasters(p, o),
            Ok(Control::ProcessedSource(s)) => producer.set_processed_source(s),
            Ok(Control::Demod(d)) => {
                // Only an unusual rate pair can fail; the previous setting stays.
                if let Err(e) = producer.set_demod(d) {
                    eprintln!("spectro: cannot demodulate: {e}");
                }
            }
            Ok(Control::Both(s, p, o)) => {
                // Together, so that no chunk mixes the new source with the old edits.
                producer.set_processed_source(s);
                producer.set_rasters(p, o);
            }
            Ok(Control::Quit) | Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {}
        }
    }
}
