//! Decoding a CSV file of registrations (the exchange format of CODES.md
//! and docs/csv-format.md): every row through the one decoder, every problem
//! reported with its line number (the header is line 1) and column.

use crate::forms::{DecodeContext, FieldDef, RawInput};
use crate::{Kind, Organisation};

/// One problem in the file.
#[derive(Debug, PartialEq, Eq)]
pub struct ImportError {
    pub line: u64,
    pub column: String,
    pub message: String,
}

/// Decodes a whole CSV text into registrations, or every problem found.
pub fn decode_csv(
    forms: &crate::FormSet,
    org: &Organisation,
    kind: Kind,
    bytes: &[u8],
    today: crate::Date,
) -> std::result::Result<Vec<crate::Registration>, Vec<ImportError>> {
    let mut out = Vec::new();
    decode_csv_into(forms, org, kind, bytes, today, &mut |regs| {
        out.extend(regs);
        true
    })?;
    Ok(out)
}

/// Decodes a CSV text and hands the registrations to `sink` in file order,
/// a chunk at a time, while the rest is still being decoded (an import
/// stores them meanwhile). Once a bad row is found nothing more is handed
/// over, but decoding goes on so that every problem is reported: then the
/// answer is every problem, and what `sink` received must not be kept.
/// When `sink` answers `false` (it cannot take more), decoding stops.
/// Returns the number of registrations handed over.
pub fn decode_csv_into(
    forms: &crate::FormSet,
    org: &Organisation,
    kind: Kind,
    bytes: &[u8],
    today: crate::Date,
    sink: &mut dyn FnMut(Vec<crate::Registration>) -> bool,
) -> std::result::Result<usize, Vec<ImportError>> {
    let def = forms.kind(kind);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let mut errors = Vec::new();
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|s| s.trim().trim_start_matches('\u{feff}').to_string())
            .collect(),
        Err(e) => {
            return Err(vec![ImportError {
                line: 1,
                column: String::new(),
                message: format!("Rubrikraden kunde inte läsas: {e}. Spara filen som UTF-8."),
            }])
        }
    };
    for h in &headers {
        if def.field(h).is_none() {
            errors.push(ImportError {
                line: 1,
                column: h.clone(),
                message: format!(
                    "Kolumnen {h:?} finns inte i formatet för {}. Kontrollera stavningen mot dokumentationen.",
                    kind.code()
                ),
            });
        }
    }
    // A column given twice is a mistake (two exports pasted together, a
    // copied column): its values would be merged or fought over silently.
    let mut seen = std::collections::BTreeSet::new();
    for h in &headers {
        if !seen.insert(h.as_str()) && !h.is_empty() {
            errors.push(ImportError {
                line: 1,
                column: h.clone(),
                message: format!(
                    "Kolumnen {h:?} finns flera gånger i rubrikraden. Ta bort dubbletten så att varje kolumn finns en gång."
                ),
            });
        }
    }
    for required in ["date", "district"] {
        if !headers.iter().any(|h| h == required) {
            errors.push(ImportError {
                line: 1,
                column: required.into(),
                message: format!("Kolumnen {required} saknas; den måste finnas."),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let (handed, row_errors) =
        decode_rows(forms, org, kind, reader, &headers, today, workers, sink);
    if row_errors.is_empty() {
        Ok(handed)
    } else {
        Err(row_errors)
    }
}

/// Records per unit of work of the parallel decode: large enough that
/// handing one over costs little next to decoding it, small enough that
/// the work spreads evenly and few records wait in memory.
const CHUNK_ROWS: usize = 1024;

/// A record as read, or why it could not be read.
enum Item {
    Row(u64, csv::StringRecord),
    Broken(ImportError),
}

/// Decodes the records on `workers` threads while this thread reads them
/// (decoding is most of an import's work besides storing). The records go
/// out in numbered chunks and the results are put back in chunk order, so
/// the registrations and the errors (in line order) are exactly those of
/// decoding the rows one after another. The registrations go to `sink`
/// chunk by chunk until the first error (see [`decode_csv_into`]); returns
/// how many went and every error.
#[allow(clippy::too_many_arguments)]
fn decode_rows(
    forms: &crate::FormSet,
    org: &Organisation,
    kind: Kind,
    mut reader: csv::Reader<&[u8]>,
    headers: &[String],
    today: crate::Date,
    workers: usize,
    sink: &mut dyn FnMut(Vec<crate::Registration>) -> bool,
) -> (usize, Vec<ImportError>) {
    use std::sync::{mpsc, Arc, Mutex};
    let def = forms.kind(kind);
    let ctx = DecodeContext {
        organisation: org,
        today,
    };
    // Column of each of the kind's fields, found once for the file.
    let columns: Vec<Option<usize>> = def
        .fields
        .iter()
        .map(|f| headers.iter().position(|h| *h == f.name))
        .collect();
    // Columns the form does not ask (any longer), in name order: the only
    // names the decoder refuses (an unknown header has been refused above).
    let mut named: Vec<usize> = (0..headers.len())
        .filter(|&c| def.field(&headers[c]).is_none_or(|f| f.retired))
        .collect();
    named.sort_by(|&a, &b| headers[a].cmp(&headers[b]));
    let decode_chunk = |items: Vec<Item>| {
        let mut regs = Vec::with_capacity(items.len());
        let mut errors = Vec::new();
        for item in items {
            let (line, record) = match item {
                Item::Row(line, record) => (line, record),
                Item::Broken(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let row = CsvRow {
                record: &record,
                headers,
                columns: &columns,
                named: &named,
            };
            match forms.decode_raw(kind, &row, &ctx) {
                Ok(r) => regs.push(r),
                Err(es) => errors.extend(es.into_iter().map(|e| ImportError {
                    line,
                    column: e.field,
                    message: e.message,
                })),
            }
        }
        (regs, errors)
    };
    // The results in chunk order: chunks decoded ahead of their turn wait
    // in `early` (at most the few in flight: the reader stays a bounded
    // distance ahead); the rest goes to the sink at once, so memory does
    // not grow with the file.
    let mut handed = 0;
    let mut errors = Vec::new();
    let mut early = std::collections::BTreeMap::new();
    let mut next = 0;
    // Whether the sink still takes registrations.
    let mut taking = true;
    let mut take = |(n, regs, errs): (usize, Vec<crate::Registration>, Vec<ImportError>)| {
        early.insert(n, (regs, errs));
        while let Some((regs, errs)) = early.remove(&next) {
            errors.extend(errs);
            if errors.is_empty() && taking {
                handed += regs.len();
                taking = sink(regs);
            }
            next += 1;
        }
        taking
    };
    std::thread::scope(|s| {
        // Bounded: the reader stays a few chunks ahead of the decoders.
        let (work_tx, work_rx) = mpsc::sync_channel::<(usize, Vec<Item>)>(2 * workers.max(1));
        // Shared by the workers; when the last one is gone the receiver
        // goes too and the reader's send fails instead of waiting.
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (done_tx, done_rx) = mpsc::channel();
        for _ in 0..workers.max(1) {
            let (work_rx, done_tx, decode_chunk) =
                (Arc::clone(&work_rx), done_tx.clone(), &decode_chunk);
            s.spawn(move || loop {
                let next = match work_rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => break,
                };
                let Ok((n, items)) = next else { break };
                let (regs, errors) = decode_chunk(items);
                if done_tx.send((n, regs, errors)).is_err() {
                    break;
                }
            });
        }
        drop((work_rx, done_tx));
        let mut chunk = Vec::with_capacity(CHUNK_ROWS);
        let mut chunks = 0;
        let mut record = csv::StringRecord::new();
        loop {
            let line = reader.position().line();
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {
                    let line = record.position().map(|p| p.line()).unwrap_or(line);
                    chunk.push(Item::Row(line, std::mem::take(&mut record)));
                }
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(line);
                    let message = match e.kind() {
                            csv::ErrorKind::Utf8 { .. } => {
                                "Raden är inte giltig UTF-8. Spara filen som UTF-8.".to_string()
                            }
                            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
                                "Raden har {len} fält men rubrikraden har {expected_len}. Kontrollera kommatecken och citattecken."
                            ),
                            _ => format!("Raden kunde inte läsas: {e}"),
                        };
                    // A broken record may leave the reader mid-line; go
                    // on to report later rows where possible.
                    chunk.push(Item::Broken(ImportError {
                        line,
                        column: String::new(),
                        message,
                    }));
                }
            }
            if chunk.len() == CHUNK_ROWS {
                let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_ROWS));
                if work_tx.send((chunks, full)).is_err() {
                    break;
                }
                chunks += 1;
                let mut go_on = true;
                while let Ok(d) = done_rx.try_recv() {
                    go_on = take(d);
                }
                if !go_on {
                    break;
                }
            }
        }
        if !chunk.is_empty() {
            // Fails only when no decoder is left, which the count below
            // then shows.
            let _ = work_tx.send((chunks, chunk));
        }
        drop(work_tx);
        for d in done_rx.iter() {
            take(d);
        }
    });
    (handed, errors)
}

