//! The runtime loop: a job's [`JobPoll`] driven on tokio time.
//!
//! The schedule is anchored at the job's creation: check `k` is due at
//! `created + t_k · time_scale`, where `t_k` is what the job's `JobPoll` said
//! after the previous answer (its [`crate::policy::send_time`]: the policy's
//! wait from `t_{k-1}`, never before that answer arrived nor before its
//! `Retry-After` ran out), exactly as in the simulator. Timer lag never shifts
//! later checks, so the client makes the checks the simulator predicts, each a
//! little late. A long-polling policy asks the server to hold each check
//! (`?wait=`, [`JobPoll::hold`]).

use super::{Answer, Client, ClientError, JobHandle};
use crate::compare::{CheckRecord, CheckResult, JobEnd, JobReport};
use crate::http::wire::{JobState, NewJob};
use crate::policy::{
    ClientPolicy, Gate, Guards, JobHint, JobPoll, PolicySpec, PollPolicy, Reply, Response,
};
use crate::rng::{JobRng, stream_id, throttle_unit};
use crate::sim::MAX_CALLS_PER_JOB;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;
use tracing::Instrument;

impl Client {
    /// Polls `job` with `policy` until it ends. The report says how: a final
    /// state, the policy giving up, the deadline, or a refused request.
    pub async fn wait(&self, job: &JobHandle, policy: &mut ClientPolicy) -> JobReport {
        let poll = JobPoll::start(policy, &JobHint { expected: job.hint }, MAX_CALLS_PER_JOB);
        let report = self.drive(job, poll, policy.spec()).await;
        policy.finished(&report.outcome());
        report
    }

    /// Polls `job` with a policy that concurrent jobs share (a learning policy
    /// then learns from all of them, in the order they end).
    pub async fn wait_shared(&self, job: &JobHandle, policy: &Mutex<ClientPolicy>) -> JobReport {
        let (poll, spec) = {
            let mut policy = lock(policy);
            let hint = JobHint { expected: job.hint };
            let poll = JobPoll::start(&mut policy, &hint, MAX_CALLS_PER_JOB);
            (poll, policy.spec().clone())
        };
        let report = self.drive(job, poll, &spec).await;
        lock(policy).finished(&report.outcome());
        report
    }

    /// Polls every job with `spec`, at most `concurrency` jobs at a time, and
    /// returns the reports in the order of `jobs`. All jobs share one
    /// [`ClientPolicy`] (see [`Self::wait_shared`]). A job that waits for a slot
    /// has its checks sent late, not skipped.
    pub async fn wait_all(
        &self,
        jobs: &[JobHandle],
        spec: &PolicySpec,
        concurrency: usize,
    ) -> Vec<JobReport> {
        let policy = Arc::new(Mutex::new(spec.client()));
        let slots = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for (position, job) in jobs.iter().cloned().enumerate() {
            let (client, policy, slots) = (self.clone(), policy.clone(), slots.clone());
            tasks.spawn(async move {
                let _slot = slots.acquire_owned().await.ok();
                (position, client.wait_shared(&job, &policy).await)
            });
        }
        let mut reports: Vec<Option<JobReport>> = vec![None; jobs.len()];
        while let Some(joined) = tasks.join_next().await {
            // A task can only fail by panicking; the job is then reported below.
            if let Ok((position, report)) = joined {
                reports[position] = Some(report);
            }
        }
        reports
            .into_iter()
            .zip(jobs)
            .map(|(report, job)| report.unwrap_or_else(|| JobReport::lost(job)))
            .collect()
    }

