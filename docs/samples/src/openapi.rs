//! "OpenAPI and the docs" (`docs/src/openapi.md`): what the document derives
//! from two related resources, the docs' options, and a hand-written route
//! documented by hand; mounted by [`app`] and checked by `tests/openapi.rs`.

// ANCHOR: imports
use fastrs::openapi::{DocsOptions, OperationDocs};
use fastrs::prelude::*;
// ANCHOR_END: imports

// ANCHOR: resources
/// A board that holds cards.
#[derive(Resource)]
#[resource(table = "boards", path = "/boards", tag = "boards")]
pub struct Board {
    #[resource(id)]
    pub id: i64,
    /// Shown at the top of the board.
    #[validate(length(min = 1, max = 60))]
    pub name: String,
}

/// A card on a board.
#[derive(Resource)]
#[resource(table = "cards", path = "/cards", tag = "cards")]
pub struct Card {
    #[resource(id)]
    pub id: i64,
    /// The board it is on.
    #[resource(references = Board, on_delete = "cascade", filter)]
    pub board_id: i64,
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    /// Story points.
    #[validate(range(ge = 0, le = 100))]
    pub points: Option<i32>,
    /// A colour, `#rrggbb`.
    #[validate(pattern = "^#[0-9a-f]{6}$")]
    pub colour: Option<String>,
}
// ANCHOR_END: resources

// ANCHOR: route
/// A board's cards, counted.
#[derive(Model)]
pub struct BoardTotals {
    pub cards: i64,
    /// The sum of the cards' points.
    pub points: i64,
}

async fn totals(
    mut db: Db,
    Path(id): Path<i64>,
) -> Result<Json<BoardTotals>, ApiError> {
    if Board::get(&mut db, id).await?.is_none() {
        return Err(ApiError::not_found("Board not found"));
    }
    let on_board = Card::BOARD_ID.eq(id);
    let cards = Card::select().filter(on_board).all(&mut db).await?;
    Ok(Json(BoardTotals {
        cards: i64::try_from(cards.len()).unwrap_or(i64::MAX),
        points: cards.iter().filter_map(|c| c.points).map(i64::from).sum(),
    }))
}
// ANCHOR_END: route

// ANCHOR: app
/// The app of this page.
pub fn app(settings: Settings) -> App {
    App::new(settings)
        .docs(DocsOptions {
            title: "Boards".into(),
            version: "1.2.0".into(),
            description: Some("Boards and the cards on them.".into()),
            openapi_path: Some("/api/openapi.json".into()),
            swagger_path: Some("/api/docs".into()),
            redoc_path: None,
        })
        .resource::<Board>()
        .resource::<Card>()
        .route(
            "/boards/{id}/totals",
            get(totals)
                .summary("Count a board's cards")
                .description(
                    "How many cards the board holds, and their points.",
                )
                .operation_id("board_totals")
                .response("404", "No board has this id"),
        )
        .describe(
            "GET",
            "/cards",
            OperationDocs::new()
                .summary("Browse the cards")
                .description("`?include=board` embeds each card's board."),
        )
}
// ANCHOR_END: app
