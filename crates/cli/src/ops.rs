//! The operations on configured gateways.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use paygate::pipeline::{self, WriteRequest};
use paygate::{
    CancelRequest, Capability, CaptureRequest, Checked, Checkout, CreatePayment, Currency,
    Customer, Error, ErrorClass, GatewayRegistry, Money, NextAction, OrderId, Payment,
    PaymentGateway, Refund, RefundReference, RefundRequest, RefundStatusRequest, TransactionId,
    Url, VoidRequest,
};
use serde_json::{Value, json};

use crate::args::{CaptureArgs, CreateArgs, RefundArgs, RefundStatusArgs, Target};
use crate::exit;

/// Where results go: text for people, or one JSON document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Out {
    /// JSON instead of text.
    pub(crate) json: bool,
}

impl Out {
    /// Prints a result.
    pub(crate) fn result(&self, human: &str, json: Value) {
        if self.json {
            println!("{json}");
        } else {
            println!("{human}");
        }
    }

    /// Prints an error of `command` and returns its exit code.
    pub(crate) fn error(&self, command: &str, error: &Error) -> u8 {
        if self.json {
            println!(
                "{}",
                // JSON names a command with hyphens, as its success document does.
                json!({"command": command.replace(' ', "-"), "error": error_json(error)})
            );
        } else {
            eprintln!("paygate {command}: {error}");
        }
        exit::code(error)
    }
}

