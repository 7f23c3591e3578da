"""The six run options (where letters render, how a run is split) as one typed model: each
flow that takes them shows them as one parameter group, and their rules are written once."""

from __future__ import annotations

import pytest

SIX = {"runner", "dask_address", "batch_size", "partitions", "partition_by", "work_pool"}


@pytest.mark.parametrize(
    "module, name",
    [
        ("flows.nightly", "nightly"),
        ("flows.letters.flow", "letters"),
        ("flows.compensate.flow", "compensate"),
    ],
)
def test_the_run_options_are_one_parameter_group_of_the_flow(module, name):
    import importlib

    flow = getattr(importlib.import_module(module), name)
    schema = flow.parameters.model_dump()
    assert not SIX & set(schema["properties"])  # not six loose parameters
    group = schema["properties"]["options"]
    ref = (group.get("$ref") or group["allOf"][0]["$ref"]).rsplit("/", 1)[-1]
    assert set(schema["definitions"][ref]["properties"]) == SIX


@pytest.mark.parametrize(
    "options, message",
    [
        ({"dask_address": "tcp://10.0.0.5:8786"}, "--dask-address needs --runner dask"),
        ({"partitions": 2, "partition_by": "region"}, "give no partition count"),
        ({"work_pool": "pool"}, "give a partition count or region"),
        ({"runner": "dask", "partitions": 2}, "give no --runner"),
        ({"partitions": 0}, "partitions"),
        ({"runner": "threads"}, "runner"),
        ({"partition_by": "customer"}, "partition_by"),
        ({"batch_size": 0}, "batch_size"),
    ],
)
def test_conflicting_or_wrong_run_options_are_refused_by_the_model(options, message):
    from pydantic import ValidationError

    from flows.scale.options import RunOptions, refusal

    with pytest.raises(ValidationError) as refused:
        RunOptions(**options)
    line = refusal(refused.value)
    assert message in line and "\n" not in line


def test_the_run_options_say_whether_the_run_is_split():
    from flows.scale.options import RunOptions

    assert not RunOptions().partitioned and not RunOptions(runner="dask").partitioned
    assert RunOptions(partitions=3).partitioned
    assert RunOptions(partition_by="region", work_pool="pool").partitioned


def test_the_command_line_builds_the_options_without_importing_prefect():
    import subprocess
    import sys

    code = (
        "import sys; from flows.scale.options import RunOptions; RunOptions(partitions=2); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('prefect', 'polars')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_command_lines_choices_are_the_models():
    """The CLI spells runner and partition_by as enums of its own (it imports no pydantic
    before a run starts); their values are the model's choices."""
    from typing import get_args

    from flows.cli.options import PartitionBy, Runner
    from flows.scale.options import RunOptions

    fields = RunOptions.model_fields
    assert {r.value for r in Runner} == set(get_args(fields["runner"].annotation))
    assert {b.value for b in PartitionBy} == set(get_args(fields["partition_by"].annotation))


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"dask_address": "tcp://10.0.0.5:8786"}, "a Dask address needs runner dask"),
        ({"runner": "dask", "partitions": 2}, "leave runner at process"),
    ],
)
def test_a_refusal_reads_in_the_ui_s_words_as_well_as_the_command_line_s(options, words):
    """The Prefect UI shows the model's fields, not the command's flags: a refusal says both."""
    from pydantic import ValidationError

    from flows.scale.options import RunOptions, refusal

    with pytest.raises(ValidationError) as refused:
        RunOptions(**options)
    assert words in refusal(refused.value) and "--" in refusal(refused.value)
