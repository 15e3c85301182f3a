"""Emulated WTI NPS-style network power switch (``fencelab emulate nps``).

Built like the SAN emulator: switch state, then the CLI over it, then the device model composing them.

- settings.py NpsSettings, Plug: what a unit is configured with (plugs, groups, login, prompt, delays).
- switch.py   PowerSwitch: plugs, groups, relays that switch ``relay_delay`` s after a command (``/BOOT``:
              off, ``boot_delay`` s, on), per-plug ordering, stuck and lie faults. Pure.
- session.py  NpsSession: the dialogue (login; /S /SG /ON /OFF /BOOT /H /X; ``Sure? (Y/N): ``; paging) over
              the switch, and Display (the screens it shows, /S rows cached). Pure.
- model.py    NpsModel: the DeviceModel the server runs (sessions, single-session units, control, ready line).
- screens.py  the text: banner, the /S table the stock fence_wti parses, the firmware-1.43 /SG table, help.
- config.py   TOML -> settings (documented there), cli.py  the ``fencelab emulate nps`` flags.

Defaults: 8 plugs ``Outlet1..8`` all on, password-only login ``redhat123`` (``Enter Password: ``), prompt
``NPS>``, relay delay 0.5 s, boot delay 0.5 s, 16 rows per /S page, several sessions at once, telnet and ssh
on free ports. Plugs in commands: numbers, names, group names, ``*``, ``1,3`` lists, ``2-4`` ranges.
"""
