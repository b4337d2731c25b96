"""知识库检索 tokens (app/fulltext.py): character pairs of Chinese runs, Latin words, query syntax as text;
and the snippet: a window around the first hit, everything but <mark> escaped."""

from __future__ import annotations

import pytest

from app.fulltext import index_tokens, query_tokens
from app.kb.search import highlight, highlight_pattern, parse_words, snippet
from app.kb.search_index import INDEXED_CHARACTERS, search_terms


def test_a_chinese_run_gives_its_pairs_and_last_character():
    assert index_tokens("理财产品") == "理财 财产 产品 品"
    assert index_tokens("险") == "险"


def test_two_characters_from_the_middle_of_a_word_are_a_stored_token():
    for word, text in (("财产", "理财产品"), ("赎回", "提前赎回"), ("前赎", "提前赎回")):
        assert [token for token, _prefix in query_tokens(word)] == [word]
        assert word in index_tokens(text).split()


def test_mixed_chinese_latin_digits_and_full_width_text():
    assert index_tokens("ETF基金2024年Ｑ３报告") == "etf 基金 金 2024 年 q3 报告 告"
    assert query_tokens("ETF基金") == [("etf", True), ("基金", False)]
    assert query_tokens("赎") == [("赎", True)]


@pytest.mark.parametrize("query", ['"', "'", "*", "NEAR", "OR", "-", "^", "a OR b", '理财" OR "x', "NEAR(理财 产品)",
                                   "col:理财", "{title}:x", "--", "%_\\", "ｘ＊"])
def test_query_syntax_is_plain_text(query):
    for word in parse_words(query):
        for token, _prefix in word:
            assert token.isalnum(), token


def test_a_word_of_punctuation_only_drops_out():
    assert parse_words("，。！ * - ^") == []
    assert parse_words("赎回 ！") == [[("赎回", False)]]


def test_the_snippet_escapes_everything_but_the_marks():
    body = "开头" + "很长的正文" * 20 + "<script>alert(1)</script>提前赎回需要支付手续费" + "结尾" * 50
    html = str(snippet(body, highlight_pattern("赎回")))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<mark>赎回</mark>" in html
    assert html.startswith("…") and html.endswith("…")
    assert html.count("<mark>") == 1


def test_a_word_found_by_its_pairs_alone_still_shows_where():
    html = str(highlight("理财和财产与产品", highlight_pattern("理财产品")))
    assert html == "<mark>理财</mark>和<mark>财产</mark>与<mark>产品</mark>"
    assert str(highlight("a<b>", None)) == "a&lt;b&gt;"


def test_search_terms_keep_one_line_per_field_and_bound_a_huge_attachment():
    terms = search_terms("标题", "", "附件" + "汉" * (INDEXED_CHARACTERS * 2) + "尾巴")
    title, body, attachment = terms.split("\n")
    assert (title, body) == ("标题 题", "")
    assert "附件" in attachment.split() and "尾巴" not in attachment.split()
