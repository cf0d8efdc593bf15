//! Results of a Spindeln round (DOMAIN.md section 7): per district and item
//! the number of ratings, mean, min, max and standard deviation, for all
//! respondents of the district pooled and for each party, with disclosure
//! control.
//!
//! Definitions:
//! - `n` counts ratings of the item; "vet ej" is not a rating and is
//!   counted in `dont_know` only. `respondents` counts answers (submissions).
//! - `sd` is the *sample* standard deviation, √(Σ(x − mean)² ∕ (n − 1)):
//!   the respondents are a sample of the parties' staff. It is not given for
//!   n = 1.
//! - Disclosure: a group (a district pooled, or one party of it) with fewer
//!   respondents than the threshold is shown only as its count, and a party
//!   is then shown only within the pool. When the parties shown separately
//!   would let the hidden ones be recovered by subtraction from the pool
//!   (hidden respondents above 0 but below the threshold), the smallest shown
//!   party is hidden too, until the hidden ones are none or enough. The same
//!   rule is applied per item to the ratings, since "vet ej" can make an
//!   item's ratings fewer than the group's respondents.

use foljupp_core::steering::{SpindelnAnswer, ITEM_COUNT};
use serde::Serialize;

/// One item's figures in one group. The figures are `None` when hidden
/// (`suppressed`) or when there are no ratings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemResult {
    pub item: String,
    pub n: u32,
    pub dont_know: u32,
    pub suppressed: bool,
    pub mean: Option<f64>,
    pub min: Option<u8>,
    pub max: Option<u8>,
    pub sd: Option<f64>,
}

