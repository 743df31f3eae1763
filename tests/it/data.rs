//! The typed data API: reads and writes of a resource from hand-written code, in the request's
//! transaction, on every backend.

use fastrs::db::{Backend, Db};
use fastrs::prelude::*;
use fastrs::testing::TestClient;
use fastrs_tests::{TestDb, on_every_backend};
use serde_json::json;

/// A book on a shelf.
#[derive(Debug, Resource)]
#[resource(table = "data_books", path = "/books", soft_delete)]
pub struct Book {
    #[resource(id)]
    pub id: i64,
    #[resource(unique)]
    pub title: String,
    pub pages: i32,
    pub subtitle: Option<String>,
    #[resource(read_only, default = 0)]
    pub loans: i64,
    #[resource(references = Shelf, on_delete = "restrict")]
    pub shelf_id: Option<i64>,
}

/// A reader's star on a book: one per reader and book.
#[derive(Resource)]
#[resource(
    table = "data_stars",
    path = "/stars",
    unique(reader_id, book_id),
    operations()
)]
pub struct Star {
    #[resource(id)]
    pub id: i64,
    pub reader_id: i64,
    #[resource(references = Book, on_delete = "cascade")]
    pub book_id: i64,
}

/// Where books stand.
#[derive(Resource)]
#[resource(table = "data_shelves", path = "/shelves")]
pub struct Shelf {
    #[resource(id)]
    pub id: i64,
    pub name: String,
}

fn book(title: &str, pages: i32, subtitle: Option<&str>) -> BookCreate {
    BookCreate {
        title: title.to_owned(),
        pages,
        subtitle: subtitle.map(str::to_owned),
        shelf_id: None,
        loans: 0,
    }
}

/// Lends a book: a hand-written route that reads and writes through the request's `Db`;
/// `?fail=true` answers 500 after writing, which rolls the write back.
async fn lend(
    mut db: Db,
    Path(title): Path<String>,
    Query(params): Query<Lend>,
) -> Result<Json<BookResponse>, ApiError> {
    let book = Book::find_by(&mut db, Book::TITLE, title)
        .await?
        .ok_or_else(|| ApiError::not_found("no such book"))?;
    let patch = BookUpdate {
        loans: Patch::Value(book.loans + 1),
        ..Default::default()
    };
    let lent = Book::update(&mut db, book.id, patch)
        .await?
        .ok_or_else(|| ApiError::not_found("no such book"))?;
    if params.fail {
        return Err(ApiError::internal("failed after the write"));
    }
    Ok(Json(lent.into()))
}

/// `?fail=true`.
#[derive(Model)]
struct Lend {
    #[serde(default)]
    fail: bool,
}

async fn client(backend: Backend) -> Option<TestClient> {
    let db = TestDb::new(backend).await?;
    let app = App::new(db.settings())
        .resource::<Shelf>()
        .resource::<Book>()
        .resource::<Star>()
        .route("/lend/{title}", post(lend));
    Some(app.test_client().await.expect("app starts"))
}

