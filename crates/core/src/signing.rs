//! HMAC-SHA512 keys (the `hmac` crate, its constant-time verification) and hex, shared by
//! the providers that sign requests or callbacks with them.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha512;

use crate::error::Result;

/// An HMAC-SHA512 key, prepared once and reused for every signature.
#[derive(Clone)]
pub struct HmacSha512Key {
    keyed: Hmac<Sha512>,
}

impl HmacSha512Key {
    /// Prepares `key` (any length: the `hmac` crate hashes one longer than SHA-512's 128-byte
    /// block first, as RFC 2104 says). HMAC takes keys of every length, so the error is never
    /// seen in practice; it is passed on rather than assumed away.
    pub fn new(key: &[u8]) -> Result<HmacSha512Key> {
        let keyed = <Hmac<Sha512> as Mac>::new_from_slice(key)
            .map_err(|e| crate::Error::config("hmac key", e.to_string()))?;
        Ok(HmacSha512Key { keyed })
    }

    /// The MAC of the concatenation of `parts`.
    pub fn sign(&self, parts: &[&[u8]]) -> [u8; 64] {
        let mut mac = self.keyed.clone();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// True if `signature` is the MAC of the concatenation of `parts` (the `hmac` crate's
    /// constant-time comparison).
    pub fn verify(&self, parts: &[&[u8]], signature: &[u8]) -> bool {
        let mut mac = self.keyed.clone();
        for part in parts {
            mac.update(part);
        }
        mac.verify_slice(signature).is_ok()
    }
}

impl fmt::Debug for HmacSha512Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacSha512Key([redacted])")
    }
}

/// Lower-case hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Bytes from hex (either case); `None` if not hex.
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    let text = text.as_bytes();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    text.chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => Some(nibble(*hi)? << 4 | nibble(*lo)?),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    // RFC 4231 test case 2 (key "Jefe").
    #[test]
    fn rfc4231_vector() {
        let key = HmacSha512Key::new(b"Jefe").unwrap();
        let mac = key.sign(&[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            to_hex(&mac),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        );
    }

    // RFC 4231 test case 6: a 131-byte key (longer than the block) is hashed first.
    #[test]
    fn rfc4231_long_key_vector() {
        let key = HmacSha512Key::new(&[0xaa; 131]).unwrap();
        let mac = key.sign(&[b"Test Using Larger Than Block-Size Key - Hash Key First"]);
        assert_eq!(
            to_hex(&mac),
            "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"
        );
    }

    // PayWay research §8: check-transaction-2 vector, key `test_api_key_not_a_real_secret`,
    // computed with Python's hmac module (an implementation independent of this crate).
    #[test]
    fn payway_style_base64_vector() {
        let key = HmacSha512Key::new(b"test_api_key_not_a_real_secret").unwrap();
        let mac = key.sign(&[b"20250213065545", b"ec000002", b"17394277693"]);
        assert_eq!(
            base64::engine::general_purpose::STANDARD.encode(mac),
            "zmy0ULBJxvB1pLs38afsqYUKVV7basGs5JYCSPPTHBVtbPbbfj0JFRPxZo8mD6ZQid0zNhpY+q5Tor8d0v1qiQ=="
        );
    }

    #[test]
    fn verify_is_exact() {
        let key = HmacSha512Key::new(b"k").unwrap();
        let mac = key.sign(&[b"body"]);
        assert!(key.verify(&[b"body"], &mac));
        assert!(!key.verify(&[b"body!"], &mac));
        assert!(!key.verify(&[b"body"], &mac[..63]));
        assert!(
            !HmacSha512Key::new(b"other")
                .unwrap()
                .verify(&[b"body"], &mac)
        );
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(to_hex(&[0x00, 0xab, 0xff]), "00abff");
        assert_eq!(from_hex("00ABff"), Some(vec![0x00, 0xab, 0xff]));
        assert_eq!(from_hex("0"), None);
        assert_eq!(from_hex("zz"), None);
    }

    #[test]
    fn key_debug_is_redacted() {
        assert_eq!(
            format!("{:?}", HmacSha512Key::new(b"secret").unwrap()),
            "HmacSha512Key([redacted])"
        );
    }
}
