//! The organisation of one municipality: districts, units, residential areas
//! and home-visit programme sites.

use crate::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    FamilyCentre,
    AdviceService,
    OpenPreschool,
}

impl UnitKind {
    pub fn label_sv(self) -> &'static str {
        match self {
            UnitKind::FamilyCentre => "Familjecentral",
            UnitKind::AdviceService => "Föräldrarådgivning",
            UnitKind::OpenPreschool => "Öppen förskola",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub district: String,
    pub kind: UnitKind,
    /// From this day the unit takes no registrations; its history stays.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::config::date_format::option"
    )]
    pub retired_on: Option<Date>,
}

impl Unit {
    /// Whether the unit takes registrations of activities on `day`.
    pub fn open_on(&self, day: Date) -> bool {
        self.retired_on.is_none_or(|r| day < r)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct District {
    pub code: String,
    pub name: String,
    /// Residential areas that belong to this district, as (code, name).
    pub areas: Vec<(String, String)>,
    /// Set when this district was merged into another: from `merged_on`
    /// its registrations, old ones included, are reported under that one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merger: Option<Merger>,
}

/// A district's merger into another (e.g. Stockholm's 14 districts became 13
/// in 2020): nothing stored is rewritten, the report maps the district.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Merger {
    pub into: String,
    #[serde(with = "crate::config::date_format")]
    pub on: Date,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organisation {
    pub code: String,
    pub name: String,
    pub districts: Vec<District>,
    pub units: Vec<Unit>,
    /// Residential areas outside every district ("outside", "unknown").
    pub common_areas: Vec<(String, String)>,
    pub programme_sites: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct OrganisationFile {
    code: String,
    name: String,
    districts: Vec<District>,
    #[serde(default)]
    units: Vec<Unit>,
    #[serde(default)]
    common_areas: Vec<(String, String)>,
    #[serde(default)]
    programme_sites: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum OrganisationError {
    #[error("organisationsfilen kunde inte läsas: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("koden {0:?} förekommer mer än en gång")]
    DuplicateCode(String),
    #[error("{0}")]
    Invalid(String),
}

/// A machine code: lowercase letters, digits, `-` and `_`, 1–64 characters,
/// starting with a letter or digit (CODES.md's codes all fit).
pub fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && s.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

impl Organisation {
    /// Stockholm's 13 districts of CODES.md, with a family centre, an advice
    /// service and an open preschool in each (demo and default data).
    pub fn stockholm() -> Organisation {
        // The shipped file is part of the binary and covered by a test, so a
        // failure here is a build defect, not a user error.
        match Organisation::from_toml(include_str!("../defaults/stockholm.toml")) {
            Ok(o) => o,
            Err(e) => panic!("shipped stockholm.toml is invalid: {e}"),
        }
    }

    pub fn from_toml(text: &str) -> Result<Organisation, OrganisationError> {
        let file: OrganisationFile = toml::from_str(text)?;
        let mut units = file.units;
        if units.is_empty() {
            for d in &file.districts {
                for (suffix, name, kind) in [
                    ("familjecentral", "Familjecentralen", UnitKind::FamilyCentre),
                    (
                        "foraldraradgivning",
                        "Föräldrarådgivningen",
                        UnitKind::AdviceService,
                    ),
                    (
                        "oppna-forskolan",
                        "Öppna förskolan",
                        UnitKind::OpenPreschool,
                    ),
                ] {
                    units.push(Unit {
                        code: format!("{}-{}", d.code, suffix),
                        name: format!("{name} {}", d.name),
                        district: d.code.clone(),
                        kind,
                        retired_on: None,
                    });
                }
            }
        }
        let org = Organisation {
            code: file.code,
            name: file.name,
            districts: file.districts,
            units,
            common_areas: file.common_areas,
            programme_sites: file.programme_sites,
        };
        org.validate()?;
        Ok(org)
    }

    /// Checks what a hand-edited or imported organisation could get wrong:
    /// duplicate or malformed codes, units of unknown districts, mergers
    /// into unknown, merged or the same districts.
    pub fn validate(&self) -> Result<(), OrganisationError> {
        let invalid = |m: String| Err(OrganisationError::Invalid(m));
        if !is_code(&self.code) {
            return invalid(format!(
                "Kommunkoden {:?} är ogiltig: använd små bokstäver a–z, siffror och bindestreck.",
                self.code
            ));
        }
        if self.name.trim().is_empty() {
            return invalid(format!("Kommunen {} saknar namn.", self.code));
        }
        let mut seen = std::collections::HashSet::new();
        for code in self
            .districts
            .iter()
            .map(|d| &d.code)
            .chain(self.units.iter().map(|u| &u.code))
        {
            if !seen.insert(code) {
                return Err(OrganisationError::DuplicateCode(code.clone()));
            }
        }
        let mut areas = std::collections::HashSet::new();
        for (code, _) in self
            .districts
            .iter()
            .flat_map(|d| d.areas.iter())
            .chain(self.common_areas.iter())
        {
            if !areas.insert(code) {
                return Err(OrganisationError::DuplicateCode(code.clone()));
            }
        }
        let mut sites = std::collections::HashSet::new();
        for (code, _) in &self.programme_sites {
            if !sites.insert(code) {
                return Err(OrganisationError::DuplicateCode(code.clone()));
            }
        }
        for code in seen.iter().chain(areas.iter()).chain(sites.iter()) {
            if !is_code(code) {
                return invalid(format!(
                    "Koden {code:?} är ogiltig: använd små bokstäver a–z, siffror, bindestreck och understreck."
                ));
            }
        }
        for d in &self.districts {
            if d.name.trim().is_empty() {
                return invalid(format!("Stadsdelsförvaltningen {} saknar namn.", d.code));
            }
            if let Some(m) = &d.merger {
                match self.district(&m.into) {
                    None => {
                        return invalid(format!(
                            "{} är sammanslagen med {:?}, som inte finns.",
                            d.code, m.into
                        ))
                    }
                    Some(t) if t.code == d.code || t.merger.is_some() => {
                        return invalid(format!(
                            "{} kan inte slås samman med {}: välj en stadsdelsförvaltning som finns kvar.",
                            d.code, t.code
                        ))
                    }
                    Some(_) => {}
                }
            }
        }
        for u in &self.units {
            if self.district(&u.district).is_none() {
                return invalid(format!(
                    "Enheten {} hör till {:?}, som inte finns bland stadsdelsförvaltningarna.",
                    u.code, u.district
                ));
            }
        }
        Ok(())
    }

    /// The district a registration of `district` is reported under in a
    /// report whose window ends on `end`: the district it was merged into
    /// when the merger took effect by then, else itself.
    pub fn reporting_district<'a>(&'a self, district: &'a str, end: Date) -> &'a str {
        match self.district(district).and_then(|d| d.merger.as_ref()) {
            Some(m) if m.on <= end => m.into.as_str(),
            _ => district,
        }
    }

    /// The districts a report whose window ends on `end` shows: those not
    /// merged into another by then.
    pub fn reported_districts(&self, end: Date) -> impl Iterator<Item = &District> {
        self.districts
            .iter()
            .filter(move |d| d.merger.as_ref().is_none_or(|m| m.on > end))
    }

    /// Whether `unit` takes registrations of `district`: its own, or the
    /// district its own was merged into.
    pub fn unit_serves(&self, unit: &Unit, district: &str) -> bool {
        unit.district == district
            || self
                .district(&unit.district)
                .and_then(|d| d.merger.as_ref())
                .is_some_and(|m| m.into == district)
    }

    /// The districts that take registrations today (not merged away).
    pub fn current_districts(&self) -> impl Iterator<Item = &District> {
        self.districts.iter().filter(|d| d.merger.is_none())
    }

    pub fn district(&self, code: &str) -> Option<&District> {
        self.districts.iter().find(|d| d.code == code)
    }

    pub fn unit(&self, code: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.code == code)
    }

    pub fn units_of<'a>(&'a self, district: &'a str) -> impl Iterator<Item = &'a Unit> + 'a {
        self.units.iter().filter(move |u| u.district == district)
    }

    /// Every residential area: the districts' own, then the common ones.
    pub fn areas(&self) -> impl Iterator<Item = (&str, &str)> {
        self.districts
            .iter()
            .flat_map(|d| d.areas.iter())
            .chain(self.common_areas.iter())
            .map(|(c, n)| (c.as_str(), n.as_str()))
    }

    pub fn area_name(&self, code: &str) -> Option<&str> {
        self.areas().find(|(c, _)| *c == code).map(|(_, n)| n)
    }

    pub fn district_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.district(code).map(|d| d.name.as_str()).unwrap_or(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stockholm_has_the_thirteen_districts_of_codes_md() {
        let org = Organisation::stockholm();
        let codes: Vec<_> = org.districts.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "bromma",
                "enskede-arsta-vantor",
                "farsta",
                "hagersten-alvsjo",
                "hasselby-vallingby",
                "kungsholmen",
                "norrmalm",
                "rinkeby-kista",
                "skarpnack",
                "skarholmen",
                "spanga-tensta",
                "sodermalm",
                "ostermalm"
            ]
        );
        for area in [
            "rinkeby",
            "husby",
            "kista",
            "tensta",
            "hjulsta",
            "vallingby",
            "hasselby-gard",
            "ragsved",
            "hagsatra",
            "skarholmen",
            "bredang",
            "farsta",
            "bagarmossen",
            "outside",
            "unknown",
        ] {
            assert!(org.area_name(area).is_some(), "missing area {area}");
        }
        assert_eq!(org.units.len(), 39);
        // Area codes are ASCII machine codes.
        for (c, _) in org.areas() {
            assert!(
                c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'),
                "{c}"
            );
        }
    }
}
