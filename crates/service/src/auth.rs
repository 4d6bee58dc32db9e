//! Passwords (argon2id), session tokens, login throttling and the authorisation policy. Every
//! decision about who may do what is made here, on the server, for every request; the HTTP layer
//! only asks.

use super::store::{Edition, Role, User};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a session lasts (8 hours: one working day).
pub const SESSION_SECS: i64 = 8 * 3600;
pub const COOKIE: &str = "renja_sesi";

/// The argon2id PHC string of `password` (default parameters: 19 MiB, 2 passes).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| format!("sandi tidak dapat di-hash: {e}"))
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(h) => Argon2::default().verify_password(password.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the login does not exist, so an unknown login takes as long as
/// a wrong password.
pub fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("bukan-sandi-siapa-pun").unwrap_or_default())
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    OsRng.fill_bytes(&mut b);
    b
}

/// A new session token (256 random bits, hex).
pub fn new_token() -> String {
    random_bytes::<32>().iter().map(|b| format!("{b:02x}")).collect()
}

/// A generated password for demo accounts: 16 characters from an alphabet without look-alikes.
pub fn new_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    random_bytes::<16>().iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect()
}

/// What the store keeps of a token.
pub fn token_hash(token: &str) -> String {
    renja_archive::sha256_hex(token.as_bytes())
}

pub fn now_unix() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Failed logins per login name and per client address: after a key's limit of failures within
/// `WINDOW` further attempts are refused until the window passes (kept in memory: a restart
/// forgets). The address limit is higher: a whole office may share one address behind NAT.
pub struct Throttle {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

pub const THROTTLE_LIMIT: usize = 5;
pub const THROTTLE_ADDRESS_LIMIT: usize = 50;
pub const THROTTLE_WINDOW: Duration = Duration::from_secs(15 * 60);

impl Default for Throttle {
    fn default() -> Self {
        Throttle { failures: Mutex::new(HashMap::new()) }
    }
}

impl Throttle {
    /// Seconds to wait before another attempt for any of `keys`, if throttled.
    pub fn blocked(&self, keys: &[(String, usize)]) -> Option<u64> {
        let mut m = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let mut wait = None;
        for (k, limit) in keys {
            if let Some(v) = m.get_mut(k) {
                v.retain(|t| now.duration_since(*t) < THROTTLE_WINDOW);
                if v.len() >= *limit {
                    let oldest = v[0];
                    let left = THROTTLE_WINDOW.saturating_sub(now.duration_since(oldest)).as_secs().max(1);
                    wait = Some(wait.map_or(left, |w: u64| w.max(left)));
                }
            }
        }
        wait
    }
    pub fn fail(&self, keys: &[(String, usize)]) {
        let mut m = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if m.len() > 100_000 {
            m.clear();
        }
        for (k, _) in keys {
            m.entry(k.clone()).or_default().push(Instant::now());
        }
    }
    pub fn succeed(&self, login_key: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(login_key);
    }
}

/// The policy: what a user may do with an edition.
pub fn is_admin(u: &User) -> bool {
    u.peran.iter().any(|g| g.peran == Role::Administrator)
}

pub fn is_verifikator(u: &User) -> bool {
    u.peran.iter().any(|g| g.peran == Role::Verifikator)
}

pub fn has_role_for(u: &User, role: Role, opd: i64) -> bool {
    u.peran.iter().any(|g| g.peran == role && g.opd == Some(opd))
}

/// Reads an edition: the administrator, every verifikator, the OPD's penyusun and penandatangan.
pub fn can_read(u: &User, e: &Edition) -> bool {
    is_admin(u) || is_verifikator(u) || has_role_for(u, Role::Penyusun, e.opd) || has_role_for(u, Role::Penandatangan, e.opd)
}

/// Reads what belongs to an OPD (archive entries): as [`can_read`], for the OPD `opd` (`None`:
/// an entry of an agency the service does not know — administrator and verifikator only).
pub fn can_read_opd(u: &User, opd: Option<i64>) -> bool {
    is_admin(u) || is_verifikator(u) || opd.is_some_and(|o| has_role_for(u, Role::Penyusun, o) || has_role_for(u, Role::Penandatangan, o))
}

/// Creates editions and saves revisions: the OPD's penyusun.
pub fn can_write(u: &User, opd: i64) -> bool {
    has_role_for(u, Role::Penyusun, opd)
}

/// Comments: the verifikator and the OPD's penyusun and penandatangan.
pub fn can_comment(u: &User, e: &Edition) -> bool {
    is_verifikator(u) || has_role_for(u, Role::Penyusun, e.opd) || has_role_for(u, Role::Penandatangan, e.opd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_round_trip() {
        let h = hash_password("rahasia sekali").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("rahasia sekali", &h));
        assert!(!verify_password("rahasia sekalI", &h));
        assert!(!verify_password("x", "bukan PHC"));
    }

    #[test]
    fn throttle_blocks_after_limit() {
        let t = Throttle::default();
        let k = vec![("login:a".to_string(), THROTTLE_LIMIT)];
        for _ in 0..THROTTLE_LIMIT {
            assert!(t.blocked(&k).is_none());
            t.fail(&k);
        }
        assert!(t.blocked(&k).is_some());
        assert!(t.blocked(&[("login:b".to_string(), THROTTLE_LIMIT)]).is_none());
    }

    #[test]
    fn tokens_are_random() {
        assert_ne!(new_token(), new_token());
        assert_eq!(new_token().len(), 64);
        assert_eq!(new_password().len(), 16);
    }
}
