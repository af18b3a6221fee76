//! `[service]` validation: what loads, and every bad description named.

use super::*;
use crate::config::Config;

const BASE: &str = r#"
[workload.distribution]
kind = "fixed"
value = 10.0
[[policies]]
name = "c"
kind = "constant"
interval = 1.0
"#;

const GOOD: &str = r#"
[service]
base_url = "https://api.example.com/"
create = { method = "post", path = "/v1/translations", body = '{"video_url": "s3://in.mp4"}', id = "/data/id" }
status = { method = "GET", path = "/v1/translations/{id}" }
state = "/data/status"
pending = ["queued", "processing"]
completed = ["done", "success"]
error = ["failed"]
progress = "/data/progress"
eta = "/data/eta_seconds"
headers = { Authorization = "Bearer ${SERVICE_TOKEN}", Accept = "application/json" }
completed_codes = [303]
"#;

fn load(service: &str) -> Result<Config, ConfigError> {
    Config::from_text(Path::new("c.toml"), &format!("{BASE}{service}"))
}

fn error(service: &str) -> String {
    load(service).unwrap_err().to_string()
}

#[test]
fn the_issue_s_description_loads() {
    let config = load(GOOD).unwrap();
    let s = config.service.unwrap();
    assert_eq!(s.base_url.as_deref(), Some("https://api.example.com"));
    let create = s.create.unwrap();
    assert_eq!(create.request.method, "POST");
    assert_eq!(create.id.unwrap().as_str(), "/data/id");
    assert_eq!(s.status.path, "/v1/translations/{id}");
    assert_eq!(s.pending, ["queued", "processing"]);
    assert_eq!(s.error, ["failed"]);
    assert_eq!(s.completed_codes, [303]);
    assert_eq!(s.headers.len(), 2);
    assert!(s.headers[0].is_secret() && !s.headers[1].is_secret());
    let env = |name: &str| (name == "SERVICE_TOKEN").then(|| "t0k".to_string());
    assert_eq!(s.headers[0].resolve(&env).unwrap(), "Bearer t0k");
    let missing = s.headers[0].resolve(&|_| None).unwrap_err();
    assert!(missing.contains("SERVICE_TOKEN is not set"), "{missing}");
}

#[test]
fn pointers_follow_rfc_6901() {
    for good in ["", "/", "/a/b", "/a~1b", "/m~0n", "/0"] {
        assert!(Pointer::parse(good).is_ok(), "{good}");
    }
    for bad in ["data/status", "/a~2", "/a~", "~0"] {
        assert!(Pointer::parse(bad).is_err(), "{bad}");
    }
    let e = error(&GOOD.replace("\"/data/status\"", "\"data/status\""));
    assert!(
        e.contains("service.state: 'data/status' is not a JSON pointer")
            && e.contains("\"/data/status\""),
        "{e}"
    );
    let e = error(&GOOD.replace("\"/data/eta_seconds\"", "\"/data/eta~seconds\""));
    assert!(e.contains("service.eta:") && e.contains("~0"), "{e}");
}

#[test]
fn bad_descriptions_name_the_field() {
    let cases: [(&str, &str, &str); 12] = [
        (
            "state = \"/data/status\"\n",
            "",
            "service.state: is missing",
        ),
        (
            "status = { method = \"GET\", path = \"/v1/translations/{id}\" }\n",
            "",
            "service.status: is missing",
        ),
        (
            "pending = [\"queued\", \"processing\"]",
            "pending = []",
            "service.pending: is missing or empty",
        ),
        (
            "error = [\"failed\"]",
            "error = [\"done\"]",
            "service.error: 'done' is also in completed",
        ),
        (
            ", id = \"/data/id\"",
            "",
            "service.create.id: is missing, and the status path needs",
        ),
        (
            "body = '{\"video_url\": \"s3://in.mp4\"}'",
            "body = '{video}'",
            "service.create.body: is not JSON",
        ),
        (
            "method = \"GET\", path",
            "method = \"FETCH\", path",
            "service.status.method: 'FETCH' is not GET",
        ),
        (
            "/v1/translations/{id}",
            "/v1/{job}",
            "service.status.path: '{job}': the only placeholder is {id}",
        ),
        (
            "\"https://api.example.com/\"",
            "\"api.example.com\"",
            "service.base_url: 'api.example.com' is not an http",
        ),
        (
            "${SERVICE_TOKEN}",
            "${SERVICE-TOKEN}",
            "service.headers.Authorization: '${SERVICE-TOKEN}' does not name",
        ),
        (
            "${SERVICE_TOKEN}",
            "${SERVICE_TOKEN",
            "service.headers.Authorization: '${' is not closed",
        ),
        (
            "completed_codes = [303]",
            "completed_codes = [303]\nerror_codes = [303]",
            "service.error_codes: 303 is also in completed_codes",
        ),
    ];
    for (from, to, expected) in cases {
        let text = GOOD.replace(from, to);
        assert_ne!(text, GOOD, "{from}");
        let e = error(&text);
        assert!(e.contains(expected), "{expected}\n  got: {e}");
        assert!(e.starts_with("c.toml, line "), "{e}");
    }
    let e = error(&GOOD.replace("completed_codes = [303]", "completed_codes = [429]"));
    assert!(e.contains("429 cannot mean a final state"), "{e}");
    let e = error(&GOOD.replace("state = ", "states = "));
    assert!(e.contains("unknown field `states`"), "{e}");
}

#[test]
fn a_service_file_holds_only_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("service.toml");
    std::fs::write(&file, GOOD).unwrap();
    let service = Service::load(&file).unwrap();
    assert_eq!(service.state.as_str(), "/data/status");
    std::fs::write(&file, "seed = 1\n").unwrap();
    let e = Service::load(&file).unwrap_err().to_string();
    assert!(e.contains("unknown field `seed`"), "{e}");
    std::fs::write(&file, "").unwrap();
    let e = Service::load(&file).unwrap_err().to_string();
    assert!(e.contains("service: no [service] table"), "{e}");
}
