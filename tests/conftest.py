"""Suite-wide test settings.

Resource types come from agents' metadata. Until the bundled rgmanager agents (service, ip, fs, script)
exist, the suite takes them from the fixture agents in tests/rm/data/agents (rgmanager's metadata exactly,
reference/rgmanager.md §7), followed by Debian's OCF heartbeat agents. Set before any tool runs, so
subprocesses inherit it too.
"""

from __future__ import annotations

import os
from pathlib import Path

RM_FIXTURE_AGENTS = Path(__file__).parent / "rm" / "data" / "agents"
os.environ.setdefault(
    "FENCELAB_RM_AGENT_DIRS", os.pathsep.join([str(RM_FIXTURE_AGENTS), "/usr/lib/ocf/resource.d/heartbeat"])
)
