"""The commands that look after a campaign and its data home — status, reserve, backup,
restore, templates, export — which run no flow (and so import no Prefect); the Prefect server
and `serve` for schedules; the demo (main.py registers them)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from flows.cli.failures import fail
from flows.cli.flow_runs import run_night
from flows.cli.options import AsOfOpt, CampaignOpt, check_config, existing_database
from flows.cli.printing import console, print_status
from flows.shared.settings import Paths

LOCAL_SERVER = "http://127.0.0.1:{port}/api"


def status(
    campaign: CampaignOpt,
    last: Annotated[int, typer.Option("--last", help="How many runs to list.")] = 10,
) -> None:
    """Print the campaign's last runs, rows per state, money and payment position, open
    exceptions, reviews waiting and where the latest reports are (fits 80 columns)."""
    from flows.cli.status import campaign_status

    check_config(campaign)
    existing_database()
    print_status(campaign, campaign_status(Paths.from_env(), campaign, last))


def reserve_add(
    campaign: CampaignOpt,
    amount: Annotated[
        str,
        typer.Option(
            "--amount",
            help="Top-up, a decimal such as 50000.00; negative to correct an earlier entry "
            "(at most 1,000,000,000,000.00 either way).",
        ),
    ],
    note: Annotated[
        str, typer.Option("--note", help="Why the reserve changes (kept in the ledger).")
    ],
    as_of: AsOfOpt = None,
) -> None:
    """Record a top-up of the campaign's budget reserve in the ledger (negative: a correction)."""
    from flows.shared.budget import add_top_up
    from flows.shared.money import parse_money

    check_config(campaign)
    try:
        value = parse_money(amount)
    except ValueError as exc:
        raise fail(f"--amount: {exc}", 2) from None
    entry = add_top_up(Paths.from_env(), campaign, value, note, as_of or date.today())
    console.print(f"reserve ledger entry {entry}: {value:+,.2f} for {campaign}")


def backup() -> None:
    """Make a backup of the database now in RECALL_HOME/backups/ (keeps the last
    RECALL_BACKUPS_KEEP, default 7) and print its folder."""
    from flows.shared.backup import make_backup

    made = make_backup(Paths.from_env())
    console.print(f"latest runs: {made.describe()}", highlight=False, soft_wrap=True)
    console.print(f"backup: {made.path}", highlight=False, soft_wrap=True)


def restore(
    source: Annotated[
        Path,
        typer.Option("--from", help="A backup folder, e.g. RECALL_HOME/backups/000007-…"),
    ],
) -> None:
    """Put a backup in place of the database; the database it replaces is kept in
    RECALL_HOME/replaced/. Refused while a run holds the data home."""
    from flows.shared.backup import entries_not_restored
    from flows.shared.backup import restore as restore_backup

    done = restore_backup(Paths.from_env(), source)
    console.print(f"restored {done.backup.path}", highlight=False, soft_wrap=True)
    console.print(f"latest runs: {done.backup.describe()}", highlight=False, soft_wrap=True)
    if done.replaced:
        console.print(f"the database it replaced: {done.replaced}", highlight=False)
    for campaign, entry_no, amount, note, recorded_on in entries_not_restored(
        Paths.from_env(), done.replaced
    ):
        console.print(
            f"warning: {campaign} reserve entry {entry_no} of {recorded_on} ({amount:,.2f}, "
            f"{note!r}) was made after this backup and is not in it: record it again with "
            "`recall reserve add`",
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        "next: run the night again; what was instructed or written before is not made again",
        highlight=False,
    )


def templates_approve(
    by: Annotated[str, typer.Option("--by", help="Who approved the templates (legal review).")],
    on: Annotated[
        date | None,
        typer.Option("--on", formats=["%Y-%m-%d"], help="Date of approval (default today)."),
    ] = None,
) -> None:
    """Record every new or edited letter template as approved in config/approvals.toml."""
    from flows.letters.approvals import approve
    from flows.shared.settings import templates_dir

    approvals = Paths.from_env().config_dir / "approvals.toml"
    changed = approve(templates_dir(), approvals, by, on or date.today())
    for name in changed:
        console.print(f"approved {name}")
    console.print(f"{len(changed)} template(s) approved by {by} in {approvals}")


def export_claims(
    campaign: CampaignOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV file to write.")],
) -> None:
    """One CSV row per input row: status, reasons, duplicate_of and amounts."""
    from flows.cli.export import export_claims as export

    check_config(campaign)
    existing_database()
    rows = export(Paths.from_env(), campaign, out)
    console.print(f"wrote {rows:,} rows to {out}")


def claim(
    ref: Annotated[
        str, typer.Argument(help="Claim id, phone, email or source record id.", show_default=False)
    ],
    campaign: CampaignOpt,
) -> None:
    """Show a claim as a hotline agent needs it: state and reasons, amounts, letters, payment,
    review history and what happens next."""
    from flows.cli.claim import find_claims, print_claim
    from flows.shared.runs import load_config

    check_config(campaign)
    existing_database()
    paths = Paths.from_env()
    found = find_claims(paths, campaign, ref)
    if not found:
        raise fail(
            f"no claim or quarantined row of {campaign} has the claim id or reference, source "
            f"record id, email or phone {ref!r}; check it (every row is in `recall export "
            "claims`)",
            2,
        )
    currency = load_config(paths, campaign).campaign.currency
    if len(found) > 1:
        console.print(f"{len(found)} claims match {ref!r}:", markup=False)
    for n, one in enumerate(found):
        if n:
            console.rule()
        print_claim(console, one, currency)


