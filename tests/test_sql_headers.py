"""Every statement of sql/ names on line 2 the tables it reads and the one it writes, and the
flows run the statements in an order where each table a statement reads is there: a table of
sql/schema/, a view or frame Python registers, or one a statement run earlier in the same flow
run wrote (temp tables pass data between statements; only this order makes them)."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from flows.scale.options import RunOptions
from flows.shared import db
from flows.shared.settings import SQL_DIR
from tests.conftest import AS_OF, CAMPAIGN, Workspace, make_workspace, row

LINE_2 = re.compile(r"^-- reads: (?P<reads>[a-z_$, ]+) · writes: (?P<writes>[a-z_]+)$")
STATEMENTS = sorted(
    str(p.relative_to(SQL_DIR).with_suffix(""))
    for p in SQL_DIR.rglob("*.sql")
    if p.parent.name != "schema"
)
# the views and frames Python registers under a fixed name for the statements to read, and where
REGISTERED = {
    "stage_rows": ("flows/intake/flow.py", "flows/intake/requeue.py"),  # inbox.stage_view
    "quarantine_raw": ("flows/intake/flow.py",),  # db.view
    "stage_decisions": ("flows/compensate/reviews.py",),  # inbox.stage_view
    "stage_responses": ("flows/compensate/responses.py",),  # inbox.stage_view
    "stage_payouts": ("flows/reconcile/flow.py",),  # inbox.stage_view
    "manifest_rows": ("flows/letters/flow.py",),  # con.register
    "statement_fates": ("flows/reconcile/statements.py",),  # db.table_of
}
# statements the flow runs below do not run: commands read them (status, export, backup,
# restore), and guards run only when out/ holds files the database does not know
NOT_RUN_HERE = {
    "cli/claims_export",
    "cli/claim_lookup",  # `recall claim`
    "cli/claim_letters",
    "cli/claim_reviews",
    "cli/claim_responses",
    "cli/last_runs",
    "cli/open_exceptions",  # `recall status`
    "cli/payment_position",  # `recall status`
    "cli/reviews_waiting",  # `recall status`
    "shared/latest_runs",
    "shared/reserve_entries",
    "compensate/instructed_unknown",
    "letters/letters_unknown",
    "shared/reserve_ledger_entry",  # `recall reserve add`
    "intake/loaded_list_names",  # `recall requeue --file`
    "letters/letter_folders_unrecorded",  # letter folders a killed run left behind
    "reconcile/statement_loaded_before",  # a bank statement with an account and id
}


def schema_tables() -> set[str]:
    con = db.connect(":memory:")
    try:
        found = con.execute(
            "select table_name from duckdb_tables() where not temporary "
            "union select view_name from duckdb_views() where not temporary and not internal"
        ).fetchall()
    finally:
        con.close()
    return {name for (name,) in found} - {"schema_migrations"}


SCHEMA = schema_tables()


@dataclass(frozen=True)
class Header:
    reads: tuple[str, ...]  # tables and views; `$name`: files named by a bound parameter
    writes: str | None  # None: the statement returns rows and writes nothing


def header(name: str) -> Header:
    lines = db.sql_text(name).splitlines()
    found = LINE_2.match(lines[1]) if len(lines) > 1 else None
    assert found, f"sql/{name}.sql line 2 is not `-- reads: a, b · writes: t`: {lines[1:2]}"
    reads = found["reads"].split(", ")
    writes = found["writes"]
    return Header(
        tuple(() if reads == ["nothing"] else reads), None if writes == "nothing" else writes
    )


def statement(name: str) -> str:
    """The statement's text without comments and string literals, in lower case."""
    text = re.sub(r"--[^\n]*", "", db.sql_text(name))
    return re.sub(r"'(?:[^']|'')*'", "''", text).lower()


TARGET = re.compile(
    r"^\s*(?:insert\s+into|update|delete\s+from|create\s+or\s+replace\s+temp\s+table"
    r"|drop\s+table\s+if\s+exists)\s+([a-z_]+)"
)
# a name after these words that is no call `name(`: a table, view or CTE
REFERENCE = re.compile(r"\b(?:from|join|using)\s+([a-z_][a-z0-9_]*)\b(?!\s*\()")
CTE = re.compile(r"\b([a-z_][a-z0-9_]*)\s+as\s+(?:materialized\s+)?\(")


