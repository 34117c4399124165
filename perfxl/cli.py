"""The ``perfxl`` command: a thin layer over the library API (see :mod:`perfxl`)."""

from __future__ import annotations

import contextlib
import errno
import math
import os
import signal
import sys
from pathlib import Path

import click

from .checker import check_files
from .clickzh import install as _click_in_chinese
from .display import json_text, visible
from .engine import scored
from .files import os_reason
from .inputs import Inputs, list_inputs
from .load import TEXT_SUFFIXES, ReadError
from .model import DEPARTMENT, Form
from .optional import MissingPackage, require
from .read import read_forms
from .rules import RulesError, load_rules
from .workers import FILE_TIMEOUT, FileFailed, reading_executor
from .write.options import FORMULA_KINDS

_click_in_chinese()  # before the options below are made: click names some of its words then

_RULES_HELP = "评分规则文件（TOML），覆盖 财预〔2020〕10号 默认规则"
_TIMEOUT_OPTION = click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=FILE_TIMEOUT,
    show_default=True,
    help="每个文件读取与检查的时限（秒），超时的文件记为无法读取",
)


class Failure(click.ClickException):
    """What stops a command before or while it writes (an output refused, a full disk): one line,
    exit 2 unless the command documents another code for it."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


def _rules(path):
    try:
        return load_rules(path)
    except RulesError as exc:
        raise click.UsageError(str(exc)) from exc


#: Every format perfxl reads, as the "no files found" message names them.
_FORMATS_READ = (
    "xlsx、xlsm、xls、xlsb、ods 工作簿，docx、doc、wps、html、pdf 文档，制表符分隔的 txt/tsv 文本，perfxl 的 JSON"
)


def _inputs(items) -> Inputs:
    """The files named, or a usage error before anything is read or written: a name that names no
    file, folder or glob match, or nothing to read at all. Lock files named are passed over, said."""
    found = list_inputs(items)
    if found.missing:
        raise click.UsageError("找不到输入：" + "、".join(found.missing))
    for lock in dict.fromkeys(item for item in items if os.path.basename(item).startswith("~$")):
        # named (an unquoted glob the shell expanded): say why it is not read
        click.echo(f"跳过 {lock}：Excel 打开文件时生成的锁定文件，不是自评表", err=True)
    if not found.files:
        raise click.UsageError(f"没有找到要处理的文件（可读取：{_FORMATS_READ}）")
    return found


def _passed_over(found: Inputs) -> str:
    """What a folder search passed over, for the summary line ("" when nothing)."""
    parts = [f"{n} 个{what}" for n, what in ((found.other, "非表格文件"), (len(found.locks), " Excel 锁定文件")) if n]
    return "跳过 " + "、".join(parts) if parts else ""


def _xlsx(path: str, what: str) -> str:
    """``path``, which must name an .xlsx workbook (XlsxWriter writes no other kind)."""
    if not str(path).lower().endswith(".xlsx"):
        raise click.UsageError(f"{what}应以 .xlsx 结尾：{path}（perfxl 写出的是 Excel 工作簿）")
    return path


_JOBS_HELP = "并行进程数：0（默认）在文件不少于 40 个时使用全部 CPU 核，否则在本进程中读取；1 为不并行"
_jobs_option = click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, show_default=False, help=_JOBS_HELP)


#: The exit code of a run ended by Ctrl-C or a termination signal (128 + SIGINT, as a shell reports it).
INTERRUPTED = 130


class _Command(click.Command):
    """A perfxl command: its usage line says [选项], not [OPTIONS]."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)


