"""perfxl in xlwings Lite: its wheel installed by micropip in Pyodide, its five functions called as
Lite calls custom functions, and perfxl's scoring importable without the packages Pyodide lacks.

The Pyodide run (tests/lite/run_lite.mjs, in Node) installs perfxl's wheel, built here from the
checkout, with the requirements.txt a Lite user pastes (examples/xlwings-lite/requirements.txt.example), registers
examples/xlwings-lite/main.py through xlwings-server's Wasm runtime (wasm_runtime.py, the public
base of the Lite add-in) and sends each cell's call through its ``custom_functions_call`` with the
body Office.js builds. What Excel itself does around that (the Office.js bridge, recalculation)
cannot run here; docs in /work/notes/lite-names.md and the README say what stays unproven.
Everything comes from ~/.cache/perfxl-lite (or $PERFXL_LITE_CACHE), which .ci/run fills.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from perfxl import udfs
from perfxl.engine import scored
from perfxl.model import Form
from perfxl.read import read_forms

ROOT = Path(__file__).resolve().parent.parent
LITE = ROOT / "tests" / "lite"
EXAMPLE = ROOT / "examples" / "xlwings-lite"
SEEDS = sorted((ROOT / "examples" / "forms").glob("*.xlsx"))
PYODIDE_VERSION = json.loads((LITE / "package.json").read_text(encoding="utf-8"))["dependencies"]["pyodide"]
CACHE = Path(os.environ.get("PERFXL_LITE_CACHE") or Path.home() / ".cache" / "perfxl-lite")
WHEELS = CACHE / "wheels"
FUNCTIONS = ["perfxl_exec_rate", "perfxl_exec_score", "perfxl_score", "perfxl_total", "perfxl_grade"]
#: Packages perfxl needs only to read or write workbooks, for its CLI or the Windows add-in.
NOT_FOR_SCORING = ["python_calamine", "xlsxwriter", "click", "xlwings", "openpyxl", "xlrd"]


def require(condition: bool, what: str) -> None:
    """Fail (never skip) in one line when something the test needs is not installed."""
    if not condition:
        pytest.fail(f"{what} is missing: .ci/run installs it", pytrace=False)


def pinned() -> dict[str, str]:
    """tests/lite/pyodide-requirements.txt: each wheel's name, as in its file name, and version."""
    pins = {}
    for line in (LITE / "pyodide-requirements.txt").read_text(encoding="utf-8").splitlines():
        name, _, version = line.partition("#")[0].strip().partition("==")
        if name:
            pins[name.replace("-", "_")] = version
    return pins


PINS = pinned()


def wheel(name: str) -> Path:
    found = sorted(WHEELS.glob(f"{name}-{PINS[name]}-*.whl"))
    require(
        len(found) == 1, f"the Pyodide wheel {name}=={PINS[name]} (tests/lite/pyodide-requirements.txt) in {WHEELS}"
    )
    return found[0]


