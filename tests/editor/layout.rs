//! The window as a new user meets it, under egui_kittest at the default 1400×860: the plot keeps
//! its place and size whatever the side panel lists and whatever the tool, every toolbar control
//! is on screen, the dB legend follows the levels, the levels are fitted after an FFT size change
//! and on request, sound opens on a log axis and IQ on a linear one centred on 0, Help lists every
//! chord of the keymap, and information in the status bar expires.

use crate::common;
use crate::editor;

use editor::{drag, harness, harness_with, wait_idle, wait_until};

use egui::Key;
use egui_kittest::kittest::Queryable;
use spectro::edit::{Edit, LevelCondition, Shape};
use spectro::signal::{Colormap, FreqScale, StftParams};
use spectro::ui::LaunchOptions;
use spectro::ui::app::{SpectroApp, Status};
use spectro::ui::command::Command;
use spectro::ui::tools::Tool;

type Harness = egui_kittest::Harness<'static, SpectroApp>;

fn send(h: &mut Harness, command: Command) {
    h.state().commands().send(command);
    h.run_steps(3);
}

/// Opens the menu `name` of the menu bar (the topmost node of that name: the side panel has a
/// View section too).
fn menu(h: &mut Harness, name: &str) {
    h.query_all_by_label(name)
        .min_by(|a, b| a.rect().top().total_cmp(&b.rect().top()))
        .expect("a menu")
        .click();
    h.run_steps(2);
}

fn plot(h: &Harness) -> egui::Rect {
    h.state().plot_rect().expect("the plot is drawn")
}

/// The IQ capture of tests/data (2 MS/s around 1090 MHz, rate and centre from its name).
fn iq_capture() -> LaunchOptions {
    LaunchOptions {
        file: Some(common::data("dump1090_modes1_1090M_2000k.cu8")),
        ..LaunchOptions::default()
    }
}

#[test]
fn the_plot_keeps_its_size_as_edits_are_added() {
    let mut h = harness();
    wait_idle(&mut h);
    let before = plot(&h);
    // Ten edits whose descriptions are long (threshold, keep-only, channel, full band).
    for i in 0..10 {
        let t = 0.5 * i as f64;
        let mut edit = Edit::new(
            Shape::Threshold {
                time_s: [t, t + 0.4],
                freq_hz: [1234.5 + i as f64, 23_456.7],
                condition: LevelCondition::Below(-65.0),
            },
            -17.5,
        );
        edit.invert = true;
        edit.channels = Some(vec![0]);
        h.state().commands().send(Command::AddEdit(edit));
    }
    h.run_steps(3);
    wait_idle(&mut h);
    assert_eq!(h.state().open.as_ref().unwrap().doc.edits.edits.len(), 10);
    assert_eq!(plot(&h), before, "the plot moved or changed size");
}

#[test]
fn the_toolbar_keeps_one_height_and_every_control_on_screen_for_every_tool() {
    let mut h = harness_with(iq_or_sound(false));
    wait_idle(&mut h);
    // One channel of the (stereo) demo in view: the widest options, with "This channel only".
    send(&mut h, Command::SetChannel(Some(0)));
    let mut tops = Vec::new();
    for tool in Tool::ALL {
        send(&mut h, Command::SetTool(tool));
        assert_eq!(h.state().tool, tool);
        let plot = plot(&h);
        tops.push((tool, plot.top(), plot.height()));
        // Every control of the menu bar and the toolbar is inside the window and above the
        // transport bar (nothing wrapped under it or cut off at the right).
        let transport_top = h.get_by_label("Play").rect().top();
        let width = h.ctx.content_rect().width();
        for node in h.query_all_by(|n| n.bounding_box().is_some()) {
            let r = node.rect();
            if r.height() < 40.0 && r.bottom() <= transport_top + 1.0 && r.top() > 0.0 {
                assert!(
                    r.right() <= width + 0.5,
                    "{tool:?}: {node:?} ends at {} in a {width}-point window",
                    r.right()
                );
            }
        }
    }
    let (first_top, first_h) = (tops[0].1, tops[0].2);
    for (tool, top, height) in &tops {
        assert_eq!(
            (*top, *height),
            (first_top, first_h),
            "{tool:?} moved the plot: {tops:?}"
        );
    }
    // The widest options are all there: the brush's hardness and the threshold's button.
    send(&mut h, Command::SetTool(Tool::Brush));
    let top = plot(&h).top();
    let hardness: Vec<egui::Rect> = h.query_all_by_label("hardness").map(|n| n.rect()).collect();
    assert!(!hardness.is_empty());
    assert!(
        hardness.iter().all(|r| r.right() <= 1400.0 && r.bottom() < top),
        "{hardness:?}"
    );
    send(&mut h, Command::SetTool(Tool::Threshold));
    let button = h.get_by_label("Threshold the view").rect();
    assert!(button.right() <= 1400.0 && button.bottom() < plot(&h).top());
    send(&mut h, Command::SetTool(Tool::Harmonics));
    let channel_only = h.get_by_label("This channel only").rect();
    assert!(channel_only.right() <= 1400.0 && channel_only.bottom() < plot(&h).top());
}

