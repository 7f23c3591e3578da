"""Input tables read as the files are: CSV in any declared encoding (ragged rows kept and
marked), XLSX sheets and Parquet, as text columns under their stated names, with each row's
physical line number; and the stage file a flow's SQL reads them from."""

from __future__ import annotations

import codecs
import csv
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import fastexcel
import polars as pl

from flows.shared.files import CHUNK, FileRejected

READABLE_SUFFIXES = (".csv", ".xlsx", ".parquet")
# columns a reader may add beside the file's own: physical line number, cell count as expected
LINE_NO, FIELDS_OK = "__line_no", "__fields_ok"
CSV_FIELD_LIMIT = 1 << 28  # characters in one cell; Python's csv stops at 131,072 by default
# a frame holds each column name once: the second `sku` of a header becomes `sku (repeat 2)`
REPEATED = re.compile(r" \(repeat \d+\)$")


def _utf8_copy(path: Path, encoding: str, target: Path) -> None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(CHUNK):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))


def decoded_csv(path: Path, declared: str, workdir: Path) -> tuple[Path, str]:
    """A UTF-8 version of a CSV file and the encoding it was read as.

    A BOM decides; otherwise UTF-8 is tried first (GB18030 accepts almost any bytes,
    so trying it first would garble UTF-8 files), then the declared encoding, then GB18030.
    """
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = list(dict.fromkeys(["utf-8", declared.lower(), "gb18030"]))
    for encoding in candidates:
        if encoding in ("utf-8", "utf8"):
            try:
                _check_utf8(path)
            except UnicodeDecodeError:
                continue
            return path, encoding
        target = workdir / f"{path.name}.utf8.csv"
        try:
            _utf8_copy(path, encoding, target)
        except UnicodeDecodeError:
            continue
        return target, encoding
    raise FileRejected(f"cannot be decoded as any of: {', '.join(candidates)}")


def _check_utf8(path: Path) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)


def _read_ragged_csv(path: Path) -> pl.DataFrame:
    """A CSV where some rows have more cells than the header: every row kept, each with its
    physical line number; FIELDS_OK is false for a row whose cell count is wrong (its extra
    cells are kept in `_extra`, so the row can be quarantined verbatim)."""
    csv.field_size_limit(CSV_FIELD_LIMIT)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows, lines, ok = [], [], []
        last_line = reader.line_num
        for cells in reader:
            first_line, last_line = last_line + 1, reader.line_num  # a cell may span lines
            if not any(cell.strip() for cell in cells):
                continue
            lines.append(first_line)
            ok.append(len(cells) == len(header))
            rows.append(
                cells[: len(header)]
                + [None] * (len(header) - len(cells))
                + [";".join(cells[len(header) :]) or None]
            )
    frame = pl.DataFrame(rows, schema=header_names([*header, "_extra"]), orient="row")
    return frame.with_columns(
        pl.Series(LINE_NO, lines, dtype=pl.Int64), pl.Series(FIELDS_OK, ok, dtype=pl.Boolean)
    )


def read_table(path: Path, encoding: str, sheet: str | None, workdir: Path) -> pl.LazyFrame:
    """Every cell of the file as text (null for empty), with the original column names, plus
    LINE_NO (where the row starts in the file) and FIELDS_OK (its cell count is the header's).

    A CSV is parsed once here to find unreadable or ragged rows and stays on disk: the frame
    is lazy, so `sink_stage` streams it and memory does not grow with the file.
    """
    suffix = path.suffix.lower()
    if path.stat().st_size == 0:
        raise FileRejected("the file is empty")
    try:
        if suffix == ".csv":
            utf8 = decoded_csv(path, encoding, workdir)[0]
            frame, rows = _scan_csv(utf8)
            frame = _as_stated(frame, _csv_header(utf8))
        elif suffix == ".xlsx":
            reader = fastexcel.read_excel(path)
            loaded = reader.load_sheet(sheet if sheet is not None else 0, dtypes="string")
            frame, rows = loaded.to_polars().lazy(), loaded.height
            top = reader.load_sheet(
                sheet if sheet is not None else 0, header_row=None, n_rows=1, dtypes="string"
            )
            frame = _as_stated(frame, list(top.to_polars().row(0)) if top.height else [])
        elif suffix == ".parquet":
            frame = pl.scan_parquet(path)
            nested = [n for n, t in frame.collect_schema().items() if t.is_nested()]
            if nested:
                raise FileRejected(f"column {nested[0]!r} holds nested values, not one per cell")
            rows = int(frame.select(pl.len()).collect().item())  # from the file's metadata
        else:
            raise FileRejected(f"unsupported file type {suffix!r} (use CSV, XLSX or Parquet)")
        if rows == 0:
            raise FileRejected("the file has no data rows")
    except FileRejected:
        raise
    except Exception as exc:  # every reader error becomes one line naming the cause
        raise unreadable(suffix, exc) from exc
    if LINE_NO not in frame.collect_schema().names():  # one row per line; header is line 1
        first = 1 if suffix == ".parquet" else 2
        frame = frame.with_row_index(LINE_NO, offset=first).with_columns(
            pl.col(LINE_NO).cast(pl.Int64), pl.lit(True).alias(FIELDS_OK)
        )
    return frame.with_columns(pl.exclude(LINE_NO, FIELDS_OK).cast(pl.String))


