//! Login throttling (OWASP ASVS 2.2.1): after too many failed logins for one
//! account name, or from one client address, within a window, further
//! attempts are refused with 429 until the oldest failure leaves the window.
//!
//! Kept in memory: a restart forgets the counts, and several server
//! processes count separately. Both are acceptable for the staff of one
//! municipality (a restart costs an attacker a restart's worth of guesses
//! at most) and keep the login path free of database writes. The map is
//! pruned as it is used, so it cannot grow without bound.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Failures per key within the window.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, VecDeque<i64>>>,
}

/// How many failures are allowed, and over how long.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleLimits {
    pub per_account: usize,
    pub per_address: usize,
    pub window_secs: i64,
}

/// More keys than this and the map is swept of expired entries.
const SWEEP_AT: usize = 10_000;

fn account_key(name: &str) -> String {
    format!("a:{}", name.trim().to_lowercase())
}

fn address_key(ip: &str) -> String {
    format!("i:{ip}")
}

impl LoginThrottle {
    /// Seconds until a login for `name` from `ip` may be tried again, or
    /// `None` when it may be tried now.
    pub fn blocked_for(
        &self,
        limits: ThrottleLimits,
        name: &str,
        ip: Option<&str>,
        now: i64,
    ) -> Option<i64> {
        let Ok(mut map) = self.failures.lock() else {
            return None;
        };
        let mut wait = None;
        let mut check = |key: String, limit: usize| {
            if let Some(q) = map.get_mut(&key) {
                while q.front().is_some_and(|t| *t + limits.window_secs <= now) {
                    q.pop_front();
                }
                if q.len() >= limit {
                    // The attempt is allowed again when enough old failures
                    // have left the window.
                    let oldest_that_counts = q[q.len() - limit];
                    let w = (oldest_that_counts + limits.window_secs - now).max(1);
                    wait = Some(wait.map_or(w, |x: i64| x.max(w)));
                }
            }
        };
        check(account_key(name), limits.per_account);
        if let Some(ip) = ip {
            check(address_key(ip), limits.per_address);
        }
        wait
    }

    pub fn record_failure(&self, limits: ThrottleLimits, name: &str, ip: Option<&str>, now: i64) {
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        if map.len() >= SWEEP_AT {
            map.retain(|_, q| q.back().is_some_and(|t| *t + limits.window_secs > now));
        }
        let cap = limits.per_account.max(limits.per_address);
        let mut push = |key: String| {
            let q = map.entry(key).or_default();
            q.push_back(now);
            while q.len() > cap {
                q.pop_front();
            }
        };
        push(account_key(name));
        if let Some(ip) = ip {
            push(address_key(ip));
        }
    }

    /// A successful login clears the account's failures (not the
    /// address's: one good password must not reset a guessing run from it).
    pub fn record_success(&self, name: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&account_key(name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: ThrottleLimits = ThrottleLimits {
        per_account: 3,
        per_address: 5,
        window_secs: 100,
    };

    #[test]
    fn blocks_an_account_after_the_limit_until_the_window_passes() {
        let t = LoginThrottle::default();
        for i in 0..3 {
            assert_eq!(t.blocked_for(L, "Anna", Some("10.0.0.1"), 1000 + i), None);
            t.record_failure(L, "anna", Some("10.0.0.1"), 1000 + i);
        }
        assert_eq!(t.blocked_for(L, "ANNA ", Some("10.0.0.9"), 1010), Some(90));
        assert_eq!(t.blocked_for(L, "anna", None, 1099), Some(1));
        assert_eq!(t.blocked_for(L, "anna", None, 1100), None);
        assert_eq!(t.blocked_for(L, "bertil", Some("10.0.0.2"), 1010), None);
    }

    #[test]
    fn blocks_an_address_trying_many_names() {
        let t = LoginThrottle::default();
        for i in 0..5 {
            t.record_failure(L, &format!("user{i}"), Some("10.0.0.1"), 1000);
        }
        assert!(t
            .blocked_for(L, "someone", Some("10.0.0.1"), 1001)
            .is_some());
        assert_eq!(t.blocked_for(L, "someone", Some("10.0.0.2"), 1001), None);
        t.record_success("user1");
        assert!(t
            .blocked_for(L, "someone", Some("10.0.0.1"), 1001)
            .is_some());
    }
}
