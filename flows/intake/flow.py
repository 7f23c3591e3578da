"""Intake flow (SPEC §4): customer lists in the inbox become claims, each in exactly one state."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import polars as pl
from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.shared import db
from flows.shared.columns import CANONICAL_COLUMNS
from flows.shared.config import CampaignConfig
from flows.shared.crash import crash_point
from flows.shared.files import FileRejected
from flows.shared.inbox import FileOutcome, ingest, load_waiting, stage_view
from flows.shared.input_tables import (
    FIELDS_OK,
    LINE_NO,
    blank_as_null,
    canonical_targets,
    named_frame,
    raw_cells,
    read_table,
)
from flows.shared.runs import Run, flow_run

CONTACT_COLUMNS = ("email", "phone", "postal_address")
# The required columns, written only here: a file without one is rejected, a row with the
# cell empty is quarantined (missing_field:<column>). The unit's serial number or lot code
# is required as the campaign's eligibility rules read them (required_columns).
REQUIRED_COLUMNS = ("source_record_id", "customer_name", "sku", "purchase_date", "purchase_price")


@dataclass(frozen=True)
class Required:
    """A required column: `column` is named when missing; a file or a row has it when it has
    one of `any_of` (a campaign with serial ranges and lots takes a lot code for a serial)."""

    column: str
    any_of: tuple[str, ...]


def required_columns(config: CampaignConfig) -> list[Required]:
    required = [Required(c, (c,)) for c in REQUIRED_COLUMNS]
    ranges, lots = bool(config.eligibility.serial_ranges), bool(config.eligibility.lots)
    if ranges:
        required.append(
            Required("serial_no", ("serial_no", "lot_code") if lots else ("serial_no",))
        )
    elif lots:
        required.append(Required("lot_code", ("lot_code",)))
    return required


def missing_cells(required: list[Required]) -> pl.Expr:
    """`missing_field:<column>` for each required column the row has no cell for."""
    return pl.concat_list(
        [
            pl.when(pl.all_horizontal(pl.col(c).is_null() for c in r.any_of)).then(
                pl.lit(f"missing_field:{r.column}")
            )
            for r in required
        ]
    ).list.drop_nulls()


MAX_CELL_CHARS = 4_000  # far beyond any real name, address or code
CONTROL_CHARS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"  # NUL and the like; not tab or newline


def unusable_cell(column: str) -> pl.Expr:
    """A cell no letter or payment should carry: control characters, or text of absurd length."""
    cell = pl.col(column)
    return cell.str.contains(CONTROL_CHARS) | (cell.str.len_chars() > MAX_CELL_CHARS)


def raw_rows(frame: pl.LazyFrame, lines: pl.Series, target: Path) -> None:
    """The rows of `frame` (as read_table gives it) at `lines`, each as one JSON object of its
    cells under their column names, streamed to a Parquet file with columns line_no and raw.
    Only quarantined rows keep their cells this way, so the file is read a second time for
    them instead of encoding every row. (A filter streams; a semi join with the lines held
    the whole file: 3.1 GB at 10M claims.)"""
    wanted = named_frame(frame).filter(pl.col(LINE_NO).is_in(lines))
    wanted.select(pl.col(LINE_NO).alias("line_no"), raw_cells()).sink_parquet(target)


def read_list(copy: Path, config: CampaignConfig, file_name: str, workdir: Path) -> pl.LazyFrame:
    """A customer list's table as read with its source's encoding and sheet (`file_name`: its
    name as dropped in the inbox, which picks the source; `copy`: the archived copy)."""
    source = config.source_for(file_name)
    encoding, sheet = (source.encoding, source.sheet) if source else ("utf-8", None)
    return read_table(copy, encoding, sheet, workdir)


def canonical_frame(frame: pl.LazyFrame, config: CampaignConfig, file_name: str) -> pl.LazyFrame:
    """Rename a file's columns to the canonical ones (source mapping, then names as given)."""
    source = config.source_for(file_name)
    mapping = source.columns if source else {}
    frame = named_frame(frame)
    targets = canonical_targets(frame.collect_schema().names(), mapping, CANONICAL_COLUMNS)
    present = set(targets.values())
    required = required_columns(config)
    missing = [r.column for r in required if not (set(r.any_of) & present)]
    if not (set(CONTACT_COLUMNS) & present):
        missing.append("email|phone|postal_address")
    if missing:
        raise FileRejected(f"required column missing: {', '.join(dict.fromkeys(missing))}")
    cells = [blank_as_null(src).alias(dst) for src, dst in targets.items()]
    bad = [
        pl.when(unusable_cell(src)).then(pl.lit(f"bad_value:{dst}")) for src, dst in targets.items()
    ]
    absent = [pl.lit(None, dtype=pl.String).alias(c) for c in CANONICAL_COLUMNS if c not in present]
    position = [pl.col(LINE_NO).alias("line_no"), pl.col(FIELDS_OK)]
    bad_cells = pl.concat_list(bad).list.drop_nulls().alias("bad_cells")
    return frame.select([*cells, *absent, bad_cells, *position]).with_columns(
        pl.concat_list("bad_cells", missing_cells(required)).alias("bad_cells"),
        pl.lit(source.channel if source else "unknown").alias("default_channel"),
    )


