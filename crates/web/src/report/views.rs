//! What the report pages show, as data: KPI cards, and figures (a chart
//! with its data table). The HTML pages and the CSV/XLSX exports are both
//! built from these, so an export is exactly the table on screen.

use super::labels::{self, ANSWERS, QUESTIONS};
use super::svg::{self, Group, Series};
use super::table::{DataTable, Val};
use super::{load, today, Selection, Unit};
use crate::{AppError, SharedState};
use foljupp_core::{Kind, MunicipalConfig, Period, Tertial};
use foljupp_stats::{Breakdown, Cell, Kpi, Kpis, Report};
use std::collections::BTreeMap;

pub struct Card {
    pub code: String,
    pub label: String,
    pub value: String,
    pub definition: String,
    /// The change against the year before, when compared.
    pub change: Option<String>,
}

pub struct CardSection {
    pub heading: &'static str,
    pub cards: Vec<Card>,
}

/// A chart and its data table (or a table alone).
pub struct Figure {
    pub id: String,
    pub heading: String,
    pub svg: Option<String>,
    pub table: DataTable,
    /// Long tables are folded into a `<details>`.
    pub folded: bool,
}

pub fn kpi_val(kpis: &Kpis, code: &str) -> Val {
    match kpis.get(code).copied().flatten() {
        Some(Kpi::Count(n)) => Val::Count(n),
        Some(Kpi::Share(x)) => Val::Share(x),
        Some(Kpi::Percent(x)) => Val::Change(x),
        None => Val::Missing,
    }
}

fn cell_val(b: Option<&Breakdown>, code: &str) -> Val {
    match b.and_then(|b| b.get(code)) {
        Some(Cell::Count(n)) => Val::Count(*n),
        Some(c) => Val::Text(c.text()),
        None => Val::Count(0),
    }
}

/// The card sections of the dashboard, in order. The first card is the
/// conversations (the browser tests read it).
/// A card: its KPI and the `change_*` shown under it when compared.
type CardSpec = (&'static str, Option<&'static str>);

const SECTIONS: &[(&str, &[CardSpec])] = &[
    (
        "Råd- och stödsamtal",
        &[
            ("conversations", Some("change_conversations")),
            ("projection_full_year", None),
            ("conversations_target_group", None),
            ("new_contacts", Some("change_new_contacts")),
            ("share_series_le5", None),
            ("share_mother", None),
            ("share_father", None),
            ("single_share_mother", None),
            ("single_share_father", None),
            ("conversations_other_adult", None),
            ("conversations_other_language", None),
        ],
    ),
    (
        "Föräldrarnas svar",
        &[
            ("q_right_topics_positive_share", None),
            ("q_helpful_positive_share", None),
            ("q_helpful_top_share", None),
            ("q_recommend_positive_share", None),
            ("q_easy_reach_positive_share", None),
        ],
    ),
    (
        "Utökat hembesöksprogram",
        &[
            ("home_visits", Some("change_home_visits")),
            ("families_started", None),
            ("families_completed", None),
            ("share_mother_present", None),
            ("share_father_present", None),
            ("programme_helpful_positive_share", None),
        ],
    ),
    (
        "Grupper",
        &[
            ("group_meetings", Some("change_group_meetings")),
            ("group_meeting_participants", None),
            ("group_meeting_share_women", None),
            ("programme_groups", Some("change_programme_groups")),
            ("programme_started", None),
            ("programme_completion", None),
        ],
    ),
    (
        "Räckvidd och samverkan",
        &[
            ("parents_reached", None),
            ("collaborations", None),
            ("open_preschool_reports", None),
        ],
    ),
];

