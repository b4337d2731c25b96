"""知识库检索 over 100,000 generated Chinese articles: median and p95 of the search service (the query, the
page's rows, the highlighted snippets) for two- and three-character words, several words, rare and common
words, one character and a Latin word, with and without a category filter — on SQLite and PostgreSQL.

    .venv/bin/python bench/kb_search.py                  # 100,000 articles, SQLite then PostgreSQL if it answers
    .venv/bin/python bench/kb_search.py --articles 10000 --only sqlite

Articles are sentences drawn (deterministic seed) from a vocabulary of finance words with a Zipf-like
frequency, so the common words are in most articles; one article in five has attachment text; a few carry
rare product names. They are loaded set-based (multi-row INSERTs of categories, articles, versions and
kb_search rows with their tokens; the triggers of migration 19c0000000001 fill the index) into a scratch
database (a temporary SQLite file, or a PostgreSQL database created next to LICAI_BENCH_PG_URL and dropped
afterwards).

Baseline, plain SQL on the same table: the newest 21 rows whose body contains the word (``LIKE '%…%'``
ordered by published_at) — what search would cost without the index; the ratio is search / baseline.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from _common import machine, scratch_app  # puts the repository on sys.path too
from sqlalchemy import insert, select, text, update

from app.auth.models import User  # noqa: E402
from app.extensions import db  # noqa: E402
from app.kb import search as kb_search  # noqa: E402
from app.kb.models import KbArticle, KbArticleVersion, KbCategory, KbSearchRow, VersionStatus  # noqa: E402
from app.kb.search_index import search_terms  # noqa: E402

SEED = 19
BATCH = 2_000
RUNS = 30

VOCABULARY = """理财产品 基金 赎回 提前赎回 申购 认购 净值 净值型 收益率 年化收益 风险等级 稳健型 进取型 保守型 客户
坐席 合同 私募 公募 信托 资管计划 债券 股票 货币基金 指数基金 定投 分红 红利再投资 手续费 管理费 托管费 业绩比较基准
起购金额 封闭期 开放日 到账时间 份额 持有期 风险提示 适当性 双录 冷静期 回访 投资者教育 合格投资者 资产证明
收入证明 风险测评 问卷 产品说明书 募集期 成立日 到期日 兑付 付息 清算 收益分配 财产险 人寿保险 年金 养老金
反洗钱 身份核验 实名认证 银行卡 转账 汇款 划款 冻结 解冻 挂失 投诉 咨询 话术 异议处理 客户关系 维护 跟进
预约 拜访 沙龙 邀约 产品经理 投资顾问 研究报告 市场观点 宏观经济 利率 通胀 汇率 波动 回撤 止盈 止损 仓位
配置 组合 分散投资 长期持有 复利 流动性 安全性 收益性 期限 门槛 额度 限额 大额 小额 审批 主管 复核 财务
投服 交易 订单 撤单 确认 失败 成功 短信 提醒 通知 公告 规则 流程 制度 办法 细则 说明 注意事项 常见问题""".split()
FILLERS = "的 了 和 与 及 在 按 对 为 是 须 应 可 不 请 将 由 向".split()
PUNCTUATION = "，。；、："
RARE = [f"鑫益{n}号" for n in range(1, 41)]  # product names in a handful of articles each

QUERIES: list[tuple[str, str, bool]] = [  # label, query, with the category filter
    ("两字（词中间）", "财产", False),
    ("两字（常见）", "赎回", False),
    ("三字", "净值型", False),
    ("多词", "基金 赎回 手续费", False),
    ("多词（少见组合）", "冷静期 双录 回访", False),
    ("少见词", "鑫益7号", False),
    ("常见词", "客户", False),
    ("一个字", "险", False),
    ("英文/数字", "etf", False),
    ("两字 + 分类", "赎回", True),
    ("常见词 + 分类", "客户", True),
    ("多词 + 分类", "基金 赎回 手续费", True),
]


def _weights() -> list[float]:
    return [1 / (rank + 1) ** 0.8 for rank in range(len(VOCABULARY))]


def sentence(rng: random.Random, weights: list[float]) -> str:
    words = rng.choices(VOCABULARY, weights, k=rng.randint(4, 9))
    parts = []
    for word in words:
        parts.append(word)
        if rng.random() < 0.4:
            parts.append(rng.choice(FILLERS))
        if rng.random() < 0.15:
            parts.append(rng.choice(PUNCTUATION))
    return "".join(parts) + "。"


def article_text(rng: random.Random, weights: list[float], sentences: int) -> str:
    text_ = "".join(sentence(rng, weights) for _ in range(sentences))
    if rng.random() < 0.02:
        text_ += f"{rng.choice(RARE)}产品说明。"
    if rng.random() < 0.03:
        text_ += f"ETF{rng.randint(2020, 2026)}年度说明。"
    return text_


def load(count: int) -> list[int]:
    """Categories, articles, their live versions and search rows, set-based; returns the category ids."""
    rng, weights = random.Random(SEED), _weights()
    session = db.session
    author_id = session.scalar(select(User.id).order_by(User.id).limit(1))
    tops = [session.scalar(insert(KbCategory).values(name=name, sort_order=0, active=True,
                                                     created_at=datetime.now(UTC)).returning(KbCategory.id))
            for name in ("产品知识", "业务规则", "客户服务", "合规风控")]
    leaves = [session.scalar(insert(KbCategory).values(name=f"{name}-{n}", parent_id=top, sort_order=n, active=True,
                                                       created_at=datetime.now(UTC)).returning(KbCategory.id))
              for top, name in zip(tops, ("基金", "流程", "话术", "反洗钱"), strict=True) for n in range(1, 4)]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    next_id = 1
    while next_id <= count:
        ids = range(next_id, min(count, next_id + BATCH - 1) + 1)
        articles, versions, rows = [], [], []
        for article_id in ids:
            category = rng.choice(leaves)
            title = "".join(rng.choices(VOCABULARY, weights, k=rng.randint(2, 4)))
            body = article_text(rng, weights, rng.randint(6, 12))
            attachment = article_text(rng, weights, rng.randint(4, 8)) if rng.random() < 0.2 else ""
            published = start + timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
            articles.append({"id": article_id, "category_id": category, "author_id": author_id,
                             "created_at": published, "updated_at": published})
            versions.append({"id": article_id, "article_id": article_id, "number": 1, "title": title,
                             "body_html": f"<p>{body}</p>", "body_text": body, "status": VersionStatus.PUBLISHED,
                             "author_id": author_id, "reviewed_at": published, "review_comment": "", "source": "",
                             "created_at": published})
            rows.append({"article_id": article_id, "version_id": article_id, "category_id": category, "title": title,
                         "body": body, "attachment_text": attachment, "terms": search_terms(title, body, attachment),
                         "published_at": published})
        session.execute(insert(KbArticle.__table__), articles)
        session.execute(insert(KbArticleVersion.__table__), versions)
        session.execute(insert(KbSearchRow.__table__), rows)
        next_id = ids[-1] + 1
    session.execute(update(KbArticle).values(live_version_id=KbArticle.id))
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE"))
        session.commit()
    return tops


def median_p95(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]


def timed(work: Any, runs: int) -> tuple[float, float, Any]:
    """Median and p95 milliseconds of ``work`` after one warm-up run, and the warm-up's result."""
    first = work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return (*median_p95(samples), first)


