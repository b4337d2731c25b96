"""Demo knowledge base: a small category tree and published articles on products, compliant wording and
common questions (written by hr01, approved by the 知识审核员 kb01), plus one draft."""

from __future__ import annotations

from app import clock
from app.database import DbSession
from app.demo import DemoContext, loader
from app.kb import articles, categories, search_index
from app.kb.models import VersionStatus

ARTICLES = [
    ("固收类", "稳盈 180 天理财计划产品介绍",
     "<h3>产品要素</h3><ul><li>产品期限：180 天，封闭运作</li><li>业绩比较基准：年化 3.6%–4.0%（不代表实际收益）</li>"
     "<li>起购金额：1 万元，按 1 千元递增</li><li>风险等级：R2（中低风险），适合稳健型及以上客户</li></ul>"
     "<h3>收益与赎回</h3><p>封闭期内不可赎回；到期后本金与收益在 T+2 个工作日内划回客户银行账户。</p>"),
    ("权益类", "进取成长混合型理财产品介绍",
     "<p>主要投资于沪深两市优质成长股与可转债，权益仓位 40%–80%，风险等级 R4，仅适合积极型、激进型客户。</p>"
     "<p>每周二开放申购与赎回，赎回款 T+3 个工作日到账；持有不满 30 天赎回收取 1.5% 赎回费。</p>"),
    ("合规话术", "理财产品销售合规话术要点",
     "<p><strong>必须说：</strong>“理财非存款，产品有风险，投资须谨慎。”</p>"
     "<p><strong>禁止说：</strong>“保本保收益”“稳赚不赔”“收益肯定比存款高”。业绩比较基准不等于实际收益，"
     "过往业绩不代表未来表现。</p><p>销售过程须双录（录音录像），并在系统中如实记录客户风险测评结果。</p>"),
    ("常见问题", "客户问：理财产品可以提前赎回吗？",
     "<p>封闭式产品在封闭期内不能提前赎回；开放式产品在开放日可以申请赎回，部分产品持有期较短时收取赎回费。</p>"
     "<p>建议坐席先在客户 360 页查看客户持有的产品类型，再按产品说明书答复，不要承诺到账时间以外的事项。</p>"),
]


@loader("kb")
def load_demo(session: DbSession, ctx: DemoContext) -> None:
    author, reviewer = ctx.users["hr01"], ctx.users["kb01"]
    product = categories.create(session, name="产品知识", parent_id=None, sort_order=1)
    by_name = {"产品知识": product}
    by_name["固收类"] = categories.create(session, name="固收类", parent_id=product.id, sort_order=1)
    by_name["权益类"] = categories.create(session, name="权益类", parent_id=product.id, sort_order=2)
    by_name["合规话术"] = categories.create(session, name="合规话术", parent_id=None, sort_order=2)
    by_name["常见问题"] = categories.create(session, name="常见问题", parent_id=None, sort_order=3)
    now = clock.now()
    for category, title, body in ARTICLES:
        article = articles.create_draft(session, author, category_id=by_name[category].id, title=title,
                                        body_html=body)
        version = articles.latest_version(session, article)
        version.status = VersionStatus.PUBLISHED
        version.submitted_at = version.reviewed_at = now
        version.reviewed_by_id, version.review_comment = reviewer.id, "内容准确，同意发布"
        article.live_version_id = version.id
        session.flush()
        search_index.index_live_version(session, article.id)
    articles.create_draft(session, author, category_id=by_name["常见问题"].id, title="客户问：收益什么时候到账？",
                          body_html="<p>（草稿）按产品说明书约定的兑付日到账，一般为到期后 T+2 个工作日。</p>")
