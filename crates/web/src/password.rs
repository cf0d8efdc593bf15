//! The password policy of local accounts (OWASP ASVS 2.1): at least 12
//! characters, at most 128, and not a common password. No composition rules
//! (they make passwords harder to remember, not to guess); a passphrase of
//! a few words is what the messages suggest.
//!
//! The common-password list is Django's 20,000 most common leaked passwords
//! (`data/common-passwords.txt`, BSD licence in
//! `data/COMMON-PASSWORDS-LICENSE`), lowercased. Besides an exact match, a
//! password is refused when it is a listed one with digits or symbols
//! appended ("password1234!") or a listed one repeated ("qwertyqwerty"),
//! since the length rule alone lets those through.

use std::collections::HashSet;
use std::sync::OnceLock;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;

const LIST: &str = include_str!("../data/common-passwords.txt");

/// A few Swedish words that lead every Swedish leaked-password list and are
/// missing from the English-heavy list above.
const SWEDISH: &[&str] = &[
    "lösenord",
    "losenord",
    "sommar",
    "vinter",
    "hösten",
    "sverige",
    "stockholm",
    "hejsan",
    "hemligt",
    "foljupp",
    "följupp",
    "fotboll",
    "kärlek",
    "mamma",
    "pappa",
];

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        LIST.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .chain(SWEDISH.iter().copied())
            .collect()
    })
}

/// Whether the password is, or is trivially built from, a common password.
pub fn is_common(password: &str) -> bool {
    let lower = password.trim().to_lowercase();
    let set = common();
    if set.contains(lower.as_str()) {
        return true;
    }
    // A listed word followed by digits and symbols ("sommar2024!!!!").
    let stem = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    if stem.chars().count() >= 3 && stem.len() < lower.len() && set.contains(stem) {
        return true;
    }
    // A listed password repeated ("qwertyqwerty", "abc123abc123").
    let chars: Vec<char> = lower.chars().collect();
    for n in 1..=chars.len() / 2 {
        if chars.len().is_multiple_of(n) && chars.chunks(n).all(|c| c == &chars[..n]) {
            let unit: String = chars[..n].iter().collect();
            if n < 3 || set.contains(unit.as_str()) {
                return true;
            }
        }
    }
    false
}

/// Checks a new password; the error is a Swedish sentence that says what to
/// do instead.
pub fn check(password: &str, account_name: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_LENGTH {
        return Err(format!(
            "Lösenordet måste ha minst {MIN_LENGTH} tecken (det har {n}). En fras av tre–fyra ord är lättast att minnas."
        ));
    }
    if n > MAX_LENGTH {
        return Err(format!(
            "Lösenordet får ha högst {MAX_LENGTH} tecken. Välj ett kortare."
        ));
    }
    if is_common(password) {
        return Err(
            "Lösenordet är ett av de vanligaste lösenorden och gissas lätt. Välj ett annat, till exempel en fras av några ord.".into(),
        );
    }
    let name = account_name.trim().to_lowercase();
    if name.chars().count() >= 3 && password.to_lowercase().contains(&name) {
        return Err("Lösenordet får inte innehålla användarnamnet. Välj ett annat.".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_loaded_and_large() {
        assert!(common().len() > 19_000);
        assert!(common().contains("password"));
    }

    #[test]
    fn refuses_short_common_and_derived_passwords() {
        assert!(check("kort", "anna").is_err());
        assert!(check("elvatecken1", "anna").is_err());
        // Listed, at least 12 characters long.
        assert!(check("qwertyuiop123", "anna").is_err());
        assert!(check("1234567890123", "anna").is_err());
        assert!(check("password1234", "anna").is_err());
        assert!(check("Password1234!", "anna").is_err());
        assert!(check("sommar2024!!!", "anna").is_err());
        assert!(check("qwertyqwerty", "anna").is_err());
        assert!(check("aaaaaaaaaaaaaaaa", "anna").is_err());
        assert!(check("annasvensson-2024", "annasvensson").is_err());
        assert!(check(&"x".repeat(200), "anna").is_err());
    }

    #[test]
    fn accepts_a_passphrase() {
        assert_eq!(check("correct horse battery staple", "anna"), Ok(()));
        assert_eq!(check("blå cykel under äppelträdet", "anna"), Ok(()));
    }
}
