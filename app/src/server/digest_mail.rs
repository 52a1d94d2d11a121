//! The digest as an email: a subject, a plain-text part, and an HTML part built for mail
//! clients (tables, inline styles, no images, no scripts).

use std::fmt::Write;

use super::digest::{Digest, GoalMark, RepDay};
use crate::domain::goal::PaceStatus;
use crate::domain::money::Amount;

/// A digest ready to send or to keep in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub fn render(digest: &Digest) -> Rendered {
    let subject = format!(
        "{} · daily digest for {}",
        digest.workspace,
        digest.day.format("%a %-d %b %Y")
    );
    Rendered {
        text: text(digest),
        html: html(digest, &subject),
        subject,
    }
}

fn money(cents: i64, currency: &str) -> String {
    let amount =
        Amount::from_cents(cents.max(0)).map_or_else(|| cents.to_string(), |a| a.to_string());
    format!("{amount} {currency}")
}

fn heading(digest: &Digest) -> String {
    let whose = if digest.own_only {
        "Your day".to_string()
    } else {
        match &digest.segment {
            Some(segment) => format!("Your team ({segment})"),
            None => "Your team".to_string(),
        }
    };
    format!("{whose} on {}", digest.day.format("%A %-d %B %Y"))
}

/// "3 leads created, 1 won (1,200.00 EUR), 2 lost or cancelled (300.00 EUR)".
fn leads_line(rep: &RepDay, currency: &str) -> String {
    let mut line = format!("{} leads created, {} won", rep.leads_created, rep.won);
    if rep.won > 0 {
        line.push_str(&format!(" ({})", money(rep.won_cents, currency)));
    }
    line.push_str(&format!(", {} lost or cancelled", rep.lost));
    if rep.lost > 0 {
        line.push_str(&format!(" ({})", money(rep.lost_cents, currency)));
    }
    line
}

fn mark_text(mark: &GoalMark) -> String {
    format!(
        "{} {} ({})",
        mark.title,
        mark.figures(),
        mark.pace.status.label()
    )
}

fn activities_text(digest: &Digest, rep: &RepDay) -> String {
    if rep.activities_total == 0 {
        return "no activities".into();
    }
    let parts: Vec<String> = digest
        .columns
        .iter()
        .zip(&rep.activities)
        .filter(|(_, n)| **n > 0)
        .map(|(c, n)| format!("{} {n}", c.label))
        .collect();
    format!("{} ({} in all)", parts.join(", "), rep.activities_total)
}

fn text(digest: &Digest) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", digest.workspace);
    let _ = writeln!(out, "{}", heading(digest));
    if !digest.working_day {
        let _ = writeln!(out, "(not a working day)");
    }
    let _ = writeln!(out);
    let total = digest.totals();
    if !digest.own_only {
        let _ = writeln!(out, "SUMMARY");
        let _ = writeln!(
            out,
            "Team: {} activities; {}",
            total.activities_total,
            leads_line(&total, &digest.currency)
        );
        if !digest.team_goals.is_empty() {
            let _ = writeln!(out, "Against the day's goals:");
            for mark in &digest.team_goals {
                let _ = writeln!(out, "  - {}", mark_text(mark));
            }
        }
        if let Some((name, score)) = &digest.best {
            let _ = writeln!(out, "Best against their goals: {name} ({score} %)");
        }
        if let Some((name, score)) = &digest.lowest {
            let _ = writeln!(out, "Lowest against their goals: {name} ({score} %)");
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "PER REP");
    }
    if digest.reps.is_empty() {
        let _ = writeln!(out, "No one to report on.");
    }
    for rep in &digest.reps {
        let _ = writeln!(out, "{}", rep.name);
        let _ = writeln!(out, "  Activities: {}", activities_text(digest, rep));
        let _ = writeln!(out, "  Leads: {}", leads_line(rep, &digest.currency));
        if !rep.day_goals.is_empty() {
            let marks: Vec<String> = rep.day_goals.iter().map(mark_text).collect();
            let _ = writeln!(out, "  Day goals: {}", marks.join("; "));
        }
        if !rep.week_goals.is_empty() {
            let marks: Vec<String> = rep.week_goals.iter().map(mark_text).collect();
            let _ = writeln!(out, "  Week so far: {}", marks.join("; "));
        }
    }
    if let Some(link) = digest.report_link() {
        let _ = writeln!(out);
        let _ = writeln!(out, "The day's report: {link}");
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "You receive this because the morning digest is on in your Cadence account."
    );
    out
}

pub(crate) use crate::domain::text::html_escaped as esc;

const CELL: &str =
    "padding:6px 8px;border-bottom:1px solid #e5e7eb;text-align:right;white-space:nowrap";
const NAME_CELL: &str = "padding:6px 8px;border-bottom:1px solid #e5e7eb;text-align:left";
const HEAD: &str = "padding:6px 8px;border-bottom:2px solid #d1d5db;font-weight:600;color:#374151;text-align:right";

