//! Where receipts are kept: the write journal's database, or a bounded set in memory.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::GatewayRegistry;

/// The receipts of one receiver.
pub(crate) enum Receipts {
    /// In the journal's database ([`paygate_journal::WebhookInbox`]).
    #[cfg(any(feature = "journal", feature = "journal-postgres"))]
    Journal(std::sync::Arc<dyn paygate_journal::WriteJournal>),
    /// The last `capacity` events, and those not handled yet, in memory.
    Memory(Mutex<Remembered>),
}

pub(crate) struct Remembered {
    capacity: usize,
    order: VecDeque<(String, String)>,
    seen: HashSet<(String, String)>,
    /// Received, not handled yet.
    waiting: HashMap<(String, String), Waiting>,
}

/// An event in memory whose handler has not finished.
struct Waiting {
    order_id: String,
    body: Vec<u8>,
    received: Instant,
    /// Held by a handler running, or waiting after a failure, until then.
    held_until: Instant,
    failures: u32,
}

/// A receipt due to be handed over: taken (held) by this receiver.
pub(crate) struct Due {
    pub(crate) gateway: String,
    pub(crate) event_key: String,
    pub(crate) order_id: String,
    pub(crate) body: Vec<u8>,
    /// How many times its handler failed before.
    pub(crate) failures: u32,
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
                    .field("waiting", &remembered.waiting.len())
                    .finish()
            }
        }
    }
}

/// Why the receipts could not be read or written (nothing is acknowledged then).
#[derive(Debug)]
pub(crate) struct Unavailable(pub(crate) String);

impl Receipts {
    pub(crate) fn memory(capacity: usize) -> Receipts {
        Receipts::Memory(Mutex::new(Remembered {
            capacity: capacity.max(1),
            order: VecDeque::new(),
            seen: HashSet::new(),
            waiting: HashMap::new(),
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

    /// Records the event, held for `hold` by the caller (who hands it over now): true when
    /// it is the first delivery.
    pub(crate) async fn receive(
        &self,
        gateway: &str,
        event_key: &str,
        order_id: &str,
        body: &[u8],
        hold: Duration,
    ) -> Result<bool, Unavailable> {
        match self {
            #[cfg(any(feature = "journal", feature = "journal-postgres"))]
            Receipts::Journal(journal) => {
                let receipt =
                    paygate_journal::WebhookReceipt::new(gateway, event_key, order_id, body);
                journal
                    .receive(&receipt, hold)
                    .await
                    .map_err(|e| Unavailable(e.to_string()))
            }
            Receipts::Memory(remembered) => {
                let mut remembered = remembered.lock().unwrap_or_else(PoisonError::into_inner);
                let key = (gateway.to_owned(), event_key.to_owned());
                if remembered.seen.contains(&key) {
                    return Ok(false);
                }
                // Full: forget the oldest event already handled. One not handled yet is never
                // dropped (it would be lost): the memory grows past its capacity instead.
                if remembered.order.len() >= remembered.capacity {
                    let handled = remembered
                        .order
                        .iter()
                        .position(|k| !remembered.waiting.contains_key(k));
                    match handled.and_then(|at| remembered.order.remove(at)) {
                        Some(oldest) => {
                            remembered.seen.remove(&oldest);
                        }
                        None => {
                            tracing::warn!(target: super::route::TARGET, held = remembered.order.len(), "the in-memory receipts are full of events not handled yet: keeping them all")
                        }
                    }
                }
                remembered.seen.insert(key.clone());
                remembered.order.push_back(key.clone());
                let now = Instant::now();
                remembered.waiting.insert(
                    key,
                    Waiting {
                        order_id: order_id.to_owned(),
                        body: body.to_vec(),
                        received: now,
                        held_until: now + hold,
                        failures: 0,
                    },
                );
                Ok(true)
            }
        }
    }

    /// Takes up to `limit` of `gateway`'s due receipts, oldest first, each held for `hold`.
    pub(crate) async fn claim_due(
        &self,
        gateway: &str,
        limit: u32,
        hold: Duration,
    ) -> Result<Vec<Due>, Unavailable> {
        match self {
            #[cfg(any(feature = "journal", feature = "journal-postgres"))]
            Receipts::Journal(journal) => Ok(journal
                .claim_due(gateway, limit, hold)
                .await
                .map_err(|e| Unavailable(e.to_string()))?
                .into_iter()
                .map(|r| Due {
                    gateway: r.gateway,
                    event_key: r.event_key,
                    order_id: r.order_id,
                    body: r.body,
                    failures: r.failures,
                })
                .collect()),
            Receipts::Memory(remembered) => {
                let mut remembered = remembered.lock().unwrap_or_else(PoisonError::into_inner);
                let now = Instant::now();
                let mut due: Vec<(&(String, String), &mut Waiting)> = remembered
                    .waiting
                    .iter_mut()
                    .filter(|((g, _), w)| g == gateway && w.held_until <= now)
                    .collect();
                due.sort_by_key(|(_, w)| w.received);
                Ok(due
                    .into_iter()
                    .take(usize::try_from(limit).unwrap_or(usize::MAX))
                    .map(|((g, k), w)| {
                        w.held_until = now + hold;
                        Due {
                            gateway: g.clone(),
                            event_key: k.clone(),
                            order_id: w.order_id.clone(),
                            body: w.body.clone(),
                            failures: w.failures,
                        }
                    })
                    .collect())
            }
        }
    }

    /// Marks the event handled.
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
            Receipts::Memory(remembered) => {
                let mut remembered = remembered.lock().unwrap_or_else(PoisonError::into_inner);
                remembered
                    .waiting
                    .remove(&(gateway.to_owned(), event_key.to_owned()));
                Ok(())
            }
        }
    }

    /// Its handler failed with `error`: due again `retry_in` from now.
    pub(crate) async fn retry_later(
        &self,
        gateway: &str,
        event_key: &str,
        retry_in: Duration,
        error: &str,
    ) -> Result<(), Unavailable> {
        match self {
            #[cfg(any(feature = "journal", feature = "journal-postgres"))]
            Receipts::Journal(journal) => journal
                .retry_later(gateway, event_key, retry_in, error)
                .await
                .map_err(|e| Unavailable(e.to_string())),
            Receipts::Memory(remembered) => {
                let _ = error;
                let mut remembered = remembered.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(waiting) = remembered
                    .waiting
                    .get_mut(&(gateway.to_owned(), event_key.to_owned()))
                {
                    waiting.failures = waiting.failures.saturating_add(1);
                    waiting.held_until = Instant::now() + retry_in;
                }
                Ok(())
            }
        }
    }
}
