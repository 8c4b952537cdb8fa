//! Lists prompts labelled `allow` that the written rules refuse, with what matched, for
//! the TSV files given as arguments (training and tuning sets only — never the held-out
//! red-team sets).
//! `cargo run --release -p kinora-safety --example rules_false_refusals -- FILE...`
use kinora_safety::{PromptPolicy, Verdict};

fn main() -> std::io::Result<()> {
    let policy = PromptPolicy::builtin();
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path)?;
        let (mut n, mut refused) = (0, 0);
        let started = std::time::Instant::now();
        let mut checked = 0u32;
        for line in text.lines().skip(1) {
            let mut f = line.splitn(3, '\t');
            let (Some("allow"), Some(_), Some(prompt)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            n += 1;
            checked += 1;
            if let Verdict::Refused(r) = policy.check_rules(prompt, |_| false) {
                refused += 1;
                println!("{path}: {prompt}  ← {} “{}”", r.category, r.matched);
            }
        }
        println!(
            "{path}: {refused}/{n} allowed prompts refused by the rules ({:.2} ms per prompt, listing included)",
            started.elapsed().as_secs_f64() * 1000.0 / f64::from(checked.max(1))
        );
    }
    Ok(())
}
