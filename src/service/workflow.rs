//! The workflow of an edition as a pure state machine: which step moves which state, by whom.
//!
//! draf → diajukan → (dikembalikan, with notes → draf) | disetujui → final → ditandatangani →
//! diarsipkan. Only `draf` accepts saves.

use super::auth::{has_role_for, is_verifikator};
use super::store::{Role, User};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Step {
    /// The penyusun submits the draft for review.
    Ajukan,
    /// The verifikator returns it with notes.
    Kembalikan,
    /// The penyusun takes a returned edition back into draft.
    Perbaiki,
    /// The verifikator approves it.
    Setujui,
}

pub const STEPS: [Step; 4] = [Step::Ajukan, Step::Kembalikan, Step::Perbaiki, Step::Setujui];

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Ajukan => "ajukan",
            Step::Kembalikan => "kembalikan",
            Step::Perbaiki => "perbaiki",
            Step::Setujui => "setujui",
        }
    }
    /// (from, to) states.
    pub fn states(self) -> (&'static str, &'static str) {
        match self {
            Step::Ajukan => ("draf", "diajukan"),
            Step::Kembalikan => ("diajukan", "dikembalikan"),
            Step::Perbaiki => ("dikembalikan", "draf"),
            Step::Setujui => ("diajukan", "disetujui"),
        }
    }
    /// Whether `u` holds the role that moves this step for an edition of `opd`.
    pub fn allowed(self, u: &User, opd: i64) -> bool {
        match self {
            Step::Ajukan | Step::Perbaiki => has_role_for(u, Role::Penyusun, opd),
            Step::Kembalikan | Step::Setujui => is_verifikator(u),
        }
    }
    /// Whether the step needs notes (a returned edition says why).
    pub fn needs_notes(self) -> bool {
        self == Step::Kembalikan
    }
}

/// Whether an edition in `status` accepts saves.
pub fn editable(status: &str) -> bool {
    status == "draf"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_reachable_and_back_to_draft() {
        let mut s = "draf";
        for step in [Step::Ajukan, Step::Kembalikan, Step::Perbaiki, Step::Ajukan, Step::Setujui] {
            let (from, to) = step.states();
            assert_eq!(from, s, "{step:?}");
            s = to;
        }
        assert_eq!(s, "disetujui");
        assert!(!editable("diajukan") && editable("draf"));
    }
}
