//! Finpay open payments (standing virtual accounts), native client → sandbox: an account is
//! registered (a second registration of its number refused), its customer updated, checked,
//! each answer tied to the account asked for, then deleted once; afterwards it is not found,
//! and bad channels, numbers or customers never leave the client.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use paygate::finpay::wire::Customer;
use paygate::finpay::{
    FinpayClient, FinpayConfig, OpenPaymentAccount, PaymentCode, VirtualAccountChannel,
};
use paygate::sandbox::{Provider, Sandbox};
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
    let channel = VirtualAccountChannel::new("vabca").unwrap();
    let code = PaymentCode::new("8804483313131312").unwrap();
    let mut account = OpenPaymentAccount::new(
        channel.clone(),
        code.clone(),
        Customer {
            id: Some("hajar@example.com".into()),
            email: Some("hajar@example.com".into()),
            first_name: Some("Hajar".into()),
            mobile_phone: Some("+6281286288844".into()),
            ..Customer::default()
        },
    );
    let registered = client.open_payment_register(&account).await.unwrap();
    let source = registered.body.data.unwrap().source_of_funds.unwrap();
    assert_eq!(source.payment_code.as_deref(), Some("8804483313131312"));
    let err = client.open_payment_register(&account).await.unwrap_err();
    assert_eq!(
        err.class(),
        ErrorClass::Provider,
        "one number per channel: {err}"
    );

    // The customer changes.
    account.customer.first_name = Some("Siti".into());
    client.open_payment_update(&account).await.unwrap();
    let stored = sandbox.open_accounts(Provider::Finpay);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].first_name, "Siti");
    assert_eq!(stored[0].mobile_phone, "+6281286288844");
    let mut unknown = account.clone();
    unknown.code = PaymentCode::new("8804483300000000").unwrap();
    let err = client.open_payment_update(&unknown).await.unwrap_err();
    assert!(
        matches!(&err, Error::Provider(p) if p.kind == ProviderErrorKind::NotFound),
        "{err}"
    );

    let checked = client.open_payment_check(&channel, &code).await.unwrap();
    let data = checked.body.data.unwrap();
    let source = data.source_of_funds.unwrap();
    assert_eq!(source.kind.as_deref(), Some("vabca"));
    assert_eq!(source.payment_code.as_deref(), Some("8804483313131312"));
    assert_eq!(data.customer.unwrap().first_name.as_deref(), Some("Siti"));

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
    let registrations = sandbox
        .received()
        .iter()
        .filter(|r| r.path.contains("openpayment/register"))
        .count();
    for customer in [
        Customer::default(),
        Customer {
            id: Some("c1".into()),
            mobile_phone: Some("0812345678".into()),
            ..Customer::default()
        },
        Customer {
            id: Some("c1".into()),
            first_name: Some("x".repeat(51)),
            ..Customer::default()
        },
    ] {
        let bad = OpenPaymentAccount::new(channel.clone(), code.clone(), customer);
        let err = client.open_payment_register(&bad).await.unwrap_err();
        assert_eq!(err.class(), ErrorClass::InvalidInput, "{err}");
    }
    let after = sandbox
        .received()
        .iter()
        .filter(|r| r.path.contains("openpayment/register"))
        .count();
    assert_eq!(after, registrations);
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
