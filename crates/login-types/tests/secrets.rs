//! The password never shows in `Debug` or `Display`, and the spec's
//! constraints hold when deserializing.

use login_types::{
    CreateSessionDetails, CreateSessionDetailsPassword, CreateSessionDetailsTenancy,
    CreateSessionDetailsUsername,
};

const PASSWORD: &str = "hunter2-correct-horse";

fn details() -> CreateSessionDetails {
    serde_json::from_value(serde_json::json!({
        "username": "alice",
        "password": PASSWORD,
        "tenancy": "acme",
    }))
    .unwrap()
}

#[test]
fn debug_of_details_never_contains_the_password() {
    let details = details();
    let debug = format!("{details:?}");
    let pretty = format!("{details:#?}");
    assert!(
        !debug.contains(PASSWORD) && !pretty.contains(PASSWORD),
        "{pretty}"
    );
    assert!(
        debug.contains("[REDACTED]") && debug.contains("alice"),
        "{debug}"
    );
    assert_eq!(details.password.to_string(), "[REDACTED]");
    assert_eq!(details.password.expose_secret(), PASSWORD);
}

#[test]
fn the_password_still_goes_on_the_wire() {
    let json = serde_json::to_value(details()).unwrap();
    assert_eq!(json["password"], PASSWORD);
}

#[test]
fn constraints_from_the_spec_are_enforced() {
    assert!(CreateSessionDetailsPassword::try_from("").is_err());
    assert!(CreateSessionDetailsPassword::try_from("x".repeat(255)).is_ok());
    assert!(CreateSessionDetailsPassword::try_from("x".repeat(256)).is_err());
    // Characters, not bytes, as JSON Schema counts them.
    assert!(CreateSessionDetailsPassword::try_from("é".repeat(255)).is_ok());
    let err = serde_json::from_value::<CreateSessionDetails>(serde_json::json!({
        "username": "", "password": PASSWORD, "tenancy": "acme",
    }))
    .unwrap_err()
    .to_string();
    assert!(err.contains("must not be empty"), "{err}");
    assert!(!err.contains(PASSWORD), "{err}");
}

#[test]
fn each_constrained_property_has_its_own_newtype() {
    // `username` and `tenancy` have the same constraints; typify alone would
    // type both as one newtype. This does not compile if they share one.
    let CreateSessionDetails {
        username, tenancy, ..
    } = details();
    let username: CreateSessionDetailsUsername = username;
    let tenancy: CreateSessionDetailsTenancy = tenancy;
    assert_eq!((&*username, &*tenancy), ("alice", "acme"));
}
