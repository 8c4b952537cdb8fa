//! Labelled prompts in the red-team TSV layout: `expected<TAB>category<TAB>prompt`,
//! one header line. `expected` is `block` or `allow`; `category` is a policy id for
//! blocked rows and `benign`/`lookalike` for allowed ones.

use kinora_engine::safety::classifier::Category;

/// Every labelled set the classifier learns from (paths relative to `train/`):
/// template-generated prompts, hand-written ones (three writers, by category), and the
/// earlier red-team sets. The held-out sets (`redteam-holdout6.tsv`, `redteam-holdout7.tsv`) are never among them.
pub const TRAINING_SETS: [&str; 16] = [
    "data/generated.tsv",
    "data/people.tsv",
    "data/written-sexual-violence.tsv",
    "data/written-spam-people.tsv",
    "data/written-everyday.tsv",
    "data/written-more.tsv",
    "data/written-euphemisms.tsv",
    "data/written-implied-sexual-violence.tsv",
    "data/written-covert-spam-people.tsv",
    "data/written-hard-negatives.tsv",
    "../engine/tests/data/redteam.tsv",
    "../engine/tests/data/redteam-holdout.tsv",
    "../engine/tests/data/redteam-holdout2.tsv",
    "../engine/tests/data/redteam-holdout3.tsv",
    "../engine/tests/data/redteam-holdout4.tsv",
    "../engine/tests/data/redteam-holdout5.tsv",
];

/// One labelled prompt.
#[derive(Debug, Clone)]
pub struct Example {
    /// Class the classifier should predict.
    pub label: Category,
    /// The TSV's category column (keeps `lookalike` apart from `benign` in reports).
    pub group: String,
    /// The prompt as typed.
    pub prompt: String,
}

impl Example {
    /// True for prompts that should be refused.
    pub fn should_block(&self) -> bool {
        self.label != Category::Benign
    }
}

/// A malformed TSV line.
#[derive(Debug, thiserror::Error)]
#[error("{source_name} line {line}: {reason}")]
pub struct ParseError {
    source_name: String,
    line: usize,
    reason: String,
}

/// A labelled set that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A line is malformed.
    #[error(transparent)]
    Parse(#[from] ParseError),
}

/// Reads and parses the TSV at `path`.
pub fn read(path: &str) -> Result<Vec<Example>, ReadError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReadError::Io {
        path: path.to_string(),
        source,
    })?;
    Ok(parse(&text, path)?)
}

/// Reads every set in `paths`, in order.
pub fn read_all<'a>(paths: impl IntoIterator<Item = &'a str>) -> Result<Vec<Example>, ReadError> {
    let mut examples = Vec::new();
    for path in paths {
        examples.extend(read(path)?);
    }
    Ok(examples)
}

/// Parses a TSV's text; `source_name` names it in errors.
pub fn parse(text: &str, source_name: &str) -> Result<Vec<Example>, ParseError> {
    let err = |line: usize, reason: String| ParseError {
        source_name: source_name.to_string(),
        line,
        reason,
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let mut f = line.splitn(3, '\t');
        let (Some(expected), Some(group), Some(prompt)) = (f.next(), f.next(), f.next()) else {
            return Err(err(i + 1, "needs three tab-separated fields".into()));
        };
        let label = match (expected, group) {
            ("allow", _) => Category::Benign,
            ("block", g) => Category::from_id(g)
                .filter(|c| *c != Category::Benign)
                .ok_or_else(|| err(i + 1, format!("unknown category {g}")))?,
            (e, _) => return Err(err(i + 1, format!("expected block/allow, got {e}"))),
        };
        out.push(Example {
            label,
            group: group.to_string(),
            prompt: prompt.to_string(),
        });
    }
    Ok(out)
}
