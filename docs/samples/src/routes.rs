//! "Routes and the data API" (`docs/src/routes.md`): hand-written routes,
//! their extractors and answers, a router, and the data API, all mounted by
//! [`app`] and exercised by `tests/routes.rs`.

// ANCHOR: imports
use fastrs::extract::{Cookies, Form, Headers, ListPage, Multipart, Upload};
use fastrs::prelude::*;
use fastrs::response::{Created, NoContent, Status};
use fastrs::routing::ApiRouter;
// ANCHOR_END: imports

// ANCHOR: resource
/// Something worth writing down.
#[derive(Resource)]
#[resource(table = "notes", path = "/notes", tag = "notes")]
pub struct Note {
    #[resource(id)]
    pub id: i64,
    #[validate(length(min = 1, max = 120))]
    pub title: String,
    pub body: Option<String>,
    #[resource(default = false)]
    pub pinned: bool,
    /// 1 (most urgent) to 5.
    #[resource(default = 3)]
    #[validate(range(ge = 1, le = 5))]
    pub priority: i32,
    #[resource(created_at)]
    pub created_at: DateTime<Utc>,
}
// ANCHOR_END: resource

// ANCHOR: health
async fn health() -> &'static str {
    "ok"
}
// ANCHOR_END: health

// ANCHOR: pin
/// Pins a note: `Path` reads `{id}`, the data API changes one field.
async fn pin(
    mut db: Db,
    Path(id): Path<i64>,
) -> Result<Json<NoteResponse>, ApiError> {
    let change = NoteUpdate {
        pinned: Patch::Value(true),
        ..Default::default()
    };
    match Note::update(&mut db, id, change).await? {
        Some(note) => Ok(Json(note.into())),
        None => Err(ApiError::not_found("Note not found")),
    }
}

/// Unpins it: the same path, another method.
async fn unpin(mut db: Db, Path(id): Path<i64>) -> Result<NoContent, ApiError> {
    let change = NoteUpdate {
        pinned: Patch::Value(false),
        ..Default::default()
    };
    match Note::update(&mut db, id, change).await? {
        Some(_) => Ok(NoContent),
        None => Err(ApiError::not_found("Note not found")),
    }
}
// ANCHOR_END: pin

// ANCHOR: search
/// The query of `GET /notes/search` (with `offset` and `limit`, which
/// `Page` reads).
#[derive(Model)]
pub struct NoteSearch {
    /// Text the title holds, at least two characters.
    #[validate(length(min = 2, max = 100))]
    pub q: String,
    /// Only pinned notes (`true`) or only the others (`false`).
    pub pinned: Option<bool>,
}

/// A page of the notes whose title holds `q`, most urgent first.
async fn search(
    mut db: Db,
    page: Page,
    Query(search): Query<NoteSearch>,
) -> Result<Json<ListPage<NoteResponse>>, ApiError> {
    // A `Select` runs once: build it twice, for the page and the total.
    let matching = || {
        let notes = Note::select().filter(Note::TITLE.icontains(&search.q));
        match search.pinned {
            Some(pinned) => notes.filter(Note::PINNED.eq(pinned)),
            None => notes,
        }
    };
    let total = matching().count(&mut db).await?;
    let notes = matching()
        .order(Note::PRIORITY.asc())
        .order(Note::ID.desc())
        .offset(page.offset)
        .limit(page.limit)
        .all(&mut db)
        .await?;
    Ok(Json(ListPage {
        items: notes.into_iter().map(NoteResponse::from).collect(),
        total,
        offset: page.offset,
        limit: page.limit,
    }))
}
// ANCHOR_END: search

// ANCHOR: form
/// A note from an HTML form (`application/x-www-form-urlencoded`).
#[derive(Model)]
pub struct QuickNote {
    #[validate(length(min = 1, max = 120))]
    pub title: String,
    #[serde(default)]
    pub pinned: bool,
}

async fn quick_note(
    mut db: Db,
    Form(form): Form<QuickNote>,
) -> Result<Created<NoteResponse>, ApiError> {
    let new = NoteCreate {
        title: form.title,
        body: None,
        pinned: form.pinned,
        priority: 3,
    };
    let note = Note::insert(&mut db, new).await?;
    Ok(Created::at(format!("/notes/{}", note.id), note.into()))
}
// ANCHOR_END: form

// ANCHOR: multipart
/// The body of `POST /notes/{id}/attachments` (`multipart/form-data`).
#[derive(Model)]
pub struct Attachment {
    /// The file: 1 byte to 1 MB.
    #[validate(length(min = 1, max = 1_000_000))]
    pub file: Upload,
    #[validate(length(max = 200))]
    pub caption: Option<String>,
}

