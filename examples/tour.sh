#!/usr/bin/env bash
# README's short tour as one script: run it from the checkout after set-up (bash examples/tour.sh).
# tests/packaging/test_tour.py runs it, and checks that every command README shows is in here.
set -euo pipefail
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT   # nothing started here outlives the tour

# An NPS power switch in the background; its ready line (JSON: ports, credentials, plugs) goes to nps.json
.venv/bin/fencelab emulate nps --plugs 8 --ready-file nps.json --pid-file nps.pid >/dev/null &
timeout 10 sh -c 'until [ -s nps.json ]; do sleep 0.1; done'
PORT=$(.venv/bin/python -c 'import json; print(json.load(open("nps.json"))["ports"]["telnet"])')

# The password from a script on argv (never the password itself: argv is visible to every user)
printf '#!/bin/sh\necho redhat123\n' > print-password && chmod 700 print-password
.venv/bin/fence_nps -a 127.0.0.1 -u "$PORT" -S ./print-password -n 1 -o status
# As fenced and Pacemaker call it: key=value lines on stdin
printf 'ipaddr=127.0.0.1\nipport=%s\npasswd=redhat123\nport=1\naction=off\n' "$PORT" | .venv/bin/fence_nps
.venv/bin/fence_nps -o metadata
kill "$(cat nps.pid)"; wait

# Our agent against the stock fence_wti on the same emulator (the full run: fencelab bench nps)
.venv/bin/fencelab bench nps --runs 1 || true  # exit 1 = a goal missed: one run on a busy machine is a look, not a result

# Three IPMI BMCs, one process each; the stock ipmitool talks to them (password from the environment)
.venv/bin/fencelab emulate bmc --count 3 --ready-file bmc.json --pid-file bmc.pid >/dev/null &
timeout 10 sh -c 'until [ -s bmc.json ]; do sleep 0.1; done'
BMC=$(.venv/bin/python -c 'import json; print(json.load(open("bmc.json"))["ports"]["bmc2"])')
IPMI_PASSWORD=password ipmitool -I lanplus -H 127.0.0.1 -p "$BMC" -U admin -E chassis power status
kill "$(cat bmc.pid)"; wait

# The SAN: switch (SNMP IF-MIB + Brocade CLI), the NBD storage array it guards, an SNMP PDU
.venv/bin/fencelab emulate san --ready-file san.json --pid-file san.pid >/dev/null &
timeout 20 sh -c 'until [ -s san.json ]; do sleep 0.1; done'
SNMP=$(.venv/bin/python -c 'import json; print(json.load(open("san.json"))["ports"]["snmp"])')
snmpget -v2c -c public 127.0.0.1:"$SNMP" .1.3.6.1.2.1.2.2.1.7.1   # ifAdminStatus.1 (Debian ships no MIB files)
kill "$(cat san.pid)"; wait

# A cluster.conf check; docs/walkthrough.md runs this 3-node cluster and watches a node get fenced
.venv/bin/ccs_config_validate -f examples/cluster.conf
