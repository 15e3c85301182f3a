"""A fence agent's parameters as its metadata states them (pure: parsing and the parameter groups).

Running the agent for its metadata, and caching it, is :mod:`agent_metadata`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from cluster.text_escape import one_line


@dataclass(frozen=True)
class AgentParameter:
    name: str
    required: bool
    deprecated: bool
    obsoletes: str | None


@dataclass(frozen=True)
class AgentMetadata:
    agent: str
    path: str
    parameters: dict[str, AgentParameter]

    def group(self, name: str) -> set[str]:
        """A parameter and its other names (``ip`` obsoletes ``ipaddr``: both name one parameter)."""
        names = {name}
        for p in self.parameters.values():
            if p.obsoletes == name:
                names.add(p.name)
        param = self.parameters.get(name)
        if param is not None and param.obsoletes:
            names.add(param.obsoletes)
        return names


class MetadataError(Exception):
    """An agent that cannot be found or gives no usable metadata; ``str()`` is one line."""


class AgentNotFound(MetadataError):
    """No such agent where fenced would look."""


def parse_metadata(data: bytes, agent: str, path: str) -> AgentMetadata:
    """The ``<parameters>`` of an agent's metadata XML (no network, no entities)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        raise MetadataError(f"{path} -o metadata gave no valid XML: {one_line(str(err.msg))}") from None
    if root.tag != "resource-agent":
        raise MetadataError(f"{path} -o metadata gave <{root.tag}>, not <resource-agent>")
    params = {}
    for el in root.iter("parameter"):
        name = el.get("name")
        if name:
            params[name] = AgentParameter(
                name, el.get("required") == "1", el.get("deprecated") == "1", el.get("obsoletes") or None
            )
    return AgentMetadata(agent, path, params)
