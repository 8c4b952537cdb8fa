//! Retraining reproduces the shipped classifier weights bit for bit: the files in
//! `safety/data/` are exactly what `train-prompt-classifier` makes from the committed
//! data with its default settings.
//!
//! Slow (~2 min in release, far longer unoptimized), so ignored by default:
//! `cargo test --release -p kinora-train --test reproduce -- --ignored`.

use kinora_safety::assets;
use kinora_train::train_prompt_classifier;
use kinora_train::training::TrainConfig;
use kinora_train::word_conv_training::ConvConfig;

#[test]
#[ignore = "trains both models (~2 min in release); run with --release -- --ignored"]
fn retraining_reproduces_the_shipped_weights() {
    let trained = train_prompt_classifier(&TrainConfig::default(), &ConvConfig::default())
        .expect("the training sets and word vectors load");
    assert!(
        trained.ngram_weights == assets::PROMPT_CLASSIFIER.bytes,
        "retrained n-gram weights differ from {}",
        assets::PROMPT_CLASSIFIER.file
    );
    assert!(
        trained.word_conv == assets::WORD_CONV.bytes,
        "retrained word convolution differs from {}",
        assets::WORD_CONV.file
    );
}