/// An error as JSON: class, message, what to do.
pub(crate) fn error_json(error: &Error) -> Value {
    json!({
        "class": error.class().name(),
        "message": error.to_string(),
        "retryable": error.is_retryable(),
        "outcome_unknown": error.outcome_unknown(),
    })
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn order_id(text: &str) -> Result<OrderId, Error> {
    OrderId::new(text)
}

pub(crate) fn money(text: &str, currency: &str) -> Result<Money, Error> {
    let currency = Currency::from_code(currency).map_err(|e| e.for_field("currency"))?;
    amount_in(text, currency)
}

/// `text` as an amount of `currency`.
fn amount_in(text: &str, currency: Currency) -> Result<Money, Error> {
    Money::parse(text, currency).map_err(|e| e.for_field("amount"))
}

fn url(field: &'static str, text: Option<&String>) -> Result<Option<Url>, Error> {
    text.map(|t| Url::parse(t).map_err(|e| Error::invalid(field, e.to_string())))
        .transpose()
}

/// `n` and the noun, singular or plural: `1 entry`, `2 entries`.
pub(crate) fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// An amount in JSON: `{"amount": "10.00", "currency": "USD"}`, or `null`.
pub(crate) fn money_json(money: Option<Money>) -> Value {
    money.map_or(
        Value::Null,
        |m| json!({"amount": m.format_amount(), "currency": m.currency().code()}),
    )
}

pub(crate) fn show_money(money: Option<Money>) -> String {
    money.map_or_else(|| "—".to_owned(), |m| m.to_string())
}

/// One line about a payment.
pub(crate) fn payment_line(gateway: &str, payment: &Payment) -> String {
    format!(
        "{gateway}  {}  {} ({})  amount {}  refunded {}",
        payment.order_id,
        payment.status,
        if payment.provider_status.is_empty() {
            "—"
        } else {
            &payment.provider_status
        },
        show_money(payment.amount),
        show_money(payment.refunded_amount),
    )
}

pub(crate) fn refund_line(gateway: &str, refund: &Refund) -> String {
    format!(
        "{gateway}  {}  refund {} ({})  amount {}  total refunded {}",
        refund.order_id,
        refund.status,
        refund.provider_status,
        show_money(refund.amount),
        show_money(refund.total_refunded),
    )
}

fn checkout_line(gateway: &str, checkout: &Checkout) -> String {
    let next = match &checkout.next_action {
        NextAction::Redirect { url } => format!("redirect the customer to {url}"),
        NextAction::PostForm { url, fields } => {
            format!("post a form of {} fields to {url}", fields.len())
        }
        NextAction::ShowQr {
            qr_string,
            deeplink,
            url,
            ..
        } => format!(
            "show the QR {qr_string}{}{}",
            deeplink
                .as_deref()
                .map(|d| format!(", or open {d}"))
                .unwrap_or_default(),
            url.as_ref()
                .map(|u| format!(", or send to {u}"))
                .unwrap_or_default()
        ),
        NextAction::PayWithCode { code } => format!("pay with code {code}"),
        _ => "see the JSON output".to_owned(),
    };
    let mut line = format!("{gateway}  {}  created: {next}", checkout.order_id);
    if let Some(reference) = &checkout.provider_reference {
        line.push_str(&format!(
            "\n  provider reference: {reference} (use it as the order id from now on)"
        ));
    }
    if let Some(at) = checkout.expires_at {
        let at = at
            .format(&paygate::time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| at.to_string());
        line.push_str(&format!("\n  expires at {at}"));
    }
    line
}

pub(crate) fn gateway(
    registry: &GatewayRegistry,
    name: &str,
) -> Result<Arc<dyn PaymentGateway>, Error> {
    registry.gateway(name)
}

/// `status`.
pub(crate) async fn status(registry: &GatewayRegistry, out: Out, target: &Target) -> u8 {
    let result = async {
        let gw = gateway(registry, &target.gateway)?;
        gw.payment_status(&order_id(&target.order_id)?).await
    }
    .await;
    match result {
        Ok(payment) => {
            out.result(
                &payment_line(&target.gateway, &payment),
                json!({"command": "status", "gateway": target.gateway, "payment": to_json(&payment)}),
            );
            exit::OK
        }
        Err(e) => out.error("status", &e),
    }
}

/// Asks on standard error; reads an answer only from a terminal. Standard input that is not
/// a terminal (a pipe, a file, a closed stream) is a no: a script must say `--yes`.
pub(crate) fn confirm(question: &str) -> bool {
    if !std::io::stdin().is_terminal() {
        eprintln!("{question}");
        eprintln!("(standard input is not a terminal, so this is a no: give --yes to go ahead)");
        return false;
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    match std::io::stdin().lock().read_line(&mut answer) {
        Ok(0) | Err(_) => {
            eprintln!();
            false
        }
        Ok(_) => matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"),
    }
}

/// Plans a write (see `paygate::pipeline`): the journal's mark of the order, one read of the
/// payment, the request `build` makes of it, the checks. Nothing is sent; a failed read is
/// reported as such.
async fn plan_write<R: WriteRequest>(
    out: Out,
    command: &str,
    capability: Capability,
    gw: &Arc<dyn PaymentGateway>,
    id: &OrderId,
    key: Option<&str>,
    build: impl FnOnce(&Payment) -> Result<R, Error> + Send,
) -> Result<Checked<R>, u8> {
    if !gw.capabilities().contains(capability) {
        let e = Error::unsupported(gw.provider(), capability.operation());
        return Err(out.error(command, &e));
    }
    pipeline::plan_from_read(gw.as_ref(), id, key, build)
        .await
        .map_err(|e| match e.class() {
            ErrorClass::Transport
            | ErrorClass::NotSent
            | ErrorClass::Provider
            | ErrorClass::UnexpectedBody => {
                if out.json {
                    println!(
                        "{}",
                        json!({"command": command, "sent": false, "error": error_json(&e)})
                    );
                } else {
                    eprintln!(
                        "paygate {command}: could not read the payment first, so nothing was sent: {e}"
                    );
                }
                exit::code(&e)
            }
            _ => out.error(command, &e),
        })
}

/// The currency a write is in: `--currency`, else the payment's.
fn write_currency(given: Option<&String>, payment: &Payment) -> Result<Currency, Error> {
    match (given, payment.amount) {
        (Some(c), _) => Currency::from_code(c).map_err(|e| e.for_field("currency")),
        (None, Some(amount)) => Ok(amount.currency()),
        (None, None) => Err(Error::invalid(
            "currency",
            "the payment's status does not tell its currency; give --currency",
        )),
    }
}

/// `refund`: plans it (one read of the payment, the checks: currency, what is left, state) and
/// refuses before asking; asks unless `--yes`; sends the plan once, with no second read.
pub(crate) async fn refund(registry: &GatewayRegistry, out: Out, args: &RefundArgs) -> u8 {
    let name = &args.target.gateway;
    let (gw, id) =
        match gateway(registry, name).and_then(|gw| Ok((gw, order_id(&args.target.order_id)?))) {
            Ok(p) => p,
            Err(e) => return out.error("refund", &e),
        };
    // The journal key: the reference, or one made here (and printed) when journaled.
    let key = match (&args.reference, registry.journal()) {
        (Some(reference), _) => Some(reference.clone()),
        (None, Some(_)) => match crate::journal::made_key() {
            Ok(key) => Some(key),
            Err(e) => return out.error("refund", &e),
        },
        (None, None) => None,
    };
    if let (Some(key), None) = (&key, &args.reference) {
        crate::journal::announce_key(out, key);
    }
    let build = |before: &Payment| {
        let currency = write_currency(args.currency.as_ref(), before)?;
        let mut request =
            RefundRequest::new(before.order_id.clone(), amount_in(&args.amount, currency)?)?;
        if let Some(key) = &key {
            request = request.reference(RefundReference::new(key.as_str())?);
        }
        Ok(request)
    };
    let checked = match plan_write(
        out,
        "refund",
        Capability::Refund,
        &gw,
        &id,
        key.as_deref(),
        build,
    )
    .await
    {
        Ok(checked) => checked,
        Err(code) => return code,
    };
    // Already settled under this key: the journal answers, nothing is sent, nothing to ask.
    if let Some(recorded) = checked.recorded().filter(|r| r.answered) {
        return match gw.send_refund(&checked).await {
            Ok(refund) => {
                let human = format!(
                    "already done under key {} ({}, recorded): {}\nnothing was sent",
                    key.as_deref().unwrap_or_default(),
                    recorded.state,
                    refund_line(name, &refund)
                );
                out.result(
                    &human,
                    json!({"command": "refund", "gateway": name, "sent": false,
                        "journal": {"key": key, "state": recorded.state},
                        "refund": to_json(&refund)}),
                );
                exit::OK
            }
            Err(e) => out.error("refund", &e),
        };
    }
    // Anything else on record under this key (unresolved, not applied, refused, ambiguous,
    // in conflict) is asked as usual: the journal settles or refuses it, and sends it again
    // only if it was not applied, checked again.
    let (request, before) = (checked.request(), checked.payment());
    let plan = format!(
        "Refund {} of {} order {} ({}, amount {}, refunded so far {}, left to refund {})?",
        request.amount,
        name,
        request.order_id,
        before.status,
        show_money(before.amount),
        show_money(before.refunded_amount),
        show_money(before.refundable_amount()),
    );
    if !args.yes && !confirm(&plan) {
        if out.json {
            println!("{}", json!({"command": "refund", "confirmed": false}));
        } else {
            eprintln!("paygate refund: not confirmed; nothing was sent");
        }
        return exit::NOT_CONFIRMED;
    }
    match gw.send_refund(&checked).await {
        Ok(refund) => {
            out.result(
                &refund_line(name, &refund),
                json!({"command": "refund", "gateway": name, "refund": to_json(&refund)}),
            );
            exit::OK
        }
        Err(e) if e.outcome_unknown() => unknown_outcome(out, "refund", name, &gw, &id, &e).await,
        Err(e) => out.error("refund", &e),
    }
}

/// A write whose outcome is unknown: never resent; the payment is read and shown instead.
async fn unknown_outcome(
    out: Out,
    command: &str,
    name: &str,
    gw: &Arc<dyn PaymentGateway>,
    id: &OrderId,
    e: &Error,
) -> u8 {
    let after = gw.payment_status(id).await;
    if out.json {
        let payment = after
            .as_ref()
            .map(to_json)
            .unwrap_or_else(|e| json!({"error": error_json(e)}));
        println!(
            "{}",
            json!({"command": command, "gateway": name, "outcome": "unknown", "error": error_json(e), "payment_after": payment})
        );
    } else {
        eprintln!("paygate {command}: the {command}'s outcome is unknown: {e}");
        eprintln!(
            "paygate {command}: it was NOT sent again (`paygate journal recover` settles it from the payment). The payment now reads:"
        );
        match &after {
            Ok(p) => eprintln!("  {}", payment_line(name, p)),
            Err(read) => eprintln!("  (the status read failed too: {read})"),
        }
    }
    exit::OUTCOME_UNKNOWN
}

/// `refund-status`.
pub(crate) async fn refund_status(
    registry: &GatewayRegistry,
    out: Out,
    args: &RefundStatusArgs,
) -> u8 {
    let result = async {
        let gw = gateway(registry, &args.target.gateway)?;
        let mut request = RefundStatusRequest::new(order_id(&args.target.order_id)?);
        if let Some(t) = &args.transaction_id {
            request = request.transaction_id(TransactionId::new(t.as_str())?);
        }
        gw.refund_status(&request).await
    }
    .await;
    match result {
        Ok(refund) => {
            out.result(
                &refund_line(&args.target.gateway, &refund),
                json!({"command": "refund-status", "gateway": args.target.gateway, "refund": to_json(&refund)}),
            );
            exit::OK
        }
        Err(e) => out.error("refund-status", &e),
    }
}

/// `void` and `cancel`: planned (one read, the state checked), then the plan is sent.
pub(crate) async fn void_or_cancel(
    registry: &GatewayRegistry,
    out: Out,
    target: &Target,
    cancel: bool,
) -> u8 {
    let command = if cancel { "cancel" } else { "void" };
    let (gw, id) = match gateway(registry, &target.gateway)
        .and_then(|gw| Ok((gw, order_id(&target.order_id)?)))
    {
        Ok(p) => p,
        Err(e) => return out.error(command, &e),
    };
    let capability = if cancel {
        Capability::Cancel
    } else {
        Capability::Void
    };
    let result = if cancel {
        match plan_write(out, command, capability, &gw, &id, None, |p| {
            Ok(CancelRequest::new(p.order_id.clone()))
        })
        .await
        {
            Ok(checked) => gw.send_cancel(&checked).await,
            Err(code) => return code,
        }
    } else {
        match plan_write(out, command, capability, &gw, &id, None, |p| {
            Ok(VoidRequest::new(p.order_id.clone()))
        })
        .await
        {
            Ok(checked) => gw.send_void(&checked).await,
            Err(code) => return code,
        }
    };
    match result {
        Ok(payment) => {
            out.result(
                &payment_line(&target.gateway, &payment),
                json!({"command": command, "gateway": target.gateway, "payment": to_json(&payment)}),
            );
            exit::OK
        }
        Err(e) if e.outcome_unknown() => {
            unknown_outcome(out, command, &target.gateway, &gw, &id, &e).await
        }
        Err(e) => out.error(command, &e),
    }
}

/// `capture`: planned (one read; currency, amount and state checked), then the plan is sent.
pub(crate) async fn capture(registry: &GatewayRegistry, out: Out, args: &CaptureArgs) -> u8 {
    let name = &args.target.gateway;
    let (gw, id) =
        match gateway(registry, name).and_then(|gw| Ok((gw, order_id(&args.target.order_id)?))) {
            Ok(p) => p,
            Err(e) => return out.error("capture", &e),
        };
    let build = |before: &Payment| {
        let currency = write_currency(args.currency.as_ref(), before)?;
        CaptureRequest::new(before.order_id.clone(), amount_in(&args.amount, currency)?)
    };
    let result = match plan_write(out, "capture", Capability::Capture, &gw, &id, None, build).await
    {
        Ok(checked) => gw.send_capture(&checked).await,
        Err(code) => return code,
    };
    match result {
        Ok(payment) => {
            out.result(
                &payment_line(name, &payment),
                json!({"command": "capture", "gateway": name, "payment": to_json(&payment)}),
            );
            exit::OK
        }
        Err(e) if e.outcome_unknown() => unknown_outcome(out, "capture", name, &gw, &id, &e).await,
        Err(e) => out.error("capture", &e),
    }
}

/// `create`.
pub(crate) async fn create(registry: &GatewayRegistry, out: Out, args: &CreateArgs) -> u8 {
    let result = async {
        let gw = gateway(registry, &args.gateway)?;
        let mut request = CreatePayment::new(
            order_id(&args.order_id)?,
            money(&args.amount, &args.currency)?,
        )?;
        if let Some(d) = &args.description {
            request = request.description(d.clone());
        }
        if let Some(u) = url("return_url", args.return_url.as_ref())? {
            request = request.return_url(u);
        }
        if let Some(u) = url("cancel_url", args.cancel_url.as_ref())? {
            request = request.cancel_url(u);
        }
        if let Some(u) = url("callback_url", args.callback_url.as_ref())? {
            request = request.callback_url(u);
        }
        if args.phone.is_some() || args.email.is_some() {
            let mut customer = Customer::new();
            if let Some(p) = &args.phone {
                customer = customer.phone(p.clone());
            }
            if let Some(e) = &args.email {
                customer = customer.email(e.clone());
            }
            request = request.customer(customer);
        }
        if args.pre_auth {
            request = request.authorize_only();
        }
        gw.create_payment(&request).await
    }
    .await;
    match result {
        Ok(checkout) => {
            let saved = args
                .qr
                .as_deref()
                .map(|path| crate::qr::save(&checkout, path));
            let mut text = checkout_line(&args.gateway, &checkout);
            if let Some(saved) = &saved {
                text.push_str(&saved.lines());
            }
            out.result(
                &text,
                json!({
                    "command": "create",
                    "gateway": args.gateway,
                    "checkout": to_json(&checkout),
                    "qr": saved.as_ref().map(crate::qr::SavedQr::json),
                }),
            );
            saved.map_or(exit::OK, |s| s.exit_code())
        }
        Err(e) => out.error("create", &e),
    }
}
