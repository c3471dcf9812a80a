//! `create --qr FILE`: the QR a checkout asks the customer to scan, saved to a file.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use paygate::{Checkout, NextAction};
use serde_json::{Value, json};

use crate::exit;

/// What `--qr` did: the payload, where the image went and whose it is, or why not.
pub(crate) struct SavedQr {
    payload: Option<String>,
    file: Option<String>,
    /// `provider` (the image the provider sent) or `drawn` (an SVG of the payload).
    image: Option<&'static str>,
    error: Option<String>,
}

impl SavedQr {
    /// The exit code: `OK` when saved; `UNSUPPORTED` when the checkout is no QR;
    /// `INVALID_INPUT` when the file could not be written.
    pub(crate) fn exit_code(&self) -> u8 {
        match (&self.error, &self.payload) {
            (None, _) => exit::OK,
            (Some(_), None) => exit::UNSUPPORTED,
            (Some(_), Some(_)) => exit::INVALID_INPUT,
        }
    }

    /// The lines printed after the checkout's.
    pub(crate) fn lines(&self) -> String {
        let mut text = String::new();
        if let Some(payload) = &self.payload {
            text.push_str(&format!("\nQR payload: {payload}"));
        }
        match (&self.file, &self.error) {
            (Some(file), _) => text.push_str(&format!(
                "\nQR image ({}) saved to {file}",
                self.image.unwrap_or("provider")
            )),
            (None, Some(error)) => text.push_str(&format!("\nno QR saved: {error}")),
            (None, None) => {}
        }
        text
    }

    /// The `qr` object of the `create` document.
    pub(crate) fn json(&self) -> Value {
        json!({
            "payload": self.payload,
            "file": self.file,
            "image": self.image,
            "error": self.error,
        })
    }
}

/// The image bytes of a `data:` URL with base64 content, if it is one.
fn data_url_bytes(url: &str) -> Option<Vec<u8>> {
    let (head, data) = url.strip_prefix("data:")?.split_once(',')?;
    if !head.ends_with(";base64") {
        return None;
    }
    BASE64.decode(data.trim()).ok()
}

/// An SVG of `payload`, if it fits a QR code.
fn drawn(payload: &str) -> Option<Vec<u8>> {
    qrcode::QrCode::new(payload.as_bytes()).ok().map(|code| {
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(256, 256)
            .build()
            .into_bytes()
    })
}

/// Saves the checkout's QR to `path`: the provider's image when it sent one, else an SVG drawn
/// from the payload. Nothing is written unless the checkout is a QR.
pub(crate) fn save(checkout: &Checkout, path: &Path) -> SavedQr {
    let NextAction::ShowQr {
        qr_string, image, ..
    } = &checkout.next_action
    else {
        return SavedQr {
            payload: None,
            file: None,
            image: None,
            error: Some(
                "the gateway answered with no QR (set `checkout_qr` on a PayWay gateway for one)"
                    .into(),
            ),
        };
    };
    let payload = Some(qr_string.clone()).filter(|p| !p.is_empty());
    let chosen = match image.as_deref().and_then(data_url_bytes) {
        Some(bytes) => Some((bytes, "provider")),
        None => payload
            .as_deref()
            .and_then(drawn)
            .map(|bytes| (bytes, "drawn")),
    };
    let Some((bytes, source)) = chosen else {
        return SavedQr {
            payload,
            file: None,
            image: None,
            error: Some("the checkout carries neither a QR image nor a payload to draw".into()),
        };
    };
    match std::fs::write(path, bytes) {
        Ok(()) => SavedQr {
            payload,
            file: Some(path.display().to_string()),
            image: Some(source),
            error: None,
        },
        Err(e) => SavedQr {
            payload,
            file: None,
            image: None,
            error: Some(format!("{}: {e}", path.display())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use paygate::transport::HttpResponse;
    use paygate::{OrderId, RawResponse};

    fn checkout(next_action: NextAction) -> Checkout {
        Checkout::new(
            "test",
            OrderId::new("Q1").unwrap_or_else(|e| panic!("{e}")),
            next_action,
            RawResponse::from(&HttpResponse::json(200, "{}")),
        )
    }

    #[test]
    fn a_payload_without_an_image_is_drawn_as_svg() {
        let dir = std::env::temp_dir().join(format!("paygate-qr-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let path = dir.join("drawn.svg");
        let saved = save(
            &checkout(NextAction::ShowQr {
                qr_string: "00020101021230510016sandboxQ1".into(),
                deeplink: None,
                url: None,
                image: None,
            }),
            &path,
        );
        assert_eq!(saved.exit_code(), exit::OK);
        assert_eq!(saved.image, Some("drawn"));
        let svg = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(svg.contains("<svg"), "{svg}");
    }

    #[test]
    fn data_urls_decode_only_as_base64() {
        assert_eq!(
            data_url_bytes("data:image/png;base64,iVBORw0KGgo="),
            Some(vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a])
        );
        assert_eq!(data_url_bytes("data:image/svg+xml,<svg/>"), None);
        assert_eq!(data_url_bytes("https://example.com/qr.png"), None);
        // Neither an image nor a payload: nothing to save, and no file.
        let saved = save(
            &checkout(NextAction::ShowQr {
                qr_string: String::new(),
                deeplink: None,
                url: None,
                image: None,
            }),
            Path::new("/nonexistent/never-written.svg"),
        );
        assert_eq!(saved.exit_code(), exit::UNSUPPORTED);
    }
}
