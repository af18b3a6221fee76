//! The server on a real socket, as raw clients meet it: timeouts, half-closed
//! sockets, HTTP/2 prior knowledge, its own size limits in JSON, the time-scale
//! header, and ids that no other server run accepts.

use super::support::{runtime, workload};
use pollsim::http::client::Answer;
use pollsim::http::server::{ServerConfig, spawn};
use pollsim::http::wire::NewJob;
use pollsim::http::{Client, ClientOptions};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn config(configure: impl FnOnce(&mut ServerConfig)) -> ServerConfig {
    let mut config = ServerConfig::new(workload(10.0, 5.0, 0.0), 1);
    configure(&mut config);
    config
}

/// Reads until the server closes the connection; returns what it sent and
/// how long that took. A reset counts as closed.
async fn read_to_close(tcp: &mut TcpStream, limit: Duration) -> (String, Duration) {
    let started = Instant::now();
    let mut got = Vec::new();
    let read = tokio::time::timeout(limit, async {
        let mut buf = [0u8; 4096];
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "still open after {limit:?}");
    (
        String::from_utf8_lossy(&got).into_owned(),
        started.elapsed(),
    )
}

#[test]
fn half_sent_silent_and_idle_connections_are_closed_after_their_timeouts() {
    runtime().block_on(async {
        let server = spawn(config(|c| {
            c.header_read_timeout = Duration::from_millis(300);
            c.idle_timeout = Duration::from_millis(600);
        }))
        .await
        .unwrap();
        // Half a request head, then nothing.
        let mut half = TcpStream::connect(server.addr).await.unwrap();
        half.write_all(b"GET /status HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        // A connection that never sends a byte.
        let mut silent = TcpStream::connect(server.addr).await.unwrap();
        let (sent, took) = read_to_close(&mut half, Duration::from_secs(5)).await;
        assert!(took >= Duration::from_millis(250), "closed early: {took:?}");
        assert!(took < Duration::from_secs(2), "{took:?}");
        assert_eq!(sent, "", "nothing is answered to half a head");
        let (_, took) = read_to_close(&mut silent, Duration::from_secs(5)).await;
        assert!(took < Duration::from_secs(2), "{took:?}");

        // A head dribbled a byte at a time keeps bytes moving but never ends:
        // the head-read clock is not reset by the bytes.
        let mut dribble = TcpStream::connect(server.addr).await.unwrap();
        let opened = std::time::Instant::now();
        let mut cut = None;
        for byte in b"GET /status HTTP/1.1\r\nHost: x\r\nX-Slow: "
            .iter()
            .cycle()
            .take(200)
        {
            if dribble.write_all(&[*byte]).await.is_err() {
                cut = Some(opened.elapsed());
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let cut = cut.expect("a dribbled head is cut");
        assert!(cut >= Duration::from_millis(250), "closed early: {cut:?}");
        assert!(cut < Duration::from_secs(3), "{cut:?}");

        // After an answer, the next head is due within the header-read
        // timeout too, even though the idle timeout is longer.
        let server = spawn(config(|c| {
            c.header_read_timeout = Duration::from_millis(300);
            c.idle_timeout = Duration::from_secs(30);
        }))
        .await
        .unwrap();
        let mut kept = TcpStream::connect(server.addr).await.unwrap();
        kept.write_all(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let (sent, took) = read_to_close(&mut kept, Duration::from_secs(5)).await;
        assert!(sent.starts_with("HTTP/1.1 200"), "{sent}");
        assert!(
            (Duration::from_millis(250)..Duration::from_secs(2)).contains(&took),
            "{took:?}"
        );

        // With a long header timeout, a kept-alive connection is closed once idle.
        let server = spawn(config(|c| {
            c.header_read_timeout = Duration::from_secs(30);
            c.idle_timeout = Duration::from_millis(400);
        }))
        .await
        .unwrap();
        let mut idle = TcpStream::connect(server.addr).await.unwrap();
        idle.write_all(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let (sent, took) = read_to_close(&mut idle, Duration::from_secs(5)).await;
        assert!(sent.starts_with("HTTP/1.1 200"), "{sent}");
        assert!(
            (Duration::from_millis(350)..Duration::from_secs(2)).contains(&took),
            "{took:?}"
        );
    });
}

/// A body declared and never sent is a 408 after the header-read timeout,
/// not a connection held open forever.
#[test]
fn a_stalled_body_is_refused_after_the_header_read_timeout() {
    runtime().block_on(async {
        let server = spawn(config(|c| {
            c.header_read_timeout = Duration::from_millis(300);
            c.idle_timeout = Duration::from_secs(30);
        }))
        .await
        .unwrap();
        let mut tcp = TcpStream::connect(server.addr).await.unwrap();
        tcp.write_all(
            b"POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{\"dur",
        )
        .await
        .unwrap();
        let (sent, took) = read_to_close(&mut tcp, Duration::from_secs(10)).await;
        assert!(sent.starts_with("HTTP/1.1 408"), "{sent}");
        assert!(sent.contains("\"error\":\"body: not complete within 0.3 s"), "{sent}");
        assert!(took < Duration::from_secs(5), "{took:?}");
    });
}

#[test]
fn a_half_closed_socket_gets_its_answer() {
    runtime().block_on(async {
        let server = spawn(config(|c| c.time_scale = 0.5)).await.unwrap();
        for _ in 0..20 {
            let mut tcp = TcpStream::connect(server.addr).await.unwrap();
            tcp.write_all(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n")
                .await
                .unwrap();
            tcp.shutdown().await.unwrap();
            let (sent, _) = read_to_close(&mut tcp, Duration::from_secs(5)).await;
            assert!(sent.starts_with("HTTP/1.1 200"), "{sent}");
            assert!(sent.contains("x-pollsim-time-scale: 0.5"), "{sent}");
            assert!(sent.contains("\"openapi\""), "{sent}");
        }
    });
}

#[test]
fn http2_prior_knowledge_is_served() {
    runtime().block_on(async {
        let server = spawn(config(|_| {})).await.unwrap();
        let tcp = TcpStream::connect(server.addr).await.unwrap();
        let (client, connection) = h2::client::handshake(tcp).await.unwrap();
        tokio::spawn(connection);
        let mut client = client.ready().await.unwrap();
        let request = axum::http::Request::post(format!("{}/jobs", server.url()))
            .header("content-type", "application/json")
            .body(())
            .unwrap();
        let (response, mut body) = client.send_request(request, false).unwrap();
        body.send_data(r#"{"duration_s": 5}"#.into(), true).unwrap();
        let response = response.await.unwrap();
        assert_eq!(response.status(), 201);
        let mut body = response.into_body();
        let mut text = Vec::new();
        while let Some(chunk) = body.data().await {
            text.extend_from_slice(&chunk.unwrap());
        }
        let created: pollsim::http::wire::CreatedJob = serde_json::from_slice(&text).unwrap();
        assert!(created.id.starts_with(server.state.run_id()), "{created:?}");
    });
}

#[test]
fn oversized_targets_and_headers_are_refused_in_json() {
    runtime().block_on(async {
        let server = spawn(config(|_| {})).await.unwrap();
        let long_query = format!(
            "GET /status?wait={} HTTP/1.1\r\nHost: x\r\n\r\n",
            "1".repeat(10_000)
        );
        let big_header = format!(
            "GET /status HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
            "a".repeat(20_000)
        );
        for (request, status, text) in [
            (long_query, "414", "bytes is longer than 8192"),
            (big_header, "431", "headers: 20"),
        ] {
            let mut tcp = TcpStream::connect(server.addr).await.unwrap();
            tcp.write_all(request.as_bytes()).await.unwrap();
            tcp.shutdown().await.unwrap();
            let (sent, _) = read_to_close(&mut tcp, Duration::from_secs(5)).await;
            assert!(sent.starts_with(&format!("HTTP/1.1 {status}")), "{sent}");
            assert!(sent.contains("content-type: application/json"), "{sent}");
            let body = sent.split("\r\n\r\n").nth(1).unwrap();
            let error: pollsim::http::wire::ErrorBody = serde_json::from_str(body).unwrap();
            assert!(error.error.contains(text), "{}", error.error);
        }
    });
}

#[test]
fn an_id_from_an_earlier_server_run_is_refused_by_the_next() {
    runtime().block_on(async {
        let first = spawn(config(|_| {})).await.unwrap();
        let client = Client::new(&first.url()).unwrap();
        let old = client
            .create_job(&NewJob {
                duration_s: Some(100.0),
                ..NewJob::default()
            })
            .await
            .unwrap();
        first.stop().await.unwrap();
        // The next run: its job 1 is not the old job 1.
        let second = spawn(config(|_| {})).await.unwrap();
        let client = Client::with_options(&second.url(), ClientOptions::default()).unwrap();
        let new = client.create_job(&NewJob::default()).await.unwrap();
        assert_ne!(new.id, old.id);
        assert!(
            new.id.ends_with("-1") && old.id.ends_with("-1"),
            "{} {}",
            new.id,
            old.id
        );
        match client.status(&old.id).await {
            Answer::Rejected { status, message } => {
                assert_eq!(status, 404);
                assert!(
                    message.contains("belongs to an earlier server run"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
    });
}
