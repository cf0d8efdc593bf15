//! Statistical disclosure control for the report's breakdowns: primary and
//! secondary cell suppression in a two-dimensional table with margins.
//!
//! # The table
//!
//! A breakdown (languages, resident areas, participants …) is published per
//! district *and* for the whole municipality, so the published figures form
//! one table: one **row** per code, one **column** per district, and the
//! municipality's breakdown is the **row-total** column. Besides the cells,
//! a reader is assumed to know
//!
//! - every **column total** (a district's sum over the codes): it is either
//!   published as a district total (e.g. `conversations_other_language` is
//!   the sum of `languages`) or close to one, and district totals are never
//!   suppressed (REPORT.md), so we treat all of them as known;
//! - the **grand total** (it follows from the column totals).
//!
//! The row totals (the municipality's figures) are cells like any other: a
//! municipality-wide count below the threshold is suppressed too.
//!
//! # What a reader learns from a suppressed cell
//!
//! A cell is shown as `"<T"` (e.g. `"<5"`) when its value is below the
//! threshold `T`, and as `".."` when it is `T` or more and hidden only to
//! protect another cell (a *secondary* suppression). Both say something, and
//! the control assumes the reader uses it: `"<T"` means 0 ≤ x ≤ T−1 (a zero
//! cell may be suppressed as a cheap secondary, so `"<T"` is not 1…T−1), and
//! `".."` means x ≥ T. Unsuppressed cells, including the zero cells that are
//! simply left out of a map, are known exactly.
//!
//! # The guarantee
//!
//! Primary suppression hides every cell with 0 < x < T. Secondary suppression
//! then adds cells until **no suppressed cell can be recomputed exactly** from
//! the published cells, the margins and the bounds above, i.e. every
//! suppressed cell can take at least two values consistent with everything
//! published in the table.
//!
//! The check is exact, not a rule of thumb. Writing each unknown as a change
//! from its true value, the margin equations of a 2-D table make the changes
//! a circulation in the bipartite graph whose nodes are the rows and the
//! columns (plus one node for the row-total column) and whose edges are the
//! suppressed cells. A cell is determined exactly iff no circulation that
//! respects the bounds moves it, and by the integrality of network flows that
//! is iff no *unit cycle* through it exists in the residual graph (an edge may
//! be walked in the direction that its bounds still allow). [`DisclosureControl::exposed`]
//! searches for such cycles; secondary suppression adds the cheapest cycle
//! (by the sum of the values it hides, so small cells go first, as the
//! "smallest first" rule asks) through every primary cell that lacks one.
//! In particular every line with a suppressed cell ends up with at least two
//! (the familiar rule), and a suppressed cell is never a "bridge" that one
//! could isolate by adding up equations. The property tests in
//! `tests/disclosure.rs` compare this with brute-force enumeration.
//!
//! A few tables cannot be protected at all while their totals are published:
//! a district whose only languages are `so` 4 and `ar` 4 with a published
//! total of 8 reveals both whatever is hidden. Such cells are reported in
//! [`Protection::exposed`] (they stay suppressed, which is the best the table
//! can do); they are rare in practice because rows have many districts.
//!
//! # What is not protected
//!
//! - **Differencing between reports.** This module looks at one table of
//!   one report only. Overlapping periods are handled by the report
//!   (`crate::report`): breakdowns are published only for whole years and
//!   tertials, and a year and its tertials are protected as linked tables
//!   (with [`DisclosureControl::protect_with`]). A report before and after a
//!   late registration can still be subtracted. `docs/disclosure.md` has
//!   the whole account.
//! - **Figures outside the breakdowns.** KPI counts (`new_contacts`,
//!   `conversations_other_adult` …) are totals and published exactly, even
//!   when small. Shares are withheld only when their *base* is below the
//!   threshold (REPORT.md), so a share times its published base can reveal a
//!   small numerator (e.g. `q_helpful_top_share` × `q_helpful_answered`
//!   gives the `yes_really` count of `answers_q_helpful`).
//! - **Links between breakdowns.** Each breakdown is protected on its own;
//!   the same people appear in several of them.
//! - **Zero cells** are not treated as sensitive (a code absent from a map has
//!   the count 0).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A table of non-negative counts with `rows × cols` cells; its row totals,
/// column totals and grand total are the sums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    rows: usize,
    cols: usize,
    cells: Vec<u64>,
}

