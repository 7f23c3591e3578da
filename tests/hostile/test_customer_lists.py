"""The hostile corpus through one intake: each file's hostile rows end as the corpus says (loaded
with the right values, quarantined with the right reasons, or the file rejected with a clear
message), every other row of the file loads, and a clean file beside them is untouched."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Workspace, make_workspace
from tests.hostile.corpus import Case, corpus, good

CASES = corpus()
CONTROL = [good(f"control-{n}", customer_name=f"Control {n}") for n in range(5)]
CLAIM_COLUMNS = "claim_id, customer_name, email, purchase_date, purchase_price, quantity, status"


def load_control(space: Workspace) -> None:
    space.write_csv("m_control.csv", CONTROL)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    """The corpus and a clean control file in one intake; the control file alone in another."""
    with pytest.MonkeyPatch.context() as patch:
        alone = make_workspace(tmp_path_factory.mktemp("control"), patch)
        load_control(alone)
        alone.intake()
        control_alone = alone.query(f"select {CLAIM_COLUMNS} from claims order by 1")
    with pytest.MonkeyPatch.context() as patch:
        space = make_workspace(tmp_path_factory.mktemp("hostile"), patch)
        for case in CASES:
            case.write(space.lists / case.file)
        load_control(space)
        summary = space.intake()
        yield space, {f.file_name: f for f in summary.files}, control_alone


def rows_of(space: Workspace, file: str) -> dict[str, tuple[str, str]]:
    """source_record_id -> (state, reasons) for every row of one file."""
    found = space.query(
        "select source_record_id, status, reasons from claims where source_file = ? "
        "union all select source_record_id, 'quarantined', reasons from quarantine "
        "where source_file = ?",
        [file, file],
    )
    return {rid: (state, reasons) for rid, state, reasons in found}


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_hostile_file(run, case: Case):
    space, outcomes, _ = run
    outcome = outcomes[case.file]
    if case.rejected:
        assert outcome.status == "rejected"
        assert case.rejected in (outcome.message or "")
        assert (space.lists / "rejected" / case.file).exists()
        assert rows_of(space, case.file) == {}
        return
    assert outcome.status == "loaded", outcome.message
    got = rows_of(space, case.file)
    expected = {rid: ("eligible", "") for rid in case.loaded}
    expected |= {rid: ("quarantined", reasons) for rid, reasons in case.quarantined.items()}
    assert got == expected  # every row of the file accounted for, nothing lost or added
    for rid, values in case.loaded.items():
        for column, value in values.items():
            cell = space.query(  # the column name comes from the corpus, never from input
                f"select {column} from claims where source_file = ? and source_record_id = ?",
                [case.file, rid],
            )[0][0]
            assert (cell if cell is None or isinstance(cell, int) else str(cell)) == value, column


def test_quarantined_rows_are_kept_verbatim_with_their_line(run):
    space, _, _ = run
    found = space.query(
        "select source_record_id, line_no, raw from quarantine where source_file = 'nul_bytes.csv'"
    )
    assert [(rid, line) for rid, line, _ in found] == [("nul-2", 3)]
    assert json.loads(found[0][2])["customer_name"] == "Li\x00Wei"


def test_a_clean_file_loads_the_same_beside_the_corpus(run):
    space, outcomes, control_alone = run
    assert outcomes["m_control.csv"].status == "loaded"
    beside = space.query(
        f"select {CLAIM_COLUMNS} from claims where source_file = 'm_control.csv' order by 1"
    )
    strip = lambda rows: [r[1:] for r in rows]  # noqa: E731 - claim ids carry the file's sha256
    assert len(beside) == len(CONTROL) and strip(beside) == strip(control_alone)


def test_injected_sql_is_only_text(run):
    space, _, _ = run
    assert space.query("select count(*) from claims where customer_name like '%DROP TABLE%'") == [
        (1,)
    ]
    assert space.query("select count(*) from claims")[0][0] > len(CONTROL)


def test_rejection_messages_quote_no_cell(run):
    _, outcomes, _ = run
    rejected = [o for o in outcomes.values() if o.status == "rejected"]
    assert rejected
    for outcome in rejected:
        assert "Li.Wei" not in (outcome.message or "") and "never closed," not in outcome.message
