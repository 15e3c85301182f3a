"""The resource manager (rgmanager semantics): configuration, placement, service states, resource trees.

Pure modules (everything here except :mod:`cluster.rm.agent_dir` and :mod:`cluster.rm.ocf_exec`) do no I/O;
the node daemon's resource manager service feeds :class:`cluster.rm.core.RmCore` and executes its effects.
"""
