"""The ``perfxl`` command: a thin layer over the library API (see :mod:`perfxl`)."""

from __future__ import annotations

import json
import sys

import click

from .checker import check_files
from .engine import scored
from .inputs import expand_inputs
from .model import Form
from .reader import read_forms
from .rules import RulesError, load_rules
from .sources import TEXT_SUFFIXES, ReadError

_RULES_HELP = "评分规则文件（TOML），覆盖 财预〔2020〕10号 默认规则"


def _rules(path):
    try:
        return load_rules(path)
    except RulesError as exc:
        raise click.UsageError(str(exc)) from exc


def _inputs(items):
    files = expand_inputs(items)
    if not files:
        raise click.UsageError("没有找到要处理的文件（支持 xlsx、xlsm、xls、ods、txt）")
    return files


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="perfxl")
def main():
    """perfxl：区级部门预算项目绩效自评表的读取、复核评分与检查工具。"""


def _form_text(form: Form) -> str:
    c = form.computed
    lines = [
        f"项目名称：{form.project or '—'}    填报单位：{form.unit or '—'}    年度：{form.year or '—'}",
        f"预算数 {_n(form.budget.total)}  到位数 {_n(form.received.total)}  执行数 {_n(form.spent.total)}  {form.money_unit or ''}"
        f"    预算执行率 {'—' if c.exec_rate is None else f'{c.exec_rate * 100:.2f}%'}"
        f"（填写 {form.stated_progress or '—'}）",
        "  一级指标 | 二级指标 | 三级指标 | 预期指标值 | 实际完成值 | 分值 | 自评得分 | 复核得分",
    ]
    for ind, res in zip(form.indicators, c.indicators):
        weight = _n(res.weight) + ("*" if res.weight_inferred else "")
        lines.append(
            f"  {ind.level1} | {ind.level2} | {ind.name} | {ind.target or '—'} | {ind.actual or '—'} | "
            f"{weight} | {_n(ind.score)} | {_n(res.rule_score)}"
        )
    lines.append(f"  总分：自评 {_n(form.stated_total)}，复核 {_n(c.total)}（{c.grade or '—'}）")
    if c.weights_inferred:
        lines.append("  * 表中无分值列，分值按一级指标分值平均推定")
    return "\n".join(lines)


def _n(x) -> str:
    return "—" if x is None else f"{x:g}"


@main.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出（每张表一个对象，多张表为数组）")
@click.option("--rules", "rules_file", type=click.Path(dir_okay=False), help=_RULES_HELP)
def read(files, as_json, rules_file):
    """读取自评表并复核评分：FILES 为 xlsx/xlsm/xls/ods 工作簿、制表符分隔的文本或文件夹。

    退出码：0 全部读取成功；2 有文件无法读取（其余文件照常输出）。
    """
    rules = _rules(rules_file)
    paths = _inputs(files)
    out, failed, many = [], False, len(paths) > 1
    for path in paths:
        try:
            forms = [scored(f, rules) for f in read_forms(path)]
        except ReadError as exc:
            click.echo(f"{exc.path}: 无法读取：{exc.reason}", err=True)
            failed = True
            continue
        many = many or len(forms) > 1 or path.suffix.lower() in TEXT_SUFFIXES
        out.extend(forms)
    if as_json:
        data = [f.model_dump(mode="json") for f in out]
        click.echo(json.dumps(data if many else (data[0] if data else []), ensure_ascii=False, indent=2))
    else:
        for form in out:
            click.echo(f"== {form.source.file if form.source else ''}")
            click.echo(_form_text(form))
    sys.exit(2 if failed else 0)


@main.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出检查结果")
@click.option("--rules", "rules_file", type=click.Path(dir_okay=False), help=_RULES_HELP)
@click.option("--errors-only", is_flag=True, help="只列出错误，不列警告")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, show_default=True,
              help="并行进程数；0 表示文件较多时使用全部 CPU 核")
def check(files, as_json, rules_file, errors_only, jobs):
    """检查自评表中的错误与疑点：每条问题有代码、级别（错误/警告）、位置与说明。

    退出码：0 没有错误；1 有错误；2 有文件无法读取（其余文件照常检查并输出）。
    """
    rules = _rules(rules_file)
    report = check_files(_inputs(files), rules, jobs=jobs or None)
    if errors_only:
        for fr in report.files:
            for r in fr.forms:
                r.findings = [f for f in r.findings if f.level == "error"]
    click.echo(report.to_json() if as_json else report.to_text())
    for fr in report.unreadable:
        if as_json:  # the text report already names them on stdout
            click.echo(f"{fr.file}: 无法读取：{fr.error}", err=True)
    sys.exit(report.exit_code())


@main.command()
@click.argument("files", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="汇总表（.xlsx）")
@click.option("--title", "--unit", "title", help="标题中的部门名称（默认取各表的实施(主管)单位）")
@click.option("--year", type=int, help="标题中的年度（默认取各表的年度）")
@click.option("--rules", "rules_file", type=click.Path(dir_okay=False), help=_RULES_HELP)
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="并行进程数（默认 CPU 核数；1 为不并行）")
@click.option("--force", is_flag=True, help="覆盖已存在的汇总表")
@click.option("--json", "as_json", is_flag=True, help="同时以 JSON 输出汇总内容")
@click.option("--csv", "csv_dir", type=click.Path(file_okay=False), help="同时把每个工作表写成 CSV（UTF-8 BOM）到此文件夹")
def consolidate(files, output, title, year, rules_file, jobs, force, as_json, csv_dir):
    """把多张自评表汇总成一个工作簿：项目汇总、单位汇总、指标明细、问题清单。

    退出码：0 全部读取成功；1 有文件无法读取（汇总表照常写出）；2 用法错误（含输出文件已存在而未用 --force）。
    """
    from concurrent.futures import ProcessPoolExecutor

    from .consolidate import ConsolidateError, InlineExecutor
    from .consolidate import consolidate as run_consolidate

    rules = _rules(rules_file)
    paths = _inputs(files)
    executor = None
    if jobs == 1:
        executor = InlineExecutor()
    elif jobs:
        executor = ProcessPoolExecutor(max_workers=jobs)
    progress = None
    if sys.stderr.isatty():
        progress = click.progressbar(length=len(paths), label="汇总", file=sys.stderr)
        progress.__enter__()
    try:
        summary = run_consolidate(paths, output, rules=rules, title=title, year=year, executor=executor,
                                  force=force, collect=bool(as_json or csv_dir),
                                  on_file=(lambda _r: progress.update(1)) if progress else None)
    except ConsolidateError as exc:
        raise click.UsageError(str(exc)) from exc
    finally:
        if progress is not None:
            progress.__exit__(None, None, None)
        if executor is not None:
            executor.shutdown()
    for file, reason in summary.unreadable:
        click.echo(f"{file}: 无法读取：{reason}", err=True)
    if csv_dir:
        summary.write_csv(csv_dir)
    if as_json:
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    else:
        t = summary.totals
        click.echo(f"已写出 {summary.output}：{summary.files} 个文件，{summary.forms} 张表，"
                   f"问题 {summary.findings} 条（重复 {summary.duplicates}），无法读取 {len(summary.unreadable)} 个；"
                   f"预算执行率 {_pct(t.get('exec_rate'))}")
    sys.exit(summary.exit_code())


def _pct(x) -> str:
    return "—" if x is None else f"{x * 100:.2f}%"


if __name__ == "__main__":  # pragma: no cover
    main()
