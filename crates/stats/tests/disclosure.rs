//! Property tests of the disclosure control: after suppression, no
//! suppressed cell can be recomputed exactly from what is published.
//! "Recomputed" is checked two ways: by the module's own cycle audit, and by
//! brute force (enumerating every integer table consistent with the
//! published cells, the margins and what "<T" / ".." say), which does not
//! depend on the module's reasoning at all.

// A failed unwrap is a failed test, which is what a test should do.
#![allow(clippy::unwrap_used)]

use foljupp_stats::disclosure::{DisclosureControl, Mark, Pattern, Pos, Table};
use proptest::prelude::*;
use std::collections::BTreeSet;

/// What a reader knows of a suppressed value: "<T" is 0..=T−1, ".." is T
/// or more (capped here by `cap`, a known total that bounds it anyway).
fn bounds(value: u64, threshold: u32, cap: u64) -> (u64, u64) {
    let t = u64::from(threshold);
    if value < t {
        (0, t - 1)
    } else {
        (t, cap.max(t))
    }
}

/// The suppressed positions whose value is the same in every table that
/// agrees with everything published, found by enumeration.
fn brute_force_determined(t: &Table, threshold: u32, pattern: &Pattern) -> BTreeSet<Pos> {
    struct Search<'a> {
        t: &'a Table,
        threshold: u32,
        pattern: &'a Pattern,
        vars: Vec<(usize, usize)>,
        /// Index of the last variable of each row, if it has any.
        last_of_row: Vec<Option<usize>>,
        grid: Vec<u64>,
        col_sum: Vec<u64>,
        col_total: Vec<u64>,
        /// Per suppressed position: the first value seen and whether
        /// another one was seen.
        seen: std::collections::BTreeMap<Pos, (u64, bool)>,
        solutions: u64,
    }
    impl Search<'_> {
        fn note(&mut self, pos: Pos, v: u64) {
            let e = self.seen.entry(pos).or_insert((v, false));
            if e.0 != v {
                e.1 = true;
            }
        }
        fn all_free(&self) -> bool {
            let n = self.pattern.suppressed().len();
            self.seen.len() == n && self.seen.values().all(|(_, two)| *two)
        }
        fn row_ok(&self, r: usize) -> Option<u64> {
            let cols = self.t.cols();
            let sum: u64 = (0..cols).map(|c| self.grid[r * cols + c]).sum();
            let real = self.t.row_total(r);
            if self.pattern.is_suppressed(Pos::RowTotal(r)) {
                let (lo, hi) = bounds(real, self.threshold, u64::MAX);
                (lo..=hi).contains(&sum).then_some(sum)
            } else {
                (sum == real).then_some(sum)
            }
        }
        fn go(&mut self, i: usize) -> bool {
            if i == self.vars.len() {
                if self.col_sum != self.col_total {
                    return false;
                }
                self.solutions += 1;
                for r in 0..self.t.rows() {
                    if let Some(s) = self.row_ok(r) {
                        if self.pattern.is_suppressed(Pos::RowTotal(r)) {
                            self.note(Pos::RowTotal(r), s);
                        }
                    } else {
                        return false;
                    }
                }
                for k in 0..self.vars.len() {
                    let (r, c) = self.vars[k];
                    let v = self.grid[r * self.t.cols() + c];
                    self.note(Pos::Cell(r, c), v);
                }
                return self.all_free();
            }
            let (r, c) = self.vars[i];
            let cols = self.t.cols();
            let room = self.col_total[c] - self.col_sum[c];
            let (lo, hi) = bounds(self.t.get(r, c), self.threshold, self.col_total[c]);
            for v in lo..=hi.min(room) {
                self.grid[r * cols + c] = v;
                self.col_sum[c] += v;
                let row_done = self.last_of_row[r] == Some(i);
                let ok = !row_done || self.row_ok(r).is_some();
                let stop = ok && self.go(i + 1);
                self.col_sum[c] -= v;
                self.grid[r * cols + c] = 0;
                if stop {
                    return true;
                }
            }
            false
        }
    }

    let (rows, cols) = (t.rows(), t.cols());
    let mut vars = Vec::new();
    let mut grid = vec![0; rows * cols];
    let mut col_sum = vec![0; cols];
    let mut last_of_row = vec![None; rows];
    for r in 0..rows {
        for c in 0..cols {
            if pattern.is_suppressed(Pos::Cell(r, c)) {
                last_of_row[r] = Some(vars.len());
                vars.push((r, c));
            } else {
                grid[r * cols + c] = t.get(r, c);
                col_sum[c] += t.get(r, c);
            }
        }
    }
    let mut s = Search {
        t,
        threshold,
        pattern,
        vars,
        last_of_row,
        grid,
        col_sum,
        col_total: (0..cols).map(|c| t.col_total(c)).collect(),
        seen: Default::default(),
        solutions: 0,
    };
    s.go(0);
    assert!(s.solutions > 0, "the true table is always a solution");
    pattern
        .suppressed()
        .into_iter()
        .filter(|p| !s.seen.get(p).is_some_and(|(_, two)| *two))
        .collect()
}

