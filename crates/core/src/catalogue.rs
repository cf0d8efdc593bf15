//! The public catalogue of support (seeds 002 and 004): a common terminology
//! for the interventions a municipality offers, and per district whether an
//! intervention is offered, how to get in touch, the waiting time, the next
//! group start and free places.
//!
//! Nothing here is about a person: an offer is organisational information
//! that a district publishes, and its contact is a unit's public one.

use crate::{Date, Organisation};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An entry not updated for more than this many days is flagged as stale to
/// its district lead and the analysts.
pub const STALE_AFTER_DAYS: i64 = 90;

/// A group starting within this many weeks counts as "soon": a parent whose
/// district has no group that soon is shown where one starts sooner.
pub const SOON_WEEKS: i64 = 8;

/// The oldest a child in the catalogue's target group can be.
pub const MAX_AGE: u8 = 17;

/// Prevention level (Socialstyrelsen 2009, as used in seed 004).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Universal,
    Selective,
    Indicated,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Universal, Level::Selective, Level::Indicated];

    pub fn code(self) -> &'static str {
        match self {
            Level::Universal => "universal",
            Level::Selective => "selective",
            Level::Indicated => "indicated",
        }
    }

    pub fn label(self, en: bool) -> &'static str {
        match (self, en) {
            (Level::Universal, false) => "Universell prevention",
            (Level::Selective, false) => "Selektiv prevention",
            (Level::Indicated, false) => "Indikerad prevention",
            (Level::Universal, true) => "Universal prevention",
            (Level::Selective, true) => "Selective prevention",
            (Level::Indicated, true) => "Indicated prevention",
        }
    }

    /// One sentence that says who the level is for (seed 004's table).
    pub fn explanation(self, en: bool) -> &'static str {
        match (self, en) {
            (Level::Universal, false) => {
                "För alla föräldrar och barn, oavsett om något är svårt, för att stärka föräldraskapet innan problem uppstår."
            }
            (Level::Selective, false) => {
                "För föräldrar och barn i en situation som kan göra livet svårare, till exempel en separation, konflikter hemma eller att vara ny i Sverige."
            }
            (Level::Indicated, false) => {
                "För barn och föräldrar där problem redan har märkts, som stöd eller behandling."
            }
            (Level::Universal, true) => {
                "For all parents and children, whether or not anything is difficult, to strengthen parenting before problems arise."
            }
            (Level::Selective, true) => {
                "For parents and children in a situation that can make life harder, such as a separation, conflicts at home or being new to Sweden."
            }
            (Level::Indicated, true) => {
                "For children and parents where problems have already been noticed, as support or treatment."
            }
        }
    }
}

/// How one gets in: a service one simply contacts, or support granted after
/// an application and an assessment (bistånd).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterventionForm {
    Service,
    Assessed,
}

impl InterventionForm {
    pub const ALL: [InterventionForm; 2] = [InterventionForm::Service, InterventionForm::Assessed];

    pub fn code(self) -> &'static str {
        match self {
            InterventionForm::Service => "service",
            InterventionForm::Assessed => "assessed",
        }
    }

    pub fn label(self, en: bool) -> &'static str {
        match (self, en) {
            (InterventionForm::Service, false) => "Serviceinsats – ingen ansökan",
            (InterventionForm::Assessed, false) => "Biståndsbedömd – efter ansökan",
            (InterventionForm::Service, true) => "Service – no application",
            (InterventionForm::Assessed, true) => "Granted after an assessment",
        }
    }

    pub fn explanation(self, en: bool) -> &'static str {
        match (self, en) {
            (InterventionForm::Service, false) => {
                "Du kontaktar verksamheten direkt. Det görs ingen utredning och inget beslut."
            }
            (InterventionForm::Assessed, false) => {
                "Du ansöker hos socialtjänsten i din stadsdel, som utreder behovet och fattar ett beslut."
            }
            (InterventionForm::Service, true) => {
                "You contact the service directly. There is no investigation and no decision."
            }
            (InterventionForm::Assessed, true) => {
                "You apply to the social services of your district, who assess the need and take a decision."
            }
        }
    }
}

