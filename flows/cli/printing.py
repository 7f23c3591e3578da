"""What the commands print: the console, and a run's summary as tables and lines."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console()


def print_intake(summary: Any) -> None:
    files = Table(title=f"Intake run {summary.run_id}: files", title_justify="left")
    for column in ("file", "status", "rows", "quarantined", "message"):
        files.add_column(column)
    for f in summary.files:
        files.add_row(f.file_name, f.status, str(f.rows), str(f.quarantined), f.message)
    console.print(files)
    states = Table(title="Rows per state and reason (campaign total)", title_justify="left")
    for column in ("state", "reason", "rows"):
        states.add_column(column)
    for status, reason, rows in summary.reason_counts:
        states.add_row(status, reason or "-", f"{rows:,}")
    for status, rows in summary.status_counts.items():
        states.add_row(f"[bold]{status}[/bold]", "[bold]all[/bold]", f"[bold]{rows:,}[/bold]")
    console.print(states)


def print_money(title: str, position: Any, pending_reviews: int, *first: tuple[str, Any]) -> None:
    """The reserve position as a table, after any rows given first."""
    money = Table(title=title, title_justify="left")
    money.add_column("")
    money.add_column("amount", justify="right")
    for label, value in [
        *first,
        ("offered, all runs", position.offered),
        (f"held back ({pending_reviews:,} pending reviews)", position.held_back),
        ("available (reserve + top-ups)", position.available),
        ("headroom", position.headroom),
    ]:
        money.add_row(label, f"{value:,.2f}")
    console.print(money)


def print_compensation(summary: Any, currency: str) -> None:
    factor = summary.prorate_factor
    print_money(
        f"Compensate run {summary.run_id}: money ({currency})",
        summary.position,
        summary.pending_reviews,
        (f"offered in this run ({summary.offers_made:,} offers)", summary.offered_in_run),
    )
    if factor is not None:
        console.print(f"new offers prorated: goodwill and bonus scaled by {factor}")
    for reason, (offers, released) in summary.released.items():
        console.print(f"offers {reason}: {offers:,}, {released:,.2f} {currency} committed no more")
    if summary.decisions:
        decided = ", ".join(f"{k} {v}" for k, v in sorted(summary.decisions.items()))
        console.print(f"review decisions read: {decided}")
    for problem in summary.decision_problems:
        console.print(f"  not taken: {problem}", highlight=False, soft_wrap=True, markup=False)
    if summary.responses:
        answered = ", ".join(f"{k} {v}" for k, v in sorted(summary.responses.items()))
        console.print(f"customer responses read: {answered}")
    for problem in summary.response_problems:
        console.print(f"  not taken: {problem}", highlight=False, soft_wrap=True, markup=False)


def print_letters(summary: Any) -> None:
    if not summary.counts:
        console.print(f"letters run {summary.run_id}: no new letters to write")
        return
    table = Table(title=f"Letters run {summary.run_id}", title_justify="left")
    for column in ("kind", "channel", "language", "letters"):
        table.add_column(column, justify="right" if column == "letters" else "left")
    for (kind, channel, language), count in sorted(summary.counts.items()):
        table.add_row(kind, channel, language, f"{count:,}")
    console.print(table)
    console.print(f"letters and manifest: {summary.folder}")


def print_reconciliation(summary: Any, currency: str, failed: bool = False) -> None:
    """What a reconcile run found; when it `failed`, its errors are left to the error line."""
    new = [f"{f.file_name} {f.status}" for f in summary.files if f.status != "skipped"]
    skipped = sum(1 for f in summary.files if f.status == "skipped")
    seen = f" ({skipped} files in the inbox loaded before)" if skipped else ""
    console.print(
        f"reconcile run {summary.run_id}: {escape(', '.join(new)) or 'no new payout files'}{seen}"
    )
    statements = [r for r in summary.payout_files if r.get("statement_id")]
    if statements:  # a line each: it wraps at 80 columns where a table would cut
        console.print("Bank statements:")
    for r in statements:
        balance = {True: "balances add up", False: "BALANCES DO NOT ADD UP", None: "no balances"}
        counts = f"{r['payouts_loaded']:,} ours loaded, {r['quarantined']:,} quarantined"
        console.print(
            f"  {escape(r['file'])} · {escape(r['statement_id'])} · {r['entries']:,} entries: "
            f"{counts}, {r['not_ours']:,} not ours · {balance[r['balance_ok']]} · {r['status']}",
            highlight=False,
        )
    classes = Table(title="Instructions and payouts per class", title_justify="left")
    for column in ("item", "class", "count", "instructed", "paid"):
        classes.add_column(column, justify="left" if column in ("item", "class") else "right")
    for item, cls, count, instructed, paid in summary.classes:
        classes.add_row(item, cls, f"{count:,}", f"{instructed:,.2f}", f"{paid:,.2f}")
    console.print(classes)
    from flows.reconcile.reports import UNMATCHED, summary_rows

    money = Table(title=f"Reserve position ({currency})", title_justify="left")
    money.add_column("")
    money.add_column("amount", justify="right")
    for row in summary_rows(summary):
        if row["amount"] is not None:
            money.add_row(row["metric"], f"{row['amount']:,.2f}")
        elif row["metric"].startswith(tuple(UNMATCHED.values())):  # in another currency
            money.add_row(row["metric"], row["note"])
    money.add_row("utilisation", f"{summary.position.utilisation:.1%}")
    console.print(money)
    if summary.reissued:
        console.print(f"failed payments reissued: {summary.reissued:,}")
    for alert in summary.alerts:
        if not (failed and alert.severity == "error"):
            console.print(f"[bold]{alert.severity}[/bold]: {escape(alert.message)}")
    console.print(f"finance reports: {summary.reports}")


def print_night(summary: Any, currency: str, details: bool = True) -> None:
    printers = {
        "intake": print_intake,
        "compensate": lambda s: print_compensation(s, currency),
        "letters": print_letters,
        "reconcile": lambda s: print_reconciliation(s, currency),
        "report": print_effect,
    }
    if details:
        for step, result in summary.results.items():
            printers[step](result)
    table = Table(title=f"Nightly {summary.campaign} {summary.as_of}", title_justify="left")
    for column in ("step", "run", "outcome"):
        table.add_column(column, overflow="fold")
    for step in summary.steps:
        table.add_row(step["step"], step["run_id"], step["outcome"])
    console.print(table)


def print_effect(summary: Any) -> None:
    """The effect report's headline figures and where its pages are."""
    table = Table(title=f"Effect report {summary.run_id}", title_justify="left")
    table.add_column("figure")
    table.add_column(f"as of {summary.as_of}", justify="right")
    for what, figure in summary.lines():
        table.add_row(what, figure)
    console.print(table)
    console.print(f"effect report: {summary.folder / 'effect.html'}", soft_wrap=True)
    console.print(f"progress report: {summary.folder / 'progress.html'}", soft_wrap=True)


