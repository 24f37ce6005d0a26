//! Raw IQ captures: the first 8 bytes choose the encoding and the rate, the rest is the capture.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spectro::io::{OpenOptions, Recording};
use spectro::signal::{Complex32, SampleSource};

fuzz_target!(|data: &[u8]| {
    if data.len() < 9 {
        return;
    }
    let ext = ["cu8", "cs8", "cs16", "cf32"][data[0] as usize % 4];
    let rate = f64::from_le_bytes(data[1..9].try_into().unwrap_or_default());
    let options = OpenOptions {
        iq: false,
        sample_rate: Some(rate),
    };
    let Ok(rec) = Recording::from_memory(format!("x.{ext}"), data[9..].to_vec(), ext, options) else {
        return;
    };
    let mut z = vec![Complex32::default(); rec.len().min(1 << 16) as usize];
    rec.read_complex(0, 0, &mut z);
    assert!(z.iter().all(|v| v.re.is_finite() && v.im.is_finite()));
    assert!(rec.sample_rate() >= 1.0);
});
