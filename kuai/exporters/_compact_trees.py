"""Tree-ensemble nodes kept as serialized bytes while skl2onnx assembles the graph.

skl2onnx copies every node into the graph, then the graph into the model, and an ONNX message
in memory takes about six times its serialized size (ids are 8-byte integers there, varints on
disk). For a bagged or blended forest of tens of MB the conversion held several such copies at
once: 0.8 GB for a 36 MB graph. Inside ``compact_tree_nodes()`` the tree converters wrapped by
``compacting`` swap each tree-ensemble node they add for a placeholder without attributes and
keep the node serialized; ``restore`` puts the nodes back into the finished model, once, rewritten
to opset 5's ``TreeEnsemble`` when asked and every tree of the model can be (``_tree_opset5``): each
node is parsed and rewritten in turn, so the opset-3 graph is never whole in memory. A converter may also add a
node without its list attributes and leave their source in the stash (``defer``; the forests of
``_forest_converter``): ``restore`` then asks the source for the opset-5 nodes, or for the opset-3 lists.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from onnx import ModelProto, NodeProto

from kuai.exporters._tree_opset5 import TREE_OPS, TreeRewriter, splice

_local = threading.local()  # the stash of the conversion running on this thread, if any


class TreeSource(Protocol):
    """Where a tree node's list attributes come from when its converter leaves them out (``TreeStash.defer``)."""

    def opset3(self, node: NodeProto) -> None:
        """Write the node's opset-3 list attributes into ``node``."""

    def opset5(self, rewriter: TreeRewriter, node: NodeProto) -> list[NodeProto] | None:
        """The opset-5 nodes that compute ``node``, or None when there is no exact opset-5 form."""


class TreeStash:
    """Serialized tree-ensemble nodes of one conversion, by node name, and the sources of those kept without their
    list attributes."""

    def __init__(self) -> None:
        self.nodes: dict[str, bytes] = {}
        self.sources: dict[str, TreeSource] = {}

    def defer(self, name: str, source: TreeSource) -> None:
        """The node ``name`` was added without its list attributes: ``source`` gives them at ``restore``."""
        self.sources[name] = source

    def hold(self, nodes: list[NodeProto], start: int) -> None:
        """Replace the tree-ensemble nodes at ``nodes[start:]`` by placeholders and keep them serialized."""
        for i in range(start, len(nodes)):
            node = nodes[i]
            if node.op_type not in TREE_OPS or not node.name or node.name in self.nodes:
                continue
            self.nodes[node.name] = node.SerializeToString()
            placeholder = NodeProto(op_type=node.op_type, name=node.name, domain=node.domain)
            placeholder.input.extend(node.input)
            placeholder.output.extend(node.output)
            nodes[i] = placeholder  # the full node, and its memory, go now

    def restore(self, model: ModelProto, *, opset5: bool = False) -> bool:
        """Put every kept node's attributes back into ``model``'s graph; raises if one is missing.

        With ``opset5``, the nodes come back as opset 5's ``TreeEnsemble`` if all of the model's tree
        nodes can (returns True); otherwise as they were kept. Inputs and outputs stay the placeholder's:
        skl2onnx may have renamed them (dropping an Identity).
        """
        if opset5 and self._restore_rewritten(model):
            return True
        for node in model.graph.node:
            serialized = self.nodes.pop(node.name, None)
            if serialized is not None:
                _parse_into(node, serialized)
                source = self.sources.pop(node.name, None)
                if source is not None:
                    source.opset3(node)
        if self.nodes:
            raise RuntimeError(f"Tree nodes missing from the converted graph: {', '.join(sorted(self.nodes))}")
        return False

    def _restore_rewritten(self, model: ModelProto) -> bool:
        rewriter = TreeRewriter(model.graph)
        rewritten: dict[str, list[NodeProto]] = {}
        for placeholder in model.graph.node:
            serialized = self.nodes.get(placeholder.name)
            if serialized is None:
                continue
            if placeholder.name in rewritten:  # two nodes of one name: which replacement goes where is unclear
                return False
            node = NodeProto()
            node.CopyFrom(placeholder)
            _parse_into(node, serialized)
            source = self.sources.get(placeholder.name)
            replacement = rewriter.rewrite(node) if source is None else source.opset5(rewriter, node)
            if replacement is None:
                return False
            rewritten[placeholder.name] = replacement
        if set(rewritten) != set(self.nodes) or not splice(model, rewritten):
            return False
        self.nodes.clear()
        self.sources.clear()
        return True


def _parse_into(node: NodeProto, serialized: bytes) -> None:
    """Fill ``node`` from its kept serialized form, keeping its current inputs and outputs."""
    inputs, outputs = list(node.input), list(node.output)
    node.ParseFromString(serialized)
    del node.input[:], node.output[:]
    node.input.extend(inputs)
    node.output.extend(outputs)


def current_stash() -> TreeStash | None:
    """The stash of the conversion running on this thread, if any."""
    stash: TreeStash | None = getattr(_local, "stash", None)
    return stash


@contextmanager
def compact_tree_nodes() -> Iterator[TreeStash]:
    """Within this block, wrapped tree converters on this thread hand their nodes to the stash yielded."""
    previous = getattr(_local, "stash", None)
    stash = TreeStash()
    _local.stash = stash
    try:
        yield stash
    finally:
        _local.stash = previous


def compacting(convert: Callable[[Any, Any, Any], None]) -> Callable[[Any, Any, Any], None]:
    """Wrap a skl2onnx converter so the tree-ensemble nodes it adds wait in the current stash (if any)."""

    def converter(scope: Any, operator: Any, container: Any) -> None:
        stash = current_stash()
        start = len(container.nodes)
        convert(scope, operator, container)
        if stash is not None:
            stash.hold(container.nodes, start)

    return converter
