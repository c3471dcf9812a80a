//! The one list of providers this crate ships: a fourth provider adds its feature in
//! `Cargo.toml`, its re-export and its line in [`SHIPPED`].

use std::sync::Arc;

use paygate_core::GatewayFactory;

/// Finpay's native API and gateway (feature `finpay`).
#[cfg(feature = "finpay")]
pub use paygate_finpay as finpay;

/// PayG's native API and gateway (feature `payg`).
#[cfg(feature = "payg")]
pub use paygate_payg as payg;

/// ABA PayWay's native API and gateway (feature `payway`).
#[cfg(feature = "payway")]
pub use paygate_payway as payway;

/// One provider paygate ships a crate for: its name (also its cargo feature and its
/// `provider = "…"` in `paygate.toml`) and, when this build includes it, its factory.
#[derive(Clone, Copy)]
pub struct ShippedProvider {
    name: &'static str,
    factory: Option<fn() -> Arc<dyn GatewayFactory>>,
}

impl ShippedProvider {
    /// The provider's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether this build includes it (its cargo feature is on).
    pub fn is_compiled(&self) -> bool {
        self.factory.is_some()
    }

    /// Its factory, when this build includes it.
    pub fn factory(&self) -> Option<Arc<dyn GatewayFactory>> {
        self.factory.map(|make| make())
    }
}

impl std::fmt::Debug for ShippedProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShippedProvider")
            .field("name", &self.name)
            .field("compiled", &self.is_compiled())
            .finish()
    }
}

/// `Some(factory)` when the feature is on, `None` when it is off.
macro_rules! factory_if {
    ($feature:literal, $factory:expr) => {{
        #[cfg(feature = $feature)]
        let factory: Option<fn() -> Arc<dyn GatewayFactory>> = Some(|| Arc::new($factory));
        #[cfg(not(feature = $feature))]
        let factory: Option<fn() -> Arc<dyn GatewayFactory>> = None;
        factory
    }};
}

/// Every provider paygate ships, whether this build includes it or not.
pub fn shipped_providers() -> [ShippedProvider; 3] {
    [
        ShippedProvider {
            name: "finpay",
            factory: factory_if!("finpay", paygate_finpay::FinpayFactory),
        },
        ShippedProvider {
            name: "payway",
            factory: factory_if!("payway", paygate_payway::PaywayFactory),
        },
        ShippedProvider {
            name: "payg",
            factory: factory_if!("payg", paygate_payg::PaygFactory),
        },
    ]
}