impl Table {
    /// A table from its cells in row-major order; `None` when the number of
    /// cells is not `rows × cols`.
    pub fn new(rows: usize, cols: usize, cells: Vec<u64>) -> Option<Table> {
        (rows.checked_mul(cols) == Some(cells.len())).then_some(Table { rows, cols, cells })
    }

    /// A table whose cell at row `r`, column `c` is `cell(r, c)`.
    pub fn from_fn(rows: usize, cols: usize, mut cell: impl FnMut(usize, usize) -> u64) -> Table {
        let cells = (0..rows)
            .flat_map(|r| (0..cols).map(move |c| (r, c)))
            .map(|(r, c)| cell(r, c))
            .collect();
        Table { rows, cols, cells }
    }

    /// A table from its rows; `None` when the rows differ in length.
    pub fn from_rows(rows: &[Vec<u64>]) -> Option<Table> {
        let cols = rows.first().map_or(0, Vec::len);
        if rows.iter().any(|r| r.len() != cols) {
            return None;
        }
        Table::new(rows.len(), cols, rows.concat())
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The cell at row `r`, column `c` (0 outside the table).
    pub fn get(&self, r: usize, c: usize) -> u64 {
        if r < self.rows && c < self.cols {
            self.cells[r * self.cols + c]
        } else {
            0
        }
    }

    pub fn row_total(&self, r: usize) -> u64 {
        (0..self.cols).map(|c| self.get(r, c)).sum()
    }

    pub fn col_total(&self, c: usize) -> u64 {
        (0..self.rows).map(|r| self.get(r, c)).sum()
    }

    /// The value at a position: a cell or a row total.
    pub fn value(&self, pos: Pos) -> u64 {
        match pos {
            Pos::Cell(r, c) => self.get(r, c),
            Pos::RowTotal(r) => self.row_total(r),
        }
    }

    /// Every position that may be suppressed: the cells row by row, each
    /// row followed by its total.
    pub fn positions(&self) -> impl Iterator<Item = Pos> + '_ {
        (0..self.rows).flat_map(move |r| {
            (0..self.cols)
                .map(move |c| Pos::Cell(r, c))
                .chain(std::iter::once(Pos::RowTotal(r)))
        })
    }
}

/// A position that can be suppressed. Column totals and the grand total
/// never are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pos {
    Cell(usize, usize),
    RowTotal(usize),
}

/// Whether a position is published, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mark {
    Published,
    /// Below the threshold (and above zero).
    Primary,
    /// Hidden so that a primary cell cannot be recomputed.
    Secondary,
}

impl Mark {
    pub fn is_suppressed(self) -> bool {
        self != Mark::Published
    }
}

/// A mark for every cell and every row total of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    rows: usize,
    cols: usize,
    cells: Vec<Mark>,
    row_totals: Vec<Mark>,
}

impl Pattern {
    /// Every position of `table` marked `mark`.
    pub fn uniform(table: &Table, mark: Mark) -> Pattern {
        Pattern {
            rows: table.rows,
            cols: table.cols,
            cells: vec![mark; table.rows * table.cols],
            row_totals: vec![mark; table.rows],
        }
    }

    /// The mark at `pos` (`Published` outside the table).
    pub fn mark(&self, pos: Pos) -> Mark {
        let m = match pos {
            Pos::Cell(r, c) if r < self.rows && c < self.cols => self.cells.get(r * self.cols + c),
            Pos::RowTotal(r) => self.row_totals.get(r),
            Pos::Cell(..) => None,
        };
        m.copied().unwrap_or(Mark::Published)
    }

