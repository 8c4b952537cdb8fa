//! The held-out red-team sets stay out of training.

use kinora_train::dataset::{HELD_OUT_SETS, TRAINING_SETS, same_file};

#[test]
fn held_out_sets_are_not_training_sets() {
    for held_out in HELD_OUT_SETS {
        assert!(
            std::path::Path::new(held_out).is_file(),
            "{held_out} exists"
        );
        for set in TRAINING_SETS {
            assert!(!same_file(set, held_out), "{held_out} is trained on");
        }
    }
}

#[test]
fn every_training_set_exists() {
    for set in TRAINING_SETS {
        assert!(std::path::Path::new(set).is_file(), "{set} exists");
    }
}
