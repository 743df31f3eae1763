//! The app's command line: `serve` (the default), `openapi`, `ddl`, `routes` and
//! `migrate make|run|status|check`, like `fastapi`, `manage.py` or `cargo loco`.

use clap::{Arg, ArgAction, ArgMatches, Command};

use super::App;
use crate::db::{Backend, Pool};
use crate::error::Error;
use crate::migrate::{Migrations, Renames};

/// The command line's grammar.
fn grammar() -> Command {
    let backend = || {
        Arg::new("backend")
            .long("backend")
            .value_parser(["sqlite", "postgres", "mariadb"])
            .help("The backend (default: DATABASE_URL's)")
    };
    let dir = || {
        Arg::new("dir")
            .long("dir")
            .help("The migrations directory (default: the app's, or ./migrations)")
    };
    Command::new("app")
        .about("A fastrs app. Without a command it serves.")
        .disable_version_flag(true)
        .subcommand(Command::new("serve").about("Serve the API on HOST:PORT (the default)"))
        .subcommand(Command::new("openapi").about("Print the OpenAPI document"))
        .subcommand(
            Command::new("ddl")
                .about("Print the statements that create the app's tables")
                .arg(backend()),
        )
        .subcommand(Command::new("routes").about("Print every route with the caller it needs"))
        .subcommand(
            Command::new("migrate")
                .about("Make, apply and inspect migrations")
                .subcommand_required(true)
                .subcommand(
                    Command::new("make")
                        .about("Write the migration from the last one to the models, per backend")
                        .arg(
                            Arg::new("name")
                                .required(true)
                                .help("What it does, e.g. add_views"),
                        )
                        .arg(
                            Arg::new("rename")
                                .long("rename")
                                .action(ArgAction::Append)
                                .help("A rename: table.old=new (a column) or old=new (a table)"),
                        )
                        .arg(backend().help("Only this backend (default: those with migrations; all three for the first)"))
                        .arg(dir()),
                )
                .subcommand(
                    Command::new("run")
                        .about("Apply the pending migrations to DATABASE_URL")
                        .arg(dir()),
                )
                .subcommand(
                    Command::new("status")
                        .about("List the migrations, applied or pending, and unmigrated changes")
                        .arg(dir()),
                )
                .subcommand(
                    Command::new("check")
                        .about("Fail when a model changed without a migration")
                        .arg(dir()),
                ),
        )
}

