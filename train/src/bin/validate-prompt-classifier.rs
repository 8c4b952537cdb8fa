//! Validation on one set left out: trains both models (hashed n-grams, word convolution)
//! on every other training set, then reports block / false-refusal rates on the left-out
//! set: of the rules alone, of the product's decision exactly as the guardrails make it
//! (`PromptPolicy::check_with_classifier`, with kinora-safety's thresholds and blend), and
//! of the alternatives around it — each model alone with the rules, and the blend at
//! other shares, thresholds and override levels. Used to choose `REFUSE_THRESHOLD`,
//! `OVERRIDE_DISALLOWED_BELOW` and `NGRAM_SHARE` without touching the held-out red-team
//! set.
//!
//! `cargo run --release -p kinora-train --bin validate-prompt-classifier --
//! [LEFT_OUT_PATH] [--vectors FILE] [n-gram flags: --seed N --bits B --epochs E --lr X
//! --l2 X --benign-weight X] [convolution flags: see `ConvConfig::set_flag`]`
//! (default set: `safety/tests/data/redteam-holdout5.tsv`,
//! [`kinora_train::dataset::REDTEAM_VALIDATION`]). With
//! `KINORA_SHOW_RULE_MISSES=1` it prints the disallowed prompts the rules let through.

use kinora_safety::PromptPolicy;
use kinora_safety::assets;
use kinora_safety::classifier::word_conv::{WordConvNet, embed};
use kinora_safety::classifier::word_vectors::WordVectors;
use kinora_safety::classifier::{Category, PromptClassifier, softmax};
use kinora_safety::{Refusal, Verdict};
use kinora_train::dataset::{self, REDTEAM_VALIDATION, TRAINING_SETS, same_file};
use kinora_train::training::{TrainConfig, featurize_examples, train};
use kinora_train::word_conv_training::{ConvConfig, embed_examples, train_word_conv};
use std::error::Error;
use std::sync::Arc;

const THRESHOLDS: [f32; 7] = [0.5, 0.6, 0.7, 0.8, 0.85, 0.89, 0.93];
const SHARES: [f32; 3] = [0.5, 0.65, 0.8];
const BLEND_THRESHOLDS: [f32; 3] = [0.5, 0.55, 0.6];
const OVERRIDES: [f32; 2] = [0.03, 0.1];

/// What each part of the guardrails said about one left-out prompt.
struct Scored {
    should_block: bool,
    /// The rules refuse it.
    rules: bool,
    /// The rule that refused is the public-figure list (never overridden).
    listed: bool,
    /// P(disallowed) from the n-gram model.
    ngrams: f32,
    /// P(disallowed) from the word convolution.
    conv: f32,
    /// The product refuses it.
    product: bool,
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (left_out, flags) = match args.first() {
        Some(a) if !a.starts_with("--") => (a.clone(), &args[1..]),
        _ => (REDTEAM_VALIDATION.to_string(), &args[..]),
    };
    let mut config = TrainConfig::default();
    let mut conv = ConvConfig::default();
    let mut vectors_path = assets::WORD_VECTORS.source_path().display().to_string();
    for pair in flags.chunks(2) {
        let value = pair.get(1).ok_or("flag without value")?;
        if pair[0] == "--vectors" {
            vectors_path = value.clone();
        } else if !config.set_flag(&pair[0], value)? && !conv.set_flag(&pair[0], value)? {
            return Err(format!("unknown flag {}", pair[0]).into());
        }
    }
    let examples = dataset::read_all(
        TRAINING_SETS
            .into_iter()
            .filter(|p| !same_file(p, &left_out)),
    )?;
    let ngrams =
        PromptClassifier::from_bytes(&train(&featurize_examples(&examples, &config), &config))?;
    let vectors = Arc::new(WordVectors::decode(
        &std::fs::read(&vectors_path).map_err(|e| format!("{vectors_path}: {e}"))?,
    )?);
    // What ships: the convolution as its 8-bit file decodes.
    let net = WordConvNet::decode(
        &train_word_conv(
            &embed_examples(&examples, &vectors, &conv),
            vectors.dims(),
            &conv,
        )
        .encode(),
    )?;
    let product = ngrams
        .clone()
        .with_word_conv(net.clone(), vectors.clone())?;
    let test = dataset::read(&left_out)?;
    let policy = PromptPolicy::builtin();
    let show_misses = std::env::var_os("KINORA_SHOW_RULE_MISSES").is_some();
    let benign = Category::Benign.index();
    let scored: Vec<Scored> = test
        .iter()
        .map(|e| {
            let rules = policy.check_rules(&e.prompt, |_| false);
            if show_misses && e.should_block() && !rules.is_refused() {
                println!("rules miss: {}", e.prompt);
            }
            Scored {
                should_block: e.should_block(),
                rules: rules.is_refused(),
                listed: matches!(&rules, Verdict::Refused(Refusal { category, .. }) if category == "public_figure"),
                ngrams: ngrams.classify(&e.prompt).disallowed_probability(),
                conv: 1.0 - softmax(net.classify_logits(&embed(&e.prompt, &vectors)))[benign],
                product: policy
                    .check_with_classifier(&e.prompt, |_| false, &product)
                    .is_refused(),
            }
        })
        .collect();
    let report = |name: &str, refuse: &dyn Fn(&Scored) -> bool| {
        let (mut b, mut nb, mut f, mut nf) = (0, 0, 0, 0);
        for s in &scored {
            let r = usize::from(refuse(s));
            if s.should_block {
                nb += 1;
                b += r;
            } else {
                nf += 1;
                f += r;
            }
        }
        println!(
            "{name:>42}: blocked {b}/{nb} = {:.1}%, false refusals {f}/{nf} = {:.1}%",
            100.0 * b as f64 / nb.max(1) as f64,
            100.0 * f as f64 / nf.max(1) as f64
        );
    };
    println!(
        "trained on {} prompts; left out {left_out} ({} prompts)",
        examples.len(),
        test.len()
    );
    report("rules alone", &|s| s.rules);
    report("the product (shipped thresholds)", &|s| s.product);
    for t in THRESHOLDS {
        report(&format!("rules + n-grams ≥ {t}"), &|s| {
            s.rules || s.ngrams >= t
        });
    }
    for t in THRESHOLDS {
        report(&format!("rules + conv ≥ {t}"), &|s| {
            s.rules || s.conv >= t
        });
    }
    // An approximation of the product's shape at other settings (it treats every rule
    // hit but the public-figure list as overridable; the product overrides only lone
    // words and name shapes, and asks both models): refuse when the blend (n-gram share
    // `w`) is at least `t`, when the public-figure list matches, or when another rule
    // matches and the blend is above `o`. The "product" row above is exact.
    for w in SHARES {
        for o in OVERRIDES {
            for t in BLEND_THRESHOLDS {
                report(
                    &format!("blend {w} ≥ {t} ∨ listed ∨ rules ∧ > {o}"),
                    &|s| {
                        let m = w * s.ngrams + (1.0 - w) * s.conv;
                        m >= t || s.listed || s.rules && m > o
                    },
                );
            }
        }
    }
    Ok(())
}
