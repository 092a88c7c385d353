"""Where redmud finds its data: the feedstock and route libraries and the cost data.

The libraries sit at the top of the source tree (``feedstocks/``, ``processes/``), next to the
package, as the README's editable install leaves them.
"""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
DATA_DIR = PACKAGE_DIR / "data"
FEEDSTOCK_DIR = PROJECT_DIR / "feedstocks"
PROCESS_DIR = PROJECT_DIR / "processes"
STUDY_DIR = PROJECT_DIR / "studies"


def library_names(folder: Path) -> list[str]:
    """The names (file stems) of the TOML files in a library folder."""
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []
