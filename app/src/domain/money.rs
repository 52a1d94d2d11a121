//! Money as an exact number of cents: typed in as text, never a float.

use std::fmt;

use super::text::thousands;

use serde::{Deserialize, Serialize};

/// A non-negative amount with two decimals, stored as whole cents.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Amount(i64);

impl Amount {
    /// The largest amount accepted: one trillion, minus a cent.
    pub const MAX_CENTS: i64 = 100_000_000_000_000 - 1;

    pub fn from_cents(cents: i64) -> Option<Amount> {
        (0..=Self::MAX_CENTS)
            .contains(&cents)
            .then_some(Amount(cents))
    }

    pub fn cents(self) -> i64 {
        self.0
    }

    /// Parses `1234`, `1234.5`, `1 234,50`, `1,234.50`: digits with at most two decimals after
    /// a `.` or a `,`; spaces and thousands separators are ignored. Empty text is zero.
    pub fn parse(text: &str) -> Result<Amount, String> {
        let cleaned: String = text
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\'' && *c != '_')
            .collect();
        if cleaned.is_empty() {
            return Ok(Amount(0));
        }
        if cleaned.starts_with('-') {
            return Err("The amount cannot be negative.".into());
        }
        let invalid = || Err("Enter an amount such as 1200 or 1200.50.".to_string());
        // The last `.` or `,` followed by one or two digits is the decimal mark; the others
        // are thousands separators.
        let (whole, fraction) = match cleaned.rfind(['.', ',']) {
            Some(pos) if cleaned.len() - pos - 1 <= 2 => (&cleaned[..pos], &cleaned[pos + 1..]),
            _ => (cleaned.as_str(), ""),
        };
        let whole: String = whole.chars().filter(|c| *c != ',' && *c != '.').collect();
        if whole.is_empty() && fraction.is_empty() {
            return invalid();
        }
        if !whole.chars().all(|c| c.is_ascii_digit())
            || !fraction.chars().all(|c| c.is_ascii_digit())
        {
            return invalid();
        }
        if whole.len() > 13 {
            return Err("The amount is too large.".into());
        }
        let units: i64 = if whole.is_empty() {
            0
        } else {
            whole
                .parse()
                .map_err(|_| "The amount is too large.".to_string())?
        };
        let cents: i64 = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<i64>().unwrap_or(0) * 10,
            _ => fraction.parse::<i64>().unwrap_or(0),
        };
        units
            .checked_mul(100)
            .and_then(|c| c.checked_add(cents))
            .and_then(Amount::from_cents)
            .ok_or_else(|| "The amount is too large.".to_string())
    }

    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        self.0.checked_add(other.0).map(Amount)
    }
}

/// `1234567.5` shows as `1,234,567.50`.
impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let units = self.0 / 100;
        let cents = self.0 % 100;
        write!(f, "{}.{cents:02}", thousands(units.unsigned_abs()))
    }
}

/// A plain decimal string for APIs and CSV: `1234567.50`.
pub fn decimal_string(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_parse_exactly() {
        assert_eq!(Amount::parse("1200").unwrap().cents(), 120_000);
        assert_eq!(Amount::parse("1200.5").unwrap().cents(), 120_050);
        assert_eq!(Amount::parse("1 200,50").unwrap().cents(), 120_050);
        assert_eq!(Amount::parse("1,234,567.89").unwrap().cents(), 123_456_789);
        assert_eq!(Amount::parse("0.07").unwrap().cents(), 7);
        assert_eq!(Amount::parse("").unwrap().cents(), 0);
        assert_eq!(Amount::parse("1,234").unwrap().cents(), 123_400);
    }

    #[test]
    fn bad_amounts_are_refused_with_a_reason() {
        assert_eq!(
            Amount::parse("-5").unwrap_err(),
            "The amount cannot be negative."
        );
        assert!(Amount::parse("12a").is_err());
        assert!(Amount::parse("1.2.3.4x").is_err());
        assert!(Amount::parse("99999999999999999999").is_err());
        assert!(Amount::parse("NaN").is_err());
        assert!(Amount::parse(".").is_err());
    }

    #[test]
    fn amounts_display_with_separators() {
        assert_eq!(
            Amount::from_cents(123_456_789).unwrap().to_string(),
            "1,234,567.89"
        );
        assert_eq!(Amount::from_cents(5).unwrap().to_string(), "0.05");
        assert_eq!(decimal_string(123_456_789), "1234567.89");
        assert_eq!(decimal_string(-150), "-1.50");
    }

    proptest! {
        #[test]
        fn display_and_decimal_strings_parse_back(cents in 0i64..=Amount::MAX_CENTS) {
            let amount = Amount::from_cents(cents).unwrap();
            prop_assert_eq!(Amount::parse(&amount.to_string()), Ok(amount));
            prop_assert_eq!(Amount::parse(&decimal_string(cents)), Ok(amount));
        }

        #[test]
        fn parsing_never_panics(text in "\\PC{0,30}") {
            if let Ok(amount) = Amount::parse(&text) {
                prop_assert!(amount.cents() >= 0 && amount.cents() <= Amount::MAX_CENTS);
            }
        }
    }
}
