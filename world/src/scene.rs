//! Scene grammar: the discrete, serde-serializable description of one clip.
//!
//! A [`Scene`] is what a prompt means. It is deliberately discrete (enums, not floats) so
//! that text can round-trip through it exactly; continuous details (start positions,
//! speeds, wing phase…) come from the seed at render time.

use serde::{Deserialize, Serialize};

/// Sky / time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sky {
    /// Blue daytime sky with a sun and clouds.
    Day,
    /// Orange-to-purple sky with a low sun.
    Sunset,
    /// Dark sky with stars and a moon.
    Night,
    /// Pink, pale morning sky.
    Dawn,
}

/// Ground material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ground {
    /// Mowed grass.
    Grass,
    /// Beach sand.
    Sand,
    /// Snowfield.
    Snow,
    /// Still water.
    Water,
}

/// Distant scenery drawn on a parallax layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenery {
    /// Open horizon.
    None,
    /// A row of conifers.
    Forest,
    /// Rolling hills.
    Hills,
    /// A city skyline.
    City,
}

/// Object class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A shaded sphere.
    Ball,
    /// A box seen from the front with its top face visible.
    Cube,
    /// A bird with flapping wings.
    Bird,
    /// A side-view car with wheels.
    Car,
    /// A character with a head, eyes and a mouth.
    Character,
}

/// Named colours: a fixed, well-separated palette (the judge's colour label space).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    /// Red.
    Red,
    /// Orange.
    Orange,
    /// Yellow.
    Yellow,
    /// Green.
    Green,
    /// Cyan.
    Cyan,
    /// Blue.
    Blue,
    /// Purple.
    Purple,
    /// Pink.
    Pink,
    /// White.
    White,
    /// Black.
    Black,
}

/// Object size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Size {
    /// Small.
    Small,
    /// Medium (the default when a prompt says nothing).
    Medium,
    /// Large.
    Large,
}

/// What an object does during the clip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Motion {
    /// Moves towards screen left.
    Left,
    /// Moves towards screen right.
    Right,
    /// Rises at constant speed.
    Up,
    /// Descends at constant speed.
    Down,
    /// Falls under gravity and lands.
    Fall,
    /// Bounces with energy loss.
    Bounce,
    /// Rolls to the left on the ground.
    RollLeft,
    /// Rolls to the right on the ground.
    RollRight,
    /// Circles around a centre.
    Orbit,
    /// Collides with the other colliding object (exactly two per scene).
    Collide,
}

/// Camera motion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraMotion {
    /// Fixed shot.
    Static,
    /// Camera moves left (content slides right, near layers faster).
    PanLeft,
    /// Camera moves right.
    PanRight,
    /// Camera tilts up (content slides down).
    PanUp,
    /// Camera tilts down.
    PanDown,
    /// Lens zooms in about the frame centre.
    ZoomIn,
    /// Lens zooms out.
    ZoomOut,
}

/// Camera speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Speed {
    /// Slow.
    Slow,
    /// Fast.
    Fast,
}

/// Camera: motion plus speed (speed is ignored for a static camera and normalized to slow).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Camera {
    /// Motion.
    pub motion: CameraMotion,
    /// Speed.
    pub speed: Speed,
}

/// Visual style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Style {
    /// Cel-shaded flat colours.
    Flat,
    /// Painterly texture on every surface.
    Painted,
    /// Warm golden light.
    Golden,
    /// Dim, moody light.
    Dark,
}

/// Musical key (major) for chord beds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Key {
    /// C major.
    C,
    /// D major.
    D,
    /// E major.
    E,
    /// F major.
    F,
    /// G major.
    G,
    /// A major.
    A,
}

/// Ambient sound bed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ambient {
    /// No bed (impacts and speech only).
    None,
    /// Strummed guitar chords in a key.
    Guitar(Key),
    /// Piano chords in a key.
    Piano(Key),
    /// Wind.
    Wind,
    /// Rain.
    Rain,
    /// Birdsong.
    Birds,
}

/// One object in the scene.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Object {
    /// Class.
    pub kind: Kind,
    /// Colour.
    pub colour: Colour,
    /// Size.
    pub size: Size,
    /// Motion.
    pub motion: Motion,
}

/// A full scene: what one prompt asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Scene {
    /// Sky.
    pub sky: Sky,
    /// Ground.
    pub ground: Ground,
    /// Scenery.
    pub scenery: Scenery,
    /// 1–3 objects with distinct colours.
    pub objects: Vec<Object>,
    /// Camera.
    pub camera: Camera,
    /// Style.
    pub style: Style,
    /// Ambient bed.
    pub ambient: Ambient,
    /// A line spoken by the first character, if any.
    pub speech: Option<String>,
}

