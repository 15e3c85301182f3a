"""argparse for `fencelab` subcommands: a usage error is one line and exit 2, not a usage block."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from cluster.text_escape import one_line


class OneLineParser(argparse.ArgumentParser):
    """argparse for `fencelab` subcommands: a usage error is one line and exit 2, not a usage block."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {one_line(message)} (use -h for help)", file=sys.stderr)
        raise SystemExit(2)