fn status_colour(status: PaceStatus) -> &'static str {
    match status {
        PaceStatus::Met | PaceStatus::Ahead => "#15803d",
        PaceStatus::OnTrack | PaceStatus::Upcoming => "#1d4ed8",
        PaceStatus::Behind | PaceStatus::Missed => "#b91c1c",
    }
}

fn mark_html(mark: &GoalMark) -> String {
    format!(
        "{} <strong>{}</strong> <span style=\"color:{};font-weight:600\">{}</span>",
        esc(&mark.title),
        esc(&mark.figures()),
        status_colour(mark.pace.status),
        mark.pace.status.label()
    )
}

fn rep_row(out: &mut String, digest: &Digest, rep: &RepDay, total: bool) {
    let weight = if total { "font-weight:600;" } else { "" };
    let _ = write!(
        out,
        "<tr><td style=\"{weight}{NAME_CELL}\">{}</td>",
        esc(&rep.name)
    );
    for n in &rep.activities {
        let _ = write!(out, "<td style=\"{weight}{CELL}\">{n}</td>");
    }
    let _ = write!(
        out,
        "<td style=\"{weight}{CELL}\">{}</td><td style=\"{weight}{CELL}\">{}</td>\
         <td style=\"{weight}{CELL}\">{}</td><td style=\"{weight}{CELL}\">{}</td>\
         <td style=\"{weight}{CELL}\">{}</td><td style=\"{weight}{CELL}\">{}</td></tr>",
        rep.activities_total,
        rep.leads_created,
        rep.won,
        esc(&money(rep.won_cents, &digest.currency)),
        rep.lost,
        esc(&money(rep.lost_cents, &digest.currency)),
    );
}