/// The figures of a group of respondents: a district pooled, or a party.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupResult {
    pub respondents: u32,
    /// Whether the group's figures are shown at all (enough respondents and
    /// not hidden by secondary suppression).
    pub shown: bool,
    /// One per item, in item order; all `suppressed` when not `shown`.
    pub items: Vec<ItemResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartyResult {
    pub party: String,
    #[serde(flatten)]
    pub result: GroupResult,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistrictResult {
    pub district: String,
    #[serde(flatten)]
    pub pooled: GroupResult,
    pub parties: Vec<PartyResult>,
}

impl GroupResult {
    /// The means of the items (None where hidden or without ratings).
    pub fn means(&self) -> [Option<f64>; ITEM_COUNT] {
        let mut out = [None; ITEM_COUNT];
        for (o, it) in out.iter_mut().zip(&self.items) {
            *o = it.mean;
        }
        out
    }
}

/// Mean, min, max and sample standard deviation of ratings.
pub fn describe(ratings: &[u8]) -> Option<(f64, u8, u8, Option<f64>)> {
    let n = ratings.len();
    if n == 0 {
        return None;
    }
    let sum: f64 = ratings.iter().map(|&r| f64::from(r)).sum();
    let mean = sum / n as f64;
    let min = ratings.iter().copied().min()?;
    let max = ratings.iter().copied().max()?;
    let sd = (n > 1).then(|| {
        let ss: f64 = ratings.iter().map(|&r| (f64::from(r) - mean).powi(2)).sum();
        (ss / (n as f64 - 1.0)).sqrt()
    });
    Some((mean, min, max, sd))
}

fn item_result(code: &str, answers: &[&SpindelnAnswer], i: usize, hide: bool) -> ItemResult {
    let ratings: Vec<u8> = answers.iter().filter_map(|a| a.ratings[i]).collect();
    let dont_know = answers.iter().filter(|a| a.ratings[i].is_none()).count() as u32;
    let n = ratings.len() as u32;
    match describe(&ratings).filter(|_| !hide) {
        Some((mean, min, max, sd)) => ItemResult {
            item: code.to_string(),
            n,
            dont_know,
            suppressed: false,
            mean: Some(mean),
            min: Some(min),
            max: Some(max),
            sd,
        },
        None => ItemResult {
            item: code.to_string(),
            n,
            dont_know,
            suppressed: hide,
            mean: None,
            min: None,
            max: None,
            sd: None,
        },
    }
}

/// Given a total and its parts with whether each part is shown, hides the
/// smallest shown parts until the hidden parts add up to zero or to at
/// least `threshold`, so that no hidden part can be recovered as the total
/// minus the shown ones.
pub fn protect_parts(parts: &mut [(u32, bool)], threshold: u32) {
    loop {
        let hidden: u32 = parts.iter().filter(|(_, s)| !*s).map(|(n, _)| n).sum();
        if hidden == 0 || hidden >= threshold {
            return;
        }
        let smallest = parts
            .iter()
            .enumerate()
            .filter(|(_, (n, s))| *s && *n > 0)
            .min_by_key(|(i, (n, _))| (*n, *i))
            .map(|(i, _)| i);
        match smallest {
            Some(i) => parts[i].1 = false,
            None => return,
        }
    }
}

/// The results of one district: `answers` are that district's answers,
/// `parties` the parties of the round (in display order), `items` the item
/// codes in order.
pub fn district_result(
    district: &str,
    answers: &[SpindelnAnswer],
    parties: &[String],
    items: &[&str; ITEM_COUNT],
    threshold: u32,
) -> DistrictResult {
    let mine: Vec<&SpindelnAnswer> = answers.iter().filter(|a| a.district == district).collect();
    let respondents = mine.len() as u32;
    let pooled_shown = respondents >= threshold && respondents > 0;
    let pooled_items: Vec<ItemResult> = (0..ITEM_COUNT)
        .map(|i| {
            let n = mine.iter().filter(|a| a.ratings[i].is_some()).count() as u32;
            item_result(items[i], &mine, i, !pooled_shown || n < threshold)
        })
        .collect();

    let by_party: Vec<Vec<&SpindelnAnswer>> = parties
        .iter()
        .map(|p| mine.iter().copied().filter(|a| &a.party == p).collect())
        .collect();
    // Party level: enough respondents, then secondary suppression.
    let mut shown: Vec<(u32, bool)> = by_party
        .iter()
        .map(|a| {
            let n = a.len() as u32;
            (n, pooled_shown && n >= threshold)
        })
        .collect();
    protect_parts(&mut shown, threshold);
    // Item level within the shown parties: the same rule on the ratings.
    let mut item_shown: Vec<Vec<bool>> = vec![vec![false; ITEM_COUNT]; parties.len()];
    #[allow(clippy::needless_range_loop)] // `i` indexes ratings and shown flags alike
    for i in 0..ITEM_COUNT {
        let mut parts: Vec<(u32, bool)> = by_party
            .iter()
            .zip(&shown)
            .map(|(a, (_, party_shown))| {
                let n = a.iter().filter(|x| x.ratings[i].is_some()).count() as u32;
                (n, *party_shown && n >= threshold)
            })
            .collect();
        protect_parts(&mut parts, threshold);
        for (p, (_, s)) in parts.iter().enumerate() {
            item_shown[p][i] = *s;
        }
    }
    let party_results = parties
        .iter()
        .zip(by_party.iter())
        .enumerate()
        .map(|(p, (code, a))| {
            let party_shown = shown[p].1;
            PartyResult {
                party: code.clone(),
                result: GroupResult {
                    respondents: a.len() as u32,
                    shown: party_shown,
                    items: (0..ITEM_COUNT)
                        .map(|i| item_result(items[i], a, i, !item_shown[p][i]))
                        .collect(),
                },
            }
        })
        .collect();
    DistrictResult {
        district: district.to_string(),
        pooled: GroupResult {
            respondents,
            shown: pooled_shown,
            items: pooled_items,
        },
        parties: party_results,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const ITEMS: [&str; ITEM_COUNT] = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];

    fn answer(party: &str, first: Option<u8>, rest: u8) -> SpindelnAnswer {
        let mut ratings = [Some(rest); ITEM_COUNT];
        ratings[0] = first;
        SpindelnAnswer {
            district: "farsta".into(),
            party: party.into(),
            ratings,
        }
    }

    #[test]
    fn describe_by_hand() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, Σ(x−5)² = 32, sample sd √(32/7).
        let (mean, min, max, sd) = describe(&[2, 4, 4, 4, 5, 5, 7, 9]).unwrap();
        assert_eq!(mean, 5.0);
        assert_eq!((min, max), (2, 9));
        assert!((sd.unwrap() - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        // One rating: no sample sd.
        assert_eq!(describe(&[3]), Some((3.0, 3, 3, None)));
        assert_eq!(describe(&[]), None);
    }

    #[test]
    fn a_small_party_is_shown_only_pooled_and_hides_a_partner() {
        let parties: Vec<String> = ["social_services", "open_preschool", "child_health"]
            .map(String::from)
            .to_vec();
        let mut answers = Vec::new();
        for r in [1, 2, 3, 4, 5] {
            answers.push(answer("social_services", Some(r), 3));
        }
        for r in [2, 2, 2, 2, 2, 2] {
            answers.push(answer("open_preschool", Some(r), 3));
        }
        answers.push(answer("child_health", Some(5), 3));
        let d = district_result("farsta", &answers, &parties, &ITEMS, 5);
        assert_eq!(d.pooled.respondents, 12);
        assert!(d.pooled.shown);
        // Pooled item a: 1+2+3+4+5 + 6·2 + 5 = 32 over 12.
        let a = &d.pooled.items[0];
        assert_eq!(a.n, 12);
        assert!((a.mean.unwrap() - 32.0 / 12.0).abs() < 1e-12);
        assert_eq!((a.min, a.max), (Some(1), Some(5)));
        // child_health (1) is below 5; hidden alone it could be recovered
        // from the pool, so the smallest shown party (5) is hidden too.
        let shown: Vec<bool> = d.parties.iter().map(|p| p.result.shown).collect();
        assert_eq!(shown, [false, true, false]);
        assert!(d.parties[0].result.items.iter().all(|i| i.mean.is_none()));
        assert_eq!(d.parties[1].result.items[0].mean, Some(2.0));
        assert_eq!(d.parties[1].result.items[0].sd, Some(0.0));
    }

    #[test]
    fn too_few_in_the_district_shows_only_the_count() {
        let parties = vec!["social_services".to_string()];
        let answers: Vec<_> = (0..4)
            .map(|_| answer("social_services", Some(4), 4))
            .collect();
        let d = district_result("farsta", &answers, &parties, &ITEMS, 5);
        assert_eq!(d.pooled.respondents, 4);
        assert!(!d.pooled.shown);
        assert!(d
            .pooled
            .items
            .iter()
            .all(|i| i.suppressed && i.mean.is_none()));
        assert!(!d.parties[0].result.shown);
    }

    #[test]
    fn dont_know_is_not_a_rating_and_few_ratings_are_hidden() {
        let parties = vec!["social_services".to_string()];
        let mut answers: Vec<_> = (0..3).map(|_| answer("social_services", None, 4)).collect();
        answers.extend((0..3).map(|_| answer("social_services", Some(2), 4)));
        let d = district_result("farsta", &answers, &parties, &ITEMS, 5);
        assert!(d.pooled.shown);
        let a = &d.pooled.items[0];
        assert_eq!((a.n, a.dont_know, a.suppressed, a.mean), (3, 3, true, None));
        assert_eq!(d.pooled.items[1].n, 6);
        assert_eq!(d.pooled.items[1].mean, Some(4.0));
    }

    #[test]
    fn protect_parts_rule() {
        let mut p = [(6, true), (3, false), (9, true)];
        protect_parts(&mut p, 5);
        assert_eq!(p, [(6, false), (3, false), (9, true)]);
        let mut p = [(6, true), (0, false), (9, true)];
        protect_parts(&mut p, 5);
        assert_eq!(p, [(6, true), (0, false), (9, true)]);
        let mut p = [(2, false), (3, false), (9, true)];
        protect_parts(&mut p, 5);
        assert_eq!(p, [(2, false), (3, false), (9, true)]);
    }
}
