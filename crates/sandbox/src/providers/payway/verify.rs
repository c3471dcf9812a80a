//! Checking a request as PayWay does: its fields (JSON, form or multipart), the hash in the
//! endpoint's order, the freshness of `req_time`, and `merchant_auth` decrypted.

use super::*;

/// Request fields as text: strings as they are, `null` as "", numbers as written; a
/// multipart or form-urlencoded body's fields as sent.
fn fields_of(body: &[u8], headers: &HeaderMap) -> Option<BTreeMap<String, String>> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("multipart/form-data") {
        return multipart(content_type, body);
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return Some(
            url::form_urlencoded::parse(body)
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect(),
        );
    }
    let raw: BTreeMap<String, Box<RawValue>> = serde_json::from_slice(body).ok()?;
    let mut fields = BTreeMap::new();
    for (key, value) in raw {
        let text = value.get();
        let value = if text.starts_with('"') {
            serde_json::from_str::<String>(text).ok()?
        } else if text == "null" {
            String::new()
        } else {
            text.to_owned()
        };
        fields.insert(key, value);
    }
    Some(fields)
}

/// The fields of a `multipart/form-data` body. A file part's value is its file name, its
/// size and the type its bytes' signature says, `name (N bytes, png)`; text parts must be
/// UTF-8.
fn multipart(content_type: &str, body: &[u8]) -> Option<BTreeMap<String, String>> {
    let boundary = content_type.split("boundary=").nth(1)?.trim_matches('"');
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut fields = BTreeMap::new();
    let mut starts = Vec::new();
    let mut at = 0;
    while let Some(found) = find(body.get(at..)?, delimiter) {
        starts.push(at + found);
        at += found + delimiter.len();
    }
    for pair in starts.windows(2) {
        let &[start, to] = pair else { continue };
        let from = start + delimiter.len();
        let part = body.get(from..to)?.strip_prefix(b"\r\n")?;
        let head_end = find(part, b"\r\n\r\n")?;
        let head = std::str::from_utf8(part.get(..head_end)?).ok()?;
        let value = part.get(head_end + 4..)?;
        let value = value.strip_suffix(b"\r\n").unwrap_or(value);
        let name = head.split("name=\"").nth(1)?.split('"').next()?;
        let text = match head.split("filename=\"").nth(1) {
            Some(rest) => format!(
                "{} ({} bytes, {})",
                rest.split('"').next()?,
                value.len(),
                file_type(value)
            ),
            None => std::str::from_utf8(value).ok()?.to_owned(),
        };
        fields.insert(name.to_owned(), text);
    }
    Some(fields)
}

