//! The administration page's plain rules: what a new-user form must hold before it is sent, and the
//! order of the audit log.

use kpi_api::{AuditEntry, NewUser, UserRole};

/// How many audit entries the administration page asks for (`GET /api/audit?limit=`).
pub const AUDIT_LIMIT: usize = 200;

/// What is missing from a new-user form. The server checks the rest (password strength, a name
/// already taken) and says so in its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserFormProblem {
    NameMissing,
    RoleUnknown,
    /// Only administrators may have no home unit: every other role sees one unit's subtree.
    HomeUnitMissing,
    PasswordMissing,
}

/// The fields of the new-user form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserForm {
    pub name: String,
    pub display_name: String,
    /// A role's wire name (`UserRole::as_str`).
    pub role: String,
    /// A unit id, or empty for every unit.
    pub home_unit: String,
    pub password: String,
}

impl UserForm {
    /// The request to send, or the first thing the form lacks. Names are trimmed, an empty display
    /// name is left for the server to fill in, and the password is sent exactly as typed.
    pub fn to_new_user(&self) -> Result<NewUser, UserFormProblem> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(UserFormProblem::NameMissing);
        }
        let role = UserRole::parse(self.role.trim()).ok_or(UserFormProblem::RoleUnknown)?;
        let home_unit = Some(self.home_unit.trim())
            .filter(|unit| !unit.is_empty())
            .map(str::to_string);
        if home_unit.is_none() && role != UserRole::Admin {
            return Err(UserFormProblem::HomeUnitMissing);
        }
        if self.password.is_empty() {
            return Err(UserFormProblem::PasswordMissing);
        }
        let display_name = Some(self.display_name.trim())
            .filter(|display| !display.is_empty())
            .map(str::to_string);
        Ok(NewUser {
            name: name.to_string(),
            display_name,
            role,
            home_unit,
            password: self.password.clone(),
        })
    }
}

/// The audit log newest first. The server already sends it so; ordering by id again keeps the
/// table right should that ever change.
pub fn newest_first(entries: &[AuditEntry]) -> Vec<&AuditEntry> {
    let mut sorted: Vec<&AuditEntry> = entries.iter().collect();
    sorted.sort_by_key(|entry| std::cmp::Reverse(entry.id));
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(role: &str, home_unit: &str) -> UserForm {
        UserForm {
            name: " ivanova ".to_string(),
            display_name: String::new(),
            role: role.to_string(),
            home_unit: home_unit.to_string(),
            password: "correct horse battery".to_string(),
        }
    }

    #[test]
    fn a_complete_form_becomes_the_request_with_names_trimmed() {
        let user = form("mayor", "perm").to_new_user().unwrap();
        assert_eq!(
            user,
            NewUser {
                name: "ivanova".to_string(),
                display_name: None,
                role: UserRole::Mayor,
                home_unit: Some("perm".to_string()),
                password: "correct horse battery".to_string(),
            }
        );
        let named = UserForm {
            display_name: "  A. Ivanova ".to_string(),
            ..form("analyst", "perm")
        };
        assert_eq!(
            named.to_new_user().unwrap().display_name.as_deref(),
            Some("A. Ivanova")
        );
    }

    #[test]
    fn only_an_administrator_may_have_no_home_unit() {
        assert_eq!(
            form("governor", "").to_new_user(),
            Err(UserFormProblem::HomeUnitMissing)
        );
        assert_eq!(form("admin", " ").to_new_user().unwrap().home_unit, None);
        assert_eq!(
            form("admin", "perm").to_new_user().unwrap().home_unit,
            Some("perm".to_string())
        );
    }

    #[test]
    fn a_form_without_name_role_or_password_is_not_sent() {
        let nameless = UserForm {
            name: "  ".to_string(),
            ..form("mayor", "perm")
        };
        assert_eq!(nameless.to_new_user(), Err(UserFormProblem::NameMissing));
        assert_eq!(
            form("king", "perm").to_new_user(),
            Err(UserFormProblem::RoleUnknown)
        );
        let no_password = UserForm {
            password: String::new(),
            ..form("mayor", "perm")
        };
        assert_eq!(
            no_password.to_new_user(),
            Err(UserFormProblem::PasswordMissing)
        );
    }

    #[test]
    fn the_audit_log_reads_newest_first() {
        let entry = |id| AuditEntry {
            id,
            at: String::new(),
            actor: None,
            action: "login".to_string(),
            detail: String::new(),
            ip: None,
        };
        let entries = vec![entry(3), entry(7), entry(5)];
        let ids: Vec<i64> = newest_first(&entries).iter().map(|e| e.id).collect();
        assert_eq!(ids, vec![7, 5, 3]);
    }
}
