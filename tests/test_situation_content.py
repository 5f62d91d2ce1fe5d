"""Step 2's content (issue 10): blind spots only where a form of violence can occur, survey
items by their Swedish labels, girls against boys from published cells, respondents as
"minst N", and the series breaks with their sources. Library tests: no notebook runs."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from vpanalysis import data, definitions
from vpanalysis.presentation import situation as view
from vpanalysis.publication import keys
from vpanalysis.steps import situation


@pytest.fixture(scope="module")
def definition() -> definitions.Definition:
    return definitions.load_definition()


# ---------------------------------------------------------------- blind spots


def test_each_form_lists_the_relations_it_can_occur_in(definition):
    possible = definitions.possible
    assert possible(definition, "fysiskt", "ovrigt")  # no list: every relation
    assert possible(definition, "materiellt_ekonomiskt", "nara_relation")
    assert not possible(definition, "materiellt_ekonomiskt", "mot_barn")
    assert not possible(definition, "forsummelse", "ovrigt")
    assert possible(definition, "forsummelse", "nara_relation")  # a dependent relative
    assert not possible(definition, "hedersrelaterat", "ovrigt")
    assert possible(definition, "hedersrelaterat", "mot_barn")
    assert not any(possible(definition, "latent", r) for r in definition.keys("relations"))
    assert possible(definition, "forsummelse", "ospecificerad")  # the catch-all


def test_blind_spots_are_only_real_gaps(definition):
    mapping = definitions.category_mapping(definition=definition)
    matrix = situation.coverage(definition, mapping)
    spots = situation.blind_spots(matrix, definition)
    pairs = set(zip(spots["form"], spots["relation"], strict=True))
    assert pairs == {("forsummelse", "nara_relation")}
    sentences = view.blind_spot_sentences(spots, definition)
    assert not any("latent våld" in s for s in sentences)
    assert not any("ekonomiskt våld i kategorin våld mot barn" in s for s in sentences)
    assert not any("i kategorin övrigt våld" in s for s in sentences)
    table = view.coverage_table(matrix, definition).set_index("Form av våld")
    assert table.loc["Latent våld"].eq(view.NOT_APPLICABLE).all()
    assert table.loc["Materiellt och ekonomiskt våld", "Våld mot barn"] == view.NOT_APPLICABLE
    assert table.loc["Försummelse", "Våld i nära relation"] == "–"  # a real gap


def test_a_form_can_name_only_known_relations(tmp_path):
    source = definitions.definitions_dir() / definitions.DEFINITION_FILE
    text = source.read_text(encoding="utf-8").replace(
        "relations: [nara_relation]", "relations: [nara_relationer]", 1
    )
    folder = tmp_path / "raw" / "definitions"
    folder.mkdir(parents=True)
    (folder / definitions.DEFINITION_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(definitions.DataError, match="unknown relation"):
        definitions.load_definition(tmp_path)


# ---------------------------------------------------------------- labels, no ids


def test_every_survey_item_has_a_swedish_label(built_data):
    book = data.Tables.load(built_data).codebook
    for item in situation.survey_items(book)["item"]:
        label = view.item_label(item)
        assert "_" not in label and label != item, item
    assert view.item_label("utsatt_trakasserier") == "Sexuella trakasserier"
    assert view.item_label("utsatt_sexuellt") != view.item_label("utsatt_trakasserier")
    book = pd.DataFrame({"item": ["ny_fraga"], "question": ["Har du blivit utsatt?"]})
    assert view.item_label("ny_fraga", book) == "Har du blivit utsatt?"
    assert view.item_label("ny_fraga") == "Ny fraga"


def test_the_baseline_shows_no_ids():
    table = pd.DataFrame(
        {
            "indicator": ["skolenkat:utsatt_trakasserier", "bra:Olaga hot"],
            "source": ["skolenkat", "bra"],
            "measure": ["utsatt_trakasserier", "Olaga hot"],
            "name": ["Sexuella trakasserier?", "Olaga hot"],
            "kind": ["share", "rate"],
            "sex": ["T", "T"],
            "age_group": ["alla", "totalt"],
            "period": ["2024", "2022–2024"],
            "value": pd.array([40.0, 600.0], dtype="Float64"),
            "lower": pd.array([35.0, 540.0], dtype="Float64"),
            "upper": pd.array([45.0, 670.0], dtype="Float64"),
        }
    )
    shown = view.baseline_display(table)
    assert "Id" not in shown.columns
    text = " ".join(str(v) for v in shown.to_numpy().ravel())
    assert "skolenkat:" not in text and "bra:" not in text and "_" not in text
    assert "Skolenkät: Sexuella trakasserier" in text


# ---------------------------------------------------------------- girls and boys


def _prevalence(girls: tuple, boys: tuple, item: str = "utsatt_hot") -> pd.DataFrame:
    rows = [("alla", "T", pd.NA, pd.NA)]
    rows += [("alla", "K", *girls), ("alla", "M", *boys)]
    d = pd.DataFrame(rows, columns=["grade", "sex", "count", "denominator"])
    d = d.astype({"count": "Int64", "denominator": "Int64"})
    return d.assign(item=item, question="?", region_code="2161", year=2024)


@pytest.mark.parametrize(
    ("girls", "boys", "code", "words"),
    [
        ((45, 150), (25, 160), "higher", "högre"),
        ((25, 160), (45, 150), "lower", "lägre"),
        ((20, 100), (25, 110), "no_difference", "ingen säker skillnad"),
        ((5, 20), (25, 110), "too_few", "för få svar för en bedömning"),
        ((pd.NA, 100), (25, 110), "withheld", "kan inte bedömas: en andel redovisas inte"),
    ],
)
def test_girls_against_boys_every_branch(girls, boys, code, words):
    prevalence = _prevalence(girls, boys)
    got = situation.sex_verdicts(prevalence)
    assert got.set_index("item").loc["utsatt_hot", "verdict"] == code
    assert view.SEX_VERDICT_WORDS[code] == words
    shown = prevalence.assign(value=pd.NA, lower=pd.NA, upper=pd.NA)
    table = view.survey_table(shown).set_index("Andel ja, % (95 % KI)")
    assert table.loc["Hot", view.SEX_COLUMN] == words


def test_girls_against_boys_uses_only_published_cells():
    # the total's cells are withheld; girls' and boys' published ones decide alone
    got = situation.sex_verdicts(_prevalence((45, 150), (25, 160)))
    assert list(got["verdict"]) == ["higher"]
    assert situation.sex_verdicts(pd.DataFrame()).empty


# ---------------------------------------------------------------- respondents


def test_withheld_respondents_show_the_largest_published_answered_count():
    respondents = pd.DataFrame(
        {
            "region_code": "2161",
            "year": 2024,
            "grade": pd.array(["alla", "alla", "alla"], dtype="string"),
            "sex": pd.array(["T", "K", "M"], dtype="string"),
            "respondents": pd.array([310, pd.NA, pd.NA], dtype="Int64"),
        }
    )
    prevalence = pd.concat(
        [
            _prevalence((45, 150), (25, 160), "utsatt_hot"),
            _prevalence((40, 152), (pd.NA, pd.NA), "utsatt_fysiskt"),
        ],
        ignore_index=True,
    )
    bounded = situation.respondents_at_least(respondents, prevalence).set_index("sex")
    assert pd.isna(bounded.loc["T", "at_least"])  # published: shown as it is
    assert bounded.loc["K", "at_least"] == 152
    assert bounded.loc["K", "at_least_item"] == "utsatt_fysiskt"
    assert bounded.loc["M", "at_least"] == 160
    bounded = bounded.reset_index()
    table = view.respondents_table(bounded)
    assert list(table["Antal svarande"]) == [310, "minst 152", "minst 160"]
    marks = view.respondents_marks(bounded)["Antal svarande"]
    girls = marks.iloc[1][0]
    assert (girls["kind"], girls["measure"], girls["answer"], girls["value"]) == (
        "count",
        "utsatt_fysiskt",
        "answered",
        "152",
    )
    assert girls["sex"] == "K" and set(girls) >= set(keys.KEY_FIELDS)
    assert marks.iloc[0][0]["measure"] == "respondents"


def test_respondents_without_any_published_answer_stay_dots():
    respondents = pd.DataFrame(
        {
            "region_code": "2161",
            "year": 2024,
            "grade": pd.array(["alla"], dtype="string"),
            "sex": pd.array(["M"], dtype="string"),
            "respondents": pd.array([pd.NA], dtype="Int64"),
        }
    )
    bounded = situation.respondents_at_least(respondents, _prevalence((1, 2), (pd.NA, pd.NA)))
    assert view.respondents_table(bounded)["Antal svarande"].isna().all()  # shown as ".."
    assert "minst N" in view.RESPONDENTS_NOTE and "hoppade över" in view.RESPONDENTS_NOTE


# ---------------------------------------------------------------- series breaks

#: The laws behind the breaks: SFS numbers and the dates they came into force.
LAWS = {
    "Våldtäkt inkl. grov": ("SFS 2018:618", "2018-07-01"),
    "Barnfridsbrott": ("SFS 2021:389", "2021-07-01"),
    "Olaga integritetsintrång": ("SFS 2017:1136", "2018-01-01"),
    "Olaga förföljelse": ("SFS 2011:517", "2011-10-01"),
}


def test_every_series_break_cites_its_law_and_bra(built_data):
    categories = set(data.Tables.load(built_data).observations.query("source == 'bra'")["category"])
    assert {b["category"] for b in view.SERIES_BREAKS} == set(LAWS)
    for b in view.SERIES_BREAKS:
        sfs, date = LAWS[b["category"]]
        assert b["category"] in categories, b["category"]  # a category the data have
        assert b["date"] == date and sfs in b["source"], b
        assert "Brå" in b["source"] and b["note"].strip(), b
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", b["date"])
        assert 2000 <= int(b["date"][:4]) <= 2025


def test_a_break_note_gives_its_source():
    summary = pd.DataFrame(
        [{"category": "Våldtäkt inkl. grov", "trend_from": 2015, "trend_to": 2024}]
    )
    (note,) = view.break_notes(summary)
    assert (
        "samtyckeslagen" in note and "(Källa: Lag om ändring i brottsbalken, SFS 2018:618" in note
    )


def test_blind_spots_without_every_source_say_so(definition):
    spots = pd.DataFrame({"form": ["psykiskt"], "relation": ["nara_relation"]})
    (partial,) = view.blind_spot_sentences(spots, definition, complete=False)[:1]
    assert (
        partial
        == "Ingen av källorna i underlaget ser psykiskt våld i kategorin våld i nära relation."
    )
    (full,) = view.blind_spot_sentences(spots, definition)[:1]
    assert full.startswith("Ingen källa ser psykiskt våld")


def test_the_girls_and_boys_note_only_under_a_table():
    assert view.survey_sex_note(pd.DataFrame()).data == ""
    shown = _prevalence((45, 150), (25, 160)).assign(value=pd.NA, lower=pd.NA, upper=pd.NA)
    assert "Tjejer jämfört med killar" in view.survey_sex_note(shown).data


def test_a_new_offence_gets_its_break_note_where_its_series_starts():
    # olaga integritetsintrång's figures start in 2018: step 2's trend years (2018–2024)
    # and step 5's (2015–2024) give the same note from the one table (review 27)
    for first in (2015, 2018):
        summary = pd.DataFrame(
            [{"category": "Olaga integritetsintrång", "trend_from": first, "trend_to": 2024}]
        )
        (note,) = view.break_notes(summary)
        assert note.startswith("Olaga integritetsintrång blev ett eget brott"), note
    late = pd.DataFrame(
        [{"category": "Olaga integritetsintrång", "trend_from": 2019, "trend_to": 2024}]
    )
    assert view.break_notes(late) == []


def test_the_barnfridsbrott_note_names_who_commits_it_once():
    summary = pd.DataFrame([{"category": "Barnfridsbrott", "trend_from": 2021, "trend_to": 2024}])
    (note,) = view.break_notes(summary)
    assert note.count("Barnfridsbrott") == 1 and "Barnfridsbrott: Barnfridsbrott" not in note
    assert "den som utsätter en närstående" in note and "bevittnar" in note
    assert "låta" not in note
