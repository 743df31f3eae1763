"""The blog of examples/blog, in FastAPI + SQLModel, for a line-count comparison.

pip install -r requirements.txt
SECRET_KEY=$(openssl rand -hex 32) uvicorn main:app   # then open /docs
"""

import asyncio
import logging
import os
import secrets
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Generic, TypeVar

import jwt
from fastapi import (
    APIRouter,
    BackgroundTasks,
    Depends,
    FastAPI,
    HTTPException,
    Query,
    Response,
)
from fastapi.exceptions import RequestValidationError
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pwdlib import PasswordHash
from pydantic import BaseModel, EmailStr
from sqlmodel import (
    Field,
    Relationship,
    Session,
    SQLModel,
    col,
    create_engine,
    func,
    or_,
    select,
)

DATABASE_URL = os.getenv("DATABASE_URL", "sqlite:///blog.db")
SECRET_KEY = os.getenv("SECRET_KEY") or secrets.token_hex(32)
ACCESS_TOKEN_EXPIRE = timedelta(minutes=15)

sqlite = DATABASE_URL.startswith("sqlite")
engine = create_engine(
    DATABASE_URL, connect_args={"check_same_thread": False} if sqlite else {}
)
password_hash = PasswordHash.recommended()
DUMMY_HASH = password_hash.hash("dummypassword")
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="auth/token")
logger = logging.getLogger("uvicorn.error")


# --- models -------------------------------------------------------------------------


class UserBase(SQLModel):
    email: EmailStr = Field(unique=True)
    username: str = Field(unique=True, min_length=3, max_length=30)


