//! The webhook inbox: deliveries a receiver took in, in the journal's database, so that a
//! delivery the provider sends again (Finpay until it is acknowledged; any provider after a
//! network error) reaches the app's handler once — across restarts and app instances.
//!
//! A receipt is recorded before the provider is acknowledged and marked handled when the
//! app's handler has finished; receipts never marked (the app stopped, the handler failed)
//! are listed by [`WebhookInbox::unhandled`], for the app to handle again at start.

use async_trait::async_trait;

use crate::entry::JournalFailure;
use crate::schema;

/// One delivery, as the receiver records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookReceipt {
    /// The gateway instance's name in the registry.
    pub gateway: String,
    /// What identifies the event whatever the delivery (the receiver's choice: order,
    /// transaction, status and amount), at most 200 characters.
    pub event_key: String,
    /// The order it is about.
    pub order_id: String,
    /// The body as received.
    pub body: Vec<u8>,
    /// When it was received, Unix milliseconds.
    pub received_at_ms: i64,
    /// When the handler finished with it, Unix milliseconds.
    pub handled_at_ms: Option<i64>,
}

impl WebhookReceipt {
    /// A receipt received now, not handled yet.
    pub fn new(
        gateway: impl Into<String>,
        event_key: impl Into<String>,
        order_id: impl Into<String>,
        body: impl Into<Vec<u8>>,
    ) -> WebhookReceipt {
        WebhookReceipt {
            gateway: gateway.into(),
            event_key: event_key.into(),
            order_id: order_id.into(),
            body: body.into(),
            received_at_ms: schema::now_ms(),
            handled_at_ms: None,
        }
    }
}

/// Durable receipts of webhook deliveries. Every journal is one.
#[async_trait]
pub trait WebhookInbox: Send + Sync {
    /// Records `receipt` unless its gateway and event key are recorded already: true when
    /// this is the first delivery of the event.
    async fn receive(&self, receipt: &WebhookReceipt) -> Result<bool, JournalFailure>;

    /// Marks the event handled (a second call changes nothing).
    async fn mark_handled(&self, gateway: &str, event_key: &str) -> Result<(), JournalFailure>;

    /// Receipts not marked handled, oldest first, at most `limit`.
    async fn unhandled(&self, limit: u32) -> Result<Vec<WebhookReceipt>, JournalFailure>;
}

/// Records a receipt unless its key is taken: gateway, key, order, body, received.
const INSERT_RECEIPT: &str = "INSERT INTO paygate_webhook_receipts
    (gateway, event_key, order_id, body, received_at) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (gateway, event_key) DO NOTHING";

/// Marks a receipt handled: now, gateway, key.
const MARK_HANDLED: &str = "UPDATE paygate_webhook_receipts SET handled_at = $1
    WHERE gateway = $2 AND event_key = $3 AND handled_at IS NULL";

/// Unhandled receipts, oldest first: limit.
const SELECT_UNHANDLED: &str = "SELECT gateway, event_key, order_id, body, received_at, handled_at
    FROM paygate_webhook_receipts WHERE handled_at IS NULL
    ORDER BY received_at, gateway, event_key LIMIT $1";

/// The longest event key stored.
const MAX_EVENT_KEY: usize = 200;

