//! The organisation of one municipality: districts, units, residential areas
//! and home-visit programme sites.

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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub district: String,
    pub kind: UnitKind,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct District {
    pub code: String,
    pub name: String,
    /// Residential areas that belong to this district, as (code, name).
    pub areas: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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
        let mut seen = std::collections::HashSet::new();
        for code in org
            .districts
            .iter()
            .map(|d| &d.code)
            .chain(org.units.iter().map(|u| &u.code))
        {
            if !seen.insert(code) {
                return Err(OrganisationError::DuplicateCode(code.clone()));
            }
        }
        Ok(org)
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
