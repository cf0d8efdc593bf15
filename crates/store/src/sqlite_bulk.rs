//! One prepared single-row INSERT run for many rows directly on a SQLite
//! connection's handle, for bulk imports. Through sqlx every value is
//! copied into its argument buffer and every batch goes to the
//! connection's worker thread as a multi-row INSERT (which also makes
//! SQLite keep a statement journal); this binds each row's values in place
//! and steps the statement here. It runs inside the transaction sqlx has
//! begun on the same connection, so all-or-nothing is unchanged.
//!
//! The only unsafe code of the crate: the FFI calls are wrapped in a safe
//! API ([`RowInsert`]) whose invariants are stated on each block.
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

/// A prepared INSERT on a connection whose handle is locked out of sqlx's
/// worker thread for as long as this lives (the borrow of the lock).
pub(crate) struct RowInsert<'h> {
    db: NonNull<ffi::sqlite3>,
    stmt: NonNull<ffi::sqlite3_stmt>,
    params: usize,
    _lock: PhantomData<&'h mut ()>,
}

impl<'h> RowInsert<'h> {
    /// Prepares one statement (`sql` holds exactly one, with `?`
    /// parameters).
    pub(crate) fn prepare(lock: &'h mut LockedSqliteHandle<'_>, sql: &str) -> Result<Self> {
        let db = lock.as_raw_handle();
        let len = c_int::try_from(sql.len())
            .map_err(|_| StoreError::Failed("SQL-satsen är för lång".into()))?;
        let mut stmt = std::ptr::null_mut();
        // SAFETY: `db` is an open connection that no other thread uses
        // while `lock` is held (LockedSqliteHandle's guarantee), and `lock`
        // is borrowed for as long as the statement lives. `sql` is valid
        // for `len` bytes (no NUL terminator is needed when the length is
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
        let stmt = NonNull::new(stmt)
            .ok_or_else(|| StoreError::Failed("tom SQL-sats i massinläsningen".into()))?;
        // SAFETY: `stmt` is a live statement prepared above.
        let params = unsafe { ffi::sqlite3_bind_parameter_count(stmt.as_ptr()) };
        Ok(RowInsert {
            db,
            stmt,
            params: usize::try_from(params).unwrap_or(0),
            _lock: PhantomData,
        })
    }

    /// Inserts one row: `row` holds a value for every parameter, in order.
    pub(crate) fn insert(&mut self, row: &[Param<'_>]) -> Result<()> {
        let result = self.bind_and_step(row);
        // SAFETY: `stmt` is live. Resetting and clearing the bindings
        // (even after an error) means the statement keeps no pointer into
        // `row`, which is only borrowed for this call: the texts bound
        // with SQLITE_STATIC below are never read after it.
        unsafe {
            ffi::sqlite3_reset(self.stmt.as_ptr());
            ffi::sqlite3_clear_bindings(self.stmt.as_ptr());
        }
        result
    }

    fn bind_and_step(&mut self, row: &[Param<'_>]) -> Result<()> {
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
        let rc = unsafe { ffi::sqlite3_step(stmt) };
        if rc != ffi::SQLITE_DONE {
            return Err(error(self.db, rc));
        }
        Ok(())
    }
}

/// Binds `text` without a copy (SQLITE_STATIC): the caller keeps it alive
/// until the statement is reset and its bindings are cleared
/// ([`RowInsert::insert`] does both before `row` goes).
fn bind_text(stmt: *mut ffi::sqlite3_stmt, at: c_int, text: &str) -> c_int {
    let Ok(len) = c_int::try_from(text.len()) else {
        return ffi::SQLITE_TOOBIG;
    };
    // SAFETY: `stmt` is live (see the callers); `text` is valid UTF-8 for
    // `len` bytes, and SQLITE_STATIC is correct because of the contract
    // above.
    unsafe { ffi::sqlite3_bind_text(stmt, at, text.as_ptr().cast(), len, ffi::SQLITE_STATIC()) }
}

impl Drop for RowInsert<'_> {
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
    StoreError::Failed(format!("{message} (SQLite-felkod {rc})"))
}
