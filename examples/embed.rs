//! Embedding the client: poll a job with a tuned policy from a service.
//! `cargo run --example embed -- http://127.0.0.1:8080` (or no URL: a demo server).
use pollsim::http::wire::NewJob;
use pollsim::http::{Client, ClientOptions, ServerConfig, spawn};
use pollsim::policy::PolicySpec;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // The policy as `pollsim tune` writes it into tuned.toml (one [[policies]] table).
    let spec = PolicySpec::from_toml("name = 'tuned'\nkind = 'fibonacci'\nunit = 0.5\ncap = 5.0")?;
    let config = pollsim::config::Config::load("configs/short.toml".as_ref())?;
    let demo = match std::env::args().nth(1) {
        Some(_) => None,
        None => Some(spawn(ServerConfig::new(config.workload, config.seed)).await?),
    };
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| demo.as_ref().map(|s| s.url()).unwrap_or_default());
    let client = Client::with_options(
        &url,
        ClientOptions {
            time_scale: 1.0,
            ..ClientOptions::default()
        },
    )?;
    let job = client
        .create_job(&NewJob {
            duration_s: Some(3.0),
            ..NewJob::default()
        })
        .await?;
    let report = client.wait(&job, &mut spec.client()).await;
    println!(
        "job {}: {} after {} calls, {:.1} s",
        report.id,
        report.end,
        report.calls,
        report.elapsed.as_secs_f64()
    );
    Ok(())
}
