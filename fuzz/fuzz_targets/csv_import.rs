//! CSV import decoding: any bytes, every kind. Must not panic; an accepted
//! file gives registrations that pass the same decoder again.
#![no_main]

use foljupp_core::csv_import::decode_csv;
use foljupp_core::{FormSet, Kind, Organisation};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn setup() -> &'static (FormSet, Organisation) {
    static S: OnceLock<(FormSet, Organisation)> = OnceLock::new();
    S.get_or_init(|| (FormSet::defaults(), Organisation::stockholm()))
}

fuzz_target!(|data: &[u8]| {
    let (forms, org) = setup();
    let today = time::macros::date!(2026 - 06 - 30);
    for kind in Kind::ALL {
        match decode_csv(forms, org, kind, data, today) {
            Ok(regs) => {
                for r in regs {
                    assert!(r.date <= today, "a date after today was accepted");
                    assert!(
                        org.district(&r.district).is_some(),
                        "an unknown district was accepted"
                    );
                }
            }
            Err(errors) => assert!(!errors.is_empty(), "an error without a message"),
        }
    }
});