    /// Sets the mark at `pos`; positions outside the table are ignored.
    pub fn set(&mut self, pos: Pos, mark: Mark) {
        let slot = match pos {
            Pos::Cell(r, c) if r < self.rows && c < self.cols => {
                self.cells.get_mut(r * self.cols + c)
            }
            Pos::RowTotal(r) => self.row_totals.get_mut(r),
            Pos::Cell(..) => None,
        };
        if let Some(s) = slot {
            *s = mark;
        }
    }

    pub fn is_suppressed(&self, pos: Pos) -> bool {
        self.mark(pos).is_suppressed()
    }

    /// The suppressed positions, in the order of [`Table::positions`].
    pub fn suppressed(&self) -> Vec<Pos> {
        (0..self.rows)
            .flat_map(|r| {
                (0..self.cols)
                    .map(move |c| Pos::Cell(r, c))
                    .chain(std::iter::once(Pos::RowTotal(r)))
            })
            .filter(|p| self.is_suppressed(*p))
            .collect()
    }
}

/// The outcome of [`DisclosureControl::protect`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protection {
    pub pattern: Pattern,
    /// Suppressed positions that can still be recomputed exactly, because
    /// no amount of further suppression would hide them (see module docs).
    /// Empty for all but degenerate tables.
    pub exposed: Vec<Pos>,
}

/// Primary and secondary suppression with threshold `threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisclosureControl {
    pub threshold: u32,
}

impl DisclosureControl {
    pub fn new(threshold: u32) -> DisclosureControl {
        DisclosureControl { threshold }
    }

    /// Whether a count must be hidden for its own sake.
    pub fn is_primary(&self, value: u64) -> bool {
        value > 0 && value < u64::from(self.threshold)
    }

    /// What a reader knows of a suppressed value (see module docs):
    /// `"<T"` is 0..=T−1, `".."` is T or more (`None`: no upper bound).
    pub fn reader_bounds(&self, value: u64) -> (u64, Option<u64>) {
        let t = u64::from(self.threshold);
        if value < t {
            (0, Some(t.saturating_sub(1)))
        } else {
            (t, None)
        }
    }

    /// Suppresses every primary cell and whatever else is needed so that no
    /// suppressed cell can be recomputed. A threshold of 0 or 1 hides
    /// nothing (no count is below it).
    pub fn protect(&self, table: &Table) -> Protection {
        self.protect_with(table, &[])
    }

    /// As [`DisclosureControl::protect`], with `forced` positions suppressed
    /// as well (marked secondary unless primary) and protected like primary
    /// cells. Linked tables use it: a cell hidden in one table so that it
    /// cannot be recomputed by differencing another (see
    /// [`crate::report`]) must in turn be protected inside its own table.
    /// Every position suppressed by `forced` or by the result of an earlier
    /// call stays suppressed, so repeated calls only ever add suppressions.
    pub fn protect_with(&self, table: &Table, forced: &[Pos]) -> Protection {
        let mut pattern = Pattern::uniform(table, Mark::Published);
        if self.threshold <= 1 && forced.is_empty() {
            return Protection {
                pattern,
                exposed: Vec::new(),
            };
        }
        for pos in table.positions() {
            if self.is_primary(table.value(pos)) {
                pattern.set(pos, Mark::Primary);
            }
        }
        for &pos in forced {
            if !pattern.is_suppressed(pos) {
                pattern.set(pos, Mark::Secondary);
            }
        }
        let mut graph = Graph::new(self, table, &pattern);
        let primaries: Vec<usize> = (0..graph.edges.len())
            .filter(|&e| graph.edges[e].active)
            .collect();
        for e in primaries {
            if graph.cycle_through(e, false).is_some() {
                continue;
            }
            // The cheapest unit cycle through `e` when any cell may be
            // hidden; its published cells become secondary suppressions.
            // Cells already suppressed cost nothing, so existing
            // suppressions are reused before new ones are added.
            if let Some(path) = graph.cycle_through(e, true) {
                for f in path {
                    if !graph.edges[f].active {
                        graph.edges[f].active = true;
                        pattern.set(graph.edges[f].pos, Mark::Secondary);
                    }
                }
            }
        }
        // Adding suppressions only adds cycles, so a cell protected once
        // stays protected; only cells without any possible cycle remain.
        let exposed = graph.exposed();
        Protection { pattern, exposed }
    }

