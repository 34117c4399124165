# xlwings Lite 的 main.py：perfxl 的五个评分函数成为 Excel 自定义函数（=PERFXL_SCORE(F12,G12,H12) 等）
from perfxl.udfs import *  # noqa: F403
