//! The `foljupp` command: wires the crates together. Kept thin: each
//! command parses its flags and calls into the library crates.

mod demo;
mod import;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use foljupp_core::{FormSet, Kind, Organisation, Period, Role};
use foljupp_store::Store;
use std::io::{IsTerminal, Read};
use std::net::SocketAddr;

#[derive(Parser)]
#[command(
    name = "foljupp",
    version,
    about = "Anonym uppföljning av förebyggande föräldraskapsstöd"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DbArg {
    /// Database: sqlite://FILE (default, created if missing) or postgres://…
    #[arg(long, env = "FOLJUPP_DB", default_value = foljupp_store::DEFAULT_URL, global = true)]
    db: String,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server.
    Serve {
        #[command(flatten)]
        db: DbArg,
        /// Address to listen on.
        #[arg(long, env = "FOLJUPP_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Fill an empty database with the demo organisation and data, and
        /// print the demo admin's password.
        #[arg(long)]
        demo: bool,
        /// Served behind TLS: Secure cookies and HSTS.
        #[arg(long, env = "FOLJUPP_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Disclosure threshold for small counts.
        #[arg(long, env = "FOLJUPP_THRESHOLD", default_value_t = 5)]
        threshold: u32,
    },
    /// Fill an empty database with the demo organisation and three years of
    /// synthetic registrations.
    Demo {
        #[command(flatten)]
        db: DbArg,
    },
    /// Import registrations from a CSV file, all or nothing.
    Import {
        #[command(flatten)]
        db: DbArg,
        /// conversation, home_visit, group_meeting, programme_group,
        /// collaboration or open_preschool_report.
        #[arg(long)]
        kind: String,
        file: std::path::PathBuf,
    },
    /// Print a report (aggregates only).
    Report {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        year: Option<String>,
        #[arg(long)]
        tertial: Option<String>,
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        district: Option<String>,
        /// For a year still running: the day the projection is made.
        #[arg(long)]
        as_of: Option<String>,
        /// Compare with the same period one year earlier.
        #[arg(long)]
        compare: bool,
        /// json (REPORT.md's shape), csv (every figure, one a row), xlsx
        /// (the dashboard's tables), html or pdf (the committee report).
        #[arg(long, default_value = "json")]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
        #[arg(long, env = "FOLJUPP_THRESHOLD", default_value_t = 5)]
        threshold: u32,
    },
    /// Staff accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// API tokens for integrations.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Create an account; the password is read from standard input when it
    /// is not a terminal, else asked for twice.
    Add {
        #[command(flatten)]
        db: DbArg,
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        district: Option<String>,
    },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Create a bearer token for an account; it is printed once and stored
    /// only as a hash.
    Create {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        user: String,
        /// Days until the token expires (default 365).
        #[arg(long, default_value_t = 365)]
        expires_days: i64,
    },
}

