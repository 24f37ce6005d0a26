//! SigMF metadata (and the file-name hints raw captures fall back on).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(m) = spectro::io::sigmf::parse(Path::new("x.sigmf-meta"), &text) {
        assert!(m.sample_rate.is_none_or(|r| (1.0..=i32::MAX as f64).contains(&r)));
    }
    let _ = spectro::io::name_hints::name_hints(Path::new(text.as_ref()));
});
