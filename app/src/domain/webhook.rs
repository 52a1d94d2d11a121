//! Webhooks, the rules without the database: which events exist, which addresses may receive
//! them, when a failed delivery is tried again, and when a webhook is given up.

use chrono::Duration;

/// The events a webhook can ask for, in the order the admin page lists them.
pub const EVENTS: [(&str, &str); 10] = [
    ("lead.created", "Lead created"),
    ("lead.updated", "Lead updated"),
    ("lead.moved", "Lead moved to another step"),
    (
        "lead.status_changed",
        "Lead won, lost, cancelled or reopened",
    ),
    ("lead.deleted", "Lead deleted"),
    ("activity.created", "Activity logged"),
    ("activity.updated", "Activity changed"),
    ("activity.deleted", "Activity deleted"),
    ("prospect.converted", "Prospect converted into a lead"),
    ("goal.met", "Goal met (first time in a period)"),
];

/// The name of a webhook's signature header, its delivery id header and its event header.
pub const SIGNATURE_HEADER: &str = "X-Cadence-Signature";
pub const DELIVERY_HEADER: &str = "X-Cadence-Delivery";
pub const EVENT_HEADER: &str = "X-Cadence-Event";

/// How long a delivery is retried (and a webhook may fail) before it is given up.
pub fn give_up_after() -> Duration {
    Duration::days(1)
}

/// How long deliveries are kept.
pub fn kept_for() -> Duration {
    Duration::days(30)
}

/// The wait before the next try of a delivery that failed `attempts` times: 10 s, doubling,
/// at most an hour.
pub fn retry_delay(attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(12);
    Duration::seconds((10i64 << doublings).min(3600))
}

/// Whether `kind` is one of [`EVENTS`].
pub fn is_event(kind: &str) -> bool {
    EVENTS.iter().any(|(k, _)| *k == kind)
}

/// The events of a webhook, checked, without repeats, in the order of [`EVENTS`].
pub fn parse_events<S: AsRef<str>>(chosen: &[S]) -> Result<Vec<String>, String> {
    if chosen.is_empty() {
        return Err("Choose at least one event.".into());
    }
    if let Some(unknown) = chosen.iter().find(|k| !is_event(k.as_ref())) {
        return Err(format!(
            "\"{}\" is not an event; the events are {}.",
            unknown.as_ref(),
            EVENTS.map(|(k, _)| k).join(", ")
        ));
    }
    Ok(EVENTS
        .iter()
        .filter(|(k, _)| chosen.iter().any(|c| c.as_ref() == *k))
        .map(|(k, _)| k.to_string())
        .collect())
}

/// Checks a webhook's target: an `https://` address, or `http://` to this machine or a private
/// network when `allow_http` (for development).
pub fn check_url(url: &str, allow_http: bool) -> Result<(), String> {
    let url = url.trim();
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| "Enter a full address, starting with https://.".to_string())?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host_of(authority);
    if host.is_empty() || url.chars().any(char::is_whitespace) {
        return Err("Enter a full address, such as https://example.com/hooks/cadence.".into());
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(()),
        "http" if !allow_http => Err(
            "Use https://. Plain http:// is allowed only for development, when the server is started with --webhooks-allow-http.".into(),
        ),
        "http" if is_local(host) => Ok(()),
        "http" => Err("Plain http:// is allowed only to this machine or a private network; use https://.".into()),
        _ => Err("Use an https:// address.".into()),
    }
}

/// The host of `user@host:port`, without brackets around an IPv6 address.
fn host_of(authority: &str) -> &str {
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("");
    }
    authority.split(':').next().unwrap_or("")
}

/// This machine or a private network.
fn is_local(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => ip.is_loopback() || ip.is_private() || ip.is_link_local(),
        Ok(std::net::IpAddr::V6(ip)) => ip.is_loopback() || (ip.segments()[0] & 0xfe00) == 0xfc00,
        Err(_) => false,
    }
}

/// The text a delivery's signature covers: its timestamp (Unix seconds), a dot, and its body.
pub fn signed_text(timestamp: i64, body: &str) -> String {
    format!("{timestamp}.{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_from_ten_seconds_up_to_an_hour() {
        let waits: Vec<i64> = (1..=10).map(|n| retry_delay(n).num_seconds()).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600]);
        assert_eq!(retry_delay(40).num_seconds(), 3600);
        // A day of retries: 32 tries.
        let mut spent = Duration::zero();
        let mut tries = 0;
        while spent < give_up_after() {
            tries += 1;
            spent += retry_delay(tries);
        }
        assert_eq!(tries, 32);
    }

    #[test]
    fn https_always_http_only_to_local_addresses_when_allowed() {
        assert!(check_url("https://hooks.example.com/cadence", false).is_ok());
        assert!(check_url("HTTPS://example.com", false).is_ok());
        assert!(check_url("http://example.com/x", false).is_err());
        assert!(check_url("http://127.0.0.1:8080/x", false).is_err());
        assert!(check_url("http://127.0.0.1:8080/x", true).is_ok());
        assert!(check_url("http://localhost/x", true).is_ok());
        assert!(check_url("http://10.1.2.3/x", true).is_ok());
        assert!(check_url("http://192.168.0.9/x", true).is_ok());
        assert!(check_url("http://[::1]:9000/x", true).is_ok());
        assert!(check_url("http://user@127.0.0.1/x", true).is_ok());
        assert!(check_url("http://example.com/x", true).is_err());
        assert!(check_url("http://8.8.8.8/x", true).is_err());
        assert!(check_url("ftp://example.com", true).is_err());
        assert!(check_url("example.com/hook", false).is_err());
        assert!(check_url("https:///nohost", false).is_err());
        assert!(check_url("https://exa mple.com", false).is_err());
    }

    #[test]
    fn events_are_checked_and_put_in_order() {
        assert_eq!(
            parse_events(&["activity.created", "lead.created", "lead.created"]).unwrap(),
            ["lead.created", "activity.created"]
        );
        assert!(parse_events::<&str>(&[]).is_err());
        let unknown = parse_events(&["lead.exploded"]).unwrap_err();
        assert!(unknown.contains("\"lead.exploded\" is not an event"));
    }
}
