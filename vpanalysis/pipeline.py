"""Build ``data/processed`` from ``data/raw``: read, clean, validate, write (idempotent, atomic).

:func:`build` reads every source folder of ``data/raw`` (see ``data/raw/README.md``),
cleans it (:mod:`vpanalysis.cleaning`), validates every table (:mod:`vpanalysis.schema`)
and writes ``observations.parquet``, ``population.parquet``,
``population_single_year.parquet``, ``kolada.parquet``, ``survey.parquet`` and
``manifest.json`` (see ``data/processed/README.md``).

* Idempotent: the manifest stores content hashes of every input file, of the code that
  builds the tables and the package version; when none changed and the outputs are
  intact, :func:`build` does no work and says "up to date" (``force=True`` rebuilds).
* Atomic: everything is built in a temporary folder next to ``data/processed``; only
  when every table is valid are the files moved into place, one ``os.replace`` each, the
  manifest last. A failed build leaves ``data/processed`` exactly as it was.
* Raw files are only read.
* Example or real: a source's files are example (synthetic) data when their name
  contains ``exempel``/``example`` or their first lines (title row, JSON note, workbook
  properties) say ``EXEMPELDATA``. When a folder holds real files, its example files
  are ignored, so a municipality can drop its real export next to them. The manifest
  says per source whether it is example data; reports show a banner for those.
* Fetched data (``vpanalysis fetch ...``, :mod:`vpanalysis.fetch`) live in
  ``data/raw/<source>/hamtat/`` and are always real data. The manifest then also carries
  the source's ``attribution`` ("Källa: Kolada") and, from ``hamtat/provenance.json``,
  when and where they were fetched (``fetched``). Real files of Kolada, SCB and BRÅ get
  their attribution whether fetched or dropped in by hand.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from vpanalysis import __version__, cleaning, definitions, schema
from vpanalysis.atomic import replace_files, temporary_sibling_dir
from vpanalysis.config import LOCAL_SOURCES, get_paths
from vpanalysis.errors import DataError
from vpanalysis.fetch import provenance as fetched
from vpanalysis.io import bra as bra_io
from vpanalysis.io import kolada as kolada_io
from vpanalysis.io import kvinnojour as kvinnojour_io
from vpanalysis.io import pxweb
from vpanalysis.io import sav as sav_io
from vpanalysis.io import socialtjanst as socialtjanst_io
from vpanalysis.io import survey as survey_io
from vpanalysis.io.conventions import display_path

MANIFEST = "manifest.json"
TABLES = {
    "observations": "observations.parquet",
    "population": "population.parquet",
    "population_single_year": "population_single_year.parquet",
    "kolada": "kolada.parquet",
    "survey": "survey.parquet",
    "codebook": "survey_codebook.parquet",
}
#: Source folder under data/raw -> accepted data-file suffixes.
SOURCES = {
    "bra": (".csv", ".txt"),
    "scb": (".json",),
    "kolada": (".json",),
    "socialtjanst": (".xlsx", ".xlsm", ".csv"),
    "kvinnojour": (".csv", ".xlsx", ".xlsm"),
    "skolenkat": (".csv", ".xlsx", ".xlsm", ".sav"),
}
#: Metadata files next to the data (not data files themselves).
METADATA = {"kolada": "kpis.csv", "skolenkat": "codebook.csv"}
#: Other files of a source folder that are not data files of the source.
OTHER_FILES = {"skolenkat": ("elevantal.csv", "elevantal.xlsx")}
#: Inputs besides the source folders that change the output.
OTHER_INPUTS = ("definitions", "reference")
EXAMPLE_MARK = "EXEMPELDATA"
_BUILD_PREFIX = ".building-"
MANIFEST_FORMAT = 1
#: Modules whose code decides the content of the tables (hashed into the manifest).
_CODE = (
    "atomic.py",
    "cleaning.py",
    "definitions.py",
    "geography.py",
    "pipeline.py",
    "schema.py",
    "io",
    "fetch/provenance.py",
)


# ---------------------------------------------------------------- result


@dataclass
class BuildResult:
    """What :func:`build` did. ``status`` is ``"built"`` or ``"up to date"``."""

    status: str
    processed: Path
    manifest: dict
    seconds: float = 0.0
    tables: dict[str, int] = field(default_factory=dict)

    @property
    def built(self) -> bool:
        return self.status == "built"

    def summary(self) -> str:
        where = display_path(self.processed)
        if not self.built:
            return (
                f"{where} is up to date (inputs unchanged since the build of "
                f"{self.manifest.get('built_at', '?')}); use --force to rebuild."
            )
        lines = [f"Built {where} in {self.seconds:.1f} s:"]
        for name, info in self.manifest.get("outputs", {}).items():
            lines.append(f"  {name:<32} {info['rows']:>8} rows")
        examples = [s for s, info in self.manifest.get("sources", {}).items() if info["example"]]
        if examples:
            lines.append(
                "Example (synthetic) data: "
                + ", ".join(examples)
                + ". Reports say so on every page."
            )
        ignored = [
            f for info in self.manifest.get("sources", {}).values() for f in info.get("ignored", [])
        ]
        if ignored:
            lines.append("Ignored example files (real files are present): " + ", ".join(ignored))
        for source, info in self.manifest.get("sources", {}).items():
            lines.extend(f"Not imported ({source}): {note}" for note in info.get("notes", []))
        return "\n".join(lines)


# ---------------------------------------------------------------- inputs


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _is_data_name(path: Path) -> bool:
    name = path.name
    return (
        path.is_file()
        and not name.startswith((".", "~$"))
        and name.lower() not in ("readme.md", "readme.txt", "readme")
    )


def is_example(path: str | os.PathLike) -> bool:
    """Whether a raw file is example (synthetic) data (see module docstring)."""
    path = Path(path)
    if any(word in path.name.lower() for word in ("exempel", "example")):
        return True
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            from openpyxl import load_workbook

            workbook = load_workbook(path, read_only=True)
            props = workbook.properties
            text = " ".join(str(v or "") for v in (props.title, props.subject, props.keywords))
            workbook.close()
        except Exception:
            return False
        return EXAMPLE_MARK in text.upper()
    with open(path, "rb") as handle:
        head = handle.read(4096)
    for encoding in ("utf-8", "cp1252"):
        with contextlib.suppress(UnicodeDecodeError):
            return EXAMPLE_MARK in head.decode(encoding, errors="strict").upper()
    return EXAMPLE_MARK.encode() in head.upper()


@dataclass
class SourceFiles:
    name: str
    files: list[Path]
    ignored: list[Path]
    example: bool


def discover(raw: Path) -> dict[str, SourceFiles]:
    """Data files per source folder; example files are dropped when real ones exist."""
    found = {}
    for name, suffixes in SOURCES.items():
        folder = raw / name
        candidates = sorted(
            p
            for p in (folder.iterdir() if folder.is_dir() else [])
            if _is_data_name(p)
            and p.suffix.lower() in suffixes
            and p.name != METADATA.get(name)
            and p.name not in OTHER_FILES.get(name, ())
        )
        examples = [p for p in candidates if is_example(p)]
        real = [p for p in candidates if p not in examples]
        hamtat = folder / fetched.FETCHED_DIR
        real += sorted(
            p
            for p in (hamtat.iterdir() if hamtat.is_dir() else [])
            if fetched.is_data_file(p) and p.suffix.lower() in suffixes
        )
        if real:
            found[name] = SourceFiles(name, real, examples, example=False)
        else:
            found[name] = SourceFiles(name, examples, [], example=bool(examples))
    return found


def input_files(raw: Path) -> list[Path]:
    """Every raw file the tables depend on (source folders, definitions, reference)."""
    files = []
    for name in [*SOURCES, *OTHER_INPUTS]:
        folder = raw / name
        if folder.is_dir():
            files += [p for p in sorted(folder.rglob("*")) if _is_data_name(p)]
    return files


def code_hash() -> str:
    """Hash of the modules that decide the content of the tables."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in _CODE:
        target = package / name
        paths = sorted(target.rglob("*.py")) if target.is_dir() else [target]
        for path in paths:
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(raw: Path) -> tuple[dict[str, str], str]:
    """``({relative path: sha256}, hash over them + code + version)``."""
    hashes = {p.relative_to(raw).as_posix(): _sha256(p) for p in input_files(raw)}
    digest = hashlib.sha256()
    for key in sorted(hashes):
        digest.update(f"{key}\x00{hashes[key]}\n".encode())
    digest.update(f"code {code_hash()}\nversion {__version__}\nformat {MANIFEST_FORMAT}".encode())
    return hashes, digest.hexdigest()


