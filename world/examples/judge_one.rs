//! Judge one sampled clip and print the report (a debugging aid):
//! `cargo run -p kinora-world --release --example judge_one -- SEED [DIR]`.

fn main() {
    let seed: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let cfg = kinora_world::render::RenderConfig::default();
    let scene = kinora_world::sample::sample_scene(seed, kinora_world::sample::Split::Any);
    let clip = kinora_world::clip::make_clip(&scene, seed, &cfg);
    let r = kinora_world::judge::judge(&clip.frames, cfg.fps, &clip.audio, cfg.sample_rate);
    println!("{scene:?}");
    println!(
        "contacts (truth) {:?}",
        clip.contacts.iter().map(|c| c.time).collect::<Vec<_>>()
    );
    println!(
        "camera {:?} {:?} pan {:.3} tilt {:.3} zoom {:.3}",
        r.camera.motion, r.camera.speed, r.camera.pan_rate, r.camera.tilt_rate, r.camera.zoom_rate
    );
    for o in &r.objects {
        println!(
            "{:?} {:?} {:?} shape {:?} contacts {:?} vanished {:?}",
            o.colour, o.kind, o.motion, o.shape, o.contacts, o.vanished
        );
        let track: Vec<String> = o
            .positions
            .iter()
            .zip(&o.bboxes)
            .map(|(p, b)| match (p, b) {
                (Some((x, y)), Some(b)) => format!("{x:.0},{y:.0}{}", if b.4 { "B" } else { "" }),
                _ => "-".into(),
            })
            .collect();
        println!("  {}", track.join(" "));
    }
    if let Some(dir) = std::env::args().nth(2) {
        let sheet = kinora_world::io::contact_sheet(&clip.frames, 6, 4);
        if let Ok(f) = std::fs::File::create(format!("{dir}/judge_one_{seed}.png")) {
            let _ = kinora_world::io::write_png(&sheet, f);
        }
    }
}
