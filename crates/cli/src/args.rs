//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Check, refund and reconcile payments at Finpay, ABA PayWay and PayG — or try it all offline
/// with `paygate demo` and `paygate sandbox`.
///
/// Gateways come from a TOML file (`--config`, `$PAYGATE_CONFIG`, `./paygate.toml`, then
/// `$XDG_CONFIG_HOME/paygate/config.toml`) with one `[gateways.<name>]` table per merchant
/// account; secrets as `env:VAR` or `file:PATH`.
#[derive(Debug, Parser)]
#[command(name = "paygate", version, about, long_about)]
pub(crate) struct Cli {
    /// The configuration file. Default: `./paygate.toml` when it exists, else
    /// `$XDG_CONFIG_HOME/paygate/config.toml` (`~/.config/paygate/config.toml`).
    #[arg(long, global = true, env = "PAYGATE_CONFIG")]
    pub(crate) config: Option<PathBuf>,
    /// One JSON document on standard output instead of text (amounts as strings).
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// The write journal every write goes through (`sqlite://PATH` or `postgres://…`).
    /// Default: the configuration's `[journal]`, else the SQLite file
    /// `$XDG_DATA_HOME/paygate/journal.db` (`~/.local/share/paygate/journal.db`).
    #[arg(
        long,
        global = true,
        env = "PAYGATE_JOURNAL",
        conflicts_with = "no_journal"
    )]
    pub(crate) journal: Option<String>,
    /// Send writes without a journal: a repeated command is then a repeated write.
    #[arg(long, global = true)]
    pub(crate) no_journal: bool,
    /// Log what paygate does to standard error: -v one line per request and per operation,
    /// with its duration; -vv each attempt; -vvv everything of paygate's own (`RUST_LOG`,
    /// when set, chooses instead, dependencies included). Never a secret.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    /// The log lines' format.
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub(crate) log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LogFormat {
    /// One line of text per event.
    Text,
    /// One JSON object per event.
    Json,
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
    #[command(after_help = "Example:\n  paygate demo\n  paygate --json demo | jq .ok")]
    Demo,
    /// Read a payment's status.
    #[command(
        after_help = "Examples:\n  paygate status shop-usd ORDER0001\n  paygate --json status shop-idr INV-2041"
    )]
    Status(Target),
    /// Refund all or part of a payment (asks for confirmation unless --yes).
    ///
    /// Reads the payment first and shows what will happen. The refund goes through the write
    /// journal under its --reference (or a key paygate makes and prints): the same command
    /// again answers from the journal and sends nothing. When its outcome is unknown (no
    /// answer after sending), paygate says so, reads the status, and never sends it again:
    /// `paygate journal recover` settles it.
    #[command(
        after_help = "Examples:\n  paygate refund shop-usd ORDER0001 --amount 2.50 --reference TICKET-4711\n  paygate refund shop-idr INV-2041 --amount 50000 --yes"
    )]
    Refund(RefundArgs),
    /// Read a refund's status.
    #[command(after_help = "Example:\n  paygate refund-status shop-usd ORDER0001")]
    RefundStatus(RefundStatusArgs),
    /// Void an authorization or an unsettled payment.
    #[command(after_help = "Example:\n  paygate void shop-usd ORDER0001")]
    Void(Target),
    /// Cancel an unpaid order.
    #[command(after_help = "Example:\n  paygate cancel shop-idr INV-2041")]
    Cancel(Target),
    /// Capture (complete) a pre-authorization.
    #[command(after_help = "Example:\n  paygate capture shop-usd ORDER0001 --amount 8.00")]
    Capture(CaptureArgs),
    /// Create a payment and show what the customer must do next.
    #[command(
        after_help = "Examples:\n  paygate create shop-usd --order-id ORDER0002 --amount 10.00 --currency USD --return-url https://shop.example/done\n  paygate create shop-qr --order-id ORDER0003 --amount 10.00 --currency USD --qr order3-qr.svg"
    )]
    Create(CreateArgs),
    /// Payment links (ABA PayWay's): create one to share, read it, void it.
    ///
    /// A link takes one or several payments of a fixed amount; each payment is notified to
    /// --return-url without a signature (confirm it with `paygate status`). Create and void
    /// are sent at most once.
    #[command(
        subcommand,
        after_help = "Examples:\n  paygate payment-link create shop-khqr --title 'Invoice 42' --amount 12.50 --currency USD --return-url https://shop.example/links --limit 1 --reference INV-42\n  paygate payment-link detail shop-khqr 'iN4sbkzbwOCx5VzdXTYsCw=='\n  paygate payment-link void shop-khqr 'iN4sbkzbwOCx5VzdXTYsCw==' --yes"
    )]
    PaymentLink(crate::providers::PaymentLinkCommand),
    /// Work with webhooks: verify a body, and list, show or replay the deliveries an app's
    /// receiver recorded in the journal's database (its inbox). `webhooks` works too.
    #[command(
        subcommand,
        visible_alias = "webhooks",
        after_help = "Examples:\n  paygate webhook verify shop-idr --body body.json --header 'Content-Type: application/json'\n  paygate webhooks list --unhandled\n  paygate webhooks show shop-idr 'INV-42||paid|150000.00 IDR'\n  paygate webhooks replay shop-idr 'INV-42||paid|150000.00 IDR' --yes"
    )]
    Webhook(WebhookCommand),
    /// Show what each configured gateway can do (and why a gateway that cannot be built
    /// cannot). Exits 4 when one cannot.
    #[command(after_help = "Example:\n  paygate capabilities")]
    Capabilities,
    /// Check the configuration.
    #[command(
        subcommand,
        after_help = "Example:\n  paygate --config /etc/paygate.toml config check"
    )]
    Config(ConfigCommand),
    /// Check many orders from a CSV file: status, amounts and mismatches, streamed.
    ///
    /// The input has a header row with `order_id` and, optionally, `expected_amount` and
    /// `expected_status` (a unified status such as `paid` or `refunded`). Orders are checked
    /// with bounded concurrency and a rate limit; one row per order is written to standard
    /// output; a summary goes to standard error. Exits 1 when any order mismatches or fails.
    #[command(
        after_help = "Examples:\n  paygate reconcile shop-usd --input orders.csv > report.csv\n  paygate reconcile shop-usd --ledger ledger.csv --from 2026-11-01 --to 2026-11-30\n  paygate --json reconcile shop-inr --input orders.csv --rate 5/s > report.json\n  paygate reconcile shop-usd --input orders.csv --resume report.csv > rest.csv"
    )]
    Reconcile(ReconcileArgs),
    /// Run the provider simulator standalone, for testing your own integration offline; or,
    /// with `deliveries` or `redeliver`, look at and repeat the webhooks a running one sent.
    #[command(
        after_help = "Examples:\n  paygate sandbox --port 8787\n  paygate sandbox deliveries --url http://127.0.0.1:8787\n  paygate sandbox redeliver 3 --url http://127.0.0.1:8787"
    )]
    Sandbox(SandboxArgs),
    /// The write journal: list, show, recover, retry and resolve journaled writes.
    #[command(
        subcommand,
        after_help = "Examples:\n  paygate journal list --unresolved\n  paygate journal recover\n  paygate journal retry TICKET-4711\n  paygate journal resolve TICKET-4711 --not-applied --note \"no refund in the merchant portal\""
    )]
    Journal(JournalCommand),
    /// Print a shell completion script (`paygate completions bash > /etc/bash_completion.d/paygate`).
    #[command(
        after_help = "Examples:\n  paygate completions bash > ~/.local/share/bash-completion/completions/paygate\n  paygate completions zsh > ~/.zfunc/_paygate\n  paygate completions fish > ~/.config/fish/completions/paygate.fish"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual (roff): one page with every subcommand and the exit status; with
    /// --dir, one page per subcommand (paygate.1, paygate-refund.1, …) written there.
    #[command(
        after_help = "Examples:\n  paygate man > paygate.1 && man ./paygate.1\n  paygate man --dir /usr/local/share/man/man1"
    )]
    Man {
        /// Write one page per command into this directory instead.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

/// `journal …`.
#[derive(Debug, Subcommand)]
pub(crate) enum JournalCommand {
    /// List journaled writes, oldest first.
    List(JournalListArgs),
    /// Show one journaled write, with its recorded answer.
    Show(JournalKeyArgs),
    /// Settle writes left pending or unknown (a crash, a timeout, a lost answer) whose lease
    /// has ended, by reading each payment and comparing it with the state recorded before
    /// sending. Sends no write. Reports every unresolved entry, including those whose lease
    /// still runs (with when they become eligible); exits 6 while any stays unresolved.
    Recover(JournalRecoverArgs),
    /// Send again, under the same key, a write that certainly did not take effect (refused,
    /// or found not applied by `recover`). Asks for confirmation unless --yes.
    Retry(JournalRetryArgs),
    /// Settle by hand an entry no evidence can settle (unknown, ambiguous, conflict, or
    /// pending once its lease has ended): say what you found at the provider. The payment
    /// is read and kept, with your note and the time, in the entry's history. Asks for
    /// confirmation unless --yes.
    Resolve(JournalResolveArgs),
}

/// `journal list`.
#[derive(Debug, Args)]
pub(crate) struct JournalListArgs {
    /// Only writes still pending or unknown.
    #[arg(long)]
    pub(crate) unresolved: bool,
    /// At most this many.
    #[arg(long, default_value_t = 1000)]
    pub(crate) limit: u32,
}

/// `journal show`.
#[derive(Debug, Args)]
pub(crate) struct JournalKeyArgs {
    /// The write's key (a refund's `--reference`).
    pub(crate) key: String,
}

/// `journal recover`.
#[derive(Debug, Args)]
pub(crate) struct JournalRecoverArgs {
    /// Status reads per second (default: the provider's published limit, else 20).
    #[arg(long)]
    pub(crate) rate: Option<u32>,
}

/// `journal retry`.
#[derive(Debug, Args)]
pub(crate) struct JournalRetryArgs {
    /// The write's key.
    pub(crate) key: String,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub(crate) yes: bool,
}

/// `journal resolve`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("verdict").required(true).args(["applied", "not_applied"])))]
pub(crate) struct JournalResolveArgs {
    /// The write's key.
    pub(crate) key: String,
    /// The write took effect at the provider.
    #[arg(long)]
    pub(crate) applied: bool,
    /// The write did not take effect (it may then be retried, same key).
    #[arg(long)]
    pub(crate) not_applied: bool,
    /// Why: what you checked, where (kept with the entry).
    #[arg(long)]
    pub(crate) note: String,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub(crate) yes: bool,
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
    /// Your reference for this refund: its key in the write journal (the same reference
    /// again never refunds twice).
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
    /// Save the QR the customer scans to this file and print its payload (the provider's
    /// image, or an SVG drawn from the payload). The gateway must answer with a QR: a PayWay
    /// gateway with `checkout_qr` set.
    #[arg(long, value_name = "FILE")]
    pub(crate) qr: Option<std::path::PathBuf>,
}

/// `webhook …`.
#[derive(Debug, Subcommand)]
pub(crate) enum WebhookCommand {
    /// Verify a webhook body as received, with its headers.
    Verify(WebhookVerifyArgs),
    /// List the deliveries the receiver recorded (its inbox), oldest first: handled or not,
    /// failures, and when one is due again.
    List(WebhookListArgs),
    /// Show one recorded delivery, with its body as received.
    Show(WebhookReceiptArgs),
    /// Hand a recorded delivery to the app's handler once more: it becomes unhandled and
    /// due, and the app's receiver (its worker, or `handle_unhandled`) takes it up. Sends
    /// nothing to a provider. Asks for confirmation unless --yes.
    Replay(WebhookReplayArgs),
}

/// `webhook list`.
#[derive(Debug, Args)]
pub(crate) struct WebhookListArgs {
    /// Only deliveries not handled yet.
    #[arg(long)]
    pub(crate) unhandled: bool,
    /// Only this gateway's.
    #[arg(long)]
    pub(crate) gateway: Option<String>,
    /// Only this order's (the app's order id).
    #[arg(long)]
    pub(crate) order: Option<String>,
    /// At most this many.
    #[arg(long, default_value_t = 1000)]
    pub(crate) limit: u32,
}

/// `webhook show`.
#[derive(Debug, Args)]
pub(crate) struct WebhookReceiptArgs {
    /// The gateway the delivery came to (its name in the receiving app's registry).
    pub(crate) gateway: String,
    /// The event's key, as `webhook list` prints it.
    pub(crate) event_key: String,
}

/// `webhook replay`.
#[derive(Debug, Args)]
pub(crate) struct WebhookReplayArgs {
    #[command(flatten)]
    pub(crate) receipt: WebhookReceiptArgs,
    /// Do not ask.
    #[arg(long)]
    pub(crate) yes: bool,
}

impl Command {
    /// The command's name as its JSON documents give it (`refund-status`, `journal-list`).
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Command::Demo => "demo",
            Command::Status(_) => "status",
            Command::Refund(_) => "refund",
            Command::RefundStatus(_) => "refund-status",
            Command::Void(_) => "void",
            Command::Cancel(_) => "cancel",
            Command::Capture(_) => "capture",
            Command::Create(_) => "create",
            Command::PaymentLink(c) => c.name(),
            Command::Webhook(WebhookCommand::Verify(_)) => "webhook-verify",
            Command::Webhook(WebhookCommand::List(_)) => "webhook-list",
            Command::Webhook(WebhookCommand::Show(_)) => "webhook-show",
            Command::Webhook(WebhookCommand::Replay(_)) => "webhook-replay",
            Command::Capabilities => "capabilities",
            Command::Config(_) => "config-check",
            Command::Reconcile(_) => "reconcile",
            Command::Sandbox(SandboxArgs { action: None, .. }) => "sandbox",
            Command::Sandbox(SandboxArgs {
                action: Some(SandboxAction::Deliveries(_)),
                ..
            }) => "sandbox-deliveries",
            Command::Sandbox(SandboxArgs {
                action: Some(SandboxAction::Redeliver { .. }),
                ..
            }) => "sandbox-redeliver",
            Command::Journal(JournalCommand::List(_)) => "journal-list",
            Command::Journal(JournalCommand::Show(_)) => "journal-show",
            Command::Journal(JournalCommand::Recover(_)) => "journal-recover",
            Command::Journal(JournalCommand::Retry(_)) => "journal-retry",
            Command::Journal(JournalCommand::Resolve(_)) => "journal-resolve",
            Command::Completions { .. } => "completions",
            Command::Man { .. } => "man",
        }
    }
}