# ---------------------------------------------------------------- reading sources


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame | None:
    frames = [f for f in frames if f is not None and len(f)]
    return pd.concat(frames, ignore_index=True) if frames else None


def read_population(files: list[Path], folder: Path) -> pd.DataFrame:
    """SCB's population by single year (empty when the folder has no file yet: a new
    workspace builds, and its reports say that the population is missing)."""
    if not files:
        return _empty(schema.POPULATION_SINGLE_YEAR)
    frames = []
    for path in files:
        shown = display_path(path)
        part = cleaning.clean_population(pxweb.read_jsonstat2(path), file=shown)
        frames.append(part.assign(_file=shown))
    single = pd.concat(frames, ignore_index=True)
    duplicated = single.duplicated(["region_code", "year", "sex", "age"])
    if duplicated.any():
        row = single[duplicated].iloc[0]
        first = single[
            (single["region_code"] == row["region_code"]) & (single["year"] == row["year"])
        ].iloc[0]
        raise DataError(
            f"duplicated population: region {row['region_code']}, year {row['year']} is also in "
            f"{first['_file']}",
            file=row["_file"],
        )
    return single.drop(columns="_file")


def build_tables(paths, found: dict[str, SourceFiles]) -> tuple[dict[str, pd.DataFrame], dict]:
    """Read, clean and validate every table. Returns the tables and per-source facts."""
    raw = paths.raw
    definition = definitions.load_definition(paths.data)
    mapping_file = raw / "definitions" / definitions.MAPPING_FILE
    mapping = definitions.category_mapping(paths.data, definition=definition)
    facts: dict[str, dict] = {}

    single = read_population(found["scb"].files, raw / "scb")
    population = cleaning.population_bands(single)
    facts["scb"] = _facts(single)

    observations = []
    bra_files = [bra_io.read_bra(p) for p in found["bra"].files]
    bra_notes = [n for f in bra_files for n in f.attrs.get("notes", [])]
    bra = _concat(bra_files)
    if bra is not None:
        observations.append(
            cleaning.clean_bra(bra, mapping, mapping_file=mapping_file, notes=bra_notes)
        )
    for source, reader in (
        ("socialtjanst", socialtjanst_io.read_socialtjanst),
        ("kvinnojour", kvinnojour_io.read_kvinnojour),
    ):
        frame = _concat([reader(p) for p in found[source].files])
        if frame is not None:
            observations.append(
                cleaning.clean_local(frame, source, mapping, mapping_file=mapping_file)
            )
    if observations:
        obs = pd.concat(observations, ignore_index=True)
        obs = cleaning.add_sex_totals(obs)
        obs = cleaning.add_missing_years(obs)
        obs = cleaning.sort_observations(obs)
    else:
        obs = _empty(schema.OBSERVATIONS)
    for source in schema.SOURCES:
        facts[source] = _facts(obs[obs["source"] == source])
    if bra_notes:
        facts["bra"]["notes"] = bra_notes

    kolada = _empty(schema.KOLADA)
    kpi_file = raw / "kolada" / METADATA["kolada"]
    if found["kolada"].files:
        if not kpi_file.exists():
            raise DataError(
                "the KPI list is missing (kpi;title;kind;polarity;level)",
                file=display_path(kpi_file),
            )
        kpis = kolada_io.read_kpis(kpi_file)
        violence = kpis.loc[kpis["kind"] == "violence", "kpi"].tolist()
        definitions.check_mapped(
            "kolada",
            dict.fromkeys(violence, display_path(kpi_file)),
            mapping,
            mapping_file=mapping_file,
        )
        kolada = cleaning.clean_kolada(
            kolada_io.read_kolada(found["kolada"].files), kpis, kpi_file=display_path(kpi_file)
        )
    facts["kolada"] = _facts(kolada)

    codebook_file = raw / "skolenkat" / METADATA["skolenkat"]
    survey_files = found["skolenkat"].files
    sav_files = [p for p in survey_files if p.suffix.lower() == ".sav"]
    text_files = [p for p in survey_files if p not in sav_files]
    codebook = pd.DataFrame(columns=survey_io.CODEBOOK_COLUMNS, dtype="string")
    parts = []
    survey_notes: list[str] = []
    if codebook_file.exists() or text_files:
        if not codebook_file.exists():
            raise DataError("the survey codebook is missing", file=display_path(codebook_file))
        codebook = survey_io.read_codebook(codebook_file)
        _check_codebook_forms(codebook, definition, codebook_file)
        _check_survey_mapped(codebook, mapping, mapping_file, display_path(codebook_file))
        parts = [
            cleaning.clean_survey(survey_io.read_survey(p, codebook), codebook) for p in text_files
        ]
    for path in sav_files:
        delivered = sav_io.read_sav(path)
        layout_file = sav_io.LAYOUT_DIR / f"{delivered.layout.key}.yaml"
        numbered = delivered.codebook.assign(_line=range(1, len(delivered.codebook) + 1))
        _check_codebook_forms(numbered, definition, layout_file)
        _check_survey_mapped(delivered.codebook, mapping, mapping_file, display_path(path))
        parts.append(cleaning.clean_survey(delivered.answers, delivered.codebook))
        questions = delivered.codebook[delivered.codebook["role"] == ""]
        codebook = pd.concat([codebook, questions], ignore_index=True)
        survey_notes += delivered.notes
    codebook = codebook[survey_io.CODEBOOK_COLUMNS].drop_duplicates("item").reset_index(drop=True)
    items = survey_io.items(codebook)
    survey = _concat(parts)
    if survey is not None:
        survey = survey.astype({item: "Int64" for item in items if item in survey.columns})
        for item in items:
            if item not in survey.columns:
                survey[item] = pd.array([pd.NA] * len(survey), dtype="Int64")
        background = [c for c in survey.columns if c not in items]
        survey = survey[background + items]
        cleaning.check_duplicates(
            survey.assign(_file="survey", _sheet="", _line=0),
            ["respondent_id"],
            what="respondent",
        )
        survey = survey.sort_values(["year", "region_code", "respondent_id"]).reset_index(drop=True)
    survey_schema = schema.survey_schema(items)
    if survey is None:
        survey = _empty(survey_schema)
    facts["skolenkat"] = _facts(survey)
    if survey_notes:
        facts["skolenkat"]["notes"] = survey_notes

    tables = {
        "observations": schema.validate(obs, schema.OBSERVATIONS, file=TABLES["observations"]),
        "population": schema.validate(population, schema.POPULATION, file=TABLES["population"]),
        "population_single_year": schema.validate(
            single, schema.POPULATION_SINGLE_YEAR, file=TABLES["population_single_year"]
        ),
        "kolada": schema.validate(kolada, schema.KOLADA, file=TABLES["kolada"]),
        "survey": schema.validate(survey, survey_schema, file=TABLES["survey"]),
        "codebook": codebook.fillna("").astype("string"),
    }
    facts["_definition"] = {
        "name": definition.name,
        "text": definition.text,
        "decided_by": definition.decided_by,
        "decided_on": definition.decided_on,
        "example": definition.example,
    }
    return tables, facts