    /// The suppressed positions of `pattern` that a reader can recompute
    /// exactly from the published cells and margins of `table`.
    pub fn exposed(&self, table: &Table, pattern: &Pattern) -> Vec<Pos> {
        Graph::new(self, table, pattern).exposed()
    }
}

/// One position as an edge between its row node and its column node.
struct Edge {
    pos: Pos,
    row: usize,
    col: usize,
    /// The true value.
    value: u64,
    /// Whether the edge may carry +1 (row → column) or −1 (column → row)
    /// without leaving the reader's bounds. A row total enters its row's
    /// equation with the opposite sign of the cells, hence the flip.
    plus: bool,
    minus: bool,
    active: bool,
}

/// The bipartite graph of the table: nodes `0..rows` are the rows, then one
/// node per column, then one node for the row-total column.
struct Graph {
    nodes: usize,
    edges: Vec<Edge>,
    adjacent: Vec<Vec<usize>>,
}

impl Graph {
    fn new(dc: &DisclosureControl, table: &Table, pattern: &Pattern) -> Graph {
        let rows = table.rows();
        let total_node = rows + table.cols();
        let nodes = total_node + 1;
        let mut edges = Vec::new();
        let mut adjacent = vec![Vec::new(); nodes];
        for pos in table.positions() {
            let value = table.value(pos);
            let (row, col, sign) = match pos {
                Pos::Cell(r, c) => (r, rows + c, 1i128),
                Pos::RowTotal(r) => (r, total_node, -1i128),
            };
            let (lo, hi) = dc.reader_bounds(value);
            let within = |x: i128| x >= i128::from(lo) && hi.is_none_or(|h| x <= i128::from(h));
            let v = i128::from(value);
            let id = edges.len();
            edges.push(Edge {
                pos,
                row,
                col,
                value,
                plus: within(v + sign),
                minus: within(v - sign),
                active: pattern.is_suppressed(pos),
            });
            adjacent[row].push(id);
            adjacent[col].push(id);
        }
        Graph {
            nodes,
            edges,
            adjacent,
        }
    }

    fn exposed(&self) -> Vec<Pos> {
        (0..self.edges.len())
            .filter(|&e| self.edges[e].active && self.cycle_through(e, false).is_none())
            .map(|e| self.edges[e].pos)
            .collect()
    }

    /// The cheapest residual cycle through edge `e`, as its other edges.
    /// With `hidden_too`, published cells may be used at a cost of their
    /// value + 1 (so the smallest are chosen, and fewer rather than more);
    /// suppressed cells are free.
    fn cycle_through(&self, e: usize, hidden_too: bool) -> Option<Vec<usize>> {
        let edge = &self.edges[e];
        let mut best: Option<(u64, Vec<usize>)> = None;
        // +1 on e walks row → column, so the cycle returns column ⇝ row;
        // −1 walks column → row, and the cycle returns row ⇝ column.
        let directions = [
            (edge.plus, edge.col, edge.row),
            (edge.minus, edge.row, edge.col),
        ];
        for (allowed, from, to) in directions {
            if !allowed {
                continue;
            }
            if let Some((cost, path)) = self.cheapest_path(from, to, e, hidden_too) {
                if best.as_ref().is_none_or(|(c, _)| cost < *c) {
                    best = Some((cost, path));
                }
            }
        }
        best.map(|(_, p)| p)
    }

