//! Print a few held-out compositions as prompts (they never appear in training data).

fn main() {
    for seed in 0..6 {
        let s = kinora_world::sample::sample_scene(seed, kinora_world::sample::Split::HeldOut);
        println!("- {}", kinora_world::text::describe(&s, seed));
    }
}
