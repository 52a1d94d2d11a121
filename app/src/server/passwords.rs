//! argon2id hashing, off the async threads.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand_core::OsRng;

use super::internal;
use crate::error::AppError;

pub async fn hash(password: &str) -> Result<String, AppError> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(internal)
    })
    .await
    .map_err(internal)?
}

/// Whether `password` matches `hash`. A missing hash still costs one verification, so that
/// unknown emails take as long to refuse as wrong passwords.
pub async fn verify(hash: Option<String>, password: &str) -> Result<bool, AppError> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let argon = Argon2::default();
        let Some(stored) = hash else {
            // Same work as a real check, then refuse.
            let salt = SaltString::generate(&mut OsRng);
            let _ = argon.hash_password(password.as_bytes(), &salt);
            return Ok(false);
        };
        let parsed = PasswordHash::new(&stored).map_err(internal)?;
        Ok(argon.verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .map_err(internal)?
}
