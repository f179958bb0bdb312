"""Public holidays of Indonesia (hari libur nasional) 2025–2027, off on the TAM calendar.

Taken from the national calendar as published by the `holidays` package (country ID); the
lunar dates of 2027 marked "perkiraan" are estimates until the government's joint decree
(SKB) fixes them. Extend the table each year when the SKB for the next year appears.
"""

from __future__ import annotations

import datetime as dt

_TABLE: tuple[tuple[int, int, int, str], ...] = (
    (2025, 1, 1, "Tahun Baru Masehi"),
    (2025, 1, 27, "Isra Mikraj"),
    (2025, 1, 29, "Tahun Baru Imlek"),
    (2025, 3, 29, "Hari Suci Nyepi"),
    (2025, 3, 31, "Idulfitri"),
    (2025, 4, 1, "Idulfitri hari kedua"),
    (2025, 4, 18, "Wafat Yesus Kristus"),
    (2025, 4, 20, "Kebangkitan Yesus Kristus (Paskah)"),
    (2025, 5, 1, "Hari Buruh Internasional"),
    (2025, 5, 12, "Hari Raya Waisak"),
    (2025, 5, 29, "Kenaikan Yesus Kristus"),
    (2025, 6, 1, "Hari Lahir Pancasila"),
    (2025, 6, 6, "Iduladha"),
    (2025, 6, 27, "Tahun Baru Islam"),
    (2025, 8, 17, "Hari Kemerdekaan RI"),
    (2025, 9, 5, "Maulid Nabi Muhammad SAW"),
    (2025, 12, 25, "Hari Raya Natal"),
    (2026, 1, 1, "Tahun Baru Masehi"),
    (2026, 1, 16, "Isra Mikraj"),
    (2026, 2, 17, "Tahun Baru Imlek"),
    (2026, 3, 19, "Hari Suci Nyepi"),
    (2026, 3, 21, "Idulfitri"),
    (2026, 3, 22, "Idulfitri hari kedua"),
    (2026, 4, 3, "Wafat Yesus Kristus"),
    (2026, 4, 5, "Kebangkitan Yesus Kristus (Paskah)"),
    (2026, 5, 1, "Hari Buruh Internasional"),
    (2026, 5, 14, "Kenaikan Yesus Kristus"),
    (2026, 5, 27, "Iduladha"),
    (2026, 5, 31, "Hari Raya Waisak"),
    (2026, 6, 1, "Hari Lahir Pancasila"),
    (2026, 6, 16, "Tahun Baru Islam"),
    (2026, 8, 17, "Hari Kemerdekaan RI"),
    (2026, 8, 25, "Maulid Nabi Muhammad SAW"),
    (2026, 12, 25, "Hari Raya Natal"),
    (2027, 1, 1, "Tahun Baru Masehi"),
    (2027, 1, 5, "Isra Mikraj"),
    (2027, 2, 6, "Tahun Baru Imlek"),
    (2027, 3, 8, "Hari Suci Nyepi"),
    (2027, 3, 10, "Idulfitri"),  # perkiraan
    (2027, 3, 11, "Idulfitri hari kedua"),  # perkiraan
    (2027, 3, 26, "Wafat Yesus Kristus"),
    (2027, 3, 28, "Kebangkitan Yesus Kristus (Paskah)"),
    (2027, 5, 1, "Hari Buruh Internasional"),
    (2027, 5, 6, "Kenaikan Yesus Kristus"),
    (2027, 5, 17, "Iduladha"),  # perkiraan
    (2027, 5, 20, "Hari Raya Waisak"),
    (2027, 6, 1, "Hari Lahir Pancasila"),
    (2027, 6, 6, "Tahun Baru Islam"),
    (2027, 8, 15, "Maulid Nabi Muhammad SAW"),
    (2027, 8, 17, "Hari Kemerdekaan RI"),
    (2027, 12, 25, "Hari Raya Natal"),
    (2027, 12, 26, "Isra Mikraj"),
)

NAMES: dict[dt.date, str] = {dt.date(y, m, d): name for y, m, d, name in _TABLE}
INDONESIA: frozenset[dt.date] = frozenset(NAMES)