class _Group(click.Group):
    """The perfxl command group. Whatever ends a command — a usage error, an output refused or not
    writable, Ctrl-C, SIGTERM or SIGHUP, a full disk behind standard output — ends it with Chinese
    lines on stderr and its exit code, never a traceback; every output's ``finally`` has run."""

    command_class = _Command

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            with _signals_interrupt():
                try:
                    code = super().main(args, prog_name, complete_var, False, **extra)
                except SystemExit as exc:  # the commands exit with their own codes
                    code = exc.code
                if sys.stdout is not None:  # None: started with stdout closed
                    sys.stdout.flush()  # a full disk behind stdout shows here, not at the interpreter's exit
        except (click.Abort, KeyboardInterrupt):
            _tell("已中断：没有留下写了一半的文件，已有的文件保持原样")
            code = INTERRUPTED
        except click.ClickException as exc:
            ctx = getattr(exc, "ctx", None)
            if isinstance(exc, click.UsageError) and ctx is not None:
                _tell(f"用法：{ctx.command_path} {' '.join(ctx.command.collect_usage_pieces(ctx))}")
                _tell(f"（{ctx.command_path} --help 查看帮助）")
            _tell(f"错误：{exc.format_message()}")
            code = exc.exit_code
        except OSError as exc:
            _stdout_to_devnull()  # what stays buffered for a full disk would fail again at exit
            where = f"{exc.filename}：" if exc.filename else "标准输出：" if exc.errno in _FULL else ""
            _tell(f"错误：{where}{os_reason(exc)}")
            code = 2
        sys.exit(code)


#: Errors that a write to a full or limited disk gives.
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)


def _tell(line: str) -> None:
    """An error line on stderr, as :func:`_say` shows it (which may itself fail on a broken stderr)."""
    with contextlib.suppress(OSError):
        _say(line, err=True)


def _say(line: str, err: bool = False) -> None:
    """One line for the terminal: what came from a form or a file name is shown, never obeyed."""
    click.echo(visible(line), err=err)


def _stdout_to_devnull() -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stdout.flush()
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


@contextlib.contextmanager
def _signals_interrupt():
    """SIGTERM and SIGHUP end a command as Ctrl-C does, through every ``finally`` (temporary files
    removed, a partly written output dropped), instead of killing the process where it stands.

    Only in this process: a worker forked from it meanwhile ends as the signal means.
    """
    owner = os.getpid()

    def interrupt(signum, frame):
        if os.getpid() != owner:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise KeyboardInterrupt

    saved = {}
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is None:
            continue
        try:
            saved[sig] = signal.signal(sig, interrupt)
        except (ValueError, OSError):  # not the main thread: leave the signals alone
            break
    try:
        yield
    finally:
        for sig, handler in saved.items():
            if handler is not None:  # None: a handler not set from Python, which cannot be put back
                signal.signal(sig, handler)


@click.group(
    cls=_Group,
    options_metavar="[选项]",
    subcommand_metavar="命令 [参数]...",
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="perfxl", help="显示版本并退出。")
def main():
    """perfxl：区级部门预算项目绩效自评表的读取、复核评分与检查工具。"""


