//! The committee report as PDF: a small A4 layout engine (headings,
//! wrapped paragraphs, tables, horizontal bar charts, page breaks with
//! page numbers) over `pdf-writer`, with DejaVu Sans embedded.
//!
//! The fonts are embedded whole as simple TrueType fonts with the
//! WinAnsi encoding: that covers Swedish (å ä ö é), the dashes and the
//! non-breaking space of the figures, and keeps the text extractable and
//! searchable. Characters outside WinAnsi are written as `?`; the report's
//! texts are Swedish and English only. (Subsetting would make each file
//! ~700 kB smaller; it needs CID fonts and is left for later.)
//!
//! The document model ([`Document`], [`Block`]) knows nothing of reports:
//! the web crate fills it from the same figures as the HTML page.

use pdf_writer::types::FontFlags;
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};

const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// A4 in points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 56.0;
const BODY: f32 = 10.0;

/// A document to lay out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    pub title: String,
    /// Under the title (scope and period).
    pub subtitle: String,
    /// At the bottom of every page, beside the page number.
    pub footer: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading(String),
    Paragraph(String),
    Table(Table),
    /// Horizontal bars: label, length (None: no bar, e.g. a suppressed
    /// cell) and the text shown after the bar.
    Bars {
        caption: String,
        items: Vec<(String, Option<f64>, String)>,
    },
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Why a document could not be rendered. (No `thiserror`: one variant
/// does not justify the dependency.)
#[derive(Debug)]
pub enum PdfError {
    /// The embedded font could not be read (a build problem).
    Font,
}

impl std::fmt::Display for PdfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the embedded font could not be read")
    }
}

impl std::error::Error for PdfError {}

/// One embedded font: its PDF resource name and its advance widths for
/// the WinAnsi codes 32..=255, in thousandths of the font size.
struct Font {
    resource: &'static [u8],
    base_name: &'static [u8],
    data: &'static [u8],
    widths: Vec<f32>,
    ascent: f32,
    descent: f32,
    cap_height: f32,
    bbox: Rect,
}

impl Font {
    fn load(
        resource: &'static [u8],
        base_name: &'static [u8],
        data: &'static [u8],
    ) -> Option<Font> {
        let face = ttf_parser::Face::parse(data, 0).ok()?;
        let scale = 1000.0 / f32::from(face.units_per_em());
        let widths = (32u8..=255)
            .map(|code| {
                let ch = winansi_char(code).unwrap_or('?');
                face.glyph_index(ch)
                    .and_then(|g| face.glyph_hor_advance(g))
                    .map_or(500.0, |w| f32::from(w) * scale)
            })
            .collect();
        let b = face.global_bounding_box();
        Some(Font {
            resource,
            base_name,
            data,
            widths,
            ascent: f32::from(face.ascender()) * scale,
            descent: f32::from(face.descender()) * scale,
            cap_height: face
                .capital_height()
                .map_or(700.0, |h| f32::from(h) * scale),
            bbox: Rect::new(
                f32::from(b.x_min) * scale,
                f32::from(b.y_min) * scale,
                f32::from(b.x_max) * scale,
                f32::from(b.y_max) * scale,
            ),
        })
    }

    /// The width of `text` at `size` points.
    fn width(&self, text: &str, size: f32) -> f32 {
        encode(text)
            .iter()
            .map(|&b| {
                self.widths
                    .get(usize::from(b.max(32)) - 32)
                    .copied()
                    .unwrap_or(500.0)
            })
            .sum::<f32>()
            * size
            / 1000.0
    }
}

/// The character of a WinAnsi code (Latin-1, plus the 0x80–0x9F block of
/// Windows-1252).
fn winansi_char(code: u8) -> Option<char> {
    const HIGH: [u16; 32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
        0x0152, 0, 0x017D, 0, 0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC,
        0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ];
    match code {
        0x80..=0x9F => match HIGH[usize::from(code - 0x80)] {
            0 => None,
            u => char::from_u32(u32::from(u)),
        },
        _ => Some(char::from(code)),
    }
}

