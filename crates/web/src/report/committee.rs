//! The committee report ("Resultat", as in the city's final report to its
//! social committee): the year's figures in Swedish sentences, with the
//! comparison against the year before and, for a year still running, the
//! projection sentence. One content model, rendered as an HTML page (that
//! prints on A4) and as PDF.

use super::labels::{self, QUESTIONS};
use super::table::{decimal, thousands, DataTable, Val};
use super::views::{breakdown_table, kpi_val, WITHHELD_TEXT};
use super::{load, Selection};
use crate::{AppError, SharedState};
use foljupp_stats::{Kpi, Kpis, Report};

pub struct Committee {
    pub title: String,
    pub subtitle: String,
    pub sections: Vec<Section>,
}

/// Ranked bars: label, length (`None`: no bar) and the text shown.
pub type Bars = Vec<(String, Option<f64>, String)>;

pub struct Section {
    pub heading: String,
    pub paragraphs: Vec<String>,
    /// Ranked bars: label, length, text.
    pub bars: Option<(String, Bars)>,
    pub table: Option<DataTable>,
}

impl Section {
    /// The ranked bars as an SVG chart.
    pub fn bars_svg(&self) -> Option<String> {
        let (caption, items) = self.bars.as_ref()?;
        let groups: Vec<super::svg::Group> = items
            .iter()
            .map(|(label, v, text)| super::svg::Group {
                label: label.clone(),
                bars: vec![(*v, text.clone())],
            })
            .collect();
        Some(super::svg::hbars(
            &format!("chart-{}", self.heading.len()),
            caption,
            "Liggande staplar i fallande ordning; små tal visas som <5 utan stapel. Siffrorna finns i tabellen nedanför.",
            &groups,
            &[super::svg::Series {
                name: "Samtal",
                class: "s0",
            }],
        ))
    }

    fn new(heading: &str) -> Section {
        Section {
            heading: heading.to_string(),
            paragraphs: Vec::new(),
            bars: None,
            table: None,
        }
    }
}

fn count(k: &Kpis, code: &str) -> Option<u64> {
    match k.get(code).copied().flatten() {
        Some(Kpi::Count(n)) => Some(n),
        _ => None,
    }
}

fn n(k: &Kpis, code: &str) -> String {
    thousands(count(k, code).unwrap_or(0))
}

/// "61 procent", or "– (för få för att redovisa)" for a withheld share.
fn pct(k: &Kpis, code: &str) -> String {
    match k.get(code).copied().flatten() {
        Some(Kpi::Share(x)) => format!("{} procent", decimal(x * 100.0, 0)),
        _ => "– (för få för att redovisa)".to_string(),
    }
}

/// "en ökning med 15,4 procent" / "en minskning med 3,0 procent".
fn change_words(x: f64) -> String {
    if x > 0.0 {
        format!("en ökning med {} procent", decimal(x, 1))
    } else if x < 0.0 {
        format!("en minskning med {} procent", decimal(-x, 1))
    } else {
        "lika många".to_string()
    }
}

/// The committee report for the selection. Comparison with the year
/// before is always made: the committee reads the figures against it.
pub async fn build(state: &SharedState, sel: &Selection) -> Result<Committee, AppError> {
    let mut req = sel.req.clone();
    req.compare = true;
    let regs = load(state, &sel.cfg, req.load_period()).await?;
    let report = foljupp_stats::build_report(&sel.cfg.organisation, &regs, &req);
    let previous = req
        .previous_window()
        .map(|w| {
            foljupp_stats::kpi_series(&regs, req.district.as_deref(), &[w], req.threshold)
                .into_iter()
                .next()
                .unwrap_or_default()
        })
        .unwrap_or_default();
    Ok(compose(sel, &report, &previous))
}

