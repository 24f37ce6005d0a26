//! The whole signal path at the model's rate: STFT, features, the three graphs over all
//! frames at once, ERB gains and the deep filter, inverse STFT.
//!
//! Offline, every frame's features are known up front, so the graphs run once over the
//! whole sequence instead of frame by frame: their convolutions are causal in time and
//! their recurrent layers start from zero, as the streaming runtime's do, so the result is
//! the same. The look-ahead is a shift: the gains and filter the model gives with frame
//! `r`'s features belong to frame `r - conv_lookahead`.

use super::deep_filter::apply_deep_filter;
use super::erb::{apply_band_gains, erb_band_widths};
use super::error::VoiceModelError;
use super::features::FeatureNorm;
use super::model::{Plan, VoiceModel};
use super::stft::VoiceStft;
use crate::signal::Complex32;
use tract_onnx::prelude::*;

/// Local SNR (dB) below which a frame is taken as noise alone and silenced, and above which
/// it is left as it is (libDF's C API thresholds: with the model's -15..35 dB range of
/// estimates, both stages run on every frame).
const MIN_LSNR_DB: f32 = -15.0;
const MAX_LSNR_DB: f32 = 35.0;

/// The model's outputs for every frame of a recording.
struct ModelOutputs {
    /// ERB gains, frame-major, `erb_bands` a frame.
    gains: Vec<f32>,
    /// Deep filter coefficients, frame-major, `[bin][tap][re, im]` a frame.
    coefs: Vec<f32>,
    /// Local SNR estimates, dB, one a frame.
    lsnr_db: Vec<f32>,
}

fn graph_error(graph: &'static str) -> impl Fn(TractError) -> VoiceModelError {
    move |e| VoiceModelError::Graph {
        graph,
        message: format!("{e:#}"),
    }
}

fn run(plan: &Plan, graph: &'static str, inputs: TVec<TValue>) -> Result<TVec<TValue>, VoiceModelError> {
    plan.run(inputs).map_err(graph_error(graph))
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

/// Runs the encoder and both decoders over `frames` frames of features.
fn run_model(
    model: &VoiceModel,
    frames: usize,
    feat_erb: &[f32],
    feat_spec: &[f32],
) -> Result<ModelOutputs, VoiceModelError> {
    let c = &model.config;
    let (e, df) = (c.erb_bands, c.df_bins);
    let enc = run(
        &model.enc,
        "enc",
        tvec![
            tensor(&[1, 1, frames, e], feat_erb, "enc")?,
            tensor(&[1, 2, frames, df], feat_spec, "enc")?
        ],
    )?;
    let [e0, e1, e2, e3, emb, c0, lsnr] = enc.as_slice() else {
        return Err(VoiceModelError::Graph {
            graph: "enc",
            message: "not 7 outputs".into(),
        });
    };
    let lsnr_db = to_vec(lsnr, "enc", frames)?;
    let gains = run(
        &model.erb_dec,
        "erb_dec",
        tvec![emb.clone(), e3.clone(), e2.clone(), e1.clone(), e0.clone()],
    )?;
    let gains = to_vec(&gains[0], "erb_dec", frames * e)?;
    let coefs = run(&model.df_dec, "df_dec", tvec![emb.clone(), c0.clone()])?;
    let coefs = to_vec(&coefs[0], "df_dec", frames * df * c.df_order_frames * 2)?;
    Ok(ModelOutputs {
        gains,
        coefs,
        lsnr_db,
    })
}

/// Isolates the voice in `samples` (one channel at the model's rate, 48 kHz): DeepFilterNet3
/// with no attenuation limit, the output aligned with the input and as long.
pub fn enhance(model: &VoiceModel, samples: &[f32]) -> Result<Vec<f32>, VoiceModelError> {
    let c = &model.config;
    let hop = c.hop_samples;
    let bins = c.bins();
    let (e, df, order) = (c.erb_bands, c.df_bins, c.df_order_frames);
    let lookahead = c.conv_lookahead_frames;
    // Frames whose spectra reach the output, and the later ones whose features the
    // look-ahead needs (zeros past the end, as the streaming runtime's padding).
    let out_frames = samples.len().div_ceil(hop) + 1;
    let frames = out_frames + lookahead;
    let stft = VoiceStft::new(hop);
    let spectra = stft.analyse(samples, frames);
    let band_widths = erb_band_widths(c.sample_rate_hz, c.fft_len_samples, e, c.min_bins_per_erb_band);

    let mut norm = FeatureNorm::new(e, df, c.norm_alpha());
    let mut feat_erb = vec![0.0f32; frames * e];
    // [re | im] planes, each frame-major: the encoder's [1, 2, frames, df_bins] input.
    let mut feat_spec = vec![0.0f32; 2 * frames * df];
    let (feat_re, feat_im) = feat_spec.split_at_mut(frames * df);
    for (t, spectrum) in spectra.chunks_exact(bins).enumerate() {
        norm.erb_features(spectrum, &band_widths, &mut feat_erb[t * e..(t + 1) * e]);
        norm.complex_features(
            &spectrum[..df],
            &mut feat_re[t * df..(t + 1) * df],
            &mut feat_im[t * df..(t + 1) * df],
        );
    }
    let out = run_model(model, frames, &feat_erb, &feat_spec)?;

    let zero_gains = vec![0.0f32; e];
    let mut enhanced = vec![Complex32::new(0.0, 0.0); out_frames * bins];
    let mut taps: Vec<Option<&[Complex32]>> = Vec::with_capacity(order);
    for (k, y) in enhanced.chunks_exact_mut(bins).enumerate() {
        let row = k + lookahead;
        y.copy_from_slice(&spectra[k * bins..(k + 1) * bins]);
        let lsnr_db = out.lsnr_db[row];
        if lsnr_db > MAX_LSNR_DB {
            continue;
        }
        let gains = if lsnr_db < MIN_LSNR_DB {
            &zero_gains[..]
        } else {
            &out.gains[row * e..(row + 1) * e]
        };
        apply_band_gains(y, &band_widths, gains);
        if lsnr_db < MIN_LSNR_DB {
            continue;
        }
        // The filter's taps: the noisy frames row - order + 1 ..= row, oldest first.
        taps.clear();
        taps.extend((0..order).map(|n| {
            (row + n + 1)
                .checked_sub(order)
                .map(|f| &spectra[f * bins..(f + 1) * bins])
        }));
        let coefs = &out.coefs[row * df * order * 2..(row + 1) * df * order * 2];
        apply_deep_filter(&taps, coefs, df, y);
    }
    Ok(stft.synthesise(&enhanced, samples.len()))
}