def _form_text(form: Form) -> str:
    c = form.computed
    assert c is not None, "described after scoring"
    lines = [
        (
            f"部门（单位）名称：{form.unit or '—'}（部门整体支出）"
            if form.kind == DEPARTMENT
            else f"项目名称：{form.project or '—'}    填报单位：{form.unit or '—'}"
        )
        + "".join(
            f"    {label}：{value}"
            for label, value in (("主管部门", form.department), ("实施单位", form.implementing_unit))
            if value and value != form.unit
        )
        + f"    年度：{form.year or '—'}",
        f"预算数 {_n(form.budget_total)}  到位数 {_n(form.received.total)}  执行数 {_n(form.spent.total)}  {form.money_unit or ''}"
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
    return "\n".join(map(visible, lines))  # line by line: a field's own line break cannot start a line


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
    """读取自评表并复核评分：FILES 为 xlsx/xlsm/xls/ods 工作簿、docx/html/pdf 文档、制表符分隔的文本或文件夹。

    退出码：0 全部读取成功；2 有文件无法读取（其余文件照常输出），或用法错误。
    """
    from .checker import drop_bad_numbers

    rules = _rules(rules_file)
    paths = _inputs(files).files
    out, failed, many = [], False, len(paths) > 1
    # in worker processes, as check and consolidate read: a file that crashes the reader is one line
    for path, read_ in zip(paths, reading_executor(len(paths)).map(_forms_or_reason, paths)):
        if isinstance(read_, (FileFailed, str)):
            reason = read_.reason if isinstance(read_, FileFailed) else read_
            _say(f"{path}: 无法读取：{reason}", err=True)
            failed = True
            continue
        forms = read_
        for form in forms:  # NaN, infinities and 1e300 are read as empty, and said to be (check: not-a-number)
            for note in drop_bad_numbers(form):
                _say(f"{path}: {note.location}：{note.message}，按空值处理", err=True)
        forms = [scored(f, rules) for f in forms]
        many = many or len(forms) > 1 or path.suffix.lower() in TEXT_SUFFIXES
        out.extend(forms)
    if as_json:
        data = [f.model_dump(mode="json") for f in out]
        click.echo(json_text(data if many else (data[0] if data else []), indent=2))
    else:
        for form in out:
            _say(f"== {form.source.file if form.source else ''}")
            click.echo(_form_text(form))
    sys.exit(2 if failed else 0)


@main.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出检查结果")
@click.option("--rules", "rules_file", type=click.Path(dir_okay=False), help=_RULES_HELP)
@click.option("--errors-only", is_flag=True, help="只列出错误，不列警告")
@_jobs_option
@_TIMEOUT_OPTION
def check(files, as_json, rules_file, errors_only, jobs, timeout):
    """检查自评表中的错误与疑点：每条问题有代码、级别（错误/警告）、位置与说明。

    FILES 为文件、文件夹（递归查找）或通配符。退出码：0 没有错误；1 有错误；2 有文件无法读取（其余文件照常检查并输出），或用法错误。
    """
    rules = _rules(rules_file)
    found = _inputs(files)
    report = check_files(found.files, rules, jobs=jobs or None, timeout=timeout)
    if errors_only:
        for fr in report.files:
            for r in fr.forms:
                r.findings = [f for f in r.findings if f.level == "error"]
    click.echo(report.to_json() if as_json else report.to_text())
    for fr in report.unreadable:
        if as_json:  # the text report already names them on stdout
            _say(f"{fr.file}: 无法读取：{fr.error}", err=True)
    if _passed_over(found):
        _say(_passed_over(found), err=True)
    sys.exit(report.exit_code())


@main.command()
@click.argument("files", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="写出的汇总表（.xlsx）")
@click.option(
    "--title", "--unit", "title", help="标题中的单位名称（默认：各表同属一个单位时取该单位，否则标题写明共几个单位）"
)
@click.option("--year", type=int, help="标题中的年度（默认取各表中最多的年度）")
@click.option("--rules", "rules_file", type=click.Path(dir_okay=False), help=_RULES_HELP)
@_jobs_option
@click.option("--force", is_flag=True, help="覆盖已存在的汇总表（及反馈文件夹中的同名文件）")
@click.option("--json", "as_json", is_flag=True, help="同时以 JSON 输出汇总内容")
@click.option(
    "--csv", "csv_dir", type=click.Path(file_okay=False), help="同时把每个工作表写成 CSV（UTF-8 BOM）到此文件夹"
)
@click.option(
    "--feedback",
    "feedback_dir",
    type=click.Path(file_okay=False),
    help="同时按填报单位写出反馈：每个单位一个文件夹，内有该单位的问题清单和带批注的自评表副本",
)
@click.option(
    "--dask",
    "dask_address",
    metavar="地址",
    help="在已有的 Dask 集群上读取（调度器地址，如 tcp://10.0.0.5:8786；需要 pip install perfxl[dask]）",
)
@_TIMEOUT_OPTION
def consolidate(
    files, output, title, year, rules_file, jobs, force, as_json, csv_dir, feedback_dir, dask_address, timeout
):
    """把多张自评表汇总成一个工作簿：项目汇总、单位汇总、部门整体、指标明细、问题清单。

    同一项目重复报送的只计入一份，未填报的表单列状态、不计入合计与平均。
    FILES 为文件、文件夹（递归查找）或通配符。

    退出码：0 全部读取且计入的表没有错误；1 有表存在错误（汇总表照常写出）；2 有文件无法读取（汇总表照常写出），
    或用法错误（输入不存在、输出不是 .xlsx、输出已存在而未用 --force 等，未写出任何文件）。
    """
    from .consolidate import ConsolidateError
    from .consolidate import consolidate as run_consolidate

    rules = _rules(rules_file)
    _xlsx(output, "汇总表")
    found = _inputs(files)
    paths = found.files
    if feedback_dir:
        _outside_inputs(feedback_dir, files)
    client = _dask_client(dask_address) if dask_address else None
    # None: consolidate's own default (the same rule as check's --jobs 0)
    executor = (
        client.get_executor() if client else reading_executor(len(paths), jobs, timeout=timeout) if jobs else None
    )
    progress = None
    if sys.stderr.isatty():
        progress = click.progressbar(length=len(paths), label="汇总", file=sys.stderr)
        progress.__enter__()
    try:
        summary = run_consolidate(
            paths,
            output,
            rules=rules,
            title=title,
            year=year,
            executor=executor,
            force=force,
            collect=as_json,
            csv_dir=csv_dir,
            shown=found.shown,
            feedback=feedback_dir,
            timeout=timeout,
            on_file=(lambda _r: progress.update(1)) if progress else None,
        )
    except ConsolidateError as exc:
        raise Failure(str(exc)) from exc
    finally:
        if progress is not None:
            progress.__exit__(None, None, None)
        if client is not None:
            client.close()
        elif executor is not None:
            executor.shutdown(cancel_futures=True)
    for file, reason in summary.unreadable:
        _say(f"{file}: 无法读取：{reason}", err=True)
    if as_json:
        click.echo(json_text(summary.to_dict(), indent=2))
    else:
        t = summary.totals
        passed = _passed_over(found)
        _say(
            f"已写出 {summary.output}：{summary.files} 个文件，{summary.forms} 张表（计入 {summary.counted}，"
            f"重复 {summary.duplicates}，未填报 {summary.unfilled}），无法读取 {len(summary.unreadable)} 个"
            + (f"，{passed}" if passed else "")
            + f"；问题 {summary.findings} 条（错误 {summary.errors}）；"
            f"预算执行率 {_pct(t.get('exec_rate'))}"
        )
        if summary.feedback:
            _say(f"反馈：{feedback_dir} 中 {len(summary.feedback)} 个文件")
    sys.exit(summary.exit_code())


def _outside_inputs(folder, items) -> None:
    """A feedback folder inside a folder being read would be read as forms the next time: refuse it."""
    target = os.path.realpath(folder)
    for item in items:
        if os.path.isdir(item):
            root = os.path.realpath(item)
            if target == root or target.startswith(root.rstrip(os.sep) + os.sep):
                raise click.UsageError(
                    f"反馈文件夹 {folder} 在输入文件夹 {item} 之内：下次汇总会把其中的批注副本当作自评表读入，"
                    "请放在别处"
                )


#: How long --dask waits for the scheduler to answer.
DASK_CONNECT_TIMEOUT = "10s"


def _dask_client(address: str):
    """A client of the Dask cluster at ``address`` (its workers read; this process writes)."""
    try:
        from distributed import Client
    except ImportError:
        raise click.UsageError("--dask 需要 Dask：pip install 'perfxl[dask]'") from None
    try:
        return Client(address, timeout=DASK_CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise click.UsageError(f"无法连接 Dask 调度器 {address}（{exc}）") from exc


def _with_weights(rules, items):
    """The rule profile with the 一级 weights of ``--weight`` merged in (产出 or 产出指标 = 40)."""
    from .read.layouts import LEVEL1_NAMES

    weights = {}
    for item in items:
        name, sep, value = item.replace("＝", "=").partition("=")
        try:
            weight = float(value)
        except ValueError:
            weight = math.nan
        if not sep or not name.strip() or not _usable(weight):
            raise click.UsageError(f"--weight {item}：应写成 一级指标=分值，如 产出指标=50")
        name = name.strip()
        weights[LEVEL1_NAMES.get(name.removesuffix("指标"), name)] = weight
    if not weights:
        return rules
    try:
        return rules.with_level1_weights(weights)
    except RulesError as exc:
        raise click.UsageError(f"--weight {' --weight '.join(items)}：{exc}") from exc


def _usable(number: float) -> bool:
    """Not NaN, not infinite (click's float takes "inf" and "nan"), below checker.MAX_NUMBER."""
    from .checker import MAX_NUMBER

    return -MAX_NUMBER < number < MAX_NUMBER


def _number(ctx, param, value):
    """A number option's value, refused unless :func:`_usable`."""
    if value is not None and not _usable(value):
        raise click.UsageError(f"--{param.name} {value:g}：应为数字，且绝对值小于 1e15")
    return value


@main.command()
@click.option(
    "-o", "--output", required=True, type=click.Path(), help="写出的模板（.xlsx）；按项目清单或多张表生成时为文件夹"
)
@click.option(
    "--from",
    "source",
    type=click.Path(exists=True, dir_okay=False),
    help="按此文件预填：自评表 JSON（perfxl read --json 的输出）、任一格式的自评表，或项目清单（CSV / xlsx）",
)
@click.option("--year", type=click.IntRange(1900, 2999), help="年度（默认留空，由填报人填写）")
@click.option("--unit", help="填报单位")
@click.option("--project", help="项目名称")
@click.option("--budget", type=float, callback=_number, help="预算数（万元）")
@click.option("--rows", type=click.IntRange(1, 50), default=3, show_default=True, help="每个二级指标的空白指标行数")
@click.option(
    "--weight",
    "weights",
    multiple=True,
    metavar="一级=分值",
    help="一级指标分值，可重复，如 --weight 产出=40 --weight 效益=40（默认取评分规则）",
)
@click.option(
    "--formulas",
    type=click.Choice(FORMULA_KINDS),
    default=FORMULA_KINDS[0],
    show_default=True,
    help="auto：有 perfxl 加载项时调用其函数，没有时（WPS、LibreOffice、未装加载项的 Excel）用自带函数；"
    "udf：只调用 perfxl 的 xlwings 函数；native：只用自带函数",
)
@click.option("--rules", "rules_file", type=click.Path(dir_okay=False), help=_RULES_HELP)
@click.option("--force", is_flag=True, help="覆盖已存在的文件")
def template(output, source, year, unit, project, budget, rows, weights, formulas, rules_file, force):
    """写出官方格式的绩效自评表模板（空白、预填，或把已填的表写回模板）。

    退出码：0 全部写出；1 项目清单中有行无法使用（其余照常写出）；2 用法错误。
    """
    from .checker import drop_bad_numbers
    from .files import OutputError
    from .write import TemplateOptions, write_template, write_templates

    rules = _with_weights(_rules(rules_file), weights)
    options = TemplateOptions(year=year, unit=unit, project=project, budget=budget, rows=rows, formulas=formulas)
    problems: list[str] = []
    try:
        if source is None:
            written = [write_template(_xlsx(output, "模板"), options=options, rules=rules, force=force)]
        else:
            forms, blank, numbers = _template_sources(source, options, rules, problems)
            for i, form in enumerate(forms, start=1):  # a JSON form may hold 1e400 or NaN: no cell can
                problems.extend(
                    f"{source}: 第 {i} 张表 {note.location}：{note.message}，模板中留空"
                    for note in drop_bad_numbers(form)
                )
            if len(forms) == 1 and not blank and not output.endswith(("/", "\\")) and not Path(output).is_dir():
                written = [
                    write_template(
                        _xlsx(output, "模板（写多个时 -o 为以 / 结尾的文件夹）"),
                        forms[0],
                        options=options,
                        rules=rules,
                        force=force,
                        inputs=[source],
                    )
                ]
            else:
                if output.lower().endswith((".xlsx", ".xlsm")):
                    raise click.UsageError(
                        f"{source} 含 {len(forms)} 个项目/表，每个写成一个工作簿：-o 应为文件夹，而不是 {output}"
                    )
                written = write_templates(
                    forms,
                    output,
                    options=options,
                    rules=rules,
                    blank=blank,
                    force=force,
                    inputs=[source],
                    numbers=numbers,
                )
    except (OutputError, ReadError) as exc:
        raise Failure(str(exc)) from exc
    for problem in problems:
        _say(problem, err=True)
    for path in written:
        _say(f"已写出 {path}")
    sys.exit(1 if problems else 0)


def _template_sources(source, options, rules, problems):
    """(forms, blank, numbers) to write from --from: a project list pre-fills (its files numbered by
    its 序号); forms are written as written."""
    from .load import load_grids
    from .write import find_list_header, read_project_list

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
        return projects.forms, True, projects.numbers
    return read_forms(path), False, None


@main.command()
@click.option(
    "--path",
    "config_path",
    type=click.Path(dir_okay=False),
    help="写入此 xlwings.conf，而不是用户配置 %USERPROFILE%\\.xlwings\\xlwings.conf",
)
@click.option("--interpreter", help="Excel 调用的 python.exe（INTERPRETER_WIN）；Windows 上默认为当前 Python")
@click.option(
    "--vba",
    "vba_file",
    type=click.Path(dir_okay=False),
    help="另写出 Import Functions 会生成的 VBA 模块（.bas，可在 VBA 编辑器中导入）",
)
@click.option("--force", is_flag=True, help="覆盖已存在的 VBA 模块文件（--vba）")
@click.option("--dry-run", is_flag=True, help="只显示将写入的配置，不写任何文件")
@click.option(
    "--xlwings-addin/--no-xlwings-addin",
    "install_addin",
    default=True,
    help="Windows 上同时安装 xlwings 加载项（即 xlwings addin install；默认安装）",
)
def addin(config_path, interpreter, vba_file, force, dry_run, install_addin):
    """让 Excel 能调用 perfxl 的单元格函数（xlwings UDF）：安装 xlwings 加载项，在 xlwings.conf 中把 UDF Modules 指向 perfxl.udfs。

    保留配置文件中已有的其他设置。退出码：0 成功；1 文件无法读取或写入；2 用法错误（含 --vba 文件已存在而未用 --force）。
    """
    try:
        require("xlwings", "安装 Excel 加载项")
    except MissingPackage as exc:
        raise click.ClickException(f"{exc}；请 pip install 'perfxl[excel]'") from None
    from .addin import UDF_MODULE, AddinError, install_xlwings_addin, update_user_config, user_config_path, write_vba
    from .files import OutputError, check_output

    if vba_file and not dry_run:  # refused before xlwings.conf is changed
        conf = Path(config_path) if config_path else user_config_path()
        if os.path.realpath(vba_file) == os.path.realpath(conf):
            raise Failure(f"--vba {vba_file} 与配置文件 {conf} 是同一个文件")
        try:
            check_output(vba_file, force=force)
        except OutputError as exc:
            raise Failure(str(exc)) from exc
    windows = sys.platform.startswith("win")
    try:
        if install_addin and windows and not dry_run:
            # first: xlwings starts the user config file when there is none, perfxl then merges into it
            install_xlwings_addin()
        update = update_user_config(config_path, interpreter, dry_run=dry_run)
        if vba_file and not dry_run:
            write_vba(vba_file, force=force)
    except AddinError as exc:
        raise Failure(str(exc), exit_code=1) from exc
    if dry_run:
        _say(f"（试运行，未写入）{update.path} 将为：")
        for line in update.text.splitlines():
            _say(line)
        if vba_file:
            _say(f"（试运行）将写出 VBA 模块 {vba_file}")
    elif update.written:
        _say(f"已更新 {update.path}：")
        for key, old, new in update.changes:
            _say(f"  {key}：{old or '（无）'} → {new}")
    else:
        _say(f"{update.path} 已指向 {UDF_MODULE}，无需修改。")
    if vba_file and not dry_run:
        _say(f"已写出 VBA 模块 {vba_file}（即 Import Functions 生成的 xlwings_udfs 模块）")
    if update.interpreter is None:
        click.echo(
            "提示：当前不是 Windows，未设置 INTERPRETER_WIN；请在 Windows 上运行 perfxl addin，"
            "或用 --interpreter 指定 python.exe 的路径。",
            err=True,
        )
    if install_addin and not windows:
        click.echo(
            "提示：当前不是 Windows，未安装 xlwings 加载项（在 Windows 上运行 perfxl addin 即会安装）。", err=True
        )
    if not dry_run:
        bas = vba_file or "perfxl_udfs.bas（用 --vba 写出）"
        click.echo(
            f"下一步：打开模板并另存为 .xlsm；在 VBA 编辑器（Alt+F11）中 文件→导入文件 {bas}，工具→引用 勾选 xlwings。"
        )


def _pct(x) -> str:
    return "—" if x is None else f"{x * 100:.2f}%"


if __name__ == "__main__":  # pragma: no cover
    main()
