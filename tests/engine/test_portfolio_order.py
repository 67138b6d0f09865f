"""The first trials' order: the first round's configuration predicted fastest first, then a similar run's best,
then the rest of the portfolio (``kuai.engine.search.portfolio.fastest_first``)."""

from __future__ import annotations

from kuai.engine.models import FAMILIES, DataShape
from kuai.engine.search.fidelity import TrialCosts, TrialSize
from kuai.engine.search.portfolio import fastest_first, portfolio

ORDER = ("lightgbm", "linear", "extra_trees", "catboost")


def _size(width: int, rows: int = 8_000) -> TrialSize:
    return TrialSize(n_rows=10_000, train_rows=rows, width=width, n_folds=5, n_classes=2, parallel_folds=True)


def _order(widths: dict[str, int], warm: list[dict[str, object]] | None = None,
           costs: TrialCosts | None = None, keep_order: bool = False) -> list[str]:
    families = {name: FAMILIES[name] for name in ORDER}
    configs = portfolio(list(families.values()), DataShape(10_000, 50, 2))
    ordered = fastest_first(configs, warm or [], families=families, size_of=lambda f: _size(widths[f.name]),
                            costs=costs, keep_order=keep_order)
    assert sorted(map(str, ordered)) == sorted(map(str, [*configs, *(warm or [])]))  # none lost, none twice
    return [str(c["family"]) for c in ordered]


def test_the_family_predicted_fastest_runs_first_and_the_others_keep_their_order() -> None:
    # 50 columns, one-hot 280 wide: the linear model's 0.12 core-s a million cells against LightGBM's 3.1
    order = _order({"lightgbm": 50, "linear": 280, "extra_trees": 50, "catboost": 50})
    assert order[:5] == ["linear", "lightgbm", "extra_trees", "catboost", "lightgbm"]


def test_a_wide_one_hot_encoding_is_not_first() -> None:
    # one-hot 40 times as wide as the ordinal inputs: the linear model is predicted slower than the trees; extra
    # trees (1.8 core-s a million cells) before LightGBM (3.1), and the rest in the portfolio's order
    order = _order({"lightgbm": 50, "linear": 2_000, "extra_trees": 50, "catboost": 50})
    assert order[:4] == ["extra_trees", "lightgbm", "linear", "catboost"]


def test_measured_costs_decide_over_the_priors() -> None:
    costs = TrialCosts()  # measured on this machine: LightGBM as its prior says, the linear model 100 times slower
    for name, times in (("lightgbm", 1.0), ("linear", 100.0)):
        family = FAMILIES[name]
        costs.record(family, fit_s=times * family.fit_cost.core_s(1e6, 2), threads=1, n_cells=1e6, n_classes=2)
    assert _order({"lightgbm": 50, "linear": 280, "extra_trees": 50, "catboost": 50}, costs=costs)[0] == "lightgbm"


def test_a_similar_runs_best_comes_right_after_the_first_model() -> None:
    warm = [{"family": "catboost", "catboost__depth": 8}]
    order = _order({"lightgbm": 50, "linear": 280, "extra_trees": 50, "catboost": 50}, warm=warm)
    assert order[:3] == ["linear", "catboost", "lightgbm"]


def test_no_portfolio_leaves_the_similar_runs_configurations() -> None:
    warm = [{"family": "lightgbm", "lightgbm__num_leaves": 7}]
    assert fastest_first([], warm, families={}, size_of=lambda f: _size(1)) == warm


def test_families_named_in_an_order_keep_it_after_a_similar_runs_best() -> None:
    warm = [{"family": "catboost", "catboost__depth": 8}]
    order = _order({"lightgbm": 50, "linear": 280, "extra_trees": 50, "catboost": 50}, warm=warm, keep_order=True)
    assert order[:5] == ["catboost", "lightgbm", "linear", "extra_trees", "catboost"]
