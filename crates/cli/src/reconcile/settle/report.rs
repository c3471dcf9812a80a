//! The settlement report: one row per finding, as CSV or one JSON document.

use std::collections::BTreeMap;
use std::io::Write;

use paygate::Payment;
use serde_json::{Value, json};

use super::{Finding, LedgerRow};
use crate::ops::money_json;

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
                "provider_amount",
                "provider_currency",
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
        *self.counts.entry(finding).or_default() += 1;
        if self.json {
            let row = json!({
                "finding": finding.name(),
                "order_id": order_id,
                "ledger_line": ledger.map(|l| l.line),
                "ledger_amount": money_json(ledger.map(|l| l.amount)),
                "provider_amount": money_json(payment.and_then(|p| p.amount)),
                "provider_status": payment.map(|p| p.status.as_str()),
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
                &ledger.map(|l| l.line.to_string()).unwrap_or_default(),
                &ledger.map(|l| l.amount.format_amount()).unwrap_or_default(),
                &ledger
                    .map(|l| l.amount.currency().code().to_owned())
                    .unwrap_or_default(),
                &amount.map(|m| m.format_amount()).unwrap_or_default(),
                &amount
                    .map(|m| m.currency().code().to_owned())
                    .unwrap_or_default(),
                payment.map(|p| p.status.as_str()).unwrap_or_default(),
                detail,
            ])?;
        }
        Ok(())
    }

    pub(super) fn summary(&self) -> Value {
        let counts: BTreeMap<&str, u64> = self.counts.iter().map(|(k, v)| (k.name(), *v)).collect();
        json!(counts)
    }

    pub(super) fn finish(mut self, listed: bool) -> std::io::Result<()> {
        if self.json {
            let mut out = std::io::stdout();
            write!(
                out,
                "\n],\"listed_by_provider\":{listed},\"summary\":{}}}\n",
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
