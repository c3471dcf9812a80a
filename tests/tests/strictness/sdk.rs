//! The SDK given each row's breaking input.

use super::json::*;
use super::payway::*;
use super::*;

/// Finpay's and PayG's SDK given a row's breaking input (their request builders: what
/// refuses there is never sent); `None` when this test has no case for the row.
pub(crate) fn json_sdk_case(json: &JsonProviders, rule: &FieldRule) -> Option<Result<(), Error>> {
    use paygate::sandbox::strictness::{Format, Rule};
    let value = rule.rule.breaking_values().into_iter().next()?;
    let result = match (rule.provider, rule.endpoint, rule.field) {
        (Provider::Finpay, "/pg/payment/card/initiate", field) => {
            let mut request = finpay_initiate(1);
            match field {
                "order.id" => request.order.id = value?,
                "order.amount" => request.order.amount = value?,
                "order.description" => request.order.description = value,
                "order.timeout" => request.order.timeout = value,
                "customer.id" => request.customer.id = value,
                "customer.email" => request.customer.email = value,
                "customer.firstName" => request.customer.first_name = value,
                "customer.lastName" => request.customer.last_name = value,
                "customer.mobilePhone" => request.customer.mobile_phone = value,
                "customer.phone" => request.customer.phone = value,
                _ => return None,
            }
            paygate::finpay::ops::initiate::build_initiate(&json.finpay, &request).map(drop)
        }
        (Provider::Finpay, "/pg/payment/card/refund", "order.amount") => {
            paygate::finpay::ops::refund::build_refund(
                &json.finpay,
                &OrderId::new("SDKF1").unwrap(),
                &idr("999999999999999"),
            )
            .map(drop)
        }
        (Provider::Finpay, endpoint, field) if endpoint.contains("/openpayment/") => {
            if field == "sourceOfFunds.paymentCode" {
                return Some(PaymentCode::new(value?).map(drop));
            }
            let mut account = open_account();
            match field {
                "customer.id" => account.customer.id = value,
                "customer.mobilePhone" => account.customer.mobile_phone = value,
                _ => return None,
            }
            paygate::finpay::ops::open_payment::build_open_payment_write(
                &json.finpay,
                &account,
                endpoint.ends_with("/update"),
            )
            .map(drop)
        }
        (Provider::Payg, "/create", field) => {
            let mut request = payg_create(1);
            match field {
                "UniqueRequestId" => request.unique_request_id = OrderId::new(value?).ok()?,
                "OrderId" => request.order_id = value,
                _ => return None,
            }
            paygate::payg::ops::create::build_create(
                &json.payg,
                &request,
                paygate::time::OffsetDateTime::now_utc(),
            )
            .map(drop)
        }
        (Provider::Payg, "/Update", "UniqueRequestId") => paygate::payg::ops::update::build_update(
            &json.payg,
            &OrderId::new("ORDKEY1").unwrap(),
            &OrderId::new(value?).ok()?,
            &inr("100.00"),
            &BTreeMap::new(),
        )
        .map(drop),
        (Provider::Payg, "/Refund", "PaymentType") => paygate::payg::ops::refund::build_refund(
            &json.payg,
            &OrderId::new("ORDKEY1").unwrap(),
            &RefundTarget {
                payment_type: value.unwrap_or_default(),
                payment_transaction_id: TransactionId::new("987654").unwrap(),
            },
            &inr("1.00"),
        )
        .map(drop),
        (Provider::Payg, "/RefundStatus", "TransactionId") => {
            assert_eq!(rule.rule, Rule::Format(Format::Digits));
            paygate::payg::ops::refund_status::build_refund_status(
                &json.payg,
                &OrderId::new("ORDKEY1").unwrap(),
                &TransactionId::new(value?).ok()?,
            )
            .map(drop)
        }
        _ => return None,
    };
    Some(result)
}

pub(crate) fn qr_request(id: &str) -> QrRequest {
    QrRequest::new(
        OrderId::new(id).unwrap(),
        usd("2.50"),
        QrPaymentOption::AbaPayKhqr,
        30,
    )
}

pub(crate) fn long(n: usize) -> String {
    "A".repeat(n)
}

