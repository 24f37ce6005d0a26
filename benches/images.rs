//! Spectrogram pictures (issue 6): exporting a picture and turning pictures back into sound.
//!
//! `cargo bench --bench images`. Inputs from tests/data:
//! - `ao73`: sat_ao73.wav (5.6 s at 48 kHz), drawn one pixel per cell (2048 / 512, 524 × 1025);
//! - `specshow`: specshow_ao73.png, librosa's picture of its first 3 s (600 × 400, log axis,
//!   magma), read with the options the test gives.

use criterion::{Criterion, criterion_group, criterion_main};
use spectro::image::{ExportSettings, ImportOptions, PlotSize, export_picture, import_picture, plan_import};
use spectro::io::Recording;
use spectro::io::picture::{PictureColors, read_png, read_png_bytes};
use spectro::pipeline::picture::Levels;
use spectro::signal::phase::{Method, PhaseOptions};
use spectro::signal::{Colormap, Convention, FreqScale, Progress, SampleSource, Stft, StftParams};

fn data(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn bench_images(c: &mut Criterion) {
    let rec = Recording::open(data("sat_ao73.wav"), Default::default()).unwrap();
    let stft = Stft::<f32>::new(StftParams::with_fft(2048), Convention::Scipy).unwrap();
    let settings = ExportSettings {
        frames: 0..stft.num_frames(rec.len()),
        size: PlotSize::Cells,
        scale: FreqScale::Linear,
        freq_hz: None,
        channel: None,
        range_db: 90.0,
        ceiling_db: None,
        colors: PictureColors::Palette(Colormap::Inferno),
        axes: false,
    };
    let export = || export_picture(&rec, None, &stft, Levels::Original, &settings, &Progress::new()).unwrap();
    let cells = read_png_bytes(&export().png()).unwrap();
    let specshow = read_png(&data("specshow_ao73.png")).unwrap();
    let specshow_options = ImportOptions {
        sample_rate: Some(48000.0),
        hop: Some(512),
        duration_s: Some(3.0),
        scale: Some(FreqScale::LibrosaLog),
        range_db: Some(80.0),
        ..Default::default()
    };

    let mut group = c.benchmark_group("images");
    group.sample_size(10);
    group.bench_function("export_cells_ao73", |b| b.iter(|| export().png()));
    for iterations in [32, 100] {
        let mut phase = PhaseOptions::new(Method::PghiFgla);
        phase.iterations = iterations;
        group.bench_function(format!("import_cells_ao73_{iterations}it"), |b| {
            b.iter(|| {
                let plan = plan_import(&cells, &ImportOptions::default()).unwrap();
                import_picture::<f32>(&cells, &plan, None, &phase, &Progress::new()).unwrap()
            })
        });
        group.bench_function(format!("import_specshow_{iterations}it"), |b| {
            b.iter(|| {
                let plan = plan_import(&specshow, &specshow_options).unwrap();
                import_picture::<f32>(&specshow, &plan, None, &phase, &Progress::new()).unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_images);
criterion_main!(benches);
