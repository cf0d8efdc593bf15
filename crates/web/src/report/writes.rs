//! The report rollup kept current, and the write path that keeps it so.
//!
//! [`ReportCache`] holds a [`Rollup`] per municipality together with the
//! data version it counts. Registrations stored by this server go through
//! one writer task (a group commit: requests that arrive while a
//! transaction is running are written together in the next one, each
//! answered after its commit; see [`SQLITE_GATHER`]) which adds what it
//! stored to the rollup, advancing its version from the one the transaction followed to the one
//! it set; a parent's answer recounts its registration's day the same way
//! ([`ReportCache::recount`]). Any other write (an import, a restore, a
//! second server) leaves the cache's version behind the store's, and the
//! next report rebuilds the rollup, from its stored snapshot when that
//! counts the store's current version (`stats::snapshot`; `foljupp
//! import` keeps it current), else from one streaming scan. The server
//! saves the snapshot after a scan, every minute while its own writes
//! advance the rollup, and at shutdown.

use crate::SharedState;
use foljupp_core::{Kind, MunicipalConfig, Period, Registration};
use foljupp_stats::{Rollup, RollupBuilder};
use foljupp_store::{
    IdempotencyKey, Insert, NewParentLink, Request, Store, StoreError, VersionStep,
};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};
use tokio::sync::{mpsc, oneshot};

const CONVERSATIONS: [Kind; 1] = [Kind::Conversation];
const OTHER_KINDS: [Kind; 5] = [
    Kind::HomeVisit,
    Kind::GroupMeeting,
    Kind::ProgrammeGroup,
    Kind::Collaboration,
    Kind::OpenPreschoolReport,
];

/// Requests written in one transaction at most.
const MAX_GROUP: usize = 256;

struct Entry {
    /// The data version whose registrations `rollup` counts.
    version: Option<String>,
    /// The configuration it was counted under: its question mappings shape
    /// the counts, so a new configuration means a new count.
    config: Arc<MunicipalConfig>,
    rollup: Rollup,
    /// The version of the municipality's stored snapshot, when it is this
    /// rollup's (nothing to save).
    saved: Option<String>,
}

type Entries = Arc<RwLock<HashMap<String, Entry>>>;

/// The municipalities' registrations counted by district and day
/// ([`foljupp_stats::Rollup`]), keyed by municipality. A report never
/// misses a committed write: it compares the store's data version with the
/// cache's first. Reports equal a plain recomputation (property tests in
/// crates/stats/tests/rollup.rs and crates/store/tests/scan.rs).
#[derive(Default)]
pub struct ReportCache {
    entries: Entries,
    /// One rebuild at a time; requests meanwhile wait for it.
    rebuilding: tokio::sync::Mutex<()>,
    writer: OnceLock<mpsc::Sender<Job>>,
    scans: std::sync::atomic::AtomicU64,
}

struct Job {
    municipality: String,
    regs: Vec<Registration>,
    key: Option<IdempotencyKey>,
    link: Option<NewParentLink>,
    reply: oneshot::Sender<Result<Insert, StoreError>>,
}

fn poisoned<T>(e: std::sync::PoisonError<T>) -> T {
    // The lock guards plain additions of counts, which do not panic; a
    // poisoned lock holds usable data.
    e.into_inner()
}

