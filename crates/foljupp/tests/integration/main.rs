//! Integration tests: the real server on a random port, a fresh database of
//! each backend (SQLite always, PostgreSQL when FOLJUPP_TEST_PG is set), and
//! real HTTP. They are modules of this one test binary so that the workspace
//! links once; add a module per area.

#![allow(clippy::unwrap_used)]

mod admin_config;
mod backup;
mod catalogue;
mod cli;
mod common;
mod configuration;
mod hostile;
mod load;
mod municipalities;
mod outage;
mod parents;
mod registration;
mod reliability;
mod report;
mod security;
mod snapshot;
mod sso;
mod steering;
mod upgrade;
