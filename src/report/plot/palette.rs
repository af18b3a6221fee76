//! Which palette slot each policy gets: one color per policy *name*, the same in
//! every plot of a run.
//!
//! Colors were once a policy's position in whatever list a plot was given (its
//! config index, its grid's index, its rank), so one policy changed color from
//! file to file. A [`Palette`] is built once per run from every group of names
//! that share a plot, and every row constructor looks names up in it, so a plot
//! cannot pick a slot of its own.
//!
//! Names are matched by *family*: `fibonacci`, the grid `[tune.fibonacci]` and
//! the tuned `fibonacci-tuned` are one family, and so are `duration-aware` and
//! `duration_aware`. A name takes its family's slot unless another name in one
//! of its groups already holds it; groups are processed in order, so the tuning
//! grids (which do not change when `--policies` swaps a tuned file in) come
//! first and a tuned policy keeps its family's color in every command run on
//! the same config.

use super::style::OPTIMAL_SLOT;
use crate::config::Config;

/// The name the tuner gives the optimal schedule; it is always drawn in ink.
pub const OPTIMAL_NAME: &str = "optimal-schedule";

/// Palette slots by policy name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Palette {
    /// `(name, slot)` in the order the names were assigned.
    slots: Vec<(String, usize)>,
}

/// The family a name belongs to: without a `-tuned` suffix, lower case, `_` as `-`.
fn family(name: &str) -> String {
    let base = name.strip_suffix("-tuned").unwrap_or(name);
    base.to_lowercase().replace('_', "-")
}

impl Palette {
    /// Slots for `groups` of names, each group the names that can appear in one
    /// plot. Within a group every name gets its own slot (the optimal schedule
    /// excepted: it is ink). A name keeps the slot it was first given; a new name
    /// takes its family's slot when that is free in its group, else the first
    /// slot nobody in the run uses yet, else the lowest one free in its group.
    pub fn new<'a, G>(groups: impl IntoIterator<Item = G>) -> Self
    where
        G: IntoIterator<Item = &'a str>,
    {
        let mut palette = Palette::default();
        for group in groups {
            let names: Vec<&str> = group.into_iter().collect();
            let mut used: Vec<usize> = names
                .iter()
                .filter_map(|n| palette.assigned(n))
                .filter(|s| *s != OPTIMAL_SLOT)
                .collect();
            for name in names {
                if palette.assigned(name).is_some() {
                    continue;
                }
                let slot = if name == OPTIMAL_NAME {
                    OPTIMAL_SLOT
                } else {
                    let key = family(name);
                    let kin = palette
                        .slots
                        .iter()
                        .find(|(n, s)| family(n) == key && *s != OPTIMAL_SLOT)
                        .map(|(_, s)| *s);
                    let slot = match kin {
                        Some(s) if !used.contains(&s) => s,
                        _ => palette.free(&used),
                    };
                    used.push(slot);
                    slot
                };
                palette.slots.push((name.to_string(), slot));
            }
        }
        palette
    }

    /// The palette of a run on `config`: its tuning grids with their tuned
    /// policies and the optimal schedule (one group each, as `tradeoff.png` and
    /// the tuned `schedule.png` show them), then the policies it runs.
    pub fn for_run(config: &Config) -> Self {
        let grids: Vec<String> = config
            .tune
            .iter()
            .flat_map(|t| t.grids.iter().map(|g| g.name.clone()))
            .collect();
        let tuned: Vec<String> = grids.iter().map(|g| format!("{g}-tuned")).collect();
        let policies: Vec<&str> = config.policies.iter().map(|p| p.name()).collect();
        let with_optimal =
            |names: &[String]| -> Vec<String> { [names, &[OPTIMAL_NAME.to_string()]].concat() };
        let (grids, tuned) = (with_optimal(&grids), with_optimal(&tuned));
        Self::new([
            grids.iter().map(String::as_str).collect::<Vec<_>>(),
            tuned.iter().map(String::as_str).collect(),
            policies,
        ])
    }

    fn assigned(&self, name: &str) -> Option<usize> {
        self.slots.iter().find(|(n, _)| n == name).map(|(_, s)| *s)
    }

    /// The first of the ten base slots nobody holds, else the lowest not in `used`.
    fn free(&self, used: &[usize]) -> usize {
        let taken = |s: usize| self.slots.iter().any(|(_, t)| *t == s);
        (0..super::style::BASE_COLORS)
            .find(|s| !taken(*s) && !used.contains(s))
            .unwrap_or_else(|| (0..).find(|s| !used.contains(s)).unwrap_or(0))
    }

    /// The slot of `name`. A name the run did not list (a caller's mistake, never
    /// a panic) takes its family's slot, or a darker shade picked from its
    /// letters, so it is at least the same in every plot.
    pub fn slot(&self, name: &str) -> usize {
        if let Some(s) = self.assigned(name) {
            return s;
        }
        if name == OPTIMAL_NAME {
            return OPTIMAL_SLOT;
        }
        let key = family(name);
        if let Some((_, s)) = self.slots.iter().find(|(n, _)| family(n) == key) {
            return *s;
        }
        // FNV-1a: stable across runs and platforms, unlike the std hasher.
        let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let base = super::style::BASE_COLORS;
        base + (hash % (2 * base as u64)) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_one_group_get_distinct_slots_in_order() {
        let p = Palette::new([vec!["a", "b", "c"]]);
        assert_eq!((p.slot("a"), p.slot("b"), p.slot("c")), (0, 1, 2));
    }

    #[test]
    fn a_family_shares_its_slot_across_groups_whatever_the_positions() {
        // Grids first, as `for_run` orders them; the policies list the same
        // families in another order and under their own spellings.
        let p = Palette::new([
            vec!["constant", "fibonacci", "duration_aware", OPTIMAL_NAME],
            vec!["constant-tuned", "fibonacci-tuned", "duration_aware-tuned"],
            vec!["every-5s", "duration-aware", "fibonacci", OPTIMAL_NAME],
        ]);
        assert_eq!(p.slot("fibonacci"), 1);
        assert_eq!(p.slot("fibonacci-tuned"), 1);
        assert_eq!(p.slot("duration-aware"), 2);
        assert_eq!(p.slot("duration_aware-tuned"), 2);
        assert_eq!(p.slot(OPTIMAL_NAME), OPTIMAL_SLOT);
        // A name of no family takes a base slot nobody uses yet.
        assert_eq!(p.slot("every-5s"), 3);
    }

    #[test]
    fn two_names_of_one_family_in_one_plot_are_told_apart() {
        let p = Palette::new([vec!["fibonacci"], vec!["fibonacci-tuned", "fibonacci", "x"]]);
        assert_eq!(p.slot("fibonacci"), 0);
        assert_ne!(p.slot("fibonacci-tuned"), 0);
        assert_ne!(p.slot("x"), p.slot("fibonacci-tuned"));
    }

    #[test]
    fn past_ten_names_slots_keep_counting_and_unknown_names_are_stable() {
        let names: Vec<String> = (0..13).map(|i| format!("p{i}")).collect();
        let p = Palette::new([names.iter().map(String::as_str)]);
        let slots: Vec<usize> = names.iter().map(|n| p.slot(n)).collect();
        assert_eq!(slots, (0..13).collect::<Vec<_>>());
        let stranger = p.slot("not-listed");
        assert!(stranger >= 10, "{stranger}");
        assert_eq!(stranger, Palette::default().slot("not-listed"));
    }
}
