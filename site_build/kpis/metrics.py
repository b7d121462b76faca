"""KPI evaluation: each catalogue KPI computed in DuckDB for the latest complete
period, with the previous period, the same period a year earlier, a short
history for sparklines, and a status (on-track, watch, alert, no-data).

One query per KPI returns every period's value; Python only picks periods.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass, field

from site_build import periods
from site_build.data.engine import QueryEngine
from site_build.data.sql_names import ident, literal
from site_build.errors import MacroError, QueryError
from site_build.formats import format_delta, format_period, format_value
from site_build.i18n import _
from site_build.kpis.catalogue import KPI, Catalogue
from site_build.kpis.status import BREACH

log = logging.getLogger("handbook.metrics")


@dataclass
class KPIValue:
    """One KPI evaluated at the data date."""

    kpi: KPI
    period: dt.date | None
    value: float | None
    previous: float | None
    year_ago: float | None
    history: list[tuple[dt.date, float | None]]
    latest_data: dt.date | None
    resources: tuple[str, ...]
    stale: bool = False
    #: the slice it was evaluated for, e.g. (("channel", "抖音"),); empty for the whole KPI
    where: tuple[tuple[str, object], ...] = ()
    status: str = field(init=False)

    def __post_init__(self):
        self.status = self.kpi.status_of(self.value)

    @property
    def slice_label(self) -> str:
        """The slice's values, for a card's heading: 抖音, or 抖音 · 女装."""
        return " · ".join(str(v) for _, v in self.where)

    @property
    def label(self) -> str:
        """The KPI's label, with its slice when it has one: 转化率 · 抖音."""
        return " · ".join([self.kpi.label, *([self.slice_label] if self.where else [])])

    @property
    def period_label(self) -> str:
        if self.kpi.window == "all":
            return _("all data to %(date)s") % {"date": self.period.isoformat() if self.period else "—"}
        period = format_period(self.period, self.kpi.grain)
        return _("%(period)s (to date)") % {"period": period} if self.kpi.window == "to_date" else period

    def display(self, value="current") -> str:
        v = self.value if value == "current" else value
        return format_value(v, self.kpi.format, digits=self.kpi.digits, unit=self.kpi.unit)

    @property
    def target_display(self) -> str:
        kpi = self.kpi
        if kpi.target_max is None:
            return format_value(kpi.target, kpi.format, digits=kpi.digits, unit=kpi.unit)
        low, high = sorted((kpi.target, kpi.target_max))
        # the unit once, after the range: 3–5%, not 3%–5%
        return (
            f"{format_value(low, kpi.format, digits=kpi.digits)}–"
            f"{format_value(high, kpi.format, digits=kpi.digits, unit=kpi.unit)}"
        )

    def threshold_display(self, level: str) -> str:
        value = {
            "watch": self.kpi.watch_level,
            "alert": self.kpi.alert,
            "target": self.kpi.target,
            "target_max": self.kpi.target_max,
        }[level]
        return format_value(value, self.kpi.format, digits=self.kpi.digits, unit=self.kpi.unit)

    def delta(self, against: str = "previous") -> float | None:
        base = self.previous if against == "previous" else self.year_ago
        if self.value is None or base is None:
            return None
        return self.value - base

    def relative(self, against: str = "previous") -> float | None:
        base = self.previous if against == "previous" else self.year_ago
        d = self.delta(against)
        return None if d is None or not base else d / abs(base)

    def delta_display(self, against: str = "previous") -> str:
        return format_delta(
            self.delta(against), self.kpi.format, relative=self.relative(against), digits=self.kpi.digits
        )

    def improved(self, against: str = "previous") -> bool | None:
        """True when the change moved the KPI the good way for its direction."""
        d = self.delta(against)
        if d is None or d == 0:
            return None
        return (d > 0) == (self.kpi.direction == "higher")

    @property
    def play(self) -> str | None:
        return self.kpi.play.for_status(self.status) if self.kpi.play else None

    def breached_periods(self) -> int:
        """How many periods in a row, up to the current one, the KPI has been in watch or alert (0: not now)."""
        if self.status not in BREACH:
            return 0
        count = 0
        for _period, value in reversed(self.history):
            if value is None or self.kpi.status_of(value) not in BREACH:
                break
            count += 1
        return max(count, 1)  # the current period is in breach, even with no history kept

    def snapshot(self) -> dict:
        """A JSON-ready summary for the build manifest."""
        return {
            "label": self.kpi.label,
            "format": self.kpi.format,
            "direction": self.kpi.direction,
            "target": self.kpi.target,
            "watch": self.kpi.watch_level,
            "alert": self.kpi.alert,
            "period": format_period(self.period, self.kpi.grain),
            "value": self.value,
            "previous": self.previous,
            "display": self.display(),
            "target_display": self.target_display,
            "status": self.status,
            "stale": self.stale,
            "owner": self.kpi.owner,
            "play": self.play,
            "section": self.kpi.play.section if self.kpi.play else None,
            "breach_periods": self.breached_periods(),
        }


