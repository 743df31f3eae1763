//! Validation rules. Each rule is one runtime object that both checks a value ([`Rule`]) and
//! describes itself in a JSON Schema ([`Describe`]), so the 422 and the OpenAPI constraint come
//! from the same declaration and cannot disagree.
//!
//! `#[validate(length(min = 1, max = 100))]` on a `String` field becomes
//! `Length::chars(Some(1), Some(100))`:
//!
//! ```
//! use fastrs::validate::rules::{Length, Rule, Describe};
//!
//! let rule = Length::chars(Some(1), Some(100));
//! assert!(rule.check(&String::new()).is_err());
//! let mut schema = <String as fastrs::openapi::ToSchema>::schema();
//! rule.describe(&mut schema);
//! assert_eq!(serde_json::to_value(&schema).unwrap()["minLength"], 1);
//! ```

use std::fmt::Display;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::json;
use utoipa::openapi::schema::{Schema, SchemaFormat};

use crate::openapi::number;

use super::Violation;

/// Describes a rule in an OpenAPI schema (`minLength`, `exclusiveMinimum`, `format`...).
pub trait Describe: Sync + std::fmt::Debug {
    /// Adds this rule's keywords to `schema` (the field's schema, as [`ToSchema`](crate::openapi::ToSchema) made it).
    fn describe(&self, schema: &mut Schema);

    /// Prepares the rule at start-up (compiles a pattern), reporting a bad rule then.
    fn prepare(&self) -> Result<(), String> {
        Ok(())
    }
}

/// Checks a value of type `T`.
pub trait Rule<T: ?Sized>: Describe {
    /// `Ok` when the value satisfies the rule.
    fn check(&self, value: &T) -> Result<(), Violation>;
}

/// What a [`Length`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthUnit {
    /// Characters of a string (Unicode scalar values, as Python's `len`).
    Chars,
    /// Items of a list.
    Items,
    /// Bytes of a file.
    Bytes,
}

/// `length(min = .., max = ..)`, inclusive bounds.
#[derive(Debug)]
pub struct Length {
    min: Option<usize>,
    max: Option<usize>,
    unit: LengthUnit,
}

impl Length {
    /// A bound on the characters of a string.
    pub const fn chars(min: Option<usize>, max: Option<usize>) -> Self {
        Self {
            min,
            max,
            unit: LengthUnit::Chars,
        }
    }

    /// A bound on the items of a list.
    pub const fn items(min: Option<usize>, max: Option<usize>) -> Self {
        Self {
            min,
            max,
            unit: LengthUnit::Items,
        }
    }

    #[inline]
    fn check_len(&self, len: usize) -> Result<(), Violation> {
        let long_enough = self.min.is_none_or(|min| len >= min);
        let short_enough = self.max.is_none_or(|max| len <= max);
        if long_enough && short_enough {
            return Ok(());
        }
        self.violation(len)
    }

    #[cold]
    fn violation(&self, len: usize) -> Result<(), Violation> {
        self.violation_in(len, self.unit)
    }

    #[cold]
    fn violation_in(&self, len: usize, unit: LengthUnit) -> Result<(), Violation> {
        let (subject, noun, short, long) = match unit {
            LengthUnit::Chars => ("String", "character", "string_too_short", "string_too_long"),
            LengthUnit::Items => ("List", "item", "too_short", "too_long"),
            LengthUnit::Bytes => ("File", "byte", "too_short", "too_long"),
        };
        let plural = |n: usize| {
            if n == 1 {
                noun.to_string()
            } else {
                format!("{noun}s")
            }
        };
        if let Some(min) = self.min.filter(|min| len < *min) {
            return Err(Violation::new(
                short,
                format!("{subject} should have at least {min} {}", plural(min)),
            )
            .with_ctx(json!({ "min_length": min })));
        }
        if let Some(max) = self.max.filter(|max| len > *max) {
            return Err(Violation::new(
                long,
                format!("{subject} should have at most {max} {}", plural(max)),
            )
            .with_ctx(json!({ "max_length": max })));
        }
        Ok(())
    }
}

impl Describe for Length {
    fn describe(&self, schema: &mut Schema) {
        match schema {
            Schema::Array(array) => {
                array.min_items = self.min;
                array.max_items = self.max;
            }
            Schema::Object(object) => {
                object.min_length = self.min;
                object.max_length = self.max;
            }
            _ => {}
        }
    }
}

impl Rule<String> for Length {
    fn check(&self, value: &String) -> Result<(), Violation> {
        self.check_len(value.chars().count())
    }
}

/// A file's size, in bytes.
impl Rule<super::Upload> for Length {
    fn check(&self, value: &super::Upload) -> Result<(), Violation> {
        let len = value.len();
        let long_enough = self.min.is_none_or(|min| len >= min);
        let short_enough = self.max.is_none_or(|max| len <= max);
        if long_enough && short_enough {
            return Ok(());
        }
        self.violation_in(len, LengthUnit::Bytes)
    }
}

