"""问卷结果 of one questionnaire with 100,000 answers: the results service and the whole page, against the
plain GROUP BY SQL they run — on SQLite and PostgreSQL (a scratch database each, dropped afterwards).

    .venv/bin/python bench/survey_results.py                  # SQLite, then PostgreSQL if it answers
    .venv/bin/python bench/survey_results.py --only sqlite --runs 10

The survey has four questions (单选, 多选, 评分, 文本); 25,000 responses of one answer row per question are
loaded with bulk INSERTs (100,000 answer rows), spread over the demo orgs and 90 days. Figures: median and p95
of ``--runs`` calls after one warm-up, for admin (全部) with no filter, admin with a 30-day date filter,
head01 (本部门及下级 scope), and the page (HTML with the charts) through the test client. The baseline is
the same three grouped statements as hand-written SQL with no scope; the ratio shows what the service adds.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from _common import command_line, scratch_app, timed, twin  # puts the repository on sys.path too

from app import clock  # noqa: E402
from app.auth.models import User  # noqa: E402
from app.demo import DEMO_PASSWORD  # noqa: E402
from app.extensions import db  # noqa: E402
from app.org.models import Org  # noqa: E402
from app.surveys import results, services  # noqa: E402
from app.surveys.models import Survey, SurveyAnswer, SurveyResponse  # noqa: E402

RESPONSES = 25_000
QUESTIONS = [
    {"key": "q1", "kind": "single", "text": "满意吗", "required": True,
     "options": [{"key": f"o{i}", "text": t, "jump": ""} for i, t in enumerate(["满意", "一般", "不满意"], 1)]},
    {"key": "q2", "kind": "multiple", "text": "关注的产品", "required": True,
     "options": [{"key": f"o{i}", "text": t} for i, t in enumerate(["固收", "权益", "保险", "信托", "私募"], 1)]},
    {"key": "q3", "kind": "rating", "text": "打分", "required": True, "max": 5},
    {"key": "q4", "kind": "text", "text": "建议", "required": False},
]
BASELINE = [
    "SELECT count(*) FROM survey_response WHERE survey_id = :s",
    "SELECT question_key, count(DISTINCT response_id) FROM survey_answer WHERE survey_id = :s "
    "AND question_key IN ('q2', 'q4') GROUP BY question_key",
    "SELECT question_key, option_key, rating, count(*) FROM survey_answer WHERE survey_id = :s AND text IS NULL "
    "GROUP BY question_key, option_key, rating",
]


def load(session: Any) -> Survey:
    """A published survey and its 25,000 responses / 100,000 answers, inserted in bulk."""
    admin = session.scalar(sa.select(User).where(User.username == "admin"))
    survey = services.save_draft(session, admin, None, {"title": "压测问卷", "audience": "staff",
                                                        "questions": QUESTIONS})
    services.publish(session, survey)
    orgs = list(session.scalars(sa.select(Org.id)))
    users = list(session.scalars(sa.select(User.id)))
    start = (session.scalar(sa.select(sa.func.max(SurveyResponse.id))) or 0) + 1
    rng = random.Random(19)
    now = clock.now()
    responses, answers = [], []
    for rid in range(start, start + RESPONSES):
        # respondents are left empty (NULL never collides in the unique constraints): 25,000 people are not needed
        at, org = now - timedelta(minutes=rng.randrange(90 * 24 * 60)), rng.choice(orgs)
        responses.append({"id": rid, "survey_id": survey.id, "filled_by_id": rng.choice(users), "org_id": org,
                          "submitted_at": at})
        common = {"response_id": rid, "survey_id": survey.id, "org_id": org, "submitted_at": at,
                  "option_key": None, "text": None, "rating": None}
        answers += [dict(common, question_key="q1", option_key=f"o{rng.randint(1, 3)}"),
                    dict(common, question_key="q2", option_key=f"o{rng.randint(1, 5)}"),
                    dict(common, question_key="q3", rating=rng.randint(1, 5)),
                    dict(common, question_key="q4", text=f"建议{rid}：多介绍稳健型产品")]
    session.execute(sa.insert(SurveyResponse), responses)
    session.execute(sa.insert(SurveyAnswer), answers)
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("ANALYZE survey_answer"))
        session.execute(sa.text("ANALYZE survey_response"))
    else:
        session.execute(sa.text("ANALYZE"))
    session.commit()
    return survey




def run(kind: str, runs: int) -> None:
    with scratch_app(kind) as app:
        if app is None:
            print(f"{kind}: not reachable, skipped")
            return
        started = time.perf_counter()
        survey = load(db.session)
        print(f"{kind}: loaded {RESPONSES:,} responses / {RESPONSES * 4:,} answers in "
              f"{time.perf_counter() - started:.1f} s")
        survey_id = survey.id
        users = {name: db.session.scalar(sa.select(User).where(User.username == name)) for name in ("admin", "head01")}
        recent = results.ResultFilter(date_from=clock.today() - timedelta(days=30))
        db.session.commit()  # SQLite: the log-in needs the write lock; touch no expired object until it is done
        web = twin(app)
        client = web.test_client()
        response = client.post("/login", data={"username": "admin", "password": DEMO_PASSWORD})
        assert response.status_code in (302, 303)

        def page() -> None:
            assert client.get(f"/surveys/{survey_id}/results").status_code == 200

        def service(user: str, f: results.ResultFilter) -> Callable[[], Any]:
            return lambda: (results.summary(db.session, users[user], survey, f), db.session.rollback())

        def baseline() -> None:
            with db.engine.connect() as conn:
                for statement in BASELINE:
                    conn.execute(sa.text(statement), {"s": survey_id}).all()

        base = timed(baseline, runs)
        print(f"  raw SQL baseline (3 GROUP BY statements)  median {base[0]:7.1f} ms  p95 {base[1]:7.1f} ms")
        for label, call in (("service, admin, no filter", service("admin", results.ResultFilter())),
                            ("service, admin, last 30 days", service("admin", recent)),
                            ("service, head01 (department scope)", service("head01", results.ResultFilter())),
                            ("page /surveys/<id>/results, admin", page)):
            median, p95 = timed(call, runs)
            print(f"  {label:40} median {median:7.1f} ms  p95 {p95:7.1f} ms  ratio {median / base[0]:4.2f}")


def main() -> None:
    kinds, args = command_line(__doc__, runs=20)
    for kind in kinds:
        run(kind, args.runs)


if __name__ == "__main__":
    main()
