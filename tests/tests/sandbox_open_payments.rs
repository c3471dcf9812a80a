//! Finpay open payments (standing virtual accounts), native client → sandbox: an account the
//! sandbox opened (as the register endpoint would) is checked, its answer tied to the account
//! asked for, then deleted once; afterwards it is not found, and bad channels or numbers
//! never leave the client.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use paygate::finpay::{FinpayClient, FinpayConfig, PaymentCode, VirtualAccountChannel};
use paygate::sandbox::{Provider, Sandbox, SimOpenAccount};
use paygate::secrecy::SecretString;
use paygate::transport::{Dispatcher, ReqwestTransport};
use paygate::{Error, ErrorClass, ProviderErrorKind, Url};

fn finpay_client(sandbox: &Sandbox) -> FinpayClient {
    let credentials = &sandbox.credentials().finpay;
    let config = FinpayConfig::new(
        credentials.merchant_id.clone(),
        &SecretString::from(credentials.merchant_key.clone()),
        paygate::Environment::Custom(Url::parse(&sandbox.url(Provider::Finpay)).unwrap()),
    )
    .unwrap();
    FinpayClient::new(
        config,
        Dispatcher::new(Arc::new(ReqwestTransport::with_defaults().unwrap())),
    )
}

#[tokio::test]
async fn finpay_open_payment_check_and_delete() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = finpay_client(&sandbox);
    let mut account = SimOpenAccount::new(Provider::Finpay, "vabca", "8804483313131312");
    account.email = "hajar@example.com".into();
    account.first_name = "Hajar".into();
    account.mobile_phone = "+6281286288844".into();
    sandbox.open_account(account.clone()).unwrap();
    assert!(
        sandbox.open_account(account).is_err(),
        "one number per channel"
    );

    let channel = VirtualAccountChannel::new("vabca").unwrap();
    let code = PaymentCode::new("8804483313131312").unwrap();
    let checked = client.open_payment_check(&channel, &code).await.unwrap();
    let data = checked.body.data.unwrap();
    let source = data.source_of_funds.unwrap();
    assert_eq!(source.kind.as_deref(), Some("vabca"));
    assert_eq!(source.payment_code.as_deref(), Some("8804483313131312"));

    // Another bank's channel with the same number is another account: not found.
    let other = VirtualAccountChannel::new("vabni").unwrap();
    let err = client.open_payment_check(&other, &code).await.unwrap_err();
    assert!(
        matches!(&err, Error::Provider(p) if p.kind == ProviderErrorKind::NotFound),
        "{err}"
    );

    client.open_payment_delete(&channel, &code).await.unwrap();
    assert!(sandbox.open_accounts(Provider::Finpay).is_empty());
    let err = client
        .open_payment_check(&channel, &code)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Provider(p) if p.kind == ProviderErrorKind::NotFound),
        "{err}"
    );
    // Deleting twice is the provider's not-found, sent once and not resent.
    let err = client
        .open_payment_delete(&channel, &code)
        .await
        .unwrap_err();
    assert_eq!(err.class(), ErrorClass::Provider, "{err}");
    let deletes = sandbox
        .received()
        .iter()
        .filter(|r| r.path.contains("openpayment/delete"))
        .count();
    assert_eq!(deletes, 2);

    // Bad input is refused before anything is built.
    for bad in ["bca", "VABCA", "va"] {
        assert!(VirtualAccountChannel::new(bad).is_err(), "{bad}");
    }
    assert!(PaymentCode::new("8804-4833").is_err());
}

/// The control route opens an account from JSON, as a test in another process would.
#[tokio::test]
async fn open_account_control_route() {
    let sandbox = Sandbox::start().await.unwrap();
    let url = format!("http://{}/_sandbox/open-account", sandbox.addr());
    let body = r#"{"provider":"finpay","channel":"vamandiri","payment_code":"8900001","email":"a@example.com"}"#;
    let answer = reqwest::Client::new()
        .post(&url)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 201);
    let again = reqwest::Client::new()
        .post(&url)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 400, "a taken number is refused");
    let bad = reqwest::Client::new()
        .post(&url)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    assert_eq!(sandbox.open_accounts(Provider::Finpay).len(), 1);
}