def server_start(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 4200,
) -> None:
    """Run a Prefect server on 127.0.0.1 (UI and API), its database under RECALL_HOME."""
    import os
    import subprocess
    import sys

    home = Path(os.environ["PREFECT_HOME"])
    console.print(
        f"Prefect server on http://127.0.0.1:{port} (database in {home}); "
        f"in another terminal: export PREFECT_API_URL={LOCAL_SERVER.format(port=port)}"
    )
    command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1"]
    # Prefect's UI would otherwise ask the API of PREFECT_API_URL, else of port 4200
    env = {"PREFECT_UI_API_URL": LOCAL_SERVER.format(port=port)} | dict(os.environ)
    raise typer.Exit(subprocess.call([*command, "--port", str(port)], env=env))


def serve(
    port: Annotated[
        int, typer.Option("--port", help="Port of the local server when PREFECT_API_URL is unset.")
    ] = 4200,
) -> None:
    """Register every flow with the Prefect server and run them: each campaign's nightly on its
    cron schedule, every flow on demand. Needs a server (`recall server start`)."""
    import os

    from flows.cli.embedded import answers

    url = os.environ.get("PREFECT_API_URL") or LOCAL_SERVER.format(port=port)
    if not answers(url.rstrip("/"), timeout=3):
        raise fail(
            f"no Prefect server answers at {url}: start one with `recall server start` "
            "(schedules need a server; the temporary one of other commands cannot keep them)",
            2,
        )
    os.environ["PREFECT_API_URL"] = url
    from flows.cli.serve import deployments

    found = deployments(Paths.from_env())
    for deployment in found:
        console.print(f"deployment {deployment.flow_name}/{deployment.name}")
    from prefect import serve as prefect_serve

    prefect_serve(*found)


def demo(
    no_run: Annotated[
        bool, typer.Option("--no-run", help="Only write config and inbox files.")
    ] = False,
) -> None:
    """Write the demo campaign (about 10,000 claims, messy on purpose) and run it."""
    from flows.cli.demo import DEMO_AS_OF, DEMO_CAMPAIGN, write_demo

    paths = Paths.from_env()
    with console.status("writing the demo campaign…"):
        files = write_demo(paths)
    console.print(
        f"demo campaign {DEMO_CAMPAIGN}: {len(files)} files in "
        f"{paths.inbox(DEMO_CAMPAIGN, 'lists')}"
    )
    if not no_run:
        from flows.shared.runs import load_config

        if load_config(paths, DEMO_CAMPAIGN).payments.require_acceptance:
            raise fail(
                f"{paths.campaign_file(DEMO_CAMPAIGN)}: [payments] require_acceptance is true; "
                "the demo's payout files pay the offers of its first night, so it runs with "
                "false (run the nights yourself with `recall run nightly` to try acceptance)",
                2,
            )
    if no_run:
        console.print(
            f"next: recall run nightly --campaign {DEMO_CAMPAIGN} --as-of {DEMO_AS_OF}\n"
            f"  (or step by step: recall run intake|compensate|letters|reconcile "
            f"--campaign {DEMO_CAMPAIGN} --as-of {DEMO_AS_OF})"
        )
        return
    # the demo's days are fixed, whatever the machine's date
    if run_night(DEMO_CAMPAIGN, DEMO_AS_OF, allow_future=True) is None:
        raise fail("the demo's nightly run failed", 1)
    from flows.cli.demo_payouts import DEMO_ROUNDS, write_demo_payouts

    last = len(DEMO_ROUNDS)
    from flows.cli.demo_responses import write_demo_responses

    for round_no, day in enumerate(DEMO_ROUNDS, 1):
        written = write_demo_payouts(paths, round_no)
        console.print(f"payout files of {day}: {', '.join(p.name for p in written)}")
        if round_no == 1:  # the first night used the reserve up: the board tops it up
            from flows.shared.budget import add_top_up

            note = "board approval: supplements and disputes after the first letters"
            add_top_up(paths, DEMO_CAMPAIGN, Decimal("50000.00"), note, day)
            console.print(f"reserve topped up on {day}: 50,000.00 ({note})")
        sent = write_demo_responses(paths, round_no, day.isoformat())
        console.print(f"customers' files of {day}: {', '.join(p.name for p in sent)}")
        night = run_night(DEMO_CAMPAIGN, day, details=round_no == last, allow_future=True)
        if night is None:
            raise fail(f"the demo's nightly run of {day} failed", 1)
        answered = night.results["compensate"].responses
        if answered:
            counts = ", ".join(f"{k} {v}" for k, v in sorted(answered.items()))
            console.print(f"customer responses of {day}: {counts}")
    reconciliation = night.results["reconcile"]
    console.print(f"database:          {paths.database}")
    console.print(f"archived inputs:   {paths.archive}")
    console.print(f"rejected files:    {paths.inbox(DEMO_CAMPAIGN, 'lists') / 'rejected'}")
    console.print(f"review queue:      {paths.out(DEMO_CAMPAIGN, 'review') / 'queue.xlsx'}")
    console.print(f"payment instr.:    {paths.out(DEMO_CAMPAIGN, 'instructions')}")
    console.print(f"letters:           {paths.out(DEMO_CAMPAIGN, 'letters')}")
    console.print(f"finance report:    {reconciliation.reports / 'reconciliation.html'}")
    console.print(
        f"export the claims: recall export claims --campaign {DEMO_CAMPAIGN} --out claims.csv"
    )