impl<T> Rule<Vec<T>> for Length {
    fn check(&self, value: &Vec<T>) -> Result<(), Violation> {
        self.check_len(value.len())
    }
}

/// A number a [`Range`] can bound: `i32`, `i64`, `f64`.
pub trait Bound:
    Copy
    + PartialOrd
    + Display
    + std::fmt::Debug
    + Into<serde_json::Value>
    + Into<crate::openapi::Number>
    + Sync
{
}

impl<
    N: Copy
        + PartialOrd
        + Display
        + std::fmt::Debug
        + Into<serde_json::Value>
        + Into<crate::openapi::Number>
        + Sync,
> Bound for N
{
}

/// `range(gt = .., ge = .., lt = .., le = ..)` on a number.
#[derive(Debug)]
pub struct Range<N> {
    /// Exclusive minimum.
    pub gt: Option<N>,
    /// Inclusive minimum.
    pub ge: Option<N>,
    /// Exclusive maximum.
    pub lt: Option<N>,
    /// Inclusive maximum.
    pub le: Option<N>,
}

impl<N: Bound> Range<N> {
    fn bounds(&self) -> [(Option<N>, &'static str, &'static str, &'static str); 4] {
        [
            (self.gt, "gt", "greater_than", "exclusiveMinimum"),
            (self.ge, "ge", "greater_than_equal", "minimum"),
            (self.lt, "lt", "less_than", "exclusiveMaximum"),
            (self.le, "le", "less_than_equal", "maximum"),
        ]
    }
}

impl<N: Bound> Describe for Range<N> {
    fn describe(&self, schema: &mut Schema) {
        if let Schema::Object(object) = schema {
            object.exclusive_minimum = self.gt.map(number);
            object.minimum = self.ge.map(number);
            object.exclusive_maximum = self.lt.map(number);
            object.maximum = self.le.map(number);
        }
    }
}

impl<N: Bound> Rule<N> for Range<N> {
    fn check(&self, value: &N) -> Result<(), Violation> {
        let value = *value;
        // Straight comparisons on the way through; words and context only for a failure.
        use std::cmp::Ordering::{Equal, Greater, Less};
        // Incomparable (NaN) fails every bound.
        let outside = |bound: Option<N>, allowed: &[std::cmp::Ordering]| {
            bound.is_some_and(|bound| {
                value
                    .partial_cmp(&bound)
                    .is_none_or(|order| !allowed.contains(&order))
            })
        };
        let failed = if outside(self.gt, &[Greater]) {
            0
        } else if outside(self.ge, &[Greater, Equal]) {
            1
        } else if outside(self.lt, &[Less]) {
            2
        } else if outside(self.le, &[Less, Equal]) {
            3
        } else {
            return Ok(());
        };
        let (bound, key, kind, _) = self.bounds()[failed];
        let bound = bound.unwrap_or(value);
        let words = match failed {
            0 => "greater than",
            1 => "greater than or equal to",
            2 => "less than",
            _ => "less than or equal to",
        };
        let mut ctx = serde_json::Map::new();
        ctx.insert(key.into(), Into::<serde_json::Value>::into(bound));
        Err(
            Violation::new(kind, format!("Input should be {words} {bound}"))
                .with_ctx(serde_json::Value::Object(ctx)),
        )
    }
}

/// `email`: an address as the HTML living standard defines a valid e-mail address.
#[derive(Debug)]
pub struct Email;

impl Describe for Email {
    fn describe(&self, schema: &mut Schema) {
        if let Schema::Object(object) = schema {
            object.format = Some(SchemaFormat::Custom("email".into()));
        }
    }
}

/// True for an address of the form `local@domain.tld` that the HTML standard accepts.
pub fn is_email(value: &str) -> bool {
    const LOCAL_EXTRA: &str = ".!#$%&'*+/=?^_`{|}~-";
    let Some((local, domain)) = value.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || LOCAL_EXTRA.contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

impl Rule<String> for Email {
    fn check(&self, value: &String) -> Result<(), Violation> {
        if is_email(value) {
            Ok(())
        } else {
            Err(Violation::value_error("value is not a valid email address"))
        }
    }
}

/// `url`: an absolute URL, `scheme://host...`.
#[derive(Debug)]
pub struct Url;

impl Describe for Url {
    fn describe(&self, schema: &mut Schema) {
        if let Schema::Object(object) = schema {
            object.format = Some(SchemaFormat::Custom("uri".into()));
        }
    }
}

/// True for an absolute URL with a scheme and a host and no whitespace.
pub fn is_url(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once("://") else {
        return false;
    };
    let mut scheme_chars = scheme.chars();
    let scheme_ok = scheme_chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme_chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, host)| host);
    scheme_ok && !host.is_empty() && !value.chars().any(char::is_whitespace)
}