/// PayWay's SDK given a row's breaking input; `None` when this test has no case for the row.
pub(crate) async fn payway_sdk_case(
    client: &paygate::payway::PaywayClient,
    rule: &FieldRule,
) -> Option<Result<(), Error>> {
    let endpoint = rule.endpoint.rsplit('/').next().unwrap_or_default();
    let max = |rule: &FieldRule| match rule.rule {
        paygate::sandbox::strictness::Rule::MaxChars(n) => n + 1,
        _ => 0,
    };
    let result = match (endpoint, rule.field) {
        ("generate-qr", "currency") => {
            let request = QrRequest::new(
                OrderId::new("SDKQR2").unwrap(),
                idr("10000"),
                QrPaymentOption::AbaPayKhqr,
                30,
            );
            client.generate_qr(&request).await.map(drop)
        }
        ("generate-qr", field) => {
            let mut request = qr_request("SDKQR1");
            match field {
                "tran_id" => request.tran_id = OrderId::new(long(max(rule))).ok()?,
                "lifetime" => request.lifetime_minutes = 43_201,
                "first_name" => request.first_name = Some(long(max(rule))),
                "last_name" => request.last_name = Some(long(max(rule))),
                "email" => request.email = Some(long(max(rule))),
                "phone" => request.phone = Some(long(max(rule))),
                "items" => {
                    request.items = (0..20)
                        .map(|i| paygate::payway::PurchaseItem {
                            name: format!("item number {i} with a long name"),
                            quantity: 1,
                            price: usd("0.10"),
                        })
                        .collect();
                }
                "callback_url" => {
                    request.callback_url =
                        Some(Url::parse(&format!("https://shop.example/{}", long(250))).unwrap());
                }
                "return_deeplink" => {
                    request.return_deeplink = Some(paygate::payway::ReturnDeeplink {
                        ios_scheme: format!("shop://{}", long(200)),
                        android_scheme: format!("shop://{}", long(200)),
                    });
                }
                "custom_fields" => {
                    request.custom_fields = Some(format!("{{\"note\":\"{}\"}}", long(300)));
                }
                "payout" => {
                    request.payout = (0..10)
                        .map(|i| paygate::payway::Payout {
                            account: format!("{:09}", 100_000_000 + i),
                            amount: usd("0.10"),
                        })
                        .collect();
                }
                _ => return None,
            }
            client.generate_qr(&request).await.map(drop)
        }
        (
            "purchase",
            field @ ("currency" | "firstname" | "lastname" | "email" | "phone" | "items"
            | "payment_option"),
        ) => {
            let amount = if field == "currency" {
                idr("10000")
            } else {
                usd("2.50")
            };
            let mut request = PurchaseRequest::new(OrderId::new("SDKP2").unwrap(), amount);
            match field {
                "firstname" => request.first_name = Some(long(max(rule))),
                "lastname" => request.last_name = Some(long(max(rule))),
                "email" => request.email = Some(long(max(rule))),
                "phone" => request.phone = Some(long(max(rule))),
                "payment_option" => request.payment_option = Some("not_listed".into()),
                "items" => {
                    request.items = (0..20)
                        .map(|i| paygate::payway::PurchaseItem {
                            name: format!("item number {i} with a long name"),
                            quantity: 1,
                            price: usd("0.10"),
                        })
                        .collect();
                }
                _ => {}
            }
            client.purchase(&request).await.map(drop)
        }
        ("check-transaction-2", "tran_id") => client
            .check_transaction(&OrderId::new(long(21)).ok()?)
            .await
            .map(drop),
        ("transaction-detail", "tran_id") => client
            .transaction_detail(&OrderId::new(long(21)).ok()?)
            .await
            .map(drop),
        ("close-transaction", "tran_id") => client
            .close_transaction(&OrderId::new(long(21)).ok()?)
            .await
            .map(drop),
        ("get-transactions-by-mc-ref", "merchant_ref") => {
            paygate::payway::MerchantRef::new(long(21)).map(drop)
        }
        ("link-account" | "link-card", "ctid") => ConsumerTokenId::new(long(256)).map(drop),
        (link @ ("link-account" | "link-card"), "currency") => {
            let request = TokenLinkRequest::new(
                LinkRequestId::new("REQ12345").unwrap(),
                ConsumerTokenId::new("CT1").unwrap(),
                if link == "link-account" {
                    LinkTokenFlag::CitiFlex
                } else {
                    LinkTokenFlag::CitoFlex
                },
                Currency::IDR,
            );
            if link == "link-account" {
                client.link_account(&request).await.map(drop)
            } else {
                client.card_link_form(&request).map(drop)
            }
        }
        ("payment-credential", field) => {
            let tran_id = if field == "tran_id" {
                long(21)
            } else {
                "SDKT1".to_owned()
            };
            let mut request = TokenPaymentRequest::new(
                OrderId::new(tran_id).ok()?,
                usd("1.00"),
                ConsumerTokenId::new("CT1").unwrap(),
                PaymentToken::new("PWT1").unwrap(),
                PayTokenFlag::CituFlex,
            );
            match field {
                "tran_id" => {}
                "first_name" => request.first_name = Some(long(max(rule))),
                "last_name" => request.last_name = Some(long(max(rule))),
                "email" => request.email = Some(long(max(rule))),
                "phone" => request.phone = Some(long(max(rule))),
                _ => return None,
            }
            client.pay_with_token(&request).await.map(drop)
        }
        ("purchase", "tran_id") => {
            let request = PurchaseRequest::new(OrderId::new(long(21)).ok()?, usd("2.50"));
            client.purchase(&request).await.map(drop)
        }
        ("purchase", "lifetime") => {
            let mut request = PurchaseRequest::new(OrderId::new("SDKP1").unwrap(), usd("2.50"));
            request.lifetime_minutes = Some(2);
            client.purchase(&request).await.map(drop)
        }
        ("create", field) => {
            let mut request = PaymentLinkRequest::new(
                "Invoice 42",
                usd("12.50"),
                Url::parse("https://shop.example/links").unwrap(),
            );
            match field {
                "merchant_auth.title" if max(rule) == 0 => request.title = "  ".into(),
                "merchant_auth.title" => request.title = long(max(rule)),
                "merchant_auth.description" => request.description = Some(long(max(rule))),
                "merchant_auth.merchant_ref_no" => request.merchant_ref_no = Some(long(max(rule))),
                "image" => {
                    request.image = Some(match rule.rule {
                        paygate::sandbox::strictness::Rule::FileMaxBytes(n) => PaymentLinkImage {
                            file_name: "big.png".into(),
                            format: ImageFormat::Png,
                            bytes: png(n + 1),
                        },
                        paygate::sandbox::strictness::Rule::FileType(_) => PaymentLinkImage {
                            file_name: "cake.png".into(),
                            format: ImageFormat::Png,
                            bytes: file_of("gif", 64),
                        },
                        _ => PaymentLinkImage {
                            file_name: "cake.gif".into(),
                            format: ImageFormat::Png,
                            bytes: png(64),
                        },
                    });
                }
                _ => return None,
            }
            client.create_payment_link(&request).await.map(drop)
        }
        _ => return None,
    };
    Some(result)
}
