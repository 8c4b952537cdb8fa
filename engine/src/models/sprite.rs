//! Objects drawn as layers: a learned appearance decoder ("sprites") and the placement
//! that composites its output over the decoded frames at the plan's positions.
//!
//! Why: the VAE's latent frame covers 4 video frames on an 8×8 grid, so however well the
//! DiT follows the plan, a small object comes back as a soft blob whose brighter pixels
//! are its halo (MODEL_CARD.md: red found 9 times in 25 with every decoder tried) and whose
//! track is too rough to read as a fall or a bounce. Layered video models (Layered Neural
//! Rendering, MarioNette's sprites, object-centric decoders) draw each object as its own
//! layer with an alpha channel; here the planner already says where each object is in
//! every frame, so one small network that says what it looks like is enough to draw it
//! sharp, in its colour, exactly on its planned track. The latent DiT + VAE keep the
//! scene: background, camera motion, lighting.
//!
//! The decoder is factorised the way the picture is made (albedo × shading, the
//! intrinsic-image split): a *shape* network sees the object's kind, the scene's light and
//! style and its pose (facing, wing phase) and outputs per pixel alpha, shading, how much
//! the pixel takes the object's colour, and a detail colour (eyes, wheels, windows); the
//! object's colour comes from a learned palette weighted by the text encoder's colour
//! probabilities and never enters the shape network, so a colour seen on other kinds
//! draws a held-out kind in it.
//!
//! Sprites cover a square box of [`MARGIN`] × the object's radius around its centre; the
//! placement is two small matmuls per object and frame (rows, then columns, of bilinear
//! resampling weights), so it runs on every burn backend beside the decoder.

use super::layout::{SLOTS, SlotFrame, Trajectory};
use super::speech::{Syllable, mouth_open};
use burn::module::Param;
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::{relu, sigmoid, softplus};

/// Half the side of a sprite's box, in object radii (the trajectory's radius bounds the
/// object's extent; the margin leaves room for anti-aliased edges and wing tips).
pub const MARGIN: f32 = 1.25;
/// Pose inputs per object and frame: facing (±1) and the sine and cosine of the wing phase
/// (decoders with a mouth input add how open the mouth is: see
/// [`SpriteDecoderConfig::pose_inputs`]).
pub const POSE_INPUTS: usize = 3;
/// Wing beats per second assumed at generation (the world's birds flap 2.5–3.5 times).
pub const FLAP_HZ: f32 = 3.0;
/// Channels per sprite pixel: premultiplied RGB (−1..1 space) and alpha.
pub const SPRITE_CHANNELS: usize = 4;
/// Shape-network outputs per pixel: alpha, shading, colour share, detail RGB.
const SHAPE_OUTPUTS: usize = 6;

/// Configuration of [`SpriteDecoder`].
#[derive(Config, Debug)]
pub struct SpriteDecoderConfig {
    /// Colour probabilities per object (the palette's rows).
    pub colours: usize,
    /// Kind probabilities per object.
    pub kinds: usize,
    /// Scene features (sky and style probabilities).
    pub scene: usize,
    /// Hidden width of the shape network.
    #[config(default = 256)]
    pub hidden: usize,
    /// Sprite side in pixels.
    #[config(default = 24)]
    pub side: usize,
    /// Whether the pose includes how open the mouth is (a speaking character); decoders
    /// trained before speech have no such input (an `Option` so their stored
    /// configurations still read).
    pub mouth: Option<bool>,
}

impl SpriteDecoderConfig {
    /// Pose inputs per object and frame.
    pub fn pose_inputs(&self) -> usize {
        POSE_INPUTS + usize::from(self.has_mouth())
    }

    /// Whether the pose includes the mouth.
    pub fn has_mouth(&self) -> bool {
        self.mouth == Some(true)
    }

    /// Features that describe one object's look: colour, kind, then scene.
    pub fn look_features(&self) -> usize {
        self.colours + self.kinds + self.scene
    }