class User(UserBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    hashed_password: str


class UserCreate(UserBase):
    password: str = Field(min_length=8)


class UserPublic(UserBase):
    id: int


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class Status(StrEnum):
    draft = "draft"
    published = "published"


class PostBase(SQLModel):
    title: str = Field(min_length=1, max_length=120)
    body: str | None = None  # a post needs one to be published


class Post(PostBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    status: Status = Field(default=Status.draft, index=True)
    author_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    comments: list["Comment"] = Relationship(cascade_delete=True)


class PostPublic(PostBase):
    id: int
    status: Status
    author_id: int
    created_at: datetime


class PostUpdate(SQLModel):
    # Left out: unchanged. `null` is refused (the default is not validated, a null is).
    title: str = Field(default=None, min_length=1, max_length=120)
    body: str | None = None


class CommentBase(SQLModel):
    post_id: int = Field(foreign_key="post.id", ondelete="CASCADE")
    body: str = Field(min_length=1, max_length=1000)


class Comment(CommentBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class CommentPublic(CommentBase):
    id: int
    author_id: int
    created_at: datetime


class Publish(SQLModel):
    # Shown to followers with the announcement.
    note: str | None = Field(default=None, max_length=200)


class Search(SQLModel):
    q: str = Field(min_length=3, max_length=100)
    status: Status | None = None
    limit: int = Field(default=10, ge=1, le=50)


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


# --- database and auth ----------------------------------------------------------------


def get_session():
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_current_user(
    session: SessionDep, token: Annotated[str, Depends(oauth2_scheme)]
) -> User:
    unauthorized = HTTPException(
        401, "Could not validate credentials", {"WWW-Authenticate": "Bearer"}
    )
    try:
        payload = jwt.decode(token, SECRET_KEY, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        raise unauthorized from None
    user = session.get(User, int(payload.get("sub", 0)))
    if user is None:
        raise unauthorized
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


# --- helpers --------------------------------------------------------------------------


def get_or_404(session: Session, model: type, id: int):
    row = session.get(model, id)
    if row is None:
        raise HTTPException(404, f"{model.__name__} not found")
    return row


def get_owned(session: Session, model: type, id: int, user: User):
    row = get_or_404(session, model, id)
    if row.author_id != user.id:
        raise HTTPException(403, "Not enough permissions")
    return row


def save(session: Session, row: SQLModel):
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


Offset = Annotated[int, Query(ge=0)]
Limit = Annotated[int, Query(ge=1, le=100)]


def paginate(session: Session, model: type, offset: int, limit: int) -> dict:
    items = session.exec(select(model).order_by(model.id).offset(offset).limit(limit))
    total = session.exec(select(func.count()).select_from(model)).one()
    return {"items": items.all(), "total": total, "offset": offset, "limit": limit}


def invalid(field: str, kind: str, msg: str, value=None) -> RequestValidationError:
    """A 422 shaped like FastAPI's own, at `body.<field>`."""
    error = {"type": kind, "loc": ("body", field), "msg": msg, "input": value}
    return RequestValidationError([error])


def check_publishable(post: Post) -> None:
    """A published post needs a body; checked on publish and on every update."""
    if post.status == Status.published and not (post.body or "").strip():
        raise invalid("body", "value_error", "a published post needs a body")


class Broadcaster:
    """Hands each message to every subscriber's queue (within this process)."""

    def __init__(self) -> None:
        self.queues: set[asyncio.Queue[str]] = set()

    async def subscribe(self) -> AsyncIterator[asyncio.Queue[str]]:
        """A dependency: the request's own queue, until its response is over."""
        queue = asyncio.Queue[str](maxsize=64)
        self.queues.add(queue)
        try:
            yield queue
        finally:
            self.queues.discard(queue)

    def publish(self, message: str) -> None:
        for queue in self.queues:
            with suppress(asyncio.QueueFull):  # a client that lags behind misses it
                queue.put_nowait(message)


published_titles = Broadcaster()  # for GET /posts/live


async def announce(title: str, note: str) -> None:
    # async, so it runs on the event loop: asyncio queues are not thread-safe.
    logger.info("announce: %s (%s)", title, note)
    published_titles.publish(title)


# --- routes ---------------------------------------------------------------------------


@asynccontextmanager
async def lifespan(app: FastAPI):
    SQLModel.metadata.create_all(engine)
    yield


app = FastAPI(title="blog", lifespan=lifespan)


@app.post("/auth/register", status_code=201, response_model=UserPublic)
def register(data: UserCreate, session: SessionDep):
    for field in ("email", "username"):
        taken = select(User).where(getattr(User, field) == getattr(data, field))
        if session.exec(taken).first():
            raise HTTPException(409, f"User with this {field} already exists")
    hashed = password_hash.hash(data.password)
    return save(session, User.model_validate(data, update={"hashed_password": hashed}))


@app.post("/auth/token")
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep
) -> Token:
    login = or_(User.username == form.username, User.email == form.username)
    user = session.exec(select(User).where(login)).first()
    hashed = user.hashed_password if user else DUMMY_HASH
    if not password_hash.verify(form.password, hashed) or user is None:
        raise HTTPException(
            401, "Incorrect username or password", {"WWW-Authenticate": "Bearer"}
        )
    claims = {"sub": str(user.id), "exp": datetime.now(UTC) + ACCESS_TOKEN_EXPIRE}
    return Token(access_token=jwt.encode(claims, SECRET_KEY, algorithm="HS256"))


@app.get("/users/me", response_model=UserPublic)
def read_me(user: CurrentUser):
    return user


posts = APIRouter(prefix="/posts", tags=["posts"])


@posts.post("", status_code=201, response_model=PostPublic)
def create_post(
    data: PostBase, user: CurrentUser, session: SessionDep, response: Response
):
    post = save(session, Post.model_validate(data, update={"author_id": user.id}))
    response.headers["Location"] = f"/posts/{post.id}"
    return post


@posts.get("", response_model=Page[PostPublic])
def list_posts(session: SessionDep, offset: Offset = 0, limit: Limit = 20):
    return paginate(session, Post, offset, limit)


# Declared before /{id}, which would otherwise match "live".
@posts.get("/live", response_class=EventSourceResponse)
async def live(
    titles: Annotated[asyncio.Queue[str], Depends(published_titles.subscribe)],
) -> AsyncIterable[ServerSentEvent]:
    """Server-sent events: the title of each post published from now on."""
    while True:
        yield ServerSentEvent(event="published", raw_data=await titles.get())


@posts.get("/{id}", response_model=PostPublic)
def read_post(id: int, session: SessionDep):
    return get_or_404(session, Post, id)


@posts.patch("/{id}", response_model=PostPublic)
def update_post(id: int, data: PostUpdate, user: CurrentUser, session: SessionDep):
    post = get_owned(session, Post, id, user)
    post.sqlmodel_update(data.model_dump(exclude_unset=True))
    check_publishable(post)
    return save(session, post)


@posts.delete("/{id}", status_code=204)
def delete_post(id: int, user: CurrentUser, session: SessionDep):
    session.delete(get_owned(session, Post, id, user))
    session.commit()


@posts.post("/{id}/publish", response_model=PostPublic)
def publish(
    id: int,
    data: Publish,
    user: CurrentUser,
    session: SessionDep,
    tasks: BackgroundTasks,
):
    """Publishes one of the caller's posts; the announcement goes out after it."""
    post = get_owned(session, Post, id, user)
    post.status = Status.published
    check_publishable(post)
    save(session, post)
    tasks.add_task(announce, post.title, data.note or "")
    return post


app.include_router(posts)


@app.get("/search", response_model=list[PostPublic])
def search(params: Annotated[Search, Query()], session: SessionDep):
    """Posts whose title holds `q`, newest first."""
    query = select(Post).where(col(Post.title).ilike(f"%{params.q}%"))
    if params.status:
        query = query.where(Post.status == params.status)
    return session.exec(query.order_by(col(Post.id).desc()).limit(params.limit)).all()


@app.post("/comments", status_code=201, response_model=CommentPublic)
def create_comment(
    data: CommentBase, user: CurrentUser, session: SessionDep, response: Response
):
    if session.get(Post, data.post_id) is None:
        msg = "The referenced Post does not exist"
        raise invalid("post_id", "reference_not_found", msg, data.post_id)
    comment = save(session, Comment.model_validate(data, update={"author_id": user.id}))
    response.headers["Location"] = f"/comments/{comment.id}"
    return comment


@app.get("/comments", response_model=Page[CommentPublic])
def list_comments(session: SessionDep, offset: Offset = 0, limit: Limit = 20):
    return paginate(session, Comment, offset, limit)


@app.get("/comments/{id}", response_model=CommentPublic)
def read_comment(id: int, session: SessionDep):
    return get_or_404(session, Comment, id)


@app.delete("/comments/{id}", status_code=204)
def delete_comment(id: int, user: CurrentUser, session: SessionDep):
    session.delete(get_owned(session, Comment, id, user))
    session.commit()
