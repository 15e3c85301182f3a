"""``python -m cluster.daemon``: the node daemon (the same as the ``fencelab-node`` console script)."""

import sys

from cluster.daemon.cli import main

sys.exit(main())
