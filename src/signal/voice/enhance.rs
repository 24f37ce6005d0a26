//! The whole signal path at the model's rate: STFT, features, the three graphs block by
//! block, ERB gains and the deep filter, inverse STFT.
//!
//! The graphs run as streaming graphs over blocks of [`BLOCK_FRAMES`] frames, their
//! recurrent and convolution states carried from block to block, so the result equals the
//! frame-by-frame reference runtime's while memory stays bounded by a block. The look-ahead
//! is a shift: the gains and filter the model gives with frame `r`'s features belong to
//! frame `r - conv_lookahead`.

use super::deep_filter::apply_deep_filter;
use super::erb::{apply_band_gains, erb_band_widths};
use super::error::VoiceModelError;
use super::features::FeatureNorm;
use super::model::{BLOCK_FRAMES, VoiceModel};
use super::stft::VoiceStft;
use crate::signal::Complex32;
use tract_onnx::prelude::*;

/// Local SNR (dB) below which a frame is taken as noise alone and silenced, and above which
/// it is left as it is (libDF's C API thresholds: with the model's -15..35 dB range of
/// estimates, both stages run on every frame).
const MIN_LSNR_DB: f32 = -15.0;
const MAX_LSNR_DB: f32 = 35.0;

/// The model's outputs for one block of frames.
struct BlockOutputs {
    /// ERB gains, frame-major, `erb_bands` a frame.
    gains: Vec<f32>,
    /// Deep filter coefficients, frame-major, `[bin][tap][re, im]` a frame.
    coefs: Vec<f32>,
    /// Local SNR estimates, dB, one a frame.
    lsnr_db: Vec<f32>,
}

type State = TypedSimpleState;

fn graph_error(graph: &'static str) -> impl Fn(TractError) -> VoiceModelError {
    move |e| VoiceModelError::Graph {
        graph,
        message: format!("{e:#}"),
    }
}

fn to_vec(value: &TValue, graph: &'static str, expected_len: usize) -> Result<Vec<f32>, VoiceModelError> {
    let data = value
        .try_as_plain_ram()
        .and_then(|v| v.as_slice::<f32>().map(<[f32]>::to_vec))
        .map_err(graph_error(graph))?;
    if data.len() != expected_len {
        return Err(VoiceModelError::Graph {
            graph,
            message: format!("output of {} values, expected {expected_len}", data.len()),
        });
    }
    Ok(data)
}

fn tensor(shape: &[usize], data: &[f32], graph: &'static str) -> Result<TValue, VoiceModelError> {
    Tensor::from_shape(shape, data)
        .map(IntoTValue::into_tvalue)
        .map_err(graph_error(graph))
}

/// The three graphs' running states.
struct Streams {
    enc: State,
    erb_dec: State,
    df_dec: State,
}

impl Streams {
    fn new(model: &VoiceModel) -> Result<Streams, VoiceModelError> {
        Ok(Streams {
            enc: model.enc.spawn().map_err(graph_error("enc"))?,
            erb_dec: model.erb_dec.spawn().map_err(graph_error("erb_dec"))?,
            df_dec: model.df_dec.spawn().map_err(graph_error("df_dec"))?,
        })
    }

    /// Runs one block: `feat_erb` is `[frames][erb_bands]`, `feat_spec` `[re|im][frames][df_bins]`.
    fn run(
        &mut self,
        model: &VoiceModel,
        feat_erb: &[f32],
        feat_spec: &[f32],
    ) -> Result<BlockOutputs, VoiceModelError> {
        let c = &model.config;
        let (e, df, n) = (c.erb_bands, c.df_bins, BLOCK_FRAMES);
        let enc = self
            .enc
            .run(tvec![
                tensor(&[1, 1, n, e], feat_erb, "enc")?,
                tensor(&[1, 2, n, df], feat_spec, "enc")?
            ])
            .map_err(graph_error("enc"))?;
        let [e0, e1, e2, e3, emb, c0, lsnr] = enc.as_slice() else {
            return Err(VoiceModelError::Graph {
                graph: "enc",
                message: "not 7 outputs".into(),
            });
        };
        let lsnr_db = to_vec(lsnr, "enc", n)?;
        let gains = self
            .erb_dec
            .run(tvec![emb.clone(), e3.clone(), e2.clone(), e1.clone(), e0.clone()])
            .map_err(graph_error("erb_dec"))?;
        let gains = to_vec(&gains[0], "erb_dec", n * e)?;
        let coefs = self
            .df_dec
            .run(tvec![emb.clone(), c0.clone()])
            .map_err(graph_error("df_dec"))?;
        let coefs = to_vec(&coefs[0], "df_dec", n * df * c.df_order_frames * 2)?;
        Ok(BlockOutputs {
            gains,
            coefs,
            lsnr_db,
        })
    }
}

