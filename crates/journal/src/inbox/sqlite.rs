//! The inbox in a SQLite journal.

use rusqlite::params;

use super::*;
use crate::SqliteJournal;
use crate::store::WriteJournal;

fn unavailable(error: rusqlite::Error) -> JournalFailure {
    JournalFailure::Unavailable(error.to_string())
}

/// `text` for SQLite at `now`: `?n` parameters, the time written in (a number this code
/// made, never input).
fn sql(text: &str, now: i64) -> String {
    text.replace("{now}", &now.to_string()).replace('$', "?")
}

fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<WebhookReceipt> {
    Ok(WebhookReceipt {
        gateway: row.get(0)?,
        event_key: row.get(1)?,
        order_id: row.get(2)?,
        body: row.get(3)?,
        received_at_ms: row.get(4)?,
        handled_at_ms: row.get(5)?,
        held_until_ms: row.get(6)?,
        failures: u32::try_from(row.get::<_, i64>(7)?).unwrap_or(u32::MAX),
        last_error: row.get(8)?,
    })
}

impl SqliteJournal {
    /// Runs one statement at the journal's now: the rows it changed.
    async fn inbox_execute(
        &self,
        text: &'static str,
        params: Vec<rusqlite::types::Value>,
    ) -> Result<usize, JournalFailure> {
        let clock = self.clock();
        self.run(move |connection| {
            // Read once the connection is ours: a wait for it must not shorten a hold.
            let tx = connection
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(unavailable)?;
            let now = schema::unix_ms(clock.now());
            let changed = tx
                .execute(&sql(text, now), rusqlite::params_from_iter(params))
                .map_err(unavailable)?;
            tx.commit().map_err(unavailable)?;
            Ok(changed)
        })
        .await
    }
}

fn ms(duration: Duration) -> rusqlite::types::Value {
    rusqlite::types::Value::Integer(schema::millis(duration))
}

fn text(value: &str) -> rusqlite::types::Value {
    rusqlite::types::Value::Text(value.to_owned())
}

#[async_trait]
impl WebhookInbox for SqliteJournal {
    async fn receive(
        &self,
        receipt: &WebhookReceipt,
        hold: Duration,
    ) -> Result<bool, JournalFailure> {
        checked(receipt)?;
        let receipt = receipt.clone();
        let inserted = self
            .inbox_execute(
                INSERT_RECEIPT,
                vec![
                    text(&receipt.gateway),
                    text(&receipt.event_key),
                    text(&receipt.order_id),
                    rusqlite::types::Value::Blob(receipt.body),
                    rusqlite::types::Value::Integer(receipt.received_at_ms),
                    ms(hold),
                ],
            )
            .await?;
        Ok(inserted == 1)
    }

    async fn claim_due(
        &self,
        gateway: &str,
        limit: u32,
        hold: Duration,
    ) -> Result<Vec<WebhookReceipt>, JournalFailure> {
        let gateway = gateway.to_owned();
        let clock = self.clock();
        let hold = schema::millis(hold);
        self.run(move |connection| {
            // One write transaction: no other claimant reads between the look and the
            // hold.
            let tx = connection
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(unavailable)?;
            let now = schema::unix_ms(clock.now());
            let due = {
                let mut statement = tx.prepare(&sql(&select_due(), now)).map_err(unavailable)?;
                let rows = statement
                    .query_map(params![gateway, i64::from(limit)], read)
                    .map_err(unavailable)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(unavailable)?
            };
            let mut claimed = Vec::with_capacity(due.len());
            for mut receipt in due {
                let held = tx
                    .execute(
                        &sql(CLAIM_RECEIPT, now),
                        params![receipt.gateway, receipt.event_key, hold],
                    )
                    .map_err(unavailable)?;
                if held == 1 {
                    receipt.held_until_ms = Some(now.saturating_add(hold));
                    claimed.push(receipt);
                }
            }
            tx.commit().map_err(unavailable)?;
            Ok(claimed)
        })
        .await
    }

    async fn mark_handled(&self, gateway: &str, event_key: &str) -> Result<(), JournalFailure> {
        self.inbox_execute(MARK_HANDLED, vec![text(gateway), text(event_key)])
            .await?;
        Ok(())
    }

    async fn retry_later(
        &self,
        gateway: &str,
        event_key: &str,
        retry_in: Duration,
        error: &str,
    ) -> Result<(), JournalFailure> {
        self.inbox_execute(
            RETRY_LATER,
            vec![text(gateway), text(event_key), ms(retry_in), text(error)],
        )
        .await?;
        Ok(())
    }

    async fn receipts(
        &self,
        filter: &ReceiptFilter,
    ) -> Result<Vec<WebhookReceipt>, JournalFailure> {
        let filter = filter.clone();
        let now = self.now_ms().await?;
        self.run(move |connection| {
            let mut statement = connection
                .prepare(&sql(&select_receipts(), now))
                .map_err(unavailable)?;
            let rows = statement
                .query_map(
                    params![
                        i64::from(filter.unhandled_only),
                        filter.gateway.as_deref().unwrap_or(""),
                        filter.order_id.as_deref().unwrap_or(""),
                        limit_of(filter.limit)
                    ],
                    read,
                )
                .map_err(unavailable)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(unavailable)
        })
        .await
    }

    async fn replay(&self, gateway: &str, event_key: &str) -> Result<bool, JournalFailure> {
        let changed = self
            .inbox_execute(REPLAY, vec![text(gateway), text(event_key)])
            .await?;
        Ok(changed == 1)
    }
}
