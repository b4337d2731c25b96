"""Demo loaders run in the one declared order, whatever order their modules were imported in."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from app import demo
from app.admin.models import SystemParameter
from app.extensions import db


def test_every_registered_loader_has_its_place_in_the_order(app):
    assert sorted(name for name, _func in demo.LOADERS) == sorted(demo.ORDER)


def test_loaders_run_in_the_declared_order_and_an_undeclared_one_is_refused(app, monkeypatch):
    ran = []
    monkeypatch.setattr(demo, "_core", lambda session, ctx: None)
    monkeypatch.setattr(demo, "LOADERS", [(name, lambda session, ctx, name=name: ran.append(name))
                                          for name in reversed(demo.ORDER)])
    db.session.execute(delete(SystemParameter).where(SystemParameter.key == demo.MARKER_KEY))  # a fresh install
    demo.load(db.session)
    assert ran == list(demo.ORDER)
    db.session.rollback()
    monkeypatch.setattr(demo, "LOADERS", [("somewhere_new", lambda session, ctx: None)])
    with pytest.raises(RuntimeError, match="somewhere_new"):
        demo.load(db.session)