/// The kind of support (DOMAIN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    ParentingProgramme,
    ChildrensGroup,
    AdviceConversation,
    HomeVisit,
    OpenActivity,
    Other,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::ParentingProgramme,
        Category::ChildrensGroup,
        Category::AdviceConversation,
        Category::HomeVisit,
        Category::OpenActivity,
        Category::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Category::ParentingProgramme => "parenting_programme",
            Category::ChildrensGroup => "childrens_group",
            Category::AdviceConversation => "advice_conversation",
            Category::HomeVisit => "home_visit",
            Category::OpenActivity => "open_activity",
            Category::Other => "other",
        }
    }

    pub fn label(self, en: bool) -> &'static str {
        match (self, en) {
            (Category::ParentingProgramme, false) => "Föräldraskapsstödsprogram",
            (Category::ChildrensGroup, false) => "Barngrupp",
            (Category::AdviceConversation, false) => "Rådgivande samtal",
            (Category::HomeVisit, false) => "Hembesök",
            (Category::OpenActivity, false) => "Öppen verksamhet",
            (Category::Other, false) => "Annat stöd",
            (Category::ParentingProgramme, true) => "Parenting programme",
            (Category::ChildrensGroup, true) => "Children's group",
            (Category::AdviceConversation, true) => "Advice conversations",
            (Category::HomeVisit, true) => "Home visits",
            (Category::OpenActivity, true) => "Open activity",
            (Category::Other, true) => "Other support",
        }
    }

    /// Whether the support runs in groups that start on a date, so that the
    /// next start matters for when a parent can begin.
    pub fn has_group_starts(self) -> bool {
        matches!(
            self,
            Category::ParentingProgramme | Category::ChildrensGroup
        )
    }
}

macro_rules! from_code {
    ($($t:ty),*) => {$(
        impl std::str::FromStr for $t {
            type Err = String;
            fn from_str(s: &str) -> Result<$t, String> {
                <$t>::ALL
                    .into_iter()
                    .find(|v| v.code() == s)
                    .ok_or_else(|| {
                        let codes: Vec<&str> = <$t>::ALL.iter().map(|v| v.code()).collect();
                        format!("Okänt värde {s:?}. Välj ett av: {}.", codes.join(", "))
                    })
            }
        }
    )*};
}
from_code!(Level, InterventionForm, Category);

/// An intervention (insats) of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intervention {
    /// Stable machine code (the programme codes of the forms where one exists).
    pub code: String,
    pub name_sv: String,
    pub name_en: String,
    pub description_sv: String,
    pub description_en: String,
    pub level: Level,
    pub form: InterventionForm,
    pub category: Category,
    /// Also for expecting parents.
    #[serde(default)]
    pub expecting: bool,
    /// Children's ages in whole years, both ends included.
    pub age_min: u8,
    pub age_max: u8,
    /// Languages it is given in: ISO 639 codes as in the forms' language list,
    /// plus `sv` and `en`.
    pub languages: Vec<String>,
    #[serde(default)]
    pub retired: bool,
}

impl Intervention {
    pub fn name(&self, en: bool) -> &str {
        if en {
            &self.name_en
        } else {
            &self.name_sv
        }
    }

    pub fn description(&self, en: bool) -> &str {
        if en {
            &self.description_en
        } else {
            &self.description_sv
        }
    }

    /// "Väntar barn, 0–6 år" / "Expecting, 0–6 years".
    pub fn ages_label(&self, en: bool) -> String {
        let years = if self.age_min == self.age_max {
            format!("{}", self.age_min)
        } else {
            format!("{}–{}", self.age_min, self.age_max)
        };
        match (self.expecting, en) {
            (true, false) => format!("Väntar barn, {years} år"),
            (false, false) => format!("{years} år"),
            (true, true) => format!("Expecting, {years} years"),
            (false, true) => format!("{years} years"),
        }
    }

    /// Checks the fields an admin may enter; every problem as (field, Swedish
    /// message). `known_languages` are the codes of the forms' language list.
    pub fn check(&self, known_languages: &[&str]) -> Vec<(String, String)> {
        let mut errs = Vec::new();
        let mut err = |f: &str, m: String| errs.push((f.to_string(), m));
        if !valid_code(&self.code) {
            err(
                "code",
                "Koden ska vara 2–40 tecken: små bokstäver a–z, siffror och understreck, till exempel komet eller cos_p.".into(),
            );
        } else if RESERVED_CODES.contains(&self.code.as_str()) {
            err(
                "code",
                format!(
                    "Koden ”{}” är namnet på en sida i katalogen. Välj en annan kod.",
                    self.code
                ),
            );
        }
        for (f, v, max) in [
            ("name_sv", &self.name_sv, 120),
            ("name_en", &self.name_en, 120),
            ("description_sv", &self.description_sv, 2000),
            ("description_en", &self.description_en, 2000),
        ] {
            if v.trim().is_empty() {
                err(f, "Fältet får inte vara tomt.".into());
            } else if v.chars().count() > max {
                err(f, format!("Texten är för lång: högst {max} tecken."));
            }
        }
        if self.age_min > MAX_AGE {
            err(
                "age_min",
                format!("Ange en ålder mellan 0 och {MAX_AGE} år."),
            );
        }
        if self.age_max > MAX_AGE {
            err(
                "age_max",
                format!("Ange en ålder mellan 0 och {MAX_AGE} år."),
            );
        } else if self.age_min > self.age_max {
            err(
                "age_max",
                "Högsta åldern är lägre än lägsta åldern. Byt plats på dem.".into(),
            );
        }
        if self.languages.is_empty() {
            err(
                "languages",
                "Ange minst ett språk som insatsen ges på, till exempel sv.".into(),
            );
        }
        for l in &self.languages {
            if l != "sv" && l != "en" && !known_languages.contains(&l.as_str()) {
                err(
                    "languages",
                    format!("Språkkoden {l:?} finns inte i språklistan. Använd koder som sv, en, ar, so."),
                );
            }
        }
        errs
    }

