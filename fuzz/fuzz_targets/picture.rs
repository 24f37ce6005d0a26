//! PNG pictures and Spectro's metadata in them: decoding, then planning an import.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spectro::io::picture::{PictureMeta, read_png_bytes};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = PictureMeta::from_json(text);
    }
    if let Ok(picture) = read_png_bytes(data)
        && let Some(Ok(_)) = picture.meta()
    {
        let _ = spectro::image::plan_import(&picture, &Default::default());
    }
});
