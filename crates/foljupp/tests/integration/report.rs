//! The report: the JSON API's options and scope rules, the pages, the
//! CSV/XLSX exports (the same suppression as on screen) and the command
//! line's formats.

use crate::cli::foljupp;
use crate::common::*;
use foljupp_core::forms::DecodeContext;
use foljupp_core::{FormSet, Input, Kind, Organisation, Registration, Role};
use foljupp_store::testing;
use reqwest::StatusCode;
use serde_json::{json, Value};

fn reg(kind: Kind, pairs: &[(&str, &str)]) -> Registration {
    let mut input = Input::new();
    for (k, v) in pairs {
        input.entry(k.to_string()).or_default().push(v.to_string());
    }
    let org = Organisation::stockholm();
    let ctx = DecodeContext {
        organisation: &org,
        today: time::macros::date!(2030 - 01 - 01),
    };
    FormSet::defaults()
        .decode(kind, &input, &ctx)
        .unwrap_or_else(|e| panic!("{pairs:?}: {e:?}"))
}

fn conversations(n: usize, district: &str, date: &str, how_found: &str) -> Vec<Registration> {
    let r = reg(
        Kind::Conversation,
        &[
            ("date", date),
            ("district", district),
            ("participants", "parent:woman"),
            ("conversation_no", "1"),
            ("how_found", how_found),
        ],
    );
    vec![r; n]
}

/// 2020: Farsta 30 conversations in T1 (27 found through BVC, 3 through
/// the web) and 20 in T2; Rinkeby-Kista 10 in T1 (BVC). 2019: Farsta 32
/// in T1. Farsta's open preschool reported for T1 2020 only.
async fn seed(app: &App) {
    let mut regs = Vec::new();
    regs.extend(conversations(27, "farsta", "2020-02-10", "bvc"));
    regs.extend(conversations(3, "farsta", "2020-02-11", "web"));
    regs.extend(conversations(20, "farsta", "2020-06-10", "bvc"));
    regs.extend(conversations(10, "rinkeby-kista", "2020-03-01", "bvc"));
    regs.extend(conversations(32, "farsta", "2019-02-10", "bvc"));
    regs.push(reg(
        Kind::OpenPreschoolReport,
        &[
            ("date", "2020-05-02"),
            ("district", "farsta"),
            ("unit", "farsta-oppna-forskolan"),
            ("year", "2020"),
            ("tertial", "1"),
        ],
    ));
    app.store
        .insert_registrations("stockholm", &regs, &mut |_| {})
        .await
        .unwrap();
}

