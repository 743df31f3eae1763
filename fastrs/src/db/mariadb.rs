//! MariaDB (10.6 or later): connecting, and running the one SQL text fastrs writes for every
//! backend.
//!
//! The SQL fastrs writes (and the SQL an app writes through [`Query`](super::Query)) uses
//! `"quoted"` identifiers, `$1..$N` placeholders, `||`, `'\'` as a `LIKE` escape and
//! `UPDATE ... RETURNING`. On MariaDB:
//!
//! - every connection runs with `ANSI_QUOTES`, `NO_BACKSLASH_ESCAPES` and `PIPES_AS_CONCAT`
//!   (so quotes, strings and `||` mean what they mean in standard SQL), in UTC;
//! - `$N` placeholders become `?` and the values are bound in the order the text reads them
//!   (a placeholder used twice is bound twice);
//! - MariaDB has `INSERT ... RETURNING` and `DELETE ... RETURNING` but no
//!   `UPDATE ... RETURNING`: such a statement runs as the `UPDATE`, then, if it changed a row, a
//!   `SELECT` of the returned columns `WHERE` the update's first condition (on the same
//!   connection, in one transaction). fastrs's updates all begin with their key
//!   (`WHERE "id" = $1 AND ...`); an app's own `UPDATE ... RETURNING` must too (a first
//!   condition is cut at the first `AND` outside parentheses: parenthesise a `BETWEEN`);
//! - `INSERT INTO t DEFAULT VALUES` is `INSERT INTO t () VALUES ()`.
//!
//! Tables are created `utf8mb4` with a binary collation that does not pad: text compares and is
//! unique exactly as on SQLite and PostgreSQL (MariaDB's default collation would make
//! `'Lamp' = 'lamp'`, and `utf8mb4_bin` `'Lamp' = 'Lamp '`). `CURRENT_TIMESTAMP` reads to the
//! microsecond, as on PostgreSQL.
//! MySQL itself is not supported: it has no `RETURNING` at all.

use std::str::FromStr;

use sqlx::mysql::{
    MySql, MySqlArguments, MySqlConnectOptions, MySqlConnection, MySqlPool, MySqlPoolOptions,
    MySqlRow,
};
use sqlx::{Arguments, AssertSqlSafe, Connection, Executor};

use super::PoolOptions;

/// What every connection sets after connecting; migration files and the `ddl` command's
/// output begin with it too, so that any client reads them as fastrs does.
pub(crate) const SESSION: &str = "SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES,NO_BACKSLASH_ESCAPES,PIPES_AS_CONCAT')";

/// Table options of every table fastrs creates on MariaDB.
/// `utf8mb4_nopad_bin`: text compares byte for byte, trailing spaces included (`utf8mb4_bin`
/// pads, so `'Lamp '` would clash with `'Lamp'`).
pub(crate) const TABLE_OPTIONS: &str =
    "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin";

/// A value bound to a MariaDB statement, kept until the statement's text says where it goes.
pub(crate) trait Value: Send + Sync {
    fn bind(&self, args: &mut MySqlArguments) -> Result<(), sqlx::error::BoxDynError>;
}

impl<T> Value for T
where
    T: for<'q> sqlx::Encode<'q, MySql> + sqlx::Type<MySql> + Send + Sync,
{
    fn bind(&self, args: &mut MySqlArguments) -> Result<(), sqlx::error::BoxDynError> {
        args.add(self)
    }
}

/// The values of one statement, in the order they were bound (`$1`, `$2`, ...).
pub(crate) type Values = Vec<Box<dyn Value>>;

/// Connects to `url` (`mysql://` or `mariadb://`).
pub(crate) async fn connect(url: &str, options: &PoolOptions) -> Result<MySqlPool, sqlx::Error> {
    let url = match url.strip_prefix("mariadb:") {
        Some(rest) => format!("mysql:{rest}"),
        None => url.to_owned(),
    };
    let connect = MySqlConnectOptions::from_str(&url)?
        .pipes_as_concat(true)
        .timezone(Some("+00:00".to_owned()))
        .charset("utf8mb4");
    let cores =
        std::thread::available_parallelism().map_or(2, |n| u32::try_from(n.get()).unwrap_or(8));
    let pool = MySqlPoolOptions::new()
        .max_connections(options.max_connections.unwrap_or((2 * cores).max(4)))
        .acquire_timeout(options.acquire_timeout)
        .test_before_acquire(false)
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute(SESSION).await?;
                Ok(())
            })
        })
        .connect_with(connect)
        .await?;
    let (version,): (String,) = sqlx::query_as("SELECT VERSION()").fetch_one(&pool).await?;
    if !version.contains("MariaDB") {
        pool.close().await;
        return Err(sqlx::Error::Configuration(
            format!("the server is {version}: fastrs supports MariaDB (10.6 or later), not MySQL, which has no RETURNING").into(),
        ));
    }
    Ok(pool)
}

