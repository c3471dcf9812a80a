//! The simulator's payment links: shareable URLs that take one or several payments of a fixed
//! amount, each payment an order of its own in the ledger.

use std::collections::BTreeMap;

use paygate_core::Decimal;
use paygate_core::time::OffsetDateTime;

use crate::Provider;
use crate::state::Refusal;

/// Where a payment link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkStatus {
    /// Takes payments.
    Open,
    /// Took as many payments as its limit.
    Paid,
    /// Voided by the merchant.
    Voided,
}

/// One simulated payment link.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SimLink {
    /// The provider.
    pub provider: Provider,
    /// The id the API takes.
    pub id: String,
    /// The last part of the URL shared with payers.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Amount of each payment.
    pub amount: Decimal,
    /// Currency code.
    pub currency: String,
    /// How many payments it takes (`None`: no limit).
    pub payment_limit: Option<u32>,
    /// When it stops taking payments (`None`: never).
    pub expires_at: Option<OffsetDateTime>,
    /// Where each payment is notified.
    pub callback_url: Option<String>,
    /// The merchant's reference.
    pub merchant_ref: String,
    /// The uploaded image's name as the simulator stored it, if any.
    pub image: Option<String>,
    /// Status.
    pub status: LinkStatus,
    /// The orders paid through it, in order.
    pub payments: Vec<String>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

impl SimLink {
    /// Collected so far.
    pub fn collected(&self) -> Decimal {
        self.amount * Decimal::from(self.payments.len())
    }
}

/// What a new link holds; the book gives it its id, slug and status.
#[derive(Debug, Clone)]
pub(crate) struct NewLink {
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) amount: Decimal,
    pub(crate) currency: String,
    pub(crate) payment_limit: Option<u32>,
    pub(crate) expires_at: Option<OffsetDateTime>,
    pub(crate) callback_url: Option<String>,
    pub(crate) merchant_ref: String,
    pub(crate) image: Option<String>,
}

/// Every link, by provider and id.
#[derive(Debug, Default)]
pub(crate) struct LinkBook {
    links: BTreeMap<(Provider, String), SimLink>,
    created: u64,
}

impl LinkBook {
    /// Adds a link: its id is base64-like (as PayWay's are), its slug short.
    pub(crate) fn create(
        &mut self,
        provider: Provider,
        new: NewLink,
        now: OffsetDateTime,
    ) -> SimLink {
        self.created += 1;
        let serial = self.created;
        let link = SimLink {
            provider,
            id: format!("SbxLink{serial:013}Aw=="),
            slug: format!("PL{serial:06}"),
            title: new.title,
            description: new.description,
            amount: new.amount,
            currency: new.currency,
            payment_limit: new.payment_limit,
            expires_at: new.expires_at,
            callback_url: new.callback_url,
            merchant_ref: new.merchant_ref,
            image: new.image,
            status: LinkStatus::Open,
            payments: Vec::new(),
            created_at: now,
            updated_at: now,
        };
        self.links.insert((provider, link.id.clone()), link.clone());
        link
    }

    /// A link by id.
    pub(crate) fn get(&self, provider: Provider, id: &str) -> Result<&SimLink, Refusal> {
        self.links
            .get(&(provider, id.to_owned()))
            .ok_or(Refusal::NotFound)
    }

    /// A link by the slug of its URL.
    pub(crate) fn by_slug(&self, provider: Provider, slug: &str) -> Result<&SimLink, Refusal> {
        self.links
            .values()
            .find(|l| l.provider == provider && l.slug == slug)
            .ok_or(Refusal::NotFound)
    }

    /// Voids an open link (a voided one is [`Refusal::InvalidState`]).
    pub(crate) fn void(
        &mut self,
        provider: Provider,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<SimLink, Refusal> {
        let link = self
            .links
            .get_mut(&(provider, id.to_owned()))
            .ok_or(Refusal::NotFound)?;
        if link.status == LinkStatus::Voided {
            return Err(Refusal::InvalidState);
        }
        link.status = LinkStatus::Voided;
        link.updated_at = now;
        Ok(link.clone())
    }

    /// Records a payment of `order_id` through the link found by `slug`: refused unless the
    /// link is open and not expired. It becomes `Paid` at its limit.
    pub(crate) fn record_payment(
        &mut self,
        provider: Provider,
        slug: &str,
        order_id: &str,
        now: OffsetDateTime,
    ) -> Result<SimLink, Refusal> {
        let link = self
            .links
            .values_mut()
            .find(|l| l.provider == provider && l.slug == slug)
            .ok_or(Refusal::NotFound)?;
        let expired = link.expires_at.is_some_and(|at| at <= now);
        if link.status != LinkStatus::Open || expired {
            return Err(Refusal::InvalidState);
        }
        link.payments.push(order_id.to_owned());
        if link
            .payment_limit
            .is_some_and(|limit| link.payments.len() >= limit as usize)
        {
            link.status = LinkStatus::Paid;
        }
        link.updated_at = now;
        Ok(link.clone())
    }
}

impl crate::Shared {
    /// A payer pays through the link whose URL ends in `slug`: a new order of the link's amount,
    /// paid at once, notified to the link's callback URL as the provider notifies link payments.
    pub(crate) fn pay_link(
        self: &std::sync::Arc<Self>,
        provider: Provider,
        slug: &str,
    ) -> Result<(SimLink, crate::SimulatedWebhook), Refusal> {
        let now = self.now();
        let simulated = provider.simulated();
        let (link, order) = {
            let mut links = self.links();
            let mut ledger = self.ledger();
            let order_id = ledger.next_id().to_string();
            let link = links.record_payment(provider, slug, &order_id, now)?;
            let mut order = crate::SimOrder::new(
                provider,
                order_id.clone(),
                link.merchant_ref.clone(),
                link.amount,
                link.currency.clone(),
                now,
            );
            order.callback_url = link.callback_url.clone();
            order.link_id = Some(link.id.clone());
            ledger.create(order)?;
            let order = ledger.pay(provider, &order_id, simulated.payment_method(), now)?;
            (link, order)
        };
        let webhook = simulated.webhook(self, &order);
        crate::delivery::start(
            self,
            provider,
            &order.id,
            order.callback_url.as_deref(),
            &webhook,
        );
        Ok((link, webhook))
    }
}

impl crate::Sandbox {
    /// Every payment link of `provider`, oldest first.
    pub fn links(&self, provider: Provider) -> Vec<SimLink> {
        let mut links: Vec<SimLink> = self
            .shared
            .links()
            .links
            .values()
            .filter(|l| l.provider == provider)
            .cloned()
            .collect();
        links.sort_by_key(|l| l.created_at);
        links
    }

