//! The whole shop in a real headless Chromium, driven over WebDriver (chromedriver), for each
//! gateway: buy, pay on the provider's hosted page, land on the return page showing "paid",
//! confirmed by the provider's notification (which the sandbox records as acknowledged);
//! refund part from the admin page and see "partially refunded", the form sent again from a
//! second tab and twice at once without refunding twice; then a declined and a cancelled
//! checkout, which the shop shows as such (statuses compared exactly).
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them the
//! test is skipped with a loud message, except under `CI=true`, where their absence fails it.
//! On failure the page's screenshot and HTML are saved under `target/browser-test/`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use paygate::sandbox::{Provider, Sandbox};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const WAIT: Duration = Duration::from_secs(15);

/// chromedriver, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The browser's parts, or `None` (after saying so loudly) when they are absent locally.
fn installed() -> Option<()> {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if missing.is_empty() {
        return Some(());
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{missing:?} missing under CI=true: .ci/run installs the Debian packages chromium and chromium-driver"
    );
    // Written past the test runner's capture (which takes `eprintln!`): a skip is seen.
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED the browser test: {missing:?} not installed (apt-get install chromium chromium-driver) ***\n"
    );
    None
}

async fn start_driver() -> Driver {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let driver = Driver { child, port };
    let status = format!("http://127.0.0.1:{port}/status");
    for _ in 0..100 {
        if let Ok(answer) = reqwest::get(&status).await
            && answer.status().is_success()
        {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start on port {port}");
}

async fn browser(driver: &Driver, profile: &Path) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                format!("--user-data-dir={}", profile.display()),
            ],
            // chromedriver turns the back/forward cache off; a person's browser has it on,
            // and Back then shows the form as it was, key and all.
            "excludeSwitches": ["disable-back-forward-cache"],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .unwrap()
}

type Step = Result<(), String>;

fn failed(what: &str) -> impl FnOnce(fantoccini::error::CmdError) -> String + '_ {
    move |e| format!("{what}: {e}")
}

async fn text_of(client: &Client, css: &str) -> Result<String, String> {
    let element = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .map_err(failed(css))?;
    element.text().await.map_err(failed(css))
}

async fn click(client: &Client, css: &str) -> Step {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .map_err(failed(css))?
        .click()
        .await
        .map_err(failed(css))
}

/// Buys with `gateway` and stops on the provider's hosted page.
async fn buy(client: &Client, shop: &str, gateway: &str) -> Step {
    client
        .goto(shop)
        .await
        .map_err(failed("the product page"))?;
    click(client, &format!("#gw-{gateway}")).await?;
    click(client, "#buy").await?;
    // On the provider's page.
    text_of(client, "#order").await.map(drop)
}

/// The return page's status, once the page is there.
async fn shown_status(client: &Client) -> Result<String, String> {
    text_of(client, "#status").await
}

/// The refunds `provider` received at the sandbox.
fn refunds_at(sandbox: &Sandbox, provider: Provider) -> usize {
    sandbox
        .received()
        .iter()
        .filter(|r| r.provider == provider && r.path.to_ascii_lowercase().ends_with("refund"))
        .count()
}

