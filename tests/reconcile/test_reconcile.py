"""Reconcile flow: every class, idempotent payout loading, reissue chains, reports, alerts."""

from __future__ import annotations

import csv
import shutil
import subprocess
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli.main import app
from flows.shared.columns import PAYOUT_COLUMNS
from tests.conftest import AS_OF, CAMPAIGN, Workspace, make_workspace, row

ROUNDS = (date(2026, 10, 22), date(2026, 10, 29), date(2026, 11, 20))
INJECTED = '=HYPERLINK("http://evil.example","click")'
NAMES = {"outstanding_b": INJECTED}
IDS = [
    "matched",
    "underpaid",
    "overpaid",
    "duplicate",
    "currency",
    "failed_then_paid",
    "returned",
    "unpayable",
    "outstanding_a",
    "outstanding_b",
]
HEADER = list(PAYOUT_COLUMNS)


def claim_rows() -> list[dict[str, str]]:
    return [
        row(
            source_record_id=rid,
            serial_no=f"K3A{5000 + n:06d}",
            customer_name=NAMES.get(rid, f"Customer {n}"),
            email=f"c{n}@example.cn",
        )
        for n, rid in enumerate(IDS)
    ]


def write_payouts(space: Workspace, name: str, rows: list[list[str]]) -> Path:
    folder = space.paths.inbox(CAMPAIGN, "payouts")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return target


def instructions(space: Workspace) -> dict[str, tuple[str, Decimal]]:
    """source_record_id → (payment_ref, amount) of the chain's newest instruction."""
    found = space.query(
        "select c.source_record_id, p.payment_ref, p.amount from payment_instructions p "
        "join claims c using (claim_id) order by coalesce(p.attempt, 1)"
    )
    return {rid: (ref, amount) for rid, ref, amount in found}


def payout_classes(space: Workspace) -> dict[str, str]:
    """provider_txn_id → class."""
    return dict(
        space.query("select provider_txn_id, class from reconciliation_items where item = 'payout'")
    )


@pytest.fixture(scope="module")
def reconciled(tmp_path_factory: pytest.TempPathFactory):
    """intake → compensate → three reconcile rounds over payout files that hit every class."""
    from flows.reconcile.flow import reconcile

    with pytest.MonkeyPatch.context() as patch:
        space = make_workspace(tmp_path_factory.mktemp("reconcile"), patch)
        space.write_csv("a.csv", claim_rows())
        space.intake()
        space.compensate()
        refs = instructions(space)
        d1, d2, d3 = (str(d) for d in ROUNDS)

        def pay(rid: str, txn: str, status: str = "paid", delta: str = "0", ccy: str = "CNY"):
            ref, amount = refs[rid]
            return [ref, txn, str(amount + Decimal(delta)), ccy, status, d1, ""]

        first = write_payouts(
            space,
            "payouts_1.csv",
            [
                pay("matched", "T-1"),
                pay("underpaid", "T-2", delta="-10.00"),
                pay("overpaid", "T-3", delta="5.00"),
                pay("duplicate", "T-4"),
                pay("duplicate", "T-5"),
                pay("currency", "T-6", ccy="USD"),
                pay("failed_then_paid", "T-7", status="failed"),
                pay("returned", "T-8"),
                [*pay("returned", "T-9", status="returned")[:6], "AC04"],
                pay("unpayable", "T-10", status="failed"),
                ["PR-FFFFFFFFFFFFFFFF", "T-11", "12.00", "CNY", "paid", d1, ""],
                [refs["matched"][0], "T-12", "abc", "CNY", "paid", d1, ""],  # quarantined
            ],
        )
        shutil.copy(first, first.with_name("payouts_1_again.csv"))  # same file twice
        # a second file repeating a payout already loaded (T-1) and one more line
        write_payouts(space, "payouts_2.csv", [pay("matched", "T-1")])
        summaries = [reconcile(CAMPAIGN, ROUNDS[0])]
        refs = instructions(space)
        write_payouts(
            space,
            "payouts_3.csv",
            [
                [
                    refs["failed_then_paid"][0],
                    "T-20",
                    str(refs["failed_then_paid"][1]),
                    "CNY",
                    "paid",
                    d2,
                    "",
                ],
                [refs["unpayable"][0], "T-21", str(refs["unpayable"][1]), "CNY", "failed", d2, ""],
            ],
        )
        summaries.append(reconcile(CAMPAIGN, ROUNDS[1]))
        refs = instructions(space)
        write_payouts(
            space,
            "payouts_4.csv",
            [[refs["unpayable"][0], "T-30", str(refs["unpayable"][1]), "CNY", "failed", d3, ""]],
        )
        summaries.append(reconcile(CAMPAIGN, ROUNDS[2]))
        yield space, summaries


