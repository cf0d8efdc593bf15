//! The Spindeln radar ("spider") chart, drawn on the server as SVG: one axis
//! per item, rings at each step of the scale, the round's means as a filled
//! polygon and the previous round's as a dashed one. Presentation
//! attributes only (no `style`), so the same SVG works inline under the CSP
//! and standalone at `radar.svg`; `<title>` and `<desc>` (with every figure)
//! make it readable without sight, and the page has the table beside it.

use foljupp_core::steering::ITEM_COUNT;
use std::fmt::Write;

pub struct Radar<'a> {
    /// Prefix of the element ids (unique within the page).
    pub id: &'a str,
    pub title: String,
    /// Axis labels, in item order.
    pub labels: Vec<String>,
    pub scale_max: u8,
    pub current: Option<[Option<f64>; ITEM_COUNT]>,
    pub current_label: String,
    pub previous: Option<[Option<f64>; ITEM_COUNT]>,
    pub previous_label: String,
}

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 424.0;
const CX: f64 = 300.0;
const CY: f64 = 185.0;
const R: f64 = 130.0;

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
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

/// "3,4": one decimal with a decimal comma, as Swedish texts write it.
pub fn decimal(x: f64, places: usize) -> String {
    format!("{x:.places$}").replace('.', ",").replace('-', "−")
}

fn angle(i: usize) -> f64 {
    // Item 1 at the top, clockwise.
    (-90.0 + 360.0 / ITEM_COUNT as f64 * i as f64).to_radians()
}

fn point(i: usize, value: f64, max: f64) -> (f64, f64) {
    let r = R * (value / max).clamp(0.0, 1.0);
    (CX + r * angle(i).cos(), CY + r * angle(i).sin())
}