/// What `POST /notes/{id}/attachments` received.
#[derive(Model)]
pub struct Received {
    pub note_id: i64,
    pub filename: Option<String>,
    pub bytes: i64,
    pub caption: Option<String>,
}

async fn attach(
    mut db: Db,
    Path(id): Path<i64>,
    Multipart(form): Multipart<Attachment>,
) -> Result<Status<202, Json<Received>>, ApiError> {
    let exists = Note::select().filter(Note::ID.eq(id)).exists(&mut db);
    if !exists.await? {
        return Err(ApiError::not_found("Note not found"));
    }
    Ok(Status(Json(Received {
        note_id: id,
        bytes: i64::try_from(form.file.len()).unwrap_or(i64::MAX),
        filename: form.file.filename,
        caption: form.caption,
    })))
}
// ANCHOR_END: multipart

// ANCHOR: headers
/// Headers, read as FastAPI reads `Header()` parameters: `user_agent` is
/// `User-Agent`.
#[derive(Model)]
pub struct ClientHeaders {
    pub user_agent: Option<String>,
    #[validate(length(max = 35))]
    pub accept_language: Option<String>,
}

/// Cookies, each field one cookie.
#[derive(Model)]
pub struct Preferences {
    #[validate(pattern = "^(light|dark)$")]
    pub theme: Option<String>,
}

/// What the server knows of the caller's client.
#[derive(Model)]
pub struct ClientInfo {
    pub agent: String,
    pub language: String,
    pub theme: String,
}

async fn client_info(
    Headers(headers): Headers<ClientHeaders>,
    Cookies(preferences): Cookies<Preferences>,
) -> Json<ClientInfo> {
    Json(ClientInfo {
        agent: headers.user_agent.unwrap_or_default(),
        language: headers.accept_language.unwrap_or_else(|| "en".into()),
        theme: preferences.theme.unwrap_or_else(|| "light".into()),
    })
}
// ANCHOR_END: headers

// ANCHOR: data
/// Counts over the notes.
#[derive(Model)]
pub struct NoteStats {
    pub total: i64,
    pub pinned: i64,
    /// Whether any note has priority 1.
    pub urgent: bool,
    /// The title of the newest note.
    pub latest: Option<String>,
}

#[fastrs::handler]
async fn note_stats(mut db: Db) -> Result<Json<NoteStats>, ApiError> {
    let total = Note::count(&mut db).await?;
    let pinned = Note::select().filter(Note::PINNED.eq(true));
    let urgent = Note::select().filter(Note::PRIORITY.eq(1));
    let latest = Note::select().order(Note::ID.desc());
    Ok(Json(NoteStats {
        total,
        pinned: pinned.count(&mut db).await?,
        urgent: urgent.exists(&mut db).await?,
        latest: latest.first(&mut db).await?.map(|note| note.title),
    }))
}

/// The note with this exact title.
async fn by_title(
    mut db: Db,
    Path(title): Path<String>,
) -> Result<Json<NoteResponse>, ApiError> {
    match Note::find_by(&mut db, Note::TITLE, title).await? {
        Some(note) => Ok(Json(note.into())),
        None => Err(ApiError::not_found("Note not found")),
    }
}

/// Deletes the unpinned notes of priority 5: how many there were.
async fn clear_unpinned(mut db: Db) -> Result<Json<u64>, ApiError> {
    let deleted = Note::select()
        .filter(Note::PINNED.eq(false))
        .filter(Note::PRIORITY.eq(5))
        .delete(&mut db)
        .await?;
    Ok(Json(deleted))
}
// ANCHOR_END: data

// ANCHOR: router
/// Statistics, under `/stats` (see [`app`]).
pub fn stats() -> ApiRouter {
    ApiRouter::new()
        .tag("stats")
        .route("/notes", get(note_stats))
}
// ANCHOR_END: router

// ANCHOR: app
/// The app of this page.
pub fn app(settings: Settings) -> App {
    App::new(settings)
        .resource::<Note>()
        .route("/health", get(health))
        .route(
            "/notes/{id}/pin",
            put(pin)
                .response("404", "No note has this id")
                .delete(unpin)
                .response("404", "No note has this id"),
        )
        .route("/notes/search", get(search))
        .route("/notes/quick", post(quick_note))
        .route(
            "/notes/{id}/attachments",
            post(attach).body_limit(2_000_000),
        )
        .route("/notes/by-title/{title}", get(by_title))
        .route("/notes/unpinned", delete(clear_unpinned))
        .route("/client", get(client_info))
        .nest("/stats", stats())
}
// ANCHOR_END: app
