"""Import every model module so the metadata is complete (Alembic autogenerate, tests)."""

from app import sequences  # noqa: F401
from app.admin import models as admin_models  # noqa: F401
from app.audit import models as audit_models  # noqa: F401
from app.auth import models as auth_models  # noqa: F401
from app.auth import throttle as auth_throttle  # noqa: F401
from app.callcentre import models as callcentre_models  # noqa: F401
from app.care import models as care_models  # noqa: F401
from app.chat import models as chat_models  # noqa: F401
from app.customers import models as customer_models  # noqa: F401
from app.customers import search as customer_search  # noqa: F401
from app.designer import models as designer_models  # noqa: F401
from app.followups import models as followup_models  # noqa: F401
from app.grading import models as grading_models  # noqa: F401
from app.hr import models as hr_models  # noqa: F401
from app.hr import staff_models  # noqa: F401
from app.kb import models as kb_models  # noqa: F401
from app.members import models as member_models  # noqa: F401
from app.mining import models as mining_models  # noqa: F401
from app.mining import rule_models as mining_rule_models  # noqa: F401
from app.mining import run_models as mining_run_models  # noqa: F401
from app.mining import task_models as mining_task_models  # noqa: F401
from app.notices import models as notices_models  # noqa: F401
from app.oa import models as oa_models  # noqa: F401
from app.org import models as org_models  # noqa: F401
from app.plans import models as plan_models  # noqa: F401
from app.pools import handover_models  # noqa: F401
from app.pools import models as pool_models  # noqa: F401
from app.products import models as product_models  # noqa: F401
from app.qa import models as qa_models  # noqa: F401
from app.quotas import models as quota_models  # noqa: F401
from app.surveys import models as survey_models  # noqa: F401
from app.trades import models as trade_models  # noqa: F401
from app.workflow import models as workflow_models  # noqa: F401
from scheduler import models as scheduler_models  # noqa: F401
