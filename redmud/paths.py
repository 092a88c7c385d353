"""Where redmud finds its data: the feedstock and route libraries and the cost data.

The libraries sit at the top of the source tree (``feedstocks/``, ``processes/``), next to the
package, as the README's editable install leaves them.
"""

from pathlib import Path

from redmud.errors import unknown

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
DATA_DIR = PACKAGE_DIR / "data"
FEEDSTOCK_DIR = PROJECT_DIR / "feedstocks"
PROCESS_DIR = PROJECT_DIR / "processes"
STUDY_DIR = PROJECT_DIR / "studies"


def library_names(folder: Path) -> list[str]:
    """The names (file stems) of the TOML files in a library folder."""
    return sorted(p.stem for p in folder.glob("*.toml")) if folder.is_dir() else []


def looks_like_path(text: str) -> bool:
    """Whether a name given for a library entry is a file path rather than a library name."""
    return text.endswith(".toml") or "/" in text or "\\" in text


def library_file(name_or_path, folder: Path, kind: str, where: str) -> Path:
    """The TOML file of a library entry given by name (``folder/NAME.toml``) or by path.

    An unknown name raises an InputError at ``where`` suggesting the closest names.
    """
    text = str(name_or_path)
    if looks_like_path(text):
        return Path(text)
    path = folder / f"{text}.toml"
    if not path.exists():
        raise unknown(where, kind, text, library_names(folder))
    return path