    /// Builds the module.
    pub fn init(&self, device: &Device) -> SpriteDecoder {
        let shape_in = self.kinds + self.scene + self.pose_inputs();
        let zero = |a, b| {
            LinearConfig::new(a, b)
                .with_initializer(Initializer::Zeros)
                .init(device)
        };
        SpriteDecoder {
            palette: Initializer::Zeros.init([self.colours, 3], device),
            hidden1: LinearConfig::new(shape_in, self.hidden).init(device),
            hidden2: LinearConfig::new(self.hidden, self.hidden).init(device),
            pixels: LinearConfig::new(self.hidden, self.side * self.side * SHAPE_OUTPUTS)
                .init(device),
            light_gain: zero(self.scene, 3),
            light_bias: zero(self.scene, 3),
            colours: self.colours,
            kinds: self.kinds,
            side: self.side,
        }
    }
}

/// The appearance decoder: an object's look and pose → an RGBA sprite.
#[derive(Module, Debug)]
pub struct SpriteDecoder {
    /// Colour logits per palette entry (0..1 RGB after a sigmoid).
    palette: Param<Tensor<2>>,
    hidden1: Linear,
    hidden2: Linear,
    pixels: Linear,
    /// Per-scene colour grading of the whole sprite (golden hour, dark style), zero-init.
    light_gain: Linear,
    light_bias: Linear,
    colours: usize,
    kinds: usize,
    side: usize,
}

impl SpriteDecoder {
    /// The same decoder with one more pose input, the mouth, whose weights start at zero:
    /// it draws what it drew before until trained with the mouth (so a decoder trained
    /// before speech keeps its look and learns only the mouth).
    pub fn with_mouth_input(mut self) -> SpriteDecoder {
        let weight = self.hidden1.weight.val();
        let [_, hidden] = weight.dims();
        let zeros = Tensor::<2>::zeros([1, hidden], &weight.device());
        // Detached: a fresh leaf, so a training device tracks it as a parameter.
        self.hidden1.weight = Param::from_tensor(Tensor::cat(vec![weight, zeros], 0).detach());
        self
    }

    /// Sprite side in pixels.
    pub fn side(&self) -> usize {
        self.side
    }

    /// Draws sprites.
    ///
    /// # Shapes
    /// - look: `[N, colours + kinds + scene]` (probabilities)
    /// - pose: `[N, SpriteDecoderConfig::pose_inputs]`
    /// - returns `[N, SPRITE_CHANNELS, side, side]`: RGB premultiplied by alpha (−1..1
    ///   space), then alpha (0..1)
    pub fn forward(&self, look: Tensor<2>, pose: Tensor<2>) -> Tensor<4> {
        let [n, features] = look.dims();
        let colour = look.clone().narrow(1, 0, self.colours);
        let kind_and_scene = look
            .clone()
            .narrow(1, self.colours, features - self.colours);
        let scene = look.narrow(
            1,
            self.colours + self.kinds,
            features - self.colours - self.kinds,
        );
        let h = relu(
            self.hidden1
                .forward(Tensor::cat(vec![kind_and_scene, pose], 1)),
        );
        let h = relu(self.hidden2.forward(h));
        let s = self.side;
        let out = self.pixels.forward(h).reshape([n, SHAPE_OUTPUTS, s * s]);
        let channel = |k: usize, len: usize| out.clone().narrow(1, k, len);
        let alpha = sigmoid(channel(0, 1));
        let shading = softplus(channel(1, 1), 1.0);
        let share = sigmoid(channel(2, 1));
        let detail = sigmoid(channel(3, 3));
        // The object's own colour: palette rows mixed by the colour probabilities.
        let albedo = colour
            .matmul(sigmoid(self.palette.val()))
            .reshape([n, 3, 1]);
        let rgb01 = albedo * shading * share.clone() + detail * (share.neg() + 1.0);
        let gain = self.light_gain.forward(scene.clone()).reshape([n, 3, 1]) + 1.0;
        let bias = self.light_bias.forward(scene).reshape([n, 3, 1]);
        let rgb = (rgb01 * gain + bias).mul_scalar(2.0).sub_scalar(1.0);
        Tensor::cat(vec![rgb * alpha.clone(), alpha], 1).reshape([n, SPRITE_CHANNELS, s, s])
    }
}

/// Where a sprite lands in a frame, in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpriteBox {
    /// Centre x.
    pub cx: f32,
    /// Centre y.
    pub cy: f32,
    /// Half the box side.
    pub half: f32,
}

