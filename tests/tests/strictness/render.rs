//! The table as docs/sandbox-strictness.md shows it.

use super::*;

pub(crate) fn brand(provider: Provider) -> &'static str {
    match provider {
        Provider::Finpay => "Finpay",
        Provider::Payway => "ABA PayWay",
        Provider::Payg => "PayG",
        _ => "another provider",
    }
}

pub(crate) fn render_table() -> String {
    let cell = |text: &str| text.replace('|', "\\|");
    let mut per_provider = BTreeMap::<Provider, usize>::new();
    for rule in rules() {
        *per_provider.entry(rule.provider).or_default() += 1;
    }
    let counts: Vec<String> = per_provider
        .iter()
        .map(|(p, n)| format!("{} {n}", brand(*p)))
        .collect();
    let mut out = String::from(
        "# The sandbox's strictness table\n\n\
         Generated from `paygate_sandbox::strictness::rules()` by \
         `tests/tests/sandbox_strictness.rs` (do not edit by hand). Every documented rule on a \
         request field of every endpoint the SDK sends, with its source and the refusal the \
         provider documents for breaking it. The sandbox checks each request against these rows \
         once its credentials and signature pass, before its handler runs (the handlers keep \
         the rules across fields); the test sends, for each row, a request breaking that rule \
         alone and expects the documented refusal, and gives each row the SDK refuses to the \
         SDK, which must refuse it without sending. Where sources disagree, the row takes the \
         strictest reading and its note says so.\n\n",
    );
    out.push_str(&format!("Rows: {}.\n", counts.join(", ")));
    let unruled: Vec<String> = paygate::payway::endpoint::Endpoint::ALL
        .iter()
        .map(|e| e.path())
        .filter(|path| !rules().any(|r| r.provider == Provider::Payway && r.endpoint == *path))
        .map(|path| format!("`{path}`"))
        .collect();
    out.push_str(&format!(
        "\nEndpoints with no row: ABA PayWay's {} (no field beyond the credentials and the \
         hash, which every request's check covers); Finpay's GET endpoints (`check`, `cancel`, \
         `openpayment/check`, `openpayment/delete`), whose only fields are the path's, \
         required by the route itself.\n",
        unruled.join(", ")
    ));
    for provider in per_provider.keys() {
        out.push_str(&format!(
            "\n## {}\n\n| Endpoint | Field | Rule | Refusal | SDK | Source | Note |\n|---|---|---|---|---|---|---|\n",
            brand(*provider)
        ));
        for rule in rules().filter(|r| r.provider == *provider) {
            let sdk = match rule.sdk {
                SdkCheck::Refuses => "refuses before sending",
                SdkCheck::ByConstruction => "cannot send it",
                _ => "sends it",
            };
            out.push_str(&format!(
                "| `{}` | `{}` | {} | HTTP {}, `{}` {} | {} | {} | {} |\n",
                rule.endpoint,
                rule.field,
                cell(&rule.rule.to_string()),
                rule.refusal.http,
                rule.refusal.code,
                cell(rule.refusal.message),
                sdk,
                cell(rule.source),
                cell(rule.note),
            ));
        }
    }
    out
}
