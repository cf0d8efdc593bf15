//! CSV import, all or nothing: the rows are decoded (`core::csv_import`)
//! and stored as they are decoded, in one transaction that is committed
//! only when the whole file was good. One bad row means nothing is stored
//! and every bad row is reported with its line number (the header is line
//! 1), column and reason.

use anyhow::{bail, Context, Result};
use foljupp_core::csv_import::{decode_csv_into, ImportError};
use foljupp_core::{Kind, MunicipalConfig};
use foljupp_stats::RollupBuilder;
use foljupp_store::{Store, StoreError, StreamItem, VersionStep};
use std::io::IsTerminal;
use std::path::Path;

/// Registrations handed to the store at a time. Each batch is written in
/// primary-key order (`Store::insert_stream`), so larger batches write
/// more nearly in order; memory holds about three of them (one being
/// decoded, one waiting, one being written) at about 3 KB a row.
const WRITE_ROWS: usize = 32_768;

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
    // For the progress shown only: the lines after the header (a quoted
    // cell holding a line break makes this a little more than the rows).
    let lines = bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    let lines = lines.saturating_sub(1);
    let tty = std::io::stderr().is_terminal();
    let mut last_shown = 0usize;
    let mut progress = |n: usize| {
        let percent = (n * 100 / lines.max(1)).min(100);
        if tty {
            eprint!("\rSparar: {n} av {lines} rader ({percent} %)");
        } else if n * 10 / lines.max(1) > last_shown * 10 / lines.max(1) {
            eprintln!("Sparar: {n} av {lines} rader ({percent} %)");
        }
        last_shown = n;
    };
    // The report rollup's snapshot is carried forward with the import (see
    // `keep_snapshot`): the version and emptiness are read before the
    // write, and the rows are counted while they are being decoded.
    let version = store.data_version().await?;
    let was_empty = !store.has_registrations(cfg.code()).await?;
    let (to_store, mut rows) = tokio::sync::mpsc::channel(1);
    let decoding = {
        let (forms, organisation) = (cfg.forms.clone(), cfg.organisation.clone());
        let mut counted = forms.mappings.is_empty().then(RollupBuilder::new);
        tokio::task::spawn_blocking(move || {
            let mut batch = Vec::with_capacity(WRITE_ROWS);
            let decoded =
                decode_csv_into(&forms, &organisation, kind, &bytes, today, &mut |regs| {
                    if let Some(counted) = &mut counted {
                        regs.iter().for_each(|r| counted.add(r));
                    }
                    batch.extend(regs);
                    batch.len() < WRITE_ROWS
                        || to_store
                            .blocking_send(StreamItem::Rows(std::mem::take(&mut batch)))
                            .is_ok()
                });
            // Only a file without a bad row ends with `End`: otherwise the
            // channel closes without it and the store rolls back.
            if decoded.is_ok() {
                let _ = to_store.blocking_send(StreamItem::Rows(batch));
                let _ = to_store.blocking_send(StreamItem::End);
            }
            (decoded, counted)
        })
    };
    let stored = store
        .insert_stream(cfg.code(), &mut rows, &mut progress)
        .await;
    drop(rows);
    let (decoded, counted) = decoding.await.context("läsningen av filen avbröts")?;
    if tty {
        eprintln!();
    }
    if let Err(errors) = decoded {
        report_errors(&errors);
        bail!(
            "{} fel i {}: ingenting importerades. Rätta raderna ovan och importera filen igen.",
            errors.len(),
            file.display()
        );
    }
    let (total, step) = match stored {
        Err(StoreError::Aborted) => bail!("importen avbröts och ingenting sparades"),
        r => r.context("importen avbröts och ingenting sparades")?,
    };
    if let Some(counted) = counted {
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
    // Part of the import's time: the table is ready for the day's work
    // when the import says it is done.
    if tty {
        eprint!("Uppdaterar databasens statistik för {}…", kind.code());
    }
    let settled = store.settle_after_import(kind).await;
    if tty {
        eprintln!();
    }
    if let Err(e) = settled {
        // The rows are stored; autovacuum does the same later.
        eprintln!(
            "Databasens statistik kunde inte uppdateras ({e}); PostgreSQL gör det själv senare."
        );
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{total} registreringar av typen {} importerade på {secs:.1} s ({:.0} rader/s).",
        kind.code(),
        total as f64 / secs.max(1e-9)
    );
    Ok(())
}

/// Prints a file's problems, the first 200 of them.
fn report_errors(errors: &[ImportError]) {
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
