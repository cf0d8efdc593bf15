//! A [`Rollup`] as bytes, so that a restarted server (or the next import)
//! can take up the counts where they were instead of reading every
//! registration again.
//!
//! The snapshot is a cache, never a source: the store keeps it beside the
//! data version it counts, and it is used only when that version is still
//! the store's (every write to registrations sets a new one). A snapshot
//! made by other counting rules is refused by its [`FORMAT`] number, so a
//! release that changes what [`Tally::add`] counts must raise [`FORMAT`]
//! (the test `the_counting_rules_are_those_of_the_format` fails until it
//! does), and then every old snapshot is rebuilt from the registrations.
//!
//! Layout: [`MAGIC`], [`FORMAT`] as 4 bytes little-endian, then unsigned
//! LEB128 varints: the number of registrations, the districts (name, days:
//! date as a Julian day number, the day's tally, then the day's
//! conversations for projections). Strings are written once and referred
//! to by number afterwards. Months are not stored: they are summed from the
//! days when the snapshot is read, as after a bulk build.

use crate::rollup::DistrictRollup;
use crate::{Rollup, RollupBuilder, Tally};
use foljupp_core::Date;
use std::collections::{BTreeMap, HashMap};

/// Marks a rollup snapshot.
pub const MAGIC: &[u8] = b"foljupp-rollup\0";

/// The counting rules a snapshot was made with. Raise it whenever a change
/// to [`Tally`] or [`Tally::add`] makes the same registrations count
/// differently (see the module's documentation).
pub const FORMAT: u32 = 1;

struct Writer {
    out: Vec<u8>,
    strings: HashMap<String, u64>,
}

impl Writer {
    fn uint(&mut self, mut n: u64) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.out.push(byte);
                return;
            }
            self.out.push(byte | 0x80);
        }
    }

    fn len(&mut self, n: usize) {
        self.uint(n as u64);
    }

    /// A string as its number in the table; a new one as the next number
    /// followed by its bytes.
    fn string(&mut self, s: &str) {
        match self.strings.get(s) {
            Some(&i) => self.uint(i),
            None => {
                let i = self.strings.len() as u64;
                self.uint(i);
                self.len(s.len());
                self.out.extend_from_slice(s.as_bytes());
                self.strings.insert(s.to_string(), i);
            }
        }
    }

    fn date(&mut self, d: Date) {
        // Julian day numbers of the dates the decoder accepts (year 2000
        // and later) are positive.
        self.uint(u64::try_from(d.to_julian_day()).unwrap_or(0));
    }

    fn map(&mut self, m: &BTreeMap<String, u64>) {
        self.len(m.len());
        for (k, v) in m {
            self.string(k);
            self.uint(*v);
        }
    }

    fn tally(&mut self, t: &Tally) {
        // Destructuring makes the compiler reject a field forgotten here.
        let Tally {
            conversations,
            target_group,
            new_contacts,
            series_le5,
            with_participants,
            with_mother,
            with_father,
            single,
            single_mother,
            single_father,
            with_other_adult,
            other_language,
            new_contact_participants,
            home_visits,
            families_started,
            families_completed,
            mother_present,
            father_present,
            adults_at_first_visit,
            group_meetings,
            meeting_women,
            meeting_men,
            meeting_other_gender,
            programme_groups,
            programme_started,
            programme_completed,
            programme_started_women,
            programme_started_men,
            programme_completed_women,
            programme_completed_men,
            single_mother_answered,
            single_mother_positive,
            single_father_answered,
            single_father_positive,
            collaborations,
            open_preschool_reports,
            breakdowns,
            participants,
        } = t;
        for n in [
            conversations,
            target_group,
            new_contacts,
            series_le5,
            with_participants,
            with_mother,
            with_father,
            single,
            single_mother,
            single_father,
            with_other_adult,
            other_language,
            new_contact_participants,
            home_visits,
            families_started,
            families_completed,
            mother_present,
            father_present,
            adults_at_first_visit,
            group_meetings,
            meeting_women,
            meeting_men,
            meeting_other_gender,
            programme_groups,
            programme_started,
            programme_completed,
            programme_started_women,
            programme_started_men,
            programme_completed_women,
            programme_completed_men,
            collaborations,
            open_preschool_reports,
        ] {
            self.uint(*n);
        }
        for a in [
            single_mother_answered,
            single_mother_positive,
            single_father_answered,
            single_father_positive,
        ] {
            for n in a {
                self.uint(*n);
            }
        }
        for m in breakdowns {
            self.map(m);
        }
        self.len(participants.len());
        for (role, genders) in participants {
            self.string(role);
            self.map(genders);
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    strings: Vec<String>,
}

impl Reader<'_> {
    fn uint(&mut self) -> Option<u64> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.bytes.split_first()?;
            self.bytes = rest;
            n |= u64::from(byte & 0x7f).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    /// A count of items that follow; each takes at least one byte, so a
    /// count beyond the bytes left is damage (and is not allocated for).
    fn len(&mut self) -> Option<usize> {
        let n = usize::try_from(self.uint()?).ok()?;
        (n <= self.bytes.len()).then_some(n)
    }

    fn string(&mut self) -> Option<String> {
        let i = usize::try_from(self.uint()?).ok()?;
        if let Some(s) = self.strings.get(i) {
            return Some(s.clone());
        }
        if i != self.strings.len() {
            return None;
        }
        let n = self.len()?;
        let (s, rest) = self.bytes.split_at_checked(n)?;
        self.bytes = rest;
        let s = std::str::from_utf8(s).ok()?.to_string();
        self.strings.push(s.clone());
        Some(s)
    }

    fn date(&mut self) -> Option<Date> {
        Date::from_julian_day(i32::try_from(self.uint()?).ok()?).ok()
    }

    fn map(&mut self) -> Option<BTreeMap<String, u64>> {
        let n = self.len()?;
        let mut m = BTreeMap::new();
        for _ in 0..n {
            let k = self.string()?;
            m.insert(k, self.uint()?);
        }
        Some(m)
    }

    fn four(&mut self) -> Option<[u64; 4]> {
        Some([self.uint()?, self.uint()?, self.uint()?, self.uint()?])
    }

    fn tally(&mut self) -> Option<Tally> {
        let mut t = Tally {
            conversations: self.uint()?,
            target_group: self.uint()?,
            new_contacts: self.uint()?,
            series_le5: self.uint()?,
            with_participants: self.uint()?,
            with_mother: self.uint()?,
            with_father: self.uint()?,
            single: self.uint()?,
            single_mother: self.uint()?,
            single_father: self.uint()?,
            with_other_adult: self.uint()?,
            other_language: self.uint()?,
            new_contact_participants: self.uint()?,
            home_visits: self.uint()?,
            families_started: self.uint()?,
            families_completed: self.uint()?,
            mother_present: self.uint()?,
            father_present: self.uint()?,
            adults_at_first_visit: self.uint()?,
            group_meetings: self.uint()?,
            meeting_women: self.uint()?,
            meeting_men: self.uint()?,
            meeting_other_gender: self.uint()?,
            programme_groups: self.uint()?,
            programme_started: self.uint()?,
            programme_completed: self.uint()?,
            programme_started_women: self.uint()?,
            programme_started_men: self.uint()?,
            programme_completed_women: self.uint()?,
            programme_completed_men: self.uint()?,
            collaborations: self.uint()?,
            open_preschool_reports: self.uint()?,
            single_mother_answered: [0; 4],
            single_mother_positive: [0; 4],
            single_father_answered: [0; 4],
            single_father_positive: [0; 4],
            breakdowns: Default::default(),
            participants: BTreeMap::new(),
        };
        t.single_mother_answered = self.four()?;
        t.single_mother_positive = self.four()?;
        t.single_father_answered = self.four()?;
        t.single_father_positive = self.four()?;
        for m in &mut t.breakdowns {
            *m = self.map()?;
        }
        let roles = self.len()?;
        for _ in 0..roles {
            let role = self.string()?;
            let genders = self.map()?;
            t.participants.insert(role, genders);
        }
        Some(t)
    }
}

