"""The www lab of the scenarios (``[lab] www = {...}``, harness.www_lab) as a cluster.conf for Pacemaker.

The same conf the bundled stack gets (the article's www service: ext4 on the shared disk, the floating
address, the LSB web server; NPS fencing), with the same options, and one difference Pacemaker needs: the
disk is an image file, which ocf:heartbeat:Filesystem mounts only with ``options="loop"`` (rgmanager's fs
agent sets the loop device up itself).
"""

from __future__ import annotations

from pathlib import Path

from harness.www_lab import ADDRESS, CONF, OPTIONS, make_www_files


def write_www_conf(root: Path, **options: object) -> Path:
    """The disk, the web server's script and the cluster.conf under ``root``; the conf's path."""
    opts = {**OPTIONS, **options}
    image, mountpoint, script = make_www_files(root)
    text = CONF.format(address=ADDRESS, image=image, mountpoint=mountpoint, script=script, **opts)
    conf = root / "cluster.conf"
    conf.write_text(text.replace('fstype="ext4"', 'fstype="ext4" options="loop"', 1))
    return conf
