//! The xtask's one list of providers: what the benchmarks need that the SDK's public surface
//! does not give generically. Everything else (names, sample orders, capabilities, fuzz
//! seeds) comes from `paygate::shipped_providers` and the sandbox's `Provider::ALL`.

use paygate::sandbox::Provider;
use paygate::transport::HttpRequest;
use paygate::{GatewayConfig, OrderId};

/// The provider whose reconciliation the scaling bench runs (the one with the highest
/// published status-read limit).
pub(crate) const SCALING_PROVIDER: Provider = Provider::Payway;

/// The provider whose payment list the settlement bench reads (the one that lists).
pub(crate) const SETTLEMENT_PROVIDER: Provider = Provider::Payway;

/// A provider's configuration, parsed once, that builds its status-check requests with the
/// provider crate's own builder (what the gateway sends, signature included).
pub(crate) enum StatusBuilder {
    Finpay(paygate::finpay::FinpayConfig),
    Payway(paygate::payway::PaywayConfig),
    Payg(paygate::payg::PaygConfig),
}

impl StatusBuilder {
    pub(crate) fn new(config: &GatewayConfig) -> Result<StatusBuilder, String> {
        let built = match config.provider() {
            "finpay" => paygate::finpay::FinpayConfig::from_gateway_config(config)
                .map(StatusBuilder::Finpay),
            "payway" => paygate::payway::PaywayConfig::from_gateway_config(config)
                .map(StatusBuilder::Payway),
            "payg" => {
                paygate::payg::PaygConfig::from_gateway_config(config).map(StatusBuilder::Payg)
            }
            other => return Err(format!("no status request for {other}")),
        };
        built.map_err(|e| e.to_string())
    }

    pub(crate) fn build(&self, id: &OrderId) -> Result<HttpRequest, String> {
        match self {
            StatusBuilder::Finpay(c) => paygate::finpay::ops::check::build_check(c, id),
            StatusBuilder::Payway(c) => {
                paygate::payway::ops::check_transaction::build_check_transaction(
                    c,
                    id,
                    paygate::time::OffsetDateTime::now_utc(),
                )
            }
            StatusBuilder::Payg(c) => paygate::payg::ops::detail::build_detail(c, id),
        }
        .map_err(|e| e.to_string())
    }
}
