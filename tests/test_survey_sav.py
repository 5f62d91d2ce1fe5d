"""School surveys as SPSS files (pyreadstat): Stockholmsenkäten 2024 and older layouts, LUPP."""

from __future__ import annotations

import pandas as pd
import pyreadstat
import pytest

from vpanalysis.errors import DataError
from vpanalysis.io import sav
from vpanalysis.pipeline import build

YES_NO = {1: "Nej", 2: "Ja, antal gånger", 99: "Ej svar"}
TIMES = {1: "Ingen gång", 2: "1-2 gånger", 3: "3-5 gånger", 99: "Ej svar"}
AGREE = {
    1: "Stämmer mycket dåligt",
    2: "Stämmer ganska dåligt",
    3: "Stämmer ganska bra",
    4: "Stämmer mycket bra",
    99: "Ej svar",
}
MUNICIPALITIES = {1: "Ljusdal", 2: "Bollnäs", 3: "Annan kommun", 99: "Ej svar"}
GRADES = {1: "Åk 7", 2: "Åk 9", 3: "Gy 2"}
SEXES = {1: "Pojke", 2: "Flicka", 3: "Annan könstillhörighet", 99: "Ej svar"}

# one row per pupil: municipality, grade, sex, assaulted, threatened, hit someone, thrives
PUPILS = [
    (1, 2, 2, 2, 1, 1, 4),  # Ljusdal, Åk 9, girl, assaulted
    (1, 2, 1, 1, 2, 3, 3),  # Ljusdal, Åk 9, boy, threatened, hit someone
    (1, 3, 2, 99, 1, 1, 2),  # Ljusdal, Gy 2, girl, no answer on assault
    (1, 3, 3, 1, 999, 2, 1),  # Ljusdal, Gy 2, other sex, 999 = no answer
    (2, 2, 1, 1, 1, 1, 4),  # Bollnäs, Åk 9, boy
    (1, 1, 1, 2, 2, 2, 2),  # Åk 7: left out
    (3, 2, 2, 2, 2, 2, 2),  # another municipality: left out
]


def write_2024(path, year=2024, names=None):
    names = names or {
        "assault": "F80da",
        "threat": "F80aa",
        "hit": "F77r",
        "thrive": "F55b",
    }
    frame = pd.DataFrame(
        PUPILS,
        columns=[
            "Skolkommun",
            "ARSKURS",
            "F2",
            names["assault"],
            names["threat"],
            names["hit"],
            names["thrive"],
        ],
    ).astype(float)
    frame.insert(0, "ar", float(year))
    labels = {
        "Skolkommun": MUNICIPALITIES,
        "ARSKURS": GRADES,
        "F2": SEXES,
        names["assault"]: YES_NO,
        names["threat"]: YES_NO,
        names["hit"]: TIMES,
        names["thrive"]: AGREE,
    }
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels=labels,
        missing_ranges={names["assault"]: [99], names["threat"]: [99]},
    )
    return path


def test_2024_layout_is_recognised_and_read(tmp_path):
    got = sav.read_sav(write_2024(tmp_path / "stockholmsenkaten_2024.sav"))
    assert got.layout.key == "stockholmsenkaten_2024"
    answers = got.answers
    assert answers["_skolkommun"].tolist() == ["2161", "2161", "2161", "2161", "2183"]
    grades = dict(code.split("=") for code in got.codebook.iloc[3]["codes"].split("|"))
    assert [grades[g] for g in answers["_arskurs"]] == ["åk 9", "åk 9", "gy 2", "gy 2", "åk 9"]
    assert answers["_kon"].tolist() == ["1", "2", "1", "", "2"]  # 1 = Flicka, 2 = Pojke
    assert answers["ste_misshandlad"].tolist() == [1, 0, pd.NA, 0, 0]
    assert answers["ste_hotad"].tolist() == [0, 1, 0, pd.NA, 0]
    assert answers["ste_slagit_sjukvard"].tolist() == [0, 1, 0, 1, 0]
    assert answers["ste_trivs"].tolist() == [4, 3, 2, 1, 4]
    assert answers["ste_skolkat"].isna().all()  # not in this file
    notes = " ".join(got.notes)
    assert "Stockholmsenkäten 2024" in notes and "Åk 7" in notes and "annan kommun" in notes


