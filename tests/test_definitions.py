"""The violence definition, the category mapping and the coverage matrix."""

from __future__ import annotations

import pandas as pd
import pytest

from vpanalysis import definitions as d
from vpanalysis.errors import DataError

pytestmark = pytest.mark.usefixtures("no_default_data")


def test_definition_defaults_to_isdal(raw_copy):
    definition = d.load_definition(raw_copy)
    assert definition.text.startswith("Våld är varje handling riktad mot en annan person")
    assert definition.text.endswith("sluta göra något den vill.")
    assert d.forms(raw_copy)["key"].tolist() == [
        "fysiskt",
        "psykiskt",
        "sexuellt",
        "materiellt_ekonomiskt",
        "forsummelse",
        "hedersrelaterat",
        "digitalt",
        "latent",
        "ospecificerat",
    ]
    assert d.relations(raw_copy)["key"].tolist()[:3] == ["nara_relation", "mot_barn", "ovrigt"]
    who = d.who_types(raw_copy).set_index("key")
    assert who.loc["interpersonellt_familj_partner", "parent"] == "interpersonellt"
    assert {"sjalvriktat", "kollektivt"} <= set(who.index)
    assert (d.forms(raw_copy)["label"] != "").all()


def test_mapping_covers_every_source(raw_copy):
    mapping = d.category_mapping(raw_copy)
    assert set(mapping["source"]) == set(d.SOURCES)
    assert mapping["violent_crime"].dtype == bool
    sub = mapping.set_index("category").loc["Misshandel mot barn 0-17 år"]
    assert sub["subcategory_of"] == "Misshandel inkl. grov" and sub["age_group"] == "0-17"


def _replace_in(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_unknown_form_names_file_row_column(raw_copy):
    path = raw_copy / "raw" / "definitions" / "category_mapping.csv"
    _replace_in(path, "bra;Olaga hot;psykiskt;", "bra;Olaga hot;psykist;")
    with pytest.raises(DataError) as info:
        d.category_mapping(raw_copy)
    message = str(info.value)
    assert message.startswith(f"{path}, row 13, column 'form': unknown form; forms in ")
    assert message.endswith("(value 'psykist')")


def test_duplicate_and_bad_subcategory(raw_copy):
    path = raw_copy / "raw" / "definitions" / "category_mapping.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text + "bra;OLAGA  HOT;psykiskt;ovrigt;interpersonellt;;;;nej;brott;\n", encoding="utf-8"
    )
    with pytest.raises(DataError, match="mapped twice"):
        d.category_mapping(raw_copy)
    path.write_text(
        text.replace(";Misshandel inkl. grov;nej;", ";Misshandel;nej;", 1), encoding="utf-8"
    )
    with pytest.raises(DataError, match="column 'subcategory_of': not a category of bra"):
        d.category_mapping(raw_copy)


def test_check_mapped_lists_every_unmapped_category(raw_copy):
    mapping = d.category_mapping(raw_copy)
    d.check_mapped("bra", ["Olaga hot", "olaga  hot", "Våldtäkt inkl. grov"], mapping)
    with pytest.raises(DataError) as info:
        d.check_mapped(
            "bra", {"Olaga hot": "", "Stöld": "f.csv row 3", "Bedrägeri": "f.csv row 9"}, mapping
        )
    message = str(info.value)
    assert "2 categories of source 'bra' without a row in category_mapping.csv" in message
    assert "'Stöld' (f.csv row 3); 'Bedrägeri' (f.csv row 9)" in message


def test_yaml_errors_name_line_and_key(raw_copy):
    path = raw_copy / "raw" / "definitions" / "violence_definition.yaml"
    _replace_in(path, "    label: Digitalt våld\n", "    lable: Digitalt våld\n")
    with pytest.raises(
        DataError,
        match=r"row \d+, column 'forms.digitalt.label': every entry "
        "needs a label",
    ):
        d.load_definition(raw_copy)


def test_coverage_matrix(raw_copy):
    matrix = d.coverage_matrix(raw_copy)
    assert list(matrix.index) == d.forms(raw_copy)["key"].tolist()
    assert list(matrix.columns) == d.relations(raw_copy)["key"].tolist()
    assert matrix.loc["forsummelse", "mot_barn"] == "socialtjanst"
    assert matrix.loc["fysiskt", "mot_barn"] == "bra, socialtjanst, skolenkat"
    assert matrix.loc["forsummelse", "nara_relation"] == ""
    labelled = d.coverage_matrix(raw_copy, labels=True)
    assert labelled.loc["Digitalt våld", "Övrigt våld"] == "skolenkat"
    long = d.coverage_matrix(raw_copy, long=True)
    mapping = d.category_mapping(raw_copy)
    assert long["n_categories"].sum() == len(d.covered_relations(mapping))


