//! The client speaking described services: three mock dialects (route shape,
//! JSON nesting, status words, authentication, `Retry-After` in seconds and as
//! an HTTP date), answers no description can read, and secrets that never
//! reach the terminal.

use super::service_mocks::{self as mocks, TOKEN};
use super::support::{policy, runtime};
use pollsim::compare::CheckResult;
use pollsim::config::Service;
use pollsim::http::client::{Answer, ClientError, JobEnd, Submit};
use pollsim::http::wire::NewJob;
use pollsim::http::{Client, ClientOptions};
use std::time::Duration;

pub(crate) const TRANSLATIONS: &str = r#"
[service]
create = { method = "POST", path = "/v1/translations", body = '{"video_url": "s3://in.mp4"}', id = "/data/id" }
status = { method = "GET", path = "/v1/translations/{id}" }
state = "/data/status"
pending = ["queued", "processing"]
completed = ["done", "success"]
error = ["failed"]
progress = "/data/progress"
eta = "/data/eta_seconds"
headers = { Authorization = "Bearer ${SERVICE_TOKEN}" }
"#;

const TASKS: &str = r#"
[service]
create = { path = "/api/tasks", id = "/task_id" }
status = { path = "/api/tasks/{id}/state" }
state = "/state"
pending = ["RUNNING"]
completed = ["SUCCEEDED"]
error = ["FAILED"]
headers = { X-Api-Key = "${TASKS_KEY}" }
"#;

const QUEUE: &str = r#"
[service]
status = { path = "/queue/{id}" }
state = "/status/phase"
pending = ["waiting"]
completed = ["finished"]
completed_codes = [303]
error_codes = [410]
"#;

pub(crate) fn service(text: &str) -> Service {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("service.toml");
    std::fs::write(&file, text).unwrap();
    Service::load(&file).unwrap_or_else(|e| panic!("{e}"))
}

fn env(name: &str) -> Option<String> {
    matches!(name, "SERVICE_TOKEN" | "TASKS_KEY").then(|| TOKEN.to_string())
}

fn client(service: &Service, url: &str) -> Client {
    Client::for_service_with_env(service, Some(url), ClientOptions::default(), &env).unwrap()
}

fn every_50ms() -> pollsim::policy::PolicySpec {
    policy("name = 'c'\nkind = 'constant'\ninterval = 0.05")
}

/// The gap between the answer of check `k` and the sending of check `k + 1`.
fn gap_after(report: &pollsim::http::JobReport, k: usize) -> f64 {
    report.checks[k + 1].sent - report.checks[k].received
}

