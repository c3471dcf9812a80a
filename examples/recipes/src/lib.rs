//! Small programs to copy from, each runnable on its own against the embedded sandbox:
//!
//! - `cargo run -p paygate-recipes --bin refund_unknown_outcome`: a refund whose answer is
//!   lost after the provider applied it, handled as money demands: never resent, settled by
//!   recovery, and the same refund asked again answered from the journal;
//! - `cargo run -p paygate-recipes --bin refund_keyed_by_intent`: a refund keyed by the form
//!   it came from (the key minted when the form is shown), so a double click, a resubmitted
//!   form or two tabs refund once;
//! - `cargo run -p paygate-recipes --bin reconcile_csv [-- orders.csv]`: expected amounts and
//!   statuses from a CSV checked against the providers, a report CSV out.
