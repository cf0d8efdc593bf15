//! The `foljupp` command: wires the crates together. Kept thin: each
//! command parses its flags and calls into the library crates.

mod demo;
mod demo_catalogue;
mod demo_steering;
mod import;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use foljupp_core::{FormSet, Kind, MunicipalConfig, Period, Role};
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
    /// The municipality the command works on (one installation can host
    /// many); also the default municipality of the server's public pages.
    #[arg(
        long,
        env = "FOLJUPP_MUNICIPALITY",
        default_value = "stockholm",
        global = true
    )]
    municipality: String,
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
        /// Behind a reverse proxy: the client address is the last entry of
        /// X-Forwarded-For (for login throttling and the audit log).
        #[arg(long, env = "FOLJUPP_TRUST_PROXY")]
        trust_proxy: bool,
        #[command(flatten)]
        oidc: OidcArgs,
        /// The address parents' phones reach the server at, for the QR code
        /// of their answer link (e.g. https://foljupp.example.se); by
        /// default the address the advisor's browser used.
        #[arg(long, env = "FOLJUPP_PUBLIC_URL")]
        public_url: Option<String>,
    },
    /// Fill an empty database with the demo organisation and three years of
    /// synthetic registrations.
    Demo {
        #[command(flatten)]
        db: DbArg,
        /// The last day of the data (YYYY-MM-DD; default today).
        #[arg(long)]
        today: Option<String>,
        /// Yearly volumes times this factor (default 1).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
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
    /// A consistent copy of the database while the server runs: SQLite's
    /// online backup (`VACUUM INTO`), or `pg_dump --format=custom`.
    Backup {
        #[command(flatten)]
        db: DbArg,
        path: std::path::PathBuf,
    },
    /// Restore a backup into an empty database.
    Restore {
        #[command(flatten)]
        db: DbArg,
        path: std::path::PathBuf,
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
    /// Parents' answer links (/p/CODE).
    ParentLink {
        #[command(subcommand)]
        action: ParentLinkAction,
    },
    /// The configuration (organisations, forms, value lists) as a TOML file.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Write every municipality's configuration (or one's, with --only).
    Export {
        #[command(flatten)]
        db: DbArg,
        /// Only this municipality.
        #[arg(long)]
        only: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
    /// Load a configuration file: checked as a whole first; then every
    /// municipality in it that differs gets a new revision (a form whose
    /// definition changed gets the next version). Municipalities not in the
    /// file are left as they are; a new one is added.
    Import {
        #[command(flatten)]
        db: DbArg,
        file: std::path::PathBuf,
        /// Check the file and say what would change, without saving.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum ParentLinkAction {
    /// End a link now, e.g. a group's QR code that was shown where others
    /// could see it. CODE is the part after /p/ (any case).
    Close {
        #[command(flatten)]
        db: DbArg,
        code: String,
    },
}

/// The city's single sign-on (OpenID Connect); off unless an issuer is set.
#[derive(Args, Clone)]
struct OidcArgs {
    /// The provider's issuer URL (discovery at ISSUER/.well-known/openid-configuration).
    #[arg(long, env = "FOLJUPP_OIDC_ISSUER")]
    oidc_issuer: Option<String>,
    #[arg(long, env = "FOLJUPP_OIDC_CLIENT_ID")]
    oidc_client_id: Option<String>,
    #[arg(long, env = "FOLJUPP_OIDC_CLIENT_SECRET", hide_env_values = true)]
    oidc_client_secret: Option<String>,
    /// https://HOST/login/sso/callback, as registered at the provider.
    #[arg(long, env = "FOLJUPP_OIDC_REDIRECT_URL")]
    oidc_redirect_url: Option<String>,
    /// Scopes besides openid, space-separated.
    #[arg(long, env = "FOLJUPP_OIDC_SCOPES", default_value = "profile email")]
    oidc_scopes: String,
    /// The claim that holds the role (a role code, or a value mapped by --oidc-role-map).
    #[arg(long, env = "FOLJUPP_OIDC_ROLE_CLAIM", default_value = "foljupp_role")]
    oidc_role_claim: String,
    /// The claim that holds the district code.
    #[arg(
        long,
        env = "FOLJUPP_OIDC_DISTRICT_CLAIM",
        default_value = "foljupp_district"
    )]
    oidc_district_claim: String,
    /// Claim values mapped to roles: VALUE=ROLE,VALUE=ROLE (e.g. group names).
    #[arg(long, env = "FOLJUPP_OIDC_ROLE_MAP", default_value = "")]
    oidc_role_map: String,
}

impl OidcArgs {
    fn config(&self) -> Result<Option<foljupp_web::oidc::OidcConfig>> {
        let Some(issuer) = self.oidc_issuer.clone().filter(|s| !s.is_empty()) else {
            return Ok(None);
        };
        let client_id = self
            .oidc_client_id
            .clone()
            .filter(|s| !s.is_empty())
            .context("FOLJUPP_OIDC_ISSUER är satt: ange också FOLJUPP_OIDC_CLIENT_ID")?;
        let redirect_url = self
            .oidc_redirect_url
            .clone()
            .filter(|s| !s.is_empty())
            .context("FOLJUPP_OIDC_ISSUER är satt: ange också FOLJUPP_OIDC_REDIRECT_URL (https://VÄRD/login/sso/callback)")?;
        let role_map = foljupp_web::oidc::OidcConfig::parse_role_map(&self.oidc_role_map)
            .map_err(|e| anyhow::anyhow!("FOLJUPP_OIDC_ROLE_MAP: {e}"))?;
        Ok(Some(foljupp_web::oidc::OidcConfig {
            issuer,
            client_id,
            client_secret: self.oidc_client_secret.clone().filter(|s| !s.is_empty()),
            redirect_url,
            scopes: self
                .oidc_scopes
                .split_whitespace()
                .filter(|s| *s != "openid")
                .map(str::to_string)
                .collect(),
            role_claim: self.oidc_role_claim.clone(),
            district_claim: self.oidc_district_claim.clone(),
            role_map,
        }))
    }
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
    /// Disable an account: its sessions end and its API tokens stop working.
    Disable {
        #[command(flatten)]
        db: DbArg,
        name: String,
    },
    /// Enable a disabled account again.
    Enable {
        #[command(flatten)]
        db: DbArg,
        name: String,
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
        /// What the token is for (shown to admins).
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Revoke a token by its number (as listed under Förvaltning → API-nycklar).
    Revoke {
        #[command(flatten)]
        db: DbArg,
        id: i64,
    },
}

/// mimalloc instead of glibc's allocator: a registration allocates and
/// frees many small values (its JSON, the decoded fields, the response)
/// on whichever worker thread runs it, and glibc's malloc and free were a
/// tenth of the server's time under load (perf, 100 clients).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Who the audit log names for changes made from the command line.
const CLI_ACTOR: &str = "(kommandoraden)";

const MUNICIPALITY: &str = "stockholm";

fn main() -> std::process::ExitCode {
    // The log goes to standard error from a thread of its own: the server
    // logs every request, and writing each line from the request's task
    // (a system call under stderr's lock) was a few per cent of a
    // registration's cost under load. Nothing is dropped (`lossy(false)`:
    // a full buffer makes the logging task wait), and the guard, held to
    // the end of `main`, writes out what is left when the process ends.
    let (log_writer, _log_flushed_at_exit) =
        tracing_appender::non_blocking::NonBlockingBuilder::default()
            .lossy(false)
            .thread_name("foljupp-log")
            .finish(std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FOLJUPP_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        // Colours only for a terminal: a log file gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(log_writer)
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

/// A municipality's configuration in force (an empty database gets the
/// default municipality's shipped one first).
async fn municipal_config(store: &Store, municipality: &str) -> Result<MunicipalConfig> {
    foljupp_web::ensure_default_config(store, MUNICIPALITY).await?;
    let rev = store.config_revision(municipality).await?;
    store.config_at(municipality, rev).await?.with_context(|| {
        format!(
            "kommunen {municipality:?} finns inte i databasen: lägg till den med `foljupp config import FIL`"
        )
    })
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve {
            db,
            addr,
            demo,
            secure_cookies,
            threshold,
            trust_proxy,
            oidc,
            public_url,
        } => {
            let oidc = oidc.config()?;
            let store = open(&db).await?;
            if demo {
                demo::ensure_demo(&store, MUNICIPALITY).await?;
            }
            let config = foljupp_web::WebConfig {
                municipality: db.municipality.clone(),
                secure_cookies,
                threshold,
                trust_proxy,
                oidc,
                public_url,
                ..Default::default()
            };
            let state = foljupp_web::AppState::load(store, config).await?;
            let (bound, handle) = foljupp_web::serve(state, addr)
                .await
                .with_context(|| format!("kunde inte lyssna på {addr}"))?;
            println!("foljupp lyssnar på http://{bound}");
            handle.await??;
            Ok(())
        }
        Command::Config {
            action: ConfigAction::Export { db, only, output },
        } => {
            let store = open(&db).await?;
            foljupp_web::ensure_default_config(&store, MUNICIPALITY).await?;
            let mut configs = store.current_configs().await?;
            if let Some(code) = &only {
                configs.retain(|c| c.code() == code);
                if configs.is_empty() {
                    bail!("kommunen {code:?} finns inte i databasen");
                }
            }
            let text = foljupp_core::config::to_toml(&configs)?;
            match output {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("kunde inte skriva {}", path.display()))?,
                None => print!("{text}"),
            }
            Ok(())
        }
        Command::Config {
            action: ConfigAction::Import { db, file, dry_run },
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("kunde inte läsa {}", file.display()))?;
            // The whole file is checked before anything is saved.
            let configs = foljupp_core::config::from_toml(&text)
                .with_context(|| format!("{} godtogs inte; ingenting ändrades", file.display()))?;
            let store = open(&db).await?;
            foljupp_web::ensure_default_config(&store, MUNICIPALITY).await?;
            let today = time::OffsetDateTime::now_utc().date();
            let mut plan = Vec::new();
            for mut c in configs {
                let rev = store.config_revision(c.code()).await?;
                let current = store.config_at(c.code(), rev).await?;
                if let Some(cur) = &current {
                    c.renumber_against(cur);
                    if *cur == c {
                        println!("{}: oförändrad (revision {rev}).", c.code());
                        continue;
                    }
                    for kind in Kind::ALL {
                        let (old, new) = (cur.forms.kind(kind).version, c.forms.kind(kind).version);
                        if old != new {
                            println!(
                                "{}: formuläret {kind} får version {new} (var {old}).",
                                c.code()
                            );
                        }
                    }
                } else {
                    println!("{}: ny kommun ({}).", c.code(), c.organisation.name);
                }
                plan.push((c, rev));
            }
            if dry_run {
                println!("Provkörning: ingenting sparades.");
                return Ok(());
            }
            for (c, rev) in &plan {
                let new_rev = store.save_config(c, *rev, today).await?;
                store
                    .ensure_catalogue(c.code(), &foljupp_core::catalogue::default_interventions())
                    .await?;
                store
                    .record_audit(
                        c.code(),
                        None,
                        CLI_ACTOR,
                        foljupp_web::audit::action::CONFIG_CHANGED,
                        &format!("{}: konfiguration importerad, revision {new_rev}", c.code()),
                        None,
                    )
                    .await?;
                println!("{}: sparad som revision {new_rev}.", c.code());
            }
            Ok(())
        }
        Command::Demo { db, today, scale } => {
            let store = open(&db).await?;
            let today = match today {
                Some(d) => foljupp_core::parse_date(&d)
                    .with_context(|| format!("--today {d:?} är inget datum (ÅÅÅÅ-MM-DD)"))?,
                None => time::OffsetDateTime::now_utc().date(),
            };
            demo::ensure_demo_with(&store, MUNICIPALITY, today, scale).await
        }
        Command::Import { db, kind, file } => {
            let kind: Kind = kind.parse().map_err(anyhow::Error::msg)?;
            let store = open(&db).await?;
            let cfg = municipal_config(&store, &db.municipality).await?;
            import::import_csv(&store, &cfg, kind, &file).await
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
            let store = open(&db).await?;
            let cfg = municipal_config(&store, &db.municipality).await?;
            if let Some(d) = &district {
                if cfg.organisation.district(d).is_none() {
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
            let config = foljupp_web::WebConfig {
                municipality: db.municipality.clone(),
                threshold,
                ..Default::default()
            };
            let state = foljupp_web::AppState::load(store, config).await?;
            let req = foljupp_stats::ReportRequest {
                municipality: db.municipality.clone(),
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
        Command::Backup { db, path } => {
            if is_postgres(&db.db) {
                run_tool(
                    "pg_dump",
                    &[
                        "--format=custom",
                        "--no-owner",
                        "--file",
                        &path.to_string_lossy(),
                        &db.db,
                    ],
                )?;
            } else {
                open(&db).await?.backup_sqlite(&path).await?;
            }
            println!("Säkerhetskopian är skriven till {}.", path.display());
            Ok(())
        }
        Command::Restore { db, path } => {
            if is_postgres(&db.db) {
                // Into an empty database: pg_restore creates the schema and
                // fails as a whole (one transaction) if anything exists.
                run_tool(
                    "pg_restore",
                    &[
                        "--exit-on-error",
                        "--single-transaction",
                        "--no-owner",
                        "--dbname",
                        &db.db,
                        &path.to_string_lossy(),
                    ],
                )?;
            } else {
                open(&db).await?.restore_sqlite(&path).await?;
            }
            println!("Databasen är återställd från {}.", path.display());
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
            let store = open(&db).await?;
            let cfg = municipal_config(&store, &db.municipality).await?;
            let org = &cfg.organisation;
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
            foljupp_web::password::check(&password, &name).map_err(anyhow::Error::msg)?;
            let hash = foljupp_web::hash_password(&password)?;
            store
                .create_account(cfg.code(), &name, role, district.as_deref(), &hash)
                .await?;
            store
                .record_audit(
                    cfg.code(),
                    None,
                    CLI_ACTOR,
                    foljupp_web::audit::action::ACCOUNT_CREATED,
                    &format!(
                        "konto {name}, roll {role}, stadsdel {}",
                        district.as_deref().unwrap_or("–")
                    ),
                    None,
                )
                .await?;
            println!("Kontot {name} ({role}) är skapat.");
            Ok(())
        }
        Command::User {
            action: UserAction::Disable { db, name },
        } => set_disabled(&db, &name, true).await,
        Command::User {
            action: UserAction::Enable { db, name },
        } => set_disabled(&db, &name, false).await,
        Command::Token {
            action: TokenAction::Revoke { db, id },
        } => {
            let store = open(&db).await?;
            if !store.revoke_api_token(id).await? {
                bail!("det finns ingen API-nyckel med nummer {id}");
            }
            store
                .record_audit(
                    &db.municipality,
                    None,
                    CLI_ACTOR,
                    foljupp_web::audit::action::TOKEN_REVOKED,
                    &format!("nyckel {id}"),
                    None,
                )
                .await?;
            println!(
                "API-nyckel {id} är återkallad. En server som redan kör slutar godta den inom {} sekunder.",
                foljupp_store::TOKEN_TRUST_SECS
            );
            Ok(())
        }
        Command::ParentLink {
            action: ParentLinkAction::Close { db, code },
        } => {
            let Some(code) = foljupp_web::parents::normalise_code(&code) else {
                bail!("{code:?} är ingen länkkod: tio tecken, delen efter /p/ i länken");
            };
            let store = open(&db).await?;
            if !store
                .close_parent_link(&foljupp_web::sha256_hex(&code), foljupp_store::now_unix())
                .await?
            {
                bail!("ingen giltig länk har koden {code} (okänd, använd eller redan utgången)");
            }
            println!("Länken /p/{code} gäller inte längre.");
            Ok(())
        }
        Command::Token {
            action:
                TokenAction::Create {
                    db,
                    user,
                    expires_days,
                    label,
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
            let id = store
                .create_labelled_api_token(
                    &foljupp_web::sha256_hex(&token),
                    account.id,
                    account.role,
                    account.district.as_deref(),
                    Some(expires),
                    &label,
                )
                .await?;
            store
                .record_audit(
                    &account.municipality,
                    None,
                    CLI_ACTOR,
                    foljupp_web::audit::action::TOKEN_CREATED,
                    &format!(
                        "nyckel {id} ({label}) för konto {user}, roll {}, {expires_days} dagar",
                        account.role
                    ),
                    None,
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

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres:") || url.starts_with("postgresql:")
}

/// Runs a PostgreSQL client tool; its own messages go to our stderr.
fn run_tool(tool: &str, args: &[&str]) -> Result<()> {
    let status = std::process::Command::new(tool)
        .args(args)
        .status()
        .with_context(|| {
            format!("{tool} kunde inte startas; installera PostgreSQL-klienten (postgresql-client)")
        })?;
    if !status.success() {
        bail!("{tool} misslyckades ({status})");
    }
    Ok(())
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

async fn set_disabled(db: &DbArg, name: &str, disabled: bool) -> Result<()> {
    let store = open(db).await?;
    let account = store
        .account_by_name(name)
        .await?
        .with_context(|| format!("det finns inget konto som heter {name:?}"))?;
    // Ends every session too; the account's tokens stop working because
    // authentication checks the account.
    store.set_disabled(account.id, disabled).await?;
    let action = if disabled {
        foljupp_web::audit::action::ACCOUNT_DISABLED
    } else {
        foljupp_web::audit::action::ACCOUNT_ENABLED
    };
    store
        .record_audit(
            &account.municipality,
            None,
            CLI_ACTOR,
            action,
            &format!("konto {name}"),
            None,
        )
        .await?;
    if disabled {
        println!(
            "Kontot {name} är avstängt; dess sessioner är avslutade och dess API-nycklar slutar gälla (i en server som redan kör inom {} sekunder).",
            foljupp_store::TOKEN_TRUST_SECS
        );
    } else {
        println!("Kontot {name} är återaktiverat.");
    }
    Ok(())
}