/// `config`.
#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Build every gateway of the configuration (secrets resolved, keys loaded) and name
    /// each problem, without echoing a secret. Sends nothing. Exits 4 when one is broken.
    Check,
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
    /// The CSV of orders to check one by one.
    #[arg(long, required_unless_present = "ledger", conflicts_with = "ledger")]
    pub(crate) input: Option<PathBuf>,
    /// Settlement: the merchant's ledger (CSV: `order_id`, `amount`, `currency`, optional
    /// `status` and `refunded`) compared with the payments the provider lists for the period.
    #[arg(long, requires_all = ["from", "to"])]
    pub(crate) ledger: Option<PathBuf>,
    /// Settlement period start: a date (`2026-11-01`, from 00:00 of the merchant's day),
    /// `today`, `yesterday`, `now`, `now-1d` (d, h or m), or an RFC 3339 time.
    #[arg(long, requires = "ledger")]
    pub(crate) from: Option<String>,
    /// Settlement period end: a date (`2026-11-30`, to 23:59:59 of the merchant's day),
    /// `today`, `yesterday`, `now`, `now-1d`, or an RFC 3339 time.
    #[arg(long, requires = "ledger")]
    pub(crate) to: Option<String>,
    /// The merchant's day, as an offset from UTC (`+07:00`): where dates' days begin and
    /// end. Default: the provider's books' (PayWay: +07:00), else UTC.
    #[arg(long, requires = "ledger", allow_hyphen_values = true)]
    pub(crate) utc_offset: Option<String>,
    /// Output format (`--json` also chooses JSON).
    #[arg(long, value_enum, default_value = "csv")]
    pub(crate) output: ReconcileFormat,
    /// A previous run's output (CSV or JSON): orders it checked are skipped; orders it could
    /// not read are checked again.
    #[arg(long)]
    pub(crate) resume: Option<PathBuf>,
    /// Status checks in flight at once (1 to 256).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub(crate) concurrency: u16,
    /// Checks started per second, as `N/s` (default: the provider's published status limit,
    /// or 20/s where it publishes none).
    #[arg(long)]
    pub(crate) rate: Option<String>,
}

