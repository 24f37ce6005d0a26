//! File > Open image as sound: a window that shows the picture, lets the user crop it to the
//! plot (drag a rectangle or type the edges), asks what the picture cannot tell when it has no
//! Spectro metadata, and previews the decoded spectrogram. OK sends an import request; the app
//! runs the import as a background job and opens the result as a document.

use std::path::PathBuf;
use std::sync::Arc;

use super::command::{Command, CommandSender};
use super::jobs::Job;
use crate::image::import::{grid_levels, plot_levels};
use crate::image::{DEFAULT_IMPORT_ITERATIONS, ImportOptions, ImportPlan, plan_import};
use crate::io::picture::{Picture, PictureColors, PictureMeta, PixelRect};
use crate::signal::phase::Method;
use crate::signal::{Colormap, FreqScale};

/// What to import, sent with [`Command::ImportImage`].
#[derive(Clone, Debug, PartialEq)]
pub struct ImageImportRequest {
    /// The picture's file.
    pub path: PathBuf,
    /// The decoded picture.
    pub picture: Arc<Picture>,
    /// What the user said about it (empty for a picture with Spectro metadata).
    pub options: ImportOptions,
    /// Phase reconstruction method.
    pub method: Method,
    /// Its iterations.
    pub iterations: usize,
    /// Keep the open recording's phase where the picture is unchanged (Spectro pictures of it).
    pub use_original: bool,
}

/// The dialog's editable settings.
#[derive(Clone, Debug, PartialEq)]
struct Form {
    ignore_meta: bool,
    sample_rate: f64,
    use_duration: bool,
    duration_s: f64,
    use_hop: bool,
    hop: usize,
    fft: usize,
    scale: FreqScale,
    custom_range: bool,
    freq_hz: [f64; 2],
    colormap: Option<Colormap>,
    range_db: f32,
    use_ceiling: bool,
    ceiling_db: f32,
    crop: PixelRect,
    iq: bool,
    method: Method,
    iterations: usize,
}

impl Form {
    fn new(width: u32, height: u32) -> Self {
        // librosa's defaults: the most common source of spectrogram pictures.
        Form {
            ignore_meta: false,
            sample_rate: 22050.0,
            use_duration: false,
            duration_s: 5.0,
            use_hop: true,
            hop: 512,
            fft: 2048,
            scale: FreqScale::Linear,
            custom_range: false,
            freq_hz: [0.0, 11025.0],
            colormap: None,
            range_db: 80.0,
            use_ceiling: false,
            ceiling_db: 0.0,
            crop: PixelRect::whole(width, height),
            iq: false,
            method: Method::PghiFgla,
            iterations: DEFAULT_IMPORT_ITERATIONS,
        }
    }

    /// The import options, given whether Spectro metadata is used.
    fn options(&self, uses_meta: bool) -> ImportOptions {
        if uses_meta {
            return ImportOptions::default();
        }
        ImportOptions {
            sample_rate: Some(self.sample_rate),
            duration_s: self.use_duration.then_some(self.duration_s),
            hop: self.use_hop.then_some(self.hop),
            fft: Some(self.fft),
            scale: Some(self.scale),
            freq_hz: self.custom_range.then_some(self.freq_hz),
            colormap: self.colormap,
            range_db: Some(self.range_db),
            ceiling_db: self.use_ceiling.then_some(self.ceiling_db),
            crop: Some(self.crop),
            iq: self.iq,
            ignore_meta: self.ignore_meta,
        }
    }
}

/// A decoded preview: the levels on the STFT grid, coloured.
struct PreviewImage {
    image: egui::ColorImage,
    summary: String,
}

/// The most pixels a preview has across and down.
const PREVIEW_SIZE: [usize; 2] = [720, 160];

