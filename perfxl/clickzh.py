"""click's own messages in Chinese: perfxl speaks Chinese to its users, click's errors and help included.

click (8.x) looks each of its messages up through gettext, as the names ``_`` and ``ngettext`` bound
in each of its modules. :func:`install` binds them to functions that look here first and fall back
to gettext, so that a message click adds or rewords later stays English rather than breaking.
"""

from __future__ import annotations

import gettext
import importlib

#: click's message → perfxl's. Placeholders as click fills them.
MESSAGES = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Show this message and exit.": "显示此帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行“{command} {option}”查看帮助。",
    "Aborted!": "已中断。",
    "Missing command.": "缺少命令。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "Value must be an iterable.": "值应为一组值。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的数字。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是有效的是/否值，可用：{states}",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，不是文件夹。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹，不是文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 无法读取。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 无法写入。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "unknown error": "未知错误",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
}

#: click's (singular, plural) → perfxl's, one text whatever the number (Chinese has no plural);
#: it names only values click gives both forms (or the plural's, for the plural).
PLURALS = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): "多余的参数（{args}）",
    (
        "Option {name!r} requires an argument.",
        "Option {name!r} requires {nargs} arguments.",
    ): "选项 {name!r} 需要 {nargs} 个值。",
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"): "（是否想用：{possibilities}？）",
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."): "{value!r} 不在可选值 {choices} 中。",
    (
        "Takes {nargs} values but 1 was given.",
        "Takes {nargs} values but {len} were given.",
    ): "需要 {nargs} 个值，给出了 {len} 个。",
}

#: The click modules that bind ``_`` / ``ngettext``.
_MODULES = ("core", "exceptions", "parser", "types", "decorators", "formatting", "termui")


def _gettext(message: str) -> str:
    return MESSAGES.get(message) or gettext.gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return PLURALS.get((singular, plural)) or gettext.ngettext(singular, plural, n)


def install() -> None:
    """Make click speak Chinese from now on, in this process (idempotent)."""
    for name in _MODULES:
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:  # a click that has reorganised its modules: it simply stays English
            continue
        if hasattr(module, "_"):
            module._ = _gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext  # type: ignore[attr-defined]
