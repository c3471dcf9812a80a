//! The vocabulary of PayWay's credentials on file (v3): who the customer is (`ctid`), the
//! token PayWay issues for a saved account or card (`pwt`, a secret), the link request that
//! produced it (`request_id`), and the flags that say who may start a payment with it.
//!
//! The flow: link an ABA account ([`crate::PaywayClient::link_account`]: a QR or deep link
//! the customer approves in ABA Mobile) or a card ([`crate::PaywayClient::card_link_form`]: a
//! form the customer's browser posts to PayWay's add-card page); PayWay calls `callback_url`
//! with the link's `request_id` (unsigned: use it only as a key), and the token is read with
//! [`crate::PaywayClient::token_details`]. Payments with the token
//! ([`crate::PaywayClient::pay_with_token`]) are confirmed like any other, by a read.
//!
//! Sources: the hash orders and the flag values were accepted by PayWay's sandbox in an
//! independent SDK's probes; the answers' fields (`data.qr_string`, `data.deeplink`,
//! `data.pwt`, `data.status`) come from independent integrations, not from a page of
//! PayWay's, so every answer is also kept raw.

use paygate_core::secrecy::{ExposeSecret, SecretString};
use paygate_core::{Error, Result};

/// `ctid`: the merchant's own id for the customer, 1 to 255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConsumerTokenId(String);

impl ConsumerTokenId {
    /// Checks `ctid`.
    pub fn new(ctid: impl Into<String>) -> Result<ConsumerTokenId> {
        visible_ascii("ctid", ctid.into(), 1, 255).map(ConsumerTokenId)
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ConsumerTokenId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `pwt`: the payment token PayWay issued for a saved account or card. Whoever holds it with
/// the merchant's keys can charge the customer, so it is a secret: never in `Debug`, logs or
/// errors; [`PaymentToken::expose_secret`] gives the text to store (encrypted) or send.
#[derive(Clone)]
pub struct PaymentToken(SecretString);

impl PaymentToken {
    /// Checks `pwt` (1 to 255 visible ASCII characters). The error does not quote it.
    pub fn new(pwt: impl Into<String>) -> Result<PaymentToken> {
        visible_ascii("pwt", pwt.into(), 1, 255).map(|t| PaymentToken(SecretString::from(t)))
    }

    /// The token's text.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for PaymentToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PaymentToken(<redacted>)")
    }
}

impl PartialEq for PaymentToken {
    fn eq(&self, other: &PaymentToken) -> bool {
        self.expose_secret() == other.expose_secret()
    }
}

impl Eq for PaymentToken {}

/// `request_id`: the merchant's id for one link request, 5 to 24 letters, digits, `-` or
/// `_`. It names the token in [`crate::PaywayClient::token_details`] and arrives in the
/// link callback.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LinkRequestId(String);

impl LinkRequestId {
    /// Checks `request_id`.
    pub fn new(request_id: impl Into<String>) -> Result<LinkRequestId> {
        let request_id = request_id.into();
        let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if !(5..=24).contains(&request_id.len()) || !request_id.chars().all(allowed) {
            return Err(Error::invalid(
                "request_id",
                "must be 5 to 24 letters, digits, '-' or '_'",
            ));
        }
        Ok(LinkRequestId(request_id))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for LinkRequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `token_flag` when saving credentials: who may start later payments and whether their
/// amount is fixed. The link endpoints take the first four (their validation lists exactly
/// these); [`LinkTokenFlag::CitrFix`] is the subscription purchase's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LinkTokenFlag {
    /// `CITI_FLEX`: the customer starts each payment (one click), any amount.
    CitiFlex,
    /// `CITO_FLEX`: the merchant may also charge without the customer present, any amount.
    CitoFlex,
    /// `CITO_FIX`: as `CITO_FLEX`, a fixed amount.
    CitoFix,
    /// `CITR_FLEX`: recurring at a [`BillingFrequency`], any amount.
    CitrFlex,
    /// `CITR_FIX`: recurring at a [`BillingFrequency`], a fixed amount (subscription
    /// purchase only).
    CitrFix,
}

impl LinkTokenFlag {
    /// PayWay's name.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkTokenFlag::CitiFlex => "CITI_FLEX",
            LinkTokenFlag::CitoFlex => "CITO_FLEX",
            LinkTokenFlag::CitoFix => "CITO_FIX",
            LinkTokenFlag::CitrFlex => "CITR_FLEX",
            LinkTokenFlag::CitrFix => "CITR_FIX",
        }
    }

    /// The flag PayWay names `name`, if any.
    pub fn from_name(name: &str) -> Option<LinkTokenFlag> {
        [
            LinkTokenFlag::CitiFlex,
            LinkTokenFlag::CitoFlex,
            LinkTokenFlag::CitoFix,
            LinkTokenFlag::CitrFlex,
            LinkTokenFlag::CitrFix,
        ]
        .into_iter()
        .find(|flag| flag.as_str() == name)
    }

    /// True for the recurring flags, which need a [`BillingFrequency`].
    pub fn is_recurring(self) -> bool {
        matches!(self, LinkTokenFlag::CitrFlex | LinkTokenFlag::CitrFix)
    }
}

/// `token_flag` of a payment with a saved token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PayTokenFlag {
    /// `CITU_FLEX`: the customer is present and starts it.
    CituFlex,
    /// `MITU_FLEX`: the merchant charges, unscheduled, any amount.
    MituFlex,
    /// `MITU_FIX`: the merchant charges, unscheduled, the fixed amount.
    MituFix,
    /// `MITR_FLEX`: the merchant charges a recurring payment, any amount.
    MitrFlex,
    /// `MITR_FIX`: the merchant charges a recurring payment, the fixed amount.
    MitrFix,
}