fn html(digest: &Digest, subject: &str) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{}</title></head>\
         <body style=\"margin:0;padding:0;background:#f3f4f6\">\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" \
         style=\"background:#f3f4f6\"><tr><td align=\"center\" style=\"padding:16px\">\
         <table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" \
         style=\"max-width:720px;width:100%;background:#ffffff;border-radius:8px;\
         font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#111827\">\
         <tr><td style=\"padding:20px 24px 8px\">\
         <div style=\"font-size:12px;color:#6b7280;text-transform:uppercase;letter-spacing:.05em\">{}</div>\
         <h1 style=\"margin:4px 0 0;font-size:20px\">{}</h1>",
        esc(subject),
        esc(&digest.workspace),
        esc(&heading(digest)),
    );
    if !digest.working_day {
        let _ = write!(
            out,
            "<div style=\"color:#6b7280;margin-top:4px\">Not a working day.</div>"
        );
    }
    let _ = write!(out, "</td></tr>");
    let total = digest.totals();
    if !digest.own_only {
        let _ = write!(
            out,
            "<tr><td style=\"padding:8px 24px\"><p style=\"margin:8px 0\"><strong>{}</strong> activities; {}.</p>",
            total.activities_total,
            esc(&leads_line(&total, &digest.currency))
        );
        if !digest.team_goals.is_empty() {
            let _ = write!(
                out,
                "<p style=\"margin:8px 0 4px;font-weight:600\">Against the day's goals</p><ul style=\"margin:0;padding-left:20px\">"
            );
            for mark in &digest.team_goals {
                let _ = write!(out, "<li style=\"margin:2px 0\">{}</li>", mark_html(mark));
            }
            let _ = write!(out, "</ul>");
        }
        if let Some((name, score)) = &digest.best {
            let _ = write!(
                out,
                "<p style=\"margin:8px 0 0\">Best against their goals: <strong>{}</strong> ({score} %)</p>",
                esc(name)
            );
        }
        if let Some((name, score)) = &digest.lowest {
            let _ = write!(
                out,
                "<p style=\"margin:4px 0 0\">Lowest against their goals: <strong>{}</strong> ({score} %)</p>",
                esc(name)
            );
        }
        let _ = write!(out, "</td></tr>");
    }
    // The numbers per rep.
    let _ = write!(
        out,
        "<tr><td style=\"padding:8px 24px\"><table class=\"reps\" cellpadding=\"0\" cellspacing=\"0\" \
         style=\"border-collapse:collapse;width:100%;font-size:13px\"><tr><th style=\"{HEAD};text-align:left\">Rep</th>"
    );
    for column in &digest.columns {
        let _ = write!(out, "<th style=\"{HEAD}\">{}</th>", esc(&column.label));
    }
    let _ = write!(
        out,
        "<th style=\"{HEAD}\">Activities</th><th style=\"{HEAD}\">Leads created</th>\
         <th style=\"{HEAD}\">Won</th><th style=\"{HEAD}\">Amount won</th>\
         <th style=\"{HEAD}\">Lost</th><th style=\"{HEAD}\">Amount lost</th></tr>"
    );
    for rep in &digest.reps {
        rep_row(&mut out, digest, rep, false);
    }
    if digest.reps.len() > 1 {
        rep_row(&mut out, digest, &total, true);
    }
    let _ = write!(out, "</table></td></tr>");
    // Goals per rep.
    let with_goals: Vec<&RepDay> = digest
        .reps
        .iter()
        .filter(|r| !r.day_goals.is_empty() || !r.week_goals.is_empty())
        .collect();
    if !with_goals.is_empty() {
        let _ = write!(
            out,
            "<tr><td style=\"padding:8px 24px\"><p style=\"margin:8px 0 4px;font-weight:600\">Goals</p>"
        );
        for rep in with_goals {
            let _ = write!(
                out,
                "<p style=\"margin:8px 0 2px\"><strong>{}</strong></p><ul style=\"margin:0;padding-left:20px\">",
                esc(&rep.name)
            );
            for mark in &rep.day_goals {
                let _ = write!(
                    out,
                    "<li style=\"margin:2px 0\">Day: {}</li>",
                    mark_html(mark)
                );
            }
            for mark in &rep.week_goals {
                let _ = write!(
                    out,
                    "<li style=\"margin:2px 0\">Week so far: {}</li>",
                    mark_html(mark)
                );
            }
            let _ = write!(out, "</ul>");
        }
        let _ = write!(out, "</td></tr>");
    }
    if let Some(link) = digest.report_link() {
        let _ = write!(
            out,
            "<tr><td style=\"padding:8px 24px\"><a href=\"{}\" style=\"display:inline-block;padding:8px 14px;\
             background:#1d4ed8;color:#ffffff;text-decoration:none;border-radius:6px\">Open the day's report</a></td></tr>",
            esc(&link)
        );
    }
    let _ = write!(
        out,
        "<tr><td style=\"padding:16px 24px 20px;color:#6b7280;font-size:12px\">\
         You receive this because the morning digest is on in your Cadence account.</td></tr>\
         </table></td></tr></table></body></html>"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::goal::{GoalKind, Pace};
    use crate::reports::api::ActivityColumn;
    use chrono::NaiveDate;

    fn rep(name: &str, calls: i64, won_cents: i64) -> RepDay {
        RepDay {
            user_id: 1,
            name: name.into(),
            activities: vec![calls],
            activities_total: calls,
            leads_created: 1,
            won: i64::from(won_cents > 0),
            won_cents,
            lost: 0,
            lost_cents: 0,
            day_goals: vec![GoalMark {
                title: "Call".into(),
                kind: GoalKind::Activities,
                pace: Pace::at(calls, 10, 1.0),
            }],
            week_goals: Vec::new(),
            attainment: Some(calls * 10),
        }
    }

    fn digest() -> Digest {
        Digest {
            workspace: "Acme <Sales>".into(),
            currency: "EUR".into(),
            day: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
            recipient_id: 9,
            recipient_name: "Mia".into(),
            recipient_email: "mia@example.com".into(),
            own_only: false,
            segment: None,
            working_day: true,
            columns: vec![ActivityColumn {
                type_id: 1,
                outcome_id: None,
                label: "Call · no outcome".into(),
            }],
            reps: vec![rep("Ann & Co", 12, 150_000), rep("Bob", 4, 0)],
            team_goals: Vec::new(),
            best: Some(("Ann & Co".into(), 120)),
            lowest: Some(("Bob".into(), 40)),
            base_url: "https://crm.example.com".into(),
        }
    }

    #[test]
    fn both_parts_carry_the_numbers_and_the_html_is_escaped() {
        let mail = render(&digest());
        assert_eq!(
            mail.subject,
            "Acme <Sales> · daily digest for Thu 26 Nov 2026"
        );
        assert!(mail
            .text
            .contains("Team: 16 activities; 2 leads created, 1 won (1,500.00 EUR)"));
        assert!(mail.text.contains("Call 12 / 10 (Met)"));
        assert!(mail.text.contains("Call 4 / 10 (Missed)"));
        assert!(mail
            .text
            .contains("Best against their goals: Ann & Co (120 %)"));
        assert!(mail.text.contains(
            "https://crm.example.com/reports/team-activity?range=custom&from=2026-11-26&to=2026-11-26"
        ));
        assert!(mail.html.contains("Acme &lt;Sales&gt;"));
        assert!(mail.html.contains("Ann &amp; Co"));
        assert!(!mail.html.contains("<script"));
        assert!(!mail.html.contains("<img"));
        assert!(!mail.html.contains("<link"));
    }

    #[test]
    fn a_members_own_summary_has_no_team_summary() {
        let mut own = digest();
        own.own_only = true;
        own.reps.truncate(1);
        let mail = render(&own);
        assert!(mail
            .text
            .starts_with("Acme <Sales>\nYour day on Thursday 26 November 2026"));
        assert!(!mail.text.contains("SUMMARY"));
        assert!(!mail.html.contains("Best against"));
    }
}
