"""Free text is a feature: its words (TF-IDF terms) and character grams reach every model family, the exported ONNX
graph reads the raw text and scores as scikit-learn does (any script, empty and unseen text), the search chooses
how many grams a trial reads, and SHAP folds the words and grams back onto the text column."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from kuai.engine import SearchBudget, build_task_spec, profile_dataset, train
from kuai.engine.data.column_selection import read_inputs
from kuai.engine.models import FAMILIES, DataShape, text
from kuai.engine.models.preprocessing import build_input_schema, build_preprocessor, original_column_of_features
from kuai.engine.prepare import prepare
from kuai.engine.types import ColumnType, TaskType
from kuai.exporters.onnx_export import OnnxScorer, onnx_feeds, to_onnx_model

_GOOD = ["great", "love", "perfect", "comfortable", "flattering", "gorgeous", "soft", "recommend"]
_BAD = ["returned", "cheap", "scratchy", "disappointed", "tight", "ripped", "awful", "refund"]
_FILLER = ["the", "dress", "fabric", "colour", "size", "ordered", "wore", "store", "online", "fit", "with", "and",
           "café", "très", "naïve", "Größe", "日本語", "サイズ", "2024", "x_l"]


def _reviews(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """A review per row: its label follows the share of good words in it (with noise); age is noise."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 2, n)
    reviews = []
    for positive in label:
        pool = _GOOD if (positive == 1) == (rng.random() < 0.9) else _BAD
        words = [*rng.choice(pool, 2), *rng.choice(_FILLER, int(rng.integers(4, 12)))]
        rng.shuffle(words)
        reviews.append(" ".join(words).capitalize() + ".")
    frame = pd.DataFrame({"age": rng.integers(18, 80, n), "review": reviews, "recommended": label})
    frame.loc[::17, "review"] = np.nan  # some rows have no review
    return frame


def test_a_column_of_sentences_is_text_whose_words_are_features() -> None:
    frame = _reviews()
    profile = profile_dataset(frame)
    review = next(c for c in profile.columns if c.name == "review")
    assert review.type is ColumnType.TEXT and "words are used as features" in review.reason
    spec = build_task_spec(frame, profile.columns, target="recommended")
    assert "review" in spec.features and "review" not in spec.dropped