    /// Whether it is for a child of this age (or for expecting parents).
    pub fn fits_age(&self, age: AgeFilter) -> bool {
        match age {
            AgeFilter::Expecting => self.expecting,
            AgeFilter::Years(y) => self.age_min <= y && y <= self.age_max,
        }
    }
}

/// Codes that are the names of catalogue pages (`/katalog/redigera`, …).
const RESERVED_CODES: [&str; 4] = ["ny", "redigera", "inaktuella", "vantetider"];

fn valid_code(s: &str) -> bool {
    (2..=40).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && s.starts_with(|c: char| c.is_ascii_lowercase())
}

#[derive(Deserialize)]
struct CatalogueFile {
    interventions: Vec<Intervention>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("katalogfilen kunde inte läsas: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("insatsen {0:?}: {1}")]
    Invalid(String, String),
}

/// The interventions named in the seeds, with levels and forms, in the order
/// they are shown. Loaded into a new database; admins edit them there.
pub fn default_interventions() -> Vec<Intervention> {
    // The shipped file is covered by a test, so a failure here is a build
    // defect, not a user error.
    match interventions_from_toml(include_str!("../defaults/catalogue.toml"), &[]) {
        Ok(v) => v,
        Err(e) => panic!("shipped catalogue.toml is invalid: {e}"),
    }
}

/// Reads a catalogue file. Languages are checked against `known_languages`
/// unless it is empty.
pub fn interventions_from_toml(
    text: &str,
    known_languages: &[&str],
) -> Result<Vec<Intervention>, CatalogueError> {
    let file: CatalogueFile = toml::from_str(text)?;
    let mut seen = std::collections::HashSet::new();
    for i in &file.interventions {
        if !seen.insert(i.code.as_str()) {
            return Err(CatalogueError::Invalid(
                i.code.clone(),
                "koden förekommer mer än en gång".into(),
            ));
        }
        let problems: Vec<_> = i
            .check(known_languages)
            .into_iter()
            .filter(|(f, _)| !(known_languages.is_empty() && f == "languages"))
            .collect();
        if let Some((f, m)) = problems.first() {
            return Err(CatalogueError::Invalid(i.code.clone(), format!("{f}: {m}")));
        }
    }
    Ok(file.interventions)
}

/// A district's public contact for an intervention: a unit, never a person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub unit: String,
    pub phone: String,
    pub email: String,
}

/// What one district offers of one intervention, as its lead last entered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offer {
    pub intervention: String,
    pub district: String,
    pub offered: bool,
    pub contact: Contact,
    /// Weeks from asking to starting; 0 = no queue; None = not given.
    pub waiting_weeks: Option<u32>,
    pub next_start: Option<Date>,
    pub free_places: Option<u32>,
    pub updated_on: Date,
}

impl Offer {
    /// Not updated for more than [`STALE_AFTER_DAYS`] days.
    pub fn is_stale(&self, today: Date) -> bool {
        (today - self.updated_on).whole_days() > STALE_AFTER_DAYS
    }
}

/// One recorded state of an offer, kept for waiting-time trends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfferSnapshot {
    pub intervention: String,
    pub district: String,
    pub recorded_on: Date,
    pub offered: bool,
    pub waiting_weeks: Option<u32>,
    pub free_places: Option<u32>,
}

/// The raw values of the offer form, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OfferInput {
    #[serde(default)]
    pub offered: String,
    #[serde(default)]
    pub contact_unit: String,
    #[serde(default)]
    pub contact_phone: String,
    #[serde(default)]
    pub contact_email: String,
    #[serde(default)]
    pub waiting_weeks: String,
    #[serde(default)]
    pub next_start: String,
    #[serde(default)]
    pub free_places: String,
}

