//! Connections: accepting, the HTTP stack's timeouts, and what is answered
//! before a request reaches the router.
//!
//! `axum::serve` sets no header-read or idle timeout, so a connection that
//! sends half a request head, or nothing, was held forever. Connections are
//! served here with hyper-util's automatic HTTP/1.1 / HTTP/2 (prior knowledge)
//! builder, and a per-connection watchdog enforces both timeouts: it closes a
//! connection that starts no request within the header-read timeout of
//! opening or of its last answer (half a head, a dribbling slow client,
//! nothing at all), and one that stays silent with no request in flight for
//! the idle timeout. Half-closed sockets (a client that shuts down its sending
//! side after the request) are answered, then closed.
//!
//! The watchdog, not hyper's own `header_read_timeout`, bounds the heads:
//! hyper arms a timer for every request head, which cost about 2 % of the
//! status throughput, while the watchdog reads counters a few times per
//! timeout and the hot path reads no clock.

use super::AppState;
use super::error::ApiError;
use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::ConnectInfo;
use axum::http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::Instant;

/// Every answer states the server's time scale, so a client can refuse a mismatch.
pub const TIME_SCALE_HEADER: &str = "x-pollsim-time-scale";

/// Longest request target (path and query) answered with a JSON 414. hyper
/// itself refuses targets of 64 KiB and more, with an empty body.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Largest header block (names and values) answered with a JSON 431. hyper
/// itself refuses heads beyond its read buffer (about 400 KiB) or with more
/// than 100 headers, with an empty body.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Streams one HTTP/2 connection may have open at once: more than any run's
/// checks in flight (every job of a storm may have one out). A stand-in
/// server's clients are trusted: a public server would bound this far lower.
const MAX_STREAMS: u32 = 1 << 20;

/// Marks a response the connection answers by closing itself, sending
/// nothing: the capacity model's dropped connection (`queue_full = "drop"`)
/// and the end of an outage's silence. The service then fails, which makes
/// hyper abort the connection (over HTTP/2, reset the request's stream
/// only); the client sees a transport failure.
#[derive(Clone, Copy, Debug)]
pub(super) struct HangUp;

/// Serves `router` on `listener` until `shutdown` resolves; then stops
/// accepting, lets every connection finish its requests, and returns.
pub(super) async fn serve(
    listener: TcpListener,
    state: AppState,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let config = state.config();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .header_read_timeout(None)
        .half_close(true)
        .keep_alive(true);
    // hyper's default of 200 streams would queue a storm's checks inside the
    // client's one HTTP/2 connection; a stand-in server's clients are its
    // load, so it takes every stream they open.
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(MAX_STREAMS);
    let shared = Arc::new(Shared {
        builder,
        router,
        time_scale: HeaderValue::from_str(&config.time_scale.to_string())
            .unwrap_or(HeaderValue::from_static("1")),
        header_read_timeout: config.header_read_timeout,
        idle_timeout: config.idle_timeout,
    });
    let (stop, stopping) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // Status answers are one small write: do not let Nagle hold them back.
        let _ = tcp.set_nodelay(true);
        tokio::spawn(connection(shared.clone(), tcp, peer, stopping.clone()));
    }
    drop(listener);
    let _ = stop.send(true);
    // Every connection task holds a receiver: all are gone when all ended.
    drop(stopping);
    stop.closed().await;
    Ok(())
}

struct Shared {
    builder: auto::Builder<TokioExecutor>,
    router: Router,
    time_scale: HeaderValue,
    header_read_timeout: Duration,
    idle_timeout: Duration,
}

/// What the watchdog knows of a connection: counters only, so the hot path
/// reads no clock.
#[derive(Default)]
struct Activity {
    /// Reads and writes that moved bytes. Only the connection's task does
    /// them, so this one is bumped without a locked add; HTTP/2 serves its
    /// streams' requests on other tasks, so the two below are added to.
    io: AtomicU64,
    /// Requests started and finished (their answer built).
    started: AtomicU64,
    finished: AtomicU64,
}

