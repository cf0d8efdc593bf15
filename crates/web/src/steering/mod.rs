//! The steering group's pages: Spindeln measurement rounds (analysts create
//! them, staff answer anonymously through a link, results as radar charts
//! and tables) and the districts' status reports (district leads write,
//! analysts read side by side and print the compilation).

pub(crate) mod export;
pub(crate) mod radar;
pub(crate) mod spindeln;
pub(crate) mod status;

/// Gives a page template the `t()` the layout uses for its texts.
macro_rules! ui_text {
    ($($t:ty),*) => {$(
        impl $t {
            fn t(&self, key: &str) -> String {
                self.ui.t(key)
            }
        }
    )*};
}
pub(crate) use ui_text;

/// Reads url-encoded form pairs, keeping repeated keys.
pub(crate) fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

pub(crate) fn first<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

pub(crate) fn all(pairs: &[(String, String)], key: &str) -> Vec<String> {
    pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .collect()
}