def test_every_instruction_lands_in_its_class(reconciled):
    space, _ = reconciled
    chains = dict(
        space.query(
            "select c.source_record_id, list(r.class order by p.attempt) "
            "from reconciliation_items r join payment_instructions p using (payment_ref) "
            "join claims c on c.claim_id = r.claim_id where r.item = 'instruction' group by 1"
        )
    )
    assert chains == {
        "matched": ["matched"],
        "underpaid": ["underpaid"],
        "overpaid": ["overpaid"],
        "duplicate": ["duplicate_payment"],
        "currency": ["currency_mismatch"],
        "failed_then_paid": ["failed", "matched"],  # reissued, and the reissue was paid
        "returned": ["failed", "outstanding"],  # paid then returned: reissued, not paid yet
        "unpayable": ["failed", "failed", "unpayable"],  # max_reissues = 2
        "outstanding_a": ["outstanding"],
        "outstanding_b": ["outstanding"],
    }


def test_every_payout_lands_in_its_class(reconciled):
    space, _ = reconciled
    assert payout_classes(space) == {
        "T-1": "matched",
        "T-2": "underpaid",
        "T-3": "overpaid",
        "T-4": "matched",
        "T-5": "duplicate_payment",
        "T-6": "currency_mismatch",
        "T-7": "failed",
        "T-8": "failed",  # paid, then given back by T-9
        "T-9": "failed",
        "T-10": "failed",
        "T-11": "unknown_ref",
        "T-20": "matched",
        "T-21": "failed",
        "T-30": "failed",
    }


def test_a_payout_file_loaded_twice_counts_once(reconciled):
    space, summaries = reconciled
    statuses = {f.file_name: f.status for f in summaries[0].files}
    assert statuses["payouts_1.csv"] == "loaded"
    assert statuses["payouts_1_again.csv"] == "skipped"  # same sha256
    assert space.query("select count(*) from payouts where provider_txn_id = 'T-1'") == [(1,)]
    assert space.query(
        "select reasons, line_no from payout_quarantine where source_file = 'payouts_1.csv'"
    ) == [("bad_amount", 13)]


def test_reissues_get_new_refs_and_instruction_files(reconciled):
    space, summaries = reconciled
    assert [s.reissued for s in summaries] == [3, 1, 0]
    chain = space.query(
        "select payment_ref, reissue_of, attempt, chain_ref from payment_instructions "
        "join claims using (claim_id) where source_record_id = 'unpayable' order by attempt"
    )
    assert [c[2] for c in chain] == [1, 2, 3]
    assert chain[1][1] == chain[0][0] and chain[2][1] == chain[1][0]
    assert chain[1][3] == chain[2][3] == chain[0][0]
    assert len({c[0] for c in chain}) == 3
    files = sorted(p.name for p in space.paths.out(CAMPAIGN, "instructions").iterdir())
    assert files[1:] == [f"{ROUNDS[0]}-20261022-001.csv", f"{ROUNDS[1]}-20261029-001.csv"]


def test_totals_tie_out_and_aging(reconciled):
    _, summaries = reconciled
    t = summaries[-1].totals
    instructed = sum(Decimal(r[1]) for r in instructions_amounts(reconciled))
    assert t["instructed"] == instructed
    assert t["paid"] + t["outstanding"] + t["failed_not_reissued"] == t["instructed"]
    assert [(u.kind, u.currency, u.net) for u in summaries[-1].unmatched] == [
        ("currency_mismatch", "USD", Decimal(refs_amount(reconciled, "currency"))),
        ("unknown_ref", "CNY", Decimal("12.00")),
    ]
    folder = summaries[-1].reports
    with (folder / "aging.csv").open(encoding="utf-8") as handle:
        aging = {r["aging"]: int(r["instructions"]) for r in csv.DictReader(handle)}
    # as of 2026-11-20: the reissue of 2026-10-22 is 29 days old, the originals 36
    assert aging == {"0-7": 0, "8-30": 1, ">30": 2}


def refs_amount(reconciled, rid: str) -> str:
    space, _ = reconciled
    ((amount,),) = space.query(
        "select p.amount::varchar from payment_instructions p join claims c using (claim_id) "
        "where c.source_record_id = ?",
        [rid],
    )
    return amount


def instructions_amounts(reconciled) -> list[tuple[str, str]]:
    space, _ = reconciled
    return space.query(
        "select payment_ref, amount::varchar from payment_instructions where attempt = 1"
    )


def test_a_formula_in_a_name_is_inert_in_csv_and_xlsx(reconciled):
    _, summaries = reconciled
    folder = summaries[-1].reports
    with (folder / "exceptions.csv").open(encoding="utf-8") as handle:
        payees = [r["payee"] for r in csv.DictReader(handle)]
    assert "'" + INJECTED in payees and INJECTED not in payees
    with zipfile.ZipFile(folder / "reconciliation.xlsx") as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        xml = "".join(book.read(n).decode() for n in sheets)
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "<f>" not in xml  # no formula cell anywhere
    assert "&apos;=HYPERLINK(" in strings or "'=HYPERLINK(" in strings