/// Submits `order`'s refund form as shown in the current window, with `amount`.
async fn submit_refund(client: &Client, order: &str, amount: &str) -> Step {
    let field = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(&format!("#amount-{order}")))
        .await
        .map_err(failed("the refund amount"))?;
    field.clear().await.map_err(failed("clear"))?;
    field
        .send_keys(amount)
        .await
        .map_err(failed("type the amount"))?;
    // Marks this document, to tell the page the form's answer leads to from it.
    client
        .execute("document.body.setAttribute('data-left', '1')", vec![])
        .await
        .map_err(failed("mark the page"))?;
    click(client, &format!("#refund-{order}")).await?;
    let started = std::time::Instant::now();
    loop {
        let arrived = client
            .execute(
                "return !document.body.hasAttribute('data-left') && document.readyState === 'complete'",
                vec![],
            )
            .await
            .map_err(failed("the page after the refund"))?;
        if arrived.as_bool() == Some(true) {
            return Ok(());
        }
        if started.elapsed() > WAIT {
            return Err("no page after the refund form was sent".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The admin password the test starts the shop with.
const ADMIN_PASSWORD: &str = "test-admin-password";

/// Logs in as the shop's admin, a wrong password first.
async fn log_in(client: &Client, shop: &str) -> Step {
    for (password, expected) in [("wrong", "#problem"), (ADMIN_PASSWORD, "#logout")] {
        client
            .goto(&format!("{shop}/admin"))
            .await
            .map_err(failed("admin"))?;
        // Not logged in: the admin page sends the browser to the login page.
        let field = client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("#password"))
            .await
            .map_err(failed("the login page"))?;
        field
            .send_keys(password)
            .await
            .map_err(failed("type the password"))?;
        click(client, "#login").await?;
        client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(expected))
            .await
            .map_err(failed(expected))?;
    }
    Ok(())
}

/// A PayWay checkout paid while the sandbox delivers no notification: the return page
/// shows the payment confirmed by a status read.
async fn paid_without_a_webhook(client: &Client, shop: &str, sandbox: &Sandbox) -> Step {
    sandbox.pause_deliveries(true);
    let outcome = async {
        buy(client, shop, "payway").await?;
        click(client, "#pay").await?;
        let status = shown_status(client).await?;
        let how = text_of(client, "#paid-by").await?;
        if status != "paid" || how != "(confirmed by status read)" {
            return Err(format!(
                "no webhook: the return page shows {status:?} {how:?}, not paid (confirmed by status read)"
            ));
        }
        let order = text_of(client, "#order-id").await?;
        let listed: Vec<_> = sandbox
            .deliveries()
            .into_iter()
            .filter(|d| d.order_id == order)
            .collect();
        if listed.iter().any(|d| d.acknowledged) || listed.is_empty() {
            return Err(format!("no webhook: the sandbox lists {listed:?}"));
        }
        Ok(())
    }
    .await;
    sandbox.pause_deliveries(false);
    outcome
}

/// What a request of the admin's own page carries: `order`'s form's CSRF token, and the
/// session's cookie (`shop_admin=…`).
async fn admin_credentials(client: &Client, order: &str) -> Result<(String, String), String> {
    let csrf = client
        .find(Locator::Css(&format!("#order-{order} input[name=csrf]")))
        .await
        .map_err(failed("the form's token"))?
        .attr("value")
        .await
        .map_err(failed("the form's token"))?
        .unwrap_or_default();
    let session = client
        .get_named_cookie("shop_admin")
        .await
        .map_err(failed("the session cookie"))?;
    Ok((csrf, format!("shop_admin={}", session.value())))
}

/// A refund POST without the session's token, from another site, or without a session:
/// refused, and no refund sent.
async fn forged_requests_are_refused(client: &Client, shop: &str, sandbox: &Sandbox) -> Step {
    client
        .goto(&format!("{shop}/admin"))
        .await
        .map_err(failed("admin"))?;
    let order = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("tr[id^=order-]"))
        .await
        .map_err(failed("an order row"))?
        .attr("id")
        .await
        .map_err(failed("its id"))?
        .unwrap_or_default()
        .trim_start_matches("order-")
        .to_owned();
    let (csrf, cookie) = admin_credentials(client, &order).await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let before = sandbox.received().len();
    let url = format!("{shop}/admin/orders/{order}/refund");
    let cases = [
        ("no token", Some(cookie.as_str()), "", None, 403),
        ("a wrong token", Some(cookie.as_str()), "0123", None, 403),
        (
            "another site's form",
            Some(cookie.as_str()),
            csrf.as_str(),
            Some("https://evil.example"),
            403,
        ),
        ("no session", None, csrf.as_str(), None, 303),
    ];
    for (case, cookie, token, origin, status) in cases {
        let mut request = http.post(&url).form(&[
            ("csrf", token),
            ("key", &format!("{order}R9")),
            ("amount", "1"),
        ]);
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let answer = request.send().await.map_err(|e| e.to_string())?;
        if answer.status().as_u16() != status {
            return Err(format!(
                "{case}: answered {}, not {status}",
                answer.status()
            ));
        }
    }
    let admin = http
        .get(format!("{shop}/admin"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if admin.status().as_u16() != 303 {
        return Err(format!(
            "the admin page without a session: {}",
            admin.status()
        ));
    }
    if sandbox.received().len() != before {
        return Err("a refused request reached the provider".into());
    }
    Ok(())
}

async fn flows(client: &Client, shop: &str, gateway: &str, sandbox: &Sandbox) -> Step {
    let provider = Provider::from_name(gateway).ok_or_else(|| format!("no provider {gateway}"))?;
    let sample = provider.sample();

    // Paid, then refunded in part from the admin page.
    buy(client, shop, gateway).await?;
    click(client, "#pay").await?;
    let status = shown_status(client).await?;
    if status != "paid" {
        return Err(format!(
            "{gateway}: the return page shows {status:?}, not paid"
        ));
    }
    // Paid as the provider's notification said: the webhook path works end to end.
    let how = text_of(client, "#paid-by").await?;
    if how != "(confirmed by webhook)" {
        return Err(format!(
            "{gateway}: the payment was {how}, not by the provider's notification"
        ));
    }
    let acknowledged = sandbox
        .deliveries()
        .iter()
        .filter(|d| d.provider == provider && d.acknowledged)
        .count();
    if acknowledged == 0 {
        return Err(format!(
            "{gateway}: the sandbox records no acknowledged notification: {:?}",
            sandbox.deliveries()
        ));
    }
    let order = text_of(client, "#order-id").await?;
    // Two tabs on the admin page, showing the same state: the second is also what Back
    // shows of the form once it was sent (a browser's back/forward cache keeps it, key and
    // all; chromedriver turns that cache off, so the test keeps the page open instead).
    let first = client.window().await.map_err(failed("this tab"))?;
    client
        .goto(&format!("{shop}/admin"))
        .await
        .map_err(failed("admin"))?;
    let second = client
        .new_window(true)
        .await
        .map_err(failed("a second tab"))?
        .handle;
    client
        .switch_to_window(second.clone())
        .await
        .map_err(failed("to the second tab"))?;
    client
        .goto(&format!("{shop}/admin"))
        .await
        .map_err(failed("admin in the second tab"))?;
    client
        .switch_to_window(first.clone())
        .await
        .map_err(failed("to the first tab"))?;
    submit_refund(client, &order, sample.part).await?;
    let flash = text_of(client, "#flash").await?;
    let status = text_of(client, &format!("#status-{order}")).await?;
    if status != "partially refunded" {
        return Err(format!(
            "{gateway}: admin shows {status:?} after a partial refund ({flash})"
        ));
    }
    if refunds_at(sandbox, provider) != 1 {
        return Err(format!(
            "{gateway}: {} refunds sent for one",
            refunds_at(sandbox, provider)
        ));
    }
    // The same form sent again from the other tab: its key is spent, the journal answers.
    client
        .switch_to_window(second)
        .await
        .map_err(failed("to the second tab"))?;
    submit_refund(client, &order, sample.part).await?;
    let again = text_of(client, "#flash").await?;
    if refunds_at(sandbox, provider) != 1 || again != flash {
        return Err(format!(
            "{gateway}: the form sent again gave {again:?} after {flash:?}; {} refunds sent",
            refunds_at(sandbox, provider)
        ));
    }
    let refunded = text_of(client, &format!("#refunded-{order}")).await?;
    let part = format!("{} {}", sample.part, sample.currency);
    if refunded != part {
        return Err(format!(
            "{gateway}: the shop shows {refunded:?} refunded, the provider {part}"
        ));
    }
    client
        .close_window()
        .await
        .map_err(failed("close the second tab"))?;
    client
        .switch_to_window(first)
        .await
        .map_err(failed("to the first tab"))?;

    // One form sent twice at once (a double click, or curl): one refund at most (a provider
    // that takes a second refund at all takes this one once).
    client.refresh().await.map_err(failed("reload"))?;
    let key = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(&format!("#order-{order} input[name=key]")))
        .await
        .map_err(failed("the form's key"))?
        .attr("value")
        .await
        .map_err(failed("the form's key"))?
        .unwrap_or_default();
    let (csrf, cookie) = admin_credentials(client, &order).await?;
    let http = reqwest::Client::new();
    let post = || {
        http.post(format!("{shop}/admin/orders/{order}/refund"))
            .header("cookie", &cookie)
            .form(&[
                ("csrf", csrf.as_str()),
                ("key", key.as_str()),
                ("amount", sample.part),
            ])
            .send()
    };
    let (one, two) = tokio::join!(post(), post());
    one.and(two)
        .map_err(|e| format!("{gateway}: posting the form: {e}"))?;
    let expected = if sample.reports_refunded_amount { 2 } else { 1 };
    if refunds_at(sandbox, provider) != expected {
        return Err(format!(
            "{gateway}: one form sent twice at once: {} refunds in all, not {expected}",
            refunds_at(sandbox, provider)
        ));
    }

    // Declined on the provider's page.
    buy(client, shop, gateway).await?;
    click(client, "#decline").await?;
    // PayWay keeps the customer on its page after a decline, with a link back.
    let landed = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#back, #status"))
        .await
        .map_err(failed("after declining"))?;
    if landed.attr("id").await.map_err(failed("id"))?.as_deref() == Some("back") {
        landed.click().await.map_err(failed("back to the shop"))?;
    }
    let status = shown_status(client).await?;
    if status != "declined" {
        return Err(format!("{gateway}: a declined checkout shows {status:?}"));
    }

    // Cancelled by the customer.
    buy(client, shop, gateway).await?;
    click(client, "#cancel").await?;
    let status = shown_status(client).await?;
    // PayG neither notifies a cancellation nor reads as cancelled: the shop can only say
    // the customer came back unpaid.
    let cancelled = match provider {
        Provider::Payg => "not paid (cancelled or unfinished)",
        _ => "cancelled",
    };
    if status != cancelled {
        return Err(format!(
            "{gateway}: a cancelled checkout shows {status:?}, not {cancelled:?}"
        ));
    }
    Ok(())
}

fn artifacts_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("browser-test")
}

