"""`recall claim REF`: a hotline agent finds a caller's claim by claim id, phone, email or
source record id (SPEC §6a)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from flows.cli.main import app
from tests.conftest import CAMPAIGN, make_workspace, row
from tests.reconcile.test_reconcile import ROUNDS, instructions, write_payouts

runner = CliRunner()
HEADER = [*row().keys(), "preferred_channel"]


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory):
    """A small campaign run through intake, compensate, letters and one reconciliation:
    claim 1 offered and paid, 2 not an affected model, 3 offered (same phone as 2, written
    another way), 4 quarantined."""
    from flows.letters.flow import letters
    from flows.reconcile.flow import reconcile

    with pytest.MonkeyPatch.context() as patch:
        space = make_workspace(tmp_path_factory.mktemp("claim"), patch)
        space.write_csv(
            "a.csv",
            [
                row(source_record_id="1") | {"preferred_channel": "email"},
                row(
                    source_record_id="2",
                    sku="K2",
                    email="",
                    phone="+86 138-0013-8000",
                    postal_address="Road 1",
                ),
                row(
                    source_record_id="3",
                    email="zhang@example.cn",
                    phone="+86 13800138000",
                    serial_no="K3A000502",
                ),
                row(source_record_id="4", purchase_price="x"),
            ],
            header=HEADER,
        )
        space.intake()
        space.compensate()
        letters(CAMPAIGN, ROUNDS[0])
        ref, amount = instructions(space)["1"]
        write_payouts(
            space, "p.csv", [[ref, "T-1", str(amount), "CNY", "paid", str(ROUNDS[0]), ""]]
        )
        reconcile(CAMPAIGN, ROUNDS[0])
        ids = dict(space.query("select source_record_id, claim_id from claims"))
        yield space, ids


def claim(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["claim", *args, "--campaign", CAMPAIGN], env={"COLUMNS": "80"})


def test_claim_by_claim_id_shows_state_amounts_letters_payment_and_next_step(campaign):
    _, ids = campaign
    result = claim(ids["1"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert ids["1"] in out and "found by  claim id" in out
    assert "offer made" in out and "Amounts (CNY)" in out
    assert "Letters sent" in out and "offer" in out and "email" in out
    assert "paid" in out and "next: Nothing more: paid on 2026-10-22" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_claim_by_claim_id_read_out_in_capitals_with_spaces_around(campaign):
    _, ids = campaign
    result = claim(f"  {ids['1'].upper()} ")
    assert result.exit_code == 0, result.output
    assert ids["1"] in result.output and "found by  claim id" in result.output


def test_claim_by_phone_written_any_way_lists_every_claim_with_that_phone(campaign):
    _, ids = campaign
    result = claim("008613800138000".replace("00", "+", 1))  # +8613800138000
    assert result.exit_code == 0, result.output
    assert "2 claims match" in result.output
    assert ids["2"] in result.output and ids["3"] in result.output
    assert "the product is not an affected model" in result.output
    assert "found by  phone" in result.output


@pytest.mark.parametrize("dialled", ["138 0013 8000", "0086 138 0013 8000", "(0)13800138000"])
def test_claim_by_phone_with_or_without_its_country_code(campaign, dialled):
    _, ids = campaign
    result = claim(dialled)  # kept as +86 138…: a caller gives the number as they know it
    assert result.exit_code == 0, result.output
    assert ids["2"] in result.output and ids["3"] in result.output


def test_claim_by_email_ignores_case_as_intake_does(campaign):
    _, ids = campaign
    result = claim("li.wei@EXAMPLE.cn")
    assert result.exit_code == 0, result.output
    assert ids["1"] in result.output and "found by  email" in result.output
    assert ids["3"] not in result.output


def test_claim_by_source_record_id(campaign):
    _, ids = campaign
    result = claim("3")
    assert result.exit_code == 0, result.output
    assert ids["3"] in result.output and "found by  source record id" in result.output


def test_an_unknown_reference_is_refused_in_one_line_naming_what_was_searched(campaign):
    result = claim("nobody@example.cn")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "claim id or reference, source record id, email or phone" in lines[0]
    assert "nobody@example.cn" in lines[0]


def test_an_override_shows_its_adjustment_so_the_amounts_add_up(tmp_path, monkeypatch):
    space = make_workspace(tmp_path, monkeypatch)
    space.write_csv("a.csv", [row(source_record_id="1", flags="vip")])
    space.intake()
    space.compensate()
    [(claim_id,)] = space.query("select claim_id from claims")
    folder = space.paths.inbox(CAMPAIGN, "reviews")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "d.csv").write_text(
        f"claim_id,decision,amount,reviewer\n{claim_id},override,20.00,W\n"
    )
    space.compensate()
    [(goodwill, bonus, expenses, adjustment)] = space.query(
        "select goodwill, bonus, expenses, adjustment from offers"
    )
    assert goodwill + bonus + expenses + adjustment == 20
    result = claim(claim_id)
    assert result.exit_code == 0, result.output
    assert "review adj." in result.output and f"{adjustment:,.2f}" in result.output
