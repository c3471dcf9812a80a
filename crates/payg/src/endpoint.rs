//! PayG's endpoints answer errors by HTTP status (its `Code` values are undocumented): which
//! are refusals. The paths are in each `ops` file.

use paygate_core::ProviderErrorKind;

/// The kind of refusal an error answer is, from its HTTP status (PayG's `Code` values are
/// undocumented): 400 / 411 / 412 / 422 validation, 401 / 403 auth, 404 not found, 409
/// invalid state, 429 rate limited, 5xx server; an error naming a field (`FieldName`) is a
/// validation error whatever its status. `None`: not a refusal the SDK recognises — an error
/// object inside HTTP 200 or 3xx without a field name — which on a write is an unknown outcome.
pub fn refusal_kind(http_status: u16, field_named: bool) -> Option<ProviderErrorKind> {
    Some(match http_status {
        400 | 411 | 412 | 422 => ProviderErrorKind::Validation,
        401 | 403 => ProviderErrorKind::Auth,
        404 => ProviderErrorKind::NotFound,
        409 => ProviderErrorKind::InvalidState,
        429 => ProviderErrorKind::RateLimited { retry_after: None },
        500..=599 => ProviderErrorKind::Server,
        _ if field_named => ProviderErrorKind::Validation,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_by_http_status() {
        use ProviderErrorKind as K;
        for (status, field, kind) in [
            (400, false, Some(K::Validation)),
            (411, false, Some(K::Validation)),
            (412, false, Some(K::Validation)),
            (422, false, Some(K::Validation)),
            (401, false, Some(K::Auth)),
            (403, false, Some(K::Auth)),
            (404, false, Some(K::NotFound)),
            (409, false, Some(K::InvalidState)),
            (429, false, Some(K::RateLimited { retry_after: None })),
            (500, false, Some(K::Server)),
            (503, false, Some(K::Server)),
            (200, true, Some(K::Validation)),
            // An error object in a 200 (or a 3xx) naming no field proves nothing was done.
            (200, false, None),
            (302, false, None),
            (418, false, None),
        ] {
            assert_eq!(refusal_kind(status, field), kind, "{status} {field}");
        }
    }
}
