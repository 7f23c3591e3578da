"""The demo campaign: deterministic synthetic customer lists with every messy case of SPEC §4."""

from __future__ import annotations

import csv
import os
import random
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import xlsxwriter
from faker import Faker

from flows.shared.columns import CANONICAL_COLUMNS
from flows.shared.config import load_campaign
from flows.shared.files import atomic_path, sha256_file
from flows.shared.settings import SHIPPED_CONFIG_DIR, Paths

DEMO_CAMPAIGN = "RC-2026-017"
DEMO_AS_OF = date(2026, 10, 15)
ANNOUNCED = date(2026, 9, 1)
SEED = 2026017
PRICES = (199, 259, 299, 399, 1299)


@dataclass(frozen=True)
class People:
    """Pools of fake people, so millions of rows need not call Faker per row."""

    zh: list[tuple[str, str]]
    en: list[tuple[str, str]]

    @classmethod
    def make(cls, seed: int, size: int = 1500) -> People:
        def pool(locale: str) -> list[tuple[str, str]]:
            fake = Faker(locale)
            fake.seed_instance(seed)
            return [(fake.name(), fake.address().replace("\n", " ")) for _ in range(size)]

        return cls(zh=pool("zh_CN"), en=pool("en_US"))


def _serial(number: int) -> str:
    """A distinct in-range serial per row number below 99,900 (48271 is coprime to it)."""
    return f"K3A{(number * 48271) % 99900 + 100:06d}"


def _phone(number: int, zh: bool) -> str:
    """A phone number distinct per row (mainland mobile or a US test number)."""
    return f"13{number % 10}{number:08d}"[-11:] if zh else f"+1 555 {number:07d}"


def claim_rows(
    rng: random.Random, people: People, count: int, start_id: int
) -> Iterator[dict[str, str]]:
    """Canonical rows as text; about 1 in 9 carries one of the messy cases."""
    for number in range(start_id, start_id + count):
        zh = rng.random() < 0.6
        name, address = rng.choice(people.zh if zh else people.en)
        bought = date(2025, 1, 1) + timedelta(days=rng.randint(0, 606))
        claimed = ANNOUNCED + timedelta(days=rng.randint(-3, (DEMO_AS_OF - ANNOUNCED).days))
        harm = rng.choices(["none", "property", "injury"], [88, 10, 2])[0]
        expense_type = rng.choice(
            ["transport", "postage", "repair", "property_damage", "legal", ""]
        )
        row = {
            "source_record_id": f"{number:08d}",
            "customer_name": name,
            "phone": _phone(number, zh) if rng.random() < 0.97 else "",
            "email": f"user{number}@example.{'cn' if zh else 'com'}" if rng.random() < 0.5 else "",
            "postal_address": address if rng.random() < 0.6 else "",
            "sku": rng.choice(["K3-220", "K3-110"]),
            "serial_no": _serial(number),
            "purchase_date": bought.isoformat(),
            "purchase_price": f"{rng.choice(PRICES)}.{rng.choice(['00', '50', '99'])}",
            "quantity": rng.choice(["", "1", "1", "1", "2", "3"]),
            "claim_date": claimed.isoformat(),
            "region": rng.choice(["华东", "华北", "华南", "西南", "East", "North"]),
            "language": "zh-CN" if zh else "en",
            "harm": harm,
            "documented_expenses": f"{rng.randint(0, 900)}.00" if expense_type else "",
            "expense_type": expense_type,
            "expense_evidence": rng.choice(["yes", "no", "是", "否", ""]),
            "flags": rng.choices(["", "vip", "media", "lawyer"], [94, 3, 2, 1])[0],
        }
        _make_messy(rng, row)
        yield row


def _make_messy(rng: random.Random, row: dict[str, str]) -> None:
    """Give some rows a problem a real retailer export has."""
    roll = rng.random()
    cases = [
        (0.010, {"purchase_date": "2026-02-30"}),
        (0.020, {"purchase_date": "last spring"}),
        (0.030, {"purchase_price": "12,99.9x"}),
        (0.038, {"documented_expenses": "-35.00", "expense_type": "transport"}),
        (0.046, {"phone": "", "email": "", "postal_address": ""}),
        (0.060, {"serial_no": f"K3A{rng.randint(100000, 199999)}"}),
        (0.068, {"serial_no": f"K3B{rng.randint(100, 99999):06d}"}),
        (0.078, {"sku": "K2-220"}),
        (0.086, {"purchase_date": "2024-11-11"}),
        (0.092, {"claim_date": "2026-12-01"}),
        (0.100, {"quantity": "two"}),
        (0.106, {"harm": "severe"}),
        (0.111, {"customer_name": ""}),
    ]
    for threshold, change in cases:
        if roll < threshold:
            row.update(change)
            return


def _customer_with_many_units(
    rng: random.Random, people: People, start_id: int
) -> list[dict[str, str]]:
    """One customer registering more kettles than max_units_per_customer allows unreviewed."""
    rows = list(claim_rows(rng, people, 6, start_id))
    for row in rows:
        row.update(
            phone="13800138000",
            email="",
            postal_address="",
            harm="none",
            purchase_date="2026-03-05",
            quantity="1",
        )
    return rows


