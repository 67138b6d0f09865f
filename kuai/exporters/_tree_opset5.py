"""Tree ensembles rewritten from ai.onnx.ml opset 3 to opset 5's ``TreeEnsemble``: the same model, half the memory.

The converters (skl2onnx, onnxmltools, CatBoost) write ``TreeEnsembleRegressor``/``TreeEnsembleClassifier``
(opset 3): one entry per node in lists of 64-bit ids, a string per node for its mode, and leaves
as nodes. ONNX Runtime holds those lists in the loaded graph *and* copies them into its kernel, so
a session took about twelve times the file (a 136 MB blend of forests: 1.2 GB). ``TreeEnsemble``
(opset 5) keeps only the splits, with modes as bytes and thresholds and leaf weights as tensors.

The rewrite is exact: ONNX Runtime turns a ``TreeEnsemble`` back into the opset-3 trees inside
its kernel, so the same trees are summed in the same order. What opset 3 did after the sum
(base values, the classifier's binary conventions, its transform, its label) becomes plain ONNX
nodes written to give what ONNX Runtime's opset-3 kernel gives. The trees' attributes themselves are
converted in ``_tree_attributes``.

Opset 5 removed the opset-3 tree operators, so a model is rewritten whole or not at all: when
one of its tree nodes has a shape this module does not rewrite exactly (a classifier leaf voting
for several classes, as multiclass forests and multiclass CatBoost do), the model stays at opset 3.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from onnx import AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, helper, numpy_helper

from kuai.exporters._tree_attributes import ints, negated_pairs, one_class_per_tree, opset5_trees, string, values

ML_DOMAIN = "ai.onnx.ml"
TREE_OPS = ("TreeEnsembleClassifier", "TreeEnsembleRegressor")
_AGGREGATES = {b"AVERAGE": 0, b"SUM": 1}  # MIN and MAX are left alone (never written by our converters)

_Fresh = Callable[[str], str]  # gives a graph-unique name for a suffix


class TreeRewriter:
    """Rewrites opset-3 tree nodes of one graph to opset 5, with names unique in that graph."""

    def __init__(self, graph: GraphProto) -> None:
        self._doubles = _double_tensors(graph)
        self._names = _tensor_names(graph)

    def rewrite(self, node: NodeProto) -> list[NodeProto] | None:
        """The nodes that compute what ``node`` computes (the first is a ``TreeEnsemble``), or None."""
        attrs = {a.name: a for a in node.attribute}
        double_input = node.input[0] in self._doubles
        if any(name.endswith("_as_tensor") for name in attrs) != double_input or not node.name \
                or "nodes_hitrates_as_tensor" in attrs:
            return None  # thresholds must be of the input's type; hit rates are not carried over
        dtype = np.float64 if double_input else np.float32
        try:
            if node.op_type == "TreeEnsembleRegressor":
                return _regressor(node, attrs, dtype, self._fresh(node.name))
            return _classifier(node, attrs, dtype, self._fresh(node.name))
        except (IndexError, ValueError):  # attribute lists of unequal lengths: leave the node as it is
            return None

    def rewrite_from(self, node: NodeProto, trees: list[AttributeProto], labels: np.ndarray | None) -> list[NodeProto]:
        """The nodes for ``node`` from opset-5 ``trees`` built straight from a model (``_forest_converter``) over
        float32 inputs, as ``rewrite`` gives them for that model's opset-3 node: a regressor's sum, or (with
        ``labels``) a binary classifier's [1 - s, s] with 0.5 as the cut."""
        fresh = self._fresh(node.name)
        if labels is None:
            raw = fresh("trees")
            out: list[NodeProto] = [_ensemble(node, raw, 1, 1, trees)]
            _as_float(out, raw, node.output[0], np.float32, fresh)
            return out
        return _binary(node, trees, labels, np.empty(0, np.float32), mixed=False, dtype=np.float32, fresh=fresh)

    def _fresh(self, prefix: str) -> _Fresh:
        def fresh(suffix: str) -> str:
            name = f"{prefix}_{suffix}"
            while name in self._names:
                name += "_"
            self._names.add(name)
            return name

        return fresh


def upgrade_tree_ensembles(model: ModelProto) -> bool:
    """Rewrite every tree node of ``model`` to opset 5 in place; False (model untouched) if one cannot be."""
    tree_nodes = [node for node in model.graph.node if is_tree_node(node)]
    rewriter = TreeRewriter(model.graph)
    rewritten: dict[str, list[NodeProto]] = {}
    for node in tree_nodes:
        replacement = rewriter.rewrite(node)
        if replacement is None or node.name in rewritten:
            return False
        rewritten[node.name] = replacement
    return bool(rewritten) and splice(model, rewritten)


def is_tree_node(node: NodeProto) -> bool:
    return node.op_type in TREE_OPS and node.domain == ML_DOMAIN


