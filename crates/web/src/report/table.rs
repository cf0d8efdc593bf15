//! One table model for the screen, CSV and XLSX, so that an export is
//! exactly the table shown, suppressed cells included ("<5", "..").

use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// A value in a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Count(u64),
    /// A fraction 0..=1, shown as a percentage.
    Share(f64),
    /// A percent change (15.4 = +15.4 %).
    Change(f64),
    /// Text: a label, or a suppressed cell's "<5" / "..".
    Text(String),
    /// Not given (a share over a base below the threshold, a change
    /// without a previous figure): "–".
    Missing,
}

impl Val {
    /// As on screen (Swedish number format).
    pub fn display(&self) -> String {
        match self {
            Val::Count(n) => thousands(*n),
            Val::Share(x) => format!("{} %", decimal(x * 100.0, 0)),
            Val::Change(x) => {
                let sign = if *x > 0.0 {
                    "+"
                } else if *x < 0.0 {
                    "−"
                } else {
                    "±"
                };
                format!("{sign}{} %", decimal(x.abs(), 1))
            }
            Val::Text(s) => s.clone(),
            Val::Missing => "–".into(),
        }
    }

    pub fn is_number(&self) -> bool {
        matches!(self, Val::Count(_) | Val::Share(_) | Val::Change(_))
    }
}

/// `n` with a non-breaking space between thousands, as Swedish prints it.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(ch);
    }
    out
}

/// `x` with `places` decimals and a decimal comma.
pub fn decimal(x: f64, places: usize) -> String {
    format!("{x:.places$}").replace('.', ",")
}

/// A table as shown: a caption, column headings (the first is the row
/// headings' column) and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct DataTable {
    /// Unique within its page; part of the export's file name.
    pub id: String,
    pub caption: String,
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub head: String,
    pub cells: Vec<Val>,
}

impl DataTable {
    pub fn new(id: impl Into<String>, caption: impl Into<String>, columns: Vec<String>) -> Self {
        DataTable {
            id: id.into(),
            caption: caption.into(),
            columns,
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, head: impl Into<String>, cells: Vec<Val>) {
        self.rows.push(Row {
            head: head.into(),
            cells,
        });
    }

    /// CSV: comma-separated, UTF-8 with a byte-order mark (so that Excel
    /// reads å, ä and ö), header row first. Counts are plain integers,
    /// shares percentages with one decimal point, changes percent;
    /// suppressed cells as on screen. Text cells that a spreadsheet would
    /// take for a formula are prefixed with `'` (CSV injection).
    pub fn to_csv(&self) -> Vec<u8> {
        let mut out = b"\xEF\xBB\xBF".to_vec();
        let mut w = csv::Writer::from_writer(Vec::new());
        let header: Vec<String> = self.columns.iter().map(|c| defuse(c)).collect();
        let mut ok = w.write_record(&header).is_ok();
        for r in &self.rows {
            let mut record = vec![defuse(&r.head)];
            record.extend(r.cells.iter().map(|v| match v {
                Val::Count(n) => n.to_string(),
                Val::Share(x) => format!("{:.1}", x * 100.0),
                Val::Change(x) => format!("{x:.1}"),
                Val::Text(s) => defuse(s),
                Val::Missing => String::new(),
            }));
            ok &= w.write_record(&record).is_ok();
        }
        // Writing to a Vec cannot fail; an error here would be a bug, and
        // an empty body is the honest outcome.
        match (ok, w.into_inner()) {
            (true, Ok(bytes)) => out.extend(bytes),
            _ => out.clear(),
        }
        out
    }

    /// XLSX: one worksheet, the caption in the first row, then the table.
    /// Numbers are numbers (shares with a percent format); suppressed
    /// cells are text, as on screen. Strings are never formulas here.
    pub fn to_xlsx(&self) -> Result<Vec<u8>, XlsxError> {
        workbook(std::slice::from_ref(self))
    }

    fn write_sheet(&self, book: &mut Workbook) -> Result<(), XlsxError> {
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name(&self.id))?;
        let bold = Format::new().set_bold();
        let percent = Format::new().set_num_format("0.0%");
        let change = Format::new().set_num_format("+0.0;-0.0;0.0");
        sheet.write_string_with_format(0, 0, plain(&self.caption), &bold)?;
        for (c, h) in self.columns.iter().enumerate() {
            sheet.write_string_with_format(2, col(c), plain(h), &bold)?;
        }
        for (i, r) in self.rows.iter().enumerate() {
            let row = 3 + i as u32;
            sheet.write_string(row, 0, plain(&r.head))?;
            for (j, v) in r.cells.iter().enumerate() {
                let c = col(j + 1);
                match v {
                    Val::Count(n) => {
                        sheet.write_number(row, c, *n as f64)?;
                    }
                    Val::Share(x) => {
                        sheet.write_number_with_format(row, c, *x, &percent)?;
                    }
                    Val::Change(x) => {
                        sheet.write_number_with_format(row, c, *x, &change)?;
                    }
                    Val::Text(s) => {
                        sheet.write_string(row, c, plain(s))?;
                    }
                    Val::Missing => {}
                }
            }
        }
        sheet.set_column_width(0, 40)?;
        Ok(())
    }
}

