//! Finpay's rows.

use super::FieldRule;

pub(super) const RULES: &[FieldRule] = &[];
