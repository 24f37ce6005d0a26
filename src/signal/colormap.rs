//! Colour maps for dB spectrograms, as 256-entry lookup tables: matplotlib's own colours, so
//! that pictures drawn by matplotlib or librosa read back exactly.

use serde::{Deserialize, Serialize};

use super::colormap_tables as tables;

/// A perceptual colour map from low (0) to high (1) level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Colormap {
    /// Black through purple and orange to pale yellow (the default).
    #[default]
    Inferno,
    /// Black through purple to pale pink.
    Magma,
    /// Blue through green to yellow.
    Viridis,
    /// Blue through magenta to yellow.
    Plasma,
    /// Black to white.
    #[serde(alias = "grey")]
    Gray,
}

impl Colormap {
    /// Every colour map, in menu order.
    pub const ALL: [Colormap; 5] = [
        Colormap::Inferno,
        Colormap::Magma,
        Colormap::Viridis,
        Colormap::Plasma,
        Colormap::Gray,
    ];

    /// Canonical name.
    pub fn name(self) -> &'static str {
        match self {
            Colormap::Inferno => "inferno",
            Colormap::Magma => "magma",
            Colormap::Viridis => "viridis",
            Colormap::Plasma => "plasma",
            Colormap::Gray => "gray",
        }
    }

    /// The 256-entry RGB lookup table; entry `i` is the colour at `i/255`.
    pub fn lut(self) -> [[u8; 3]; 256] {
        match self {
            Colormap::Inferno => tables::INFERNO,
            Colormap::Magma => tables::MAGMA,
            Colormap::Viridis => tables::VIRIDIS,
            Colormap::Plasma => tables::PLASMA,
            Colormap::Gray => std::array::from_fn(|i| [i as u8; 3]),
        }
    }
}

impl std::fmt::Display for Colormap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Colormap {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Colormap::ALL
            .into_iter()
            .find(|c| c.name() == s.to_ascii_lowercase() || (s == "grey" && *c == Colormap::Gray))
            .ok_or_else(|| {
                format!("unknown colormap '{s}' (expected inferno, magma, viridis, plasma or gray)")
            })
    }
}

/// Maps a dB level to a LUT index for the display range `floor_db..ceiling_db`.
#[inline]
pub fn level_index(db: f32, floor_db: f32, ceiling_db: f32) -> u8 {
    let t = (db - floor_db) / (ceiling_db - floor_db);
    (t.clamp(0.0, 1.0) * 255.0 + 0.5) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inferno_runs_dark_to_light() {
        let lut = Colormap::Inferno.lut();
        assert_eq!(lut[0], [0, 0, 4]);
        let lum = |c: [u8; 3]| c[0] as u32 + c[1] as u32 + c[2] as u32;
        assert!(lum(lut[255]) > 600);
        assert_eq!(level_index(-80.0, -80.0, 0.0), 0);
        assert_eq!(level_index(0.0, -80.0, 0.0), 255);
        assert_eq!(level_index(10.0, -80.0, 0.0), 255);
    }

    #[test]
    fn tables_are_matplotlibs() {
        // matplotlib 3.11: colormaps[name](i / 255), rounded to 8 bits.
        assert_eq!(Colormap::Magma.lut()[255], [252, 253, 191]);
        assert_eq!(Colormap::Magma.lut()[128], [183, 55, 121]);
        assert_eq!(Colormap::Viridis.lut()[0], [68, 1, 84]);
        assert_eq!(Colormap::Plasma.lut()[255], [240, 249, 33]);
        assert_eq!(Colormap::Gray.lut()[77], [77, 77, 77]);
    }
}