/// Several tables as one workbook, a worksheet each.
pub fn workbook(tables: &[DataTable]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    for t in tables {
        t.write_sheet(&mut book)?;
    }
    book.save_to_buffer()
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// A worksheet name: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(id: &str) -> String {
    let s: String = id
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect();
    if s.is_empty() {
        "tabell".into()
    } else {
        s
    }
}

/// A text cell made safe for spreadsheets: a leading `=`, `+`, `-`, `@`,
/// tab or carriage return would start a formula, so it gets a `'`. Soft
/// hyphens (for line breaks on screen) are dropped.
pub fn defuse(s: &str) -> String {
    formula_safe(&plain(s))
}

/// `s`, with a `'` in front when a spreadsheet would take it for a formula
/// (a leading `=`, `+`, `-`, `@`, tab or carriage return). Every CSV export
/// writes its text cells through this.
pub fn formula_safe(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// `s` without soft hyphens.
pub fn plain(s: &str) -> String {
    s.replace('\u{ad}', "")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn table() -> DataTable {
        let mut t = DataTable::new(
            "how_found",
            "Hur föräldrarna hittade",
            vec!["Sätt".into(), "Antal".into()],
        );
        t.row("BVC", vec![Val::Count(1611)]);
        t.row("=HYPERLINK(\"x\")", vec![Val::Text("<5".into())]);
        t.row("Andel", vec![Val::Share(0.6134)]);
        t.row("Förändring", vec![Val::Change(-3.3)]);
        t.row("Saknas", vec![Val::Missing]);
        t
    }

    #[test]
    fn csv_has_a_bom_suppressed_cells_as_shown_and_no_formulas() {
        let csv = table().to_csv();
        assert!(csv.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(csv[3..].to_vec()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Sätt,Antal");
        assert_eq!(lines[1], "BVC,1611");
        assert_eq!(lines[2], "\"'=HYPERLINK(\"\"x\"\")\",<5");
        assert_eq!(lines[3], "Andel,61.3");
        assert_eq!(lines[4], "Förändring,-3.3");
        assert_eq!(lines[5], "Saknas,");
        for bad in ["+1", "-x", "@SUM(A1)", "\tx", "\rx"] {
            assert!(defuse(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(defuse(".."), "..");
    }

    #[test]
    fn screen_format_is_swedish() {
        assert_eq!(Val::Count(1_234_567).display(), "1\u{a0}234\u{a0}567");
        assert_eq!(Val::Share(0.615).display(), "62 %");
        assert_eq!(Val::Change(15.4).display(), "+15,4 %");
        assert_eq!(Val::Change(-2.0).display(), "−2,0 %");
        assert_eq!(Val::Missing.display(), "–");
    }

    #[test]
    fn xlsx_is_a_zip_workbook() {
        let bytes = table().to_xlsx().unwrap();
        assert!(bytes.starts_with(b"PK"));
        assert_eq!(sheet_name("a/b:c"), "a_b_c");
    }
}
