//! De-clicks a WAV file with the library (until `spectro declick` exists) and prints the
//! clicks found and the time taken, as JSON, for benches/compare_declick.py.
//!
//! `cargo run --profile test --example declick_file -- IN.wav OUT.wav [SENSITIVITY]`
//! (OUT is 32-bit float; the time covers the de-click of every channel, not the file I/O).

use std::time::Instant;

use spectro::pipeline::declick::declick_channel;
use spectro::signal::{MemorySource, Progress, SampleSource};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, output, rest @ ..] = args.as_slice() else {
        return Err("usage: declick_file IN.wav OUT.wav [SENSITIVITY]".into());
    };
    let sensitivity: f64 = rest.first().map(|s| s.parse()).transpose()?.unwrap_or(1.0);
    let mut reader = hound::WavReader::open(input)?;
    let spec = reader.spec();
    let ch = spec.channels as usize;
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().collect::<Result<_, _>>()?,
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect::<Result<_, _>>()?
        }
    };
    let mut channels = vec![Vec::with_capacity(interleaved.len() / ch); ch];
    for (i, v) in interleaved.iter().enumerate() {
        channels[i % ch].push(*v);
    }
    let source = MemorySource {
        sample_rate: spec.sample_rate as f64,
        channels,
    };
    let progress = Progress::new();
    let t = Instant::now();
    let mut out = source.channels.clone();
    let mut found = Vec::new();
    for (c, samples) in out.iter_mut().enumerate() {
        let (deltas, clicks) =
            declick_channel::<f32>(&source, c, 0..source.len() as i64, sensitivity, &progress)?;
        for d in deltas {
            for (i, v) in d.delta.iter().enumerate() {
                samples[d.start as usize + i] += v;
            }
        }
        found.extend(clicks.into_iter().map(|k| (c, k)));
    }
    let elapsed_s = t.elapsed().as_secs_f64();
    let mut writer = hound::WavWriter::create(
        output,
        hound::WavSpec {
            channels: spec.channels,
            sample_rate: spec.sample_rate,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        },
    )?;
    for n in 0..source.len() as usize {
        for samples in &out {
            writer.write_sample(samples[n])?;
        }
    }
    writer.finalize()?;
    let clicks: Vec<String> = found
        .iter()
        .map(|(c, k)| format!("[{c}, {}, {}, {:.2}]", k.start_sample, k.len_samples, k.level_db))
        .collect();
    println!(
        "{{\"duration_s\": {}, \"elapsed_s\": {elapsed_s}, \"clicks\": [{}]}}",
        source.duration_s(),
        clicks.join(", ")
    );
    Ok(())
}