/// Adds one to a counter that only the calling task writes.
#[inline]
fn bump(counter: &AtomicU64) {
    counter.store(counter.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
}

async fn connection(
    shared: Arc<Shared>,
    tcp: TcpStream,
    peer: SocketAddr,
    mut stopping: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::default());
    let io = TokioIo::new(Counted {
        inner: tcp,
        activity: activity.clone(),
    });
    let service = {
        let (shared, activity) = (shared.clone(), activity.clone());
        hyper::service::service_fn(move |request| {
            answer(shared.clone(), activity.clone(), peer, request)
        })
    };
    let mut conn = pin!(shared.builder.serve_connection(io, service));
    let opened = Instant::now();
    // Checked four times per timeout: closes within 1.25 timeouts.
    let tick = shared.idle_timeout.min(shared.header_read_timeout) / 4;
    let mut ticks = tokio::time::interval_at(opened + tick, tick);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (mut last_io, mut quiet_since) = (0, opened);
    // The head-read clock runs from the accept or the tick that first saw the
    // last request: a request seen starting restarts it.
    let (mut last_started, mut waiting_since) = (0, opened);
    let mut closing: Option<Instant> = None;
    loop {
        tokio::select! {
            // In this order, without drawing a random one each wake-up: the
            // connection is polled on every request, the others rarely fire.
            biased;
            _ = conn.as_mut() => return,
            changed = stopping.changed(), if closing.is_none() => {
                // The server stops (or is gone): finish what is in flight.
                let _ = changed;
                conn.as_mut().graceful_shutdown();
                closing = Some(Instant::now());
            }
            now = ticks.tick() => {
                if let Some(since) = closing {
                    // A peer that ignores the shutdown is cut after a grace period.
                    if now - since >= shared.idle_timeout.max(Duration::from_secs(1)) {
                        return;
                    }
                    continue;
                }
                let io = activity.io.load(Ordering::Relaxed);
                let started = activity.started.load(Ordering::Relaxed);
                let busy = started != activity.finished.load(Ordering::Relaxed);
                if io != last_io || busy {
                    (last_io, quiet_since) = (io, now);
                }
                if started != last_started || busy {
                    (last_started, waiting_since) = (started, now);
                } else if now - waiting_since >= shared.header_read_timeout {
                    // No request in flight and none begun in time (half a
                    // head, a slow dribble, nothing, or an HTTP/2 preface
                    // without a stream): nothing is lost by closing at once.
                    return;
                }
                if now - quiet_since >= shared.idle_timeout {
                    conn.as_mut().graceful_shutdown();
                    closing = Some(now);
                }
            }
        }
    }
}

/// One request: limits checked here answer in JSON, the rest goes to the
/// router; every answer states the time scale.
async fn answer(
    shared: Arc<Shared>,
    activity: Arc<Activity>,
    peer: SocketAddr,
    mut request: Request<Incoming>,
) -> Result<Response<Body>, std::io::Error> {
    activity.started.fetch_add(1, Ordering::Relaxed);
    let mut response = match too_large(&request) {
        Some(error) => error.into_response(),
        None => {
            request.extensions_mut().insert(ConnectInfo(peer));
            let mut router = shared.router.clone();
            let response: Response<Body> =
                match tower_service::Service::call(&mut router, request).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                };
            response
        }
    };
    if response.extensions().get::<HangUp>().is_some() {
        activity.finished.fetch_add(1, Ordering::Relaxed);
        return Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "hung up (capacity model)",
        ));
    }
    response.headers_mut().insert(
        HeaderName::from_static(TIME_SCALE_HEADER),
        shared.time_scale.clone(),
    );
    activity.finished.fetch_add(1, Ordering::Relaxed);
    Ok(response)
}

/// The request-size limits this server sets itself, answered in JSON.
fn too_large(request: &Request<Incoming>) -> Option<ApiError> {
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if target > MAX_URI_BYTES {
        return Some(ApiError::new(
            StatusCode::URI_TOO_LONG,
            format!(
                "uri: {target} bytes is longer than {MAX_URI_BYTES}; a status URL needs a few dozen"
            ),
        ));
    }
    let headers: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if headers > MAX_HEADER_BYTES {
        return Some(ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "headers: {headers} bytes is more than {MAX_HEADER_BYTES}; send fewer or shorter headers"
            ),
        ));
    }
    None
}

/// A socket that counts the reads and writes that moved bytes.
struct Counted {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl Counted {
    fn moved<T>(&self, poll: &Poll<std::io::Result<T>>, bytes: bool) {
        if bytes && matches!(poll, Poll::Ready(Ok(_))) {
            bump(&self.activity.io);
        }
    }
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        let bytes = buf.filled().len() > before;
        self.moved(&poll, bytes);
        poll
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        let bytes = matches!(poll, Poll::Ready(Ok(n)) if n > 0);
        self.moved(&poll, bytes);
        poll
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        let bytes = matches!(poll, Poll::Ready(Ok(n)) if n > 0);
        self.moved(&poll, bytes);
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
