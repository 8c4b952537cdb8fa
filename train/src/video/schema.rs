//! The attribute groups the text encoder learns to name, and a scene's labels in them.
//! Label strings are the world's own serde names (`red`, `pan_left`, …), so the engine
//! reads them from the manifest without knowing the world.

use kinora_engine::models::text::AttributeGroup;
use kinora_world::scene::*;
use serde::Serialize;

/// Object slots the encoder describes.
pub const SLOTS: usize = 3;
/// Label of an empty slot.
pub const NONE: &str = "none";

fn name_of<T: Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn labels<T: Serialize + Copy>(all: &[T], with_none: bool) -> Vec<String> {
    let mut out: Vec<String> = if with_none { vec![NONE.into()] } else { vec![] };
    out.extend(all.iter().map(|&v| name_of(v)));
    out
}

/// The schema, in logit order.
pub fn schema() -> Vec<AttributeGroup> {
    let mut g = Vec::new();
    let mut add = |name: &str, labels: Vec<String>| {
        g.push(AttributeGroup {
            name: name.to_string(),
            labels,
        })
    };
    for k in 1..=SLOTS {
        add(&format!("object{k}_colour"), labels(Colour::ALL, true));
        add(&format!("object{k}_kind"), labels(Kind::ALL, true));
        add(&format!("object{k}_motion"), labels(Motion::ALL, true));
    }
    add("camera", labels(CameraMotion::ALL, false));
    add("camera_speed", labels(&[Speed::Slow, Speed::Fast], false));
    add("sky", labels(Sky::ALL, false));
    add("ground", labels(Ground::ALL, false));
    add("scenery", labels(Scenery::ALL, false));
    add("style", labels(Style::ALL, false));
    g
}

/// A scene's label index in every group of [`schema`].
pub fn scene_labels(scene: &Scene) -> Vec<usize> {
    let schema = schema();
    let index = |group: usize, label: String| {
        schema[group]
            .labels
            .iter()
            .position(|l| *l == label)
            .unwrap_or(0)
    };
    let mut out = Vec::new();
    for k in 0..SLOTS {
        let o = scene.objects.get(k);
        let base = out.len();
        out.push(index(base, o.map_or(NONE.into(), |o| name_of(o.colour))));
        out.push(index(base + 1, o.map_or(NONE.into(), |o| name_of(o.kind))));
        out.push(index(
            base + 2,
            o.map_or(NONE.into(), |o| name_of(o.motion)),
        ));
    }
    let b = out.len();
    out.push(index(b, name_of(scene.camera.motion)));
    out.push(index(b + 1, name_of(scene.camera.speed)));
    out.push(index(b + 2, name_of(scene.sky)));
    out.push(index(b + 3, name_of(scene.ground)));
    out.push(index(b + 4, name_of(scene.scenery)));
    out.push(index(b + 5, name_of(scene.style)));
    out
}

/// Attribute groups of each object slot that the VAE decoder is told (beside where the
/// object is): `object{k}_{name}`.
pub const DECODER_ATTRIBUTES: [&str; 2] = ["colour", "kind"];

/// Features per slot for the decoder: one probability per label of each of
/// [`DECODER_ATTRIBUTES`], "none" left out.
pub fn decoder_features_per_slot() -> usize {
    decoder_features(&[]).first().map_or(0, Vec::len)
}

/// A scene's decoder features per slot from its labels (one-hot: the truth the text
/// encoder's probabilities approximate at generation).
pub fn decoder_features(labels: &[usize]) -> Vec<Vec<f32>> {
    let schema = schema();
    (1..=SLOTS)
        .map(|k| {
            let mut f = Vec::new();
            for a in DECODER_ATTRIBUTES {
                let name = format!("object{k}_{a}");
                let Some(g) = schema.iter().position(|g| g.name == name) else {
                    continue;
                };
                let mut one_hot = vec![0.0f32; schema[g].labels.len() - 1];
                if let Some(i) = labels.get(g).copied().filter(|&i| i > 0) {
                    one_hot[i - 1] = 1.0;
                }
                f.extend(one_hot);
            }
            f
        })
        .collect()
}

/// Group index of the camera direction and speed.
pub fn camera_groups() -> (usize, usize) {
    let s = schema();
    let find = |n: &str| s.iter().position(|g| g.name == n).unwrap_or(0);
    (find("camera"), find("camera_speed"))
}
