"""The rhcs LDAP schema, generated from the mapping confdb2ldif uses, so the two cannot drift.

As cluster 3 did (its ``rng2ldif`` read cluster.rng and kept the numbers in a CSV for reuse), every
element of cluster.rng with attributes becomes an object class ``rhcs<Element>`` (OID
1.3.6.1.4.1.2312.8.1.2.N) and every attribute an attribute type ``rhcs<Attribute>``
(1.3.6.1.4.1.2312.8.1.1.N),
named by :func:`cluster.config.ldif.rhcs_name` itself. ``<device>`` and ``<fencedevice>`` take any agent
parameter: they may carry every parameter the registry marks ``device`` (the parameters of fencelab's agents,
read from their metadata by ``python -m cluster.tools.rhcs_schema --update``). ``<rm>`` is open in the
schema; its vocabulary below is rgmanager's, from the reference, until the resource manager owns it.

The OID numbers live in ``schema/rhcs-oids.txt``: a name keeps its number forever; new names get the
next one. Every attribute is a single-valued case-exact string: values are checked by the loader exactly as
cluster.conf's are, so a bad value is reported with its DN instead of as an LDAP syntax error.

``nsContainer`` (the container class confdb2ldif uses, from 389 Directory Server) is defined here too
under its own OID, since OpenLDAP does not ship it. Pure: no I/O beyond reading the shipped files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .ldif import rhcs_name
from .structure import ElementSpec

SCHEMA_DIR = Path(__file__).with_name("schema")
SCHEMA_LDIF_PATH = SCHEMA_DIR / "rhcs.ldif"
SCHEMA_CONF_PATH = SCHEMA_DIR / "rhcs.schema"
OID_REGISTRY_PATH = SCHEMA_DIR / "rhcs-oids.txt"
ATTRIBUTE_ARC = "1.3.6.1.4.1.2312.8.1.1"
CLASS_ARC = "1.3.6.1.4.1.2312.8.1.2"
# Octet strings: cluster.conf values may be empty (Listing 3's ipaddr=""), which a DirectoryString refuses.
STRING = "EQUALITY octetStringMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.40"
NS_CONTAINER = (
    "( 2.16.840.1.113730.3.2.30 NAME 'nsContainer' DESC 'a container entry (as in 389 Directory Server)' "
    "SUP top STRUCTURAL MUST cn )"
)
DEVICE_ELEMENTS = ("device", "fencedevice")

# rgmanager's elements and attributes (reference: cluster-suite.md, rgmanager), required then optional.
_RESOURCE_COMMON = ("ref",)
_PLACEMENT = ("domain", "autostart", "exclusive", "recovery", "depend", "max_restarts", "restart_expire_time")
RM_VOCABULARY: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "failoverdomain": (("name",), ("ordered", "restricted", "nofailback")),
    "failoverdomainnode": (("name",), ("priority",)),
    "service": (("name",), (*_PLACEMENT, "priority", "depend_mode", "nfslock")),
    "vm": (("name",), (*_PLACEMENT, "priority", "path", "migrate", "use_virsh", "hypervisor")),
    "ip": ((), ("address", "monitor_link", "sleeptime", "family", *_RESOURCE_COMMON)),
    "fs": (
        (),
        (
            "name",
            "mountpoint",
            "device",
            "fstype",
            "force_unmount",
            "self_fence",
            "force_fsck",
            "options",
            "fsid",
            *_RESOURCE_COMMON,
        ),
    ),
    "script": ((), ("name", "file", *_RESOURCE_COMMON)),
    "action": (("name",), ("depth", "interval", "timeout")),
}


@dataclass(frozen=True)
class ElementVocabulary:
    """What one element may carry: its required and optional keys, and whether agent parameters too."""

    required: tuple[str, ...]
    optional: tuple[str, ...]
    device_params: bool = False


def vocabulary(specs: Mapping[str, ElementSpec]) -> dict[str, ElementVocabulary]:
    """Per element: cluster.rng's attributes (read by :mod:`structure`), plus rgmanager's vocabulary."""
    vocab = {
        tag: ElementVocabulary(
            tuple(spec.required_attrs), tuple(spec.optional_attrs), spec.any_attrs and tag in DEVICE_ELEMENTS
        )
        for tag, spec in specs.items()
    }
    for tag, (required, optional) in RM_VOCABULARY.items():
        vocab.setdefault(tag, ElementVocabulary(required, optional))
    return vocab


@dataclass
class Registry:
    """OID numbers: ``attributes[name] = (N, is_device_param)``, ``classes[name] = N``."""

    attributes: dict[str, tuple[int, bool]] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)

    def device_attributes(self) -> list[str]:
        return [name for name, (_, device) in self.attributes.items() if device]


def parse_registry(text: str) -> Registry:
    """``attribute N rhcsName [device]`` and ``class N rhcsName`` lines; ``#`` comments."""
    reg = Registry()
    for number, raw in enumerate(text.splitlines(), 1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        if words[0] == "attribute" and len(words) in (3, 4) and words[1].isdigit():
            reg.attributes[words[2]] = (int(words[1]), words[3:] == ["device"])
        elif words[0] == "class" and len(words) == 3 and words[1].isdigit():
            reg.classes[words[2]] = int(words[1])
        else:
            raise ValueError(f"{OID_REGISTRY_PATH.name}:{number}: cannot read {raw!r}")
    return reg


def render_registry(reg: Registry) -> str:
    lines = ["# OID numbers of the rhcs schema: a name keeps its number; new names are appended.", ""]
    for name, (n, device) in sorted(reg.attributes.items(), key=lambda item: item[1][0]):
        lines.append(f"attribute {n} {name}" + (" device" if device else ""))
    for name, n in sorted(reg.classes.items(), key=lambda item: item[1]):
        lines.append(f"class {n} {name}")
    return "\n".join(lines) + "\n"


def wanted_names(vocab: Mapping[str, ElementVocabulary]) -> tuple[list[str], list[str]]:
    """Attribute and class names the mapping can produce from the vocabulary (``name`` is LDAP's own)."""
    attrs: list[str] = []
    classes: list[str] = []
    for tag, v in vocab.items():
        keys = [k for k in (*v.required, *v.optional) if k != "name"]
        for key in keys:
            if rhcs_name(key) not in attrs:
                attrs.append(rhcs_name(key))
        if keys or v.device_params or "name" in (*v.required, *v.optional):
            classes.append(rhcs_name(tag))
    return attrs, classes


def extend_registry(
    reg: Registry, attrs: Iterable[str], classes: Iterable[str], device: Iterable[str]
) -> Registry:
    """A registry with every name given; existing numbers stay, new names get the next free number."""
    out = Registry(dict(reg.attributes), dict(reg.classes))
    device_set = set(device)
    next_attr = max((n for n, _ in out.attributes.values()), default=0) + 1
    for name in [*attrs, *device_set.difference(attrs)]:
        if name not in out.attributes:
            out.attributes[name] = (next_attr, name in device_set)
            next_attr += 1
        elif name in device_set and not out.attributes[name][1]:
            out.attributes[name] = (out.attributes[name][0], True)
    next_class = max(out.classes.values(), default=0) + 1
    for name in classes:
        if name not in out.classes:
            out.classes[name] = next_class
            next_class += 1
    return out


def missing_names(reg: Registry, vocab: Mapping[str, ElementVocabulary]) -> list[str]:
    attrs, classes = wanted_names(vocab)
    return [a for a in attrs if a not in reg.attributes] + [c for c in classes if c not in reg.classes]


def _oids(names: Iterable[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else "( " + " $ ".join(names) + " )"


def definitions(reg: Registry, vocab: Mapping[str, ElementVocabulary]) -> tuple[list[str], list[str]]:
    """The attribute type and object class definitions (RFC 4512 syntax), in OID order."""
    attributes = [
        f"( {ATTRIBUTE_ARC}.{n} NAME '{name}' {STRING} SINGLE-VALUE )"
        for name, (n, _) in sorted(reg.attributes.items(), key=lambda item: item[1][0])
    ]
    by_class = {rhcs_name(tag): (tag, v) for tag, v in vocab.items()}
    classes = [NS_CONTAINER]
    for name, n in sorted(reg.classes.items(), key=lambda item: item[1]):
        tag, v = by_class[name]
        # The RDN: name= for a named element, cn=<element> for others; an element whose name is optional
        # can be either (confdb2ldif names it by its name when it has one).
        naming = ["name"] if "name" in v.required else [] if "name" in v.optional else ["cn"]
        must = naming + [rhcs_name(k) for k in v.required if k != "name"]
        may = [rhcs_name(k) for k in v.optional if k != "name"]
        if "name" in v.optional:
            may += ["cn", "name"]
        if v.device_params:
            may += [a for a in reg.device_attributes() if a not in must and a not in may]
        text = f"( {CLASS_ARC}.{n} NAME '{name}' DESC 'cluster.conf <{tag}>' SUP top STRUCTURAL"
        text += f" MUST {_oids(must)}" if must else ""
        classes.append(text + (f" MAY {_oids(may)} )" if may else " )"))
    return attributes, classes


_GENERATED = (
    "# Generated by python -m cluster.tools.rhcs_schema from cluster.rng and rhcs-oids.txt: do not edit."
)


def render_ldif(reg: Registry, vocab: Mapping[str, ElementVocabulary]) -> str:
    """The schema as an entry of cn=config (``ldapadd -Y EXTERNAL -H ldapi:/// -f rhcs.ldif``)."""
    attributes, classes = definitions(reg, vocab)
    lines = [_GENERATED, "dn: cn=rhcs,cn=schema,cn=config", "objectClass: olcSchemaConfig", "cn: rhcs"]
    lines += [f"olcAttributeTypes: {a}" for a in attributes]
    lines += [f"olcObjectClasses: {c}" for c in classes]
    return "\n".join(lines) + "\n"


def render_schema_conf(reg: Registry, vocab: Mapping[str, ElementVocabulary]) -> str:
    """The schema for slapd.conf (``include /etc/ldap/schema/rhcs.schema``)."""
    attributes, classes = definitions(reg, vocab)
    lines = [_GENERATED, ""]
    lines += [f"attributetype {a}" for a in attributes]
    lines += [f"objectclass {c}" for c in classes]
    return "\n".join(lines) + "\n"
