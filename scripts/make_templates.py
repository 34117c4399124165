#!/usr/bin/env python3
"""Write the official blank templates kept in templates/ (tests compare them with `perfxl template`).

Run from the repository root after changing the template::

    python3 -m scripts.make_templates
"""

from pathlib import Path

from perfxl.write import TemplateOptions, write_template

ROOT = Path(__file__).resolve().parent.parent
#: file name → formula kind: the default (perfxl's functions where loaded, else built-in), and built-in only.
TEMPLATES = {"绩效自评表.xlsx": "auto", "绩效自评表-通用公式.xlsx": "native"}


def main() -> None:
    for name, kind in TEMPLATES.items():
        path = write_template(ROOT / "templates" / name, options=TemplateOptions(formulas=kind), force=True)
        print(f"已写出 {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
