//! Money: an exact decimal amount in a currency, never a float.
//!
//! The exponent of a [`Currency`] is the number of decimals the providers accept, which for
//! KHR and IDR is 0 (ISO 4217 lists 2, but neither has minor units in use, PayWay rejects
//! fractional riel and Finpay takes integer rupiah).

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;

/// Amounts must be below 10^16 major units (the 16 integer digits of decimal(18,2)).
pub const MAX_AMOUNT_MAJOR: i64 = 9_999_999_999_999_999;
const AMOUNT_LIMIT: i64 = 10_000_000_000_000_000;

/// An ISO 4217 currency with the number of decimals used on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; 3],
    exponent: u8,
}

/// Currencies known by code, with the exponent used on the wire.
const KNOWN: &[([u8; 3], u8)] = &[
    (*b"USD", 2),
    (*b"KHR", 0),
    (*b"IDR", 0),
    (*b"INR", 2),
    (*b"EUR", 2),
    (*b"GBP", 2),
    (*b"SGD", 2),
    (*b"THB", 2),
    (*b"MYR", 2),
    (*b"AUD", 2),
    (*b"CAD", 2),
    (*b"HKD", 2),
    (*b"CNY", 2),
    (*b"PHP", 2),
    (*b"JPY", 0),
    (*b"KRW", 0),
    (*b"VND", 0),
];

impl Currency {
    /// US dollar, 2 decimals.
    pub const USD: Currency = Currency::known(*b"USD", 2);
    /// Cambodian riel, 0 decimals (PayWay takes whole riel).
    pub const KHR: Currency = Currency::known(*b"KHR", 0);
    /// Indonesian rupiah, 0 decimals (Finpay takes whole rupiah).
    pub const IDR: Currency = Currency::known(*b"IDR", 0);
    /// Indian rupee, 2 decimals.
    pub const INR: Currency = Currency::known(*b"INR", 2);

    const fn known(code: [u8; 3], exponent: u8) -> Currency {
        Currency { code, exponent }
    }

    /// A currency from its three-letter code (ASCII, any case), for the codes this crate knows.
    /// Use [`Currency::custom`] for others.
    pub fn from_code(code: &str) -> Result<Currency, MoneyError> {
        let upper = normalize_code(code)?;
        KNOWN
            .iter()
            .find(|(c, _)| *c == upper)
            .map(|&(code, exponent)| Currency { code, exponent })
            .ok_or_else(|| MoneyError::UnknownCurrency(code.chars().take(8).collect()))
    }

    /// A currency with an explicit exponent (0 to 4).
    pub fn custom(code: &str, exponent: u8) -> Result<Currency, MoneyError> {
        let code = normalize_code(code)?;
        if exponent > 4 {
            return Err(MoneyError::UnknownCurrency(format!(
                "{} with {exponent} decimals",
                String::from_utf8_lossy(&code)
            )));
        }
        Ok(Currency { code, exponent })
    }

    /// The upper-case code, e.g. `"USD"`.
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.code).unwrap_or("XXX")
    }

    /// Number of decimals on the wire.
    pub fn exponent(&self) -> u8 {
        self.exponent
    }
}

fn normalize_code(code: &str) -> Result<[u8; 3], MoneyError> {
    let bytes = code.as_bytes();
    match bytes {
        [a, b, c] if bytes.iter().all(u8::is_ascii_alphabetic) => Ok([
            a.to_ascii_uppercase(),
            b.to_ascii_uppercase(),
            c.to_ascii_uppercase(),
        ]),
        _ => Err(MoneyError::UnknownCurrency(code.chars().take(8).collect())),
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::from_code(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::from_code(&s).map_err(serde::de::Error::custom)
    }
}

/// Why an amount was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// Not a plain decimal number (`"10.50"`).
    #[error("{0:?} is not a decimal amount like 10.50")]
    Malformed(String),
    /// Below zero.
    #[error("amount is negative")]
    Negative,
    /// Zero where a positive amount is needed.
    #[error("amount must be greater than zero")]
    Zero,
    /// More decimals than the currency (or provider) allows.
    #[error("{amount} has more decimals than {currency} allows ({max})")]
    TooPrecise {
        /// The amount as given.
        amount: String,
        /// Currency code.
        currency: String,
        /// Decimals allowed.
        max: u8,
    },
    /// Larger than [`MAX_AMOUNT_MAJOR`] or than a provider limit.
    #[error("amount is larger than {0}")]
    TooLarge(String),
    /// Two amounts of different currencies were combined.
    #[error("currency mismatch: {0} vs {1}")]
    CurrencyMismatch(String, String),
    /// The currency code is not known.
    #[error("unknown currency {0:?}")]
    UnknownCurrency(String),
}

