"""The emulator base: what every emulated device (NPS, BMC, SAN switch) is built from.

A device is four parts:

1. A PURE MODEL (``model.DeviceModel``) — state plus a command interpreter; no I/O, no asyncio, no clock:
   time comes in as ``now`` (seconds, monotonic). Implement:
   - ``kind`` (class attribute, e.g. ``"nps"``) and ``faults`` (a ``FaultPlan``),
   - ``open_session(now, transport, user=None) -> Session`` (``user`` set when the transport already
     authenticated, i.e. ssh), ``check_login(username, password) -> bool`` (ssh password auth),
   - ``advance(now) -> list[PowerEvent]`` (apply transitions due by ``now``, return the relay changes),
     ``next_due() -> float | None``, ``outlet_states() -> {outlet: on}``, ``describe() -> dict`` (ready line),
   - optionally ``control(request, now) -> dict`` (run-time requests; the base handles fault, clear-faults,
     state) and ``idle_timeout`` (seconds; 0 = sessions never time out).
   A ``Session`` answers ``greet(now) -> Reply`` and ``handle_line(line, now) -> Reply`` where
   ``Reply(text, close=False, secret=False)``; ``secret`` means "do not echo the next line" (passwords);
   ``command_key(line)`` names the command for fault matching; ``closed(now)`` is called once at hang-up;
   ``timed_out(now) -> Reply`` is said when the idle timeout hangs the session up.
   ``RelaySchedule`` keeps pending transitions with due times (per outlet, in order).

2. FRONT ENDS — ``front_ends.device_server(model, Listen(host, telnet_port=0, ssh_port=None,
   serial=False), wiring, extra_front_ends=[...])`` builds a ``server.DeviceServer(model, front_ends,
   wiring)``. Telnet (own asyncio server, real negotiation: WILL ECHO/SGA, passwords never echoed), ssh
   (asyncssh, password auth via ``check_login``, in-memory ed25519 host key), serial (a pty; the device
   serves the master, ``serial_path`` is the slave; silent until the first line).
   Each connection runs a ``session_driver.SessionDriver`` (line assembly, echo, fault effects). Front ends
   and drivers see the server only through ``host.DeviceHost`` (model, now, settle, attach/detach); a device
   with its own transport (SNMP, NBD) passes a ``host.FrontEnd`` (``async start(host) -> {"name": port}``,
   ``async stop()``) in ``extra_front_ends``. ``await server.start()`` binds (127.0.0.1, port 0 by default)
   and fills ``server.ports`` / ``server.serial_path``; ``await server.stop()``; or ``async with``.
   ``server.settle()`` (call after changing the model from outside a session) applies due transitions,
   tells the wiring and arms the timer for ``model.next_due()``. ``server.info()`` = the ready-line dict.

3. A FAULT PLAN (``faults.FaultPlan`` of ``FaultSpec``; pure decisions + counters):
   latency (per command key, seconds), drop (run, send half, close), hang (never answer; command not run),
   garbage (run, answer noise without a prompt), refuse-login (even right credentials fail), stuck (relay
   ignores power changes, the device still says OK), lie (relay reports ``state`` on/off/invert),
   wrong-prompt (the device shows ``text`` instead of its command prompt; ``faults.prompt(configured)``).
   ``command`` matches ``Session.command_key`` (``*`` = all, ``connect`` = the greeting, ``login`` = the
   password line), ``plugs`` for stuck/lie, ``after`` (skip N matches) and ``times`` (0 = for ever).
   The model consults ``faults.refuse_login()``, ``faults.is_stuck(outlet)``, ``faults.reported(outlet, on)``;
   the SessionDriver applies command faults via ``faults.on_command(key)``. Text form for flags:
   ``parse_fault("latency:command=/S,seconds=0.5")``, ``"stuck:plugs=1+2"``, ``"lie:plugs=3,state=on"``.

4. WIRING (``wiring.Wiring``: outlet -> target). The model emits ``power.PowerEvent(outlet, on, at)`` when a
   relay really switches; the server hands them to ``Wiring.deliver`` (each target hears each change once,
   and the initial state at start). Targets: ``CallbackTarget(fn(on))`` and ``ProcessTarget(argv)`` (own
   process group; SIGKILL of the group on power-off; started again on power-on; killed when the emulator
   stops).

Running a device: ``runner.run(DeviceCli(kind, add_arguments, build), argv)`` gives ``fencelab emulate
<kind>`` (common flags --config --host --telnet-port --ssh-port --serial --fault --wire -v; one JSON ready
line; JSON control requests on stdin, one JSON answer line each; SIGTERM/SIGINT -> clean stop, exit 0; bad
config -> one line, exit 2). ``config.Table`` reads TOML tables
strictly (``get(key, type, default)``, ``finish()`` rejects unknown keys); ``listen_from``, ``faults_from``,
``command_argv``, ``wiring_from`` do the common keys. See emulators/nps/ for a complete device (~400 lines).
Tests and users start devices with the pytest fixtures in harness/pytest_plugin.py (``emulator("nps")``).

This package module imports nothing: importing a pure model must not load asyncio or subprocess.
"""
