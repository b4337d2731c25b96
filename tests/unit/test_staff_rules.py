"""Staff profiles without a database: ID numbers masked in lists, and a certificate's state against the
reminder window (到期提醒天数) — the window's last day still counts, an expiry before today is 已过期."""

from datetime import date, timedelta

import pytest

from app.hr.staff_models import CertificateState, StaffCertificate
from rules.identity import mask_id_number

TODAY = date(2026, 6, 17)


def test_an_id_number_shows_only_its_last_four_characters():
    assert mask_id_number("11010519491231002X") == "****002X"
    assert mask_id_number("") == ""


@pytest.mark.parametrize(("expires_in", "state"), [
    (None, CertificateState.PERMANENT), (-1, CertificateState.EXPIRED), (0, CertificateState.EXPIRING),
    (60, CertificateState.EXPIRING), (61, CertificateState.VALID),
])
def test_a_certificate_is_expiring_inside_the_window_and_expired_after_its_date(expires_in, state):
    expires = TODAY + timedelta(days=expires_in) if expires_in is not None else None
    certificate = StaffCertificate(cert_type="fund", number="F1", issued_on=date(2020, 1, 1), expires_on=expires)
    assert certificate.state(TODAY, 60) == state
    assert state.label in {"长期有效", "已过期", "即将到期", "有效"}
