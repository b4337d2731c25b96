"""Import every model module so the metadata is complete (Alembic autogenerate, tests)."""

from app import sequences  # noqa: F401
from app.admin import models as admin_models  # noqa: F401
from app.audit import models as audit_models  # noqa: F401
from app.auth import models as auth_models  # noqa: F401
from app.customers import models as customer_models  # noqa: F401
from app.followups import models as followup_models  # noqa: F401
from app.org import models as org_models  # noqa: F401
from app.pools import models as pool_models  # noqa: F401