def build_perfxl_wheel(out: Path) -> Path:
    """perfxl's wheel from this checkout, built offline by setuptools (a copy, the checkout stays clean)."""
    src = out / "src"
    shutil.copytree(ROOT / "perfxl", src / "perfxl", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    dist = out / "dist"
    dist.mkdir()
    build = "from setuptools import build_meta; import sys; print(build_meta.build_wheel(sys.argv[1]))"
    done = subprocess.run([sys.executable, "-c", build, str(dist)], cwd=src, capture_output=True, text=True)
    require(done.returncode == 0, f"setuptools>=70.1 able to build perfxl's wheel ({done.stderr.strip()[-300:]})")
    return dist / done.stdout.strip().splitlines()[-1]


# --- the cells: each seed form's indicators, as Office.js hands them to Python ---------------------


def cell(value):
    """A cell's value as Office.js passes it: a number typed into a General cell is a number."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def matrix(value):
    """One argument of a custom function: Office.js passes every argument as a 2-D matrix."""
    return [[cell(value)]]


def column(values):
    return [[cell(v)] for v in values]


def shown(result):
    """What the engine's result looks like in a cell: None is an empty-looking cell."""
    return "" if result is None else result


def form_calls(form: Form, sheet: str) -> list[tuple[dict, object]]:
    """Every function called on one form's cells, with the engine's answer."""
    computed = form.computed
    budget, spent = form.budget.total, form.spent.total
    calls = [({"func_name": "perfxl_exec_rate", "args": [matrix(budget), matrix(spent)]}, computed.exec_rate)]
    for ind, res in zip(form.indicators, computed.indicators):
        if ind.is_execution:
            args = [matrix(budget), matrix(spent), matrix(res.weight), matrix(ind.actual)]
            calls.append(({"func_name": "perfxl_exec_score", "args": args}, shown(res.rule_score)))
        else:
            args = [matrix(ind.target), matrix(ind.actual), matrix(res.weight)]
            calls.append(({"func_name": "perfxl_score", "args": args}, shown(res.rule_score)))
    rule_scores = [shown(res.rule_score) for res in computed.indicators]
    self_scores = [ind.score for ind in form.indicators]
    calls.append(({"func_name": "perfxl_total", "args": [column(rule_scores), column(self_scores)]}, computed.total))
    calls.append(({"func_name": "perfxl_grade", "args": [matrix(computed.total)]}, computed.grade))
    for row, (call, _) in enumerate(calls, start=5):
        call["address"] = f"{sheet}!J{row}"
    return calls


FORMS = [scored(form) for path in SEEDS for form in read_forms(path)]
SEED_CALLS = [call for i, form in enumerate(FORMS) for call in form_calls(form, f"表{i + 1}")]
ERROR_CELL = {"type": "Error", "basicValue": "#DIV/0!", "errorType": "Div0"}
#: Cells a user may get wrong or leave out, each with its plain-Python arguments (an error cell is its
#: text with err_to_str): Lite must answer as perfxl.udfs does here, run as Python.
ODD_CELLS = [
    ("perfxl_exec_rate", [[[ERROR_CELL]], [[2.6]]], ["#DIV/0!", 2.6]),
    ("perfxl_exec_rate", [[["三万"]], [[2.6]]], ["三万", 2.6]),
    ("perfxl_exec_rate", [[[None]], [[2.6]]], [None, 2.6]),
    # the optional 实际完成值 left out, as when the formula has three arguments
    ("perfxl_exec_score", [[[3.2]], [[2.6]], [[10]]], [3.2, 2.6, 10]),
    ("perfxl_score", [[["≥40个"]], [["38个"]], [[10]]], ["≥40个", "38个", 10]),
    ("perfxl_grade", [[["九十"]]], ["九十"]),
]


def as_python(name: str, args: list):
    result = getattr(udfs, name)(*args)
    # Office.js shows Excel's own error texts as the errors themselves (xlwings' errorstr_to_errortype)
    return {"type": "Error", "errorType": "Div0"} if result == "#DIV/0!" else result


ODD_CALLS = [
    ({"func_name": name, "args": args, "address": "其他!B2"}, as_python(name, plain)) for name, args, plain in ODD_CELLS
]


@pytest.fixture(scope="module")
def lite(tmp_path_factory):
    """One Pyodide run: perfxl installed as a Lite user installs it, every call made."""
    require(shutil.which("node") is not None, "Node.js (node)")
    pyodide_dir = CACHE / "node_modules" / "pyodide"
    require((pyodide_dir / "pyodide.mjs").is_file(), f"Pyodide {PYODIDE_VERSION} (npm) in {pyodide_dir}")
    micropip = wheel("micropip")
    dependencies = [
        wheel(name)
        for name in (
            "typing_extensions",
            "annotated_types",
            "typing_inspection",
            "pydantic_core",
            "pydantic",
            "xlwings",
        )
    ]
    with zipfile.ZipFile(wheel("xlwings_server")) as zf:
        runtime = {
            name: zf.read(f"xlwings_server/wasm/{name}").decode("utf-8") for name in ("config.py", "wasm_runtime.py")
        }
    # xlwings-server's Wasm mode reads its settings from .env (its cli.create_wasm_settings writes
    # it); Lite's own are not public. "noncommercial" is xlwings' key for noncommercial use.
    runtime[".env"] = 'XLWINGS_LICENSE_KEY="noncommercial"\nXLWINGS_IS_OFFICIAL_LITE_ADDIN=true\n'
    tmp = tmp_path_factory.mktemp("lite")
    job = {
        "pyodide_dir": str(pyodide_dir),
        "micropip_wheel": str(micropip),
        "dependency_wheels": [str(p) for p in dependencies],
        "perfxl_wheel": str(build_perfxl_wheel(tmp)),
        "requirements": (EXAMPLE / "requirements.txt.example").read_text(encoding="utf-8"),
        "main_py": (EXAMPLE / "main.py").read_text(encoding="utf-8"),
        "runtime_files": runtime,
        "calls": [call for call, _ in SEED_CALLS + ODD_CALLS],
    }
    (tmp / "job.json").write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(
        ["node", str(LITE / "run_lite.mjs"), str(tmp / "job.json")], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_lite_registers_the_five_functions_under_the_windows_udf_names(lite):
    functions = {f["id"]: f for f in lite["meta"]["functions"]}
    # no namespace: the cell says =PERFXL_SCORE(...) as with the Windows add-in, the file _xldudf_PERFXL_SCORE
    assert sorted(functions) == sorted(name.upper() for name in FUNCTIONS)
    assert all(f["name"] == f["id"] for f in functions.values())
    params = {fid: [p["name"] for p in f["parameters"]] for fid, f in functions.items()}
    assert params == {
        "PERFXL_EXEC_RATE": ["budget", "spent"],
        "PERFXL_EXEC_SCORE": ["budget", "spent", "weight", "actual"],
        "PERFXL_SCORE": ["target", "actual", "weight"],
        "PERFXL_TOTAL": ["rule_scores", "self_scores"],
        "PERFXL_GRADE": ["total"],
    }
    assert [p.get("optional", False) for p in functions["PERFXL_EXEC_SCORE"]["parameters"]] == [False] * 3 + [True]
    # the function wizard's Chinese help comes along
    assert functions["PERFXL_SCORE"]["parameters"][0]["description"].startswith("预期指标值")


def test_lite_gives_the_engine_results_on_every_seed_forms_indicators(lite):
    assert len(FORMS) == 13
    results = lite["results"][: len(SEED_CALLS)]
    got = [(call["func_name"], call["address"], result) for (call, _), result in zip(SEED_CALLS, results)]
    want = [(call["func_name"], call["address"], [[expected]]) for call, expected in SEED_CALLS]
    assert got == want
    assert {call["func_name"] for call, _ in SEED_CALLS} == set(FUNCTIONS)


def test_lite_shows_errors_and_empty_cells_as_the_windows_add_in_does(lite):
    results = lite["results"][len(SEED_CALLS) :]
    assert results == [[[expected]] for _, expected in ODD_CALLS]


def test_installing_perfxl_in_pyodide_pulls_only_what_scoring_uses(lite):
    assert lite["platform"] == "emscripten"
    installed = set(lite["installed"])
    assert "perfxl" in installed
    # what perfxl's markers ask for in Pyodide: pydantic only (Pyodide has it), nothing to fetch
    assert lite["wanted"] == ["pydantic"]
    assert not [line for line in lite["log"] if "Failed to load" in line or "Didn't find package" in line]
    # xlwings is there because Lite's requirements.txt asks for it, not perfxl's
    unwanted = {name.replace("_", "-") for name in NOT_FOR_SCORING} - {"xlwings"}
    assert installed & unwanted == set()


# --- without Pyodide: the same promise in this Python ----------------------------------------------


BLOCKER = """
import importlib.abc, sys
class Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.partition(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, Missing())
"""


def run_without(blocked: list[str], code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", BLOCKER.format(blocked=set(blocked)) + code],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_scoring_imports_without_the_packages_pyodide_lacks():
    code = """
import sys
import perfxl.udfs
from perfxl.engine import score_indicator
from perfxl.rules import DEFAULT_RULES
from perfxl.values import parse_value
# import perfxl.udfs loads the scoring modules only, not the readers and writers
assert not {"perfxl.read", "perfxl.checker", "perfxl.write", "perfxl.load"} & set(sys.modules), sorted(sys.modules)
print(perfxl.udfs.perfxl_score("≥40个", "38个", 10), score_indicator("≥40个", "38个", 10, DEFAULT_RULES).rule_score)
"""
    done = run_without(NOT_FOR_SCORING, code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["9.5", "9.5"]


def test_seed_forms_read_without_calamine_and_an_xls_names_the_missing_package():
    xls = sorted((ROOT / "tests" / "data" / "xls").glob("*.xls"))[0]
    code = f"""
import perfxl
print(sum(len(perfxl.read_forms(p)) for p in {[str(p) for p in SEEDS]!r}))
perfxl.read_forms({str(xls)!r})
"""
    done = run_without(NOT_FOR_SCORING, code)
    assert done.stdout.split() == ["13"]  # perfxl's own .xlsx reader needs no calamine
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("perfxl.optional.MissingPackage: ")
    assert f"读取 {xls.name}：需要 Python 包 python-calamine" in last