def _headers(config_file: Path, source_name: str) -> dict[str, str]:
    """canonical column → the retailer's header, from the campaign's source mapping."""
    source = next(s for s in load_campaign(config_file).sources if s.name == source_name)
    return {canonical: header for header, canonical in source.columns.items()}


def write_csv(target: Path, header: list[str], rows: list[list[str]], encoding: str) -> None:
    with atomic_path(target) as tmp, tmp.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _iso_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _write_xlsx(target: Path, headers: dict[str, str], rows: list[dict[str, str]]) -> None:
    """An XLSX the way a store exports it: real date cells where the value is a date."""
    with atomic_path(target) as tmp:
        book = xlsxwriter.Workbook(tmp)
        book.set_properties({"created": datetime(2026, 10, 8)})  # same bytes on every call
        sheet = book.add_worksheet("claims")
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, list(headers.values()))
        for line, row in enumerate(rows, start=1):
            for col, canonical in enumerate(headers):
                value = row.get(canonical, "")
                if canonical == "purchase_date" and (when := _iso_day(value)):
                    sheet.write_datetime(line, col, when, day)
                else:
                    sheet.write_string(line, col, value)
        book.close()


def write_demo(paths: Paths) -> list[Path]:
    """Write the demo campaign's config (if missing) and inbox files; same bytes every call.

    Returns the customer-list files; the review decisions go to inbox/<c>/reviews/.
    """
    config_file = paths.campaign_file(DEMO_CAMPAIGN)
    shipped = {
        config_file: SHIPPED_CONFIG_DIR / "campaigns" / config_file.name,
        paths.config_dir / "approvals.toml": SHIPPED_CONFIG_DIR / "approvals.toml",
    }
    for target, source in shipped.items():
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    rng = random.Random(SEED)
    people = People.make(SEED)
    jd = list(claim_rows(rng, people, 4000, 1))
    suning = list(claim_rows(rng, people, 3000, 10001))
    portal = list(claim_rows(rng, people, 2994, 20001)) + _customer_with_many_units(
        rng, people, 30001
    )
    for row in rng.sample(jd, 60):  # the same unit claimed again through the portal
        twin = dict(rng.choice(portal))
        twin.update(sku=row["sku"], serial_no=row["serial_no"], purchase_date=row["purchase_date"])
        portal.append(twin | {"source_record_id": f"D{row['source_record_id']}"})
    inbox = paths.inbox(DEMO_CAMPAIGN, "lists")
    inbox.mkdir(parents=True, exist_ok=True)

    jd_map = _headers(config_file, "jd_online")
    jd_cols = list(jd_map)
    write_csv(
        inbox / "jd_2026-10-01.csv",
        [jd_map[c] for c in jd_cols],
        [[r.get(c, "") for c in jd_cols] for r in jd],
        "gb18030",
    )

    _write_xlsx(inbox / "suning_2026-10-08.xlsx", _headers(config_file, "suning_stores"), suning)

    vip_lines = []
    for row in claim_rows(rng, people, 3, 30101):  # clean VIP claims a reviewer decides on
        row.update(flags="vip", harm="none", documented_expenses="", expense_type="")
        vip_lines.append(len(portal) + 2)  # header is line 1
        portal.append(row)
    portal_cols = [c for c in CANONICAL_COLUMNS if c not in ("lot_code", "channel", "cure_ref")]
    portal_file = inbox / "portal_2026-10-14.csv"
    write_csv(
        portal_file, portal_cols, [[r.get(c, "") for c in portal_cols] for r in portal], "utf-8"
    )
    decisions = _write_decisions(
        paths, [f"{sha256_file(portal_file)[:12]}-{n:07d}" for n in vip_lines]
    )
    lists = [inbox / "jd_2026-10-01.csv", inbox / "suning_2026-10-08.xlsx", portal_file]
    dropped_a_while_ago([*lists, decisions])
    return sorted(inbox.iterdir())


def dropped_a_while_ago(files: Iterable[Path]) -> None:
    """Date the demo's inbox files back past the settle delay (RECALL_INBOX_SETTLE_SECONDS):
    the demo writes each file whole and runs at once, where a real file would have sat in the
    inbox since it arrived. Runs check them like any other file; only their time is set."""
    from flows.shared.inbox import settle_seconds

    past = time.time() - settle_seconds() - 60
    for path in files:
        os.utime(path, (past, past))


def _write_decisions(paths: Paths, vip_claims: list[str]) -> Path:
    """Review decisions: approve, override, reject, one unknown claim, one decided twice."""
    folder = paths.inbox(DEMO_CAMPAIGN, "reviews")
    folder.mkdir(parents=True, exist_ok=True)
    approve, override, refuse = vip_claims
    reviewer = "Wang Fang"
    target = folder / "decisions_2026-10-15.csv"
    write_csv(
        target,
        ["claim_id", "decision", "amount", "reviewer", "note"],
        [
            [approve, "approve", "", reviewer, "VIP, standard terms"],
            [override, "override", "88.00", reviewer, "goodwill gesture"],
            [refuse, "reject", "", reviewer, "unit was resold"],
            ["000000000000-0000001", "approve", "", reviewer, "typo in the id"],
            [approve, "reject", "", "Chen Jie", "second opinion"],
        ],
        "utf-8",
    )
    return target
