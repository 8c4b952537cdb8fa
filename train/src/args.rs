//! The training binaries' command line: a command, then `--name value` flags.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// A parsed command line.
pub struct Args {
    /// The subcommand.
    pub command: String,
    /// `--name value` pairs.
    pub flags: std::collections::HashMap<String, String>,
}

impl Args {
    /// Reads the process arguments: a command, then `--name value` pairs.
    pub fn parse(usage: &str) -> Result<Args> {
        let mut it = std::env::args().skip(1);
        let command = it.next().context(usage.to_string())?;
        let mut flags = std::collections::HashMap::new();
        while let Some(k) = it.next() {
            let Some(name) = k.strip_prefix("--") else {
                bail!("unexpected argument {k:?}");
            };
            let v = it
                .next()
                .with_context(|| format!("--{name} needs a value"))?;
            flags.insert(name.to_string(), v);
        }
        Ok(Args { command, flags })
    }

    /// A flag's value, or `default` when absent.
    pub fn get<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T> {
        match self.flags.get(name) {
            Some(v) => v
                .parse()
                .map_err(|_| anyhow::anyhow!("--{name}: cannot read {v:?}")),
            None => Ok(default),
        }
    }

    /// A path flag, or `default` when absent.
    pub fn path(&self, name: &str, default: &Path) -> PathBuf {
        self.flags
            .get(name)
            .map(PathBuf::from)
            .unwrap_or_else(|| default.to_path_buf())
    }
}
