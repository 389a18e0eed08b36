"""/report-tables: Tables 19-25 of the 2025 report rebuilt live, with differences and footnotes."""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from dashboard import components as comp
from dashboard.cache import callback_cache, layout_cache
from dashboard.components import sections
from dashboard.filters import Filters
from dashboard.i18n import current_lang, label, t
from dashboard.scope import Scope
from dashboard.services import common as common_svc
from dashboard.services import report_tables as svc

log = logging.getLogger(__name__)

dash.register_page(__name__, path="/report-tables", title="報告表格 · Report tables", order=2)

PAGE = "/report-tables"
ID = comp.ids("report-tables")
GF = sections.FILTERS_ALL
TABLES = (19, 20, 21, 22, 23, 24, 25)
SCOPE_OF = {v: k for k, v in svc.SCOPE_TABLES.items()}
CATEGORY_OF = {v: k for k, v in svc.WORKGROUP_TABLES.items()}
# Which of CHECKS.md's findings bear on each table.
FOOTNOTES: dict[int, tuple[str, ...]] = {
    19: ("fn_d7", "fn_k5", "fn_d11", "fn_consistency"),
    20: ("fn_d7", "fn_k5", "fn_d10"),
    21: ("fn_d7", "fn_k5", "fn_n8", "fn_local_n"),
    22: ("fn_d7", "fn_k5", "fn_n14", "fn_local_n"),
    23: ("fn_d1", "fn_middle_pooled", "fn_d13", "fn_d14_senior", "fn_ties"),
    24: ("fn_d1", "fn_middle_pooled", "fn_d12", "fn_d13", "fn_d14_senior", "fn_d14_copy", "fn_ties"),
    25: ("fn_d1", "fn_middle_pooled", "fn_d12", "fn_d13", "fn_d14_senior", "fn_ties"),
}

SERVICES = {
    "live_scores": svc.live_scores,
    "report_table": svc.report_table,
    "workgroup_scores": svc.workgroup_scores,
    "workgroup_table": svc.workgroup_table,
    "report_tables_summary": svc.report_tables_summary,
    "report_tables_summary_part": svc.report_tables_summary_part,
}


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{value:.{digits}f}" if digits else f"{int(value)}"


