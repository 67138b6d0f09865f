"""Ensemble selection: the greedy blend, and its trimming of costly members that add next to nothing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kuai.engine.metrics import get_metric
from kuai.engine.select.ensemble import (
    CANDIDATE_WORK,
    MIN_CANDIDATES,
    TRIM_TOLERANCE_SE,
    EnsembleSelection,
    candidates,
    n_candidates,
    select_ensemble,
)

RMSE = get_metric("rmse")


def _models(n: int = 2000) -> tuple[np.ndarray, dict[int, np.ndarray], list[tuple[np.ndarray, np.ndarray]]]:
    """Two models with independent errors, and a third whose errors are almost those of the first."""
    rng = np.random.default_rng(0)
    y = rng.normal(size=n)
    first_error = rng.normal(size=n)
    oofs = {0: y + first_error, 1: y + rng.normal(size=n),
            2: y + 0.995 * first_error + math.sqrt(1 - 0.995**2) * rng.normal(size=n)}
    folds = [(np.setdiff1d(np.arange(n), valid), valid) for valid in np.array_split(np.arange(n), 5)]
    return y, oofs, folds


def _allowed_loss(full: EnsembleSelection) -> float:
    return RMSE.loss(full.score) + TRIM_TOLERANCE_SE * float(np.std(full.fold_scores)) / math.sqrt(5)


def test_a_costly_member_that_adds_next_to_nothing_is_left_out() -> None:
    y, oofs, folds = _models()
    full = select_ensemble(oofs, y, RMSE, folds=folds)
    assert full is not None and 2 in full.weights  # the near-copy earns a small weight
    trimmed = select_ensemble(oofs, y, RMSE, folds=folds, sizes={0: 1.0, 1: 1.0, 2: 100.0})
    assert trimmed is not None
    assert 2 not in trimmed.weights and trimmed.trimmed == (2,)
    assert full.score < trimmed.score <= _allowed_loss(full)  # it costs something, within the tolerance
    assert math.isclose(sum(trimmed.weights.values()), 1.0)
    blend = np.sum([w * oofs[n] for n, w in trimmed.weights.items()], axis=0)
    assert math.isclose(RMSE.compute(y, trimmed.oof), RMSE.compute(y, blend))


def test_a_costly_member_that_matters_is_kept() -> None:
    y, oofs, folds = _models()
    full = select_ensemble(oofs, y, RMSE, folds=folds)
    kept = select_ensemble(oofs, y, RMSE, folds=folds, sizes={0: 1.0, 1: 100.0, 2: 1.0})
    without = select_ensemble({0: oofs[0], 2: oofs[2]}, y, RMSE, folds=folds)
    assert full is not None and kept is not None and without is not None
    assert RMSE.loss(without.score) > _allowed_loss(full)  # without it the blend loses far more than the noise
    assert 1 in kept.weights and 1 not in kept.trimmed
    assert RMSE.loss(kept.score) <= _allowed_loss(full)


def test_a_costly_member_is_not_swapped_for_one_of_unknown_size() -> None:
    y, oofs, folds = _models()
    oofs[3] = oofs[2].copy()  # the same model, whose size was not measured
    full = select_ensemble(oofs, y, RMSE, folds=folds)
    assert full is not None and 2 in full.weights and 3 not in full.weights  # ties go to the first
    same = select_ensemble(oofs, y, RMSE, folds=folds, sizes={0: 1.0, 1: 1.0, 2: 100.0})
    assert same is not None and same.weights == full.weights and same.trimmed == ()
    known = select_ensemble(oofs, y, RMSE, folds=folds, sizes={0: 1.0, 1: 1.0, 2: 100.0, 3: 100.0})
    assert known is not None and known.weights == full.weights  # a copy as large is no smaller either


def test_without_sizes_nothing_is_trimmed() -> None:
    y, oofs, folds = _models()
    full = select_ensemble(oofs, y, RMSE, folds=folds)
    same = select_ensemble(oofs, y, RMSE, folds=folds, sizes={})
    assert full is not None and same is not None
    assert same.weights == full.weights and same.trimmed == ()


@pytest.mark.parametrize("name", ["log_loss", "rmse", "roc_auc", "pr_auc", "accuracy"])
def test_fast_metrics_equal_scikit_learns(name: str) -> None:
    from sklearn import metrics as sk
    from sklearn.exceptions import UndefinedMetricWarning

    rng = np.random.default_rng(1)
    if name == "log_loss":
        y = rng.integers(0, 4, 500)
        proba = rng.dirichlet(np.ones(4), size=500)
        proba[0, y[0]] = 0.0  # clipped, as scikit-learn's caller clips it
        clipped = np.clip(proba, 1e-15, 1.0)
        expected = sk.log_loss(y, clipped / clipped.sum(axis=1, keepdims=True), labels=np.arange(4))
        assert get_metric(name).compute(y, proba) == pytest.approx(expected, rel=1e-12)
        assert get_metric(name).compute(y.reshape(-1, 1), proba) == pytest.approx(expected, rel=1e-12)
    elif name == "roc_auc":
        y = rng.integers(0, 2, 500)
        proba = np.round(rng.uniform(size=(500, 1)), 1)  # ties among the scores count half
        proba = np.hstack([1 - proba, proba])
        expected = sk.roc_auc_score(y, proba[:, 1])
        assert get_metric(name).compute(y, proba) == pytest.approx(expected, rel=1e-12)
        for decimals in (0, 2, 15):  # all tied, many ties, none: each run of equal scores counts half its pairs
            score = np.round(rng.uniform(size=5_000), decimals).astype(np.float32)
            truth = (rng.uniform(size=5_000) < 0.2 + 0.5 * score).astype(np.int64)
            assert get_metric(name).compute(truth, score) == pytest.approx(sk.roc_auc_score(truth, score), rel=1e-12)
        assert get_metric(name).compute(np.array([0, 0, 1, 1]), np.array([0.5, 0.5, 0.5, 0.5])) == 0.5
        with pytest.warns(UndefinedMetricWarning):  # scikit-learn's answers stand: a single class has no AUC
            assert math.isnan(get_metric(name).compute(np.zeros(500, dtype=int), proba))
        proba[0, 1] = np.nan  # nor a score that is no number
        with pytest.raises(ValueError):
            get_metric(name).compute(y, proba)
    elif name == "pr_auc":  # one threshold per distinct score, as scikit-learn's
        for decimals in (1, 3, 8):
            score = np.round(rng.uniform(size=5_000), decimals)
            truth = (rng.uniform(size=5_000) < 0.05 + 0.3 * score).astype(np.int64)
            assert get_metric(name).compute(truth, score) == pytest.approx(sk.average_precision_score(truth, score),
                                                                           rel=1e-12)
        scores = np.array([0, 1, 2, 3], dtype=np.uint8)  # highest first without negating (it would wrap)
        assert get_metric(name).compute(np.array([0, 0, 1, 1]), scores) == 1.0
    elif name == "accuracy":  # and the balanced accuracy: each present class's recall, one absent class predicted
        y = rng.integers(0, 3, 2_000)
        proba = rng.dirichlet(np.ones(4), size=2_000)
        proba[0, 3] = 1.0
        assert get_metric(name).compute(y, proba) == sk.accuracy_score(y, proba.argmax(axis=1))
        with pytest.warns(UserWarning):  # scikit-learn warns of the class predicted that is not present
            expected = sk.balanced_accuracy_score(y, proba.argmax(axis=1))
        assert get_metric("balanced_accuracy").compute(y, proba) == pytest.approx(expected, rel=1e-12)
        for accuracy in (name, "balanced_accuracy"):  # no rows: an error, as scikit-learn's (the holdout says so)
            with pytest.raises(ValueError, match="no rows"):
                get_metric(accuracy).compute(np.array([], dtype=np.int64), np.zeros((0, 3)))
    else:
        values, predicted = rng.normal(size=500), rng.normal(size=500)
        expected = math.sqrt(sk.mean_squared_error(values, predicted))
        assert get_metric(name).compute(values, predicted) == pytest.approx(expected, rel=1e-12)
        assert get_metric(name).compute(values, predicted.reshape(-1, 1)) == pytest.approx(expected, rel=1e-12)


def test_trimming_is_bounded_on_large_data(monkeypatch: pytest.MonkeyPatch) -> None:
    import kuai.engine.select.ensemble as ensemble

    y, oofs, folds = _models()
    full = select_ensemble(oofs, y, RMSE, folds=folds)
    monkeypatch.setattr(ensemble, "TRIM_WORK", len(y) * len(oofs) * 25 - 1)  # less than one more selection
    bounded = select_ensemble(oofs, y, RMSE, folds=folds, sizes={0: 1.0, 1: 1.0, 2: 100.0})
    assert full is not None and bounded is not None
    assert bounded.weights == full.weights and bounded.trimmed == ()


def test_a_selection_on_a_sample_tries_what_the_work_cap_allows_the_rows_it_stands_for(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import kuai.engine.select.ensemble as ensemble

    y, oofs, folds = _models()
    greedy = ensemble._greedy
    calls: list[int] = []

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return greedy(*args, **kwargs)

    monkeypatch.setattr(ensemble, "_greedy", counted)
    monkeypatch.setattr(ensemble, "TRIM_WORK", len(y) * len(oofs) * 25)  # one more selection on these rows
    sizes = {0: 1.0, 1: 1.0, 2: 100.0}
    select_ensemble(oofs, y, RMSE, folds=folds, sizes=sizes)
    assert len(calls) == 2  # the selection, and one without its largest member
    assert select_ensemble(oofs, y, RMSE, folds=folds, sizes=sizes).selections == 2  # type: ignore[union-attr]
    calls.clear()
    select_ensemble(oofs, y, RMSE, folds=folds, sizes=sizes, work_rows=2 * len(y))  # stands for twice the rows
    assert len(calls) == 1  # no trimming, as on twice the rows


@pytest.mark.parametrize(("models", "sizes", "max_size"), [
    (2, {0: 1.0, 1: 2.0}, None),  # trimming either member leaves one model: no greedy selection to make
    (4, {0: 10.0, 1: 20.0, 2: 30.0, 3: 40.0}, 35.0),  # trimmed, then chosen again under the cap
    (4, {0: 50.0, 1: 60.0, 2: 70.0, 3: 80.0}, 55.0),  # the cap leaves no blend: its tries count all the same
])
def test_a_selection_counts_the_greedy_selections_it_made(monkeypatch: pytest.MonkeyPatch, models: int,
                                                           sizes: dict[int, float], max_size: float | None) -> None:
    import kuai.engine.select.ensemble as ensemble

    y, oofs, folds = _models()
    oofs[3] = y + np.random.default_rng(1).normal(scale=1.2, size=len(y))
    oofs = {n: oofs[n] for n in range(models)}
    greedy, calls = ensemble._greedy, []

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return greedy(*args, **kwargs)

    monkeypatch.setattr(ensemble, "_greedy", counted)
    found = select_ensemble(oofs, y, RMSE, folds=folds, sizes=sizes, max_size=max_size)
    assert found is not None and found.selections == len(calls)  # what the tail's plan counts the nesting against


def test_a_blend_over_the_size_cap_is_chosen_again_within_it() -> None:
    y, oofs, folds = _models()
    oofs[3] = y + np.random.default_rng(1).normal(scale=1.2, size=len(y))  # a small, weaker independent model
    sizes = {0: 10.0, 1: 100.0, 2: 10.0, 3: 10.0}
    full = select_ensemble(oofs, y, RMSE, folds=folds, sizes=sizes)
    assert full is not None and 1 in full.weights  # the large member matters: the trimming keeps it
    capped = select_ensemble(oofs, y, RMSE, folds=folds, sizes=sizes, max_size=50.0)
    assert capped is not None
    assert 1 not in capped.weights and 1 in capped.over_cap
    assert sum(sizes[n] for n in capped.weights) <= 50.0
    assert 3 in capped.weights  # the cap's best blend brings in what the full one did not need
    assert math.isclose(sum(capped.weights.values()), 1.0)
    blend = np.sum([w * oofs[n] for n, w in capped.weights.items()], axis=0)
    assert math.isclose(capped.score, float(np.mean([RMSE.compute(y[v], blend[v]) for _, v in folds])))
    assert RMSE.loss(capped.score) > RMSE.loss(full.score)  # the cap costs accuracy, and the score says so


def test_a_cap_no_blend_fits_leaves_the_selection_as_it_was() -> None:
    y, oofs, folds = _models()
    sizes = {0: 100.0, 1: 100.0, 2: 100.0}
    full = select_ensemble(oofs, y, RMSE, folds=folds, sizes=sizes)
    capped = select_ensemble(oofs, y, RMSE, folds=folds, sizes=sizes, max_size=150.0)
    assert full is not None and capped is not None
    assert capped.weights == full.weights and capped.over_cap == ()


def test_a_large_first_pick_that_leaves_no_room_gives_way_to_a_blend_of_smaller_models() -> None:
    y, oofs, folds = _models()
    oofs[3] = y + np.random.default_rng(2).normal(scale=0.9, size=len(y))  # the best single model, and the largest
    sizes = {0: 8.0, 1: 8.0, 2: 8.0, 3: 22.0}
    capped = select_ensemble(oofs, y, RMSE, folds=folds, sizes=sizes, max_size=24.0)
    assert capped is not None and 3 not in capped.weights and 3 in capped.over_cap
    assert {0, 1} <= set(capped.weights) and sum(sizes[n] for n in capped.weights) <= 24.0
    assert RMSE.loss(capped.score) < RMSE.compute(y, oofs[3])  # the small blend beats the large model alone


def _noise(n: int = 400, models: int = 20) -> tuple[np.ndarray, dict[int, np.ndarray], list[tuple[np.ndarray,
                                                                                                       np.ndarray]]]:
    """A binary target and models that are noise: any blend that scores better than chance has fitted the rows."""
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, size=n)
    oofs = {m: rng.uniform(size=n) for m in range(models)}
    folds = [(np.setdiff1d(np.arange(n), valid), valid) for valid in np.array_split(rng.permutation(n), 5)]
    return y, oofs, folds


def test_the_nested_score_of_a_blend_of_noise_is_chance_while_its_plain_score_is_not() -> None:
    """Selection that overfits: the greedy steps find a blend of noise that scores well on the rows they chose on;
    scored on rows its weights were not chosen on, the blend is what it is, a coin toss."""
    auc = get_metric("roc_auc")
    y, oofs, folds = _noise()
    chosen = select_ensemble(oofs, y, auc, folds=folds, nested=True,
                             scores={m: auc.compute(y, o) for m, o in oofs.items()})
    assert chosen is not None and chosen.nested_score is not None and len(chosen.nested_fold_scores or []) == 5
    assert chosen.score > 0.56  # the plain score: optimistic
    assert abs(chosen.nested_score - 0.5) < 0.04 and chosen.nested_score < chosen.score - 0.04
    # ranked by its nested score only when clearly worse, there, than the best single model on the same folds
    assert chosen.overfits([0.6] * 5, auc) and chosen.ranked_fold_scores([0.6] * 5, auc) == chosen.nested_fold_scores
    spread = [0.45, 0.55, 0.5, 0.62, 0.38]  # as good on average, but too unsteady to call the blend worse
    assert not chosen.overfits(spread, auc) and chosen.ranked_fold_scores(spread, auc) == chosen.fold_scores


def test_the_nested_score_of_a_real_blend_is_close_to_its_plain_score() -> None:
    y, oofs, folds = _models()
    chosen = select_ensemble(oofs, y, RMSE, folds=folds, nested=True)
    single = min(RMSE.compute(y, o) for o in oofs.values())
    assert chosen is not None and chosen.nested_score is not None
    assert chosen.nested_score < single  # two models with independent errors: the blend is better, nested or not
    assert abs(chosen.nested_score - chosen.score) < 0.01 * chosen.score


def test_the_nested_score_is_left_out_when_not_asked_or_too_costly(monkeypatch: pytest.MonkeyPatch) -> None:
    import kuai.engine.select.ensemble as ensemble

    y, oofs, folds = _models()
    plain = select_ensemble(oofs, y, RMSE, folds=folds)
    assert plain is not None and plain.nested_score is None and not plain.overfits([0.0] * 5, RMSE)
    assert plain.ranked_fold_scores([0.0] * 5, RMSE) == plain.fold_scores
    monkeypatch.setattr(ensemble, "NESTED_WORK", len(y) * len(oofs) * 25 * len(folds) - 1)
    costly = select_ensemble(oofs, y, RMSE, folds=folds, nested=True)
    assert costly is not None and costly.nested_score is None and costly.weights == plain.weights


def test_near_copies_of_one_family_do_not_crowd_the_other_families_out_of_the_candidates() -> None:
    """A long search's 30 tuned copies of one model rank above another family's model whose errors are its own: the
    best twenty alone leave it out; each family's best among the candidates lets the blend use it."""
    rng = np.random.default_rng(1)
    n = 2000
    y = rng.normal(size=n)
    shared_error = rng.normal(size=n)
    oofs = {i: y + shared_error + 0.05 * rng.normal(size=n) for i in range(30)}  # family "a": near-copies
    oofs[30] = y + 1.1 * rng.normal(size=n)  # family "b": a little worse alone, independent errors
    families = {i: "a" for i in range(30)} | {30: "b"}
    folds = [(np.setdiff1d(np.arange(n), valid), valid) for valid in np.array_split(np.arange(n), 5)]
    scores = {i: RMSE.compute(y, o) for i, o in oofs.items()}
    assert sorted(oofs, key=scores.__getitem__).index(30) >= 20  # ranked below every copy
    alone = select_ensemble(oofs, y, RMSE, folds=folds, scores=scores, max_candidates=20)
    mixed = select_ensemble(oofs, y, RMSE, folds=folds, scores=scores, families=families, nested=True,
                            max_candidates=20)
    assert alone is not None and 30 not in alone.weights
    assert mixed is not None and 30 in mixed.weights and mixed.weights[30] >= 0.3
    assert mixed.score < alone.score - 0.05  # RMSE: clearly better out of fold
    assert mixed.nested_score is not None and mixed.nested_score < alone.score  # and on rows it was not chosen on