/// The demo (sound), or the IQ capture.
fn iq_or_sound(iq: bool) -> LaunchOptions {
    if iq {
        iq_capture()
    } else {
        LaunchOptions::default()
    }
}

#[test]
fn the_tool_fields_show_their_units_and_tooltips_their_keys() {
    let mut h = harness();
    wait_idle(&mut h);
    send(&mut h, Command::SetTool(Tool::Brush));
    // The radius reads in screen points, the hardness in per cent.
    assert!(h.query_by_value("12 px").is_some(), "radius without its unit");
    assert!(h.query_by_value("50 %").is_some(), "hardness without its unit");
    send(&mut h, Command::SetTool(Tool::Rect));
    assert!(
        h.query_by_value("2.0 cells").is_some(),
        "feather without its unit"
    );
    assert!(h.query_by_value("-30.0 dB").is_some(), "gain without its unit");
    send(&mut h, Command::SetTool(Tool::Harmonics));
    assert!(h.query_by_value("40 Hz").is_some(), "width without its unit");
    // Each tool's tooltip ends with the key the keymap gives it.
    let ctx = h.ctx.clone();
    for tool in Tool::ALL {
        let tip = spectro::ui::panels::tool_tooltip(&ctx, tool);
        let key = spectro::ui::app::shortcut_of(
            &ctx,
            &spectro::ui::app::KeyAction::Command(Command::SetTool(tool)),
        );
        assert!(!key.is_empty(), "{tool:?} has no key");
        assert!(tip.ends_with(&format!("({key})")), "{tip}");
    }
}

#[test]
fn the_legend_shows_the_levels_and_colours_in_use() {
    let mut h = harness();
    wait_idle(&mut h);
    let plot = plot(&h);
    let legend = h.state().legend().expect("a legend").clone();
    // Beside the plot, as tall as it, with the view's levels.
    assert!(legend.bar.left() > plot.right() && legend.bar.right() <= 1400.0);
    assert_eq!(
        (legend.bar.top(), legend.bar.bottom()),
        (plot.top(), plot.bottom())
    );
    let view = h.state().view;
    assert_eq!(
        (legend.floor_db, legend.ceiling_db),
        (view.floor_db, view.ceiling_db)
    );
    assert!(legend.ticks.len() >= 4, "{:?}", legend.ticks);
    // Each tick sits where its level is on the bar, and the bar there has the colour the
    // tiles give that level.
    let lut = view.colormap.lut();
    for &(db, y) in &legend.ticks {
        let t = (db - view.floor_db) / (view.ceiling_db - view.floor_db);
        assert!((y - (legend.bar.bottom() - t * legend.bar.height())).abs() < 0.5);
        let index = spectro::signal::colormap::level_index(db, view.floor_db, view.ceiling_db);
        assert_eq!(legend.color_at(y), lut[index as usize]);
    }
    assert!(
        h.query_by_label("Colour legend, -100 to 0 dBFS").is_some(),
        "the legend is not named for assistive technology"
    );
    // It follows the levels and the colour map.
    send(
        &mut h,
        Command::SetLevels {
            floor_db: -70.0,
            ceiling_db: -20.0,
        },
    );
    send(&mut h, Command::SetColormap(Colormap::Viridis));
    let legend = h.state().legend().unwrap().clone();
    assert_eq!((legend.floor_db, legend.ceiling_db), (-70.0, -20.0));
    assert_eq!(legend.colormap, Colormap::Viridis);
    assert_eq!(legend.color_at(legend.bar.top()), Colormap::Viridis.lut()[255]);
    assert_eq!(legend.color_at(legend.bar.bottom()), Colormap::Viridis.lut()[0]);
    let ticks: Vec<f32> = legend.ticks.iter().map(|t| t.0).collect();
    assert_eq!(ticks.first(), Some(&-70.0));
    assert_eq!(ticks.last(), Some(&-20.0));
    assert!(h.query_by_label("Colour legend, -70 to -20 dBFS").is_some());
}

