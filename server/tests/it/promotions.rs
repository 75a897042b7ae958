//! Promotions end to end: admins create, list and expire them; quotes and
//! placements apply the best legal combination; each customer's uses are
//! counted in the store, so a use beyond the limit is refused, also when
//! placements race through two instances.

use std::sync::Arc;

use courier_core::ports::Store;
use courier_server::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::*;

fn cart(codes: &[&str]) -> Value {
    let mut cart = two_pizzas();
    cart["promo_codes"] = json!(codes);
    cart
}

/// The discount lines of a quote, `(code, minor units off)`.
fn discounts(quote: &Value) -> Vec<(String, i64)> {
    quote["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| {
            let name = l["name"].as_str()?.strip_prefix("discount:")?;
            Some((name.to_owned(), -l["amount_minor"].as_i64()?))
        })
        .collect()
}

async fn create<S: Store + 'static>(s: &TestServer<S>, promotion: Value) -> (StatusCode, Value) {
    s.call(
        Method::POST,
        "/v1/promotions",
        Some(&token(Role::Admin, 1)),
        Some(promotion),
    )
    .await
}

async fn place_with<S: Store + 'static>(
    s: &TestServer<S>,
    customer: &str,
    key: &str,
    codes: &[&str],
) -> (StatusCode, Value) {
    let response = s
        .request(Method::POST, "/v1/orders", Some(customer))
        .header("Idempotency-Key", key)
        .json(&cart(codes))
        .send()
        .await
        .unwrap();
    read(response).await
}

