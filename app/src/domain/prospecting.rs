//! Prospecting rules: column kinds and cell checks, prospect statuses, who works which row,
//! CSV dialect detection, import mappings, conversion of a row into a lead's contact, and the
//! answers a sales script accepts.

use serde::{Deserialize, Serialize};

use super::text::shorten;
use super::validate::Email;
use super::Role;

/// Longest cell, in characters.
pub const CELL_MAX: usize = 1_000;
/// Most columns in one list.
pub const COLUMNS_MAX: usize = 50;

/// What a list column holds. Email cells must be addresses; the kinds other than text also say
/// where a converted prospect's cells go on the lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = "company"))]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    Text,
    Company,
    Person,
    Email,
    Phone,
}

impl ColumnKind {
    pub const ALL: [ColumnKind; 5] = [
        ColumnKind::Text,
        ColumnKind::Company,
        ColumnKind::Person,
        ColumnKind::Email,
        ColumnKind::Phone,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ColumnKind::Text => "text",
            ColumnKind::Company => "company",
            ColumnKind::Person => "person",
            ColumnKind::Email => "email",
            ColumnKind::Phone => "phone",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ColumnKind::Text => "Text",
            ColumnKind::Company => "Company",
            ColumnKind::Person => "Contact name",
            ColumnKind::Email => "Email",
            ColumnKind::Phone => "Phone",
        }
    }

    pub fn parse(text: &str) -> Result<ColumnKind, String> {
        let text = text.trim().to_ascii_lowercase();
        ColumnKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
            .ok_or_else(|| "Choose text, company, person, email or phone.".to_string())
    }

    /// The kind a column named `name` most likely has (for a new column from a CSV header).
    pub fn guess(name: &str) -> ColumnKind {
        let name = name.trim().to_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
        if has(&["mail"]) {
            ColumnKind::Email
        } else if has(&["phone", "tel", "mobile", "cell"]) {
            ColumnKind::Phone
        } else if has(&[
            "company",
            "organisation",
            "organization",
            "business",
            "account",
        ]) {
            ColumnKind::Company
        } else if has(&["name", "contact", "person"]) {
            ColumnKind::Person
        } else {
            ColumnKind::Text
        }
    }
}

/// A cell as it will be stored: trimmed, at most `CELL_MAX` characters, an address in an email
/// column (or empty).
pub fn check_cell(kind: ColumnKind, text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.chars().count() > CELL_MAX {
        return Err(format!("A cell holds at most {CELL_MAX} characters."));
    }
    if kind == ColumnKind::Email && !text.is_empty() {
        return Email::parse(text)
            .map(Email::into_inner)
            .map_err(|_| format!("\"{}\" is not an email address.", shorten(text, 60)));
    }
    Ok(text.to_string())
}

/// A column name as stored: trimmed, 1 to 60 characters.
pub fn parse_column_name(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Name the column.".into());
    }
    if text.chars().count() > 60 {
        return Err("A column name has at most 60 characters.".into());
    }
    Ok(text.to_string())
}

/// A list or script name as stored: trimmed, 1 to 100 characters.
pub fn parse_title(text: &str, what: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("Name the {what}."));
    }
    if text.chars().count() > 100 {
        return Err(format!("A {what} name has at most 100 characters."));
    }
    Ok(text.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = "in_progress"))]
#[serde(rename_all = "snake_case")]
pub enum ProspectStatus {
    /// Not contacted yet.
    New,
    InProgress,
    Converted,
    Disqualified,
}

impl ProspectStatus {
    pub const ALL: [ProspectStatus; 4] = [
        ProspectStatus::New,
        ProspectStatus::InProgress,
        ProspectStatus::Converted,
        ProspectStatus::Disqualified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProspectStatus::New => "new",
            ProspectStatus::InProgress => "in_progress",
            ProspectStatus::Converted => "converted",
            ProspectStatus::Disqualified => "disqualified",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ProspectStatus::New => "Not contacted",
            ProspectStatus::InProgress => "In progress",
            ProspectStatus::Converted => "Converted",
            ProspectStatus::Disqualified => "Disqualified",
        }
    }

    pub fn parse(text: &str) -> Result<ProspectStatus, String> {
        let text = text.trim();
        ProspectStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| "Choose new, in_progress, converted or disqualified.".to_string())
    }

    /// Converted and disqualified prospects are done with: no more conversion or disqualifying.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            ProspectStatus::Converted | ProspectStatus::Disqualified
        )
    }
}

