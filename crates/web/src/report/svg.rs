//! Charts as SVG drawn on the server: no script, no chart library. Each
//! chart is an image with a title and a description for screen readers
//! (`role="img"`, `aria-labelledby`); the figures themselves are in the
//! data table that every page shows beside the chart. Colours come from
//! classes in app.css (the CSP forbids inline styles), so print and high
//! contrast can restyle them.

/// Escapes text for SVG/HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn open(id: &str, title: &str, desc: &str, width: f64, height: f64) -> String {
    let id = esc(id);
    format!(
        "<svg class=\"chart\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" viewBox=\"0 0 {width:.0} {height:.0}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        esc(title),
        esc(desc)
    )
}

/// One series of a bar chart: its name and its class (its colour).
pub struct Series<'a> {
    pub name: &'a str,
    pub class: &'a str,
}

/// One group of bars: a label and, per series, a length (`None`: no bar,
/// e.g. a suppressed or withheld figure) and the text printed after it.
pub struct Group {
    pub label: String,
    pub bars: Vec<(Option<f64>, String)>,
}

/// A narrow canvas, so that the text stays legible when a phone scales
/// the chart down to its width.
const WIDTH: f64 = 480.0;
const LABEL: f64 = 190.0;
const TEXT: f64 = 64.0;

/// Horizontal bars: one row per group, one bar per series in it.
pub fn hbars(id: &str, title: &str, desc: &str, groups: &[Group], series: &[Series]) -> String {
    let bar_h = 20.0;
    let per_group = bar_h * series.len().max(1) as f64 + 12.0;
    let legend = if series.len() > 1 { 28.0 } else { 0.0 };
    let height = legend + per_group * groups.len().max(1) as f64 + 4.0;
    let max = groups
        .iter()
        .flat_map(|g| g.bars.iter().filter_map(|(v, _)| *v))
        .fold(0.0f64, f64::max);
    let span = WIDTH - LABEL - TEXT;
    let mut s = open(id, title, desc, WIDTH, height);
    if series.len() > 1 {
        s.push_str(&legend_row(series, 4.0));
    }
    for (i, g) in groups.iter().enumerate() {
        let top = legend + per_group * i as f64 + 4.0;
        s.push_str(&format!(
            "<text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LABEL - 8.0,
            top + (bar_h * series.len().max(1) as f64 - 3.0) / 2.0 + 5.0,
            esc(&shorten(&g.label, 22))
        ));
        for (j, (value, text)) in g.bars.iter().enumerate() {
            let class = series.get(j).map_or("s0", |s| s.class);
            let y = top + bar_h * j as f64;
            let len = match value {
                Some(v) if max > 0.0 => (v / max * span).max(if *v > 0.0 { 1.0 } else { 0.0 }),
                _ => 0.0,
            };
            if len > 0.0 {
                s.push_str(&format!(
                    "<rect class=\"{class}\" x=\"{LABEL}\" y=\"{y:.1}\" width=\"{len:.1}\" height=\"{:.1}\"/>",
                    bar_h - 3.0
                ));
            }
            s.push_str(&format!(
                "<text class=\"value\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                LABEL + len + 4.0,
                y + bar_h - 6.0,
                esc(text)
            ));
        }
    }
    s.push_str("</svg>");
    s
}

/// Vertical columns, one per label (a time series): `items` are label,
/// value and the text printed above the column.
pub fn columns(
    id: &str,
    title: &str,
    desc: &str,
    items: &[(String, Option<f64>, String)],
) -> String {
    let height = 260.0;
    let (top, bottom, left) = (22.0, 40.0, 8.0);
    let n = items.len().max(1) as f64;
    let slot = (WIDTH - left * 2.0) / n;
    let max = items
        .iter()
        .filter_map(|(_, v, _)| *v)
        .fold(0.0f64, f64::max);
    let span = height - top - bottom;
    let mut s = open(id, title, desc, WIDTH, height);
    s.push_str(&format!(
        "<line class=\"axis\" x1=\"{left}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>",
        WIDTH - left,
        height - bottom,
        height - bottom
    ));
    for (i, (label, value, text)) in items.iter().enumerate() {
        let x = left + slot * i as f64;
        let h = match value {
            Some(v) if max > 0.0 => v / max * span,
            _ => 0.0,
        };
        let y = height - bottom - h;
        if h > 0.0 {
            s.push_str(&format!(
                "<rect class=\"s0\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h:.1}\"/>",
                x + slot * 0.15,
                slot * 0.7
            ));
        }
        let cx = x + slot / 2.0;
        s.push_str(&format!(
            "<text class=\"value small\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            y - 4.0,
            esc(text)
        ));
        // "T1 2023" on two lines: the tertial, then the year.
        let (first, second) = label.split_once(' ').unwrap_or((label.as_str(), ""));
        s.push_str(&format!(
            "<text class=\"label small\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
             <text class=\"label small\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            height - bottom + 15.0,
            esc(first),
            height - bottom + 30.0,
            esc(second)
        ));
    }
    s.push_str("</svg>");
    s
}

