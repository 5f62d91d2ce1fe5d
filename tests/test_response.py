"""Survey response rates against the enrolment a workspace states (issue: real formats)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import REPORT_MUNICIPALITY, report_html

from vpanalysis import enrolment
from vpanalysis.errors import DataError
from vpanalysis.presentation import response as view
from vpanalysis.steps import response


def cells(rows):
    """Published respondents cells: (year, grade, value or None when withheld)."""
    return pd.DataFrame(
        [
            {
                "source": "skolenkat",
                "measure": "respondents",
                "region": "2161",
                "year": y,
                "sex": "T",
                "grade": g,
                "value": v,
                "withheld": v is None,
            }
            for y, g, v in rows
        ]
    )


ENROLMENT = pd.DataFrame(
    {
        "region_code": ["2161"] * 3,
        "year": [2022, 2022, 2024],
        "grade": ["åk9", "gy2", "åk9"],
        "enrolled": [200, 100, 190],
    }
)


def test_rates_low_and_withheld():
    published = cells(
        [
            (2022, "åk9", 170.0),
            (2022, "gy2", 55.0),
            (2024, "åk9", None),
            (2024, "gy2", 80.0),
            (2022, "alla", 225.0),
        ]
    )
    rates = response.response_rates(published, ENROLMENT, "2161")
    by = rates.set_index(["year", "grade"])
    assert by.loc[(2022, "åk9"), "rate"] == pytest.approx(0.85)
    assert by.loc[(2022, "gy2"), "rate"] == pytest.approx(0.55)
    assert bool(by.loc[(2022, "gy2"), "low"]) and not bool(by.loc[(2022, "åk9"), "low"])
    assert pd.isna(by.loc[(2024, "åk9"), "rate"])  # withheld respondents: no rate
    assert pd.isna(by.loc[(2024, "gy2"), "enrolled"])  # not stated
    assert "alla" not in set(rates["grade"])


def test_more_respondents_than_pupils_is_flagged():
    rates = response.response_rates(cells([(2024, "åk9", 200.0)]), ENROLMENT, "2161")
    assert bool(rates["implausible"].iloc[0])
    html = view.section(rates, ENROLMENT, "2161").data
    assert "kontrollera elevantalet" in html


def test_section_texts():
    published = cells([(2022, "åk9", 170.0), (2022, "gy2", 55.0)])
    rates = response.response_rates(published, ENROLMENT, "2161")
    html = view.section(rates, ENROLMENT, "2161").data
    assert "85 %" in html and "55 %" in html and "Låg svarsfrekvens" in html and "Gy 2 2022" in html
    unknown = view.section(response.response_rates(published, None, "2161"), None, "2161")
    assert "Svarsfrekvensen är okänd" in unknown.data


def test_read_enrolment_names_row_and_column(tmp_path):
    path = tmp_path / "elevantal.csv"
    path.write_text(
        "Kommun;År;Årskurs;Elever\nLjusdal;2024;Åk 9;190\nLjusdal;2024;Åk 5x;12\n", encoding="utf-8"
    )
    with pytest.raises(DataError) as err:
        enrolment.read_enrolment(path)
    assert (
        "elevantal.csv" in str(err.value) and "Årskurs" in str(err.value) and "3" in str(err.value)
    )
    path.write_text("Kommun;År;Årskurs;Elever\nLjusdals kommun;2024;Åk 9;190\n", encoding="utf-8")
    got = enrolment.read_enrolment(path)
    assert got.to_dict("records") == [
        {"region_code": "2161", "year": 2024, "grade": "åk9", "enrolled": 190}
    ]


def test_example_reports_say_the_rate_is_unknown(rendered_reports):
    for step in (2, 3):
        assert "Svarsfrekvensen är okänd" in report_html(rendered_reports, step)


@pytest.mark.slow
def test_step2_shows_response_rates_where_enrolment_is_given(built_copy, tmp_path):
    from vpanalysis import baseline
    from vpanalysis.runner import make_job, render

    survey = pd.read_parquet(built_copy / "processed" / "survey.parquet")
    mine = survey[survey["region_code"] == REPORT_MUNICIPALITY]
    latest = int(mine["year"].max())
    n = mine[mine["year"] == latest].groupby("grade").size()
    rows = [
        f"Ljusdal;{latest};{'Åk 9' if g == 'åk9' else 'Gy 2'};{int(k / 0.5)}" for g, k in n.items()
    ]
    (built_copy / "raw" / "skolenkat" / "elevantal.csv").write_text(
        "Kommun;År;Årskurs;Elever\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    job = make_job(2, REPORT_MUNICIPALITY, tmp_path / "out", data_dir=str(built_copy))
    baseline.freeze_for([job])
    result = render(job, log_path=tmp_path / "log.txt")
    assert result.status == "ok", (tmp_path / "log.txt").read_text(encoding="utf-8")[-3000:]
    html = job.html_path.read_text(encoding="utf-8")
    assert "Svarsfrekvens per år och årskurs" in html
    assert "Svarsfrekvensen är okänd" not in html
    for k in n:
        assert f">{int(k / 0.5)}<" in html.replace("\u00a0", "")  # the enrolled pupils
