"""The user's choices for a dataset, kept in the home folder beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kuai import storage


def test_choices_round_trip_and_an_update_keeps_the_rest(kuai_home: Path) -> None:
    record = storage.store_dataset(b"a,b,y\n1,2,0\n3,4,1\n", "t.csv")
    assert storage.load_choices(record.dataset_id) == storage.DatasetChoices()
    fix = {"action": "drop_duplicate_rows", "label": "Remove 1 repeated row", "columns": [], "values": [],
           "amount": None}
    storage.update_choices(record.dataset_id, type_overrides={"a": "categorical"}, fixes=(fix,))
    storage.update_choices(record.dataset_id, metric="pr_auc", metric_for=("y", "binary"))
    stored = storage.load_choices(record.dataset_id)
    assert stored.type_overrides == {"a": "categorical"} and stored.fixes == (fix,)
    assert stored.metric_for == ("y", "binary") and stored.updated_at > 0
    assert [r.dataset_id for r in storage.list_datasets()] == [record.dataset_id]  # choices are no dataset


def test_a_field_of_a_later_version_is_ignored(kuai_home: Path) -> None:
    record = storage.store_dataset(b"a,y\n1,0\n", "t.csv")
    path = kuai_home / "datasets" / "choices" / f"{record.dataset_id}.json"
    storage.update_choices(record.dataset_id, target="y")
    path.write_text(path.read_text().replace('"target"', '"colour": "blue", "target"'))
    assert storage.load_choices(record.dataset_id).target == "y"


@pytest.mark.parametrize("dataset_id", ["../../etc/passwd", "..", "%2e%2e", "a" * 24, "0" * 23 + "/", ""])
def test_choices_of_a_made_up_id_are_refused(kuai_home: Path, dataset_id: str, reliability: Any) -> None:
    with pytest.raises(KeyError):
        storage.update_choices(dataset_id, target="x")
    outside = [p for p in kuai_home.parent.rglob("*") if not p.resolve().is_relative_to(kuai_home.resolve())
               and p.is_file()]
    reliability.home_checked(len(outside))
    assert not outside
