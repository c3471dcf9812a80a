//! `POST {base}/create`: create an order; the answer's `PaymentProcessUrl` is where the
//! customer pays, and its `OrderKeyId` is the id of every later call (Detail, Refund, …).
//!
//! Amounts are decimal(18,2), sent as strings with two decimals; `Merchantkeyid` (sic, as
//! documented) is sent as a string, and `MID` when configured (v2). `ProductData` is a string
//! holding JSON. PayG may answer 200 or 201, and may put an error in a 2xx: the body decides.

use paygate_core::transport::{Call, CallContext};
use paygate_core::transport::{HttpRequest, HttpResponse};
use paygate_core::{CreatePayment, Error, NativeResponse, Operation, OrderId, Result, Url};
use serde::Serialize;

use super::{UNIQUE_REQUEST_RULES, parse_order, post_json, to_json, wire_amount};
use crate::config::PaygConfig;
use crate::wire::{CustomerData, Order, UserDefinedData};

#[doc(hidden)]
/// The path.
pub const PATH: &str = "/create";

/// `IntegrationData`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IntegrationData {
    /// Required by PayG.
    pub user_name: String,
    /// "Application Name and Version" (required).
    pub source: String,
    /// `0`/empty default, `1` seamless.
    pub integration_type: String,
    /// Unused by the hosted flow.
    pub hash_data: String,
    /// Integrated distributor id.
    pub platform_id: String,
}

/// `TransactionData`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TransactionData {
    /// `ALL` by default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted_payment_types: Option<String>,
    /// `UPI`, `Netbanking`, `Wallet`, …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_type: Option<String>,
    /// `Amount` / `Percentage`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub surcharge_type: Option<String>,
    /// Surcharge value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub surcharge_value: Option<String>,
    /// Reference transaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ref_transaction_id: Option<String>,
    /// Industry specification code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub industry_specification_code: Option<String>,
    /// `True`/`false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial_payment_option: Option<String>,
}

/// The create body, every documented field (the MID / merchant key id come from the config).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreateOrderRequest {
    /// `UniqueRequestId`: alphanumeric, never repeated.
    pub unique_request_id: OrderId,
    /// `OrderAmount` in INR.
    pub amount: paygate_core::Money,
    /// `ProductData`: JSON text, sent as a string (`{"PaymentReason":"…"}`).
    pub product_data: String,
    /// `CustomerData`.
    pub customer: CustomerData,
    /// `IntegrationData`.
    pub integration: IntegrationData,
    /// `OrderType`: `PAYMENT` (default) or `FUTUREBILLING`.
    pub order_type: Option<String>,
    /// `OrderId`: the merchant's order number (≤ 20, alphanumeric).
    pub order_id: Option<String>,
    /// `RedirectUrl`: where the browser returns (nothing is appended to it).
    pub redirect_url: Option<Url>,
    /// `TransactionData`.
    pub transaction: Option<TransactionData>,
    /// `UserDefinedData`: `UserDefined1`..`UserDefined20`.
    pub user_defined: Option<UserDefinedData>,
    /// `NextStepFlowData`: JSON text.
    pub next_step_flow_data: Option<String>,
}

impl CreateOrderRequest {
    /// An order of `amount` (INR) with the merchant's `unique_request_id`.
    pub fn new(
        unique_request_id: OrderId,
        amount: paygate_core::Money,
        product_data: String,
    ) -> CreateOrderRequest {
        CreateOrderRequest {
            unique_request_id,
            amount,
            product_data,
            customer: CustomerData::default(),
            integration: IntegrationData {
                user_name: "paygate".into(),
                source: concat!("paygate/", env!("CARGO_PKG_VERSION")).into(),
                integration_type: String::new(),
                hash_data: String::new(),
                platform_id: String::new(),
            },
            order_type: None,
            order_id: None,
            redirect_url: None,
            transaction: None,
            user_defined: None,
            next_step_flow_data: None,
        }
    }

