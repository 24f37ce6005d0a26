//! Property tests of every parser of user files: arbitrary bytes, and valid files with bytes
//! changed, cut or inserted, never panic; whatever a parser accepts is then usable (samples
//! decode finite, an edit list checks against a recording and rasterises, picture metadata
//! plans an import). The same parsers have cargo-fuzz targets under fuzz/ for longer runs.

use std::path::Path;

use proptest::prelude::*;
use spectro::edit::{EditList, MaskRaster};
use spectro::io::picture::{META_KEY, PictureMeta, PixelFormat, png_bytes, read_png_bytes};
use spectro::io::{OpenOptions, Recording};
use spectro::signal::{MemorySource, SampleSource, StftParams};

/// A small valid WAV: `channels` of 16-bit PCM at 8 kHz, 64 frames.
fn valid_wav(channels: u16) -> Vec<u8> {
    let frames = 64u32;
    let block = 2 * channels;
    let data_len = frames * block as u32;
    let mut v = b"RIFF".to_vec();
    v.extend((36 + data_len).to_le_bytes());
    v.extend(b"WAVEfmt ");
    v.extend(16u32.to_le_bytes());
    v.extend(1u16.to_le_bytes());
    v.extend(channels.to_le_bytes());
    v.extend(8000u32.to_le_bytes());
    v.extend((8000 * block as u32).to_le_bytes());
    v.extend(block.to_le_bytes());
    v.extend(16u16.to_le_bytes());
    v.extend(b"data");
    v.extend(data_len.to_le_bytes());
    v.extend((0..data_len).map(|i| (i * 37) as u8));
    v
}

const VALID_EDITS: &str = r#"{"version":1,"stft":{"fft":256,"hop":64,"window":"hann"},"phase":{"method":"pghi","iterations":3},"edits":[
  {"type":"rect","time_s":[0.001,0.004],"freq_hz":[100,2000],"gain_db":-20,"feather_s":0.001},
  {"type":"lasso","points":[[0,100],[0.005,900],[0.002,2500]],"gain_db":"-inf","invert":true},
  {"type":"brush","points":[[0.001,300],[0.004,600]],"radius_s":0.001,"radius_hz":50,"gain_db":-6,"channels":[0]},
  {"type":"erase","points":[[0.002,400]],"radius_s":0.002,"radius_hz":40},
  {"type":"paint","points":[[0.003,1000]],"radius_s":0.001,"radius_hz":30,"level_db":-30},
  {"type":"threshold","time_s":[0,0.008],"freq_hz":[0,4000],"below_db":-60,"gain_db":-30},
  {"type":"denoise","estimate":"auto","estimate_window_s":0.02,"smooth_s":0.01,"smooth_hz":100},
  {"type":"denoise","learn_time_s":[0,0.004],"learn_freq_hz":[0,3000],"reduction_db":12,"sensitivity":2},
  {"type":"denoise","profile":{"freq_hz":[0,4000],"density_db":[[-80,-90,-85]]}}
]}"#;

const VALID_SIGMF: &str = r#"{"global":{"core:datatype":"ci16_le","core:sample_rate":1000000,"core:version":"1.0.0"},
  "captures":[{"core:sample_start":0,"core:frequency":868300000}],"annotations":[]}"#;

/// Changes to a valid file: overwrite a byte, cut the end, insert a byte, copy a run.
#[derive(Clone, Debug)]
enum Mutation {
    Set(usize, u8),
    Truncate(usize),
    Insert(usize, u8),
    Copy(usize, usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<usize>(), any::<usize>(), 1usize..16).prop_map(|(a, b, n)| Mutation::Copy(a, b, n)),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let n = bytes.len().max(1);
        match *m {
            Mutation::Set(i, b) => {
                if !bytes.is_empty() {
                    bytes[i % n] = b;
                }
            }
            Mutation::Truncate(i) => bytes.truncate(i % n),
            Mutation::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
            Mutation::Copy(from, to, len) => {
                if !bytes.is_empty() {
                    let from = from % n;
                    let run: Vec<u8> = bytes[from..(from + len).min(bytes.len())].to_vec();
                    let to = to % n;
                    for (k, b) in run.into_iter().enumerate() {
                        if to + k < bytes.len() {
                            bytes[to + k] = b;
                        }
                    }
                }
            }
        }
    }
    bytes
}

/// Text mutations keep the result a string (JSON parsers take text).
fn mutate_text(text: &str, mutations: &[Mutation]) -> String {
    String::from_utf8_lossy(&mutate(text.as_bytes().to_vec(), mutations)).into_owned()
}

