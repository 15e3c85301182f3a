"""The <rm> model: domains, resources, inheritance, defaults, overrides, and every mistake with its line."""

from __future__ import annotations

import sys
from pathlib import Path

from cluster.rm.conf_model import Independence, Recovery

from .support import DATA, rm_from_text

REPO = DATA.parents[2]


def test_listing6_domains_flags_and_priorities() -> None:
    body = (DATA / "listing6.xml").read_text()
    conf, problems = rm_from_text(body)
    assert problems == []
    www = conf.domain("www-domain")
    assert www is not None and not www.ordered and not www.restricted and www.nofailback
    # priority is read only in ordered domains: Listing 6's domains are unordered
    assert [(n.name, n.priority) for n in www.nodes] == [("node1", 0), ("node2", 0)]
    ordered, _ = rm_from_text(body.replace('ordered="0"', 'ordered="1"'))
    www = ordered.domain("www-domain")
    assert www is not None and [(n.name, n.priority) for n in www.nodes] == [("node1", 2), ("node2", 1)]


def test_domain_mistakes_with_lines() -> None:
    body = (
        '\n<failoverdomains>\n<failoverdomain name="d" ordered="1" restricted="yes">\n'
        '<failoverdomainnode name="node1" priority="0"/>\n<failoverdomainnode name="nodeX"/>\n'
        '<failoverdomainnode name="node1"/>\n</failoverdomain>\n'
        '<failoverdomain name="d"/>\n</failoverdomains>\n'
    )
    conf, problems = rm_from_text(body)
    assert [str(p) for p in problems] == [
        'c.conf:6: <failoverdomainnode>: priority="0" is outside 1..100: node unprioritised',
        'c.conf:7: <failoverdomainnode>: failover domain "d" names "nodeX", which is not a clusternode',
        'c.conf:8: <failoverdomainnode>: #31: node "node1" appears twice in domain "d"',
        'c.conf:10: <failoverdomain>: #30: duplicate failover domain "d" ignored',
    ]
    domain = conf.domain("d")
    assert domain is not None and domain.ordered and not domain.restricted  # atoi("yes") == 0


def test_service_attributes_defaults_and_autostart_quirk() -> None:
    conf, problems = rm_from_text(
        '<service name="a" autostart="yes" exclusive="yes" recovery="relocate" max_restarts="3"'
        ' restart_expire_time="1h30m" depend="b"/><service name="b" autostart="0"/><service name="c"/>'
    )
    assert problems == []
    a, b, c = conf.services
    assert a.full_name == "service:a" and not a.autostart and a.exclusive and a.recovery is Recovery.RELOCATE
    assert (a.max_restarts, a.restart_expire_time, a.depend) == (3, 5400, "service:b")
    assert (
        not b.autostart and c.autostart and c.recovery is Recovery.RESTART and c.root.attrs["nfslock"] == "0"
    )
    assert conf.service("c") is c and conf.service("service:b") is b


def test_references_inheritance_defaults_overrides_and_child_attributes() -> None:
    body = """
<resource-defaults><ip monitor_link="0"/></resource-defaults>
<resources><script name="s1" file="/bin/true"/><ip address="192.0.2.9"/></resources>
<service name="web" nfslock="1">
  <fs name="data" device="/dev/x" mountpoint="/m" __independent_subtree="1" __max_failures="2" \
__failure_expire_time="1m" __enforce_timeouts="yes">
    <action name="status" depth="*" interval="5"/>
    <fs name="inner" device="/dev/y" mountpoint="/m/in" __independent_subtree="non-critical">
      <script ref="s1"/>
    </fs>
  </fs>
  <ip ref="192.0.2.9"/>
</service>
<service name="other"><script ref="s1"/></service>"""
    conf, problems = rm_from_text(body)
    assert problems == []
    web = conf.services[0]
    fs = web.root.children[0]
    assert fs.line == 7 and fs.independent is Independence.INDEPENDENT and fs.enforce_timeouts
    assert (fs.max_failures, fs.failure_expire_time) == (2, 60)
    assert fs.attrs["nfslock"] == "1"  # inherit="nfslock": the immediate parent's value
    assert {(a.depth, a.interval) for a in fs.actions if a.name == "status"} == {(0, 5), (10, 5), (20, 5)}
    inner = fs.children[0]
    assert inner.independent is Independence.NON_CRITICAL
    script = inner.children[0]
    assert script.attrs["service_name"] == "web"  # inherit="service%name": the nearest service ancestor
    ip = web.root.children[1]
    assert (
        ip.attrs["monitor_link"] == "0" and ip.attrs["nfslock"] == "1"
    )  # resource-defaults, service%nfslock
    # a script has no maxinstances: one definition serves two services, inheriting from each
    assert conf.services[1].root.children[0].attrs["service_name"] == "other"
    assert [r.ident for r in conf.resources] == ["script:s1", "ip:192.0.2.9"]