#[test]
fn the_levels_are_refitted_after_an_fft_size_change_on_an_iq_capture() {
    let mut h = harness_with(iq_capture());
    wait_idle(&mut h);
    let (floor_1024, ceiling_1024) = (h.state().view.floor_db, h.state().view.ceiling_db);
    assert_eq!(h.state().view.stft.fft_len, 1024);
    // At FFT 64 a bin is 16 times wider: its share of the (white) noise is 10·log10(16) =
    // 12 dB higher, so the levels fitted at 1024 would draw the noise far too bright.
    let params = StftParams::with_fft(64);
    send(&mut h, Command::SetStft(params));
    wait_idle(&mut h);
    h.run_steps(3);
    let (floor_64, ceiling_64) = (h.state().view.floor_db, h.state().view.ceiling_db);
    let rise = floor_64 - floor_1024;
    eprintln!("FFT 1024: {floor_1024}..{ceiling_1024} dBFS; FFT 64: {floor_64}..{ceiling_64} dBFS");
    assert!(
        (rise - 12.0).abs() <= 4.0,
        "floor {floor_1024} -> {floor_64} dBFS ({rise:+} dB) for 12 dB more noise per bin"
    );
    assert!(ceiling_64 - floor_64 >= 50.0, "{floor_64}..{ceiling_64}");
    assert!(ceiling_64 != ceiling_1024 || floor_64 != floor_1024);
    let status = h.state().status.clone().expect("a status message");
    assert!(status.text.contains("Levels fitted"), "{status:?}");
}

#[test]
fn auto_levels_fits_the_view_from_the_menu_and_the_key() {
    let mut h = harness();
    wait_idle(&mut h);
    // Levels nothing in the demo reaches: the picture is one colour.
    send(
        &mut h,
        Command::SetLevels {
            floor_db: -250.0,
            ceiling_db: -200.0,
        },
    );
    menu(&mut h, "View");
    // The menu's item (the side panel has an Auto levels button too, at the right).
    h.query_all_by_label_contains("Auto levels")
        .min_by(|a, b| a.rect().left().total_cmp(&b.rect().left()))
        .expect("the menu item")
        .click();
    wait_until(&mut h, "the levels to be fitted", |a| a.view.ceiling_db > -200.0);
    let by_menu = (h.state().view.floor_db, h.state().view.ceiling_db);
    eprintln!("demo fitted to {by_menu:?} dBFS");
    // The demo peaks near −10 dBFS per bin (tones of amplitude 0.1 to 0.3 in 16 bits); its hiss
    // sits near −90: the range spans both.
    assert!(by_menu.1 > -30.0 && by_menu.1 <= 0.0, "{by_menu:?}");
    assert!(by_menu.0 < -70.0 && by_menu.0 >= by_menu.1 - 120.0, "{by_menu:?}");
    send(
        &mut h,
        Command::SetLevels {
            floor_db: -250.0,
            ceiling_db: -200.0,
        },
    );
    h.key_press(Key::A);
    wait_until(&mut h, "the levels to be fitted again", |a| {
        a.view.ceiling_db > -200.0
    });
    assert_eq!((h.state().view.floor_db, h.state().view.ceiling_db), by_menu);
    let legend = h.state().legend().unwrap();
    assert_eq!((legend.floor_db, legend.ceiling_db), by_menu);
}

#[test]
fn sound_opens_on_a_log_axis_from_20_hz_and_iq_on_a_linear_one_centred_on_0() {
    let mut h = harness();
    wait_idle(&mut h);
    assert_eq!(h.state().view.scale, FreqScale::Log);
    let plot = plot(&h);
    let height_of = |h: &Harness, hz: f64| plot.bottom() - h.state().screen_pos(1.0, hz).expect("in view").y;
    // The demo's 50 Hz hum is a tenth of the way up, not a pixel: 20 Hz..24 kHz is ten octaves.
    let hum = height_of(&h, 50.0) / plot.height();
    let expected = (50.0f64 / 23.4375).log2() / (24_000.0f64 / 23.4375).log2();
    assert!(
        (hum as f64 - expected).abs() < 0.01,
        "50 Hz at {hum} of the height"
    );
    // An octave takes the same height anywhere.
    let low = height_of(&h, 200.0) - height_of(&h, 100.0);
    let high = height_of(&h, 8000.0) - height_of(&h, 4000.0);
    assert!((low - high).abs() < 1.0, "{low} vs {high}");

    let mut h = harness_with(iq_capture());
    wait_idle(&mut h);
    let plot = h.state().plot_rect().unwrap();
    let centre = h.state().screen_pos(0.05, 0.0).expect("0 Hz in view");
    assert!((centre.y - plot.center().y).abs() < 1.0, "{centre:?} in {plot:?}");
    let quarter = h.state().screen_pos(0.05, 500_000.0).unwrap();
    assert!((quarter.y - (plot.center().y - plot.height() / 4.0)).abs() < 1.0);
}

