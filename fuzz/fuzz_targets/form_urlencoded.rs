//! A posted HTML form (application/x-www-form-urlencoded) into decoder
//! input and through the decoder, every kind.
#![no_main]

use foljupp_core::forms::DecodeContext;
use foljupp_core::{FormSet, Kind, Organisation};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn setup() -> &'static (FormSet, Organisation) {
    static S: OnceLock<(FormSet, Organisation)> = OnceLock::new();
    S.get_or_init(|| (FormSet::defaults(), Organisation::stockholm()))
}

fuzz_target!(|data: &[u8]| {
    let (forms, org) = setup();
    let pairs: Vec<(String, String)> = form_urlencoded::parse(data).into_owned().collect();
    let (input, _raw, _participant_error) = foljupp_core::input::form_input(pairs);
    let ctx = DecodeContext {
        organisation: org,
        today: time::macros::date!(2026 - 06 - 30),
    };
    for kind in Kind::ALL {
        match forms.decode(kind, &input, &ctx) {
            Ok(r) => assert!(r.date <= ctx.today),
            Err(errors) => assert!(errors.iter().all(|e| !e.message.is_empty())),
        }
    }
});
