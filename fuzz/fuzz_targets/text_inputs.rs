//! Text a user or a file hands the library: amounts, identifiers, the TOML configuration and
//! PHP-style JSON re-encoding (Finpay's signature base). Input: [which, text…].
//! Property: a value or a typed error.

#![no_main]

use libfuzzer_sys::fuzz_target;
use paygate::{Currency, Money, OrderId, RegistryConfig, TransactionId};
use paygate_core::php_json::{self, PhpJsonFlags};

fuzz_target!(|data: &[u8]| {
    let [which, rest @ ..] = data else {
        return;
    };
    match which % 6 {
        0 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                for currency in [Currency::USD, Currency::KHR, Currency::IDR, Currency::INR] {
                    if let Ok(money) = Money::parse(text, currency) {
                        // What parses round-trips through its own text.
                        let again = Money::parse(&money.format_amount(), currency);
                        assert_eq!(again, Ok(money));
                    }
                }
            }
        }
        1 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                let _ = OrderId::new(text);
                let _ = TransactionId::new(text);
            }
        }
        2 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                let _ = RegistryConfig::from_toml_str(text);
            }
        }
        3 => {
            let _ = php_json::reencode_without(rest, "signature", PhpJsonFlags::DEFAULT);
        }
        4 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                let _ = php_json::reencode(text, PhpJsonFlags::DEFAULT);
            }
        }
        _ => {
            if let Ok(text) = std::str::from_utf8(rest) {
                let _ = php_json::string_cast_of_number(text);
            }
        }
    }
});