pub fn cards(report: &Report, compare: bool) -> Vec<CardSection> {
    SECTIONS
        .iter()
        .map(|(heading, codes)| CardSection {
            heading,
            cards: codes
                .iter()
                // The projection exists only for a running year.
                .filter(|(code, _)| {
                    *code != "projection_full_year" || report.kpi("projection_full_year").is_some()
                })
                .map(|(code, change)| Card {
                    code: code.to_string(),
                    label: labels::kpi(code),
                    value: kpi_val(&report.kpis, code).display(),
                    definition: labels::definition(code),
                    change: change.filter(|_| compare).map(|c| {
                        format!(
                            "{} mot samma period året innan",
                            kpi_val(&report.kpis, c).display()
                        )
                    }),
                })
                .collect(),
        })
        .collect()
}

/// Every KPI of the scope as a table (code order of the definitions).
pub fn kpi_table(report: &Report, scope: &str) -> DataTable {
    let mut t = DataTable::new(
        "nyckeltal",
        format!("Alla nyckeltal, {scope}"),
        vec![
            "Nyckeltal".into(),
            "Värde".into(),
            "Kod".into(),
            "Definition".into(),
        ],
    );
    for (code, sv, _) in foljupp_stats::DEFINITIONS {
        t.row(
            labels::kpi(code),
            vec![
                kpi_val(&report.kpis, code),
                Val::Text(code.to_string()),
                Val::Text(sv.to_string()),
            ],
        );
    }
    t
}

/// KPIs of every district, with bars of conversations.
fn districts_figure(cfg: &MunicipalConfig, report: &Report, period: &str) -> Figure {
    let codes = [
        "conversations",
        "new_contacts",
        "home_visits",
        "families_started",
        "group_meetings",
        "programme_groups",
        "parents_reached",
    ];
    let mut columns = vec!["Stadsdelsförvaltning".to_string()];
    columns.extend(codes.iter().map(|c| labels::kpi(c)));
    let mut t = DataTable::new(
        "stadsdelar",
        format!("Aktiviteter per stadsdelsförvaltning, {period}"),
        columns,
    );
    let mut groups = Vec::new();
    for d in &cfg.organisation.districts {
        let Some(dr) = report.district(&d.code) else {
            continue;
        };
        t.row(
            d.name.clone(),
            codes.iter().map(|c| kpi_val(&dr.kpis, c)).collect(),
        );
        let v = kpi_val(&dr.kpis, "conversations");
        groups.push(Group {
            label: d.name.clone(),
            bars: vec![(dr.kpi("conversations"), v.display())],
        });
    }
    let top = groups
        .iter()
        .max_by(|a, b| {
            a.bars[0]
                .0
                .unwrap_or(0.0)
                .total_cmp(&b.bars[0].0.unwrap_or(0.0))
        })
        .map(|g| g.label.clone())
        .unwrap_or_default();
    Figure {
        id: "stadsdelar".into(),
        heading: "Per stadsdelsförvaltning".into(),
        svg: Some(svg::hbars(
            "chart-stadsdelar",
            &format!("Råd- och stödsamtal per stadsdelsförvaltning, {period}"),
            &format!("Liggande staplar, en per stadsdelsförvaltning. Flest samtal: {top}. Siffrorna finns i tabellen nedanför."),
            &groups,
            &[Series {
                name: "Samtal",
                class: "s0",
            }],
        )),
        table: t,
        folded: false,
    }
}

/// The tertials to show in a trend ending with `year`: four years, up to
/// the tertial running today.
pub fn trend_tertials(year: i32) -> Vec<Tertial> {
    let now = Tertial::of(today());
    (year - 3..=year)
        .flat_map(|y| (1..=3).filter_map(move |n| Tertial::new(y, n)))
        .filter(|t| *t <= now)
        .collect()
}

