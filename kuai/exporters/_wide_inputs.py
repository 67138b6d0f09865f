"""Two of skl2onnx's walks made linear, for models over thousands of inputs.

- skl2onnx finds each column a ColumnTransformer names by scanning the graph's inputs from the first
  (``skl2onnx.common.utils.get_column_index``): quadratic in the inputs. Over 3,000 inputs that took 17 of the 24 s
  of a conversion. ``fast_column_indices`` answers the same question (the first input of that name, column 0) from
  one dictionary; anything else (integer positions, a name it does not know) goes to skl2onnx's own function.
- To pass the ``zipmap`` option down a pipeline, skl2onnx lists every attribute of every object in the model
  (``enumerate_model_names``), recursing into each element of each list: a LightGBM model's ``feature_name_``, one
  string per input, costs a ``dir()`` per string (4 of the 6.5 s of converting five bagged LightGBMs over 3,000
  inputs). ``names_without_scalars`` skips lists of plain values (names, numbers), which hold no model.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

_original: dict[str, Callable[..., Any]] = {}
_SCALARS = (str, bytes, int, float, bool)


def fast_column_indices(indices: Sequence[Any], inputs: Sequence[Any], multiple: bool) -> Any:
    """``skl2onnx.common.utils.get_column_indices``, without its scan per name."""
    original = _original["get_column_indices"]
    if not multiple or not all(isinstance(index, str) for index in indices):
        return original(indices, inputs, multiple)
    first: dict[str, int] = {}
    for position, variable in enumerate(inputs):
        first.setdefault(variable.raw_name, position)
    if any(index not in first for index in indices):
        return original(indices, inputs, multiple)  # its error names the missing column
    found: OrderedDict[int, list[int]] = OrderedDict()
    for index in indices:
        found.setdefault(first[index], []).append(0)
    return found


def names_without_scalars(model: Any, prefix: Any = "", short: bool = True) -> Iterator[tuple[Any, Any]]:
    """``skl2onnx.common.utils_sklearn.enumerate_model_names``, without descending into lists of plain values."""
    if isinstance(model, (list, tuple)) and model and all(isinstance(item, _SCALARS) for item in model):
        return iter(())
    return _original["enumerate_model_names"](model, prefix, short)


def install() -> None:
    """Use both in skl2onnx (once per process; the results are the same, only faster)."""
    import skl2onnx._parse as parse
    import skl2onnx.common.utils_sklearn as utils_sklearn

    if not _original:
        _original["get_column_indices"] = parse.get_column_indices
        _original["enumerate_model_names"] = utils_sklearn.enumerate_model_names
        parse.get_column_indices = fast_column_indices
        utils_sklearn.enumerate_model_names = names_without_scalars
