//! Who may do what: the one table of actions that only some roles may take, and what follows
//! from a caller's role for the rows they may bring. Handlers ask here; none decides by role.
//!
//! Reading numbers is not in the table: every role reads boards, but only inside its
//! jurisdiction, which `Access::unit` and the sandbox's snapshots enforce.

use kpi_api::UserRole;

use crate::auth::Access;
use crate::error::{Error, Result};
use crate::tables::{ImportKinds, Importer};

use UserRole::{Admin, Analyst, DepartmentHead, Governor, Mayor};

/// An action that only some roles may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Upload an export file (which rows, see [`importer`]).
    Import,
    /// Read the history of imports (admins all, others their own).
    ImportHistory,
    /// Run an ad-hoc SELECT in the sandbox.
    RunSql,
    /// Save a KPI file from the editor.
    SaveKpi,
    /// Preview an unsaved KPI file.
    PreviewKpi,
    /// Change a 12-week plan, its tactics or check-ins (within the jurisdiction).
    EditPlans,
    /// Define or change a management experiment (within the jurisdiction).
    EditExperiments,
    ListUsers,
    AddUser,
    ResetPassword,
    AuditLog,
    /// See the server's cache figures on `/api/health`.
    ServerFigures,
    /// Read the scorecards of employees (of departments inside the jurisdiction).
    ReadStaffScorecards,
}

impl Action {
    pub const ALL: [Action; 13] = [
        Action::Import,
        Action::ImportHistory,
        Action::RunSql,
        Action::SaveKpi,
        Action::PreviewKpi,
        Action::EditPlans,
        Action::EditExperiments,
        Action::ListUsers,
        Action::AddUser,
        Action::ResetPassword,
        Action::AuditLog,
        Action::ServerFigures,
        Action::ReadStaffScorecards,
    ];

    /// The roles that may take this action.
    pub fn roles(self) -> &'static [UserRole] {
        match self {
            Action::Import | Action::ImportHistory => &[Admin, Analyst, DepartmentHead],
            Action::RunSql | Action::SaveKpi | Action::PreviewKpi => &[Analyst, Admin],
            Action::EditPlans => &[DepartmentHead, Admin],
            Action::EditExperiments => &[Governor, Mayor, Analyst, Admin],
            Action::ReadStaffScorecards => &[Governor, Mayor, DepartmentHead, Admin],
            Action::ListUsers
            | Action::AddUser
            | Action::ResetPassword
            | Action::AuditLog
            | Action::ServerFigures => &[Admin],
        }
    }

    /// The action in words, as the refusal names it.
    pub fn what(self) -> &'static str {
        match self {
            Action::Import => "importing exports",
            Action::ImportHistory => "the import history",
            Action::RunSql => "running SQL",
            Action::SaveKpi => "saving KPIs",
            Action::PreviewKpi => "previewing KPIs",
            Action::EditPlans => "editing plans",
            Action::EditExperiments => "defining experiments",
            Action::ListUsers => "the user list",
            Action::AddUser => "adding users",
            Action::ResetPassword => "resetting passwords",
            Action::AuditLog => "the audit log",
            Action::ServerFigures => "the server's figures",
            Action::ReadStaffScorecards => "staff scorecards",
        }
    }
}

impl Access {
    /// Refuses (403, naming the roles that may) unless the caller's role may take `action`.
    pub fn may(&self, action: Action) -> Result<()> {
        let roles = action.roles();
        if roles.contains(&self.role) {
            return Ok(());
        }
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Err(Error::Forbidden(format!(
            "{} is for {}; you are signed in as {}",
            action.what(),
            names.join(" or "),
            self.role.as_str()
        )))
    }

    /// Whose imports this caller sees in the history: None for everyone's (admins).
    pub fn import_history_of(&self) -> Option<String> {
        (self.role != Admin).then(|| self.user.clone())
    }
}

/// What a caller may import: admins anything anywhere; analysts operational data of their
/// jurisdiction's units; department heads plans and check-ins of theirs, stamped `now`.
pub fn importer(access: &Access, now: chrono::NaiveDateTime) -> Importer<'_> {
    Importer {
        user: Some(&access.user),
        jurisdiction: match access.role {
            Admin => None,
            _ => access.home.as_deref(),
        },
        kinds: match access.role {
            Admin => ImportKinds::All,
            DepartmentHead => ImportKinds::Plans,
            _ => ImportKinds::Data,
        },
        now: Some(now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(role: UserRole) -> Access {
        Access {
            user: "someone".into(),
            display_name: "Someone".into(),
            role,
            home: (role != Admin).then(|| "perm".to_string()),
            csrf_token: String::new(),
            expires_at: chrono::NaiveDateTime::default(),
        }
    }

    /// The whole matrix: readers (governors, mayors) take none
    /// of these actions; a department head imports and edits plans; analysts run and save SQL.
    #[test]
    fn who_may_do_what() {
        let allowed = |role| -> Vec<Action> {
            Action::ALL
                .into_iter()
                .filter(|a| access(role).may(*a).is_ok())
                .collect()
        };
        let leaders = [Action::EditExperiments, Action::ReadStaffScorecards];
        assert_eq!(allowed(UserRole::Governor), leaders);
        assert_eq!(allowed(UserRole::Mayor), leaders);
        assert_eq!(
            allowed(DepartmentHead),
            [
                Action::Import,
                Action::ImportHistory,
                Action::EditPlans,
                Action::ReadStaffScorecards
            ]
        );
        assert_eq!(
            allowed(Analyst),
            [
                Action::Import,
                Action::ImportHistory,
                Action::RunSql,
                Action::SaveKpi,
                Action::PreviewKpi,
                Action::EditExperiments
            ]
        );
        assert_eq!(allowed(Admin), Action::ALL);
    }

    #[test]
    fn a_refusal_names_the_action_and_the_roles() {
        let e = access(UserRole::Mayor).may(Action::RunSql).unwrap_err();
        assert_eq!(
            e.to_string(),
            "running SQL is for analyst or admin; you are signed in as mayor"
        );
    }

    #[test]
    fn importers_bring_only_their_kind_of_rows_inside_their_jurisdiction() {
        let now = chrono::NaiveDateTime::default();
        let head = access(DepartmentHead);
        let by = importer(&head, now);
        assert_eq!(
            (by.kinds, by.jurisdiction),
            (ImportKinds::Plans, Some("perm"))
        );
        let analyst = access(Analyst);
        let by = importer(&analyst, now);
        assert_eq!(
            (by.kinds, by.jurisdiction),
            (ImportKinds::Data, Some("perm"))
        );
        let admin = access(Admin);
        let by = importer(&admin, now);
        assert_eq!((by.kinds, by.jurisdiction), (ImportKinds::All, None));
        assert_eq!(admin.import_history_of(), None);
        assert_eq!(analyst.import_history_of().as_deref(), Some("someone"));
    }
}