/// `series`: the KPIs of each of [`trend_tertials`]`(year)`.
fn trend_figure(series: &[Kpis], year: i32) -> Figure {
    let tertials = trend_tertials(year);
    let codes = [
        "conversations",
        "new_contacts",
        "home_visits",
        "group_meetings",
        "programme_groups",
    ];
    let mut columns = vec!["Tertial".to_string()];
    columns.extend(codes.iter().map(|c| labels::kpi(c)));
    let first = tertials.first().map(|t| t.label()).unwrap_or_default();
    let last = tertials.last().map(|t| t.label()).unwrap_or_default();
    let mut t = DataTable::new(
        "trend",
        format!("Per tertial, {first} till {last}"),
        columns,
    );
    let mut items = Vec::new();
    for (tertial, kpis) in tertials.iter().zip(series) {
        t.row(
            tertial.label(),
            codes.iter().map(|c| kpi_val(kpis, c)).collect(),
        );
        let v = kpi_val(kpis, "conversations");
        items.push((
            tertial.label(),
            kpis.get("conversations")
                .copied()
                .flatten()
                .map(Kpi::as_f64),
            v.display(),
        ));
    }
    Figure {
        id: "trend".into(),
        heading: "Utveckling per tertial".into(),
        svg: Some(svg::columns(
            "chart-trend",
            &format!("Råd- och stödsamtal per tertial, {first} till {last}"),
            "Stående staplar, en per tertial i tidsordning. Siffrorna finns i tabellen nedanför.",
            &items,
        )),
        table: t,
        folded: false,
    }
}

