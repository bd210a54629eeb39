"""Load and validate framework spec files into the model.

`validate` walks the whole document and collects every problem with its path, `files` reads spec files safely and
finds the bundled ones; `checker` is the field reader both use.
"""

from .checker import COLUMN_KINDS, RATING_MODES, TARGET_MODES
from .files import bundled_frameworks, load_framework, load_spec, specs_dir
from .validate import TOP_KEYS, parse_spec

__all__ = ["COLUMN_KINDS", "RATING_MODES", "TARGET_MODES", "TOP_KEYS", "bundled_frameworks", "load_framework",
           "load_spec", "parse_spec", "specs_dir"]
