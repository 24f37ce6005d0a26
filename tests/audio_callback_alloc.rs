//! The audio callback never allocates: a counting global allocator watches the thread that
//! runs it while it plays, switches A/B, crosses loop points and seeks.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use spectro::audio::engine::{PlayRequest, Producer, Shared, rings};
use spectro::edit::mask::{Grid, MaskRaster};
use spectro::edit::{Edit, Shape};
use spectro::signal::{Convention, MemorySource, Stft, StftParams};

struct Counting;

thread_local! {
    static WATCH: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // try_with: the allocator also runs while thread-locals are being torn down.
        let _ = WATCH.try_with(|w| {
            if w.get() {
                let _ = COUNT.try_with(|c| c.set(c.get() + 1));
            }
        });
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn the_callback_allocates_nothing() {
    let x: Vec<f32> = (0..100_000)
        .map(|i| ((i * 7919 % 1000) as f32 / 1000.0) - 0.5)
        .collect();
    let source = Arc::new(MemorySource {
        sample_rate: 48_000.0,
        channels: vec![x.clone(), x],
    });
    let shared = Arc::new(Shared::default());
    let (rings_in, mut callback) = rings(shared.clone(), 2, 48_000.0);
    let stft = Arc::new(Stft::<f32>::new(StftParams::with_fft(1024), Convention::Scipy).unwrap());
    let edit = Edit::new(
        Shape::Rect {
            time_s: [0.0, 1.0],
            freq_hz: [1000.0, 2000.0],
        },
        -20.0,
    );
    let grid = Grid {
        sample_rate: 48_000.0,
        fft_len: 1024,
        hop: 256,
        complex: false,
    };
    let raster = Arc::new(MaskRaster::new(&[edit], grid));
    let mut producer = Producer::new(source, stft, raster, rings_in, 48_000, 2).unwrap();
    let mut buf = vec![0.0f32; 2 * 512];
    let mut calls = 0;
    for round in 0..4u32 {
        shared.generation.store(round + 1, Ordering::Relaxed);
        producer.seek(
            PlayRequest {
                start: 10_000 * round as u64,
                range: 5_000..60_000,
                looped: round % 2 == 0,
            },
            round + 1,
        );
        shared.playing.store(true, Ordering::Relaxed);
        for i in 0..200 {
            while producer.step() {}
            if i % 37 == 0 {
                let p = shared.processed.load(Ordering::Relaxed);
                shared.processed.store(!p, Ordering::Relaxed);
            }
            WATCH.with(|w| w.set(true));
            callback.fill(&mut buf);
            WATCH.with(|w| w.set(false));
            calls += 1;
        }
    }
    assert_eq!(calls, 800);
    assert_eq!(COUNT.with(|c| c.get()), 0, "the callback allocated");
    // The counter does count: an allocation while watching is seen.
    WATCH.with(|w| w.set(true));
    let v: Vec<u8> = Vec::with_capacity(10);
    WATCH.with(|w| w.set(false));
    drop(v);
    assert_eq!(COUNT.with(|c| c.get()), 1);
}
