//! Deterministic software renderer: (scene, seed) → RGB frames.
//!
//! Each pixel averages four rotated-grid samples (antialiasing). A sample walks the layers
//! back to front: sky gradient with sun/moon/stars/clouds, a parallax scenery silhouette,
//! the textured ground with soft contact shadows, then the objects in depth order with
//! Lambert shading. Textures are attached to their layer (or object), never to the screen,
//! so camera motion moves them rigidly and nothing shimmers.

use crate::WorldError;
use crate::physics::*;
use crate::rng::mix;
use crate::scene::*;
use crate::speech;

/// Output format of a clip.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RenderConfig {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
    /// Duration in seconds.
    pub duration: f32,
    /// Audio sample rate in Hz.
    pub sample_rate: u32,
}

impl Default for RenderConfig {
    /// The training size: 128×128, 12 fps, 2 s, 24 kHz (24000/12 = 2000 samples per frame).
    fn default() -> Self {
        RenderConfig {
            width: 128,
            height: 128,
            fps: 12,
            duration: 2.0,
            sample_rate: 24_000,
        }
    }
}

impl RenderConfig {
    /// Number of frames.
    pub fn frames(&self) -> usize {
        (self.duration * self.fps as f32).round() as usize
    }

    /// Number of audio samples (exactly `frames × sample_rate / fps`).
    pub fn samples(&self) -> usize {
        self.frames() * self.sample_rate as usize / self.fps as usize
    }

    /// Width / height.
    pub fn aspect(&self) -> f32 {
        self.width as f32 / self.height as f32
    }

    /// Check the supported ranges (issue 4: ≥128 px, 8–24 fps, 2–10 s, 16–48 kHz) and that
    /// audio samples per frame are an integer, so sound stays sample-aligned with frames.
    pub fn validate(&self) -> Result<(), WorldError> {
        let bad = |m: &str| Err(WorldError::Config(m.to_string()));
        if !(32..=1024).contains(&self.width) || !(32..=1024).contains(&self.height) {
            return bad("width and height must be in 32..=1024");
        }
        if !(8..=24).contains(&self.fps) {
            return bad("fps must be in 8..=24");
        }
        if !(1.0..=10.0).contains(&self.duration) {
            return bad("duration must be in 1..=10 s");
        }
        if !(16_000..=48_000).contains(&self.sample_rate)
            || !self.sample_rate.is_multiple_of(self.fps)
        {
            return bad("sample rate must be in 16–48 kHz and a multiple of fps");
        }
        Ok(())
    }
}

/// One RGB8 frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Row-major RGB bytes.
    pub rgb: Vec<u8>,
}

impl Frame {
    /// A black frame.
    pub fn new(width: u32, height: u32) -> Frame {
        Frame {
            width,
            height,
            rgb: vec![0; (width * height * 3) as usize],
        }
    }

    /// Pixel at (x, y).
    pub fn get(&self, x: u32, y: u32) -> [u8; 3] {
        let i = ((y * self.width + x) * 3) as usize;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }
}

type Rgb = [f32; 3];