def scores_display(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Table 19-22 in the report's layout: one row per printed competency, per tier the live
    score and rank and the published score (N/A where the tier was not asked). Plain Python over
    the grid's rows (a few hundred cells)."""
    na, hidden = t("report_tables.na", lang), t("report_tables.hidden", lang)
    asked = df["asked"].to_numpy(dtype=bool).tolist()
    suppressed = df["suppressed"].to_numpy(dtype=bool).tolist()
    score, rank = df["score"].to_numpy(dtype=float).tolist(), df["rank"].to_numpy(dtype=float).tolist()
    pub = df["published_score"].to_numpy(dtype=float).tolist()
    pub_rank = df["published_rank"].to_numpy(dtype=float).tolist()
    tiers, row_order = df["tier"].tolist(), df["row_order"].tolist()
    ns = np.asarray(pd.to_numeric(df["n"], errors="coerce"), dtype=float).tolist()
    cells: dict[tuple[Any, Any], tuple[str, str, str]] = {}
    n_by_tier: dict[Any, float] = {}
    for i, (tier, row) in enumerate(zip(tiers, row_order, strict=True)):
        n = ns[i]
        if not np.isnan(n):
            n_by_tier[tier] = max(n, n_by_tier.get(tier, n))
        if not asked[i]:
            cells[(tier, row)] = (na, na, na)
            continue
        live_ok = not suppressed[i] and not np.isnan(score[i])
        score_txt = f"{score[i]:.2f}" if live_ok else hidden
        rank_txt = ("" if np.isnan(rank[i]) else f"{int(rank[i])}") if live_ok else hidden
        # A live rank that differs from the printed one is marked, so mismatches are visible.
        if live_ok and not rank[i] == pub_rank[i]:
            rank_txt += " ≠"
        v, r = pub[i], pub_rank[i]
        pub_txt = "" if np.isnan(v) else (f"{v:.2f} ({int(r)})" if not np.isnan(r) else f"{v:.2f}")
        cells[(tier, row)] = (score_txt, rank_txt, pub_txt)
    name_col = "competency_en" if lang == "en" else "competency_zh"
    first: dict[Any, int] = {}
    for i, row in enumerate(row_order):
        first.setdefault(row, i)
    rows = sorted(first)
    categories, names = df["category"].tolist(), df[name_col].tolist()
    out: dict[str, list[Any]] = {
        t("report_tables.col_category", lang): [
            t(f"priority.category_{categories[first[r]]}", lang) for r in rows
        ],
        t("report_tables.col_competency", lang): [names[first[r]] for r in rows],
    }
    missing = (np.nan, np.nan, np.nan)
    for tier in svc.TIERS:
        n = n_by_tier.get(tier)
        n_text = "—" if n is None else f"{int(n):,}"
        head = t("report_tables.tier_n", lang, tier=label("tier", tier, lang), n=n_text)
        part = [cells.get((tier, r), missing) for r in rows]
        out[f"{head} {t('report_tables.col_score', lang)}"] = [c[0] for c in part]
        out[f"{head} {t('report_tables.col_rank', lang)}"] = [c[1] for c in part]
        out[f"{head} {t('report_tables.col_published', lang)}"] = [c[2] for c in part]
    return pd.DataFrame(out)


def workgroup_display(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Tables 23-25: per tier × work group the live top list next to the report's list."""
    sep = ", " if lang == "en" else "、"
    hidden = t("report_tables.hidden", lang)
    notes = df["list_exception"].tolist() if "list_exception" in df else [""] * len(df)
    cells: dict[tuple[Any, Any], dict[str, Any]] = {}
    for tier, wg, live_code, pub_code, n, note in zip(
        df["tier"].tolist(),
        df["workgroup"].tolist(),
        df["live_code"].tolist(),
        df["published_code"].tolist(),
        df["n"].tolist(),
        notes,
        strict=True,
    ):
        cell = cells.setdefault((tier, wg), {"live": [], "pub": [], "n": n, "note": note})
        if isinstance(live_code, str):
            cell["live"].append(label("competency", live_code, lang))
        if isinstance(pub_code, str):
            cell["pub"].append(label("competency", pub_code, lang))
    rows = []
    for (tier, wg), cell in cells.items():
        # Table 26's middle column pools part 1-2 of middle and senior respondents (D14).
        tier_text = (
            t("report_tables.tier_middle_pooled", lang)
            if tier == "middle"
            else label("tier", str(tier), lang)
        )
        note, n = cell["note"], cell["n"]
        rows.append(
            {
                t("priority.col_tier", lang): tier_text,
                t("report_tables.col_workgroup", lang): label("workgroup", str(wg), lang),
                t("report_tables.col_live_list", lang): sep.join(cell["live"]) if cell["live"] else hidden,
                t("report_tables.col_published_list", lang): sep.join(cell["pub"])
                + (f" ({t('report_tables.see_checks', lang, item=note)})" if note else ""),
                t("report_tables.col_n", lang): "—" if pd.isna(n) else f"{int(n):,}",
            }
        )
    return pd.DataFrame(rows)


def _summary_columns(lang: str) -> list[str]:
    keys = ("table", "scope", "cells", "hidden", "max_diff", "within", "rank_mismatch", "explained")
    return [t(f"report_tables.col_{k}", lang) for k in keys]


def summary_display(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    def scope_text(row: pd.Series) -> str:
        if row["table"] in SCOPE_OF:
            return t(f"report_tables.scope_{row['scope']}", lang)
        return t(f"priority.category_{row['scope']}", lang)

    values = [
        df["table"].astype(int),
        [scope_text(r) for _, r in df.iterrows()],
        df["cells_compared"].astype(int),
        df["cells_hidden"].astype(int),
        [_fmt(v, 3) for v in df["max_abs_diff"]],
        [t("common.yes" if w else "common.no", lang) for w in df["within_rounding"]],
        df["rank_mismatches"].astype(int),
        [f"{int(n)} ({by})" if n else "0" for n, by in zip(df["explained"], df["explained_by"], strict=True)],
    ]
    return pd.DataFrame(dict(zip(_summary_columns(lang), values, strict=True)))


def table_frame(scope: Scope, filters: Filters, number: int, lang: str) -> pd.DataFrame:
    """The display frame of a table: what the page shows and what its download contains."""
    if number in SCOPE_OF:
        return scores_display(svc.report_table(scope, filters, SCOPE_OF[number]), lang)
    return workgroup_display(svc.workgroup_table(scope, filters, CATEGORY_OF[number]), lang)


def _cell_class(value: str) -> str | None:
    return "na" if value in ("N/A",) else None


def _html_table(df: pd.DataFrame, caption: str, table_id: str) -> html.Div:
    return sections.report_table(df.astype(str), caption, table_id, _cell_class)


def _title(number: int, lang: str) -> str:
    if number in SCOPE_OF:
        return t(
            "report_tables.table19_22_title",
            lang,
            number=number,
            scope=t(f"report_tables.scope_{SCOPE_OF[number]}", lang),
        )
    return t(
        "report_tables.table23_25_title",
        lang,
        number=number,
        category=t(f"priority.category_{CATEGORY_OF[number]}", lang),
    )


def _side(number: int, row: dict[str, Any], lang: str) -> list[Any]:
    """The comparison beside a table (its row of the summary): largest difference, within
    rounding or not, mismatches, hidden and explained cells."""
    items: list[Any] = []
    if pd.isna(row["max_abs_diff"]):
        items.append(html.P(t("report_tables.max_diff_none", lang)))
    else:
        key = "report_tables.max_diff" if number in SCOPE_OF else "report_tables.table26_diff"
        items.append(
            html.P(html.Strong(t(key, lang, value=f"{row['max_abs_diff']:.3f}")), id=ID(f"t{number}-maxdiff"))
        )
        ok = bool(row["within_rounding"])
        items.append(
            dbc.Badge(
                t("report_tables.within" if ok else "report_tables.not_within", lang),
                color="success" if ok else "warning",
                text_color="dark" if not ok else None,
                className="mb-2 text-wrap",
            )
        )
    mism = "report_tables.rank_mismatch" if number in SCOPE_OF else "report_tables.list_mismatch"
    items.append(html.P(t(mism, lang, n=int(row["rank_mismatches"])), className="small"))
    if int(row["cells_hidden"]):
        items.append(
            html.P(t("report_tables.hidden_cells", lang, n=int(row["cells_hidden"])), className="small")
        )
    if int(row["explained"]):
        items.append(
            html.P(
                t("report_tables.explained", lang, n=int(row["explained"]), items=row["explained_by"]),
                className="small",
                id=ID(f"t{number}-explained"),
            )
        )
    return items


def table_outputs(scope: Scope, filters: Filters, number: int, lang: str) -> tuple[Any, list[Any]]:
    """One table's callback output: the table in the report's layout and the comparison beside
    it, both from one build of the table (its summary row is computed from the same frame)."""
    f = svc.report_filters(scope, filters)
    if number in SCOPE_OF:
        table = svc.report_table(scope, f, SCOPE_OF[number])
        frame = scores_display(table, lang)
    else:
        table = svc.workgroup_table(scope, f, CATEGORY_OF[number])
        frame = workgroup_display(table, lang)
    row = svc.table_summary(table, number)
    return _html_table(frame, _title(number, lang), ID(f"t{number}")), _side(number, row, lang)


def summary_rows(scope: Scope, filters: Filters, part: str, lang: str) -> list[Any]:
    """A summary callback's output: the body rows of Tables 19-22 (`part="scopes"`) or of
    Tables 23-25 (`part="workgroups"`): a few rows, sent as row components (html_dict) because
    they fill a Tbody of the summary table rather than a table of their own."""
    summary = svc.report_tables_summary_part(scope, svc.report_filters(scope, filters), part)
    shown = summary_display(summary, lang).astype(str)
    return [
        comp.html_dict("Tr", [comp.html_dict("Td", v, _cell_class(v)) for v in row])
        for row in shown.itertuples(index=False)
    ]


def _summary_table(lang: str) -> html.Div:
    """The summary table with its caption and header; its two row groups (Tables 19-22, Tables
    23-25) are filled by two callbacks. The same classes as sections.report_table's tables."""
    caption = t("report_tables.summary_title", lang)
    return comp.scroll_region(
        dbc.Table(
            [
                html.Caption(caption),
                html.Thead(html.Tr([html.Th(c, scope="col") for c in _summary_columns(lang)])),
                *(html.Tbody(id=ID(f"summary-{part}")) for part in svc.SUMMARY_PARTS),
            ],
            bordered=True,
            size="sm",
            striped=True,
            className="report-table mb-0",
            id=ID("summary"),
        ),
        caption,
    )


def _card(number: int, lang: str, may_export: bool) -> dbc.Card:
    """A table's card: an empty container for the table and for the comparison beside it (filled
    by the table's callback), the static notes, download controls and footnotes."""
    title = _title(number, lang)
    body = dbc.Row(
        [
            dbc.Col(
                [
                    dcc.Loading(html.Div(id=ID(f"t{number}-box")), type="default"),
                    html.P(
                        t("report_tables.na_note", lang) + " " + t("report_tables.rank_note", lang),
                        className="small text-muted",
                    )
                    if number in SCOPE_OF
                    else None,
                    comp.download_controls(f"report-tables-t{number}", lang, may_export),
                    html.Div(
                        id=f"report-tables-t{number}-download-msg",
                        className="small text-danger",
                        role="status",
                    ),
                ],
                lg=9,
            ),
            dbc.Col(
                html.Aside(
                    [
                        html.Div(id=ID(f"t{number}-side")),
                        html.H3(t("report_tables.footnotes", lang), className="h6 mt-2"),
                        html.Ol(
                            [
                                html.Li(t(f"report_tables.{k}", lang), className="small")
                                for k in FOOTNOTES[number]
                            ]
                        ),
                    ],
                    className="small",
                ),
                lg=3,
            ),
        ]
    )
    return dbc.Card(
        [dbc.CardHeader(html.H2(title, className="h6 m-0")), dbc.CardBody(body)],
        className="figure-card",
        id=ID(f"card-{number}"),
    )


def skeleton(lang: str, may_export: bool) -> list[Any]:
    """The page's content without data: the callbacks fill the summary and every table on the
    first call and on each filter change, each on its own (so each is timed, and runs, alone)."""
    return [
        html.H2(t("report_tables.summary_title", lang), className="h5"),
        dcc.Loading(_summary_table(lang), type="default"),
        *(_card(number, lang, may_export) for number in TABLES),
    ]


def _layout(**query: str) -> html.Div:
    lang = current_lang()
    scope = common_svc.current_scope()
    filters = svc.report_filters(scope, Filters.from_query(query))
    # The page shows only the wave filter: its options need no agency list (a query).
    options = {"wave": list(common_svc.waves(scope)["wave"].astype(str))}
    return html.Div(
        [
            html.H1(t("report_tables.title", lang), className="h3"),
            html.P(t("report_tables.intro", lang), className="small"),
            dbc.Row(
                [
                    dbc.Col(
                        comp.filter_panel(filters, lang, options, fields=("wave",)), lg=2, className="mb-3"
                    ),
                    dbc.Col(html.Div(skeleton(lang, scope.may_export), id=ID("content")), lg=10),
                ]
            ),
        ]
    )


# An unreadable warehouse shows the error panel (and is logged) instead of a traceback.
# Cached per scope, report filters, language, calendar and data version (dashboard.cache).
layout = sections.guarded_layout(layout_cache(_layout, resolver=svc.report_filters), log)


def _register_summary(part: str) -> None:
    def _update(values: list[Any], ids: list[dict[str, str]]) -> list[Any]:
        scope = common_svc.current_scope()
        return summary_rows(scope, comp.filters_from_values(ids, values), part, current_lang())

    # A name per part: the rendered-output cache keys on the function's name.
    _update.__name__ = _update.__qualname__ = f"_update_summary_{part}"
    callback(Output(ID(f"summary-{part}"), "children"), Input(GF, "value"), State(GF, "id"))(
        callback_cache(resolver=svc.report_filters)(_update)
    )


for _part in svc.SUMMARY_PARTS:
    _register_summary(_part)


def _register_table(number: int) -> None:
    def _update(values: list[Any], ids: list[dict[str, str]]) -> tuple[Any, list[Any]]:
        scope = common_svc.current_scope()
        return table_outputs(scope, comp.filters_from_values(ids, values), number, current_lang())

    # A name per table: the rendered-output cache keys on the function's name.
    _update.__name__ = _update.__qualname__ = f"_update_t{number}"
    callback(
        Output(ID(f"t{number}-box"), "children"),
        Output(ID(f"t{number}-side"), "children"),
        Input(GF, "value"),
        State(GF, "id"),
    )(callback_cache(resolver=svc.report_filters)(_update))


for _number in TABLES:
    _register_table(_number)


def _register_download(number: int) -> None:
    prefix = f"report-tables-t{number}"

    @callback(
        Output(f"{prefix}-download", "data"),
        Output(f"{prefix}-download-msg", "children"),
        Input(f"{prefix}-download-btn", "n_clicks"),
        State(f"{prefix}-download-format", "value"),
        State(GF, "id"),
        State(GF, "value"),
        prevent_initial_call=True,
    )
    def _download(_: int, fmt: str, ids_: list[dict[str, str]], values: list[Any]) -> tuple[Any, Any]:
        lang, scope = current_lang(), common_svc.current_scope()
        f = svc.report_filters(scope, comp.filters_from_values(ids_, values))
        return sections.download_reply(
            PAGE, table_frame(scope, f, number, lang), fmt or "csv", f, scope, lang
        )


for _number in TABLES:
    _register_download(_number)
