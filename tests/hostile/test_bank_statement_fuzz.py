"""Fuzzing the bank statement readers: every real and hand-made statement, cut, doubled and
scribbled on. A reader either reads the file — every booked transaction accounted for once —
or rejects it with FileRejected (one line, no Python object named); it never fails otherwise,
which would leave the file in the inbox to fail every later night the same way."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.reconcile.bank_files import read_bank_file
from flows.shared.files import FileRejected

DATA = Path(__file__).parent.parent / "data" / "payouts"
FILES = sorted(p for p in DATA.rglob("*") if p.suffix in (".xml", ".sta"))


@st.composite
def damaged(draw: st.DrawFn) -> tuple[str, bytes]:
    path = draw(st.sampled_from(FILES))
    data = bytearray(path.read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, max(len(data) - 1, 0)))
        how = draw(st.sampled_from(["cut", "double", "scribble", "truncate", "line"]))
        if how == "cut":
            del data[where : where + draw(st.integers(1, 40))]
        elif how == "double":
            data[where:where] = data[where : where + draw(st.integers(1, 200))]
        elif how == "scribble":
            data[where : where + 1] = draw(st.binary(min_size=1, max_size=6))
        elif how == "truncate":
            del data[where:]
        else:  # a line of hostile text
            data[where:where] = draw(
                st.sampled_from([b"\n:61:\n", b"\n:6l:xx\n", b"\n:20:\n", b"<Ntry>", b"</Stmt>"])
            )
    return path.suffix, bytes(data)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_a_damaged_statement_is_read_whole_or_rejected_never_a_crash(case):
    suffix, data = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"statement{suffix}"
        path.write_bytes(data)
        try:
            found = read_bank_file(path, Path(folder))
        except FileRejected as exc:
            assert "object at 0x" not in str(exc) and "\n" not in str(exc).strip()
            return
        for s in found.statements:
            assert s.entries == s.payouts + s.not_ours + s.quarantined
        rows = found.frame.collect()
        assert rows.height == sum(s.payouts + s.quarantined for s in found.statements)
