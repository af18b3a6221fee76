//! The figures of a results folder: rows built from the run (and the tuning,
//! when there was one), each plot rendered to bytes, and a [`Figure`] entry for
//! `report.md` whether or not it could be drawn. Writing the bytes is left to
//! the caller.
//!
//! Every figure of a run takes its colors from one [`Palette::for_run`] of the
//! run's config, keyed by policy name, so a policy (or its family's grid, or
//! its tuned version) has one color in `delay_cdf.png`, `calls.png`,
//! `schedule.png`, `tradeoff.png` and the validation plots alike.

use crate::config::Config;
use crate::http::validate::Validation;
use crate::metrics::Summary;
use crate::optimize::{TuneResult, TuneSettings};
use crate::report::page::Figure;
use crate::report::plot::{
    self, CallCounts, DelayCdf, HeatmapRows, LoadPair, LoadSeries, ObservedRows, Palette,
    PlotError, ScheduleRows, TradeoffRows, ValidationRows,
};
use crate::sim;

/// A figure and, when it was drawn, its PNG bytes.
pub(crate) struct Rendered {
    pub figure: Figure,
    pub png: Option<Vec<u8>>,
}

fn rendered(
    file: &str,
    title: &str,
    caption: &str,
    result: Result<Vec<u8>, PlotError>,
) -> Rendered {
    let (status, png) = match result {
        Ok(bytes) => (Ok(()), Some(bytes)),
        Err(e) => (Err(e.to_string()), None),
    };
    Rendered {
        figure: Figure {
            file: file.into(),
            title: title.into(),
            caption: caption.into(),
            status,
        },
        png,
    }
}

/// Delay CDF, calls per job and, after a many-clients run, the server load, for
/// the policies as run, in the run's colors; lists are ordered by cost,
/// cheapest first, like the table.
pub(crate) fn simulate_figures(
    config: &Config,
    summaries: &[Summary],
    run: &sim::Run,
    loads: Option<&[sim::LoadTimeline]>,
    overload: &[Option<Vec<sim::des::OverloadSecond>>],
) -> Vec<Rendered> {
    let palette = Palette::for_run(config);
    let mut order: Vec<usize> = (0..summaries.len()).collect();
    order.sort_by(|&a, &b| summaries[a].cost.total_cmp(&summaries[b].cost));
    let delay_rows: Vec<DelayCdf> = order
        .iter()
        .map(|&i| {
            DelayCdf::from_accumulator(&summaries[i].policy, &palette, &run.policies[i].accumulator)
        })
        .collect();
    let call_rows: Vec<CallCounts> = order
        .iter()
        .map(|&i| {
            CallCounts::from_accumulator(
                &summaries[i].policy,
                &palette,
                &run.policies[i].accumulator,
            )
        })
        .collect();
    let load = || {
        loads.map(|loads| {
            let rows: Vec<LoadSeries> = order
                .iter()
                .map(|&i| LoadSeries::from_timeline(&summaries[i].policy, &palette, &loads[i]))
                .collect();
            rendered(
                "load.png",
                "Server load",
                "Each line is one policy: the requests the status server received in each second \
                 (answered, failed and throttled together; load.csv splits them). Spikes are herds \
                 of clients checking at once; a flat top at the rate limit means clients wait on 429s.",
                plot::load_png(&rows),
            )
        })
    };
    let overload = || overload_figure(config, summaries, &palette, &order, overload);
    let delay_cdf = || {
        rendered(
            "delay_cdf.png",
            "Detection delay",
            "Each line is one policy: the share of detected jobs that the client noticed within \
             the delay on the x axis. Higher and further left is better; where a line reaches \
             100 % is the worst delay that policy caused.",
            plot::delay_cdf_png(&delay_rows),
        )
    };
    let calls = || {
        rendered(
            "calls.png",
            "Calls per job",
            "One panel per policy, cheapest first, each over the range its own jobs span (up to \
             their 99.9th percentile; a pale bar at the right end holds the rarer jobs beyond): \
             the share of jobs that needed each number of status calls. Compare policies by the \
             numbers under each name; a narrow block at low counts is cheap for the server.",
            plot::calls_png(&call_rows),
        )
    };
    // Independent drawings, in parallel; the list keeps this order.
    let ((delay_cdf, observed), ((calls, load), overload)) = rayon::join(
        || rayon::join(delay_cdf, || observed_figure(config)),
        || rayon::join(|| rayon::join(calls, load), overload),
    );
    let mut figures = vec![delay_cdf, calls];
    figures.extend(load);
    figures.extend(overload);
    figures.extend(observed);
    figures
}