impl SpriteBox {
    /// The box of a slot frame in a `width × height` frame.
    pub fn of(p: SlotFrame, width: usize, height: usize) -> SpriteBox {
        SpriteBox {
            cx: p.x * width as f32,
            cy: p.y * height as f32,
            half: MARGIN * p.radius * height as f32,
        }
    }

    /// Frame coordinate (pixels) of the centre of sprite pixel `k` of `side` along one axis
    /// whose box centre is `centre`.
    pub fn frame_coordinate(&self, centre: f32, k: usize, side: usize) -> f32 {
        centre - self.half + (k as f32 + 0.5) / side as f32 * 2.0 * self.half
    }
}

/// Bilinear weights `[len, side]` that resample a sprite axis onto `len` frame pixels of a
/// box centred at `centre` with half side `half` (rows outside the box are zero), scaled
/// by `visibility`.
fn resampling_weights(
    centre: f32,
    half: f32,
    len: usize,
    side: usize,
    visibility: f32,
) -> Vec<f32> {
    let mut w = vec![0.0f32; len * side];
    if half <= 0.0 || visibility <= 0.0 {
        return w;
    }
    let start = centre - half;
    for i in 0..len {
        let u = ((i as f32 + 0.5) - start) / (2.0 * half) * side as f32 - 0.5;
        // Up to half a sprite pixel beyond its edge the sprite fades out; past that the
        // row is outside the box.
        if u < -0.5 || u > side as f32 - 0.5 {
            continue;
        }
        let k0 = u.floor();
        let frac = u - k0;
        for (k, weight) in [(k0, 1.0 - frac), (k0 + 1.0, frac)] {
            if k >= 0.0 && (k as usize) < side {
                w[i * side + k as usize] += weight * visibility;
            }
        }
    }
    w
}

/// `m` (`rows × cols`, row-major) transposed: what turns a resampling matrix of one axis
/// into the right-hand factor of `rows · image · cols`.
pub(super) fn transposed(m: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    (0..cols)
        .flat_map(|k| (0..rows).map(move |i| m[i * cols + k]))
        .collect()
}

/// How much of a slot frame to draw: nothing for an absent object, fully once the planner
/// is sure it is there.
pub fn visibility(p: SlotFrame) -> f32 {
    ((p.presence - 0.25) / 0.5).clamp(0.0, 1.0)
}

/// Facing per frame of one slot (+1 right, −1 left) from its planned velocity over ±3
/// frames; a still object keeps the previous facing (right at first).
pub fn facing(plan: &Trajectory, slot: usize) -> Vec<f32> {
    let n = plan.frames;
    let mut out = Vec::with_capacity(n);
    let mut last = 1.0;
    for f in 0..n {
        let a = plan.at(f.saturating_sub(3), slot).x;
        let b = plan.at((f + 3).min(n.saturating_sub(1)), slot).x;
        if (b - a).abs() > 0.004 {
            last = (b - a).signum();
        }
        out.push(last);
    }
    out
}

/// Who speaks and what, for decoders with a mouth input.
#[derive(Debug, Clone, Copy)]
pub struct Mouths<'a> {
    /// The spoken line's syllables, timed from the clip's start (empty: nobody speaks).
    pub line: &'a [Syllable],
    /// The slot of the character who speaks (None: the line has no one to say it).
    pub speaker: Option<usize>,
}

/// Pose inputs `[frames × SLOTS, pose width]` (frame-major) for a plan at `fps` whose
/// first frame is frame `clock` of the clip (so an extension's wings beat on); with
/// `mouths` (decoders with a mouth input), each slot's mouth openness follows: the
/// line's for the speaker, closed for everyone else.
pub fn pose_inputs(plan: &Trajectory, fps: u32, clock: usize, mouths: Option<Mouths>) -> Vec<f32> {
    let facings: Vec<Vec<f32>> = (0..SLOTS).map(|s| facing(plan, s)).collect();
    let mut out = Vec::with_capacity(plan.frames * SLOTS * (POSE_INPUTS + 1));
    for f in 0..plan.frames {
        let t = (clock + f) as f32 / fps as f32;
        let phase = std::f32::consts::TAU * FLAP_HZ * t;
        for (slot, facing) in facings.iter().enumerate() {
            out.extend([facing[f], phase.sin(), phase.cos()]);
            if let Some(m) = mouths {
                let open = if m.speaker == Some(slot) {
                    mouth_open(m.line, t)
                } else {
                    0.0
                };
                out.push(open);
            }
        }
    }
    out
}

