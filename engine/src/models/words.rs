//! The text encoder reads the guardrails' pretrained word vectors (GloVe, 40k words):
//! one table shipped once serves both.

use super::text::WordLookup;
use kinora_safety::classifier::word_vectors::WordVectors;

impl WordLookup for WordVectors {
    fn dims(&self) -> usize {
        WordVectors::dims(self)
    }

    fn lookup_into(&self, word: &str, out: &mut [f32]) -> bool {
        WordVectors::lookup_into(self, word, out)
    }
}
