"""The benchmark's Python Dash renderer fires the same callbacks, in the same order, as a browser."""

from __future__ import annotations

import dash
from dash import Input, Output, State, dcc, html

from benchmarks.dashclient import DashSession, FlaskTransport, split_output


def _app() -> dash.Dash:
    app = dash.Dash(__name__)
    app.layout = html.Div(
        [
            dcc.Location(id="url"),
            dcc.Dropdown(
                id="dd", options=[{"label": "A", "value": "A"}, {"label": "B", "value": "B"}], value="A"
            ),
            dcc.Input(id="note", value="n1"),
            html.Div(id="out"),
            html.Div(id="count"),
            html.Div(id="loc"),
        ]
    )

    @app.callback(
        Output("out", "children"), Input("url", "pathname"), Input("dd", "value"), State("note", "value")
    )
    def page(pathname: str, value: str, note: str) -> object:
        return html.Div(
            [
                html.Span(f"{pathname}|{value}|{note}", id="label"),
                dcc.RadioItems(id="radio", options=[1, 2, 3], value=1),
                html.Div(id="out2"),
            ]
        )

    @app.callback(
        Output("out2", "children"),
        Output("count", "children"),
        Input("radio", "value"),
        Input("label", "children"),
    )
    def inner(radio: int, label: str) -> tuple[str, str]:
        return f"{label}#{radio}", str(radio * 10)

    @app.callback(Output("loc", "children"), Input("url", "search"), prevent_initial_call=True)
    def router(search: str) -> str:
        return f"search={search}"

    @app.callback(Output("note", "value"), Input("dd", "value"), prevent_initial_call=True)
    def never_initially(value: str) -> str:
        return f"changed-{value}"

    return app


def test_split_output() -> None:
    assert split_output("a.children") == [("a", "children")]
    assert split_output("..a.children...b.figure@abc..") == [("a", "children"), ("b", "figure")]
    assert split_output('{"i":1,"t":"x"}.value') == [('{"i":1,"t":"x"}', "value")]


def test_initial_load_then_filter_change() -> None:
    sess = DashSession(FlaskTransport(_app().server))
    initial = sess.load("/priority?wave=2025")
    # The Location-driven router fires although it has prevent_initial_call (the address bar sets it).
    assert [r.output for r in initial] == [
        "out.children",
        "loc.children",
        "..out2.children...count.children..",
    ]
    assert sess.index["loc"]["children"] == "search=?wave=2025"
    assert all(r.status == 200 and r.trigger == "initial" for r in initial)
    assert sess.index["out2"]["children"] == "/priority|A|n1#1"
    assert sess.index["count"]["children"] == "10"
    assert not sess.errors

    controls = sess.filter_controls()
    assert [(c, p) for c, p, _ in controls] == [("dd", "value"), ("radio", "value")]
    assert controls[0][2] == ["A", "B"]

    changed = sess.set_value("dd", "value", "B")
    outputs = [r.output for r in changed]
    # dd feeds the page callback and the prevent_initial_call one; the new inner layout fires inner.
    assert sorted(outputs[:2]) == ["note.value", "out.children"]
    assert outputs[2] == "..out2.children...count.children.."
    assert changed[0].body["changedPropIds"] == ["dd.value"]
    assert sess.index["count"]["children"] == "10"
    assert sess.index["out2"]["children"].startswith("/priority|B|")

    radio = sess.set_value("radio", "value", 3)
    assert [r.output for r in radio] == ["..out2.children...count.children.."]
    assert sess.index["count"]["children"] == "30"
    assert radio[0].body_bytes > 0 and radio[0].elapsed_ms > 0


def test_pattern_matching_all_inputs() -> None:
    from dash import ALL

    app = dash.Dash(__name__)
    app.layout = html.Div(
        [
            dcc.Dropdown(id={"type": "gf", "field": "tier"}, options=["basic", "middle"], value="basic"),
            dcc.Dropdown(id={"type": "gf", "field": "wave"}, options=["2025", "2026"], value="2025"),
            html.Div(id="summary"),
        ]
    )

    @app.callback(Output("summary", "children"), Input({"type": "gf", "field": ALL}, "value"))
    def summarise(values: list[str]) -> str:
        return "|".join(values)

    sess = DashSession(FlaskTransport(app.server))
    initial = sess.load("/")
    assert [r.output for r in initial] == ["summary.children"]
    assert sess.index["summary"]["children"] == "basic|2025"
    controls = [c for c, _, _ in sess.filter_controls()]
    assert controls == ['{"field":"tier","type":"gf"}', '{"field":"wave","type":"gf"}']
    changed = sess.set_value('{"field":"wave","type":"gf"}', "value", "2026")
    assert len(changed) == 1
    assert changed[0].body["changedPropIds"] == ['{"field":"wave","type":"gf"}.value']
    assert [i["value"] for i in changed[0].body["inputs"][0]] == ["basic", "2026"]
    assert sess.index["summary"]["children"] == "basic|2026"


def test_pattern_matching_match_callbacks_fire_per_component() -> None:
    """A MATCH callback is one request per matching component on load, and only the changed
    component's instance fires on a change; ALL inputs in the same callback arrive as lists."""
    from dash import ALL, MATCH

    app = dash.Dash(__name__)
    app.layout = html.Div(
        [
            dcc.Dropdown(id={"type": "gf", "field": "wave"}, options=["2025", "2026"], value="2025"),
            *[
                html.Div(
                    [
                        dcc.Dropdown(id={"type": "fmt", "n": n}, options=["a", "b"], value="a"),
                        html.Div(id={"type": "table", "n": n}),
                    ]
                )
                for n in (19, 20, 21)
            ],
        ]
    )

    @app.callback(
        Output({"type": "table", "n": MATCH}, "children"),
        Input({"type": "fmt", "n": MATCH}, "value"),
        Input({"type": "gf", "field": ALL}, "value"),
        State({"type": "fmt", "n": MATCH}, "id"),
    )
    def table(fmt: str, waves: list[str], cid: dict[str, int]) -> str:
        return f"t{cid['n']}:{fmt}:{'|'.join(waves)}"

    sess = DashSession(FlaskTransport(app.server))
    initial = sess.load("/")
    assert len(initial) == 3
    assert sorted(r.body["outputs"]["id"]["n"] for r in initial) == [19, 20, 21]
    assert all(r.status == 200 for r in initial)
    assert sess.index['{"n":20,"type":"table"}']["children"] == "t20:a:2025"

    changed = sess.set_value('{"n":21,"type":"fmt"}', "value", "b")
    assert [r.body["outputs"]["id"]["n"] for r in changed] == [21]
    assert changed[0].body["changedPropIds"] == ['{"n":21,"type":"fmt"}.value']
    assert sess.index['{"n":21,"type":"table"}']["children"] == "t21:b:2025"
    assert sess.index['{"n":19,"type":"table"}']["children"] == "t19:a:2025"

    # A change of the ALL input reaches every instance.
    again = sess.set_value('{"field":"wave","type":"gf"}', "value", "2026")
    assert sorted(r.body["outputs"]["id"]["n"] for r in again) == [19, 20, 21]
    assert sess.index['{"n":21,"type":"table"}']["children"] == "t21:b:2026"