impl Rule<String> for Url {
    fn check(&self, value: &String) -> Result<(), Violation> {
        if is_url(value) {
            Ok(())
        } else {
            Err(Violation::new("url_parsing", "Input should be a valid URL"))
        }
    }
}

/// `pattern = "..."`: the string must match the regular expression (searched, as JSON Schema's
/// `pattern` is; anchor it with `^...$` to match the whole string).
#[derive(Debug)]
pub struct Pattern {
    source: &'static str,
    compiled: OnceLock<Result<Regex, String>>,
}

impl Pattern {
    /// A pattern, compiled on first use (and by [`Pattern::compile`] at start-up).
    pub const fn new(source: &'static str) -> Self {
        Self {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// Compiles the pattern, or says why it is invalid. The app calls this for every pattern at
    /// start-up, so a bad pattern is a start-up error, never a failing request.
    pub fn compile(&self) -> Result<&Regex, String> {
        self.compiled
            .get_or_init(|| Regex::new(self.source).map_err(|error| error.to_string()))
            .as_ref()
            .map_err(|error| format!("invalid pattern {:?}: {error}", self.source))
    }
}

impl Describe for Pattern {
    fn describe(&self, schema: &mut Schema) {
        if let Schema::Object(object) = schema {
            object.pattern = Some(self.source.into());
        }
    }

    fn prepare(&self) -> Result<(), String> {
        self.compile().map(drop)
    }
}

impl Rule<String> for Pattern {
    fn check(&self, value: &String) -> Result<(), Violation> {
        let matched = self
            .compile()
            .map(|regex| regex.is_match(value))
            .unwrap_or(false);
        if matched {
            Ok(())
        } else {
            Err(Violation::new(
                "string_pattern_mismatch",
                format!("String should match pattern '{}'", self.source),
            )
            .with_ctx(json!({ "pattern": self.source })))
        }
    }
}

/// `custom = path::to::fn`: a function `fn(&T) -> Result<(), Violation>`.
pub struct Custom<T: 'static> {
    check: fn(&T) -> Result<(), Violation>,
}

impl<T> Custom<T> {
    /// Wraps the function.
    pub const fn new(check: fn(&T) -> Result<(), Violation>) -> Self {
        Self { check }
    }
}

impl<T> std::fmt::Debug for Custom<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Custom")
    }
}

impl<T> Describe for Custom<T> {
    fn describe(&self, _schema: &mut Schema) {}
}

impl<T> Rule<T> for Custom<T> {
    fn check(&self, value: &T) -> Result<(), Violation> {
        (self.check)(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_counts_characters_not_bytes() {
        let rule = Length::chars(Some(2), Some(3));
        assert!(rule.check(&"éé".to_string()).is_ok());
        assert_eq!(
            rule.check(&"é".to_string()).unwrap_err().kind,
            "string_too_short"
        );
        assert_eq!(
            rule.check(&"abcd".to_string()).unwrap_err().kind,
            "string_too_long"
        );
        assert_eq!(
            Length::items(None, Some(1))
                .check(&vec![1, 2])
                .unwrap_err()
                .kind,
            "too_long"
        );
    }

    #[test]
    fn range_checks_each_bound_and_describes_it() {
        let rule = Range {
            gt: Some(0.0),
            ge: None,
            lt: None,
            le: Some(10.0),
        };
        assert_eq!(rule.check(&0.0).unwrap_err().kind, "greater_than");
        assert_eq!(rule.check(&10.5).unwrap_err().kind, "less_than_equal");
        assert!(rule.check(&10.0).is_ok());
        let mut schema = <f64 as crate::openapi::ToSchema>::schema();
        rule.describe(&mut schema);
        let schema = serde_json::to_value(&schema).unwrap();
        assert_eq!(schema["exclusiveMinimum"].as_f64(), Some(0.0));
        assert_eq!(schema["maximum"].as_f64(), Some(10.0));
    }

    #[test]
    fn emails() {
        for good in ["a@b.co", "first.last+tag@example.org", "x@sub.domain-1.io"] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "", "a", "a@", "@b.co", "a@b", "a b@c.de", "a@-b.co", "a@b..co",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn urls() {
        assert!(is_url("https://example.com/path?q=1"));
        assert!(is_url("ftp://user@host"));
        assert!(!is_url("example.com"));
        assert!(!is_url("https://"));
        assert!(!is_url("https://exa mple.com"));
    }

    #[test]
    fn patterns_search_and_report_bad_sources() {
        static SLUG: Pattern = Pattern::new("^[a-z-]+$");
        assert!(SLUG.check(&"a-b".to_string()).is_ok());
        assert_eq!(
            SLUG.check(&"A".to_string()).unwrap_err().kind,
            "string_pattern_mismatch"
        );
        static BAD: Pattern = Pattern::new("(");
        assert!(BAD.compile().is_err());
    }
}
