"""Letters flow: channels, once per (claim, kind, version), manifest, approvals, PDFs."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from flows.letters.approvals import TemplateNotApproved
from flows.letters.batches import read_message
from flows.letters.pdf import batch_pdf
from flows.letters.render import render_print, sample_context
from flows.shared.settings import TEMPLATES_DIR
from tests.conftest import AS_OF, CAMPAIGN, Workspace, make_workspace, row


def claim(rid: str, n: int, **changes: str) -> dict[str, str]:
    return (
        row(
            source_record_id=rid,
            serial_no=f"K3A{4000 + n:06d}",
            email=f"l{n}@example.cn",
            claim_date="2026-09-10",
        )
        | changes
    )


ROWS = [
    claim("email", 1),
    claim("post", 2, email="", postal_address="上海市 1 号", customer_name="王小明"),
    claim("sms", 3, email="", phone="13800000003"),
    claim("prefers_post", 4, postal_address="1 Road"),
    claim("prefers_missing", 5),  # prefers post but has no address: email
    claim("review", 6, flags="vip"),
    claim("rejected", 7, sku="K2-220"),
    claim("script", 8, customer_name="<script>alert(1)</script>"),
    claim("jinja", 9, customer_name="{{ 7*7 }}"),
]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory):
    """intake → compensate → letters twice, over one small campaign."""
    from flows.letters.flow import letters

    with pytest.MonkeyPatch.context() as patch:
        space = make_workspace(tmp_path_factory.mktemp("letters"), patch)
        header = [*ROWS[0].keys(), "preferred_channel", "language"]
        extra = {"prefers_post": "post", "prefers_missing": "post"}
        rows = [
            r
            | {
                "preferred_channel": extra.get(r["source_record_id"], ""),
                "language": "zh-CN" if r["source_record_id"] == "post" else "en",
            }
            for r in ROWS
        ]
        space.write_csv("a.csv", rows, header=header)
        space.intake()
        space.compensate()
        first = letters(CAMPAIGN, AS_OF)
        files_after_first = sorted(p for p in space.paths.out(CAMPAIGN, "letters").rglob("*"))
        second = letters(CAMPAIGN, AS_OF)
        files_after_second = sorted(p for p in space.paths.out(CAMPAIGN, "letters").rglob("*"))
        with (first.folder / "manifest.csv").open(encoding="utf-8") as handle:
            manifest = {r["claim_id"] + ":" + r["kind"]: r for r in csv.DictReader(handle)}
        ids = dict(space.query("select source_record_id, claim_id from claims"))
        yield space, first, second, manifest, ids, files_after_first, files_after_second


def messages(root: Path) -> list[str]:
    """Letter ids of every email/sms message on disk under root."""
    return sorted(
        json.loads(line)["letter_id"]
        for batch in root.rglob("*.jsonl")
        for line in batch.read_text(encoding="utf-8").splitlines()
    )


def letter(written, rid: str, kind: str = "offer") -> dict[str, str]:
    _, _, _, manifest, ids, _, _ = written
    return manifest[f"{ids[rid]}:{kind}"]


def test_channel_choice(written):
    assert letter(written, "email")["channel"] == "email"
    assert letter(written, "post")["channel"] == "post"
    assert letter(written, "sms")["channel"] == "sms"
    assert letter(written, "prefers_post")["channel"] == "post"
    assert letter(written, "prefers_missing")["channel"] == "email"


def test_kinds(written):
    assert letter(written, "review", "acknowledgement")["total"] == ""
    assert letter(written, "rejected", "rejection")["kind"] == "rejection"
    _, _first, _, manifest, _, _, _ = written
    assert len(manifest) == len(ROWS)


def test_rerun_writes_nothing_new(written):
    _, _, second, _, _, files_first, files_second = written
    assert second.counts == {} and second.folder is None
    assert files_first == files_second


def test_manifest_sha256_matches_files(written):
    _, _, _, manifest, _, _, _ = written
    for entry in manifest.values():
        assert hashlib.sha256(Path(entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    email, sms = letter(written, "email"), letter(written, "sms")
    assert Path(email["path"]).name == "batch-00001.jsonl"
    message = read_message(email["path"], int(email["line"]))
    assert message["letter_id"] == email["letter_id"] and message["to"] == "l1@example.cn"
    assert "<html" in message["html"] and "\nDear Li Wei,\n" in message["text"]
    text_only = read_message(sms["path"], int(sms["line"]))
    assert text_only["to"] == "13800000003" and "html" not in text_only


def test_offer_totals_in_manifest_equal_offers_in_database(written):
    space, _, _, manifest, _, _, _ = written
    in_letters = sum(Decimal(m["total"]) for m in manifest.values() if m["kind"] == "offer")
    assert in_letters == space.query("select sum(total) from offers")[0][0]


def test_injection_names_appear_literally(written):
    script, jinja = letter(written, "script"), letter(written, "jinja")
    html = read_message(script["path"], int(script["line"]))["html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    text = read_message(jinja["path"], int(jinja["line"]))["text"]
    assert "Dear {{ 7*7 }}," in text


def test_letter_folders_are_owner_only(written):
    space = written[0]
    root = space.paths.out(CAMPAIGN, "letters")
    assert root.stat().st_mode & 0o777 == 0o700
    for folder in [p for p in root.rglob("*") if p.is_dir()]:
        assert folder.stat().st_mode & 0o077 == 0, folder


def test_post_letter_is_chinese_pdf_found_by_its_index(written):
    entry = letter(written, "post")
    first, last = map(int, entry["pages"].split("-"))
    reader = PdfReader(entry["path"])
    text = "".join(reader.pages[p - 1].extract_text() for p in range(first, last + 1))
    # price 299.00: 15 % is 44.85, clamped to 50.00; bonus 20 % of that is 10.00
    assert "王小明" in text and re.search(r"合计\s+¥60.00", text) and "2027年3月1日" in text


def test_pdf_batch_index_points_at_the_right_pages(tmp_path):
    from dataclasses import replace

    context = sample_context("zh-CN", "offer")
    context["customer"] = {"name": "张伟", "address": None}
    context["letter"] = context["letter"] | {"layout": "print"}
    offer = render_print(TEMPLATES_DIR, "zh_CN", "CNY", "zh-CN", "offer", context)

    def lines(name: str, count: int) -> list[tuple[str, str]]:
        return [("p", f"{name} 第{i}行") for i in range(count)]

    letters = [
        ("L0", offer),  # one page
        ("L1", replace(offer, body=lines("李娜", 40))),  # 33 lines on the first page: two
        ("L2", replace(offer, body=lines("王芳", 33 + 48 + 1))),  # 48 on the next: three
    ]
    target = tmp_path / "batch.pdf"
    sender = {"company": "K3", "address": [], "hotline": "400", "email": None, "logo": None}
    pdf, ranges = batch_pdf(letters, AS_OF, sender)
    target.write_bytes(pdf)
    assert ranges == [("L0", 1, 1), ("L1", 2, 3), ("L2", 4, 6)]
    pages = [page.extract_text() for page in PdfReader(target).pages]
    assert len(pages) == 6
    assert "尊敬的张伟：" in pages[0] and "合计" in pages[0] and "¥380.00" in pages[0]
    assert "李娜 第0行" in pages[1] and "李娜 第32行" in pages[1] and "李娜 第33行" in pages[2]
    assert "王芳 第81行" in pages[5] and "王芳 第80行" not in pages[5]
    assert "第 1 页，共 2 页" in pages[1] and "第 3 页，共 3 页" in pages[5]


def copy_templates(space: Workspace, monkeypatch) -> Path:
    folder = space.paths.home / "templates"
    shutil.copytree(TEMPLATES_DIR, folder)
    monkeypatch.setenv("RECALL_TEMPLATES_DIR", str(folder))
    return folder


def test_edited_template_is_refused_before_anything_is_written(workspace, monkeypatch):
    folder = copy_templates(workspace, monkeypatch)
    edited = folder / "letters" / "en" / "offer.txt.j2"
    edited.write_text(
        edited.read_text(encoding="utf-8") + "We admit everything.\n", encoding="utf-8"
    )
    workspace.write_csv("a.csv", [claim("A", 1)])
    workspace.intake()
    workspace.compensate()
    from flows.letters.flow import letters

    with pytest.raises(TemplateNotApproved, match=r"letters/en/offer\.txt\.j2: template changed"):
        letters(CAMPAIGN, AS_OF)
    assert not workspace.paths.out(CAMPAIGN, "letters").exists()


def test_unapproved_template_is_refused_naming_the_file_and_the_command(workspace, monkeypatch):
    folder = copy_templates(workspace, monkeypatch)
    (folder / "letters" / "en" / "_new.j2").write_text("x", encoding="utf-8")
    workspace.write_csv("a.csv", [claim("A", 1)])
    workspace.intake()
    workspace.compensate()
    from flows.letters.flow import letters

    with pytest.raises(
        TemplateNotApproved,
        match=r"letters/en/_new\.j2: template not approved; after legal review, "
        r"run `recall templates approve --by NAME`",
    ):
        letters(CAMPAIGN, AS_OF)
    assert not workspace.paths.out(CAMPAIGN, "letters").exists()
    from flows.letters.approvals import approve

    approve(folder, workspace.paths.config_dir / "approvals.toml", "Legal", AS_OF)
    assert sum(letters(CAMPAIGN, AS_OF).counts.values()) == 1  # approved: written


def test_with_no_letter_due_an_unapproved_template_is_a_warning(workspace, monkeypatch):
    folder = copy_templates(workspace, monkeypatch)
    (folder / "letters" / "en" / "_new.j2").write_text("x", encoding="utf-8")
    from flows.letters.flow import letters

    summary = letters(CAMPAIGN, AS_OF)  # nothing due: nothing would be rendered from it
    assert summary.counts == {}
    assert summary.warning and "_new.j2: template not approved" in summary.warning


def test_rerun_after_a_crash_before_recording_leaves_each_letter_once(workspace, monkeypatch):
    from flows.letters.flow import letters
    from flows.shared import db

    workspace.write_csv("a.csv", [claim("A", 1), claim("B", 2, sku="K2-220")])
    workspace.intake()
    workspace.compensate()
    real_run = db.run

    def crash_on_record(con, name, **params):
        if name == "letters/letters":
            raise OSError("disk went away")
        return real_run(con, name, **params)

    monkeypatch.setattr(db, "run", crash_on_record)
    with pytest.raises(OSError):
        letters(CAMPAIGN, AS_OF)
    root = workspace.paths.out(CAMPAIGN, "letters")
    assert len(messages(root)) == 2  # written, never recorded
    monkeypatch.setattr(db, "run", real_run)
    summary = letters(CAMPAIGN, AS_OF)
    assert sum(summary.counts.values()) == 2
    on_disk = messages(root)
    assert on_disk == sorted(set(on_disk)) and len(on_disk) == 2
    assert [p.name for p in root.iterdir()] == [summary.run_id]


def test_worker_processes_write_what_one_process_writes(tmp_path, monkeypatch):
    """Large runs fan out to worker processes; the batches they write are the same."""
    from dataclasses import replace

    from bench.letters import due_letters, template_batch
    from flows.letters import runners as module

    rows = due_letters(12, "email")
    batches = {}
    for name, threshold in (("alone", 10**9), ("workers", 0)):
        monkeypatch.setattr(module, "IN_PROCESS_LETTERS", threshold)
        template = template_batch(tmp_path / name)
        batches[name] = module.write_batches(
            [
                replace(template, number=n + 1, channel="email", letters=rows[n * 4 : n * 4 + 4])
                for n in range(3)
            ]
        )
    strip = [{k: v for k, v in r.items() if k != "path"} for r in batches["alone"]]
    assert strip == [{k: v for k, v in r.items() if k != "path"} for r in batches["workers"]]
    assert len(strip) == 12