fn mixc(a: Rgb, b: Rgb, t: f32) -> Rgb {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

fn scale(a: Rgb, k: f32) -> Rgb {
    [a[0] * k, a[1] * k, a[2] * k]
}

fn smooth(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

fn hash01(salt: u64, a: i64, b: i64) -> f32 {
    (mix(salt ^ mix(a as u64 ^ mix(b as u64 ^ 0xABCD))) >> 40) as f32 / (1u64 << 24) as f32
}

/// Smooth value noise in 0..1 with unit cell size.
fn value_noise(salt: u64, x: f32, y: f32) -> f32 {
    let (xi, yi) = (x.floor(), y.floor());
    let (fx, fy) = (x - xi, y - yi);
    let (xi, yi) = (xi as i64, yi as i64);
    let (ux, uy) = (fx * fx * (3.0 - 2.0 * fx), fy * fy * (3.0 - 2.0 * fy));
    let a = hash01(salt, xi, yi);
    let b = hash01(salt, xi + 1, yi);
    let c = hash01(salt, xi, yi + 1);
    let d = hash01(salt, xi + 1, yi + 1);
    (a + (b - a) * ux) + ((c + (d - c) * ux) - (a + (b - a) * ux)) * uy
}

struct Look {
    sky_top: Rgb,
    sky_horizon: Rgb,
    celestial: Option<(f32, f32, f32, Rgb)>,
    scenery: Rgb,
    ground_far: Rgb,
    ground_near: Rgb,
    ground_light: f32,
    night: bool,
    clouds: bool,
}

fn look(scene: &Scene, aspect: f32) -> Look {
    let (sky_top, sky_horizon, celestial, ground_light) = match scene.sky {
        Sky::Day => (
            [70.0, 130.0, 215.0],
            [175.0, 210.0, 240.0],
            (0.78 * aspect, 0.13, 0.045, [255.0, 246.0, 200.0]),
            1.0,
        ),
        Sky::Sunset => (
            [75.0, 55.0, 125.0],
            [250.0, 150.0, 85.0],
            (0.7 * aspect, 0.27, 0.055, [255.0, 205.0, 130.0]),
            0.85,
        ),
        Sky::Night => (
            [8.0, 12.0, 36.0],
            [36.0, 46.0, 88.0],
            (0.72 * aspect, 0.12, 0.035, [235.0, 235.0, 215.0]),
            0.5,
        ),
        Sky::Dawn => (
            [120.0, 140.0, 205.0],
            [245.0, 195.0, 190.0],
            (0.24 * aspect, 0.26, 0.05, [255.0, 225.0, 195.0]),
            0.95,
        ),
    };
    let base_scenery = match (scene.scenery, scene.ground) {
        (Scenery::Forest, _) => [28.0, 78.0, 44.0],
        (Scenery::City, _) => [70.0, 76.0, 98.0],
        (_, Ground::Snow) => [205.0, 215.0, 232.0],
        (_, Ground::Sand) => [196.0, 165.0, 108.0],
        _ => [72.0, 128.0, 72.0],
    };
    let (far, near) = match scene.ground {
        Ground::Grass => ([100.0, 150.0, 72.0], [62.0, 122.0, 46.0]),
        Ground::Sand => ([228.0, 204.0, 150.0], [205.0, 172.0, 112.0]),
        Ground::Snow => ([236.0, 240.0, 248.0], [212.0, 222.0, 240.0]),
        Ground::Water => (
            mixc([110.0, 155.0, 200.0], sky_horizon, 0.35),
            [36.0, 88.0, 140.0],
        ),
    };
    Look {
        sky_top,
        sky_horizon,
        celestial: Some(celestial),
        scenery: mixc(
            scale(base_scenery, f32::max(ground_light, 0.6)),
            sky_horizon,
            0.3,
        ),
        ground_far: scale(far, ground_light),
        ground_near: scale(near, ground_light),
        ground_light,
        night: scene.sky == Sky::Night,
        clouds: matches!(scene.sky, Sky::Day | Sky::Dawn),
    }
}

/// Per-frame object state the sampler needs.
struct ObjState {
    kind: Kind,
    colour: Rgb,
    pose: Pose,
    r: f32,
    hw: f32,
    hh: f32,
    mouth: f32,
    salt: u64,
}

struct Ctx<'a> {
    scene: &'a Scene,
    look: Look,
    salt: u64,
    aspect: f32,
    painted: bool,
    flat: bool,
}

const LIGHT: [f32; 3] = [-0.45, -0.65, 0.61];

impl Ctx<'_> {
    fn shade(&self, n: [f32; 3]) -> f32 {
        let d = (n[0] * LIGHT[0] + n[1] * LIGHT[1] + n[2] * LIGHT[2]).max(0.0);
        let l = 0.5 + 0.55 * d;
        if self.flat {
            if l > 0.95 {
                1.05
            } else if l > 0.75 {
                0.85
            } else {
                0.65
            }
        } else {
            l
        }
    }

    fn scenery_height(&self, xs: f32) -> f32 {
        let s = self.salt;
        match self.scene.scenery {
            Scenery::None => 0.0,
            Scenery::Hills => {
                let p = |k: u64| hash01(s, k as i64, 7) * std::f32::consts::TAU;
                0.085
                    + 0.04 * (xs * 7.0 + p(1)).sin()
                    + 0.025 * (xs * 13.0 + p(2)).sin()
                    + 0.012 * (xs * 29.0 + p(3)).sin()
            }
            Scenery::Forest => {
                let w = 0.045;
                let c = (xs / w).floor() as i64;
                let mut h: f32 = 0.03;
                for k in c - 1..=c + 1 {
                    let cx = (k as f32 + 0.3 + 0.4 * hash01(s, k, 1)) * w;
                    let th = 0.08 + 0.08 * hash01(s, k, 2);
                    let hw = 0.026 + 0.01 * hash01(s, k, 3);
                    let d = (xs - cx).abs();
                    h = h.max(th * (1.0 - d / hw));
                }
                h
            }
            Scenery::City => {
                let w = 0.07;
                let c = (xs / w).floor() as i64;
                let bw = 0.05 + 0.02 * hash01(s, c, 4);
                if xs - c as f32 * w < bw {
                    0.06 + 0.13 * hash01(s, c, 5)
                } else {
                    0.03
                }
            }
        }
    }

    fn background(&self, wx_sky: f32, wx_scn: f32, wx: f32, wy: f32) -> Rgb {
        let l = &self.look;
        let h = self.scenery_height(wx_scn);
        if wy < HORIZON - h {
            let t = (wy / HORIZON).clamp(0.0, 1.0);
            let mut c = mixc(l.sky_top, l.sky_horizon, t * t);
            if let Some((cx, cy, cr, cc)) = l.celestial {
                let d = ((wx_sky - cx).powi(2) + (wy - cy).powi(2)).sqrt();
                let glow = (1.0 - d / (cr * 3.0)).max(0.0);
                c = mixc(c, cc, 0.35 * glow * glow);
                c = mixc(c, cc, smooth(cr + 0.004, cr - 0.004, d));
            }
            if l.night && wy < 0.32 {
                let g = 0.035;
                let (ix, iy) = ((wx_sky / g).floor() as i64, (wy / g).floor() as i64);
                if hash01(self.salt, ix, iy) < 0.3 {
                    let sx = (ix as f32 + 0.2 + 0.6 * hash01(self.salt, ix, iy + 999)) * g;
                    let sy = (iy as f32 + 0.2 + 0.6 * hash01(self.salt, ix + 999, iy)) * g;
                    let d = ((wx_sky - sx).powi(2) + (wy - sy).powi(2)).sqrt();
                    c = mixc(c, [240.0, 240.0, 255.0], smooth(0.006, 0.002, d) * 0.9);
                }
            }
            if l.clouds && wy < 0.26 {
                let mut a: f32 = 0.0;
                for k in 0..4i64 {
                    let cx = (k as f32 * 0.33 + 0.2 * hash01(self.salt, k, 11)) * self.aspect * 1.3
                        - 0.1;
                    let cy = 0.08 + 0.12 * hash01(self.salt, k, 12);
                    for j in 0..3 {
                        let ox = (j as f32 - 1.0) * 0.045;
                        let rr = if j == 1 { 0.04 } else { 0.028 };
                        let d = ((wx_sky - cx - ox).powi(2)
                            + ((wy - cy + if j == 1 { 0.01 } else { 0.0 }) * 1.4).powi(2))
                        .sqrt();
                        a = a.max(smooth(rr, rr - 0.012, d));
                    }
                }
                c = mixc(c, [246.0, 246.0, 250.0], 0.85 * a);
            }
            return c;
        }
        if wy < HORIZON {
            // Scenery silhouette with a little vertical shading and, for cities, windows.
            let depth = (HORIZON - wy) / h.max(1e-3);
            let mut c = scale(l.scenery, 1.0 - 0.12 * depth);
            if self.scene.scenery == Scenery::City {
                let (ix, iy) = ((wx_scn / 0.012).floor() as i64, (wy / 0.016).floor() as i64);
                let fx = wx_scn / 0.012 - ix as f32;
                let fy = wy / 0.016 - iy as f32;
                if fx > 0.3 && fy > 0.35 && hash01(self.salt, ix, iy) < 0.35 {
                    let lit = if self.look.ground_light < 0.9 {
                        [250.0, 215.0, 120.0]
                    } else {
                        [150.0, 170.0, 195.0]
                    };
                    c = mixc(c, lit, 0.8);
                }
            }
            if self.painted {
                c = scale(
                    c,
                    0.93 + 0.14 * value_noise(self.salt ^ 5, wx_scn * 40.0, wy * 90.0),
                );
            }
            return c;
        }
        // Ground: a rigid texture in the parallax-1 layer.
        let d = ((wy - HORIZON) / (1.15 - HORIZON)).clamp(0.0, 1.0);
        let mut c = mixc(l.ground_far, l.ground_near, d.sqrt());
        let u = (wx - 0.5 * self.aspect) / (0.3 + d);
        let k = match self.scene.ground {
            Ground::Grass => {
                1.0 + 0.06 * (u * 14.0).sin()
                    + if self.flat {
                        0.0
                    } else {
                        0.08 * (value_noise(self.salt, wx * 45.0, wy * 70.0) - 0.5)
                    }
            }
            Ground::Sand => {
                1.0 + 0.05 * (wy * 90.0 + 3.0 * (wx * 8.0).sin()).sin()
                    + 0.06 * (value_noise(self.salt, wx * 60.0, wy * 60.0) - 0.5)
            }
            Ground::Snow => {
                1.0 + 0.1 * (value_noise(self.salt, wx * 24.0, wy * 40.0) - 0.5)
                    + 0.05 * (value_noise(self.salt ^ 3, wx * 70.0, wy * 90.0) - 0.5)
            }
            Ground::Water => {
                1.0 + 0.1 * (wy * 150.0 + 2.0 * (wx * 15.0).sin()).sin() * (0.3 + d)
                    + 0.12 * (value_noise(self.salt, wx * 30.0, wy * 50.0) - 0.5)
            }
        };
        c = scale(c, k);
        if self.painted {
            c = scale(
                c,
                0.92 + 0.16 * value_noise(self.salt ^ 9, wx * 30.0, wy * 80.0),
            );
        }
        c
    }

    fn shadow(&self, objs: &[ObjState], wx: f32, wy: f32) -> f32 {
        if wy < HORIZON {
            return 1.0;
        }
        let mut k: f32 = 1.0;
        for o in objs {
            let height = FLOOR - (o.pose.y + o.hh);
            let strength = 0.4 * (1.0 - height / 0.5).clamp(0.12, 1.0);
            let rx = o.hw * (1.0 + height);
            let ry = 0.022 + 0.02 * height;
            let d = ((wx - o.pose.x) / rx).powi(2) + ((wy - FLOOR) / ry).powi(2);
            if d < 1.0 {
                k = k.min(1.0 - strength * smooth(1.0, 0.4, d));
            }
        }
        k
    }

    /// Colour of object `o` at world point (wx, wy), or None outside it.
    fn object(&self, o: &ObjState, wx: f32, wy: f32) -> Option<Rgb> {
        if (wx - o.pose.x).abs() > o.hw + 0.01 || (wy - o.pose.y).abs() > o.hh + 0.01 + o.r * 0.4 {
            return None;
        }
        let mut lx = (wx - o.pose.x) / o.r;
        let ly = (wy - o.pose.y) / o.r;
        let base = o.colour;
        let tex = |c: Rgb, lx: f32, ly: f32| -> Rgb {
            if self.painted {
                scale(c, 0.92 + 0.16 * value_noise(o.salt, lx * 4.0, ly * 6.0))
            } else {
                c
            }
        };
        let c = match o.kind {
            Kind::Ball => {
                let d2 = lx * lx + ly * ly;
                if d2 > 1.0 {
                    return None;
                }
                let n = [lx, ly, (1.0 - d2).sqrt()];
                let mut c = scale(base, self.shade(n));
                let u = lx * o.pose.angle.cos() + ly * o.pose.angle.sin();
                if u.abs() < 0.13 && d2 < 0.8 {
                    c = scale(c, 0.8);
                }
                c
            }
            Kind::Cube => {
                let (front, top, side) = (0.9, 1.08, 0.66);
                let k = if (-1.0..=0.7).contains(&lx) && (-0.7..=1.0).contains(&ly) {
                    front
                } else if (-1.0..-0.7).contains(&ly)
                    && lx >= -1.0 + (-0.7 - ly)
                    && lx <= 0.7 + (-0.7 - ly)
                {
                    top
                } else if lx > 0.7 && lx <= 1.0 && ly >= -0.7 - (lx - 0.7) && ly <= 1.0 - (lx - 0.7)
                {
                    side
                } else {
                    return None;
                };
                scale(
                    base,
                    if self.flat {
                        k
                    } else {
                        k * (1.0 - 0.08 * (ly + 1.0) * 0.5)
                    },
                )
            }
            Kind::Car => {
                lx *= o.pose.facing;
                for wxc in [-0.9f32, 0.9] {
                    let d = ((lx - wxc).powi(2) + (ly - 0.42).powi(2)).sqrt();
                    if d < 0.3 {
                        return Some(if d < 0.12 {
                            [150.0, 150.0, 156.0]
                        } else {
                            [30.0, 30.0, 33.0]
                        });
                    }
                }
                let body = (-1.5..=1.5).contains(&lx) && (-0.1..=0.45).contains(&ly);
                let s = (ly + 0.62) / 0.52;
                let cabin = (-0.62..-0.1).contains(&ly)
                    && lx >= -1.0 + 0.3 * (1.0 - s)
                    && lx <= 0.8 - 0.4 * (1.0 - s);
                if body {
                    scale(base, self.shade([0.0, (ly - 0.15) * 1.2, 0.8]))
                } else if cabin {
                    let window = ly > -0.52
                        && ly < -0.17
                        && lx > -0.85 + 0.3 * (1.0 - s)
                        && lx < 0.65 - 0.4 * (1.0 - s)
                        && (lx - (-0.1)).abs() > 0.05;
                    if window {
                        [58.0, 68.0, 88.0]
                    } else {
                        scale(base, self.shade([0.0, -0.6, 0.8]))
                    }
                } else {
                    return None;
                }
            }
            Kind::Bird => {
                lx *= o.pose.facing;
                let eye = ((lx - 0.82).powi(2) + (ly + 0.33).powi(2)).sqrt() < 0.07;
                if eye {
                    return Some([20.0, 20.0, 20.0]);
                }
                let beak = lx > 0.98 && lx < 1.2 && (ly + 0.26).abs() < 0.09 * (1.2 - lx) / 0.22;
                if beak {
                    return Some([240.0, 160.0, 40.0]);
                }
                let bx = lx / 0.8;
                let by = (ly - 0.05) / 0.42;
                let body = bx * bx + by * by <= 1.0;
                let head = (lx - 0.7).powi(2) + (ly + 0.25).powi(2) <= 0.32 * 0.32;
                let tail =
                    lx < -0.6 && lx > -1.15 && (ly - 0.02).abs() < (-(lx) - 0.6) * 0.45 + 0.04;
                // Wing: a triangle from the shoulder to a tip that swings with the flap phase.
                let tip_y = -0.15 - 0.55 * o.pose.flap.cos() * 1.0;
                let wing = {
                    let (ax, ay, bx2, cx, cy) = (-0.3f32, -0.1f32, 0.3f32, -0.15f32, tip_y);
                    let t = if (cy - ay).abs() < 1e-3 {
                        -1.0
                    } else {
                        (ly - ay) / (cy - ay)
                    };
                    (0.0..=1.0).contains(&t)
                        && lx >= ax + (cx - ax) * t
                        && lx <= bx2 + (cx - bx2) * t
                };
                if body || head {
                    let n = [
                        bx * 0.7,
                        by * 0.7,
                        (1.0 - (bx * bx + by * by).min(1.0) * 0.5).sqrt(),
                    ];
                    scale(base, self.shade(n))
                } else if wing || tail {
                    scale(base, if self.flat { 0.85 } else { 0.8 })
                } else {
                    return None;
                }
            }
            Kind::Character => {
                let hd = (lx * lx + (ly + 0.72).powi(2)).sqrt();
                let body = lx.abs() <= 0.5
                    && (-0.2..=1.3).contains(&ly)
                    && !(ly > 1.12 && lx.abs() > 0.38);
                if hd <= 0.55 {
                    for ex in [-0.2f32, 0.2] {
                        let de = ((lx - ex).powi(2) + (ly + 0.84).powi(2)).sqrt();
                        let dp =
                            ((lx - ex - 0.04 * o.pose.facing).powi(2) + (ly + 0.84).powi(2)).sqrt();
                        if dp < 0.07 {
                            return Some([15.0, 15.0, 20.0]);
                        }
                        if de < 0.14 {
                            return Some([245.0, 245.0, 245.0]);
                        }
                    }
                    let my = 0.03 + 0.17 * o.mouth;
                    if (lx / 0.2).powi(2) + ((ly + 0.5) / my).powi(2) <= 1.0 {
                        return Some([105.0, 22.0, 32.0]);
                    }
                    let n = [
                        lx / 0.55,
                        (ly + 0.72) / 0.55,
                        (1.0 - (hd / 0.55).powi(2)).max(0.0).sqrt(),
                    ];
                    scale(base, self.shade(n))
                } else if body {
                    scale(base, self.shade([lx * 1.4, 0.1, 0.8]))
                } else {
                    return None;
                }
            }
        };
        Some(tex(c, lx, ly))
    }
}