fn describe(plan: &ImportPlan) -> String {
    let colors = match plan.colors {
        PictureColors::Palette(m) if plan.colors_guessed => {
            format!("{} (best fit, RMS distance {:.1})", m.name(), plan.color_rms)
        }
        PictureColors::Palette(m) => m.name().to_owned(),
        PictureColors::Gray16 => "16-bit grey".to_owned(),
    };
    format!(
        "{:.3} s at {} Hz, {} frames × {} bins (FFT {}, hop {}), {} scale {:.0}–{:.0} Hz, colours {colors}, {:.0}…{:.0} dB{}",
        plan.signal_len as f64 / plan.sample_rate,
        plan.sample_rate,
        plan.frames(),
        plan.axis().len(),
        plan.stft.fft_len,
        plan.stft.hop,
        plan.scale,
        plan.freq_hz[0],
        plan.freq_hz[1],
        plan.floor_db,
        plan.ceiling_db,
        if plan.relative { " (relative)" } else { "" }
    )
}

/// Decodes the picture as the import would and draws the levels on the STFT grid, highest
/// frequency at the top, in `colormap`.
fn preview(picture: &Picture, options: &ImportOptions, colormap: Colormap) -> Result<PreviewImage, String> {
    let plan = plan_import(picture, options).map_err(|e| e.to_string())?;
    let grid = grid_levels(&plot_levels(picture, &plan), &plan);
    let (w, h) = (
        grid.frames.clamp(1, PREVIEW_SIZE[0]),
        grid.bins.clamp(1, PREVIEW_SIZE[1]),
    );
    let lut = colormap.lut();
    let mut rgb = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        // Top row: the highest bins; each pixel takes the maximum of the cells it covers.
        let b1 = grid.bins - y * grid.bins / h;
        let b0 = (grid.bins - (y + 1) * grid.bins / h).min(b1 - 1);
        for x in 0..w {
            let f0 = x * grid.frames / w;
            let f1 = ((x + 1) * grid.frames / w).max(f0 + 1);
            let mut t = f32::NEG_INFINITY;
            for f in f0..f1 {
                for b in b0..b1 {
                    let v = grid.t[f * grid.bins + b];
                    if v.is_finite() {
                        t = t.max(v);
                    }
                }
            }
            let i = if t.is_finite() {
                (t.clamp(0.0, 1.0) * 255.0).round() as usize
            } else {
                0
            };
            rgb.extend_from_slice(&lut[i]);
        }
    }
    Ok(PreviewImage {
        image: egui::ColorImage::from_rgb([w, h], &rgb),
        summary: describe(&plan),
    })
}

/// A copy of the picture for display, at most `max_side` pixels a side.
fn thumbnail(picture: &Picture, max_side: usize) -> egui::ColorImage {
    let (w, h) = (picture.width as usize, picture.height as usize);
    let step = w.max(h).div_ceil(max_side.max(1)).max(1);
    let (tw, th) = (w.div_ceil(step), h.div_ceil(step));
    let mut rgb = Vec::with_capacity(tw * th * 3);
    for y in 0..th {
        for x in 0..tw {
            rgb.extend_from_slice(&picture.rgb((x * step) as u32, (y * step) as u32));
        }
    }
    egui::ColorImage::from_rgb([tw, th], &rgb)
}

/// The Open image as sound window.
pub struct ImageImportDialog {
    path: PathBuf,
    picture: Arc<Picture>,
    meta: Option<PictureMeta>,
    meta_error: Option<String>,
    texture: Option<egui::TextureHandle>,
    form: Form,
    drag_from: Option<[u32; 2]>,
    preview: Option<(egui::TextureHandle, String)>,
    preview_error: Option<String>,
    preview_job: Option<(Form, Job<Result<PreviewImage, String>>)>,
    previewed: Option<Form>,
    /// Whether the open recording can serve as the original, and if so how it is described.
    original: Option<String>,
    use_original: bool,
}

impl ImageImportDialog {
    /// A dialog for `picture`, read from `path`. `original` describes the open recording when
    /// it is the one a Spectro picture was exported from.
    pub fn new(path: PathBuf, picture: Picture, original: Option<String>) -> Self {
        let (meta, meta_error) = match picture.meta() {
            Some(Ok(m)) => (Some(m), None),
            Some(Err(e)) => (None, Some(e)),
            None => (None, None),
        };
        let form = Form::new(picture.width, picture.height);
        let use_original = original.is_some();
        ImageImportDialog {
            path,
            picture: Arc::new(picture),
            meta,
            meta_error,
            texture: None,
            form,
            drag_from: None,
            preview: None,
            preview_error: None,
            preview_job: None,
            previewed: None,
            original,
            use_original,
        }
    }

