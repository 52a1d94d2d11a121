//! The middlewares that guard every request: cross-site writes refused, security headers on
//! every answer, the page's user resolved before it renders. They share one description of
//! what a path is ([`served`]).

use std::sync::Arc;

use app::server::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// What a request's path asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served {
    /// A page of the app (rendered on the server, then hydrated).
    Page,
    /// What the app in the browser calls with its session cookie: server functions and the
    /// live stream (`/api/…` outside `/api/v1`).
    SessionApi,
    /// The REST API (`/api/v1/…`): bearer tokens, its own checks.
    RestApi,
    /// Files (the WASM, scripts, styles, public files) and the health check.
    Other,
}

pub fn served(path: &str) -> Served {
    if path.starts_with("/api/v1/") {
        Served::RestApi
    } else if path.starts_with("/api/") {
        Served::SessionApi
    } else if path.starts_with("/pkg/")
        || path.starts_with("/vendor/")
        || path == "/healthz"
        || path.rsplit('/').next().unwrap_or("").contains('.')
    {
        Served::Other
    } else {
        Served::Page
    }
}

/// The origins browsers may send changes from: the `--public-url` addresses (as origins:
/// scheme, host and port, the default port left out, as browsers write them); none given
/// means the request's own address.
#[derive(Debug, Clone, Default)]
pub struct Origins(Arc<Vec<String>>);

/// The origin of an address people open Cadence at: `https://CRM.example.com:443/app` →
/// `https://crm.example.com`; an error for what is not an http(s) address.
pub fn origin_of(text: &str) -> Result<String, String> {
    let url = url::Url::parse(text.trim())
        .map_err(|e| format!("{text:?} is not an address like https://crm.example.com ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!(
            "{text:?} is not an http:// or https:// address of a host"
        ));
    }
    Ok(url.origin().ascii_serialization())
}

impl Origins {
    /// `public_urls` were checked by the command line ([`origin_of`]); others are left out.
    pub fn new(public_urls: &[String]) -> Origins {
        Origins(Arc::new(
            public_urls
                .iter()
                .filter_map(|url| origin_of(url).ok())
                .collect(),
        ))
    }

    /// Whether a change from `origin` (the `Origin` header) to `request` is from this site.
    fn allow(&self, origin: &str, request: &Request) -> bool {
        if !self.0.is_empty() {
            return origin_of(origin).is_ok_and(|origin| self.0.contains(&origin));
        }
        let text = |name| {
            request
                .headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
        };
        let from = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        // This server's address as the browser used it: `Host` (HTTP/1), the URI's authority
        // (HTTP/2), or what a proxy in front says it forwarded. A cross-site page cannot set
        // the latter without a CORS preflight, which this server never grants.
        [
            text(header::HOST),
            request.uri().authority().map(|a| a.as_str()),
            text(header::HeaderName::from_static("x-forwarded-host")),
        ]
        .into_iter()
        .flatten()
        .any(|ours| ours.eq_ignore_ascii_case(from))
    }
}

/// Refuses a change sent to a server function from another site (cross-site request forgery):
/// a browser says where a form or a script was with `Origin`, which must be one of the
/// `--public-url` addresses or, without them, this server's own address. Requests without
/// `Origin` (other programs) pass; the session cookie is `SameSite=Lax` too. The REST API is
/// left to its own checks: it authenticates with tokens.
pub async fn same_site_writes(
    State(origins): State<Origins>,
    request: Request,
    next: Next,
) -> Response {
    let writes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if writes && served(request.uri().path()) == Served::SessionApi {
        let origin = request
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok());
        if let Some(origin) = origin {
            if !origins.allow(origin, &request) {
                tracing::warn!(%origin, path = request.uri().path(), "a cross-site request was refused");
                return (
                    StatusCode::FORBIDDEN,
                    "Refused: this request came from another site.",
                )
                    .into_response();
            }
        }
    }
    next.run(request).await
}

/// Headers on every answer: no content-type sniffing, no address sent to other sites, never
/// in a frame. Pages carry their own Content-Security-Policy (with the nonce of their inline
/// scripts, see `app::page_policy`); any other answer may load nothing.
pub async fn security_headers(mut response: Response) -> Response {
    use axum::http::header::{
        CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
    };
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers
        .entry(CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'none'; frame-ancestors 'none'",
        ));
    response
}

/// Resolves the logged-in user of a page request before the page renders: the page and its
/// top bar read it at once, and the document carries it to the browser.
pub async fn resolve_page_user(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let reads = matches!(*request.method(), Method::GET | Method::HEAD);
    if reads && served(request.uri().path()) == Served::Page {
        if let Some(session) = request
            .extensions()
            .get::<tower_sessions::Session>()
            .cloned()
        {
            let user = app::server::session_user(&state.db, &session).await;
            request
                .extensions_mut()
                .insert(app::components::layout::PageUser(user));
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_told_apart() {
        assert_eq!(served("/"), Served::Page);
        assert_eq!(served("/leads/12"), Served::Page);
        assert_eq!(served("/api/create_lead"), Served::SessionApi);
        assert_eq!(served("/api/events"), Served::SessionApi);
        assert_eq!(served("/api/v1/leads"), Served::RestApi);
        assert_eq!(served("/pkg/cadence.js"), Served::Other);
        assert_eq!(served("/favicon.ico"), Served::Other);
        assert_eq!(served("/healthz"), Served::Other);
    }

    fn write_to(host: &str, forwarded: Option<&str>) -> Request {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri("/api/create_lead")
            .header(header::HOST, host);
        if let Some(forwarded) = forwarded {
            request = request.header("x-forwarded-host", forwarded);
        }
        request.body(axum::body::Body::empty()).unwrap()
    }

    #[test]
    fn without_public_urls_the_request_address_is_ours() {
        let origins = Origins::new(&[]);
        let plain = write_to("127.0.0.1:3000", None);
        assert!(origins.allow("http://127.0.0.1:3000", &plain));
        assert!(!origins.allow("http://evil.test", &plain));
        let proxied = write_to("127.0.0.1:3001", Some("crm.example.com"));
        assert!(origins.allow("https://crm.example.com", &proxied));
        assert!(origins.allow("https://CRM.Example.com", &proxied));
    }

    #[test]
    fn public_urls_are_read_as_origins() {
        let origin = |text: &str| origin_of(text);
        assert_eq!(
            origin("https://CRM.example.com:443/app/"),
            Ok("https://crm.example.com".into())
        );
        assert_eq!(
            origin("http://127.0.0.1:8080"),
            Ok("http://127.0.0.1:8080".into())
        );
        assert_eq!(
            origin("https://bücher.example"),
            Ok("https://xn--bcher-kva.example".into())
        );
        for bad in ["crm.example.com", "ftp://crm.example.com", "https://", ""] {
            assert!(origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn public_urls_are_the_only_origins_when_given() {
        let origins = Origins::new(&[
            "https://CRM.example.com:443/".into(),
            "http://127.0.0.1:8080".into(),
        ]);
        // A proxy that rewrote Host and sends no X-Forwarded-Host: still ours.
        let rewritten = write_to("127.0.0.1:3001", None);
        assert!(origins.allow("https://crm.example.com", &rewritten));
        assert!(origins.allow("http://127.0.0.1:8080", &rewritten));
        // Host and X-Forwarded-Host are no longer trusted.
        let forged = write_to("evil.test", Some("evil.test"));
        assert!(!origins.allow("http://evil.test", &forged));
        assert!(
            !origins.allow("http://crm.example.com", &rewritten),
            "scheme counts"
        );
    }
}