/// Whether this user sees and works a row: managers and admins all rows; members the rows
/// assigned to them, and unassigned rows when the list shows them.
pub fn may_work_prospect(
    role: Role,
    actor_id: i32,
    assigned_to: Option<i32>,
    show_unassigned: bool,
) -> bool {
    match role {
        Role::Admin | Role::Manager => true,
        Role::Member => match assigned_to {
            Some(user) => user == actor_id,
            None => show_unassigned,
        },
    }
}

// ---------------------------------------------------------------------------------------
// CSV

/// The byte order mark some programs put at the start of UTF-8 files.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

pub const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];

pub fn delimiter_label(delimiter: u8) -> &'static str {
    match delimiter {
        b';' => "Semicolon",
        b'\t' => "Tab",
        _ => "Comma",
    }
}

/// `,` `;` or `\t` (also spelt `comma`, `semicolon`, `tab`).
pub fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "," | "comma" => Ok(b','),
        ";" | "semicolon" => Ok(b';'),
        "\t" | "tab" | "\\t" => Ok(b'\t'),
        _ => Err("Choose comma, semicolon or tab.".into()),
    }
}

/// Which of comma, semicolon and tab separates the fields of `sample` (the start of a file).
/// Counts each candidate per record, outside quotes, over the first complete records; the one
/// found the same number of times (at least once) in the most records wins, then the one
/// found most often. Comma when nothing tells.
pub fn detect_delimiter(sample: &[u8]) -> u8 {
    let sample = strip_bom(sample);
    // Per candidate, its count in each record.
    let mut counts: [Vec<usize>; 3] = Default::default();
    let mut current = [0usize; 3];
    let mut quoted = false;
    let mut records = 0;
    let mut i = 0;
    while i < sample.len() && records < 50 {
        let byte = sample[i];
        if byte == b'"' {
            if quoted && sample.get(i + 1) == Some(&b'"') {
                i += 2;
                continue;
            }
            quoted = !quoted;
        } else if !quoted {
            if byte == b'\n' {
                for (c, n) in current.iter_mut().enumerate() {
                    counts[c].push(*n);
                    *n = 0;
                }
                records += 1;
            } else if let Some(c) = DELIMITERS.iter().position(|d| *d == byte) {
                current[c] += 1;
            }
        }
        i += 1;
    }
    if records == 0 {
        // One line without its end: judge it alone.
        for (c, n) in current.iter().enumerate() {
            counts[c].push(*n);
        }
    }
    let mut best = (0usize, 0usize, b',');
    for (c, per_record) in counts.iter().enumerate() {
        // The most common non-zero count, and how many records have it.
        let mut tally: Vec<(usize, usize)> = Vec::new();
        for n in per_record.iter().copied().filter(|n| *n > 0) {
            match tally.iter_mut().find(|(value, _)| *value == n) {
                Some((_, times)) => *times += 1,
                None => tally.push((n, 1)),
            }
        }
        if let Some((value, times)) = tally.into_iter().max_by_key(|(v, t)| (*t, *v)) {
            if (times, value) > (best.0, best.1) {
                best = (times, value, DELIMITERS[c]);
            }
        }
    }
    best.2
}

/// Where one CSV column goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "new": {"name": "Industry", "kind": "text"}
})))]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// Not imported.
    Skip,
    /// Into this existing column of the list.
    Column(i32),
    /// Into a new column, created by the import.
    New { name: String, kind: ColumnKind },
}

/// The mapping a user would most likely choose: each header to the list column of the same
/// name (ignoring case), else to a new column of that name, of the kind its name suggests;
/// unnamed headers are skipped, and no list column takes two CSV columns.
pub fn guess_mapping(headers: &[String], columns: &[(i32, String)]) -> Vec<Target> {
    let mut taken: Vec<i32> = Vec::new();
    // A new column may not take the name of an existing one.
    let mut new_names: Vec<String> = columns
        .iter()
        .map(|(_, c)| c.trim().to_lowercase())
        .collect();
    headers
        .iter()
        .map(|header| {
            let name = header.trim();
            if name.is_empty() {
                return Target::Skip;
            }
            if let Some((id, _)) = columns
                .iter()
                .find(|(id, c)| c.trim().eq_ignore_ascii_case(name) && !taken.contains(id))
            {
                taken.push(*id);
                return Target::Column(*id);
            }
            let lower = name.to_lowercase();
            if new_names.contains(&lower) {
                return Target::Skip;
            }
            new_names.push(lower);
            Target::New {
                name: shorten(name, 60),
                kind: ColumnKind::guess(name),
            }
        })
        .collect()
}