/// Opens `bytes` as a file with extension `ext` and, if it opens, reads every sample of every
/// channel: they must be finite.
fn open_and_read(bytes: Vec<u8>, ext: &str, options: OpenOptions) {
    let Ok(rec) = Recording::from_memory(format!("x.{ext}"), bytes, ext, options) else {
        return;
    };
    let n = rec.len().min(4096) as usize;
    for c in 0..rec.channels() {
        if rec.is_complex() {
            let mut z = vec![Default::default(); n + 8];
            rec.read_complex(c, -4, &mut z);
            assert!(
                z.iter()
                    .all(|v: &spectro::signal::Complex32| v.re.is_finite() && v.im.is_finite())
            );
        } else {
            let mut x = vec![0.0f32; n + 8];
            rec.read_real(c, -4, &mut x);
            assert!(x.iter().all(|v| v.is_finite()));
        }
    }
    assert!(rec.sample_rate() >= 1.0 && rec.sample_rate().is_finite());
}

/// Checks a parsed edit list against a small recording and rasterises a few frames.
fn use_edit_list(list: &EditList, channels: usize, complex: bool) {
    let fs = 8000.0;
    let real = MemorySource {
        sample_rate: fs,
        channels: vec![vec![0.1f32; 800]; channels],
    };
    let iq = MemorySource {
        sample_rate: fs,
        channels: vec![vec![spectro::signal::Complex32::new(0.1, -0.1); 800]; channels],
    };
    let source: &dyn SampleSource = if complex { &iq } else { &real };
    let params = list.stft.map_or(StftParams::with_fft(256), |s| s.params());
    if params.validate().is_err() || list.check_against(source, params).is_err() {
        return;
    }
    let grid = spectro::edit::Grid {
        sample_rate: fs,
        fft_len: params.fft_len,
        hop: params.hop,
        complex,
    };
    let raster = MaskRaster::new(&list.edits, grid);
    let mut gains = vec![0.0f32; grid.bins()];
    let levels = vec![-50.0f32; grid.bins()];
    for frame in 0..4 {
        for c in 0..channels {
            raster.frame_gains(c, frame, Some(&levels), &mut gains);
            assert!(gains.iter().all(|g| g.is_finite()));
        }
    }
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(2048))]

    #[test]
    fn wav_parser_takes_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = spectro::io::wav::parse(&bytes);
        open_and_read(bytes, "wav", OpenOptions::default());
    }

    #[test]
    fn wav_parser_takes_mutated_wavs(
        channels in 1u16..4,
        mutations in proptest::collection::vec(mutation(), 1..6),
        iq in any::<bool>(),
    ) {
        let bytes = mutate(valid_wav(channels), &mutations);
        let _ = spectro::io::wav::parse(&bytes);
        open_and_read(bytes, "wav", OpenOptions { iq, sample_rate: None });
    }

    #[test]
    fn float_wavs_with_any_bit_pattern_read_finite(words in proptest::collection::vec(any::<u32>(), 1..256)) {
        let mut bytes = valid_wav(2);
        // Float tag, 32 bits, 8-byte frames.
        bytes[20..22].copy_from_slice(&3u16.to_le_bytes());
        bytes[28..32].copy_from_slice(&64000u32.to_le_bytes());
        bytes[32..34].copy_from_slice(&8u16.to_le_bytes());
        bytes[34..36].copy_from_slice(&32u16.to_le_bytes());
        let n = (words.len() / 2 * 2).max(2);
        let data: Vec<u8> = words.iter().cycle().take(n).flat_map(|w| w.to_le_bytes()).collect();
        bytes.truncate(40);
        bytes.extend((data.len() as u32).to_le_bytes());
        bytes.extend(data);
        open_and_read(bytes, "wav", OpenOptions::default());
    }

    #[test]
    fn raw_iq_takes_arbitrary_bytes_and_rates(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
        ext in prop_oneof![Just("cu8"), Just("cs8"), Just("cs16"), Just("cf32"), Just("sc16"), Just("cfile")],
        rate in prop_oneof![any::<f64>(), 0.0f64..1e10],
    ) {
        open_and_read(bytes, ext, OpenOptions { iq: false, sample_rate: Some(rate) });
    }

    #[test]
    fn name_hints_take_any_name(name in "\\PC{0,40}") {
        let h = spectro::io::name_hints::name_hints(Path::new(&name));
        prop_assert!(h.sample_rate_hz.is_none_or(|r| r > 0.0 && r.is_finite()));
        prop_assert!(h.center_freq_hz.is_none_or(|f| f > 0.0 && f.is_finite()));
    }

    #[test]
    fn sigmf_parser_takes_arbitrary_text(text in "\\PC{0,200}") {
        let _ = spectro::io::sigmf::parse(Path::new("x.sigmf-meta"), &text);
    }

    #[test]
    fn sigmf_parser_takes_mutated_metadata(mutations in proptest::collection::vec(mutation(), 1..6)) {
        if let Ok(m) = spectro::io::sigmf::parse(Path::new("x.sigmf-meta"), &mutate_text(VALID_SIGMF, &mutations)) {
            prop_assert!(m.sample_rate.is_none_or(|r| (1.0..=i32::MAX as f64).contains(&r)));
        }
    }

    #[test]
    fn edit_list_parser_takes_arbitrary_text(text in "\\PC{0,300}") {
        if let Ok(list) = EditList::from_json(&text) {
            use_edit_list(&list, 1, false);
        }
    }

    #[test]
    fn edit_list_parser_takes_mutated_lists(
        mutations in proptest::collection::vec(mutation(), 1..8),
        channels in 1usize..3,
        complex in any::<bool>(),
    ) {
        if let Ok(list) = EditList::from_json(&mutate_text(VALID_EDITS, &mutations)) {
            use_edit_list(&list, channels, complex);
            // What parses writes back to a list that parses to the same.
            prop_assert_eq!(EditList::from_json(&list.to_json()).ok(), Some(list));
        }
    }

    #[test]
    fn picture_metadata_takes_arbitrary_text(text in "\\PC{0,300}") {
        let _ = PictureMeta::from_json(&text);
    }

    #[test]
    fn png_decoder_takes_arbitrary_bytes(tail in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut bytes = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
        bytes.extend(tail);
        let _ = read_png_bytes(&bytes);
    }
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn picture_metadata_takes_mutated_metadata_and_plans(
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let (png, meta) = valid_picture();
        let text = mutate_text(&meta, &mutations);
        if PictureMeta::from_json(&text).is_err() {
            return Ok(());
        }
        // Metadata that reads must plan an import of its picture, or refuse it, without panic.
        let picture = read_png_bytes(&png).unwrap();
        let mut picture = picture;
        picture.text = vec![(META_KEY.to_owned(), text)];
        let _ = spectro::image::plan_import(&picture, &Default::default());
    }

    #[test]
    fn png_decoder_takes_mutated_pictures(mutations in proptest::collection::vec(mutation(), 1..6)) {
        let (png, _) = valid_picture();
        if let Ok(p) = read_png_bytes(&mutate(png, &mutations)) {
            let _ = p.meta();
        }
    }
}