fn checked(receipt: &WebhookReceipt) -> Result<(), JournalFailure> {
    if receipt.event_key.is_empty() || receipt.event_key.len() > MAX_EVENT_KEY {
        return Err(JournalFailure::Unavailable(format!(
            "a webhook event key must be 1 to {MAX_EVENT_KEY} bytes"
        )));
    }
    Ok(())
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use rusqlite::params;

    use super::*;
    use crate::SqliteJournal;

    fn unavailable(error: rusqlite::Error) -> JournalFailure {
        JournalFailure::Unavailable(error.to_string())
    }

    fn sql(text: &str) -> String {
        text.replace('$', "?")
    }

    #[async_trait]
    impl WebhookInbox for SqliteJournal {
        async fn receive(&self, receipt: &WebhookReceipt) -> Result<bool, JournalFailure> {
            checked(receipt)?;
            let receipt = receipt.clone();
            self.run(move |connection| {
                let inserted = connection
                    .execute(
                        &sql(INSERT_RECEIPT),
                        params![
                            receipt.gateway,
                            receipt.event_key,
                            receipt.order_id,
                            receipt.body,
                            receipt.received_at_ms
                        ],
                    )
                    .map_err(unavailable)?;
                Ok(inserted == 1)
            })
            .await
        }

        async fn mark_handled(&self, gateway: &str, event_key: &str) -> Result<(), JournalFailure> {
            let (gateway, event_key) = (gateway.to_owned(), event_key.to_owned());
            self.run(move |connection| {
                connection
                    .execute(
                        &sql(MARK_HANDLED),
                        params![schema::now_ms(), gateway, event_key],
                    )
                    .map_err(unavailable)?;
                Ok(())
            })
            .await
        }

        async fn unhandled(&self, limit: u32) -> Result<Vec<WebhookReceipt>, JournalFailure> {
            self.run(move |connection| {
                let mut statement = connection
                    .prepare(&sql(SELECT_UNHANDLED))
                    .map_err(unavailable)?;
                let rows = statement
                    .query_map(params![i64::from(limit)], |row| {
                        Ok(WebhookReceipt {
                            gateway: row.get(0)?,
                            event_key: row.get(1)?,
                            order_id: row.get(2)?,
                            body: row.get(3)?,
                            received_at_ms: row.get(4)?,
                            handled_at_ms: row.get(5)?,
                        })
                    })
                    .map_err(unavailable)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(unavailable)
            })
            .await
        }
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::*;
    use crate::PostgresJournal;

    fn unavailable(error: tokio_postgres::Error) -> JournalFailure {
        JournalFailure::Unavailable(error.to_string())
    }

    #[async_trait]
    impl WebhookInbox for PostgresJournal {
        async fn receive(&self, receipt: &WebhookReceipt) -> Result<bool, JournalFailure> {
            checked(receipt)?;
            self.bounded(async move {
                let mut guard = self.client.lock().await;
                let client = self.connected(&mut guard).await?;
                let inserted = client
                    .execute(
                        INSERT_RECEIPT,
                        &[
                            &receipt.gateway,
                            &receipt.event_key,
                            &receipt.order_id,
                            &receipt.body,
                            &receipt.received_at_ms,
                        ],
                    )
                    .await
                    .map_err(unavailable)?;
                Ok(inserted == 1)
            })
            .await
        }

        async fn mark_handled(&self, gateway: &str, event_key: &str) -> Result<(), JournalFailure> {
            self.bounded(async move {
                let mut guard = self.client.lock().await;
                let client = self.connected(&mut guard).await?;
                client
                    .execute(MARK_HANDLED, &[&schema::now_ms(), &gateway, &event_key])
                    .await
                    .map_err(unavailable)?;
                Ok(())
            })
            .await
        }

        async fn unhandled(&self, limit: u32) -> Result<Vec<WebhookReceipt>, JournalFailure> {
            self.bounded(async move {
                let mut guard = self.client.lock().await;
                let client = self.connected(&mut guard).await?;
                let rows = client
                    .query(SELECT_UNHANDLED, &[&i64::from(limit)])
                    .await
                    .map_err(unavailable)?;
                rows.iter()
                    .map(|row| {
                        Ok(WebhookReceipt {
                            gateway: row.try_get(0).map_err(unavailable)?,
                            event_key: row.try_get(1).map_err(unavailable)?,
                            order_id: row.try_get(2).map_err(unavailable)?,
                            body: row.try_get(3).map_err(unavailable)?,
                            received_at_ms: row.try_get(4).map_err(unavailable)?,
                            handled_at_ms: row.try_get(5).map_err(unavailable)?,
                        })
                    })
                    .collect()
            })
            .await
        }
    }
}
