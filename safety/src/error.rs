//! The guardrails' error type.

use thiserror::Error;

/// Why the guardrails could not be set up. (Checking a prompt never fails: a refusal is a
/// [`crate::Verdict`], not an error. The classifier's files have their own
/// [`crate::classifier::ClassifierError`].)
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum SafetyError {
    /// The prompt policy file could not be read.
    #[error("invalid prompt policy: {0}")]
    Policy(String),
}