impl OfferInput {
    pub fn of(o: &Offer) -> OfferInput {
        OfferInput {
            offered: if o.offered { "yes" } else { "no" }.into(),
            contact_unit: o.contact.unit.clone(),
            contact_phone: o.contact.phone.clone(),
            contact_email: o.contact.email.clone(),
            waiting_weeks: o.waiting_weeks.map(|w| w.to_string()).unwrap_or_default(),
            next_start: o.next_start.map(crate::format_date).unwrap_or_default(),
            free_places: o.free_places.map(|w| w.to_string()).unwrap_or_default(),
        }
    }

    /// Validates the form into an offer updated `today`, or lists every
    /// problem as (field, Swedish message that says what to fix).
    pub fn decode(
        &self,
        intervention: &str,
        district: &str,
        today: Date,
    ) -> Result<Offer, Vec<(String, String)>> {
        let mut errs: Vec<(String, String)> = Vec::new();
        let offered = match self.offered.trim() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => {
                errs.push((
                    "offered".into(),
                    "Ange om insatsen erbjuds i stadsdelen: Ja eller Nej.".into(),
                ));
                None
            }
        };
        let unit = self.contact_unit.trim().to_string();
        let phone = self.contact_phone.trim().to_string();
        let email = self.contact_email.trim().to_string();
        if unit.chars().count() > 120 {
            errs.push((
                "contact_unit".into(),
                "Enhetens namn är för långt: högst 120 tecken.".into(),
            ));
        } else if unit.contains('@') || unit.chars().filter(char::is_ascii_digit).count() >= 5 {
            errs.push((
                "contact_unit".into(),
                "Skriv bara enhetens namn här, till exempel ”Familjecentralen Husby”. Telefon och e-post har egna fält.".into(),
            ));
        }
        if !phone.is_empty() && !valid_phone(&phone) {
            errs.push((
                "contact_phone".into(),
                "Ange enhetens telefonnummer med siffror, till exempel 08-508 25 904.".into(),
            ));
        }
        if !email.is_empty() && !valid_email(&email) {
            errs.push((
                "contact_email".into(),
                "Ange enhetens e-postadress, till exempel familjecentralen.husby@stockholm.se."
                    .into(),
            ));
        }
        if offered == Some(true) {
            if unit.is_empty() {
                errs.push((
                    "contact_unit".into(),
                    "Ange vilken enhet föräldrar ska kontakta.".into(),
                ));
            }
            if phone.is_empty() && email.is_empty() {
                errs.push((
                    "contact_phone".into(),
                    "Ange enhetens telefonnummer eller e-postadress, så att föräldrar kan nå er."
                        .into(),
                ));
            }
        }
        let waiting_weeks = match parse_count(&self.waiting_weeks, 104) {
            Ok(v) => v,
            Err(()) => {
                errs.push((
                    "waiting_weeks".into(),
                    "Ange väntetiden i hela veckor, 0–104 (0 betyder ingen kö), eller lämna tomt."
                        .into(),
                ));
                None
            }
        };
        let free_places = match parse_count(&self.free_places, 500) {
            Ok(v) => v,
            Err(()) => {
                errs.push((
                    "free_places".into(),
                    "Ange antalet lediga platser som ett heltal 0–500, eller lämna tomt.".into(),
                ));
                None
            }
        };
        let next_start = match self.next_start.trim() {
            "" => None,
            s => match crate::parse_date(s) {
                None => {
                    errs.push((
                        "next_start".into(),
                        "Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2025-03-10.".into(),
                    ));
                    None
                }
                Some(d) if d < today => {
                    errs.push((
                        "next_start".into(),
                        "Datumet har redan passerat. Ange nästa start som ligger framåt i tiden, eller lämna tomt.".into(),
                    ));
                    None
                }
                Some(d) if (d - today).whole_days() > 2 * 366 => {
                    errs.push((
                        "next_start".into(),
                        "Datumet ligger mer än två år fram. Kontrollera årtalet.".into(),
                    ));
                    None
                }
                Some(d) => Some(d),
            },
        };
        let Some(offered) = offered else {
            return Err(errs);
        };
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(Offer {
            intervention: intervention.to_string(),
            district: district.to_string(),
            offered,
            contact: Contact { unit, phone, email },
            // Waiting time, start and places describe an offer that exists.
            waiting_weeks: waiting_weeks.filter(|_| offered),
            next_start: next_start.filter(|_| offered),
            free_places: free_places.filter(|_| offered),
            updated_on: today,
        })
    }
}

fn parse_count(s: &str, max: u32) -> Result<Option<u32>, ()> {
    match s.trim() {
        "" => Ok(None),
        t => match t.parse::<u32>() {
            Ok(n) if n <= max => Ok(Some(n)),
            _ => Err(()),
        },
    }
}