#[test]
fn nested_json_with_a_bearer_token_and_retry_after_in_seconds() {
    let rt = runtime();
    let (router, mock) = mocks::translations(Duration::from_millis(300));
    let url = rt.block_on(mocks::serve(router));
    let c = client(&service(TRANSLATIONS), &url);
    let failing =
        service(&TRANSLATIONS.replace(r#""video_url": "s3://in.mp4""#, r#""fail": true"#));
    let failing = client(&failing, &url);
    let jobs = vec![Submit::Create(NewJob::default()); 2];
    let (reports, failed) = rt.block_on(async {
        let reports = c.poll_jobs(jobs, &every_50ms(), 2, |_| {}).await;
        let failed = failing
            .poll_jobs(
                vec![Submit::Create(NewJob::default())],
                &every_50ms(),
                1,
                |_| {},
            )
            .await;
        (reports, failed)
    });
    for report in reports.iter().chain(&failed) {
        // Check 1 at 0.05 s meets the 429; `Retry-After: 1` holds check 2
        // until 1 s after its answer, when the 0.3 s job is over.
        assert_eq!(report.calls, 2, "{report:?}");
        assert_eq!(report.checks[0].result, CheckResult::RateLimited);
        assert!(gap_after(report, 0) >= 1.0, "{report:?}");
        assert!(report.id.starts_with("tr-"), "{}", report.id);
    }
    assert!(reports.iter().all(|r| r.end == JobEnd::Completed));
    assert_eq!(failed[0].end, JobEnd::Error);
    // Readings: the progress number and the eta string.
    let answer = rt.block_on(async {
        let job = c.create_job(&NewJob::default()).await.unwrap();
        c.status(&job.id).await; // the 429
        c.status(&job.id).await
    });
    let Answer::Pending {
        progress: Some(p),
        eta: Some(eta),
        ..
    } = answer
    else {
        panic!("{answer:?}");
    };
    assert!((0.0..1.0).contains(&p) && eta == 0.5, "{p} {eta}");
    let seen = mock.seen();
    assert_eq!(seen.len(), 4 * (1 + 2), "{seen:?}");
    assert!(seen.iter().all(|s| s.authorized), "{seen:?}");
}

#[test]
fn flat_json_numeric_ids_an_api_key_and_retry_after_as_an_http_date() {
    let rt = runtime();
    let (router, mock) = mocks::tasks(Duration::from_millis(100));
    let url = rt.block_on(mocks::serve(router));
    let c = client(&service(TASKS), &url);
    let reports = rt.block_on(c.poll_jobs(
        vec![Submit::Create(NewJob::default())],
        &every_50ms(),
        1,
        |_| {},
    ));
    let report = &reports[0];
    assert_eq!(report.id, "17");
    assert_eq!(report.end, JobEnd::Completed, "{report:?}");
    assert_eq!(report.calls, 2, "{report:?}");
    // The date is 2 s ahead in whole seconds, written before the answer
    // left: more than 0.9 s after its arrival.
    assert!(gap_after(report, 0) >= 0.9, "{report:?}");
    let paths: Vec<String> = mock.seen().into_iter().map(|s| s.path).collect();
    assert_eq!(
        paths,
        [
            "POST /api/tasks",
            "GET /api/tasks/17/state",
            "GET /api/tasks/17/state"
        ]
    );
    assert!(mock.seen().iter().all(|s| s.authorized));
}

#[test]
fn final_status_codes_without_create_and_redirects_not_followed() {
    let rt = runtime();
    let (router, mock) = mocks::queue();
    let url = rt.block_on(mocks::serve(router));
    mock.add("q/1", Duration::from_millis(100), false);
    mock.add("q2", Duration::from_millis(100), true);
    let c = client(&service(QUEUE), &url);
    let ids = ["q/1", "q2"].map(|id| Submit::Existing(id.into())).to_vec();
    let reports = rt.block_on(c.poll_jobs(ids, &every_50ms(), 2, |_| {}));
    assert_eq!(reports[0].end, JobEnd::Completed, "{:?}", reports[0]);
    assert_eq!(reports[1].end, JobEnd::Error, "{:?}", reports[1]);
    // Pending (202) at 0.05 s, final at 0.10 s or the check after (or at
    // once, if setting up took 50 ms).
    assert!(
        reports.iter().all(|r| (1..=3).contains(&r.calls)),
        "{reports:?}"
    );
    let seen = mock.seen();
    // The id is one path segment, and the 303's result page is never asked for.
    assert!(seen.iter().any(|s| s.path == "GET /queue/q/1"), "{seen:?}");
    assert!(
        seen.iter().all(|s| s.path.starts_with("GET /queue/")),
        "{seen:?}"
    );
    let e = rt.block_on(c.create_job(&NewJob::default())).unwrap_err();
    assert!(
        matches!(e, ClientError::Service { ref field, .. } if field == "create"),
        "{e}"
    );
    assert!(e.to_string().contains("--job ID"), "{e}");
}

#[test]
fn answers_the_description_cannot_read_stop_the_job_with_the_field_and_the_answer() {
    let rt = runtime();
    let url = rt.block_on(mocks::serve(mocks::unreadable()));
    let cases = [
        (
            "/text/{id}",
            "/state",
            "service.state: the status answer is not JSON",
        ),
        (
            "/json/{id}",
            "/data/status",
            "service.state: \"/data/status\" finds nothing in the answer {\"info\":{\"state\":\"weird\"}}",
        ),
        (
            "/json/{id}",
            "/info",
            "service.state: \"/info\" finds an object, not a string",
        ),
        (
            "/json/{id}",
            "/info/state",
            "service.state: the status value 'weird' is in none of pending, completed and error",
        ),
    ];
    for (path, state, expected) in cases {
        let text = format!(
            "[service]\nstatus = {{ path = \"{path}\" }}\nstate = \"{state}\"\npending = [\"running\"]\ncompleted = [\"done\"]\n"
        );
        let c = client(&service(&text), &url);
        let reports = rt.block_on(c.poll_jobs(
            vec![Submit::Existing("j1".into())],
            &every_50ms(),
            1,
            |_| {},
        ));
        let JobEnd::Rejected(why) = &reports[0].end else {
            panic!("{path} {state}: {:?}", reports[0]);
        };
        assert!(why.contains(expected), "{expected}\n  got: {why}");
        assert_eq!(reports[0].calls, 1);
        assert_eq!(c.description_error(), Some(why.as_str()));
        if path.starts_with("/text") {
            // The first 200 bytes of the page, marked cut.
            let quoted = why.split("it says: ").nth(1).unwrap();
            assert_eq!(
                quoted,
                format!("<html>{}…", &"maintenance ".repeat(100)[..194])
            );
        }
    }
}

#[test]
fn a_header_variable_that_is_not_set_is_named_and_its_value_never_shown() {
    let e = Client::for_service_with_env(
        &service(TRANSLATIONS),
        Some("http://127.0.0.1:1"),
        ClientOptions::default(),
        &|_| None,
    )
    .err()
    .unwrap();
    assert_eq!(
        e.to_string(),
        "service.headers.Authorization: the environment variable SERVICE_TOKEN is not set: export SERVICE_TOKEN=… before running"
    );
    let bad = |_: &str| Some("two\nlines".to_string());
    let e = Client::for_service_with_env(
        &service(TRANSLATIONS),
        Some("http://x"),
        ClientOptions::default(),
        &bad,
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        e.contains("not a header value") && !e.contains("two"),
        "{e}"
    );
    let e = Client::for_service_with_env(&service(QUEUE), None, ClientOptions::default(), &env)
        .err()
        .unwrap();
    assert!(
        e.to_string().starts_with("service.base_url: is not set"),
        "{e}"
    );
    // `Debug` of a resolved header does not print it either.
    let c = client(&service(TRANSLATIONS), "http://127.0.0.1:1");
    assert!(!format!("{:?}", c.options()).contains(TOKEN));
}
