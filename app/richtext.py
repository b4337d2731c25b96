"""Rich text users write (知识库正文, 业务问答, 问卷说明): cleaned with nh3 before it is stored, so what a page
renders with ``|safe`` can hold formatting but never script, event handlers or javascript: links."""

from __future__ import annotations

import html
import re

import nh3

TAGS = frozenset({"p", "br", "hr", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "sub", "sup", "span",
                  "blockquote", "pre", "code", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
                  "a", "img"})
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}, "td": {"colspan", "rowspan"},
              "th": {"colspan", "rowspan"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_BLOCK_END = re.compile(r"</(p|h[2-4]|li|tr|blockquote|pre)>|<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v]+")


def clean(markup: str) -> str:
    """The markup with only the allowed tags and attributes left; links get rel="noopener noreferrer"."""
    return nh3.clean(markup or "", tags=set(TAGS), attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
                     url_schemes=set(URL_SCHEMES), link_rel="noopener noreferrer")


def to_text(markup: str) -> str:
    """Plain text of (cleaned or raw) markup, one line per block, for search and previews."""
    text = _BLOCK_END.sub("\n", markup or "")
    text = html.unescape(nh3.clean(text, tags=set()))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
