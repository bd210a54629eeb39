"""The `maturity-xl` command: a thin click layer over the library.

Domain errors become ClickException (exit 1) with a plain message; usage errors exit 2 (click's own). Every
command's --help ends with an example and its exit codes (`_epilog`).
"""

from . import programme, returns, workbooks  # noqa: F401  (each module adds its commands to the group)
from .common import main

__all__ = ["main"]

if __name__ == "__main__":
    main()
