//! CSV and XLSX downloads of the steering pages (aggregates and
//! organisational text only).
//!
//! CSV cells that a spreadsheet would read as a formula (starting with
//! `=`, `+`, `-`, `@`, a tab or a carriage return) get a leading `'`, so a
//! comment like "=HYPERLINK(…)" stays text. The XLSX writer writes every
//! text as a string cell, never as a formula.

use crate::AppError;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// A cell of an export: text, a number, or empty.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<Option<f64>> for Cell {
    fn from(v: Option<f64>) -> Cell {
        v.map(Cell::Number).unwrap_or(Cell::Empty)
    }
}

impl From<f64> for Cell {
    fn from(v: f64) -> Cell {
        Cell::Number(v)
    }
}

/// A table to export: sheet name, header and rows.
pub struct Sheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Neutralises a CSV cell that a spreadsheet would take for a formula.
pub fn csv_text(s: &str) -> String {
    crate::report::table::formula_safe(s)
}

/// Numbers keep full precision with a decimal point: CSV is for machines
/// too (a genuine negative number is not a formula, and stays as it is).
fn csv_number(v: f64) -> String {
    format!("{v}")
}

/// The first sheet as CSV (UTF-8 with BOM, so that Excel reads å, ä, ö).
pub fn csv_bytes(sheet: &Sheet) -> Result<Vec<u8>, AppError> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let err = |e: csv::Error| AppError::Internal(format!("csv: {e}"));
    w.write_record(sheet.header.iter().map(|h| csv_text(h)))
        .map_err(err)?;
    for row in &sheet.rows {
        w.write_record(row.iter().map(|c| match c {
            Cell::Text(t) => csv_text(t),
            Cell::Number(v) => csv_number(*v),
            Cell::Empty => String::new(),
        }))
        .map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| AppError::Internal(format!("csv: {e}")))
}

pub fn xlsx_bytes(sheets: &[Sheet]) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for sheet in sheets {
        let ws = book.add_worksheet();
        // Sheet names: at most 31 characters, none of []:*?/\.
        let name: String = sheet
            .name
            .chars()
            .filter(|c| !"[]:*?/\\".contains(*c))
            .take(31)
            .collect();
        ws.set_name(&name).map_err(err)?;
        for (c, h) in sheet.header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)
                .map_err(err)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(t) => {
                        ws.write_string(r, c, t).map_err(err)?;
                    }
                    Cell::Number(v) => {
                        ws.write_number(r, c, *v).map_err(err)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
        ws.set_freeze_panes(1, 0).map_err(err)?;
    }
    book.save_to_buffer().map_err(err)
}

pub fn download(bytes: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

pub const CSV: &str = "text/csv; charset=utf-8";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(csv_text("=1+1"), "'=1+1");
        assert_eq!(csv_text("+46"), "'+46");
        assert_eq!(csv_text("-3"), "'-3");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_text("Bra samverkan"), "Bra samverkan");
        assert_eq!(csv_text(""), "");
    }

    #[test]
    fn csv_and_xlsx_are_written() {
        let sheet = Sheet {
            name: "Resultat".into(),
            header: vec!["a".into(), "b".into()],
            rows: vec![
                vec![Cell::from("=x"), Cell::Number(2.5)],
                vec![Cell::Empty, Cell::from(-1.0)],
            ],
        };
        let csv = String::from_utf8(csv_bytes(&sheet).unwrap_or_default()).unwrap_or_default();
        assert_eq!(csv, "\u{feff}a,b\n'=x,2.5\n,-1\n");
        let xlsx = xlsx_bytes(&[sheet]).unwrap_or_default();
        assert!(xlsx.starts_with(b"PK"), "an XLSX file is a zip archive");
    }
}
