//! Creating a payment: the request, the customer and items, and what the customer must do next.

use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;
use url::Url;

use super::RawResponse;
use crate::error::{Error, Result};
use crate::id::{IdempotencyKey, OrderId};
use crate::money::Money;

/// The customer, as far as the merchant knows and the provider wants.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Customer {
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Phone number, as the provider wants it (e.g. with country code).
    pub phone: Option<String>,
}

impl Customer {
    /// An empty customer; set fields with struct update syntax or the setters.
    pub fn new() -> Customer {
        Customer::default()
    }

    /// Sets the names.
    pub fn name(mut self, first: impl Into<String>, last: impl Into<String>) -> Self {
        self.first_name = Some(first.into());
        self.last_name = Some(last.into());
        self
    }

    /// Sets the e-mail address.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// Sets the phone number.
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct LineItem {
    /// What it is.
    pub name: String,
    /// How many.
    pub quantity: u32,
    /// Price of one.
    pub unit_price: Money,
}

impl LineItem {
    /// A line item; quantity must be at least 1.
    pub fn new(name: impl Into<String>, quantity: u32, unit_price: Money) -> Result<LineItem> {
        if quantity == 0 {
            return Err(Error::invalid("items.quantity", "must be at least 1"));
        }
        Ok(LineItem {
            name: name.into(),
            quantity,
            unit_price,
        })
    }

    /// `quantity × unit_price`.
    pub fn total(&self) -> Result<Money> {
        let total = self
            .unit_price
            .amount()
            .checked_mul(self.quantity.into())
            .ok_or_else(|| Error::invalid("items", "line total overflows"))?;
        Money::new(total, self.unit_price.currency()).map_err(|e| e.for_field("items"))
    }
}

/// Whether funds are captured at once or only held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureMode {
    /// Capture at once (a normal purchase).
    #[default]
    Automatic,
    /// Hold only (pre-authorization); complete with `capture` or release with `void`.
    Manual,
}

/// A request to create a payment (checkout).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreatePayment {
    /// The merchant's unique order id.
    pub order_id: OrderId,
    /// The amount to charge.
    pub amount: Money,
    /// What is being paid for.
    pub description: Option<String>,
    /// Who pays.
    pub customer: Option<Customer>,
    /// What is bought; when given, the line totals must add up to `amount`.
    pub items: Vec<LineItem>,
    /// Where the customer's browser goes after paying.
    pub return_url: Option<Url>,
    /// Where the customer's browser goes after abandoning.
    pub cancel_url: Option<Url>,
    /// Where the provider sends its server-to-server notification.
    pub callback_url: Option<Url>,
    /// How long the customer has to pay.
    pub expires_in: Option<Duration>,
    /// Purchase or pre-authorization.
    pub capture: CaptureMode,
    /// The caller's key for this creation (see [`IdempotencyKey`]); a write journal uses the
    /// order id when there is none, since an order is created once.
    pub idempotency_key: Option<IdempotencyKey>,
}

impl CreatePayment {
    /// A payment of `amount` (greater than zero) for `order_id`.
    pub fn new(order_id: OrderId, amount: Money) -> Result<CreatePayment> {
        let amount = amount.positive().map_err(|e| e.for_field("amount"))?;
        Ok(CreatePayment {
            order_id,
            amount,
            description: None,
            customer: None,
            items: Vec::new(),
            return_url: None,
            cancel_url: None,
            callback_url: None,
            expires_in: None,
            capture: CaptureMode::Automatic,
            idempotency_key: None,
        })
    }

    /// Sets the idempotency key.
    pub fn idempotency_key(mut self, key: IdempotencyKey) -> Self {
        self.idempotency_key = Some(key);
        self
    }

    /// Sets the description.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Sets the customer.
    pub fn customer(mut self, customer: Customer) -> Self {
        self.customer = Some(customer);
        self
    }

    /// Adds a line item.
    pub fn item(mut self, item: LineItem) -> Self {
        self.items.push(item);
        self
    }

    /// Sets the return URL.
    pub fn return_url(mut self, url: Url) -> Self {
        self.return_url = Some(url);
        self
    }

    /// Sets the cancel URL.
    pub fn cancel_url(mut self, url: Url) -> Self {
        self.cancel_url = Some(url);
        self
    }

    /// Sets the callback (webhook) URL.
    pub fn callback_url(mut self, url: Url) -> Self {
        self.callback_url = Some(url);
        self
    }

