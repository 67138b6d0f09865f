"""Write the public part of the labelled target set: real tables someone else published, renamed and reordered.

Sources, all offline: scikit-learn's bundled datasets (iris, wine, breast_cancer, diabetes, digits, linnerud; no
download) and the PMLB tables in ``/work/shared/datasets`` (with their ``manifest.json``). Each source gives three
seeded variants; each variant

- names its columns by one scheme: *neutral* (``col_a``, ``col_b``, … for every column, the target too),
  *domain* (the names the source's documentation uses: ``word_freq_make`` …, the target as its documentation
  names it: ``quality``, ``diagnosis``, ``usr``) or *language* (German, Spanish, French or Japanese: the target's
  domain name translated, the features numbered in that language: ``Merkmal_3``, ``特徴_3``);
- puts the target first, last or at a random place in the middle (the three variants take one each);
- writes class labels as the source's label text (``setosa``, ``class_1``) or as integer codes, drawn at random.

At most 300 rows of each source are kept (a seeded sample, in the source's order), numbers to 6 significant digits.
The names were fixed before the suggestion was measured on them and are not used by it. ``manifest.json`` records
each table's true target (``target``; ``also`` lists other columns its source publishes as targets: linnerud's
three, the reviews' rating).

    python benchmarks/make_public_target_set.py [--out tests/data/targets_public] [--shared /work/shared/datasets]
"""

from __future__ import annotations

import argparse
import json
import string
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "targets_public"
SHARED = Path("/work/shared/datasets")
MAX_ROWS = 300
LANGUAGES = ("de", "es", "fr", "ja")
FEATURE_WORD = {"de": "Merkmal", "es": "variable", "fr": "attribut", "ja": "特徴"}

SPAMBASE = [f"word_freq_{w}" for w in (
    "make address all 3d our over remove internet order mail receive will people report addresses free business "
    "email you credit your font 000 money hp hpl george 650 lab labs telnet 857 data 415 85 technology 1999 parts "
    "pm direct cs meeting original project re edu table conference").split()] + [
    f"char_freq_{c}" for c in ";([!$#"] + ["capital_run_length_average", "capital_run_length_longest",
                                           "capital_run_length_total"]
PIMA = ["Pregnancies", "Glucose", "BloodPressure", "SkinThickness", "Insulin", "BMI", "DiabetesPedigreeFunction",
        "Age"]
DIABETES_SERUM = {"s1": "tc", "s2": "ldl", "s3": "hdl", "s4": "tch", "s5": "ltg", "s6": "glu"}


@dataclass(frozen=True)
class Source:
    """One public table: its frame (target columns last), the targets' domain names in each language."""

    stem: str
    origin: str
    frame: pd.DataFrame
    targets: dict[str, tuple[str, ...]]  # language ('en' = domain) -> names of the target columns, in order
    is_classification: bool
    labels: dict[object, str] = field(default_factory=dict)  # code -> the source's label text
    also: int = 0  # of the target columns, how many after the first are published targets too


