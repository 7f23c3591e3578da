"""The demo's oracle-style outputs, byte for byte: this checkout against a git ref.

    python -m bench.same_outputs --against <git ref> [--keep]

Runs `recall demo`, then `recall export claims --campaign RC-2026-017 --out
out/RC-2026-017/export/claims.csv`, once with the code of <ref> (a temporary
`git worktree add --detach`, removed afterwards) and once with this checkout's working tree,
and compares every file the two data homes hold under `out/`: the payment instructions
(`instructions/*.csv`), the letters (`letters/<run>/{email,sms}/*.jsonl`, `post/*.pdf`,
`manifest.csv`, `manifest.parquet`), the finance reports (`reports/<as-of>/*.csv`,
`reconciliation.html`, `reconciliation.xlsx`), the review queue (`review/queue.csv`,
`queue.xlsx`) and the claims export — and the list of their names. Exit 0 when all are the
same, 1 when anything differs, 2 when a run fails. The temporary folder (homes, logs) is kept
with --keep or when a run fails. Takes a few minutes: not part of `make bench` or the tests.

Each tree is driven only through its command line, never imported here (module paths change):
this interpreter with PYTHONPATH=<tree>, calling the entry point that tree's pyproject.toml
names in `[project.scripts] recall`, from a scratch directory, with RECALL_CONFIG_DIR a fresh
copy of that tree's config/, RECALL_PREFECT_IDLE_SECONDS=0 (no embedded server outlives a
command; in older trees, no resident process either) and no inherited PREFECT_* or RECALL_* setting.
A sanity check prints which package file that environment imports and refuses if it is not the
tree's (the editable install must not win). Both trees run in the same data home path, one
after the other, because the letter manifest records each letter's absolute path (in
`manifest.parquet` too, compressed, so a rewrite of the path could not be applied to it).

Two runs of the same tree differ only in these, each normalised by one narrow rule below:
- `reconciliation.html`: the `<dc:date>` of each inline SVG chart — matplotlib's SVG backend
  stamps the wall clock into the chart's metadata. The element is left out (a tree that saves
  its charts without a date, `metadata={"Date": None}`, writes none).
- `*.xlsx` (`reconciliation.xlsx`, `queue.xlsx`): `dcterms:created` and `dcterms:modified` in
  `docProps/core.xml` — xlsxwriter stamps the wall clock when the workbook is given no
  `created` property. A workbook is a deflated zip, so it is compared member by member (names
  in order, each member's date and bytes) with those two values blanked.
"""

from __future__ import annotations

import argparse
import difflib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from pathlib import Path
from typing import NoReturn

REPO = Path(__file__).resolve().parent.parent
CAMPAIGN = "RC-2026-017"
EXPORT = f"out/{CAMPAIGN}/export/claims.csv"
TEXT = {".csv", ".jsonl", ".html", ".json", ".txt", ".xml"}
# argv[1] is the tree's "module:function"; the rest are recall's arguments
LAUNCH = (
    "import sys, importlib; module, name = sys.argv.pop(1).split(':'); sys.argv[0] = 'recall'; "
    "sys.exit(getattr(importlib.import_module(module), name)())"
)
WHERE = "import importlib, sys; print(importlib.import_module(sys.argv[1]).__file__)"
SVG_DATE = re.compile(rb"[ \t]*<dc:date>[^<]*</dc:date>\n?")
CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:)")


def normalised(name: str, data: bytes) -> bytes:
    """The bytes to compare: as written, but for the wall-clock fields named in the docstring."""
    if name.endswith("reconciliation.html"):
        return SVG_DATE.sub(b"", data)
    if name.endswith(".xlsx"):
        out = []
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            for member in book.infolist():
                body = book.read(member)
                if member.filename == "docProps/core.xml":
                    body = CORE_DATES.sub(rb"\1\2", body)
                out.append(f"== {member.filename} {member.date_time}\n".encode() + body)
        return b"\n".join(out)
    return data


def run(cmd: list[str], env: dict[str, str], cwd: Path, log: Path) -> str:
    with log.open("ab") as sink:
        sink.write(f"$ {' '.join(cmd)}\n".encode())
        done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True)
        sink.write(done.stdout + done.stderr)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).decode(errors="replace").splitlines()[-15:]
        fail("\n".join([*tail, f"failed (exit {done.returncode}, log: {log}): {' '.join(cmd)}"]))
    return done.stdout.decode()


def fail(message: str) -> NoReturn:
    print(message, file=sys.stderr)
    raise SystemExit(2)


