//! Where samples come from: anything that can read a range of a channel on demand.
//!
//! Files are mapped rather than decoded whole (see `io`), so an hour-long recording or a
//! gigabyte capture costs no memory until a range is read.

use rustfft::num_complex::Complex32;

use super::fft::StftSample;

/// A recording readable by range. Reads outside `0..len` yield zeros, which is exactly the
/// padding centred STFT frames need at both ends.
pub trait SampleSource: Send + Sync {
    /// Samples per second (per channel).
    fn sample_rate(&self) -> f64;
    /// Samples per channel.
    fn len(&self) -> u64;
    /// True when there are no samples.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Number of channels: real channels, or complex channels for IQ.
    fn channels(&self) -> usize;
    /// True when the channels are complex (IQ).
    fn is_complex(&self) -> bool;
    /// Reads real samples `start .. start + out.len()` of `channel`.
    ///
    /// For a complex source this reads the in-phase part.
    fn read_real(&self, channel: usize, start: i64, out: &mut [f32]);
    /// Reads complex samples `start .. start + out.len()` of `channel`.
    ///
    /// For a real source the imaginary part is zero.
    fn read_complex(&self, channel: usize, start: i64, out: &mut [Complex32]);
    /// Duration in seconds.
    fn duration_s(&self) -> f64 {
        self.len() as f64 / self.sample_rate()
    }
}

/// Reads samples of the type an STFT works on.
pub trait ReadSamples: StftSample {
    /// Reads `out.len()` samples of `channel` starting at `start`.
    fn read(source: &dyn SampleSource, channel: usize, start: i64, out: &mut [Self]);
}

impl ReadSamples for f32 {
    fn read(source: &dyn SampleSource, channel: usize, start: i64, out: &mut [f32]) {
        source.read_real(channel, start, out);
    }
}

impl ReadSamples for Complex32 {
    fn read(source: &dyn SampleSource, channel: usize, start: i64, out: &mut [Complex32]) {
        source.read_complex(channel, start, out);
    }
}

/// Samples held in memory, one vector per channel.
#[derive(Clone, Debug)]
pub struct MemorySource<T> {
    /// Samples per second.
    pub sample_rate: f64,
    /// One vector per channel, all the same length.
    pub channels: Vec<Vec<T>>,
}

impl<T: Copy + Default> MemorySource<T> {
    fn copy_range(&self, channel: usize, start: i64, out: &mut [T]) {
        out.fill(T::default());
        let data = &self.channels[channel];
        let lo = start.max(0);
        let hi = (start + out.len() as i64).min(data.len() as i64);
        if lo < hi {
            out[(lo - start) as usize..(hi - start) as usize]
                .copy_from_slice(&data[lo as usize..hi as usize]);
        }
    }
}

impl SampleSource for MemorySource<f32> {
    fn sample_rate(&self) -> f64 {
        self.sample_rate
    }
    fn len(&self) -> u64 {
        self.channels.first().map_or(0, |c| c.len() as u64)
    }
    fn channels(&self) -> usize {
        self.channels.len()
    }
    fn is_complex(&self) -> bool {
        false
    }
    fn read_real(&self, channel: usize, start: i64, out: &mut [f32]) {
        self.copy_range(channel, start, out);
    }
    fn read_complex(&self, channel: usize, start: i64, out: &mut [Complex32]) {
        let mut re = vec![0.0; out.len()];
        self.copy_range(channel, start, &mut re);
        for (o, r) in out.iter_mut().zip(re) {
            *o = Complex32::new(r, 0.0);
        }
    }
}

impl SampleSource for MemorySource<Complex32> {
    fn sample_rate(&self) -> f64 {
        self.sample_rate
    }
    fn len(&self) -> u64 {
        self.channels.first().map_or(0, |c| c.len() as u64)
    }
    fn channels(&self) -> usize {
        self.channels.len()
    }
    fn is_complex(&self) -> bool {
        true
    }
    fn read_real(&self, channel: usize, start: i64, out: &mut [f32]) {
        let mut c = vec![Complex32::default(); out.len()];
        self.copy_range(channel, start, &mut c);
        for (o, z) in out.iter_mut().zip(c) {
            *o = z.re;
        }
    }
    fn read_complex(&self, channel: usize, start: i64, out: &mut [Complex32]) {
        self.copy_range(channel, start, out);
    }
}