/// Which objects to leave out of which frames (fault injection); `None` renders everything.
pub type HideFn<'a> = &'a dyn Fn(usize, usize) -> bool;

/// Render every frame of a clip.
pub fn render_frames(
    scene: &Scene,
    seed: u64,
    cfg: &RenderConfig,
    hide: Option<HideFn>,
) -> Vec<Frame> {
    let plan = Plan::new(
        scene,
        seed,
        cfg.frames() as f32 / cfg.fps as f32,
        cfg.aspect(),
    );
    (0..cfg.frames())
        .map(|i| render_frame(scene, seed, &plan, cfg, i, hide))
        .collect()
}

/// Render frame `index` of a clip.
pub fn render_frame(
    scene: &Scene,
    seed: u64,
    plan: &Plan,
    cfg: &RenderConfig,
    index: usize,
    hide: Option<HideFn>,
) -> Frame {
    let aspect = cfg.aspect();
    let ctx = Ctx {
        scene,
        look: look(scene, aspect),
        salt: mix(seed ^ 0x5EED),
        aspect,
        painted: scene.style == Style::Painted,
        flat: scene.style == Style::Flat,
    };
    let t = index as f32 / cfg.fps as f32;
    let cam = plan.camera(t, aspect);
    let syll = scene
        .speech
        .as_deref()
        .map(speech::schedule)
        .unwrap_or_default();
    let speaker = scene.speaker();
    let mut objs: Vec<ObjState> = scene
        .objects
        .iter()
        .enumerate()
        .filter(|(i, _)| !hide.is_some_and(|h| h(*i, index)))
        .map(|(i, o)| {
            let r = o.size.radius();
            let (hw, hh) = half_extent(o.kind);
            ObjState {
                kind: o.kind,
                colour: o.colour.rgb(),
                pose: plan.pose(i, t),
                r,
                hw: hw * r,
                hh: hh * r,
                mouth: if speaker == Some(i) {
                    speech::mouth_open(&syll, t)
                } else {
                    0.0
                },
                salt: mix(seed ^ i as u64),
            }
        })
        .collect();
    // Painter's order: objects lower on screen are nearer and drawn last.
    objs.sort_by(|a, b| (a.pose.y + a.hh).total_cmp(&(b.pose.y + b.hh)));
    let post = |c: Rgb| -> Rgb {
        match scene.style {
            Style::Golden => [c[0] * 1.1 + 6.0, c[1] * 0.99 + 2.0, c[2] * 0.78],
            Style::Dark => {
                let g = (c[0] + c[1] + c[2]) / 3.0;
                let d = mixc(c, [g, g, g], 0.25);
                [d[0] * 0.6, d[1] * 0.6, d[2] * 0.66]
            }
            _ => c,
        }
    };
    const SAMPLES: [(f32, f32); 4] = [
        (0.375, 0.125),
        (0.875, 0.375),
        (0.125, 0.625),
        (0.625, 0.875),
    ];
    let (w, h) = (cfg.width, cfg.height);
    let hf = h as f32;
    let mut frame = Frame::new(w, h);
    let inv = 1.0 / cam.zoom;
    for py in 0..h {
        for px in 0..w {
            let mut acc = [0.0f32; 3];
            for (ox, oy) in SAMPLES {
                let sx = (px as f32 + ox) / hf;
                let sy = (py as f32 + oy) / hf;
                let bx = (sx - 0.5 * aspect) * inv + 0.5 * aspect;
                let wy = (sy - 0.5) * inv + 0.5 + cam.y;
                let wx = bx + cam.x;
                let mut c = ctx.background(
                    bx + PARALLAX_SKY * cam.x,
                    bx + PARALLAX_SCENERY * cam.x,
                    wx,
                    wy,
                );
                let sh = ctx.shadow(&objs, wx, wy);
                if sh < 1.0 {
                    c = scale(c, sh);
                }
                for o in &objs {
                    if let Some(oc) = ctx.object(o, wx, wy) {
                        c = oc;
                    }
                }
                acc[0] += c[0];
                acc[1] += c[1];
                acc[2] += c[2];
            }
            let c = post(scale(acc, 0.25));
            let i = ((py * w + px) * 3) as usize;
            for (dst, v) in frame.rgb[i..i + 3].iter_mut().zip(c) {
                *dst = v.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    frame
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{Split, sample_scene};

    #[test]
    fn deterministic_and_not_blank() {
        let cfg = RenderConfig {
            width: 64,
            height: 64,
            duration: 1.0,
            ..RenderConfig::default()
        };
        let s = sample_scene(9, Split::Any);
        let a = render_frames(&s, 9, &cfg, None);
        let b = render_frames(&s, 9, &cfg, None);
        assert_eq!(a, b);
        assert_eq!(a.len(), 12);
        let distinct: std::collections::HashSet<&[u8]> = a[0].rgb.chunks(3).collect();
        assert!(distinct.len() > 50, "a real picture, not a flat fill");
    }

    #[test]
    fn config_validation() {
        assert!(RenderConfig::default().validate().is_ok());
        assert!(
            RenderConfig {
                fps: 30,
                ..RenderConfig::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            RenderConfig {
                sample_rate: 16_000,
                fps: 12,
                ..RenderConfig::default()
            }
            .validate()
            .is_err()
        );
        assert_eq!(RenderConfig::default().samples(), 48_000);
    }
}