    /// A payer pays through the link whose URL ends in `slug` (as `POST
    /// /_sandbox/link/{provider}/{slug}/pay` does): returns the link after it and the
    /// notification sent.
    pub fn pay_link(
        &self,
        provider: Provider,
        slug: &str,
    ) -> Result<(SimLink, crate::SimulatedWebhook), Refusal> {
        self.shared.pay_link(provider, slug)
    }
}

/// A standing virtual account that takes several payments (Finpay's open payment), as the
/// provider's register endpoint would create it: the simulator takes it from
/// [`crate::Sandbox::open_account`] or `POST /_sandbox/open-account`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct SimOpenAccount {
    /// The provider.
    pub provider: Provider,
    /// The channel (Finpay's `sofId`, e.g. `vabca`).
    pub channel: String,
    /// The account number (`paymentCode`).
    pub payment_code: String,
    /// The customer's id.
    #[serde(default)]
    pub customer_id: String,
    /// The customer's e-mail.
    #[serde(default)]
    pub email: String,
    /// First name.
    #[serde(default)]
    pub first_name: String,
    /// Last name.
    #[serde(default)]
    pub last_name: String,
    /// Mobile phone (E.164).
    #[serde(default)]
    pub mobile_phone: String,
}

impl SimOpenAccount {
    /// An account of `provider` on `channel` numbered `payment_code`, no customer details.
    pub fn new(
        provider: Provider,
        channel: impl Into<String>,
        payment_code: impl Into<String>,
    ) -> SimOpenAccount {
        SimOpenAccount {
            provider,
            channel: channel.into(),
            payment_code: payment_code.into(),
            customer_id: String::new(),
            email: String::new(),
            first_name: String::new(),
            last_name: String::new(),
            mobile_phone: String::new(),
        }
    }
}

/// The open accounts, by provider, channel and number; deleting one removes it.
#[derive(Debug, Default)]
pub(crate) struct OpenAccountBook {
    accounts: BTreeMap<(Provider, String, String), SimOpenAccount>,
}

impl OpenAccountBook {
    fn key(provider: Provider, channel: &str, code: &str) -> (Provider, String, String) {
        (provider, channel.to_owned(), code.to_owned())
    }

    /// Adds an account ([`Refusal::Duplicate`] when the number is taken on the channel).
    pub(crate) fn open(&mut self, account: SimOpenAccount) -> Result<(), Refusal> {
        let key = Self::key(account.provider, &account.channel, &account.payment_code);
        if self.accounts.contains_key(&key) {
            return Err(Refusal::Duplicate);
        }
        self.accounts.insert(key, account);
        Ok(())
    }

    /// An account.
    pub(crate) fn get(
        &self,
        provider: Provider,
        channel: &str,
        code: &str,
    ) -> Result<&SimOpenAccount, Refusal> {
        self.accounts
            .get(&Self::key(provider, channel, code))
            .ok_or(Refusal::NotFound)
    }

    /// Closes an account.
    pub(crate) fn delete(
        &mut self,
        provider: Provider,
        channel: &str,
        code: &str,
    ) -> Result<SimOpenAccount, Refusal> {
        self.accounts
            .remove(&Self::key(provider, channel, code))
            .ok_or(Refusal::NotFound)
    }

    /// The accounts of `provider`.
    pub(crate) fn of(&self, provider: Provider) -> Vec<SimOpenAccount> {
        self.accounts
            .values()
            .filter(|a| a.provider == provider)
            .cloned()
            .collect()
    }
}

impl crate::Sandbox {
    /// Opens a standing virtual account (what the provider's register endpoint would do).
    pub fn open_account(&self, account: SimOpenAccount) -> Result<(), Refusal> {
        self.shared.open_accounts().open(account)
    }

    /// The open accounts of `provider`.
    pub fn open_accounts(&self, provider: Provider) -> Vec<SimOpenAccount> {
        self.shared.open_accounts().of(provider)
    }
}
