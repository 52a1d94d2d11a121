//! Every list answers the same way: `items`, the `total` count, the `limit` and `offset` asked
//! (or their defaults), and `next_offset` with the `next` address while more remain.

use axum::http::Uri;
use serde::Deserialize;
use utoipa::IntoParams;

/// Items per page unless `limit` says otherwise, and the most `limit` may ask for.
pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;

/// The paging of a list.
#[derive(Debug, Clone, Copy, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Items per page: 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// Items to skip (default 0).
    pub offset: Option<u64>,
}

impl Paging {
    pub fn new(limit: Option<u64>, offset: Option<u64>) -> Paging {
        Paging { limit, offset }
    }

    pub fn limit(self) -> u64 {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }

    /// At most `i64::MAX` (what a database can be asked to skip).
    pub fn offset(self) -> u64 {
        self.offset.unwrap_or(0).min(i64::MAX as u64)
    }

    /// The offset of the page after this one, if `total` leaves one.
    pub fn next_offset(self, total: u64) -> Option<u64> {
        let next = self.offset().saturating_add(self.limit());
        (next < total).then_some(next)
    }

    /// This page of a whole list read at once: the short catalogs (users, pipelines, types...)
    /// and lists bounded by the team (a day's digest deliveries, one per person).
    pub fn slice<T>(self, all: Vec<T>) -> (Vec<T>, u64) {
        let total = all.len() as u64;
        let items = all
            .into_iter()
            .skip(usize::try_from(self.offset()).unwrap_or(usize::MAX))
            .take(self.limit() as usize)
            .collect();
        (items, total)
    }
}

/// The address of the page at `offset`: the same path and query, `offset` replaced.
pub fn link(uri: &Uri, offset: u64) -> String {
    let mut pairs: Vec<(String, String)> = uri
        .query()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    pairs.retain(|(k, _)| k != "offset");
    pairs.push(("offset".into(), offset.to_string()));
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{}?{query}", uri.path())
}

/// A page type for items of `$item`, with a constructor from this page's items and the total.
macro_rules! page_of {
    ($(#[$meta:meta])* $name:ident, $item:ty) => {
        $(#[$meta])*
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// How many there are in all (with the filters).
            pub total: u64,
            pub limit: u64,
            pub offset: u64,
            /// The offset of the next page, if there is one.
            pub next_offset: Option<u64>,
            /// The next page's address, if there is one.
            pub next: Option<String>,
        }

        impl $name {
            pub fn new(
                items: Vec<$item>,
                total: u64,
                paging: $crate::api::page::Paging,
                uri: &axum::http::Uri,
            ) -> Self {
                let next_offset = paging.next_offset(total);
                $name {
                    items,
                    total,
                    limit: paging.limit(),
                    offset: paging.offset(),
                    next_offset,
                    next: next_offset.map(|o| $crate::api::page::link(uri, o)),
                }
            }

            /// The page `paging` asks for of a list read whole.
            #[allow(dead_code)]
            pub fn slice(
                all: Vec<$item>,
                paging: $crate::api::page::Paging,
                uri: &axum::http::Uri,
            ) -> Self {
                let (items, total) = paging.slice(all);
                Self::new(items, total, paging, uri)
            }
        }
    };
}
pub(crate) use page_of;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_their_links() {
        let paging = Paging::new(Some(2), Some(2));
        let (items, total) = paging.slice(vec![1, 2, 3, 4, 5]);
        assert_eq!((items, total), (vec![3, 4], 5));
        assert_eq!(paging.next_offset(5), Some(4));
        assert_eq!(paging.next_offset(4), None);
        assert_eq!(Paging::default().limit(), 50);
        assert_eq!(Paging::new(Some(0), None).limit(), 1);
        assert_eq!(Paging::new(Some(10_000), None).limit(), 200);
        let far = Paging::new(None, Some(u64::MAX));
        assert_eq!(far.offset(), i64::MAX as u64);
        assert_eq!(far.slice(vec![1]).0, Vec::<i32>::new());
        assert_eq!(far.next_offset(3), None);
        let uri: Uri = "/api/v1/goals?kind=leads_won&offset=50&limit=50"
            .parse()
            .unwrap();
        assert_eq!(
            link(&uri, 100),
            "/api/v1/goals?kind=leads_won&limit=50&offset=100"
        );
        let bare: Uri = "/api/v1/users".parse().unwrap();
        assert_eq!(link(&bare, 50), "/api/v1/users?offset=50");
    }
}