def _attribution(raw: Path, name: str, src: SourceFiles) -> dict:
    """``attribution`` (and ``fetched``) of a source with real public data, else ``{}``."""
    if src.example or not src.files or name not in fetched.SOURCES:
        return {}
    out: dict = {"attribution": fetched.SOURCES[name]["attribution"]}
    hamtat = fetched.fetched_dir(raw, name)
    if any(p.parent == hamtat for p in src.files):
        summary = fetched.summary(raw, name)
        if summary:
            out["attribution"] = summary["attribution"]
            out["fetched"] = summary
    return out


def _check_survey_mapped(codebook, mapping, mapping_file, shown: str) -> None:
    """Every exposure or perpetration item has a row in the category mapping."""
    definitions.check_mapped(
        "skolenkat",
        dict.fromkeys(cleaning.exposure_items(codebook), shown),
        mapping,
        mapping_file=mapping_file,
    )


def _check_codebook_forms(codebook, definition, path: Path) -> None:
    known = set(definition.keys("forms"))
    for row in codebook.to_dict("records"):
        if row["form"] and row["form"] not in known:
            raise DataError(
                f"unknown form; forms in {definitions.DEFINITION_FILE}: {', '.join(sorted(known))}",
                file=display_path(path),
                row=int(row["_line"]),
                column="form",
                value=row["form"],
            )


