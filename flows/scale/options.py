"""How a run is spread (SPEC §10): where letters are rendered and how the run is split into
partitions. One typed model the flows take as one parameter (one group in the Prefect UI) and
the command line builds from its options; every rule about them is here. Imports no Prefect."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class RunOptions(BaseModel):
    """Where letters are rendered and how the run is split (docs/scale-out.md)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    runner: Literal["process", "dask"] = Field(
        default="process", description="Where letters are rendered: this machine's cores, or Dask."
    )
    dask_address: str | None = Field(
        default=None, description="Dask scheduler for runner dask (default: a local Dask cluster)."
    )
    batch_size: int | None = Field(
        default=None, ge=1, description="Letters per rendering batch (default: the campaign's)."
    )
    partitions: int | None = Field(
        default=None, ge=1, description="Split the run into N partitions by hash of the claim id."
    )
    partition_by: Literal["hash", "region"] = Field(
        default="hash", description="hash (with partitions N), or one partition per region."
    )
    work_pool: str | None = Field(
        default=None, description="Prefect work pool whose workers run the partitions (else: here)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> RunOptions:
        if self.dask_address and self.runner != "dask":
            raise ValueError(
                "a Dask address needs runner dask (--dask-address needs --runner dask)"
            )
        if self.partition_by == "region" and self.partitions is not None:
            raise ValueError("partitions by region are one per region: give no partition count")
        if self.work_pool and not self.partitioned:
            raise ValueError("a work pool runs partitions: give a partition count or region")
        if self.partitioned and self.runner != "process":
            raise ValueError(
                "partitions render letters on their own hosts: leave runner at process "
                "(give no --runner)"
            )
        return self

    @property
    def partitioned(self) -> bool:
        """Whether the run is split: a partition count, or one partition per region."""
        return self.partitions is not None or self.partition_by == "region"


def refusal(error: ValidationError) -> str:
    """The first problem of a refused set of options, as one line."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


ON_THIS_MACHINE = RunOptions()  # the flows' default: letters on this machine's cores, no split
