//! Dataset: reproducible from a seed (identical bytes), streaming reader round trip, and a
//! throughput measurement printed for the docs.

use kinora_world::dataset::{DatasetSpec, Reader, write_dataset};
use kinora_world::render::RenderConfig;
use kinora_world::sample::Split;

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("kinora-world-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn same_seed_same_bytes_and_reader_round_trip() {
    let spec = DatasetSpec {
        seed: 11,
        clips: 24,
        per_shard: 8,
        split: Split::Train,
        config: RenderConfig::default(),
    };
    let (a, b) = (tmp("a"), tmp("b"));
    let t = std::time::Instant::now();
    let pa = write_dataset(&spec, &a, 2).expect("write a");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "dataset throughput: {:.1} clips/s (2 threads, 128x128, 12 fps, 2 s)",
        spec.clips as f64 / secs
    );
    let pb = write_dataset(&spec, &b, 1).expect("write b");
    assert_eq!(pa.len(), 3);
    assert_eq!(
        pb.len(),
        pa.len(),
        "thread count must not change the shards"
    );
    for (x, y) in pa.iter().zip(&pb) {
        assert_eq!(
            std::fs::read(x).expect("read"),
            std::fs::read(y).expect("read"),
            "thread count must not matter"
        );
    }
    let recs: Vec<_> = Reader::open_dir(&a)
        .expect("open")
        .collect::<Result<_, _>>()
        .expect("records");
    assert_eq!(recs.len(), 24);
    for (i, r) in recs.iter().enumerate() {
        assert_eq!(r.meta.index, i as u64);
        assert_eq!(r.frames.len(), 24);
        assert_eq!(r.audio.len(), 48_000);
        let parsed = kinora_world::parse::parse(&r.meta.prompt).expect("prompt parses");
        assert_eq!(parsed.scene, r.meta.scene);
    }
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}