/// 100 % stacked bars: one row per label, segments as shares of the row
/// (`None` for a row whose shares cannot be given, with `missing` printed
/// instead).
pub fn stacked(
    id: &str,
    title: &str,
    desc: &str,
    rows: &[(String, Option<Vec<f64>>)],
    series: &[Series],
    missing: &str,
) -> String {
    let bar_h = 22.0;
    let legend = 26.0 * legend_lines(series) as f64;
    let height = legend + (bar_h + 10.0) * rows.len().max(1) as f64 + 4.0;
    let span = WIDTH - LABEL - 10.0;
    let mut s = open(id, title, desc, WIDTH, height);
    s.push_str(&legend_row(series, 4.0));
    for (i, (label, shares)) in rows.iter().enumerate() {
        let y = legend + (bar_h + 10.0) * i as f64 + 4.0;
        s.push_str(&format!(
            "<text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LABEL - 8.0,
            y + bar_h / 2.0 + 4.0,
            esc(&shorten(label, 22))
        ));
        match shares {
            Some(shares) => {
                let mut x = LABEL;
                for (j, share) in shares.iter().enumerate() {
                    let w = share * span;
                    if w <= 0.0 {
                        continue;
                    }
                    let class = series.get(j).map_or("s0", |s| s.class);
                    s.push_str(&format!(
                        "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{bar_h}\"/>"
                    ));
                    if w > 34.0 {
                        s.push_str(&format!(
                            "<text class=\"inbar small\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{:.0}%</text>",
                            x + w / 2.0,
                            y + bar_h / 2.0 + 4.0,
                            share * 100.0
                        ));
                    }
                    x += w;
                }
            }
            None => s.push_str(&format!(
                "<text class=\"value\" x=\"{LABEL}\" y=\"{:.1}\">{}</text>",
                y + bar_h / 2.0 + 4.0,
                esc(missing)
            )),
        }
    }
    s.push_str("</svg>");
    s
}

fn legend_lines(series: &[Series]) -> usize {
    // Two swatches fit a line of the 480-unit width.
    series.len().div_ceil(2).max(1)
}

fn legend_row(series: &[Series], top: f64) -> String {
    let mut s = String::new();
    for (i, se) in series.iter().enumerate() {
        let x = 4.0 + 236.0 * (i % 2) as f64;
        let y = top + 26.0 * (i / 2) as f64;
        s.push_str(&format!(
            "<rect class=\"{}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"14\" height=\"14\"/>\
             <text class=\"label small\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            se.class,
            x + 18.0,
            y + 12.0,
            esc(&shorten(se.name, 24))
        ));
    }
    s
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_a_labelled_image_and_escapes_its_text() {
        let svg = hbars(
            "c1",
            "Samtal per <stadsdel>",
            "Farsta har flest",
            &[
                Group {
                    label: "Farsta".into(),
                    bars: vec![(Some(301.0), "301".into())],
                },
                Group {
                    label: "Bromma & co".into(),
                    bars: vec![(None, "<5".into())],
                },
            ],
            &[Series {
                name: "Samtal",
                class: "s0",
            }],
        );
        assert!(svg.starts_with("<svg class=\"chart\" role=\"img\" aria-labelledby=\"c1-t c1-d\""));
        assert!(svg.contains("<title id=\"c1-t\">Samtal per &lt;stadsdel&gt;</title>"));
        assert!(svg.contains("Bromma &amp; co"));
        assert!(svg.contains("&lt;5"));
        // One bar: the suppressed figure has none.
        assert_eq!(svg.matches("<rect").count(), 1);
        assert!(!svg.contains("style="));
    }

    #[test]
    fn stacked_rows_without_shares_say_why() {
        let svg = stacked(
            "a",
            "Svar",
            "d",
            &[
                ("Fråga".into(), None),
                ("Annan".into(), Some(vec![0.5, 0.5])),
            ],
            &[
                Series {
                    name: "Ja",
                    class: "s0",
                },
                Series {
                    name: "Nej",
                    class: "s1",
                },
            ],
            "dolt",
        );
        assert!(svg.contains(">dolt<"));
        assert_eq!(svg.matches("<rect").count(), 2 + 2);
    }
}