class Metrics:
    """Evaluates catalogue KPIs lazily and remembers them for the build."""

    def __init__(self, catalogue: Catalogue, engine: QueryEngine, *, today: dt.date | None = None):
        self.catalogue = catalogue
        self.engine = engine
        self.today = today or dt.date.today()
        self._values: dict[object, KPIValue] = {}
        #: kpi id -> the resources its evaluation read
        self.reads: dict[str, frozenset[str]] = {}
        self._as_of: dt.date | None = None

    @property
    def as_of(self) -> dt.date | None:
        """The data date: the max of the catalogue's as_of column, else of every KPI time column."""
        if self._as_of is None:
            pairs = (
                [self.catalogue.as_of]
                if self.catalogue.as_of
                else sorted({(k.resource, k.time) for k in self.catalogue.kpis.values() if k.resource})
            )
            dates = [d for d in (self._max_date(res, col) for res, col in pairs) if d is not None]
            self._as_of = max(dates) if dates else None
        return self._as_of

    def get(self, kpi_id: str, where: dict | None = None) -> KPIValue:
        """The KPI at the data date; ``where`` evaluates it for one slice, e.g. ``{"channel": "抖音"}``."""
        kpi = self.catalogue.kpi(kpi_id)
        key = kpi_id if not where else (kpi_id, *sorted(_slice(kpi, where, self.catalogue).items()))
        if key not in self._values:
            with self.engine.readers.recording() as read:
                self._values[key] = self._evaluate(kpi, where or {})
            # a slice reads what the whole KPI reads: the page depends on the same resources
            self.reads[kpi_id] = self.reads.get(kpi_id, frozenset()) | frozenset(read)
        return self._values[key]

    def all(self) -> list[KPIValue]:
        return [self.get(k) for k in self.catalogue.kpis]

    def _max_date(self, resource: str, column: str, where: str | None = None, params=None) -> dt.date | None:
        sql = f"SELECT CAST(max({ident(column)}) AS DATE) FROM {ident(resource)}" + (f" WHERE {where}" if where else "")
        return self.engine.query(sql, params or None, label=f"max {resource}.{column}").scalar()

    def _evaluate(self, kpi: KPI, where: dict) -> KPIValue:
        as_of = self.as_of
        # slice values go in as parameters, never into the SQL text
        params = list(where.values())
        conditions = " AND ".join([f"({kpi.filter})"] * bool(kpi.filter) + [f"{ident(column)} = ?" for column in where])
        try:
            result = self.engine.query(self._series_sql(kpi, conditions), params or None, label=f"kpi {kpi.id}")
        except QueryError as e:
            raise QueryError(
                f"KPI '{kpi.id}' ({_rel(self.catalogue.path)}:{kpi.line}) could not be computed.\n{e}"
            ) from None
        series = {row[0]: (None if row[1] is None else float(row[1])) for row in result.rows if row[0] is not None}
        if as_of is None:
            current = None
        elif kpi.window == "all":
            # one value over the whole data: the query's only row (an sql: KPI's latest)
            current = max(series) if series else None
        elif kpi.window == "to_date":
            current = periods.start_of(as_of, kpi.grain)
        else:
            current = periods.latest_complete(as_of, kpi.grain)
        history = []
        if current is not None and kpi.window != "all":
            start = periods.shift(current, kpi.grain, -(kpi.history - 1))
            history = [(p, series.get(p)) for p in _walk(start, current, kpi.grain)]
        if kpi.sql and kpi.window != "all" and current is not None and current not in series:
            self._no_row(kpi, current, sorted(series))
        latest = (
            self._max_date(kpi.resource, kpi.time, conditions, params)
            if kpi.resource
            else (max(series) if series else None)
        )
        age = (self.today - latest).days if latest else None
        stale = bool(kpi.freshness_days and age is not None and age > kpi.freshness_days)
        if stale:
            log.warning(
                "KPI '%s' is stale: its newest data is from %s, %d days before %s, over freshness_days: %s "
                "(%s:%s). Add newer data to '%s', or raise freshness_days if this is expected.",
                kpi.id,
                latest,
                age,
                self.today,
                kpi.freshness_days,
                _rel(self.catalogue.path),
                kpi.line,
                kpi.resource or "the data",
            )
        return KPIValue(
            kpi=kpi,
            period=current,
            value=series.get(current) if current else None,
            previous=series.get(periods.shift(current, kpi.grain, -1)) if current else None,
            year_ago=series.get(periods.year_before(current, kpi.grain)) if current else None,
            history=history,
            latest_data=latest,
            resources=result.resources,
            stale=stale,
            where=tuple(where.items()),
        )

    def _no_row(self, kpi: KPI, period: dt.date, returned: list[dt.date]) -> None:
        """Warn (a strict build fails) that an ``sql:`` KPI has no row for the period its card shows."""
        seen = ", ".join(p.isoformat() for p in returned[-3:]) or "none"
        log.warning(
            "KPI '%s' (%s:%s): its sql returned no row for period %s, the %s its card shows (data as of %s). "
            "Return period as the first day of each period, e.g. CAST(date_trunc('%s', day) AS DATE). "
            "Its last periods: %s.",
            kpi.id,
            _rel(self.catalogue.path),
            kpi.line,
            period,
            kpi.grain,
            self.as_of,
            kpi.grain,
            seen,
        )

    def _series_sql(self, kpi: KPI, conditions: str) -> str:
        grain = literal(kpi.grain)
        as_of = f"DATE {literal(self.as_of.isoformat())}" if self.as_of else "DATE '9999-12-31'"
        if kpi.sql:
            columns = "CAST(period AS DATE) AS period, CAST(value AS DOUBLE) AS value"
            return f"SELECT {columns} FROM ({kpi.sql}) AS _k ORDER BY 1"
        # the catalogue's schema admits a KPI without sql only with resource and expression
        assert kpi.resource is not None
        time, table = ident(kpi.time), ident(kpi.resource)
        where = f"CAST({time} AS DATE) <= {as_of}" + (f" AND {conditions}" if conditions else "")
        if kpi.window == "all":
            since = f" AND CAST({time} AS DATE) >= DATE {literal(kpi.since.isoformat())}" if kpi.since else ""
            return (
                f"SELECT {as_of} AS period, CAST({kpi.expression} AS DOUBLE) AS value FROM {table} WHERE {where}{since}"
            )
        if kpi.window == "to_date":
            assert kpi.since is not None  # Catalogue.check refuses window: to_date without since
            where += f" AND CAST({time} AS DATE) >= DATE {literal(kpi.since.isoformat())}"
            return (
                f"WITH _src AS (SELECT *, CAST(date_trunc({grain}, {time}) AS DATE) AS _p FROM {table} WHERE {where}), "
                f"_periods AS (SELECT DISTINCT _p FROM _src) "
                f"SELECT _periods._p AS period, "
                f"(SELECT CAST({kpi.expression} AS DOUBLE) FROM _src WHERE _src._p <= _periods._p) AS value "
                f"FROM _periods ORDER BY 1"
            )
        return (
            f"SELECT CAST(date_trunc({grain}, {time}) AS DATE) AS period, CAST({kpi.expression} AS DOUBLE) AS value "
            f"FROM {table} WHERE {where} GROUP BY 1 ORDER BY 1"
        )


def _slice(kpi: KPI, where, catalogue: Catalogue) -> dict:
    """Check ``where`` names only the KPI's dimensions, each with one plain value."""
    call = f"kpi('{kpi.id}', where=…)"
    if not isinstance(where, dict):
        raise MacroError(f"{call}: where takes a mapping of column to value, like where={{'channel': '抖音'}}.")
    for column, value in where.items():
        if column not in kpi.dimensions:
            allowed = ", ".join(kpi.dimensions) or "none"
            raise MacroError(
                f"{call}: KPI '{kpi.id}' cannot be evaluated per '{column}'; its dimensions: {allowed}. "
                f"If its target also holds for one {column}, add dimensions: [{column}] to it in "
                f"{_rel(catalogue.path)}:{kpi.line}."
            )
        if value is None or not isinstance(value, str | int | float | dt.date):
            raise MacroError(f"{call}: where['{column}'] must be a text, number or date, not {value!r}.")
    return dict(where)


def _rel(path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _walk(start: dt.date, end: dt.date, grain: str):
    p = start
    while p <= end:
        yield p
        p = periods.shift(p, grain, 1)