pub(crate) async fn promotions_apply_by_their_rules<S: Store + 'static>(store: S) -> TestServer<S> {
    let s = TestServer::start(store).await;
    let customer = token(Role::Customer, 7);
    // Two margheritas: a $25.00 subtotal.
    let (status, body) = create(
        &s,
        json!({"code": "SAVE10", "kind": "percent", "value": 1000, "lasts_secs": 3600,
               "per_customer_limit": 1, "stackable": true, "funded_by": "platform"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        (body["code"].as_str(), body["value"].as_i64()),
        (Some("SAVE10"), Some(1000))
    );
    for promotion in [
        json!({"code": "FLAT3", "kind": "flat", "value": 300, "lasts_secs": 3600, "stackable": true,
               "funded_by": "restaurant"}),
        json!({"code": "BIG50", "kind": "percent", "value": 5000, "max_discount_minor": 800,
               "min_subtotal_minor": 2000, "lasts_secs": 3600, "funded_by": "platform"}),
        json!({"code": "RICH", "kind": "flat", "value": 500, "min_subtotal_minor": 3000, "lasts_secs": 3600,
               "funded_by": "platform"}),
    ] {
        let (status, body) = create(&s, promotion).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let again = json!({"code": "FLAT3", "kind": "flat", "value": 100, "lasts_secs": 60, "funded_by": "platform"});
    let (status, body) = create(&s, again).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "promotion_exists"));
    let (status, body) = s
        .call(
            Method::POST,
            "/v1/promotions",
            Some(&customer),
            Some(json!({"code": "MINE", "kind": "flat",
            "value": 100, "lasts_secs": 60, "funded_by": "platform"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "customers cannot create promotions: {body}"
    );
    let (status, listed) = s
        .call(Method::GET, "/v1/promotions", Some(&token(Role::Admin, 1)), None)
        .await;
    let codes: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["code"].as_str())
        .collect();
    assert_eq!(
        (status, codes),
        (StatusCode::OK, vec!["BIG50", "FLAT3", "RICH", "SAVE10"])
    );

    // Stacking: the two stackable ones together ($2.50 + $3.00)...
    let quote = |codes: &'static [&'static str]| {
        let (s, customer) = (&s, &customer);
        async move {
            s.call(Method::POST, "/v1/quotes", Some(customer), Some(cart(codes)))
                .await
        }
    };
    let (status, stacked) = quote(&["SAVE10", "FLAT3"]).await;
    assert_eq!(status, StatusCode::OK, "{stacked}");
    assert_eq!(
        discounts(&stacked),
        [("SAVE10".to_owned(), 250), ("FLAT3".to_owned(), 300)]
    );
    // ... unless a non-stackable one alone gives more (50% capped at $8.00).
    let (_, best) = quote(&["SAVE10", "FLAT3", "BIG50"]).await;
    assert_eq!(discounts(&best), [("BIG50".to_owned(), 800)]);
    // Below its minimum subtotal a promotion gives nothing.
    let (status, below) = quote(&["RICH"]).await;
    assert_eq!((status, discounts(&below)), (StatusCode::OK, vec![]));

    // A use is counted at placement: the second use beyond the limit is
    // refused and nothing is stored.
    let (status, placed) = place_with(&s, &customer, "promo-1", &["SAVE10"]).await;
    assert_eq!(status, StatusCode::CREATED, "{placed}");
    assert_eq!(discounts(&placed["quote"]), [("SAVE10".to_owned(), 250)]);
    let stored = count_orders(s.state.platform.store()).await;
    let (status, refused) = place_with(&s, &customer, "promo-2", &["SAVE10"]).await;
    assert_eq!(
        (status, code(&refused)),
        (StatusCode::CONFLICT, "promotion_used_up"),
        "{refused}"
    );
    assert_eq!(
        count_orders(s.state.platform.store()).await,
        stored,
        "a refused placement stores nothing"
    );
    // A replayed key answers the first placement and counts nothing more.
    let (status, replayed) = place_with(&s, &customer, "promo-1", &["SAVE10"]).await;
    assert_eq!(
        (status, &replayed["order"]["id"]),
        (StatusCode::CREATED, &placed["order"]["id"])
    );
    assert_eq!(count_orders(s.state.platform.store()).await, stored);
    // Quoted again, the used-up code simply gives nothing; another customer still has it.
    let (_, used_up) = quote(&["SAVE10"]).await;
    assert_eq!(discounts(&used_up), vec![]);
    let (_, other) = s
        .call(
            Method::POST,
            "/v1/quotes",
            Some(&token(Role::Customer, 8)),
            Some(cart(&["SAVE10"])),
        )
        .await;
    assert_eq!(discounts(&other), [("SAVE10".to_owned(), 250)]);

    // Expired, a promotion is refused by name.
    let (status, ended) = s
        .call(
            Method::POST,
            "/v1/promotions/FLAT3/expire",
            Some(&token(Role::Admin, 1)),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ended}");
    let (status, refused) = quote(&["FLAT3"]).await;
    assert_eq!(
        (status, code(&refused)),
        (StatusCode::UNPROCESSABLE_ENTITY, "pricing"),
        "{refused}"
    );
    let (status, _) = s
        .call(
            Method::POST,
            "/v1/promotions/NOPE/expire",
            Some(&token(Role::Admin, 1)),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    s
}

/// Eight placements by one customer race for the last use of a promotion,
/// alternating between two servers over one store: exactly one wins.
async fn the_last_use_goes_once<S: Store + Clone + 'static>(store: S) -> (TestServer<S>, TestServer<S>) {
    let a = TestServer::start(store.clone()).await;
    let b = TestServer::start(store).await;
    let (status, body) = create(
        &a,
        json!({"code": "ONCE", "kind": "flat", "value": 400, "lasts_secs": 3600, "per_customer_limit": 1,
               "funded_by": "platform"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let customer = token(Role::Customer, 21);
    let before = count_orders(a.state.platform.store()).await;
    let answers = futures::future::join_all((0..8).map(|i| {
        let server = if i % 2 == 0 { &a } else { &b };
        let customer = &customer;
        async move { place_with(server, customer, &format!("race-{i}"), &["ONCE"]).await }
    }))
    .await;
    let won = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
    let refused = answers
        .iter()
        .filter(|(s, b)| *s == StatusCode::CONFLICT && code(b) == "promotion_used_up")
        .count();
    assert_eq!((won, refused), (1, 7), "{answers:?}");
    assert_eq!(count_orders(a.state.platform.store()).await, before + 1);
    (a, b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_use_goes_once_on_memory() {
    let store = Arc::new(courier_storage::memory::MemoryStore::default());
    let (mut a, mut b) = the_last_use_goes_once(store).await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_use_goes_once_on_pg_redis() {
    let (mut a, mut b) = the_last_use_goes_once(fresh_pg_redis().await).await;
    a.stop().await;
    b.stop().await;
    cleanup(a).await;
}

on_both! {
    promotions_by_their_rules: super::promotions_apply_by_their_rules;
}