def _sklearn_sources() -> list[Source]:
    from sklearn import datasets

    def load(name: str) -> tuple[pd.DataFrame, pd.DataFrame | pd.Series, list[str]]:
        bunch = getattr(datasets, f"load_{name}")(as_frame=True)
        return bunch.data, bunch.target, [str(t) for t in getattr(bunch, "target_names", [])]

    sources = []
    for stem, names in (("iris", ("species", "Art", "especie", "espèce", "品種")),
                        ("wine", ("cultivar", "Rebsorte", "cultivar", "cépage", "品種")),
                        ("breast_cancer", ("diagnosis", "Befund", "diagnóstico", "diagnostic", "診断")),
                        ("digits", ("digit", "Ziffer", "dígito", "chiffre", "数字"))):
        data, target, labels = load(stem)
        frame = data.assign(**{"__target": target.to_numpy()})
        sources.append(Source(stem, f"scikit-learn load_{stem}", frame, _by_language(names), True,
                              dict(enumerate(labels))))
    data, target, _ = load("diabetes")
    frame = data.rename(columns=DIABETES_SERUM).assign(**{"__target": target.to_numpy()})
    sources.append(Source("diabetes_progression", "scikit-learn load_diabetes", frame,
                          _by_language(("disease_progression", "Krankheitsverlauf", "progresión", "progression",
                                        "進行度")), False))
    data, targets, _ = load("linnerud")
    frame = pd.concat([data, targets], axis=1)
    names = {"en": ("Weight", "Waist", "Pulse"), "de": ("Gewicht", "Taille", "Puls"),
             "es": ("peso", "cintura", "pulso"), "fr": ("poids", "tour_de_taille", "pouls"),
             "ja": ("体重", "ウエスト", "脈拍")}
    sources.append(Source("linnerud", "scikit-learn load_linnerud (three targets)", frame, names, False, also=2))
    return sources


# PMLB file -> (domain names of the features or None to keep the file's, the target's names en/de/es/fr/ja)
PMLB: dict[str, tuple[list[str] | None, tuple[str, str, str, str, str]]] = {
    "mushroom.csv": (None, ("class", "Essbarkeit", "comestibilidad", "comestibilité", "可食性")),
    "spambase.csv": (SPAMBASE, ("spam", "Spam", "spam", "pourriel", "迷惑メール")),
    "australian.csv": (None, ("approved", "genehmigt", "aprobado", "approuvé", "承認")),
    "diabetes.csv": (PIMA, ("Outcome", "Diabetes", "diabetes", "diabète", "糖尿病")),
    "magic.csv": (None, ("class", "Teilchen", "partícula", "particule", "粒子種別")),
    "vehicle.csv": (None, ("Class", "Fahrzeugtyp", "tipo_vehículo", "type_véhicule", "車種")),
    "wine_quality_red.csv": (None, ("quality", "Qualität", "calidad", "qualité", "品質")),
    "562_cpu_small.csv": (None, ("usr", "Nutzerzeit", "tiempo_usuario", "temps_utilisateur", "ユーザー時間")),
    "225_puma8NH.csv": (None, ("thetadd6", "Winkelbeschleunigung", "aceleración_angular", "accélération_angulaire",
                               "角加速度")),
    "503_wind.csv": (None, ("MAL", "MAL", "MAL", "MAL", "MAL")),
    "1028_SWD.csv": (None, ("Out1", "Entscheidung", "decisión", "décision", "判定")),
    "344_mv.csv": (None, ("y", "y", "y", "y", "y")),
    "195_auto_price.csv": (None, ("price", "Preis", "precio", "prix", "価格")),
}