def splice(model: ModelProto, rewritten: dict[str, list[NodeProto]]) -> bool:
    """Put each rewritten tree node's replacement in its place and move the model to ai.onnx.ml opset 5.

    False (model untouched) if a tree node of the graph has no replacement: opset 5 has no opset-3 trees.
    """
    graph = model.graph
    if any(is_tree_node(node) and node.name not in rewritten for node in graph.node):
        return False
    nodes = list(graph.node)
    del graph.node[:]
    for node in nodes:
        graph.node.extend(rewritten.pop(node.name) if is_tree_node(node) else [node])  # one copy at a time
    for opset in model.opset_import:
        if opset.domain == ML_DOMAIN:
            opset.version = 5
    return True


def _regressor(node: NodeProto, attrs: dict[str, AttributeProto], dtype: type,
               fresh: _Fresh) -> list[NodeProto] | None:
    if string(attrs, "post_transform", b"NONE") != b"NONE":
        return None
    aggregate = _AGGREGATES.get(string(attrs, "aggregate_function", b"SUM"))
    n_targets = attrs["n_targets"].i if "n_targets" in attrs else 0
    trees = opset5_trees(attrs, "target_", dtype)
    if aggregate is None or trees is None or n_targets < 1:
        return None
    base = values(attrs, "base_values", dtype)
    if base.size not in (0, n_targets):
        return None
    raw = fresh("trees")
    out: list[NodeProto] = [_ensemble(node, raw, n_targets, aggregate, trees)]
    _as_float(out, _plus_base(out, raw, base, fresh), node.output[0], dtype, fresh)
    return out


def _classifier(node: NodeProto, attrs: dict[str, AttributeProto], dtype: type,
                fresh: _Fresh) -> list[NodeProto] | None:
    if "classlabels_int64s" not in attrs or len(node.output) != 2:
        return None
    labels = np.asarray(attrs["classlabels_int64s"].ints, dtype=np.int64)
    post = string(attrs, "post_transform", b"NONE")
    ids = ints(attrs, "class_ids")
    weights = values(attrs, "class_weights", dtype)
    base = values(attrs, "base_values", dtype)
    used = set(np.unique(ids).tolist())
    k = len(labels)
    if k == 2 and used == {0, 1} and post == b"LOGISTIC" and base.size == 0 and labels.tolist() == [0, 1]:
        # CatBoost's binary trees vote +v for class 0 and -v for class 1 in every leaf: opset 3 outputs
        # [sigmoid(s0), sigmoid(s1)] with s0 = -s1, and 1 when s1 > 0 (0 and 1 themselves, not the class labels,
        # hence labels [0, 1] only); the class-1 votes are enough
        if not negated_pairs(attrs, ids, weights):
            return None
        trees = opset5_trees(attrs, "class_", dtype, keep=ids == 1)
        return None if trees is None else _binary(node, trees, labels, base, mixed=True, dtype=dtype, fresh=fresh)
    trees = opset5_trees(attrs, "class_", dtype)
    if trees is None:
        return None
    if k == 2 and used == {0} and base.size in (0, 1):
        positive = bool(np.all(weights >= 0))  # ONNX Runtime's "all weights positive" binary convention
        if (positive and post != b"NONE") or (not positive and post != b"LOGISTIC"):
            return None
        return _binary(node, trees, labels, base, mixed=not positive, dtype=dtype, fresh=fresh)
    # opset 3's label skips the classes a row got no vote for, unless base values give every class a score:
    # with one class per tree and a tree for every class, every row has a vote for every class
    every_class_scored = base.size == k or one_class_per_tree(attrs, ids, k)
    if k >= 3 and used == set(range(k)) and base.size in (0, k) and every_class_scored \
            and post in (b"NONE", b"SOFTMAX", b"LOGISTIC"):
        return _multiclass(node, trees, labels, base, post, dtype, fresh)
    return None


