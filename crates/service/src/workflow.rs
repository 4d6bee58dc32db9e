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
    /// The penyusun freezes the approved revision: final PDF, DOCX and JSON (own endpoint).
    Finalkan,
    /// The penandatangan signs the final PDF (own endpoint: the key comes with the request).
    Tandatangani,
    /// The penandatangan puts the signed edition into the archive (own endpoint).
    Arsipkan,
}

pub const STEPS: [Step; 7] = [Step::Ajukan, Step::Kembalikan, Step::Perbaiki, Step::Setujui, Step::Finalkan, Step::Tandatangani, Step::Arsipkan];

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Ajukan => "ajukan",
            Step::Kembalikan => "kembalikan",
            Step::Perbaiki => "perbaiki",
            Step::Setujui => "setujui",
            Step::Finalkan => "finalkan",
            Step::Tandatangani => "tandatangani",
            Step::Arsipkan => "arsipkan",
        }
    }
    /// Steps that do more than change the state have an endpoint of their own
    /// (`POST /edisi/{id}/<step>`), not `POST /edisi/{id}/langkah`.
    pub fn has_endpoint(self) -> bool {
        matches!(self, Step::Finalkan | Step::Tandatangani | Step::Arsipkan)
    }
    /// (from, to) states.
    pub fn states(self) -> (&'static str, &'static str) {
        match self {
            Step::Ajukan => ("draf", "diajukan"),
            Step::Kembalikan => ("diajukan", "dikembalikan"),
            Step::Perbaiki => ("dikembalikan", "draf"),
            Step::Setujui => ("diajukan", "disetujui"),
            Step::Finalkan => ("disetujui", "final"),
            Step::Tandatangani => ("final", "ditandatangani"),
            Step::Arsipkan => ("ditandatangani", "diarsipkan"),
        }
    }
    /// Whether `u` holds the role that moves this step for an edition of `opd`.
    ///
    /// `finalkan` is the OPD's penyusun: the agency prepares its own document for its head, and
    /// freezing changes no content (the verifikator's part ends with the approval).
    /// `tandatangani` and `arsipkan` are the OPD's penandatangan: the head signs, and files what
    /// they signed without waiting for anyone (the administrator manages accounts, not documents).
    pub fn allowed(self, u: &User, opd: i64) -> bool {
        match self {
            Step::Ajukan | Step::Perbaiki | Step::Finalkan => has_role_for(u, Role::Penyusun, opd),
            Step::Kembalikan | Step::Setujui => is_verifikator(u),
            Step::Tandatangani | Step::Arsipkan => has_role_for(u, Role::Penandatangan, opd),
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
        for step in [Step::Finalkan, Step::Tandatangani, Step::Arsipkan] {
            let (from, to) = step.states();
            assert_eq!(from, s, "{step:?}");
            assert!(step.has_endpoint());
            s = to;
        }
        assert_eq!(s, "diarsipkan");
        assert!(!editable("diajukan") && editable("draf"));
        assert!(STEPS.iter().all(|st| !editable(st.states().1) || *st == Step::Perbaiki));
    }
}