macro_rules! all_of {
    ($t:ty: $($v:expr),+ $(,)?) => {
        impl $t {
            /// Every value, in declaration order.
            pub const ALL: &'static [$t] = &[$($v),+];
        }
    };
}
all_of!(Sky: Sky::Day, Sky::Sunset, Sky::Night, Sky::Dawn);
all_of!(Ground: Ground::Grass, Ground::Sand, Ground::Snow, Ground::Water);
all_of!(Scenery: Scenery::None, Scenery::Forest, Scenery::Hills, Scenery::City);
all_of!(Kind: Kind::Ball, Kind::Cube, Kind::Bird, Kind::Car, Kind::Character);
all_of!(Colour: Colour::Red, Colour::Orange, Colour::Yellow, Colour::Green, Colour::Cyan,
    Colour::Blue, Colour::Purple, Colour::Pink, Colour::White, Colour::Black);
all_of!(Size: Size::Small, Size::Medium, Size::Large);
all_of!(Motion: Motion::Left, Motion::Right, Motion::Up, Motion::Down, Motion::Fall,
    Motion::Bounce, Motion::RollLeft, Motion::RollRight, Motion::Orbit, Motion::Collide);
all_of!(CameraMotion: CameraMotion::Static, CameraMotion::PanLeft, CameraMotion::PanRight,
    CameraMotion::PanUp, CameraMotion::PanDown, CameraMotion::ZoomIn, CameraMotion::ZoomOut);
all_of!(Style: Style::Flat, Style::Painted, Style::Golden, Style::Dark);
all_of!(Key: Key::C, Key::D, Key::E, Key::F, Key::G, Key::A);

impl Colour {
    /// Base (fully lit) sRGB value of the colour. Chosen far apart in hue and brightness so
    /// that shading and tinting cannot move one colour onto another.
    pub fn rgb(self) -> [f32; 3] {
        match self {
            Colour::Red => [215.0, 30.0, 35.0],
            Colour::Orange => [245.0, 130.0, 20.0],
            Colour::Yellow => [245.0, 215.0, 30.0],
            Colour::Green => [30.0, 190.0, 60.0],
            Colour::Cyan => [20.0, 205.0, 215.0],
            Colour::Blue => [35.0, 70.0, 215.0],
            Colour::Purple => [118.0, 40.0, 212.0],
            Colour::Pink => [250.0, 140.0, 200.0],
            Colour::White => [240.0, 240.0, 236.0],
            Colour::Black => [28.0, 28.0, 32.0],
        }
    }

    /// Lower-case English name.
    pub fn name(self) -> &'static str {
        match self {
            Colour::Red => "red",
            Colour::Orange => "orange",
            Colour::Yellow => "yellow",
            Colour::Green => "green",
            Colour::Cyan => "cyan",
            Colour::Blue => "blue",
            Colour::Purple => "purple",
            Colour::Pink => "pink",
            Colour::White => "white",
            Colour::Black => "black",
        }
    }
}

impl Size {
    /// Object radius in frame heights.
    pub fn radius(self) -> f32 {
        match self {
            Size::Small => 0.065,
            Size::Medium => 0.08,
            Size::Large => 0.095,
        }
    }
}

impl Key {
    /// MIDI note number of the tonic (octave 3).
    pub fn tonic_midi(self) -> u8 {
        match self {
            Key::C => 48,
            Key::D => 50,
            Key::E => 52,
            Key::F => 53,
            Key::G => 55,
            Key::A => 57,
        }
    }
}

impl Scene {
    /// Bring a scene into canonical form: static cameras are always `Slow`. Parsing and
    /// sampling both produce canonical scenes, so equality is meaningful.
    pub fn canonical(mut self) -> Scene {
        if self.camera.motion == CameraMotion::Static {
            self.camera.speed = Speed::Slow;
        }
        self
    }

    /// Index of the character that speaks, if the scene has speech and a character.
    pub fn speaker(&self) -> Option<usize> {
        self.speech.as_ref()?;
        self.objects.iter().position(|o| o.kind == Kind::Character)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_is_well_separated() {
        // Every pair of palette colours differs by at least 60 levels in some channel.
        for (i, a) in Colour::ALL.iter().enumerate() {
            for b in &Colour::ALL[i + 1..] {
                let (ca, cb) = (a.rgb(), b.rgb());
                let d = (0..3).map(|k| (ca[k] - cb[k]).abs()).fold(0.0, f32::max);
                assert!(d >= 60.0, "{a:?} vs {b:?}");
            }
        }
        assert!(Colour::ALL.len() >= 10);
    }

    #[test]
    fn serde_round_trip() {
        let s = Scene {
            sky: Sky::Sunset,
            ground: Ground::Grass,
            scenery: Scenery::Hills,
            objects: vec![Object {
                kind: Kind::Ball,
                colour: Colour::Red,
                size: Size::Medium,
                motion: Motion::Bounce,
            }],
            camera: Camera {
                motion: CameraMotion::PanLeft,
                speed: Speed::Slow,
            },
            style: Style::Golden,
            ambient: Ambient::Guitar(Key::G),
            speech: None,
        };
        let j = serde_json::to_string(&s).expect("serialize");
        let back: Scene = serde_json::from_str(&j).expect("parse");
        assert_eq!(s, back);
    }
}