fn valid_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    s.len() <= 30
        && (6..=15).contains(&digits)
        && s.chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || matches!(c, ' ' | '-') || (c == '+' && i == 0))
}

fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let ok_chars = |p: &str, extra: &str| {
        p.chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
    };
    s.len() <= 254
        && !local.is_empty()
        && ok_chars(local, ".-_+")
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && ok_chars(domain, ".-")
}

/// The child's age a parent filters by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeFilter {
    Expecting,
    Years(u8),
}

impl AgeFilter {
    pub fn code(self) -> String {
        match self {
            AgeFilter::Expecting => "expecting".into(),
            AgeFilter::Years(y) => y.to_string(),
        }
    }

    pub fn parse(s: &str) -> Option<AgeFilter> {
        match s {
            "expecting" => Some(AgeFilter::Expecting),
            _ => s
                .parse::<u8>()
                .ok()
                .filter(|y| *y <= MAX_AGE && !s.starts_with('+'))
                .map(AgeFilter::Years),
        }
    }
}

/// The catalogue's filters; an empty filter shows everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub age: Option<AgeFilter>,
    pub language: Option<String>,
    /// Only interventions this district offers.
    pub district: Option<String>,
    pub category: Option<Category>,
}

impl Filter {
    /// Whether `i` passes; `offers` are the intervention's offers (any
    /// districts).
    pub fn matches(&self, i: &Intervention, offers: &[&Offer]) -> bool {
        !i.retired
            && self.age.is_none_or(|a| i.fits_age(a))
            && self
                .language
                .as_ref()
                .is_none_or(|l| i.languages.iter().any(|x| x == l))
            && self.category.is_none_or(|c| i.category == c)
            && self.district.as_ref().is_none_or(|d| {
                offers
                    .iter()
                    .any(|o| o.intervention == i.code && &o.district == d && o.offered)
            })
    }
}

/// Whether a parent of `own` district should be shown other districts: the
/// district does not offer it (or has said nothing), has a queue, or (for
/// group-based support) has no group starting within [`SOON_WEEKS`].
pub fn needs_alternatives(i: &Intervention, own: Option<&Offer>, today: Date) -> bool {
    let Some(o) = own.filter(|o| o.offered) else {
        return true;
    };
    if o.waiting_weeks.is_some_and(|w| w > 0) {
        return true;
    }
    i.category.has_group_starts()
        && o.next_start
            .is_none_or(|d| d < today || (d - today).whole_days() > SOON_WEEKS * 7)
}

/// Other districts offering the intervention with a group starting today or
/// later: nearest start first, then shorter waiting time (unknown last), then
/// district name.
pub fn alternatives<'a>(
    offers: &'a [Offer],
    own_district: &str,
    today: Date,
    org: &Organisation,
) -> Vec<&'a Offer> {
    let mut v: Vec<&Offer> = offers
        .iter()
        .filter(|o| o.offered && o.district != own_district)
        .filter(|o| o.next_start.is_some_and(|d| d >= today))
        .collect();
    v.sort_by(|a, b| {
        a.next_start
            .cmp(&b.next_start)
            .then(
                a.waiting_weeks
                    .unwrap_or(u32::MAX)
                    .cmp(&b.waiting_weeks.unwrap_or(u32::MAX)),
            )
            .then_with(|| {
                org.district_name(&a.district)
                    .cmp(org.district_name(&b.district))
            })
    });
    v
}

/// The alternatives a parent of `own` actually gains from: those starting
/// before the own district's next group. When the own district has a queue
/// (its next group is full) or no start, every alternative counts.
pub fn sooner_alternatives<'a>(
    offers: &'a [Offer],
    own: Option<&Offer>,
    own_district: &str,
    today: Date,
    org: &Organisation,
) -> Vec<&'a Offer> {
    let bound = own
        .filter(|o| o.offered && o.waiting_weeks.is_none_or(|w| w == 0))
        .and_then(|o| o.next_start);
    alternatives(offers, own_district, today, org)
        .into_iter()
        .filter(|a| bound.is_none_or(|b| a.next_start.is_some_and(|d| d < b)))
        .collect()
}

/// For support without group starts (conversations, home visits, open
/// activities): other districts that offer it with a known waiting time
/// shorter than the own district's (any known time when the own district
/// does not offer it), shortest first, then by name.
pub fn shorter_waits<'a>(
    offers: &'a [Offer],
    own: Option<&Offer>,
    own_district: &str,
    org: &Organisation,
) -> Vec<&'a Offer> {
    let own_wait = own
        .filter(|o| o.offered)
        .map(|o| o.waiting_weeks.unwrap_or(u32::MAX));
    let mut v: Vec<&Offer> = offers
        .iter()
        .filter(|o| o.offered && o.district != own_district)
        .filter(|o| {
            o.waiting_weeks
                .is_some_and(|w| own_wait.is_none_or(|own| w < own))
        })
        .collect();
    v.sort_by(|a, b| {
        a.waiting_weeks.cmp(&b.waiting_weeks).then_with(|| {
            org.district_name(&a.district)
                .cmp(org.district_name(&b.district))
        })
    });
    v
}

