"""``fencelab bench nps``: our fence_nps against the stock fence_wti on the same NPS emulator, in one run.

Both agents are fed by stdin exactly as fenced does (so no password reaches argv), with power_wait 0, on an
emulator whose relay and boot delays are 0: what is measured is the agents' own overhead and waits. Before
each run the plug is put in the state the action starts from (through the emulator's control channel), so
every `off` really switches off and every `on` really switches on.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.bench.timing import Timing, ratio_header, ratio_row, time_command, warm_bytecode
from harness.emulator_process import Emulator, start_emulator
from harness.one_line_parser import OneLineParser
from harness.tools import our_tool, stock_tool

# action -> the plug state it starts from, and the exit status that means success
ACTIONS: tuple[tuple[str, bool, int], ...] = (
    ("status", True, 0),
    ("off", True, 0),
    ("on", False, 0),
    ("reboot", True, 0),
)


def _stdin(device: Emulator, action: str) -> str:
    return (
        f"ipaddr={device.host}\nipport={device.port('telnet')}\npasswd={device.credentials['password']}\n"
        f"port=1\naction={action}\npower_wait=0\n"
    )


def measure(agent: str, device: Emulator, action: str, start_on: bool, exit_ok: int, runs: int) -> Timing:
    def reset() -> None:
        device.control({"cmd": "power", "plug": "1", "on": start_on})

    return time_command(
        agent,
        [agent],
        runs,
        stdin=_stdin(device, action),
        ok=lambda proc: proc.returncode == exit_ok,
        before_each=reset,
    )


def main(argv: Sequence[str]) -> int:
    parser = OneLineParser(prog="fencelab bench nps")
    parser.add_argument("--runs", type=int, default=15, help="runs per agent and action (default 15)")
    args = parser.parse_args(list(argv))
    warm_bytecode()
    stock = stock_tool("fence_wti")
    if stock is None:
        print("fencelab bench nps: stock fence_wti missing: apt-get install fence-agents")
        return 1
    ours = our_tool("fence_nps")
    status = 0
    with start_emulator("nps", config={"plugs": 8, "relay_delay": 0, "boot_delay": 0}) as device:
        print(f"fence_nps vs stock fence_wti, telnet, power_wait 0, relay delay 0, {args.runs} runs")
        print(ratio_header("fence_nps", "fence_wti"))
        for action, start_on, exit_ok in ACTIONS:
            a = measure(ours, device, action, start_on, exit_ok, args.runs)
            b = measure(stock, device, action, start_on, exit_ok, args.runs)
            if a.failures or b.failures:
                status = 1
            print(ratio_row(action, a, b))
    return status