#[test]
fn a_rectangle_dragged_to_the_bottom_of_the_log_axis_reaches_0_hz() {
    // The log axis starts at 20 Hz; what lies under it (the hum's DC offset, rumble) is taken by
    // a rectangle dragged to the plot's bottom edge, as on a linear axis.
    let mut h = harness();
    wait_idle(&mut h);
    h.get_by_label("Rectangle").click();
    h.run_steps(2);
    let plot = plot(&h);
    let a = h.state().screen_pos(1.0, 80.0).expect("80 Hz in view");
    let b = egui::pos2(h.state().screen_pos(3.0, 80.0).unwrap().x, plot.bottom() - 1.0);
    drag(&mut h, a, b, 8);
    let edits = h.state().open.as_ref().unwrap().doc.edits.edits.clone();
    let Shape::Rect { time_s, freq_hz } = edits.last().expect("one edit").shape else {
        panic!("expected a rect, got {:?}", edits.last().map(|e| &e.shape))
    };
    assert_eq!(freq_hz[0], 0.0, "{freq_hz:?}");
    assert!((freq_hz[1] - 80.0).abs() < 5.0, "{freq_hz:?}");
    assert!(
        (time_s[0] - 1.0).abs() < 0.05 && (time_s[1] - 3.0).abs() < 0.05,
        "{time_s:?}"
    );
    // Dragged a little above the bottom, the edge is where the pointer is.
    let c = egui::pos2(b.x, h.state().screen_pos(3.0, 40.0).unwrap().y);
    drag(&mut h, a, c, 8);
    let edits = h.state().open.as_ref().unwrap().doc.edits.edits.clone();
    let Shape::Rect { freq_hz, .. } = edits.last().unwrap().shape else {
        panic!("expected a rect")
    };
    assert!((freq_hz[0] - 40.0).abs() < 3.0, "{freq_hz:?}");
}

#[test]
fn help_lists_every_chord_of_the_keymap() {
    let mut h = harness();
    wait_idle(&mut h);
    let rows = spectro::ui::help::shortcut_rows(&h.ctx.clone());
    let chords: usize = rows.iter().map(|(c, _)| c.split(", ").count()).sum();
    assert_eq!(chords, spectro::ui::app::keymap().len());
    // How often each text is on screen without Help (a menu may say "Redo" too).
    let count = |h: &Harness, text: &str| h.query_all_by_label(text).count();
    let closed: Vec<(usize, usize)> = rows.iter().map(|(c, w)| (count(&h, c), count(&h, w))).collect();
    h.key_press(Key::F1);
    h.run_steps(3);
    assert!(h.state().help_open());
    for ((chords, what), (c0, w0)) in rows.iter().zip(closed) {
        assert!(count(&h, what) > w0, "Help does not say '{what}'");
        assert!(count(&h, chords) > c0, "Help does not show '{chords}'");
    }
    h.key_press(Key::F1);
    h.run_steps(3);
    assert!(!h.state().help_open());
    // The Help menu opens it too.
    menu(&mut h, "Help");
    h.get_by_label_contains("Keys and mouse").click();
    h.run_steps(3);
    assert!(h.state().help_open());
}

#[test]
fn information_in_the_status_bar_expires_and_problems_stay() {
    let mut h = harness();
    wait_idle(&mut h);
    h.state_mut().status = Some(Status {
        text: "Saved".to_owned(),
        error: false,
    });
    h.run_steps(2);
    assert!(h.state().status.is_some());
    std::thread::sleep(std::time::Duration::from_secs_f64(
        spectro::ui::app::INFO_EXPIRY_S + 0.2,
    ));
    h.run_steps(2);
    assert_eq!(h.state().status, None, "the information stayed");
    let problem = Status {
        text: "Cannot write".to_owned(),
        error: true,
    };
    h.state_mut().status = Some(problem.clone());
    h.run_steps(2);
    std::thread::sleep(std::time::Duration::from_secs_f64(
        spectro::ui::app::INFO_EXPIRY_S + 0.2,
    ));
    h.run_steps(2);
    assert_eq!(h.state().status, Some(problem), "the problem went away by itself");
    // Its ✕ dismisses it.
    h.get_by_label("x").click();
    h.run_steps(2);
    assert_eq!(h.state().status, None);
}