def _by_language(names: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return {language: (name,) for language, name in zip(("en", *LANGUAGES), names, strict=True)}


def _shared_sources(shared: Path) -> list[Source]:
    manifest = json.loads((shared / "manifest.json").read_text(encoding="utf-8"))
    sources = []
    for entry in manifest["datasets"]:
        if entry["file"] not in PMLB:
            continue
        features, names = PMLB[entry["file"]]
        frame = pd.read_csv(shared / entry["file"])
        target = frame.pop(entry["target"])
        if features is not None:
            frame.columns = features
        is_classification = entry["task"] != "regression"
        labels: dict[object, str] = {}
        if is_classification:  # PMLB writes 'class_3': the code is the number, the label the text
            codes = target.astype(str).str.removeprefix("class_")
            labels = {int(code): text for code, text in zip(codes, target.astype(str), strict=True)}
            target = codes.astype(int)
        frame["__target"] = target.to_numpy()
        sources.append(Source(entry["file"].removesuffix(".csv").lower(), f"PMLB {entry['name']}", frame,
                              _by_language(names), is_classification, labels))
    for entry in manifest.get("with_text", []):
        frame = pd.read_csv(shared / entry["file"], index_col=0)
        ordered = [c for c in frame.columns if c not in ("Recommended IND", "Rating")]
        frame = frame[[*ordered, "Recommended IND", "Rating"]]
        names = {"en": ("Recommended IND", "Rating"), "de": ("Empfohlen", "Bewertung"),
                 "es": ("recomendado", "valoración"), "fr": ("recommandé", "note"), "ja": ("おすすめ", "評価")}
        sources.append(Source(entry["name"], "Women's Clothing E-Commerce Reviews (first 1,000 rows)", frame, names,
                              True, also=1))
    return sources


def _neutral(n: int) -> list[str]:
    letters = string.ascii_lowercase
    return [f"col_{letters[i]}" if i < 26 else f"col_{letters[i // 26 - 1]}{letters[i % 26]}" for i in range(n)]


def variant(source: Source, scheme: str, place: str, as_labels: bool, rng: np.random.Generator) -> tuple[
        pd.DataFrame, list[str]]:
    """One renamed, reordered table and its target names (the first is the target, the others also accepted)."""
    frame = source.frame
    if len(frame) > MAX_ROWS:
        frame = frame.iloc[np.sort(rng.choice(len(frame), MAX_ROWS, replace=False))]
    n_targets = source.also + 1
    features, targets = frame.iloc[:, :-n_targets].copy(), frame.iloc[:, -n_targets:].copy()
    if source.is_classification and as_labels and source.labels:
        first = targets.columns[0]
        targets[first] = targets[first].map(source.labels).astype(object)
    language = "en" if scheme != "language" else str(rng.choice(LANGUAGES))
    if scheme == "language":
        features.columns = [f"{FEATURE_WORD[language]}_{i + 1}" for i in range(features.shape[1])]
    targets.columns = list(source.targets[language])
    at = 0 if place == "first" else features.shape[1] if place == "last" else int(rng.integers(1, features.shape[1]))
    table = pd.concat([features.iloc[:, :at], targets, features.iloc[:, at:]], axis=1)
    names = list(targets.columns)
    if scheme == "neutral":
        renamed = dict(zip(table.columns, _neutral(table.shape[1]), strict=True))
        table.columns = list(renamed.values())
        names = [renamed[name] for name in names]
    return table.reset_index(drop=True), names


def write_set(out: Path, shared: Path, seed: int = 0) -> list[dict[str, object]]:
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    schemes, places = ("neutral", "domain", "language"), ("first", "last", "middle")
    for number, source in enumerate(_sklearn_sources() + _shared_sources(shared)):
        rng = np.random.default_rng(seed + number)
        order = rng.permutation(3)
        for k, place in enumerate(places):
            scheme = schemes[order[k]]
            as_labels = bool(rng.random() < 0.5)
            table, names = variant(source, scheme, place, as_labels, rng)
            stem = f"{source.stem}__{scheme}_{place}"
            table.to_csv(out / f"{stem}.csv", index=False, float_format="%.6g")
            entries.append({"file": f"{stem}.csv", "target": names[0], "also": names[1:], "source": source.origin,
                            "scheme": scheme, "place": place, "labels": "text" if as_labels and source.labels else
                            "codes" if source.is_classification else "numbers", "rows": len(table),
                            "columns": table.shape[1], "target_position": list(table.columns).index(names[0]) + 1})
    manifest = {"description": "Public tables (scikit-learn's bundled datasets, PMLB via /work/shared/datasets), "
                               "renamed and reordered; 'target' is the column the source publishes as the target. "
                               "Written by benchmarks/make_public_target_set.py.", "seed": seed, "datasets": entries}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    entries = write_set(arguments.out, arguments.shared, arguments.seed)
    size = sum((arguments.out / str(e["file"])).stat().st_size for e in entries)
    print(f"{len(entries)} tables, {size / 1024:,.0f} KB -> {arguments.out}")


if __name__ == "__main__":
    main()
