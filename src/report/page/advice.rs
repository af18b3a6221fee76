//! The answer to the user's question, after tuning: what to deploy, with and
//! without per-job hints, what it costs, its regret against the optimal
//! schedule, and the `[[policies]]` block to paste. `report.md` opens with it
//! and the terminal ends with it, in two lines.

use crate::optimize::{Candidate, Origin, Recommendation, policy_block};
use std::fmt::Write;
use std::path::Path;

/// "+6.0 %" / "−10.5 %" against the optimal schedule, or "the bound itself".
fn regret(c: &Candidate) -> String {
    match c.origin {
        Origin::Optimal => "regret 0 %: it is the optimal schedule".into(),
        _ if c.regret_pct < 0.0 => format!("{:.1} % below the optimal schedule", -c.regret_pct),
        _ => format!("regret {:+.1} % against the optimal schedule", c.regret_pct),
    }
}

fn figures(c: &Candidate) -> String {
    format!(
        "**{:.2} per job** ({:.2} calls and {:.2} s mean detection delay)",
        c.cost, c.calls, c.delay
    )
}

/// The page's opening paragraphs and the blocks to paste.
pub(super) fn headline(advice: &Recommendation, has_hints: bool) -> String {
    let plain = &advice.without_hints;
    let mut md = String::new();
    let without = if has_hints {
        " without per-job hints"
    } else {
        ""
    };
    let _ = write!(
        md,
        "**Deploy `{}`**{without}: {}, {}.",
        plain.spec.name(),
        figures(plain),
        regret(plain)
    );
    if plain.origin == Origin::Optimal {
        let _ = write!(
            md,
            " No policy that learns only \"pending\" from a check does better."
        );
    }
    if let Some(simple) = &advice.simplest {
        let _ = write!(
            md,
            " The best family with a simple shape is `{}`: {:.2} per job, {}.",
            simple.spec.name(),
            simple.cost,
            regret(simple)
        );
    }
    md.push_str("\n\n");
    if let Some(hinted) = &advice.with_hints {
        let _ = writeln!(
            md,
            "**With each job's duration hint, deploy `{}`**: {}, {}: what the hint is worth.\n",
            hinted.spec.name(),
            figures(hinted),
            regret(hinted)
        );
    }
    let _ = writeln!(
        md,
        "Paste into a config (or load `tuned.toml`, which holds every tuned policy):\n"
    );
    let mut blocks = policy_block(&plain.spec);
    if let Some(hinted) = &advice.with_hints {
        blocks.push('\n');
        blocks.push_str(&policy_block(&hinted.spec));
    }
    let _ = writeln!(md, "```toml\n{}```", blocks);
    md
}

/// The terminal's last two lines: the same answer, and where the blocks are.
pub fn advice_lines(advice: &Recommendation, written: Option<&Path>) -> String {
    let line = |label: &str, c: &Candidate| {
        format!(
            "{label}: {}, {:.2} per job ({})",
            c.spec.name(),
            c.cost,
            regret(c)
        )
    };
    let plain = &advice.without_hints;
    let second = match (&advice.with_hints, written) {
        (Some(hinted), Some(dir)) => format!(
            "{}; their [[policies]] blocks: {}",
            line("deploy with per-job hints", hinted),
            dir.join("report.md").display()
        ),
        (Some(hinted), None) => line("deploy with per-job hints", hinted),
        (None, Some(dir)) => format!(
            "its [[policies]] block: {} (every tuned policy: {})",
            dir.join("report.md").display(),
            dir.join("tuned.toml").display()
        ),
        (None, None) => "write the results (without --no-write) for its [[policies]] block".into(),
    };
    let label = if advice.with_hints.is_some() {
        "deploy without hints"
    } else {
        "deploy"
    };
    format!("{}\n{second}", line(label, plain))
}
