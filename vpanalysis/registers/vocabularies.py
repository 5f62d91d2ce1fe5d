"""Allowed values of the register columns (:class:`Vocabulary`) and the logic-model stages."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from vpanalysis.catalogue import HANDBOOK_STEPS


def match_key(text: object) -> str:
    """Matching key: NFC, case-folded, single spaces, trimmed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(text)).casefold()).strip()


@dataclass(frozen=True)
class Vocabulary:
    """Allowed values of a register column: canonical value -> Swedish label, plus synonyms.

    A cell matches a canonical value, its label or a synonym (case and spaces ignored).
    """

    labels: Mapping[object, str]
    aliases: Mapping[str, object] = field(default_factory=dict)

    @cached_property
    def _lookup(self) -> dict[str, object]:
        lookup = {match_key(label): value for value, label in self.labels.items()}
        lookup.update({match_key(alias): value for alias, value in self.aliases.items()})
        lookup.update({match_key(value): value for value in self.labels})
        return lookup

    def canonical(self, text: object) -> object | None:
        """The canonical value for ``text``, or None when it is not allowed."""
        return self._lookup.get(match_key(text))

    @property
    def values(self) -> list:
        return list(self.labels)

    def describe(self) -> str:
        return ", ".join(str(v) for v in self.labels)


#: Sectors of the partners (step 1).
SECTORS = Vocabulary(
    {
        "kommunledning": "Kommunledning",
        "socialtjänst": "Socialtjänst",
        "skola": "Skola",
        "förskola": "Förskola",
        "fritid/kultur": "Fritid och kultur",
        "hälso- och sjukvård": "Hälso- och sjukvård",
        "polis": "Polis",
        "kvinnojour/tjejjour": "Kvinnojour eller tjejjour",
        "civilsamhälle": "Civilsamhälle",
        "räddningstjänst": "Räddningstjänst",
        "bostadsbolag": "Bostadsbolag",
        "trossamfund": "Trossamfund",
        "näringsliv": "Näringsliv",
        "annan": "Annan",
    },
    {
        "socialtjänsten": "socialtjänst",
        "socialförvaltningen": "socialtjänst",
        "skolan": "skola",
        "grundskola": "skola",
        "gymnasieskola": "skola",
        "fritid": "fritid/kultur",
        "kultur": "fritid/kultur",
        "kultur/fritid": "fritid/kultur",
        "kultur och fritid": "fritid/kultur",
        "fritid och kultur": "fritid/kultur",
        "hälso och sjukvård": "hälso- och sjukvård",
        "hälso- och sjukvården": "hälso- och sjukvård",
        "region": "hälso- och sjukvård",
        "polisen": "polis",
        "kvinnojour": "kvinnojour/tjejjour",
        "tjejjour": "kvinnojour/tjejjour",
        "kvinno- och tjejjour": "kvinnojour/tjejjour",
        "ideell sektor": "civilsamhälle",
        "förening": "civilsamhälle",
        "räddningstjänsten": "räddningstjänst",
        "bostadsbolaget": "bostadsbolag",
    },
)

#: Roles in the steering structure (step 1); the crime-prevention council steers.
ROLES = Vocabulary(
    {
        "styrgrupp": "Styrgrupp (Brottsförebyggande rådet)",
        "ledningsgrupp": "Ledningsgrupp",
        "arbetsgrupp": "Arbetsgrupp",
        "referensgrupp": "Referensgrupp",
    },
    {
        "referens": "referensgrupp",
        "brå": "styrgrupp",
        "brottsförebyggande rådet": "styrgrupp",
        "styrgrupp (brå)": "styrgrupp",
    },
)

#: Data sources a partner contributes (keys as the ``source`` of the tidy tables).
DATA_SOURCES = Vocabulary(
    {
        "socialtjanst": "Socialtjänsten",
        "skola": "Skolan (kränkningsanmälningar, elevhälsa)",
        "skolenkat": "Skolenkät",
        "polis": "Polisen (lokal lägesbild)",
        "bra": "Brå, anmälda brott",
        "kvinnojour": "Kvinnojouren",
        "tjejjour": "Tjejjouren",
        "halso_sjukvard": "Hälso- och sjukvården",
        "raddningstjanst": "Räddningstjänsten",
        "bostadsbolag": "Bostadsbolaget",
        "kolada": "Kolada",
        "scb": "SCB, befolkning",
    },
    {
        "socialtjänst": "socialtjanst",
        "skolenkät": "skolenkat",
        "brå": "bra",
        "polisen": "polis",
        "hälso- och sjukvård": "halso_sjukvard",
        "räddningstjänst": "raddningstjanst",
    },
)

