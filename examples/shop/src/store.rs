//! The shop's orders, in the same SQLite file as the write journal (a table of their own):
//! a restart keeps every order and what the shop learned of it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use paygate::{Currency, Money};
use rusqlite::{Connection, params};

use crate::{ShopOrder, ShopStatus, StatusRead};

/// Where the orders are kept.
pub(crate) struct OrderStore {
    connection: Mutex<Connection>,
}

/// Why the orders could not be read or written.
pub(crate) type StoreError = Box<dyn std::error::Error + Send + Sync>;

const CREATE: &str = "CREATE TABLE IF NOT EXISTS shop_orders (
    id TEXT PRIMARY KEY,
    gateway TEXT NOT NULL,
    provider_order_id TEXT NOT NULL,
    amount TEXT NOT NULL,
    currency TEXT NOT NULL,
    refunded TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT,
    read_unified TEXT,
    read_native TEXT
)";

impl OrderStore {
    /// Opens (creating) the orders' table in `path`.
    pub(crate) fn open(path: &Path) -> Result<OrderStore, StoreError> {
        let connection = Connection::open(path)?;
        connection.busy_timeout(std::time::Duration::from_secs(10))?;
        connection.execute_batch(CREATE)?;
        Ok(OrderStore {
            connection: Mutex::new(connection),
        })
    }

    fn connection(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Every order kept.
    pub(crate) fn load(&self) -> Result<BTreeMap<String, ShopOrder>, StoreError> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT id, gateway, provider_order_id, amount, currency, refunded, status, note,
                    read_unified, read_native FROM shop_orders",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, String>(5)?,
                row.get::<_, String>(6)?,
                row.get::<_, Option<String>>(7)?,
                row.get::<_, Option<String>>(8)?,
                row.get::<_, Option<String>>(9)?,
            ))
        })?;
        let mut orders = BTreeMap::new();
        for row in rows {
            let (
                id,
                gateway,
                provider_order_id,
                amount,
                currency,
                refunded,
                status,
                note,
                unified,
                native,
            ) = row?;
            let currency = Currency::from_code(&currency)?;
            let order = ShopOrder {
                id: id.clone(),
                gateway,
                provider_order_id,
                amount: Money::parse(&amount, currency)?,
                refunded: Money::parse(&refunded, currency)?,
                status: ShopStatus::from_stored(&status),
                note,
                read: unified.map(|unified| StatusRead {
                    unified,
                    native: native.unwrap_or_default(),
                }),
            };
            orders.insert(id, order);
        }
        Ok(orders)
    }

    /// The ids of the newest `limit` orders, newest first: in the order they were first
    /// saved (SQLite's `rowid`, which an update keeps).
    pub(crate) fn newest_ids(&self, limit: u32) -> Result<Vec<String>, StoreError> {
        let connection = self.connection();
        let mut statement =
            connection.prepare("SELECT id FROM shop_orders ORDER BY rowid DESC LIMIT ?1")?;
        let ids = statement
            .query_map(params![limit], |row| row.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ids)
    }

    /// Writes `order` as it is now.
    pub(crate) fn save(&self, order: &ShopOrder) -> Result<(), StoreError> {
        self.connection().execute(
            "INSERT INTO shop_orders (id, gateway, provider_order_id, amount, currency, refunded,
                 status, note, read_unified, read_native)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (id) DO UPDATE SET provider_order_id = excluded.provider_order_id,
                 refunded = excluded.refunded,
                 status = excluded.status, note = excluded.note,
                 read_unified = excluded.read_unified, read_native = excluded.read_native",
            params![
                order.id,
                order.gateway,
                order.provider_order_id,
                order.amount.format_amount(),
                order.amount.currency().code(),
                order.refunded.format_amount(),
                order.status.stored(),
                order.note,
                order.read.as_ref().map(|r| r.unified.as_str()),
                order.read.as_ref().map(|r| r.native.as_str()),
            ],
        )?;
        Ok(())
    }
}