impl MoneyError {
    /// Turns this into an [`Error::InvalidInput`] naming `field`.
    pub fn for_field(self, field: impl Into<std::borrow::Cow<'static, str>>) -> Error {
        Error::invalid(field, self.to_string())
    }
}

impl From<MoneyError> for Error {
    fn from(e: MoneyError) -> Self {
        e.for_field("amount")
    }
}

/// An exact, non-negative amount in a currency, at most [`Currency::exponent`] decimals.
///
/// Equality and ordering compare value, not representation: `10.5 USD == 10.50 USD`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// An amount from a decimal: rejects negative, over-precise and too large values.
    /// Zero is allowed (providers report zero refunded); requests check for positive amounts.
    pub fn new(amount: Decimal, currency: Currency) -> Result<Money, MoneyError> {
        if amount.is_zero() {
            // Also turns -0 into 0, keeping the sign out of formatting.
            return Ok(Money::zero(currency));
        }
        if amount.is_sign_negative() {
            return Err(MoneyError::Negative);
        }
        if amount >= Decimal::from(AMOUNT_LIMIT) {
            return Err(MoneyError::TooLarge(MAX_AMOUNT_MAJOR.to_string()));
        }
        let normalized = amount.normalize();
        if normalized.scale() > u32::from(currency.exponent) {
            return Err(MoneyError::TooPrecise {
                amount: amount.to_string(),
                currency: currency.code().to_owned(),
                max: currency.exponent,
            });
        }
        let mut amount = normalized;
        amount.rescale(u32::from(currency.exponent));
        Ok(Money { amount, currency })
    }

    /// Parses a plain decimal like `"10.50"` or `"100"`: digits, at most one `.` with digits on
    /// both sides; no sign, exponent, spaces or separators.
    pub fn parse(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        Money::new(parse_plain_decimal(text)?, currency)
    }

    /// An amount from integer minor units (cents, paise; whole units for 0-decimal currencies).
    pub fn from_minor_units(units: i64, currency: Currency) -> Result<Money, MoneyError> {
        if units < 0 {
            return Err(MoneyError::Negative);
        }
        Money::new(Decimal::new(units, u32::from(currency.exponent)), currency)
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Money {
        let mut amount = Decimal::ZERO;
        amount.rescale(u32::from(currency.exponent));
        Money { amount, currency }
    }

    /// The amount, scaled to the currency's exponent.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// True if zero.
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// Returns self if greater than zero.
    pub fn positive(self) -> Result<Money, MoneyError> {
        if self.is_zero() {
            Err(MoneyError::Zero)
        } else {
            Ok(self)
        }
    }

    /// Integer minor units (`10.50 USD` → 1050; `1000 KHR` → 1000).
    pub fn minor_units(&self) -> i128 {
        // The scale always equals the currency's exponent, so the mantissa is the minor units.
        self.amount.mantissa()
    }

    /// The amount with exactly the currency's decimals: `"10.50"`, `"100"`.
    pub fn format_amount(&self) -> String {
        self.amount.to_string()
    }

    /// The amount without trailing zeros: `"10.5"`, `"10"`.
    pub fn format_amount_trimmed(&self) -> String {
        self.amount.normalize().to_string()
    }

    /// Rejects amounts with more than `max_decimals` decimals (a provider tighter than ISO).
    pub fn with_max_decimals(self, max_decimals: u8) -> Result<Money, MoneyError> {
        if self.amount.normalize().scale() > u32::from(max_decimals) {
            return Err(MoneyError::TooPrecise {
                amount: self.format_amount_trimmed(),
                currency: self.currency.code().to_owned(),
                max: max_decimals,
            });
        }
        Ok(self)
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(
                self.currency.code().to_owned(),
                other.currency.code().to_owned(),
            ))
        }
    }

    /// Sum of two amounts of one currency.
    pub fn checked_add(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let sum = self
            .amount
            .checked_add(other.amount)
            .ok_or_else(|| MoneyError::TooLarge(MAX_AMOUNT_MAJOR.to_string()))?;
        Money::new(sum, self.currency)
    }

    /// Difference of two amounts of one currency; negative results are an error.
    pub fn checked_sub(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let difference = self
            .amount
            .checked_sub(other.amount)
            .ok_or(MoneyError::Negative)?;
        Money::new(difference, self.currency)
    }

    /// Compares two amounts of one currency.
    pub fn compare(&self, other: &Money) -> Result<Ordering, MoneyError> {
        self.same_currency(other)?;
        Ok(self.amount.cmp(&other.amount))
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({} {})", self.amount, self.currency)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

/// Parses `"10.50"`-style text strictly (see [`Money::parse`]).
pub fn parse_plain_decimal(text: &str) -> Result<Decimal, MoneyError> {
    let malformed = || MoneyError::Malformed(text.chars().take(40).collect());
    let (sign_negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || fraction.is_some_and(|f| !all_digits(f)) {
        return Err(malformed());
    }
    if sign_negative {
        return Err(MoneyError::Negative);
    }
    // More than 28 significant digits cannot be represented: that is "too large" (or too
    // precise, which `Money::new` reports once the value is known).
    if whole.trim_start_matches('0').len() > 28 {
        return Err(MoneyError::TooLarge(MAX_AMOUNT_MAJOR.to_string()));
    }
    Decimal::from_str_exact(digits).map_err(|_| {
        if fraction.is_some_and(|f| f.len() > 28) {
            MoneyError::TooPrecise {
                amount: text.chars().take(40).collect(),
                currency: String::new(),
                max: 28,
            }
        } else {
            MoneyError::TooLarge(MAX_AMOUNT_MAJOR.to_string())
        }
    })
}

/// `{"amount": "10.50", "currency": "USD"}`: amounts as strings so that no JSON reader
/// turns them into floats.
impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Money", 2)?;
        st.serialize_field("amount", &self.format_amount())?;
        st.serialize_field("currency", self.currency.code())?;
        st.end()
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            amount: String,
            currency: Currency,
        }
        let wire = Wire::deserialize(d)?;
        Money::parse(&wire.amount, wire.currency).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(s: &str) -> Result<Money, MoneyError> {
        Money::parse(s, Currency::USD)
    }

    #[test]
    fn parses_and_formats_to_the_currency_exponent() {
        assert_eq!(usd("10.5").unwrap().format_amount(), "10.50");
        assert_eq!(usd("10.50").unwrap().format_amount(), "10.50");
        assert_eq!(usd("10").unwrap().format_amount(), "10.00");
        assert_eq!(usd("0.01").unwrap().minor_units(), 1);
        assert_eq!(usd("10.500").unwrap().format_amount(), "10.50");
        let khr = Money::parse("1000", Currency::KHR).unwrap();
        assert_eq!(khr.format_amount(), "1000");
        assert_eq!(khr.minor_units(), 1000);
        let idr = Money::parse("200000", Currency::IDR).unwrap();
        assert_eq!(idr.to_string(), "200000 IDR");
        let inr = Money::parse("100", Currency::INR).unwrap();
        assert_eq!(inr.format_amount(), "100.00");
        assert_eq!(inr.format_amount_trimmed(), "100");
    }

    #[test]
    fn rejects_over_precise_amounts_per_currency() {
        assert!(matches!(
            usd("10.505"),
            Err(MoneyError::TooPrecise { max: 2, .. })
        ));
        assert!(matches!(
            Money::parse("1.5", Currency::KHR),
            Err(MoneyError::TooPrecise { max: 0, .. })
        ));
        assert!(matches!(
            Money::parse("1000.1", Currency::IDR),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert!(matches!(
            Money::parse("0.001", Currency::INR),
            Err(MoneyError::TooPrecise { .. })
        ));
        // A provider tighter than the currency.
        assert!(usd("10.5").unwrap().with_max_decimals(0).is_err());
        assert!(usd("10").unwrap().with_max_decimals(0).is_ok());
    }

    #[test]
    fn rejects_negative_malformed_and_overflowing_input() {
        assert_eq!(usd("-1"), Err(MoneyError::Negative));
        assert_eq!(usd("-0.01"), Err(MoneyError::Negative));
        for bad in [
            "", ".5", "5.", "1e3", "+1", " 1", "1 ", "1,000", "1_000", "ten", "1.2.3", "0x10",
            "NaN", "∞",
        ] {
            assert!(matches!(usd(bad), Err(MoneyError::Malformed(_))), "{bad:?}");
        }
        assert!(matches!(
            usd("10000000000000000"),
            Err(MoneyError::TooLarge(_))
        ));
        assert!(matches!(
            usd("99999999999999999999999999999999999999"),
            Err(MoneyError::TooLarge(_))
        ));
        assert!(usd("9999999999999999.99").is_ok());
        assert!(matches!(
            Money::new(Decimal::MAX, Currency::USD),
            Err(MoneyError::TooLarge(_))
        ));
        assert!(matches!(
            Money::from_minor_units(-5, Currency::USD),
            Err(MoneyError::Negative)
        ));
    }

    #[test]
    fn zero_is_representable_but_not_positive() {
        let zero = usd("0").unwrap();
        assert!(zero.is_zero());
        assert_eq!(zero, Money::zero(Currency::USD));
        assert_eq!(zero.positive(), Err(MoneyError::Zero));
        assert_eq!(usd("0.00").unwrap().format_amount(), "0.00");
    }

    #[test]
    fn arithmetic_for_refund_bookkeeping() {
        let paid = usd("10.00").unwrap();
        let first = usd("3.33").unwrap();
        let second = usd("6.67").unwrap();
        let refunded = first.checked_add(&second).unwrap();
        assert_eq!(refunded, paid);
        assert_eq!(paid.checked_sub(&first).unwrap(), usd("6.67").unwrap());
        assert_eq!(first.checked_sub(&paid), Err(MoneyError::Negative));
        assert_eq!(first.compare(&paid).unwrap(), Ordering::Less);
        let khr = Money::parse("100", Currency::KHR).unwrap();
        assert!(matches!(
            paid.checked_add(&khr),
            Err(MoneyError::CurrencyMismatch(..))
        ));
        assert!(matches!(
            paid.compare(&khr),
            Err(MoneyError::CurrencyMismatch(..))
        ));
        // 0.1 + 0.2 is exactly 0.3: no float anywhere.
        let a = usd("0.1").unwrap();
        let b = usd("0.2").unwrap();
        assert_eq!(a.checked_add(&b).unwrap().format_amount(), "0.30");
    }

    #[test]
    fn currencies_by_code() {
        assert_eq!(Currency::from_code("usd").unwrap(), Currency::USD);
        assert_eq!(Currency::from_code("KHR").unwrap().exponent(), 0);
        assert!(Currency::from_code("US").is_err());
        assert!(Currency::from_code("ZZZ").is_err());
        assert!(Currency::from_code("U$D").is_err());
        assert_eq!(Currency::custom("xau", 4).unwrap().code(), "XAU");
        assert!(Currency::custom("xau", 9).is_err());
    }

    #[test]
    fn serde_uses_strings_for_amounts() {
        let m = usd("12.30").unwrap();
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":"12.30","currency":"USD"}"#);
        let back: Money = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1.005","currency":"USD"}"#).is_err());
    }

    #[test]
    fn money_error_names_the_field() {
        let e = usd("1.001").unwrap_err().for_field("refund.amount");
        assert_eq!(
            e.to_string(),
            "invalid refund.amount: 1.001 has more decimals than USD allows (2)"
        );
    }
}
