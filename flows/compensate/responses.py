"""Customer responses (SPEC §11): files in inbox/<c>/responses/, each line recorded with its
outcome, then what the taken ones do: a withdrawn claim leaves review (its holdback released)
or gives up an offer not yet instructed, receipts sent after an offer become supplement
candidates (sql/compensate/offer_candidates), and with `[payments] require_acceptance` an offer
not accepted by its reminder's date lapses."""

from __future__ import annotations

from typing import Any

from flows.shared import db
from flows.shared.crash import crash_point
from flows.shared.line_files import LineFiles, LinesRead, load_line_files
from flows.shared.runs import Run

RESPONSES = LineFiles(
    kind="responses",
    columns=("claim_id", "response", "amount", "evidence", "score", "note", "received_on"),
    required=("claim_id", "response"),
    numbers=("amount", "score"),
    stage="stage_responses",
    record="compensate/responses",
    outcomes="compensate/response_outcomes",
    problems="compensate/response_problems",
    file_param="responses_file",
)


def response_params(run: Run) -> dict[str, Any]:
    """The parameters of sql/compensate/responses.sql beyond the campaign and run."""
    payments = run.config.payments
    return {
        "as_of": run.as_of,
        "dispute_days": run.config.disputes.within_days,
        "require_acceptance": payments.require_acceptance,
        "accept_within_days": payments.accept_within_days,
    }


def load_responses(run: Run) -> LinesRead:
    """Read new responses files (outcomes per response: taken, unknown_claim, not_fitting,
    repeated, invalid), then withdraw the claims whose withdrawal was taken and open the
    disputes and appeals taken (to review)."""
    read = load_line_files(run, RESPONSES, **response_params(run))
    crash_point("compensate:responses_read")  # every file's lines recorded, none acted on
    act_on_responses(run)
    return read


def act_on_responses(run: Run) -> None:
    """Withdraw the claims whose withdrawal was taken, release the offers withdrawn before their
    instruction or lapsed, open the disputes and appeals taken; from every taken line not yet
    acted on, so a run killed before this does it next."""
    payments = run.config.payments
    with db.transaction(run.con):
        db.update(run.con, "compensate/claims_withdrawn", campaign=run.campaign)
        # an acceptance received in time but read after the lapse binds the offer again
        db.run(run.con, "compensate/offers_revived", campaign=run.campaign)
        db.update(run.con, "compensate/claims_revived", campaign=run.campaign)
        db.run(
            run.con,
            "compensate/offers_released",
            campaign=run.campaign,
            run_id=run.run_id,
            as_of=run.as_of,
            require_acceptance=payments.require_acceptance,
            accept_within_days=payments.accept_within_days,
        )
        db.update(run.con, "compensate/claims_released", campaign=run.campaign)
        db.run(run.con, "compensate/disputes_opened", campaign=run.campaign)
