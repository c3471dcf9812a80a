//! The inbox in a PostgreSQL journal.

use tokio_postgres::types::ToSql;

use super::*;
use crate::PostgresJournal;

fn unavailable(error: tokio_postgres::Error) -> JournalFailure {
    JournalFailure::Unavailable(error.to_string())
}

/// `text` at the server's clock.
fn sql(text: &str) -> String {
    text.replace("{now}", crate::postgres::NOW_MS)
}

fn read(row: &tokio_postgres::Row) -> Result<WebhookReceipt, JournalFailure> {
    let attempts: i64 = row.try_get(7).map_err(unavailable)?;
    Ok(WebhookReceipt {
        gateway: row.try_get(0).map_err(unavailable)?,
        event_key: row.try_get(1).map_err(unavailable)?,
        order_id: row.try_get(2).map_err(unavailable)?,
        body: row.try_get(3).map_err(unavailable)?,
        received_at_ms: row.try_get(4).map_err(unavailable)?,
        handled_at_ms: row.try_get(5).map_err(unavailable)?,
        held_until_ms: row.try_get(6).map_err(unavailable)?,
        failures: u32::try_from(attempts).unwrap_or(u32::MAX),
        last_error: row.try_get(8).map_err(unavailable)?,
    })
}

impl PostgresJournal {
    /// Runs one statement: the rows it changed.
    async fn inbox_execute(
        &self,
        text: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, JournalFailure> {
        self.bounded(async move {
            let mut guard = self.client.lock().await;
            let client = self.connected(&mut guard).await?;
            client
                .execute(&sql(text), params)
                .await
                .map_err(unavailable)
        })
        .await
    }
}

#[async_trait]
impl WebhookInbox for PostgresJournal {
    async fn receive(
        &self,
        receipt: &WebhookReceipt,
        hold: Duration,
    ) -> Result<bool, JournalFailure> {
        checked(receipt)?;
        let hold = schema::millis(hold);
        let inserted = self
            .inbox_execute(
                INSERT_RECEIPT,
                &[
                    &receipt.gateway,
                    &receipt.event_key,
                    &receipt.order_id,
                    &receipt.body,
                    &receipt.received_at_ms,
                    &hold,
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
        let hold = schema::millis(hold);
        let due = self
            .bounded(async move {
                let mut guard = self.client.lock().await;
                let client = self.connected(&mut guard).await?;
                let rows = client
                    .query(&sql(&select_due()), &[&gateway, &i64::from(limit)])
                    .await
                    .map_err(unavailable)?;
                rows.iter().map(read).collect::<Result<Vec<_>, _>>()
            })
            .await?;
        // Each hold re-checks that the receipt is still due (PostgreSQL re-reads a row
        // another transaction changed before updating it): one claimant wins.
        let mut claimed = Vec::with_capacity(due.len());
        for mut receipt in due {
            let held = self
                .bounded(async {
                    let mut guard = self.client.lock().await;
                    let client = self.connected(&mut guard).await?;
                    client
                        .query_opt(
                            &format!("{} RETURNING held_until", sql(CLAIM_RECEIPT)),
                            &[&receipt.gateway, &receipt.event_key, &hold],
                        )
                        .await
                        .map_err(unavailable)
                })
                .await?;
            if let Some(row) = held {
                receipt.held_until_ms = row.try_get(0).map_err(unavailable)?;
                claimed.push(receipt);
            }
        }
        Ok(claimed)
    }

    async fn mark_handled(&self, gateway: &str, event_key: &str) -> Result<(), JournalFailure> {
        self.inbox_execute(MARK_HANDLED, &[&gateway, &event_key])
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
        let wait = schema::millis(retry_in);
        self.inbox_execute(RETRY_LATER, &[&gateway, &event_key, &wait, &error])
            .await?;
        Ok(())
    }

    async fn receipts(
        &self,
        filter: &ReceiptFilter,
    ) -> Result<Vec<WebhookReceipt>, JournalFailure> {
        self.bounded(async move {
            let mut guard = self.client.lock().await;
            let client = self.connected(&mut guard).await?;
            let rows = client
                .query(
                    &sql(&select_receipts()),
                    &[
                        &i32::from(filter.unhandled_only),
                        &filter.gateway.as_deref().unwrap_or(""),
                        &filter.order_id.as_deref().unwrap_or(""),
                        &limit_of(filter.limit),
                    ],
                )
                .await
                .map_err(unavailable)?;
            rows.iter().map(read).collect()
        })
        .await
    }

    async fn replay(&self, gateway: &str, event_key: &str) -> Result<bool, JournalFailure> {
        Ok(self.inbox_execute(REPLAY, &[&gateway, &event_key]).await? == 1)
    }
}
