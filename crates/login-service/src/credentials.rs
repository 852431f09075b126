//! Passwords (argon2id PHC strings), session tokens and OCIDs.

use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use base64::Engine as _;
use sha2::Digest as _;

/// argon2id cost. The default is OWASP's recommendation: 19 MiB, 2
/// iterations, 1 lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for HashCost {
    fn default() -> Self {
        Self {
            memory_kib: argon2::Params::DEFAULT_M_COST,
            iterations: argon2::Params::DEFAULT_T_COST,
            parallelism: argon2::Params::DEFAULT_P_COST,
        }
    }
}

/// Hashes and verifies passwords at one cost. Verification of an unknown
/// user runs against `dummy`, so it takes as long as a real one.
pub struct Passwords {
    argon2: argon2::Argon2<'static>,
    dummy: String,
}

impl Passwords {
    pub fn new(cost: HashCost) -> Result<Self, String> {
        let params = argon2::Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|e| format!("invalid argon2 cost: {e}"))?;
        let argon2 =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let dummy = argon2
            .hash_password(b"not a password anyone has")
            .map_err(|e| format!("argon2: {e}"))?
            .to_string();
        Ok(Self { argon2, dummy })
    }

    /// A PHC string (`$argon2id$v=19$m=...`) with a fresh random salt.
    pub fn hash(&self, password: &str) -> Result<String, String> {
        self.argon2
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| format!("argon2: {e}"))
    }

    /// Whether `password` matches the PHC string; `None` checks against the
    /// dummy hash and is always false.
    pub fn verify(&self, password: &str, phc: Option<&str>) -> bool {
        let matches = self
            .argon2
            .verify_password(password.as_bytes(), phc.unwrap_or(&self.dummy))
            .is_ok();
        matches && phc.is_some()
    }
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    bytes
}

/// A session token: 256 bits from the OS CSPRNG, URL-safe base64.
pub fn new_token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

pub fn token_sha256(token: &str) -> [u8; 32] {
    sha2::Sha256::digest(token.as_bytes()).into()
}

/// The realm written into OCIDs.
pub const REALM: &str = "oc1";

/// `ocid1.<kind>.<realm>..<random>`.
pub fn new_ocid(kind: &str) -> String {
    let random: String = random_bytes::<20>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("ocid1.{kind}.{REALM}..{random}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> Passwords {
        Passwords::new(HashCost {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        })
        .unwrap()
    }

    #[test]
    fn hash_verifies_only_its_password() {
        let p = cheap();
        let phc = p.hash("s3cret").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(p.verify("s3cret", Some(&phc)));
        assert!(!p.verify("s3cret!", Some(&phc)));
        assert!(!p.verify("not a password anyone has", None));
    }

    #[test]
    fn tokens_are_256_bit_url_safe_and_unique() {
        let a = new_token();
        assert_eq!(a.len(), 43);
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_ne!(a, new_token());
    }

    #[test]
    fn ocids_have_the_oci_shape() {
        let id = new_ocid("user");
        assert!(id.starts_with("ocid1.user.oc1.."), "{id}");
        assert_eq!(id.len(), "ocid1.user.oc1..".len() + 40);
    }
}
