//! Validated values: each constructor trims, checks and explains what is wrong in words a user
//! understands. The same rules run in the browser and on the server.

use std::fmt;

use serde::{Deserialize, Serialize};

fn trimmed_len(text: &str, what: &str, max: usize) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("{what} is required."));
    }
    if text.chars().count() > max {
        return Err(format!("{what} must be at most {max} characters."));
    }
    if text.chars().any(char::is_control) {
        return Err(format!("{what} must not contain control characters."));
    }
    Ok(text.to_string())
}

macro_rules! text_newtype {
    ($name:ident) => {
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_newtype!(Email);
text_newtype!(PersonName);
text_newtype!(SegmentName);
text_newtype!(WorkspaceName);
text_newtype!(TimeZoneName);
text_newtype!(Currency);

impl Email {
    pub const MAX: usize = 254;

    /// A plausible address: one `@`, a non-empty local part, a dotted domain, no spaces.
    /// Stored lowercased so that logins are case-insensitive.
    pub fn parse(text: &str) -> Result<Email, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("Email is required.".into());
        }
        if text.chars().count() > Self::MAX {
            return Err(format!("Email must be at most {} characters.", Self::MAX));
        }
        let invalid = || Err("Enter an email address such as name@example.com.".to_string());
        let Some((local, domain)) = text.split_once('@') else {
            return invalid();
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty()
            && !local.contains(char::is_whitespace)
            && !local
                .chars()
                .any(|c| c.is_control() || c == '<' || c == '>' || c == '"');
        if !domain_ok || !local_ok {
            return invalid();
        }
        Ok(Email(text.to_lowercase()))
    }
}

impl PersonName {
    pub fn parse(text: &str) -> Result<PersonName, String> {
        trimmed_len(text, "Name", 100).map(PersonName)
    }
}

impl SegmentName {
    pub fn parse(text: &str) -> Result<SegmentName, String> {
        trimmed_len(text, "Segment name", 60).map(SegmentName)
    }
}

impl WorkspaceName {
    pub fn parse(text: &str) -> Result<WorkspaceName, String> {
        trimmed_len(text, "Workspace name", 80).map(WorkspaceName)
    }
}

impl TimeZoneName {
    /// An IANA time zone name such as `Europe/Paris` or `UTC`.
    pub fn parse(text: &str) -> Result<TimeZoneName, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("Time zone is required.".into());
        }
        match text.parse::<chrono_tz::Tz>() {
            Ok(tz) => Ok(TimeZoneName(tz.name().to_string())),
            Err(_) => Err(format!(
                "\u{201c}{}\u{201d} is not a known time zone; use a name such as Europe/Paris.",
                text.chars().take(60).collect::<String>()
            )),
        }
    }
}

impl Currency {
    /// A three-letter ISO 4217 code, stored uppercase.
    pub fn parse(text: &str) -> Result<Currency, String> {
        let text = text.trim();
        if text.len() == 3 && text.chars().all(|c| c.is_ascii_alphabetic()) {
            Ok(Currency(text.to_ascii_uppercase()))
        } else {
            Err("Use a three-letter currency code such as EUR or USD.".into())
        }
    }
}

/// A password a user chooses. Never stored: only its argon2id hash is.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN: usize = 8;
    pub const MAX: usize = 200;

    pub fn parse(text: &str) -> Result<Password, String> {
        let count = text.chars().count();
        if count < Self::MIN {
            return Err(format!(
                "Password must be at least {} characters.",
                Self::MIN
            ));
        }
        if count > Self::MAX {
            return Err(format!(
                "Password must be at most {} characters.",
                Self::MAX
            ));
        }
        Ok(Password(text.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// The first day of the week, as a workspace setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = "monday"))]
#[serde(rename_all = "lowercase")]
pub enum WeekStart {
    Monday,
    Sunday,
    Saturday,
}

impl WeekStart {
    pub const ALL: [WeekStart; 3] = [WeekStart::Monday, WeekStart::Sunday, WeekStart::Saturday];

    pub fn as_str(self) -> &'static str {
        match self {
            WeekStart::Monday => "monday",
            WeekStart::Sunday => "sunday",
            WeekStart::Saturday => "saturday",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            WeekStart::Monday => "Monday",
            WeekStart::Sunday => "Sunday",
            WeekStart::Saturday => "Saturday",
        }
    }

    pub fn parse(text: &str) -> Result<WeekStart, String> {
        WeekStart::ALL
            .into_iter()
            .find(|w| w.as_str() == text.trim().to_ascii_lowercase())
            .ok_or_else(|| "Choose Monday, Sunday or Saturday.".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            Email::parse("  Ann@Example.COM ").unwrap().as_str(),
            "ann@example.com"
        );
    }

    #[test]
    fn malformed_emails_are_refused_with_a_reason() {
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "a b@example.com",
            "ann@exa mple.com",
            "ann@.com",
            "ann@example..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert_eq!(Email::parse("").unwrap_err(), "Email is required.");
    }

    #[test]
    fn names_have_limits() {
        assert_eq!(PersonName::parse("  Ann Lee ").unwrap().as_str(), "Ann Lee");
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse(&"x".repeat(101)).is_err());
        assert!(PersonName::parse("tab\tinside").is_err());
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(
            TimeZoneName::parse("Europe/Paris").unwrap().as_str(),
            "Europe/Paris"
        );
        assert_eq!(TimeZoneName::parse("UTC").unwrap().as_str(), "UTC");
        assert!(TimeZoneName::parse("Mars/Olympus").is_err());
        assert!(TimeZoneName::parse("").is_err());
    }

    #[test]
    fn currencies_are_three_letters() {
        assert_eq!(Currency::parse("eur").unwrap().as_str(), "EUR");
        assert!(Currency::parse("EURO").is_err());
        assert!(Currency::parse("E1R").is_err());
    }

    #[test]
    fn passwords_have_a_minimum_length_and_are_never_printed() {
        assert!(Password::parse("short").is_err());
        let password = Password::parse("long enough").unwrap();
        assert_eq!(format!("{password:?}"), "Password(***)");
    }

    proptest! {
        #[test]
        fn email_parsing_never_panics_and_is_idempotent(text in "\\PC{0,80}") {
            if let Ok(email) = Email::parse(&text) {
                prop_assert_eq!(Email::parse(email.as_str()), Ok(email.clone()));
                prop_assert!(email.as_str().contains('@'));
            }
        }

        #[test]
        fn accepted_names_are_trimmed_and_bounded(text in "\\PC{0,120}") {
            if let Ok(name) = PersonName::parse(&text) {
                prop_assert_eq!(name.as_str(), name.as_str().trim());
                prop_assert!(!name.as_str().is_empty());
                prop_assert!(name.as_str().chars().count() <= 100);
            }
        }

        #[test]
        fn week_start_round_trips(index in 0usize..3) {
            let week = WeekStart::ALL[index];
            prop_assert_eq!(WeekStart::parse(week.as_str()), Ok(week));
        }
    }
}
