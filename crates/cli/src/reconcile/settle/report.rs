//! The settlement report: one row per finding, as CSV or one JSON document.

use std::collections::BTreeMap;
use std::io::Write;

use paygate::{Error, Payment};
use serde_json::{Value, json};

use super::{Finding, LedgerRow};
use crate::ops::{error_json, money_json};

pub(super) struct Report {
    json: bool,
    first: bool,
    csv: Option<csv::Writer<std::io::BufWriter<std::io::Stdout>>>,
    pub(super) counts: BTreeMap<Finding, u64>,
}

impl Report {
    pub(super) fn new(json: bool) -> std::io::Result<Report> {
        let mut report = Report {
            json,
            first: true,
            csv: None,
            counts: BTreeMap::new(),
        };
        if json {
            let mut out = std::io::stdout();
            out.write_all(b"{\"command\":\"reconcile\",\"mode\":\"settlement\",\"rows\":[")?;
        } else {
            let mut writer = csv::Writer::from_writer(std::io::BufWriter::new(std::io::stdout()));
            writer.write_record([
                "finding",
                "order_id",
                "ledger_line",
                "ledger_amount",
                "ledger_currency",
                "ledger_refunded",
                "provider_amount",
                "provider_currency",
                "provider_refunded",
                "status",
                "provider_status",
                "detail",
            ])?;
            report.csv = Some(writer);
        }
        Ok(report)
    }

    pub(super) fn row(
        &mut self,
        finding: Finding,
        order_id: &str,
        ledger: Option<&LedgerRow>,
        payment: Option<&Payment>,
        detail: &str,
    ) -> std::io::Result<()> {
        self.write(
            finding,
            order_id,
            ledger.map(|l| l.line),
            ledger,
            payment,
            detail,
        )
    }

    /// A ledger row that cannot be used, at its line.
    pub(super) fn invalid_row(
        &mut self,
        line: u64,
        order_id: &str,
        detail: &str,
    ) -> std::io::Result<()> {
        self.write(
            Finding::InvalidLedgerRow,
            order_id,
            Some(line),
            None,
            None,
            detail,
        )
    }

    fn write(
        &mut self,
        finding: Finding,
        order_id: &str,
        line: Option<u64>,
        ledger: Option<&LedgerRow>,
        payment: Option<&Payment>,
        detail: &str,
    ) -> std::io::Result<()> {
        *self.counts.entry(finding).or_default() += 1;
        let currency = ledger
            .map(|l| l.amount.currency())
            .or_else(|| payment.and_then(|p| p.amount).map(|a| a.currency()));
        // `status` is the unified one, `provider_status` the provider's own word, as in
        // per-order reconcile.
        if self.json {
            let row = json!({
                "finding": finding.name(),
                "order_id": (!order_id.is_empty()).then_some(order_id),
                "ledger_line": line,
                "ledger_amount": money_json(ledger.map(|l| l.amount)),
                "ledger_refunded": ledger.and_then(|l| l.refunded).map(|r| json!({
                    "amount": r.to_string(),
                    "currency": currency.map(|c| c.code().to_owned()),
                })),
                "provider_amount": money_json(payment.and_then(|p| p.amount)),
                "provider_refunded": money_json(payment.and_then(|p| p.refunded_amount)),
                "status": payment.map(|p| p.status.as_str()),
                "provider_status": payment.map(|p| p.provider_status.as_str()),
                "detail": if detail.is_empty() { Value::Null } else { Value::from(detail) },
            });
            let mut out = std::io::stdout();
            if !self.first {
                out.write_all(b",")?;
            }
            self.first = false;
            write!(out, "\n{row}")?;
            return Ok(());
        }
        if let Some(writer) = &mut self.csv {
            let amount = payment.and_then(|p| p.amount);
            writer.write_record([
                finding.name(),
                order_id,
                &line.map(|l| l.to_string()).unwrap_or_default(),
                &ledger.map(|l| l.amount.format_amount()).unwrap_or_default(),
                &ledger
                    .map(|l| l.amount.currency().code().to_owned())
                    .unwrap_or_default(),
                &ledger
                    .and_then(|l| l.refunded)
                    .map(|r| r.to_string())
                    .unwrap_or_default(),
                &amount.map(|m| m.format_amount()).unwrap_or_default(),
                &amount
                    .map(|m| m.currency().code().to_owned())
                    .unwrap_or_default(),
                &payment
                    .and_then(|p| p.refunded_amount)
                    .map(|m| m.format_amount())
                    .unwrap_or_default(),
                payment.map(|p| p.status.as_str()).unwrap_or_default(),
                payment
                    .map(|p| p.provider_status.as_str())
                    .unwrap_or_default(),
                detail,
            ])?;
        }
        Ok(())
    }

    pub(super) fn summary(&self) -> Value {
        let counts: BTreeMap<&str, u64> = self.counts.iter().map(|(k, v)| (k.name(), *v)).collect();
        json!(counts)
    }

    /// The counts as a person reads them: `3 match, 1 amount_mismatch`.
    pub(super) fn summary_text(&self) -> String {
        if self.counts.is_empty() {
            return "nothing to report".into();
        }
        self.counts
            .iter()
            .map(|(finding, count)| format!("{count} {}", finding.name()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Ends the report: CSV flushed whole; the JSON document closed with whether the
    /// provider listed the period, whether Ctrl-C stopped it, the error that stopped it (or
    /// `null`), and the summary — one document whatever happened.
    pub(super) fn finish(
        mut self,
        listed: bool,
        interrupted: bool,
        error: Option<&Error>,
    ) -> std::io::Result<()> {
        if self.json {
            let mut out = std::io::stdout();
            write!(
                out,
                "\n],\"listed_by_provider\":{listed},\"interrupted\":{interrupted},\"error\":{},\"summary\":{}}}\n",
                error.map_or(Value::Null, error_json),
                self.summary()
            )?;
            return out.flush();
        }
        if let Some(writer) = &mut self.csv {
            writer.flush()?;
        }
        Ok(())
    }
}