fn compose(sel: &Selection, r: &Report, prev: &Kpis) -> Committee {
    let k = &r.kpis;
    let scope = sel.scope_label();
    let period = sel.period_label();
    let prev_label = match sel.unit {
        super::Unit::Year(y) => (y - 1).to_string(),
        super::Unit::Tertial(t) => format!("T{} {}", t.number, t.year - 1),
        super::Unit::Range => "samma period året innan".to_string(),
    };
    let in_scope = match &r.scope.district {
        Some(_) => format!("i {scope}"),
        None => format!("i {scope}s stadsdelsförvaltningar"),
    };
    let mut sections = Vec::new();

    // Conversations.
    let mut s = Section::new("Råd- och stödsamtal");
    s.paragraphs.push(format!(
        "Under {period} genomfördes {} råd- och stödsamtal {in_scope}, varav {} med blivande föräldrar och föräldrar med barn 0–6 år.",
        n(k, "conversations"),
        n(k, "conversations_target_group"),
    ));
    match k.get("change_conversations").copied().flatten() {
        Some(Kpi::Percent(x)) => s.paragraphs.push(format!(
            "Det är {} jämfört med {prev_label}, då {} samtal genomfördes.",
            change_words(x),
            n(prev, "conversations")
        )),
        _ => s.paragraphs.push(format!(
            "Under {prev_label} registrerades inga samtal, så någon förändring kan inte anges."
        )),
    }
    if let Some(p) = count(k, "projection_full_year") {
        s.paragraphs.push(format!(
            "Om lika många samtal hålls under resten av året innebär det cirka {} samtal under {}.",
            thousands(p),
            sel.req.period.from.year()
        ));
    }
    s.paragraphs.push(format!(
        "Samtalskontakter inleddes med {} föräldrar (samtal nummer 1). {} av samtalen ingick i kontakter om fem samtal eller färre.",
        n(k, "new_contacts"),
        capitalize(&pct(k, "share_series_le5")),
    ));
    s.paragraphs.push(format!(
        "En mamma deltog i {} av samtalen och en pappa i {}. Om bara en person deltog var det i {} av samtalen en mamma och i {} en pappa. En annan vuxen med föräldraroll deltog i {} samtal, och {} samtal behövde ett annat språk än svenska eller engelska.",
        pct(k, "share_mother"),
        pct(k, "share_father"),
        pct(k, "single_share_mother"),
        pct(k, "single_share_father"),
        n(k, "conversations_other_adult"),
        n(k, "conversations_other_language"),
    ));
    sections.push(s);

    // How parents found the support.
    let mut s = Section::new("Hur föräldrarna hittade till stödet");
    if r.breakdowns_withheld.is_some() {
        s.paragraphs.push(WITHHELD_TEXT.to_string());
    } else {
        let t = breakdown_table(&sel.cfg, r, "how_found", &scope, &period);
        let ranked: Vec<(String, Option<f64>, String)> = t
            .rows
            .iter()
            .map(|row| {
                let v = row.cells.first().cloned().unwrap_or(Val::Missing);
                let len = match v {
                    Val::Count(n) => Some(n as f64),
                    _ => None,
                };
                (row.head.clone(), len, v.display())
            })
            .collect();
        let top: Vec<String> = ranked
            .iter()
            .filter(|(_, v, _)| v.is_some())
            .take(3)
            .map(|(l, _, t)| format!("{l} ({t})"))
            .collect();
        s.paragraphs.push(if top.is_empty() {
            "Inga uppgifter om hur föräldrarna hittade till stödet finns för perioden.".into()
        } else {
            format!(
                "Föräldrarna hittade till samtalsstödet framför allt genom {}.",
                join_sv(&top)
            )
        });
        if !ranked.is_empty() {
            let caption = format!("Hur föräldrarna hittade till stödet, antal samtal, {period}");
            let mut table = DataTable::new(
                "how_found",
                caption.clone(),
                vec!["Sätt".into(), "Samtal".into()],
            );
            for row in &t.rows {
                table.row(
                    row.head.clone(),
                    vec![row.cells.first().cloned().unwrap_or(Val::Missing)],
                );
            }
            s.table = Some(table);
            s.bars = Some((caption, ranked));
        }
    }
    sections.push(s);

    // Parents' answers.
    let mut s = Section::new("Föräldrarnas upplevelser");
    for (q, name) in QUESTIONS.iter().take(4) {
        let answered = count(k, &format!("{q}_answered")).unwrap_or(0);
        s.paragraphs.push(format!(
            "{name}: {} svarade ”Ja, verkligen” och {} ”Ja, verkligen” eller ”Ja” ({} svar).",
            pct(k, &format!("{q}_top_share")),
            pct(k, &format!("{q}_positive_share")),
            thousands(answered)
        ));
    }
    sections.push(s);

    // Home visits.
    let mut s = Section::new("Utökat hembesöksprogram");
    s.paragraphs.push(format!(
        "{} hembesök genomfördes. {} familjer började i programmet (besök 1) och {} fullföljde det (besök 6). Mamman var närvarande vid {} av besöken och pappan vid {}.",
        n(k, "home_visits"),
        n(k, "families_started"),
        n(k, "families_completed"),
        pct(k, "share_mother_present"),
        pct(k, "share_father_present"),
    ));
    s.paragraphs.push(format!(
        "Vid besök 5 eller 6 svarade {} av föräldrarna ”Ja, verkligen” eller ”Ja” på frågan om programmet varit till hjälp ({} svar).",
        pct(k, "programme_helpful_positive_share"),
        n(k, "programme_helpful_answered"),
    ));
    sections.push(s);

    // Groups.
    let mut s = Section::new("Grupper");
    s.paragraphs.push(format!(
        "{} tematräffar, dialogcaféer och öppna föreläsningar hölls med sammanlagt {} deltagare, varav {} kvinnor (av dem med känt kön).",
        n(k, "group_meetings"),
        n(k, "group_meeting_participants"),
        pct(k, "group_meeting_share_women"),
    ));
    s.paragraphs.push(format!(
        "{} grupper i föräldraskapsstödsprogram startade. {} deltagare började och {} fullföljde, det vill säga {}.",
        n(k, "programme_groups"),
        n(k, "programme_started"),
        n(k, "programme_completed"),
        pct(k, "programme_completion"),
    ));
    sections.push(s);

    // Reach.
    let mut s = Section::new("Föräldrar som nåtts");
    s.paragraphs.push(format!(
        "Sammanlagt nåddes {} föräldrar: deltagarna i nya samtalskontakter och de vuxna som var med när en familj började i hembesöksprogrammet.",
        n(k, "parents_reached")
    ));
    sections.push(s);

    // Gender equality.
    let mut s = Section::new("Jämställdhetsanalys");
    let share = |code: &str| match k.get(code).copied().flatten() {
        Some(Kpi::Share(x)) => Some(x),
        _ => None,
    };
    let who_more = match (share("share_mother"), share("share_father")) {
        (Some(m), Some(f)) if m > f => "Mammor deltar i fler samtal än pappor: ",
        (Some(m), Some(f)) if m < f => "Pappor deltar i fler samtal än mammor: ",
        (Some(_), Some(_)) => "Mammor och pappor deltar i lika många samtal: ",
        _ => "",
    };
    let body = format!(
        "en mamma deltog i {} och en pappa i {} av samtalen. Vid hembesöken var mamman med vid {} och pappan vid {} av besöken. I gruppträffarna var {} av deltagarna kvinnor. Av kvinnorna som började i en programgrupp fullföljde {}, av männen {}.",
        pct(k, "share_mother"),
        pct(k, "share_father"),
        pct(k, "share_mother_present"),
        pct(k, "share_father_present"),
        pct(k, "group_meeting_share_women"),
        pct(k, "programme_completion_women"),
        pct(k, "programme_completion_men"),
    );
    s.paragraphs.push(if who_more.is_empty() {
        capitalize(&body)
    } else {
        format!("{who_more}{body}")
    });
    s.paragraphs.push(format!(
        "I samtal där en förälder var ensam svarade {} av mammorna och {} av papporna ”Ja, verkligen” eller ”Ja” på frågan om samtalet varit till hjälp. Svar från samtal med båda föräldrarna och från grupper kan inte delas upp efter kön.",
        pct(k, "q_helpful_positive_share_single_mother"),
        pct(k, "q_helpful_positive_share_single_father"),
    ));
    sections.push(s);

    // Summary table against the year before.
    let mut t = DataTable::new(
        "sammanfattning",
        format!("Nyckeltal {period} jämfört med {prev_label}, {scope}"),
        vec![
            "Nyckeltal".into(),
            period.clone(),
            prev_label.clone(),
            "Förändring".into(),
        ],
    );
    for (code, change) in [
        ("conversations", Some("change_conversations")),
        ("conversations_target_group", None),
        ("new_contacts", Some("change_new_contacts")),
        ("home_visits", Some("change_home_visits")),
        ("families_started", None),
        ("group_meetings", Some("change_group_meetings")),
        ("programme_groups", Some("change_programme_groups")),
        ("parents_reached", None),
        ("q_helpful_top_share", None),
        ("q_recommend_positive_share", None),
    ] {
        t.row(
            labels::kpi(code),
            vec![
                kpi_val(k, code),
                kpi_val(prev, code),
                change.map_or(Val::Missing, |c| kpi_val(k, c)),
            ],
        );
    }
    let mut s = Section::new("Sammanfattning");
    s.table = Some(t);
    sections.push(s);

    // Per district, for the city.
    if r.scope.district.is_none() {
        let codes = [
            "conversations",
            "new_contacts",
            "home_visits",
            "group_meetings",
            "parents_reached",
        ];
        let mut columns = vec!["Stadsdelsförvaltning".to_string()];
        columns.extend(codes.iter().map(|c| labels::kpi(c)));
        let mut t = DataTable::new(
            "stadsdelar",
            format!("Per stadsdelsförvaltning, {period}"),
            columns,
        );
        for d in sel.cfg.organisation.reported_districts(sel.req.period.to) {
            if let Some(dr) = r.district(&d.code) {
                t.row(
                    d.name.clone(),
                    codes.iter().map(|c| kpi_val(&dr.kpis, c)).collect(),
                );
            }
        }
        let mut s = Section::new("Per stadsdelsförvaltning");
        s.table = Some(t);
        sections.push(s);
    }

    Committee {
        title: format!("Förebyggande föräldraskapsstöd: resultat {period}"),
        subtitle: format!(
            "{scope}. Uppföljning av råd- och stödsamtal, hembesök och grupper. Små tal redovisas inte (gräns {}).",
            r.threshold
        ),
        sections,
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// "a, b och c".
fn join_sv(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} och {last}", init.join(", ")),
    }
}

