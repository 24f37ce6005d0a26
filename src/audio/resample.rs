//! Sample-rate conversion for playback (rubato's synchronous FFT resampler), chunk by chunk,
//! with the resampler's delay removed so that output frame 0 is input frame 0.

use rubato::audioadapter_buffers::direct::SequentialSliceOfVecs;
use rubato::{Fft, FixedSync, Indexing, Resampler};

/// Converts fixed-size input chunks from one rate to another.
pub struct ChunkResampler {
    inner: Option<Fft<f32>>,
    channels: usize,
    chunk: usize,
    /// Output frames still to drop at the start (the filter delay).
    to_drop: usize,
    out: Vec<Vec<f32>>,
}

impl ChunkResampler {
    /// A resampler for `channels` channels taking `chunk` input frames per call; identity when
    /// the rates are equal. Errors are returned as text for the user.
    pub fn new(rate_in: u32, rate_out: u32, chunk: usize, channels: usize) -> Result<Self, String> {
        let inner = if rate_in == rate_out {
            None
        } else {
            Some(
                Fft::<f32>::new(
                    rate_in as usize,
                    rate_out as usize,
                    chunk,
                    channels,
                    FixedSync::Input,
                )
                .map_err(|e| format!("cannot resample {rate_in} Hz to {rate_out} Hz: {e}"))?,
            )
        };
        let max_out = inner.as_ref().map_or(chunk, |r| r.output_frames_max());
        let to_drop = inner.as_ref().map_or(0, |r| r.output_delay());
        Ok(ChunkResampler {
            inner,
            channels,
            chunk,
            to_drop,
            out: vec![vec![0.0; max_out]; channels],
        })
    }

    /// Input frames per call.
    pub fn chunk(&self) -> usize {
        self.chunk
    }

    /// The most output frames one call can return.
    pub fn max_output(&self) -> usize {
        self.out.first().map_or(self.chunk, Vec::len)
    }

    /// Forgets the stream (after a seek): the next output starts clean, delay removed again.
    pub fn reset(&mut self) {
        if let Some(r) = &mut self.inner {
            r.reset();
            self.to_drop = r.output_delay();
        }
    }

    /// Resamples one chunk (`input[c].len() == chunk`) and returns the output channels, which
    /// are valid for `len` frames.
    pub fn process(&mut self, input: &[Vec<f32>]) -> (&[Vec<f32>], usize) {
        let Some(r) = &mut self.inner else {
            for (o, i) in self.out.iter_mut().zip(input) {
                o[..i.len()].copy_from_slice(i);
            }
            return (&self.out, self.chunk);
        };
        let frames = r.output_frames_next();
        let result = match (
            SequentialSliceOfVecs::new(input, self.channels, self.chunk),
            SequentialSliceOfVecs::new_mut(&mut self.out, self.channels, frames),
        ) {
            (Ok(i), Ok(mut o)) => r.process_into_buffer(&i, &mut o, None::<&Indexing>).ok(),
            _ => None,
        };
        let Some((_, written)) = result else {
            return (&self.out, 0);
        };
        let drop = self.to_drop.min(written);
        self.to_drop -= drop;
        if drop > 0 {
            for o in &mut self.out {
                o.copy_within(drop..written, 0);
            }
        }
        (&self.out, written - drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frequency of a sine by least-squares phase slope over blocks.
    fn estimate_freq(x: &[f32], fs: f64, guess: f64) -> f64 {
        // Demodulate at the guess, then fit the phase drift.
        let block = 4800;
        let phases: Vec<f64> = x
            .chunks_exact(block)
            .enumerate()
            .map(|(b, c)| {
                let (mut re, mut im) = (0.0, 0.0);
                for (i, &v) in c.iter().enumerate() {
                    let t = (b * block + i) as f64 / fs;
                    re += v as f64 * (std::f64::consts::TAU * guess * t).cos();
                    im -= v as f64 * (std::f64::consts::TAU * guess * t).sin();
                }
                im.atan2(re)
            })
            .collect();
        let mut unwrapped = vec![phases[0]];
        for w in phases.windows(2) {
            let mut d = w[1] - w[0];
            while d > std::f64::consts::PI {
                d -= std::f64::consts::TAU;
            }
            while d < -std::f64::consts::PI {
                d += std::f64::consts::TAU;
            }
            unwrapped.push(unwrapped.last().unwrap() + d);
        }
        let slope =
            (unwrapped.last().unwrap() - unwrapped[0]) / ((unwrapped.len() - 1) as f64 * block as f64 / fs);
        guess + slope / std::f64::consts::TAU
    }

    #[test]
    fn resampling_44k1_to_48k_keeps_a_sine_within_a_tenth_of_a_hertz() {
        let chunk = 1024;
        let mut r = ChunkResampler::new(44_100, 48_000, chunk, 1).unwrap();
        let f = 997.0;
        let mut out = Vec::new();
        for c in 0..200 {
            let input: Vec<f32> = (0..chunk)
                .map(|i| (0.5 * (std::f64::consts::TAU * f * (c * chunk + i) as f64 / 44_100.0).sin()) as f32)
                .collect();
            let (o, n) = r.process(&[input]);
            out.extend_from_slice(&o[0][..n]);
        }
        // Skip the start, measure several seconds.
        let est = estimate_freq(&out[48_000..48_000 * 4], 48_000.0, f);
        assert!((est - f).abs() < 0.1, "{est} Hz");
        // The delay is removed: about as many frames out as in, times the ratio.
        let expected = 200.0 * chunk as f64 * 48_000.0 / 44_100.0;
        assert!(
            (out.len() as f64 - expected).abs() < 2.0 * 1200.0,
            "{} vs {expected}",
            out.len()
        );
    }
}