def test_vocabulary_comes_from_the_files(raw_copy):
    """Nothing is hard-coded: a new form in the YAML can be used by the mapping."""
    folder = raw_copy / "raw" / "definitions"
    yaml_path = folder / "violence_definition.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    yaml_path.write_text(
        text.replace(
            "relations:\n",
            "  testform:\n    label: Testform\n    description: Test.\n\nrelations:\n",
        ),
        encoding="utf-8",
    )
    _replace_in(
        folder / "category_mapping.csv", "bra;Ofredande;psykiskt;", "bra;Ofredande;testform;"
    )
    assert "testform" in d.forms(raw_copy)["key"].tolist()
    matrix = d.coverage_matrix(raw_copy)
    assert matrix.loc["testform", "ospecificerad"] == "bra"
    assert isinstance(matrix, pd.DataFrame)


def test_categories_that_count_children_cover_violence_against_children(raw_copy):
    """Social services count honour-related violence for ages 0–17 and the survey's pupils
    (15–17) are children: both cover violence against children, not only their relation."""
    matrix = d.coverage_matrix(raw_copy)
    assert "socialtjanst" in matrix.loc["hedersrelaterat", "mot_barn"]
    assert "socialtjanst" in matrix.loc["hedersrelaterat", "nara_relation"]
    assert "skolenkat" in matrix.loc["sexuellt", "mot_barn"]
    assert "skolenkat" in matrix.loc["digitalt", "mot_barn"]
    assert "bra" in matrix.loc["psykiskt", "mot_barn"]  # barnfridsbrott
    mapping = d.category_mapping(raw_copy).set_index("category")
    assert mapping.loc["utovat_vald", "also_relations"] == ""  # perpetration: no victim relation


def test_missing_crime_categories_are_mapped(raw_copy):
    mapping = d.category_mapping(raw_copy).set_index("category")
    for category in [
        "Barnfridsbrott",
        "Olaga förföljelse",
        "Olaga integritetsintrång",
        "Misshandel mot man 18 år eller äldre",
        "Misshandel mot kvinna 18 år eller äldre i nära relation",
        "Misshandel mot man 18 år eller äldre i nära relation",
    ]:
        assert category in mapping.index
    man = mapping.loc["Misshandel mot man 18 år eller äldre"]
    assert (man["sex"], man["age_group"], man["subcategory_of"]) == (
        "M",
        "18+",
        "Misshandel inkl. grov",
    )
    close = mapping.loc["Misshandel mot man 18 år eller äldre i nära relation"]
    assert close["relation"] == "nara_relation"
    assert close["subcategory_of"] == "Misshandel mot man 18 år eller äldre"
    assert mapping.loc["Barnfridsbrott", "relation"] == "mot_barn"


def test_unknown_also_relation_names_the_column(raw_copy):
    folder = raw_copy / "raw" / "definitions"
    _replace_in(folder / "category_mapping.csv", "är barn;mot_barn", "är barn;mot_barnen")
    with pytest.raises(DataError, match="also_relations"):
        d.category_mapping(raw_copy)


def test_definition_names_the_real_gaps(raw_copy):
    gaps = d.load_definition(raw_copy).gaps
    labels = " ".join(gaps["label"]).casefold()
    for word in ["äldre", "funktionsnedsättning", "hbtqi", "ungas parrelationer", "prostitution",
                 "människohandel", "hälso- och sjukvård"]:  # fmt: skip
        assert word in labels


def test_forms_describe_honour_violence_and_latent_violence_and_isdal_2001(raw_copy):
    definition = d.load_definition(raw_copy)
    forms = definition.forms.set_index("key")["description"]
    honour = forms["hedersrelaterat"]
    for word in ["Kollektiv kontroll", "sexualitet", "barnäktenskap", "tvångsäktenskap"]:
        assert word in honour
    assert "Hotet om nytt våld" in forms["latent"]
    assert "Meningen med våld" in definition.reference and "2001" in definition.reference
    assert "2017" not in definition.reference
