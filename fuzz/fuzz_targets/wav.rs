//! WAV files: the RIFF parser, then every sample of what it accepts must decode finite.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spectro::io::{OpenOptions, Recording};
use spectro::signal::SampleSource;

fuzz_target!(|data: &[u8]| {
    let _ = spectro::io::wav::parse(data);
    for iq in [false, true] {
        let Ok(rec) = Recording::from_memory(
            "x.wav",
            data.to_vec(),
            "wav",
            OpenOptions {
                iq,
                sample_rate: None,
            },
        ) else {
            continue;
        };
        let mut x = vec![0.0f32; rec.len().min(1 << 16) as usize];
        for c in 0..rec.channels() {
            rec.read_real(c, 0, &mut x);
            assert!(x.iter().all(|v| v.is_finite()));
        }
    }
});
