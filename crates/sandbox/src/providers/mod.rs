//! The one list of simulated providers, each in its own module here: a fourth provider adds
//! its module, a variant of [`Provider`], its arm in [`Provider::simulated`] and its
//! [`Credentials`] field (each implements `SimulatedProvider`, see `simulated.rs`).

mod finpay;
mod payg;
mod payway;

use finpay::FinpaySim;
use payg::PaygSim;
use payway::PaywaySim;

use crate::simulated::SimulatedProvider;

pub use finpay::FinpayCredentials;
pub use payg::PaygCredentials;
pub use payway::{PAYWAY_PUBLIC_KEY_PEM, PaywayCredentials};

/// The simulated providers.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Provider {
    /// Finpay.
    Finpay,
    /// ABA PayWay.
    Payway,
    /// PayG.
    Payg,
}

impl Provider {
    /// Every simulated provider.
    pub const ALL: [Provider; 3] = [Provider::Finpay, Provider::Payway, Provider::Payg];

    pub(crate) fn simulated(self) -> &'static dyn SimulatedProvider {
        match self {
            Provider::Finpay => &FinpaySim,
            Provider::Payway => &PaywaySim,
            Provider::Payg => &PaygSim,
        }
    }
}

/// The credentials the simulator accepts, one set per provider. The defaults are fixed,
/// documented test values — not secrets.
#[derive(Clone, Default)]
pub struct Credentials {
    /// Finpay's.
    pub finpay: FinpayCredentials,
    /// PayWay's.
    pub payway: PaywayCredentials,
    /// PayG's.
    pub payg: PaygCredentials,
}

impl Credentials {
    /// Recognisable secrets for leak tests: every secret value contains `CANARY`, so any
    /// appearance of one in logs, errors or output is unmistakable.
    pub fn canary() -> Credentials {
        Credentials {
            finpay: FinpayCredentials::canary(),
            payway: PaywayCredentials::canary(),
            payg: PaygCredentials::canary(),
        }
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("finpay", &self.finpay)
            .field("payway", &self.payway)
            .field("payg", &self.payg)
            .finish()
    }
}
