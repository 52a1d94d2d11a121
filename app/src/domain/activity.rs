//! Activity rules: colours and icons of activity types, when an activity may be dated, and who
//! may change one afterwards.

use chrono::{DateTime, Duration, Utc};

use super::access::Role;

/// How far into the future an activity may be dated: clocks of phones and laptops drift.
pub const CLOCK_SKEW_MINUTES: i64 = 5;
/// How long the author of an activity may still change or delete it.
pub const AUTHOR_EDIT_HOURS: i64 = 24;
pub const NOTE_MAX: usize = 10_000;
pub const NAME_MAX: usize = 60;

/// The bundled icon set: (key, label, SVG path data on a 24×24 grid, drawn as a stroke).
pub const ICONS: [(&str, &str, &str); 12] = [
    (
        "phone",
        "Phone",
        "M5 3h4l2 5-2.5 1.5a11 11 0 0 0 6 6L16 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 5a2 2 0 0 1 2-2z",
    ),
    ("mail", "Envelope", "M3 6h18v12H3zM3 6l9 7 9-7"),
    ("inbox", "Inbox", "M3 13l3-8h12l3 8v6H3zM3 13h5l1 3h6l1-3h5"),
    (
        "meeting",
        "People",
        "M9 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM3 20c0-3.5 2.7-6 6-6s6 2.5 6 6M17 11a2.5 2.5 0 1 0 0-5M18 14c2 .6 3 2.8 3 6",
    ),
    (
        "target",
        "Target",
        "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 16a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM12 12h.01",
    ),
    ("proposal", "Document", "M6 3h8l4 4v14H6zM14 3v4h4M9 12h6M9 16h6"),
    ("calendar", "Calendar", "M4 5h16v16H4zM4 10h16M8 3v4M16 3v4"),
    ("chat", "Speech bubble", "M4 5h16v11H9l-5 4z"),
    ("video", "Video call", "M3 7h12v10H3zM15 11l6-4v10l-6-4"),
    ("check", "Check", "M4 12l5 5L20 6"),
    ("star", "Star", "M12 3l2.8 5.7 6.2.9-4.5 4.4 1 6.2-5.5-2.9-5.5 2.9 1-6.2L3 9.6l6.2-.9z"),
    ("flag", "Flag", "M5 21V4M5 4h12l-2 4 2 4H5"),
];

/// The SVG path of an icon key; unknown keys draw a dot.
pub fn icon_path(key: &str) -> &'static str {
    ICONS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, _, path)| *path)
        .unwrap_or("M12 12h.01")
}

pub fn parse_icon(key: &str) -> Result<String, String> {
    let key = key.trim();
    ICONS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(k, _, _)| k.to_string())
        .ok_or_else(|| "Choose one of the icons.".to_string())
}

/// A colour as `#rrggbb` (lowercase).
pub fn parse_colour(text: &str) -> Result<String, String> {
    let text = text.trim().to_ascii_lowercase();
    let hex = text.strip_prefix('#').unwrap_or(&text);
    if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(format!("#{hex}"))
    } else {
        Err("Enter a colour such as #2563eb.".to_string())
    }
}

/// A type or outcome name: required, at most 60 characters, one line.
pub fn parse_name(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Name is required.".into());
    }
    if text.chars().count() > NAME_MAX {
        return Err(format!("Name must be at most {NAME_MAX} characters."));
    }
    if text.chars().any(char::is_control) {
        return Err("Name must be one line of text.".into());
    }
    Ok(text.to_string())
}

pub fn parse_note(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.chars().count() > NOTE_MAX {
        return Err(format!(
            "A note is at most {NOTE_MAX} characters (this one has {}).",
            text.chars().count()
        ));
    }
    Ok(text.to_string())
}

/// When an activity may have happened: any time up to a few minutes from now.
pub fn check_occurred_at(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), String> {
    if at > now + Duration::minutes(CLOCK_SKEW_MINUTES) {
        Err("An activity cannot happen in the future: enter when it happened.".into())
    } else {
        Ok(())
    }
}

/// Whether `actor` may change or delete an activity logged by `author` at `logged_at`:
/// managers and admins always, the author within 24 hours.
pub fn may_change_activity(
    role: Role,
    actor_id: i32,
    author_id: i32,
    logged_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> bool {
    match role {
        Role::Admin | Role::Manager => true,
        Role::Member => {
            actor_id == author_id && now - logged_at < Duration::hours(AUTHOR_EDIT_HOURS)
        }
    }
}

/// Whether `actor` may log an activity in the name of `user_id`: members for themselves,
/// managers and admins for anyone (a phone system posting every rep's calls, say).
pub fn may_log_for(role: Role, actor_id: i32, user_id: i32) -> bool {
    role != Role::Member || actor_id == user_id
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(minutes)
    }

    #[test]
    fn colours_are_normalised_and_checked() {
        assert_eq!(parse_colour("#2563EB"), Ok("#2563eb".into()));
        assert_eq!(parse_colour(" 16a34a "), Ok("#16a34a".into()));
        assert!(parse_colour("#12345").is_err());
        assert!(parse_colour("red").is_err());
        assert!(parse_colour("#gggggg").is_err());
    }

    #[test]
    fn icons_come_from_the_bundled_set() {
        assert_eq!(parse_icon("phone"), Ok("phone".into()));
        assert!(parse_icon("rocket").is_err());
        assert_ne!(icon_path("mail"), icon_path("unknown"));
    }

    #[test]
    fn notes_are_limited() {
        assert!(parse_note(&"x".repeat(NOTE_MAX)).is_ok());
        assert!(parse_note(&"x".repeat(NOTE_MAX + 1)).is_err());
    }

    #[test]
    fn the_author_may_change_an_activity_for_24_hours() {
        let logged = at(0);
        assert!(may_change_activity(
            Role::Member,
            7,
            7,
            logged,
            at(60 * 24 - 1)
        ));
        assert!(!may_change_activity(
            Role::Member,
            7,
            7,
            logged,
            at(60 * 24)
        ));
        assert!(!may_change_activity(Role::Member, 8, 7, logged, at(1)));
    }

    proptest! {
        #[test]
        fn managers_and_admins_may_always_change(age in 0i64..10_000_000, actor in 1i32..50, author in 1i32..50) {
            for role in [Role::Admin, Role::Manager] {
                prop_assert!(may_change_activity(role, actor, author, at(0), at(age)));
            }
        }

        #[test]
        fn a_member_never_changes_someone_elses(age in 0i64..10_000, actor in 1i32..50, author in 1i32..50) {
            prop_assume!(actor != author);
            prop_assert!(!may_change_activity(Role::Member, actor, author, at(0), at(age)));
        }

        #[test]
        fn activities_may_be_dated_up_to_the_clock_skew(offset in -1_000_000i64..1_000_000) {
            let now = at(0);
            let ok = check_occurred_at(at(offset), now).is_ok();
            prop_assert_eq!(ok, offset <= CLOCK_SKEW_MINUTES);
        }

        #[test]
        fn members_log_only_for_themselves(actor in 1i32..50, user in 1i32..50) {
            prop_assert_eq!(may_log_for(Role::Member, actor, user), actor == user);
            prop_assert!(may_log_for(Role::Manager, actor, user));
        }
    }
}