/// `overload.png`, when the server has capacity keys.
fn overload_figure(
    config: &Config,
    summaries: &[Summary],
    palette: &Palette,
    order: &[usize],
    seconds: &[Option<Vec<sim::des::OverloadSecond>>],
) -> Option<Rendered> {
    let capacity = config.contention.as_ref()?.server.capacity.as_ref()?;
    let rows: Vec<plot::OverloadSeries> = order
        .iter()
        .filter_map(|&i| {
            let per_second = seconds.get(i)?.as_ref()?;
            let at = |f: fn(&sim::des::OverloadSecond) -> Option<f64>| {
                let points = per_second.iter().enumerate();
                points.filter_map(move |(s, x)| f(x).map(|v| (s as f64, v)))
            };
            let policy = &summaries[i].policy;
            Some(plot::OverloadSeries {
                policy: policy.clone(),
                color: palette.slot(policy),
                queue: at(sim::des::OverloadSecond::mean_queue).collect(),
                latency: at(sim::des::OverloadSecond::mean_latency).collect(),
            })
        })
        .collect();
    Some(rendered(
        "overload.png",
        "Overload",
        "Each line is one policy, second by second: the checks an arriving check found waiting \
         for a worker (top) and the mean time a served check spent at the server, waiting plus \
         being served (bottom), both on log scales (a second with no check waiting lies on the \
         bottom edge); outages are shaded. A policy that lets the server recover comes back \
         down after the outage; summary.csv's recovery_s says when, and so does the section \
         \"After the outage\" above.",
        plot::overload_png(&rows, &capacity.outages),
    ))
}

/// `observed.png`, when the workload was estimated from observed data.
fn observed_figure(config: &Config) -> Option<Rendered> {
    let crate::workload::Distribution::Observed(observed) = &config.workload.distribution else {
        return None;
    };
    Some(rendered(
        "observed.png",
        "Observed durations",
        &format!(
            "The durations of this run were estimated from observed data: {}. Each horizontal \
             segment is one job: its duration lies between the last check that saw it pending \
             and the first that saw it final (pale segments running to the right edge: jobs \
             given up on). The black line is the estimated CDF the simulator drew durations \
             from.{}",
            observed.describe(),
            if observed.pieces().is_some() {
                " The Turnbull estimate spreads the mass of each interval it cannot resolve \
                 evenly over it, and that of the jobs given up on after every finished one over \
                 one median bracket width past their last check."
            } else {
                ""
            }
        ),
        plot::observed_png(&ObservedRows::from_observed(observed)),
    ))
}