async fn reads_and_writes_through_the_transaction(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let mut db = Db::begin(client.pool()).await;
    let dune = Book::insert(&mut db, book("Dune", 412, Some("a novel")))
        .await
        .unwrap();
    assert_eq!((dune.title.as_str(), dune.loans), ("Dune", 0));
    for (title, pages, subtitle) in [
        ("Emma", 474, None),
        ("Ulysses", 730, Some("The 100% edition")),
        ("Beloved", 324, None),
    ] {
        Book::insert(&mut db, book(title, pages, subtitle))
            .await
            .unwrap();
    }
    db.commit().await.unwrap();

    let mut db = Db::begin(client.pool()).await;
    let got = Book::get(&mut db, dune.id).await.unwrap().unwrap();
    assert_eq!(got.pages, 412);
    assert!(Book::get(&mut db, 999).await.unwrap().is_none());
    let titles = |books: Vec<Book>| books.into_iter().map(|b| b.title).collect::<Vec<_>>();
    let long = Book::select()
        .filter(Book::PAGES.gt(400))
        .order(Book::PAGES.desc())
        .all(&mut db)
        .await
        .unwrap();
    assert_eq!(titles(long), ["Ulysses", "Emma", "Dune"]);
    let page = Book::select()
        .order(Book::TITLE.asc())
        .limit(2)
        .offset(1)
        .all(&mut db)
        .await
        .unwrap();
    assert_eq!(titles(page), ["Dune", "Emma"]);
    let some = Book::select()
        .filter(Book::TITLE.is_in(["Emma".to_owned(), "Beloved".to_owned()]))
        .all(&mut db)
        .await
        .unwrap();
    assert_eq!(titles(some), ["Emma", "Beloved"], "by id when no order");
    let none = Book::select()
        .filter(Book::TITLE.is_in(Vec::<String>::new()))
        .count(&mut db)
        .await
        .unwrap();
    assert_eq!(none, 0);
    // `%` is taken literally; case is ignored; null subtitles never match.
    let literal = Book::select()
        .filter(Book::SUBTITLE.icontains("100% EDITION"))
        .all(&mut db)
        .await
        .unwrap();
    assert_eq!(titles(literal), ["Ulysses"]);
    assert_eq!(
        Book::select()
            .filter(Book::SUBTITLE.icontains("0%e"))
            .count(&mut db)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        Book::select()
            .filter(Book::SUBTITLE.is_null())
            .count(&mut db)
            .await
            .unwrap(),
        2
    );
    // `eq(None)` means "is null" (SQL's `= NULL` would match nothing).
    assert_eq!(
        Book::select()
            .filter(Book::SUBTITLE.eq(None))
            .count(&mut db)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        Book::select()
            .filter(Book::SUBTITLE.ne(None))
            .count(&mut db)
            .await
            .unwrap(),
        2
    );
    assert!(
        Book::select()
            .filter(Book::PAGES.le(324))
            .exists(&mut db)
            .await
            .unwrap()
    );
    assert_eq!(Book::count(&mut db).await.unwrap(), 4);

    // Writes: a partial update (a server-set field too), a unique violation, a missing
    // reference, a soft delete.
    let patch = BookUpdate {
        pages: Patch::Value(500),
        loans: Patch::Value(3),
        ..Default::default()
    };
    let updated = Book::update(&mut db, dune.id, patch)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (updated.pages, updated.loans, updated.title.as_str()),
        (500, 3, "Dune")
    );
    assert!(
        Book::update(&mut db, 999, BookUpdate::default())
            .await
            .unwrap()
            .is_none()
    );
    db.commit().await.unwrap();
    let mut db = Db::begin(client.pool()).await;
    let duplicate = Book::insert(&mut db, book("Dune", 1, None))
        .await
        .unwrap_err();
    assert_eq!(duplicate.status(), 409);
    assert_eq!(duplicate.fields(), ["title"], "the 409 names the field");
    drop(db);
    let mut db = Db::begin(client.pool()).await;
    let mut orphan = book("Orphan", 1, None);
    orphan.shelf_id = Some(999);
    let missing = Book::insert(&mut db, orphan).await.unwrap_err();
    assert_eq!(missing.status(), 422);
    assert_eq!(missing.detail()[0]["loc"], json!(["body", "shelf_id"]));
    drop(db);
    let mut db = Db::begin(client.pool()).await;
    assert!(Book::delete(&mut db, dune.id).await.unwrap());
    assert!(
        !Book::delete(&mut db, dune.id).await.unwrap(),
        "already deleted"
    );
    assert!(Book::get(&mut db, dune.id).await.unwrap().is_none());
    assert_eq!(Book::count(&mut db).await.unwrap(), 3);
    db.commit().await.unwrap();

    // Deleting what a select matches (soft: the rows are marked, once).
    let mut db = Db::begin(client.pool()).await;
    let short = || Book::select().filter(Book::PAGES.lt(500));
    let before = short().count(&mut db).await.unwrap();
    assert!(before > 0);
    assert_eq!(short().delete(&mut db).await.unwrap(), before as u64);
    assert_eq!(short().delete(&mut db).await.unwrap(), 0, "already deleted");
    assert_eq!(Book::count(&mut db).await.unwrap(), 3 - before);
    drop(db); // rolled back

    // Through a request: committed with a success, rolled back with a failure.
    let lent = client.post("/lend/Emma").await;
    assert_eq!(lent.status(), 200, "{}", lent.text());
    assert_eq!(lent.json()["loans"], 1);
    assert_eq!(client.post("/lend/Emma?fail=true").await.status(), 500);
    assert_eq!(client.post("/lend/Emma").await.json()["loans"], 2);
    assert_eq!(client.post("/lend/Nothing").await.status(), 404);
}

