"""Demo notices: templates, a welcome notice, a department notice, an urgent notice and a major announcement.

In the small (test) data set the pop-ups are already acknowledged by everyone except hr01, so browser
tests of other screens are not interrupted by a modal; the full demo shows them to everybody.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from app import clock
from app.database import DbSession
from app.demo import DemoContext, loader
from app.notices import services
from app.notices.models import Audience, NoticeLevel, NoticeReceipt


@loader("notices")
def load_demo(session: DbSession, ctx: DemoContext) -> None:
    admin = ctx.users["admin"]
    services.create_template(session, name="放假安排通知", title="关于____放假安排的通知",
                             body="各位同事：\n\n根据国家有关规定，现将____放假安排通知如下：\n\n一、放假时间：\n二、值班安排：\n三、注意事项：\n\n"
                                  "综合管理部")
    services.create_template(session, name="系统升级通知", title="系统升级维护通知",
                             body="各位同事：\n\n为提升系统性能，平台将于____进行升级维护，预计持续____。维护期间系统暂停使用，请提前保存工作。\n\n信息技术部")
    services.publish(session, admin, title="欢迎使用 LicaiFlow 理财业务平台",
                     body="各位同事：\n\n新平台已上线：客户、交易、流程审批与日常管理（申请、行事历、待办、纪要、活动、通知、即时通讯）"
                          "都在左侧菜单中。使用中的问题请联系信息技术部。",
                     level=NoticeLevel.NORMAL, major=False, audience=Audience.ALL)
    services.publish(session, admin, title="理财一部：周五下午新年沙龙筹备会",
                     body="请理财一部全体同事周五 15:00 到三楼小会议室参加新年沙龙筹备会，带上各自的邀约名单。",
                     level=NoticeLevel.NORMAL, major=False, audience=Audience.ORG, org_id=ctx.orgs["SH-LC1"].id)
    urgent = services.publish(session, admin, title="台风期间客户拜访安排",
                              body="受台风影响，明日暂停一切线下客户拜访，已约客户请电话致歉并改约。",
                              level=NoticeLevel.URGENT, major=False, audience=Audience.ALL,
                              expires_at=clock.now() + timedelta(days=3))
    major = services.publish(session, admin, title="2026 年度合规经营要求",
                             body="全体员工须于本月底前完成年度合规培训；销售过程必须双录，严禁承诺保本保收益。",
                             level=NoticeLevel.NORMAL, major=True, audience=Audience.ALL)
    if ctx.size == "small":
        now = clock.now()
        session.execute(update(NoticeReceipt).where(NoticeReceipt.notice_id.in_([urgent.id, major.id]),
                                                    NoticeReceipt.user_id != ctx.users["hr01"].id)
                        .values(acknowledged_at=now, read_at=now))
