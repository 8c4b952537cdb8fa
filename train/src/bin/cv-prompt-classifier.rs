//! Cross-validation of rules alone, classifier alone, and the two combined.
//!
//! The two red-team sets (974 prompts) are split into 5 stratified folds. For each
//! outer fold the classifier is trained on data/generated.tsv plus the other 4 folds.
//! Thresholds are chosen by an inner cross-validation over those 4 folds only (train
//! on generated + 3, predict the 4th), never on the outer test fold.
//!
//! `cargo run --release -p kinora-train --bin cv-prompt-classifier -- [--bits B]
//! [--seed N] [--max-false F]`

use kinora_safety::PromptPolicy;
use kinora_safety::classifier::{Category, Classification, PromptClassifier};
use kinora_train::dataset::{self, Example, GENERATED, REDTEAM_TUNING};
use kinora_train::training::{Featurized, Rng, TrainConfig, featurize_examples, train};
use std::collections::BTreeMap;
use std::error::Error;

const FOLDS: usize = 5;

/// One red-team row with what the rules say and the classifier's out-of-fold scores.
struct Row {
    example: Example,
    rules_refuse: bool,
    fold: usize,
    /// Which red-team file the row came from.
    source: &'static str,
}

#[derive(Clone, Copy, Debug)]
enum Mode {
    Rules,
    Classifier,
    Either,
    EitherWithOverride,
}

#[derive(Clone, Copy, Debug)]
struct Thresholds {
    refuse: f32,
    overrule: f32,
}

fn decide(mode: Mode, rules: bool, c: &Classification, t: Thresholds) -> bool {
    let clf = c.disallowed_probability() >= t.refuse;
    let benign = c.probabilities[Category::Benign.index()];
    match mode {
        Mode::Rules => rules,
        Mode::Classifier => clf,
        Mode::Either => rules || clf,
        Mode::EitherWithOverride => (rules && benign < t.overrule) || clf,
    }
}

/// (blocked, should_block, refused, should_allow)
fn counts(
    rows: &[(&Row, Classification)],
    mode: Mode,
    t: Thresholds,
) -> (usize, usize, usize, usize) {
    let mut c = (0, 0, 0, 0);
    for (row, cl) in rows {
        let refused = decide(mode, row.rules_refuse, cl, t);
        if row.example.should_block() {
            c.1 += 1;
            c.0 += usize::from(refused);
        } else {
            c.3 += 1;
            c.2 += usize::from(refused);
        }
    }
    c
}

/// Highest block rate with false refusals ≤ `max_false`; ties go to fewer false refusals.
fn choose(rows: &[(&Row, Classification)], mode: Mode, max_false: f64) -> Thresholds {
    let refuse_grid: Vec<f32> = (1..=99)
        .map(|i| i as f32 / 100.0)
        .chain([0.995, 0.999])
        .collect();
    let override_grid: Vec<f32> = match mode {
        Mode::EitherWithOverride => vec![0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 1.01],
        _ => vec![1.01],
    };
    let mut best: Option<(f64, f64, Thresholds)> = None;
    for &refuse in &refuse_grid {
        for &overrule in &override_grid {
            let t = Thresholds { refuse, overrule };
            let (b, nb, f, nf) = counts(rows, mode, t);
            let (block, fr) = (b as f64 / nb as f64, f as f64 / nf as f64);
            if fr > max_false {
                continue;
            }
            if best.is_none_or(|(bb, bf, _)| block > bb || (block == bb && fr < bf)) {
                best = Some((block, fr, t));
            }
        }
    }
    best.map_or(
        Thresholds {
            refuse: 1.01,
            overrule: 1.01,
        },
        |(_, _, t)| t,
    )
}

fn train_and_predict(
    generated: &[Featurized],
    folds: &[Featurized],
    rows: &[Row],
    train_folds: &[usize],
    test_fold: usize,
    config: &TrainConfig,
) -> Result<Vec<(usize, Classification)>, Box<dyn Error>> {
    let mut data = generated.to_vec();
    data.extend(
        rows.iter()
            .zip(folds)
            .filter(|(r, _)| train_folds.contains(&r.fold))
            .map(|(_, f)| f.clone()),
    );
    let model = PromptClassifier::from_bytes(&train(&data, config))?;
    Ok(rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.fold == test_fold)
        .map(|(i, r)| (i, model.classify(&r.example.prompt)))
        .collect())
}

/// [`report`] for each of the four modes, every row under the thresholds chosen for it.
fn report_modes(modes: &[Mode; 4], rows: &[(&Row, Classification)], chosen: &[[Thresholds; 4]]) {
    let names = [
        "rules alone",
        "classifier alone",
        "rules OR classifier",
        "rules OR classifier, with override",
    ];
    for (k, (mode, name)) in modes.iter().zip(names).enumerate() {
        let t: Vec<Thresholds> = chosen.iter().map(|c| c[k]).collect();
        report(name, rows, *mode, &t);
    }
}

