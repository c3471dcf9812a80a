//! Commands of ABA PayWay's native API.

pub(crate) mod payment_link;
