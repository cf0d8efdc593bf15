//! Statements run directly on a SQLite connection's handle, on the
//! calling thread. Through sqlx every statement is a message to the
//! connection's worker thread and an answer back, and every value is
//! copied into an argument buffer; under load each of those hand-offs
//! waits for a turn on a busy CPU. The writer's group commit
//! (`Store::insert_group`) runs its whole transaction here, with one
//! hand-off for the lock; bulk imports bind each row's values in place
//! and step one prepared INSERT per row inside the transaction sqlx has
//! begun on the same connection, so all-or-nothing is unchanged.
//!
//! The only unsafe code of the crate: the FFI calls are wrapped in a safe
//! API ([`Direct`], [`DirectTx`], [`Prepared`]) whose invariants are
//! stated on each block.
#![allow(unsafe_code)]

use crate::{Result, StoreError};
use libsqlite3_sys as ffi;
use sqlx::sqlite::LockedSqliteHandle;
use std::ffi::{c_int, CStr};
use std::marker::PhantomData;
use std::ptr::NonNull;

/// The value of one parameter.
pub(crate) enum Param<'a> {
    Null,
    Int(i64),
    /// Borrowed text, bound without a copy.
    Text(&'a str),
    /// Text made for this row (a date, a joined list).
    Owned(String),
}

/// A SQLite connection's handle, locked out of sqlx's worker thread for
/// as long as this lives (the borrow of the lock): statements prepared
/// here run on the calling thread, one call each, instead of a message to
/// the worker and its answer per statement.
pub(crate) struct Direct<'h> {
    db: NonNull<ffi::sqlite3>,
    _lock: PhantomData<&'h mut ()>,
}

impl<'h> Direct<'h> {
    pub(crate) fn new(lock: &'h mut LockedSqliteHandle<'_>) -> Self {
        Direct {
            db: lock.as_raw_handle(),
            _lock: PhantomData,
        }
    }

    /// Prepares one statement (`sql` holds exactly one, with `?`
    /// parameters).
    pub(crate) fn prepare(&self, sql: &str) -> Result<Prepared<'_>> {
        let db = self.db;
        let len = c_int::try_from(sql.len())
            .map_err(|_| StoreError::Failed("SQL-satsen är för lång".into()))?;
        let mut stmt = std::ptr::null_mut();
        // SAFETY: `db` is an open connection that no other thread uses
        // while the lock `self` borrows is held (LockedSqliteHandle's
        // guarantee), and the statement borrows `self`. `sql` is valid for
        // `len` bytes (no NUL terminator is needed when the length is
        // given); `stmt` is a valid out-pointer; the tail pointer may be
        // null.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(
                db.as_ptr(),
                sql.as_ptr().cast(),
                len,
                &mut stmt,
                std::ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(error(db, rc));
        }
        let stmt = NonNull::new(stmt).ok_or_else(|| StoreError::Failed("tom SQL-sats".into()))?;
        // SAFETY: `stmt` is a live statement prepared above.
        let params = unsafe { ffi::sqlite3_bind_parameter_count(stmt.as_ptr()) };
        Ok(Prepared {
            db,
            stmt,
            params: usize::try_from(params).unwrap_or(0),
            _conn: PhantomData,
        })
    }

    /// Runs one statement without parameters or rows.
    pub(crate) fn exec(&self, sql: &str) -> Result<()> {
        self.prepare(sql)?.run(&[])
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    pub(crate) fn changes(&self) -> i64 {
        // SAFETY: `db` is the live, locked connection.
        unsafe { ffi::sqlite3_changes64(self.db.as_ptr()) }
    }

    /// Begins a write transaction (the write lock first): rolled back
    /// unless [`DirectTx::commit`] is called.
    pub(crate) fn begin_immediate(&self) -> Result<DirectTx<'_, 'h>> {
        self.exec("BEGIN IMMEDIATE")?;
        Ok(DirectTx {
            db: self,
            open: true,
        })
    }

    fn in_transaction(&self) -> bool {
        // SAFETY: `db` is the live, locked connection.
        unsafe { ffi::sqlite3_get_autocommit(self.db.as_ptr()) == 0 }
    }
}

/// A transaction begun on a [`Direct`] handle. Dropped without
/// [`DirectTx::commit`] (an error, or a panic, on the way) it is rolled
/// back, so that the connection goes back to sqlx, and on to the next
/// writer, outside any transaction.
pub(crate) struct DirectTx<'d, 'h> {
    db: &'d Direct<'h>,
    open: bool,
}

impl DirectTx<'_, '_> {
    pub(crate) fn commit(mut self) -> Result<()> {
        self.db.exec("COMMIT")?;
        self.open = false;
        Ok(())
    }
}

impl Drop for DirectTx<'_, '_> {
    fn drop(&mut self) {
        if self.open && self.db.in_transaction() {
            // Nothing more can be done about a failed rollback here; the
            // connection then fails its next BEGIN and is not kept
            // (`WriterTurn::end`).
            let _ = self.db.exec("ROLLBACK");
        }
    }
}

/// A prepared statement of a [`Direct`] handle.
pub(crate) struct Prepared<'c> {
    db: NonNull<ffi::sqlite3>,
    stmt: NonNull<ffi::sqlite3_stmt>,
    params: usize,
    _conn: PhantomData<&'c ()>,
}

