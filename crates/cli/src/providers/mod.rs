//! Commands of one provider's native API, in that provider's module. This file is the CLI's
//! provider list: a provider with native commands adds its module and their re-exports here.

mod payway;

pub(crate) use payway::payment_link::{PaymentLinkCommand, run as payment_link};
