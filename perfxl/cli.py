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
def check(files, as_json, rules_file, errors_only):
    """检查自评表中的错误与疑点：每条问题有代码、级别（错误/警告）、位置与说明。

    退出码：0 没有错误；1 有错误；2 有文件无法读取（其余文件照常检查并输出）。
    """
    rules = _rules(rules_file)
    report = check_files(_inputs(files), rules)
    if errors_only:
        for fr in report.files:
            for r in fr.forms:
                r.findings = [f for f in r.findings if f.level == "error"]
    click.echo(report.to_json() if as_json else report.to_text())
    for fr in report.unreadable:
        if as_json:  # the text report already names them on stdout
            click.echo(f"{fr.file}: 无法读取：{fr.error}", err=True)
    sys.exit(report.exit_code())


if __name__ == "__main__":  # pragma: no cover
    main()
