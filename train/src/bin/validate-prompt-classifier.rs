//! Validation on one set left out: trains on every other training set, then reports
//! block / false-refusal rates of the rules alone and of rules + classifier at several
//! thresholds on the left-out set. Used to choose `REFUSE_THRESHOLD` without touching
//! the held-out red-team set.
//!
//! `cargo run --release --bin validate-prompt-classifier -- [LEFT_OUT_PATH] [training
//! flags: --seed N --bits B --epochs E --lr X --l2 X --benign-weight X]`
//! (default set: ../engine/tests/data/redteam-holdout2.tsv)

use kinora_engine::safety::PromptPolicy;
use kinora_engine::safety::classifier::PromptClassifier;
use kinora_train::dataset::{self, TRAINING_SETS};
use kinora_train::training::{TrainConfig, featurize_examples, train};
use std::error::Error;

const THRESHOLDS: [f32; 7] = [0.5, 0.6, 0.7, 0.8, 0.85, 0.89, 0.93];

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (left_out, flags) = match args.first() {
        Some(a) if !a.starts_with("--") => (a.clone(), &args[1..]),
        _ => (
            "../engine/tests/data/redteam-holdout2.tsv".into(),
            &args[..],
        ),
    };
    let mut config = TrainConfig::default();
    for pair in flags.chunks(2) {
        let value = pair.get(1).ok_or("flag without value")?;
        if !config.set_flag(&pair[0], value)? {
            return Err(format!("unknown flag {}", pair[0]).into());
        }
    }
    let examples = dataset::read_all(TRAINING_SETS.into_iter().filter(|p| *p != left_out))?;
    let model =
        PromptClassifier::from_bytes(&train(&featurize_examples(&examples, &config), &config))?;
    let test = dataset::read(&left_out)?;
    let policy = PromptPolicy::builtin();
    let scored: Vec<(bool, bool, f32)> = test
        .iter()
        .map(|e| {
            let rules = policy.check_rules(&e.prompt, |_| false).is_refused();
            let p = model.classify(&e.prompt).disallowed_probability();
            (e.should_block(), rules, p)
        })
        .collect();
    let report = |name: &str, refuse: &dyn Fn(bool, f32) -> bool| {
        let (mut b, mut nb, mut f, mut nf) = (0, 0, 0, 0);
        for &(block, rules, p) in &scored {
            let r = refuse(rules, p);
            if block {
                nb += 1;
                b += usize::from(r);
            } else {
                nf += 1;
                f += usize::from(r);
            }
        }
        println!(
            "{name:>24}: blocked {b}/{nb} = {:.1}%, false refusals {f}/{nf} = {:.1}%",
            100.0 * b as f64 / nb.max(1) as f64,
            100.0 * f as f64 / nf.max(1) as f64
        );
    };
    println!(
        "trained on {} prompts; left out {left_out} ({} prompts)",
        examples.len(),
        test.len()
    );
    report("rules alone", &|rules, _| rules);
    for t in THRESHOLDS {
        report(&format!("rules + classifier ≥ {t}"), &|rules, p| {
            rules || p >= t
        });
    }
    Ok(())
}