/// The type a file's first bytes say: `png`, `jpeg`, `gif` or `other`.
fn file_type(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "jpeg"
    } else if bytes.starts_with(b"GIF8") {
        "gif"
    } else {
        "other"
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

pub(super) fn hmac_b64(key: &str, message: &str) -> String {
    match Hmac::<Sha512>::new_from_slice(key.as_bytes()) {
        Ok(mut mac) => {
            mac.update(message.as_bytes());
            BASE64.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// PayWay's `req_time`: exactly 14 digits, `YYYYMMDDhhmmss` in UTC.
fn parse_request_time(text: &str) -> Option<OffsetDateTime> {
    if text.len() != 14 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    PrimitiveDateTime::parse(
        text,
        time::macros::format_description!("[year][month][day][hour][minute][second]"),
    )
    .ok()
    .map(PrimitiveDateTime::assume_utc)
}

/// Checks merchant, hash and freshness; returns the fields or the refusal.
pub(super) fn verify(
    shared: &Shared,
    spec: Spec,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<BTreeMap<String, String>, Response> {
    let fields = fields_of(body, headers).ok_or_else(|| {
        error(
            StatusCode::BAD_REQUEST,
            if spec.portal { "PTL04" } else { "11" },
            "Parameter validation required",
        )
    })?;
    let get = |name: &str| fields.get(name).map(String::as_str).unwrap_or("");
    let preimage: String = spec.order.iter().map(|name| get(name)).collect();
    let expected = hmac_b64(&shared.credentials.payway.api_key, &preimage);
    if get("hash").as_bytes() != expected.as_bytes() {
        return Err(error(StatusCode::FORBIDDEN, spec.wrong_hash, "Wrong Hash"));
    }
    if get("merchant_id") != shared.credentials.payway.merchant_id {
        return Err(error(
            StatusCode::FORBIDDEN,
            spec.bad_merchant,
            "Invalid merchant profile",
        ));
    }
    let fresh = parse_request_time(get(spec.time_field)).is_some_and(|t| {
        let skew = shared.now() - t;
        skew.unsigned_abs() <= FRESHNESS
    });
    if !fresh {
        return Err(if spec.portal {
            error(StatusCode::BAD_REQUEST, "PTL06", "The request has expired")
        } else {
            error(
                StatusCode::FORBIDDEN,
                spec.wrong_hash,
                "Wrong Hash (req_time is not a current UTC time)",
            )
        });
    }
    Ok(fields)
}

/// The fields as the strictness table reads them, once the request's merchant, hash and
/// `req_time` are checked as the endpoint's handler checks them: each as text, and
/// `merchant_auth`, when it decrypts to a JSON object, as that object (its rows read
/// `merchant_auth.<name>`).
pub(super) fn strict_fields(
    shared: &Shared,
    endpoint: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<serde_json::Value> {
    let fields = verify(shared, spec_for(endpoint)?, headers, body).ok()?;
    let mut object = serde_json::Map::new();
    for (name, value) in fields {
        let decrypted = (name == "merchant_auth")
            .then(|| plaintext(&value))
            .flatten()
            .and_then(|text| serde_json::from_slice::<serde_json::Value>(&text).ok())
            .filter(serde_json::Value::is_object);
        object.insert(name, decrypted.unwrap_or(serde_json::Value::String(value)));
    }
    Some(serde_json::Value::Object(object))
}

/// PayWay's answer to a request breaking `rule`: the binding layer's shape (an `errors` map
/// naming the field) for code `04`, the endpoint's `status` otherwise.
pub(super) fn strict_refusal(rule: &crate::strictness::FieldRule) -> Response {
    let http = StatusCode::from_u16(rule.refusal.http).unwrap_or(StatusCode::BAD_REQUEST);
    if rule.refusal.code != "04" {
        return error(http, rule.refusal.code, rule.refusal.message);
    }
    let field = rule.field.rsplit('.').next().unwrap_or(rule.field);
    J::O(vec![(
        "status",
        J::O(vec![
            ("code", J::s("04")),
            ("message", J::s(rule.refusal.message)),
            (
                "errors",
                J::O(vec![(
                    field,
                    J::A(vec![J::s(format!("The {field} field is invalid."))]),
                )]),
            ),
        ]),
    )])
    .respond(http)
}

/// `merchant_auth` decrypted with the simulator's key; `None` when it does not decrypt.
fn plaintext(merchant_auth: &str) -> Option<Vec<u8>> {
    let ciphertext = BASE64.decode(merchant_auth).ok()?;
    let key = super::simulated::private_key()?;
    let block = key.size();
    if ciphertext.is_empty() || ciphertext.len() % block != 0 {
        return None;
    }
    let mut plaintext = Vec::new();
    for chunk in ciphertext.chunks(block) {
        plaintext.extend_from_slice(&key.decrypt(Pkcs1v15Encrypt, chunk).ok()?);
    }
    Some(plaintext)
}

/// The decrypted `merchant_auth`.
#[derive(Deserialize)]
pub(super) struct MerchantAuth {
    pub(super) mc_id: String,
    pub(super) tran_id: String,
    #[serde(default, deserialize_with = "crate::json::option_decimal")]
    pub(super) refund_amount: Option<Decimal>,
    #[serde(default, deserialize_with = "crate::json::option_decimal")]
    pub(super) complete_amount: Option<Decimal>,
    /// A completion's shares paid out to other accounts.
    #[serde(default)]
    pub(super) payout: Option<Vec<PayoutShare>>,
}

/// One `payout` entry of a completion's `merchant_auth`.
#[derive(Deserialize)]
pub(super) struct PayoutShare {
    pub(super) acc: String,
    #[serde(deserialize_with = "crate::json::option_decimal")]
    pub(super) amt: Option<Decimal>,
}

pub(super) fn merchant_auth(
    shared: &Shared,
    fields: &BTreeMap<String, String>,
) -> Result<MerchantAuth, Response> {
    decrypted(shared, fields, |auth: &MerchantAuth| &auth.mc_id)
}

/// `merchant_auth` decrypted with the simulator's key and read as `T`, whose `mc_id` must be
/// the merchant's.
pub(super) fn decrypted<T: serde::de::DeserializeOwned>(
    shared: &Shared,
    fields: &BTreeMap<String, String>,
    mc_id: fn(&T) -> &str,
) -> Result<T, Response> {
    let invalid = || error(StatusCode::BAD_REQUEST, "PTL05", "Parameter invalid format");
    let plaintext = plaintext(
        fields
            .get("merchant_auth")
            .map(String::as_str)
            .unwrap_or(""),
    )
    .ok_or_else(invalid)?;
    let auth: T = serde_json::from_slice(&plaintext).map_err(|_| invalid())?;
    if mc_id(&auth) != shared.credentials.payway.merchant_id {
        return Err(error(
            StatusCode::FORBIDDEN,
            "PTL62",
            "Invalid merchant information",
        ));
    }
    Ok(auth)
}