/// The first day of each of the `n` months ending with the month of `today`,
/// oldest first.
pub fn last_months(today: Date, n: usize) -> Vec<Date> {
    let mut out = Vec::with_capacity(n);
    let mut y = today.year();
    let mut m = u8::from(today.month());
    for _ in 0..n {
        if let Ok(month) = time::Month::try_from(m) {
            if let Ok(d) = Date::from_calendar_date(y, month, 1) {
                out.push(d);
            }
        }
        if m == 1 {
            m = 12;
            y -= 1;
        } else {
            m -= 1;
        }
    }
    out.reverse();
    out
}

/// Waiting time per district at the end of each month (the last value
/// recorded on or before that day, or today for the running month); None
/// where nothing was recorded yet or the district did not offer it then.
/// Districts without any history are left out.
pub fn waiting_trend(
    history: &[OfferSnapshot],
    months: &[Date],
    today: Date,
) -> BTreeMap<String, Vec<Option<u32>>> {
    let mut by_district: BTreeMap<&str, Vec<&OfferSnapshot>> = BTreeMap::new();
    for s in history {
        by_district.entry(&s.district).or_default().push(s);
    }
    let mut out = BTreeMap::new();
    for (district, mut snaps) in by_district {
        snaps.sort_by_key(|s| s.recorded_on);
        let values = months
            .iter()
            .map(|first| {
                let end = month_end(*first).min(today);
                snaps
                    .iter()
                    .rev()
                    .find(|s| s.recorded_on <= end)
                    .filter(|s| s.offered)
                    .and_then(|s| s.waiting_weeks)
            })
            .collect();
        out.insert(district.to_string(), values);
    }
    out
}

