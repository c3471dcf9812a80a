//! The simulator's credentials on file: link requests waiting for the customer's approval,
//! and the tokens approved links produce (PayWay's `aof/link-account` and `cof/link-card`).

use std::collections::BTreeMap;

use paygate_core::Decimal;
use paygate_core::time::OffsetDateTime;

use crate::Provider;
use crate::state::Refusal;

/// What was saved: an ABA account or a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// An ABA account (`link-account`).
    Account,
    /// A card (`link-card`).
    Card,
}

/// Where a token stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenStatus {
    /// May be charged.
    Active,
    /// Removed by the merchant.
    Removed,
}

/// A link request: what the customer is asked to approve.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SimTokenLink {
    /// The provider.
    pub provider: Provider,
    /// The merchant's `request_id`.
    pub request_id: String,
    /// The customer (`ctid`).
    pub ctid: String,
    /// `token_flag` as asked.
    pub token_flag: String,
    /// Currency of the payments to come.
    pub currency: String,
    /// `frequency` (recurring flags).
    pub frequency: Option<String>,
    /// The fixed amount of a card link, if any.
    pub amount: Option<Decimal>,
    /// Account or card.
    pub kind: CredentialKind,
    /// Where the approved link is reported (decoded).
    pub callback_url: Option<String>,
    /// Where the browser goes once a card is saved.
    pub continue_success_url: Option<String>,
    /// The token, once approved.
    pub token: Option<SimToken>,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

/// A token an approved link produced.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SimToken {
    /// The token (`pwt`).
    pub pwt: String,
    /// Status.
    pub status: TokenStatus,
    /// How many times it was renewed.
    pub renewals: u32,
    /// The payments made with it (order ids), in order.
    pub payments: Vec<String>,
}

/// Every link request and token, by `request_id`.
#[derive(Debug, Default)]
pub(crate) struct TokenBook {
    links: BTreeMap<(Provider, String), SimTokenLink>,
    issued: u64,
}

impl TokenBook {
    /// Adds a link request ([`Refusal::Duplicate`] when the `request_id` is taken).
    pub(crate) fn start(&mut self, link: SimTokenLink) -> Result<(), Refusal> {
        let key = (link.provider, link.request_id.clone());
        if self.links.contains_key(&key) {
            return Err(Refusal::Duplicate);
        }
        self.links.insert(key, link);
        Ok(())
    }

    /// A link request.
    pub(crate) fn get(
        &self,
        provider: Provider,
        request_id: &str,
    ) -> Result<&SimTokenLink, Refusal> {
        self.links
            .get(&(provider, request_id.to_owned()))
            .ok_or(Refusal::NotFound)
    }

    /// The customer approves a pending link: it gets its token.
    pub(crate) fn approve(
        &mut self,
        provider: Provider,
        request_id: &str,
    ) -> Result<SimTokenLink, Refusal> {
        let issued = self.issued + 1;
        let link = self
            .links
            .get_mut(&(provider, request_id.to_owned()))
            .ok_or(Refusal::NotFound)?;
        if link.token.is_some() {
            return Err(Refusal::InvalidState);
        }
        link.token = Some(SimToken {
            pwt: format!("sbx-pwt-{issued:012}"),
            status: TokenStatus::Active,
            renewals: 0,
            payments: Vec::new(),
        });
        self.issued = issued;
        Ok(link.clone())
    }

    /// The link whose token is `pwt`, for `ctid`.
    pub(crate) fn by_token(
        &mut self,
        provider: Provider,
        ctid: &str,
        pwt: &str,
    ) -> Option<&mut SimTokenLink> {
        self.links.values_mut().find(|link| {
            link.provider == provider
                && link.ctid == ctid
                && link.token.as_ref().is_some_and(|t| t.pwt == pwt)
        })
    }

    /// Every link request of `provider`, oldest first.
    pub(crate) fn all(&self, provider: Provider) -> Vec<SimTokenLink> {
        let mut links: Vec<SimTokenLink> = self
            .links
            .values()
            .filter(|l| l.provider == provider)
            .cloned()
            .collect();
        links.sort_by_key(|l| l.created_at);
        links
    }
}