/// One CSV row as decoder input, read in place.
struct CsvRow<'a> {
    record: &'a csv::StringRecord,
    headers: &'a [String],
    /// The column of each of the kind's fields.
    columns: &'a [Option<usize>],
    /// Columns whose name the decoder refuses, in name order.
    named: &'a [usize],
}

impl RawInput for CsvRow<'_> {
    fn for_each_name<'s>(&'s self, f: &mut dyn FnMut(&'s str)) {
        for &c in self.named {
            // A blank cell is no answer (as in a form).
            if !self.record.get(c).unwrap_or_default().trim().is_empty() {
                f(&self.headers[c]);
            }
        }
    }

    fn for_each_value<'s>(&'s self, index: usize, _: &FieldDef, f: &mut dyn FnMut(&'s str)) {
        if let Some(cell) = self
            .columns
            .get(index)
            .copied()
            .flatten()
            .and_then(|c| self.record.get(c))
        {
            f(cell);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_column_given_twice_is_refused() {
        let forms = crate::FormSet::defaults();
        let org = Organisation::stockholm();
        let csv = "date,district,age_groups,age_groups\n2020-03-04,farsta,0-6,7-12\n";
        let errors = decode_csv(
            &forms,
            &org,
            Kind::Conversation,
            csv.as_bytes(),
            date!(2024 - 01 - 01),
        )
        .unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            (errors[0].line, errors[0].column.as_str()),
            (1, "age_groups")
        );
        assert!(errors[0].message.contains("flera gånger"));
    }

    #[test]
    fn codes_md_example_imports_and_bad_rows_are_all_reported() {
        let forms = crate::FormSet::defaults();
        let org = Organisation::stockholm();
        let good = "date,district,unit,resident_area,participants,language,children,age_groups,how_found,conversation_no,form,next_step,q_right_topics,q_helpful,q_recommend,q_easy_reach\n\
2020-03-04,rinkeby-kista,,husby,parent:woman;parent:man,so,2,0-6,bvc,1,in_person,new_conversation,yes_really,yes_really,,yes\n\
2020-03-05,farsta,,farsta,parent:woman,,1,expecting,web,2,phone,concluded,yes,yes,yes_really,\n";
        let regs = decode_csv(
            &forms,
            &org,
            Kind::Conversation,
            good.as_bytes(),
            date!(2024 - 01 - 01),
        )
        .unwrap();
        assert_eq!(regs.len(), 2);
        let bad = "date,district,children\n2020-03-04,farsta,2\n2020-02-30,farsta,2\n2020-03-04,atlantis,x\n";
        let errs = decode_csv(
            &forms,
            &org,
            Kind::Conversation,
            bad.as_bytes(),
            date!(2024 - 01 - 01),
        )
        .unwrap_err();
        let at: Vec<_> = errs.iter().map(|e| (e.line, e.column.as_str())).collect();
        assert_eq!(at, [(3, "date"), (4, "district"), (4, "children")]);
        let unknown = "date,district,shoe\n2020-03-04,farsta,1\n";
        let errs = decode_csv(
            &forms,
            &org,
            Kind::Conversation,
            unknown.as_bytes(),
            date!(2024 - 01 - 01),
        )
        .unwrap_err();
        assert_eq!((errs[0].line, errs[0].column.as_str()), (1, "shoe"));
    }

    /// Decodes a file the way it was done before the parallel decoder:
    /// one record after another, each copied into an [`crate::Input`] and
    /// through [`crate::FormSet::decode`].
    fn decode_one_by_one(
        forms: &crate::FormSet,
        org: &Organisation,
        kind: Kind,
        bytes: &[u8],
        today: crate::Date,
    ) -> (Vec<crate::Registration>, Vec<ImportError>) {
        let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
        let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        let ctx = DecodeContext {
            organisation: org,
            today,
        };
        let (mut regs, mut errors) = (Vec::new(), Vec::new());
        for record in reader.records() {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().unwrap().line();
                    errors.push(ImportError {
                        line,
                        column: String::new(),
                        message: String::new(),
                    });
                    continue;
                }
            };
            let line = record.position().unwrap().line();
            let mut input = crate::Input::new();
            for (h, cell) in headers.iter().zip(record.iter()) {
                if !cell.trim().is_empty() {
                    input.entry(h.clone()).or_default().push(cell.to_string());
                }
            }
            match forms.decode(kind, &input, &ctx) {
                Ok(r) => regs.push(r),
                Err(es) => errors.extend(es.into_iter().map(|e| ImportError {
                    line,
                    column: e.field,
                    message: e.message,
                })),
            }
        }
        (regs, errors)
    }

    #[test]
    fn parallel_decode_equals_decoding_row_by_row() {
        let forms = crate::FormSet::defaults();
        let org = Organisation::stockholm();
        let today = date!(2024 - 01 - 01);
        // Several chunks' worth of rows, with bad rows spread over them
        // (some in the first and last row of a chunk) and a blank header
        // cell value here and there.
        let mut text = String::from(
            "date,district,unit,participants,children,age_groups,conversation_no,form,q_recommend,q_easy_reach\n",
        );
        let mut bytes = Vec::new();
        // The same without the bad rows.
        let mut clean = text.clone();
        for i in 0..(3 * CHUNK_ROWS + 17) {
            let bad = match i % 211 {
                0 => Some("2020-02-30,farsta,,parent:woman,1,0-6,1,phone,,yes\n"),
                5 => Some("2020-03-04,atlantis,,parent:nobody,x,0-6;13-99,1,phone,yes,\n"),
                9 => Some("2020-03-04,farsta\n"),
                _ => None,
            };
            if let Some(bad) = bad {
                text.push_str(bad);
                continue;
            }
            if i % CHUNK_ROWS == 0 || i % CHUNK_ROWS == CHUNK_ROWS - 1 {
                // A blank cell, and a question asked only at a first
                // conversation (refused here, accepted in `clean`).
                text.push_str("2020-03-04,farsta,,parent:woman,  ,0-6,2,phone,,yes\n");
                clean.push_str("2020-03-04,farsta,,parent:woman,  ,0-6,1,phone,,yes\n");
                continue;
            }
            let row = format!(
                "2020-03-{:02},farsta,,parent:woman;parent:man,{},0-6; 7-12,{},in_person,,{}\n",
                1 + i % 28,
                1 + i % 4,
                2 + i % 3,
                if i % 7 == 0 { "" } else { " " }
            );
            text.push_str(&row);
            clean.push_str(&row);
        }
        bytes.extend_from_slice(text.as_bytes());
        bytes.extend_from_slice(b"2020-03-04,fars\xfft,,,,,,,,\n2020-03-04,farsta,,,,,,,,\n");
        // And with a question retired that the file still answers (the
        // decoder refuses it where a cell is filled in).
        let mut retired = forms.clone();
        if let Some(k) = retired.kinds.get_mut(&Kind::Conversation) {
            k.fields
                .iter_mut()
                .filter(|f| f.name == "q_easy_reach")
                .for_each(|f| f.retired = true);
        }
        for (forms, refused) in [(forms, false), (retired, true)] {
            let (want_regs, want_errors) =
                decode_one_by_one(&forms, &org, Kind::Conversation, &bytes, today);
            assert!(want_regs.len() > 100, "{}", want_regs.len());
            assert!(want_errors.len() > 30, "{}", want_errors.len());
            assert_eq!(
                want_errors.iter().any(|e| e.message.contains("borttagen")),
                refused
            );
            for workers in [1, 2, 3, 8] {
                for file in [&bytes[..], clean.as_bytes()] {
                    let (want_regs, want_errors) =
                        decode_one_by_one(&forms, &org, Kind::Conversation, file, today);
                    let mut reader = csv::ReaderBuilder::new().from_reader(file);
                    let headers: Vec<String> =
                        reader.headers().unwrap().iter().map(String::from).collect();
                    let mut regs = Vec::new();
                    let (handed, errors) = decode_rows(
                        &forms,
                        &org,
                        Kind::Conversation,
                        reader,
                        &headers,
                        today,
                        workers,
                        &mut |chunk| {
                            regs.extend(chunk);
                            true
                        },
                    );
                    assert_eq!(handed, regs.len());
                    if want_errors.is_empty() {
                        assert!(regs == want_regs, "{workers} workers: other registrations");
                    } else {
                        // Registrations are handed over only before the
                        // chunk of the first bad row: the start of the
                        // row-by-row result.
                        assert!(regs.len() < want_regs.len());
                        assert!(regs[..] == want_regs[..regs.len()], "{workers} workers");
                    }
                    let at = |es: &[ImportError]| {
                        es.iter()
                            .map(|e| (e.line, e.column.clone()))
                            .collect::<Vec<_>>()
                    };
                    assert_eq!(at(&errors), at(&want_errors), "{workers} workers");
                    for (got, want) in errors.iter().zip(&want_errors) {
                        if !want.column.is_empty() {
                            assert_eq!(got.message, want.message, "line {}", got.line);
                        }
                    }
                }
            }
            // A sink that stops taking stops the decoding: no more is
            // handed over.
            if refused {
                continue;
            }
            let mut calls = 0;
            let handed = decode_csv_into(
                &forms,
                &org,
                Kind::Conversation,
                clean.as_bytes(),
                today,
                &mut |_| {
                    calls += 1;
                    false
                },
            )
            .unwrap();
            assert_eq!((calls, handed), (1, CHUNK_ROWS));
            let all = decode_csv(&forms, &org, Kind::Conversation, &bytes, today).unwrap_err();
            assert!(all.windows(2).all(|w| w[0].line <= w[1].line));
        }
    }

    #[test]
    fn short_rows_and_bad_utf8_are_reported_with_their_line() {
        let forms = crate::FormSet::defaults();
        let org = Organisation::stockholm();
        let mut bytes = b"date,district\n2020-03-04,farsta\n2020-03-04\n".to_vec();
        bytes.extend_from_slice(b"2020-03-04,fars\xfft\n");
        let errs = decode_csv(
            &forms,
            &org,
            Kind::Collaboration,
            &bytes,
            date!(2024 - 01 - 01),
        )
        .unwrap_err();
        let lines: Vec<_> = errs.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4]);
    }
}
