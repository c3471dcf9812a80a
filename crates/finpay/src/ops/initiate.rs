//! `POST /pg/payment/card/initiate`: one endpoint for every channel; `sourceOfFunds.type`
//! picks it (`cc`, `qris`, `vabca`, `finpaycode`, `dana`, …), and leaving it out gives the
//! hosted page where the customer chooses.
//!
//! The answer carries `redirecturl` (hosted or pending page), `paymentCode` (VA / pay code),
//! `appurl` (e-wallet deep link), `imageurl` (QR) and `expiryLink` (Jakarta time assumed).
//! `customer.mobilePhone` must be E.164 (`+62…`): Finpay refuses `0812…`.

use paygate_core::http::Method;
use paygate_core::transport::{Call, CallContext};
use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{
    CreatePayment, Currency, Error, Money, NativeResponse, Operation, OrderId, Result, Url,
};

use super::{ORDER_ID_RULES, parse_answer, request, wire_amount};
use crate::config::FinpayConfig;
use crate::wire::{Customer, InitiateRequest, InitiateResponse, Item, Order, Urls};

/// The path.
pub const PATH: &str = "/pg/payment/card/initiate";

/// Checks an E.164 phone number (`+` and 7 to 15 digits).
pub fn check_mobile_phone(phone: &str) -> Result<()> {
    let digits = phone.strip_prefix('+').unwrap_or("");
    if (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
    {
        Ok(())
    } else {
        Err(Error::invalid(
            "customer.mobilePhone",
            "Finpay needs an E.164 number like +6281234567890 (a leading 0 is refused)",
        ))
    }
}

/// Checks a customer's fields against Finpay's Customer object: id and email at most 320
/// characters, names at most 50, phone at most 15, no control characters; an email shaped
/// `local@domain.tld`; a mobile phone in E.164.
pub fn check_customer_fields(customer: &Customer) -> Result<()> {
    let limits: [(&'static str, Option<&String>, usize); 5] = [
        ("customer.id", customer.id.as_ref(), 320),
        ("customer.email", customer.email.as_ref(), 320),
        ("customer.firstName", customer.first_name.as_ref(), 50),
        ("customer.lastName", customer.last_name.as_ref(), 50),
        ("customer.phone", customer.phone.as_ref(), 15),
    ];
    for (field, value, max) in limits {
        if value.is_some_and(|v| v.chars().count() > max || v.chars().any(char::is_control)) {
            return Err(Error::invalid(
                field,
                format!("at most {max} characters, no control characters (Finpay's limit)"),
            ));
        }
    }
    if let Some(email) = &customer.email {
        let shaped = email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.split('.').count() >= 2
                && domain.split('.').all(|label| !label.is_empty())
        });
        if !shaped || email.chars().any(char::is_whitespace) {
            return Err(Error::invalid(
                "customer.email",
                "must be an address like name@example.com (Finpay checks its format)",
            ));
        }
    }
    if let Some(phone) = &customer.mobile_phone {
        check_mobile_phone(phone)?;
    }
    Ok(())
}

/// Checks an order against Finpay's Order object: its id (alpha-dash, at most 30), its amount
/// (digits, at most 14), a description of at most 127 characters and a timeout of at most 8
/// digits (minutes).
fn check_order(order: &Order) -> Result<()> {
    ORDER_ID_RULES.check("order.id", &order.id)?;
    if !order
        .id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(Error::invalid(
            "order.id",
            "Finpay takes letters, digits, '-' and '_' only (\"Alpha Dash\")",
        ));
    }
    if order.amount.is_empty()
        || order.amount.len() > 14
        || !order.amount.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(Error::invalid(
            "order.amount",
            "must be whole rupiah, 1 to 14 digits",
        ));
    }
    if order
        .description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 127 || d.chars().any(char::is_control))
    {
        return Err(Error::invalid(
            "order.description",
            "at most 127 characters, no control characters (Finpay's limit)",
        ));
    }
    if order
        .timeout
        .as_ref()
        .is_some_and(|t| t.is_empty() || t.len() > 8 || !t.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(Error::invalid(
            "order.timeout",
            "must be minutes, 1 to 8 digits",
        ));
    }
    Ok(())
}

