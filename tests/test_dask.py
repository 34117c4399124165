"""Beyond one machine: the examples consolidated through a real dask.distributed cluster's executor
give the summary the process pool gives (``pip install 'perfxl[dask]'``)."""

from concurrent.futures import ProcessPoolExecutor

import distributed  # the dask extra: .ci/run installs it
import openpyxl
import pytest
from click.testing import CliRunner

from perfxl.cli import main
from perfxl.consolidate import SHEETS, consolidate
from tests.support.seed import DUMP, EXAMPLES, XLSX

INPUTS = [*XLSX, DUMP]


def _sheets(path):
    wb = openpyxl.load_workbook(path)
    out = {}
    for name in SHEETS:
        rows = [list(r) for r in wb[name].iter_rows(values_only=True)]
        out[name] = rows[:1] + rows[2:] if name == "项目汇总" else rows  # the info line holds the time
    return out


@pytest.fixture(scope="module")
def cluster():
    # two worker processes of one thread: what a cluster does (pickling, other processes), kept small
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c


def test_dask_executor_gives_the_process_pools_summary(cluster, tmp_path):
    with distributed.Client(cluster) as client:
        by_dask = consolidate(INPUTS, tmp_path / "dask.xlsx", executor=client.get_executor(), collect=True)
    with ProcessPoolExecutor(2) as pool:
        by_pool = consolidate(INPUTS, tmp_path / "pool.xlsx", executor=pool, collect=True)
    assert by_dask.totals == by_pool.totals and by_dask.totals["budget"] == pytest.approx(992.47)
    assert _sheets(tmp_path / "dask.xlsx") == _sheets(tmp_path / "pool.xlsx")
    assert by_dask.sheets["问题清单"] == by_pool.sheets["问题清单"]


def test_cli_on_an_existing_cluster(cluster, tmp_path):
    out = tmp_path / "s.xlsx"
    result = CliRunner().invoke(
        main,
        [
            "consolidate",
            str(EXAMPLES),
            "-o",
            str(out),
            "--dask",
            cluster.scheduler_address,
            "--feedback",
            str(tmp_path / "fb"),
        ],
    )
    assert result.exit_code == 1, result.output  # the seed forms' errors
    assert "计入 13，重复 13" in result.stdout
    assert _sheets(out)["项目汇总"][-1][3] == pytest.approx(992.47)
    assert sorted(p.name for p in (tmp_path / "fb" / "投资服务局").glob("批注-*.xlsx"))  # made by the workers


def test_unreachable_scheduler_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.setattr("perfxl.cli.DASK_CONNECT_TIMEOUT", "1s")  # the wait, not the behaviour
    result = CliRunner().invoke(
        main, ["consolidate", str(EXAMPLES), "-o", str(tmp_path / "s.xlsx"), "--dask", "tcp://127.0.0.1:9"]
    )
    assert result.exit_code == 2 and "Dask" in result.stderr
    assert not (tmp_path / "s.xlsx").exists()
