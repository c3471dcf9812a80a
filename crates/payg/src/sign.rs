//! PayG's authentication: `Authorization: basic base64(AuthenticationKey:AuthenticationToken:M:<id>)`
//! (the user's refund document; the lowercase `basic` is as documented). PayG signs nothing
//! it sends back: see [`crate::webhook`].

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use paygate_core::http::HeaderValue;
use paygate_core::secrecy::{ExposeSecret, SecretString};
use paygate_core::{Error, Result};

/// The `Authorization` value, marked sensitive so that it is never printed.
pub fn authorization(key: &SecretString, token: &SecretString, id: &str) -> Result<HeaderValue> {
    let credentials = format!("{}:{}:M:{id}", key.expose_secret(), token.expose_secret());
    let mut value = HeaderValue::from_str(&format!("basic {}", BASE64.encode(credentials)))
        .map_err(|_| {
            Error::config(
                "authentication_key",
                "cannot be used in an Authorization header",
            )
        })?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Computed independently with coreutils: `printf '%s' 'a5aece5875a04044bff491de7341ef4a:e2da26161b4b48fc95b59daf2191fb33:M:7771' | base64 -w0`
    /// — the key and token the user's document's RefundStatus sample header decodes to.
    #[test]
    fn authorization_vector() {
        let value = authorization(
            &SecretString::from("a5aece5875a04044bff491de7341ef4a"),
            &SecretString::from("e2da26161b4b48fc95b59daf2191fb33"),
            "7771",
        )
        .unwrap();
        assert_eq!(
            value.to_str().unwrap(),
            "basic YTVhZWNlNTg3NWEwNDA0NGJmZjQ5MWRlNzM0MWVmNGE6ZTJkYTI2MTYxYjRiNDhmYzk1YjU5ZGFmMjE5MWZiMzM6TTo3Nzcx"
        );
        assert!(value.is_sensitive());
    }
}
