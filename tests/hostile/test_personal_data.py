"""Personal data stays in the data home: `nightly` on the demo (and its first payout round)
writes no customer name, email or phone to the console, the log or Prefect (logs and
artifacts), and the folders holding letters, instructions, reviews and reports are the
owner's alone."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, date, datetime

import pytest

from flows.demo import DEMO_AS_OF, DEMO_CAMPAIGN, write_demo
from flows.demo_payouts import DEMO_ROUNDS, write_demo_payouts
from tests.conftest import RECALL, Workspace, make_workspace, through_resident

PAGE = 200


def prefect_texts(since: datetime) -> list[str]:
    """Every log message Prefect stored since then, and every artifact it holds."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        FlowRunFilter,
        LogFilter,
        LogFilterTimestamp,
        TaskRunFilter,
    )
    from prefect.client.schemas.sorting import ArtifactSort

    texts = []
    with get_client(sync_client=True) as client:
        logs = LogFilter(timestamp=LogFilterTimestamp(after_=since))
        offset = 0
        while page := client.read_logs(log_filter=logs, limit=PAGE, offset=offset):
            texts += [log.message for log in page]
            offset += PAGE
        offset = 0
        every = {
            "artifact_filter": ArtifactFilter(),
            "flow_run_filter": FlowRunFilter(),
            "task_run_filter": TaskRunFilter(),
            "sort": ArtifactSort.CREATED_DESC,
            "limit": PAGE,
        }
        while page := client.read_artifacts(**every, offset=offset):
            texts += [json.dumps(a.data, ensure_ascii=False) + str(a.description) for a in page]
            offset += PAGE
    return texts


def personal_data(space: Workspace) -> set[str]:
    """Names, emails and phones as stored and as they came in the files (quarantine raw)."""
    found = set()
    for name, email, phone in space.query("select customer_name, email, phone from claims"):
        found |= {name, email, phone}
    for (raw,) in space.query("select raw from quarantine"):
        cells = json.loads(raw)
        found |= {v for k, v in cells.items() if k in ("customer_name", "email", "phone")}
        found |= {v for k, v in cells.items() if k in ("收货人", "手机", "Customer", "Mobile")}
    # words short enough to occur by chance in ordinary text are no evidence either way
    return {v.strip() for v in found if v and len(v.strip()) >= 5}


def nightly(day: date) -> str:
    """`recall run nightly` as a coordinator runs it, every logger at DEBUG, its runs
    recorded in the tests' Prefect server; returns all it printed and logged."""
    from prefect.settings import PREFECT_API_URL

    env = os.environ | {"PREFECT_API_URL": str(PREFECT_API_URL.value())}
    env |= {"PREFECT_LOGGING_LEVEL": "DEBUG", "COLUMNS": "200"}
    command = [*RECALL, "run", "nightly", "--campaign", DEMO_CAMPAIGN, "--as-of", str(day)]
    done = subprocess.run(
        command, env=through_resident(env), capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory):
    with pytest.MonkeyPatch.context() as patch:
        space = make_workspace(tmp_path_factory.mktemp("personal"), patch)
        write_demo(space.paths)
        since = datetime.now(UTC)
        printed = [nightly(DEMO_AS_OF)]
        write_demo_payouts(space.paths, 1)
        printed.append(nightly(DEMO_ROUNDS[0]))
        yield space, printed, prefect_texts(since)


def test_no_personal_data_in_console_logs_or_prefect_and_outputs_owner_only(night):
    space, printed, stored = night
    assert "Beginning flow run" in printed[0] and len(stored) > 100, "too little logged to tell"
    secrets = personal_data(space)
    assert len(secrets) > 5_000  # the demo's customers, as stored and as written in the files
    assert space.query("select count(*) from reconciliation_items")[0][0] > 0
    texts = [*printed, *stored]
    leaks = sorted({s for s in secrets for text in texts if s in text})
    assert leaks == []
    # and what it wrote only its owner may read (one test: the nightly runs are the cost)
    for kind in ("letters", "instructions", "review", "reports"):
        root = space.paths.out(DEMO_CAMPAIGN, kind)
        assert root.stat().st_mode & 0o777 == 0o700, kind
        for path in root.rglob("*"):
            assert path.stat().st_mode & 0o077 == 0, path
