//! How long a prompt check takes, per part, on the red-team tuning set: the rules, the
//! n-gram model alone, the blended classifier (n-grams + word convolution), and the whole
//! product check. Printed as µs per prompt and as ratios measured in one run (timings on
//! shared machines are noisy; compare ratios).
//!
//! `cargo run --release -p kinora-safety --example guardrail_speed`

use kinora_safety::PromptPolicy;
use kinora_safety::classifier::PromptClassifier;
use std::time::Instant;

const DATA: &str = include_str!("../tests/data/redteam.tsv");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let prompts: Vec<&str> = DATA
        .lines()
        .skip(1)
        .filter_map(|l| l.splitn(3, '\t').nth(2))
        .collect();
    let policy = PromptPolicy::builtin();
    let t = Instant::now();
    let blended = PromptClassifier::builtin();
    let _ = blended.classify("warm up");
    println!(
        "first use (decoding the weights and word vectors): {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let ngrams = PromptClassifier::from_bytes(kinora_safety::assets::PROMPT_CLASSIFIER.bytes)?;
    let time = |name: &str, f: &dyn Fn(&str) -> bool| -> f64 {
        let t = Instant::now();
        let hits = prompts.iter().filter(|p| f(p)).count();
        let us = t.elapsed().as_secs_f64() * 1e6 / prompts.len() as f64;
        println!(
            "{name:>28}: {us:8.1} µs per prompt ({hits}/{} flagged)",
            prompts.len()
        );
        us
    };
    let rules = time("rules", &|p| policy.check_rules(p, |_| false).is_refused());
    let ngram = time("n-gram model", &|p| ngrams.classify(p).should_refuse());
    let blend = time("n-grams + word convolution", &|p| {
        blended.classify(p).should_refuse()
    });
    let product = time("whole check (product)", &|p| policy.check(p).is_refused());
    println!(
        "ratios: blend / n-grams {:.1}×, whole check / rules {:.2}×",
        blend / ngram,
        product / rules
    );
    Ok(())
}
