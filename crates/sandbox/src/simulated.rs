//! What the simulator's shared parts (router, faults, seeding, control routes, TOML) need to
//! know of one simulated provider. Each provider module implements [`SimulatedProvider`]
//! once; the list of them is `providers.rs`.

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use paygate_core::Checkout;

use crate::delivery::DeliveryPolicy;
use crate::{Credentials, Provider, SandboxError, Shared, SimOrder, SimulatedWebhook};

/// One simulated provider.
pub(crate) trait SimulatedProvider: Sync {
    /// The name in paths, configuration and `paygate.toml` (`provider = "…"`).
    fn name(&self) -> &'static str;

    /// The provider's name as its pages show it.
    fn brand(&self) -> &'static str;

    /// Where its routes are mounted below the simulator's root; the first segment is
    /// [`SimulatedProvider::name`], the rest is the provider's own path prefix.
    fn mount_path(&self) -> &'static str;

    /// Its API routes, relative to the mount path.
    fn routes(&self) -> Router<Arc<Shared>>;

    /// Checks what it needs at start (keys), so that a broken build fails at start.
    fn check(&self) -> Result<(), SandboxError> {
        Ok(())
    }

    /// The decimals the provider allows in amounts of `currency`, or `None` when it takes
    /// no such currency (what seeds are checked against).
    fn currency_digits(&self, currency: &str) -> Option<u32>;

    /// The method a simulated customer pays with, as the provider names it.
    fn payment_method(&self) -> &'static str;

    /// The webhook the provider sends for `order`, signed as the provider signs it.
    fn webhook(&self, shared: &Shared, order: &SimOrder) -> SimulatedWebhook;

    /// The provider's settings lines of a `[gateways.<name>]` table (after `provider` and
    /// `environment`), for a simulator accepting `credentials`.
    fn settings_toml(&self, credentials: &Credentials) -> String;

    /// Every secret of `credentials` in each form it could leak in.
    fn secret_forms(&self, credentials: &Credentials) -> Vec<String>;

    /// The refusal the provider gives when rate limiting.
    fn rate_limited(&self) -> (StatusCode, serde_json::Value);

    /// An answer with a code the provider does not document (HTTP 200).
    fn unrecognised_code(&self) -> serde_json::Value;

    /// Rewrites an answer's order echo (ids, and anything else a client should check) to
    /// name `order_id`.
    fn about_another_order(&self, answer: &mut serde_json::Value, order_id: &str);

    /// Its rows of the strictness table: each documented rule on a field of a request the
    /// SDK sends it, with the source and the documented refusal.
    fn strictness_rules(&self) -> &'static [crate::strictness::FieldRule];

    /// A request to `endpoint` (its route) as the strictness table reads it: its fields as a
    /// JSON object, once its credentials (and signature) are checked. `None` when they fail or
    /// the body cannot be read: the handler then refuses it as the provider does, so a
    /// request is authenticated before its fields are judged.
    fn strict_fields(
        &self,
        shared: &Shared,
        endpoint: &str,
        headers: &axum::http::HeaderMap,
        body: &[u8],
    ) -> Option<serde_json::Value>;

    /// The provider's answer to a request breaking `rule`.
    fn strict_refusal(&self, rule: &crate::strictness::FieldRule) -> axum::response::Response;

    /// A typical order at this provider, for demos and load runs.
    fn sample(&self) -> SampleOrder;

    /// How it delivers its notifications: attempts, and what acknowledges one.
    fn delivery_policy(&self) -> DeliveryPolicy;

    /// The id the simulator keys an order created by `checkout` under (the id its calls
    /// use): the merchant's order id unless the provider assigns its own.
    fn ledger_id(&self, checkout: &Checkout) -> Option<String> {
        Some(checkout.order_id.to_string())
    }
}

/// A typical order at one provider: amounts in its usual currency, as decimal strings
/// (`total` = `part` + `rest`), for demos, load runs and examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SampleOrder {
    /// Currency code.
    pub currency: &'static str,
    /// The order's amount.
    pub total: &'static str,
    /// A partial refund.
    pub part: &'static str,
    /// The rest of the amount.
    pub rest: &'static str,
    /// Whether the provider's payment read gives the refunded amount. Where it does not, a
    /// refunded payment reads as partially refunded with no figure, and a refund after the
    /// first is refused unsent (what is left cannot be checked).
    pub reports_refunded_amount: bool,
}

impl Provider {
    /// The name used in paths and configuration.
    pub fn name(self) -> &'static str {
        self.simulated().name()
    }

    /// From a name.
    pub fn from_name(name: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.name() == name)
    }

    /// A typical order at this provider, for demos and load runs.
    pub fn sample(self) -> SampleOrder {
        self.simulated().sample()
    }

    /// The id the simulator keys the order `checkout` created under: what [`crate::Sandbox::pay`]
    /// and the other control calls take.
    pub fn ledger_id(self, checkout: &Checkout) -> Option<String> {
        self.simulated().ledger_id(checkout)
    }

    /// The provider whose routes serve `path` (below the root), and the path below
    /// `/{name}` (what requests are recorded and faults matched by).
    pub(crate) fn of_path(path: &str) -> Option<(Provider, &str)> {
        let below_root = path.strip_prefix('/')?;
        Provider::ALL.into_iter().find_map(|provider| {
            let rest = below_root.strip_prefix(provider.name())?;
            (rest.is_empty() || rest.starts_with('/')).then_some((provider, rest))
        })
    }
}

impl Credentials {
    /// Every secret, in each form it could leak in: the literal values, the `Authorization`
    /// credentials built from them, and the body lines of keys. Merchant ids are not secret
    /// and are not listed.
    pub fn secret_forms(&self) -> Vec<String> {
        Provider::ALL
            .into_iter()
            .flat_map(|provider| provider.simulated().secret_forms(self))
            .collect()
    }
}