fn month_end(first: Date) -> Date {
    let next = if first.month() == time::Month::December {
        Date::from_calendar_date(first.year() + 1, time::Month::January, 1)
    } else {
        Date::from_calendar_date(first.year(), first.month().next(), 1)
    };
    next.ok().and_then(|d| d.previous_day()).unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn offer(d: &str, offered: bool, wait: Option<u32>, start: Option<Date>) -> Offer {
        Offer {
            intervention: "komet".into(),
            district: d.into(),
            offered,
            contact: Contact::default(),
            waiting_weeks: wait,
            next_start: start,
            free_places: Some(3),
            updated_on: date!(2025 - 01 - 01),
        }
    }

    #[test]
    fn the_shipped_catalogue_names_every_intervention_of_the_seeds() {
        let forms = crate::FormSet::defaults();
        let langs: Vec<&str> = forms
            .list("language")
            .map(|l| l.options.iter().map(|o| o.code.as_str()).collect())
            .unwrap_or_default();
        let all = interventions_from_toml(include_str!("../defaults/catalogue.toml"), &langs)
            .expect("valid with the forms' languages");
        let codes: Vec<&str> = all.iter().map(|i| i.code.as_str()).collect();
        for c in [
            "advice_conversation",
            "home_visit_programme",
            "open_preschool",
            "abc",
            "fos",
            "cos_p",
            "komet",
            "ungdomskomet",
            "ikomet",
            "familjeverkstan",
            "connect",
            "active_parenting",
            "icdp",
            "skilda_varldar",
            "trappan",
            "group_meetings",
        ] {
            assert!(codes.contains(&c), "missing {c}");
        }
        // Programme codes are those of the programme-group form, so that the
        // catalogue and the follow-up speak the same terminology.
        let programmes = forms.list("programme").expect("programme list");
        for i in all
            .iter()
            .filter(|i| i.category == Category::ParentingProgramme)
        {
            assert!(programmes.label(&i.code).is_some(), "{}", i.code);
        }
        let level = |c: &str| all.iter().find(|i| i.code == c).map(|i| i.level);
        assert_eq!(level("advice_conversation"), Some(Level::Universal));
        assert_eq!(level("komet"), Some(Level::Selective));
        assert_eq!(level("trappan"), Some(Level::Indicated));
        assert!(all.iter().all(|i| !i.retired));
    }

    #[test]
    fn codes_and_ages_are_checked() {
        let mut i = default_interventions().remove(0);
        assert!(i.check(&["ar"]).is_empty(), "{:?}", i.check(&["ar"]));
        i.code = "Ny Insats".into();
        i.age_min = 12;
        i.age_max = 6;
        i.languages = vec!["xx".into()];
        let fields: Vec<String> = i.check(&["ar"]).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["code", "age_max", "languages"]);
        i.code = "ny".into();
        assert_eq!(i.check(&["ar"])[0].0, "code");
    }

    #[test]
    fn an_offer_form_keeps_unit_contacts_and_says_what_to_fix() {
        let today = date!(2025 - 03 - 01);
        let good = OfferInput {
            offered: "yes".into(),
            contact_unit: "Familjecentralen Husby".into(),
            contact_phone: "08-508 25 904".into(),
            contact_email: "familjecentralen.husby@stockholm.se".into(),
            waiting_weeks: "3".into(),
            next_start: "2025-04-01".into(),
            free_places: "4".into(),
        };
        let o = good.decode("komet", "rinkeby-kista", today).unwrap();
        assert_eq!(o.waiting_weeks, Some(3));
        assert_eq!(o.next_start, Some(date!(2025 - 04 - 01)));
        assert_eq!(o.updated_on, today);
        assert_eq!(OfferInput::of(&o).next_start, "2025-04-01");

        let bad = OfferInput {
            offered: "yes".into(),
            contact_unit: "Anna 070-123 45 67".into(),
            contact_phone: "ring mig".into(),
            contact_email: "anna@".into(),
            waiting_weeks: "-1".into(),
            next_start: "2025-02-01".into(),
            free_places: "many".into(),
        };
        let fields: Vec<String> = bad
            .decode("komet", "farsta", today)
            .unwrap_err()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(
            fields,
            [
                "contact_unit",
                "contact_phone",
                "contact_email",
                "waiting_weeks",
                "free_places",
                "next_start"
            ]
        );
        // Offered needs a unit and a way to reach it; not offered needs nothing,
        // and drops waiting time, start and places.
        let bare = OfferInput {
            offered: "yes".into(),
            ..Default::default()
        };
        let fields: Vec<String> = bare
            .decode("komet", "farsta", today)
            .unwrap_err()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, ["contact_unit", "contact_phone"]);
        let not = OfferInput {
            offered: "no".into(),
            waiting_weeks: "5".into(),
            ..Default::default()
        };
        let o = not.decode("komet", "farsta", today).unwrap();
        assert!(!o.offered);
        assert_eq!(o.waiting_weeks, None);
        assert!(OfferInput::default()
            .decode("komet", "farsta", today)
            .is_err());
    }

    #[test]
    fn alternatives_start_nearest_first_then_shorter_wait_then_name() {
        let org = Organisation::stockholm();
        let today = date!(2025 - 03 - 01);
        let offers = vec![
            offer("farsta", true, Some(6), Some(date!(2025 - 06 - 01))),
            offer("skarholmen", true, Some(2), Some(date!(2025 - 03 - 20))),
            offer("bromma", true, Some(2), Some(date!(2025 - 03 - 20))),
            offer("kungsholmen", true, Some(0), Some(date!(2025 - 03 - 20))),
            offer("norrmalm", true, None, Some(date!(2025 - 03 - 10))),
            offer("sodermalm", true, Some(0), Some(date!(2025 - 02 - 20))), // past
            offer("ostermalm", false, Some(0), Some(date!(2025 - 03 - 05))), // not offered
            offer("skarpnack", true, Some(0), None),                        // no start
        ];
        let alts: Vec<&str> = alternatives(&offers, "farsta", today, &org)
            .iter()
            .map(|o| o.district.as_str())
            .collect();
        assert_eq!(alts, ["norrmalm", "kungsholmen", "bromma", "skarholmen"]);
        // Today's start counts.
        let mut o2 = offers.clone();
        o2[0].next_start = Some(today);
        let alts = alternatives(&o2, "bromma", today, &org);
        assert_eq!(alts[0].district, "farsta");

        let i = default_interventions()
            .into_iter()
            .find(|i| i.code == "komet")
            .unwrap();
        // Farsta: a queue of six weeks.
        assert!(needs_alternatives(&i, Some(&offers[0]), today));
        // Kungsholmen: no queue and a start within 8 weeks.
        assert!(!needs_alternatives(&i, Some(&offers[3]), today));
        // Skarpnäck: no start at all; Östermalm: not offered; nothing said.
        assert!(needs_alternatives(&i, Some(&offers[7]), today));
        assert!(needs_alternatives(&i, Some(&offers[6]), today));
        assert!(needs_alternatives(&i, None, today));
        // No queue but the next group only in four months.
        let late = offer("farsta", true, Some(0), Some(date!(2025 - 07 - 01)));
        assert!(needs_alternatives(&i, Some(&late), today));
        let sooner: Vec<&str> = sooner_alternatives(&offers, Some(&late), "farsta", today, &org)
            .iter()
            .map(|o| o.district.as_str())
            .collect();
        assert_eq!(sooner, ["norrmalm", "kungsholmen", "bromma", "skarholmen"]);
        let mid = offer("farsta", true, Some(0), Some(date!(2025 - 03 - 15)));
        let sooner: Vec<&str> = sooner_alternatives(&offers, Some(&mid), "farsta", today, &org)
            .iter()
            .map(|o| o.district.as_str())
            .collect();
        assert_eq!(sooner, ["norrmalm"]);
        // A conversation service has no group starts: only queues count.
        let conv = default_interventions()
            .into_iter()
            .find(|i| i.code == "advice_conversation")
            .unwrap();
        assert!(!needs_alternatives(
            &conv,
            Some(&offer("farsta", true, Some(0), None)),
            today
        ));
        let shorter: Vec<&str> = shorter_waits(&offers, Some(&offers[0]), "farsta", &org)
            .iter()
            .map(|o| o.district.as_str())
            .collect();
        assert_eq!(
            shorter,
            [
                "kungsholmen",
                "skarpnack",
                "sodermalm",
                "bromma",
                "skarholmen"
            ]
        );
    }

    #[test]
    fn staleness_is_more_than_ninety_days() {
        let mut o = offer("farsta", true, Some(0), None);
        o.updated_on = date!(2025 - 01 - 01);
        assert!(!o.is_stale(date!(2025 - 04 - 01))); // 90 days
        assert!(o.is_stale(date!(2025 - 04 - 02))); // 91 days
    }

    #[test]
    fn filters_combine() {
        let all = default_interventions();
        let offers = [offer("farsta", true, Some(0), None)];
        let refs: Vec<&Offer> = offers.iter().collect();
        let pick = |f: &Filter| -> Vec<&str> {
            all.iter()
                .filter(|i| f.matches(i, &refs))
                .map(|i| i.code.as_str())
                .collect()
        };
        let teen = Filter {
            age: Some(AgeFilter::Years(14)),
            category: Some(Category::ParentingProgramme),
            ..Default::default()
        };
        let got = pick(&teen);
        assert!(got.contains(&"ungdomskomet") && got.contains(&"connect"));
        assert!(!got.contains(&"komet") && !got.contains(&"cos_p"));
        let expecting = Filter {
            age: Some(AgeFilter::Expecting),
            ..Default::default()
        };
        assert!(pick(&expecting).contains(&"advice_conversation"));
        assert!(!pick(&expecting).contains(&"komet"));
        let somali = Filter {
            language: Some("so".into()),
            ..Default::default()
        };
        assert!(pick(&somali).contains(&"fos"));
        assert!(!pick(&somali).contains(&"komet"));
        let farsta = Filter {
            district: Some("farsta".into()),
            ..Default::default()
        };
        assert_eq!(pick(&farsta), ["komet"]);
        assert_eq!(AgeFilter::parse("17"), Some(AgeFilter::Years(17)));
        assert_eq!(AgeFilter::parse("18"), None);
        assert_eq!(AgeFilter::parse("+3"), None);
    }

    #[test]
    fn the_trend_carries_the_last_value_to_each_month_end() {
        let snap = |d: &str, on: Date, offered: bool, w: Option<u32>| OfferSnapshot {
            intervention: "komet".into(),
            district: d.into(),
            recorded_on: on,
            offered,
            waiting_weeks: w,
            free_places: None,
        };
        let history = [
            snap("farsta", date!(2025 - 01 - 10), true, Some(8)),
            snap("farsta", date!(2025 - 01 - 20), true, Some(6)),
            snap("farsta", date!(2025 - 03 - 05), true, Some(2)),
            snap("bromma", date!(2025 - 02 - 01), false, None),
            snap("bromma", date!(2025 - 03 - 31), true, Some(1)),
        ];
        let today = date!(2025 - 04 - 15);
        let months = last_months(today, 5);
        assert_eq!(months[0], date!(2024 - 12 - 01));
        assert_eq!(months[4], date!(2025 - 04 - 01));
        let t = waiting_trend(&history, &months, today);
        assert_eq!(t["farsta"], [None, Some(6), Some(6), Some(2), Some(2)]);
        assert_eq!(t["bromma"], [None, None, None, Some(1), Some(1)]);
        assert_eq!(month_end(date!(2024 - 02 - 01)), date!(2024 - 02 - 29));
        assert_eq!(month_end(date!(2024 - 12 - 01)), date!(2024 - 12 - 31));
    }
}
