//! The roles of DOMAIN.md's staff users. A parent never has an account.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Registers activities for their own district; sees its aggregates.
    Registrant,
    /// As registrant, plus the district's reports, status and completeness.
    DistrictLead,
    /// Aggregates of every district, exports.
    Analyst,
    /// Accounts, organisation, forms, tokens.
    Admin,
    /// A national agency's analyst: aggregates across the installation's
    /// municipalities only, nothing of any one municipality's pages.
    /// Granted from the command line, never by a municipality's admin.
    NationalAnalyst,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Registrant,
        Role::DistrictLead,
        Role::Analyst,
        Role::Admin,
        Role::NationalAnalyst,
    ];

    /// The roles a municipality's admin may grant (not the national one).
    pub const MUNICIPAL: [Role; 4] = [
        Role::Registrant,
        Role::DistrictLead,
        Role::Analyst,
        Role::Admin,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Registrant => "registrant",
            Role::DistrictLead => "district_lead",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
            Role::NationalAnalyst => "national_analyst",
        }
    }

    pub fn label_sv(self) -> &'static str {
        match self {
            Role::Registrant => "Registrerare",
            Role::DistrictLead => "Enhetschef",
            Role::Analyst => "Analytiker",
            Role::Admin => "Förvaltare",
            Role::NationalAnalyst => "Nationell analytiker",
        }
    }

    /// Whether the role is bound to one district (and must name it).
    pub fn is_district_bound(self) -> bool {
        matches!(self, Role::Registrant | Role::DistrictLead)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| {
                format!("Okänd roll {s:?}. Välj en av: registrant, district_lead, analyst, admin, national_analyst.")
            })
    }
}
