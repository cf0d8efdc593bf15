//! CSV import, all or nothing: every row is decoded first
//! (`core::csv_import`); one bad row means nothing is stored and every bad
//! row is reported with its line number (the header is line 1), column and
//! reason.

use anyhow::{bail, Context, Result};
use foljupp_core::csv_import::decode_csv;
use foljupp_core::{Kind, MunicipalConfig};
use foljupp_store::Store;
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
    store
        .insert_registrations(cfg.code(), &regs, &mut progress)
        .await
        .context("importen avbröts och ingenting sparades")?;
    if tty {
        eprintln!();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{total} registreringar av typen {} importerade på {secs:.1} s ({:.0} rader/s).",
        kind.code(),
        total as f64 / secs.max(1e-9)
    );
    Ok(())
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