/// A statement's text for MariaDB: `?` placeholders, and the index of the value each takes.
#[derive(Debug, PartialEq, Eq)]
struct Translated {
    sql: String,
    order: Vec<usize>,
}

impl Translated {
    fn new(sql: &str) -> Self {
        let mut out = String::with_capacity(sql.len());
        let mut order = Vec::new();
        let mut lexer = Lexer::new(sql).peekable();
        while let Some(token) = lexer.next() {
            match token {
                Token::Placeholder(n) => {
                    out.push('?');
                    // `$0` names no value: reported when the statement runs.
                    order.push(n.checked_sub(1).unwrap_or(usize::MAX));
                }
                // Microseconds, as on PostgreSQL (MariaDB's default is whole seconds).
                Token::Word(word)
                    if word.eq_ignore_ascii_case("CURRENT_TIMESTAMP")
                        && !matches!(lexer.peek(), Some(Token::Text(t)) if t.starts_with('(')) =>
                {
                    out.push_str("CURRENT_TIMESTAMP(6)");
                }
                Token::Text(text) | Token::Word(text) => out.push_str(text),
            }
        }
        Translated { sql: out, order }
    }

    fn arguments(&self, values: &[Box<dyn Value>]) -> Result<MySqlArguments, sqlx::Error> {
        let mut args = MySqlArguments::default();
        for &index in &self.order {
            let value = values.get(index).ok_or_else(|| {
                sqlx::Error::Protocol(format!(
                    "the statement reads ${} but only {} values are bound",
                    index + 1,
                    values.len()
                ))
            })?;
            value.bind(&mut args).map_err(sqlx::Error::Encode)?;
        }
        Ok(args)
    }
}

/// How a statement runs on MariaDB.
#[derive(Debug, PartialEq, Eq)]
enum Plan {
    /// As it is.
    One(Translated),
    /// `UPDATE ... RETURNING`: the update, then the select of what it returns.
    UpdateThenSelect {
        update: Translated,
        select: Translated,
    },
}

impl Plan {
    fn new(sql: &str) -> Self {
        if let Some(insert) = default_values(sql) {
            return Plan::One(Translated::new(&insert));
        }
        split_update_returning(sql).map_or_else(
            || Plan::One(Translated::new(sql)),
            |(update, select)| Plan::UpdateThenSelect {
                update: Translated::new(&update),
                select: Translated::new(&select),
            },
        )
    }
}

/// `INSERT INTO t DEFAULT VALUES ...` as `INSERT INTO t () VALUES () ...`; `None` for any other
/// statement.
fn default_values(sql: &str) -> Option<String> {
    let words: Vec<(usize, &str)> = Lexer::new(sql).top_level_words().collect();
    if !words.first()?.1.eq_ignore_ascii_case("INSERT") {
        return None;
    }
    let at = words.windows(2).position(|pair| {
        pair[0].1.eq_ignore_ascii_case("DEFAULT") && pair[1].1.eq_ignore_ascii_case("VALUES")
    })?;
    let (start, (values, word)) = (words[at].0, words[at + 1]);
    Some(format!(
        "{}() VALUES (){}",
        &sql[..start],
        &sql[values + word.len()..]
    ))
}

/// `UPDATE t SET ... WHERE k = $1 AND ... RETURNING cols` as the update without `RETURNING`
/// and `SELECT cols FROM t WHERE k = $1`; `None` for any other statement.
fn split_update_returning(sql: &str) -> Option<(String, String)> {
    let words: Vec<(usize, &str)> = Lexer::new(sql)
        .top_level_words()
        .filter(|(_, word)| {
            [
                "UPDATE",
                "SET",
                "WHERE",
                "AND",
                "RETURNING",
                "ORDER",
                "LIMIT",
            ]
            .iter()
            .any(|k| word.eq_ignore_ascii_case(k))
        })
        .collect();
    let is = |index: usize, keyword: &str| {
        words
            .get(index)
            .is_some_and(|(_, word)| word.eq_ignore_ascii_case(keyword))
    };
    if !is(0, "UPDATE") || words[0].0 != sql.len() - sql.trim_start().len() {
        return None;
    }
    let find = |keyword: &str| {
        words
            .iter()
            .find(|(_, word)| word.eq_ignore_ascii_case(keyword))
            .map(|(at, _)| *at)
    };
    let returning = find("RETURNING")?;
    let set = find("SET")?;
    let where_at = find("WHERE").filter(|at| *at < returning)?;
    let table = sql[words[0].0 + "UPDATE".len()..set].trim();
    let first_end = words
        .iter()
        .map(|(at, _)| *at)
        .find(|at| *at > where_at && *at <= returning)
        .unwrap_or(returning);
    let condition = sql[where_at + "WHERE".len()..first_end].trim();
    let columns = sql[returning + "RETURNING".len()..].trim();
    Some((
        sql[..returning].trim_end().to_owned(),
        format!("SELECT {columns} FROM {table} WHERE {condition}"),
    ))
}

