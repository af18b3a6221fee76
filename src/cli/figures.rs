//! The figures of a `simulate` results folder: rows built from the run, each
//! plot rendered to bytes, and a [`Figure`] entry for `report.md` whether or not
//! it could be drawn. Writing the bytes is left to the caller.

use crate::config::Config;
use crate::metrics::Summary;
use crate::report::page::Figure;
use crate::report::plot::{self, CallCounts, DelayCdf, LoadSeries, PlotError, ScheduleRows};
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

/// Delay CDF, calls per job and schedule, for the policies of `config` as run.
/// Each policy keeps its config position as palette slot, so it has one color in
/// every plot; lists are ordered by cost, cheapest first, like the table.
pub(crate) fn simulate_figures(
    config: &Config,
    summaries: &[Summary],
    run: &sim::Run,
    loads: Option<&[sim::LoadTimeline]>,
) -> Vec<Rendered> {
    let mut order: Vec<usize> = (0..summaries.len()).collect();
    order.sort_by(|&a, &b| summaries[a].cost.total_cmp(&summaries[b].cost));
    let delay_rows: Vec<DelayCdf> = order
        .iter()
        .map(|&i| DelayCdf::from_accumulator(&summaries[i].policy, i, &run.policies[i].accumulator))
        .collect();
    let call_rows: Vec<CallCounts> = order
        .iter()
        .map(|&i| {
            CallCounts::from_accumulator(&summaries[i].policy, i, &run.policies[i].accumulator)
        })
        .collect();
    let schedule = ScheduleRows::new(&config.workload.distribution, &config.policies);
    let omitted = if schedule.omitted.is_empty() {
        String::new()
    } else {
        format!(
            " Not drawn, because their check times change from job to job: {}.",
            schedule
                .omitted
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let load = loads.map(|loads| {
        let rows: Vec<LoadSeries> = order
            .iter()
            .map(|&i| LoadSeries::from_timeline(&summaries[i].policy, i, &loads[i]))
            .collect();
        rendered(
            "load.png",
            "Server load",
            "Each line is one policy: the requests the status server received in each second \
             (answered, failed and throttled together; load.csv splits them). Spikes are herds \
             of clients checking at once; a flat top at the rate limit means clients wait on 429s.",
            plot::load_png(&rows),
        )
    });
    let mut figures = vec![
        rendered(
            "delay_cdf.png",
            "Detection delay",
            "Each line is one policy: the share of detected jobs that the client noticed within \
             the delay on the x axis. Higher and further left is better; where a line reaches \
             100 % is the worst delay that policy caused.",
            plot::delay_cdf_png(&delay_rows),
        ),
        rendered(
            "calls.png",
            "Calls per job",
            "One panel per policy, cheapest first, on a shared x axis: the share of jobs that \
             needed each number of status calls. Narrow and far left is cheap for the server.",
            plot::calls_png(&call_rows),
        ),
        rendered(
            "schedule.png",
            "Where the checks fall",
            &format!(
                "Top: when jobs finish (the job-duration distribution). Below: each \
                 deterministic policy's check times as ticks on the same time axis. Ticks \
                 before the jobs finish are wasted calls; gaps where many jobs finish become \
                 detection delay.{omitted}"
            ),
            plot::schedule_png(&schedule),
        ),
    ];
    figures.extend(load);
    figures
}
