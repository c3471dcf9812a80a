//! The admin's login: a password (from `SHOP_ADMIN_PASSWORD`, or made at start and printed),
//! a session cookie, a CSRF token in every form the session is shown, and the session's own
//! flash message. A refund is a POST only a logged-in admin's own page can make.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, header};
use sha2::{Digest, Sha256};

/// The session cookie's name.
const COOKIE: &str = "shop_admin";

/// How long a session lasts without a login.
const SESSION_LIFETIME: Duration = Duration::from_secs(8 * 3600);

/// A logged-in admin's session.
struct Session {
    /// What every form shown in this session carries, and every POST must bring back.
    csrf: String,
    /// What the next page tells the admin (set by a POST, shown once).
    flash: Option<String>,
    started: Instant,
}

/// The sessions of the shop's admin.
pub(crate) struct Admin {
    /// The password's SHA-256: compared as digests, so how long a comparison takes says
    /// nothing of the password.
    password: [u8; 32],
    sessions: Mutex<HashMap<String, Session>>,
    /// `scheme://host:port` of the shop: a POST from any other origin is refused.
    origin: String,
}

/// Why a request was not an admin's.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No session, or an expired one: log in.
    NotLoggedIn,
    /// A POST without this session's token, or from another site.
    Forged,
}

/// 32 random bytes, hex: a session id, a CSRF token, a password.
pub(crate) fn random_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

impl Admin {
    pub(crate) fn new(password: &str, origin: String) -> Admin {
        Admin {
            password: Sha256::digest(password.as_bytes()).into(),
            sessions: Mutex::new(HashMap::new()),
            origin,
        }
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new session when `password` is the admin's: its cookie header.
    pub(crate) fn log_in(&self, password: &str) -> Option<HeaderValue> {
        let given: [u8; 32] = Sha256::digest(password.as_bytes()).into();
        if given != self.password {
            return None;
        }
        let (id, csrf) = (random_token().ok()?, random_token().ok()?);
        let mut sessions = self.sessions();
        sessions.retain(|_, s| s.started.elapsed() < SESSION_LIFETIME);
        sessions.insert(
            id.clone(),
            Session {
                csrf,
                flash: None,
                started: Instant::now(),
            },
        );
        HeaderValue::from_str(&format!(
            "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
            SESSION_LIFETIME.as_secs(),
            self.secure_flag()
        ))
        .ok()
    }

    /// Ends the session `headers` carry, if any: the cookie header that clears it.
    pub(crate) fn log_out(&self, headers: &HeaderMap) -> HeaderValue {
        if let Some(id) = session_id(headers) {
            self.sessions().remove(&id);
        }
        HeaderValue::from_str(&format!(
            "{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
            self.secure_flag()
        ))
        .unwrap_or(HeaderValue::from_static(
            "shop_admin=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
        ))
    }

    /// `; Secure` when the shop is served over HTTPS: the session cookie then never goes
    /// over plain HTTP. (On plain HTTP, as on loopback here, a browser would drop it.)
    fn secure_flag(&self) -> &'static str {
        if self.origin.starts_with("https://") {
            "; Secure"
        } else {
            ""
        }
    }

    /// The session `headers` carry: its id and CSRF token, and its flash message, taken.
    pub(crate) fn session(
        &self,
        headers: &HeaderMap,
    ) -> Result<(String, String, Option<String>), Refusal> {
        let id = session_id(headers).ok_or(Refusal::NotLoggedIn)?;
        let mut sessions = self.sessions();
        let session = sessions
            .get_mut(&id)
            .filter(|s| s.started.elapsed() < SESSION_LIFETIME)
            .ok_or(Refusal::NotLoggedIn)?;
        Ok((id, session.csrf.clone(), session.flash.take()))
    }

    /// Checks a POST: a live session, the form's `csrf` its token, and no other site's
    /// `Origin`. The session's id.
    pub(crate) fn check_post(&self, headers: &HeaderMap, csrf: &str) -> Result<String, Refusal> {
        if let Some(origin) = headers.get(header::ORIGIN)
            && origin.as_bytes() != self.origin.as_bytes()
        {
            return Err(Refusal::Forged);
        }
        let id = session_id(headers).ok_or(Refusal::NotLoggedIn)?;
        let sessions = self.sessions();
        let session = sessions
            .get(&id)
            .filter(|s| s.started.elapsed() < SESSION_LIFETIME)
            .ok_or(Refusal::NotLoggedIn)?;
        // Both are 64 hex characters this shop made; a digest comparison keeps the time
        // independent of where they differ.
        if Sha256::digest(csrf.as_bytes()) != Sha256::digest(session.csrf.as_bytes()) {
            return Err(Refusal::Forged);
        }
        Ok(id)
    }

    /// Tells session `id`'s next page `message`.
    pub(crate) fn flash(&self, id: &str, message: String) {
        if let Some(session) = self.sessions().get_mut(id) {
            session.flash = Some(message);
        }
    }
}

/// The session id in the request's cookies.
fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookie(origin: &str) -> String {
        Admin::new("pw", origin.into())
            .log_in("pw")
            .and_then(|v| v.to_str().ok().map(str::to_owned))
            .unwrap_or_default()
    }

    #[test]
    fn the_session_cookie_is_secure_exactly_when_the_shop_is_served_over_https() {
        assert!(cookie("https://shop.example").ends_with("; Secure"));
        let plain = cookie("http://127.0.0.1:3000");
        assert!(plain.contains("HttpOnly; SameSite=Strict") && !plain.contains("Secure"));
        assert!(Admin::new("pw", "x".into()).log_in("wrong").is_none());
    }
}
