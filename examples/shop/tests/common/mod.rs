//! What the shop's HTTP tests share: a client that never follows redirects, and the admin
//! page read after logging in with the tests' password.

#![allow(dead_code, unreachable_pub)]

/// The admin password the tests start their shops with.
pub const PASSWORD: &str = "shop-test-password";

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A shop on a free port keeping its data in `data`, its admin password [`PASSWORD`].
pub async fn start(data: &std::path::Path) -> shop::RunningShop {
    shop::start(shop::ShopOptions {
        port: 0,
        data_dir: data.to_path_buf(),
        admin_password: Some(PASSWORD.into()),
    })
    .await
    .unwrap()
}

/// The admin page's HTML, logged in.
pub async fn admin_page(shop: &str) -> String {
    let http = client();
    let login = http
        .post(format!("{shop}/login"))
        .form(&[("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status().as_u16(), 303);
    let cookie = login
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    http.get(format!("{shop}/admin"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}
