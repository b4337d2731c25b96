"""知识库检索: which live articles a query finds, in which order, with highlighted snippets.

A query is cut into words at whitespace; every word must be found, each within one field (title, body or
attachment text). A word is found in a field when the field holds every token the word needs
(app/fulltext.py, ``query_tokens``): 赎回 is the pair 赎回, found inside 提前赎回; 理财产品 needs 理财, 财产 and
产品; one character or a Latin word is the start of a token. Both databases compare whole tokens from the
same Python tokeniser (SQLite FTS5 kb_search_fts, PostgreSQL tsvectors in kb_search_fts; migration
19c0000000001), so they find the same articles.

Order: articles whose title holds the whole query first, then those found in title and body, then those
that need the attachment text; within each, the most recently published first. The index is keyed by
recency (published second, then article id), so each tier is read newest first from the top of its match
list and stops when the page is full: a word in 80,000 articles costs about what a rare one does. Pages
are "more" pages (one row beyond the page says whether there is a next one); nothing counts every hit.
Only kb_search rows are searched, and kb_search holds only live articles (app/kb/search_index.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape
from sqlalchemy import select, text

from app.database import DbSession
from app.fulltext import query_segments, query_tokens
from app.kb.models import KbCategory, KbSearchRow

PER_PAGE = 20
MAX_WORDS = 8  # a longer query keeps its first eight words
MAX_PAGE = 50  # deeper than 1,000 results nobody reads: refine the words instead
SNIPPET_BEFORE, SNIPPET_LENGTH = 30, 120
TIER_LABELS = {0: "标题", 1: "正文", 2: "附件"}
KEY_FACTOR = 10_000_000  # the index's recency key: published seconds × KEY_FACTOR + article id (19c0000000001)

Word = list[tuple[str, bool]]  # a word's tokens, each with whether it is a prefix


@dataclass(frozen=True)
class Hit:
    """One article found: where (标题/正文/附件), and its title and snippet with the words in <mark>."""

    article_id: int
    category_id: int
    category_name: str
    published_at: datetime
    tier: int
    title_html: Markup
    snippet_html: Markup

    @property
    def found_in(self) -> str:
        return TIER_LABELS[self.tier]


@dataclass(frozen=True)
class SearchPage:
    query: str
    category_id: int | None
    page: int
    hits: list[Hit]
    has_next: bool


def parse_words(query: str) -> list[Word]:
    """The query's words as tokens; words with no letter or digit (punctuation, * -) drop out."""
    words = [query_tokens(part) for part in (query or "").split()]
    return [word for word in words if word][:MAX_WORDS]


def category_subtree(session: DbSession, category_id: int) -> list[int]:
    """The category and every category under it (the tree is small: read once, walked in Python)."""
    children: dict[int | None, list[int]] = {}
    for cid, parent in session.execute(select(KbCategory.id, KbCategory.parent_id)):
        children.setdefault(parent, []).append(cid)
    found, todo = [], [category_id]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def search(session: DbSession, query: str, *, category_id: int | None = None, page: int = 1,
           per_page: int = PER_PAGE) -> SearchPage:
    """One page of the live articles the query finds (an empty page for a query with no word).

    The tiers are read one after another, each newest first from the top of the index (see the module
    docstring); a tier wholly before the page is counted, at most up to the page's start, and skipped."""
    page = min(max(page, 1), MAX_PAGE)
    words = parse_words(query)
    if not words:
        return SearchPage(query, category_id, page, [], False)
    categories = category_subtree(session, category_id) if category_id else None
    postgresql = session.get_bind().dialect.name == "postgresql"
    tiers = (_postgresql_tiers if postgresql else _sqlite_tiers)(words, categories)
    skip, wanted = (page - 1) * per_page, per_page + 1
    found: dict[int, int] = {}
    for tier, (sql, params) in enumerate(tiers):
        if skip:
            counted = session.scalar(text(f"SELECT count(*) FROM ({sql} LIMIT :cap) AS tier"),  # noqa: S608
                                     {**params, "cap": skip}) or 0
            if counted < skip:
                skip -= counted
                continue
        ids = session.scalars(text(f"{sql} ORDER BY published_key DESC LIMIT :limit OFFSET :offset"),
                              {**params, "limit": wanted - len(found), "offset": skip})
        found.update(dict.fromkeys(ids, tier))
        skip = 0
        if len(found) >= wanted:
            break
    has_next = len(found) > per_page
    page_tiers = dict(list(found.items())[:per_page])
    return SearchPage(query, category_id, page, _hits(session, page_tiers, query), has_next)


def _in_categories(column: str, categories: list[int] | None) -> str:
    return f" AND {column} IN (" + ", ".join(str(int(c)) for c in categories) + ")" if categories else ""


def _fts_word(tokens: Word) -> str:
    return "(" + " AND ".join('"' + token + '"' + ("*" if prefix else "") for token, prefix in tokens) + ")"


