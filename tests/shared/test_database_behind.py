"""Files on disk the database does not know (instruction files, letters) are refused one way:
the first place, how many more, what is there, and what to do next."""

from __future__ import annotations

from pathlib import Path


def test_files_the_database_does_not_know_are_refused_naming_the_first_and_how_many_more(
    tmp_path,
):
    from flows.shared.backup import DatabaseBehind, database_behind
    from flows.shared.settings import Paths

    class LettersUnknown(DatabaseBehind):
        pass

    paths = Paths(home=tmp_path / "home", config_dir=tmp_path / "config")
    places = [Path("out/c/letters/run-1"), Path("out/c/letters/run-2")]
    found = "3 letters (e.g. L1) were written"
    refused = database_behind(LettersUnknown, places, found, "run", paths)
    assert isinstance(refused, LettersUnknown)
    message = str(refused)
    assert message.startswith("out/c/letters/run-1 and 1 more run(s): 3 letters (e.g. L1) were")
    assert "the database does not know them" in message and "recall restore --from" in message
    alone = database_behind(LettersUnknown, places[:1], "the folder exists", "run", paths)
    assert str(alone).startswith("out/c/letters/run-1: the folder exists, but the database")
