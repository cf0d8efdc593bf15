//! Decoding a CSV file of registrations (the exchange format of CODES.md
//! and docs/csv-format.md): every row through the one decoder, every problem
//! reported with its line number (the header is line 1) and column.

use crate::forms::DecodeContext;
use crate::{Input, Kind, Organisation};

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
    let ctx = DecodeContext {
        organisation: org,
        today,
    };
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
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
                errors.push(ImportError {
                    line,
                    column: String::new(),
                    message,
                });
                // A broken record may leave the reader mid-line; go on to
                // report later rows where possible.
                continue;
            }
        }
        let line = record.position().map(|p| p.line()).unwrap_or(line);
        let mut input = Input::new();
        for (h, cell) in headers.iter().zip(record.iter()) {
            if !cell.trim().is_empty() {
                input.entry(h.clone()).or_default().push(cell.to_string());
            }
        }
        match forms.decode(kind, &input, &ctx) {
            Ok(r) => out.push(r),
            Err(es) => errors.extend(es.into_iter().map(|e| ImportError {
                line,
                column: e.field,
                message: e.message,
            })),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
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
