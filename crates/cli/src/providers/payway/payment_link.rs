//! `payment-link create | detail | void`: PayWay's payment links, through the native client of
//! a configured PayWay gateway. Not journaled (the journal keeps the unified writes); create
//! and void are sent at most once, and an unknown outcome is said, with the raw answer.

use std::io::Read as _;
use std::time::Duration;

use paygate::payway::ops::payment_link::MAX_LINK_IMAGE_BYTES;
use paygate::payway::wire::{PaymentLinkData, PaymentLinkResponse, PaymentLinkVoidResponse};
use paygate::payway::{
    ImageFormat, PaymentLinkId, PaymentLinkImage, PaymentLinkRequest, PaywayClient, PaywayConfig,
};
use paygate::{Error, GatewayRegistry, NativeResponse, RawResponse, Url};
use serde_json::{Value, json};

use clap::{Args, Subcommand};

use crate::exit;
use crate::ops::{Out, confirm, money};

/// `payment-link …`.
#[derive(Debug, Subcommand)]
pub(crate) enum PaymentLinkCommand {
    /// Create a payment link and print its id and URL.
    Create(PaymentLinkCreateArgs),
    /// Read a link: status (OPEN, PAID, VOIDED), payments and amount collected.
    Detail(PaymentLinkTarget),
    /// Void a link so that it takes no more payments (asks unless --yes).
    Void(PaymentLinkVoidArgs),
}

/// `payment-link create`.
#[derive(Debug, Args)]
pub(crate) struct PaymentLinkCreateArgs {
    /// The gateway (an ABA PayWay one).
    pub(crate) gateway: String,
    /// The title the payer sees (at most 250 characters).
    #[arg(long)]
    pub(crate) title: String,
    /// The amount of each payment.
    #[arg(long)]
    pub(crate) amount: String,
    /// USD or KHR.
    #[arg(long)]
    pub(crate) currency: String,
    /// Where PayWay posts each payment's notification.
    #[arg(long)]
    pub(crate) return_url: String,
    /// A description the payer sees.
    #[arg(long)]
    pub(crate) description: Option<String>,
    /// How many payments the link takes (no limit when left out).
    #[arg(long)]
    pub(crate) limit: Option<u32>,
    /// Stop taking payments this many minutes from now (at least 5; never when left out).
    #[arg(long)]
    pub(crate) expires_in_mins: Option<u64>,
    /// Your reference, sent back with each payment (at most 50 characters).
    #[arg(long)]
    pub(crate) reference: Option<String>,
    /// An image for the payer's page (.png, .jpg or .jpeg, at most 3 MB: PayWay's limit).
    #[arg(long)]
    pub(crate) image: Option<std::path::PathBuf>,
}

/// A link of a gateway.
#[derive(Debug, Args)]
pub(crate) struct PaymentLinkTarget {
    /// The gateway (an ABA PayWay one).
    pub(crate) gateway: String,
    /// The link's id, as create printed it.
    pub(crate) id: String,
}

/// `payment-link void`.
#[derive(Debug, Args)]
pub(crate) struct PaymentLinkVoidArgs {
    #[command(flatten)]
    pub(crate) target: PaymentLinkTarget,
    /// Do not ask.
    #[arg(long)]
    pub(crate) yes: bool,
}

impl PaymentLinkCommand {
    /// The command's name in errors and JSON documents.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            PaymentLinkCommand::Create(_) => "payment-link-create",
            PaymentLinkCommand::Detail(_) => "payment-link-detail",
            PaymentLinkCommand::Void(_) => "payment-link-void",
        }
    }

    /// The gateway it works on.
    pub(crate) fn gateway(&self) -> &str {
        match self {
            PaymentLinkCommand::Create(a) => &a.gateway,
            PaymentLinkCommand::Detail(t) => &t.gateway,
            PaymentLinkCommand::Void(a) => &a.target.gateway,
        }
    }
}

/// The native PayWay client of gateway `name`, sending through the registry's dispatcher.
fn client(
    registry: &GatewayRegistry,
    config: &std::path::Path,
    name: &str,
) -> Result<PaywayClient, Error> {
    let configs = paygate::config::RegistryConfig::from_toml_file(config)?;
    let gateway = configs
        .gateways
        .iter()
        .find(|g| g.name() == name)
        .ok_or_else(|| Error::config(name.to_owned(), "no such gateway in the configuration"))?;
    if gateway.provider() != paygate::payway::PROVIDER {
        return Err(Error::config(
            format!("gateways.{name}.provider"),
            format!(
                "payment links are ABA PayWay's (provider = \"{}\"); this gateway is {}",
                paygate::payway::PROVIDER,
                gateway.provider()
            ),
        ));
    }
    let config = PaywayConfig::from_gateway_config(gateway)?;
    Ok(PaywayClient::new(config, registry.dispatcher().clone()))
}

/// The answer as JSON: the provider's own body.
fn answer_json(raw: &RawResponse) -> Value {
    raw.json::<Value>()
        .unwrap_or_else(|_| Value::String(raw.text().into_owned()))
}