/// `sandbox`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct SandboxArgs {
    /// What to do with a running sandbox (without one: run a sandbox).
    #[command(subcommand)]
    pub(crate) action: Option<SandboxAction>,
    /// The port on 127.0.0.1 (0: any free one).
    #[arg(long, default_value_t = 8787)]
    pub(crate) port: u16,
    /// Stop after this many seconds (default: run until Ctrl-C).
    #[arg(long)]
    pub(crate) duration: Option<u64>,
}

/// `sandbox deliveries|redeliver`.
#[derive(Debug, Subcommand)]
pub(crate) enum SandboxAction {
    /// List, numbered, every webhook delivery attempt a running sandbox made, with its
    /// answer (`GET /_sandbox/deliveries`).
    Deliveries(SandboxAt),
    /// Make delivery N of that list again, as a provider's dashboard "resend" does
    /// (`POST /_sandbox/redeliver/N`).
    Redeliver {
        /// The delivery's number, as `sandbox deliveries` lists it.
        n: usize,
        #[command(flatten)]
        at: SandboxAt,
    },
}

/// Where the running sandbox is.
#[derive(Debug, Args)]
pub(crate) struct SandboxAt {
    /// The running sandbox's address (on this machine's loopback only).
    #[arg(long, default_value = "http://127.0.0.1:8787")]
    pub(crate) url: String,
}
