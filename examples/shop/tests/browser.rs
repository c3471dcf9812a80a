//! The whole shop in a real headless Chromium, driven over WebDriver (chromedriver), for each
//! gateway: buy, pay on the provider's hosted page, land on the return page showing "paid",
//! refund part from the admin page and see "partially refunded"; then a declined and a
//! cancelled checkout, which the shop shows as such.
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

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use paygate::sandbox::Provider;

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
    eprintln!(
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

async fn flows(client: &Client, shop: &str, gateway: &str) -> Step {
    let sample = Provider::from_name(gateway)
        .ok_or_else(|| format!("no provider {gateway}"))?
        .sample();

    // Paid, then refunded in part from the admin page.
    buy(client, shop, gateway).await?;
    click(client, "#pay").await?;
    let status = shown_status(client).await?;
    if status != "paid" {
        return Err(format!(
            "{gateway}: the return page shows {status:?}, not paid"
        ));
    }
    let order = text_of(client, "#order-id").await?;
    client
        .goto(&format!("{shop}/admin"))
        .await
        .map_err(failed("admin"))?;
    let amount = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(&format!("#amount-{order}")))
        .await
        .map_err(failed("the refund amount"))?;
    amount.clear().await.map_err(failed("clear"))?;
    amount
        .send_keys(sample.part)
        .await
        .map_err(failed("type the amount"))?;
    click(client, &format!("#refund-{order}")).await?;
    let flash = text_of(client, "#flash").await?;
    let status = text_of(client, &format!("#status-{order}")).await?;
    if status != "partially refunded" {
        return Err(format!(
            "{gateway}: admin shows {status:?} after a partial refund ({flash})"
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
    if !status.contains("cancelled") {
        return Err(format!("{gateway}: a cancelled checkout shows {status:?}"));
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
        journal: work.join("journal.db"),
    })
    .await
    .unwrap();
    let driver = start_driver().await;
    let client = browser(&driver, &work.join("chromium")).await;
    let shop_url = running.url();
    let mut failure = None;
    for gateway in ["finpay", "payway", "payg"] {
        let outcome =
            tokio::time::timeout(Duration::from_secs(120), flows(&client, &shop_url, gateway))
                .await
                .unwrap_or_else(|_| Err(format!("{gateway}: the flows took over 120 s")));
        if let Err(e) = outcome {
            let saved = save_page(&client, gateway).await;
            failure = Some(format!("{e}\n{saved}"));
            break;
        }
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