def test_the_candidates_are_the_best_ones_with_each_familys_best_in_rank_order() -> None:
    ranked = list(range(10))
    families = {n: "a" for n in range(8)} | {8: "b", 9: "c"}
    assert candidates(ranked, families, 4) == [0, 1, 8, 9]  # the best "a", then "b" and "c", then the next best
    assert candidates(ranked, families, 10) == ranked
    assert candidates(ranked, None, 4) == [0, 1, 2, 3]
    assert candidates(ranked, {n: "a" for n in range(10)}, 4) == [0, 1, 2, 3]


def test_a_model_ranked_low_alone_is_a_candidate_while_the_work_allows() -> None:
    """Within one family: 30 near-copies rank above a model whose errors are its own. The best twenty leave it out;
    on a small table the selection considers every model, and the blend uses it."""
    rng = np.random.default_rng(2)
    n = 2000
    y = rng.normal(size=n)
    shared_error = rng.normal(size=n)
    oofs = {i: y + shared_error + 0.05 * rng.normal(size=n) for i in range(30)}
    oofs[30] = y + 1.1 * rng.normal(size=n)
    families = {i: "a" for i in range(31)}
    folds = [(np.setdiff1d(np.arange(n), valid), valid) for valid in np.array_split(np.arange(n), 5)]
    scores = {i: RMSE.compute(y, o) for i, o in oofs.items()}
    assert sorted(oofs, key=scores.__getitem__).index(30) == 30  # last
    best_twenty = select_ensemble(oofs, y, RMSE, folds=folds, scores=scores, families=families, max_candidates=20)
    found = select_ensemble(oofs, y, RMSE, folds=folds, scores=scores, families=families, max_candidates=None)
    assert best_twenty is not None and 30 not in best_twenty.weights
    assert found is not None and found.weights.get(30, 0.0) >= 0.3 and found.score < best_twenty.score - 0.05