def parse_rows(run: Run) -> None:
    """parsed_rows: the rows of the view stage_rows typed and checked as of the run's day."""
    config = run.config
    db.run(
        run.con,
        "intake/parsed_rows",
        as_of=run.as_of,
        languages=config.campaign.languages,
        default_language=config.default_language,
    )


@task(
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=1,
    retry_condition_fn=lambda task, run, state: isinstance(
        state.result(raise_on_failure=False), OSError
    ),
)
def ingest_file(run: Run, path: Path) -> FileOutcome:
    """Archive one file by sha256 and load its rows as claims or quarantine, in one transaction."""
    read_as: list[pl.LazyFrame] = []  # the file as read_table gives it, for raw_rows

    def read(copy: Path, workdir: Path) -> pl.LazyFrame:
        read_as.append(read_list(copy, run.config, path.name, workdir))
        return canonical_frame(read_as[-1], run.config, path.name)

    def load(stage: Path, sha256: str, seq: int) -> int:
        con = run.con
        with stage_view(con, "stage_rows", stage, path, sha256, seq):
            parse_rows(run)
        quarantined = con.sql(db.sql_text("intake/quarantined_lines")).pl()
        raw = stage.with_name("raw.parquet")
        raw_rows(read_as[-1], quarantined.get_column("line_no"), raw)
        with db.view(con, "quarantine_raw", con.read_parquet(str(raw))):
            db.run(con, "intake/quarantine", campaign=run.campaign, run_id=run.run_id)
        insert_claims(run)
        return quarantined.height

    return ingest(run, "lists", path, read, load)


def insert_claims(run: Run) -> None:
    """The readable rows of parsed_rows as claims; a row quoting a quarantined row's reference
    (cure_ref) in time cures it and keeps its claim date, a late one is refused (SPEC §11)."""
    db.run(
        run.con,
        "intake/claims",
        campaign=run.campaign,
        run_id=run.run_id,
        as_of=run.as_of,
        cure_within_days=run.config.deficiency.cure_within_days,
        claim_deadline=run.config.campaign.claim_deadline,
    )
    db.update(run.con, "intake/quarantine_cured", campaign=run.campaign)


@task(cache_policy=NO_CACHE)
def classify_claims(run: Run) -> None:
    """Eligibility, then dedupe, over every claim of the campaign not yet settled (SQL)."""
    with db.transaction(run.con):
        classify(run)


def classify(run: Run) -> None:
    """Eligibility, then dedupe (classify_claims), in the caller's transaction."""
    rules = run.config.eligibility
    con = run.con
    db.update(
        con,
        "intake/claims_eligibility",
        campaign=run.campaign,
        skus=rules.skus,
        serial_ranges=[{"lo": lo, "hi": hi} for lo, hi in rules.serial_ranges],
        lots=rules.lots,
        window_start=rules.purchase_window[0],
        window_end=rules.purchase_window[1],
        claim_deadline=run.config.campaign.claim_deadline,
    )
    db.run(con, "intake/duplicates_reset", campaign=run.campaign)
    db.run(con, "intake/duplicates", campaign=run.campaign)
    db.update(con, "intake/claims_duplicate", campaign=run.campaign)


@dataclass(frozen=True)
class IntakeSummary:
    run_id: str
    files: list[FileOutcome]
    status_counts: dict[str, int]
    reason_counts: list[tuple[str, str, int]]


@task(cache_policy=NO_CACHE)
def summarise(run: Run, files: list[FileOutcome]) -> IntakeSummary:
    """Counts per state and reason; stored with the run record."""
    statuses = dict(db.run(run.con, "intake/status_counts", campaign=run.campaign))
    reasons = db.run(run.con, "intake/state_counts", campaign=run.campaign)
    run.counts.update(
        files=dict(Counter(f.status for f in files)),
        inputs=[{k: v for k, v in asdict(f).items() if k != "message"} for f in files],
        states=statuses,
    )
    return IntakeSummary(run.run_id, files, statuses, [tuple(r) for r in reasons])


@flow(name="intake")
def intake(
    campaign: str,
    as_of: date | None = None,
    allow_backdate: bool = False,
    allow_future: bool = False,
) -> IntakeSummary:
    """Every new file in inbox/<campaign>/lists/ → archive → claims in exactly one state.

    `allow_backdate` / `allow_future` let the run's as-of pass the as-of guards (`shared.runs`)."""
    with flow_run("intake", campaign, as_of, allow_backdate, allow_future) as run:
        outcomes = load_waiting(run, "lists", ingest_file)
        classify_claims(run)
        crash_point("intake:classified")
        return summarise(run, outcomes)