fn polygon(values: &[Option<f64>; ITEM_COUNT], max: f64) -> String {
    values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| point(i, v, max)))
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn describe(labels: &[String], values: &[Option<f64>; ITEM_COUNT]) -> String {
    labels
        .iter()
        .zip(values)
        .enumerate()
        .map(|(i, (l, v))| {
            format!(
                "{} {}: {}",
                i + 1,
                l,
                v.map(|x| decimal(x, 1))
                    .unwrap_or_else(|| "för få svar".into())
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn render(radar: &Radar) -> String {
    let max = f64::from(radar.scale_max.max(1));
    let id = escape(radar.id);
    let mut desc = format!("Medelvärde per fråga på skalan 1–{}.", radar.scale_max);
    match &radar.current {
        Some(v) => {
            let _ = write!(
                desc,
                " {}: {}.",
                radar.current_label,
                describe(&radar.labels, v)
            );
        }
        None => desc.push_str(" För få svar för att visa medelvärden."),
    }
    if let Some(v) = &radar.previous {
        let _ = write!(
            desc,
            " {}: {}.",
            radar.previous_label,
            describe(&radar.labels, v)
        );
    }
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="radar" role="img" aria-labelledby="{id}-title {id}-desc" font-family="system-ui, sans-serif" font-size="15">"#
    );
    let _ = write!(
        s,
        r#"<title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(&radar.title),
        escape(&desc)
    );
    let _ = write!(
        s,
        r##"<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>"##
    );
    // Rings at each step of the scale, labelled along the first axis.
    for step in 1..=radar.scale_max {
        let all = [Some(f64::from(step)); ITEM_COUNT];
        let _ = write!(
            s,
            r##"<polygon class="grid" points="{}" fill="none" stroke="#c8c8c8" stroke-width="1"/>"##,
            polygon(&all, max)
        );
        let (x, y) = point(0, f64::from(step), max);
        let _ = write!(
            s,
            r##"<text class="tick" x="{:.1}" y="{:.1}" font-size="11" fill="#4a4a4a">{step}</text>"##,
            x + 4.0,
            y + 4.0
        );
    }
    for (i, label) in radar.labels.iter().enumerate().take(ITEM_COUNT) {
        let (x, y) = point(i, max, max);
        let _ = write!(
            s,
            r##"<line class="axis" x1="{CX}" y1="{CY}" x2="{x:.1}" y2="{y:.1}" stroke="#767676" stroke-width="1"/>"##
        );
        let a = angle(i);
        let (lx, ly) = (CX + (R + 12.0) * a.cos(), CY + (R + 12.0) * a.sin());
        let anchor = if a.cos() > 0.2 {
            "start"
        } else if a.cos() < -0.2 {
            "end"
        } else {
            "middle"
        };
        let dy = if a.sin() > 0.5 {
            12.0
        } else if a.sin() < -0.5 {
            -4.0
        } else {
            4.0
        };
        let _ = write!(
            s,
            r##"<text class="axis-label" x="{lx:.1}" y="{:.1}" text-anchor="{anchor}" fill="#1b1b1b">{}<tspan class="axis-name"> {}</tspan></text>"##,
            ly + dy,
            i + 1,
            escape(label)
        );
    }
    if let Some(prev) = &radar.previous {
        let _ = write!(
            s,
            r##"<polygon class="previous" points="{}" fill="none" stroke="#8a4b00" stroke-width="2" stroke-dasharray="6 4"/>"##,
            polygon(prev, max)
        );
    }
    match &radar.current {
        Some(cur) => {
            let _ = write!(
                s,
                r##"<polygon class="current" points="{}" fill="#0b5394" fill-opacity="0.18" stroke="#0b5394" stroke-width="2.5"/>"##,
                polygon(cur, max)
            );
            for (i, v) in cur.iter().enumerate() {
                if let Some(v) = v {
                    let (x, y) = point(i, *v, max);
                    let _ = write!(
                        s,
                        r##"<circle class="point" cx="{x:.1}" cy="{y:.1}" r="3.5" fill="#0b5394"/>"##
                    );
                }
            }
        }
        None => {
            let _ = write!(
                s,
                r##"<text x="{CX}" y="{CY}" text-anchor="middle" font-size="16" fill="#a4000f">För få svar</text>"##
            );
        }
    }
    // Legend. (On a phone the page's CSS enlarges the texts and leaves the
    // axes numbered only; the table beside the chart names the items.)
    let ly = HEIGHT - 40.0;
    let _ = write!(
        s,
        r##"<line x1="20" y1="{ly}" x2="56" y2="{ly}" stroke="#0b5394" stroke-width="2.5"/><text class="legend" x="64" y="{:.1}" fill="#1b1b1b">{}</text>"##,
        ly + 4.0,
        escape(&radar.current_label)
    );
    if radar.previous.is_some() {
        let ly2 = ly + 28.0;
        let _ = write!(
            s,
            r##"<line x1="20" y1="{ly2}" x2="56" y2="{ly2}" stroke="#8a4b00" stroke-width="2" stroke-dasharray="6 4"/><text class="legend" x="64" y="{:.1}" fill="#1b1b1b">{}</text>"##,
            ly2 + 4.0,
            escape(&radar.previous_label)
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn radar(previous: bool) -> String {
        render(&Radar {
            id: "r",
            title: "Farsta <T1>".into(),
            labels: (1..=9).map(|i| format!("Fråga {i}")).collect(),
            scale_max: 5,
            current: Some([
                Some(5.0),
                Some(2.5),
                None,
                Some(1.0),
                Some(3.0),
                Some(3.0),
                Some(3.0),
                Some(3.0),
                Some(3.0),
            ]),
            current_label: "Mätning 2".into(),
            previous: previous.then_some([Some(1.0); ITEM_COUNT]),
            previous_label: "Mätning 1".into(),
        })
    }

    #[test]
    fn geometry_and_text() {
        let s = radar(true);
        assert_eq!(s.matches(r#"class="axis""#).count(), 9);
        assert_eq!(s.matches(r#"class="grid""#).count(), 5);
        // Item 1 at 5 of 5: the top of the outer ring.
        assert!(
            s.contains(r#"<polygon class="current" points="300.0,55.0 "#),
            "{s}"
        );
        // A hidden item is left out of the polygon: 8 points.
        let cur = s.split(r#"class="current" points=""#).nth(1).unwrap_or("");
        let pts = cur.split('"').next().unwrap_or("");
        assert_eq!(pts.split(' ').count(), 8);
        assert!(s.contains("Farsta &lt;T1&gt;"));
        assert!(s.contains("3 Fråga 3: för få svar"));
        assert!(s.contains("2 Fråga 2: 2,5"));
        assert!(s.contains(r#"class="previous""#));
        assert!(!radar(false).contains(r#"class="previous""#));
    }
}
