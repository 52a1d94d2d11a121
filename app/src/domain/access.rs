//! The one place that decides "may this user do this?".

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = "member"))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Manager,
    Member,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Manager, Role::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Member => "member",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Manager => "Manager",
            Role::Member => "Member",
        }
    }

    pub fn parse(text: &str) -> Result<Role, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "manager" => Ok(Role::Manager),
            "member" => Ok(Role::Member),
            _ => Err("Choose admin, manager or member.".to_string()),
        }
    }
}

/// Everything a logged-in user may ask for. Each server function and API route names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read the team directory (names, roles, segments) and the workspace basics.
    ViewTeam,
    /// Change one's own password, time zone and API tokens.
    ManageOwnAccount,
    /// Create, edit and deactivate users.
    ManageUsers,
    /// Create, rename and delete segments.
    ManageSegments,
    /// Change the workspace settings.
    ManageWorkspace,
    /// Create, rename, reorder and delete pipelines and steps.
    ManagePipelines,
    /// Log activities, read timelines and the activity feed.
    LogActivities,
    /// Create, edit, reorder, deactivate and delete activity types and outcomes.
    ManageActivityTypes,
    /// Work prospects: see one's rows, edit their cells, log calls, answer scripts, convert
    /// and disqualify. Which rows: `domain::prospecting::may_work_prospect`.
    WorkProspects,
    /// Create, import, assign, edit and archive prospecting lists.
    ManageLists,
    /// Write sales scripts and attach them to lists and pipelines.
    ManageScripts,
    /// Set goals, see everyone's progress, and plan (the forecast planner).
    ManageGoals,
    /// Open the reports (members: the reports about themselves).
    ViewReports,
    /// See the reports about everyone, not only oneself.
    ViewTeamReports,
}

impl Action {
    pub const ALL: [Action; 14] = [
        Action::ViewTeam,
        Action::ManageOwnAccount,
        Action::ManageUsers,
        Action::ManageSegments,
        Action::ManageWorkspace,
        Action::ManagePipelines,
        Action::LogActivities,
        Action::ManageActivityTypes,
        Action::WorkProspects,
        Action::ManageLists,
        Action::ManageScripts,
        Action::ManageGoals,
        Action::ViewReports,
        Action::ViewTeamReports,
    ];
}

/// Whether `role` may perform `action`.
pub fn allows(role: Role, action: Action) -> bool {
    match action {
        Action::ViewTeam
        | Action::ManageOwnAccount
        | Action::LogActivities
        | Action::WorkProspects
        | Action::ViewReports => true,
        Action::ManageLists | Action::ManageGoals | Action::ViewTeamReports => {
            matches!(role, Role::Admin | Role::Manager)
        }
        Action::ManageUsers
        | Action::ManageScripts
        | Action::ManageSegments
        | Action::ManageWorkspace
        | Action::ManagePipelines
        | Action::ManageActivityTypes => role == Role::Admin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_may_do_everything() {
        assert!(Action::ALL.iter().all(|a| allows(Role::Admin, *a)));
    }

    #[test]
    fn members_and_managers_may_not_administer() {
        for role in [Role::Manager, Role::Member] {
            assert!(allows(role, Action::ViewTeam));
            assert!(allows(role, Action::ManageOwnAccount));
            assert!(!allows(role, Action::ManageUsers));
            assert!(!allows(role, Action::ManageSegments));
            assert!(!allows(role, Action::ManageWorkspace));
            assert!(!allows(role, Action::ManagePipelines));
            assert!(allows(role, Action::LogActivities));
            assert!(!allows(role, Action::ManageActivityTypes));
            assert!(allows(role, Action::WorkProspects));
            assert!(!allows(role, Action::ManageScripts));
        }
        assert!(allows(Role::Manager, Action::ManageLists));
        assert!(!allows(Role::Member, Action::ManageLists));
        assert!(allows(Role::Manager, Action::ManageGoals));
        assert!(!allows(Role::Member, Action::ManageGoals));
    }

    #[test]
    fn roles_round_trip_through_text() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
            assert_eq!(Role::parse(&role.as_str().to_uppercase()), Ok(role));
        }
        assert!(Role::parse("owner").is_err());
    }
}