def test_workbook_has_the_six_sheets(reconciled):
    import fastexcel

    _, summaries = reconciled
    reader = fastexcel.read_excel(summaries[-1].reports / "reconciliation.xlsx")
    assert reader.sheet_names == [
        "Summary",
        "Exceptions",
        "By tier",
        "By region",
        "Aging",
        "Payout files",
    ]
    summary = reader.load_sheet("Summary").to_polars()
    assert "headroom" in summary["metric"].to_list()


def test_html_report_renders_in_headless_chromium_without_network(reconciled, tmp_path):
    _, summaries = reconciled
    html = summaries[-1].reports / "reconciliation.html"
    text = html.read_text(encoding="utf-8")
    assert "<script" not in text and 'src="http' not in text and 'href="http' not in text
    assert text.count("<svg") == 2  # burn-down and by-tier charts, inline
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: `make test` installs it (scripts/sysdeps.sh)")
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--proxy-server=127.0.0.1:9",  # any network request would fail
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1200,2400",
            f"--screenshot={shot}",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1_000_000) or []
    assert image.size == (1200, 2400) and len(colours) > 50  # drawn, not a blank page


def test_an_error_alert_fails_the_run_after_writing_the_reports(workspace: Workspace):
    from flows.reconcile.flow import ReconciliationAlert, reconcile

    workspace.write_csv("a.csv", claim_rows()[:2])
    workspace.intake()
    workspace.compensate()
    workspace.configure('reserve = "2500000.00"', 'reserve = "100.00"')  # now over-committed
    with pytest.raises(ReconciliationAlert, match="headroom is -"):
        reconcile(CAMPAIGN, ROUNDS[0])
    folder = workspace.paths.out(CAMPAIGN, "reports") / str(ROUNDS[0])
    assert (folder / "reconciliation.xlsx").exists() and (folder / "reconciliation.html").exists()
    assert workspace.query("select status from runs where flow = 'reconcile'") == [("failed",)]
    result = CliRunner().invoke(
        app, ["run", "reconcile", "-c", CAMPAIGN, "--as-of", str(ROUNDS[1])]
    )
    assert result.exit_code == 1 and "headroom is -" in result.output


def test_reconcile_with_nothing_to_do_is_clean(workspace: Workspace):
    from flows.reconcile.flow import reconcile

    summary = reconcile(CAMPAIGN, AS_OF)
    assert summary.classes == [] and summary.totals["instructed"] == 0 and summary.alerts == []


def test_prefect_artifacts_carry_counts_and_money_only(reconciled):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
        FlowRunFilter,
        TaskRunFilter,
    )
    from prefect.client.schemas.sorting import ArtifactSort

    space, summaries = reconciled
    (flow_run_id,) = space.query(
        "select prefect_flow_run_id from runs where run_id = ?", [summaries[-1].run_id]
    )[0]

    def latest(key: str):
        with get_client(sync_client=True) as client:
            return client.read_artifacts(
                artifact_filter=ArtifactFilter(
                    key=ArtifactFilterKey(any_=[key]),
                    flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]),
                ),
                flow_run_filter=FlowRunFilter(),
                task_run_filter=TaskRunFilter(),
                offset=0,
                limit=1,
                sort=ArtifactSort.UPDATED_DESC,
            )[0]

    markdown, table = latest("reconciliation-summary"), latest("reconciliation-classes")
    files = latest("reconciliation-payout-files")
    assert "| headroom |" in str(markdown.data) and "unpayable" in str(table.data)
    assert "payouts_4.csv" in str(files.data) and "payouts_loaded" in str(files.data)
    names = [n for (n,) in space.query("select customer_name from claims")]
    refs = [r for (r,) in space.query("select payment_ref from payment_instructions")]
    for text in (str(markdown.data), str(table.data), str(files.data)):
        assert not any(value in text for value in [*names, *refs, "@example.cn"])


def test_workbook_money_columns_are_formatted_with_frozen_header(reconciled):
    _, summaries = reconciled
    with zipfile.ZipFile(summaries[-1].reports / "reconciliation.xlsx") as book:
        styles = book.read("xl/styles.xml").decode()
        sheet = book.read("xl/worksheets/sheet2.xml").decode()  # Exceptions
        table = book.read("xl/tables/table2.xml").decode()
    assert 'formatCode="#,##0.00"' in styles
    assert 'state="frozen"' in sheet and "<autoFilter" in table


@pytest.mark.parametrize(("utilisation", "warned"), [("0.94", False), ("0.96", True)])
def test_the_utilisation_warning_follows_the_campaign_threshold(utilisation, warned):
    from flows.reconcile.summary import ReservePosition

    zero = Decimal(0)
    position = ReservePosition(
        reserve=Decimal("100.00"),
        top_ups=zero,
        offered=Decimal(utilisation) * 100,
        held_back=zero,
        paid=zero,
        outstanding=zero,
        failed_not_reissued=zero,
        warn_at=Decimal("0.95"),
    )
    assert ("utilisation_high" in [a.code for a in position.alerts()]) is warned
