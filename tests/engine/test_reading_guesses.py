"""What the reader had to guess is said: mixed encodings, repeated names, numbers too long for a float."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kuai.engine import ColumnType, TargetError, build_task_spec, profile_dataset, read_table_with_dialect
from kuai.engine.data.column_types import detect_column_type
from kuai.engine.read._reader import SAMPLE_BYTES


def _mixed_file(path: Path, n_utf8: int, n_cp1252: int) -> Path:
    lines = [b"city,amount,y\n"]
    lines += [f"Köln,{i},a\n".encode() for i in range(n_utf8)]
    lines += [f"Köln,{i},b\n".encode("cp1252") for i in range(n_cp1252)]
    lines += ["Zürich,1,b\n".encode()]
    path.write_bytes(b"".join(lines))
    return path


@pytest.mark.parametrize(("n_utf8", "n_cp1252"), [(200, 200), (30_000, 1_204), (5, 3_000)])
def test_a_file_that_changes_encoding_halfway_reads_every_line(tmp_path: Path, n_utf8: int, n_cp1252: int,
                                                               reliability) -> None:
    """Both halves in the sample, the switch beyond it, or only a few UTF-8 lines: one 'Köln', with a note."""
    path = _mixed_file(tmp_path / "mixed.csv", n_utf8, n_cp1252)
    assert (path.stat().st_size > SAMPLE_BYTES) == (n_utf8 > 10_000)  # there, the sample is pure UTF-8
    frame, dialect = read_table_with_dialect(path)
    assert dialect is not None and dialect.encoding == "utf-8"
    assert frame["city"].value_counts().to_dict() == {"Köln": n_utf8 + n_cp1252, "Zürich": 1}
    note = f"'city': {n_cp1252:,} values were not UTF-8 and read as Windows-1252"
    assert note in dialect.notes
    reliability.bad_input("read")
    reliability.guess(told=note in dialect.notes)


def test_utf8_lines_after_a_long_windows_1252_start_are_read_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "appended.csv"
    path.write_bytes(b"city,n\n" + b"".join(f"K\u00f6ln,{i}\n".encode("cp1252") for i in range(30_000))
                     + b"".join(f"K\u00f6ln,{i}\n".encode() for i in range(50)))
    assert path.stat().st_size > SAMPLE_BYTES
    frame, dialect = read_table_with_dialect(path)
    assert dialect is not None and dialect.encoding == "utf-8"
    assert frame["city"].value_counts().to_dict() == {"K\u00f6ln": 30_050}


def test_a_header_in_windows_1252_above_utf8_rows(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_bytes("Stadt,Straße\n".encode("cp1252") + "Köln,Hohe Straße\nMünchen,Maximilianstraße\n".encode())
    frame, _ = read_table_with_dialect(path)
    assert list(frame.columns) == ["Stadt", "Straße"] and list(frame["Stadt"]) == ["Köln", "München"]


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_a_pure_legacy_file_is_still_read_in_its_encoding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "legacy.csv"
    path.write_bytes("name,city\nJosé,Köln\nRené,Zürich\nAnaïs,Besançon\n".encode(encoding))
    frame, dialect = read_table_with_dialect(path)
    assert dialect is not None and dialect.encoding in ("cp1252", "latin-1")  # the same letters: either reads them
    assert list(frame["city"]) == ["Köln", "Zürich", "Besançon"]


def test_integers_too_long_for_a_float_stay_distinct_and_are_codes(tmp_path: Path, reliability) -> None:
    rng = np.random.default_rng(0)
    accounts = [str(10**20 + int(i)) for i in rng.permutation(300)]  # differ in their last digits only
    path = tmp_path / "accounts.csv"
    pd.DataFrame({"account": accounts, "amount": rng.normal(size=300).round(3),
                  "y": rng.choice(["a", "b"], 300)}).to_csv(path, index=False)
    frame, _ = read_table_with_dialect(path)
    assert frame["account"].nunique() == 300 and frame["account"].iloc[0] == accounts[0]
    profile = profile_dataset(frame, target="y", with_checks=False)
    account = profile.column("account")
    assert account.type is ColumnType.ID and account.n_unique == 300
    assert "21 digits" in account.reason and "codes" in account.reason
    repeated = pd.Series(rng.choice(accounts[:3], 300), name="branch")  # few codes, many rows: a category
    assert detect_column_type(repeated)[0] is ColumnType.CATEGORICAL
    reliability.bad_input("read")
    reliability.guess(told="codes" in account.reason)


def test_repeated_names_are_said_and_refused_as_a_target(tmp_path: Path, reliability) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("y,x,y\n" + "".join(f"{i % 2},{i},{'ab'[i % 3 == 0]}\n" for i in range(40)))
    frame, dialect = read_table_with_dialect(path)
    assert list(frame.columns) == ["y", "x", "y.1"]
    assert dialect is not None
    told = any(note.startswith("two columns were named 'y': the second is read as 'y.1'") for note in dialect.notes)
    assert told
    for api in (lambda t: profile_dataset(frame, target=t),
                lambda t: build_task_spec(frame, profile_dataset(frame).columns, target=t)):
        with pytest.raises(TargetError) as caught:
            api("y")
        assert caught.value.code == "AMBIGUOUS_TARGET"
        assert "'y.0' for the first" in str(caught.value) and "'y.1' for the second" in str(caught.value)
        reliability.bad_input("coded")
    assert build_task_spec(frame, profile_dataset(frame).columns, target="y.0").target == "y"
    assert build_task_spec(frame, profile_dataset(frame).columns, target="y.1").target == "y.1"
    reliability.guess(told=told)


def test_a_target_that_is_not_a_column_is_refused_with_the_closest_names(reliability) -> None:
    frame = pd.DataFrame({"Churn": ["a", "b"] * 10, "tenure": range(20)})
    for name, hint in (("churn", "Did you mean 'Churn'?"), ("tenur", "Did you mean 'tenure'?"),
                       ("zzz", "The columns are 'Churn', 'tenure'.")):
        with pytest.raises(TargetError) as caught:
            profile_dataset(frame, target=name)
        assert caught.value.code == "UNKNOWN_TARGET" and hint in str(caught.value)
        reliability.bad_input("coded")