def test_the_candidates_grow_with_the_work_the_rows_leave_in_a_long_search() -> None:
    from kuai.engine.search.trials import SearchResult, TrialOutcome, ensemble_candidates

    assert n_candidates(59, 1279 * 6) == 59  # wine_quality_red: every model
    assert n_candidates(500, 15_216 * 2) == CANDIDATE_WORK // (15_216 * 2 * 25) == 52  # magic, two columns
    assert n_candidates(500, 100_000 * 2) == MIN_CANDIDATES  # a large table's scored sample: the best twenty
    assert n_candidates(5, 100_000) == 5
    n = 1000
    folds = [(np.setdiff1d(np.arange(n), valid), valid) for valid in np.array_split(np.arange(n), 5)]
    outcomes = {i: TrialOutcome(i, "lightgbm", {}, np.full((n, 2), 0.5), [0.5], [], 1.0, 1.0) for i in range(60)}
    assert ensemble_candidates(SearchResult(outcomes=outcomes, folds=folds)) == MIN_CANDIDATES  # up to 600 s
    assert ensemble_candidates(SearchResult(outcomes=outcomes, folds=folds, many_candidates=True)) == 60


def test_a_long_search_scores_its_blend_nested_wherever_twenty_candidates_would_be() -> None:
    from kuai.engine.select.ensemble import NESTED_WORK, nests

    rows = NESTED_WORK // (MIN_CANDIDATES * 25 * 8)  # twenty candidates on 8 folds: just within the work
    assert nests(rows, MIN_CANDIDATES, 8) and nests(rows, 59, 8)  # more candidates do not switch the guard off
    assert not nests(rows + 1, MIN_CANDIDATES, 8) and not nests(rows + 1, 59, 8)
    assert nests(rows, 5, 8) and not nests(rows, 5, 1)