/// Runs a statement and reads every row it answers.
pub(crate) async fn fetch_all(
    conn: &mut MySqlConnection,
    sql: &str,
    values: &Values,
) -> Result<Vec<MySqlRow>, sqlx::Error> {
    match Plan::new(sql) {
        Plan::One(statement) => {
            let args = statement.arguments(values)?;
            sqlx::query_with(AssertSqlSafe(statement.sql), args)
                .fetch_all(conn)
                .await
        }
        // The select must see the update and nothing else: one transaction (the request's, or
        // one of its own).
        Plan::UpdateThenSelect { update, select } if conn.is_in_transaction() => {
            update_then_select(conn, update, select, values).await
        }
        Plan::UpdateThenSelect { update, select } => {
            let mut tx = conn.begin().await?;
            let rows = update_then_select(&mut tx, update, select, values).await?;
            tx.commit().await?;
            Ok(rows)
        }
    }
}

async fn update_then_select(
    conn: &mut MySqlConnection,
    update: Translated,
    select: Translated,
    values: &Values,
) -> Result<Vec<MySqlRow>, sqlx::Error> {
    let args = update.arguments(values)?;
    let changed = sqlx::query_with(AssertSqlSafe(update.sql), args)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if changed == 0 {
        return Ok(Vec::new());
    }
    let args = select.arguments(values)?;
    sqlx::query_with(AssertSqlSafe(select.sql), args)
        .fetch_all(conn)
        .await
}

/// Runs a statement; the number of rows it affected (matched, for an update).
pub(crate) async fn execute(
    conn: &mut MySqlConnection,
    sql: &str,
    values: &Values,
) -> Result<u64, sqlx::Error> {
    let statement = match Plan::new(sql) {
        Plan::One(statement)
        | Plan::UpdateThenSelect {
            update: statement, ..
        } => statement,
    };
    let args = statement.arguments(values)?;
    Ok(sqlx::query_with(AssertSqlSafe(statement.sql), args)
        .execute(conn)
        .await?
        .rows_affected())
}

/// A piece of SQL text: a placeholder, a bare word, or anything else (quoted text included).
#[derive(Debug, PartialEq, Eq)]
enum Token<'s> {
    Placeholder(usize),
    Word(&'s str),
    Text(&'s str),
}

/// Splits SQL into [`Token`]s, knowing quotes and comments (no placeholder or keyword is
/// found inside them).
struct Lexer<'s> {
    sql: &'s str,
    at: usize,
    depth: usize,
}

impl<'s> Lexer<'s> {
    fn new(sql: &'s str) -> Self {
        Lexer {
            sql,
            at: 0,
            depth: 0,
        }
    }

    /// The bare words outside parentheses, with their offsets.
    fn top_level_words(mut self) -> impl Iterator<Item = (usize, &'s str)> {
        std::iter::from_fn(move || {
            loop {
                let start = self.at;
                let depth = self.depth;
                match self.next()? {
                    Token::Word(word) if depth == 0 => return Some((start, word)),
                    _ => continue,
                }
            }
        })
    }

    /// The offset of `end` in the rest (from `from`), past it; the end of the text if absent.
    fn until(&self, from: usize, end: &str) -> usize {
        self.sql[from..]
            .find(end)
            .map_or(self.sql.len(), |at| from + at + end.len())
    }
}

impl<'s> Iterator for Lexer<'s> {
    type Item = Token<'s>;