/// Names of policies left out of `schedule.png`, as a sentence for its caption.
fn omitted_note(schedule: &ScheduleRows) -> String {
    if schedule.omitted.is_empty() {
        return String::new();
    }
    format!(
        " Not drawn, because their check times change from job to job: {}.",
        schedule
            .omitted
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

const SCHEDULE_READING: &str = "Ticks before the jobs finish are wasted calls; gaps where many \
     jobs finish become detection delay.";

/// `schedule.png` for the config's own policies (when nothing was tuned).
pub(crate) fn schedule_figure(config: &Config) -> Rendered {
    let palette = Palette::for_run(config);
    let schedule = ScheduleRows::new(&config.workload.distribution, &config.policies, &palette);
    rendered(
        "schedule.png",
        "Where the checks fall",
        &format!(
            "Top: when jobs finish (the job-duration distribution). Below: each deterministic \
             policy's check times as ticks on the same time axis, up to the last time a job can \
             finish; each row says how many checks that is. {SCHEDULE_READING}{}",
            omitted_note(&schedule)
        ),
        plot::schedule_png(&schedule),
    )
}

/// Trade-off, heatmap and the tuned policies' schedule, in the run's colors (a
/// tuned policy has its family's); the optimal schedule is drawn in ink.
pub(crate) fn tune_figures(
    config: &Config,
    settings: &TuneSettings,
    result: &TuneResult,
) -> Vec<Rendered> {
    let palette = Palette::for_run(config);
    let tradeoff = TradeoffRows::from_tune(settings, result, &config.scoring, &palette);
    let heatmap = HeatmapRows::from_tune(settings, result);
    let heatmap_caption = match &heatmap {
        Ok(rows) => format!(
            "The objective ({}) of `{}`, the best family with two numeric parameters, over \
             `{}` and `{}`; {}. One cell per grid value; the red outline is the best grid \
             point. A wide dark valley means the exact values matter little.",
            rows.objective,
            rows.family,
            rows.x.name,
            rows.y.name,
            if rows.fixed.is_empty() {
                "it has no other parameters".to_string()
            } else {
                "its other parameters are held at the best point's values".to_string()
            }
        ),
        Err(_) => String::new(),
    };
    let schedule = ScheduleRows::tuned(&config.workload.distribution, result, &palette);
    vec![
        rendered(
            "tradeoff.png",
            "Trade-off: calls against delay",
            "Every valid point of the sweep, colored by family (rings fail a constraint). The \
             black line is the Pareto frontier: no point has both fewer calls and a shorter \
             delay than a point on it. Numbers mark each family's tuned best (its rank), the \
             diamond the optimal schedule; the dashed curve joins the points that cost as \
             much as the optimal schedule, so a point below it uses information a \
             \"pending\" answer does not carry (a per-job duration hint).",
            plot::tradeoff_png(&tradeoff),
        ),
        rendered(
            "heatmap.png",
            "Sensitivity of the best family",
            &heatmap_caption,
            heatmap.and_then(|rows| plot::heatmap_png(&rows)),
        ),
        rendered(
            "schedule.png",
            "Where the tuned policies check",
            &format!(
                "After tuning, this shows the tuned policies, not the config's. Top: when \
                 jobs finish. Below: the check times of each deterministic tuned policy, best \
                 first, and of the optimal schedule (black, last), each up to the last time a \
                 job can finish, with its count. {SCHEDULE_READING}{}",
                omitted_note(&schedule)
            ),
            plot::schedule_png(&schedule),
        ),
    ]
}

/// `validation.png` and `validation_load.png` of a validation run on `config`,
/// in the colors its `simulate` run gives the same policies.
pub(crate) fn validation_figures(config: &Config, run: &Validation) -> Vec<Rendered> {
    let palette = Palette::for_run(config);
    let rows: Vec<ValidationRows> = run
        .policies
        .iter()
        .map(|p| ValidationRows {
            policy: p.policy.clone(),
            color: palette.slot(&p.policy),
            seen: p
                .jobs
                .iter()
                .filter_map(|j| Some((j.predicted_seen_at?, j.measured_received?)))
                .collect(),
            jobs: p.jobs.len(),
            disagree: p.jobs.iter().filter(|j| !j.agrees()).count(),
            unexplained: p.unexplained(),
        })
        .collect();
    let loads: Vec<LoadPair> = run
        .policies
        .iter()
        .map(|p| LoadPair::from_timelines(&p.policy, &palette, &p.load.predicted, &p.load.measured))
        .collect();
    vec![
        rendered(
            "validation.png",
            "Prediction against measurement",
            "Left: each job's measured detection time against the predicted one. Right: the \
             jobs whose number of calls differs from the prediction.",
            plot::validation_png(&rows),
        ),
        rendered(
            "validation_load.png",
            "Predicted and measured load",
            "One panel per policy: the simulator's requests per second (pale bars) and the \
             server's count (line).",
            plot::validation_load_png(&loads),
        ),
    ]
}