const MUNICIPALITY: &str = "stockholm";

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FOLJUPP_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("fel: kunde inte starta: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fel: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn open(db: &DbArg) -> Result<Store> {
    Store::open(&db.db, FormSet::defaults())
        .await
        .with_context(|| format!("kunde inte öppna databasen {}", db.db))
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve {
            db,
            addr,
            demo,
            secure_cookies,
            threshold,
        } => {
            let store = open(&db).await?;
            if demo {
                demo::ensure_demo(&store, MUNICIPALITY).await?;
            }
            let config = foljupp_web::WebConfig {
                municipality: MUNICIPALITY.into(),
                secure_cookies,
                threshold,
                ..Default::default()
            };
            let state = foljupp_web::AppState::new(store, Organisation::stockholm(), config);
            let (bound, handle) = foljupp_web::serve(state, addr)
                .await
                .with_context(|| format!("kunde inte lyssna på {addr}"))?;
            println!("foljupp lyssnar på http://{bound}");
            handle.await??;
            Ok(())
        }
        Command::Demo { db } => {
            let store = open(&db).await?;
            demo::ensure_demo(&store, MUNICIPALITY).await
        }
        Command::Import { db, kind, file } => {
            let kind: Kind = kind.parse().map_err(anyhow::Error::msg)?;
            let store = open(&db).await?;
            import::import_csv(&store, MUNICIPALITY, kind, &file).await
        }
        Command::Report {
            db,
            year,
            tertial,
            from,
            to,
            district,
            as_of,
            compare,
            format,
            output,
            threshold,
        } => {
            let period = Period::resolve(
                year.as_deref(),
                tertial.as_deref(),
                from.as_deref(),
                to.as_deref(),
            )
            .map_err(anyhow::Error::msg)?;
            let org = Organisation::stockholm();
            if let Some(d) = &district {
                if org.district(d).is_none() {
                    bail!("stadsdelsförvaltningen {d:?} finns inte");
                }
            }
            let as_of = match as_of {
                None => None,
                Some(s) => Some(
                    foljupp_core::parse_date(&s)
                        .with_context(|| format!("--as-of {s:?} är inget datum (ÅÅÅÅ-MM-DD)"))?,
                ),
            };
            if !foljupp_web::report::files::FORMATS.contains(&format.as_str()) {
                bail!("formatet {format:?} finns inte; välj json, csv, xlsx, html eller pdf");
            }
            let binary = format == "xlsx" || format == "pdf";
            if binary && output.is_none() && std::io::stdout().is_terminal() {
                bail!("--format {format} ger en binär fil: ange --output FIL eller styr om utdata till en fil");
            }
            let store = open(&db).await?;
            let config = foljupp_web::WebConfig {
                municipality: MUNICIPALITY.into(),
                threshold,
                ..Default::default()
            };
            let state = foljupp_web::AppState::new(store, org, config);
            let req = foljupp_stats::ReportRequest {
                municipality: MUNICIPALITY.into(),
                district,
                period,
                as_of,
                compare,
                threshold,
            };
            let bytes = foljupp_web::report::files::render(&state, req, &format)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            match output {
                Some(path) => std::fs::write(&path, &bytes)
                    .with_context(|| format!("kunde inte skriva {}", path.display()))?,
                None => {
                    use std::io::Write;
                    let mut out = std::io::stdout().lock();
                    out.write_all(&bytes)?;
                    out.flush()?;
                }
            }
            Ok(())
        }
        Command::User {
            action:
                UserAction::Add {
                    db,
                    name,
                    role,
                    district,
                },
        } => {
            let role: Role = role.parse().map_err(anyhow::Error::msg)?;
            let org = Organisation::stockholm();
            match (&district, role.is_district_bound()) {
                (None, true) => {
                    bail!("rollen {role} hör till en stadsdelsförvaltning: ange --district KOD")
                }
                (Some(d), _) if org.district(d).is_none() => {
                    bail!("stadsdelsförvaltningen {d:?} finns inte")
                }
                _ => {}
            }
            let password = read_password()?;
            check_password_policy(&password)?;
            let store = open(&db).await?;
            let hash = foljupp_web::hash_password(&password)?;
            store
                .create_account(MUNICIPALITY, &name, role, district.as_deref(), &hash)
                .await?;
            println!("Kontot {name} ({role}) är skapat.");
            Ok(())
        }
        Command::Token {
            action:
                TokenAction::Create {
                    db,
                    user,
                    expires_days,
                },
        } => {
            if !(1..=3650).contains(&expires_days) {
                bail!("--expires-days ska vara mellan 1 och 3650");
            }
            let store = open(&db).await?;
            let account = store
                .account_by_name(&user)
                .await?
                .with_context(|| format!("det finns inget konto som heter {user:?}"))?;
            let token = foljupp_store::random_token();
            let expires = foljupp_store::now_unix() + expires_days * 24 * 3600;
            store
                .create_api_token(
                    &foljupp_web::sha256_hex(&token),
                    account.id,
                    account.role,
                    account.district.as_deref(),
                    Some(expires),
                )
                .await?;
            eprintln!(
                "API-nyckel för {user} ({}), giltig i {expires_days} dagar. Den visas bara nu:",
                account.role
            );
            println!("{token}");
            Ok(())
        }
    }
}

fn read_password() -> Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Lösenord: ")?;
        let second = rpassword::prompt_password("Samma lösenord igen: ")?;
        if first != second {
            bail!("lösenorden var olika; försök igen");
        }
        Ok(first)
    } else {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        Ok(s.lines().next().unwrap_or_default().to_string())
    }
}

/// At least 12 characters: long passphrases beat composition rules.
fn check_password_policy(password: &str) -> Result<()> {
    if password.chars().count() < 12 {
        bail!("lösenordet måste ha minst 12 tecken; en fras av flera ord är lättast att minnas");
    }
    Ok(())
}