RUN_COLUMNS = ("run", "flow", "as of", "status", "message")


def packed(parts: list[str]) -> list[str]:
    """Parts joined by ", " into lines that fit the console after a 2-space indent, a part
    never split across lines."""
    lines: list[str] = []
    for part in parts:
        if lines and len(lines[-1]) + 2 + len(part) <= console.width - 3:
            lines[-1] += f", {part}"
        else:
            lines.append(part)
    return lines


def print_status(campaign: str, found: Any) -> None:
    """`recall status`, each section short enough for 80 columns: run ids never wrap, a long
    message is cut with … rather than broken mid-word."""
    rows = [
        (escape(run_id), flow, str(as_of), state, escape(" ".join(message.split())))
        for run_id, flow, as_of, state, _started, message in found.runs
    ]
    fixed = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(RUN_COLUMNS[:4])]
    # 6 borders and 2 spaces of padding a column: the message gets what is left, cut with …
    message_width = max(len(RUN_COLUMNS[4]), console.width - 6 - 10 - sum(fixed))
    runs = Table(title=f"{campaign}: last runs", title_justify="left")
    for header, width in zip(RUN_COLUMNS[:4], fixed, strict=True):
        runs.add_column(header, no_wrap=True, min_width=width)
    runs.add_column(RUN_COLUMNS[4], no_wrap=True, overflow="ellipsis", max_width=message_width)
    for values in rows:
        runs.add_row(*values)
    console.print(runs)
    console.print(f"claims per state (letters written: {found.letters:,}):")
    for line in packed([f"{s} {n:,}" for s, n in sorted(found.states.items())] or ["none"]):
        console.print(f"  {line}")
    print_money(f"Money ({found.currency})", found.position, found.states.get("review", 0))
    p = found.payments
    payments = Table(title=f"Payments ({found.currency})", title_justify="left")
    payments.add_column("")
    payments.add_column("count", justify="right")
    payments.add_column("amount", justify="right")
    for label, key in [
        ("instructed, reissues included", "instructed"),
        ("  of which reissues", "reissued"),
        ("paid", "paid"),
        ("outstanding", "outstanding"),
        ("failed", "failed"),
        ("other classes (exceptions)", "other"),
    ]:
        payments.add_row(label, f"{p[key]:,}", f"{p[key + '_amount']:,.2f}")
    console.print(payments)
    cases = sum(count for _cls, count, _amount in found.exceptions)
    console.print(f"open exceptions: {cases:,} cases need a person")
    if found.exceptions:
        for line in packed([f"{c} {n:,}" for c, n, _amount in found.exceptions]):
            console.print(f"  {line}")
    r = found.reviews
    if r["waiting"]:
        console.print(
            f"reviews waiting: {r['waiting']:,}, oldest {r['oldest_days']} days; "
            f"overdue (past the {found.reply_within_days}-day reply-by): {r['overdue']:,}"
        )
    else:
        console.print("reviews waiting: none")
    console.print("latest reports, in the data home:", style="bold")
    report = found.reconciliation_report
    console.print(f"  {report}" if report else "  no reconciliation report yet (run reconcile)")
    for path in found.review_queue or ["no review queue yet (run compensate)"]:
        console.print(f"  {path}")
