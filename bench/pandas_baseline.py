"""BASELINE, not the product: the intake + compensate rules as an analyst would write them
in pandas (one DataFrame, vectorised string work, Decimal money through `apply`). It exists
to be timed beside `recall` on the same file; it writes nothing but returns its figures.

It covers the rules the generated claims exercise: required fields and contacts, the SPEC
date and amount formats, eligibility (SKU, serial range, purchase window, deadline), one
claim per serial (earliest claim date, then file order), tiers with min/max per unit ×
quantity, the early-response bonus, expenses (reimbursable types, evidence, cap) and review
routing (harm, flags, amount, units per customer). Money is Decimal, half-up to the cent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from flows.shared.config import CampaignConfig

CENT = Decimal("0.01")
EVIDENCE = ("yes", "true", "1", "是")
AMOUNT = re.compile(r"-?\d{1,16}(\.\d{1,2})?")
STRIP = re.compile(r"[¥￥,\s\u00a0\u3000]")


@dataclass(frozen=True)
class PeerResult:
    rows: int
    quarantined: int
    entitled: int
    review: int
    total: Decimal


def money(text: object) -> Decimal | None:
    if not isinstance(text, str) or not text:
        return None
    cleaned = STRIP.sub("", text)
    if not AMOUNT.fullmatch(cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def day(column: pd.Series) -> pd.Series:
    iso = pd.to_datetime(column.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    slash = pd.to_datetime(column, format="%Y/%m/%d", errors="coerce")
    chinese = pd.to_datetime(column, format="%Y年%m月%d日", errors="coerce")
    return iso.fillna(slash).fillna(chinese)


def half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def run(path: Path, config: CampaignConfig, as_of: date) -> PeerResult:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = df.apply(lambda c: c.str.strip())
    rows = len(df)

    # --- intake: parse, quarantine
    df["price"] = df["purchase_price"].apply(money)
    df["expenses"] = df["documented_expenses"].apply(lambda s: Decimal(0) if s == "" else money(s))
    df["purchase_day"] = day(df["purchase_date"])
    df["claim_day"] = day(df["claim_date"]).fillna(pd.Timestamp(as_of))
    df.loc[df["claim_date"] != "", "claim_day"] = day(df.loc[df["claim_date"] != "", "claim_date"])
    df["qty"] = pd.to_numeric(df["quantity"].replace("", "1"), errors="coerce")
    df["harm_norm"] = df["harm"].str.lower().replace("", "none")
    email = df["email"].str.lower()
    phone = df["phone"].str.replace(r"[^0-9+]", "", regex=True)
    bad = (
        (df["source_record_id"] == "")
        | (df["customer_name"] == "")
        | (df["sku"] == "")
        | (df["serial_no"] == "")
        | df["purchase_day"].isna()
        | (df["purchase_day"] > pd.Timestamp(as_of))
        | df["claim_day"].isna()
        | (df["claim_day"] > pd.Timestamp(as_of))
        | df["price"].isna()
        | df["expenses"].isna()
        | df["qty"].isna()
        | (df["qty"] < 1)
        | ~df["harm_norm"].isin(["none", "property", "injury"])
        | ((email == "") & (phone == "") & (df["postal_address"] == ""))
    )
    bad |= df["price"].apply(lambda p: p is not None and p < 0)
    bad |= df["expenses"].apply(lambda e: e is not None and e < 0)
    quarantined = int(bad.sum())
    df = df[~bad].copy()
    by_address = (
        "name:"
        + df["customer_name"].str.lower().str.replace(r"\s+", " ", regex=True)
        + "|"
        + df["postal_address"].str.lower().str.replace(r"\s+", " ", regex=True)
    )
    key = ("email:" + email).where(email != "", ("phone:" + phone).where(phone != "", by_address))
    df["customer_key"] = key[~bad]

    # --- eligibility and one claim per serial
    rules = config.eligibility
    in_range = pd.Series(False, index=df.index)
    for lo, hi in rules.serial_ranges:
        in_range |= (df["serial_no"].str.len() == len(lo)) & df["serial_no"].between(lo, hi)
    start, end = (pd.Timestamp(d) for d in rules.purchase_window)
    eligible = (
        df["sku"].isin(rules.skus)
        & in_range
        & df["purchase_day"].between(start, end)
        & (df["claim_day"] <= pd.Timestamp(config.campaign.claim_deadline))
    )
    df = df[eligible].sort_values(["claim_day"], kind="stable")
    df = df.drop_duplicates(subset="serial_no", keep="first")

    # --- entitlements, row by row for exact money
    tiers = {t.harm: t for t in config.tiers}
    schedule = config.early_response.schedule
    expenses_rules = config.expenses
    announced = pd.Timestamp(config.campaign.announced_on)

    def entitle(r: pd.Series) -> Decimal:
        tier = tiers[r["harm_norm"]]
        unit = half_up(r["price"] * tier.goodwill_pct)
        unit = min(max(unit, tier.goodwill_min), tier.goodwill_max)
        goodwill = unit * int(r["qty"])
        days = max(0, (r["claim_day"] - announced).days)
        rate = next((rate for limit, rate in schedule if days <= limit), Decimal(0))
        bonus = half_up(goodwill * rate)
        spent, kind = r["expenses"], r["expense_type"]
        refused = (
            kind in expenses_rules.excluded
            or kind not in expenses_rules.reimbursable
            or (expenses_rules.require_evidence and r["expense_evidence"] not in EVIDENCE)
        )
        paid = Decimal(0) if spent == 0 or refused else min(spent, tier.expense_cap)
        return goodwill + bonus + paid

    df["total"] = df.apply(entitle, axis=1)
    units = df.groupby("customer_key")["qty"].transform("sum")
    review_flags = set(config.review.flags)
    flagged = df["flags"].apply(lambda f: bool(review_flags & set(f.split(";"))) if f else False)
    review = (
        df["harm_norm"].isin(config.review.harm)
        | flagged
        | (df["total"] > config.review.amount_threshold)
        | (units > config.review.max_units_per_customer)
    )
    return PeerResult(
        rows=rows,
        quarantined=quarantined,
        entitled=len(df),
        review=int(review.sum()),
        total=sum(df["total"], Decimal(0)),
    )


def main() -> None:
    """python -m bench.pandas_baseline FILE CONFIG_DIR AS_OF CAMPAIGN: the figures as JSON."""
    import json
    import sys

    from flows.shared.config import load_campaign

    file, config_dir, as_of, campaign = sys.argv[1:5]
    config = load_campaign(Path(config_dir) / "campaigns" / f"{campaign}.toml")
    result = run(Path(file), config, date.fromisoformat(as_of))
    print(json.dumps({**result.__dict__, "total": str(result.total)}))


if __name__ == "__main__":
    main()
