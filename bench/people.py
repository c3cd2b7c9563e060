"""The people the benchmarks register: a distinct valid ID number and a registration form per
sequence number, the same for every part (tests/e2e/test_registration_burst.py and
tests/faults/test_registration_faults.py build the same people with the same formula). Not a
part: it sets no environment (zhtj.core.identity reads none), so the local-stack part can use it."""

from __future__ import annotations

from typing import Any

from zhtj.core.identity import check_character


def id_number(i: int) -> str:
    """A valid resident ID number of Guangzhou (440106), one per i: born 2000 + i // 365."""
    body = f"440106{2000 + i // 365:04d}{1 + (i % 365) // 31 % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
    return body + check_character(body)


def person(i: int, branch_id: str) -> dict[str, Any]:
    """The registration form (POST /registrations) of person `i` for a branch."""
    return {
        "name": "团员" + "甲乙丙丁戊己庚辛壬癸"[i % 10] + "子丑寅卯辰巳午未申酉"[i // 10 % 10],
        "id_number": id_number(i),
        "ethnicity": "01",
        "political_status": "03",
        "join_month": "2021-05",
        "branch_id": branch_id,
        "is_cadre": False,
        "development_number": f"2021{i:08d}",
    }
