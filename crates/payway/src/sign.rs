//! PayWay's request signing.
//!
//! `hash = base64(HMAC-SHA512(v1 ‖ v2 ‖ … ‖ vn, api_key))`: the values of an endpoint's fields
//! in that endpoint's fixed order, with no separators; an absent or null field contributes
//! `""`; every value is hashed exactly as it is sent (amount `"10.00"` ≠ `"10"`).
//!
//! `merchant_auth` (refund, pre-auth completion / cancellation) is a JSON object, encrypted
//! with the RSA public key PayWay issues: its UTF-8 bytes in 117-byte chunks, each RSA
//! PKCS#1 v1.5-encrypted, the ciphertexts concatenated, then base64 once (research §2.2).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use paygate_core::clock::RandomSource;
use paygate_core::signing::HmacSha512Key;
use paygate_core::{Error, Result};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::rand_core::{CryptoRng, RngCore};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Encrypt, RsaPublicKey};
use serde::ser::{Serialize, SerializeMap, Serializer};

#[doc(hidden)]
/// `base64(HMAC-SHA512(concatenation of values, key))`, 88 characters.
pub fn hash(key: &HmacSha512Key, values: &[&str]) -> String {
    let parts: Vec<&[u8]> = values.iter().map(|v| v.as_bytes()).collect();
    BASE64.encode(key.sign(&parts))
}

/// The fields of one request body in the order they are sent; `None` is sent as JSON `null`
/// and hashed as `""`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    fields: Vec<(&'static str, Option<String>)>,
    /// Fields sent as JSON numbers rather than strings (their text hashed as written).
    numbers: Vec<&'static str>,
}

impl Fields {
    /// No fields.
    pub fn new() -> Fields {
        Fields::default()
    }

    /// Appends a field.
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Fields {
        self.fields.push((name, Some(value.into())));
        self
    }

    /// Appends a field sent as a JSON number, written in its shortest form (`12.50` becomes
    /// `12.5`, `4000.00` becomes `4000`) and hashed as that same text, never through `f64`.
    /// PayWay does not say whether its server hashes the field's text or the number it reads
    /// (which for `12.50` would be `"12.5"`); in the shortest form both readings give the same
    /// text, which is why independent integrations write amounts that way.
    pub fn with_number(mut self, name: &'static str, digits: impl Into<String>) -> Fields {
        let digits = digits.into();
        let shortest = digits
            .parse::<paygate_core::Decimal>()
            .map(|d| d.normalize().to_string())
            .unwrap_or(digits);
        self.numbers.push(name);
        self.with(name, shortest)
    }

    /// Appends a field that may be null.
    pub fn with_opt(mut self, name: &'static str, value: Option<String>) -> Fields {
        self.fields.push((name, value));
        self
    }

    /// The same fields without the unset ones (sent absent rather than `null`, as the
    /// credentials-on-file endpoints are called by every client seen working).
    pub(crate) fn without_unset(mut self) -> Fields {
        self.fields.retain(|(_, value)| value.is_some());
        self
    }

    /// A field's value as hashed: `""` when absent or null.
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.as_deref())
            .unwrap_or("")
    }

    /// The fields in send order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, Option<&str>)> {
        self.fields.iter().map(|(n, v)| (*n, v.as_deref()))
    }

    /// The hash of these fields in `order`.
    pub fn hash(&self, key: &HmacSha512Key, order: &[&str]) -> String {
        let values: Vec<&str> = order.iter().map(|name| self.get(name)).collect();
        hash(key, &values)
    }

    /// Appends `hash` computed over `order`.
    pub fn signed(self, key: &HmacSha512Key, order: &[&str]) -> Fields {
        let hash = self.hash(key, order);
        self.with("hash", hash)
    }

    /// The JSON object, keys in send order.
    pub fn to_json(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(self).map_err(|e| Error::invalid("body", e.to_string()))
    }
}

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        for (name, value) in &self.fields {
            match value {
                Some(digits) if self.numbers.contains(name) => {
                    let number = serde_json::value::RawValue::from_string(digits.clone())
                        .map_err(serde::ser::Error::custom)?;
                    map.serialize_entry(name, &number)?;
                }
                _ => map.serialize_entry(name, value)?,
            }
        }
        map.end()
    }
}

#[doc(hidden)]
/// Plaintext chunk size for `merchant_auth`: the PKCS#1 v1.5 limit of a 1024-bit key, used
/// whatever the key size, as PayWay's reference does.
pub const MERCHANT_AUTH_CHUNK: usize = 117;

/// The RSA public key PayWay issues for `merchant_auth`, parsed once.
#[derive(Clone)]
pub struct MerchantAuthKey {
    key: RsaPublicKey,
}

