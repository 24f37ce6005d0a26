//! Spectral repair: filling a time-frequency region from what surrounds it, instead of only
//! turning it down.

/// How a repair fills its region (RX's Spectral Repair modes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum RepairMode {
    /// Chooses per region (see the README for the rule).
    #[default]
    Auto,
    /// Cells pulled down to the level the surroundings predict, only where they stand above
    /// it; the signal underneath and its phase kept.
    Attenuate,
    /// Magnitudes interpolated across the region from both sides, phase rebuilt inside.
    Replace,
    /// Filled from the best-matching stretch elsewhere in the recording.
    Pattern,
}

impl RepairMode {
    /// Every mode, in the order menus list them.
    pub const ALL: [RepairMode; 4] = [
        RepairMode::Auto,
        RepairMode::Attenuate,
        RepairMode::Replace,
        RepairMode::Pattern,
    ];

    /// The name in edit lists and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            RepairMode::Auto => "auto",
            RepairMode::Attenuate => "attenuate",
            RepairMode::Replace => "replace",
            RepairMode::Pattern => "pattern",
        }
    }

    /// The mode called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }
}