fn star(reader_id: i64, book_id: i64) -> StarCreate {
    StarCreate { reader_id, book_id }
}

/// `insert_if_absent`: a second insert of the same unique values changes nothing, even from
/// requests at once; other errors still answer. A select runs twice (a page and its count).
async fn inserts_if_absent_and_selects_twice(backend: Backend) {
    let Some(client) = client(backend).await else {
        return;
    };
    let mut db = Db::begin(client.pool()).await;
    let dune = Book::insert(&mut db, book("Dune", 412, None))
        .await
        .unwrap();
    let emma = Book::insert(&mut db, book("Emma", 474, None))
        .await
        .unwrap();
    db.commit().await.unwrap();

    // Eight requests at once star the same book for the same reader: one star.
    let stars = (0..8).map(|_| {
        let pool = client.pool().clone();
        tokio::spawn(async move {
            let mut db = Db::begin(&pool).await;
            Star::insert_if_absent(&mut db, star(1, dune.id), &()).await?;
            db.commit().await.map_err(ApiError::from)
        })
    });
    for star in stars.collect::<Vec<_>>() {
        star.await.unwrap().unwrap();
    }
    let mut db = Db::begin(client.pool()).await;
    assert_eq!(Star::count(&mut db).await.unwrap(), 1);
    for (reader, book) in [(1, dune.id), (2, dune.id), (1, emma.id)] {
        Star::insert_if_absent(&mut db, star(reader, book), &())
            .await
            .unwrap();
    }
    assert_eq!(Star::count(&mut db).await.unwrap(), 3);
    db.commit().await.unwrap();
    // Without a unique clash nothing is hidden: a missing book is a 422.
    let mut db = Db::begin(client.pool()).await;
    let missing = Star::insert_if_absent(&mut db, star(1, 999), &()).await;
    assert_eq!(missing.unwrap_err().status(), 422);
    drop(db);
    // The unique title keeps the first book.
    let mut db = Db::begin(client.pool()).await;
    Book::insert_if_absent(&mut db, book("Dune", 1, None), &())
        .await
        .unwrap();
    let dunes = Book::select().filter(Book::TITLE.eq("Dune"));
    let kept = dunes.clone().first(&mut db).await.unwrap().unwrap();
    assert_eq!((kept.id, kept.pages), (dune.id, 412));

    // One select, cloned: its count and a page of it.
    let mine = Star::select().filter(Star::READER_ID.eq(1));
    let total = mine.clone().count(&mut db).await.unwrap();
    let page = mine.order(Star::BOOK_ID.desc()).limit(1).all(&mut db).await;
    let page: Vec<i64> = page.unwrap().iter().map(|s| s.book_id).collect();
    assert_eq!((total, page), (2, vec![emma.id]));
}

on_every_backend!(
    reads_and_writes_through_the_transaction,
    inserts_if_absent_and_selects_twice
);