impl Committee {
    /// The same content as a PDF document.
    pub fn to_pdf(&self, footer: &str) -> Result<Vec<u8>, foljupp_pdf::PdfError> {
        use foljupp_pdf::{Block, Document, Table};
        let mut blocks = Vec::new();
        for s in &self.sections {
            blocks.push(Block::Heading(s.heading.clone()));
            for p in &s.paragraphs {
                blocks.push(Block::Paragraph(p.clone()));
            }
            if let Some((caption, items)) = &s.bars {
                blocks.push(Block::Bars {
                    caption: caption.clone(),
                    items: items.clone(),
                });
            }
            // Ranked bars carry their figures; their table would repeat them.
            if let Some(t) = s.table.as_ref().filter(|_| s.bars.is_none()) {
                blocks.push(Block::Table(Table {
                    caption: t.caption.clone(),
                    header: t.columns.clone(),
                    rows: t
                        .rows
                        .iter()
                        .map(|r| {
                            std::iter::once(r.head.clone())
                                .chain(r.cells.iter().map(Val::display))
                                .collect()
                        })
                        .collect(),
                }));
            }
        }
        foljupp_pdf::render(&Document {
            title: self.title.clone(),
            subtitle: self.subtitle.clone(),
            footer: footer.to_string(),
            blocks,
        })
    }

    pub fn tables(&self) -> Vec<&DataTable> {
        self.sections
            .iter()
            .filter_map(|s| s.table.as_ref())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_lists_and_changes() {
        assert_eq!(join_sv(&["a".into(), "b".into(), "c".into()]), "a, b och c");
        assert_eq!(change_words(15.4), "en ökning med 15,4 procent");
        assert_eq!(change_words(-3.0), "en minskning med 3,0 procent");
        assert_eq!(capitalize("åtta"), "Åtta");
    }
}
