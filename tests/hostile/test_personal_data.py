"""Personal data stays in the data home: `nightly` on the demo (and its first payout round)
writes no customer name, email or phone to the console, the log or Prefect (logs and
artifacts), and the folders holding letters, instructions, reviews and reports are the
owner's alone."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
from datetime import UTC, date, datetime

import pytest

from flows.cli.demo import DEMO_AS_OF, DEMO_CAMPAIGN, write_demo
from flows.cli.demo_payouts import DEMO_ROUNDS, write_demo_payouts
from tests.conftest import RECALL, Workspace, make_workspace, row

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

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_LOGGING_")}
    env |= {"PREFECT_API_URL": str(PREFECT_API_URL.value())}
    env |= {"PREFECT_LOGGING_LEVEL": "DEBUG", "COLUMNS": "200"}
    command = [*RECALL, "run", "nightly", "--campaign", DEMO_CAMPAIGN, "--as-of", str(day)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
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


def no_personal_data_in_console_logs_or_prefect_and_outputs_owner_only(night) -> None:
    space, printed, stored = night
    assert "Beginning flow run" in printed[0] and len(stored) > 100, "too little logged to tell"
    secrets = personal_data(space)
    assert len(secrets) > 5_000  # the demo's customers, as stored and as written in the files
    assert space.query("select count(*) from reconciliation_items")[0][0] > 0
    texts = [*printed, *stored]
    leaks = sorted({s for s in secrets for text in texts if s in text})
    assert leaks == []
    # and what it wrote only its owner may read
    for kind in ("letters", "instructions", "review", "reports"):
        root = space.paths.out(DEMO_CAMPAIGN, kind)
        assert root.stat().st_mode & 0o777 == 0o700, kind
        for path in root.rglob("*"):
            assert path.stat().st_mode & 0o077 == 0, path


def effect_files(space: Workspace) -> dict[str, str]:
    """The effect and progress reports of the last night as text (the workbook's cells too)."""
    import polars as pl

    folder = space.paths.out(DEMO_CAMPAIGN, "reports") / str(DEMO_ROUNDS[0])
    found = {
        path.name: path.read_text(encoding="utf-8")
        for path in sorted(folder.glob("*"))
        if path.name.startswith(("effect", "progress")) and path.suffix in (".html", ".csv")
    }
    for sheet, frame in pl.read_excel(folder / "effect.xlsx", sheet_id=0).items():
        found[f"effect.xlsx:{sheet}"] = frame.write_csv()
    return found


def the_effect_report_its_tables_and_artifact_hold_no_personal_data(night) -> None:
    space, _, stored = night
    files = effect_files(space)
    assert {"effect.html", "progress.html", "progress.csv", "effect_reach.csv"} <= set(files)
    assert "effect.xlsx:Reach" in files
    artifacts = [t for t in stored if "Effect report" in t or "units_remedied" in t]
    assert len(artifacts) >= 2, "the effect summary and progress artifacts were stored"
    secrets = personal_data(space)
    refs = {ref for (ref,) in space.query("select claim_id from claims")}
    refs |= {ref for (ref,) in space.query("select payment_ref from payment_instructions")}
    texts = [*files.values(), *artifacts]
    assert sorted({s for s in secrets | refs for text in texts if s in text}) == []


def the_effect_and_progress_reports_fit_1280_px_with_every_chart_drawn(night, tmp_path) -> None:
    from tests.pages import chromium_measure

    space, _, _ = night
    folder = space.paths.out(DEMO_CAMPAIGN, "reports") / str(DEMO_ROUNDS[0])
    charts = {
        "effect.html": ("completion", "time-to-pay", "review-sla", "satisfaction"),
        "progress.html": ("progress",),
    }
    for name, drawn_charts in charts.items():
        text = (folder / name).read_text(encoding="utf-8")
        # self-contained: nothing fetched (the SVGs' namespaces are names, not requests)
        assert "<script" not in text
        assert not re.search(r"(src|href)=\"(https?:)?//|url\((?!#)", text)
        dom = chromium_measure(folder / name, tmp_path)
        found = re.search(r'data-width="(\d+)" data-viewport="(\d+)" data-over="([^"]*)"', dom)
        assert found, dom[:2000]
        width, viewport, over = int(found[1]), int(found[2]), found[3]
        assert viewport == 1280 and width <= viewport, (name, width, viewport)
        assert over == "", f"{name}: panels wider than their card: {over}"
        for chart in drawn_charts:
            drawn = re.search(rf'id="chart-{chart}"[^>]*>\s*<svg[^>]*>(.*?)</svg>', dom, re.S)
            assert drawn and "<path" in drawn[1], f"{name}: chart {chart} is not drawn"


def test_the_demos_nights_leak_no_personal_data_and_their_reports_fit_1280_px(night, tmp_path):
    """Three rules on the demo's two nights, in one test so that the nights (the cost) run once
    however the tests are spread over workers."""
    no_personal_data_in_console_logs_or_prefect_and_outputs_owner_only(night)
    the_effect_report_its_tables_and_artifact_hold_no_personal_data(night)
    the_effect_and_progress_reports_fit_1280_px_with_every_chart_drawn(night, tmp_path)


def run_logs(flow_run_ids: list[str]) -> list[tuple[str, int, str]]:
    """(flow run id, level, message) of every log Prefect stored for these flow runs."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.client.schemas.sorting import LogSort

    logs, offset = [], 0
    only = LogFilter(flow_run_id=LogFilterFlowRunId(any_=flow_run_ids))
    with get_client(sync_client=True) as client:
        while page := client.read_logs(
            log_filter=only, limit=PAGE, offset=offset, sort=LogSort.TIMESTAMP_ASC
        ):
            logs += [(str(log.flow_run_id), log.level, log.message) for log in page]
            offset += PAGE
    return logs


def parent_flow_run(flow_run_id: str) -> str:
    """The flow run (here the nightly) that started this one as a subflow."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        child = client.read_flow_run(flow_run_id)  # type: ignore[arg-type]
        assert child.parent_task_run_id is not None
        return str(client.read_task_run(child.parent_task_run_id).flow_run_id)


def test_a_nightly_run_logs_its_steps_counts_and_money_to_prefect_at_info_not_the_console(
    workspace: Workspace,
):
    """SPEC §8: run logs (steps, counts, money; no personal data) reach Prefect at INFO, so its
    UI shows them; the command's own console stays free of INFO lines."""
    from prefect.settings import PREFECT_API_URL

    people = [
        ("Ouyang Zhenhua", "ouyang.zhenhua@example.cn", "13912345678", "88 Renmin Road"),
        ("Margaret Thornbury", "m.thornbury@example.co.uk", "", "14 Cedar Lane"),
        ("Szeto Kwokwing", "", "13800138000", "9 Harbour Street"),
    ]
    rows = [
        row(
            source_record_id=f"r{n}",
            customer_name=name,
            email=email,
            phone=phone,
            postal_address=address,
            serial_no=f"K3A{6000 + n:06d}",
        )
        for n, (name, email, phone, address) in enumerate(people)
    ]
    workspace.write_csv("a.csv", [*rows, row(source_record_id="late", sku="NOPE-1")])
    # an operator's shell: no Prefect logging settings of its own
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_LOGGING_")}
    env["PREFECT_API_URL"] = str(PREFECT_API_URL.value())
    done = subprocess.run(
        [*RECALL, "run", "nightly", "--campaign", DEMO_CAMPAIGN, "--as-of", "2026-10-15"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    console = done.stdout + done.stderr
    assert "| INFO" not in console, console[-2000:]

    steps = dict(workspace.query("select flow, prefect_flow_run_id from runs"))
    assert set(steps) == {"intake", "compensate", "letters", "reconcile", "report"}
    night = parent_flow_run(steps["intake"])
    logs = run_logs([night, *steps.values()])
    by_run = {
        run: [m for r, level, m in logs if r == run and level == logging.INFO]
        for run in {night, *steps.values()}
    }
    info = {flow: by_run[run] for flow, run in steps.items()} | {"nightly": by_run[night]}
    assert all(info.values()), {flow: len(messages) for flow, messages in info.items()}

    offers, offered = workspace.query("select count(*), sum(total) from offers")[0]
    assert offers == 3
    text = "\n".join(m for _, _, m in logs)
    nightly_text = "\n".join(info["nightly"])
    for number, step in enumerate(("intake", "compensate", "letters", "reconcile", "report"), 1):
        assert f"step {number} of 5, {step}" in nightly_text, nightly_text
    assert f"{offers:,} offers ({offered:,.2f})" in nightly_text, nightly_text
    assert "1 new files, 4 claims in all" in nightly_text, nightly_text
    assert "states: eligible=3, ineligible=1" in "\n".join(info["intake"]), info["intake"]
    assert f"{offered:,.2f}" in "\n".join(info["compensate"]), info["compensate"]

    secrets = {s for person in people for s in person if s}
    secrets |= {r["serial_no"] for r in rows}
    leaks = sorted(s for s in secrets if s in text or s in console)
    assert leaks == []