def _binary(node: NodeProto, trees: list[AttributeProto], labels: np.ndarray, base: np.ndarray, *, mixed: bool,
            dtype: type, fresh: _Fresh) -> list[NodeProto]:
    """Opset 3's binary case: one score s per row; [1 - s, s] with 0.5 as cut, or [sigmoid(-s), sigmoid(s)] with 0.

    The cut is taken on the sum in the trees' precision (double for CatBoost), the probabilities in float32.
    """
    label, probabilities = node.output
    raw = fresh("trees")
    out: list[NodeProto] = [_ensemble(node, raw, 1, 1, trees)]
    summed = _plus_base(out, raw, base, fresh)
    score = _float(out, summed, dtype, fresh)
    if mixed:
        negated, pair = fresh("negated"), fresh("pair")
        out += [helper.make_node("Neg", [score], [negated], name=fresh("neg")),
                helper.make_node("Concat", [negated, score], [pair], axis=1, name=fresh("concat")),
                helper.make_node("Sigmoid", [pair], [probabilities], name=fresh("sigmoid"))]
    else:
        one, rest = fresh("one"), fresh("rest")
        out += [_constant(one, np.array([[1.0]], np.float32), fresh),
                helper.make_node("Sub", [one, score], [rest], name=fresh("sub")),
                helper.make_node("Concat", [rest, score], [probabilities], axis=1, name=fresh("concat"))]
    cut, flat, shape, wins, first, second = (fresh(s) for s in ("cut", "flat", "shape", "wins", "negative", "positive"))
    out += [_constant(cut, np.array(0.0 if mixed else 0.5, dtype), fresh),
            _constant(shape, np.array([-1], np.int64), fresh),
            helper.make_node("Reshape", [summed, shape], [flat], name=fresh("reshape")),
            helper.make_node("Greater", [flat, cut], [wins], name=fresh("greater")),
            _constant(first, labels[:1].reshape(()), fresh),
            _constant(second, labels[1:2].reshape(()), fresh),
            helper.make_node("Where", [wins, second, first], [label], name=fresh("label"))]
    return out


def _multiclass(node: NodeProto, trees: list[AttributeProto], labels: np.ndarray, base: np.ndarray, post: bytes,
                dtype: type, fresh: _Fresh) -> list[NodeProto]:
    """One score per class; the label is the first class with the highest score, as opset 3 picks it."""
    label, probabilities = node.output
    raw = fresh("trees")
    out: list[NodeProto] = [_ensemble(node, raw, len(labels), 1, trees)]
    summed = _plus_base(out, raw, base, fresh)
    scores = _float(out, summed, dtype, fresh)
    if post == b"SOFTMAX":
        out.append(helper.make_node("Softmax", [scores], [probabilities], axis=1, name=fresh("softmax")))
    else:
        transform = "Sigmoid" if post == b"LOGISTIC" else "Identity"
        out.append(helper.make_node(transform, [scores], [probabilities], name=fresh("transform")))
    best, classes = fresh("best"), fresh("classes")
    out += [helper.make_node("ArgMax", [summed], [best], axis=1, keepdims=0, name=fresh("argmax")),
            _constant(classes, labels, fresh),
            helper.make_node("Gather", [classes, best], [label], axis=0, name=fresh("gather"))]
    return out


def _ensemble(node: NodeProto, output: str, n_targets: int, aggregate: int, trees: list[AttributeProto]) -> NodeProto:
    ensemble = helper.make_node("TreeEnsemble", [node.input[0]], [output], domain=ML_DOMAIN, name=node.name,
                                n_targets=n_targets, aggregate_function=aggregate, post_transform=0)
    ensemble.attribute.extend(trees)
    return ensemble


def _plus_base(out: list[NodeProto], raw: str, base: np.ndarray, fresh: _Fresh) -> str:
    """Add the base values after the trees' sum (and average), in the trees' precision, as opset 3 does."""
    if base.size == 0 or not np.any(base):
        return raw
    constant, summed = fresh("base"), fresh("with_base")
    out += [_constant(constant, base.reshape(1, -1), fresh),
            helper.make_node("Add", [raw, constant], [summed], name=fresh("add_base"))]
    return summed


def _float(out: list[NodeProto], source: str, dtype: type, fresh: _Fresh) -> str:
    """``source`` as float32: itself, or a cast of it."""
    if dtype is not np.float64:
        return source
    cast = fresh("float")
    out.append(helper.make_node("Cast", [source], [cast], to=TensorProto.FLOAT, name=fresh("cast")))
    return cast


def _as_float(out: list[NodeProto], source: str, target: str, dtype: type, fresh: _Fresh) -> None:
    """Make ``target`` the float32 form of ``source``, which the last node of ``out`` writes."""
    if dtype is np.float64:
        out.append(helper.make_node("Cast", [source], [target], to=TensorProto.FLOAT, name=fresh("float")))
    else:
        out[-1].output[0] = target


def _constant(name: str, value: np.ndarray, fresh: _Fresh) -> NodeProto:
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(np.asarray(value), name),
                            name=fresh("const"))


def _double_tensors(graph: GraphProto) -> set[str]:
    """Names of the tensors cast to double in ``graph`` (the inputs of double-precision trees)."""
    found: set[str] = set()
    for node in graph.node:
        if node.op_type == "Cast" and any(a.name == "to" and a.i == TensorProto.DOUBLE for a in node.attribute):
            found.update(node.output)
    return found


def _tensor_names(graph: GraphProto) -> set[str]:
    names: set[str] = {value.name for value in (*graph.input, *graph.output, *graph.initializer)}
    for node in graph.node:
        names.update((*node.input, *node.output, node.name))
    return names