    /// The picture's Spectro metadata, if it has readable metadata.
    pub fn meta(&self) -> Option<&PictureMeta> {
        self.meta.as_ref()
    }

    fn uses_meta(&self) -> bool {
        self.meta.is_some() && !self.form.ignore_meta
    }

    /// True while the preview is being computed.
    pub fn is_busy(&self) -> bool {
        self.preview_job.is_some() || self.previewed.as_ref() != Some(&self.form)
    }

    /// Keeps the preview in step with the settings: starts a job when they changed.
    fn refresh_preview(&mut self, ctx: &egui::Context, colormap: Colormap) {
        if let Some((form, job)) = &self.preview_job
            && let Some(result) = job.poll()
        {
            let form = form.clone();
            self.preview_job = None;
            match result {
                Ok(p) => {
                    let texture =
                        ctx.load_texture("image-import-preview", p.image, egui::TextureOptions::NEAREST);
                    self.preview = Some((texture, p.summary));
                    self.preview_error = None;
                }
                Err(e) => {
                    self.preview = None;
                    self.preview_error = Some(e);
                }
            }
            self.previewed = Some(form);
        }
        if self.preview_job.is_none() && self.previewed.as_ref() != Some(&self.form) {
            let form = self.form.clone();
            let options = form.options(self.uses_meta());
            let picture = self.picture.clone();
            self.preview_job = Some((
                form,
                Job::spawn("Preview", ctx, move |_| preview(&picture, &options, colormap)),
            ));
        }
    }

