//! Where receipts are kept: the write journal's database, or a bounded set in memory.

use std::collections::{HashSet, VecDeque};
use std::sync::{Mutex, PoisonError};

use crate::GatewayRegistry;

/// The receipts of one receiver.
pub(crate) enum Receipts {
    /// In the journal's database ([`paygate_journal::WebhookInbox`]).
    #[cfg(any(feature = "journal", feature = "journal-postgres"))]
    Journal(std::sync::Arc<dyn paygate_journal::WriteJournal>),
    /// The last `capacity` events, in memory.
    Memory(Mutex<Remembered>),
}

pub(crate) struct Remembered {
    capacity: usize,
    order: VecDeque<(String, String)>,
    seen: HashSet<(String, String)>,
}

impl std::fmt::Debug for Receipts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            #[cfg(any(feature = "journal", feature = "journal-postgres"))]
            Receipts::Journal(journal) => f.debug_tuple("Journal").field(journal).finish(),
            Receipts::Memory(remembered) => {
                let remembered = remembered.lock().unwrap_or_else(PoisonError::into_inner);
                f.debug_struct("Memory")
                    .field("capacity", &remembered.capacity)
                    .field("held", &remembered.order.len())
                    .finish()
            }
        }
    }
}

/// Why a receipt could not be recorded (nothing is acknowledged then).
#[derive(Debug)]
pub(crate) struct Unavailable(pub(crate) String);

impl Receipts {
    pub(crate) fn memory(capacity: usize) -> Receipts {
        Receipts::Memory(Mutex::new(Remembered {
            capacity: capacity.max(1),
            order: VecDeque::new(),
            seen: HashSet::new(),
        }))
    }

    /// The registry's journal when it has one, else memory.
    pub(crate) fn of_registry(registry: &GatewayRegistry, capacity: usize) -> Receipts {
        #[cfg(any(feature = "journal", feature = "journal-postgres"))]
        if let Some(journal) = registry.journal() {
            return Receipts::Journal(journal.clone());
        }
        let _ = registry;
        Receipts::memory(capacity)
    }

    pub(crate) fn is_durable(&self) -> bool {
        !matches!(self, Receipts::Memory(_))
    }

    /// Records the event: true when it is the first delivery.
    pub(crate) async fn receive(
        &self,
        gateway: &str,
        event_key: &str,
        order_id: &str,
        body: &[u8],
    ) -> Result<bool, Unavailable> {
        match self {
            #[cfg(any(feature = "journal", feature = "journal-postgres"))]
            Receipts::Journal(journal) => {
                let receipt =
                    paygate_journal::WebhookReceipt::new(gateway, event_key, order_id, body);
                journal
                    .receive(&receipt)
                    .await
                    .map_err(|e| Unavailable(e.to_string()))
            }
            Receipts::Memory(remembered) => {
                let _ = (order_id, body);
                let mut remembered = remembered.lock().unwrap_or_else(PoisonError::into_inner);
                let key = (gateway.to_owned(), event_key.to_owned());
                if remembered.seen.contains(&key) {
                    return Ok(false);
                }
                if remembered.order.len() >= remembered.capacity
                    && let Some(oldest) = remembered.order.pop_front()
                {
                    remembered.seen.remove(&oldest);
                }
                remembered.seen.insert(key.clone());
                remembered.order.push_back(key);
                Ok(true)
            }
        }
    }

    /// Marks the event handled (memory keeps no such state).
    pub(crate) async fn mark_handled(
        &self,
        gateway: &str,
        event_key: &str,
    ) -> Result<(), Unavailable> {
        match self {
            #[cfg(any(feature = "journal", feature = "journal-postgres"))]
            Receipts::Journal(journal) => journal
                .mark_handled(gateway, event_key)
                .await
                .map_err(|e| Unavailable(e.to_string())),
            Receipts::Memory(_) => {
                let _ = (gateway, event_key);
                Ok(())
            }
        }
    }

    /// Receipts never marked handled: (gateway, event key, order id, body).
    pub(crate) async fn unhandled(
        &self,
        limit: u32,
    ) -> Result<Vec<(String, String, String, Vec<u8>)>, Unavailable> {
        match self {
            #[cfg(any(feature = "journal", feature = "journal-postgres"))]
            Receipts::Journal(journal) => Ok(journal
                .unhandled(limit)
                .await
                .map_err(|e| Unavailable(e.to_string()))?
                .into_iter()
                .map(|r| (r.gateway, r.event_key, r.order_id, r.body))
                .collect()),
            Receipts::Memory(_) => {
                let _ = limit;
                Ok(Vec::new())
            }
        }
    }
}