/// Composites sprites over video frames in painter's order (slots lower on screen over
/// the clip drawn last, as near objects cover far ones).
///
/// # Shapes
/// - video: `[1, 3, T, H, W]` in −1..1
/// - sprites: `[T × SLOTS, SPRITE_CHANNELS, side, side]`, frame-major
/// - boxes, visibility: `T × SLOTS` each, frame-major
/// - returns `[1, 3, T, H, W]`
pub fn composite(
    video: Tensor<5>,
    sprites: Tensor<4>,
    boxes: &[SpriteBox],
    visibility: &[f32],
) -> Tensor<5> {
    let [_, _, t, h, w] = video.dims();
    let side = sprites.dims()[2];
    let device = video.device();
    let n = t * SLOTS;
    let mut rows = Vec::with_capacity(n * h * side);
    let mut cols = Vec::with_capacity(n * side * w);
    for (b, &v) in boxes.iter().zip(visibility).take(n) {
        rows.extend(resampling_weights(b.cy, b.half, h, side, v));
        // Columns transposed: `[side, W]`.
        cols.extend(transposed(
            &resampling_weights(b.cx, b.half, w, side, 1.0),
            w,
            side,
        ));
    }
    let rows = Tensor::<1>::from_data(TensorData::new(rows, [n * h * side]), &device)
        .reshape([n, 1, h, side]);
    let cols = Tensor::<1>::from_data(TensorData::new(cols, [n * side * w]), &device)
        .reshape([n, 1, side, w]);
    let placed = rows
        .matmul(sprites)
        .matmul(cols)
        .reshape([t, SLOTS, SPRITE_CHANNELS, h, w]);
    let depth = |s: usize| {
        (0..t)
            .map(|f| boxes[f * SLOTS + s].cy + boxes[f * SLOTS + s].half)
            .sum::<f32>()
    };
    let mut order: Vec<usize> = (0..SLOTS).collect();
    order.sort_by(|&a, &b| depth(a).total_cmp(&depth(b)));
    let mut frames = video.squeeze_dim::<4>(0).swap_dims(0, 1); // [T, 3, H, W]
    for s in order {
        let layer = placed
            .clone()
            .narrow(1, s, 1)
            .reshape([t, SPRITE_CHANNELS, h, w]);
        let alpha = layer.clone().narrow(1, 3, 1);
        let rgb = layer.narrow(1, 0, 3);
        frames = frames * (alpha.neg() + 1.0) + rgb;
    }
    frames.swap_dims(0, 1).unsqueeze_dim(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_at(x: f32, y: f32, radius: f32, frames: usize) -> Trajectory {
        let mut slots = Vec::new();
        for _ in 0..frames {
            slots.push(SlotFrame {
                x,
                y,
                radius,
                presence: 1.0,
            });
            slots.push(SlotFrame::EMPTY);
            slots.push(SlotFrame::EMPTY);
        }
        Trajectory { frames, slots }
    }

    #[test]
    fn resampling_weights_sum_to_one_inside_the_box_and_zero_outside() {
        let w = resampling_weights(20.0, 8.0, 40, 16, 1.0);
        for i in 0..40 {
            let sum: f32 = w[i * 16..(i + 1) * 16].iter().sum();
            if (13..27).contains(&i) {
                assert!((sum - 1.0).abs() < 1e-4, "row {i}: {sum}");
            }
            if !(11..29).contains(&i) {
                assert_eq!(sum, 0.0, "row {i} lies outside the box");
            }
        }
    }

    #[test]
    fn an_opaque_sprite_covers_its_box_and_nothing_else() {
        let device = Device::flex();
        let (t, side, px) = (4, 8, 32);
        let plan = plan_at(0.25, 0.5, 0.1, t);
        let boxes: Vec<SpriteBox> = plan
            .slots
            .iter()
            .map(|p| SpriteBox::of(*p, px, px))
            .collect();
        let vis: Vec<f32> = plan.slots.iter().map(|p| visibility(*p)).collect();
        // Opaque white sprites (premultiplied RGB = 1, alpha = 1) over a black video.
        let sprites = Tensor::<4>::ones([t * SLOTS, SPRITE_CHANNELS, side, side], &device);
        let video = Tensor::<5>::ones([1, 3, t, px, px], &device).neg();
        let out = super::super::pipeline::to_vec(composite(video, sprites, &boxes, &vis));
        let at = |c: usize, f: usize, y: usize, x: usize| out[((c * t + f) * px + y) * px + x];
        // Box: centre (8, 16), half 1.25 × 0.1 × 32 = 4 px.
        assert!((at(0, 2, 16, 8) - 1.0).abs() < 1e-4, "centre drawn");
        assert!((at(1, 0, 14, 6) - 1.0).abs() < 1e-4, "inside drawn");
        assert!(
            (at(2, 3, 16, 20) + 1.0).abs() < 1e-4,
            "right of the box untouched"
        );
        assert!(
            (at(0, 1, 4, 8) + 1.0).abs() < 1e-4,
            "above the box untouched"
        );
    }

    #[test]
    fn facing_follows_the_planned_direction() {
        let mut plan = plan_at(0.5, 0.5, 0.1, 12);
        for f in 0..12 {
            plan.slots[f * SLOTS].x = 0.8 - 0.03 * f as f32;
        }
        assert!(facing(&plan, 0).iter().all(|&v| v == -1.0));
        assert!(
            facing(&plan, 1).iter().all(|&v| v == 1.0),
            "still objects face right"
        );
    }

    #[test]
    fn a_mouth_input_added_at_zero_draws_the_same_sprite() {
        let device = Device::flex();
        let config = SpriteDecoderConfig::new(3, 2, 1)
            .with_hidden(8)
            .with_side(4);
        let before = config.init(&device);
        let look = Tensor::<2>::ones([2, 6], &device);
        let pose = Tensor::<2>::ones([2, POSE_INPUTS], &device);
        let drawn = super::super::pipeline::to_vec(before.forward(look.clone(), pose.clone()));
        let after = before.with_mouth_input();
        let open = Tensor::cat(vec![pose, Tensor::<2>::ones([2, 1], &device)], 1);
        let again = super::super::pipeline::to_vec(after.forward(look, open));
        assert_eq!(drawn, again);
    }

    #[test]
    fn only_the_speaker_opens_its_mouth_and_in_time_with_the_line() {
        let plan = plan_at(0.5, 0.5, 0.1, 24);
        let line = crate::models::speech::schedule("hello there");
        let plain = pose_inputs(&plan, 12, 0, None);
        assert_eq!(plain.len(), 24 * SLOTS * POSE_INPUTS);
        let mouths = Mouths {
            line: &line,
            speaker: Some(1),
        };
        let posed = pose_inputs(&plan, 12, 0, Some(mouths));
        let width = POSE_INPUTS + 1;
        assert_eq!(posed.len(), 24 * SLOTS * width);
        let open = |f: usize, slot: usize| posed[(f * SLOTS + slot) * width + POSE_INPUTS];
        // Frame 5 is 0.417 s: in the first syllable (0.29–0.45 s); frame 0 is before it.
        assert!(open(5, 1) > 0.5, "{}", open(5, 1));
        assert_eq!(open(0, 1), 0.0);
        assert!((0..24).all(|f| open(f, 0) == 0.0 && open(f, 2) == 0.0));
        // An extension's frames are later in the clip: the line is over by 2 s.
        let later = pose_inputs(&plan, 12, 24, Some(mouths));
        assert!((0..24).all(|f| later[(f * SLOTS + 1) * width + POSE_INPUTS] == 0.0));
    }

    #[test]
    fn sprites_have_the_documented_shape_and_range() {
        let device = Device::flex();
        let config = SpriteDecoderConfig::new(10, 5, 6)
            .with_hidden(16)
            .with_side(8);
        let decoder = config.init(&device);
        let look = Tensor::<2>::ones([3, config.look_features()], &device).div_scalar(5.0);
        let pose = Tensor::<2>::zeros([3, POSE_INPUTS], &device);
        let out = decoder.forward(look, pose);
        assert_eq!(out.dims(), [3, SPRITE_CHANNELS, 8, 8]);
        let v = super::super::pipeline::to_vec(out);
        assert!(v.iter().all(|x| x.is_finite() && (-1.0..=1.0).contains(x)));
    }
}
