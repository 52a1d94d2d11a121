//! Lead rules: statuses, what a change records in the history, and who may change a lead.

use serde::{Deserialize, Serialize};

use super::access::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = "active"))]
#[serde(rename_all = "lowercase")]
pub enum LeadStatus {
    Active,
    Standby,
    Won,
    Lost,
    Cancelled,
}

impl LeadStatus {
    pub const ALL: [LeadStatus; 5] = [
        LeadStatus::Active,
        LeadStatus::Standby,
        LeadStatus::Won,
        LeadStatus::Lost,
        LeadStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::Active => "active",
            LeadStatus::Standby => "standby",
            LeadStatus::Won => "won",
            LeadStatus::Lost => "lost",
            LeadStatus::Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LeadStatus::Active => "Active",
            LeadStatus::Standby => "Standby",
            LeadStatus::Won => "Won",
            LeadStatus::Lost => "Lost",
            LeadStatus::Cancelled => "Cancelled",
        }
    }

    pub fn parse(text: &str) -> Result<LeadStatus, String> {
        LeadStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text.trim().to_ascii_lowercase())
            .ok_or_else(|| "Choose active, standby, won, lost or cancelled.".to_string())
    }

    /// Won, lost and cancelled leads are closed: they leave the board.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            LeadStatus::Won | LeadStatus::Lost | LeadStatus::Cancelled
        )
    }

    /// On the board: active and standby leads.
    pub fn is_open(self) -> bool {
        !self.is_closed()
    }
}

/// Where a lead is: its step and status. A change of either is one history entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub pipeline_id: i32,
    pub step_id: i32,
    pub status: LeadStatus,
}

/// The history entry a change from `before` to `after` records; `None` when neither the step
/// nor the status changed. A new lead (`before` = `None`) always records its entry.
pub fn history_entry(
    before: Option<Position>,
    after: Position,
) -> Option<(Option<Position>, Position)> {
    match before {
        Some(b)
            if b.step_id == after.step_id
                && b.status == after.status
                && b.pipeline_id == after.pipeline_id =>
        {
            None
        }
        _ => Some((before, after)),
    }
}

/// Whether a history entry from `before` to `after` is a closing that reports count: a change
/// of status into won, lost or cancelled (a lead created closed included). Any later change of
/// status takes that mark away from the earlier entry (reopened, or closed another way).
pub fn is_closing(before: Option<LeadStatus>, after: LeadStatus) -> bool {
    before != Some(after) && after.is_closed()
}

/// Whether `closed_at` must be set (closing), cleared (reopening) or kept by a status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosedAt {
    Set,
    Clear,
    Keep,
}

pub fn closed_at_change(before: LeadStatus, after: LeadStatus) -> ClosedAt {
    match (before.is_closed(), after.is_closed()) {
        (_, true) if before != after => ClosedAt::Set,
        (true, false) => ClosedAt::Clear,
        _ => ClosedAt::Keep,
    }
}

/// Members edit their own leads and read the others; managers and admins edit all.
pub fn may_edit_lead(role: Role, actor_id: i32, owner_id: i32) -> bool {
    role != Role::Member || actor_id == owner_id
}

/// Only managers and admins delete leads or give them to someone else.
pub fn may_delete_or_reassign(role: Role) -> bool {
    role != Role::Member
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(step_id: i32, status: LeadStatus) -> Position {
        Position {
            pipeline_id: 1,
            step_id,
            status,
        }
    }

    #[test]
    fn a_move_or_a_status_change_is_recorded_and_nothing_else() {
        assert!(history_entry(None, at(1, LeadStatus::Active)).is_some());
        assert!(
            history_entry(Some(at(1, LeadStatus::Active)), at(2, LeadStatus::Active)).is_some()
        );
        assert!(history_entry(Some(at(1, LeadStatus::Active)), at(1, LeadStatus::Won)).is_some());
        assert!(
            history_entry(Some(at(1, LeadStatus::Active)), at(1, LeadStatus::Active)).is_none()
        );
    }

    #[test]
    fn closing_sets_and_reopening_clears_the_close_time() {
        assert_eq!(
            closed_at_change(LeadStatus::Active, LeadStatus::Won),
            ClosedAt::Set
        );
        assert_eq!(
            closed_at_change(LeadStatus::Won, LeadStatus::Lost),
            ClosedAt::Set
        );
        assert_eq!(
            closed_at_change(LeadStatus::Lost, LeadStatus::Active),
            ClosedAt::Clear
        );
        assert_eq!(
            closed_at_change(LeadStatus::Active, LeadStatus::Standby),
            ClosedAt::Keep
        );
        assert_eq!(
            closed_at_change(LeadStatus::Won, LeadStatus::Won),
            ClosedAt::Keep
        );
    }

    #[test]
    fn members_edit_only_their_own_leads() {
        assert!(may_edit_lead(Role::Member, 7, 7));
        assert!(!may_edit_lead(Role::Member, 7, 8));
        assert!(may_edit_lead(Role::Manager, 7, 8));
        assert!(may_edit_lead(Role::Admin, 7, 8));
        assert!(!may_delete_or_reassign(Role::Member));
        assert!(may_delete_or_reassign(Role::Manager));
    }

    proptest! {
        #[test]
        fn statuses_round_trip_and_closed_ones_leave_the_board(i in 0usize..5) {
            let status = LeadStatus::ALL[i];
            prop_assert_eq!(LeadStatus::parse(status.as_str()), Ok(status));
            prop_assert_eq!(status.is_open(), matches!(status, LeadStatus::Active | LeadStatus::Standby));
        }

        #[test]
        fn an_entry_is_recorded_exactly_when_something_changed(a in 1i32..4, b in 1i32..4, s in 0usize..5, t in 0usize..5) {
            let before = at(a, LeadStatus::ALL[s]);
            let after = at(b, LeadStatus::ALL[t]);
            prop_assert_eq!(history_entry(Some(before), after).is_some(), a != b || s != t);
        }
    }
}