    fn next(&mut self) -> Option<Token<'s>> {
        let rest = &self.sql[self.at..];
        let first = rest.chars().next()?;
        let start = self.at;
        let end = match first {
            '\'' | '"' | '`' => {
                // A quoted string or identifier; a doubled quote stays inside.
                let mut end = start + 1;
                loop {
                    end = self.until(end, &first.to_string());
                    if self.sql[end..].starts_with(first) {
                        end += 1;
                    } else {
                        break end;
                    }
                }
            }
            // MariaDB's comments: `-- ` (a space after), `#`, `/* */`.
            '-' if rest.starts_with("--")
                && rest[2..].chars().next().is_none_or(char::is_whitespace) =>
            {
                self.until(start, "\n")
            }
            '#' => self.until(start, "\n"),
            '/' if rest.starts_with("/*") => self.until(start + 2, "*/"),
            '$' if rest[1..].starts_with(|c: char| c.is_ascii_digit()) => {
                let digits = rest[1..].bytes().take_while(u8::is_ascii_digit).count();
                self.at = start + 1 + digits;
                return Some(Token::Placeholder(
                    rest[1..=digits].parse().unwrap_or(usize::MAX),
                ));
            }
            c if c.is_alphabetic() || c == '_' => {
                let len = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                    .unwrap_or(rest.len());
                self.at = start + len;
                return Some(Token::Word(&rest[..len]));
            }
            '(' => {
                self.depth += 1;
                start + 1
            }
            ')' => {
                self.depth = self.depth.saturating_sub(1);
                start + 1
            }
            c => start + c.len_utf8(),
        };
        self.at = end;
        Some(Token::Text(&self.sql[start..end]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_question_marks_in_reading_order() {
        let t = Translated::new("SELECT a FROM t WHERE b = $2 AND c = $1 OR d = $2");
        assert_eq!(t.sql, "SELECT a FROM t WHERE b = ? AND c = ? OR d = ?");
        assert_eq!(t.order, vec![1, 0, 1]);
    }

    #[test]
    fn quotes_and_comments_are_left_alone() {
        let sql = "SELECT '$1', \"$2\", `$3` -- $4\n, $5 /* $6 */ FROM t WHERE x = 'it''s $7'";
        let t = Translated::new(sql);
        assert_eq!(
            t.sql,
            "SELECT '$1', \"$2\", `$3` -- $4\n, ? /* $6 */ FROM t WHERE x = 'it''s $7'"
        );
        assert_eq!(t.order, vec![4]);
    }

    #[test]
    fn mariadb_comments_and_its_current_timestamp() {
        let t =
            Translated::new("SELECT 1--$1\n, 2 # $2\n, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP(3)");
        assert_eq!(
            t.sql,
            "SELECT 1--?\n, 2 # $2\n, CURRENT_TIMESTAMP(6), CURRENT_TIMESTAMP(3)"
        );
        assert_eq!(t.order, vec![0]);
        assert_eq!(Translated::new("SELECT $0").order, vec![usize::MAX]);
    }

    #[test]
    fn insert_default_values_has_empty_lists() {
        let Plan::One(t) = Plan::new("INSERT INTO \"t\" DEFAULT VALUES RETURNING \"id\"") else {
            panic!("split")
        };
        assert_eq!(t.sql, "INSERT INTO \"t\" () VALUES () RETURNING \"id\"");
    }

    #[test]
    fn an_unterminated_quote_ends_the_text_without_panicking() {
        let t = Translated::new("SELECT 'abc $1");
        assert_eq!(t.sql, "SELECT 'abc $1");
        assert!(t.order.is_empty());
        let t = Translated::new("SELECT $");
        assert_eq!(t.sql, "SELECT $");
    }

    #[test]
    fn update_returning_becomes_an_update_and_a_select_by_its_first_condition() {
        let plan = Plan::new(
            "UPDATE \"t\" SET \"a\" = CASE WHEN $2 THEN $3 ELSE \"a\" END WHERE \"id\" = $1 AND \"o\" = $4 RETURNING \"id\", (SELECT COUNT(*) FROM \"c\" WHERE \"c\".\"t\" = \"t\".\"id\" AND \"c\".\"o\" = $5) AS \"n\"",
        );
        let Plan::UpdateThenSelect { update, select } = plan else {
            panic!("not split: {plan:?}")
        };
        assert_eq!(
            update.sql,
            "UPDATE \"t\" SET \"a\" = CASE WHEN ? THEN ? ELSE \"a\" END WHERE \"id\" = ? AND \"o\" = ?"
        );
        assert_eq!(update.order, vec![1, 2, 0, 3]);
        assert_eq!(
            select.sql,
            "SELECT \"id\", (SELECT COUNT(*) FROM \"c\" WHERE \"c\".\"t\" = \"t\".\"id\" AND \"c\".\"o\" = ?) AS \"n\" FROM \"t\" WHERE \"id\" = ?"
        );
        assert_eq!(select.order, vec![4, 0]);
    }

    #[test]
    fn other_statements_run_as_they_are() {
        for sql in [
            "INSERT INTO t (a) VALUES ($1) RETURNING id",
            "UPDATE t SET a = $1",
            "DELETE FROM t WHERE id = $1 RETURNING id",
            "SELECT 'UPDATE x SET y WHERE z RETURNING w'",
        ] {
            assert!(matches!(Plan::new(sql), Plan::One(_)), "{sql}");
        }
    }
}