impl Rollup {
    /// The rollup as a snapshot (see the module's documentation).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer {
            out: Vec::with_capacity(1 << 16),
            strings: HashMap::new(),
        };
        w.out.extend_from_slice(MAGIC);
        w.out.extend_from_slice(&FORMAT.to_le_bytes());
        w.uint(self.registrations);
        w.len(self.districts.len());
        for (name, d) in &self.districts {
            w.string(name);
            w.len(d.days.len());
            for (day, t) in &d.days {
                w.date(*day);
                w.tally(t);
            }
            w.len(d.conversations.len());
            for (day, n) in &d.conversations {
                w.date(*day);
                w.uint(*n);
            }
        }
        w.out
    }

    /// A snapshot read back; `None` when it is damaged or was made with
    /// other counting rules ([`FORMAT`]): the caller then rebuilds from the
    /// registrations.
    pub fn decode(bytes: &[u8]) -> Option<Rollup> {
        Some(RollupBuilder::decode(bytes)?.finish())
    }
}

impl RollupBuilder {
    /// A snapshot as a builder, to add registrations in bulk before
    /// [`RollupBuilder::finish`] sums the months.
    pub fn decode(bytes: &[u8]) -> Option<RollupBuilder> {
        let rest = bytes.strip_prefix(MAGIC)?;
        let (format, rest) = rest.split_first_chunk::<4>()?;
        if u32::from_le_bytes(*format) != FORMAT {
            return None;
        }
        let mut r = Reader {
            bytes: rest,
            strings: Vec::new(),
        };
        let mut rollup = Rollup::new();
        rollup.registrations = r.uint()?;
        let districts = r.len()?;
        for _ in 0..districts {
            let name = r.string()?;
            let mut d = DistrictRollup::default();
            let days = r.len()?;
            for _ in 0..days {
                let day = r.date()?;
                d.days.insert(day, r.tally()?);
            }
            let days = r.len()?;
            for _ in 0..days {
                let day = r.date()?;
                d.conversations.insert(day, r.uint()?);
            }
            rollup.districts.insert(name, d);
        }
        if !r.bytes.is_empty() {
            return None;
        }
        Some(RollupBuilder::from_rollup(rollup))
    }
}
