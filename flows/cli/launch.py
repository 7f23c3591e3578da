"""`recall`: run the command in a fork of the resident process (flows/cli/resident.py) when one
can serve it, else here. Imports only the standard library and small modules of ours before
that."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from flows.cli import resident

# Commands that run flows, so need the Prefect API (flows/cli/main.py: _run_flow).
FLOW_COMMANDS = ("run", "demo", "requeue")
# The options of `recall` itself that take a value (flows/cli/main.py: main).
VALUE_OPTIONS = ("--home", "--config-dir")


def home_and_command(args: list[str]) -> tuple[Path | None, str | None]:
    home: Path | None = None
    rest = iter(args)
    for arg in rest:
        if arg.startswith("--home="):
            home = Path(arg.removeprefix("--home="))
        elif arg in VALUE_OPTIONS:
            value = next(rest, None)
            if arg == "--home" and value is not None:
                home = Path(value)
        elif not arg.startswith("-"):
            return home, arg
    return home, None


def _start_prefect_api(args: list[str]) -> None:
    """Start the embedded Prefect server (if one is needed) while the resident process
    starts, rather than after: the command's fork then finds it running."""
    home, command = home_and_command(args)
    if command not in FLOW_COMMANDS:
        return
    from flows.cli import embedded
    from flows.shared.settings import configure_environment

    configure_environment(home, None)
    embedded.start()


def main() -> None:
    if resident.enabled():
        environ = dict(os.environ)  # the command's own: its fork configures itself
        try:
            _start_prefect_api(sys.argv[1:])
            sys.exit(resident.run_command(sys.argv, environ))
        except resident.Unavailable:
            os.environ.clear()
            os.environ.update(environ)
        except KeyboardInterrupt:
            sys.exit(130)
    from flows.cli.main import app

    app()


if __name__ == "__main__":
    main()