    /// Sets the payment window.
    pub fn expires_in(mut self, window: Duration) -> Self {
        self.expires_in = Some(window);
        self
    }

    /// Hold the funds only (pre-authorization).
    pub fn authorize_only(mut self) -> Self {
        self.capture = CaptureMode::Manual;
        self
    }

    /// Checks what every provider needs: a positive amount, items (if any) of the same
    /// currency adding up to it, and return, cancel and callback URLs that are `https` (plain
    /// `http` only to loopback; see [`crate::config::validate_merchant_url`]). Providers call
    /// this before building a request.
    pub fn validate(&self) -> Result<()> {
        self.amount.positive().map_err(|e| e.for_field("amount"))?;
        for (field, url) in [
            ("return_url", &self.return_url),
            ("cancel_url", &self.cancel_url),
            ("callback_url", &self.callback_url),
        ] {
            if let Some(url) = url {
                crate::config::validate_merchant_url(url)
                    .map_err(|reason| Error::invalid(field, reason))?;
            }
        }
        if self.items.is_empty() {
            return Ok(());
        }
        let mut sum = Money::zero(self.amount.currency());
        for item in &self.items {
            sum = sum
                .checked_add(&item.total()?)
                .map_err(|e| e.for_field("items"))?;
        }
        if sum != self.amount {
            return Err(Error::invalid(
                "items",
                format!(
                    "line totals add up to {sum}, not to the amount {}",
                    self.amount
                ),
            ));
        }
        Ok(())
    }
}

/// What the app must do next to let the customer pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum NextAction {
    /// Send the customer's browser to `url`.
    Redirect {
        /// The hosted payment page.
        url: Url,
    },
    /// Render a form that POSTs `fields` to `url` (the provider wants a browser form post).
    PostForm {
        /// Form action.
        url: Url,
        /// Field names and values, in order.
        fields: Vec<(String, String)>,
    },
    /// Show a QR code (and/or open a deep link).
    ShowQr {
        /// The QR payload.
        qr_string: String,
        /// An app deep link, if any.
        deeplink: Option<String>,
        /// A hosted page showing the QR, if any.
        url: Option<Url>,
        /// The QR drawn by the provider, as a data URL (`data:image/png;base64,…`), if it
        /// sends one; otherwise draw `qr_string`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        image: Option<String>,
    },
    /// Show a payment code (virtual account, convenience store code).
    PayWithCode {
        /// The code to pay to.
        code: String,
    },
}

/// A created payment, with what the customer must do next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Checkout {
    /// Provider name.
    pub provider: &'static str,
    /// The merchant's order id.
    pub order_id: OrderId,
    /// The id that [`crate::PaymentGateway::payment_status`], refunds and the other calls on
    /// this payment take: the merchant's order id, or the provider's own where its API is
    /// keyed by that (PayG's `OrderKeyId`). Keep it with the order.
    pub payment_id: OrderId,
    /// The provider's own id for the order, when it gives one (PayG `OrderKeyId`).
    pub provider_reference: Option<String>,
    /// What to do next.
    pub next_action: NextAction,
    /// When the checkout stops accepting payment, if known.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// The answer as received.
    #[serde(skip)]
    pub raw: RawResponse,
}

impl Checkout {
    /// A checkout result.
    pub fn new(
        provider: &'static str,
        order_id: OrderId,
        next_action: NextAction,
        raw: RawResponse,
    ) -> Checkout {
        Checkout {
            provider,
            payment_id: order_id.clone(),
            order_id,
            provider_reference: None,
            next_action,
            expires_at: None,
            raw,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn usd(s: &str) -> Money {
        Money::parse(s, Currency::USD).unwrap()
    }

    #[test]
    fn items_must_add_up() {
        let id = OrderId::new("A1").unwrap();
        let ok = CreatePayment::new(id.clone(), usd("10.00"))
            .unwrap()
            .item(LineItem::new("tea", 2, usd("2.50")).unwrap())
            .item(LineItem::new("cake", 1, usd("5")).unwrap());
        assert!(ok.validate().is_ok());
        let bad = CreatePayment::new(id, usd("10.00"))
            .unwrap()
            .item(LineItem::new("tea", 3, usd("2.50")).unwrap());
        assert_eq!(
            bad.validate().unwrap_err().to_string(),
            "invalid items: line totals add up to 7.50 USD, not to the amount 10.00 USD"
        );
        assert!(LineItem::new("none", 0, usd("1")).is_err());
    }
}