/// Small counts, many of them under the threshold.
fn small_table(max_rows: usize, max_cols: usize, max: u64) -> impl Strategy<Value = (Table, u32)> {
    (1..=max_rows, 1..=max_cols, 2u32..=5).prop_flat_map(move |(r, c, t)| {
        (
            prop::collection::vec(prop_oneof![3 => 0..5u64, 2 => 0..=max], r * c),
            Just(t),
        )
            .prop_map(move |(cells, t)| (Table::new(r, c, cells).unwrap(), t))
    })
}

fn full(table: &Table) -> Pattern {
    Pattern::uniform(table, Mark::Secondary)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// The cycle audit agrees with enumeration on any suppression pattern.
    #[test]
    fn audit_agrees_with_brute_force(
        (table, threshold) in small_table(3, 3, 8),
        picks in prop::collection::vec(any::<bool>(), 12),
    ) {
        let mut pattern = Pattern::uniform(&table, Mark::Published);
        for (pos, pick) in table.positions().zip(picks) {
            if pick {
                pattern.set(pos, Mark::Secondary);
            }
        }
        let dc = DisclosureControl::new(threshold);
        let audit: BTreeSet<Pos> = dc.exposed(&table, &pattern).into_iter().collect();
        prop_assert_eq!(audit, brute_force_determined(&table, threshold, &pattern));
    }

    /// After `protect`, brute force finds no suppressed cell that can be
    /// recomputed, except those `protect` owns up to; and for those even
    /// hiding the whole table would not help.
    #[test]
    fn protected_cells_cannot_be_recomputed((table, threshold) in small_table(3, 3, 12)) {
        let dc = DisclosureControl::new(threshold);
        let p = dc.protect(&table);
        for pos in table.positions() {
            if dc.is_primary(table.value(pos)) {
                prop_assert_eq!(p.pattern.mark(pos), Mark::Primary);
            }
        }
        let exposed: BTreeSet<Pos> = p.exposed.iter().copied().collect();
        prop_assert_eq!(&brute_force_determined(&table, threshold, &p.pattern), &exposed);
        let hopeless: BTreeSet<Pos> = dc.exposed(&table, &full(&table)).into_iter().collect();
        prop_assert!(exposed.is_subset(&hopeless), "{:?} could have been protected", exposed);
    }

    /// The textbook condition, on larger tables (audit only): every
    /// protected suppressed cell shares its row and its column with another
    /// suppressed cell, so no line has exactly one hidden cell.
    #[test]
    fn no_line_has_a_single_suppressed_cell((table, threshold) in small_table(30, 14, 40)) {
        let dc = DisclosureControl::new(threshold);
        let p = dc.protect(&table);
        prop_assert_eq!(dc.exposed(&table, &p.pattern), p.exposed.clone());
        let hopeless: BTreeSet<Pos> = dc.exposed(&table, &full(&table)).into_iter().collect();
        for pos in &p.exposed {
            prop_assert!(hopeless.contains(pos));
        }
        let hidden = |pos: Pos| p.pattern.is_suppressed(pos);
        for pos in p.pattern.suppressed() {
            if p.exposed.contains(&pos) {
                continue;
            }
            let (in_row, in_col) = match pos {
                Pos::Cell(r, c) => (
                    (0..table.cols()).filter(|&j| hidden(Pos::Cell(r, j))).count()
                        + usize::from(hidden(Pos::RowTotal(r))),
                    (0..table.rows()).filter(|&i| hidden(Pos::Cell(i, c))).count(),
                ),
                Pos::RowTotal(r) => (
                    (0..table.cols()).filter(|&j| hidden(Pos::Cell(r, j))).count() + 1,
                    (0..table.rows()).filter(|&i| hidden(Pos::RowTotal(i))).count(),
                ),
            };
            prop_assert!(in_row >= 2 && in_col >= 2, "{:?} alone in a line", pos);
        }
    }
}

#[test]
fn brute_force_sees_the_classic_disclosures() {
    // Row total published, one hidden cell: recomputable by subtraction.
    let t = Table::from_rows(&[vec![3, 10]]).unwrap();
    let mut p = Pattern::uniform(&t, Mark::Published);
    p.set(Pos::Cell(0, 0), Mark::Primary);
    assert_eq!(
        brute_force_determined(&t, 5, &p),
        BTreeSet::from([Pos::Cell(0, 0)])
    );
    // Two hidden cells in a row and in a column each, but with bounds that
    // pin them: 4 + 4 = 8 under "<5".
    let t = Table::from_rows(&[vec![4], vec![4]]).unwrap();
    let p = DisclosureControl::new(5).protect(&t);
    assert_eq!(brute_force_determined(&t, 5, &p.pattern).len(), 4);
    assert_eq!(p.exposed.len(), 4);
}

#[test]
fn protection_is_exact_on_a_realistic_district_table() {
    // Languages × three districts.
    let t = Table::from_rows(&[
        vec![41, 12, 30],
        vec![3, 0, 9],
        vec![0, 2, 0],
        vec![17, 6, 1],
    ])
    .unwrap();
    let dc = DisclosureControl::new(5);
    let p = dc.protect(&t);
    assert!(p.exposed.is_empty());
    assert!(brute_force_determined(&t, 5, &p.pattern).is_empty());
    assert_eq!(p.pattern.mark(Pos::Cell(1, 0)), Mark::Primary);
    assert_eq!(p.pattern.mark(Pos::RowTotal(2)), Mark::Primary);
    assert!(!p.pattern.is_suppressed(Pos::Cell(0, 0)));
}