impl App {
    /// Runs the command `args` names (the program's name first, as `std::env::args()`): what
    /// [`App::serve`] does with the process's arguments. `--help` lists the commands; a wrong
    /// command line prints why and exits with status 2.
    ///
    /// ```no_run
    /// # async fn demo(app: fastrs::App) -> fastrs::Result<()> {
    /// app.command(["my-app", "migrate", "make", "add_views"]).await
    /// # }
    /// ```
    pub async fn command<I, T>(self, args: I) -> crate::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let matches = grammar()
            .try_get_matches_from(args)
            .unwrap_or_else(|e| e.exit());
        match matches.subcommand() {
            None | Some(("serve", _)) => self.serve_http().await,
            Some(("openapi", _)) => {
                println!("{}", self.openapi_json());
                Ok(())
            }
            Some(("ddl", args)) => {
                print!("{}", self.ddl(self.backend(args)?));
                Ok(())
            }
            Some(("routes", _)) => {
                print!("{}", self.routes_table());
                Ok(())
            }
            Some(("migrate", args)) => self.migrate(args).await,
            Some((other, _)) => Err(Error::Config(format!("unknown command `{other}`"))),
        }
    }

    /// Every documented route, a line each: method, path, the caller it needs (`public`,
    /// `optional`, `user`, or the scopes), and its summary.
    pub fn routes_table(&self) -> String {
        let document: serde_json::Value =
            serde_json::from_str(&self.openapi_json()).unwrap_or_default();
        let mut rows = Vec::new();
        let paths = document.get("paths").and_then(|p| p.as_object());
        for (path, item) in paths.into_iter().flatten() {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, operation) in item {
                let caller = match operation.get("security").and_then(|s| s.as_array()) {
                    None => "public".to_owned(),
                    Some(rules) if rules.is_empty() => "public".to_owned(),
                    Some(rules)
                        if rules
                            .iter()
                            .any(|r| r.as_object().is_some_and(|r| r.is_empty())) =>
                    {
                        "optional".to_owned()
                    }
                    Some(rules) => {
                        let scopes: Vec<&str> = rules
                            .iter()
                            .filter_map(|r| r.as_object())
                            .flat_map(|r| r.values())
                            .filter_map(|s| s.as_array())
                            .flatten()
                            .filter_map(|s| s.as_str())
                            .collect();
                        if scopes.is_empty() {
                            "user".to_owned()
                        } else {
                            format!("scopes: {}", scopes.join(", "))
                        }
                    }
                };
                let summary = operation
                    .get("summary")
                    .and_then(|s| s.as_str())
                    .unwrap_or_default();
                rows.push([
                    method.to_uppercase(),
                    path.clone(),
                    caller,
                    summary.to_owned(),
                ]);
            }
        }
        let mut widths = [6, 4, 6];
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.len());
            }
        }
        let mut out = format!(
            "{:w0$}  {:w1$}  {:w2$}  SUMMARY\n",
            "METHOD",
            "PATH",
            "CALLER",
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        for [method, path, caller, summary] in rows {
            let line = format!(
                "{method:w0$}  {path:w1$}  {caller:w2$}  {summary}",
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2]
            );
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    /// `--backend`, or the database URL's.
    fn backend(&self, args: &ArgMatches) -> crate::Result<Backend> {
        match args.get_one::<String>("backend") {
            Some(name) => name.parse(),
            None => Backend::from_url(&self.settings.database_url),
        }
    }

    /// `migrate make|run|status|check`.
    async fn migrate(self, args: &ArgMatches) -> crate::Result<()> {
        let Some((command, args)) = args.subcommand() else {
            return Err(Error::Config("migrate: make, run, status or check".into()));
        };
        let migrations = match args.get_one::<String>("dir") {
            Some(dir) => Migrations::new(dir),
            None => self
                .migrations
                .clone()
                .unwrap_or_else(|| Migrations::new("migrations")),
        };
        match command {
            "make" => {
                let name = args.get_one::<String>("name").map_or("", String::as_str);
                let mut renames = Renames::default();
                for rename in args.get_many::<String>("rename").into_iter().flatten() {
                    renames.add(rename).map_err(Error::Config)?;
                }
                // The backends the app keeps migrations for (all of them for a first one).
                let backends = match args.get_one::<String>("backend") {
                    Some(name) => vec![name.parse()?],
                    None => {
                        let kept = kept_backends(&migrations);
                        if kept.is_empty() {
                            Backend::ALL.to_vec()
                        } else {
                            kept
                        }
                    }
                };
                for backend in backends {
                    let plan = migrations.plan(&self.schema(backend), backend, &renames)?;
                    for warning in &plan.warnings {
                        eprintln!("warning ({}): {warning}", backend.name());
                    }
                    match migrations.make(name, &self.schema(backend), backend, &renames)? {
                        Some(path) => println!("wrote {}", path.display()),
                        None => println!("{}: no changes", backend.name()),
                    }
                }
                Ok(())
            }
            "check" => {
                // The backends the app keeps migrations for.
                let kept = kept_backends(&migrations);
                if kept.is_empty() {
                    return Err(Error::Config(
                        "no migrations to check: make the first with `migrate make init`".into(),
                    ));
                }
                for backend in kept {
                    migrations.check(&self.schema(backend), backend)?;
                }
                println!("the migrations match the models");
                Ok(())
            }
            "run" | "status" => {
                let pool =
                    Pool::connect_with(&self.settings.database_url, &self.settings.pool).await?;
                let result = if command == "run" {
                    migrations
                        .run(&pool)
                        .await
                        .map(|applied| println!("{applied} migration(s) applied"))
                } else {
                    self.status(&migrations, &pool).await
                };
                pool.close().await;
                result
            }
            other => Err(Error::Config(format!("unknown command `migrate {other}`"))),
        }
    }

    /// `migrate status`: a line per migration, then whether the models changed since.
    async fn status(&self, migrations: &Migrations, pool: &Pool) -> crate::Result<()> {
        for status in migrations.status(pool).await? {
            let state = if status.applied { "applied" } else { "pending" };
            println!(
                "{state:8} {} {}",
                status.file.version, status.file.description
            );
        }
        let backend = pool.backend();
        match migrations.check(&self.schema(backend), backend) {
            Ok(()) => println!("the models match the last migration"),
            Err(error) => println!("{error}"),
        }
        Ok(())
    }
}

/// The backends with a folder of migrations.
fn kept_backends(migrations: &Migrations) -> Vec<Backend> {
    Backend::ALL
        .into_iter()
        .filter(|backend| migrations.dir(*backend).is_dir())
        .collect()
}