def target(text: str) -> str | None:
    found = TARGET.match(text)
    return found[1] if found else None


MACRO = re.compile(r"create or replace macro ([a-z_]+)\([^)]*\) as(.*?);", re.S)
MACRO_CALL = re.compile(r"\b([a-z_][a-z0-9_]*)\s*\(")


def read_tables(text: str) -> set[str]:
    """The tables and views the statement reads (its write target only where it also reads it),
    with those of the macros it calls (sql/schema): table macros, and scalar macros whose
    subqueries read tables."""
    body = TARGET.sub("", text, count=1)
    tables = set(REFERENCE.findall(body)) - set(CTE.findall(body)) - {"final"}
    for call in MACRO_CALL.findall(body):
        tables |= MACROS.get(call, set())
    return tables


MACROS: dict[str, set[str]] = {}  # in migration order: a macro reads what the macros before it read
for path in sorted((SQL_DIR / "schema").glob("*.sql")):
    for name, body in MACRO.findall(path.read_text(encoding="utf-8").lower()):
        MACROS[name] = read_tables(body)


@pytest.mark.parametrize("name", STATEMENTS)
def test_header_names_every_table_the_statement_reads(name):
    text, named = statement(name), header(name)
    tables = {t for t in named.reads if not t.startswith("$")}
    assert tables == read_tables(text)
    for param in (t for t in named.reads if t.startswith("$")):
        assert re.search(rf"read_\w+\(\{param}\b", text), f"{param} is a file the statement reads"
    for param in re.findall(r"read_\w+\((\$[a-z_]+)", text):
        assert param in named.reads


@pytest.mark.parametrize("name", STATEMENTS)
def test_header_names_the_table_the_statement_writes(name):
    assert header(name).writes == target(statement(name))


def test_registered_views_are_registered_where_the_list_says():
    for view, modules in REGISTERED.items():
        for module in modules:
            assert f'"{view}"' in (SQL_DIR.parent / module).read_text(encoding="utf-8"), (
                view,
                module,
            )
    read = {t for n in STATEMENTS for t in header(n).reads}
    made = {header(n).writes for n in STATEMENTS}
    assert set(REGISTERED) <= read - SCHEMA - made, "each registered name is read, made by none"


def unproduced(statements: list[str], header_of: Callable[[str], Header] = header) -> list[str]:
    """Each table a statement of one flow run reads that is neither a schema table, nor a
    registered view, nor written by a statement run before it in that flow run."""
    made: set[str] = set()
    problems = []
    for name in statements:
        named = header_of(name)
        for table in named.reads:
            if not (table.startswith("$") or table in SCHEMA | set(REGISTERED) | made):
                problems.append(f"{name} reads {table}, which no statement before it wrote")
        if named.writes:
            made.add(named.writes)
    return problems


@dataclass
class FlowRun:
    flow: str
    statements: list[str]


def payouts(space: Workspace, name: str, rows: list[list[str]]) -> None:
    from flows.shared.columns import PAYOUT_COLUMNS

    folder = space.paths.inbox(CAMPAIGN, "payouts")
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(PAYOUT_COLUMNS)
        writer.writerows(rows)


def decide(space: Workspace, rows: list[list[str]]) -> None:
    folder = space.paths.inbox(CAMPAIGN, "reviews")
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "d.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["claim_id", "decision", "amount", "reviewer", "note"])
        writer.writerows(rows)


def respond(space: Workspace, rows: list[list[str]]) -> None:
    folder = space.paths.inbox(CAMPAIGN, "responses")
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "r.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["claim_id", "response", "amount"])
        writer.writerows(rows)