def _csv_header(utf8: Path) -> list[str | None]:
    """The header's cells as the CSV reader splits them (null for a blank one)."""
    first = pl.scan_csv(
        utf8, has_header=False, n_rows=1, infer_schema=False, truncate_ragged_lines=True
    ).collect()
    return list(first.row(0)) if first.height else []


def _as_stated(frame: pl.LazyFrame, header: Sequence[str | None]) -> pl.LazyFrame:
    """The frame's columns under the names the file's header states (`header_names`), where a
    reader made up its own to tell repeated names apart (`sku_duplicated_0`, `sku_1`); blank
    header cells keep the reader's name."""
    names = frame.collect_schema().names()
    if len(header) != len(names):  # a ragged CSV's frame: named from its header already
        return frame
    stated = [h if h is not None and h.strip() else n for h, n in zip(header, names, strict=True)]
    return frame.rename(dict(zip(names, header_names(stated), strict=True)))


def _scan_csv(utf8: Path) -> tuple[pl.LazyFrame, int]:
    """The CSV as a lazy frame and its row count. A first streamed pass parses every cell and
    keeps none, so unreadable or ragged rows are found before anything is loaded."""
    scan = pl.scan_csv(utf8, infer_schema=False, truncate_ragged_lines=False)
    first = scan.collect_schema().names()[0]
    try:
        counted = scan.select(pl.col(first).len().alias("__rows"), pl.all().null_count()).collect()
    except pl.exceptions.ComputeError as exc:
        if "more fields" not in str(exc):
            raise FileRejected(f"unreadable CSV file: {_csv_problem(utf8)}") from exc
        ragged = _read_ragged_csv(utf8)
        return ragged.lazy(), ragged.height
    return scan, int(counted.item(0, 0))


def _csv_problem(utf8: Path) -> str:
    """Where and why a strict CSV reader stops on the file, in words that quote no cell (the
    message is logged; cells hold personal data)."""
    csv.field_size_limit(CSV_FIELD_LIMIT)
    with utf8.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        start = 1
        try:
            for _ in reader:
                start = reader.line_num + 1
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                return f"a quoted cell opened on line {start} is never closed"
            return f"line {reader.line_num}: {exc}"
    return "the CSV reader cannot split it into rows"


def header_names(names: Iterable[str]) -> list[str]:
    """Column names without surrounding spaces, each once: a name the header repeats is marked
    ` (repeat N)`, so that `canonical_targets` still sees the header name it twice."""
    seen: Counter[str] = Counter()
    unique = []
    for name in names:
        plain = stated_name(name).strip()
        seen[plain] += 1
        unique.append(plain if seen[plain] == 1 else f"{plain} (repeat {seen[plain]})")
    return unique


def stated_name(column: str) -> str:
    """The name a column has in the file's header (without the mark of a repeated name)."""
    return REPEATED.sub("", column)


def named_frame(frame: pl.LazyFrame) -> pl.LazyFrame:
    """The file's columns under their names without surrounding spaces (`header_names`)."""
    names = frame.collect_schema().names()
    return frame.rename(dict(zip(names, header_names(names), strict=True)))


def canonical_targets(
    columns: Iterable[str], mapping: Mapping[str, str], known: Iterable[str]
) -> dict[str, str]:
    """Column of the file → the known column it is (the mapping's name for its header, else
    the header lower-cased), for the columns that are one. A header naming one known column
    twice is ambiguous: the whole file is rejected."""
    wanted, targets = set(known), dict[str, str]()
    for column in columns:
        stated = stated_name(column)
        target = mapping.get(stated, stated.lower())
        if target not in wanted:
            continue
        first = next((c for c, t in targets.items() if t == target), None)
        if first is not None:
            raise FileRejected(
                f"the header names column {target!r} twice ({stated_name(first)!r} and "
                f"{stated!r}); keep one of them and drop the file again"
            )
        targets[column] = target
    return targets


def raw_cells() -> pl.Expr:
    """`raw`: a row's cells as read, as one JSON object under their column names (of a frame
    from read_table, after named_frame)."""
    return pl.struct(pl.exclude(LINE_NO, FIELDS_OK)).struct.json_encode().alias("raw")


def blank_as_null(column: str) -> pl.Expr:
    """The cell without surrounding spaces, null when nothing is left (streams, unlike
    `replace("", None)`, which holds the whole column)."""
    cell = pl.col(column).str.strip_chars()
    return pl.when(cell == "").then(None).otherwise(cell)


def unreadable(suffix: str, exc: Exception) -> FileRejected:
    """The reader's own words, up to where readers go on to quote the offending cells (the
    message is logged; cells hold personal data)."""
    text = str(exc).strip()
    cause = text.splitlines()[0].split(": ")[0] if text else type(exc).__name__
    return FileRejected(f"unreadable {suffix.lstrip('.').upper()} file: {cause}")


def sink_stage(frame: pl.LazyFrame, path: Path, workdir: Path) -> tuple[Path, int]:
    """The frame streamed to a Parquet file in workdir, and its row count."""
    stage = workdir / "stage.parquet"
    try:
        frame.sink_parquet(stage)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise unreadable(path.suffix.lower(), exc) from exc
    return stage, int(pl.scan_parquet(stage).select(pl.len()).collect().item())