def _empty(table_schema) -> pd.DataFrame:
    return pd.DataFrame(
        {name: pd.Series(dtype=str(column.dtype)) for name, column in table_schema.columns.items()}
    )


def _facts(frame: pd.DataFrame) -> dict:
    if frame is None or frame.empty:
        return {"rows": 0, "years": None, "regions": []}
    return {
        "rows": len(frame),
        "years": [int(frame["year"].min()), int(frame["year"].max())],
        "regions": sorted(frame["region_code"].unique().tolist()),
    }


# ---------------------------------------------------------------- build


@contextlib.contextmanager
def _lock(folder: Path) -> Iterator[None]:
    """An advisory lock so that two builds of one data folder do not interleave."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(folder / ".build.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_stale_builds(processed: Path) -> None:
    """Temporary build folders left by a killed build (we hold the lock: none is running)."""
    for stale in processed.parent.glob(f"{_BUILD_PREFIX}{processed.name}-*"):
        shutil.rmtree(stale, ignore_errors=True)


def read_manifest(processed: Path) -> dict | None:
    path = processed / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_up_to_date(processed: Path, manifest: dict | None, inputs_hash: str) -> bool:
    if not manifest or manifest.get("inputs_hash") != inputs_hash:
        return False
    for name, info in manifest.get("outputs", {}).items():
        path = processed / name
        if not path.exists() or _sha256(path) != info.get("sha256"):
            return False
    return set(manifest.get("outputs", {})) == set(TABLES.values())


def build(data_dir: str | os.PathLike | None = None, force: bool = False) -> BuildResult:
    """Build ``data/processed`` from ``data/raw`` (see module docstring).

    ``data_dir`` is the folder holding ``raw/`` and ``processed/`` (default: the project's
    ``data/``, or ``VPANALYSIS_DATA``). Raises :class:`~vpanalysis.errors.DataError` for
    bad input; ``data/processed`` is then unchanged.
    """
    start = time.perf_counter()
    paths = get_paths(data_dir)
    raw, processed = paths.raw, paths.processed
    if not raw.is_dir():
        raise DataError("the raw data folder does not exist", file=display_path(raw))
    with _lock(processed):
        hashes, inputs_hash = fingerprint(raw)
        manifest = read_manifest(processed)
        if not force and is_up_to_date(processed, manifest, inputs_hash):
            return BuildResult("up to date", processed, manifest or {})
        _remove_stale_builds(processed)
        found = discover(raw)
        tables, facts = build_tables(paths, found)
        definition = facts.pop("_definition")
        with temporary_sibling_dir(processed, prefix=_BUILD_PREFIX) as tmp:
            outputs = {}
            for key, name in TABLES.items():
                target = tmp / name
                tables[key].to_parquet(target, index=False)
                outputs[name] = {
                    "sha256": _sha256(target),
                    "rows": len(tables[key]),
                    "columns": list(tables[key].columns),
                }
            manifest = {
                "format": MANIFEST_FORMAT,
                "package_version": __version__,
                "built_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
                "inputs_hash": inputs_hash,
                "code_hash": code_hash(),
                "inputs": hashes,
                "outputs": outputs,
                "sources": {
                    name: {
                        "present": bool(src.files),
                        "example": src.example,
                        "local": name in LOCAL_SOURCES,
                        "files": [p.relative_to(raw).as_posix() for p in src.files],
                        "ignored": [p.relative_to(raw).as_posix() for p in src.ignored],
                        **facts.get(name, {}),
                        **_attribution(raw, name, src),
                    }
                    for name, src in found.items()
                },
                "definition": definition,
            }
            (tmp / MANIFEST).write_text(
                json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
            replace_files(tmp, processed, [*TABLES.values(), MANIFEST])
    rows = {name: info["rows"] for name, info in manifest["outputs"].items()}
    return BuildResult("built", processed, manifest, time.perf_counter() - start, rows)
