#!/usr/bin/env bash
# docs/walkthrough.md as one script: a 3-node cluster from examples/cluster.conf on this machine, fenced by an
# emulated NPS. Run it from the checkout after set-up: bash examples/walkthrough.sh
# (tests/packaging/test_walkthrough.py runs it, with DIR and CMAN_PORT of its own).
set -euo pipefail
DIR=${DIR:-/tmp/fencelab-walkthrough}
CMAN_PORT=${CMAN_PORT:-5405}
trap '.venv/bin/cman_tool leave -d "$DIR/node1" >/dev/null 2>&1; .venv/bin/cman_tool leave -d "$DIR/node2" >/dev/null 2>&1; kill $(jobs -p) 2>/dev/null || true' EXIT
mkdir -p "$DIR"

# 1. The NPS power switch the cluster fences with (plugs 1-3), and the cluster.conf pointing at its port
.venv/bin/fencelab emulate nps --plugs 3 --ready-file "$DIR/nps.json" --pid-file "$DIR/nps.pid" >/dev/null &
timeout 10 sh -c "until [ -s '$DIR/nps.json' ]; do sleep 0.1; done"
NPS=$(.venv/bin/python -c "import json; print(json.load(open('$DIR/nps.json'))['ports']['telnet'])")
sed -e "s/ipport=\"2323\"/ipport=\"$NPS\"/" -e "s/port=\"5405\"/port=\"$CMAN_PORT\"/" examples/cluster.conf > "$DIR/cluster.conf"

# 2. Validate it
.venv/bin/ccs_config_validate -f "$DIR/cluster.conf"

# 3. Join the three nodes (each a node daemon in the background; node N listens on 127.0.0.N)
for n in 1 2 3; do
    .venv/bin/cman_tool join -c "$DIR/cluster.conf" -n "node$n" -d "$DIR/node$n"
done
export FENCELAB_RUN_DIR="$DIR/node1"   # the tools below talk to node1 (or give -d DIR on each)

# 4. Status: wait until all three are members, then look
timeout 30 sh -c 'until .venv/bin/cman_tool status | grep -q "^Nodes: 3$"; do sleep 0.2; done'
.venv/bin/cman_tool status
.venv/bin/cman_tool nodes
.venv/bin/fence_tool ls

# 5. Kill node3: no clean leave, the way a crash looks to the others
kill -9 "$(cat "$DIR/node3/node.pid")"

# 6. Watch it fenced: the survivors notice within the token (2 s), node1 runs fence_nps against plug 3
timeout 60 sh -c 'until .venv/bin/fence_tool history node3 | grep -q success; do sleep 0.2; done'
.venv/bin/fence_tool history
grep -E "fencing node node3|fence node3" "$DIR/node1/var/log/cluster/fenced.log"
.venv/bin/cman_tool nodes
