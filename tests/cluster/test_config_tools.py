"""The configuration tools run as processes, on the seed article's listings and on broken files."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harness.tools import run

DATA = Path(__file__).parent / "data"


def tool(name: str, *args: str, env: dict[str, str] | None = None):
    return run(
        [sys.executable, "-m", f"cluster.tools.{name}", *args],
        timeout=30,
        env=env,
    )


def test_validate_listing1() -> None:
    result = tool("ccs_config_validate", "-f", str(DATA / "listing1.conf"))
    assert (result.returncode, result.stdout, result.stderr) == (0, "Configuration validates\n", "")


def test_validate_full_config_with_listings_2_3_6_7() -> None:
    result = tool("ccs_config_validate", "-f", str(DATA / "full.conf"))
    assert result.returncode == 0, result.stderr


def test_validate_default_path_from_environment() -> None:
    result = tool("ccs_config_validate", env={"COROSYNC_CLUSTER_CONFIG_FILE": str(DATA / "listing1.conf")})
    assert result.returncode == 0 and result.stdout == "Configuration validates\n"


def test_listing3_as_printed_is_malformed_and_says_where() -> None:
    path = DATA / "listing3-as-printed.conf"
    result = tool("ccs_config_validate", "-f", str(path))
    assert result.returncode == 1
    assert result.stdout == "Configuration fails to validate\n"
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}:21: ") and "malformed XML" in lines[0]


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (
            '<cluster name="c" config_version="1">\n<clusternodes>\n<clusternode name="a" nodeid="one"/>\n'
            "</clusternodes>\n</cluster>\n",
            ":3: <clusternode>:",
        ),
        (
            '<cluster name="c" config_version="1">\n<totem tokn="5"/>\n<clusternodes/>\n</cluster>\n',
            ":2: <totem>:",
        ),
        ("<cluster", ":1: "),
    ],
)
def test_broken_files_give_one_line_and_no_traceback(tmp_path: Path, content: str, where: str) -> None:
    path = tmp_path / "cluster.conf"
    path.write_text(content)
    for name, args in (
        ("ccs_config_validate", ["-f", str(path)]),
        ("confdb2ldif", ["dc=x", "-f", str(path)]),
        ("ccs_objctl", ["-f", str(path)]),
        ("ccs_config_dump", ["-f", str(path)]),
    ):
        result = tool(name, *args)
        assert result.returncode == 1, name
        assert "Traceback" not in result.stderr
        errors = result.stderr.splitlines()
        assert len(errors) == 1 and str(path) + where.split(" ")[0] in errors[0] and where in errors[0], (
            errors
        )


def test_missing_file_and_bad_option() -> None:
    result = tool("ccs_config_validate", "-f", "/nonexistent/cluster.conf")
    assert (
        result.returncode == 1 and "/nonexistent/cluster.conf: <cluster>: cannot read file" in result.stderr
    )
    result = tool("ccs_config_validate", "--bogus")
    assert (
        result.returncode == 1 and len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    )


def test_confdb2ldif_reproduces_listing5() -> None:
    result = tool("confdb2ldif", "dc=tuxgeek,dc=de", "-f", str(DATA / "listing1.conf"), "-n", "iscsi1")
    assert result.returncode == 0, result.stderr
    # the article wraps long dn lines after "dn:"; the tool prints one line per attribute
    expected = (DATA / "listing5.ldif").read_text().replace("dn:\n", "dn: ")
    assert result.stdout.rstrip("\n") == expected.rstrip("\n")


def test_confdb2ldif_takes_the_node_from_the_environment() -> None:
    result = tool("confdb2ldif", "dc=x", "-f", str(DATA / "listing1.conf"), env={"FENCELAB_NODE": "iscsi2"})
    assert "rhcsNodename: iscsi2\n" in result.stdout


def test_objctl_dump_shows_derived_values_and_hides_secrets() -> None:
    result = tool("ccs_objctl", "-f", str(DATA / "full.conf"), "-n", "iscsi1")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for expected in (
        "cluster.name=iscsicluster",
        "cluster.cman.cluster_id=46516",
        "cluster.clusternodes.clusternode.fence.method.device.port=1",
        "cluster.fencedevices.fencedevice.passwd=***",
        "totem.token=30000",
        "totem.nodeid=1",
        "totem.key=***",
        "totem.interface.mcastaddr=239.192.181.106",
        "totem.interface.mcastport=5405",
    ):
        assert expected in lines
    assert "redhat123" not in result.stdout
    only_totem = tool("ccs_objctl", "-f", str(DATA / "listing1.conf"), "totem.token")
    assert only_totem.stdout == "totem.token=10000\n"


def test_config_dump_round_trips(tmp_path: Path) -> None:
    result = tool("ccs_config_dump", "-f", str(DATA / "full.conf"))
    assert result.returncode == 0
    copy = tmp_path / "copy.conf"
    copy.write_text(result.stdout)
    assert tool("ccs_config_validate", "-f", str(copy)).returncode == 0
    again = tool("ccs_config_dump", "-f", str(copy))
    assert again.stdout == result.stdout


def test_listing1_gives_cman_identity() -> None:
    result = tool(
        "ccs_objctl", "-f", str(DATA / "listing1.conf"), "cluster.cman.cluster_id", "totem.interface."
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "cluster.cman.cluster_id=46516",
        "totem.interface.ringnumber=0",
        "totem.interface.mcastaddr=239.192.181.106",
        "totem.interface.mcastport=5405",
    ]


def test_listing7_as_printed_is_malformed(tmp_path: Path) -> None:
    # the article closes <resources> with </resource>
    path = tmp_path / "cluster.conf"
    path.write_text(
        '<cluster name="web" config_version="1">\n<clusternodes/>\n<rm>\n<resources>\n'
        '    <script file="/etc/init.d/httpd" name="httpd"/>\n</resource>\n</rm>\n</cluster>\n'
    )
    result = tool("ccs_config_validate", "-f", str(path))
    assert result.returncode == 1 and result.stderr.startswith(f"{path}:6: ") and "resource" in result.stderr