    /// The unified request in PayG's terms: `order_id` → `UniqueRequestId` (letters and digits
    /// only), `description` → `ProductData.PaymentReason`, customer → `CustomerData`,
    /// `return_url` → `RedirectUrl`. PayG has no per-order callback URL (the postback URL is
    /// set in its dashboard), no expiry and no pre-authorization.
    pub fn from_create(request: &CreatePayment) -> Result<CreateOrderRequest> {
        request.validate()?;
        if request.capture == paygate_core::CaptureMode::Manual {
            return Err(Error::invalid(
                "capture",
                "PayG offers no pre-authorization",
            ));
        }
        let reason = request
            .description
            .clone()
            .unwrap_or_else(|| format!("Order {}", request.order_id));
        let product_data = serde_json::json!({ "PaymentReason": reason }).to_string();
        let mut create =
            CreateOrderRequest::new(request.order_id.clone(), request.amount, product_data);
        if let Some(customer) = &request.customer {
            create.customer = CustomerData {
                first_name: customer.first_name.clone(),
                last_name: customer.last_name.clone(),
                email: customer.email.clone(),
                mobile_no: customer.phone.clone(),
                ..CustomerData::default()
            };
        }
        create.redirect_url = request.return_url.clone();
        Ok(create)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CreateBody<'a> {
    #[serde(rename = "Merchantkeyid")]
    merchant_key_id: &'a str,
    #[serde(rename = "MID", skip_serializing_if = "Option::is_none")]
    mid: Option<&'a str>,
    unique_request_id: &'a str,
    order_amount: String,
    product_data: &'a str,
    customer_data: &'a CustomerData,
    integration_data: &'a IntegrationData,
    #[serde(skip_serializing_if = "Option::is_none")]
    order_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    order_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    transaction_data: Option<&'a TransactionData>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_defined_data: Option<&'a UserDefinedData>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_step_flow_data: Option<&'a str>,
    request_date_time: String,
}

#[doc(hidden)]
/// Builds the request; `now` stamps `RequestDateTime` (MMDDYYYY, IST).
pub fn build_create(
    config: &PaygConfig,
    request: &CreateOrderRequest,
    now: paygate_core::time::OffsetDateTime,
) -> Result<HttpRequest> {
    request.unique_request_id.check(&UNIQUE_REQUEST_RULES)?;
    if let Some(order_id) = &request.order_id {
        UNIQUE_REQUEST_RULES.check("order_id", order_id)?;
    }
    if let Some(text) = &request.next_step_flow_data {
        serde_json::from_str::<serde::de::IgnoredAny>(text)
            .map_err(|e| Error::invalid("next_step_flow_data", format!("must be JSON: {e}")))?;
    }
    let redirect = request.redirect_url.as_ref().map(Url::to_string);
    let body = to_json(
        "create",
        &CreateBody {
            merchant_key_id: &config.merchant_key_id,
            mid: config.mid.as_deref(),
            unique_request_id: request.unique_request_id.as_str(),
            order_amount: wire_amount("amount", &request.amount)?,
            product_data: &request.product_data,
            customer_data: &request.customer,
            integration_data: &request.integration,
            order_type: request.order_type.as_deref(),
            order_id: request.order_id.as_deref(),
            redirect_url: redirect.as_deref(),
            transaction_data: request.transaction.as_ref(),
            user_defined_data: request.user_defined.as_ref(),
            next_step_flow_data: request.next_step_flow_data.as_deref(),
            request_date_time: crate::wire::request_date(now),
        },
    )?;
    post_json(
        config,
        Operation::CreatePayment,
        PATH,
        body,
        Some(request.unique_request_id.as_str()),
    )
}

#[doc(hidden)]
/// Reads the answer.
pub fn parse_create(response: &HttpResponse) -> Result<NativeResponse<Order>> {
    parse_order(Operation::CreatePayment, response)
}

#[doc(hidden)]
/// create as a [`Call`]. A write: sent at most once.
#[derive(Debug, Clone, Copy)]
pub struct CreateOrderCall<'a> {
    /// The order to create.
    pub request: &'a CreateOrderRequest,
}

impl Call<PaygConfig> for CreateOrderCall<'_> {
    type Output = Order;

    fn to_request(&self, config: &PaygConfig, context: CallContext<'_>) -> Result<HttpRequest> {
        build_create(config, self.request, context.now)
    }

    fn read_response(&self, response: &HttpResponse) -> Result<NativeResponse<Self::Output>> {
        parse_create(response)
    }
}
