//! pollsim's benchmarks, a package of their own so that `cargo test` in the
//! main package does not build criterion. Run them with
//! `cargo bench -p pollsim-bench` (or `--bench engine`, `optimizer`, `contention`).

use std::path::PathBuf;

/// A bundled config, by file name (`bench.toml`), from the repository's `configs/`.
pub fn config_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../configs")
        .join(name)
}