    /// Draws the window; returns false once it is closed (OK or Cancel).
    pub fn ui(&mut self, ctx: &egui::Context, colormap: Colormap, commands: &CommandSender) -> bool {
        self.refresh_preview(ctx, colormap);
        if self.texture.is_none() {
            let max = ctx.input(|i| i.max_texture_side).min(4096);
            self.texture = Some(ctx.load_texture(
                "image-import-picture",
                thumbnail(&self.picture, max),
                egui::TextureOptions::LINEAR,
            ));
        }
        let mut keep_open = true;
        let mut ok = false;
        let title = format!(
            "Open image as sound — {}",
            self.path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        );
        let screen = ctx.content_rect();
        egui::Window::new(title)
            .id(egui::Id::unique("image-import"))
            .collapsible(false)
            .resizable(true)
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(screen.center())
            .default_size([780.0, (screen.height() - 60.0).min(860.0)])
            .show(ctx, |ui| {
                egui::ScrollArea::vertical()
                    .auto_shrink([false, true])
                    .show(ui, |ui| {
                        self.picture_ui(ui);
                        ui.separator();
                        self.settings_ui(ui);
                        ui.separator();
                        self.preview_ui(ui);
                        ui.separator();
                        ui.horizontal(|ui| {
                            let ready = self.preview_error.is_none() && !self.is_busy();
                            if ui
                                .add_enabled(ready, egui::Button::new("Open as sound"))
                                .on_disabled_hover_text("Settings that work first: see the preview")
                                .clicked()
                            {
                                ok = true;
                            }
                            if ui.button("Cancel").clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape))
                            {
                                keep_open = false;
                            }
                            if self.is_busy() {
                                crate::ui::busy::busy_ui(ui);
                            }
                        });
                    });
            });
        if ok {
            commands.send(Command::ImportImage(Box::new(ImageImportRequest {
                path: self.path.clone(),
                picture: self.picture.clone(),
                options: self.form.options(self.uses_meta()),
                method: self.form.method,
                iterations: self.form.iterations,
                use_original: self.uses_meta() && self.use_original && self.original.is_some(),
            })));
            keep_open = false;
        }
        keep_open
    }

    /// The picture with the crop rectangle; dragging on it sets the crop.
    fn picture_ui(&mut self, ui: &mut egui::Ui) {
        let Some(texture) = &self.texture else { return };
        let (w, h) = (self.picture.width as f32, self.picture.height as f32);
        let avail = ui.available_width().clamp(200.0, 720.0);
        let scale = (avail / w).min(240.0 / h);
        let size = egui::vec2(w * scale, h * scale);
        let sense = if self.uses_meta() {
            egui::Sense::hover()
        } else {
            egui::Sense::click_and_drag()
        };
        let (rect, response) = ui.allocate_exact_size(size, sense);
        let painter = ui.painter_at(rect);
        painter.image(
            texture.id(),
            rect,
            egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
            egui::Color32::WHITE,
        );
        let to_pixel = |p: egui::Pos2| {
            [
                (((p.x - rect.left()) / scale).round().clamp(0.0, w)) as u32,
                (((p.y - rect.top()) / scale).round().clamp(0.0, h)) as u32,
            ]
        };
        if response.drag_started()
            && let Some(p) = response.interact_pointer_pos()
        {
            self.drag_from = Some(to_pixel(p));
        }
        if response.dragged()
            && let (Some(a), Some(p)) = (self.drag_from, response.interact_pointer_pos())
        {
            let b = to_pixel(p);
            let crop = PixelRect {
                left: a[0].min(b[0]),
                top: a[1].min(b[1]),
                right: a[0].max(b[0]),
                bottom: a[1].max(b[1]),
            };
            if crop.width() >= 2 && crop.height() >= 2 {
                self.form.crop = crop;
            }
        }
        if response.drag_stopped() {
            self.drag_from = None;
        }
        let plot = match &self.meta {
            Some(m) if self.uses_meta() => m.plot,
            _ => self.form.crop,
        };
        let r = egui::Rect::from_min_max(
            rect.min + egui::vec2(plot.left as f32, plot.top as f32) * scale,
            rect.min + egui::vec2(plot.right as f32, plot.bottom as f32) * scale,
        );
        // Dim what is cut away, outline the plot.
        let dim = egui::Color32::from_black_alpha(140);
        for outside in [
            egui::Rect::from_min_max(rect.min, egui::pos2(rect.right(), r.top())),
            egui::Rect::from_min_max(egui::pos2(rect.left(), r.bottom()), rect.max),
            egui::Rect::from_min_max(egui::pos2(rect.left(), r.top()), egui::pos2(r.left(), r.bottom())),
            egui::Rect::from_min_max(
                egui::pos2(r.right(), r.top()),
                egui::pos2(rect.right(), r.bottom()),
            ),
        ] {
            painter.rect_filled(outside, 0.0, dim);
        }
        painter.rect_stroke(
            r,
            0.0,
            egui::Stroke::new(1.5, egui::Color32::from_rgb(255, 220, 60)),
            egui::StrokeKind::Outside,
        );
        ui.label(format!(
            "{} × {} pixels{}",
            self.picture.width,
            self.picture.height,
            if self.uses_meta() {
                ", the plot as Spectro's metadata says"
            } else {
                "; drag on the picture to crop it to the plot"
            }
        ));
    }

    fn settings_ui(&mut self, ui: &mut egui::Ui) {
        if let Some(e) = &self.meta_error {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("Unreadable Spectro metadata: {e}"),
            );
        }
        if let Some(m) = &self.meta {
            ui.label(format!(
                "Spectro picture: {} Hz{}, {:.3} s, FFT {} / hop {}, {} scale, {:.0}…{:.0} dB",
                m.sample_rate,
                if m.iq { " IQ" } else { "" },
                m.duration_s,
                m.fft,
                m.hop,
                m.scale,
                m.floor_db,
                m.ceiling_db
            ));
            ui.checkbox(
                &mut self.form.ignore_meta,
                "Ignore the metadata (the picture was resized or cropped since)",
            );
            if let Some(desc) = &self.original
                && !self.form.ignore_meta
            {
                ui.checkbox(
                    &mut self.use_original,
                    format!("Keep the open recording ({desc}) where the picture is unchanged"),
                );
            }
        }
        if !self.uses_meta() {
            let f = &mut self.form;
            egui::Grid::new("image-import-settings")
                .num_columns(4)
                .spacing([12.0, 6.0])
                .show(ui, |ui| {
                    ui.label("Sample rate");
                    ui.add(
                        egui::DragValue::new(&mut f.sample_rate)
                            .range(1.0..=1e9)
                            .speed(100.0)
                            .suffix(" Hz"),
                    );
                    ui.label("FFT");
                    ui.add(egui::DragValue::new(&mut f.fft).range(16..=65536));
                    ui.end_row();

                    ui.checkbox(&mut f.use_hop, "Hop (frame spacing)");
                    ui.add_enabled(
                        f.use_hop,
                        egui::DragValue::new(&mut f.hop)
                            .range(1..=65536)
                            .suffix(" samples"),
                    );
                    ui.checkbox(&mut f.use_duration, "Duration");
                    ui.add_enabled(
                        f.use_duration,
                        egui::DragValue::new(&mut f.duration_s)
                            .range(0.001..=86400.0)
                            .speed(0.01)
                            .suffix(" s"),
                    );
                    ui.end_row();

                    ui.label("Frequency scale");
                    egui::ComboBox::from_id_salt("image-import-scale")
                        .selected_text(f.scale.name())
                        .show_ui(ui, |ui| {
                            for s in FreqScale::ALL {
                                ui.selectable_value(&mut f.scale, s, s.name());
                            }
                        });
                    ui.checkbox(&mut f.custom_range, "Range");
                    ui.add_enabled_ui(f.custom_range, |ui| {
                        ui.horizontal(|ui| {
                            ui.add(egui::DragValue::new(&mut f.freq_hz[0]).speed(10.0).suffix(" Hz"));
                            ui.label("to");
                            ui.add(egui::DragValue::new(&mut f.freq_hz[1]).speed(10.0).suffix(" Hz"));
                        });
                    });
                    ui.end_row();

                    ui.label("Colours");
                    egui::ComboBox::from_id_salt("image-import-colormap")
                        .selected_text(f.colormap.map_or("auto", Colormap::name))
                        .show_ui(ui, |ui| {
                            ui.selectable_value(&mut f.colormap, None, "auto");
                            for c in Colormap::ALL {
                                ui.selectable_value(&mut f.colormap, Some(c), c.name());
                            }
                        });
                    ui.label("Range");
                    ui.add(
                        egui::DragValue::new(&mut f.range_db)
                            .range(1.0..=300.0)
                            .suffix(" dB"),
                    );
                    ui.end_row();

                    ui.checkbox(&mut f.use_ceiling, "Brightest level");
                    ui.add_enabled(
                        f.use_ceiling,
                        egui::DragValue::new(&mut f.ceiling_db)
                            .range(-300.0..=100.0)
                            .suffix(" dBFS"),
                    );
                    ui.checkbox(&mut f.iq, "Two-sided (IQ)");
                    ui.label("");
                    ui.end_row();

                    ui.label("Crop (L, T, R, B)");
                    ui.horizontal(|ui| {
                        let (w, h) = (self.picture.width, self.picture.height);
                        let c = &mut f.crop;
                        ui.add(egui::DragValue::new(&mut c.left).range(0..=w - 1));
                        ui.add(egui::DragValue::new(&mut c.top).range(0..=h - 1));
                        ui.add(egui::DragValue::new(&mut c.right).range(1..=w));
                        ui.add(egui::DragValue::new(&mut c.bottom).range(1..=h));
                        if ui.button("Whole").clicked() {
                            *c = PixelRect::whole(w, h);
                        }
                    });
                    ui.end_row();
                });
        }
        let f = &mut self.form;
        ui.horizontal(|ui| {
            ui.label("Phase");
            egui::ComboBox::from_id_salt("image-import-method")
                .selected_text(f.method.name())
                .show_ui(ui, |ui| {
                    for m in Method::ALL {
                        ui.selectable_value(&mut f.method, m, m.name());
                    }
                });
            ui.add_enabled(
                f.method != Method::Pghi,
                egui::DragValue::new(&mut f.iterations)
                    .range(0..=2000)
                    .suffix(" iterations"),
            );
        });
    }

    fn preview_ui(&mut self, ui: &mut egui::Ui) {
        ui.label("Decoded spectrogram (linear frequency, as the sound will be rebuilt):");
        if let Some(e) = &self.preview_error {
            ui.colored_label(ui.visuals().error_fg_color, e);
            return;
        }
        if let Some((texture, summary)) = &self.preview {
            let size = texture.size_vec2();
            let scale = (ui.available_width().min(720.0) / size.x).min(150.0 / size.y);
            ui.image((texture.id(), size * scale.max(0.1)));
            ui.label(summary);
        }
    }
}