/// Runs the model over `samples` (one channel at the model's rate) and hands each of the
/// first `out_frames` frames to `sink` as `(frame, noisy spectrum, enhanced spectrum)`, in
/// order. Frame `t` covers samples `(t - 1) hop .. (t + 1) hop` (see [`VoiceStft`]); the
/// look-ahead frames past `out_frames` are analysed too (zeros past the end of `samples`).
pub fn run_frames(
    model: &VoiceModel,
    samples: &[f32],
    out_frames: usize,
    mut sink: impl FnMut(usize, &[Complex32], &[Complex32]),
) -> Result<(), VoiceModelError> {
    let c = &model.config;
    let hop = c.hop_samples;
    let bins = c.bins();
    let (e, df, order) = (c.erb_bands, c.df_bins, c.df_order_frames);
    let lookahead = c.conv_lookahead_frames;
    // Frames whose spectra reach the output, and the later ones whose features the
    // look-ahead needs (zeros past the end, as the streaming runtime's padding).
    let frames = out_frames + lookahead;
    let stft = VoiceStft::new(hop);
    let spectra = stft.analyse(samples, frames);
    let band_widths = erb_band_widths(c.sample_rate_hz, c.fft_len_samples, e, c.min_bins_per_erb_band);

    let mut norm = FeatureNorm::new(e, df, c.norm_alpha());
    let mut streams = Streams::new(model)?;
    let mut feat_erb = vec![0.0f32; BLOCK_FRAMES * e];
    let mut feat_spec = vec![0.0f32; 2 * BLOCK_FRAMES * df];
    let zero_gains = vec![0.0f32; e];
    let mut y = vec![Complex32::new(0.0, 0.0); bins];
    let mut taps: Vec<Option<&[Complex32]>> = Vec::with_capacity(order);
    for block_start in (0..frames).step_by(BLOCK_FRAMES) {
        // Features of the block's frames; past the end, zeros (the streaming graphs are
        // causal, so they do not change the frames before).
        feat_erb.fill(0.0);
        feat_spec.fill(0.0);
        let (feat_re, feat_im) = feat_spec.split_at_mut(BLOCK_FRAMES * df);
        for i in 0..BLOCK_FRAMES.min(frames - block_start) {
            let spectrum = &spectra[(block_start + i) * bins..(block_start + i + 1) * bins];
            norm.erb_features(spectrum, &band_widths, &mut feat_erb[i * e..(i + 1) * e]);
            norm.complex_features(
                &spectrum[..df],
                &mut feat_re[i * df..(i + 1) * df],
                &mut feat_im[i * df..(i + 1) * df],
            );
        }
        let out = streams.run(model, &feat_erb, &feat_spec)?;

        // The output frames whose model row is in this block.
        let first = block_start.saturating_sub(lookahead);
        let last = (block_start + BLOCK_FRAMES - lookahead).min(out_frames);
        for k in first..last {
            let row = k + lookahead;
            if row < block_start {
                continue;
            }
            let i = row - block_start;
            let noisy = &spectra[k * bins..(k + 1) * bins];
            y.copy_from_slice(noisy);
            let lsnr_db = out.lsnr_db[i];
            if lsnr_db <= MAX_LSNR_DB {
                let silenced = lsnr_db < MIN_LSNR_DB;
                let gains = if silenced {
                    &zero_gains[..]
                } else {
                    &out.gains[i * e..(i + 1) * e]
                };
                apply_band_gains(&mut y, &band_widths, gains);
                if !silenced {
                    // The filter's taps: the noisy frames row - order + 1 ..= row, oldest first.
                    taps.clear();
                    taps.extend((0..order).map(|n| {
                        (row + n + 1)
                            .checked_sub(order)
                            .map(|f| &spectra[f * bins..(f + 1) * bins])
                    }));
                    let coefs = &out.coefs[i * df * order * 2..(i + 1) * df * order * 2];
                    apply_deep_filter(&taps, coefs, df, &mut y);
                }
            }
            sink(k, noisy, &y);
        }
    }
    Ok(())
}

/// Isolates the voice in `samples` (one channel at the model's rate, 48 kHz): DeepFilterNet3
/// with no attenuation limit, the output aligned with the input and as long.
pub fn enhance(model: &VoiceModel, samples: &[f32]) -> Result<Vec<f32>, VoiceModelError> {
    let bins = model.config.bins();
    let out_frames = samples.len().div_ceil(model.config.hop_samples) + 1;
    let mut enhanced = vec![Complex32::new(0.0, 0.0); out_frames * bins];
    run_frames(model, samples, out_frames, |k, _, y| {
        enhanced[k * bins..(k + 1) * bins].copy_from_slice(y);
    })?;
    Ok(VoiceStft::new(model.config.hop_samples).synthesise(&enhanced, samples.len()))
}
