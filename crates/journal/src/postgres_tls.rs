//! How the PostgreSQL journal connects: the URL read by `tokio-postgres`, and TLS by rustls
//! with the server's certificate always verified.
//!
//! The URL takes libpq's TLS parameters, with one difference: libpq's `prefer` and `require`
//! encrypt without checking whom they talk to, while here every TLS connection checks the
//! server's certificate chain and name (libpq's `verify-full`). A journal's rows hold orders,
//! amounts and the providers' answers: an unverified server could read or forge them.
//! - `sslmode=prefer` (the default): TLS when the server offers it, else plain.
//! - `sslmode=require`, `verify-ca`, `verify-full`: TLS or no connection.
//! - `sslmode=disable`: plain, for a server on a trusted network or loopback.
//! - `sslrootcert=PATH`: the PEM file of the CA(s) that signed the server's certificate
//!   (a managed database's bundle, or your own CA); only those are trusted. Without it, the
//!   Mozilla roots of `webpki-roots` are (as for the providers' HTTPS).

use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::entry::JournalFailure;

/// What a connection needs: the parsed URL and the TLS connector.
pub(crate) struct ConnectSettings {
    pub(crate) config: tokio_postgres::Config,
    pub(crate) tls: MakeRustlsConnect,
    /// Where the trusted CAs come from, for messages.
    trusted: String,
}

/// Where the trusted CAs come from.
enum TrustedRoots {
    /// `webpki-roots`.
    Mozilla,
    /// The PEM file `sslrootcert` names.
    File(String),
}

/// `url` read into connection settings; nothing is connected. The errors never quote the
/// URL (it may hold a password).
pub(crate) fn connect_settings(url: &str) -> Result<ConnectSettings, JournalFailure> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut roots = TrustedRoots::Mozilla;
    // The other parameters go on as written: `tokio-postgres` percent-decodes them itself.
    let mut kept: Vec<&str> = Vec::new();
    for segment in query.split('&').filter(|segment| !segment.is_empty()) {
        let (key, raw_value) = segment.split_once('=').unwrap_or((segment, ""));
        match key {
            "sslrootcert" => {
                let path = percent_encoding::percent_decode_str(raw_value)
                    .decode_utf8()
                    .map_err(|_| {
                        JournalFailure::Unavailable(
                            "the PostgreSQL URL's sslrootcert is not UTF-8".into(),
                        )
                    })?;
                roots = TrustedRoots::File(path.into_owned());
            }
            // Every TLS connection here verifies the chain and the name.
            "sslmode" if matches!(raw_value, "verify-ca" | "verify-full") => {
                kept.push("sslmode=require");
            }
            "sslmode" if raw_value == "allow" => {
                return Err(JournalFailure::Unavailable(
                    "the PostgreSQL URL's sslmode=allow is not supported: use prefer, require or disable"
                        .into(),
                ));
            }
            _ => kept.push(segment),
        }
    }
    let rewritten = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let config: tokio_postgres::Config = rewritten.parse().map_err(|e| {
        JournalFailure::Unavailable(format!("the PostgreSQL URL cannot be read: {e}"))
    })?;
    let (root_store, trusted) = match roots {
        TrustedRoots::Mozilla => (
            rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            "the Mozilla roots".to_owned(),
        ),
        TrustedRoots::File(path) => (roots_from_file(&path)?, format!("sslrootcert {path}")),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls_config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| JournalFailure::Unavailable(format!("TLS cannot be set up: {e}")))?
        .with_root_certificates(root_store)
        .with_no_client_auth();
    Ok(ConnectSettings {
        config,
        tls: MakeRustlsConnect::new(tls_config),
        trusted,
    })
}