def _sqlite_tiers(words: list[Word], categories: list[int] | None) -> list[tuple[str, dict[str, object]]]:
    """FTS5 queries: a column filter per field; the tokens are letters and digits only, always quoted (never
    syntax). Title → title or body → any field, each tier without the ones before it (FTS5 NOT)."""
    sql = _sqlite_select(categories)
    def in_fields(fields: str) -> str:
        return " AND ".join("(" + " OR ".join(f"({{{field}}} : {_fts_word(word)})" for field in fields.split()) + ")"
                            for word in words)

    in_title = "{title} : " + _fts_word([token for word in words for token in word])
    title_body, anywhere = in_fields("title body"), in_fields("title body attachment")
    return [(sql, {"q": in_title}), (sql, {"q": f"({title_body}) NOT ({in_title})"}),
            (sql, {"q": f"({anywhere}) NOT ({title_body})"})]


def _sqlite_select(categories: list[int] | None) -> str:
    """The FTS5 rowid is the recency key: published seconds × KEY_FACTOR + article id."""
    if categories is None:
        return (f"SELECT rowid % {KEY_FACTOR}, rowid AS published_key FROM kb_search_fts "  # noqa: S608
                "WHERE kb_search_fts MATCH :q")
    return (f"SELECT kb_search_fts.rowid % {KEY_FACTOR}, kb_search_fts.rowid AS published_key "  # noqa: S608
            "FROM kb_search_fts "
            f"JOIN kb_search s ON s.article_id = kb_search_fts.rowid % {KEY_FACTOR} "
            f"WHERE kb_search_fts MATCH :q{_in_categories('s.category_id', categories)}")


def _tsquery(tokens: Word) -> str:
    return " & ".join(f"'{token}'" + (":*" if prefix else "") for token, prefix in tokens)


def _postgresql_tiers(words: list[Word], categories: list[int] | None) -> list[tuple[str, dict[str, object]]]:
    """tsvectors ``@@`` a tsquery typed from text (no parser: lexemes exactly as the tokeniser cut them)."""
    params: dict[str, object] = {f"w{n}": _tsquery(word) for n, word in enumerate(words)}
    params["all"] = _tsquery([token for word in words for token in word])

    def in_fields(fields: tuple[str, ...]) -> str:
        return " AND ".join("(" + " OR ".join(f"{field} @@ CAST(:w{n} AS tsquery)" for field in fields) + ")"
                            for n in range(len(words)))

    in_title = "title @@ CAST(:all AS tsquery)"
    title_body, anywhere = in_fields(("title", "body")), in_fields(("title", "body", "attachment"))
    return [(_postgresql_select(condition, categories), params)
            for condition in (in_title, f"{title_body} AND NOT ({in_title})", f"{anywhere} AND NOT ({title_body})")]


def _postgresql_select(condition: str, categories: list[int] | None) -> str:
    return (f"SELECT article_id, published_key FROM kb_search_fts WHERE {condition}"  # noqa: S608 (ints)
            f"{_in_categories('category_id', categories)}")


def _hits(session: DbSession, tiers: dict[int, int], query: str) -> list[Hit]:
    if not tiers:
        return []
    rows = {row.article_id: row for row in session.scalars(select(KbSearchRow)
                                                           .where(KbSearchRow.article_id.in_(list(tiers))))}
    names = {cid: name for cid, name in session.execute(
        select(KbCategory.id, KbCategory.name).where(KbCategory.id.in_({row.category_id for row in rows.values()})))}
    pattern = highlight_pattern(query)
    hits = []
    for article_id, tier in tiers.items():
        row = rows[article_id]
        source = row.attachment_text if tier == 2 and not _first(pattern, row.body) else row.body
        hits.append(Hit(article_id, row.category_id, names.get(row.category_id, ""), row.published_at, tier,
                        highlight(row.title, pattern), snippet(source, pattern)))
    return hits


def highlight_pattern(query: str) -> re.Pattern[str] | None:
    """What is marked: each word's runs, longest first, then the character pairs of its Chinese runs (a
    word found by its pairs alone still shows where)."""
    pieces: set[str] = set()
    for part in (query or "").split()[:MAX_WORDS]:
        for segment in query_segments(part):
            pieces.add(segment)
            pieces.update(segment[i:i + 2] for i in range(len(segment) - 1) if not segment.isascii())
    if not pieces:
        return None
    return re.compile("|".join(re.escape(p) for p in sorted(pieces, key=len, reverse=True)), re.IGNORECASE)


def _first(pattern: re.Pattern[str] | None, value: str) -> re.Match[str] | None:
    return pattern.search(value) if pattern else None


def highlight(value: str, pattern: re.Pattern[str] | None) -> Markup:
    """The text HTML-escaped, with every match of the pattern in <mark>."""
    if pattern is None:
        return escape(value)
    out, last = [], 0
    for match in pattern.finditer(value):
        out.append(escape(value[last:match.start()]))
        out.append(Markup("<mark>") + escape(match.group()) + Markup("</mark>"))
        last = match.end()
    out.append(escape(value[last:]))
    return Markup("").join(out)


def snippet(value: str, pattern: re.Pattern[str] | None) -> Markup:
    """A window of the text around its first match (the start when nothing matches), highlighted."""
    value = " ".join(value.split())
    match = _first(pattern, value)
    start = max(0, match.start() - SNIPPET_BEFORE) if match else 0
    window = value[start:start + SNIPPET_LENGTH]
    head = "…" if start > 0 else ""
    tail = "…" if start + SNIPPET_LENGTH < len(value) else ""
    return escape(head) + highlight(window, pattern) + escape(tail)