impl InitiateRequest {
    /// A hosted-page payment of `amount` (IDR) for `order_id`, notifying `callback_url`.
    pub fn new(
        order_id: &OrderId,
        amount: &Money,
        customer: Customer,
        callback_url: &Url,
    ) -> Result<InitiateRequest> {
        order_id.check(&ORDER_ID_RULES)?;
        Ok(InitiateRequest {
            customer,
            order: Order {
                id: order_id.as_str().to_owned(),
                amount: wire_amount("amount", amount)?,
                currency: Some(Currency::IDR.code().to_owned()),
                description: None,
                timeout: None,
                item: Vec::new(),
            },
            url: Urls {
                callback_url: Some(callback_url.to_string()),
                ..Urls::default()
            },
            source_of_funds: None,
            meta: None,
            card: None,
            recurring: None,
        })
    }

    /// The unified request in Finpay's terms: `callback_url` (required) → `url.callbackUrl`,
    /// `return_url` → `successUrl`, `cancel_url` → `failUrl` and `backUrl`, `expires_in` →
    /// `order.timeout` in whole minutes (rounded up), the customer's phone (required, E.164) →
    /// `mobilePhone`, a missing last name sent as `-` (as Finpay's own plugin does). No
    /// `sourceOfFunds`: the hosted page. Manual capture has no Finpay equivalent here.
    pub fn from_create(request: &CreatePayment) -> Result<InitiateRequest> {
        request.validate()?;
        if request.capture == paygate_core::CaptureMode::Manual {
            return Err(Error::invalid(
                "capture",
                "Finpay's hosted payment captures at once; pre-authorization is not offered",
            ));
        }
        let callback = request.callback_url.as_ref().ok_or_else(|| {
            Error::invalid(
                "callback_url",
                "Finpay needs a callback URL for its notification",
            )
        })?;
        let customer = request.customer.clone().unwrap_or_default();
        let phone = customer.phone.clone().ok_or_else(|| {
            Error::invalid(
                "customer.phone",
                "Finpay requires the customer's mobile phone (E.164, e.g. +6281234567890)",
            )
        })?;
        check_mobile_phone(&phone)?;
        let wire_customer = Customer {
            email: customer.email.clone(),
            first_name: customer.first_name.clone(),
            last_name: Some(
                customer
                    .last_name
                    .clone()
                    .filter(|l| !l.is_empty())
                    .unwrap_or_else(|| "-".to_owned()),
            ),
            mobile_phone: Some(phone),
            ..Customer::default()
        };
        let mut initiate =
            InitiateRequest::new(&request.order_id, &request.amount, wire_customer, callback)?;
        if let Some(description) = &request.description {
            if description.chars().count() > 127 {
                return Err(Error::invalid(
                    "description",
                    "Finpay takes at most 127 characters",
                ));
            }
            initiate.order.description = Some(description.clone());
        }
        if let Some(window) = request.expires_in {
            initiate.order.timeout = Some(window.as_secs().div_ceil(60).max(1).to_string());
        }
        for item in &request.items {
            initiate.order.item.push(Item {
                name: item.name.clone(),
                quantity: item.quantity.to_string(),
                unit_price: wire_amount("items.unit_price", &item.unit_price)?,
                category: None,
                description: None,
                sku: None,
            });
        }
        initiate.url.success_url = request.return_url.as_ref().map(Url::to_string);
        initiate.url.fail_url = request.cancel_url.as_ref().map(Url::to_string);
        initiate.url.back_url = request.cancel_url.as_ref().map(Url::to_string);
        Ok(initiate)
    }
}

/// Builds the request.
pub fn build_initiate(config: &FinpayConfig, initiate: &InitiateRequest) -> Result<HttpRequest> {
    check_order(&initiate.order)?;
    check_customer_fields(&initiate.customer)?;
    if initiate.customer.mobile_phone.is_none() {
        return Err(Error::invalid(
            "customer.mobilePhone",
            "Finpay refuses a payment without the customer's mobile phone (E.164)",
        ));
    }
    let body =
        serde_json::to_vec(initiate).map_err(|e| Error::invalid("initiate", e.to_string()))?;
    Ok(request(
        config,
        Operation::CreatePayment,
        Method::POST,
        PATH,
        Some(&initiate.order.id),
    )?
    .json_body(body))
}

/// Reads the answer.
pub fn parse_initiate(response: &HttpResponse) -> Result<NativeResponse<InitiateResponse>> {
    parse_answer(Operation::CreatePayment, response)
}

/// initiate as a [`Call`]. A write: sent at most once.
#[derive(Debug, Clone, Copy)]
pub struct InitiateCall<'a> {
    /// The payment to create.
    pub request: &'a InitiateRequest,
}

impl Call<FinpayConfig> for InitiateCall<'_> {
    type Output = InitiateResponse;

    fn to_request(&self, config: &FinpayConfig, _context: CallContext<'_>) -> Result<HttpRequest> {
        build_initiate(config, self.request)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_initiate(response)
    }
}