fn link_lines(data: Option<&PaymentLinkData>) -> String {
    let Some(d) = data else {
        return "no link in the answer".to_owned();
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut lines = format!(
        "link {}  {}  {} {}\n  title: {}\n  url: {}",
        text(&d.id),
        text(&d.status),
        d.amount.map(|a| a.to_string()).unwrap_or_default(),
        text(&d.currency),
        text(&d.title),
        text(&d.payment_link),
    );
    if let Some(n) = d.total_trxn {
        lines.push_str(&format!(
            "\n  payments: {n}{}  collected: {}",
            d.payment_limit
                .filter(|l| *l > 0)
                .map(|l| format!(" of {l}"))
                .unwrap_or_default(),
            d.total_amount.map(|a| a.to_string()).unwrap_or_default()
        ));
    }
    if let Some(reference) = d.merchant_ref_no.as_deref().filter(|r| !r.is_empty()) {
        lines.push_str(&format!("\n  reference: {reference}"));
    }
    lines
}

fn request(args: &PaymentLinkCreateArgs) -> Result<PaymentLinkRequest, Error> {
    let return_url =
        Url::parse(&args.return_url).map_err(|e| Error::invalid("return_url", e.to_string()))?;
    let mut request = PaymentLinkRequest::new(
        args.title.clone(),
        money(&args.amount, &args.currency)?,
        return_url,
    );
    request.description = args.description.clone();
    request.payment_limit = args.limit;
    request.merchant_ref_no = args.reference.clone();
    request.expires_at = args.expires_in_mins.map(|m| {
        paygate::time::OffsetDateTime::now_utc() + Duration::from_secs(m.saturating_mul(60))
    });
    if let Some(path) = &args.image {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let format = ImageFormat::from_file_name(&name).ok_or_else(|| {
            Error::invalid(
                "image",
                "must be a .png, .jpg or .jpeg file (PayWay takes no other)",
            )
        })?;
        // Read at most one byte past PayWay's limit, whatever the file claims to be (a device
        // or a growing file reports no true length).
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|file| {
                std::io::Read::take(file, MAX_LINK_IMAGE_BYTES as u64 + 1).read_to_end(&mut bytes)
            })
            .map_err(|e| Error::invalid("image", format!("{}: {e}", path.display())))?;
        if bytes.len() > MAX_LINK_IMAGE_BYTES {
            return Err(Error::invalid(
                "image",
                format!("is over {MAX_LINK_IMAGE_BYTES} bytes (3 MB), PayWay's limit"),
            ));
        }
        request.image = Some(PaymentLinkImage {
            file_name: name,
            format,
            bytes,
        });
    }
    Ok(request)
}

fn link_id(text: &str) -> Result<PaymentLinkId, Error> {
    PaymentLinkId::new(text)
}

/// Prints a link answer.
fn show(out: Out, command: &str, gateway: &str, native: &NativeResponse<impl LinkBody>) -> u8 {
    out.result(
        &native.body.lines(),
        json!({
            "command": command,
            "gateway": gateway,
            "answer": answer_json(&native.raw),
        }),
    );
    exit::OK
}

/// What each answer prints.
trait LinkBody {
    fn lines(&self) -> String;
}

impl LinkBody for PaymentLinkResponse {
    fn lines(&self) -> String {
        link_lines(self.data.as_ref())
    }
}

impl LinkBody for PaymentLinkVoidResponse {
    fn lines(&self) -> String {
        "voided: the link takes no more payments".to_owned()
    }
}

/// Runs `payment-link …`.
pub(crate) async fn run(
    registry: &GatewayRegistry,
    config: &std::path::Path,
    out: Out,
    command: &PaymentLinkCommand,
) -> u8 {
    match command {
        PaymentLinkCommand::Create(args) => {
            let result = async {
                let request = request(args)?;
                client(registry, config, &args.gateway)?
                    .create_payment_link(&request)
                    .await
            }
            .await;
            match result {
                Ok(native) => show(out, "payment-link-create", &args.gateway, &native),
                Err(e) => out.error("payment-link-create", &e),
            }
        }
        PaymentLinkCommand::Detail(target) => {
            let result = async {
                let id = link_id(&target.id)?;
                client(registry, config, &target.gateway)?
                    .payment_link_detail(&id)
                    .await
            }
            .await;
            match result {
                Ok(native) => show(out, "payment-link-detail", &target.gateway, &native),
                Err(e) => out.error("payment-link-detail", &e),
            }
        }
        PaymentLinkCommand::Void(target) => void(registry, config, out, target).await,
    }
}

async fn void(
    registry: &GatewayRegistry,
    config: &std::path::Path,
    out: Out,
    args: &PaymentLinkVoidArgs,
) -> u8 {
    let target = &args.target;
    let prepared = link_id(&target.id)
        .and_then(|id| client(registry, config, &target.gateway).map(|client| (id, client)));
    let (id, client) = match prepared {
        Ok(p) => p,
        Err(e) => return out.error("payment-link-void", &e),
    };
    if !args.yes && !confirm(&format!("Void payment link {id} on {}?", target.gateway)) {
        eprintln!("not voided");
        return exit::NOT_CONFIRMED;
    }
    match client.void_payment_link(&id).await {
        Ok(native) => show(out, "payment-link-void", &target.gateway, &native),
        Err(e) => out.error("payment-link-void", &e),
    }
}