    /// Creates (or takes) each job when one of `concurrency` slots is free and
    /// polls it from its own creation, so a job's checks never wait for a
    /// slot: what is measured does not depend on `concurrency`. Calls
    /// `on_end` with each job's report as it ends; returns all reports in the
    /// order of `jobs`. A job the server did not create is reported as such.
    pub async fn poll_jobs(
        &self,
        jobs: Vec<Submit>,
        spec: &PolicySpec,
        concurrency: usize,
        mut on_end: impl FnMut(&JobReport),
    ) -> Vec<JobReport> {
        let policy = Arc::new(Mutex::new(spec.client()));
        let slots = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        let mut reports: Vec<Option<JobReport>> = vec![None; jobs.len()];
        let mut ids = std::collections::HashMap::new();
        let count = jobs.len();
        let mut jobs = jobs.into_iter().enumerate();
        let mut next = jobs.next();
        loop {
            // A slot first (the semaphore is never closed), then the job.
            tokio::select! {
                permit = slots.clone().acquire_owned(), if next.is_some() => {
                    let Some((position, submit)) = next.take() else { continue };
                    let (client, policy) = (self.clone(), policy.clone());
                    let handle = tasks.spawn(async move {
                        let _slot = permit;
                        let report = match client.submit(submit, position as u64).await {
                            Ok(job) => client.wait_shared(&job, &policy).await,
                            Err(end) => JobReport::not_created(position as u64, end),
                        };
                        (position, report)
                    });
                    ids.insert(handle.id(), position);
                    next = jobs.next();
                }
                Some(joined) = tasks.join_next_with_id() => {
                    let (position, report) = match joined {
                        Ok((_, (position, report))) => (position, report),
                        // Only a panic: reported, never dropped.
                        Err(e) => {
                            let position = ids.get(&e.id()).copied().unwrap_or(0);
                            (position, JobReport::not_created(position as u64, JobEnd::Rejected("the polling task panicked".into())))
                        }
                    };
                    on_end(&report);
                    reports[position] = Some(report);
                }
                else => break,
            }
        }
        debug_assert_eq!(reports.len(), count);
        reports
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                r.unwrap_or_else(|| {
                    JobReport::not_created(i as u64, JobEnd::Rejected("never run".into()))
                })
            })
            .collect()
    }

    /// The handle of a job to poll: created now, or an existing id whose
    /// schedule starts now.
    async fn submit(&self, submit: Submit, position: u64) -> Result<JobHandle, JobEnd> {
        match submit {
            Submit::Create(new) => self.create_job(&new).await.map_err(|e| match e {
                ClientError::Request { .. } => {
                    JobEnd::Unreachable(format!("server {} unreachable: {e}", self.base_url()))
                }
                other => JobEnd::Rejected(other.to_string()),
            }),
            Submit::Existing(id) => {
                let now = Instant::now();
                Ok(JobHandle {
                    id,
                    index: position,
                    hint: None,
                    created: now,
                    submitted: now,
                })
            }
        }
    }

    async fn drive(&self, job: &JobHandle, poll: JobPoll, spec: &PolicySpec) -> JobReport {
        let span =
            tracing::info_span!("job", id = %job.id, index = job.index, policy = spec.name());
        self.run(job, poll, spec).instrument(span).await
    }

    async fn run(&self, job: &JobHandle, mut poll: JobPoll, spec: &PolicySpec) -> JobReport {
        let options = self.options();
        let scale = options.time_scale;
        let t0 = job.created;
        let since = |i: Instant| i.saturating_duration_since(t0).as_secs_f64() / scale;
        let real = |s: f64| Duration::try_from_secs_f64(s * scale).unwrap_or(Duration::MAX);
        let deadline = options.deadline.map(|d| t0 + d);
        let sid = stream_id(spec.name());
        let mut rng = JobRng::for_job(options.seed, sid, job.index);
        // The job's submission on the client's own clock (job seconds from
        // its origin), which the guards' windows and timers span.
        let submitted = self.clock(t0);
        let guarded = Guards::new(spec.limits());
        let (protected, gates) = (guarded != Guards::default(), guarded.gates());
        let mut report = JobReport {
            id: job.id.clone(),
            index: job.index,
            end: JobEnd::GaveUp,
            calls: 0,
            elapsed: Duration::ZERO,
            creation_lag: t0.saturating_duration_since(job.submitted).as_secs_f64() / scale,
            checks: Vec::new(),
            errors: Vec::new(),
            submitted: Some(job.submitted.into_std()),
            last_hints: (None, None),
        };
        let mut next = poll.first_check(&mut rng);
        let mut last_failure = String::new();
        let end = loop {
            let Some(at) = next else {
                if poll.unreachable() {
                    break JobEnd::Unreachable(format!(
                        "server {} unreachable: {} checks in a row got no answer (max_transport_failures); last: {last_failure}",
                        self.base_url(),
                        spec.limits().job.max_transport_failures
                    ));
                }
                break JobEnd::GaveUp;
            };
            let due = t0.checked_add(real(at));
            if let (Some(deadline), Some(due)) = (deadline, due)
                && due > deadline
            {
                break JobEnd::DeadlineExceeded;
            }
            let Some(due) = due else {
                break JobEnd::DeadlineExceeded;
            };
            tokio::time::sleep_until(due).await;
            if gates {
                // Consulted at its due time, as in the simulator, with the
                // simulator's draw for (seed, policy, job, consult).
                let (seed, index, consult) = (options.seed, job.index, poll.consults());
                let draw = || throttle_unit(seed, sid, index, consult);
                let gate = self.with_guards(spec, protected, |guards| match guards {
                    Some(guards) => poll.consult(at, submitted, guards, draw, &mut rng),
                    None => Gate::Send,
                });
                if let Gate::Rejected(then) = gate {
                    let now = since(Instant::now());
                    report.checks.push(CheckRecord {
                        at,
                        sent: now,
                        received: now,
                        result: CheckResult::RejectedLocally,
                    });
                    tracing::debug!(at, ?then, "rejected locally");
                    next = then;
                    continue;
                }
            }
            let hold = poll.hold();
            let sent = Instant::now();
            // The check's own timeout (job time, a long poll's hold on top),
            // then the job's deadline, whichever comes first.
            let gives_up = options
                .check_timeout
                .and_then(|t| sent.checked_add(real(t + hold.unwrap_or(0.0))));
            let limit = match (gives_up, deadline) {
                (Some(g), Some(d)) => Some(g.min(d)),
                (g, d) => g.or(d),
            };
            let answer = match limit {
                Some(limit) => {
                    match tokio::time::timeout_at(limit, self.status_held(&job.id, hold)).await {
                        Ok(answer) => answer,
                        Err(_) if gives_up == Some(limit) => Answer::Unreachable {
                            message: format!(
                                "no answer within the check's timeout ({} job s)",
                                options.check_timeout.unwrap_or(0.0)
                            ),
                        },
                        Err(_) => {
                            report.calls += 1;
                            let now = since(Instant::now());
                            self.with_guards(spec, protected, |guards| {
                                poll.abandon(now, guards, submitted)
                            });
                            break JobEnd::DeadlineExceeded;
                        }
                    }
                }
                None => self.status_held(&job.id, hold).await,
            };
            let received = Instant::now();
            let received_s = since(received);
            report.calls += 1;
            let mut record = |result| {
                report.checks.push(CheckRecord {
                    at,
                    sent: since(sent),
                    received: since(received),
                    result,
                })
            };
            let (response, retry_after) = match answer {
                Answer::Final(state) => {
                    record(CheckResult::Final);
                    // An accept for the throttle and the breaker, a success
                    // for the retry quota, as in the simulator.
                    self.with_guards(spec, protected, |guards| {
                        poll.on_final(received_s, guards, submitted)
                    });
                    break match state {
                        JobState::Error => JobEnd::Error,
                        _ => JobEnd::Completed,
                    };
                }
                Answer::Rejected { message, .. } => {
                    record(CheckResult::Rejected);
                    // The server answered (it is up), so for the guards the
                    // refusal that ends the job counts as a final answer.
                    self.with_guards(spec, protected, |guards| {
                        poll.on_final(received_s, guards, submitted)
                    });
                    break JobEnd::Rejected(message);
                }
                Answer::Pending {
                    progress,
                    eta,
                    retry_after,
                } => {
                    record(CheckResult::Pending);
                    report.last_hints = (progress, eta);
                    (Response::Pending { progress, eta }, retry_after)
                }
                Answer::Unreachable { message } => {
                    record(CheckResult::Transient);
                    report
                        .errors
                        .push(format!("check {}: {message}", report.calls));
                    last_failure = message;
                    (Response::TransportFailure, None)
                }
                Answer::Transient {
                    message,
                    retry_after,
                } => {
                    record(CheckResult::Transient);
                    report
                        .errors
                        .push(format!("check {}: {message}", report.calls));
                    (Response::TransientError, retry_after)
                }
                Answer::RateLimited {
                    message,
                    retry_after,
                } => {
                    record(CheckResult::RateLimited);
                    report
                        .errors
                        .push(format!("check {}: {message}", report.calls));
                    (Response::RateLimited, retry_after)
                }
            };
            tracing::debug!(check = report.calls, at, ?response, ?retry_after, "pending");
            let reply = Reply::new(at, received_s, response, retry_after);
            next = self.with_guards(spec, protected, |guards| {
                poll.on_reply(reply, &mut rng, guards, submitted)
            });
        };
        report.end = end;
        report.elapsed = t0.elapsed();
        tracing::info!(end = %report.end, calls = report.calls, errors = report.errors.len(), "done");
        report
    }
}