impl Prepared<'_> {
    /// Runs the statement once: `row` holds a value for every parameter,
    /// in order; it must not return rows.
    pub(crate) fn run(&mut self, row: &[Param<'_>]) -> Result<()> {
        let result = self.bind_and_step(row).and_then(|rc| match rc {
            ffi::SQLITE_DONE => Ok(()),
            rc => Err(error(self.db, rc)),
        });
        self.reset();
        result
    }

    /// Runs a query with `row`'s parameters and returns its first row's
    /// columns as text (NULL as `None`), or `None` without a row.
    pub(crate) fn query_row(&mut self, row: &[Param<'_>]) -> Result<Option<Vec<Option<String>>>> {
        let result = self.bind_and_step(row).and_then(|rc| match rc {
            ffi::SQLITE_ROW => Ok(Some(self.columns())),
            ffi::SQLITE_DONE => Ok(None),
            rc => Err(error(self.db, rc)),
        });
        self.reset();
        result
    }

    /// The current row's columns as text.
    fn columns(&self) -> Vec<Option<String>> {
        let stmt = self.stmt.as_ptr();
        // SAFETY: `stmt` is live and stepped onto a row (`query_row`).
        let n = unsafe { ffi::sqlite3_column_count(stmt) };
        (0..n)
            .map(|i| {
                // SAFETY: `i` is a column of the row; sqlite3_column_text
                // returns a pointer valid until the next step or reset, for
                // sqlite3_column_bytes bytes (asked after the text, as
                // SQLite's documentation requires), copied at once.
                unsafe {
                    if ffi::sqlite3_column_type(stmt, i) == ffi::SQLITE_NULL {
                        return None;
                    }
                    let text = ffi::sqlite3_column_text(stmt, i);
                    let len = usize::try_from(ffi::sqlite3_column_bytes(stmt, i)).unwrap_or(0);
                    if text.is_null() {
                        return Some(String::new());
                    }
                    let bytes = std::slice::from_raw_parts(text, len);
                    Some(String::from_utf8_lossy(bytes).into_owned())
                }
            })
            .collect()
    }

    fn reset(&mut self) {
        // SAFETY: `stmt` is live. Resetting and clearing the bindings
        // (even after an error) means the statement keeps no pointer into
        // the row just bound, which is only borrowed for the call: the
        // texts bound with SQLITE_STATIC below are never read after it.
        unsafe {
            ffi::sqlite3_reset(self.stmt.as_ptr());
            ffi::sqlite3_clear_bindings(self.stmt.as_ptr());
        }
    }

    /// Binds `row` and steps once; the step's result code.
    fn bind_and_step(&mut self, row: &[Param<'_>]) -> Result<c_int> {
        if row.len() != self.params {
            return Err(StoreError::Failed(format!(
                "massinläsningen gav {} värden för {} parametrar",
                row.len(),
                self.params
            )));
        }
        let stmt = self.stmt.as_ptr();
        for (i, p) in row.iter().enumerate() {
            // Parameters are numbered from 1; `i` < params ≤ c_int::MAX.
            let at = c_int::try_from(i + 1).unwrap_or(c_int::MAX);
            let rc = match p {
                // SAFETY: `stmt` is live and `at` is a parameter of it.
                Param::Null => unsafe { ffi::sqlite3_bind_null(stmt, at) },
                // SAFETY: as above.
                Param::Int(n) => unsafe { ffi::sqlite3_bind_int64(stmt, at, *n) },
                Param::Text(t) => bind_text(stmt, at, t),
                Param::Owned(t) => bind_text(stmt, at, t),
            };
            if rc != ffi::SQLITE_OK {
                return Err(error(self.db, rc));
            }
        }
        // SAFETY: `stmt` is live with every parameter bound; the texts
        // are borrowed from `row`, alive during this call.
        Ok(unsafe { ffi::sqlite3_step(stmt) })
    }
}

/// Binds `text` without a copy (SQLITE_STATIC): the caller keeps it alive
/// until the statement is reset and its bindings are cleared
/// ([`Prepared::run`] and [`Prepared::query_row`] do both before `row`
/// goes).
fn bind_text(stmt: *mut ffi::sqlite3_stmt, at: c_int, text: &str) -> c_int {
    let Ok(len) = c_int::try_from(text.len()) else {
        return ffi::SQLITE_TOOBIG;
    };
    // SAFETY: `stmt` is live (see the callers); `text` is valid UTF-8 for
    // `len` bytes, and SQLITE_STATIC is correct because of the contract
    // above.
    unsafe { ffi::sqlite3_bind_text(stmt, at, text.as_ptr().cast(), len, ffi::SQLITE_STATIC()) }
}

impl Drop for Prepared<'_> {
    fn drop(&mut self) {
        // SAFETY: `stmt` was prepared on this connection, whose lock is
        // still borrowed, and is finalized exactly once, here.
        unsafe {
            ffi::sqlite3_finalize(self.stmt.as_ptr());
        }
    }
}

/// The connection's message for a failed call.
fn error(db: NonNull<ffi::sqlite3>, rc: c_int) -> StoreError {
    // SAFETY: `db` is the live, locked connection; sqlite3_errmsg returns
    // a NUL-terminated string it owns, copied here before any other call
    // on the connection can change it.
    let message = unsafe {
        let m = ffi::sqlite3_errmsg(db.as_ptr());
        if m.is_null() {
            String::new()
        } else {
            CStr::from_ptr(m).to_string_lossy().into_owned()
        }
    };
    // Busy or locked past the connection's busy timeout: the database
    // did not answer in time (a 503 with a retry, not a server error).
    if matches!(rc & 0xff, ffi::SQLITE_BUSY | ffi::SQLITE_LOCKED) {
        return StoreError::Unavailable(format!("{message} (SQLite-felkod {rc})"));
    }
    StoreError::Failed(format!("{message} (SQLite-felkod {rc})"))
}