def test_terms_are_capped_by_the_rows_and_need_words_that_repeat() -> None:
    repeated = ["red fox jumps", "red fox sleeps", "blue fox jumps", "blue cat sleeps"] * 5
    assert text.choose_terms(repeated, n_rows=20, n_texts=1) >= text.MIN_TERMS
    assert text.choose_terms(repeated, n_rows=text.TERM_CELLS // 6, n_texts=1) == 6  # the cells' share, not more
    assert text.choose_terms([f"word{i} other{i}" for i in range(50)], n_rows=50, n_texts=1) == 0  # nothing repeats
    assert text.choose_terms(["", "", "a", "b"], n_rows=4, n_texts=1) == 0  # no word of two letters at all


def test_a_text_whose_words_never_repeat_is_left_out_and_said() -> None:
    """A column typed text (here by the user's choice) whose words appear in one row each has nothing to learn."""
    from dataclasses import replace

    frame = _reviews(200).assign(notes=[f"unit{i} batch{i * 7} lot{i * 3}" for i in range(200)])
    spec = build_task_spec(frame, profile_dataset(frame).columns, target="recommended")
    spec = replace(spec, features=(*spec.features, "notes"),
                   feature_types={**spec.feature_types, "notes": ColumnType.TEXT}, dropped={})
    prepared = prepare(frame, spec)
    assert {c.name for c in prepared.schema} == {"age", "review"}
    assert any(note.startswith("'notes': free text whose words hardly repeat") for note in prepared.notes)


@pytest.fixture(scope="module")
def fitted_pipelines() -> dict[str, Any]:
    """A pipeline of each family over a number and a text column (its words and all its character grams), fitted
    on the reviews."""
    from sklearn.pipeline import Pipeline

    frame = _reviews()
    spec = build_task_spec(frame, profile_dataset(frame).columns, target="recommended")
    schema = build_input_schema(frame, spec)
    from kuai.engine.models.preprocessing import to_model_frame

    X = to_model_frame(frame, schema)
    y = frame["recommended"].to_numpy()
    pipelines = {}
    for name in ("lightgbm", "linear", "extra_trees", "catboost"):
        family = FAMILIES[name]
        params = family.default_configs(DataShape(n_rows=len(X), n_features=len(schema), n_classes=2))[0]
        prep = build_preprocessor(schema, encoding=family.encoding, scale=family.scale,
                                  grams=text.DEFAULT_SHARE if family.grams_first else 0.0)
        pipelines[name] = Pipeline([("prep", prep), ("model", family.build(params, TaskType.BINARY, seed=0))]).fit(X, y)
    return {"schema": schema, "X": X, "pipelines": pipelines}


def test_the_text_feeds_every_family_and_folds_back_onto_its_column(fitted_pipelines: dict[str, Any]) -> None:
    schema = fitted_pipelines["schema"]
    review = next(c for c in schema if c.name == "review")
    assert review.is_text and review.is_string and review.terms >= text.MIN_TERMS and review.grams > 100
    for family, pipeline in fitted_pipelines["pipelines"].items():
        names = list(pipeline[0].get_feature_names_out())
        assert sum(name.startswith(f"text_{review.safe_name}__") for name in names) == review.terms
        grams = [name.partition("__")[2] for name in names if name.startswith(f"grams_{review.safe_name}__")]
        assert all(len(gram) == text.GRAM_LENGTH for gram in grams)
        assert len(grams) == (review.grams if FAMILIES[family].grams_first else 0)
        assert set(original_column_of_features(names, schema)) == {"age", "review"}
        assert read_inputs(pipeline) == {c.safe_name for c in schema}  # the 1-D text input is one name, not letters


def test_the_onnx_graph_reads_raw_text_as_scikit_learn_does(fitted_pipelines: dict[str, Any]) -> None:
    """Training rows, then text the model never saw: empty, other scripts, unseen and repeated words, case, digits,
    punctuation; probabilities within 1e-5 for each family (the parity report's tolerance)."""
    schema, X = fitted_pipelines["schema"], fitted_pipelines["X"]
    review = next(c for c in schema if c.name == "review").safe_name
    odd = ["", "   ", "ab", "GREAT great Great", "café-très naïve", "日本語 サイズ 日本語", "x_l x_l 2024, 2024!",
           "e\u0301e\u0301 combining accents", "line\r\nbreaks\n\n and  double  spaces", "👍🏽👍🏽 skin tones",
           "never seen anything like it",
           "love it 😍😍 great👍 perfect🙂", "returned\treturned\nreturned", "Größe größe GRÖSSE", "a b c d e"]
    rows = pd.concat([X.head(100), pd.DataFrame({review: odd, "c00000": np.float32(30.0)})[X.columns]],
                     ignore_index=True)
    for name, pipeline in fitted_pipelines["pipelines"].items():
        scorer = OnnxScorer(to_onnx_model(pipeline, schema, TaskType.BINARY))
        _, probabilities = scorer.predict(onnx_feeds(rows, schema))
        assert np.abs(probabilities - pipeline.predict_proba(rows)).max() < 1e-5, name


@pytest.mark.slow
def test_training_learns_from_the_text_and_explains_it() -> None:
    frame = _reviews(500, seed=1)
    spec = build_task_spec(frame, profile_dataset(frame).columns, target="recommended")
    result = train(frame, spec, budget=SearchBudget(time_budget_s=20, max_trials=3, families=("lightgbm", "linear")))
    best = max(entry.score for entry in result.leaderboard)
    assert best > 0.8  # ROC AUC: the words carry the label; age is noise (about 0.5 alone)
    importance = result.explanation.importance if result.explanation is not None else {}
    assert max(importance, key=importance.get) == "review"
    assert result.explanation is not None
    words = dict(result.explanation.words["review"])  # the words that move the prediction most, with their push
    pushing = {word for word, effect in words.items() if effect > 0}
    holding = {word for word, effect in words.items() if effect < 0}
    assert pushing & set(_GOOD) and holding & set(_BAD) and not pushing & set(_BAD) and not holding & set(_GOOD)


def test_the_graph_matches_where_the_vocabulary_is_cut_among_equally_frequent_words() -> None:
    """Every word follows 'the' and appears three times, so words and pairs tie at the frequency where
    ``MAX_TERMS`` cuts the vocabulary: the ONNX graph's TF-IDF still equals scikit-learn's (with word pairs it lost
    'the w17x' when 'w17x' fell below the cut)."""
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import StringTensorType
    from sklearn.feature_extraction.text import TfidfVectorizer

    rng = np.random.default_rng(5)
    fragments = [f"the w{i}x" for i in range(text.MAX_TERMS)] * 3
    rng.shuffle(fragments)
    documents = np.array([" and ".join(fragments[i:i + 6]) for i in range(0, len(fragments), 6)], dtype=object)
    vectorizer = text.vectorizer(text.MAX_TERMS).fit(documents)
    assert len(vectorizer.vocabulary_) == text.MAX_TERMS
    graph = convert_sklearn(vectorizer, initial_types=[("t", StringTensorType([None, 1]))],
                            options={TfidfVectorizer: {"tokenexp": text.ONNX_TOKEN_PATTERN}},
                            target_opset={"": 17, "ai.onnx.ml": 3})
    scored = OnnxScorer(graph).session.run(None, {"t": documents.reshape(-1, 1)})[0]
    assert np.abs(scored - vectorizer.transform(documents).toarray()).max() < 1e-5


def test_a_text_models_onnx_file_passes_the_scoring_checks(fitted_pipelines: dict[str, Any]) -> None:
    """``kuai predict`` checks the file's own schema against its graph before scoring: a text column is fed as
    strings (it once expected numbers and refused every text model with BAD_MODEL)."""
    import json
    from types import SimpleNamespace

    from kuai.app.services.model_metadata import read_metadata
    from kuai.app.services.sandbox import GraphPort
    from kuai.app.services.scoring import SCHEMA_METADATA_KEY
    from kuai.exporters.model_card import input_schema

    schema = fitted_pipelines["schema"]
    session = OnnxScorer(to_onnx_model(fitted_pipelines["pipelines"]["linear"], schema, TaskType.BINARY)).session
    ports = [[GraphPort(p.name, p.type, tuple(d if isinstance(d, int) else None for d in p.shape)) for p in group]
             for group in (session.get_inputs(), session.get_outputs())]
    entries = input_schema(SimpleNamespace(schema=schema))  # type: ignore[arg-type]
    assert next(e for e in entries if e["name"] == "review")["terms"] == next(c for c in schema if c.is_text).terms
    payload = {"task": "binary", "target": "recommended", "classes": ["0", "1"], "input_schema": entries}
    metadata = read_metadata({SCHEMA_METADATA_KEY: json.dumps(payload)}, inputs=ports[0], outputs=ports[1],
                             file_name="model.onnx")
    assert [c.type for c in metadata.schema] == [c.type for c in schema]


def test_a_multiclass_models_words_push_towards_the_predicted_class() -> None:
    """Three classes, each with its own words: every row's words are read towards the class predicted for it, so
    each class's words push (they had no words at all for more than two classes)."""
    from sklearn.pipeline import Pipeline

    from kuai.engine.explain.shap_values import explain_model
    from kuai.engine.models.preprocessing import to_model_frame
    from kuai.engine.prepare import encode_target

    rng = np.random.default_rng(2)
    pools = {"billing": ["invoice", "charged", "refund"], "delivery": ["parcel", "courier", "late"],
             "product": ["broken", "cracked", "faulty"]}
    label = rng.choice(list(pools), 450)
    notes = [" ".join([*rng.choice(pools[c], 2), *rng.choice(_FILLER[:12], 5)]) for c in label]
    frame = pd.DataFrame({"note": notes, "age": rng.integers(18, 80, 450), "topic": label})
    spec = build_task_spec(frame, profile_dataset(frame).columns, target="topic")
    assert spec.task is TaskType.MULTICLASS and spec.feature_types["note"] is ColumnType.TEXT
    schema = build_input_schema(frame, spec)
    X, y = to_model_frame(frame, schema), encode_target(frame["topic"], spec)
    family = FAMILIES["lightgbm"]
    params = family.default_configs(DataShape(n_rows=len(X), n_features=len(schema), n_classes=3))[0]
    pipeline = Pipeline([("prep", build_preprocessor(schema, encoding=family.encoding, scale=family.scale)),
                         ("model", family.build(params, TaskType.MULTICLASS, seed=0))]).fit(X, y)
    explanation = explain_model(pipeline, X, spec=spec, schema=schema, model_name="lightgbm_0", sample_size=150)
    pushing = {word for word, effect in explanation.words["note"] if effect > 0}
    assert all(pushing & set(words) for words in pools.values()), explanation.words


def test_repeated_sentences_are_text_and_repeated_labels_stay_categories() -> None:
    """Reviews written from templates in several languages repeat (about 120 distinct in 1,200 rows): the type model
    leans to 'categorical', but values of five words and more, with that many distinct ones, are free text. A few
    labels of five words each stay categories."""
    rng = np.random.default_rng(4)
    openings = ["Muy bueno, llegó", "Sehr gut und kam", "Très bien, arrivé", "Очень хорошо, пришло", "Bad and it came",
                "品質が良い。届きました", "Malísimo, se rompió y llegó", "Schlecht, kaputt und kam"]
    days = ["el lunes", "am Dienstag", "le mercredi", "в четверг", "on Friday", "土曜日に", "el domingo",
            "am Montag", "le vendredi", "в субботу", "on Sunday", "月曜日に", "el martes", "am Freitag", "on Monday"]
    sentences = [f"{opening} {day} por fin" for opening in openings for day in days]
    labels = ["Less than high school diploma", "High school diploma or equivalent", "Some college but no degree"]
    frame = pd.DataFrame({"review": rng.choice(sentences, 1_200), "education": rng.choice(labels, 1_200),
                          "y": rng.integers(0, 2, 1_200)})
    columns = {c.name: c for c in profile_dataset(frame).columns}
    assert columns["review"].type is ColumnType.TEXT, columns["review"].reason
    assert columns["education"].type is ColumnType.CATEGORICAL


def test_a_column_the_type_model_calls_categorical_is_text_when_its_values_are_sentences() -> None:
    """The rule behind the type model's 'categorical': repeated values of five words or more, with more than 50
    distinct ones, are free text (a multilingual review column written from templates was typed categorical)."""
    from kuai.engine.data.column_types import _as_categorical
    from kuai.engine.data.typeinfer.summary import ColumnSummary

    def typed(values: list[str]) -> ColumnType:
        series = pd.Series(values * 10)
        summary = ColumnSummary(name="c", samples=tuple(values[:5]), total_vals=len(series), num_nans=0, pct_nans=0.0,
                                num_of_dist_val=len(set(values)), pct_dist_val=100.0 * len(set(values)) / len(series))
        return _as_categorical(series, summary, None)[0]  # type: ignore[arg-type]

    assert typed([f"llegó el día {i} y muy bien" for i in range(60)]) is ColumnType.TEXT
    assert typed([f"arrived day {i}" for i in range(60)]) is ColumnType.CATEGORICAL  # short: labels
    assert typed([f"it arrived on the day {i}" for i in range(20)]) is ColumnType.CATEGORICAL  # few: categories


def test_long_texts_get_no_character_grams_and_the_share_sizes_them() -> None:
    """A text column of contracts would make the graph's Tokenizer a string per character of the longest text: no
    grams. A trial's share of the grams is the search's ``text__grams`` (none without it: older trials)."""
    short = ["fits well and soft", "too tight, returned"] * 20
    assert text.choose_grams(short, n_rows=40, n_texts=1) == 28  # the distinct runs of three non-blank characters
    assert text.char_grams(" fits  well\r\n") == text.char_grams("fits well") == [
        "fit", "its", "tsw", "swe", "wel", "ell"]  # blanks do not count: trimmed or not, the same grams
    assert text.choose_grams([*short, "clause " * 400], n_rows=41, n_texts=1) == 0
    assert text.choose_grams(short * (text.GRAM_FIT_CHARS // 700), n_rows=text.GRAM_FIT_CHARS // 18,
                             n_texts=1) == 0  # too many characters in all to count grams in every fold
    assert text.choose_grams(short, n_rows=text.TERM_CELLS // 10, n_texts=2) == 5  # the cells' share
    assert text.choose_grams(["ab", "ab", "xyz"], n_rows=3, n_texts=1) == 0  # no run of three in two rows
    column = build_input_schema(*_spec_of(_reviews(120)))[1]
    assert text.MIN_TERMS < column.grams <= text.MAX_GRAMS
    assert [text.gram_count(column, share) for share in text.GRAM_SHARES] == [0, round(column.grams / 4), column.grams]
    assert text.grams_share({}) == 0.0 and text.grams_share({text.SEARCH_PARAM: 0.25}) == 0.25


def _spec_of(frame: pd.DataFrame) -> tuple[pd.DataFrame, Any]:
    return frame, build_task_spec(frame, profile_dataset(frame).columns, target="recommended")


def test_the_search_chooses_the_grams_and_the_refit_reads_what_its_trial_read() -> None:
    """Each trial of a search over a text column draws its share of the character grams; the portfolio's first
    trials read all of them; the final model's pipeline is built with its trial's share."""
    from kuai.engine.models import Deadline
    from kuai.engine.models.preprocessing import to_model_frame
    from kuai.engine.prepare import encode_target
    from kuai.engine.search.inputs import SearchInputs
    from kuai.engine.search.optimize import run_search
    from kuai.engine.select.final import refit_pipeline

    frame, spec = _spec_of(_reviews(300, seed=3))
    schema = build_input_schema(frame, spec)
    X, y = to_model_frame(frame, schema), encode_target(frame["recommended"], spec)
    result = run_search(SearchInputs(X=X, y=y, spec=spec, schema=schema, deadline=Deadline(10**12),
                                     families=("linear",), max_trials=4))
    shares = [t.params[text.SEARCH_PARAM] for t in result.trials]
    assert shares[0] == text.DEFAULT_SHARE and set(shares) <= set(text.GRAM_SHARES)
    for outcome in result.outcomes.values():
        names = refit_pipeline(outcome, spec, schema, len(X))[0].fit(X, y).get_feature_names_out()
        grams = sum(str(name).startswith("grams_") for name in names)
        assert grams == text.gram_count(schema[1], outcome.params[text.SEARCH_PARAM])  # what its trial read


_JA_PARTS = [["掃除機は", "ドレスは", "この本は", "イヤホンは", "靴は"], ["届いてから", "使ってみて", "一週間で"],
             ["とても使いやすい", "すぐに壊れた", "サイズがぴったり", "色が写真と違う"],
             ["と思います。", "です。", "でした！"]]


def _japanese_reviews(n: int, seed: int) -> pd.DataFrame:
    """Reviews without spaces; 'good' follows the middle phrase (with noise)."""
    rng = np.random.default_rng(seed)
    picks = [rng.integers(0, len(p), n) for p in _JA_PARTS]
    reviews = ["".join(p[k[i]] for p, k in zip(_JA_PARTS, picks, strict=True)) + str(i % 7 or "") for i in range(n)]
    good = np.isin(picks[2], [0, 2]) ^ (rng.random(n) < 0.1)
    return pd.DataFrame({"review": reviews, "stars": rng.integers(1, 6, n), "good": good.astype(int)})


def test_sentences_written_without_spaces_are_text() -> None:
    """Japanese and Chinese put no spaces between words: two of their characters count as a word, so reviews of
    20-odd characters, nearly all distinct, are free text (a blind test's were typed categorical: one 'word' each)."""
    frame = _japanese_reviews(600, seed=6)
    column = next(c for c in profile_dataset(frame).columns if c.name == "review")
    assert column.type is ColumnType.TEXT, column.reason
    from kuai.engine.data.column_types import mean_words

    assert mean_words(pd.Series(["这件衣服很好看", "a b c"])) == pytest.approx((3.5 + 3) / 2)  # no run counted twice


def test_the_graphs_padding_is_in_no_character_gram() -> None:
    """A text shorter than the batch's longest is padded in the graph; the padding must match no gram, even where
    grams hold the character skl2onnx pads with ('#': tweets with tags)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from kuai.engine.types import InputColumn

    rng = np.random.default_rng(8)
    words = ["great", "awful", "new", "shoes", "season", "👍", "👎", "#tag", "#fail", "so", "this"]
    tweets = [" ".join(rng.choice(words, int(rng.integers(2, 7)))) for _ in range(400)]
    label = np.array([int("great" in t or "👍" in t) for t in tweets])
    column = InputColumn("tweet", "c00000", ColumnType.TEXT, ("c00000",), terms=10, grams=500)
    X = pd.DataFrame({"c00000": tweets})
    pipeline = Pipeline([("prep", ColumnTransformer(text.transformers(column, 1.0), sparse_threshold=0.0)),
                         ("model", LogisticRegression(C=10.0, max_iter=2000))]).fit(X, label)
    grams = pipeline[0].named_transformers_["grams_c00000"].vocabulary_
    assert any(gram.endswith("#") for gram in grams)
    scorer = OnnxScorer(to_onnx_model(pipeline, (column,), TaskType.BINARY))
    _, probabilities = scorer.predict(onnx_feeds(X, (column,)))
    assert np.abs(probabilities - pipeline.predict_proba(X)).max() < 1e-5


def test_a_text_without_spaces_is_explained_by_its_character_grams() -> None:
    """A Japanese review's 'words' are whole phrases: its chart shows the character grams that push most (the
    phrase that decides, 'すぐに壊れた', broke at once, pushes towards 'not good')."""
    from sklearn.pipeline import Pipeline

    from kuai.engine.explain.shap_values import explain_model
    from kuai.engine.models.preprocessing import to_model_frame
    from kuai.engine.prepare import encode_target

    frame = _japanese_reviews(500, seed=7)
    spec = build_task_spec(frame, profile_dataset(frame).columns, target="good")
    schema = build_input_schema(frame, spec)
    X, y = to_model_frame(frame, schema), encode_target(frame["good"], spec)
    family = FAMILIES["lightgbm"]
    params = family.default_configs(DataShape(n_rows=len(X), n_features=len(schema), n_classes=2))[0]
    pipeline = Pipeline([("prep", build_preprocessor(schema, encoding=family.encoding, scale=family.scale, grams=1.0)),
                         ("model", family.build(params, TaskType.BINARY, seed=0))]).fit(X, y)
    explanation = explain_model(pipeline, X, spec=spec, schema=schema, model_name="lightgbm_0", sample_size=200)
    terms = dict(explanation.words["review"])
    assert terms and all(len(term) == text.GRAM_LENGTH for term in terms)
    assert any(term in "すぐに壊れた" and effect < 0 for term, effect in terms.items()), terms


def test_shuffling_a_blends_text_blocks_gives_the_losses_of_shuffling_its_rows(
        fitted_pipelines: dict[str, Any]) -> None:
    """Permutation importance reorders the rows of the transformed blocks (a text's words and grams are not
    computed again for each shuffle): for a weighted blend of two families, the losses equal those of shuffling the
    frame's rows and transforming again."""
    from kuai.engine.explain.permutation import permutation_importance_by_column
    from kuai.engine.search.trials import HeldOutModel, blend_held_out, predict_output

    schema, X = fitted_pipelines["schema"], fitted_pipelines["X"]
    frame = _reviews()
    spec = build_task_spec(frame, profile_dataset(frame).columns, target="recommended")
    y = frame["recommended"].to_numpy()
    pipelines = fitted_pipelines["pipelines"]
    members = [(0.7, (pipelines["lightgbm"][0], pipelines["lightgbm"][-1])),
               (0.3, (pipelines["linear"][0], pipelines["linear"][-1]))]
    rows = np.arange(300, len(X))
    fast = blend_held_out(members, rows, spec, "rows 300 on")

    def plain(part: pd.DataFrame) -> np.ndarray:
        return np.asarray(sum(w * predict_output(p, part, spec) for w, p in
                              [(0.7, pipelines["lightgbm"]), (0.3, pipelines["linear"])]))

    expected = permutation_importance_by_column(HeldOutModel(plain, rows, "x"), X, y, spec=spec, schema=schema, seed=2)
    found = permutation_importance_by_column(fast, X, y, spec=spec, schema=schema, seed=2)
    assert expected[0]["review"] > 0.05  # the text matters: the check is not among zeros
    for name, loss in expected[0].items():
        assert abs(found[0][name] - loss) < 1e-6, name