impl MerchantAuthKey {
    /// Parses an SPKI (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`) PEM of 1024 to
    /// 4096 bits.
    pub fn from_pem(pem: &str) -> Result<MerchantAuthKey> {
        let pem = pem.trim();
        let key = RsaPublicKey::from_public_key_pem(pem)
            .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem))
            .map_err(|_| {
                Error::config(
                    "rsa_public_key",
                    "not an RSA public key PEM (expected -----BEGIN PUBLIC KEY----- or -----BEGIN RSA PUBLIC KEY-----)",
                )
            })?;
        let bits = key.size() * 8;
        if !(1024..=4096).contains(&bits) {
            return Err(Error::config(
                "rsa_public_key",
                format!(
                    "an RSA key of {bits} bits; PayWay's merchant_auth needs 1024 to 4096 bits"
                ),
            ));
        }
        Ok(MerchantAuthKey { key })
    }

    /// Key size in bits.
    pub fn bits(&self) -> usize {
        self.key.size() * 8
    }

    /// Encrypts `plaintext` into a `merchant_auth` value: each 117-byte chunk encrypted with
    /// the `rsa` crate's PKCS#1 v1.5 (type 2 padding of non-zero random bytes), the random
    /// bytes drawn from the injected source, so tests and fixtures are deterministic.
    pub fn encrypt(&self, plaintext: &[u8], random: &dyn RandomSource) -> Result<String> {
        let mut rng = SourceRng {
            source: random,
            failed: false,
        };
        let mut ciphertext =
            Vec::with_capacity(plaintext.len().div_ceil(MERCHANT_AUTH_CHUNK) * self.key.size());
        for chunk in plaintext.chunks(MERCHANT_AUTH_CHUNK) {
            let block = self
                .key
                .encrypt(&mut rng, Pkcs1v15Encrypt, chunk)
                .map_err(|e| Error::invalid("merchant_auth", e.to_string()))?;
            ciphertext.extend_from_slice(&block);
        }
        // Bytes drawn after a failure are not random: the whole value is discarded.
        if rng.failed {
            return Err(Error::config(
                "random",
                "the random source failed; merchant_auth was not built",
            ));
        }
        Ok(BASE64.encode(ciphertext))
    }
}

/// The injected [`RandomSource`] as the `rsa` crate's RNG. `RngCore::fill_bytes` cannot
/// fail, so a failure is remembered (and the bytes set non-zero, so the padding's redraw of
/// zero bytes ends) and [`MerchantAuthKey::encrypt`] then returns an error instead.
struct SourceRng<'a> {
    source: &'a dyn RandomSource,
    failed: bool,
}

impl RngCore for SourceRng<'_> {
    fn next_u32(&mut self) -> u32 {
        let mut bytes = [0u8; 4];
        self.fill_bytes(&mut bytes);
        u32::from_le_bytes(bytes)
    }

    fn next_u64(&mut self) -> u64 {
        let mut bytes = [0u8; 8];
        self.fill_bytes(&mut bytes);
        u64::from_le_bytes(bytes)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        if self.source.fill(dest).is_err() {
            self.failed = true;
            dest.fill(1);
        }
    }

    fn try_fill_bytes(
        &mut self,
        dest: &mut [u8],
    ) -> std::result::Result<(), rsa::rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

/// The source is the application's cryptographic RNG (`getrandom` by default); a test's
/// deterministic source is its own choice.
impl CryptoRng for SourceRng<'_> {}

impl fmt::Debug for MerchantAuthKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MerchantAuthKey({} bits)", self.bits())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_hash_nulls_as_empty_and_serialize_in_order() {
        let fields = Fields::new()
            .with("req_time", "1")
            .with_opt("from_date", None)
            .with("merchant_id", "m");
        assert_eq!(fields.get("from_date"), "");
        assert_eq!(fields.get("absent"), "");
        assert_eq!(
            String::from_utf8(fields.to_json().unwrap()).unwrap(),
            r#"{"req_time":"1","from_date":null,"merchant_id":"m"}"#
        );
    }

    /// Each chunk decrypts, with the test key's private half, to its part of the plaintext;
    /// the same random bytes give the same value (fixtures stay reproducible).
    #[test]
    fn encryption_round_trips_and_is_deterministic_for_a_seed() {
        use paygate_core::clock::DeterministicRandom;
        use rsa::pkcs8::DecodePrivateKey;
        let key =
            MerchantAuthKey::from_pem(include_str!("../tests/keys/test_public_key.pem")).unwrap();
        let private =
            rsa::RsaPrivateKey::from_pkcs8_pem(include_str!("../tests/keys/test_private_key.pem"))
                .unwrap();
        for (seed, len) in [
            (1u64, 0usize),
            (2, 1),
            (4, 116),
            (5, 117),
            (6, 118),
            (8, 500),
        ] {
            let plaintext: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let value = key
                .encrypt(&plaintext, &DeterministicRandom::new(seed))
                .unwrap();
            assert_eq!(
                value,
                key.encrypt(&plaintext, &DeterministicRandom::new(seed))
                    .unwrap()
            );
            let bytes = BASE64.decode(&value).unwrap();
            let mut decrypted = Vec::new();
            for block in bytes.chunks(key.bits() / 8) {
                decrypted.extend(private.decrypt(Pkcs1v15Encrypt, block).unwrap());
            }
            assert_eq!(decrypted, plaintext, "seed {seed}, {len} bytes");
        }
    }

    #[test]
    fn a_failing_random_source_builds_nothing() {
        #[derive(Debug)]
        struct Broken;
        impl RandomSource for Broken {
            fn fill(&self, _: &mut [u8]) -> Result<()> {
                Err(Error::config("random", "broken"))
            }
        }
        let key =
            MerchantAuthKey::from_pem(include_str!("../tests/keys/test_public_key.pem")).unwrap();
        let err = key.encrypt(b"{}", &Broken).unwrap_err();
        assert!(err.to_string().contains("random source failed"), "{err}");
    }
}