/// `text` in WinAnsi, without soft hyphens; characters it lacks become `?` (the narrow
/// no-break space of number formatting becomes a no-break space, and the
/// minus sign a hyphen-minus).
fn encode(text: &str) -> Vec<u8> {
    text.chars()
        // Soft hyphens are break hints for screens; the layout here breaks
        // at spaces only, so they are dropped.
        .filter(|c| *c != '\u{ad}')
        .map(|c| match c {
            '\u{202f}' | '\u{2009}' => 0xA0,
            '\u{2212}' => b'-',
            c if (c as u32) < 0x80 || (0xA0..=0xFF).contains(&(c as u32)) => c as u32 as u8,
            c => (0x80u8..=0x9F)
                .find(|&b| winansi_char(b) == Some(c))
                .unwrap_or(b'?'),
        })
        .collect()
}

/// Breaks `text` into lines no wider than `width` at `size` points.
fn wrap(font: &Font, text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if font.width(&candidate, size) <= width || line.is_empty() {
            line = candidate;
        } else {
            lines.push(std::mem::take(&mut line));
            line = word.to_string();
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Lays pages out top to bottom.
struct Layout<'f> {
    regular: &'f Font,
    bold: &'f Font,
    pages: Vec<Content>,
    y: f32,
}

impl<'f> Layout<'f> {
    fn new(regular: &'f Font, bold: &'f Font) -> Self {
        let mut l = Layout {
            regular,
            bold,
            pages: Vec::new(),
            y: 0.0,
        };
        l.new_page();
        l
    }

    fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.y = PAGE_H - MARGIN;
    }

    /// Starts a new page unless `height` more points fit on this one.
    fn need(&mut self, height: f32) {
        if self.y - height < MARGIN + 20.0 {
            self.new_page();
        }
    }

    fn page(&mut self) -> &mut Content {
        if self.pages.is_empty() {
            self.pages.push(Content::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn text(&mut self, font: &Font, size: f32, x: f32, y: f32, text: &str) {
        let name = Name(font.resource);
        let bytes = encode(text);
        self.page()
            .begin_text()
            .set_font(name, size)
            .next_line(x, y)
            .show(Str(&bytes))
            .end_text();
    }

    fn lines(&mut self, bold: bool, size: f32, text: &str, after: f32) {
        let font = if bold { self.bold } else { self.regular };
        let leading = size * 1.35;
        for line in wrap(font, text, size, PAGE_W - 2.0 * MARGIN) {
            self.need(leading);
            self.y -= leading;
            self.text(font, size, MARGIN, self.y, &line);
        }
        self.y -= after;
    }

    fn table(&mut self, t: &Table) {
        let (font, bold, size) = (self.regular, self.bold, BODY - 1.0);
        let columns = t
            .header
            .len()
            .max(t.rows.iter().map(Vec::len).max().unwrap_or(0));
        if columns == 0 {
            return;
        }
        let width = PAGE_W - 2.0 * MARGIN;
        // Every column but the first is as wide as its widest cell (its
        // heading wraps); the first (the row labels) takes the rest. When
        // the figures would take more than two thirds, all shrink alike.
        let mut widths: Vec<f32> = (1..columns)
            .map(|c| {
                let cells = t
                    .rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|s| font.width(s, size));
                let head = t.header.get(c).map_or(0.0, |h| {
                    h.split(' ')
                        .map(|w| bold.width(w, size))
                        .fold(0.0, f32::max)
                });
                cells.fold(head.min(90.0), f32::max) + 10.0
            })
            .collect();
        let rest: f32 = widths.iter().sum();
        if rest > width * 0.66 {
            let k = width * 0.66 / rest;
            widths.iter_mut().for_each(|w| *w *= k);
        }
        let rest: f32 = widths.iter().sum();
        widths.insert(0, width - rest);
        let leading = size * 1.3;
        let measure = |cells: &[String], header: bool| {
            let f = if header { bold } else { font };
            let wrapped: Vec<Vec<String>> = widths
                .iter()
                .enumerate()
                .map(|(c, w)| {
                    let s = cells.get(c).map_or("", String::as_str);
                    wrap(f, s, size, w - 6.0)
                })
                .collect();
            let height = wrapped.iter().map(Vec::len).max().unwrap_or(1) as f32 * leading + 4.0;
            (wrapped, height)
        };
        let draw = |l: &mut Layout, wrapped: &[Vec<String>], height: f32, header: bool| {
            let f = if header { bold } else { font };
            let top = l.y;
            let mut x = MARGIN;
            for (c, lines) in wrapped.iter().enumerate() {
                for (i, line) in lines.iter().enumerate() {
                    let y = top - leading * (i as f32 + 1.0);
                    // Figures right-aligned, labels left-aligned.
                    let tx = if c == 0 {
                        x
                    } else {
                        x + widths[c] - 6.0 - f.width(line, size)
                    };
                    l.text(f, size, tx, y, line);
                }
                x += widths[c];
            }
            l.y = top - height;
            let y = l.y + 1.0;
            l.page()
                .set_stroke_rgb(0.6, 0.6, 0.6)
                .set_line_width(if header { 0.8 } else { 0.3 })
                .move_to(MARGIN, y)
                .line_to(MARGIN + width, y)
                .stroke();
        };
        let (head, head_h) = measure(&t.header, true);
        let first_h = t.rows.first().map_or(0.0, |r| measure(r, false).1);
        // The caption, the heading row and a first row stay together.
        self.need(BODY * 1.35 + 2.0 + head_h + first_h);
        self.lines(true, BODY, &t.caption, 2.0);
        draw(self, &head, head_h, true);
        for row in &t.rows {
            let (cells, h) = measure(row, false);
            if self.y - h < MARGIN + 20.0 {
                // A table that goes on over a page repeats its heading row.
                self.new_page();
                draw(self, &head, head_h, true);
            }
            draw(self, &cells, h, false);
        }
        self.y -= 10.0;
    }

    fn bars(&mut self, caption: &str, items: &[(String, Option<f64>, String)]) {
        let (font, size) = (self.regular, BODY - 1.0);
        self.lines(true, BODY, caption, 2.0);
        let width = PAGE_W - 2.0 * MARGIN;
        let label_w = width * 0.38;
        let value_w = 50.0;
        let bar_w = width - label_w - value_w;
        let max = items
            .iter()
            .filter_map(|(_, v, _)| *v)
            .fold(0.0f64, f64::max);
        let row_h = size * 1.6;
        for (label, value, text) in items {
            self.need(row_h);
            self.y -= row_h;
            let y = self.y;
            let label = wrap(font, label, size, label_w - 6.0)
                .into_iter()
                .next()
                .unwrap_or_default();
            self.text(font, size, MARGIN, y + 3.0, &label);
            let len = match value {
                Some(v) if max > 0.0 => (v / max) as f32 * bar_w,
                _ => 0.0,
            };
            if len > 0.0 {
                self.page()
                    .set_fill_rgb(0.043, 0.325, 0.58)
                    .rect(MARGIN + label_w, y + 1.0, len, row_h - 5.0)
                    .fill_nonzero();
            }
            self.page().set_fill_rgb(0.0, 0.0, 0.0);
            self.text(font, size, MARGIN + label_w + len + 4.0, y + 3.0, text);
        }
        self.y -= 10.0;
    }
}

/// The document as PDF bytes.
pub fn render(doc: &Document) -> Result<Vec<u8>, PdfError> {
    let regular = Font::load(b"F1", b"DejaVuSans", REGULAR).ok_or(PdfError::Font)?;
    let bold = Font::load(b"F2", b"DejaVuSans-Bold", BOLD).ok_or(PdfError::Font)?;

    let mut layout = Layout::new(&regular, &bold);
    layout.lines(true, 18.0, &doc.title, 2.0);
    if !doc.subtitle.is_empty() {
        layout.lines(false, 11.0, &doc.subtitle, 8.0);
    }
    for block in &doc.blocks {
        match block {
            Block::Heading(h) => {
                // A heading does not end a page: it keeps some of what follows.
                layout.need(110.0);
                layout.y -= 6.0;
                layout.lines(true, 13.0, h, 3.0);
            }
            Block::Paragraph(p) => layout.lines(false, BODY, p, 5.0),
            Block::Table(t) => layout.table(t),
            Block::Bars { caption, items } => layout.bars(caption, items),
        }
    }
    let total = layout.pages.len();
    for i in 0..total {
        let footer = format!("{}    Sida {} av {}", doc.footer, i + 1, total);
        let w = regular.width(&footer, 8.0);
        let name = Name(regular.resource);
        let bytes = encode(&footer);
        layout.pages[i]
            .set_fill_rgb(0.3, 0.3, 0.3)
            .begin_text()
            .set_font(name, 8.0)
            .next_line(PAGE_W - MARGIN - w, MARGIN - 24.0)
            .show(Str(&bytes))
            .end_text();
    }

    let mut pdf = Pdf::new();
    let mut next = 1;
    let mut id = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let catalog = id();
    let tree = id();
    let info = id();
    let fonts: Vec<(Ref, &Font)> = [&regular, &bold].into_iter().map(|f| (id(), f)).collect();
    let page_ids: Vec<(Ref, Ref)> = (0..total).map(|_| (id(), id())).collect();

    pdf.catalog(catalog).pages(tree);
    pdf.document_info(info)
        .title(pdf_writer::TextStr(&doc.title))
        .producer(pdf_writer::TextStr("foljupp"));
    pdf.pages(tree)
        .kids(page_ids.iter().map(|(p, _)| *p))
        .count(total as i32);
    for (font_id, font) in &fonts {
        let (descriptor, file) = (id(), id());
        {
            let mut d = pdf.indirect(*font_id).dict();
            d.pair(Name(b"Type"), Name(b"Font"));
            d.pair(Name(b"Subtype"), Name(b"TrueType"));
            d.pair(Name(b"BaseFont"), Name(font.base_name));
            d.pair(Name(b"FirstChar"), 32);
            d.pair(Name(b"LastChar"), 255);
            d.insert(Name(b"Widths"))
                .array()
                .items(font.widths.iter().copied());
            d.pair(Name(b"FontDescriptor"), descriptor);
            d.pair(Name(b"Encoding"), Name(b"WinAnsiEncoding"));
        }
        pdf.font_descriptor(descriptor)
            .name(Name(font.base_name))
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(font.bbox)
            .italic_angle(0.0)
            .ascent(font.ascent)
            .descent(font.descent)
            .cap_height(font.cap_height)
            .stem_v(80.0)
            .font_file2(file);
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(font.data, 6);
        pdf.stream(file, &packed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), font.data.len() as i32);
    }
    for ((page_id, content_id), content) in page_ids.iter().zip(layout.pages) {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(tree)
            .contents(*content_id);
        let mut resources = page.resources();
        let mut f = resources.fonts();
        for (font_id, font) in &fonts {
            f.pair(Name(font.resource), *font_id);
        }
        f.finish();
        resources.finish();
        page.finish();
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(&content.finish(), 6);
        pdf.stream(*content_id, &packed).filter(Filter::FlateDecode);
    }
    Ok(pdf.finish())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn swedish_letters_are_in_winansi_and_the_rest_becomes_a_question_mark() {
        assert_eq!(encode("åäö ÅÄÖ é"), b"\xe5\xe4\xf6 \xc5\xc4\xd6 \xe9");
        assert_eq!(encode("–"), [0x96]);
        assert_eq!(encode("1\u{202f}560 \u{2212}3"), b"1\xa0560 -3");
        assert_eq!(encode("≤"), b"?");
        assert_eq!(
            encode("Samverkans\u{ad}aktiviteter"),
            b"Samverkansaktiviteter"
        );
    }

    #[test]
    fn paragraphs_wrap_within_the_width() {
        let f = Font::load(b"F1", b"DejaVuSans", REGULAR).unwrap();
        let text = "Om lika många samtal hålls under resten av året innebär det cirka 1 560 samtal under 2020.";
        let lines = wrap(&f, text, 10.0, 150.0);
        assert!(lines.len() > 2, "{lines:?}");
        assert!(lines.iter().all(|l| f.width(l, 10.0) <= 150.0));
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn a_long_document_breaks_pages_and_is_a_pdf() {
        let doc = Document {
            title: "Resultat 2020".into(),
            subtitle: "Stockholms stad".into(),
            footer: "foljupp".into(),
            blocks: (0..80)
                .map(|i| Block::Paragraph(format!("Stycke {i}: råd- och stödsamtal.")))
                .chain([Block::Table(Table {
                    caption: "Tabell".into(),
                    header: vec!["Stadsdel".into(), "Samtal".into()],
                    rows: vec![vec!["Farsta".into(), "301".into()]],
                })])
                .collect(),
        };
        let bytes = render(&doc).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        let count: u32 = text
            .split("/Count ")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(count >= 2, "{count} pages");
    }
}