impl crate::Shared {
    /// The customer approves the link `request_id`: it gets its token, and the approval is
    /// reported to the link's loopback `callback_url` (unsigned, carrying no token: the
    /// merchant reads it with get-token-details, as PayWay's integrators do).
    pub(crate) fn approve_token_link(
        self: &std::sync::Arc<Self>,
        provider: Provider,
        request_id: &str,
    ) -> Result<SimTokenLink, Refusal> {
        let link = self.tokens().approve(provider, request_id)?;
        let body = serde_json::json!({
            "request_id": link.request_id,
            "ctid": link.ctid,
            "token_flag": link.token_flag,
            "status": "00",
        })
        .to_string();
        let webhook = crate::SimulatedWebhook {
            body,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
        };
        crate::delivery::start(
            self,
            provider,
            &link.request_id,
            link.callback_url.as_deref(),
            &webhook,
        );
        Ok(link)
    }
}

impl crate::Sandbox {
    /// The customer approves the credentials link `request_id` (in ABA Mobile for an account,
    /// on the add-card page for a card): the link gets its token, and the approval is posted
    /// to the link's loopback callback URL.
    pub fn approve_token_link(
        &self,
        provider: Provider,
        request_id: &str,
    ) -> Result<SimTokenLink, Refusal> {
        self.shared.approve_token_link(provider, request_id)
    }

    /// Every credentials link of `provider` (approved ones with their token), oldest first.
    pub fn token_links(&self, provider: Provider) -> Vec<SimTokenLink> {
        self.shared.tokens().all(provider)
    }
}

/// `GET /_sandbox/token-link/{provider}/{request_id}`: what the customer sees (ABA Mobile
/// for an account, the add-card page for a card), with a button to approve.
pub(crate) async fn page(
    axum::extract::State(shared): axum::extract::State<std::sync::Arc<crate::Shared>>,
    axum::extract::Path((provider, request_id)): axum::extract::Path<(String, String)>,
) -> axum::response::Response {
    use crate::hosted::{brand, escape, html};
    let provider = match crate::control::provider_of(&provider) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Ok(link) = shared.tokens().get(provider, &request_id).cloned() else {
        return crate::control::refusal(Refusal::NotFound);
    };
    let what = match link.kind {
        CredentialKind::Account => "Link your ABA account",
        CredentialKind::Card => "Save your card",
    };
    let mut body = format!(
        "<h1>{}</h1><h2 id=\"title\">{what}</h2><p>for customer <b>{}</b>, {} payments ({})</p>",
        brand(provider),
        escape(&link.ctid),
        escape(&link.currency),
        escape(&link.token_flag),
    );
    if link.token.is_some() {
        body.push_str("<p id=\"outcome\">Linked.</p>");
    } else {
        body.push_str(&format!(
            "<form method=\"post\" action=\"/_sandbox/token-link/{}/{}/approve\">\
             <button id=\"approve\">Approve</button></form>",
            provider.name(),
            escape(&link.request_id)
        ));
    }
    html(axum::http::StatusCode::OK, brand(provider), &body)
}

/// `POST /_sandbox/token-link/{provider}/{request_id}/approve`: the customer approves. A card
/// link sends the browser on to its `continue_success_url`; otherwise the answer is the link
/// as JSON (without its token).
pub(crate) async fn approve(
    axum::extract::State(shared): axum::extract::State<std::sync::Arc<crate::Shared>>,
    axum::extract::Path((provider, request_id)): axum::extract::Path<(String, String)>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let provider = match crate::control::provider_of(&provider) {
        Ok(p) => p,
        Err(r) => return r,
    };
    match shared.approve_token_link(provider, &request_id) {
        Ok(link) => match &link.continue_success_url {
            Some(url) => axum::response::Redirect::to(url).into_response(),
            None => axum::Json(serde_json::json!({
                "request_id": link.request_id,
                "ctid": link.ctid,
                "linked": true,
            }))
            .into_response(),
        },
        Err(r) => crate::control::refusal(r),
    }
}