@pytest.fixture(scope="module")
def flow_runs(tmp_path_factory: pytest.TempPathFactory) -> list[FlowRun]:
    """The statements each flow run fetched from sql/, in order: a small campaign through
    intake (too early) → requeue → compensate → review decisions and responses → compensate →
    intake → compensate in partitions → letters → reconcile twice (a paid, a failed, a reissue) →
    the effect report."""
    from flows.compensate.flow import compensate
    from flows.intake.flow import intake
    from flows.intake.requeue import requeue
    from flows.letters.flow import letters
    from flows.reconcile.flow import reconcile
    from flows.report.flow import report

    runs: list[FlowRun] = []
    fetch = db.sql_text

    def recorded(name: str) -> str:
        runs[-1].statements.append(name)
        return fetch(name)

    def flow(run: Callable[..., object], *args: object, **options: object) -> None:
        runs.append(FlowRun(run.__name__, []))
        run(*args, **options)

    with pytest.MonkeyPatch.context() as patch:
        space = make_workspace(tmp_path_factory.mktemp("headers"), patch)
        patch.setattr(db, "sql_text", recorded)
        space.write_csv(
            "a.csv",
            [
                row(source_record_id="1", serial_no="K3A000501", email="a@x.cn"),
                row(source_record_id="2", serial_no="K3A000502", email="b@x.cn", flags="vip"),
                row(source_record_id="3", serial_no="K3A000503", email="c@x.cn", flags="vip"),
                row(source_record_id="4", serial_no="K3A000501", email="d@x.cn"),  # duplicate
                row(source_record_id="5", sku="K2-220", email="e@x.cn"),  # ineligible
                row(source_record_id="6", purchase_price="", email="f@x.cn"),  # quarantined
            ],
        )
        flow(intake, CAMPAIGN, date(2026, 9, 5))  # claims of 2026-09-10 are in the future
        flow(requeue, CAMPAIGN, AS_OF)
        flow(compensate, CAMPAIGN, AS_OF)
        ids = dict(space.query("select source_record_id, claim_id from claims"))
        decide(space, [[ids["2"], "approve", "", "Wang", ""], [ids["3"], "reject", "", "W", ""]])
        respond(space, [[ids["1"], "accept"], [ids["1"], "evidence", "12.00"], ["nope", "rating"]])
        flow(compensate, CAMPAIGN, AS_OF)
        space.write_csv("b.csv", [row(source_record_id="7", serial_no="K3A000507")])
        flow(intake, CAMPAIGN, AS_OF)
        flow(compensate, CAMPAIGN, AS_OF, options=RunOptions(partitions=2))
        flow(letters, CAMPAIGN, AS_OF)
        refs = space.query(
            "select c.source_record_id, p.payment_ref, p.amount from payment_instructions p "
            "join claims c using (claim_id) order by c.source_record_id"
        )
        paid, failed = refs[0], refs[1]
        day = "2026-10-22"
        payouts(
            space,
            "p1.csv",
            [
                [paid[1], "T-1", str(paid[2]), "CNY", "paid", day, ""],
                [failed[1], "T-2", str(failed[2]), "CNY", "failed", day, ""],
                [paid[1], "T-3", "abc", "CNY", "paid", day, ""],  # quarantined
            ],
        )
        flow(reconcile, CAMPAIGN, date(2026, 10, 22))
        flow(reconcile, CAMPAIGN, date(2026, 10, 29))
        flow(report, CAMPAIGN, date(2026, 10, 29))
        assert Decimal(paid[2]) > 0
    return runs  # once sql_text is itself again: the tests read headers through it


def test_every_statement_a_flow_runs_reads_what_is_there_by_then(flow_runs):
    problems = [f"{run.flow}: {p}" for run in flow_runs for p in unproduced(run.statements)]
    assert problems == []


def test_the_flow_runs_run_every_statement_but_those_of_commands(flow_runs):
    ran = {name for run in flow_runs for name in run.statements}
    assert ran == set(STATEMENTS) - NOT_RUN_HERE


def test_a_statement_run_before_the_one_making_its_temp_table_is_found():
    right = ["reconcile/instruction_payments", "reconcile/reconciliation_items"]
    assert unproduced(right) == []
    assert unproduced(right[::-1]) == [
        "reconcile/reconciliation_items reads instruction_payments, "
        "which no statement before it wrote"
    ]


def test_a_header_naming_a_table_nobody_makes_is_found():
    def named(name: str) -> Header:
        return Header(("offers", "nobody_makes_this"), None)

    assert unproduced(["compensate/review_queue"], named) == [
        "compensate/review_queue reads nobody_makes_this, which no statement before it wrote"
    ]