def baseline(query: str, categories: list[int] | None) -> Any:
    word = query.split()[0]
    where = " AND category_id IN (" + ",".join(map(str, categories)) + ")" if categories else ""
    return db.session.execute(text("SELECT article_id FROM kb_search WHERE body LIKE :p" + where  # noqa: S608
                                   + " ORDER BY published_at DESC LIMIT 21"), {"p": f"%{word}%"}).all()


def run(kind: str, count: int, runs: int) -> list[tuple[str, float, float]]:
    with scratch_app(kind) as app:  # the small demo: users to be the authors
        if app is None:
            print(f"{kind}: not reachable, skipped")
            return []
        started = time.perf_counter()
        tops = load(count)
        print(f"\n{kind}: {count:,} articles loaded and indexed in {time.perf_counter() - started:.1f} s")
        print(f"{'query':<22}{'words':<20}{'hits p1':>8}{'median':>9}{'p95':>9}{'LIKE':>9}{'ratio':>7}")
        figures = []
        for label, query, filtered in QUERIES:
            category = tops[0] if filtered else None
            subtree = kb_search.category_subtree(db.session, category) if category else None
            median, p95, page = timed(lambda q=query, c=category: kb_search.search(db.session, q, category_id=c), runs)
            like, _like95, _rows = timed(lambda q=query, s=subtree: baseline(q, s), max(5, runs // 3))
            figures.append((label, median, p95))
            print(f"{label:<22}{query:<20}{len(page.hits):>8}{median:>8.1f}ms{p95:>7.1f}ms{like:>7.1f}ms"
                  f"{median / like if like else 0:>7.2f}")
            db.session.rollback()
        medians, p95s = [f[1] for f in figures], [f[2] for f in figures]
        print(f"all queries: median of medians {statistics.median(medians):.1f} ms, "
              f"worst median {max(medians):.1f} ms, worst p95 {max(p95s):.1f} ms")
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    print(machine())
    for kind in ("sqlite", "postgresql"):
        if args.only in (None, kind):
            run(kind, args.articles, args.runs)


if __name__ == "__main__":
    main()