def outputs(tree: Path, work: Path, label: str) -> Path:
    """Run the demo and the export with `tree`'s code; return the data home, moved to work/label."""
    script = tomllib.loads((tree / "pyproject.toml").read_text())["project"]["scripts"]["recall"]
    config, home, cwd = work / f"config-{label}", work / "home", work / f"cwd-{label}"
    shutil.copytree(tree / "config", config)
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RECALL_"))}
    env.update(
        PYTHONPATH=str(tree),
        RECALL_CONFIG_DIR=str(config),
        RECALL_PREFECT_IDLE_SECONDS="0",
    )
    log = work / f"{label}.log"
    package = script.split(":")[0].split(".")[0]
    where = run([sys.executable, "-c", WHERE, package], env, cwd, log).strip()
    print(f"{label}: {tree} — `recall` is {script}, {package} from {where}")
    if not Path(where).resolve().is_relative_to(tree.resolve()):
        fail(f"{label}: {package} is imported from {where}, not from {tree}")
    recall = [sys.executable, "-c", LAUNCH, script, "--home", str(home)]
    started = time.perf_counter()
    export = ["export", "claims", "--campaign", CAMPAIGN, "--out", str(home / EXPORT)]
    for command in (["demo"], export):
        run([*recall, *command], env, cwd, log)
    print(f"{label}: demo and export in {time.perf_counter() - started:.0f} s (log: {log})")
    return home.rename(work / label)


def files(home: Path) -> dict[str, Path]:
    return {
        p.relative_to(home).as_posix(): p for p in sorted((home / "out").rglob("*")) if p.is_file()
    }


def cropped(diff: list[str], width: int = 150) -> list[str]:
    """Long lines (a JSON letter, a manifest row) cut to a window where the first changed line
    pair parts, so the change shows."""
    minus = next((line[1:] for line in diff[2:] if line.startswith("-")), "")
    plus = next((line[1:] for line in diff[2:] if line.startswith("+")), "")
    same = next((i for i, (x, y) in enumerate(zip(minus, plus, strict=False)) if x != y), 0)
    start = max(0, same - width // 3)
    cut = "…" if start else ""
    return diff[:2] + [
        line if line.startswith("@@") else f"{line[0]}{cut}{line[1 + start : start + width]}"
        for line in diff[2:]
    ]


def compare(a: Path, b: Path) -> int:
    in_a, in_b = files(a), files(b)
    common = sorted(in_a.keys() & in_b.keys())
    differ = [
        n
        for n in common
        if normalised(n, in_a[n].read_bytes()) != normalised(n, in_b[n].read_bytes())
    ]
    only_a, only_b = sorted(in_a.keys() - in_b.keys()), sorted(in_b.keys() - in_a.keys())
    rows = [
        ("files compared", len(common)),
        ("identical", len(common) - len(differ)),
        ("differ", len(differ)),
        ("only in A", len(only_a)),
        ("only in B", len(only_b)),
    ]
    print("\n".join(f"  {label:<15}{count:>6}" for label, count in rows))
    for name in only_a:
        print(f"only in A: {name}")
    for name in only_b:
        print(f"only in B: {name}")
    for name in differ:
        print(f"differs:   {name}")
        if Path(name).suffix in TEXT:
            old = normalised(name, in_a[name].read_bytes()).decode(errors="replace")
            new = normalised(name, in_b[name].read_bytes()).decode(errors="replace")
            diff = difflib.unified_diff(
                old.splitlines(), new.splitlines(), f"A/{name}", f"B/{name}", lineterm="", n=0
            )
            print("\n".join(f"    {line}" for line in cropped(list(diff))[:10]))
    return 1 if differ or only_a or only_b else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="git ref whose outputs are A")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="recall-same-outputs-"))
    tree = work / "tree-A"
    try:
        add = ["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), args.against]
        if subprocess.run(add, capture_output=True).returncode != 0:
            fail(f"cannot check out {args.against!r}: is it a commit, branch or tag here?")
        a = outputs(tree, work, "A")
        b = outputs(REPO, work, "B")
        print(f"A = {args.against}, B = working tree of {REPO}")
        status = compare(a, b)
    except BaseException:
        args.keep = True  # the logs name why
        raise
    finally:
        if tree.exists():
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)])
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(
        f"{'same outputs' if status == 0 else 'OUTPUTS DIFFER'} "
        f"({time.perf_counter() - started:.0f} s)"
    )
    return status


if __name__ == "__main__":
    sys.exit(main())