impl ReportCache {
    /// Runs `f` on the rollup of `municipality` at the store's current data
    /// version (or a later one), rebuilding it first if it is stale.
    pub async fn with<T>(
        &self,
        state: &SharedState,
        cfg: &Arc<MunicipalConfig>,
        f: impl FnOnce(&Rollup) -> T,
    ) -> Result<T, StoreError> {
        let municipality = cfg.code();
        let version = state.store.data_version().await?;
        let fresh = |entries: &HashMap<String, Entry>, version: &Option<String>| {
            entries
                .get(municipality)
                .is_some_and(|e| e.version == *version && Arc::ptr_eq(&e.config, cfg))
        };
        {
            let entries = self.entries.read().unwrap_or_else(poisoned);
            if fresh(&entries, &version) {
                if let Some(e) = entries.get(municipality) {
                    return Ok(f(&e.rollup));
                }
            }
        }
        let _one = self.rebuilding.lock().await;
        // Another request may have rebuilt it, or the writer advanced it,
        // while this one waited.
        let version = state.store.data_version().await?;
        {
            let entries = self.entries.read().unwrap_or_else(poisoned);
            if fresh(&entries, &version) {
                if let Some(e) = entries.get(municipality) {
                    return Ok(f(&e.rollup));
                }
            }
        }
        let started = std::time::Instant::now();
        if cfg.forms.mappings.is_empty() {
            if let Some(rollup) = snapshot_at(&state.store, municipality, &version).await? {
                tracing::info!(
                    registrations = rollup.len(),
                    ms = started.elapsed().as_millis() as u64,
                    "report rollup read from its snapshot"
                );
                let mut entries = self.entries.write().unwrap_or_else(poisoned);
                entries.insert(
                    municipality.to_string(),
                    Entry {
                        saved: version.clone(),
                        version,
                        config: cfg.clone(),
                        rollup,
                    },
                );
                let e = entries
                    .get(municipality)
                    .ok_or_else(|| StoreError::Conflict("rollup vanished".into()))?;
                return Ok(f(&e.rollup));
            }
        }
        if !cfg.forms.mappings.is_empty() {
            // Question mappings read answers the scan does not (questions
            // admins added live in the `extra` column): the registrations
            // are loaded whole, a year at a time, and mapped before they
            // are counted. Slower, and only for a municipality that
            // declared a mapping.
            let version = state.store.data_version().await?;
            let mut rollup = Rollup::new();
            self.scans
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            for year in 2000..=crate::report::today().year() + 1 {
                if let Some(period) = Period::year(year) {
                    for r in crate::report::load(state, cfg, period).await? {
                        rollup.add(&r);
                    }
                }
            }
            let mut entries = self.entries.write().unwrap_or_else(poisoned);
            entries.insert(
                municipality.to_string(),
                Entry {
                    version,
                    config: cfg.clone(),
                    rollup,
                    saved: None,
                },
            );
            let e = entries
                .get(municipality)
                .ok_or_else(|| StoreError::Conflict("rollup vanished".into()))?;
            return Ok(f(&e.rollup));
        }
        // Conversations (the most rows) on one connection, the other kinds
        // on another, in parallel. Each scan reads the version in the same
        // snapshot as its rows; equal versions mean equal data (every write
        // sets a new one), so the rollup counts exactly that version (at
        // least as new as the one read above) and the writer can add later
        // writes on top. Should a write land between the two snapshots,
        // the scan is repeated on one connection.
        let scan = |kinds: &'static [Kind]| {
            let store = state.store.clone();
            let municipality = municipality.to_string();
            tokio::spawn(async move {
                let mut b = RollupBuilder::new();
                let v = store
                    .scan_kinds(&municipality, kinds, &mut |row| b.add(row))
                    .await?;
                Ok::<_, StoreError>((v, b))
            })
        };
        let joined = |r: Result<Result<_, StoreError>, tokio::task::JoinError>| {
            r.map_err(|e| StoreError::Conflict(format!("report scan: {e}")))?
        };
        let (a, b) = (scan(&CONVERSATIONS), scan(&OTHER_KINDS));
        let ((va, mut builder), (vb, other)) = (joined(a.await)?, joined(b.await)?);
        let scanned = if va == vb {
            builder.merge(other);
            va
        } else {
            builder = RollupBuilder::new();
            state
                .store
                .scan_registrations(municipality, &mut |row| builder.add(row))
                .await?
        };
        let rollup = builder.finish();
        self.scans
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::info!(
            registrations = rollup.len(),
            ms = started.elapsed().as_millis() as u64,
            "report rollup rebuilt"
        );
        let answer = {
            let mut entries = self.entries.write().unwrap_or_else(poisoned);
            entries.insert(
                municipality.to_string(),
                Entry {
                    version: scanned,
                    config: cfg.clone(),
                    rollup,
                    saved: None,
                },
            );
            let e = entries
                .get(municipality)
                .ok_or_else(|| StoreError::Conflict("rollup vanished".into()))?;
            f(&e.rollup)
        };
        // The next start (or import) takes up these counts instead of
        // scanning again; saved after the answer, off the request's path.
        let (entries, store, m) = (
            self.entries.clone(),
            state.store.clone(),
            municipality.to_string(),
        );
        tokio::spawn(async move {
            if let Err(e) = save_snapshot(&entries, &store, &m).await {
                tracing::warn!(error = %e, "saving the report rollup's snapshot failed");
            }
        });
        Ok(answer)
    }

    /// Saves the snapshot of every rollup that has counted writes since its
    /// snapshot was saved (the server's own registrations advance the
    /// rollup, not the stored snapshot). Called now and then and at
    /// shutdown: a snapshot that is not saved only costs the next start a
    /// scan.
    pub async fn save_snapshots(&self, store: &Store) -> Result<(), StoreError> {
        let unsaved: Vec<String> = {
            let entries = self.entries.read().unwrap_or_else(poisoned);
            entries
                .iter()
                .filter(|(_, e)| e.version.is_some() && e.saved != e.version)
                .map(|(m, _)| m.clone())
                .collect()
        };
        for m in unsaved {
            save_snapshot(&self.entries, store, &m).await?;
        }
        Ok(())
    }

    /// Takes up a parent's recorded answer: every rollup at the version the
    /// answer's write followed recounts the answered registration's day
    /// (its own municipality's; the others only advance) and moves to the
    /// version it set. A rollup at any other version is left behind and
    /// rebuilt by the next report, as after any write.
    pub fn recount(&self, day: &foljupp_store::DayRecount) {
        if day.step.before == day.step.after {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(poisoned);
        for (municipality, e) in entries.iter_mut() {
            if e.version != day.step.before {
                continue;
            }
            if *municipality == day.municipality {
                if e.config.forms.mappings.is_empty() {
                    e.rollup
                        .recount_day(&day.district, day.date, &day.registrations);
                } else {
                    let mapped: Vec<Registration> = day
                        .registrations
                        .iter()
                        .map(|r| {
                            let mut r = r.clone();
                            e.config.forms.apply_mappings(&mut r);
                            r
                        })
                        .collect();
                    e.rollup.recount_day(&day.district, day.date, &mapped);
                }
            }
            e.version = day.step.after.clone();
        }
    }

    /// How many times a rollup has been rebuilt by scanning the stored
    /// registrations since the server started (logged, and read by tests
    /// that check a write was taken up without one).
    pub fn scans(&self) -> u64 {
        self.scans.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Stores one request's registrations through the group-commit writer,
    /// once per idempotency key, with the parent's answer link for the
    /// first registration in the same transaction; counts them into the
    /// rollup before answering. Returns after the commit (an answered
    /// request is durable).
    pub async fn store(
        &self,
        state: &SharedState,
        municipality: &str,
        regs: Vec<Registration>,
        key: Option<IdempotencyKey>,
        link: Option<NewParentLink>,
    ) -> Result<Insert, StoreError> {
        let writer = self.writer.get_or_init(|| {
            let (tx, rx) = mpsc::channel(4 * MAX_GROUP);
            spawn_writer(state.store.clone(), self.entries.clone(), rx);
            tx
        });
        let (reply, answer) = oneshot::channel();
        let job = Job {
            municipality: municipality.to_string(),
            regs,
            key,
            link,
            reply,
        };
        writer
            .send(job)
            .await
            .map_err(|_| StoreError::Conflict("the writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Conflict("the writer has stopped".into()))?
    }
}

/// The municipality's stored snapshot as a rollup, if it counts exactly
/// data version `version` (and was made with this release's counting
/// rules); decoded off the async threads.
async fn snapshot_at(
    store: &Store,
    municipality: &str,
    version: &Option<String>,
) -> Result<Option<Rollup>, StoreError> {
    let Some(version) = version else {
        return Ok(None);
    };
    match store.rollup_snapshot(municipality).await? {
        Some((token, body)) if token == *version => {
            Ok(tokio::task::spawn_blocking(move || Rollup::decode(&body))
                .await
                .ok()
                .flatten())
        }
        _ => Ok(None),
    }
}

/// Saves the municipality's rollup as its snapshot, at the version it
/// counts (the store keeps it only while that is the data version). A
/// rollup counted through question mappings is not saved: it depends on
/// the configuration, which the snapshot does not record.
async fn save_snapshot(
    entries: &Entries,
    store: &Store,
    municipality: &str,
) -> Result<(), StoreError> {
    // Encoding takes tens of milliseconds at a million registrations: not
    // on the async threads.
    let (from, m) = (entries.clone(), municipality.to_string());
    let encoded = tokio::task::spawn_blocking(move || {
        let entries = from.read().unwrap_or_else(poisoned);
        entries.get(&m).and_then(|e| {
            let version = e.version.clone()?;
            (e.config.forms.mappings.is_empty() && e.saved.as_ref() != Some(&version))
                .then(|| (version, e.rollup.encode()))
        })
    })
    .await
    .map_err(|e| StoreError::Failed(format!("encoding the rollup: {e}")))?;
    let Some((version, body)) = encoded else {
        return Ok(());
    };
    if store
        .save_rollup_snapshot(municipality, &version, &body)
        .await?
    {
        let mut entries = entries.write().unwrap_or_else(poisoned);
        if let Some(e) = entries.get_mut(municipality) {
            if e.version.as_ref() == Some(&version) {
                e.saved = Some(version);
            }
        }
    }
    Ok(())
}

/// Runs [`run_writer`]; on SQLite on a thread of its own, with its own
/// single-thread runtime. A group's transaction is a chain of statements,
/// each answered by SQLite's connection thread; on the server's shared
/// runtime every answer would wake the writer behind the tasks of every
/// open request, so under load each step of the chain waited its turn
/// while all requests waited for the chain (measured at 100 clients: a
/// group's median time went from 4 ms to 0.9 ms). Not on PostgreSQL: a
/// connection opened on that runtime would belong to its reactor, and the
/// pool lends connections to the whole server.
fn spawn_writer(store: Store, entries: Entries, rx: mpsc::Receiver<Job>) {
    if store.backend_name() != "sqlite" {
        tokio::spawn(run_writer(store, entries, rx, None));
        return;
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::warn!(error = %e, "no runtime for the writer; it shares the server's");
            tokio::spawn(run_writer(store, entries, rx, None));
            return;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("foljupp-writer".into())
        .spawn(move || runtime.block_on(run_writer(store, entries, rx, Some(SQLITE_GATHER))));
    if let Err(e) = spawned {
        tracing::error!(error = %e, "the writer's thread did not start");
    }
}

/// How long SQLite's writer waits for more requests before the next group
/// while requests queue up (the last group held more than one). Larger
/// groups dirty fewer pages per registration (a day's leaf of the
/// registrations takes several rows at once), so under load the log grows
/// more slowly and the background checkpointer, limited by how fast the
/// disk syncs, starts it over less often; each of those restarts holds
/// the writer for 10–50 ms, and they are what sets the p99. Measured with
/// 100 clients for 20 s on a copy of the 1M benchmark database,
/// alternating three runs each: groups of 24–26 → 49–50 requests, writer
/// CPU 38–40 → 35–37 µs a registration, p99 22.4/18.3/20.3 → 18.2/16.2/
/// 16.0 ms, throughput 12.4–15.1k/s before and 12.6–13.9k/s after (a
/// noisy shared machine; 400 and 1500 µs did about as well, one run of
/// 800 µs had 25 ms). A lone request (the last group held one) does not
/// wait. Not on PostgreSQL, whose writer shares the server's runtime (its
/// timer counts whole milliseconds) and is not limited by one log.
const SQLITE_GATHER: std::time::Duration = std::time::Duration::from_micros(500);

/// Writes queued requests, as many together as have arrived (up to
/// [`MAX_GROUP`]), until the cache is dropped. With `gather`, the writer
/// has a thread of its own ([`spawn_writer`]) and sleeps on it.
async fn run_writer(
    store: Store,
    entries: Entries,
    mut rx: mpsc::Receiver<Job>,
    gather: Option<std::time::Duration>,
) {
    let mut queued = false;
    while let Some(first) = rx.recv().await {
        if let Some(wait) = gather.filter(|_| queued) {
            std::thread::sleep(wait);
        }
        let mut jobs = vec![first];
        while jobs.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        queued = jobs.len() > 1;
        let started = std::time::Instant::now();
        let result = write(&store, &jobs).await;
        // FOLJUPP_LOG=info,foljupp_web=debug shows how requests group.
        tracing::debug!(
            n = jobs.len(),
            us = started.elapsed().as_micros() as u64,
            "group written"
        );
        match result {
            Ok((results, step)) => {
                apply(&entries, &jobs, &results, &step);
                for (job, r) in jobs.into_iter().zip(results) {
                    let _ = job.reply.send(Ok(r));
                }
            }
            Err(_) if jobs.len() > 1 => {
                // One request's failure must not fail the others: write
                // each alone, so each gets its own answer.
                for job in jobs {
                    let one = std::slice::from_ref(&job);
                    let r = match write(&store, one).await {
                        Ok((mut results, step)) => {
                            apply(&entries, one, &results, &step);
                            results.pop().ok_or_else(|| {
                                StoreError::Conflict("no result for the insert".into())
                            })
                        }
                        Err(e) => Err(e),
                    };
                    let _ = job.reply.send(r);
                }
            }
            Err(e) => {
                for job in jobs {
                    let _ = job.reply.send(Err(clone_error(&e)));
                }
            }
        }
    }
}

/// Each request of a failed group gets the error: an unreachable database
/// stays one (503 with a retry), a conflict a conflict, anything else a
/// server error.
fn clone_error(e: &StoreError) -> StoreError {
    match e {
        e if e.is_unavailable() => StoreError::Unavailable(e.to_string()),
        StoreError::Conflict(m) => StoreError::Conflict(m.clone()),
        e => StoreError::Failed(e.to_string()),
    }
}

async fn write(store: &Store, jobs: &[Job]) -> Result<(Vec<Insert>, VersionStep), StoreError> {
    let reqs: Vec<Request<'_>> = jobs
        .iter()
        .map(|j| Request {
            municipality: &j.municipality,
            regs: &j.regs,
            key: j.key.as_ref(),
            parent_link: j.link.as_ref(),
        })
        .collect();
    store
        .insert_group(&reqs, foljupp_store::now_unix(), &mut |_| {})
        .await
}

/// Adds what a transaction stored to every rollup that counted the version
/// it followed; a rollup at any other version is left behind (the next
/// report rebuilds it).
fn apply(entries: &Entries, jobs: &[Job], results: &[Insert], step: &VersionStep) {
    if step.before == step.after {
        return;
    }
    let mut entries = entries.write().unwrap_or_else(poisoned);
    for (municipality, e) in entries.iter_mut() {
        if e.version != step.before {
            continue;
        }
        for (job, r) in jobs.iter().zip(results) {
            if matches!(r, Insert::Stored(_)) && job.municipality == *municipality {
                for reg in &job.regs {
                    if e.config.forms.mappings.is_empty() {
                        e.rollup.add(reg);
                    } else {
                        let mut mapped = reg.clone();
                        e.config.forms.apply_mappings(&mut mapped);
                        e.rollup.add(&mapped);
                    }
                }
            }
        }
        e.version = step.after.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_scans_of_a_rebuild_cover_every_kind_once() {
        let mut kinds: Vec<Kind> = CONVERSATIONS.iter().chain(&OTHER_KINDS).copied().collect();
        kinds.sort();
        assert_eq!(kinds, Kind::ALL.to_vec());
    }
}
