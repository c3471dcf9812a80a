//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Check, refund and reconcile payments at Finpay, ABA PayWay and PayG — or try it all offline
/// with `paygate demo` and `paygate sandbox`.
///
/// Gateways come from a TOML file (`--config`, `$PAYGATE_CONFIG`, or `./paygate.toml`) with
/// one `[gateways.<name>]` table per merchant account; secrets as `env:VAR` or `file:PATH`.
#[derive(Debug, Parser)]
#[command(name = "paygate", version, about, long_about)]
pub(crate) struct Cli {
    /// The configuration file.
    #[arg(
        long,
        global = true,
        env = "PAYGATE_CONFIG",
        default_value = "paygate.toml"
    )]
    pub(crate) config: PathBuf,
    /// One JSON document on standard output instead of text (amounts as strings).
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run every provider through a payment's life against the embedded sandbox.
    ///
    /// Creates a payment, simulates the customer paying, verifies the webhook, reads the
    /// status, refunds part and then the rest, and voids, cancels or captures where the
    /// provider can. Exits 0 only when every step behaved as expected. Needs no
    /// configuration, account or network.
    Demo,
    /// Read a payment's status.
    Status(Target),
    /// Refund all or part of a payment (asks for confirmation unless --yes).
    ///
    /// Reads the payment first and shows what will happen. The refund is sent at most once:
    /// when its outcome is unknown (no answer after sending), paygate says so and reads the
    /// status instead of sending it again.
    Refund(RefundArgs),
    /// Read a refund's status.
    RefundStatus(RefundStatusArgs),
    /// Void an authorization or an unsettled payment.
    Void(Target),
    /// Cancel an unpaid order.
    Cancel(Target),
    /// Capture (complete) a pre-authorization.
    Capture(CaptureArgs),
    /// Create a payment and show what the customer must do next.
    Create(CreateArgs),
    /// Work with webhooks.
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// Show what each configured gateway can do.
    Capabilities,
    /// Check many orders from a CSV file: status, amounts and mismatches, streamed.
    ///
    /// The input has a header row with `order_id` and, optionally, `expected_amount` and
    /// `expected_status` (a unified status such as `paid` or `refunded`). Orders are checked
    /// with bounded concurrency and a rate limit; one row per order is written to standard
    /// output; a summary goes to standard error. Exits 1 when any order mismatches or fails.
    Reconcile(ReconcileArgs),
    /// Run the provider simulator standalone, for testing your own integration offline.
    Sandbox(SandboxArgs),
}

/// A gateway and an order.
#[derive(Debug, Args)]
pub(crate) struct Target {
    /// The gateway's name in the configuration (e.g. `payway-usd`).
    pub(crate) gateway: String,
    /// The order id (PayG: the `OrderKeyId`).
    pub(crate) order_id: String,
}

/// `refund`.
#[derive(Debug, Args)]
pub(crate) struct RefundArgs {
    /// Gateway and order.
    #[command(flatten)]
    pub(crate) target: Target,
    /// How much, as a decimal in the payment's currency (e.g. `2.50`).
    #[arg(long)]
    pub(crate) amount: String,
    /// Your reference for this refund.
    #[arg(long)]
    pub(crate) reference: Option<String>,
    /// The currency, when the payment's status does not tell it.
    #[arg(long)]
    pub(crate) currency: Option<String>,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub(crate) yes: bool,
}

/// `refund-status`.
#[derive(Debug, Args)]
pub(crate) struct RefundStatusArgs {
    /// Gateway and order.
    #[command(flatten)]
    pub(crate) target: Target,
    /// The provider's transaction id, when the provider needs it (PayG).
    #[arg(long)]
    pub(crate) transaction_id: Option<String>,
}

/// `capture`.
#[derive(Debug, Args)]
pub(crate) struct CaptureArgs {
    /// Gateway and order.
    #[command(flatten)]
    pub(crate) target: Target,
    /// How much to capture.
    #[arg(long)]
    pub(crate) amount: String,
    /// The currency (default: the payment's).
    #[arg(long)]
    pub(crate) currency: Option<String>,
}

/// `create`.
#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// The gateway.
    pub(crate) gateway: String,
    /// Your order id.
    #[arg(long)]
    pub(crate) order_id: String,
    /// The amount.
    #[arg(long)]
    pub(crate) amount: String,
    /// The currency (USD, KHR, IDR, INR, …).
    #[arg(long)]
    pub(crate) currency: String,
    /// What is paid for.
    #[arg(long)]
    pub(crate) description: Option<String>,
    /// Where the browser returns after paying.
    #[arg(long)]
    pub(crate) return_url: Option<String>,
    /// Where the browser goes after abandoning.
    #[arg(long)]
    pub(crate) cancel_url: Option<String>,
    /// Where the provider sends its notification.
    #[arg(long)]
    pub(crate) callback_url: Option<String>,
    /// The customer's phone (Finpay needs it, E.164).
    #[arg(long)]
    pub(crate) phone: Option<String>,
    /// The customer's e-mail.
    #[arg(long)]
    pub(crate) email: Option<String>,
    /// Hold the funds only (pre-authorization).
    #[arg(long)]
    pub(crate) pre_auth: bool,
}

/// `webhook …`.
#[derive(Debug, Subcommand)]
pub(crate) enum WebhookCommand {
    /// Verify a webhook body as received, with its headers.
    Verify(WebhookVerifyArgs),
}

/// `webhook verify`.
#[derive(Debug, Args)]
pub(crate) struct WebhookVerifyArgs {
    /// The gateway.
    pub(crate) gateway: String,
    /// The body file, exactly as received.
    #[arg(long)]
    pub(crate) body: PathBuf,
    /// A header as `Name: value` (repeatable).
    #[arg(long = "header")]
    pub(crate) headers: Vec<String>,
}

/// Output format of `reconcile`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReconcileFormat {
    /// CSV with a header row.
    Csv,
    /// One JSON document: `{"rows":[…],"summary":{…}}`.
    Json,
}

/// `reconcile`.
#[derive(Debug, Args)]
pub(crate) struct ReconcileArgs {
    /// The gateway.
    pub(crate) gateway: String,
    /// The CSV of orders.
    #[arg(long)]
    pub(crate) input: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub(crate) output: ReconcileFormat,
    /// Status checks in flight at once.
    #[arg(long, default_value_t = 8)]
    pub(crate) concurrency: usize,
    /// Checks started per second, as `N/s` (default: the provider's published status limit,
    /// or 20/s where it publishes none).
    #[arg(long)]
    pub(crate) rate: Option<String>,
}

/// `sandbox`.
#[derive(Debug, Args)]
pub(crate) struct SandboxArgs {
    /// The port on 127.0.0.1 (0: any free one).
    #[arg(long, default_value_t = 8787)]
    pub(crate) port: u16,
    /// Stop after this many seconds (default: run until Ctrl-C).
    #[arg(long)]
    pub(crate) duration: Option<u64>,
}
