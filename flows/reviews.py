"""Review decisions (SPEC §5): files in inbox/<c>/reviews/, each line recorded with its outcome."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import polars as pl

from flows import db
from flows.inbox import already_loaded, next_ingest_seq, record_input, waiting_files
from flows.io import FIELDS_OK, LINE_NO, FileRejected, archive, read_table, reject, sha256_file
from flows.runs import Run

DECISION_COLUMNS = ("claim_id", "decision", "amount", "reviewer", "note")


def _decisions_frame(path: Path, workdir: Path) -> pl.DataFrame:
    frame = read_table(path, "utf-8", None, workdir)
    frame = frame.rename({c: c.strip().lower() for c in frame.columns})
    missing = [c for c in ("claim_id", "decision") if c not in frame.columns]
    if missing:
        raise FileRejected(f"required column missing: {', '.join(missing)}")
    cells = [
        (pl.col(c) if c in frame.columns else pl.lit(None, pl.String))
        .str.strip_chars()
        .replace("", None)
        .alias(c)
        for c in DECISION_COLUMNS
    ]
    return frame.select([*cells, pl.col(LINE_NO).alias("line_no"), pl.col(FIELDS_OK)])


def load_decisions(run: Run) -> dict[str, int]:
    """Read new decision files; returns how many lines had each outcome (accepted, unknown_claim,
    already_decided, not_in_review, invalid) and how many files were rejected."""
    outcomes: Counter[str] = Counter()
    for path in waiting_files(run, "reviews"):
        sha256 = sha256_file(path)
        if already_loaded(run, "reviews", sha256):
            continue
        archived = archive(path, run.paths.archive, sha256)
        seq = next_ingest_seq(run)
        try:
            with tempfile.TemporaryDirectory(dir=run.paths.home) as workdir:
                stage = _decisions_frame(path, Path(workdir))
        except FileRejected as exc:
            record_input(run, "reviews", path, sha256, archived, seq, "rejected", error=str(exc))
            reject(path, f"{path.name}: {exc}")
            outcomes["rejected_file"] += 1
            continue
        run.con.register("stage_decisions", stage.with_columns(pl.lit(sha256).alias("file_sha256")))
        with db.transaction(run.con):
            db.run(run.con, "compensate/review_decisions", campaign=run.campaign, run_id=run.run_id)
            record_input(run, "reviews", path, sha256, archived, seq, "loaded", stage.height)
        run.con.unregister("stage_decisions")
        rows = run.con.execute(
            "select outcome, count(*) from review_decisions where file_sha256 = ? group by 1",
            [sha256],
        ).fetchall()
        outcomes.update(dict(rows))
    return dict(outcomes)
