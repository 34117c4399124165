"""The ``perfxl`` command: a thin layer over the library API (see :mod:`perfxl`)."""

from __future__ import annotations

import json
from pathlib import Path
import sys

import click

from .checker import check_files
from .engine import scored
from .inputs import expand_inputs
from .model import Form
from .read import read_forms
from .rules import RulesError, load_rules
from .sources import TEXT_SUFFIXES, ReadError
from .workers import FILE_TIMEOUT, FileFailed, reading_executor

_RULES_HELP = "评分规则文件（TOML），覆盖 财预〔2020〕10号 默认规则"
_TIMEOUT_OPTION = click.option(
    "--timeout", type=click.FloatRange(min=0, min_open=True), default=FILE_TIMEOUT, show_default=True,
    help="每个文件读取与检查的时限（秒），超时的文件记为无法读取")


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


def _forms_or_reason(path: Path) -> list[Form] | str:
    """The forms of a file, or why it cannot be read (a ReadError does not cross processes whole)."""
    try:
        return read_forms(path)
    except ReadError as exc:
        return exc.reason


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
    # in worker processes, as check and consolidate read: a file that crashes the reader is one line
    for path, read_ in zip(paths, reading_executor(len(paths)).map(_forms_or_reason, paths)):
        reason = read_.reason if isinstance(read_, FileFailed) else read_ if isinstance(read_, str) else None
        if reason is not None:
            click.echo(f"{path}: 无法读取：{reason}", err=True)
            failed = True
            continue
        forms = [scored(f, rules) for f in read_]
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
@_TIMEOUT_OPTION
def check(files, as_json, rules_file, errors_only, jobs, timeout):
    """检查自评表中的错误与疑点：每条问题有代码、级别（错误/警告）、位置与说明。

    退出码：0 没有错误；1 有错误；2 有文件无法读取（其余文件照常检查并输出）。
    """
    rules = _rules(rules_file)
    report = check_files(_inputs(files), rules, jobs=jobs or None, timeout=timeout)
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
@_TIMEOUT_OPTION
def consolidate(files, output, title, year, rules_file, jobs, force, as_json, csv_dir, timeout):
    """把多张自评表汇总成一个工作簿：项目汇总、单位汇总、指标明细、问题清单。

    退出码：0 全部读取成功；1 有文件无法读取（汇总表照常写出）；2 用法错误（含输出文件已存在而未用 --force）。
    """
    from .consolidate import ConsolidateError
    from .consolidate import consolidate as run_consolidate

    rules = _rules(rules_file)
    paths = _inputs(files)
    if csv_dir:
        _writable_folder(csv_dir)
    executor = reading_executor(len(paths), jobs, timeout=timeout) if jobs else None  # None: consolidate's own default
    progress = None
    if sys.stderr.isatty():
        progress = click.progressbar(length=len(paths), label="汇总", file=sys.stderr)
        progress.__enter__()
    try:
        summary = run_consolidate(paths, output, rules=rules, title=title, year=year, executor=executor,
                                  force=force, collect=bool(as_json or csv_dir), timeout=timeout,
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


_LEVEL1_SHORT = {"产出": "产出指标", "效益": "效益指标", "满意度": "满意度指标", "预算执行率": "预算执行率指标"}


def _weights(items) -> dict[str, float] | None:
    if not items:
        return None
    out = {}
    for item in items:
        name, sep, value = item.replace("＝", "=").partition("=")
        try:
            out[_LEVEL1_SHORT.get(name.strip(), name.strip())] = float(value)
        except ValueError:
            raise click.UsageError(f"--weight {item}：应写成 一级指标=分值，如 产出指标=50") from None
        if not sep or not name.strip():
            raise click.UsageError(f"--weight {item}：应写成 一级指标=分值，如 产出指标=50")
    return out


@main.command()
@click.option("-o", "--output", required=True, type=click.Path(),
              help="写出的模板（.xlsx）；按项目清单或多张表生成时为文件夹")
@click.option("--from", "source", type=click.Path(exists=True, dir_okay=False),
              help="按此文件预填：自评表 JSON（perfxl read --json 的输出）、任一格式的自评表，或项目清单（CSV / xlsx）")
@click.option("--year", type=click.IntRange(1900, 2999), help="年度（默认留空，由填报人填写）")
@click.option("--unit", help="填报单位")
@click.option("--project", help="项目名称")
@click.option("--budget", type=float, help="预算数（万元）")
@click.option("--rows", type=click.IntRange(1, 50), default=3, show_default=True, help="每个二级指标的空白指标行数")
@click.option("--weight", "weights", multiple=True, metavar="一级=分值",
              help="一级指标分值，可重复，如 --weight 产出=40 --weight 效益=40（默认取评分规则）")
@click.option("--formulas", type=click.Choice(["udf", "native"]), default="udf", show_default=True,
              help="udf：调用 perfxl 的 xlwings 函数；native：只用 Excel/WPS/LibreOffice 自带函数")
@click.option("--rules", "rules_file", type=click.Path(dir_okay=False), help=_RULES_HELP)
@click.option("--force", is_flag=True, help="覆盖已存在的文件")
def template(output, source, year, unit, project, budget, rows, weights, formulas, rules_file, force):
    """写出官方格式的绩效自评表模板（空白、预填，或把已填的表写回模板）。

    退出码：0 全部写出；1 项目清单中有行无法使用（其余照常写出）；2 用法错误。
    """
    from .files import OutputError
    from .template import TemplateOptions, write_template, write_templates

    rules = _rules(rules_file)
    options = TemplateOptions(year=year, unit=unit, project=project, budget=budget, rows=rows,
                              level1_weights=_weights(weights), formulas=formulas)
    problems: list[str] = []
    try:
        if source is None:
            written = [write_template(output, options=options, rules=rules, force=force)]
        else:
            forms, blank = _template_sources(source, options, rules, problems)
            if len(forms) == 1 and not blank and not output.endswith(("/", "\\")) and not Path(output).is_dir():
                written = [write_template(output, forms[0], options=options, rules=rules, force=force)]
            else:
                if output.lower().endswith((".xlsx", ".xlsm")):
                    raise click.UsageError(f"{source} 含 {len(forms)} 个项目/表，每个写成一个工作簿："
                                           f"-o 应为文件夹，而不是 {output}")
                written = write_templates(forms, output, options=options, rules=rules, blank=blank, force=force)
    except (OutputError, ReadError) as exc:
        raise click.UsageError(str(exc)) from exc
    for problem in problems:
        click.echo(problem, err=True)
    for path in written:
        click.echo(f"已写出 {path}")
    sys.exit(1 if problems else 0)


def _template_sources(source, options, rules, problems):
    """(forms, blank) to write from --from: a project list pre-fills; forms are written as written."""
    from .sources import load_grids
    from .template import find_list_header, read_project_list

    path = Path(source)
    is_list = path.suffix.lower() == ".csv"
    if not is_list and path.suffix.lower() not in {".json", *TEXT_SUFFIXES}:
        grids = load_grids(path)
        is_list = bool(grids) and find_list_header(grids[0].rows) is not None
    if is_list:
        projects = read_project_list(path, options, rules)
        problems.extend(projects.problems)
        if not projects.forms:
            raise click.UsageError(f"{path}: 项目清单中没有可用的项目")
        return projects.forms, True
    return read_forms(path), False


@main.command()
@click.option("--path", "config_path", type=click.Path(dir_okay=False),
              help="写入此 xlwings.conf，而不是用户配置 %USERPROFILE%\\.xlwings\\xlwings.conf")
@click.option("--interpreter", help="Excel 调用的 python.exe（INTERPRETER_WIN）；Windows 上默认为当前 Python")
@click.option("--vba", "vba_file", type=click.Path(dir_okay=False),
              help="另写出 Import Functions 会生成的 VBA 模块（.bas，可在 VBA 编辑器中导入）")
@click.option("--dry-run", is_flag=True, help="只显示将写入的配置，不写任何文件")
def addin(config_path, interpreter, vba_file, dry_run):
    """让 Excel 能调用 perfxl 的单元格函数（xlwings UDF）：在 xlwings.conf 中把 UDF Modules 指向 perfxl.udfs。

    保留配置文件中已有的其他设置。退出码：0 成功；1 文件无法读取或写入；2 用法错误。
    """
    from .addin import AddinError, UDF_MODULE, update_user_config, write_vba

    try:
        update = update_user_config(config_path, interpreter, dry_run=dry_run)
        if vba_file and not dry_run:
            write_vba(vba_file)
    except AddinError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(1)
    if dry_run:
        click.echo(f"（试运行，未写入）{update.path} 将为：")
        click.echo(update.text.replace("\r\n", "\n"), nl=False)
        if vba_file:
            click.echo(f"（试运行）将写出 VBA 模块 {vba_file}")
    elif update.written:
        click.echo(f"已更新 {update.path}：")
        for key, old, new in update.changes:
            click.echo(f"  {key}：{old or '（无）'} → {new}")
    else:
        click.echo(f"{update.path} 已指向 {UDF_MODULE}，无需修改。")
    if vba_file and not dry_run:
        click.echo(f"已写出 VBA 模块 {vba_file}（即 Import Functions 生成的 xlwings_udfs 模块）")
    if update.interpreter is None:
        click.echo("提示：当前不是 Windows，未设置 INTERPRETER_WIN；请在 Windows 上运行 perfxl addin，"
                   "或用 --interpreter 指定 python.exe 的路径。", err=True)
    if not dry_run:
        click.echo("下一步：xlwings addin install 安装加载项；打开模板并另存为 .xlsm，"
                   "在 VBA 编辑器（Alt+F11）工具→引用中勾选 xlwings；在 xlwings 选项卡点 Import Functions。")


def _writable_folder(folder) -> None:
    """Make ``folder`` and check a file can be written in it, before any input is read.

    Raises:
        click.UsageError: it cannot be made or written to.
    """
    import tempfile
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as exc:
        raise click.UsageError(f"无法写入 CSV 文件夹 {folder}（{exc.strerror or exc}）") from exc


def _pct(x) -> str:
    return "—" if x is None else f"{x * 100:.2f}%"


if __name__ == "__main__":  # pragma: no cover
    main()
