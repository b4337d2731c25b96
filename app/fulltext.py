"""Pieces the Chinese full-text searches share: customer search (app/customers/search.py) and knowledge-base
search (app/kb/search.py).

- ``fold``: ASCII-only lower-casing, as SQLite's LIKE and lower() fold case (PostgreSQL's lower() would also
  fold full-width and accented letters, and the two databases must find the same rows).
- ``is_ideograph``: the non-ASCII letters that are a token on their own (Chinese characters, kana …) — the
  characters both searches index one by one or in pairs, since Chinese text has no spaces between words.
- ``include_in_schema_comparison``: the index objects the migrations create outside the models (FTS5 tables
  and their shadow tables, pg_trgm and tsvector indexes and side tables), which schema comparisons skip.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

# customer_search_* (migration 16a0000000001) and kb_search_* (migration 19c0000000001).
OUTSIDE_MODELS = re.compile(r"^(customer_search_(fts|chars)(_\w+)?|customer_search_position"
                            r"|ix_customer_search_(body|phones)_trgm|ix_customer_search_body_chars"
                            r"|kb_search_fts(_\w+)?|ix_kb_search_fts_\w+)$")


def include_in_schema_comparison(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic ``include_name`` hook: skip the search index objects the models do not describe."""
    return not (name and OUTSIDE_MODELS.match(name))


def fold(text: str) -> str:
    """Lower-case ASCII letters only, as SQLite's LIKE compares them (and as the stored text is folded)."""
    return text.translate(_ASCII_LOWER)


def is_ideograph(ch: str) -> bool:
    """A non-ASCII letter that stands on its own as a token (汉字, kana …), not part of a spaced word."""
    return ord(ch) > 127 and unicodedata.category(ch) == "Lo"


# --- character-pair tokens (知识库检索) -----------------------------------------------------------------
#
# Chinese has no spaces, and a trigram index cannot look up a two-character word (赎回) in the middle of a
# longer one (提前赎回). So text is cut into tokens in Python, the same way for what is stored and what is
# searched, and the databases only compare whole tokens (FTS5 unicode61, PostgreSQL tsvector lexemes):
# a run of Chinese characters gives each pair of neighbours (理财产品 → 理财 财产 产品) and its last character
# (品), so every character starts some token; any other run of letters and digits is one lower-case word.

TOKEN_MAX = 40  # a longer run of letters or digits is cut (a pasted hash or URL is not searched for)


def _runs(text: str) -> list[tuple[bool, str]]:
    """The text's runs of ideographs (True) and of other letters/digits (False), NFKC-normalised, lower case."""
    runs: list[tuple[bool, str]] = []
    current, ideographic = "", False
    for ch in unicodedata.normalize("NFKC", text).lower():
        kind = is_ideograph(ch) if ch.isalnum() else None
        if kind is None or (current and kind != ideographic):
            if current:
                runs.append((ideographic, current))
            current = ""
        if kind is not None:
            current, ideographic = current + ch, kind
    if current:
        runs.append((ideographic, current))
    return runs


def _pairs(run: str) -> list[str]:
    return [run[i:i + 2] for i in range(len(run) - 1)]


def index_tokens(text: str) -> str:
    """The distinct tokens of a text, space-separated, for the index (see above)."""
    tokens: dict[str, None] = {}
    for ideographic, run in _runs(text):
        if ideographic:
            tokens.update(dict.fromkeys([*_pairs(run), run[-1]]))
        else:
            tokens[run[:TOKEN_MAX]] = None
    return " ".join(tokens)


def query_tokens(word: str) -> list[tuple[str, bool]]:
    """The tokens a search word needs, each with whether it is a prefix: a Chinese run of two or more
    characters needs its pairs exactly; one Chinese character, or a run of letters/digits, is the start of
    a stored token (赎 finds 赎回, fund finds funds). Punctuation and query syntax (" * - ^ NEAR OR) are
    plain text here: symbols drop out, words are words."""
    tokens: dict[tuple[str, bool], None] = {}
    for ideographic, run in _runs(word):
        if ideographic and len(run) > 1:
            tokens.update(dict.fromkeys((pair, False) for pair in _pairs(run)))
        else:
            tokens[(run[:TOKEN_MAX], True)] = None
    return list(tokens)


def query_segments(word: str) -> list[str]:
    """The runs of a search word as they are highlighted in the text (lower case, NFKC)."""
    return [run for _ideographic, run in _runs(word)]