#: The five steps of *Inget att vänta på*.
STEPS = Vocabulary(dict(HANDBOOK_STEPS))

#: Socio-ecological levels of a factor.
FACTOR_LEVELS = Vocabulary(
    {
        "individ": "Individ",
        "relation": "Relation",
        "närmiljö": "Närmiljö",
        "samhälle": "Samhälle",
    },
    {
        "individuell": "individ",
        "individnivå": "individ",
        "individual": "individ",
        "relationer": "relation",
        "relationship": "relation",
        "samhälle/närmiljö": "närmiljö",
        "lokalsamhälle": "närmiljö",
        "community": "närmiljö",
        "society": "samhälle",
        "samhällsnivå": "samhälle",
    },
)

FACTOR_TYPES = Vocabulary(
    {"risk": "Riskfaktor", "skydd": "Skyddsfaktor"},
    {"riskfaktor": "risk", "skyddsfaktor": "skydd", "protective": "skydd"},
)

#: Strength of evidence (of a factor's link to violence; of an intervention's effect).
EVIDENCE = Vocabulary(
    {3: "stark", 2: "måttlig", 1: "begränsad", 0: "saknas"},
    {"hög": 3, "god": 3, "medel": 2, "låg": 1, "svag": 1, "ingen": 0, "okänd": 0},
)

#: How much the partners can change a factor.
CHANGEABILITY = Vocabulary(
    {3: "stor", 2: "viss", 1: "liten"},
    {"stor": 3, "viss": 2, "liten": 1, "hög": 3, "medel": 2, "låg": 1},
)

#: Forms of violence a factor can be shared by (after WHO/CDC *Connecting the dots*).
VIOLENCE_FORMS = Vocabulary(
    {
        "nära relation": "Våld i nära relationer",
        "sexuellt våld": "Sexuellt våld",
        "ungdomsvåld": "Våld mellan unga",
        "mobbning": "Mobbning och kränkningar",
        "barnmisshandel": "Våld mot barn",
        "hedersrelaterat": "Hedersrelaterat våld och förtryck",
        "våld mot äldre": "Våld mot äldre",
    },
    {
        "våld i nära relation": "nära relation",
        "våld i nära relationer": "nära relation",
        "partnervåld": "nära relation",
        "våld mellan unga": "ungdomsvåld",
        "kränkningar": "mobbning",
        "våld mot barn": "barnmisshandel",
        "hedersrelaterat våld": "hedersrelaterat",
        "hedersrelaterat våld och förtryck": "hedersrelaterat",
    },
)

PREVENTION_LEVELS = Vocabulary(
    {"universell": "Universell", "selektiv": "Selektiv", "indikerad": "Indikerad"},
    {"universal": "universell", "generell": "universell", "selective": "selektiv"},
)

DIRECTIONS = Vocabulary(
    {"decrease": "minska", "increase": "öka"},
    {"minska": "decrease", "öka": "increase", "lower": "decrease", "higher": "increase"},
)

#: Whether a higher indicator value is worse or better (default from the factor type).
POLARITIES = Vocabulary(
    {"higher_worse": "högre är sämre", "higher_better": "högre är bättre"},
    {"högre sämre": "higher_worse", "högre bättre": "higher_better"},
)

INDICATOR_SOURCES = Vocabulary(
    {
        "kolada": "Kolada-nyckeltal",
        "skolenkat": "Skolenkät",
        "bra": "Brå, anmälda brott",
        "socialtjanst": "Socialtjänsten",
        "kvinnojour": "Kvinnojouren",
        "register": "Kommunens register",
    },
    {"skolenkät": "skolenkat", "brå": "bra", "socialtjänst": "socialtjanst"},
)

#: Indicators computed from the registers themselves (``register:<name>``).
REGISTER_INDICATORS = {
    "training_coverage": "Andel av den planerade personalen som utbildats (%), ackumulerat",
    "activity_reach": "Antal personer som nåtts av aktiviteter under året",
}

#: The stages of a logic model, in order, with their Swedish labels.
LOGIC_MODEL_STAGES = {
    "resources": "Resurser",
    "activities": "Aktiviteter",
    "outputs": "Prestationer",
    "short_term_outcomes": "Kortsiktiga effekter",
    "long_term_outcomes": "Långsiktiga effekter",
    "indicators": "Indikatorer",
}
_STAGE_ALIASES = {
    "resurser": "resources",
    "aktiviteter": "activities",
    "prestationer": "outputs",
    "kortsiktiga_effekter": "short_term_outcomes",
    "långsiktiga_effekter": "long_term_outcomes",
    "indikatorer": "indicators",
}