async fn get_json(app: &App, token: &str, query: &str) -> (StatusCode, Value) {
    let resp = app
        .http
        .get(app.url(&format!("/api/v1/report?{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn the_report_api_takes_every_option_and_keeps_district_scope() {
    for app in App::all().await {
        let b = app.backend;
        seed(&app).await;
        let analyst = app.token("ana", Role::Analyst, None).await;
        let lead = app.token("lead", Role::DistrictLead, Some("farsta")).await;
        let registrant = app.token("reg", Role::Registrant, Some("farsta")).await;

        let (s, r) = get_json(&app, &analyst, "year=2020").await;
        assert_eq!(s, StatusCode::OK, "{b}: {r}");
        assert_eq!(r["kpis"]["conversations"], 60, "{b}");
        assert_eq!(r["districts"]["farsta"]["kpis"]["conversations"], 50);
        assert_eq!(r["breakdowns_withheld"], Value::Null);
        // Farsta's web 3 is below the threshold, on its own and as a total.
        assert_eq!(
            r["districts"]["farsta"]["breakdowns"]["how_found"]["web"],
            "<5"
        );
        assert_eq!(r["breakdowns"]["how_found"]["web"], "<5");

        let (_, r) = get_json(&app, &analyst, "year=2020&tertial=1").await;
        assert_eq!(r["kpis"]["conversations"], 40, "{b}");
        assert_eq!(
            r["period"],
            json!({"from": "2020-01-01", "to": "2020-04-30", "as_of": null})
        );

        // A range that is no whole tertial: KPIs, but no breakdowns.
        let (_, r) = get_json(&app, &analyst, "from=2020-02-01&to=2020-06-30").await;
        assert_eq!(r["kpis"]["conversations"], 60, "{b}");
        assert_eq!(r["breakdowns_withheld"], "partial_period");
        assert_eq!(r["breakdowns"], json!({}));

        // As of the end of T2: 50 + 10 up to August, ÷ 2 tertials × 3.
        let (_, r) = get_json(&app, &analyst, "year=2020&as_of=2020-08-31").await;
        assert_eq!(r["kpis"]["conversations"], 60, "{b}");
        assert_eq!(r["kpis"]["projection_full_year"], 90);
        let (_, r) = get_json(&app, &analyst, "year=2020").await;
        assert_eq!(r["kpis"]["projection_full_year"], Value::Null);

        // Compared with T1 2019: Farsta 30 against 32, the city 40 against 32.
        let (_, r) = get_json(&app, &analyst, "year=2020&tertial=1&compare=1").await;
        assert_eq!(r["kpis"]["change_conversations"], 25.0, "{b}");
        assert_eq!(
            r["districts"]["farsta"]["kpis"]["change_conversations"],
            -6.3
        );
        let (_, r) = get_json(&app, &analyst, "year=2020&tertial=1").await;
        assert_eq!(r["kpis"]["change_conversations"], Value::Null);

        // A district lead gets their district, and only it.
        let (s, r) = get_json(&app, &lead, "year=2020").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(r["scope"]["district"], "farsta", "{b}");
        assert_eq!(r["kpis"]["conversations"], 50);
        assert_eq!(r["districts"].as_object().unwrap().len(), 1);
        let (s, r) = get_json(&app, &lead, "year=2020&district=rinkeby-kista").await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{b}");
        assert!(r["message"]
            .as_str()
            .unwrap()
            .contains("egen stadsdelsförvaltning"));
        let (s, _) = get_json(&app, &registrant, "year=2020&district=farsta").await;
        assert_eq!(s, StatusCode::OK);

        // Bad input: 400 with a Swedish sentence that says what to give.
        for (query, says) in [
            ("year=tjugo", "inget giltigt år"),
            ("year=2020&tertial=4", "Ange 1, 2 eller 3"),
            (
                "year=2020&from=2020-01-01&to=2020-02-01",
                "inte en blandning",
            ),
            ("from=2020-05-01&to=2020-04-01", "före från-datumet"),
            ("from=2020-05-01", "Ange antingen"),
            ("", "Ange perioden"),
            ("year=2020&as_of=2020-13-01", "ÅÅÅÅ-MM-DD"),
            ("year=2020&district=narnia", "finns inte"),
        ] {
            let (s, r) = get_json(&app, &analyst, query).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{b} {query}: {r}");
            let m = r["message"].as_str().unwrap();
            assert!(m.contains(says), "{query}: {m}");
        }
    }
}

/// The cells of the table whose caption has id `cap-{id}`, row by row
/// (row heading first), as the page shows them.
fn html_table(html: &str, id: &str) -> Vec<Vec<String>> {
    let start = html
        .find(&format!("id=\"cap-{id}\""))
        .unwrap_or_else(|| panic!("no table {id}"));
    let end = start + html[start..].find("</table>").unwrap();
    let unescape = |s: &str| {
        s.replace("&lt;", "<")
            .replace("&#60;", "<")
            .replace("&#62;", ">")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
            .replace('\u{a0}', "")
    };
    html[start..end]
        .split("<tr>")
        .skip(2) // the caption and the header row
        .map(|row| {
            let mut cells = Vec::new();
            let mut rest = row;
            while let Some(i) = rest.find("<t") {
                let tag = &rest[i..];
                if !(tag.starts_with("<th") || tag.starts_with("<td")) {
                    rest = &tag[2..];
                    continue;
                }
                let content = &tag[tag.find('>').unwrap() + 1..];
                let close = content.find("</t").unwrap();
                cells.push(unescape(&content[..close]));
                rest = &content[close..];
            }
            cells
        })
        .collect()
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 byte-order mark");
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[3..]);
    r.records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect()
}

async fn page(
    app: &App,
    s: &Session,
    path: &str,
) -> (StatusCode, String, reqwest::header::HeaderMap) {
    let resp = app
        .http
        .get(app.url(path))
        .header("cookie", &s.cookie)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    (status, resp.text().await.unwrap_or_default(), headers)
}

#[tokio::test]
async fn pages_and_exports_show_the_same_suppressed_figures() {
    for app in App::all().await {
        let b = app.backend;
        seed(&app).await;
        app.user("ana", Role::Analyst, None).await;
        app.user("lead", Role::DistrictLead, Some("farsta")).await;
        app.user("reg", Role::Registrant, Some("farsta")).await;
        let ana = app.login("ana").await;
        let lead = app.login("lead").await;
        let reg = app.login("reg").await;

        let (s, html, _) = page(&app, &ana, "/oversikt?year=2020").await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert!(html.contains("role=\"img\""), "SVG charts");
        let shown = html_table(&html, "how_found");
        let (s, csv, headers) = page(&app, &ana, "/export/oversikt-how_found.csv?year=2020").await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert!(headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        assert!(headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("foljupp-oversikt-how_found-2020.csv"));
        let exported = csv_rows(csv.as_bytes());
        assert_eq!(
            exported[1..].to_vec(),
            shown,
            "{b}: the CSV is the table on screen"
        );
        // Web 3 is hidden, and with it BVC (60 conversations − 3 = 57).
        let web = exported.iter().find(|r| r[0] == "Webben").unwrap();
        assert_eq!(web[1], "<5", "{b}");
        assert!(
            !exported.iter().flatten().any(|c| c == "3"),
            "{b}: no 3 leaks"
        );

        let (s, xlsx, headers) =
            page(&app, &ana, "/export/oversikt-how_found.xlsx?year=2020").await;
        assert_eq!(s, StatusCode::OK);
        assert!(headers["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml"));
        assert!(xlsx.as_bytes().starts_with(b"PK"), "{b}: a zip container");
        let (s, _, _) = page(&app, &ana, "/export/oversikt-nyckeltal.csv?year=2020").await;
        assert_eq!(s, StatusCode::OK);
        let (s, _, _) = page(&app, &ana, "/export/oversikt-nosuch.csv?year=2020").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Every export is in the audit log (three so far), with what left.
        let exports = app
            .store
            .audit_events(&foljupp_store::AuditFilter {
                action: Some("export".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(exports.len(), 3, "{b}");
        assert!(
            exports.iter().any(|e| e.detail.contains("how_found")),
            "{b}"
        );

        // A range has no breakdowns on screen, so none to export.
        let (_, html, _) = page(&app, &ana, "/oversikt?from=2020-02-01&to=2020-06-30").await;
        assert!(html.contains("id=\"withheld\""), "{b}");
        assert!(!html.contains("id=\"cap-how_found\""));
        let (s, _, _) = page(
            &app,
            &ana,
            "/export/oversikt-how_found.csv?from=2020-02-01&to=2020-06-30",
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // A period typed wrong: the page comes back with the message and
        // the dates as typed.
        let (s, html, _) = page(&app, &ana, "/oversikt?from=2020-05-01&to=2020-04-01").await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
        assert!(html.contains("Till-datumet ligger före från-datumet"));
        assert!(html.contains("value=\"2020-05-01\"") && html.contains("value=\"2020-04-01\""));

        // District pages: the lead's own; another is refused.
        let (s, html, _) = page(&app, &lead, "/oversikt/farsta?year=2020").await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert!(html.contains("Översikt: Farsta 2020"));
        let (s, _, _) = page(&app, &lead, "/oversikt/rinkeby-kista?year=2020").await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, _) = page(&app, &ana, "/oversikt/narnia").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, csv, _) = page(&app, &lead, "/export/oversikt-how_found.csv?year=2020").await;
        assert_eq!(s, StatusCode::OK);
        let rows = csv_rows(csv.as_bytes());
        assert_eq!(
            rows[0],
            ["Svar eller kategori", "Farsta"],
            "{b}: only Farsta"
        );
        let (s, _, _) = page(
            &app,
            &lead,
            "/export/oversikt-how_found.csv?year=2020&district=rinkeby-kista",
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        // Registrants see the dashboard, but no committee report, exports
        // or completeness.
        let (s, html, _) = page(&app, &reg, "/oversikt?year=2020").await;
        assert_eq!(s, StatusCode::OK);
        assert!(!html.contains("/export/"), "{b}: no download links");
        for path in [
            "/rapport?year=2020",
            "/rapport.pdf?year=2020",
            "/inrapportering?year=2020",
            "/export/oversikt-how_found.csv?year=2020",
        ] {
            let (s, _, _) = page(&app, &reg, path).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{b} {path}");
        }
        let (s, html, _) = page(&app, &reg, "/jamstalldhet?year=2020").await;
        assert_eq!(s, StatusCode::OK);
        assert!(html.contains("Jämställdhetsanalys: Farsta"));

        // The committee report: the seed's sentences, with the projection.
        let (s, html, _) = page(&app, &ana, "/rapport?year=2020&as_of=2020-08-31").await;
        assert_eq!(s, StatusCode::OK, "{b}");
        assert!(
            html.contains("Om lika många samtal hålls under resten av året innebär det cirka 90 samtal under 2020."),
            "{b}"
        );
        assert!(html.contains("Under 2020 t.o.m. 2020-08-31 genomfördes 60 råd- och stödsamtal"));
        let (_, html, _) = page(&app, &ana, "/rapport?year=2020").await;
        assert!(
            html.contains("en ökning med 87,5 procent jämfört med 2019, då 32 samtal genomfördes"),
            "{b}"
        );
        assert!(!html.contains("Om lika många samtal"));
        let (s, pdf, headers) = page(&app, &lead, "/rapport.pdf?year=2020").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(headers["content-type"], "application/pdf");
        assert!(pdf.starts_with("%PDF-"), "{b}");

        // Completeness: nothing registered in T3, and Farsta's open
        // preschool's missing reports.
        let (s, html, _) = page(&app, &lead, "/inrapportering?year=2020").await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let rows = html_table(&html, "registreringar");
        // T2: 20 conversations and the open preschool's report dated 2 May.
        assert_eq!(rows, [["Farsta", "30", "21", "inget registrerat"]], "{b}");
        let rows = html_table(&html, "oppna-forskolan");
        assert_eq!(
            rows,
            [["Öppna förskolan Farsta", "inlämnad", "saknas", "saknas"]]
        );
        assert!(html.contains("Öppna förskolan Farsta (T2 2020)"));
        let (_, html, _) = page(&app, &ana, "/inrapportering?year=2020").await;
        assert_eq!(
            html_table(&html, "registreringar").len(),
            13,
            "{b}: every district"
        );
        assert!(html.contains("Bromma (T1 2020)"));
    }
}

#[tokio::test]
async fn the_command_line_writes_every_format() {
    let db = testing::fresh_sqlite_url();
    let app = App::start("sqlite", db.clone()).await;
    seed(&app).await;
    let dir = std::env::temp_dir().join(format!(
        "foljupp-report-{}",
        &foljupp_store::random_token()[..8]
    ));
    std::fs::create_dir_all(&dir).unwrap();
    for (format, starts) in [
        ("json", &b"{"[..]),
        ("csv", &b"\xEF\xBB\xBFtable,district,code,value"[..]),
        ("xlsx", &b"PK"[..]),
        ("html", &b"<!doctype html>"[..]),
        ("pdf", &b"%PDF-"[..]),
    ] {
        let file = dir.join(format!("r.{format}"));
        let out = foljupp(
            &db,
            &[
                "report",
                "--year",
                "2020",
                "--format",
                format,
                "--output",
                file.to_str().unwrap(),
            ],
            None,
        );
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = std::fs::read(&file).unwrap();
        assert!(bytes.starts_with(starts), "{format}");
    }
    let csv = std::fs::read_to_string(dir.join("r.csv")).unwrap();
    assert!(csv.contains("\nkpis,,conversations,60\n"));
    assert!(csv.contains("\nhow_found,farsta,web,<5\n"));
    let html = std::fs::read_to_string(dir.join("r.html")).unwrap();
    assert!(html.contains("genomfördes 60 råd- och stödsamtal"));
    // To standard output when it is not a terminal; unknown formats refused.
    let out = foljupp(
        &db,
        &[
            "report",
            "--year",
            "2020",
            "--tertial",
            "1",
            "--format",
            "pdf",
        ],
        None,
    );
    assert!(out.status.success());
    assert!(out.stdout.starts_with(b"%PDF-"));
    let out = foljupp(&db, &["report", "--year", "2020", "--format", "docx"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("välj json, csv, xlsx, html eller pdf"));
    let _ = std::fs::remove_dir_all(&dir);
}
