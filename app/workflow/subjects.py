"""What a task is about: each domain registers how to summarise its business objects by key prefix.

``register("trade", summarise, preload)`` where ``summarise(session, "42")`` returns a :class:`Subject` (or
None) for business key ``trade:42``. The task page shows it above the form; the inbox, the monitor and the
instance page show its title instead of the key. ``preload(session, [42, 43, …])`` (optional) loads a list's
objects with what their summaries read in one query, so a page of 50 tasks does not load them one by one.
``opens_with("trade", load)`` says how the current user opens the object (``load(42)`` raises
NotFound/Forbidden when out of their data scope): the title links to the object only for a user who may
open it. ``opens_with(…, linkable=True)`` lets people start processes about such objects (发起流程 on the object's
page, or a start-form field naming one — :mod:`app.workflow.launch` checks the starter may open it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from app.database import DbSession
from app.errors import Forbidden, NotFound


@dataclass(frozen=True)
class Subject:
    title: str
    url: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    kind: str = ""  # what the object is, as the task page's card names it ("客户"); "业务信息" when empty
    link_label: str = ""  # the card's link to the object ("客户 360")


Summariser = Callable[[DbSession, str], Subject | None]
Preloader = Callable[[DbSession, list[int]], list[object]]
_summarisers: dict[str, Summariser] = {}
_preloaders: dict[str, Preloader] = {}
_openers: dict[str, Callable[[int], object]] = {}
_linkable: set[str] = set()


def register(prefix: str, summariser: Summariser, preload: Preloader | None = None) -> None:
    _summarisers[prefix] = summariser
    if preload is not None:
        _preloaders[prefix] = preload


def summarise(session: DbSession, business_key: str) -> Subject | None:
    prefix, _, ident = business_key.partition(":")
    summariser = _summarisers.get(prefix)
    return summariser(session, ident) if summariser and ident else None


def opens_with(prefix: str, load: Callable[[int], object], *, linkable: bool = False) -> None:
    """Declare how the current user opens a ``prefix`` object: ``load(id)`` refuses (NotFound, Forbidden) if not.

    ``linkable``: people may start processes about such objects (the starter must be able to open the object).
    """
    _openers[prefix] = load
    if linkable:
        _linkable.add(prefix)


def is_linkable(prefix: str) -> bool:
    """Tell whether people may start processes about ``prefix`` objects."""
    return prefix in _linkable


def check_opens(business_key: str) -> None:
    """Refuse (NotFound or Forbidden, as the object's own page does) unless the current user may open the object."""
    prefix, _, ident = business_key.partition(":")
    load = _openers.get(prefix)
    if load is None or not ident.isdigit():
        raise NotFound("业务对象不存在或您无权查看")
    load(int(ident))


def for_user(session: DbSession, business_key: str) -> Subject | None:
    """The subject of a business key for the current user: its link kept only if they may open the object."""
    subject = summarise(session, business_key)
    if subject is None or not subject.url:
        return subject
    try:
        check_opens(business_key)
    except (NotFound, Forbidden):
        return replace(subject, url="")
    return subject


def for_keys(session: DbSession, business_keys: Iterable[str]) -> dict[str, Subject]:
    """Subjects (as :func:`for_user`) of several business keys at once, for lists; keys without one are left out."""
    keys = {key for key in business_keys if key}
    idents: dict[str, list[int]] = {}
    for key in keys:
        prefix, _, ident = key.partition(":")
        if prefix in _preloaders and ident.isdigit():
            idents.setdefault(prefix, []).append(int(ident))
    # held while summarising: the session's identity map keeps unchanged objects only while referenced
    held = [_preloaders[prefix](session, sorted(ids)) for prefix, ids in idents.items()]
    found = {key: for_user(session, key) for key in keys}
    del held
    return {key: subject for key, subject in found.items() if subject is not None}


def names_domain_object(business_key: str) -> bool:
    """Tell whether a business key names a domain object (``trade:42``) whose summary the task page shows."""
    prefix, _, ident = business_key.partition(":")
    return bool(ident) and prefix in _summarisers