fn report(name: &str, rows: &[(&Row, Classification)], mode: Mode, per_row_t: &[Thresholds]) {
    let mut per_group: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let (mut b, mut nb, mut f, mut nf) = (0, 0, 0, 0);
    for ((row, cl), t) in rows.iter().zip(per_row_t) {
        let refused = decide(mode, row.rules_refuse, cl, *t);
        let g = per_group.entry(row.example.group.as_str()).or_default();
        g.1 += 1;
        g.0 += usize::from(refused);
        if row.example.should_block() {
            nb += 1;
            b += usize::from(refused);
        } else {
            nf += 1;
            f += usize::from(refused);
        }
    }
    let groups: Vec<String> = per_group
        .iter()
        .map(|(g, (n, total))| format!("{g} {n}/{total}"))
        .collect();
    println!(
        "{name:<34} blocked {b}/{nb} = {:5.1}%  false refusals {f}/{nf} = {:4.1}%   [refused per category: {}]",
        100.0 * b as f64 / nb as f64,
        100.0 * f as f64 / nf as f64,
        groups.join(", ")
    );
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut config = TrainConfig::default();
    let mut max_false = 0.015;
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).ok_or("flag without value")?;
        if !config.set_flag(&pair[0], value)? {
            match pair[0].as_str() {
                "--max-false" => max_false = value.parse()?,
                other => return Err(format!("unknown flag {other}").into()),
            }
        }
    }
    println!("{config:?}, threshold rule: max block with inner-CV false refusals <= {max_false}");
    let generated_examples = dataset::read(GENERATED)?;
    let mut redteam = Vec::new();
    for path in REDTEAM_TUNING {
        redteam.extend(dataset::read(path)?.into_iter().map(|e| (path, e)));
    }
    // Stratified folds: shuffle within each label group, deal round-robin.
    let policy = PromptPolicy::builtin();
    let mut by_group: BTreeMap<String, Vec<(&'static str, Example)>> = BTreeMap::new();
    for (source, e) in redteam {
        by_group
            .entry(e.group.clone())
            .or_default()
            .push((source, e));
    }
    let mut rng = Rng::new(config.seed ^ 0x5eed);
    let mut rows = Vec::new();
    for (_, mut group) in by_group {
        rng.shuffle(&mut group);
        for (i, (source, example)) in group.into_iter().enumerate() {
            let rules_refuse = policy.check_rules(&example.prompt, |_| false).is_refused();
            rows.push(Row {
                example,
                rules_refuse,
                fold: i % FOLDS,
                source,
            });
        }
    }
    let weigh = |examples: &[Example]| featurize_examples(examples, &config);

    let generated = weigh(&generated_examples);
    let fold_features = weigh(&rows.iter().map(|r| r.example.clone()).collect::<Vec<_>>());

    let modes = [
        Mode::Rules,
        Mode::Classifier,
        Mode::Either,
        Mode::EitherWithOverride,
    ];
    let mut outer: Vec<Option<Classification>> = vec![None; rows.len()];
    let mut chosen: Vec<[Thresholds; 4]> = vec![
        [Thresholds {
            refuse: 1.01,
            overrule: 1.01
        }; 4];
        rows.len()
    ];
    for test in 0..FOLDS {
        let train_folds: Vec<usize> = (0..FOLDS).filter(|f| *f != test).collect();
        // Inner CV over the training folds picks the thresholds.
        let mut inner: Vec<(usize, Classification)> = Vec::new();
        for &held in &train_folds {
            let fit: Vec<usize> = train_folds.iter().copied().filter(|f| *f != held).collect();
            inner.extend(train_and_predict(
                &generated,
                &fold_features,
                &rows,
                &fit,
                held,
                &config,
            )?);
        }
        let inner_rows: Vec<(&Row, Classification)> =
            inner.iter().map(|(i, c)| (&rows[*i], *c)).collect();
        let picks = modes.map(|m| choose(&inner_rows, m, max_false));
        println!("fold {test}: thresholds {:?}", &picks[1..]);
        for (i, c) in train_and_predict(
            &generated,
            &fold_features,
            &rows,
            &train_folds,
            test,
            &config,
        )? {
            outer[i] = Some(c);
            chosen[i] = picks;
        }
    }
    let scored: Vec<(&Row, Classification)> = rows
        .iter()
        .zip(&outer)
        .filter_map(|(r, c)| c.map(|c| (r, c)))
        .collect();
    println!(
        "\nOuter-fold results ({} red-team prompts, 5-fold, nested thresholds):",
        scored.len()
    );
    report_modes(&modes, &scored, &chosen);
    for source in REDTEAM_TUNING {
        println!("\n  only the rows of {source}:");
        let (sub, t): (Vec<(&Row, Classification)>, Vec<[Thresholds; 4]>) = scored
            .iter()
            .zip(&chosen)
            .filter(|((r, _), _)| r.source == source)
            .map(|(s, c)| (*s, *c))
            .unzip();
        report_modes(&modes, &sub, &t);
    }
    // Thresholds to ship: the same rule applied to all out-of-fold predictions.
    println!("\nThresholds chosen on all out-of-fold predictions (to ship with the final model):");
    for mode in &modes[1..] {
        let t = choose(&scored, *mode, max_false);
        let (b, nb, f, nf) = counts(&scored, *mode, t);
        println!("  {mode:?}: {t:?} (OOF blocked {b}/{nb}, false {f}/{nf})");
    }
    // Misses and false refusals of the combined rule, for reading (not for tuning).
    if std::env::var("SHOW_ERRORS").is_ok() {
        for ((row, cl), t) in scored.iter().zip(chosen.iter().map(|c| c[2])) {
            let refused = decide(Mode::Either, row.rules_refuse, cl, t);
            if refused != row.example.should_block() {
                println!(
                    "  {} [{}] p_bad={:.3} rules={} {}",
                    if refused { "FALSE" } else { "MISS " },
                    row.example.group,
                    cl.disallowed_probability(),
                    row.rules_refuse,
                    row.example.prompt
                );
            }
        }
    }
    Ok(())
}