/// Saves what the browser shows, for the failure's reader.
async fn save_page(client: &Client, name: &str) -> String {
    let dir = artifacts_dir();
    std::fs::create_dir_all(&dir).unwrap();
    if let Ok(png) = client.screenshot().await {
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
    if let Ok(html) = client.source().await {
        std::fs::write(dir.join(format!("{name}.html")), html).unwrap();
    }
    let url = client
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default();
    format!("page {url}; screenshot and HTML in {}", dir.display())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_buys_pays_and_is_refunded_and_failures_show_as_such() {
    if installed().is_none() {
        return;
    }
    let work = std::env::temp_dir().join(format!("paygate-browser-{}", std::process::id()));
    let running = shop::start(shop::ShopOptions {
        port: 0,
        data_dir: work.join("data"),
        admin_password: Some(ADMIN_PASSWORD.into()),
    })
    .await
    .unwrap();
    let driver = start_driver().await;
    let client = browser(&driver, &work.join("chromium")).await;
    let shop_url = running.url();
    let mut failure = log_in(&client, &shop_url).await.err();
    // The provider cannot reach the shop: the return page learns the payment from a status
    // read, and says so.
    if failure.is_none() {
        failure = paid_without_a_webhook(&client, &shop_url, running.sandbox())
            .await
            .err();
    }
    for gateway in ["finpay", "payway", "payg"] {
        if failure.is_some() {
            break;
        }
        let outcome = tokio::time::timeout(
            Duration::from_secs(120),
            flows(&client, &shop_url, gateway, running.sandbox()),
        )
        .await
        .unwrap_or_else(|_| Err(format!("{gateway}: the flows took over 120 s")));
        if let Err(e) = outcome {
            let saved = save_page(&client, gateway).await;
            failure = Some(format!("{e}\n{saved}"));
            break;
        }
    }
    // Unknown pages and methods get the shop's own page, not the framework's bare default.
    if failure.is_none() {
        for (method, path, status) in [
            (reqwest::Method::GET, "/no-such-page", 404),
            (reqwest::Method::DELETE, "/admin", 405),
        ] {
            let answer = reqwest::Client::new()
                .request(method.clone(), format!("{shop_url}{path}"))
                .send()
                .await
                .unwrap();
            let code = answer.status().as_u16();
            let page = answer.text().await.unwrap();
            if code != status || !page.contains("id=\"problem\"") {
                failure = Some(format!("{method} {path}: {code}, {page}"));
            }
        }
    }
    // The admin's pages and forms are a logged-in admin's only: another site's form, a
    // request without the session's token, or without a session, changes nothing.
    if failure.is_none() {
        failure = forged_requests_are_refused(&client, &shop_url, running.sandbox())
            .await
            .err();
    }
    // The SDK's metrics of all that, in Prometheus' format.
    if failure.is_none() {
        let page = reqwest::get(format!("{shop_url}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for expected in [
            "paygate_operations_total",
            "paygate_http_request_duration_seconds",
            "paygate_webhooks_total",
            "operation=\"refund\"",
        ] {
            if !page.contains(expected) {
                failure = Some(format!("/metrics lacks {expected}:\n{page}"));
            }
        }
    }
    let _ = client.close().await;
    running.stop();
    drop(driver);
    let _ = std::fs::remove_dir_all(&work);
    if let Some(failure) = failure {
        panic!("{failure}");
    }
}
