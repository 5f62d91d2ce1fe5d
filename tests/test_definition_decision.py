"""Who decided the violence definition, for which municipalities (defect 8 of round 1):
the example collaboration's definition is decided, Gävle's is not, and a new workspace's
template never claims a decision."""

import re
from dataclasses import replace
from types import SimpleNamespace

import pytest

from vpanalysis import definitions, report, workspace
from vpanalysis.errors import DataError
from vpanalysis.presentation import situation as situation_view

COLLABORATION = ("2161", "2183", "2181")


def text_of(obj) -> str:
    markup = obj._repr_html_() if hasattr(obj, "_repr_html_") else obj.data
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup))


def page_for(code: str, name: str) -> report.Page:
    return report.Page(SimpleNamespace(name=name, municipality_code=code, manifest={}), 2)


def test_the_example_definition_is_decided_for_the_collaboration_only():
    definition = definitions.load_definition()
    assert definition.decided_by and definition.decided_on and not definition.example
    assert definition.decided_for == COLLABORATION
    for code in COLLABORATION:
        assert definitions.is_decided(definition, code), code
    assert not definitions.is_decided(definition, "2180")  # Gävle: not in the collaboration


def test_step_2_says_decided_for_ljusdal_and_not_decided_for_gavle():
    definition = definitions.load_definition()
    ljusdal = text_of(situation_view.definition_status(definition, page_for("2161", "Ljusdal")))
    assert "Definitionen är beslutad av Styrgruppen för samverkan" in ljusdal
    assert "den 2021-11-15" in ljusdal and "Uppgifter saknas" not in ljusdal
    gavle = text_of(situation_view.definition_status(definition, page_for("2180", "Gävle")))
    assert "Uppgifter saknas för Gävle" in gavle and "beslutet gäller inte kommunen" in gavle
    assert "Definitionen är beslutad av" not in gavle and "mallens exempeltext" not in gavle
    template = replace(definition, decided_by="", decided_for=(), example=True)
    fresh = text_of(situation_view.definition_status(template, page_for("2161", "Ljusdal")))
    assert "mallens exempeltext" in fresh and "inte har beslutat om" in fresh


def test_is_decided_every_branch():
    definition = definitions.load_definition()
    assert not definitions.is_decided(replace(definition, decided_by=""), "2161")
    assert not definitions.is_decided(replace(definition, example=True), "2161")
    everyone = replace(definition, decided_for=())
    assert definitions.is_decided(everyone, "2180")  # a decision without codes covers all


def test_a_new_workspace_template_claims_no_decision(tmp_path):
    workspace.init(tmp_path / "ws", ["2161"])
    path = tmp_path / "ws" / "data" / "raw" / "definitions" / definitions.DEFINITION_FILE
    template = definitions.load_definition(path=path)
    assert template.decided_by == "" and template.decided_on == ""
    assert template.decided_for == () and template.example
    assert not definitions.is_decided(template, "2161")  # not even for a collaboration member
    shared = definitions.load_definition()
    assert template.text == shared.text and template.forms.equals(shared.forms)
    text = path.read_text(encoding="utf-8")
    assert "Styrgruppen för samverkan Ljusdal" not in text and "2021-11-15" not in text
    readme = (tmp_path / "ws" / workspace.README_FILE).read_text(encoding="utf-8")
    assert "`decided_for`" in readme and "`example` till\n`false`" in readme


def test_decided_for_must_be_municipality_codes(tmp_path):
    source = (definitions.definitions_dir() / definitions.DEFINITION_FILE).read_text("utf-8")
    bad = tmp_path / definitions.DEFINITION_FILE
    bad.write_text(source.replace('["2161", "2183", "2181"]', '["Ljusdal"]'), "utf-8")
    with pytest.raises(DataError, match="decided_for"):
        definitions.load_definition(path=bad)
    one = tmp_path / "one.yaml"
    one.write_text(source.replace('["2161", "2183", "2181"]', "2161"), "utf-8")
    assert definitions.load_definition(path=one).decided_for == ("2161",)
