//! Edit lists: the parser, then the check against a recording and a few rasterised frames of
//! what it accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spectro::edit::{EditList, Grid, MaskRaster};
use spectro::signal::{MemorySource, StftParams};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(list) = EditList::from_json(text) else {
        return;
    };
    assert_eq!(EditList::from_json(&list.to_json()).ok().as_ref(), Some(&list));
    let source = MemorySource {
        sample_rate: 8000.0,
        channels: vec![vec![0.1f32; 800]; 2],
    };
    let params = list.stft.map_or(StftParams::with_fft(256), |s| s.params());
    if params.validate().is_err() || list.check_against(&source, params).is_err() {
        return;
    }
    let grid = Grid {
        sample_rate: 8000.0,
        fft_len: params.fft_len,
        hop: params.hop,
        complex: false,
    };
    let raster = MaskRaster::new(&list.edits, grid);
    let mut gains = vec![0.0f32; grid.bins()];
    let levels = vec![-50.0f32; grid.bins()];
    for frame in 0..4 {
        raster.frame_gains(0, frame, Some(&levels), &mut gains);
        assert!(gains.iter().all(|g| g.is_finite()));
    }
});
