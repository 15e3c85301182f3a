"""``--password-script``: run a command through the shell and take its stdout as the password.

The password travels only through the child's stdout pipe, never through any process's argv. The script
gets no stdin (it must not eat the agent's input) and a deadline, so a hung script cannot hang fencing.
"""

from __future__ import annotations

import subprocess

from fence_agents.errors import FenceError

SHELL_STATUS = {126: " (not executable)", 127: " (command not found)"}
SCRIPT_TIMEOUT = 30.0  # seconds; a script that needs longer is broken, and fencing must not wait forever


class PasswordScriptError(FenceError):
    default_message = "Failed: Password script failed"


def run_password_script(command: str, timeout: float = SCRIPT_TIMEOUT) -> str:
    """Return the script's stdout with trailing whitespace removed (upstream's rule)."""
    try:
        done = subprocess.run(
            ["/bin/sh", "-c", command],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise PasswordScriptError(f"Failed: Password script did not finish within {timeout:g} s") from None
    except OSError as err:
        raise PasswordScriptError(f"Failed: Unable to run password script: {err.strerror}") from None
    if done.returncode != 0:
        why = SHELL_STATUS.get(done.returncode, "")  # the shell's own words went to /dev/null with its stderr
        raise PasswordScriptError(f"Failed: Password script exited with status {done.returncode}{why}")
    return done.stdout.decode("utf-8", errors="replace").rstrip()