/// One breakdown as a table: codes ranked by the scope's count (hidden
/// cells last), the scope's column, and each district's for the city.
pub fn breakdown_table(
    cfg: &MunicipalConfig,
    report: &Report,
    name: &str,
    scope: &str,
    period: &str,
) -> DataTable {
    let scope_b = report.breakdown(name);
    let mut codes: Vec<String> = report
        .districts
        .values()
        .filter_map(|d| d.breakdown(name))
        .chain(scope_b)
        .flat_map(|b| b.keys().cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    codes.sort_by_key(|c| {
        let n = scope_b
            .and_then(|b| b.get(c))
            .map_or(Some(0), |c| c.count());
        (n.is_none(), std::cmp::Reverse(n.unwrap_or(0)))
    });
    let city = report.scope.district.is_none();
    let mut columns = vec!["Svar eller kategori".to_string(), scope.to_string()];
    if city {
        columns.extend(
            cfg.organisation
                .districts
                .iter()
                .filter(|d| report.districts.contains_key(&d.code))
                .map(|d| d.name.clone()),
        );
    }
    let mut t = DataTable::new(
        name,
        format!("{}, {period}", labels::breakdown(name)),
        columns,
    );
    for code in &codes {
        let mut cells = vec![cell_val(scope_b, code)];
        if city {
            cells.extend(
                cfg.organisation
                    .districts
                    .iter()
                    .filter(|d| report.districts.contains_key(&d.code))
                    .map(|d| {
                        cell_val(
                            report.district(&d.code).and_then(|dr| dr.breakdown(name)),
                            code,
                        )
                    }),
            );
        }
        t.row(
            labels::code(&cfg.forms, &cfg.organisation, name, code),
            cells,
        );
    }
    t
}

fn how_found_figure(cfg: &MunicipalConfig, report: &Report, scope: &str, period: &str) -> Figure {
    let table = breakdown_table(cfg, report, "how_found", scope, period);
    let groups: Vec<Group> = table
        .rows
        .iter()
        .map(|r| {
            let v = r.cells.first().cloned().unwrap_or(Val::Missing);
            let len = match v {
                Val::Count(n) => Some(n as f64),
                _ => None,
            };
            Group {
                label: r.head.clone(),
                bars: vec![(len, v.display())],
            }
        })
        .collect();
    let top: Vec<String> = groups.iter().take(3).map(|g| g.label.clone()).collect();
    Figure {
        id: "how_found".into(),
        heading: "Hur föräldrarna hittade till stödet".into(),
        svg: (!groups.is_empty()).then(|| {
            svg::hbars(
                "chart-how_found",
                &format!("Hur föräldrarna hittade till stödet, {scope} {period}"),
                &format!(
                    "Liggande staplar i fallande ordning. Vanligast: {}. Små tal visas som <5 utan stapel. Siffrorna finns i tabellen nedanför.",
                    top.join(", ")
                ),
                &groups,
                &[Series {
                    name: "Samtal",
                    class: "s0",
                }],
            )
        }),
        table,
        folded: false,
    }
}

pub const ANSWER_SERIES: [Series<'static>; 4] = [
    Series {
        name: "Ja, verkligen",
        class: "a0",
    },
    Series {
        name: "Ja",
        class: "a1",
    },
    Series {
        name: "Nej, inte särskilt",
        class: "a2",
    },
    Series {
        name: "Nej, inte alls",
        class: "a3",
    },
];

fn answers_figure(cfg: &MunicipalConfig, report: &Report, period: &str) -> Figure {
    let mut columns = vec!["Fråga".to_string()];
    columns.extend(
        ANSWERS
            .iter()
            .map(|a| cfg.forms.label("answer", a).to_string()),
    );
    let mut t = DataTable::new(
        "svar",
        format!("Föräldrarnas svar per fråga, antal, {period}"),
        columns,
    );
    let mut rows = Vec::new();
    for (q, name) in QUESTIONS {
        let b = report.breakdown(&format!("answers_{q}"));
        let cells: Vec<Val> = ANSWERS.iter().map(|a| cell_val(b, a)).collect();
        // Shares only when all four scale answers are published.
        let counts: Option<Vec<u64>> = cells[..4]
            .iter()
            .map(|v| match v {
                Val::Count(n) => Some(*n),
                _ => None,
            })
            .collect();
        let shares = counts.and_then(|c| {
            let total: u64 = c.iter().sum();
            (total > 0).then(|| c.iter().map(|n| *n as f64 / total as f64).collect())
        });
        rows.push((name.to_string(), shares));
        t.row(name, cells);
    }
    Figure {
        id: "svar".into(),
        heading: "Föräldrarnas svar".into(),
        svg: Some(svg::stacked(
            "chart-svar",
            &format!("Föräldrarnas svar per fråga, andel av dem som svarade, {period}"),
            "Staplade liggande staplar, en per fråga, från Ja, verkligen till Nej, inte alls. Antalen finns i tabellen nedanför.",
            &rows,
            &ANSWER_SERIES,
            "Andelar visas inte: små tal är dolda",
        )),
        table: t,
        folded: false,
    }
}

/// Everything the dashboard shows.
pub struct Dashboard {
    pub report: Report,
    pub sections: Vec<CardSection>,
    pub figures: Vec<Figure>,
    pub kpis: DataTable,
    /// Why breakdowns are not shown, if they are not.
    pub withheld: Option<String>,
    pub empty: bool,
}

pub const WITHHELD_TEXT: &str = "Fördelningar (hur föräldrarna hittade till stödet, svar per fråga, språk …) visas bara för hela år och hela tertial. Tabeller för överlappande perioder skulle annars kunna dras från varandra och avslöja små tal. Välj ett år eller ett tertial för att se dem.";

pub async fn dashboard(state: &SharedState, sel: &Selection) -> Result<Dashboard, AppError> {
    let req = &sel.req;
    let year = sel.year;
    let trend_periods: Vec<Period> = trend_tertials(year).iter().map(|t| t.period()).collect();
    // From the report rollup (tested equal to build_report and kpi_series
    // over the registrations).
    let (report, trend) = state
        .report_cache
        .with(state, &sel.cfg, |rollup| {
            let mut report = rollup.report(&sel.cfg.organisation, req);
            // A year still running gets its projection, from today.
            if req.as_of.is_none() && sel.unit == Unit::Year(today().year()) {
                let mut with_as_of = req.clone();
                with_as_of.as_of = Some(today());
                with_as_of.compare = false;
                let projected = rollup.report(&sel.cfg.organisation, &with_as_of);
                if let Some(v) = projected.kpis.get("projection_full_year").copied() {
                    report.kpis.insert("projection_full_year".into(), v);
                }
            }
            let trend = rollup.kpi_series(req.district.as_deref(), &trend_periods, req.threshold);
            (report, trend)
        })
        .await?;
    let scope = sel.scope_label();
    let period = sel.period_label();
    let mut figures = Vec::new();
    if req.district.is_none() {
        figures.push(districts_figure(&sel.cfg, &report, &period));
    }
    figures.push(trend_figure(&trend, year));
    let withheld = report
        .breakdowns_withheld
        .map(|_| WITHHELD_TEXT.to_string());
    if withheld.is_none() {
        figures.push(how_found_figure(&sel.cfg, &report, &scope, &period));
        figures.push(answers_figure(&sel.cfg, &report, &period));
        for name in [
            "languages",
            "resident_areas",
            "next_step",
            "form",
            "participants",
            "age_groups",
        ] {
            figures.push(Figure {
                id: name.to_string(),
                heading: labels::breakdown(name).to_string(),
                svg: None,
                table: breakdown_table(&sel.cfg, &report, name, &scope, &period),
                folded: true,
            });
        }
    }
    let empty = [
        "conversations",
        "home_visits",
        "group_meetings",
        "programme_groups",
    ]
    .iter()
    .all(|c| report.kpi(c).unwrap_or(0.0) == 0.0);
    Ok(Dashboard {
        sections: cards(&report, req.compare),
        kpis: kpi_table(&report, &scope),
        report,
        figures,
        withheld,
        empty,
    })
}

/// The gender-equality view: four years up to the selected one.
pub struct Gender {
    pub figures: Vec<Figure>,
    pub years: Vec<i32>,
}

pub async fn gender(state: &SharedState, sel: &Selection) -> Result<Gender, AppError> {
    let last = sel.year.min(today().year());
    let years: Vec<i32> = (last - 3..=last).collect();
    let periods: Vec<Period> = years.iter().filter_map(|y| Period::year(*y)).collect();
    let series = state
        .report_cache
        .with(state, &sel.cfg, |rollup| {
            rollup.kpi_series(sel.req.district.as_deref(), &periods, sel.req.threshold)
        })
        .await?;
    let scope = sel.scope_label();
    let columns = |first: &str| {
        let mut c = vec![first.to_string()];
        c.extend(years.iter().map(|y| y.to_string()));
        c
    };
    let table = |id: &str, caption: String, rows: &[(&str, &str)]| {
        let mut t = DataTable::new(id, caption, columns("Nyckeltal"));
        for (code, label) in rows {
            t.row(*label, series.iter().map(|k| kpi_val(k, code)).collect());
        }
        t
    };
    let pair_chart = |id: &str, title: String, codes: [&str; 2], names: [&str; 2]| {
        let groups: Vec<Group> = years
            .iter()
            .zip(&series)
            .map(|(y, k)| Group {
                label: y.to_string(),
                bars: codes
                    .iter()
                    .map(|c| {
                        let v = kpi_val(k, c);
                        let len = match v {
                            Val::Share(x) => Some(x),
                            _ => None,
                        };
                        (len, v.display())
                    })
                    .collect(),
            })
            .collect();
        svg::hbars(
            id,
            &title,
            &format!(
                "Liggande staplar per år: {} och {}. Andelar som saknas visas som –. Siffrorna finns i tabellen nedanför.",
                names[0], names[1]
            ),
            &groups,
            &[
                Series {
                    name: names[0],
                    class: "g0",
                },
                Series {
                    name: names[1],
                    class: "g1",
                },
            ],
        )
    };
    let first = years.first().copied().unwrap_or(last);
    let span_label = format!("{first}–{last}");
    let mut figures = vec![
        Figure {
            id: "samtal".into(),
            heading: "Mammor och pappor i råd- och stödsamtal".into(),
            svg: Some(pair_chart(
                "chart-samtal",
                format!(
                    "Andel samtal där en mamma respektive en pappa deltog, {scope} {span_label}"
                ),
                ["share_mother", "share_father"],
                ["Mamma deltog", "Pappa deltog"],
            )),
            table: table(
                "samtal",
                format!("Mammor och pappor i samtalen, {scope} {span_label}"),
                &[
                    ("share_mother", "Andel samtal där en mamma deltog"),
                    ("share_father", "Andel samtal där en pappa deltog"),
                    (
                        "single_share_mother",
                        "Samtal med en deltagare: andel mammor",
                    ),
                    (
                        "single_share_father",
                        "Samtal med en deltagare: andel pappor",
                    ),
                ],
            ),
            folded: false,
        },
        Figure {
            id: "hembesok".into(),
            heading: "Mammor och pappor vid hembesök".into(),
            svg: Some(pair_chart(
                "chart-hembesok",
                format!(
                    "Andel hembesök med mamman respektive pappan närvarande, {scope} {span_label}"
                ),
                ["share_mother_present", "share_father_present"],
                ["Mamman närvarande", "Pappan närvarande"],
            )),
            table: table(
                "hembesok",
                format!("Mammor och pappor vid hembesöken, {scope} {span_label}"),
                &[
                    (
                        "share_mother_present",
                        "Andel hembesök med mamman närvarande",
                    ),
                    (
                        "share_father_present",
                        "Andel hembesök med pappan närvarande",
                    ),
                ],
            ),
            folded: false,
        },
        Figure {
            id: "grupper".into(),
            heading: "Kvinnor och män i grupper".into(),
            svg: None,
            table: table(
                "grupper",
                format!("Kvinnor och män i gruppträffar och programgrupper, {scope} {span_label}"),
                &[
                    ("group_meeting_women", "Kvinnor i gruppträffar"),
                    ("group_meeting_men", "Män i gruppträffar"),
                    ("group_meeting_share_women", "Andel kvinnor i gruppträffar"),
                    (
                        "programme_started_women",
                        "Kvinnor som började i programgrupp",
                    ),
                    ("programme_started_men", "Män som började i programgrupp"),
                    ("programme_completion_women", "Andel kvinnor som fullföljde"),
                    ("programme_completion_men", "Andel män som fullföljde"),
                ],
            ),
            folded: false,
        },
    ];
    let mut rating_rows: Vec<(String, String)> = Vec::new();
    for (q, name) in QUESTIONS.iter().take(4) {
        for (who, label) in [("mother", "mammor"), ("father", "pappor")] {
            rating_rows.push((
                format!("{q}_positive_share_single_{who}"),
                format!("{name}: andel positiva, {label}"),
            ));
            rating_rows.push((
                format!("{q}_answered_single_{who}"),
                format!("{name}: antal svar, {label}"),
            ));
        }
    }
    let rating_refs: Vec<(&str, &str)> = rating_rows
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    figures.push(Figure {
        id: "betyg".into(),
        heading: "Hur mammor och pappor bedömer stödet".into(),
        svg: Some(pair_chart(
            "chart-betyg",
            format!("Andel ”Ja, verkligen” eller ”Ja” på frågan om samtalet varit till hjälp: ensamma mammor och pappor, {scope} {span_label}"),
            [
                "q_helpful_positive_share_single_mother",
                "q_helpful_positive_share_single_father",
            ],
            ["Mammor", "Pappor"],
        )),
        table: table(
            "betyg",
            format!("Svar från samtal med en deltagare, mamma eller pappa, {scope} {span_label}"),
            &rating_refs,
        ),
        folded: false,
    });
    Ok(Gender { figures, years })
}

/// Reporting completeness for one year.
pub struct Completeness {
    pub registrations: DataTable,
    pub preschools: DataTable,
    pub missing_districts: Vec<String>,
    pub missing_reports: Vec<String>,
}

pub async fn completeness(state: &SharedState, sel: &Selection) -> Result<Completeness, AppError> {
    let year = sel.year;
    let today = today();
    let tertials: Vec<Tertial> = (1..=3).filter_map(|n| Tertial::new(year, n)).collect();
    let span = Period {
        from: tertials
            .first()
            .map_or(sel.req.period.from, |t| t.first_day()),
        // A tertial's open-preschool report may be dated after it ends.
        to: Period::year(year + 1).map_or(sel.req.period.to, |p| p.to),
    };
    let regs = load(state, &sel.cfg, span).await?;
    let district = sel.req.district.as_deref();
    let districts: Vec<&foljupp_core::organisation::District> = sel
        .cfg
        .organisation
        .reported_districts(sel.req.period.to)
        .filter(|d| district.is_none_or(|x| x == d.code))
        .collect();
    // Registrations of any kind per district and tertial (district totals:
    // never suppressed), and open-preschool reports per unit and tertial.
    let mut counts: BTreeMap<(&str, u8), u64> = BTreeMap::new();
    let mut reported: std::collections::BTreeSet<(String, u8)> = Default::default();
    for r in &regs {
        if r.kind == Kind::OpenPreschoolReport {
            let (y, t) = (r.int("year"), r.int("tertial"));
            if let (Some(y), Some(t), Some(unit)) = (y, t, r.code("unit")) {
                if y == i64::from(year) {
                    reported.insert((unit.to_string(), t as u8));
                }
            }
        }
        if r.date.year() == year {
            if let Some(d) = districts.iter().find(|d| d.code == r.district) {
                *counts
                    .entry((d.code.as_str(), Tertial::of(r.date).number))
                    .or_default() += 1;
            }
        }
    }
    let state_of = |t: &Tertial| {
        if t.first_day() > today {
            "future"
        } else if t.last_day() >= today {
            "running"
        } else {
            "done"
        }
    };
    let mut columns = vec!["Stadsdelsförvaltning".to_string()];
    columns.extend(tertials.iter().map(|t| t.label()));
    let mut registrations = DataTable::new(
        "registreringar",
        format!("Registreringar per stadsdelsförvaltning och tertial {year}"),
        columns.clone(),
    );
    let mut missing_districts = Vec::new();
    for d in &districts {
        let cells = tertials
            .iter()
            .map(
                |t| match (state_of(t), counts.get(&(d.code.as_str(), t.number))) {
                    ("future", _) => Val::Text("–".into()),
                    (_, Some(n)) => Val::Count(*n),
                    (s, None) => {
                        if s == "done" {
                            missing_districts.push(format!("{} ({})", d.name, t.label()));
                        }
                        Val::Text("inget registrerat".into())
                    }
                },
            )
            .collect();
        registrations.row(d.name.clone(), cells);
    }
    columns[0] = "Öppen förskola".into();
    let mut preschools = DataTable::new(
        "oppna-forskolan",
        format!("Öppna förskolans tertialrapporter {year}"),
        columns,
    );
    let mut missing_reports = Vec::new();
    for d in &districts {
        for u in sel.cfg.organisation.units_of(&d.code) {
            if u.kind != foljupp_core::organisation::UnitKind::OpenPreschool {
                continue;
            }
            let cells = tertials
                .iter()
                .map(|t| {
                    let done = reported.contains(&(u.code.clone(), t.number));
                    Val::Text(
                        match (done, state_of(t)) {
                            (true, _) => "inlämnad",
                            (false, "done") => {
                                missing_reports.push(format!("{} ({})", u.name, t.label()));
                                "saknas"
                            }
                            (false, "running") => "pågår",
                            _ => "–",
                        }
                        .into(),
                    )
                })
                .collect();
            preschools.row(u.name.clone(), cells);
        }
    }
    Ok(Completeness {
        registrations,
        preschools,
        missing_districts,
        missing_reports,
    })
}
