"""IP truncation of the scan log."""

import pytest

from app.scans import truncate_ip


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("10.1.2.255", "10.1.2.0"),
        ("2001:db8:abcd:12:3456::1", "2001:db8:abcd::"),
        ("::ffff:198.51.100.9", "198.51.100.0"),
        ("", None),
        (None, None),
        ("not-an-address", None),
    ],
)
def test_truncate_ip_keeps_the_network_part_only(address, expected):
    assert truncate_ip(address) == expected