impl Client {
    /// Runs `f` with this client's guards for `spec` (its retry quota,
    /// throttle and breaker: one set per client and policy, fresh at first),
    /// or with none when the policy keeps none (`protected` false).
    fn with_guards<T>(
        &self,
        spec: &PolicySpec,
        protected: bool,
        f: impl FnOnce(Option<&mut Guards>) -> T,
    ) -> T {
        if !protected {
            return f(None);
        }
        // Guards are consistent after every call: a poisoned lock still holds them.
        let mut all = self.inner.guards.lock().unwrap_or_else(|e| e.into_inner());
        let guards = all
            .entry(spec.name().to_string())
            .or_insert_with(|| Guards::new(spec.limits()));
        f(Some(guards))
    }

    /// `instant` on this client's clock: job seconds since its origin
    /// (negative before it).
    fn clock(&self, instant: Instant) -> f64 {
        let origin = self.inner.origin;
        let real = match instant.checked_duration_since(origin) {
            Some(after) => after.as_secs_f64(),
            None => -origin.duration_since(instant).as_secs_f64(),
        };
        real / self.inner.options.time_scale
    }
}

/// A job for [`Client::poll_jobs`].
#[derive(Clone, Debug, PartialEq)]
pub enum Submit {
    /// Create it (`POST /jobs`) when its slot frees.
    Create(NewJob),
    /// Poll this existing id from when its slot frees.
    Existing(String),
}

// Policy state stays consistent after every call, so a poisoned lock is still usable.
fn lock(policy: &Mutex<ClientPolicy>) -> std::sync::MutexGuard<'_, ClientPolicy> {
    policy.lock().unwrap_or_else(|e| e.into_inner())
}

impl JobReport {
    /// A job whose polling task died (a panic): reported, never silently dropped.
    pub fn lost(job: &JobHandle) -> Self {
        let why = "the polling task panicked".to_string();
        Self {
            id: job.id.clone(),
            index: job.index,
            end: JobEnd::Rejected(why.clone()),
            calls: 0,
            elapsed: job.created.elapsed(),
            creation_lag: 0.0,
            checks: Vec::new(),
            errors: vec![why],
            submitted: Some(job.submitted.into_std()),
            last_hints: (None, None),
        }
    }
}
