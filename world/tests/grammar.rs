//! Grammar round trip: scene → text → parse → the same scene, for grammar-generated text.

use kinora_world::parse::parse;
use kinora_world::sample::{Split, sample_scene};
use kinora_world::text::describe;

#[test]
fn round_trip_thousands_of_paraphrases() {
    for seed in 0..3000u64 {
        let scene = sample_scene(seed, Split::Any);
        for para in 0..3u64 {
            let text = describe(&scene, seed * 7 + para);
            let parsed = parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!(
                parsed.unknown.is_empty(),
                "{text}: unknown {:?}",
                parsed.unknown
            );
            assert_eq!(parsed.scene, scene, "text: {text}");
        }
    }
}
