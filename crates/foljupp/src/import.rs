//! CSV import, all or nothing: every row is decoded first
//! (`core::csv_import`); one bad row means nothing is stored and every bad
//! row is reported with its line number (the header is line 1), column and
//! reason.

use anyhow::{bail, Context, Result};
use foljupp_core::csv_import::decode_csv;
use foljupp_core::{Kind, MunicipalConfig};
use foljupp_stats::RollupBuilder;
use foljupp_store::{Request, Store, VersionStep};
use std::io::IsTerminal;
use std::path::Path;

pub async fn import_csv(
    store: &Store,
    cfg: &MunicipalConfig,
    kind: Kind,
    file: &Path,
) -> Result<()> {
    let bytes =
        std::fs::read(file).with_context(|| format!("kunde inte läsa {}", file.display()))?;
    let today = time::OffsetDateTime::now_utc().date();
    let started = std::time::Instant::now();
    let regs = match decode_csv(&cfg.forms, &cfg.organisation, kind, &bytes, today) {
        Ok(r) => r,
        Err(errors) => {
            const SHOWN: usize = 200;
            for e in errors.iter().take(SHOWN) {
                if e.column.is_empty() {
                    eprintln!("rad {}: {}", e.line, e.message);
                } else {
                    eprintln!("rad {}, kolumn {}: {}", e.line, e.column, e.message);
                }
            }
            if errors.len() > SHOWN {
                eprintln!("… och {} fel till.", errors.len() - SHOWN);
            }
            bail!(
                "{} fel i {}: ingenting importerades. Rätta raderna ovan och importera filen igen.",
                errors.len(),
                file.display()
            );
        }
    };
    let total = regs.len();
    let tty = std::io::stderr().is_terminal();
    let mut last_shown = 0usize;
    let mut progress = |n: usize| {
        if tty {
            eprint!(
                "\rSparar: {n} av {total} rader ({} %)",
                n * 100 / total.max(1)
            );
        } else if n * 10 / total.max(1) > last_shown * 10 / total.max(1) || n == total {
            eprintln!(
                "Sparar: {n} av {total} rader ({} %)",
                n * 100 / total.max(1)
            );
        }
        last_shown = n;
    };
    // The report rollup's snapshot is carried forward with the import (see
    // `keep_snapshot`): the version and emptiness are read before the
    // write, and the rows are counted while they are being written.
    let version = store.data_version().await?;
    let was_empty = !store.has_registrations(cfg.code()).await?;
    let regs = std::sync::Arc::new(regs);
    let counting = cfg.forms.mappings.is_empty().then(|| {
        let regs = regs.clone();
        tokio::task::spawn_blocking(move || {
            let mut counted = RollupBuilder::new();
            for r in regs.iter() {
                counted.add(r);
            }
            counted
        })
    });
    let request = Request {
        municipality: cfg.code(),
        regs: &regs,
        key: None,
        parent_link: None,
    };
    let (_, step) = store
        .insert_group(
            std::slice::from_ref(&request),
            foljupp_store::now_unix(),
            &mut progress,
        )
        .await
        .context("importen avbröts och ingenting sparades")?;
    if tty {
        eprintln!();
    }
    if let Some(counting) = counting {
        let counted = counting
            .await
            .context("sammanräkningen av raderna avbröts")?;
        let base = Base { version, was_empty };
        // The registrations are stored: a snapshot that cannot be kept only
        // costs the next report a scan.
        match keep_snapshot(store, cfg.code(), base, &step, counted).await {
            Ok(true) => {}
            Ok(false) => eprintln!(
                "Rapporternas sammanräkning görs om från registreringarna vid nästa rapport."
            ),
            Err(e) => eprintln!(
                "Rapporternas sammanräkning kunde inte sparas ({e}); den görs om vid nästa rapport."
            ),
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{total} registreringar av typen {} importerade på {secs:.1} s ({:.0} rader/s).",
        kind.code(),
        total as f64 / secs.max(1e-9)
    );
    Ok(())
}

/// What was known before the import's transaction.
struct Base {
    /// The data version read before it.
    version: Option<String>,
    /// Whether the municipality had no registration then.
    was_empty: bool,
}

/// Carries the municipality's report snapshot (`stats::snapshot`) forward
/// over the import: the counts of the data version the transaction
/// followed (`step.before`: its stored snapshot, or nothing when the
/// municipality was empty at that very version) plus the imported rows
/// become the snapshot at `step.after`, so the server's next start reads
/// it instead of scanning every registration. Returns whether it was kept;
/// it is not when the version the import followed has no snapshot (the
/// server then rebuilds it) or another write came after the import.
async fn keep_snapshot(
    store: &Store,
    municipality: &str,
    base: Base,
    step: &VersionStep,
    counted: RollupBuilder,
) -> Result<bool> {
    let Some(after) = &step.after else {
        return Ok(false);
    };
    // Emptiness was checked after the version was read: if the transaction
    // followed that same version, nothing was written in between.
    let mut builder = if base.was_empty && base.version == step.before {
        RollupBuilder::new()
    } else {
        match store.rollup_snapshot(municipality).await? {
            Some((token, body)) if Some(&token) == step.before.as_ref() => {
                match tokio::task::spawn_blocking(move || RollupBuilder::decode(&body)).await? {
                    Some(b) => b,
                    None => return Ok(false),
                }
            }
            _ => return Ok(false),
        }
    };
    let body = tokio::task::spawn_blocking(move || {
        builder.merge(counted);
        builder.finish().encode()
    })
    .await?;
    Ok(store
        .save_rollup_snapshot(municipality, after, &body)
        .await?)
}

#[cfg(test)]
mod doc_tests {
    /// docs/csv-format.md documents the formats; it must list every column
    /// of every kind, so that the documentation cannot drift from the forms.
    #[test]
    fn docs_list_every_column() {
        let doc = include_str!("../../../docs/csv-format.md");
        let forms = foljupp_core::FormSet::defaults();
        for kind in foljupp_core::Kind::ALL {
            assert!(doc.contains(&format!("## `{}`", kind.code())), "{kind}");
            for f in &forms.kind(kind).fields {
                assert!(doc.contains(&format!("`{}`", f.name)), "{kind}.{}", f.name);
            }
        }
    }
}