def test_every_kind_of_mistake_names_its_line() -> None:
    body = """
<resources><ip address="192.0.2.1"/><script name="s" file="/x"/><script name="t" file="/x"/></resources>
<service name="a" domain="www-domian"><ip ref="192.0.2.1"/><ip ref="192.0.2.1"/></service>
<service name="b" domain="nosuch" depend="service:zz"><ip ref="192.0.2.8"/><fs name="f" device="/d"/>
<foo/><ip address="192.0.2.5"><nfsclient/></ip><script ref="inl"/></service>
<service name="c"><script name="inl" file="/y" fiel="2"/></service>
<failoverdomains><failoverdomain name="www-domain"/></failoverdomains>"""
    _, problems = rm_from_text(body)
    assert [str(p) for p in problems] == [
        'c.conf:4: <script>: Unique attribute collision: script file="/x" is already used by script:s'
        " (line 4)",
        "c.conf:5: <ip>: Warning: Max references exceeded for ip:192.0.2.1 (max 1)",
        'c.conf:5: <service>: service "a" names undefined failover domain "www-domian"'
        ' (did you mean "www-domain"?)',
        'c.conf:6: <ip>: Reference to nonexistent resource ip:"192.0.2.8"',
        'c.conf:6: <fs>: fs:f: missing required attribute "mountpoint": ignored',
        'c.conf:6: <service>: service "b" names undefined failover domain "nosuch"',
        'c.conf:6: <service>: service "b" depends on service:zz, which is not defined',
        'c.conf:7: <foo>: unknown resource type "foo"',
        "c.conf:7: <nfsclient>: nfsclient is not allowed inside ip",
        'c.conf:7: <script>: Reference to nonexistent resource script:"inl"',
        'c.conf:8: <script>: unknown attribute "fiel" for script (did you mean "file"?)',
    ]


def test_listing7_as_printed_every_mistake_with_file_and_line() -> None:
    from harness.tools import run

    path = DATA / "listing7.conf"
    result = run([sys.executable, "-m", "cluster.tools.ccs_config_validate", "-f", str(path)], timeout=30)
    assert (result.returncode, result.stdout) == (1, "Configuration fails to validate\n")
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{path}:25: <xml>: malformed XML: Opening and ending tag mismatch: resources line 21 and resource",
        f'{path}:23: <fs>: unknown attribute "force_umount" for fs (did you mean "force_unmount"?)',
        f'{path}:23: <fs>: unknown attribute "fsytpe" for fs (did you mean "fstype"?)',
        f'{path}:24: <ip>: missing primary attribute "address": ip resource ignored',
        f'{path}:27: <ip>: Reference to nonexistent resource ip:""',
    ]


def test_listing7_corrected_validates() -> None:
    from harness.tools import run

    path = DATA / "listing7-corrected.conf"
    result = run([sys.executable, "-m", "cluster.tools.ccs_config_validate", "-f", str(path)], timeout=30)
    assert (result.returncode, result.stdout, result.stderr) == (0, "Configuration validates\n", "")


def test_tools_that_only_load_the_conf_do_not_run_resource_agents(tmp_path: Path) -> None:
    """ccs_config_validate checks <rm>; load_cluster_conf (daemons, cman_tool...) leaves it to the rm."""
    from cluster.config import load_cluster_conf

    conf = tmp_path / "cluster.conf"
    conf.write_text((DATA / "listing7-corrected.conf").read_text().replace("fstype", "fsytpe"))
    assert load_cluster_conf(conf).rm is not None
    from harness.tools import run

    result = run([sys.executable, "-m", "cluster.tools.ccs_config_validate", "-f", str(conf)], timeout=30)
    assert result.returncode == 1 and 'unknown attribute "fsytpe" for fs' in result.stderr
