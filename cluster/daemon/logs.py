"""Logging as <logging>/<logging_daemon> say: one log file per daemon, optional syslog, priorities.

A lab node must not write to /var/log: absolute log file paths are re-rooted under ``log_root`` (the node's
run directory by default), so /var/log/cluster/fenced.log becomes RUN/var/log/cluster/fenced.log;
``log_root="/"`` keeps the configured paths.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from collections.abc import Sequence
from pathlib import Path

from cluster.config.model import Logging, LogSettings

DAEMONS = ("corosync", "cman", "fenced")  # the loggers a node daemon uses (+ the services it hosts)

PRIORITIES = {
    "emerg": logging.CRITICAL,
    "alert": logging.CRITICAL,
    "crit": logging.CRITICAL,
    "err": logging.ERROR,
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "notice": logging.INFO,
    "info": logging.INFO,
    "debug": logging.DEBUG,
}

FORMAT = "%(asctime)s.%(msecs)03d %(name)s %(message)s"
DATEFMT = "%b %d %H:%M:%S"


def rerooted(path: str, log_root: str) -> Path:
    p = Path(path)
    if log_root == "/" or not p.is_absolute():
        return p
    return Path(log_root) / p.relative_to("/")


def _level(name: str | None, debug: bool | None) -> int:
    if debug:
        return logging.DEBUG
    return PRIORITIES.get((name or "info").lower(), logging.INFO)


def _syslog_handler(settings: LogSettings) -> logging.Handler | None:
    if not os.path.exists("/dev/log"):
        return None  # no syslog daemon here (containers); file logging still works
    facility = logging.handlers.SysLogHandler.facility_names.get(settings.syslog_facility or "daemon", 3 << 3)
    handler = logging.handlers.SysLogHandler("/dev/log", facility)
    handler.setLevel(_level(settings.syslog_priority, settings.debug))
    return handler


def setup_logging(conf: Logging, log_root: str, services: Sequence[str] = ()) -> dict[str, Path]:
    """Configure one logger per daemon (and per hosted service: rgmanager has its own log, as it had);
    returns the log file of each (for tools and tests)."""
    files: dict[str, Path] = {}
    for daemon in DAEMONS + tuple(s for s in services if s not in DAEMONS):
        settings = conf.effective(daemon)
        logger = logging.getLogger(daemon)
        logger.handlers.clear()
        logger.propagate = False
        logger.setLevel(logging.DEBUG)
        if settings.to_logfile and settings.logfile:
            path = rerooted(settings.logfile, log_root)
            path.parent.mkdir(parents=True, exist_ok=True)
            handler: logging.Handler = logging.FileHandler(path)
            handler.setFormatter(logging.Formatter(FORMAT, DATEFMT))
            handler.setLevel(_level(settings.logfile_priority, settings.debug))
            logger.addHandler(handler)
            files[daemon] = path
        if settings.to_syslog:
            syslog = _syslog_handler(settings)
            if syslog is not None:
                syslog.setFormatter(logging.Formatter(f"{daemon}[{os.getpid()}]: %(message)s"))
                logger.addHandler(syslog)
    return files