/// Checks a mapping against the CSV's width and the list's columns: one target per CSV column,
/// existing columns at most once, new names valid and not clashing, something imported.
pub fn check_mapping(
    mapping: &[Target],
    width: usize,
    columns: &[(i32, String)],
) -> Result<(), String> {
    if mapping.len() != width {
        return Err(format!(
            "The mapping has {} entries but the file has {width} columns.",
            mapping.len()
        ));
    }
    let mut used: Vec<i32> = Vec::new();
    let mut names: Vec<String> = columns.iter().map(|(_, n)| n.to_lowercase()).collect();
    for target in mapping {
        match target {
            Target::Skip => {}
            Target::Column(id) => {
                if !columns.iter().any(|(c, _)| c == id) {
                    return Err("A mapped column does not belong to this list.".into());
                }
                if used.contains(id) {
                    return Err("Two CSV columns go into the same list column.".into());
                }
                used.push(*id);
            }
            Target::New { name, .. } => {
                let name = parse_column_name(name)?;
                if names.contains(&name.to_lowercase()) {
                    return Err(format!("There is already a column named \"{name}\"."));
                }
                names.push(name.to_lowercase());
            }
        }
    }
    if mapping.iter().all(|t| *t == Target::Skip) {
        return Err("Map at least one column.".into());
    }
    if names.len() > COLUMNS_MAX {
        return Err(format!("A list has at most {COLUMNS_MAX} columns."));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Conversion

/// A prospect's contact, as its lead gets it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    pub company: String,
    pub person: String,
    pub email: String,
    pub phone: String,
}

impl Contact {
    /// The first non-empty cell of each kind, in column order.
    pub fn of<'a>(cells: impl IntoIterator<Item = (ColumnKind, &'a str)>) -> Contact {
        let mut contact = Contact::default();
        for (kind, value) in cells {
            let value = value.trim();
            let slot = match kind {
                ColumnKind::Company => &mut contact.company,
                ColumnKind::Person => &mut contact.person,
                ColumnKind::Email => &mut contact.email,
                ColumnKind::Phone => &mut contact.phone,
                ColumnKind::Text => continue,
            };
            if slot.is_empty() {
                *slot = value.to_string();
            }
        }
        contact
    }

    /// The title a lead made from this contact gets: the company, else the person, else the
    /// email, else `fallback`.
    pub fn title(&self, fallback: &str) -> String {
        [&self.company, &self.person, &self.email]
            .into_iter()
            .find(|v| !v.is_empty())
            .map(|v| shorten(v, 200))
            .unwrap_or_else(|| fallback.to_string())
    }
}

/// A prospect's name in lists and the feed: its first two non-empty cells.
pub fn prospect_label<'a>(values: impl IntoIterator<Item = &'a str>, id: i32) -> String {
    let parts: Vec<&str> = values
        .into_iter()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .take(2)
        .collect();
    if parts.is_empty() {
        format!("Prospect #{id}")
    } else {
        shorten(&parts.join(" · "), 120)
    }
}

// ---------------------------------------------------------------------------------------
// Scripts

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = "single"))]
#[serde(rename_all = "lowercase")]
pub enum QuestionKind {
    /// Free text.
    Text,
    /// One of the options.
    Single,
    /// Any of the options.
    Multiple,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 3] = [
        QuestionKind::Text,
        QuestionKind::Single,
        QuestionKind::Multiple,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Text => "text",
            QuestionKind::Single => "single",
            QuestionKind::Multiple => "multiple",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            QuestionKind::Text => "Free text",
            QuestionKind::Single => "Single choice",
            QuestionKind::Multiple => "Multiple choice",
        }
    }

    pub fn parse(text: &str) -> Result<QuestionKind, String> {
        let text = text.trim();
        QuestionKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
            .ok_or_else(|| "Choose text, single or multiple.".to_string())
    }
}

