//! `world` CLI: look at and listen to the procedural world, write datasets, validate the
//! judge.
//!
//! ```text
//! world sample  --prompt "a red ball bounces on the grass at sunset" --out docs/world/ [--name N] [--seed S] [--size PX] [--fps F] [--seconds S] [--y4m]
//! world dataset --out DIR [--n CLIPS] [--per-shard K] [--seed S] [--threads T]
//! world eval    [--n CLIPS] [--seed FIRST] [--no-faults]
//! ```

use kinora_world::clip::make_clip;
use kinora_world::dataset::{DatasetSpec, write_dataset};
use kinora_world::io::{contact_sheet, write_png, write_wav, write_y4m};
use kinora_world::render::RenderConfig;
use kinora_world::sample::Split;
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage:
  world sample  --prompt TEXT --out DIR [--name NAME] [--seed S] [--size PX] [--fps F] [--seconds S] [--y4m]
  world dataset --out DIR [--n CLIPS] [--per-shard K] [--seed S] [--threads T]
  world eval    [--n CLIPS] [--seed FIRST] [--no-faults]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let num = |name: &str, default: u64| -> Result<u64, Box<dyn std::error::Error>> {
        Ok(get(name)
            .map(|s| s.parse::<u64>())
            .transpose()?
            .unwrap_or(default))
    };
    let seed = num("--seed", 1)?;
    match args.first().map(String::as_str) {
        Some("sample") => {
            let prompt = get("--prompt").ok_or("--prompt is required")?;
            let out = PathBuf::from(get("--out").unwrap_or_else(|| ".".into()));
            let size = num("--size", 256)? as u32;
            let name = get("--name").unwrap_or_else(|| "sample".into());
            let parsed = kinora_world::parse::parse(&prompt)?;
            if !parsed.unknown.is_empty() {
                eprintln!("words not understood: {}", parsed.unknown.join(", "));
            }
            for n in &parsed.notes {
                eprintln!("note: {n}");
            }
            let defaults = RenderConfig::default();
            let cfg = RenderConfig {
                width: size,
                height: size,
                fps: num("--fps", u64::from(defaults.fps))? as u32,
                duration: num("--seconds", defaults.duration as u64)? as f32,
                ..defaults
            };
            cfg.validate()?;
            let clip = make_clip(&parsed.scene, seed, &cfg);
            std::fs::create_dir_all(&out)?;
            let png = out.join(format!("{name}.png"));
            let wav = out.join(format!("{name}.wav"));
            write_png(
                &contact_sheet(&clip.frames, 4, 3),
                std::fs::File::create(&png)?,
            )?;
            write_wav(&clip.audio, cfg.sample_rate, std::fs::File::create(&wav)?)?;
            if args.iter().any(|a| a == "--y4m") {
                let y4m = out.join(format!("{name}.y4m"));
                let file = std::io::BufWriter::new(std::fs::File::create(&y4m)?);
                write_y4m(&clip.frames, cfg.fps, file)?;
                println!("wrote {}", y4m.display());
            }
            println!("{}", serde_json::to_string(&parsed.scene)?);
            println!("wrote {} and {}", png.display(), wav.display());
        }
        Some("dataset") => {
            let out = PathBuf::from(get("--out").ok_or("--out is required")?);
            let spec = DatasetSpec {
                seed,
                clips: num("--n", 100)?,
                per_shard: num("--per-shard", 50)?,
                split: Split::Train,
                config: RenderConfig::default(),
            };
            let threads = num("--threads", 2)? as usize;
            let t = std::time::Instant::now();
            let shards = write_dataset(&spec, &out, threads)?;
            let secs = t.elapsed().as_secs_f64();
            println!(
                "{} clips in {} shards, {:.1} s: {:.1} clips/s on {threads} threads",
                spec.clips,
                shards.len(),
                secs,
                spec.clips as f64 / secs
            );
        }
        Some("eval") => {
            let n = num("--n", 100)?;
            let faults = !args.iter().any(|a| a == "--no-faults");
            let t = std::time::Instant::now();
            let v = kinora_world::eval::validate(
                seed,
                n,
                Split::Any,
                &RenderConfig::default(),
                2,
                faults,
            );
            eprintln!("{n} clips in {:.1}s", t.elapsed().as_secs_f32());
            println!("{}", serde_json::to_string_pretty(&v)?);
            println!("av median abs ms: {}", v.av_median_abs_ms());
        }
        _ => return Err("unknown command".into()),
    }
    Ok(())
}
