"""Crash safety: the nightly process is killed (SIGKILL) at many points and run again; every
time the final state — database rows, letters, instructions, reports — is that of one clean run.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from flows.shared.crash import CRASH_ENV
from flows.shared.settings import SHIPPED_CONFIG_DIR
from tests.conftest import AS_OF, CAMPAIGN, HEADER, RECALL, row

# where the nightly process is killed: after each step, and in the middle of claim loading,
# letter writing (between batches, after the files before the database) and instruction export
KILL_POINTS = [
    "intake:file",
    "nightly:intake",
    "compensate:offers",
    "instructions:file",  # an instruction file written under its temporary name
    "nightly:compensate",
    "letters:batch",  # some letter batches written, others not
    "letters:manifest",  # every letter written, the manifest too, nothing recorded
    "nightly:letters",
    "reconcile:file",
    "instructions:file#2",  # the reissue's instruction file, under its temporary name
    "reconcile:reports",  # the report CSVs written, the workbook not
    "nightly:reconcile",
    "backup:copied",  # the night's backup complete under its hidden name, not yet in place
    "nightly:backup",
]
# columns that name the run (or the order of ingestion) and so differ between histories
RUN_COLUMNS = {"run_id", "ingest_seq", "prefect_flow_run_id", "started_at", "finished_at"}
TABLES = [
    "claims",
    "quarantine",
    "payout_quarantine",
    "duplicates",
    "entitlements",
    "offers",
    "review_decisions",
    "payment_instructions",
    "letters",
    "payouts",
    "reconciliation_items",
    "input_files",
]


def claim_file() -> bytes:
    rows = [
        row(source_record_id=f"r{n}", serial_no=f"K3A{6000 + n:06d}", email=f"c{n}@example.cn")
        for n in range(7)
    ]
    rows.append(row(source_record_id="vip", serial_no="K3A006100", flags="vip"))
    rows.append(row(source_record_id="wrong", sku="K2-220"))
    rows.append(
        row(source_record_id="post", serial_no="K3A006200", email="", postal_address="1 Road")
    )
    # in review past its reply-by date on the second night: a review_follow_up letter
    rows.append(row(source_record_id="vip2", serial_no="K3A006300", flags="vip"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows([[r.get(c, "") for c in HEADER] for r in rows])
    return out.getvalue().encode()


def payment_ref(claims: bytes, line: int) -> str:
    claim_id = hashlib.sha256(claims).hexdigest()[:12] + f"-{line:07d}"
    return "PR-" + hashlib.sha256(f"{CAMPAIGN}|{claim_id}|1".encode()).hexdigest()[:16].upper()


def prepare(home: Path, config: Path) -> None:
    """One campaign's inbox: a customer list and a payout file for its instructions."""
    claims = claim_file()
    lists = home / "inbox" / CAMPAIGN / "lists"
    payouts = home / "inbox" / CAMPAIGN / "payouts"
    lists.mkdir(parents=True)
    payouts.mkdir(parents=True)
    (lists / "a.csv").write_bytes(claims)
    lines = [
        "payment_ref,provider_txn_id,amount,currency,status,value_date,return_reason",
        f"{payment_ref(claims, 2)},T-1,1.00,CNY,paid,{AS_OF},",
        f"{payment_ref(claims, 3)},T-2,1.00,CNY,failed,{AS_OF},",  # reissued
        f"PR-FFFFFFFFFFFFFFFF,T-3,5.00,CNY,paid,{AS_OF},",
    ]
    (payouts / "p.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    past = time.time() - 3600  # dropped an hour before the night: past the inbox settle delay
    for dropped in (lists / "a.csv", payouts / "p.csv"):
        os.utime(dropped, (past, past))
    shutil.copytree(SHIPPED_CONFIG_DIR, config)
    campaign = config / "campaigns" / f"{CAMPAIGN}.toml"
    text = campaign.read_text(encoding="utf-8").replace("batch_size = 1000", "batch_size = 2")
    campaign.write_text(text, encoding="utf-8")


def nightly_process(
    home: Path, config: Path, api_url: str, crash_at: str | None = None, *options: str
) -> int:
    """`recall run nightly` in a process of its own, killed at crash_at if given."""
    env = {
        **os.environ,
        "RECALL_HOME": str(home),
        "RECALL_CONFIG_DIR": str(config),
        "PREFECT_API_URL": api_url,
    }
    env.pop(CRASH_ENV, None)
    if crash_at:
        env[CRASH_ENV] = crash_at
    done = subprocess.run(
        [
            *RECALL,  # as the `recall` script runs it
            "run",
            "nightly",
            "-c",
            CAMPAIGN,
            "--as-of",
            str(AS_OF),
            *options,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if done.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(f"nightly exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.returncode


def state(home: Path) -> dict[str, object]:
    """Everything a run leaves behind, without the names of runs."""
    found: dict[str, object] = {}
    con = duckdb.connect(str(home / "recall.duckdb"), read_only=True)
    try:
        for table in TABLES:
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_name = ? "
                    "order by ordinal_position",
                    [table],
                ).fetchall()
                if c not in RUN_COLUMNS and c not in ("path", "archived_path")
            ]
            rows = con.execute(f"select {', '.join(columns)} from {table}").fetchall()
            found[table] = sorted(map(repr, rows))
    finally:
        con.close()
    out = home / "out" / CAMPAIGN
    letters = sorted(p for p in (out / "letters").rglob("*") if p.is_file())
    found["letter_runs"] = len([p for p in (out / "letters").iterdir() if p.is_dir()])
    found["letter_files"] = sorted(
        (p.parent.name, p.name, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in letters
        if not p.name.startswith("manifest")
    )
    found["hidden"] = sorted(str(p) for p in out.rglob(".*"))  # no temporary file left
    instruction_files = sorted((out / "instructions").glob("*.csv"))
    found["instruction_files"] = len(instruction_files)
    found["instructions"] = sorted(
        line for p in instruction_files for line in p.read_text(encoding="utf-8").splitlines()[1:]
    )
    reports = out / "reports" / str(AS_OF)
    found["reports"] = {
        p.name: [
            line for line in p.read_text(encoding="utf-8").splitlines() if "reissued" not in line
        ]
        for p in sorted(reports.glob("*.csv"))
    }
    found["report_files"] = sorted(p.name for p in reports.iterdir())
    found["archive"] = sorted(p.name for p in (home / "archive").rglob("*") if p.is_file())
    found["backups"] = backups_state(home)
    return found


def backups_state(home: Path) -> str:
    """Every backup complete (its database opens and knows the night's four steps), none
    half-written; how many there are depends on where a run was killed."""
    folder = home / "backups"
    if not folder.is_dir() or list(folder.glob(".*")):
        return "absent or half-written"
    for backup in folder.iterdir():
        con = duckdb.connect(str(backup / "recall.duckdb"), read_only=True)
        try:
            flows = {f for (f,) in con.execute("select flow from runs").fetchall()}
        finally:
            con.close()
        if not {"intake", "compensate", "letters", "reconcile"} <= flows:
            return f"{backup.name} incomplete"
    return "complete" if any(folder.iterdir()) else "none"


@pytest.fixture(scope="module")
def api_url() -> str:
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    assert url, "the session's Prefect test harness gives an API URL"
    return url


def rerun(home: Path, config: Path) -> None:
    """The next night, in this process: what a coordinator or the schedule does after a crash."""
    from flows.nightly import nightly

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RECALL_HOME", str(home))
        patch.setenv("RECALL_CONFIG_DIR", str(config))
        nightly(CAMPAIGN, AS_OF)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory, api_url: str) -> dict[str, object]:
    """One clean run, in a process of its own like the nightly schedule's."""
    base = tmp_path_factory.mktemp("clean")
    prepare(base / "home", base / "config")
    assert nightly_process(base / "home", base / "config", api_url) == 0
    return state(base / "home")


def test_clean_run_covers_what_the_kill_points_need(clean):
    assert len(KILL_POINTS) >= 10
    assert len(clean["letter_files"]) >= 4 and clean["instruction_files"] == 2
    assert "payout" in " ".join(clean["reconciliation_items"])
    assert clean["hidden"] == [] and "reconciliation.xlsx" in clean["report_files"]
    assert clean["backups"] == "complete"


@pytest.mark.parametrize("point", KILL_POINTS)
def test_killed_then_rerun_gives_the_state_of_one_clean_run(clean, tmp_path, api_url, point):
    prepare(tmp_path / "home", tmp_path / "config")
    killed = nightly_process(tmp_path / "home", tmp_path / "config", api_url, crash_at=point)
    assert killed == -signal.SIGKILL, f"{point} was never reached"
    rerun(tmp_path / "home", tmp_path / "config")
    after = state(tmp_path / "home")
    assert [k for k in clean if clean[k] != after[k]] == []


def test_killed_with_partitions_written_then_rerun_gives_the_state_of_one_clean_run(
    clean, tmp_path, api_url
):
    """Killed after every letters partition wrote its letters and manifest rows, before the run
    recorded any (compensate was partitioned and loaded before); the next night (without
    partitions) removes the dead run's plan and letters and ends as one clean run."""
    home = tmp_path / "home"
    prepare(home, tmp_path / "config")
    point = "partitions:letters"
    killed = nightly_process(home, tmp_path / "config", api_url, point, "--partitions", "2")
    assert killed == -signal.SIGKILL, f"{point} was never reached"
    plans = home / "out" / CAMPAIGN / "partitions"
    assert [p.name.split("-")[-1] for p in plans.iterdir()] == ["letters"]
    rerun(home, tmp_path / "config")
    assert [k for k in clean if clean[k] != state(home)[k]] == []
    assert list(plans.iterdir()) == []


def command_process(home: Path, config: Path, crash_at: str | None, *args: str) -> int:
    """A `recall` command that runs no flow, in a process of its own, killed at crash_at."""
    env = {**os.environ, "RECALL_HOME": str(home), "RECALL_CONFIG_DIR": str(config)}
    env.pop(CRASH_ENV, None)
    if crash_at:
        env[CRASH_ENV] = crash_at
    done = subprocess.run(
        [*RECALL, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done.returncode


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory, api_url: str) -> Path:
    """A data home after one clean night (with its backup), copied by each test below."""
    base = tmp_path_factory.mktemp("night")
    prepare(base / "home", base / "config")
    assert nightly_process(base / "home", base / "config", api_url) == 0
    return base


BACKUP_KILL_POINTS = ["backup:copied", "backup:made", "backup:pruning"]


@pytest.mark.parametrize("point", BACKUP_KILL_POINTS)
def test_killed_backup_then_backup_again_leaves_only_complete_backups(
    night, tmp_path, point, monkeypatch
):
    shutil.copytree(night, tmp_path, dirs_exist_ok=True)
    home, config = tmp_path / "home", tmp_path / "config"
    monkeypatch.setenv("RECALL_BACKUPS_KEEP", "1")  # the second backup removes the first
    assert command_process(home, config, point, "backup") == -signal.SIGKILL
    assert command_process(home, config, None, "backup") == 0
    assert backups_state(home) == "complete"
    assert len(list((home / "backups").iterdir())) == 1


RESTORE_KILL_POINTS = ["restore:journal", "restore:aside", "restore:copied", "restore:replaced"]


@pytest.mark.parametrize("point", RESTORE_KILL_POINTS)
def test_killed_restore_is_refused_by_runs_then_restore_again_ends_as_one_clean_restore(
    clean, night, tmp_path, api_url, point
):
    shutil.copytree(night, tmp_path, dirs_exist_ok=True)
    home, config = tmp_path / "home", tmp_path / "config"
    [backup] = (home / "backups").iterdir()
    killed = command_process(home, config, point, "restore", "--from", str(backup))
    assert killed == -signal.SIGKILL, f"{point} was never reached"
    refused = subprocess.run(
        [*RECALL, "status", "-c", CAMPAIGN],
        env={**os.environ, "RECALL_HOME": str(home), "RECALL_CONFIG_DIR": str(config)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode != 0  # no half database is ever used
    assert command_process(home, config, None, "restore", "--from", str(backup)) == 0
    rerun(home, config)  # the same night again: nothing new
    after = state(home)
    assert [k for k in clean if clean[k] != after[k]] == []
    assert len(list((home / "replaced").rglob("recall.duckdb"))) >= 1  # kept, not destroyed


def claim_id(claims: bytes, line: int) -> str:
    return hashlib.sha256(claims).hexdigest()[:12] + f"-{line:07d}"


LATER = AS_OF + timedelta(days=11)  # past the reply-by of the first night's acknowledgements


def respond(home: Path) -> None:
    """The customers' answers after the first night: a dispute, an appeal, a withdrawal of the
    claim in review, receipts for an offer that waited for none, a line for no claim."""
    claims = claim_file()
    responses = home / "inbox" / CAMPAIGN / "responses"
    responses.mkdir(parents=True, exist_ok=True)
    lines = [
        "claim_id,response,amount",
        f"{claim_id(claims, 3)},dispute,",
        f"{claim_id(claims, 10)},dispute,",  # the ineligible one: an appeal
        f"{claim_id(claims, 9)},withdraw,",  # the vip claim, in review
        f"{claim_id(claims, 4)},evidence,",  # not fitting
        "000000000000-0000001,accept,",
    ]
    (responses / "r1.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (responses / "r2.csv").write_text(f"claim_id,response\n{claim_id(claims, 5)},accept\n")
    past = time.time() - 3600
    for dropped in responses.iterdir():
        os.utime(dropped, (past, past))


def second_night(home: Path, config: Path, api_url: str, crash_at: str | None = None) -> int:
    return nightly_process(home, config, api_url, crash_at, "--as-of", str(LATER))


LIFECYCLE_TABLES = ["responses", "disputes"]


@pytest.fixture(scope="module")
def clean_second_night(tmp_path_factory: pytest.TempPathFactory, night: Path, api_url: str) -> dict:
    base = tmp_path_factory.mktemp("clean2")
    shutil.copytree(night, base, dirs_exist_ok=True)
    respond(base / "home")
    assert second_night(base / "home", base / "config", api_url) == 0
    return lifecycle_state(base / "home")


def lifecycle_state(home: Path) -> dict[str, object]:
    found = state(home)
    con = duckdb.connect(str(home / "recall.duckdb"), read_only=True)
    try:
        for table in LIFECYCLE_TABLES:
            rows = con.execute(f"select * exclude (run_id) from {table}").fetchall()
            found[table] = sorted(map(repr, rows))
    finally:
        con.close()
    return found


# after the first responses file (the second not read), with both read but not acted on, and
# with some of the night's letter batches (follow-ups among them) written, others not
@pytest.mark.parametrize(
    "point", ["compensate:responses", "compensate:responses_read", "letters:batch"]
)
def test_killed_in_the_responses_then_rerun_gives_the_state_of_one_clean_run(
    clean_second_night, night, tmp_path, api_url, point
):
    shutil.copytree(night, tmp_path, dirs_exist_ok=True)
    home, config = tmp_path / "home", tmp_path / "config"
    respond(home)
    assert second_night(home, config, api_url, crash_at=point) == -signal.SIGKILL, point
    with pytest.MonkeyPatch.context() as patch:
        from flows.nightly import nightly

        patch.setenv("RECALL_HOME", str(home))
        patch.setenv("RECALL_CONFIG_DIR", str(config))
        nightly(CAMPAIGN, LATER)
    after = lifecycle_state(home)
    assert [k for k in clean_second_night if clean_second_night[k] != after[k]] == []
    assert len(clean_second_night["disputes"]) == 2
    assert any("review_follow_up" in letter for letter in clean_second_night["letters"])