/// The options of a choice question as stored: trimmed, non-empty, distinct, 2 to 30 of them;
/// free-text questions have none.
pub fn check_options(kind: QuestionKind, options: &[String]) -> Result<Vec<String>, String> {
    if kind == QuestionKind::Text {
        return Ok(Vec::new());
    }
    let mut out: Vec<String> = Vec::new();
    for option in options {
        let option = option.trim();
        if option.is_empty() {
            continue;
        }
        if option.chars().count() > 200 {
            return Err("An option has at most 200 characters.".into());
        }
        if out.iter().any(|o| o.eq_ignore_ascii_case(option)) {
            return Err(format!("\"{option}\" is there twice."));
        }
        out.push(option.to_string());
    }
    if out.len() < 2 {
        return Err("A choice question needs at least two options.".into());
    }
    if out.len() > 30 {
        return Err("A question has at most 30 options.".into());
    }
    Ok(out)
}

/// An answer as stored: free text up to 5,000 characters, one of the options, or some of them
/// (in the options' order). Empty answers are allowed while the call goes on.
pub fn check_answer(
    kind: QuestionKind,
    options: &[String],
    picked: &[String],
) -> Result<Vec<String>, String> {
    match kind {
        QuestionKind::Text => {
            let text = picked.join("\n");
            if text.chars().count() > 5_000 {
                return Err("An answer has at most 5,000 characters.".into());
            }
            Ok(if text.trim().is_empty() {
                Vec::new()
            } else {
                vec![text]
            })
        }
        QuestionKind::Single | QuestionKind::Multiple => {
            let picked: Vec<&String> = picked.iter().filter(|p| !p.trim().is_empty()).collect();
            if let Some(unknown) = picked.iter().find(|p| !options.contains(p)) {
                return Err(format!("\"{unknown}\" is not one of the options."));
            }
            if kind == QuestionKind::Single && picked.len() > 1 {
                return Err("Pick one option.".into());
            }
            Ok(options
                .iter()
                .filter(|o| picked.contains(o))
                .cloned()
                .collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn detects_the_delimiter() {
        assert_eq!(detect_delimiter(b"a,b,c\n1,2,3\n"), b',');
        assert_eq!(detect_delimiter(b"a;b;c\n1;2;3\n"), b';');
        assert_eq!(detect_delimiter(b"a\tb\tc\n1\t2\t3\n"), b'\t');
        // Commas inside quoted fields do not count; a BOM is ignored.
        assert_eq!(
            detect_delimiter(
                b"\xEF\xBB\xBFname;city\n\"Doe, John\";\"Paris, FR\"\n\"A, B, C\";X\n"
            ),
            b';'
        );
        // Quoted fields over several lines.
        assert_eq!(detect_delimiter(b"a;b\n\"line 1\nline, 2\";x\nc;d\n"), b';');
        // Consistency beats sheer number: one comma in every row against many in one.
        assert_eq!(
            detect_delimiter(b"name,note\nA,x;y;z;w\nB,ok\nC,fine\n"),
            b','
        );
        assert_eq!(detect_delimiter(b"single column\nno delimiter\n"), b',');
        assert_eq!(detect_delimiter(b"a;b;c"), b';');
        assert_eq!(detect_delimiter(b""), b',');
    }

    #[test]
    fn cells_are_checked_by_kind() {
        assert_eq!(
            check_cell(ColumnKind::Email, " A@B.io "),
            Ok("a@b.io".into())
        );
        assert_eq!(check_cell(ColumnKind::Email, ""), Ok(String::new()));
        assert!(check_cell(ColumnKind::Email, "not an email").is_err());
        assert_eq!(check_cell(ColumnKind::Text, " x "), Ok("x".into()));
        assert!(check_cell(ColumnKind::Text, &"x".repeat(CELL_MAX + 1)).is_err());
    }

    #[test]
    fn guesses_a_mapping_from_headers() {
        let columns = vec![(1, "Company".to_string()), (2, "Email".to_string())];
        let headers: Vec<String> = ["company", "E-mail address", "Phone", "", "City", "Company"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mapping = guess_mapping(&headers, &columns);
        assert_eq!(mapping[0], Target::Column(1));
        assert_eq!(
            mapping[1],
            Target::New {
                name: "E-mail address".into(),
                kind: ColumnKind::Email
            }
        );
        assert_eq!(
            mapping[2],
            Target::New {
                name: "Phone".into(),
                kind: ColumnKind::Phone
            }
        );
        assert_eq!(mapping[3], Target::Skip);
        assert_eq!(
            mapping[4],
            Target::New {
                name: "City".into(),
                kind: ColumnKind::Text
            }
        );
        // "Company" is already taken by the first CSV column: a new column of that name
        // would clash, so it is skipped.
        assert_eq!(mapping[5], Target::Skip);
        assert_eq!(check_mapping(&mapping, 6, &columns), Ok(()));
    }

    #[test]
    fn bad_mappings_are_refused() {
        let columns = vec![(1, "Company".to_string())];
        assert!(check_mapping(&[Target::Column(1)], 2, &columns).is_err());
        assert!(check_mapping(&[Target::Column(1), Target::Column(1)], 2, &columns).is_err());
        assert!(check_mapping(&[Target::Column(9)], 1, &columns).is_err());
        assert!(check_mapping(&[Target::Skip], 1, &columns).is_err());
        let clash = Target::New {
            name: "company".into(),
            kind: ColumnKind::Text,
        };
        assert!(check_mapping(&[clash], 1, &columns).is_err());
    }

    #[test]
    fn conversion_takes_the_first_cell_of_each_kind() {
        let contact = Contact::of([
            (ColumnKind::Text, "Paris"),
            (ColumnKind::Person, "  "),
            (ColumnKind::Company, "Acme"),
            (ColumnKind::Person, "Jane Roe"),
            (ColumnKind::Company, "Other"),
            (ColumnKind::Email, "jane@acme.io"),
        ]);
        assert_eq!(contact.company, "Acme");
        assert_eq!(contact.person, "Jane Roe");
        assert_eq!(contact.email, "jane@acme.io");
        assert_eq!(contact.phone, "");
        assert_eq!(contact.title("Prospect #3"), "Acme");
        assert_eq!(Contact::default().title("Prospect #3"), "Prospect #3");
        assert_eq!(
            Contact {
                person: "Jo".into(),
                ..Default::default()
            }
            .title("x"),
            "Jo"
        );
    }

    #[test]
    fn members_work_their_rows_only() {
        assert!(may_work_prospect(Role::Member, 1, Some(1), false));
        assert!(!may_work_prospect(Role::Member, 1, Some(2), true));
        assert!(may_work_prospect(Role::Member, 1, None, true));
        assert!(!may_work_prospect(Role::Member, 1, None, false));
        assert!(may_work_prospect(Role::Manager, 1, Some(2), false));
        assert!(may_work_prospect(Role::Admin, 1, None, false));
    }

    #[test]
    fn answers_are_checked_against_the_options() {
        let options = vec!["Yes".to_string(), "No".to_string(), "Maybe".to_string()];
        let pick = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            check_answer(QuestionKind::Single, &options, &pick(&["No"])),
            Ok(pick(&["No"]))
        );
        assert!(check_answer(QuestionKind::Single, &options, &pick(&["No", "Yes"])).is_err());
        assert!(check_answer(QuestionKind::Single, &options, &pick(&["Perhaps"])).is_err());
        assert_eq!(
            check_answer(QuestionKind::Multiple, &options, &pick(&["Maybe", "Yes"])),
            Ok(pick(&["Yes", "Maybe"]))
        );
        assert_eq!(
            check_answer(QuestionKind::Text, &[], &pick(&["  "])),
            Ok(vec![])
        );
        assert!(check_options(QuestionKind::Single, &pick(&["One"])).is_err());
        assert!(check_options(QuestionKind::Single, &pick(&["A", "a"])).is_err());
        assert_eq!(check_options(QuestionKind::Text, &pick(&["A"])), Ok(vec![]));
    }

    proptest! {
        #[test]
        fn detection_never_panics_and_answers_a_candidate(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            prop_assert!(DELIMITERS.contains(&detect_delimiter(&bytes)));
        }

        #[test]
        fn a_regular_table_is_read_with_its_own_delimiter(
            d in 0usize..3,
            rows in 2usize..20,
            width in 2usize..8,
            cell in "[a-z ]{1,8}",
        ) {
            let delimiter = DELIMITERS[d] as char;
            let line = vec![cell.clone(); width].join(&delimiter.to_string());
            let text = vec![line; rows].join("\n") + "\n";
            prop_assert_eq!(detect_delimiter(text.as_bytes()), DELIMITERS[d]);
        }

        #[test]
        fn guessed_mappings_are_always_valid(headers in proptest::collection::vec("[A-Za-z ]{0,12}", 1..12)) {
            let columns = vec![(1, "Company".to_string()), (2, "Email".to_string())];
            let mapping = guess_mapping(&headers, &columns);
            prop_assert_eq!(mapping.len(), headers.len());
            if mapping.iter().any(|t| *t != Target::Skip) {
                prop_assert_eq!(check_mapping(&mapping, headers.len(), &columns), Ok(()));
            }
        }
    }
}
