//! `cargo xtask serve|test|bench`: the README's commands. Each installs what it needs
//! (idempotently, from package registries only) and then does its job.

mod setup;
mod wasm_names;

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const USAGE: &str = "usage: cargo xtask <serve|test|bench>
  serve   build the app and serve it on http://127.0.0.1:8080
  test    run every test: fmt, clippy, native (CPU + lavapipe), wasm build, browser e2e
  bench   native kernel benchmark (int8/int4 matmul and attention WGSL kernels vs burn, GPU vs CPU)
  strip-wasm  Trunk's post-build hook: drop the release wasm's name section
  world   the procedural world's CLI, e.g. `cargo xtask world sample --prompt \"…\" --out docs/world/`";

fn main() -> Result<()> {
    let root = workspace_root()?;
    std::env::set_current_dir(&root)?;
    setup::share_target_dir()?;
    match std::env::args().nth(1).as_deref() {
        Some("serve") => serve(),
        Some("test") => test(&root),
        Some("bench") => bench(),
        Some("world") => world(std::env::args().skip(2).collect()),
        Some("strip-wasm") => wasm_names::strip_staged(),
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    }
}

/// The checkout this xtask runs for. `cargo run` sets `CARGO_MANIFEST_DIR` at run time;
/// the compile-time value is only the fallback, because with the cargo target dir shared
/// between clones (`setup::share_target_dir`) the `xtask` binary `cargo run` finds may
/// have been linked by another clone, one that may no longer exist.
fn workspace_root() -> Result<PathBuf> {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest
        .parent()
        .map(Path::to_path_buf)
        .context("xtask has no parent directory")
}

fn serve() -> Result<()> {
    setup::wasm_toolchain()?;
    println!("Kinora: building, then serving on http://127.0.0.1:8080 (Ctrl-C stops)");
    run(Command::new("trunk").args(["serve", "--release"]))
}

fn test(root: &Path) -> Result<()> {
    let total = Instant::now();
    setup::wasm_toolchain()?;
    // ffmpeg/ffprobe are test-only: they check that exported MP4s are standard files.
    setup::apt(&["chromium", "mesa-vulkan-drivers", "ffmpeg"])?;
    setup::npm_ci(&root.join("tests"))?;

    // Mesa's Vulkan drivers complain on every start when this is unset (CI, containers).
    if std::env::var_os("XDG_RUNTIME_DIR").is_none() {
        let dir = std::env::temp_dir().join("kinora-xdg-runtime");
        std::fs::create_dir_all(&dir)?;
        // SAFETY: single-threaded here; children inherit it.
        unsafe { std::env::set_var("XDG_RUNTIME_DIR", &dir) };
    }
    step("format", || {
        run(Command::new("cargo").args(["fmt", "--all", "--check"]))
    })?;
    step("clippy (native crates)", || {
        run(Command::new("cargo").args([
            "clippy",
            "--workspace",
            "--exclude",
            "app",
            "--exclude",
            "kinora-worker",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    step("clippy (app and engine worker, wasm32)", || {
        run(Command::new("cargo").args([
            "clippy",
            "--package",
            "app",
            "--package",
            "kinora-worker",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    step("native tests (burn flex CPU + wgpu on lavapipe)", || {
        run(Command::new("cargo").args([
            "test",
            "--workspace",
            "--exclude",
            "app",
            "--exclude",
            "kinora-worker",
        ]))
    })?;
    step("wasm build (trunk, release)", || {
        run(Command::new("trunk").args(["build", "--release"]))
    })?;
    let fixtures = root.join("tests").join("artifacts").join("fixtures");
    // The `kinora` binary the e2e test calls was built by the native test step (the CLI's
    // integration tests need it); building it alone would unify features differently and
    // rebuild much of the dependency tree.
    step("e2e fixture (a world render as .y4m + .wav)", || {
        world_fixture(&fixtures)
    })?;
    step("browser end-to-end tests (headless Chromium)", || {
        let mut cmd = Command::new("node");
        cmd.args(["--test", "--test-concurrency=1", "e2e/"])
            .current_dir(root.join("tests"))
            .env("KINORA_DIST", root.join("dist"))
            .env("KINORA_FIXTURES", &fixtures)
            .env("KINORA_CLI", target_dir()?.join("debug").join("kinora"));
        run(&mut cmd)
    })?;
    println!(
        "all tests passed in {:.1} min",
        total.elapsed().as_secs_f64() / 60.0
    );
    Ok(())
}

/// A clip from the procedural world for the browser export test: 2 s, 12 fps, 128×128,
/// a bouncing ball whose impacts are in the sound.
fn world_fixture(dir: &Path) -> Result<()> {
    run(Command::new("cargo")
        .args([
            "run",
            "--quiet",
            "--package",
            "kinora-world",
            "--bin",
            "world",
            "--",
            "sample",
            "--prompt",
            "a red ball bounces on the grass at sunset, gentle guitar chords",
            "--out",
        ])
        .arg(dir)
        .args([
            "--name",
            "ball",
            "--size",
            "128",
            "--fps",
            "12",
            "--seconds",
            "2",
            "--y4m",
        ]))
}

/// Where cargo puts build outputs (the shared target dir when set).
fn target_dir() -> Result<PathBuf> {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => Ok(workspace_root()?.join("target")),
    }
}

fn bench() -> Result<()> {
    setup::apt(&["mesa-vulkan-drivers"])?;
    let bench = || {
        let mut cmd = Command::new("cargo");
        cmd.args([
            "run",
            "--quiet",
            "--release",
            "--package",
            "kinora-engine",
            "--example",
            "bench",
        ]);
        cmd
    };
    run(&mut bench())?;
    // Chromium's WebGPU adapter here is SwiftShader; Chromium ships it as a Vulkan driver,
    // so the same kernels can run natively on the very adapter the page uses.
    let swiftshader = Path::new(SWIFTSHADER_ICD);
    if swiftshader.exists() {
        println!("\n==> the kernels again, natively on SwiftShader (the browser's adapter here)");
        run(bench()
            .args(["--", "--kernels-only", "target/bench-swiftshader.json"])
            .env("VK_ICD_FILENAMES", swiftshader))?;
    }
    Ok(())
}

/// Chromium's SwiftShader Vulkan driver (Debian's `chromium` package).
const SWIFTSHADER_ICD: &str = "/usr/lib/chromium/vk_swiftshader_icd.json";

fn world(args: Vec<String>) -> Result<()> {
    run(Command::new("cargo")
        .args([
            "run",
            "--quiet",
            "--release",
            "--package",
            "kinora-world",
            "--bin",
            "world",
            "--",
        ])
        .args(args))
}

fn step(name: &str, f: impl FnOnce() -> Result<()>) -> Result<()> {
    println!("\n==> {name}");
    let start = Instant::now();
    f().with_context(|| format!("step failed: {name}"))?;
    println!("<== {name}: {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}

/// Runs a command, inheriting stdio, and fails with the command line if it fails.
pub fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .status()
        .with_context(|| format!("could not start {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}