def test_older_layout_is_recognised(tmp_path):
    path = write_2024(
        tmp_path / "sthlm_2020.sav",
        year=2020,
        names={"assault": "f78da", "threat": "f78aa", "hit": "f75r", "thrive": "f54b"},
    )
    got = sav.read_sav(path)
    assert got.layout.key == "stockholmsenkaten_f"
    assert got.answers["ste_misshandlad"].tolist() == [1, 0, pd.NA, 0, 0]
    assert set(got.answers["_ar"]) == {"2020"}


def test_unknown_layout_names_the_closest_and_what_it_lacks(tmp_path):
    frame = pd.DataFrame({"ar": [2024.0], "ARSKURS": [2.0], "F2": [1.0]})
    path = tmp_path / "annan.sav"
    pyreadstat.write_sav(frame, str(path))
    with pytest.raises(DataError) as err:
        sav.read_sav(path)
    message = str(err.value)
    assert "annan.sav" in message and "Stockholmsenkäten" in message and "F80da" in message


def test_value_without_label_names_row_and_column(tmp_path):
    path = write_2024(tmp_path / "s.sav")
    frame, meta = pyreadstat.read_sav(str(path))
    frame.loc[1, "F80da"] = 7.0
    pyreadstat.write_sav(frame, str(path), variable_value_labels=meta.variable_value_labels)
    with pytest.raises(DataError) as err:
        sav.read_sav(path)
    message = str(err.value)
    assert "s.sav" in message and "F80da" in message and "7" in message and "2" in message


def test_lupp_layout(tmp_path):
    variable = "underdesenastesexmanadernahardublivitmobbadtrakasseradellerut"
    frame = pd.DataFrame(
        {
            "ar": [2023.0, 2023.0, 2023.0],
            "kommun": [1.0, 1.0, 1.0],
            "arskurs": [1.0, 2.0, 2.0],
            "kon": [1.0, 2.0, 1.0],
            variable: [1.0, 2.0, 3.0],
        }
    )
    path = tmp_path / "lupp.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={
            "kommun": {1: "Sandviken"},
            "arskurs": {1: "Åk 8", 2: "Gy 2"},
            "kon": {1: "Tjej", 2: "Kille"},
            variable: {1: "Nej", 2: "Ja", 3: "Vill inte svara"},
        },
    )
    got = sav.read_sav(path)
    assert got.layout.key == "lupp"
    assert got.answers["_skolkommun"].tolist() == ["2181"] * 3
    assert got.answers["_kon"].tolist() == ["1", "2", "1"]
    assert got.answers["lupp_mobbad"].tolist() == [0, 1, pd.NA]


def test_build_with_a_sav_file(raw_copy):
    folder = raw_copy / "raw" / "skolenkat"
    write_2024(folder / "stockholmsenkaten_2024.sav", year=2024)
    result = build(raw_copy, force=True)
    survey = pd.read_parquet(raw_copy / "processed" / "survey.parquet")
    codebook = pd.read_parquet(raw_copy / "processed" / "survey_codebook.parquet")
    mine = survey[survey["ste_misshandlad"].notna() | survey["ste_trivs"].notna()]
    assert len(mine) == 5
    assert mine["region_code"].tolist().count("2161") == 4
    assert sorted(mine["grade"].unique()) == ["gy2", "åk9"]
    by_sex = mine.groupby(mine["sex"].fillna("?"))["ste_trivs"].sum().to_dict()
    assert by_sex == {"K": 6, "M": 7, "?": 1}
    assert "ste_misshandlad" in set(codebook["item"]) and "utsatt_fysiskt" in set(codebook["item"])
    question = codebook.set_index("item").loc["ste_misshandlad", "question"]
    assert "12 månaderna" in question
    assert "Stockholmsenkäten" in result.summary()


def test_partner_violence_module_is_one_item(tmp_path):
    path = write_2024(tmp_path / "s.sav")
    frame, meta = pyreadstat.read_sav(str(path))
    chosen = {0: "Not chosen", 1: "Chosen"}
    #             Nej  psykiskt fysiskt sexuellt   (per pupil)
    module = [
        (1, 0, 0, 0),
        (0, 1, 0, 1),
        (0, 0, 0, 0),
        (1, 0, 1, 0),
        (0, 0, 0, 0),
        (0,) * 4,
        (0,) * 4,
    ]
    labels = dict(meta.variable_value_labels)
    for i in range(4):
        frame[f"EXTRA27_{i + 1}"] = [float(row[i]) for row in module]
        labels[f"EXTRA27_{i + 1}"] = chosen
    pyreadstat.write_sav(frame, str(path), variable_value_labels=labels)
    got = sav.read_sav(path).answers
    assert got["ste_partnervald"].tolist() == [0, 1, pd.NA, 1, pd.NA]
