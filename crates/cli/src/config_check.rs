//! `paygate capabilities` and `paygate config check`: every gateway of the configuration,
//! and why one that cannot be built cannot.

use paygate::{Error, GatewayRegistry};
use serde_json::{Value, json};

use crate::exit;
use crate::ops::{Out, error_json};

/// The table a gateway's error names (`gateways.<name>…`), as the gateway's name.
fn gateway_of(error: &Error) -> String {
    match error {
        Error::Config { key, .. } => key
            .strip_prefix("gateways.")
            .and_then(|rest| rest.split('.').next())
            .unwrap_or(key)
            .to_owned(),
        _ => String::from("?"),
    }
}

/// The broken gateways: text lines and JSON entries.
fn broken_lines(broken: &[Error]) -> (String, Vec<(String, Value)>) {
    let mut human = String::new();
    let mut doc = Vec::new();
    for error in broken {
        let name = gateway_of(error);
        human.push_str(&format!("{name}: cannot be built: {error}\n"));
        doc.push((name, error_json(error)));
    }
    (human, doc)
}

pub(crate) fn capabilities(registry: &GatewayRegistry, broken: &[Error], out: Out) -> u8 {
    let mut human = String::new();
    let mut doc = serde_json::Map::new();
    for (name, gw) in registry.iter() {
        let caps: Vec<&str> = gw.capabilities().iter().map(|c| c.name()).collect();
        human.push_str(&format!(
            "{name} ({}): {}\n",
            gw.provider(),
            caps.join(", ")
        ));
        doc.insert(
            name.to_owned(),
            json!({"provider": gw.provider(), "capabilities": caps, "error": null}),
        );
    }
    let (broken_human, broken_doc) = broken_lines(broken);
    human.push_str(&broken_human);
    for (name, error) in broken_doc {
        doc.insert(
            name,
            json!({"provider": null, "capabilities": null, "error": error}),
        );
    }
    out.result(
        human.trim_end(),
        json!({"command": "capabilities", "gateways": doc}),
    );
    if broken.is_empty() {
        exit::OK
    } else {
        exit::CONFIG
    }
}

pub(crate) fn check(
    config: &std::path::Path,
    registry: &GatewayRegistry,
    broken: &[Error],
    out: Out,
) -> u8 {
    let mut human = String::new();
    let mut doc = serde_json::Map::new();
    for (name, gw) in registry.iter() {
        human.push_str(&format!("{name} ({}): ok\n", gw.provider()));
        doc.insert(name.to_owned(), json!({"ok": true, "error": null}));
    }
    // Every problem of every table: the gateways' under their names, the others
    // (`[journal]`, `[transport]`, `[retry]`, unknown sections) apart.
    let (gateway_problems, other_problems): (Vec<&Error>, Vec<&Error>) =
        broken.iter().partition(|e| is_gateway_problem(e));
    for error in &gateway_problems {
        let name = gateway_of(error);
        human.push_str(&format!("{name}: cannot be built: {error}\n"));
        doc.insert(name, json!({"ok": false, "error": error_json(error)}));
    }
    let mut others = Vec::new();
    for error in &other_problems {
        human.push_str(&format!("{error}\n"));
        others.push(error_json(error));
    }
    let verdict = if broken.is_empty() {
        format!(
            "{}: every table reads well and every gateway builds",
            config.display()
        )
    } else {
        format!(
            "{}: {} problem{} ({} of {} gateways cannot be built)",
            config.display(),
            broken.len(),
            if broken.len() == 1 { "" } else { "s" },
            gateway_problems.len(),
            gateway_problems.len() + registry.len()
        )
    };
    human.push_str(&verdict);
    out.result(
        &human,
        json!({"command": "config-check", "ok": broken.is_empty(), "gateways": doc, "problems": others}),
    );
    if broken.is_empty() {
        exit::OK
    } else {
        exit::CONFIG
    }
}

/// Whether `error` is a `[gateways.<name>]` table's.
fn is_gateway_problem(error: &Error) -> bool {
    matches!(error, Error::Config { key, .. } if key.starts_with("gateways."))
}