/// A small picture with valid Spectro metadata (rendered from a tone), and its metadata.
fn valid_picture() -> (Vec<u8>, String) {
    use std::sync::OnceLock;
    static PICTURE: OnceLock<(Vec<u8>, String)> = OnceLock::new();
    PICTURE
        .get_or_init(|| {
            let meta = r#"{"version":1,"generator":"spectro","sample_rate":8000.0,"iq":false,"duration_s":0.1,
                "signal_len":800,"start_s":0.0,"frames":[0,13],"fft":256,"hop":64,"window":"hann",
                "convention":"scipy","scale":"linear","freq_hz":[0.0,4000.0],"floor_db":-90.0,"ceiling_db":0.0,
                "colors":{"palette":"inferno"},"channel":null,"channels":1,"cells":false,"width":13,"height":16,
                "plot":{"left":0,"top":0,"right":13,"bottom":16}}"#
                .replace(char::is_whitespace, "");
            PictureMeta::from_json(&meta).expect("the reference metadata is valid");
            let pixels: Vec<u8> = (0..13 * 16 * 3).map(|i| (i * 7) as u8).collect();
            let png = png_bytes(13, 16, PixelFormat::Rgb8, &pixels, &[(META_KEY, meta.clone())]).unwrap();
            (png, meta)
        })
        .clone()
}

/// The valid files the mutations start from are valid: otherwise the mutation tests would only
/// ever see refusals.
#[test]
fn the_files_mutated_are_valid() {
    for channels in 1..4 {
        let rec =
            Recording::from_memory("x.wav", valid_wav(channels), "wav", OpenOptions::default()).unwrap();
        assert_eq!((rec.channels(), rec.len()), (channels as usize, 64));
    }
    let list = EditList::from_json(VALID_EDITS).unwrap();
    assert_eq!(list.edits.len(), 9);
    let source = MemorySource {
        sample_rate: 8000.0,
        channels: vec![vec![0.1f32; 800]],
    };
    list.check_against(&source, list.stft.unwrap().params()).unwrap();
    let m = spectro::io::sigmf::parse(Path::new("x.sigmf-meta"), VALID_SIGMF).unwrap();
    assert_eq!(m.sample_rate, Some(1e6));
    let (png, _) = valid_picture();
    let picture = read_png_bytes(&png).unwrap();
    assert!(picture.meta().unwrap().is_ok());
    spectro::image::plan_import(&picture, &Default::default()).unwrap();
}
