"""Charts as PNG images (matplotlib's Agg backend, no display): area scores against target and
maximum, task status by lead agency, target attainment, late dossiers and apologies by month.

Each function draws one figure from :class:`reports.data.Facts`, so the Word report and the
web pages show the same picture for the same point in time. Figures are built without
``pyplot``: no global state, safe in the web server's threads.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from projections.views import STATUS_VN, TASK_STATUSES
from reports.data import Facts
from reports.vn_dates import vn_number

COLOURS = {
    "completed_on_time": "#2e7d32",
    "completed_late": "#9e9d24",
    "in_progress": "#1565c0",
    "not_started": "#9e9e9e",
    "overdue": "#c62828",
    "cancelled": "#5d4037",
    "met": "#2e7d32",
    "at_risk": "#ef6c00",
    "not_met": "#c62828",
    "no_data": "#9e9e9e",
}
DPI = 120


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return buffer.getvalue()


def _figure(height: float) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(8, height))
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _empty(figure: Figure, axes: Axes, text: str) -> bytes:
    """The chart when there is nothing to draw: the reason, in its place."""
    axes.text(0.5, 0.5, text, ha="center", va="center", fontsize=12, color="#555555")
    axes.set_axis_off()
    return _png(figure)


def _short(text: str, width: int = 38) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def area_scores(facts: Facts) -> bytes:
    """Per area: the score aimed at, the maximum, and the self-assessed and appraised scores."""
    areas = facts.views["area_scores"]["areas"]
    figure, axes = _figure(4.2)
    if not areas:
        return _empty(figure, axes, "Kế hoạch chưa có lĩnh vực")
    series = [
        ("max_score", "Điểm tối đa", "#cfd8dc"),
        ("target_score", "Điểm phấn đấu", "#1565c0"),
        ("self_assessed", "Điểm tự chấm", "#ef6c00"),
        ("appraised", "Điểm thẩm định", "#2e7d32"),
    ]
    width = 0.2
    for i, (key, label, colour) in enumerate(series):
        values = [float(Decimal(a[key])) if a[key] is not None else 0.0 for a in areas]
        xs = [n + (i - 1.5) * width for n in range(len(areas))]
        axes.bar(xs, values, width, label=label, color=colour)
    axes.set_xticks(range(len(areas)), [a["area"] for a in areas])
    axes.set_ylabel("Điểm")
    axes.set_title("Điểm các lĩnh vực so với mục tiêu và tối đa")
    axes.legend(fontsize=8, ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.08))
    return _png(figure)


def task_status_by_agency(facts: Facts) -> bytes:
    """Leaf tasks of each lead agency, stacked by status."""
    by_lead: dict[str, dict[str, int]] = facts.views["task_board"]["by_lead"]
    figure, axes = _figure(max(2.5, 0.38 * len(by_lead) + 1.4))
    if not by_lead:
        return _empty(figure, axes, "Chưa có nhiệm vụ")
    agencies = sorted(by_lead, key=lambda a: (-sum(by_lead[a].values()), facts.name(a)))
    labels = [_short(facts.name(a)) for a in agencies]
    left = [0] * len(agencies)
    for status in TASK_STATUSES:
        counts = [by_lead[a].get(status, 0) for a in agencies]
        if any(counts):
            axes.barh(labels, counts, left=left, label=STATUS_VN[status], color=COLOURS[status])
            left = [x + c for x, c in zip(left, counts, strict=True)]
    axes.invert_yaxis()
    axes.set_xlabel("Số nhiệm vụ")
    axes.set_title("Trạng thái nhiệm vụ theo cơ quan chủ trì")
    axes.legend(fontsize=8, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    axes.tick_params(axis="y", labelsize=8)
    return _png(figure)


def target_attainment(facts: Facts) -> bytes:
    """Each indicator measured in per cent against its threshold, coloured by its status."""
    rows = [
        r
        for r in facts.views["target_attainment"]["indicators"]
        if facts.indicators.get(r["indicator"], {}).get("unit") == "%"
    ]
    figure, axes = _figure(max(2.5, 0.32 * len(rows) + 1.4))
    if not rows:
        return _empty(figure, axes, "Chưa có chỉ số tính theo tỷ lệ %")
    labels = [r["indicator"] for r in rows]
    values = [float(Decimal(r["value"])) if r["value"] is not None else 0.0 for r in rows]
    colours = [COLOURS[r["status"]] for r in rows]
    axes.barh(labels, values, color=colours)
    for n, r in enumerate(rows):
        threshold = float(Decimal(str(facts.indicators[r["indicator"]]["threshold"])))
        axes.plot([threshold, threshold], [n - 0.4, n + 0.4], color="black", linewidth=2)
        text = "chưa có số liệu" if r["value"] is None else f"{vn_number(r['value'])} %"
        axes.text(values[n] + 1, n, text, va="center", fontsize=7)
    axes.invert_yaxis()
    axes.set_xlim(0, 115)
    axes.set_xlabel("% (vạch đen: mức yêu cầu)")
    counts = Counter(r["status"] for r in facts.views["target_attainment"]["indicators"])
    summary = ", ".join(f"{STATUS_VN[s]} {n}" for s, n in sorted(counts.items()))
    axes.set_title(f"Mức đạt các chỉ tiêu ({summary})", fontsize=10)
    return _png(figure)


def dossiers_by_month(facts: Facts) -> bytes:
    """Late dossiers by the month they fell due, with the apologies sent in time and not."""
    dossiers = facts.views["apology_register"]["dossiers"]
    figure, axes = _figure(3.6)
    if not dossiers:
        return _empty(figure, axes, "Chưa ghi nhận hồ sơ trễ hạn nào")
    late: Counter[str] = Counter()
    in_time: Counter[str] = Counter()
    for d in dossiers:
        month = d["due_on"][:7]
        late[month] += 1
        in_time[month] += bool(d["apology_in_time"])
    months = sorted(late)
    labels = [f"{m[5:]}/{m[:4]}" for m in months]
    xs = range(len(months))
    late_bars = [late[m] for m in months]
    in_time_bars = [in_time[m] for m in months]
    axes.bar([x - 0.2 for x in xs], late_bars, 0.4, label="Hồ sơ trễ hạn", color="#c62828")
    axes.bar(
        [x + 0.2 for x in xs], in_time_bars, 0.4, label="Có phiếu xin lỗi đúng hạn", color="#2e7d32"
    )
    axes.set_xticks(list(xs), labels)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel("Số hồ sơ")
    axes.set_title("Hồ sơ trễ hạn và phiếu xin lỗi theo tháng")
    axes.legend(fontsize=8)
    return _png(figure)


CHARTS: dict[str, tuple[str, Callable[[Facts], bytes]]] = {
    "scores": ("Điểm các lĩnh vực", area_scores),
    "tasks": ("Trạng thái nhiệm vụ theo cơ quan", task_status_by_agency),
    "targets": ("Mức đạt chỉ tiêu", target_attainment),
    "apologies": ("Hồ sơ trễ hạn và xin lỗi theo tháng", dossiers_by_month),
}