impl PayTokenFlag {
    /// PayWay's name.
    pub fn as_str(self) -> &'static str {
        match self {
            PayTokenFlag::CituFlex => "CITU_FLEX",
            PayTokenFlag::MituFlex => "MITU_FLEX",
            PayTokenFlag::MituFix => "MITU_FIX",
            PayTokenFlag::MitrFlex => "MITR_FLEX",
            PayTokenFlag::MitrFix => "MITR_FIX",
        }
    }

    /// The flag PayWay names `name`, if any.
    pub fn from_name(name: &str) -> Option<PayTokenFlag> {
        [
            PayTokenFlag::CituFlex,
            PayTokenFlag::MituFlex,
            PayTokenFlag::MituFix,
            PayTokenFlag::MitrFlex,
            PayTokenFlag::MitrFix,
        ]
        .into_iter()
        .find(|flag| flag.as_str() == name)
    }
}

/// `frequency` of a recurring token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BillingFrequency {
    /// `1W`.
    Weekly,
    /// `1M`.
    Monthly,
    /// `2M`.
    EveryTwoMonths,
}

impl BillingFrequency {
    /// PayWay's name.
    pub fn as_str(self) -> &'static str {
        match self {
            BillingFrequency::Weekly => "1W",
            BillingFrequency::Monthly => "1M",
            BillingFrequency::EveryTwoMonths => "2M",
        }
    }
}

/// Saving the payer's credentials with a purchase (a subscription's first payment): the
/// purchase then carries `ctid`, `token_flag` and `frequency`, signed where
/// [`crate::endpoint::order::PURCHASE`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveCredential {
    /// `ctid`.
    pub ctid: ConsumerTokenId,
    /// `token_flag`.
    pub token_flag: LinkTokenFlag,
    /// `frequency`: required with a recurring flag, refused with any other.
    pub frequency: Option<BillingFrequency>,
}

/// `frequency` checked against `flag`: a recurring flag needs one (PayWay refuses the link
/// without), another flag takes none.
pub(crate) fn frequency_for(
    flag: LinkTokenFlag,
    frequency: Option<BillingFrequency>,
) -> Result<Option<&'static str>> {
    match (flag.is_recurring(), frequency) {
        (true, None) => Err(Error::invalid(
            "frequency",
            format!("{} is recurring: set a billing frequency", flag.as_str()),
        )),
        (false, Some(_)) => Err(Error::invalid(
            "frequency",
            format!("{} is not recurring: it takes no frequency", flag.as_str()),
        )),
        (_, frequency) => Ok(frequency.map(BillingFrequency::as_str)),
    }
}

/// The link endpoints take CITI_FLEX, CITO_FLEX, CITO_FIX and CITR_FLEX only.
pub(crate) fn link_flag(flag: LinkTokenFlag) -> Result<&'static str> {
    if flag == LinkTokenFlag::CitrFix {
        return Err(Error::invalid(
            "token_flag",
            "the link endpoints take CITI_FLEX, CITO_FLEX, CITO_FIX or CITR_FLEX",
        ));
    }
    Ok(flag.as_str())
}

/// `value`, `min` to `max` visible ASCII characters; the error names `field` and never
/// quotes the value (a token is a secret).
fn visible_ascii(field: &'static str, value: String, min: usize, max: usize) -> Result<String> {
    if value.len() < min || value.len() > max || !value.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Error::invalid(
            field,
            format!("must be {min} to {max} visible ASCII characters"),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_never_show_in_debug_or_errors() {
        let token = PaymentToken::new("pwt-SECRET-123").unwrap();
        assert_eq!(format!("{token:?}"), "PaymentToken(<redacted>)");
        let error = PaymentToken::new("pwt SECRET with space").unwrap_err();
        assert!(!format!("{error:?} {error}").contains("SECRET"));
        assert_eq!(token.expose_secret(), "pwt-SECRET-123");
    }

    #[test]
    fn ids_and_flags_are_checked() {
        assert!(ConsumerTokenId::new("").is_err());
        assert!(ConsumerTokenId::new("a".repeat(256)).is_err());
        assert!(ConsumerTokenId::new("cust 1").is_err());
        assert!(ConsumerTokenId::new("cust-1@shop").is_ok());
        assert!(LinkRequestId::new("abcd").is_err());
        assert!(LinkRequestId::new("a".repeat(25)).is_err());
        assert!(LinkRequestId::new("req.0001").is_err());
        assert!(LinkRequestId::new("req_0001").is_ok());
        for flag in [
            "CITI_FLEX",
            "CITO_FLEX",
            "CITO_FIX",
            "CITR_FLEX",
            "CITR_FIX",
        ] {
            assert_eq!(
                LinkTokenFlag::from_name(flag).map(|f| f.as_str()),
                Some(flag)
            );
        }
        for flag in [
            "CITU_FLEX",
            "MITU_FLEX",
            "MITU_FIX",
            "MITR_FLEX",
            "MITR_FIX",
        ] {
            assert_eq!(
                PayTokenFlag::from_name(flag).map(|f| f.as_str()),
                Some(flag)
            );
        }
        assert!(link_flag(LinkTokenFlag::CitrFix).is_err());
        assert!(frequency_for(LinkTokenFlag::CitrFlex, None).is_err());
        assert!(frequency_for(LinkTokenFlag::CitiFlex, Some(BillingFrequency::Weekly)).is_err());
        assert_eq!(
            frequency_for(
                LinkTokenFlag::CitrFlex,
                Some(BillingFrequency::EveryTwoMonths)
            )
            .unwrap(),
            Some("2M")
        );
    }
}