/// The certificates of the PEM file at `path`, as trust anchors.
fn roots_from_file(path: &str) -> Result<rustls::RootCertStore, JournalFailure> {
    let unreadable = |why: String| {
        JournalFailure::Unavailable(format!("the PostgreSQL URL's sslrootcert {path}: {why}"))
    };
    let mut store = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_file_iter(path)
        .map_err(|e| unreadable(format!("cannot read it: {e}")))?
    {
        let certificate = certificate.map_err(|e| unreadable(format!("not PEM: {e}")))?;
        store
            .add(certificate)
            .map_err(|e| unreadable(format!("not a CA certificate: {e}")))?;
    }
    if store.is_empty() {
        return Err(unreadable("holds no certificate".into()));
    }
    Ok(store)
}

impl ConnectSettings {
    /// Why a connection failed, with what to do when the server's certificate was refused.
    pub(crate) fn connect_failure(&self, shown: &str, error: &tokio_postgres::Error) -> String {
        // tokio-postgres's own text names the step ("error performing TLS handshake"); the
        // causes say what went wrong.
        let mut message = format!("cannot connect to {shown}: {error}");
        let mut cause = std::error::Error::source(error);
        while let Some(current) = cause {
            message.push_str(&format!(": {current}"));
            cause = current.source();
        }
        if refused_certificate(error) {
            message.push_str(&format!(
                " (the server's certificate is checked against {}: name the CA that signed it \
                 with ?sslrootcert=PATH, or use ?sslmode=disable on a trusted network)",
                self.trusted
            ));
        }
        message
    }
}

/// Whether rustls refused the server's certificate somewhere in `error`'s causes.
fn refused_certificate(error: &tokio_postgres::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(current) = cause {
        let tls = current
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .or_else(|| current.downcast_ref::<rustls::Error>());
        if matches!(
            tls,
            Some(rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented)
        ) {
            return true;
        }
        cause = current.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::connect_settings;
    use crate::entry::JournalFailure;

    fn refusal(url: &str) -> String {
        match connect_settings(url) {
            Err(JournalFailure::Unavailable(why)) => why,
            Err(other) => panic!("{url}: {other:?}"),
            Ok(_) => panic!("{url}: accepted"),
        }
    }

    #[test]
    fn tls_parameters_are_read_and_others_passed_on() {
        let settings = connect_settings(
            "postgres://u:pw@db.example:6543/j?sslmode=verify-full&application_name=my%20shop+1",
        )
        .unwrap();
        assert_eq!(
            settings.config.get_ssl_mode(),
            tokio_postgres::config::SslMode::Require
        );
        assert_eq!(settings.config.get_application_name(), Some("my shop+1"));
        assert_eq!(settings.config.get_dbname(), Some("j"));
        assert_eq!(settings.trusted, "the Mozilla roots");
        let plain = connect_settings("postgres://u@127.0.0.1/j?sslmode=disable").unwrap();
        assert_eq!(
            plain.config.get_ssl_mode(),
            tokio_postgres::config::SslMode::Disable
        );
        let default = connect_settings("postgresql://u@127.0.0.1/j").unwrap();
        assert_eq!(
            default.config.get_ssl_mode(),
            tokio_postgres::config::SslMode::Prefer
        );
    }

    #[test]
    fn a_bad_root_file_or_mode_is_refused_without_quoting_the_password() {
        let dir = std::env::temp_dir().join(format!("paygate-pg-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "no certificate here\n").unwrap();
        let missing = dir.join("missing.pem");
        for (url, expected) in [
            (
                format!("postgres://u:s3cret@h/j?sslrootcert={}", missing.display()),
                "cannot read it",
            ),
            (
                format!("postgres://u:s3cret@h/j?sslrootcert={}", empty.display()),
                "holds no certificate",
            ),
            (
                "postgres://u:s3cret@h/j?sslmode=allow".to_owned(),
                "sslmode=allow is not supported",
            ),
            (
                "postgres://u:s3cret@h/j?sslmode=sometimes".to_owned(),
                "cannot be read",
            ),
            (
                "postgres://u:s3cret@h/j?colour=blue".to_owned(),
                "cannot be read",
            ),
        ] {
            let why = refusal(&url);
            assert!(why.contains(expected), "{url}: {why}");
            assert!(!why.contains("s3cret"), "{why}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