    /// Dijkstra over the residual graph without edge `skip`.
    fn cheapest_path(
        &self,
        from: usize,
        to: usize,
        skip: usize,
        hidden_too: bool,
    ) -> Option<(u64, Vec<usize>)> {
        let mut dist = vec![u64::MAX; self.nodes];
        let mut via: Vec<Option<(usize, usize)>> = vec![None; self.nodes];
        let mut heap = BinaryHeap::new();
        dist[from] = 0;
        heap.push(Reverse((0u64, from)));
        while let Some(Reverse((d, u))) = heap.pop() {
            if d > dist[u] {
                continue;
            }
            if u == to {
                break;
            }
            for &f in &self.adjacent[u] {
                let edge = &self.edges[f];
                if f == skip || !(edge.active || hidden_too) {
                    continue;
                }
                let (next, allowed) = if u == edge.row {
                    (edge.col, edge.plus)
                } else {
                    (edge.row, edge.minus)
                };
                if !allowed {
                    continue;
                }
                let cost = if edge.active {
                    0
                } else {
                    edge.value.saturating_add(1)
                };
                let nd = d.saturating_add(cost);
                if nd < dist[next] {
                    dist[next] = nd;
                    via[next] = Some((u, f));
                    heap.push(Reverse((nd, next)));
                }
            }
        }
        if dist[to] == u64::MAX {
            return None;
        }
        let mut path = Vec::new();
        let mut at = to;
        while at != from {
            let (prev, f) = via[at]?;
            path.push(f);
            at = prev;
        }
        Some((dist[to], path))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn table(rows: &[&[u64]]) -> Table {
        Table::from_rows(&rows.iter().map(|r| r.to_vec()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn a_single_small_cell_in_a_row_drags_the_next_smallest_along() {
        // One column: the district's map is also the municipality's.
        let t = table(&[&[3], &[7], &[12], &[40]]);
        let p = DisclosureControl::new(5).protect(&t);
        assert_eq!(p.pattern.mark(Pos::Cell(0, 0)), Mark::Primary);
        assert_eq!(p.pattern.mark(Pos::RowTotal(0)), Mark::Primary);
        assert_eq!(p.pattern.mark(Pos::Cell(1, 0)), Mark::Secondary);
        assert_eq!(p.pattern.mark(Pos::RowTotal(1)), Mark::Secondary);
        assert!(!p.pattern.is_suppressed(Pos::Cell(2, 0)));
        assert!(!p.pattern.is_suppressed(Pos::Cell(3, 0)));
        assert!(p.exposed.is_empty());
    }

    #[test]
    fn nothing_is_hidden_without_small_cells() {
        let t = table(&[&[5, 9], &[0, 30]]);
        let p = DisclosureControl::new(5).protect(&t);
        assert!(p.pattern.suppressed().is_empty());
    }

    #[test]
    fn two_primaries_at_the_bounds_are_recomputable_and_reported() {
        // 4 + 4 = 8 with both "<5": both must be 4.
        let t = table(&[&[4], &[4]]);
        let p = DisclosureControl::new(5).protect(&t);
        assert_eq!(p.exposed.len(), 4);
    }

    #[test]
    fn a_lone_suppressed_cell_in_a_column_is_exposed() {
        let t = table(&[&[3, 10], &[20, 10]]);
        let mut pattern = Pattern::uniform(&t, Mark::Published);
        pattern.set(Pos::Cell(0, 0), Mark::Primary);
        let dc = DisclosureControl::new(5);
        assert_eq!(dc.exposed(&t, &pattern), vec![Pos::Cell(0, 0)]);
        let p = dc.protect(&t);
        assert!(p.exposed.is_empty());
        // The cheapest cycle: the 3, its neighbour 10, and the column below.
        assert_eq!(p.pattern.suppressed().len(), 4);
    }

    #[test]
    fn threshold_one_hides_nothing() {
        let t = table(&[&[1, 0], &[2, 3]]);
        assert!(DisclosureControl::new(1)
            .protect(&t)
            .pattern
            .suppressed()
            .is_empty());
    }
}
